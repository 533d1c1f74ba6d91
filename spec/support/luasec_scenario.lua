-- The same LuaSec program for LuaSec and for pyssl.luasec:
--   lua luasec_scenario.lua ssl|pyssl.luasec PKI_DIR
-- prints one line per observation; spec/luasec_spec.lua runs it with both
-- modules and compares the lines. Client and server run in this one
-- process: non-blocking handshakes stepped in turn, then reads with
-- timeout 0 (nil, "wantread") or short timeouts. Loopback only.
local modname, PKI = arg[1], arg[2]
local ssl = require(modname)
local socket = require "socket"

local function p(f) return PKI .. "/" .. f end
local function show(...)
  local t = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    -- numbers as integers where integral: LuaSec's floats print "5.0" on
    -- 5.3+, and both sides must print the same for the same value
    if type(v) == "number" and v == math.floor(v) then v = string.format("%d", v) end
    t[#t + 1] = tostring(v)
  end
  print(table.concat(t, " "))
end
-- values and their count (LuaSocket returns three from receive and send)
local function showc(label, ...)
  show(label, "#" .. select("#", ...), ...)
end
local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = k end
  table.sort(ks)
  return ks
end

local srv = assert(socket.bind("127.0.0.1", 0))
local _, port = srv:getsockname()

-- A connected pair of TLS connections (server, client), handshake
-- stepped until both finish or fail.
local function pair(label, sparams, cparams, sni)
  local c = socket.tcp()
  assert(c:connect("127.0.0.1", port))
  local s = assert(srv:accept())
  c:setoption("tcp-nodelay", true)
  s:setoption("tcp-nodelay", true)
  local sc, e1 = ssl.wrap(s, sparams)
  local cc, e2 = ssl.wrap(c, cparams)
  if not sc or not cc then
    show(label, "wrap", e1, e2)
    if sc then sc:close() else s:close() end
    if cc then cc:close() else c:close() end
    return nil
  end
  if sni then cc:sni(sni) end
  sc:settimeout(0)
  cc:settimeout(0)
  local sdone, cdone, serr, cerr
  for _ = 1, 200 do
    if not cdone then
      local ok, e = cc:dohandshake()
      if ok then cdone = true elseif e ~= "wantread" and e ~= "wantwrite" then cdone, cerr = false, e end
    end
    if not sdone then
      local ok, e = sc:dohandshake()
      if ok then sdone = true elseif e ~= "wantread" and e ~= "wantwrite" then sdone, serr = false, e end
    end
    if sdone ~= nil and cdone ~= nil then break end
    socket.sleep(0.001)
  end
  show(label, "handshake client", cdone, cerr, "server", sdone, serr)
  if not (cdone and sdone) then
    sc:close()
    cc:close()
    return nil
  end
  return sc, cc
end

-- Waits (bounded) until conn has something to read.
local function settle(conn)
  socket.select({conn}, nil, 1)
end

local server = {mode = "server", protocol = "any", key = p("leaf.key"), certificate = p("leaf.pem")}
local client = {mode = "client", protocol = "any", cafile = p("ca.pem"), verify = "peer",
                options = {"all", "no_sslv3"}}

---------------------------------------------------------------- I/O
do
  local sc, cc = pair("io", server, client, "localhost")
  show("types", tostring(cc):match("^SSL connection: ") ~= nil, type(cc:getfd()), cc:getfd() >= 0)
  showc("send", cc:send("hello\r\nwor"))
  settle(sc)
  showc("*l", sc:receive("*l"))
  showc("*l partial", sc:receive("*l"))
  showc("n partial", sc:receive(2))
  showc("send", cc:send("ld\r\nline\r2\nabcdefghij"))
  settle(sc)
  showc("*l", sc:receive("*l"))
  showc("*l prefix", sc:receive("*l", "pre-"))
  show("dirty", sc:dirty(), cc:dirty())
  showc("n", sc:receive(4))
  showc("n prefix", sc:receive(3, "P"))
  showc("n rest", sc:receive(10))
  showc("default pattern empty", sc:receive())
  showc("send i j", cc:send("0123456789", 3, 5))
  showc("send neg", cc:send("0123456789", -3))
  showc("send past end", cc:send("xyz", 5))
  showc("send clamp", cc:send("xyz", 2, 10))
  showc("send zero", cc:send("xyz", 0))
  showc("send negs", cc:send("xyz", -10, -2))
  settle(sc)
  showc("n", sc:receive(14))
  -- a timeout that runs out: the wait is real (0.05 s)
  sc:settimeout(0.05)
  local t0 = socket.gettime()
  showc("timeout", sc:receive(1))
  show("waited", socket.gettime() - t0 >= 0.04)
  sc:settimeout(0)
  -- a megabyte both ways through non-blocking sends and receives
  local block = string.rep("0123456789abcdef", 65536)
  local sent, got, parts = 0, {}, 0
  for _ = 1, 100000 do
    if sent < #block then
      local last, err, partial = cc:send(block, sent + 1)
      sent = last or partial
    end
    local data, err, partial = sc:receive(65536)
    data = data or partial
    if data ~= "" then got[#got + 1] = data; parts = parts + #data end
    if parts == #block then break end
  end
  show("megabyte", sent, parts, table.concat(got) == block)
  -- info, ALPN, verification, finished messages
  local info = cc:info()
  for _, k in ipairs(sorted_keys(info)) do show("info", k, info[k]) end
  show("info field", cc:info("protocol"), cc:info("cipher"), cc:info("compression"))
  show("alpn", cc:getalpn())
  show("verification client", cc:getpeerverification())
  show("verification server", sc:getpeerverification())
  local cf, spf = cc:getfinished(), sc:getpeerfinished()
  show("finished", #cf, #sc:getfinished(), cf == spf, cc:getpeerfinished() == sc:getfinished())
  show("sniname", sc:getsniname())
  show("server peer certificate", sc:getpeercertificate())
  -- the certificate
  local cert = cc:getpeercertificate()
  for _, f in ipairs(cert:subject()) do show("subject", f.name, f.oid, f.value) end
  for _, f in ipairs(cert:issuer()) do show("issuer", f.name, f.oid, f.value) end
  show("notbefore", cert:notbefore())
  show("notafter", cert:notafter())
  show("serial", cert:serial())
  show("pem", cert:pem())
  show("validat", cert:validat(os.time()), cert:validat(0))
  local ext = cert:extensions()
  for _, oid in ipairs(sorted_keys(ext)) do
    for _, field in ipairs(sorted_keys(ext[oid])) do
      local v = ext[oid][field]
      show("extension", oid, field, type(v) == "table" and table.concat(v, ",") or v)
    end
  end
  show("pubkey", cert:pubkey())
  show("md5 digest", cert:digest("md5"))
  show("chain", #cc:getpeerchain(), cc:getpeerchain()[1]:pem() == cert:pem())
  show("loadcertificate", ssl.loadcertificate(cert:pem()):serial() == cert:serial())
  -- closing
  showc("close", cc:close())
  settle(sc)
  showc("after peer close", sc:receive("*l"))
  sc:close()
  showc("after own close", sc:receive(1))
  showc("send after own close", sc:send("x"))
  show("getfd after close", cc:getfd())
end

-- digests are printed apart: pyssl.luasec hashes with pyssl.hashlib
do
  local sc, cc = pair("digest", server, client, "localhost")
  local cert = cc:getpeercertificate()
  show("digest", cert:digest(), cert:digest("sha1"), cert:digest("sha256"), cert:digest("sha512"))
  sc:close()
  cc:close()
end

---------------------------------------------------------------- "*a"
do
  local sc, cc = pair("all", server, client, "localhost")
  cc:send("first\nsecond\n")
  cc:close()
  settle(sc)
  sc:settimeout(1)
  showc("*a", sc:receive("*a"))
  sc:close()
end

---------------------------------------------------------------- verification
do
  local selfsigned = {mode = "server", protocol = "any", key = p("selfsigned.key"),
                      certificate = p("selfsigned.pem")}
  pair("untrusted", selfsigned, client, "localhost")
  local sc, cc = pair("verify none", selfsigned, {mode = "client", protocol = "any", verify = "none"},
                      "localhost")
  show("verification", cc:getpeerverification())
  show("peer subject", cc:getpeercertificate():subject()[1].value)
  sc:close()
  cc:close()
  -- the server's chain: leaf and intermediate
  local chain_server = {mode = "server", protocol = "any", key = p("chain.key"), certificate = p("chain.pem")}
  sc, cc = pair("chain", chain_server, client, "localhost")
  local chain = cc:getpeerchain()
  show("chain length", #chain)
  for k, c in ipairs(chain) do show("chain", k, c:subject()[#c:subject()].value, c:issuer()[1].value) end
  show("certificate 2", cc:getpeercertificate(2):subject()[1].value, cc:getpeercertificate(3))
  sc:close()
  cc:close()
  local shallow = {}
  for k, v in pairs(client) do shallow[k] = v end
  shallow.depth = 0
  pair("depth 0", chain_server, shallow, "localhost")
  shallow.depth = 1
  sc, cc = pair("depth 1", chain_server, shallow, "localhost")
  if sc then sc:close(); cc:close() end
end

---------------------------------------------------------------- client certificates
do
  local asking = {mode = "server", protocol = "any", key = p("leaf.key"), certificate = p("leaf.pem"),
                  cafile = p("ca.pem"), verify = {"peer", "fail_if_no_peer_cert"}}
  local with_cert = {mode = "client", protocol = "any", cafile = p("ca.pem"), verify = "peer",
                     key = p("client.key"), certificate = p("client.pem")}
  local sc, cc = pair("client cert", asking, with_cert, "localhost")
  local peer = sc:getpeercertificate()
  show("client subject", peer:subject()[#peer:subject()].value)
  show("client extensions", peer:extensions()["2.5.29.17"].rfc822Name[1])
  show("server chain", #sc:getpeerchain(), sc:getpeerverification())
  sc:close()
  cc:close()
  -- TLS 1.3 sends the client's certificate after the client finishes:
  -- the server fails, then the client sees the alert on its first read
  sc, cc = pair("no client cert", asking, client, "localhost")
  if cc then sc:close() cc:close() end
end

---------------------------------------------------------------- protocols, ALPN
do
  local s12, c12 = {}, {}
  for k, v in pairs(server) do s12[k] = v end
  for k, v in pairs(client) do c12[k] = v end
  s12.protocol, c12.protocol = "tlsv1_2", "tlsv1_2"
  s12.ciphers = "ECDHE-RSA-AES128-GCM-SHA256"
  local sc, cc = pair("tls1.2", s12, c12, "localhost")
  local info = cc:info()
  for _, k in ipairs(sorted_keys(info)) do show("info 1.2", k, info[k]) end
  sc:close()
  cc:close()
  local salpn, calpn = {}, {}
  for k, v in pairs(server) do salpn[k] = v end
  for k, v in pairs(client) do calpn[k] = v end
  salpn.alpn, calpn.alpn = {"http/1.1", "h2"}, {"h2", "http/1.1"}
  sc, cc = pair("alpn", salpn, calpn, "localhost")
  show("alpn", cc:getalpn(), sc:getalpn())
  sc:close()
  cc:close()
  salpn.alpn = {"foo"}
  sc, cc = pair("alpn none", salpn, calpn, "localhost")
  if sc then show("alpn", cc:getalpn(), sc:getalpn()); sc:close(); cc:close() end
  calpn.alpn = "h2"
  salpn.alpn = {"h2"}
  sc, cc = pair("alpn string", salpn, calpn, "localhost")
  show("alpn", cc:getalpn(), sc:getalpn())
  sc:close()
  cc:close()
end

---------------------------------------------------------------- SNI on the server
do
  local other = assert(ssl.newcontext({mode = "server", protocol = "any", key = p("wildcard.key"),
                                       certificate = p("wildcard.pem")}))
  local c = socket.tcp()
  assert(c:connect("127.0.0.1", port))
  local s = assert(srv:accept())
  local sc = assert(ssl.wrap(s, server))
  local cc = assert(ssl.wrap(c, {mode = "client", protocol = "any", verify = "none"}))
  sc:sni({["www.example.test"] = other})
  cc:sni("www.example.test")
  sc:settimeout(0)
  cc:settimeout(0)
  for _ = 1, 200 do
    local a = cc:dohandshake()
    local b = sc:dohandshake()
    if a and b then break end
    socket.sleep(0.001)
  end
  show("sni", sc:getsniname(), cc:getpeercertificate():extensions()["2.5.29.17"].dNSName[1])
  sc:close()
  cc:close()
end

---------------------------------------------------------------- handshake timeouts
do
  local c = socket.tcp()
  assert(c:connect("127.0.0.1", port))
  local s = assert(srv:accept())
  local sc = assert(ssl.wrap(s, server))
  local cc = assert(ssl.wrap(c, client))
  cc:sni("localhost")
  cc:settimeout(0)
  showc("client first step", cc:dohandshake())
  sc:settimeout(0.05)
  showc("server step", sc:dohandshake())
  showc("client waits", cc:dohandshake())
  showc("receive before handshake", sc:receive(1))
  cc:close()
  settle(sc)
  showc("server after client close", sc:dohandshake())
  sc:close()
end

---------------------------------------------------------------- newcontext errors
local function err(label, params)
  local ctx, msg = ssl.newcontext(params)
  -- the text up to LuaSec's "(detail)": LuaSec's detail is often "(null)"
  show("newcontext", label, ctx, msg and (msg:gsub(" %(.*$", "")))
end
err("missing key", {mode = "server", protocol = "any", key = p("nope.key"), certificate = p("leaf.pem")})
err("missing certificate", {mode = "server", protocol = "any", key = p("leaf.key"), certificate = p("nope.pem")})
err("mismatch", {mode = "server", protocol = "any", key = p("other.key"), certificate = p("leaf.pem")})
err("protocol", {mode = "client", protocol = "sslv3"})
err("cafile", {mode = "client", protocol = "any", cafile = "/nonexistent"})
err("verify", {mode = "client", protocol = "any", verify = "bogus"})
err("option", {mode = "client", protocol = "any", options = "bogus"})
err("cipher", {mode = "client", protocol = "any", ciphers = "BOGUS"})
err("curve", {mode = "client", protocol = "any", curve = "bogus"})
err("password type", {mode = "server", protocol = "any", key = p("leaf.enc.key"), certificate = p("leaf.pem"), password = 42})
err("wrong password", {mode = "server", protocol = "any", key = p("leaf.enc.key"), certificate = p("leaf.pem"), password = "wrong"})
err("alpn empty", {mode = "client", protocol = "any", alpn = {}})
err("alpn empty name", {mode = "client", protocol = "any", alpn = {""}})
err("alpn long name", {mode = "client", protocol = "any", alpn = {string.rep("x", 256)}})
err("alpn type", {mode = "client", protocol = "any", alpn = 5})
show("password", ssl.newcontext({mode = "server", protocol = "any", key = p("leaf.enc.key"),
                                 certificate = p("leaf.pem"), password = "somepass"}) ~= nil)
show("password function", ssl.newcontext({mode = "server", protocol = "any", key = p("leaf.enc.key"),
                                          certificate = p("leaf.pem"),
                                          password = function() return "somepass" end}) ~= nil)

---------------------------------------------------------------- where pyssl is stricter
do
  -- LuaSec checks the chain only; pyssl also the name given to sni()
  pair("wrong name", server, client, "wrong.example")
end
srv:close()
