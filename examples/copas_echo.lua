-- copas_echo: a TLS echo server and N clients in one copas loop, through
-- pyssl.luasocket (LuaSocket-shaped TLS connections that yield to copas).
-- Debian packages copas for Lua 5.1 and 5.2 (LuaJIT uses 5.1's).
--
--   lua5.1 examples/copas_echo.lua --cert FILE --cafile FILE [--clients N]
--
-- Prints one line per client ("client 3: HELLO 3") and "served N".
local copas = require "copas"          -- before socket.http, as copas asks
local socket = require "socket"
local ssl = require "pyssl"
local luasocket = require "pyssl.luasocket"

local opts = {clients = 5}
for i = 1, #arg, 2 do opts[arg[i]:sub(3)] = arg[i + 1] end
assert(opts.cert and opts.cafile, "usage: copas_echo.lua --cert FILE --cafile FILE [--clients N]")
local n = tonumber(opts.clients)

local server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx:load_cert_chain(opts.cert)
local server = assert(socket.bind("127.0.0.1", 0))
local _, port = server:getsockname()

local served, finished = 0, 0
copas.addserver(server, function(client)
  -- the one call: TLS on the client copas accepted, handshake included
  local conn = assert(luasocket.wrap(client, {context = server_ctx, server_side = true, loop = "copas"}))
  local line = conn:receive("*l")
  while line do
    conn:send(line:upper() .. "\n")
    line = conn:receive("*l")
  end
  conn:close()
  served = served + 1
end)

for i = 1, n do
  copas.addthread(function()
    local conn = assert(luasocket.connect("127.0.0.1", port, {cafile = opts.cafile,
                                          server_hostname = "localhost", loop = "copas"}))
    conn:send("hello " .. i .. "\n")
    print("client " .. i .. ": " .. assert(conn:receive("*l")))
    conn:close()
    finished = finished + 1
  end)
end

while finished < n or served < n do copas.step(0.1) end
server:close()
print("served " .. served)
