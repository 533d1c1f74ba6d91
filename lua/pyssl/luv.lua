-- pyssl.luv: pyssl's TLS on libuv's TCP handles (luv). Each connection is
-- an SSLObject between two MemoryBIOs: what uv reads goes into the
-- incoming BIO, what TLS writes leaves the outgoing one through
-- tcp:write. The calls take callbacks, as luv's own streams do:
--
--   local uv = require "luv"
--   local tls = require "pyssl.luv"
--   tls.connect("example.org", 443, {}, function(err, conn)
--     assert(not err, tostring(err))
--     conn:write("HEAD / HTTP/1.1\r\nHost: example.org\r\nConnection: close\r\n\r\n")
--     conn:read_start(function(err, data)
--       if data then io.write(data) else conn:close() end
--     end)
--   end)
--   uv.run()
--
-- Inside a coroutine the same reads as blocking code: connect(host, port,
-- options) without a callback, conn:read(), conn:write_all(data).
--
-- Errors given to callbacks: luv's strings ("ECONNREFUSED",
-- "ECONNRESET") for the transport, pyssl's error objects for TLS
-- (ssl.SSLCertVerificationError, ...: tostring() gives the text).
local ssl = require "pyssl"
local core = require "pyssl.core"
local luasocket = require "pyssl.luasocket"
core._own_files()

local uv = luasocket._need("luv", "pyssl.luv")

local isinstance = core.isinstance
local WANT_READ, WANT_WRITE = ssl.SSLWantReadError, ssl.SSLWantWriteError
local pcall, setmetatable, type, select = pcall, setmetatable, type, select
local unpack = table.unpack or unpack

local STEP = 16384   -- bytes taken from the TLS connection per read

local M = {}

local Conn = {}
Conn.__index = Conn

-- Sends what TLS wrote (handshake messages, records, alerts).
local function flush(self, cb)
  local out = self.outgoing:read()
  if out ~= "" and not self.tcp:is_closing() then
    self.tcp:write(out, cb)
  elseif cb then
    cb()
  end
end

-- A failure ends the connection: the user hears of it once, through the
-- handshake callback while there is one, else the read callback.
local function fail(self, err)
  if self.failed then return end
  self.failed = err
  pcall(flush, self)   -- an alert TLS may have written
  local cb = self.on_handshake or self.on_read
  self.on_handshake = nil
  if not self.tcp:is_closing() then self.tcp:read_stop() end
  if cb then cb(err) end
end

-- Decrypted data to the reader while there is some and it reads.
local function deliver(self)
  while self.on_read and not self.failed do
    local ok, data = pcall(self.obj.read, self.obj, STEP)
    if not ok then
      if isinstance(data, WANT_READ) or isinstance(data, WANT_WRITE) then break end
      return fail(self, data)
    end
    if data == "" then          -- close_notify: the end of the stream
      local cb = self.on_read
      self.on_read = nil
      self.eof = true
      cb(nil, nil)
      break
    end
    self.on_read(nil, data)
  end
  flush(self)
end

-- Moves the connection on after bytes arrived (or at the start).
local function step(self)
  if self.failed then return end
  if self.on_handshake then
    local ok, err = pcall(self.obj.do_handshake, self.obj)
    flush(self)
    if not ok then
      if isinstance(err, WANT_READ) or isinstance(err, WANT_WRITE) then return end
      return fail(self, err)
    end
    local cb = self.on_handshake
    self.on_handshake = nil
    for _, w in ipairs(self.queued) do self:write(w[1], w[2]) end
    self.queued = {}
    cb(nil, self)
  end
  deliver(self)
end

local function on_tcp_read(self, err, chunk)
  if err then return fail(self, err) end
  if chunk then
    self.incoming:write(chunk)
  else
    self.incoming:write_eof()   -- the TCP stream ended: TLS decides whether that was clean
  end
  step(self)
end

-- wrap(tcp, context, options, callback): TLS on a connected uv TCP handle;
-- options: server_side, server_hostname, session. callback(err, conn) once
-- the handshake is done (or failed: the handle is then closed).
function M.wrap(tcp, context, options, callback)
  options = options or {}
  if type(callback) ~= "function" then
    core._raise("TypeError", "pyssl.luv.wrap() needs a callback function, not " .. core._typename(callback))
  end
  if not isinstance(context, ssl.SSLContext) then
    core._raise("TypeError", "pyssl.luv.wrap() needs an SSLContext, not " .. core._typename(context))
  end
  local incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
  local obj = context:wrap_bio(incoming, outgoing, {server_side = options.server_side and true or false,
                                                    server_hostname = options.server_hostname,
                                                    session = options.session})
  local self = setmetatable({tcp = tcp, obj = obj, sslobject = obj, incoming = incoming, outgoing = outgoing,
                             queued = {}}, Conn)
  self.on_handshake = function(err, conn)
    if err then
      tcp:close()
      callback(err)
    else
      callback(nil, conn)
    end
  end
  tcp:read_start(function(err, chunk) on_tcp_read(self, err, chunk) end)
  step(self)
  return self
end

