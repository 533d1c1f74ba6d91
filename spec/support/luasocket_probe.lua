-- The same LuaSocket-style calls on a LuaSec connection and on a
-- pyssl.luasocket one (spec/luasocket_spec.lua compares the outputs).
-- usage: lua luasocket_probe.lua luasec|pyssl PORT CAFILE
local which, port, cafile = arg[1], tonumber(arg[2]), arg[3]
local connect
if which == "luasec" then
  local socket = require "socket"
  local ssl = require "ssl"
  connect = function()
    local t = socket.tcp()
    assert(t:connect("127.0.0.1", port))
    local s = assert(ssl.wrap(t, {mode = "client", protocol = "any", verify = "peer", cafile = cafile}))
    assert(s:dohandshake())
    return s
  end
else
  local luasocket = require "pyssl.luasocket"
  connect = function()
    return assert(luasocket.connect("127.0.0.1", port, {cafile = cafile, server_hostname = "localhost"}))
  end
end

local function show(label, ...)
  local t = {}
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    t[i] = type(v) == "string" and string.format("%q", v) or tostring(v)
  end
  io.write(label, "\t", table.concat(t, ", "), "\n")
  io.flush()
end

local s = connect()
show("send", s:send("lines\n"))
s:settimeout(0.2)
show("l1", s:receive("*l"))
show("l2", s:receive())
show("l3", s:receive("*l"))
s:settimeout(nil)
show("l3b", s:receive("*l", "thr"))
show("dirty", s:dirty())
show("a", s:receive("*a"))
show("after", s:receive("*l"))
show("after a", s:receive("*a"))
show("after n", s:receive(3))
show("send closed", s:send("x"))
s:close()
show("closed recv", s:receive())
show("closed fd", s:getfd())
show("closed dirty", s:dirty())
-- (LuaSec 1.2 spins for ever on a receive after an unexpected EOF: once each)
s = connect(); s:send("eof\n")
show("eof l", s:receive("*l"))
s:close()
s = connect(); s:send("eof\n")
show("eof a", s:receive("*a"))
s:close()
s = connect(); s:send("n\n"); s:settimeout(0.2)
show("n3", s:receive(3))
show("n4", s:receive(4))
show("n4 prefix", s:receive(4, "45"))
s:settimeout(0)
show("n0", s:receive(2))
show("n0 dirty", s:dirty())
s:settimeout(1, "t")
show("n9 t", s:receive(9))
s:settimeout(nil)
show("n rest", s:receive(9))
s:close()
s = connect(); s:send("n\n"); s:settimeout(0.6, "t")
show("n total", s:receive(20))
s:close()
s = connect()
show("send i j", s:send("xxecho\nyy", 3, 7))
show("send i", s:send("xxabc\n", 3))
show("send j past", s:send("xxhello\n", 3, 100))
show("send negative", s:send("quit\n", -5, -1))
show("send empty", s:send("abc", 3, 2))
s:settimeout(2)
show("echo", s:receive("*l"))
show("echo2", s:receive("*l"))
show("echo end", s:receive("*a"))
show("fd type", type(s:getfd()))
show("stats", select("#", s:getstats()))
show("bad pattern", (pcall(s.receive, s, "*x")))
show("settimeout", s:settimeout(1))
s:close()
s = connect(); s:send("sink\n"); s:settimeout(0.2)
show("sink", s:receive("*a"))
s:close()
