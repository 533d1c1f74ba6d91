-- A LuaSec client moved to pyssl: only the require changed. Talks to the
-- local echo server (README "Coming from LuaSec").
--
--   lua5.4 examples/echo_server.lua --cert build/pki/leafkey.pem --port 4433 &
--   lua5.4 examples/luasec_client.lua [PORT [CAFILE]]
local socket = require "socket"
local ssl = require "pyssl.luasec"          -- was: require "ssl"

local port = tonumber(arg[1] or "4433")
local cafile = arg[2] or "build/pki/ca.pem"

local tcp = assert(socket.connect("127.0.0.1", port))
local conn = assert(ssl.wrap(tcp, {mode = "client", protocol = "any", verify = "peer", cafile = cafile}))
conn:sni("localhost")                       -- with pyssl, also the name the certificate must carry
assert(conn:dohandshake())
print(conn:info("protocol"), conn:getpeercertificate():subject()[3].value)
conn:send("hello from LuaSec code\n")
local line = assert(conn:receive("*l"))   -- LuaSocket's three values: line, err, partial
print(line)
conn:close()
