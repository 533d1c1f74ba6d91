---@meta pyssl.luv
-- LuaLS declarations of `require "pyssl.luv"`: pyssl's TLS on libuv's TCP
-- handles (luv), an SSLObject between two MemoryBIOs per handle. Calls take
-- callbacks as luv's streams do; without a callback, inside a coroutine,
-- connect/read/write_all wait. Errors given to callbacks: luv's strings
-- ("ECONNREFUSED", "ECONNRESET") for the transport, pyssl's error objects
-- (ssl.SSLCertVerificationError, ...) for TLS. Needs the luv module:
-- `require` fails with a message naming its packages without it.

---Options of connect.
---@class pyssl.luv.ConnectOptions
---@field context? pyssl.SSLContext the TLS context (default `create_default_context()`)
---@field cafile? string without context: CA file of the default context
---@field capath? string without context: CA directory of the default context
---@field cadata? string without context: CA certificates (PEM or DER) of the default context
---@field alpn? string[] without context: ALPN protocols of the default context
---@field server_hostname? string SNI and checked host name (default the host)
---@field session? pyssl.SSLSession a session to resume

---Options of wrap.
---@class pyssl.luv.WrapOptions
---@field server_side? boolean a server connection
---@field server_hostname? string SNI and checked host name of a client
---@field session? pyssl.SSLSession a session to resume

---@class pyssl.luv
---@field Conn pyssl.luv.Conn the connections' metatable (their methods)
local M = {}

---A TLS connection on a uv TCP handle.
---@class pyssl.luv.Conn
---@field tcp userdata the uv TCP handle
---@field sslobject pyssl.SSLObject the TLS connection
---@field obj pyssl.SSLObject the same SSLObject
---@field incoming pyssl.MemoryBIO what uv read, for TLS
---@field outgoing pyssl.MemoryBIO what TLS wrote, for uv
---@field failed? any the error that ended the connection
---@field eof? boolean true once the peer's close_notify came
local Conn = {}
M.Conn = Conn

---TLS on a connected uv TCP handle; callback(err, conn) once the handshake
---is done (or failed: the handle is then closed). Raises TypeError without
---a callback function or an SSLContext.
---@param tcp userdata a connected uv TCP handle
---@param context pyssl.SSLContext
---@param options? pyssl.luv.WrapOptions
---@param callback fun(err: any, conn: pyssl.luv.Conn?)
---@return pyssl.luv.Conn conn before its handshake
function M.wrap(tcp, context, options, callback) end

---A verified TLS client: getaddrinfo, each address in turn, then the
---handshake; callback(err, conn) after it. Without a callback it must run
---inside a coroutine (RuntimeError otherwise) and returns conn or nil, err.
---@param host string
---@param port integer|string
---@param options? pyssl.luv.ConnectOptions
---@param callback? fun(err: any, conn: pyssl.luv.Conn?)
---@return pyssl.luv.Conn|nil conn, any err without a callback only
function M.connect(host, port, options, callback) end

---A listening uv TCP handle: callback(err, conn) for each client after its
---handshake (a failed handshake gives err and closes that client). Raises
---TypeError without an SSLContext or a callback function.
---@param host string
---@param port integer
---@param context pyssl.SSLContext a server context
---@param callback fun(err: any, conn: pyssl.luv.Conn?)
---@param backlog? integer default 128
---@return userdata server the uv TCP handle
function M.listen(host, port, context, callback, backlog) end

---Encrypts and sends (queued until the handshake is done); cb(err) once uv
---has written it.
---@param data string
---@param cb? fun(err: any)
function Conn:write(data, cb) end

---cb(err, data) for each piece of plaintext; data nil at the end of the
---stream (the peer's close_notify).
---@param cb fun(err: any, data: string?)
function Conn:read_start(cb) end

---Stops the read callback.
function Conn:read_stop() end

---close_notify, then the TCP write side; cb(err) after.
---@param cb? fun(err: any)
function Conn:shutdown(cb) end

---Closes the uv handle (no close_notify: shutdown first for one).
---@param cb? fun()
function Conn:close(cb) end

---Inside a coroutine: the next piece of plaintext, waiting for it.
---@return string|nil data nil at the end of the stream, any err
function Conn:read() end

---Inside a coroutine: writes data and waits until uv has written it.
---@param data string
---@return true|nil ok, any err
function Conn:write_all(data) end

---Python's SSLObject.version().
---@return string|nil
function Conn:version() end

---Python's SSLObject.cipher().
---@return {[1]: string, [2]: string, [3]: integer}|nil name, protocol, secret bits
function Conn:cipher() end

---Python's SSLObject.getpeercert(binary_form=False).
---@param binary_form? boolean
---@return table|string|nil
function Conn:getpeercert(binary_form) end

---Python's SSLObject.selected_alpn_protocol().
---@return string|nil
function Conn:selected_alpn_protocol() end

---luv's tcp:getpeername(): {ip = ..., port = ..., family = ...}.
---@return table|nil address, string? err
function Conn:getpeername() end

return M