-- conn:write(data [, callback]): encrypts and sends; callback(err) once
-- uv has written it.
function Conn:write(data, cb)
  if self.failed then
    if cb then cb(self.failed) end
    return
  end
  if self.on_handshake then
    self.queued[#self.queued + 1] = {data, cb}
    return
  end
  local ok, err = pcall(self.obj.write, self.obj, data)
  if not ok then
    if cb then cb(err) end
    return
  end
  flush(self, cb)
end

-- conn:read_start(callback): callback(err, data) for each piece of
-- plaintext; data nil at the end of the stream (the peer's close_notify).
function Conn:read_start(cb)
  self.on_read = cb
  if self.failed then return fail(self, self.failed) end
  if self.eof then
    self.on_read = nil
    return cb(nil, nil)
  end
  deliver(self)
end

function Conn:read_stop()
  self.on_read = nil
end

-- conn:shutdown([callback]): close_notify, then the TCP write side.
function Conn:shutdown(cb)
  pcall(self.obj.unwrap, self.obj)   -- sends close_notify; the peer's comes later (or not)
  flush(self, function()
    if self.tcp:is_closing() then
      if cb then cb() end
      return
    end
    self.tcp:shutdown(function(err) if cb then cb(err) end end)
  end)
end

-- conn:close([callback]): closes the uv handle (no close_notify: call
-- shutdown first for one).
function Conn:close(cb)
  self.on_read = nil
  if not self.tcp:is_closing() then self.tcp:close(cb) end
end

------------------------------------------------------------- coroutines

-- Runs start(cb) and waits, inside the running coroutine, until cb is
-- called (perhaps at once, before start returns); returns cb's arguments.
local function await(who, start)
  local co, main = coroutine.running()
  if co == nil or main then
    core._raise("RuntimeError", who .. " without a callback must run inside a coroutine")
  end
  local done, waiting, result = false, false, nil
  start(function(...)
    if done then return end
    done = true
    result = {n = select("#", ...), ...}
    if waiting then
      local ok, err = coroutine.resume(co)
      if not ok then error(err, 0) end
    end
  end)
  if not done then
    waiting = true
    coroutine.yield()
  end
  return unpack(result, 1, result.n)
end

-- conn:read() inside a coroutine -> data | nil at the end of the stream |
-- nil, err: the next piece of plaintext, waiting for it.
function Conn:read()
  local err, data = await("conn:read()", function(cb)
    self:read_start(function(e, d)
      self:read_stop()
      cb(e, d)
    end)
  end)
  if err then return nil, err end
  return data
end

-- conn:write_all(data) inside a coroutine -> true | nil, err, once uv
-- has written it.
function Conn:write_all(data)
  local err = await("conn:write_all()", function(cb) self:write(data, cb) end)
  if err then return nil, err end
  return true
end

-- TLS details, as the SSLObject gives them.
function Conn:version() return self.obj:version() end
function Conn:cipher() return self.obj:cipher() end
function Conn:getpeercert(binary_form) return self.obj:getpeercert(binary_form) end
function Conn:selected_alpn_protocol() return self.obj:selected_alpn_protocol() end
function Conn:getpeername() return self.tcp:getpeername() end

-- The client context of options (see pyssl.luasocket.connect).
local client_context = luasocket._client_context

-- connect(host, port, options [, callback]): a verified TLS client;
-- options: context (or cafile, capath, cadata, alpn), server_hostname
-- (default host), session. callback(err, conn) after the handshake;
-- without one, inside a coroutine: returns conn | nil, err.
function M.connect(host, port, options, callback)
  options = options or {}
  if callback == nil then
    -- inside a coroutine: conn | nil, err
    local err, conn = await("pyssl.luv.connect()", function(cb) M.connect(host, port, options, cb) end)
    if err then return nil, err end
    return conn
  end
  if type(callback) ~= "function" then
    core._raise("TypeError", "pyssl.luv.connect() needs a callback function, not " .. core._typename(callback))
  end
  local ctx = client_context(options)
  local hostname = options.server_hostname
  if hostname == nil then hostname = host end
  uv.getaddrinfo(host, tostring(port), {socktype = "stream"}, function(err, addrs)
    if err or not addrs or not addrs[1] then return callback(err or "getaddrinfo: no address") end
    local i = 0
    local function try_next(last_err)
      i = i + 1
      local a = addrs[i]
      if not a then return callback(last_err) end
      local tcp = uv.new_tcp()
      tcp:connect(a.addr, a.port, function(cerr)
        if cerr then
          tcp:close()
          return try_next(cerr)
        end
        M.wrap(tcp, ctx, {server_hostname = hostname, session = options.session}, callback)
      end)
    end
    try_next()
  end)
end

-- listen(host, port, context, callback [, backlog]) -> the listening uv
-- TCP handle: callback(err, conn) for each client after its handshake
-- (a failed handshake gives err and closes that client).
function M.listen(host, port, context, callback, backlog)
  if not isinstance(context, ssl.SSLContext) then
    core._raise("TypeError", "pyssl.luv.listen() needs an SSLContext, not " .. core._typename(context))
  end
  if type(callback) ~= "function" then
    core._raise("TypeError", "pyssl.luv.listen() needs a callback function, not " .. core._typename(callback))
  end
  local server = uv.new_tcp()
  assert(server:bind(host, port))
  assert(server:listen(backlog or 128, function(err)
    if err then return callback(err) end
    local client = uv.new_tcp()
    server:accept(client)
    M.wrap(client, context, {server_side = true}, callback)
  end))
  return server
end

M.Conn = Conn
return M
