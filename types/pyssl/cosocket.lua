---@meta pyssl.cosocket
-- LuaLS declarations of `require "pyssl.cosocket"`: TLS over an nginx
-- cosocket (or any object with receiveany/send/close), README "nginx / OpenResty".

---@class pyssl.cosocket
---@field RECV_SIZE integer bytes asked of the cosocket per wait
local M = {}

---An SSLSocket-like object over a cosocket; failures raise pyssl's errors.
---@class pyssl.cosocket.SSLCosocket
---@field context pyssl.SSLContext
---@field server_side boolean
---@field server_hostname string?
---@field suppress_ragged_eofs boolean
---@field sslobject pyssl.SSLObject
---@field socket table the cosocket
local SSLCosocket = {}
M.SSLCosocket = SSLCosocket

---wrap_socket(context, sock, kw): SSLContext.wrap_socket's keywords; the handshake runs here
---unless do_handshake_on_connect is false.
---@param context pyssl.SSLContext
---@param sock table an nginx cosocket (ngx.socket.tcp()) or alike
---@param kw? {server_side?: boolean, server_hostname?: string, session?: pyssl.SSLSession, do_handshake_on_connect?: boolean, suppress_ragged_eofs?: boolean}
---@return pyssl.cosocket.SSLCosocket
function M.wrap_socket(context, sock, kw) end

---Calls f(...) and lets a pyssl error through as its text with the traceback (what nginx logs).
---@param f function
---@param ... any
---@return any ...
function M.run(f, ...) end

---@see pyssl.SSLSocket.do_handshake
function SSLCosocket:do_handshake() end
---@param len? integer
---@return string
function SSLCosocket:read(len) end
---@param bufsize integer
---@param flags? integer
---@return string "" at the end of the stream
function SSLCosocket:recv(bufsize, flags) end
---@param data string
---@return integer
function SSLCosocket:write(data) end
---@param data string
---@param flags? integer
---@return integer
function SSLCosocket:send(data, flags) end
---@param data string
---@param flags? integer
function SSLCosocket:sendall(data, flags) end
---close_notify both ways; returns the cosocket (plain bytes from then on).
---@return table
function SSLCosocket:unwrap() end
---Closes the cosocket (no close_notify, as Python's close()).
function SSLCosocket:close() end
---@param ms integer the cosocket's timeout, milliseconds
function SSLCosocket:settimeout(ms) end
---@param connect_ms integer
---@param send_ms integer
---@param read_ms integer
function SSLCosocket:settimeouts(connect_ms, send_ms, read_ms) end
---@return integer
function SSLCosocket:pending() end
---@param binary_form? boolean
---@return table|string|nil
function SSLCosocket:getpeercert(binary_form) end
---@return string?
function SSLCosocket:version() end
---@return {[1]: string, [2]: string, [3]: integer}?
function SSLCosocket:cipher() end
---@return table[]?
function SSLCosocket:shared_ciphers() end
---@return string?
function SSLCosocket:compression() end
---@return string?
function SSLCosocket:selected_alpn_protocol() end
---@param cb_type? string
---@return string?
function SSLCosocket:get_channel_binding(cb_type) end

return M
