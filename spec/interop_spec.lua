-- Interoperability of SSLSocket with real TLS peers in other processes:
-- python3's ssl (server and client) and openssl s_server / s_client, on
-- 127.0.0.1 and free ports. Every case checks that bytes cross both ways,
-- and compares what both ends report (version, cipher, ALPN, SNI, client
-- certificate, session reuse); errors are compared with what python3
-- raises in the same place.
--
-- The python3 peer runs one script (PY_PEER) in either role, configured by
-- a JSON argument; this file has the same conversation in Lua (converse),
-- so that a pyssl end and a python3 end report the same fields:
--   [starttls: one clear-text line each way]
--   handshake
--   talk: the server sends SIZE bytes, then the client sends SIZE bytes
--         (server first, so that a client the server refuses reads its alert)
--   [starttls: unwrap, then one clear-text line each way]
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local P = require "spec.support.peers"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local VERSIONS = {"TLSv1_2", "TLSv1_3"}
-- Server certificates: key + certificate file, certificate alone.
local CERTS = {
  {kind = "RSA", keycert = "leafkey.pem", cert = "leaf.pem"},
  {kind = "ECDSA", keycert = "ecdsakey.pem", cert = "ecdsa.pem"},
}
local SERVER_ALPN = {"h2", "http/1.1"}
local CLIENT_ALPN = {"foo", "http/1.1"}
-- clientkey.pem's subject, as getpeercert() shows it (on both ends).
local CLIENT_SUBJECT = {{{"countryName", "XY"}}, {{"organizationName", "pyssl tests"}},
                        {{"commonName", "pyssl client"}}}
local WILDCARD_SUBJECT = {{{"commonName", "*.example.test"}}}

local function dotted(version)          -- "TLSv1_3" -> "TLSv1.3", as version() says
  return (version:gsub("_", "."))
end

local function openssl_flag(version)    -- "TLSv1_3" -> "-tls1_3"
  return "-" .. version:gsub("TLSv1_", "tls1_")
end

-- TLS 1.2 cipher names say which kind of certificate signed the key exchange.
local function assert_cipher_for(version, kind, cipher)
  if version == "TLSv1_2" then assert.matches("^ECDHE%-" .. kind .. "%-", cipher) end
end

------------------------------------------------------------ the python3 peer

