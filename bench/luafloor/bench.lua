-- bench/luafloor/bench.lua — the Lua floor: pyssl's speed loops
-- (lib.speed_workloads), call for call, over luafloor.so (bench/c/luafloor.c),
-- the thinnest binding Lua can call OpenSSL through. What it measures is
-- what Lua 5.4 itself costs on top of C (the interpreter running the loop,
-- one C call per Python API call, a new string per read), so its ratio to
-- C bounds what any binding of Python's API can reach on this Lua. The
-- memory rows are not part of the floor.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../lua/?.lua;" .. package.path
local lib = require "benchlib"
local floor = require "luafloor"

local SUITE = lib.SUITE
local opt = lib.parse_args(arg)
local R = lib.reporter("luafloor", opt)

local function make_ctx(server)
  return floor.context(server, opt.certdir, opt.key)
end

-- A connection over two MemoryBIOs, closed at once like pyssl's MemConn.
local MemConn = {}
MemConn.__index = MemConn

local function memconn(ctx, server, session)
  local incoming, outgoing = floor.MemoryBIO(), floor.MemoryBIO()
  local obj = ctx:wrap_bio(incoming, outgoing, server, session)
  return setmetatable({obj, incoming, outgoing}, MemConn)   -- benchlib's record
end

function MemConn:__close()
  self[1]:close()
  self[2]:close()
  self[3]:close()
end

-- Reads the session tickets; expects "wants more input" afterwards.
local function drain(obj)
  if obj:read(1) ~= false then error("unexpected data") end
end

local function check_cipher(obj)
  local name, version = obj:cipher()
  if name ~= SUITE or version ~= "TLSv1.3" then
    error("unexpected cipher " .. tostring(name) .. " " .. tostring(version))
  end
end

------------------------- loopback TCP: blocking sockets, one process per side

local function tcp_listen()
  local ls, port = floor.listen(opt.port)
  io.write(string.format("PORT %d\n", port))
  io.flush()
  return ls
end

local function tcp_accept(ls, ctx)
  return ctx:wrap_socket(ls:accept(), true)
end

local function tcp_connect(ctx)
  return ctx:wrap_socket(floor.connect(opt.port), false)
end

local W = {}
lib.speed_workloads(W, opt, R, {
  make_ctx = make_ctx, check_cipher = check_cipher,
  memconn = memconn, drain = drain,
  step_handshake = function(obj) return obj:do_handshake() end,
  session = function(obj) return obj:session() end,
  session_reused = function(obj) return obj:session_reused() end,
  listen = tcp_listen, accept = tcp_accept, connect = tcp_connect})

local fn = W[opt.workload]
if not fn then
  R.unavailable("the Lua floor covers the speed workloads only")
end
fn()
