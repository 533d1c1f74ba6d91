-- pyssl.luasec side by side with LuaSec (Debian's lua-sec, the `ssl`
-- module, packaged for Lua 5.1-5.4; LuaJIT loads the 5.1 build): the
-- same program (spec/support/luasec_scenario.lua) run with `require
-- "ssl"` and with `require "pyssl.luasec"` prints the same lines, except
-- where pyssl is deliberately stricter (the host name check). Then pyssl.luasec.https
-- against a local HTTPS server (python3's http.server), next to LuaSec's
-- ssl.https, and the LuaSocket semantics of pyssl.luasec.buffer over a
-- scripted stream.
local H = require "spec.support.helper"
local P = require "spec.support.peers"

local LUA = os.getenv("LUA") or "lua5.4"

-- The interpreter for LuaSec's run: the plain one for this Lua version
-- (under make check-asan, $LUA is the sanitized host, which LuaSec's
-- uninstrumented ssl.so cannot load into).
local function plain_lua()
  if H.compat.luajit then return "luajit" end
  return "lua" .. H.compat.version
end

-- Lines the scenario prints with module `modname`.
local function scenario(modname, lua)
  local errfile = os.tmpname()
  local cmd = "timeout 60 " .. P.quote(lua) .. " spec/support/luasec_scenario.lua " ..
    P.quote(modname) .. " " .. P.quote(H.PKI) .. " </dev/null 2>" .. errfile
  local pipe = assert(io.popen(cmd))
  local out = pipe:read("*a")
  pipe:close()
  local err = H.read_file(errfile)
  os.remove(errfile)
  local lines = {}
  for line in out:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines, err
end

-- The lines whose label starts with one of `labels` (a set of prefixes),
-- and the others.
local function split(lines, labels)
  local picked, rest = {}, {}
  for _, line in ipairs(lines) do
    local hit = false
    for _, label in ipairs(labels) do
      if line:sub(1, #label) == label then hit = true end
    end
    if hit then picked[#picked + 1] = line else rest[#rest + 1] = line end
  end
  return picked, rest
end

local luasec_lines, pyssl_lines, luasec_err, pyssl_err
local function run_both()
  if not luasec_lines then
    luasec_lines, luasec_err = scenario("ssl", plain_lua())
    pyssl_lines, pyssl_err = scenario("pyssl.luasec", LUA)
  end
end

-- Labels whose lines differ by design, and the digests (checked apart).
local STRICTER = {"wrong name "}
local NEEDS_HASHLIB = {"digest "}

describe("pyssl.luasec next to LuaSec 1.2", function()
  it("the scenario prints LuaSec's lines", function()
    run_both()
    assert.are.equal("", luasec_err)
    assert.are.equal("", pyssl_err)
    -- the scenario ran to its end on both (last line: the stricter case)
    assert.truthy(#luasec_lines > 150)
    local _, expected = split(luasec_lines, {STRICTER[1], NEEDS_HASHLIB[1]})
    local _, got = split(pyssl_lines, {STRICTER[1], NEEDS_HASHLIB[1]})
    assert.are.same(expected, got)
  end)

  it("checks the certificate's name against sni() where LuaSec does not", function()
    run_both()
    local luasec = split(luasec_lines, STRICTER)
    local pyssl = split(pyssl_lines, STRICTER)
    assert.are.same({"wrong name handshake client true nil server true nil"}, luasec)
    assert.are.same({"wrong name handshake client false certificate verify failed server false " ..
                     "sslv3 alert bad certificate"}, pyssl)
  end)

  it("x509 digests are LuaSec's (sha1, sha256, sha512 through pyssl.hashlib)", function()
    run_both()
    local luasec = split(luasec_lines, NEEDS_HASHLIB)
    local pyssl = split(pyssl_lines, NEEDS_HASHLIB)
    assert.are.equal(2, #luasec)
    assert.are.same(luasec, pyssl)
  end)
end)

---------------------------------------------------------------- https

-- An HTTPS server on 127.0.0.1 (the test PKI's leaf): GET /hello, POST
-- /echo; prints its port first.
local HTTPS_SERVER = [[
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        if self.path == "/hello": self.reply(200, b"hello over TLS\n")
        else: self.reply(404, b"no such page\n")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.reply(200, self.rfile.read(n))
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(PKI + "leaf.pem", PKI + "leaf.key")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
]]

describe("pyssl.luasec.https", function()
  local peer, base
  setup(function()
    peer = P.python(HTTPS_SERVER, {}, 120)
    assert(peer.port, "the HTTPS server did not start")
    base = "https://localhost:" .. peer.port
  end)
  teardown(function()
    if peer then peer:stop() end
    P.cleanup()
  end)

  it("request(url) and request(url, body) as LuaSec's, verified with cafile", function()
    local https = require "pyssl.luasec.https"
    local ltn12 = require "ltn12"
    -- the simple form verifies with the system's CAs: the test CA is not one
    local body, err = https.request(base .. "/hello")
    assert.is_nil(body)
    assert.are.equal("certificate verify failed", err)
    -- the table form carries LuaSec's params
    local chunks = {}
    local ok, code, headers, status = https.request({
      url = base .. "/hello", sink = ltn12.sink.table(chunks), cafile = H.pki("ca.pem"),
    })
    assert.are.equal(1, ok)
    assert.are.equal(200, code)
    assert.are.equal("HTTP/1.0 200 OK", status)
    assert.are.equal("15", headers["content-length"])
    assert.are.equal("hello over TLS\n", table.concat(chunks))
    chunks = {}
    ok, code = https.request({
      url = base .. "/echo", method = "POST", cafile = H.pki("ca.pem"),
      source = ltn12.source.string("ping"), headers = {["content-length"] = 4},
      sink = ltn12.sink.table(chunks),
    })
    assert.are.same({1, 200, "ping"}, {ok, code, table.concat(chunks)})
    -- the name is checked: 127.0.0.1 is in the certificate, "127.0.0.2" not
    ok, code = https.request({url = "https://127.0.0.1:" .. peer.port .. "/hello",
                              cafile = H.pki("ca.pem"), sink = ltn12.sink.table({})})
    assert.are.equal(200, code)
    -- LuaSec's own errors for what it refuses
    assert.are.same({nil, "redirect not supported"},
                    {https.request({url = base .. "/hello", redirect = true})})
    assert.are.same({nil, "create function not permitted"},
                    {https.request({url = base .. "/hello", create = function() end})})
    -- verify = "none" is LuaSec's default, asked for explicitly
    body, code = https.request({url = base .. "/nothing", verify = "none", sink = ltn12.sink.table({})})
    assert.are.equal(404, code)
  end)

  it("gives LuaSec's results for the same requests", function()
    -- each module in its own interpreter: LuaSec in this Lua's plain one
    local function lines(lua, module)
      local pipe = assert(io.popen("timeout 60 " .. P.quote(lua) .. " spec/support/luasec_https.lua " ..
                                   P.quote(module) .. " " .. P.quote(base) .. " " ..
                                   P.quote(H.pki("ca.pem")) .. " </dev/null 2>&1"))
      local out = {}
      for line in pipe:lines() do out[#out + 1] = line end
      pipe:close()
      return out
    end
    local theirs = lines(plain_lua(), "ssl.https")
    local ours = lines(LUA, "pyssl.luasec.https")
    assert.are.equal(4, #theirs)
    assert.are.same({theirs[1], theirs[2], theirs[3]}, {ours[1], ours[2], ours[3]})
    assert.are.equal("/hello 1 200 HTTP/1.0 200 OK text/plain hello over TLS\\n", theirs[1])
    -- the simple form: LuaSec does not verify by default, pyssl does
    assert.are.equal(1, theirs[4]:find("simple hello over TLS\\n 200 table: ", 1, true))
    assert.are.equal("simple nil certificate verify failed nil nil", ours[4])
  end)
end)

---------------------------------------------------------------- the buffer

describe("pyssl.luasec.buffer (LuaSocket's receive/send over a stream)", function()
  local buffer = require "pyssl.luasec.buffer"

  -- A stream that hands out `chunks` one per recv, then `final` (an
  -- error text); send accepts at most `accept` bytes per call, failing
  -- with "wantwrite" after `budget` bytes.
  local function stream(chunks, final, accept, budget)
    local s = {sent = {}, left = budget or math.huge}
    s.io = {
      recv = function()
        if #chunks > 0 then return table.remove(chunks, 1) end
        return nil, final
      end,
      send = function(data)
        if s.left <= 0 then return nil, "wantwrite" end
        local n = math.min(#data, accept or #data, s.left)
        s.sent[#s.sent + 1] = data:sub(1, n)
        s.left = s.left - n
        return n
      end,
      pending = function() return 0 end,
    }
    return s
  end

  it("receives lines, counts and the rest as LuaSocket does", function()
    local s = stream({"a\r\nb", "c\n12", "345", "tail"}, "closed")
    local b = buffer.new(s.io)
    assert.are.same({"a", nil, nil}, {b:receive("*l")})
    assert.are.same({"bc", nil, nil}, {b:receive()})
    assert.is_true(b:dirty())
    assert.are.same({"P1234", nil, nil}, {b:receive(5, "P")})   -- the prefix counts
    assert.are.same({"5tail", nil, nil}, {b:receive("*a")})
    assert.are.same({nil, "closed", ""}, {b:receive(1)})
    assert.are.same({"", nil, nil}, {b:receive("a")})
    assert.has_error(function() b:receive("*x") end, "bad argument #1 to 'receive' (invalid receive pattern)")
    assert.has_error(function() b:receive(-1) end, "bad argument #1 to 'receive' (invalid receive pattern)")
  end)

  it("returns partial results with the prefix on errors", function()
    local b = buffer.new(stream({"par", "tial\r"}, "wantread").io)
    assert.are.same({nil, "wantread", "x-partial"}, {b:receive("*l", "x-")})
    b = buffer.new(stream({"abc"}, "timeout").io)
    assert.are.same({nil, "timeout", "abc"}, {b:receive("*a")})
  end)

  it("sends ranges and reports the last index, also on failure", function()
    local s = stream({}, "closed", 3, 7)
    local b = buffer.new(s.io)
    assert.are.same({5, nil, nil}, {b:send("0123456789", 2, 5)})
    assert.are.same("1234", table.concat(s.sent))
    -- 3 bytes left in the budget: fails after index 3
    assert.are.same({nil, "wantwrite", 3}, {b:send("abcdefgh")})
    assert.are.same({0, nil, nil}, {b:send("", 1)})
    assert.has_error(function() b:send({}) end, "bad argument #1 to 'send' (string expected, got table)")
  end)

  it("keeps LuaSocket's timeout modes", function()
    local b = buffer.new(stream({}, "closed").io)
    assert.are.equal(1, b:settimeout(0.5))
    assert.are.same({0.5, -1}, {b:gettimeout()})
    b:settimeout(2, "t")
    assert.are.same({0.5, 2}, {b:gettimeout()})
    b:settimeout(nil)
    b:settimeout(-1, "t")
    assert.are.same({-1, -1}, {b:gettimeout()})
    assert.has_error(function() b:settimeout(1, "x") end,
                     "bad argument #2 to 'settimeout' (invalid timeout mode)")
  end)
end)

describe("pyssl.luasec arguments", function()
  local luasec = require "pyssl.luasec"
  it("refuses what is no socket or no params with LuaSec's nil, message", function()
    local params = {mode = "client", protocol = "any"}
    assert.are.same({nil, "invalid socket"}, {luasec.wrap(nil, params)})
    assert.are.same({nil, "invalid socket"}, {luasec.wrap({}, params)})
    assert.are.same({nil, "invalid socket"}, {luasec.wrap({getfd = function() return -1 end}, params)})
    assert.are.same({nil, "invalid parameters"}, {luasec.newcontext(nil)})
    assert.are.same({nil, "invalid mode (nil)"}, {luasec.newcontext({protocol = "any"})})
    assert.are.same({nil, "invalid depth"}, {luasec.newcontext({mode = "client", depth = -1})})
    local ctx = assert(luasec.newcontext(params))
    assert.truthy(tostring(ctx):match("^SSL context: "))
    assert.are.same({nil, "error loading certificate"}, {luasec.loadcertificate("garbage")})
  end)
end)

describe("pyssl.luasec in this process (over pyssl.socket.socketpair)", function()
  local luasec = require "pyssl.luasec"
  local ssl = require "pyssl"
  local core = require "pyssl.core"

  -- A handshaken pair: server and client connections.
  local function pair(sparams, cparams, name)
    local a, b = ssl.socket.socketpair()
    local sc = assert(luasec.wrap(a, sparams))
    local cc = assert(luasec.wrap(b, cparams))
    if name then cc:sni(name) end
    sc:settimeout(0)
    cc:settimeout(0)
    local sdone, cdone, serr, cerr
    for _ = 1, 100 do
      if cdone == nil then
        local ok, e = cc:dohandshake()
        if ok then cdone = true elseif e ~= "wantread" and e ~= "wantwrite" then cdone, cerr = false, e end
      end
      if sdone == nil then
        local ok, e = sc:dohandshake()
        if ok then sdone = true elseif e ~= "wantread" and e ~= "wantwrite" then sdone, serr = false, e end
      end
      if sdone ~= nil and cdone ~= nil then break end
    end
    return sc, cc, {cdone, cerr, sdone, serr}
  end
  local server = {mode = "server", protocol = "any", key = H.pki("leaf.key"), certificate = H.pki("leaf.pem")}
  local client = {mode = "client", protocol = "any", cafile = H.pki("ca.pem"), verify = "peer"}

  it("decodes the peer's certificate, verification and Finished messages", function()
    local sc, cc, result = pair(server, client, "localhost")
    finally(function() sc:close(); cc:close() end)
    assert.are.same({true, nil, true, nil}, result)
    local cert = cc:getpeercertificate()
    assert.are.equal("localhost", cert:subject()[3].value)
    assert.are.equal(cert:serial(), ssl._ssl._test_decode_cert(H.pki("leaf.pem")).serialNumber)
    assert.are.equal(40, #cert:digest())
    assert.are.same({true}, {cc:getpeerverification()})
    assert.are.equal(cc:getfinished(), sc:getpeerfinished())
    assert.are.equal(sc:getfinished(), cc:getpeerfinished())
    local _, kind, bits = cert:pubkey()
    assert.are.same({"RSA", 2048}, {kind, bits})
  end)

  it("records a failed verification under verify = none", function()
    local other = {mode = "server", protocol = "any", key = H.pki("selfsigned.key"),
                   certificate = H.pki("selfsigned.pem")}
    local sc, cc, result = pair(other, {mode = "client", protocol = "any", verify = "none"})
    finally(function() sc:close(); cc:close() end)
    assert.are.same({true, nil, true, nil}, result)
    assert.are.same({false, "self-signed certificate"}, {cc:getpeerverification()})
  end)

  it("limits the chain with depth", function()
    local chain = {mode = "server", protocol = "any", key = H.pki("chain.key"), certificate = H.pki("chain.pem")}
    local shallow = {mode = "client", protocol = "any", cafile = H.pki("ca.pem"), verify = "peer", depth = 0}
    local sc, cc, result = pair(chain, shallow, "localhost")
    finally(function() sc:close(); cc:close() end)
    assert.are.same({false, "certificate verify failed"}, {result[1], result[2]})
  end)

  it("the core's helpers refuse bad input with Python's errors", function()
    H.raises(ssl.TypeError, "a bytes-like object is required, not 'NoneType'", core._der_cert_dict, nil)
    H.raises(ssl.SSLError, "('Error decoding DER-encoded certificate',)", core._der_cert_dict, "garbage")
    H.raises(ssl.SSLError, "('Error decoding DER-encoded certificate',)", core._der_cert_dict, "")
    local sc, cc = pair(server, client, "localhost")
    finally(function() sc:close(); cc:close() end)
    local obj = cc:sslsocket()._sslobj
    H.raises(ssl.ValueError, nil, obj._set_verify_depth, obj, -1)
    H.raises(ssl.TypeError, nil, obj._set_verify_depth, obj, "x")
    assert.are.same({0, "ok"}, {obj:_verify_result()})
    assert.are.equal(48, #obj:_finished(true))
    cc:close()
    H.raises(ssl.ValueError, "SSLObject has been closed", obj._verify_result, obj)
  end)
end)
