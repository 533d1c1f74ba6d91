-- pyssl.cosocket: TLS over a non-blocking socket object that an event loop
-- owns, first of all nginx's cosockets (ngx.socket.tcp() in OpenResty /
-- lua-nginx-module). pyssl's SSLObject does the TLS on two MemoryBIOs; this
-- module moves the bytes between them and the cosocket, so that every wait
-- is the cosocket's own (the nginx worker serves other requests meanwhile).
--
--   local tls = cosocket.wrap_socket(ctx, sock, {server_hostname = "example.org"})
--   tls:sendall("..."); local data = tls:recv(4096); tls:close()
--
-- The object answers as Python's SSLSocket does (do_handshake, read/recv,
-- write/send/sendall, unwrap, getpeercert, version, cipher, ...), and its
-- failures are pyssl's error objects: the SSLObject's own (SSLError,
-- SSLCertVerificationError, SSLEOFError, ...), TimeoutError when the
-- cosocket times out, ConnectionResetError / BrokenPipeError when the
-- kernel says so. Timeouts are the cosocket's: settimeout(ms) and
-- settimeouts(connect_ms, send_ms, read_ms) are passed to it as they are.
--
-- The socket object needs: receiveany(max) -> data | nil, err;
-- send(data) -> n | nil, err; close(); settimeout / settimeouts for those
-- methods here. err is nginx's text: "timeout", "closed", or the kernel's
-- lowercased strerror ("connection reset by peer", ...).
--
-- Plain Lua 5.1 code (LuaJIT, 5.1 to 5.4).
local ssl = require "pyssl"
local core = require "pyssl.core"

local raise, isinstance = core._raise, core.isinstance
local SSLWantReadError, SSLWantWriteError = core.SSLWantReadError, core.SSLWantWriteError
local SSLError = core.SSLError
local pcall, error, type, rawget, setmetatable = pcall, error, type, rawget, setmetatable
local select, tostring = select, tostring
local unpack = require("pyssl._compat").unpack

local M = {}

-- Bytes asked of the cosocket per wait: the largest TLS record with its header.
M.RECV_SIZE = 16384 + 5 + 256

-- The kernel's errors as nginx reports them (ngx_strerror, lowercased), and
-- the OSError subclass Python raises for each; errno values are Linux's.
local KERNEL_ERRORS = {
  ["connection reset by peer"] = {"ConnectionResetError", 104, "Connection reset by peer"},
  ["broken pipe"] = {"BrokenPipeError", 32, "Broken pipe"},
  ["connection refused"] = {"ConnectionRefusedError", 111, "Connection refused"},
  ["connection timed out"] = {"TimeoutError", 110, "Connection timed out"},
}

-- What Python's SSLSocket says when its socket timeout runs out.
local TIMEOUT_TEXT = {
  handshake = "The handshake operation timed out",
  read = "The read operation timed out",
  write = "The write operation timed out",
}

