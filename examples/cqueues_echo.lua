-- cqueues_echo: a TLS echo server and N clients as coroutines of one
-- cqueues controller, through pyssl.cqueues (every wait a cqueues.poll;
-- cqueues.cancel before each close).
--
--   lua5.4 examples/cqueues_echo.lua --cert FILE --cafile FILE [--clients N]
--
-- Prints one line per client ("client 3: HELLO 3") and "served N".
local cqueues = require "cqueues"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local tls = require "pyssl.cqueues"

local opts = {clients = 5}
for i = 1, #arg, 2 do opts[arg[i]:sub(3)] = arg[i + 1] end
assert(opts.cert and opts.cafile, "usage: cqueues_echo.lua --cert FILE --cafile FILE [--clients N]")
local n = tonumber(opts.clients)

local server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx:load_cert_chain(opts.cert)
local listener = socket.create_server({"127.0.0.1", 0})
local port = listener:getsockname()[2]

local cq = cqueues.new()
local served = 0
cq:wrap(function()
  for _ = 1, n do
    local sock = assert(tls.accept(listener))
    cq:wrap(function()
      local conn = assert(tls.wrap(sock, {context = server_ctx, server_side = true}))
      local line = conn:receive("*l")
      while line do
        conn:send(line:upper() .. "\n")
        line = conn:receive("*l")
      end
      conn:close()
      served = served + 1
    end)
  end
end)

for i = 1, n do
  cq:wrap(function()
    local conn = assert(tls.connect("127.0.0.1", port, {cafile = opts.cafile, server_hostname = "localhost"}))
    conn:send("hello " .. i .. "\n")
    print("client " .. i .. ": " .. assert(conn:receive("*l")))
    conn:close()
  end)
end

assert(cq:loop())
tls.close(listener)
print("served " .. served)
