-- pyssl.cosocket (TLS over an nginx cosocket) without nginx: the helper
-- runs over a stand-in cosocket on one end of a socketpair, with the
-- cosocket's calls and error texts (receiveany/send/close/settimeout(s),
-- millisecond timeouts, "timeout", "closed", lowercased strerror). The
-- peer is a non-blocking server SSLSocket on the other end, run as a
-- coroutine whenever the stand-in would wait (as nginx runs other requests
-- while a cosocket waits). `make check-nginx` runs the helper in a real
-- nginx. Plain Lua 5.1 code: the spec runs on every Lua.
local H = require "spec.support.helper"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local cosocket = require "pyssl.cosocket"

local now = require("pyssl.core")._socket._monotonic

local function wants_io(e)
  return ssl.isinstance(e, ssl.SSLWantReadError) or ssl.isinstance(e, ssl.SSLWantWriteError)
end

-- The peer: body(tls) in a coroutine over a non-blocking server SSLSocket;
-- a call that would block yields (see nb).
local function nb(f, ...)
  while true do
    local ok, r = pcall(f, ...)
    if ok then return r end
    if not (wants_io(r) or ssl.isinstance(r, ssl.BlockingIOError)) then
      error(r, 0)
    end
    coroutine.yield()
  end
end

-- A stand-in for ngx.socket.tcp() over `sock`; step() runs the peer.
local Fake = {}
Fake.__index = Fake

local function error_text(e)
  if ssl.isinstance(e, ssl.socket.timeout) then return "timeout" end
  if ssl.isinstance(e, ssl.socket.error) and e.strerror then return e.strerror:lower() end
  return tostring(e)
end

function Fake:settimeout(ms)
  self.send_ms, self.read_ms = ms, ms
end

function Fake:settimeouts(connect_ms, send_ms, read_ms)
  self.connect_ms, self.send_ms, self.read_ms = connect_ms, send_ms, read_ms
end

function Fake:receiveany(max)
  self.receives = self.receives + 1
  if self.closed then return nil, "closed" end
  if self.fail_receive then return nil, self.fail_receive end
  if self.yielding then coroutine.yield("receiveany") end
  self.step()
  self.sock:settimeout(self.read_ms / 1000)
  local ok, data = pcall(self.sock.recv, self.sock, max)
  if not ok then return nil, error_text(data) end
  if data == "" then return nil, "closed" end
  return data
end

-- send(data): all of it, running the peer while the socketpair is full,
-- for at most the send timeout.
function Fake:send(data)
  if self.closed then return nil, "closed" end
  if self.fail_send then return nil, self.fail_send end
  local deadline, sent = now() + self.send_ms / 1000, 0
  self.sock:settimeout(0)
  while sent < #data do
    local ok, n = pcall(self.sock.send, self.sock, data:sub(sent + 1))
    if ok then
      sent = sent + n
    elseif ssl.isinstance(n, ssl.BlockingIOError) then
      if now() > deadline then return nil, "timeout" end
      if self.yielding then coroutine.yield("send") end
      self.step()
    else
      return nil, error_text(n)
    end
  end
  return sent
end

function Fake:close()
  if self.closed then return nil, "closed" end
  self.closed = true
  self.sock:close()
  return 1
end

-- A connected pair: the stand-in cosocket, and the peer running body(tls)
-- on a server SSLSocket of sctx (default: leafkey.pem), or body(nil, sock)
-- on the plain socket when sctx is false. Returns the stand-in and the
-- peer's state {done, err, stop}.
local server_context = require("spec.support.peers").server_context

local function pair(body, sctx)
  local a, b = socket.socketpair()
  b:setblocking(false)
  local peer, tls = {}, nil
  if sctx ~= false then
    tls = (sctx or server_context()):wrap_socket(b, {server_side = true, do_handshake_on_connect = false})
  end
  -- No pcall inside the coroutine: Lua 5.1 cannot yield across one.
  local co = coroutine.create(function() body(tls, b) end)
  local fake = setmetatable({sock = a, read_ms = 5000, send_ms = 5000, receives = 0}, Fake)
  fake.step = function()
    if coroutine.status(co) == "suspended" then
      local ok, e = coroutine.resume(co)
      if not ok then peer.err = e end
      if coroutine.status(co) == "dead" then peer.done = true end
    end
  end
  peer.stop = function()
    if tls then pcall(tls.close, tls) end
    pcall(b.close, b)
    pcall(a.close, a)
  end
  return fake, peer
