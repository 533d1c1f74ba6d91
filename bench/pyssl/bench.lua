-- bench/pyssl/bench.lua — the pyssl side of the benchmarks.
--
-- A line-by-line port of bench/py/bench.py (Python's ssl API, Lua
-- spelling), as a pyssl user would write it: SSLContext, wrap_bio with
-- MemoryBIO, wrap_socket on pyssl.socket blocking sockets (the speed
-- loops are in ../lua/benchlib.lua, shared with the Lua floor).
-- Same command line and JSON output as the other implementations.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../lua/?.lua;" .. package.path
local lib = require "benchlib"
local ssl = require "pyssl"

local IMPL, SUITE, HOST = "pyssl", lib.SUITE, "localhost"
local opt = lib.parse_args(arg)
local R = lib.reporter(IMPL, opt)
local heap_bytes, rss_bytes = lib.heap, lib.rss

local function warmup_of(default) return lib.warmup_of(opt, default) end

---------------------------------------------- contexts and connections

local function make_ctx(server)
  local d = opt.certdir .. "/" .. opt.key .. "/"
  local ctx
  if server then
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx:load_cert_chain(d .. "server.pem", d .. "server.key")
  else
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx:load_verify_locations(d .. "ca.pem")
  end
  -- TLSVersion.TLSv1_3 is 772 (the enum tables may not be in the facade yet).
  ctx.minimum_version = ssl.TLSVersion and ssl.TLSVersion.TLSv1_3 or 772
  return ctx
end

