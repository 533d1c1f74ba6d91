-- bench/luafloor/bench.lua — the Lua floor: bench/pyssl/bench.lua's
-- speed loops, call for call, over luafloor.so (bench/c/luafloor.c),
-- the thinnest binding Lua can call OpenSSL through. What it measures is
-- what Lua 5.4 itself costs on top of C (the interpreter running the loop,
-- one C call per Python API call, a new string per read), so its ratio to
-- C bounds what any binding of Python's API can reach on this Lua. The
-- memory rows are not part of the floor.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../lua/?.lua;" .. package.path
local lib = require "benchlib"
local floor = require "luafloor"

local IMPL, SUITE = "luafloor", "TLS_AES_128_GCM_SHA256"
local opt = lib.parse_args(arg)
local R = lib.reporter(IMPL, opt)
local now = lib.now

local function warmup_of(default) return lib.warmup_of(opt, default) end

local function make_ctx(server)
  return floor.context(server, opt.certdir, opt.key)
end

-- A connection over two MemoryBIOs, closed at once like pyssl's MemConn.
local MemConn = {}
MemConn.__index = MemConn

local function memconn(ctx, server, session)
  local incoming, outgoing = floor.MemoryBIO(), floor.MemoryBIO()
  local obj = ctx:wrap_bio(incoming, outgoing, server, session)
  return setmetatable({obj = obj, incoming = incoming, outgoing = outgoing}, MemConn)
end

function MemConn:__close()
  self.obj:close()
  self.incoming:close()
  self.outgoing:close()
end

local function move(src, dst)
  local data = src:read()
  if #data > 0 then dst:write(data) end
end

local function handshake_pair(c, s)
  local cdone, sdone = false, false
  while not (cdone and sdone) do
    if not cdone then cdone = c.obj:do_handshake() end
    move(c.outgoing, s.incoming)
    if not sdone then sdone = s.obj:do_handshake() end
    move(s.outgoing, c.incoming)
  end
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

local function connected_pair(cctx, sctx)
  local c, s = memconn(cctx, false), memconn(sctx, true)
  handshake_pair(c, s)
  drain(c.obj)
  check_cipher(c.obj)
  return c, s
end

local W = {}

W["bulk-mem"] = function()
  local cctx, sctx = make_ctx(false), make_ctx(true)
  local c, s = connected_pair(cctx, sctx)
  local chunk = opt.chunk
  local payload = string.rep("x", chunk)
  local chunks = opt.bytes // chunk
  local warm = warmup_of(chunks // 16 + 1)
  local client, server, c_out, s_in = c.obj, s.obj, c.outgoing, s.incoming
  local t0 = 0
  for i = -warm, chunks - 1 do
    if i == 0 then t0 = now() end
    client:write(payload)
    s_in:write(c_out:read())
    local got = 0
    while got < chunk do
      got = got + #server:read(chunk)
    end
  end
  local dt = now() - t0
  R.report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk, SUITE)
end

local function handshakes_mem(resume)
  local cctx, sctx = make_ctx(false), make_ctx(true)
  local c0 = connected_pair(cctx, sctx)
  local session = resume and c0.obj:session() or nil
  local warm = warmup_of(opt.count // 10 + 1)
  local t0 = 0
  for i = -warm, opt.count - 1 do
    if i == 0 then t0 = now() end
    local c <close> = memconn(cctx, false, session)
    local s <close> = memconn(sctx, true)
    handshake_pair(c, s)
    drain(c.obj)
    if resume and (i == -warm or i == opt.count - 1) and not c.obj:session_reused() then
      error("session not reused")
    end
  end
  local dt = now() - t0
  R.report("hs/s", opt.count / dt, dt, opt.count, SUITE)
end

W["hs-mem"] = function() handshakes_mem(false) end
W["resume-mem"] = function() handshakes_mem(true) end

local function read_exact(obj, n)
  local data = obj:read(n)
  while #data < n do
    data = data .. obj:read(n - #data)
  end
  return data
end

W["pingpong-mem"] = function()
  local cctx, sctx = make_ctx(false), make_ctx(true)
  local c, s = connected_pair(cctx, sctx)
  local size = opt.size
  local msg = string.rep("p", size)
  local client, server = c.obj, s.obj
  local c_in, c_out, s_in, s_out = c.incoming, c.outgoing, s.incoming, s.outgoing
  local warm = warmup_of(opt.count // 10 + 1)
  local t0 = 0
  for i = -warm, opt.count - 1 do
    if i == 0 then t0 = now() end
    client:write(msg)
    s_in:write(c_out:read())
    server:write(read_exact(server, size))
    c_in:write(s_out:read())
    read_exact(client, size)
  end
  local dt = now() - t0
  R.report("rt/s", opt.count / dt, dt, opt.count, SUITE)
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

lib.tcp_workloads(W, opt, R, {
  make_ctx = make_ctx, listen = tcp_listen, accept = tcp_accept, connect = tcp_connect,
  check_cipher = check_cipher})

local fn = W[opt.workload]
if not fn then
  R.unavailable("the Lua floor covers the speed workloads only")
end
fn()