end

local function client_context()
  local ctx = ssl.create_default_context({cafile = H.pki("ca.pem")})
  ctx:set_alpn_protocols({"h2", "http/1.1"})
  return ctx
end

-- The peer's usual part: handshake, then answer each line with its upper case.
local function upper_echo(tls)
  nb(tls.do_handshake, tls)
  while true do
    local data = nb(tls.recv, tls, 65536)
    if data == "" then return "eof" end
    nb(tls.sendall, tls, data:upper())
  end
end

local function sctx_alpn()
  local ctx = server_context()
  ctx:set_alpn_protocols({"http/1.1"})
  return ctx
end

describe("pyssl.cosocket", function()
  it("does verified TLS 1.3 over the cosocket: version, cipher, ALPN, peer certificate", function()
    local fake, peer = pair(upper_echo, sctx_alpn())
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    assert.are.equal("TLSv1.3", tls:version())
    assert.are.equal("TLS_AES_256_GCM_SHA384", tls:cipher()[1])
    assert.are.equal("http/1.1", tls:selected_alpn_protocol())
    assert.are.equal("localhost", tls:getpeercert().subject[3][1][2])
    assert.are.equal("string", type(tls:getpeercert(true)))
    assert.are.equal("localhost", tls.server_hostname)
    assert.is_false(tls.server_side)
    assert.are.equal(fake, tls.socket)
    assert.are.equal(4, tls:send("ping"))
    assert.are.equal("PING", tls:recv(100))
    assert.is_nil(tls:sendall("pong"))
    assert.are.equal("PONG", tls:read())
    assert.are.equal(0, tls:pending())
  end)

  it("moves a megabyte each way, in records of many sizes", function()
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    local total = 0
    for i = 1, 16 do
      local chunk = string.rep(string.char(96 + i), 65536 - i * 1000)
      tls:sendall(chunk)
      local got, n = {}, 0
      while n < #chunk do
        local part = tls:recv(65536)
        assert.is_true(#part > 0)
        got[#got + 1] = part
        n = n + #part
      end
      assert.are.equal(chunk:upper(), table.concat(got))
      total = total + n
    end
    assert.is_true(total > 900000)
  end)

  it("runs in a coroutine whose cosocket yields while it waits, as nginx's does", function()
    -- Lua 5.1 cannot yield across pcall: every wait must be outside one.
    local function run(body)
      local co, yields = coroutine.create(body), 0
      while true do
        local ok, r = coroutine.resume(co)
        if coroutine.status(co) == "dead" then return ok, r, yields end
        yields = yields + 1
        assert.is_true(yields < 10000)
      end
    end
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    fake.yielding = true
    local ok, got, yields = run(function()
      local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
      tls:sendall(string.rep("y", 100000))
      local parts, n = {}, 0
      while n < 100000 do
        local part = tls:recv(65536)
        parts[#parts + 1] = part
        n = n + #part
      end
      return table.concat(parts)
    end)
    assert.is_true(ok, got)
    assert.are.equal(string.rep("Y", 100000), got)
    assert.is_true(yields > 2)
    -- A failure raised after a wait comes out of the coroutine as the error object.
    fake, peer = pair(function(tls) nb(tls.do_handshake, tls) end)
    finally(peer.stop)
    fake.yielding = true
    local err
    ok, err = run(function()
      cosocket.wrap_socket(client_context(), fake, {server_hostname = "wrong.example.test"})
    end)
    assert.is_false(ok)
    assert.is_true(ssl.isinstance(err, ssl.SSLCertVerificationError))
  end)

  it("waits with do_handshake_on_connect = false until do_handshake()", function()
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake,
      {server_hostname = "localhost", do_handshake_on_connect = false})
    assert.are.equal(0, fake.receives)
    assert.is_nil(tls:version())
    tls:do_handshake()
    assert.are.equal("TLSv1.3", tls:version())
  end)

  it("reads '' after the peer's close_notify, and unwrap() hands back the cosocket", function()
    local fake, peer = pair(function(tls)
      nb(tls.do_handshake, tls)
      nb(tls.sendall, tls, "bye")
      return nb(tls.unwrap, tls)
    end)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    assert.are.equal("bye", tls:recv(10))
    assert.are.equal("", tls:recv(10))
    assert.are.equal(fake, tls:unwrap())
    fake.step()
    assert.is_true(peer.done)
    assert.is_nil(peer.err)
    H.raises(ssl.ValueError, "Read on closed or unwrapped SSL socket.", tls.recv, tls, 10)
    H.raises(ssl.ValueError, "Write on closed or unwrapped SSL socket.", tls.sendall, tls, "x")
    assert.is_nil(tls:version())
    assert.is_nil(tls:cipher())
  end)

  it("reads '' at a bare end of stream, or raises SSLEOFError with suppress_ragged_eofs = false", function()
    for _, suppress in ipairs({true, false}) do
      local fake, peer = pair(function(tls)
        nb(tls.do_handshake, tls)
        nb(tls.sendall, tls, "last")
        tls:shutdown(socket.SHUT_WR)     -- no close_notify (Python's SSLSocket.shutdown)
      end)
      finally(peer.stop)
      local tls = cosocket.wrap_socket(client_context(), fake,
        {server_hostname = "localhost", suppress_ragged_eofs = suppress})
      assert.are.equal("last", tls:recv(10))
      if suppress then
        assert.are.equal("", tls:recv(10))
      else
        local e = H.raises(ssl.SSLEOFError,
          "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", tls.recv, tls, 10)
        assert.are.equal(8, e.errno)
      end
    end
  end)

  it("raises SSLCertVerificationError for a wrong host name, and the peer gets the alert", function()
    local fake, peer = pair(function(tls) nb(tls.do_handshake, tls) end)
    finally(peer.stop)
    local e = H.raises(ssl.SSLCertVerificationError,
      "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, "
      .. "certificate is not valid for 'wrong.example.test'.",
      cosocket.wrap_socket, client_context(), fake, {server_hostname = "wrong.example.test"})
    assert.are.equal(62, e.verify_code)
    fake.step()
    assert.is_true(ssl.isinstance(peer.err, ssl.SSLError))
    assert.are.equal("[SSL: SSLV3_ALERT_BAD_CERTIFICATE] sslv3 alert bad certificate",
                     H.norm((ssl.str or tostring)(peer.err)))
  end)

  it("raises SSLCertVerificationError for a certificate of an unknown CA", function()
    local fake, peer = pair(function(tls) nb(tls.do_handshake, tls) end, server_context("otherkey.pem"))
    finally(peer.stop)
    H.raises(ssl.SSLCertVerificationError,
      "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
      cosocket.wrap_socket, client_context(), fake, {server_hostname = "localhost"})
  end)

  it("raises SSLEOFError when the peer closes during the handshake, as Python's SSLSocket", function()
    local fake, peer = pair(function(_, raw)
      nb(raw.recv, raw, 4096)          -- the ClientHello
      raw:shutdown(socket.SHUT_WR)
    end, false)
    finally(peer.stop)
    local e = H.raises(ssl.SSLEOFError,
      "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
      cosocket.wrap_socket, client_context(), fake, {server_hostname = "localhost"})
    assert.are.equal(8, e.errno)
  end)

  it("raises TimeoutError with Python's texts when the cosocket times out", function()
    -- A peer that never answers: the handshake times out.
    local fake, peer = pair(function() end)
    finally(peer.stop)
    fake:settimeouts(1000, 1000, 100)
    local t0 = now()
    H.raises(ssl.TimeoutError, "The handshake operation timed out",
      cosocket.wrap_socket, client_context(), fake, {server_hostname = "localhost"})
    assert.is_true(now() - t0 < 3)
    -- A peer that shakes hands, then says nothing: a read times out; the
    -- timeout is set through the TLS object.
    fake, peer = pair(function(tls)
      nb(tls.do_handshake, tls)
      while true do coroutine.yield() end
    end)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    tls:settimeout(100)
    assert.are.equal(100, fake.read_ms)
    local e = H.raises(ssl.TimeoutError, "The read operation timed out", tls.recv, tls, 10)
    assert.is_true(ssl.isinstance(e, ssl.socket.timeout))
    tls:settimeouts(1, 2, 3)
    assert.are.same({1, 2, 3}, {fake.connect_ms, fake.send_ms, fake.read_ms})
    fake.fail_send = "timeout"
    H.raises(ssl.TimeoutError, "The write operation timed out", tls.sendall, tls, "x")
  end)

  it("raises the OSError subclass Python raises for the kernel's errors", function()
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    fake.fail_receive = "connection reset by peer"
    local e = H.raises(ssl.ConnectionResetError, "[Errno 104] Connection reset by peer", tls.recv, tls, 10)
    assert.are.equal(104, e.errno)
    fake.fail_send = "broken pipe"
    e = H.raises(ssl.BrokenPipeError, "[Errno 32] Broken pipe", tls.sendall, tls, "x")
    assert.are.equal(32, e.errno)
    fake.fail_send = "closed"
    H.raises(ssl.BrokenPipeError, "[Errno 32] Broken pipe", tls.sendall, tls, "x")
    fake.fail_send = "no memory"
    H.raises(ssl.OSError, "no memory", tls.sendall, tls, "x")
  end)

  it("closes once; after close() I/O raises OSError EBADF and the answers are nil", function()
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    tls:close()
    tls:close()
    assert.is_true(fake.closed)
    local e = H.raises(ssl.OSError, "[Errno 9] Bad file descriptor", tls.recv, tls, 10)
    assert.are.equal(9, e.errno)
    H.raises(ssl.OSError, "[Errno 9] Bad file descriptor", tls.sendall, tls, "x")
    H.raises(ssl.OSError, "[Errno 9] Bad file descriptor", tls.do_handshake, tls)
    H.raises(ssl.OSError, "[Errno 9] Bad file descriptor", tls.getpeercert, tls)
    assert.is_nil(tls:version())
    assert.is_nil(tls:selected_alpn_protocol())
    assert.are.equal(0, tls:pending())
  end)

  it("checks its arguments: flags, data, keywords, context", function()
    local fake, peer = pair(upper_echo)
    finally(peer.stop)
    local tls = cosocket.wrap_socket(client_context(), fake, {server_hostname = "localhost"})
    H.raises(ssl.ValueError,
      "non-zero flags not allowed in calls to recv() on <class 'pyssl.cosocket.SSLCosocket'>",
      tls.recv, tls, 10, 1)
    H.raises(ssl.ValueError,
      "non-zero flags not allowed in calls to sendall() on <class 'pyssl.cosocket.SSLCosocket'>",
      tls.sendall, tls, "x", 1)
    H.raises(ssl.TypeError, "a bytes-like object is required, not 'bool'", tls.write, tls, true)
    H.raises(ssl.TypeError, "wrap_socket() keywords must be a table, not str",
      cosocket.wrap_socket, client_context(), fake, "localhost")
    H.raises(ssl.TypeError, "wrap_socket() argument 'context' must be ssl.SSLContext, not NoneType",
      cosocket.wrap_socket, nil, fake)
    H.raises(ssl.ValueError, "check_hostname requires server_hostname",
      cosocket.wrap_socket, client_context(), fake)
  end)

  it("run: values through, a pyssl error as its text with place and traceback, others untouched", function()
    local a, b, c = cosocket.run(function(x, y) return x, nil, y end, 1, 2)
    assert.are.same({1, nil, 2}, {a, b, c})
    local function failing() local bio = ssl.MemoryBIO(); bio:write_eof(); bio:write("x") end
    local ok, text = pcall(cosocket.run, failing)
    assert.is_false(ok)
    assert.are.equal("string", type(text))
    local first = text:match("^[^\n]*")
    assert.truthy(first:find("cosocket_spec%.lua:%d+: ssl%.SSLError: %('cannot write%(%) after write_eof%(%)',%)$"), first)
    assert.truthy(text:find("\n.*cosocket_spec%.lua:%d+"), text)
    local plain = {}
    local ok2, e2 = pcall(cosocket.run, function() error(plain) end)
    assert.is_false(ok2)
    assert.are.equal(plain, e2)
  end)
end)