-- A connection over two MemoryBIOs; close() frees it at once (the Lua
-- collector cannot see OpenSSL's memory, so loops close eagerly).
local MemConn = {}
MemConn.__index = MemConn

-- The two classes' __close, found once: Python frees at the last
-- reference and calls nothing, so the loops should not pay a
-- getmetatable() per object either.
local close_object, close_bio

local function memconn(ctx, server, session)
  local incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
  local obj
  if server then
    obj = ctx:wrap_bio(incoming, outgoing, {server_side = true})
  else
    obj = ctx:wrap_bio(incoming, outgoing, {server_hostname = HOST, session = session})
  end
  if not close_object then
    close_object, close_bio = getmetatable(obj).__close, getmetatable(incoming).__close
  end
  return setmetatable({obj, incoming, outgoing}, MemConn)   -- benchlib's record
end

function MemConn:__close()
  close_object(self[1])
  close_bio(self[2])
  close_bio(self[3])
end

local function step_handshake(obj)
  local ok, err = pcall(obj.do_handshake, obj)
  if ok then return true end
  if ssl.isinstance(err, ssl.SSLWantReadError) then return false end
  error(err, 0)
end

local function drain(obj)
  local ok, err = pcall(obj.read, obj, 1)
  if not ok and ssl.isinstance(err, ssl.SSLWantReadError) then return end
  error(ok and "unexpected data" or err, 0)
end

local function check_cipher(obj)
  local c = obj:cipher()
  if c[1] ~= SUITE or c[2] ~= "TLSv1.3" then
    error("unexpected cipher " .. tostring(c[1]) .. " " .. tostring(c[2]))
  end
end

------------------------- loopback TCP: blocking sockets, one process per side

local socket = ssl.socket

local function tcp_listen()
  local ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  ls:setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  ls:bind({"127.0.0.1", opt.port})
  ls:listen(1024)
  local a, b = ls:getsockname()
  io.write(string.format("PORT %d\n", type(a) == "table" and a[2] or b))
  io.flush()
  return ls
end

local function tcp_accept(ls, ctx)
  local conn = ls:accept()
  conn:setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
  return ctx:wrap_socket(conn, {server_side = true})
end

local function tcp_connect(ctx)
  local sock = socket.create_connection({"127.0.0.1", opt.port})
  sock:setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
  return ctx:wrap_socket(sock, {server_hostname = HOST})
end

---------------------------------------------------- workloads

-- The speed loops, in-memory and loopback TCP, are shared with the Lua
-- floor (lib.speed_workloads); pyssl's steps are the functions above.
local W = {}
local helpers = lib.speed_workloads(W, opt, R, {
  make_ctx = make_ctx, check_cipher = check_cipher, bytearray = socket.bytearray,
  memconn = memconn, step_handshake = step_handshake, drain = drain,
  session = function(obj) return obj.session end,
  session_reused = function(obj) return obj.session_reused end,
  listen = tcp_listen, accept = tcp_accept, connect = tcp_connect})

local function idle_mem(keep_server)
  local cctx, sctx = make_ctx(false), make_ctx(true)
  local kept = {}
  local warm = warmup_of(20)
  local rss0, heap0, lua0 = 0, 0, 0
  for i = -warm, opt.count - 1 do
    if i == 0 then
      lib.collect()
      rss0, heap0, lua0 = rss_bytes(), heap_bytes(), collectgarbage("count")
    end
    local c, s = memconn(cctx, false), memconn(sctx, true)
    helpers.handshake_pair(c, s)
    drain(c[1])
    if i < 0 then
      c:__close(); s:__close()
    elseif keep_server then
      c:__close(); kept[#kept + 1] = s
    else
      s:__close(); kept[#kept + 1] = c
    end
  end
  lib.collect()
  local rss, heap = rss_bytes() - rss0, heap_bytes() - heap0
  local lua_heap = (collectgarbage("count") - lua0) * 1024
  R.report_memory("B/conn", heap / opt.count, math.floor(rss / opt.count), math.floor(heap / opt.count), opt.count,
                  math.floor(lua_heap / opt.count))
  for _, conn in ipairs(kept) do conn:__close() end
end

W["idle-mem-client"] = function() idle_mem(false) end
W["idle-mem-server"] = function() idle_mem(true) end

W["bare"] = function()
  local sctx, cctx = make_ctx(true), make_ctx(false)
  lib.collect()
  local rss = rss_bytes()
  R.report_memory("KiB", rss / 1024, rss, heap_bytes(), 1, math.floor(collectgarbage("count") * 1024))
  return sctx, cctx
end

-- hashlib's row (not TLS): hashlib.sha256():update(chunk) in a loop.
W["sha256"] = function()
  local hashlib = require "pyssl.hashlib"
  local chunk = string.rep("x", opt.chunk)
  local chunks = math.floor(opt.bytes / opt.chunk)
  local h = hashlib.sha256()
  for _ = 1, warmup_of(math.floor(chunks / 16) + 1) do h:update(chunk) end
  h = hashlib.sha256()
  local t0 = lib.now()
  for _ = 1, chunks do h:update(chunk) end
  h:digest()
  local dt = lib.now() - t0
  lib.json({{"impl", IMPL}, {"workload", opt.workload}, {"unit", "MiB/s"},
            {"value", chunks * opt.chunk / dt / 1048576}, {"seconds", dt},
            {"n", chunks * opt.chunk}, {"digest", "sha256"}})
end

local function idle_tcp(measure_server)
  local server = opt.role == "server"
  local measured = server == measure_server
  local ctx = make_ctx(server)
  local warm = warmup_of(20)
  local ls = server and tcp_listen() or nil
  local kept = {}
  local rss0, heap0, lua0 = 0, 0, 0
  for i = -warm, opt.count - 1 do
    if i == 0 and measured then
      lib.collect()
      rss0, heap0, lua0 = rss_bytes(), heap_bytes(), collectgarbage("count")
    end
    local s
    if server then
      s = tcp_accept(ls, ctx)
      s:sendall("k")
    else
      s = tcp_connect(ctx)
      helpers.recv_exact(s, 1)
    end
    if measured and i < 0 then s:close() else kept[#kept + 1] = s end
  end
  if measured then
    lib.collect()
    local rss, heap = rss_bytes() - rss0, heap_bytes() - heap0
    local lua_heap = (collectgarbage("count") - lua0) * 1024
    R.report_memory("B/conn", heap / opt.count, math.floor(rss / opt.count), math.floor(heap / opt.count), opt.count,
                    math.floor(lua_heap / opt.count))
  else
    kept[#kept]:recv(1)
  end
  for _, s in ipairs(kept) do s:close() end
  if ls then ls:close() end
end

W["idle-tcp-client"] = function() idle_tcp(false) end
W["idle-tcp-server"] = function() idle_tcp(true) end

local fn = W[opt.workload]
if not fn then
  io.stderr:write("bench.lua: unknown workload ", opt.workload, "\n")
  os.exit(2)
end
fn()