local PY_PEER = [==[
cfg = json.loads(sys.argv[1])
SIZE = cfg.get("size", 1000)
state = {"sni": []}

def payload(n, seed):
    return bytes((i * 7 + seed) % 256 for i in range(n))

def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data

def context(server, certfile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if not server:
        ctx.load_verify_locations(PKI + "ca.pem")
    if certfile:
        ctx.load_cert_chain(PKI + certfile)
    if cfg.get("version"):
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion[cfg["version"]]
    if cfg.get("alpn"):
        ctx.set_alpn_protocols(cfg["alpn"])
    if server and cfg.get("require_cert"):
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(PKI + "ca.pem")
    return ctx

def plain(sock, server, before):
    ask, answer = (b"STARTTLS\r\n", b"GO AHEAD\r\n") if before else (b"PLAIN AGAIN\r\n", b"BYE\r\n")
    if server:
        got = recv_exact(sock, len(ask))
        sock.sendall(answer)
    else:
        sock.sendall(ask)
        got = recv_exact(sock, len(answer))
    return got.decode("latin-1")

def talk(tls, server):
    if server:
        tls.sendall(payload(SIZE, 2))
        return recv_exact(tls, SIZE) == payload(SIZE, 1)
    got = recv_exact(tls, SIZE)
    tls.sendall(payload(SIZE, 1))
    return got == payload(SIZE, 2)

def converse(sock, wrap, server):
    r = {"stage": "plain"}
    tls = None
    try:
        if cfg.get("starttls"):
            r["plain_before"] = plain(sock, server, True)
        r["stage"] = "handshake"
        tls = wrap(sock)
        r["stage"] = "talk"
        r["bytes_ok"] = talk(tls, server)
        cert = tls.getpeercert()
        r.update(version=tls.version(), cipher=tls.cipher()[0], alpn=tls.selected_alpn_protocol(),
                 reused=tls.session_reused, peer=cert["subject"] if cert else None)
        state["session"] = tls.session
        if cfg.get("starttls"):
            r["stage"] = "unwrap"
            sock = tls.unwrap()
            r["plain_after"] = plain(sock, server, False)
        r["stage"] = "done"
    except Exception as e:
        r["error"] = describe(e)
    finally:
        if tls is not None:
            tls.close()
        sock.close()
    return r

def serve():
    ctx = context(True, cfg.get("cert", "leafkey.pem"))
    other = cfg.get("sni_cert") and context(True, cfg["sni_cert"])
    def on_sni(conn, name, _ctx):
        state["sni"].append(name)
        if other and name == cfg.get("sni_name"):
            conn.context = other
    ctx.sni_callback = on_sni
    with socket.create_server(("127.0.0.1", 0)) as lst:
        lst.settimeout(10)
        emit(lst.getsockname()[1])
        for _ in range(cfg.get("conns", 1)):
            conn, _ = lst.accept()
            conn.settimeout(5)
            r = converse(conn, lambda s: ctx.wrap_socket(s, server_side=True), True)
            r["sni"] = state["sni"].pop() if state["sni"] else None
            emit(r)

def connect():
    ctx = context(False, cfg.get("cert"))
    for _ in range(cfg.get("conns", 1)):
        session = state.pop("session", None)
        sock = socket.create_connection(("127.0.0.1", cfg["port"]), timeout=5)
        emit(converse(sock, lambda s: ctx.wrap_socket(
            s, server_hostname=cfg.get("hostname", "localhost"), session=session), False))

serve() if cfg["role"] == "server" else connect()
]==]

------------------------------------------------- the same conversation in Lua

local payloads = {}
local function payload(n, seed)
  local key = n .. ":" .. seed
  if not payloads[key] then
    local t = {}
    for i = 0, n - 1 do t[i + 1] = string.char((i * 7 + seed) % 256) end
    payloads[key] = table.concat(t)
  end
  return payloads[key]
end

local function recv_exact(s, n)
  local parts, got = {}, 0
  while got < n do
    local chunk = s:recv(n - got)
    if chunk == "" then break end
    parts[#parts + 1] = chunk
    got = got + #chunk
  end
  return table.concat(parts)
end

local function plain(sock, server, before)
  local ask, answer = "PLAIN AGAIN\r\n", "BYE\r\n"
  if before then ask, answer = "STARTTLS\r\n", "GO AHEAD\r\n" end
  if server then
    local got = recv_exact(sock, #ask)
    sock:sendall(answer)
    return got
  end
  sock:sendall(ask)
  return recv_exact(sock, #answer)
end

local function talk(tls, server, size)
  if server then
    tls:sendall(payload(size, 2))
    return recv_exact(tls, size) == payload(size, 1)
  end
  local got = recv_exact(tls, size)
  tls:sendall(payload(size, 1))
  return got == payload(size, 2)
end

-- One connection's conversation on pyssl's end; `wrap` turns the TCP
-- socket into an SSLSocket (handshake included). Returns the fields the
-- python3 peer reports, plus the session and the peer's DER certificate.
local function converse(sock, wrap, server, cfg)
  local r, tls = {stage = "plain"}, nil
  local ok, err = pcall(function()
    if cfg.starttls then r.plain_before = plain(sock, server, true) end
    r.stage = "handshake"
    tls = wrap(sock)
    r.stage = "talk"
    r.bytes_ok = talk(tls, server, cfg.size or 1000)
    local cert = tls:getpeercert()
    r.version, r.cipher, r.alpn = tls:version(), tls:cipher()[1], tls:selected_alpn_protocol()
    r.reused, r.peer, r.der = tls.session_reused, cert and cert.subject, tls:getpeercert(true)
    r.session = tls.session
    if cfg.starttls then
      r.stage = "unwrap"
      sock = tls:unwrap()
      r.plain_after = plain(sock, server, false)
    end
    r.stage = "done"
  end)
  if not ok then r.error = T.describe(err) end
  if tls then pcall(tls.close, tls) end
  pcall(sock.close, sock)
  return r
end

-- pyssl contexts configured from the same keys as the python3 peer's.
local function context(server, certfile, cfg)
  local ctx = ssl.SSLContext(server and ssl.PROTOCOL_TLS_SERVER or ssl.PROTOCOL_TLS_CLIENT)
  if not server then ctx:load_verify_locations(H.pki("ca.pem")) end
  if certfile then ctx:load_cert_chain(H.pki(certfile)) end
  if cfg.version then
    ctx.minimum_version = ssl.TLSVersion[cfg.version]
    ctx.maximum_version = ssl.TLSVersion[cfg.version]
  end
  if cfg.alpn then ctx:set_alpn_protocols(cfg.alpn) end
  if server and cfg.require_cert then
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx:load_verify_locations(H.pki("ca.pem"))
  end
  return ctx
end

-- A server context whose sni_callback records the names it is given (in
-- `seen`) and switches to cfg.sni_cert's context for cfg.sni_name.
local function server_context(cfg)
  local ctx = context(true, cfg.cert or "leafkey.pem", cfg)
  local other = cfg.sni_cert and context(true, cfg.sni_cert, cfg)
  local seen = {}
  ctx.sni_callback = function(conn, name)
    seen[#seen + 1] = name or false
    if other and name == cfg.sni_name then conn.context = other end
  end
  return ctx, seen
end

------------------------------------------------------------------ peers

local live = {}                          -- peers to stop after each test

local function track(peer)
  live[#live + 1] = peer
  return peer
end

local function stop_all()
  for i = #live, 1, -1 do
    live[i]:stop()
    live[i] = nil
  end
end

local function start_python_server(cfg)
  cfg.role = "server"
  local peer = track(P.python(PY_PEER, {H.json.encode(cfg)}))
  if not peer.port then
    error("python3 server did not start: " .. tostring(peer.first) .. "\n" .. peer:stop(), 2)
  end
  return peer
end

local function start_python_client(cfg, port)
  cfg.role, cfg.port = "client", port
  return track(P.python_async(PY_PEER, {H.json.encode(cfg)}))
end

-- The next connection on `lst`, or an error that shows what the peer said.
local function accept(lst, peer)
  local ok, conn = pcall(lst.accept, lst)
  if not ok then
    error("no connection from the peer (" .. tostring(conn) .. "):\n" .. peer:stop(), 2)
  end
  conn:settimeout(5)
  return conn
end

-- cfg.conns connections from pyssl clients (one context, each resuming
-- the previous session) to a python3 server. Returns pyssl's reports and
-- the server's, one per connection.
local function pyssl_to_python(pycfg, luacfg)
  local peer = start_python_server(pycfg)
  local ctx = context(false, luacfg.cert, luacfg)
  local mine, theirs, session = {}, {}, nil
  for i = 1, pycfg.conns or 1 do
    local sock = socket.create_connection({"127.0.0.1", peer.port}, 5)
    mine[i] = converse(sock, function(s)
      return ctx:wrap_socket(s, {server_hostname = luacfg.hostname or "localhost", session = session})
    end, false, luacfg)
    session = mine[i].session
    theirs[i] = P.json_line(peer)
  end
  return mine, theirs
end

-- The other way: a pyssl server (one context) and a python3 client making
-- pycfg.conns connections.
local function python_to_pyssl(luacfg, pycfg, bag)
  local lst = S.listener(bag)
  lst:settimeout(5)
  local peer = start_python_client(pycfg, lst:getsockname()[2])
  local ctx, seen = server_context(luacfg)
  local mine, theirs = {}, {}
  for i = 1, pycfg.conns or 1 do
    mine[i] = converse(accept(lst, peer), function(s)
      return ctx:wrap_socket(s, {server_side = true})
    end, true, luacfg)
    mine[i].sni = seen[i]
    theirs[i] = P.json_line(peer)
  end
  return mine, theirs
end

-- Both ends finished the conversation, bytes intact both ways, and agree
-- on what was negotiated.
local function assert_agree(a, b)
  assert.is_nil(a.error, a.error and a.error.msg)
  assert.is_nil(b.error, b.error and b.error.msg)
  assert.same({"done", true}, {a.stage, a.bytes_ok})
  assert.same({"done", true}, {b.stage, b.bytes_ok})
  assert.equal(a.version, b.version)
  assert.equal(a.cipher, b.cipher)
  assert.equal(a.alpn, b.alpn)
  assert.equal(a.reused, b.reused)
end

local function pem_der(name)
  local f = assert(io.open(H.pki(name)))
  local pem = f:read("*a")
  f:close()
  return ssl.PEM_cert_to_DER_cert(pem)
end

------------------------------------------------------------------ python3

describe("a python3 server and a pyssl client", function()
  after_each(stop_all)
  teardown(P.cleanup)

  for _, version in ipairs(VERSIONS) do
    for _, c in ipairs(CERTS) do
      it(("talk %s with an %s certificate and agree on ALPN"):format(version, c.kind), function()
        local mine, theirs = pyssl_to_python({version = version, cert = c.keycert, alpn = SERVER_ALPN, size = 100000},
                                             {alpn = CLIENT_ALPN, size = 100000})
        local m, t = mine[1], theirs[1]
        assert_agree(m, t)
        assert.same({dotted(version), "http/1.1", false}, {m.version, m.alpn, m.reused})
        assert.equal(pem_der(c.cert), m.der)
        assert_cipher_for(version, c.kind, m.cipher)
        assert.equal("localhost", t.sni)       -- the name pyssl sent
        assert.is_nil(t.peer)                  -- no client certificate asked for
      end)
    end
  end

  it("sends the SNI name that the server's sni_callback switches on", function()
    local mine, theirs = pyssl_to_python({sni_cert = "wildcardkey.pem", sni_name = "www.example.test"},
                                         {hostname = "www.example.test"})
    assert_agree(mine[1], theirs[1])
    assert.equal("www.example.test", theirs[1].sni)
    assert.same(WILDCARD_SUBJECT, mine[1].peer)
  end)

  for _, version in ipairs(VERSIONS) do
    it("presents a client certificate that the server requires and verifies (" .. version .. ")", function()
      local mine, theirs = pyssl_to_python({version = version, require_cert = true}, {cert = "clientkey.pem"})
      assert_agree(mine[1], theirs[1])
      assert.same(CLIENT_SUBJECT, theirs[1].peer)
    end)

    it("resumes the session of a first connection (" .. version .. ")", function()
      local mine, theirs = pyssl_to_python({version = version, conns = 2}, {})
      assert_agree(mine[1], theirs[1])
      assert_agree(mine[2], theirs[2])
      assert.same({false, true}, {mine[1].reused, mine[2].reused})
      assert.equal(dotted(version), mine[2].version)
    end)

    it("goes from plain text to TLS and back (STARTTLS, unwrap, " .. version .. ")", function()
      local mine, theirs = pyssl_to_python({version = version, starttls = true}, {starttls = true})
      assert_agree(mine[1], theirs[1])
      assert.same({"GO AHEAD\r\n", "BYE\r\n"}, {mine[1].plain_before, mine[1].plain_after})
      assert.same({"STARTTLS\r\n", "PLAIN AGAIN\r\n"}, {theirs[1].plain_before, theirs[1].plain_after})
    end)
  end
end)

describe("a pyssl server and a python3 client", function()
  local bag
  before_each(function() bag = S.bag() end)
  after_each(function()
    stop_all()
    bag:close()
  end)
  teardown(P.cleanup)

  for _, version in ipairs(VERSIONS) do
    for _, c in ipairs(CERTS) do
      it(("talk %s with an %s certificate and agree on ALPN"):format(version, c.kind), function()
        local mine, theirs = python_to_pyssl({version = version, cert = c.keycert, alpn = SERVER_ALPN, size = 100000},
                                             {alpn = CLIENT_ALPN, size = 100000}, bag)
        local m, t = mine[1], theirs[1]
        assert_agree(m, t)
        assert.same({dotted(version), "http/1.1", false}, {m.version, m.alpn, m.reused})
        assert_cipher_for(version, c.kind, t.cipher)
        assert.equal("localhost", m.sni)
        assert.is_nil(m.peer)
        local subject = t.peer or {}
        assert.same({{"commonName", "localhost"}}, subject[#subject])   -- its last RDN
      end)
    end
  end

  it("sees the SNI name in sni_callback, which switches the SSLSocket's context", function()
    local mine, theirs = python_to_pyssl({sni_cert = "wildcardkey.pem", sni_name = "www.example.test"},
                                         {hostname = "www.example.test"}, bag)
    assert_agree(mine[1], theirs[1])
    assert.equal("www.example.test", mine[1].sni)
    assert.same(WILDCARD_SUBJECT, theirs[1].peer)
  end)

  for _, version in ipairs(VERSIONS) do
    it("requires and verifies the client's certificate (" .. version .. ")", function()
      local mine, theirs = python_to_pyssl({version = version, require_cert = true}, {cert = "clientkey.pem"}, bag)
      assert_agree(mine[1], theirs[1])
      assert.same(CLIENT_SUBJECT, mine[1].peer)
    end)

    it("resumes the client's session on a second connection (" .. version .. ")", function()
      local mine, theirs = python_to_pyssl({version = version}, {version = version, conns = 2}, bag)
      assert_agree(mine[1], theirs[1])
      assert_agree(mine[2], theirs[2])
      assert.same({false, true}, {mine[1].reused, mine[2].reused})
    end)

    it("goes from plain text to TLS and back (STARTTLS, unwrap, " .. version .. ")", function()
      local mine, theirs = python_to_pyssl({version = version, starttls = true}, {starttls = true}, bag)
      assert_agree(mine[1], theirs[1])
      assert.same({"STARTTLS\r\n", "PLAIN AGAIN\r\n"}, {mine[1].plain_before, mine[1].plain_after})
      assert.same({"GO AHEAD\r\n", "BYE\r\n"}, {theirs[1].plain_before, theirs[1].plain_after})
    end)
  end
end)

describe("a missing client certificate", function()
  local bag
  before_each(function() bag = S.bag() end)
  after_each(function()
    stop_all()
    bag:close()
  end)
  teardown(P.cleanup)

  -- TLS 1.3 clients finish their handshake before the server checks their
  -- certificate: they read the server's alert instead of its first bytes.
  local CLIENT_FAILS = {
    TLSv1_2 = {stage = "handshake", reason = "SSLV3_ALERT_HANDSHAKE_FAILURE"},
    TLSv1_3 = {stage = "talk", reason = "TLSV13_ALERT_CERTIFICATE_REQUIRED"},
  }

  for _, version in ipairs(VERSIONS) do
    it("fails on both ends as in python3 (" .. version .. ")", function()
      -- a python3 server refuses a pyssl client, then a python3 client
      local peer = start_python_server({version = version, require_cert = true, conns = 2})
      local lua_client = converse(socket.create_connection({"127.0.0.1", peer.port}, 5), function(s)
        return context(false, nil, {}):wrap_socket(s, {server_hostname = "localhost"})
      end, false, {})
      local py_server = P.json_line(peer)
      local py_client = P.json_line(start_python_client({}, peer.port))
      assert.same(py_server, P.json_line(peer))   -- the server saw the same from both

      -- a pyssl server refuses a python3 client
      local mine, theirs = python_to_pyssl({version = version, require_cert = true}, {}, bag)
      local lua_server, py_client2 = mine[1], theirs[1]

      assert.same(py_client, py_client2)
      assert.same({py_client.stage, py_client.error}, {lua_client.stage, lua_client.error})
      assert.same({py_server.stage, py_server.error}, {lua_server.stage, lua_server.error})
      -- and what that is
      assert.equal("handshake", lua_server.stage)
      assert.same({"SSLError", "PEER_DID_NOT_RETURN_A_CERTIFICATE"}, {lua_server.error.cls, lua_server.error.reason})
      local want = CLIENT_FAILS[version]
      assert.same({want.stage, "SSLError", want.reason}, {lua_client.stage, lua_client.error.cls, lua_client.error.reason})
    end)
  end
end)

------------------------------------------------------------------ openssl

-- The parts of `openssl s_server` output (-rev; once it has exited) that
-- describe its connections.
local function s_server_report(out)
  local r = {versions = {}, ciphers = {}, alpn = {}, peers = {}}
  for v in out:gmatch("Protocol version: (%S+)") do r.versions[#r.versions + 1] = v end
  for c in out:gmatch("Ciphersuite: (%S+)") do r.ciphers[#r.ciphers + 1] = c end
  for a in out:gmatch("ALPN protocols selected: (%S+)") do r.alpn[#r.alpn + 1] = a end
  for p in out:gmatch("Peer certificate: ([^\n]+)") do r.peers[#r.peers + 1] = p end
  r.sni = out:match('Hostname in TLS extension: "([^"]*)"')
  r.switched = out:find("Switching server context", 1, true) ~= nil
  r.hits = tonumber(out:match("(%d+) session cache hits"))
  r.verification = out:match("Verification: (%S+)")
  return r
end

-- What `openssl s_client` says about its connection.
local function s_client_report(out)
  local status, version, cipher = out:match("(%a+), (TLSv[%d.]+), Cipher is (%S+)")
  return {status = status, version = version, cipher = cipher, alpn = out:match("ALPN protocol: (%S+)"),
          verify = out:match("Verify return code: (%d+ %b())"), subject = out:match("\nsubject=([^\n]+)"),
          output = out}
end

-- Reads up to and including the next "\n" (s_server -rev answers lines).
local recv_line = P.recv_line

-- s_server -rev sends each line back reversed; "CLOSE" ends the
-- connection without close_notify, which Python reads as end of file.
local REV_LINES = {"hello from pyssl", string.rep("0123456789abcdef", 600)}
local function rev_talk(tls)
  for _, line in ipairs(REV_LINES) do
    tls:sendall(line .. "\n")
    assert.equal(line:reverse() .. "\n", recv_line(tls))
  end
  tls:sendall("CLOSE\n")
  assert.equal("", tls:recv(100))
end

describe("openssl s_server and a pyssl client", function()
  local bag
  before_each(function() bag = S.bag() end)
  after_each(function()
    stop_all()
    bag:close()
  end)
  teardown(P.cleanup)

  -- Starts s_server -rev for `n` connections with `args` on top.
  local function s_server(n, args)
    local all = {"-rev", "-naccept", tostring(n), "-CAfile", H.pki("ca.pem")}
    for _, a in ipairs(args) do all[#all + 1] = a end
    return track(P.s_server(all))
  end

  -- A verified connection to `server`, handshake done.
  local function connect(server, ctx, opts)
    local sock = bag:add(socket.create_connection({"127.0.0.1", server.port}, 5))
    local kw = {server_hostname = "localhost"}
    for k, v in pairs(opts or {}) do kw[k] = v end
    return bag:add(ctx:wrap_socket(sock, kw))
  end

  for _, version in ipairs(VERSIONS) do
    for _, c in ipairs(CERTS) do
      it(("talk %s with an %s certificate and agree on ALPN"):format(version, c.kind), function()
        local server = s_server(1, {openssl_flag(version), "-cert", H.pki(c.keycert),
                                    "-alpn", table.concat(SERVER_ALPN, ",")})
        local ctx = context(false, nil, {alpn = CLIENT_ALPN})
        local tls = connect(server, ctx)
        assert.same({dotted(version), "http/1.1"}, {tls:version(), tls:selected_alpn_protocol()})
        assert.equal(pem_der(c.cert), tls:getpeercert(true))
        local cipher = tls:cipher()[1]
        rev_talk(tls)
        tls:close()
        local seen = s_server_report(server:wait())
        assert.same({{dotted(version)}, {cipher}, {"http/1.1"}}, {seen.versions, seen.ciphers, seen.alpn})
        assert_cipher_for(version, c.kind, cipher)
      end)
    end
  end

  it("sends the SNI name that selects the server's second certificate", function()
    local server = s_server(1, {"-cert", H.pki("leafkey.pem"), "-servername", "www.example.test",
                                "-cert2", H.pki("wildcardkey.pem")})
    local tls = connect(server, context(false, nil, {}), {server_hostname = "www.example.test"})
    assert.same(WILDCARD_SUBJECT, tls:getpeercert().subject)
    rev_talk(tls)
    tls:close()
    local seen = s_server_report(server:wait())
    assert.same({"www.example.test", true}, {seen.sni, seen.switched})
  end)

  for _, version in ipairs(VERSIONS) do
    it("presents a client certificate that s_server requires and verifies (" .. version .. ")", function()
      local server = s_server(1, {openssl_flag(version), "-cert", H.pki("leafkey.pem"),
                                  "-Verify", "1"})
      local tls = connect(server, context(false, "clientkey.pem", {}))
      rev_talk(tls)
      tls:close()
      local seen = s_server_report(server:wait())
      assert.same({{"C = XY, O = pyssl tests, CN = pyssl client"}, "OK"}, {seen.peers, seen.verification})
    end)

    it("resumes a session with s_server (" .. version .. ")", function()
      local server = s_server(2, {openssl_flag(version), "-cert", H.pki("leafkey.pem")})
      local ctx = context(false, nil, {})
      local first = connect(server, ctx)
      rev_talk(first)                          -- TLS 1.3: the tickets are read here
      local session, reused = first.session, first.session_reused
      first:close()
      local second = connect(server, ctx, {session = session})
      assert.same({false, true}, {reused, second.session_reused})
      rev_talk(second)
      second:close()
      local seen = s_server_report(server:wait())
      assert.same({{dotted(version), dotted(version)}, 1}, {seen.versions, seen.hits})
    end)
  end
end)

describe("a pyssl server and openssl s_client", function()
  local bag
  before_each(function() bag = S.bag() end)
  after_each(function()
    stop_all()
    bag:close()
  end)
  teardown(P.cleanup)

  local INPUT = "hello from s_client\n"

  -- Serves one s_client connection (started with `args`) with `ctx`: reads
  -- its line, answers, unwraps. Returns s_client's report and the
  -- server-side SSLSocket's facts.
  local function serve(ctx, args)
    local lst = S.listener(bag)
    lst:settimeout(5)
    local all = {"-CAfile", H.pki("ca.pem"), "-verify_return_error"}
    for _, a in ipairs(args) do all[#all + 1] = a end
    local client = track(P.s_client(lst:getsockname()[2], all, INPUT))
    local tls = bag:add(ctx:wrap_socket(accept(lst, client), {server_side = true}))
    local got = recv_line(tls)
    tls:sendall("pyssl got: " .. got)
    local cert = tls:getpeercert()
    local facts = {got = got, version = tls:version(), cipher = tls:cipher()[1],
                   alpn = tls:selected_alpn_protocol(), reused = tls.session_reused,
                   peer = cert and cert.subject}
    tls:unwrap():close()                       -- s_client answers close_notify
    local report = s_client_report(client:wait())
    assert.equal(INPUT, facts.got)
    assert.truthy(report.output:find("pyssl got: " .. INPUT, 1, true), report.output)
    assert.equal("0 (ok)", report.verify)
    return report, facts
  end

  for _, version in ipairs(VERSIONS) do
    for _, c in ipairs(CERTS) do
      it(("talk %s with an %s certificate and agree on ALPN"):format(version, c.kind), function()
        local ctx = server_context({version = version, cert = c.keycert, alpn = SERVER_ALPN})
        local seen, mine = serve(ctx, {"-alpn", table.concat(CLIENT_ALPN, ",")})
        assert.same({"New", dotted(version), mine.cipher, "http/1.1"},
                    {seen.status, seen.version, seen.cipher, seen.alpn})
        assert.same({dotted(version), "http/1.1", false}, {mine.version, mine.alpn, mine.reused})
        assert_cipher_for(version, c.kind, mine.cipher)
      end)
    end
  end

  it("sees the SNI name in sni_callback, which switches the SSLSocket's context", function()
    local ctx, names = server_context({sni_cert = "wildcardkey.pem", sni_name = "www.example.test"})
    local seen = serve(ctx, {"-servername", "www.example.test", "-verify_hostname", "www.example.test"})
    assert.same({"www.example.test"}, names)
    assert.equal("CN = *.example.test", seen.subject)
  end)

  for _, version in ipairs(VERSIONS) do
    it("requires and verifies s_client's certificate (" .. version .. ")", function()
      local ctx = server_context({version = version, require_cert = true})
      local _, mine = serve(ctx, {"-cert", H.pki("clientkey.pem")})
      assert.same(CLIENT_SUBJECT, mine.peer)
    end)

    it("resumes a session that s_client saved (" .. version .. ")", function()
      local ctx = server_context({version = version})
      local file = P.tempfile("")
      local seen1, mine1 = serve(ctx, {"-sess_out", file})
      local seen2, mine2 = serve(ctx, {"-sess_in", file})
      assert.same({"New", "Reused"}, {seen1.status, seen2.status})
      assert.same({false, true}, {mine1.reused, mine2.reused})
      assert.same({dotted(version), dotted(version)}, {seen2.version, mine2.version})
    end)
  end
end)
