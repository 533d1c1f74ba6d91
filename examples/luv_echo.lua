-- luv_echo: a TLS echo server and N clients in one libuv loop, through
-- pyssl.luv (an SSLObject and two MemoryBIOs per uv TCP handle).
--
--   lua5.4 examples/luv_echo.lua --cert FILE --cafile FILE [--clients N]
--
-- Prints one line per client ("client 3: HELLO 3") and "served N".
local uv = require "luv"
local ssl = require "pyssl"
local tls = require "pyssl.luv"

local opts = {clients = 5}
for i = 1, #arg, 2 do opts[arg[i]:sub(3)] = arg[i + 1] end
assert(opts.cert and opts.cafile, "usage: luv_echo.lua --cert FILE --cafile FILE [--clients N]")
local n = tonumber(opts.clients)

local server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx:load_cert_chain(opts.cert)

local served, finished = 0, 0
local server
server = tls.listen("127.0.0.1", 0, server_ctx, function(err, conn)
  assert(not err, tostring(err))
  conn:read_start(function(rerr, data)
    assert(not rerr, tostring(rerr))
    if data then
      conn:write(data:upper())           -- echo, upper-cased
    else                                 -- the client's close_notify
      conn:close()
      served = served + 1
      if served == n then server:close() end
    end
  end)
end)
local port = server:getsockname().port

for i = 1, n do
  tls.connect("127.0.0.1", port, {cafile = opts.cafile, server_hostname = "localhost"}, function(err, conn)
    assert(not err, tostring(err))
    conn:write("hello " .. i .. "\n")
    local got = ""
    conn:read_start(function(rerr, data)
      assert(not rerr, tostring(rerr))
      got = got .. (data or "")
      if got:find("\n", 1, true) then
        print("client " .. i .. ": " .. got:sub(1, -2))
        conn:read_stop()
        conn:shutdown(function() conn:close() end)
        finished = finished + 1
      end
    end)
  end)
end

uv.run()
print("served " .. served)
