-- pyssl.cqueues: pyssl's TLS inside a cqueues controller. Every wait is a
-- cqueues.poll, so a coroutine the controller runs (cq:wrap) yields while
-- its connection waits and the others run; outside a controller the same
-- calls block. Connections are pyssl.luasocket objects (LuaSocket's
-- receive/send, as cqueues' own sockets read and write), closed with
-- cqueues.cancel(fd) first, as cqueues needs before a descriptor goes.
--
--   local cq = require("cqueues").new()
--   local tls = require "pyssl.cqueues"
--   cq:wrap(function()
--     local conn = assert(tls.connect("example.org", 443))
--     conn:send("HEAD / HTTP/1.1\r\nHost: example.org\r\n\r\n")
--     print(conn:receive("*l"))
--     conn:close()
--   end)
--   assert(cq:loop())
local core = require "pyssl.core"
local luasocket = require "pyssl.luasocket"
core._own_files()

local cqueues = luasocket._need("cqueues", "pyssl.cqueues")
local loop = luasocket.loop("cqueues")

local M = {}

local function with_loop(options)
  local o = {}
  for k, v in pairs(options or {}) do o[k] = v end
  o.loop = loop
  return o
end

-- connect(host, port [, options]) -> connection | nil, message, error
-- object: pyssl.luasocket.connect, waiting in the controller.
function M.connect(host, port, options)
  return luasocket.connect(host, port, with_loop(options))
end

-- wrap(sock [, options]) -> connection | nil, message, error object:
-- pyssl.luasocket.wrap (an SSLSocket, or a connected socket plus
-- options.context; server_side = true for a server), handshake included.
function M.wrap(sock, options)
  return luasocket.wrap(sock, with_loop(options))
end

-- wait(sock, "r"|"w" [, timeout]) -> true, or false when the time ran out
-- (any object with fileno(), or a descriptor).
function M.wait(sock, what, timeout)
  local fd = type(sock) == "number" and sock or sock:fileno()
  local p = {pollfd = fd, events = what}
  if timeout then return cqueues.poll(p, timeout) == p end
  return cqueues.poll(p) == p
end

-- accept(listener [, timeout]) -> socket, address | nil, "timeout": waits
-- for a connection on a pyssl listening socket, then accepts it.
function M.accept(listener, timeout)
  listener:settimeout(0.0)
  while true do
    local ok, conn, addr = pcall(listener.accept, listener)
    if ok then return conn, addr end
    if not core.isinstance(conn, core.BlockingIOError) then error(conn, 0) end
    if not M.wait(listener, "r", timeout) then return nil, "timeout" end
  end
end

-- close(sock): cqueues.cancel on its descriptor, then close().
function M.close(sock)
  local fd = sock.getfd and sock:getfd() or sock:fileno()
  if fd >= 0 then cqueues.cancel(fd) end
  return sock:close()
end

M.loop = loop
return M
