-- The Lua side of examples/host/host.c: a TLS echo service, one coroutine
-- per client. The host gives each call its own SSLContext (its SSL_CTX,
-- through pyssl's C API) and the client's descriptor as a non-blocking
-- pyssl.socket; whenever TLS has to wait, this yields "read" or "write"
-- and the host's epoll loop resumes it when the descriptor is ready.
--
-- Lines are echoed back; "exit" answers "bye" and asks the host to stop.
local ssl = require "pyssl"

-- Calls method(obj, ...) until it completes, yielding to the host what the
-- TLS layer waits for.
local function wait_for(obj, method, ...)
  while true do
    local ok, result = pcall(obj[method], obj, ...)
    if ok then return result end
    if ssl.isinstance(result, ssl.SSLWantReadError) then
      coroutine.yield("read")
    elseif ssl.isinstance(result, ssl.SSLWantWriteError) then
      coroutine.yield("write")
    else
      error(result, 0)
    end
  end
end

local function send_all(tls, data)
  while #data > 0 do
    local sent = wait_for(tls, "send", data)
    data = data:sub(sent + 1)
  end
end

return function(ctx, sock)
  local tls = ctx:wrap_socket(sock, {server_side = true, do_handshake_on_connect = false})
  wait_for(tls, "do_handshake")
  host.log_tls(tls)
  local pending = ""
  while true do
    local data = wait_for(tls, "recv", 4096)
    if data == "" then break end   -- the client closed
    pending = pending .. data
    for line in pending:gmatch("([^\n]*)\n") do
      if line == "exit" then
        send_all(tls, "bye\n")
        tls:close()
        return "exit"
      end
      send_all(tls, line .. "\n")
    end
    pending = pending:match("[^\n]*$")
  end
  tls:close()
end
