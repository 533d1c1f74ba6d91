---@meta pyssl.cqueues
-- LuaLS declarations of `require "pyssl.cqueues"`: pyssl.luasocket
-- connections whose every wait is a cqueues.poll (inside a controller's
-- coroutine they yield, elsewhere they block). Needs the cqueues module:
-- `require` fails with a message naming its packages without it.

---@class pyssl.cqueues
---@field loop pyssl.luasocket.Loop the cqueues loop (pyssl.luasocket.loop("cqueues"))
local M = {}

---pyssl.luasocket.connect, waiting in the controller: a verified TLS client.
---@param host string
---@param port integer|string
---@param options? pyssl.luasocket.Options its `loop` is replaced by the cqueues loop
---@return pyssl.luasocket.Conn|nil conn, string? err, pyssl.OSError? error
function M.connect(host, port, options) end

---pyssl.luasocket.wrap, waiting in the controller: an SSLSocket as it is, or
---a connected socket plus options.context (server_side = true for a
---server), handshake included.
---@param sock pyssl.SSLSocket|pyssl.socket.socket|table|integer
---@param options? pyssl.luasocket.Options its `loop` is replaced by the cqueues loop
---@return pyssl.luasocket.Conn|nil conn, string? err, pyssl.OSError? error
function M.wrap(sock, options) end

---Waits with cqueues.poll until sock is readable ("r") or writable ("w").
---@param sock integer|{fileno: fun(self): integer} a descriptor or anything with fileno()
---@param what "r"|"w"
---@param timeout? number seconds; nil waits for ever
---@return boolean ready false when the time ran out
function M.wait(sock, what, timeout) end

---Waits for a connection on a pyssl listening socket (made non-blocking),
---then accepts it; errors other than BlockingIOError are raised.
---@param listener pyssl.socket.socket
---@param timeout? number seconds; nil waits for ever
---@return pyssl.socket.socket|nil sock, any address_or_err the peer's address, or "timeout"
function M.accept(listener, timeout) end

---cqueues.cancel on the descriptor (getfd() or fileno()), then sock:close().
---@param sock pyssl.socket.socket|pyssl.luasocket.Conn|table
---@return any result what sock:close() returns
function M.close(sock) end

return M