-- Raises the pyssl error for a failed cosocket call (err: nginx's text).
local function raise_socket_error(err, operation)
  if err == "timeout" then
    raise("TimeoutError", TIMEOUT_TEXT[operation])
  end
  local known = KERNEL_ERRORS[err]
  if known then
    raise(known[1], known[2], known[3])
  end
  raise("OSError", tostring(err))
end

local SSLCosocket = {}
SSLCosocket.__index = SSLCosocket
SSLCosocket.__name = "pyssl.cosocket.SSLCosocket"
M.SSLCosocket = SSLCosocket

-- The SSLObject, or the error Python raises once the socket is closed
-- (OSError EBADF) or unwrapped (ValueError, as SSLSocket.read/write say).
local function live(self, operation)
  local obj = rawget(self, "sslobject")
  if obj then return obj end
  if self._closed then raise("OSError", 9, "Bad file descriptor") end
  if operation == "read" then raise("ValueError", "Read on closed or unwrapped SSL socket.") end
  raise("ValueError", "Write on closed or unwrapped SSL socket.")
end

-- Sends what the SSLObject has written to the outgoing MemoryBIO. quiet:
-- a failure is ignored (the error being raised says more).
local function flush(self, operation, quiet)
  local outgoing = self._outgoing
  if outgoing.pending > 0 then
    local ok, err = self.socket:send(outgoing:read())
    if not ok and not quiet then
      if err == "closed" then
        raise("BrokenPipeError", 32, "Broken pipe")
      end
      raise_socket_error(err, operation)
    end
  end
end

-- Waits on the cosocket for bytes for the incoming MemoryBIO; the peer's
-- end of stream becomes the BIO's EOF, which the SSLObject then reports as
-- Python does (SSLEOFError, or "" after a close_notify).
local function fill(self, operation)
  local incoming = self._incoming
  if incoming.eof then
    -- Past the BIO's EOF OpenSSL reports the end instead of asking for
    -- more; should it ask, this ends the loop instead of waiting forever.
    raise("SSLEOFError", 8, "EOF occurred in violation of protocol")
  end
  local data, err = self.socket:receiveany(M.RECV_SIZE)
  if data then
    incoming:write(data)
  elseif err == "closed" then
    incoming:write_eof()
  else
    raise_socket_error(err, operation)
  end
end

-- Runs obj[method](obj, ...) until it no longer waits for the network,
-- moving bytes between the BIOs and the cosocket. Bytes the SSLObject
-- produced are sent before any error is raised (alerts reach the peer, as
-- with Python's SSLSocket). ragged: a bare end of stream (SSL_ERROR_EOF)
-- returns "" instead (suppress_ragged_eofs). The cosocket calls, which may
-- yield, stay outside pcall: Lua 5.1 cannot yield across it.
local function drive(self, operation, ragged, method, ...)
  local obj = live(self, operation)
  while true do
    local ok, result = pcall(obj[method], obj, ...)
    if ok then
      flush(self, operation)
      return result
    end
    if isinstance(result, SSLWantReadError) then
      flush(self, operation)
      fill(self, operation)
    elseif isinstance(result, SSLWantWriteError) then
      flush(self, operation)
    else
      flush(self, operation, true)
      if ragged and isinstance(result, SSLError) and result.errno == 8 then
        return ""
      end
      error(result, 0)
    end
  end
end

-- cosocket.wrap_socket(context, sock, {server_side = false, server_hostname = nil,
--   session = nil, do_handshake_on_connect = true, suppress_ragged_eofs = true}):
-- SSLContext.wrap_socket's keywords, for a connected cosocket.
function M.wrap_socket(context, sock, kw)
  kw = kw or {}
  if type(kw) ~= "table" then
    raise("TypeError", "wrap_socket() keywords must be a table, not " .. core._typename(kw))
  end
  if not isinstance(context, ssl.SSLContext) then
    raise("TypeError", "wrap_socket() argument 'context' must be ssl.SSLContext, not "
      .. core._typename(context))
  end
  local incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
  local obj = context:wrap_bio(incoming, outgoing, kw.server_side or false,
                               kw.server_hostname, kw.session)
  local self = setmetatable({
    sslobject = obj, socket = sock, context = context,
    server_side = kw.server_side or false, server_hostname = obj.server_hostname,
    suppress_ragged_eofs = kw.suppress_ragged_eofs ~= false,
    _incoming = incoming, _outgoing = outgoing, _closed = false,
  }, SSLCosocket)
  if kw.do_handshake_on_connect ~= false then
    self:do_handshake()
  end
  return self
end

function SSLCosocket:do_handshake()
  drive(self, "handshake", false, "do_handshake")
end

-- read(len=1024): up to len bytes; "" at the end of the stream (after the
-- peer's close_notify, or a bare EOF when suppress_ragged_eofs is on).
function SSLCosocket:read(len)
  if len == nil then len = 1024 end
  return drive(self, "read", self.suppress_ragged_eofs, "read", len)
end

local function check_flags(self, flags, name)
  if flags ~= nil and flags ~= 0 then
    raise("ValueError", "non-zero flags not allowed in calls to " .. name .. "() on "
      .. "<class 'pyssl.cosocket.SSLCosocket'>")
  end
  return self
end

function SSLCosocket:recv(bufsize, flags)
  check_flags(self, flags, "recv")
  return self:read(bufsize)
end

-- write(data): the number of bytes written (all of them), sent to the cosocket.
function SSLCosocket:write(data)
  return drive(self, "write", false, "write", data)
end

function SSLCosocket:send(data, flags)
  check_flags(self, flags, "send")
  return self:write(data)
end

function SSLCosocket:sendall(data, flags)
  check_flags(self, flags, "sendall")
  self:write(data)
end

-- unwrap(): the TLS shutdown (close_notify both ways); returns the cosocket,
-- which then carries plain bytes again. The SSLCosocket is done.
function SSLCosocket:unwrap()
  drive(self, "read", false, "unwrap")
  local sock = self.socket
  self.sslobject = nil
  return sock
end

-- close(): closes the cosocket, without a close_notify (as Python's
-- SSLSocket.close); idempotent.
function SSLCosocket:close()
  if self._closed then return end
  self._closed = true
  self.sslobject = nil
  if self.socket then self.socket:close() end
end

function SSLCosocket:settimeout(ms)
  return self.socket:settimeout(ms)
end

function SSLCosocket:settimeouts(connect_ms, send_ms, read_ms)
  return self.socket:settimeouts(connect_ms, send_ms, read_ms)
end

-- The SSLObject's answers about the connection; nil once closed or
-- unwrapped, as SSLSocket's are.
local function delegate(name)
  SSLCosocket[name] = function(self, ...)
    local obj = rawget(self, "sslobject")
    if obj == nil then return nil end
    return obj[name](obj, ...)
  end
end
delegate("version")
delegate("cipher")
delegate("shared_ciphers")
delegate("compression")
delegate("selected_alpn_protocol")
delegate("get_channel_binding")

function SSLCosocket:pending()
  local obj = rawget(self, "sslobject")
  if obj == nil then return 0 end
  return obj:pending()
end

-- lua-nginx-module logs an uncaught error only when it is a string
-- ("runtime error: unknown reason" for pyssl's error objects, __tostring
-- or not). run(f, ...) calls f and lets any error through as the text
-- tostring gives (the user's file:line, the Python class, the message),
-- with the Lua stack at the raise under it: what nginx then logs. (f may
-- wait on cosockets: LuaJIT, like 5.2+, yields across pcall.)
local function returned(ok, ...)
  return ok, select("#", ...), {...}
end

function M.run(f, ...)
  local ok, n, results = returned(pcall(f, ...))
  if ok then
    return unpack(results, 1, n)
  end
  local err = results[1]
  if type(err) == "table" and core.isinstance(err, core.BaseException) then
    local text = tostring(err)
    if type(rawget(err, "__traceback__")) == "string" then
      text = text .. "\n" .. err.__traceback__
    end
    error(text, 0)
  end
  error(err, 0)
end

function SSLCosocket:getpeercert(binary_form)
  local obj = live(self, "read")
  return obj:getpeercert(binary_form)
end

return M
