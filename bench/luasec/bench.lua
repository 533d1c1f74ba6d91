-- bench/luasec/bench.lua — the LuaSec side of the benchmarks (Debian's
-- lua-sec with lua-socket). LuaSec wraps sockets only: it has no
-- memory-BIO API, so the memory-BIO workloads report "unavailable".
-- Same command line and JSON output as the other implementations.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/../lua/?.lua;" .. package.path
local lib = require "benchlib"
local socket = require "socket"
local ssl = require "ssl"

local IMPL, SUITE, HOST = "luasec", "TLS_AES_128_GCM_SHA256", "localhost"
local opt = lib.parse_args(arg)
local R = lib.reporter(IMPL, opt)
local now, heap_bytes, rss_bytes = lib.now, lib.heap, lib.rss

local function warmup_of(default) return lib.warmup_of(opt, default) end

-- LuaSec's options closest to CPython's defaults (what pyssl uses).
local function make_ctx(server)
  local d = opt.certdir .. "/" .. opt.key .. "/"
  local params = {
    mode = server and "server" or "client",
    protocol = "tlsv1_3",
    options = {"all", "no_compression", "cipher_server_preference", "single_ecdh_use"},
    ciphersuites = SUITE,
    curves_list = "X25519",
  }
  if server then
    params.certificate = d .. "server.pem"
    params.key = d .. "server.key"
    params.verify = "none"
  else
    params.cafile = d .. "ca.pem"
    params.verify = {"peer", "fail_if_no_peer_cert"}
  end
  return assert(ssl.newcontext(params))
end

local function check(ok, err)
  if not ok then error(err, 2) end
  return ok
end

local function tcp_listen()
  local ls = assert(socket.tcp4())
  check(ls:setoption("reuseaddr", true))
  check(ls:bind("127.0.0.1", opt.port))
  check(ls:listen(1024))
  local _, port = ls:getsockname()
  io.write(string.format("PORT %d\n", port))
  io.flush()
  return ls
end

local function tcp_accept(ls, ctx)
  local conn = assert(ls:accept())
  check(conn:setoption("tcp-nodelay", true))
  local s = assert(ssl.wrap(conn, ctx))
  check(s:dohandshake())
  return s
end

local function tcp_connect(ctx)
  local sock = assert(socket.tcp4())
  check(sock:connect("127.0.0.1", opt.port))
  check(sock:setoption("tcp-nodelay", true))
  local s = assert(ssl.wrap(sock, ctx))
  s:sni(HOST)
  check(s:dohandshake())
  return s
end

local function check_cipher(s)
  local info = s:info()
  if info.cipher ~= SUITE or info.protocol ~= "TLSv1.3" then
    error("unexpected cipher " .. tostring(info.cipher) .. " " .. tostring(info.protocol))
  end
end

local function send_all(s, data)
  check(s:send(data))
end

local function recv_exact(s, n)
  return check(s:receive(n))
end

local W = {}

local function memory_bio()
  R.unavailable("LuaSec has no memory-BIO API")
end
for _, name in ipairs({"bulk-mem", "bulk-mem-into", "hs-mem", "resume-mem", "pingpong-mem",
                       "idle-mem-client", "idle-mem-server"}) do
  W[name] = memory_bio
end

W["sha256"] = function()
  R.unavailable("LuaSec has no hash API (only x509:digest)")
end

W["bare"] = function()
  local sctx, cctx = make_ctx(true), make_ctx(false)
  lib.collect()
  local rss = rss_bytes()
  R.report_memory("KiB", rss / 1024, rss, heap_bytes(), 1, math.floor(collectgarbage("count") * 1024))
  return sctx, cctx
end

W["bulk-tcp"] = function()
  local server = opt.role == "server"
  local ctx = make_ctx(server)
  local chunk = opt.chunk
  local chunks = opt.bytes // chunk
  local warm = warmup_of(chunks // 16 + 1)
  local s
  if server then
    local ls = tcp_listen()
    s = tcp_accept(ls, ctx)
    for _, n in ipairs({warm, chunks}) do
      for _ = 1, n do recv_exact(s, chunk) end
      send_all(s, "k")
    end
    ls:close()
  else
    s = tcp_connect(ctx)
    check_cipher(s)
    local payload = string.rep("x", chunk)
    for _ = 1, warm do send_all(s, payload) end
    recv_exact(s, 1)
    local t0 = now()
    for _ = 1, chunks do send_all(s, payload) end
    recv_exact(s, 1)
    local dt = now() - t0
    R.report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk, SUITE)
  end
  s:close()
end

W["pingpong-tcp"] = function()
  local server = opt.role == "server"
  local ctx = make_ctx(server)
  local size = opt.size
  local warm = warmup_of(opt.count // 10 + 1)
  local s
  if server then
    local ls = tcp_listen()
    s = tcp_accept(ls, ctx)
    for _ = 1, warm + opt.count do
      send_all(s, recv_exact(s, size))
    end
    ls:close()
  else
    s = tcp_connect(ctx)
    check_cipher(s)
    local msg = string.rep("p", size)
    local t0 = 0
    for i = -warm, opt.count - 1 do
      if i == 0 then t0 = now() end
      send_all(s, msg)
      recv_exact(s, size)
    end
    local dt = now() - t0
    R.report("rt/s", opt.count / dt, dt, opt.count, SUITE)
  end
  s:close()
end

W["hs-tcp"] = function()
  local server = opt.role == "server"
  local ctx = make_ctx(server)
  local warm = warmup_of(opt.count // 10 + 1)
  if server then
    local ls = tcp_listen()
    for _ = 1, warm + opt.count do
      local s = tcp_accept(ls, ctx)
      send_all(s, "k")
      s:close()
    end
    ls:close()
  else
    local t0 = 0
    for i = -warm, opt.count - 1 do
      if i == 0 then t0 = now() end
      local s = tcp_connect(ctx)
      recv_exact(s, 1)
      if i == -warm then check_cipher(s) end
      s:close()
    end
    local dt = now() - t0
    R.report("hs/s", opt.count / dt, dt, opt.count, SUITE)
  end
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
      send_all(s, "k")
    else
      s = tcp_connect(ctx)
      recv_exact(s, 1)
    end
    if measured and i < 0 then s:close() else kept[#kept + 1] = s end
  end
  if measured then
    lib.collect()
    local rss, heap = rss_bytes() - rss0, heap_bytes() - heap0
    local lua_heap = (collectgarbage("count") - lua0) * 1024
    R.report_memory("B/conn", heap / opt.count, rss // opt.count, heap // opt.count, opt.count,
                    math.floor(lua_heap / opt.count))
  else
    kept[#kept]:receive(1)
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
