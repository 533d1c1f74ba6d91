-- luasocket_https: LuaSocket's socket.http over verified TLS, the way
-- LuaSec's ssl.https.request is used, with pyssl underneath (certificate
-- and host name checked).
--
--   lua5.4 examples/luasocket_https.lua [--cafile FILE] URL
--
-- Prints the status line and the body; on failure the error ("certificate
-- verify failed", "connection refused", ...) and exit status 1.
local luasocket = require "pyssl.luasocket"

local cafile, url
local i = 1
while arg[i] do
  if arg[i] == "--cafile" then cafile, i = arg[i + 1], i + 2
  else url, i = arg[i], i + 1 end
end
if not url then
  io.stderr:write("usage: luasocket_https.lua [--cafile FILE] URL\n")
  os.exit(2)
end

-- The one call: socket.http.request's string form, over pyssl.
local body, code, headers, status = luasocket.request(url, nil, {cafile = cafile})
if not body then
  io.stderr:write("error: ", tostring(code), "\n")
  os.exit(1)
end
print(status)
print("content-length: " .. tostring(headers["content-length"]))
io.write(body)
