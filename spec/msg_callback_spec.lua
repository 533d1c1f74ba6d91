-- SSLContext._msg_callback (issue 11, item 11): called for every record
-- header and TLS message with (conn, direction, version, content_type,
-- msg_type, data), as CPython's _PySSL_msg_callback calls it; compared with
-- python3 over the same memory-BIO handshakes. An error in the callback is
-- raised by the method that drove OpenSSL; a callback that closes what is
-- in use gets an error, never a crash.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"

local SCENARIOS = {
  tls13 = {client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"},
  tls12 = {client = {ca = "ca.pem", max = "TLSv1_2"}, server = {cert = "leafkey.pem"},
           hostname = "localhost"},
}

-- The calls seen by both ends of a handshake, then one message each way
-- and the client's unwrap; data reduced to its length.
local function record_lua(scn)
  local log = {}
  local function recorder(side)
    return function(conn, direction, version, content_type, msg_type, data)
      log[#log + 1] = {side, direction, version, content_type, msg_type, #data}
      assert(type(conn) == "userdata")
    end
  end
  local cctx, sctx = T.context(scn.client, false), T.context(scn.server, true)
  cctx._msg_callback = recorder("client")
  sctx._msg_callback = recorder("server")
  local p = T.pair(scn, cctx, sctx)
  local cerr, serr = T.handshake(p)
  assert(cerr == nil and serr == nil, tostring(cerr or serr))
  T.send(p.c, p, "ping")
  assert.equal("ping", p.s:read())
  T.send(p.s, p, "pong")
  assert.equal("pong", p.c:read())
  return log, p
end

local PY_RECORD = T.PY .. [[
log = []
def recorder(side):
    def cb(conn, direction, version, content_type, msg_type, data):
        log.append([side, direction, int(version), int(content_type), int(msg_type), len(data)])
    return cb
scn = json.loads(SCN)
cctx, sctx = context(scn["client"], False), context(scn["server"], True)
cctx._msg_callback = recorder("client")
sctx._msg_callback = recorder("server")
p = pair(scn, cctx, sctx)
c, s = handshake(p)
assert c is None and s is None, (c, s)
send(p.c, p, b"ping"); assert p.s.read() == b"ping"
send(p.s, p, b"pong"); assert p.c.read() == b"pong"
print(json.dumps(log))
]]

local function record_python(scn)
  return H.python("SCN = " .. string.format("%q", H.json.encode(scn)) .. "\n" .. PY_RECORD)
end

describe("_msg_callback", function()
  for name, scn in pairs(SCENARIOS) do
    it("sees the calls python3 sees in a " .. name .. " handshake and exchange", function()
      local got = record_lua(scn)
      local want = record_python(scn)
      assert.is_true(#want > 10)
      assert.same(want, got)
    end)
  end

  it("passes the enums' values: versions, content and message types", function()
    local got = record_lua(SCENARIOS.tls13)
    local seen = {}
    for _, call in ipairs(got) do
      local ct, mt = call[4], call[5]
      seen[ssl._TLSContentType[ct] .. ":" .. tostring(
        (ct == ssl._TLSContentType.HEADER and ssl._TLSContentType[mt]) or
        (ct == ssl._TLSContentType.ALERT and ssl._TLSAlertType[mt]) or
        ssl._TLSMessageType[mt] or mt)] = true
      assert.is_not_nil(ssl.TLSVersion[call[3]])
    end
    assert.is_true(seen["HANDSHAKE:CLIENT_HELLO"])
    assert.is_true(seen["HANDSHAKE:FINISHED"])
    assert.is_true(seen["HEADER:APPLICATION_DATA"])
    -- the inner content type goes through _TLSMessageType too, as in ssl.py
    assert.is_true(seen["INNER_CONTENT_TYPE:CERTIFICATE_STATUS"])   -- 22, handshake
    assert.is_true(seen["INNER_CONTENT_TYPE:SUPPLEMENTAL_DATA"])    -- 23, application data
    assert.is_true(seen["CHANGE_CIPHER_SPEC:CHANGE_CIPHER_SPEC"])    -- 257
  end)

  it("reads a garbage record header's version as python3 does (signed bytes)", function()
    -- A record header whose version bytes are >= 0x80: CPython combines
    -- them as signed chars ((b1 << 8) | b2), which pyssl computes without
    -- C's undefined shift of a negative value (UBSan found it in the fuzzer).
    local header = "\22\171\205\0\5hello"
    local sctx = T.context(SCENARIOS.tls13.server, true)
    local got = {}
    sctx._msg_callback = function(_, direction, version, content_type, msg_type, data)
      got[#got + 1] = {direction, version, content_type, msg_type, #data}
    end
    local incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    local s = sctx:wrap_bio(incoming, outgoing, {server_side = true})
    incoming:write(header)
    assert.is_false(pcall(s.do_handshake, s))
    local want = H.python("SIDE = " .. string.format("%q", H.json.encode(SCENARIOS.tls13.server)) .. "\n"
                          .. T.PY .. [[
got = []
sctx = context(json.loads(SIDE), True)
sctx._msg_callback = lambda conn, d, v, ct, mt, data: got.append([d, int(v), int(ct), int(mt), len(data)])
i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
s = sctx.wrap_bio(i, o, server_side=True)
i.write(bytes([22, 171, 205, 0, 5]) + b"hello")
try:
    s.do_handshake()
except ssl.SSLError:
    pass
print(json.dumps(got))
]])
    assert.equal(-51, want[1][2])
    assert.same(want, got)
  end)

  it("gets the conn of the call: the SSLObject", function()
    local seen
    local cctx = T.context(SCENARIOS.tls13.client, false)
    cctx._msg_callback = function(conn) seen = conn end
    local p = T.pair(SCENARIOS.tls13, cctx)
    T.handshake(p)
    assert.is_true(rawequal(seen, p.c))
  end)

  it("gets the SSLSocket as conn on a socket, and its errors there", function()
    local P = require "spec.support.peers"
    local S = require "spec.support.socket_util"
    local bag = S.bag()
    finally(function() bag:close() end)
    local cctx = P.client_context()
    local conns, directions = {}, {}
    cctx._msg_callback = function(conn, direction)
      conns[conn] = true
      directions[direction] = true
    end
    local sc, ss = P.tls_pair(bag, {cctx = cctx})
    assert.is_true(conns[sc])
    assert.is_true(directions.read and directions.write)
    sc:sendall("x")
    assert.equal("x", ss:recv(1))
    -- a new connection of cctx gets a raising callback: the first handshake
    -- step (the ClientHello) raises its error, not SSLWantReadError
    local boom = ssl.OSError(5, "from the callback")
    cctx._msg_callback = function() error(boom) end
    local c = P.tcp_pair(bag)
    c:setblocking(false)
    local tls = bag:add(cctx:wrap_socket(c, {server_hostname = "localhost", do_handshake_on_connect = false}))
    local ok, err = pcall(tls.do_handshake, tls)
    assert.is_false(ok)
    assert.equal(boom, err)
    -- the callback is looked up when it is called (as _ssl.c reads
    -- ctx->msg_cb): the first connection now raises it too
    ok, err = pcall(sc.sendall, sc, "y")
    assert.is_false(ok)
    assert.equal(boom, err)
  end)

  it("an SSLSocket closed from its own callback gets an error, not a crash", function()
    local P = require "spec.support.peers"
    local S = require "spec.support.socket_util"
    local bag = S.bag()
    finally(function() bag:close() end)
    local cctx = P.client_context()
    local closes = 0
    cctx._msg_callback = function(conn)
      closes = closes + 1
      conn:close()
    end
    local c = P.tcp_pair(bag)
    c:setblocking(false)
    local tls = bag:add(cctx:wrap_socket(c, {server_hostname = "localhost", do_handshake_on_connect = false}))
    H.raises(ssl.ValueError, "cannot close an SSLObject from its own callback", tls.do_handshake, tls)
    assert.is_true(closes >= 1)
    cctx._msg_callback = nil
    -- afterwards the socket closes as any other
    tls:close()
    assert.equal(-1, tls:fileno())
    collectgarbage()
  end)

  it("is read back, cleared with nil, and checked as ssl.py checks it", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert.is_nil(ctx._msg_callback)
    local f = function() end
    ctx._msg_callback = f
    assert.equal(f, ctx._msg_callback)
    local callable = setmetatable({}, {__call = function() end})
    ctx._msg_callback = callable
    assert.equal(callable, ctx._msg_callback)
    ctx._msg_callback = nil
    assert.is_nil(ctx._msg_callback)
    H.raises(ssl.TypeError, "1 is not callable.", function() ctx._msg_callback = 1 end)
    H.raises(ssl.TypeError, "x is not callable.", function() ctx._msg_callback = "x" end)
    H.raises(ssl.TypeError, "True is not callable.", function() ctx._msg_callback = true end)
  end)

  it("the enums have python3's members", function()
    local want = H.python([[
out = {}
for E in (ssl._TLSContentType, ssl._TLSAlertType, ssl._TLSMessageType):
    out[E.__name__] = {m.name: m.value for m in E}
print(json.dumps(out))
]])
    for name, members in pairs(want) do
      local got = {}
      for k, v in pairs(ssl[name]) do got[k] = v end
      assert.same(members, got)
    end
  end)

  it("an error in the callback is raised by the method that called OpenSSL", function()
    local cctx = T.context(SCENARIOS.tls13.client, false)
    local boom = ssl.ValueError("from the callback")
    local calls = 0
    cctx._msg_callback = function() calls = calls + 1; error(boom) end
    local p = T.pair(SCENARIOS.tls13, cctx)
    local ok, err = pcall(p.c.do_handshake, p.c)
    assert.is_false(ok)
    assert.equal(boom, err)
    assert.is_true(calls >= 2)   -- called for every message all the same
    -- the error is raised once: with the callback gone (the connection
    -- finds it through its context) the handshake goes on to its end
    cctx._msg_callback = nil
    local cerr, serr = T.handshake(p)
    assert.is_nil(cerr)
    assert.is_nil(serr)
  end)

  it("an error during read and write is raised there", function()
    local scn = SCENARIOS.tls13
    local cctx = T.context(scn.client, false)
    local armed = false
    cctx._msg_callback = function(_, direction)
      if armed then error("callback on " .. direction) end
    end
    local p = T.pair(scn, cctx)
    assert.is_nil((T.handshake(p)))
    armed = true
    local ok, err = pcall(p.c.write, p.c, "data")
    assert.is_false(ok)
    assert.matches("callback on write", tostring(err))
    T.transfer(p)
    armed = false
    assert.equal("data", p.s:read())
    T.send(p.s, p, "back")
    armed = true
    ok, err = pcall(p.c.read, p.c)
    assert.is_false(ok)
    assert.matches("callback on read", tostring(err))
  end)

  it("a callback that closes its connection or context does not crash", function()
    local scn = SCENARIOS.tls13
    -- the connection: closing it from its own callback is refused
    local cctx = T.context(scn.client, false)
    local p
    cctx._msg_callback = function(conn) getmetatable(conn).__close(conn) end
    p = T.pair(scn, cctx)
    H.raises(ssl.ValueError, "cannot close an SSLObject from its own callback",
             p.c.do_handshake, p.c)
    -- the context: the connection keeps OpenSSL's reference to it
    local cctx2 = T.context(scn.client, false)
    local closed = 0
    cctx2._msg_callback = function()
      closed = closed + 1
      getmetatable(cctx2).__close(cctx2)
      collectgarbage()
    end
    p = T.pair(scn, cctx2)
    -- a closed context has no callback: called once, then the handshake
    -- finishes on OpenSSL's own reference to the context
    local cerr, serr = T.handshake(p)
    assert.equal(1, closed)
    assert.is_nil(cerr)
    assert.is_nil(serr)
    T.send(p.c, p, "still usable")
    assert.equal("still usable", p.s:read())
    getmetatable(p.c).__close(p.c)
    getmetatable(p.s).__close(p.s)
  end)

  it("applies to connections made after it is set (OpenSSL copies it)", function()
    local scn = SCENARIOS.tls13
    local cctx = T.context(scn.client, false)
    local p = T.pair(scn, cctx)
    local calls = 0
    cctx._msg_callback = function() calls = calls + 1 end
    T.handshake(p)
    assert.equal(0, calls)
    local want = H.python(T.PY .. [[
scn = {"client": {"ca": "ca.pem"}, "server": {"cert": "leafkey.pem"}, "hostname": "localhost"}
cctx = context(scn["client"], False)
p = pair(scn, cctx)
calls = []
cctx._msg_callback = lambda *a: calls.append(1)
handshake(p)
print(json.dumps(len(calls)))
]])
    assert.equal(want, calls)
  end)
end)
