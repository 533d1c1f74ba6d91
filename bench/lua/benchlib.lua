-- bench/lua/benchlib.lua — what the Lua benchmark scripts share: the
-- command line (the same as bench/c/bench.c and bench/py/bench.py), JSON
-- output, the clock and the memory figures (from benchutil.so).
-- Runs on Lua 5.1 to 5.4 and LuaJIT (pyssl's script runs on each; the Lua
-- floor's on 5.4): no integer division, shifts or <close> here.
local bu = require "benchutil"

local floor = math.floor
-- a // b for the counts (non-negative integers)
local function idiv(a, b) return floor(a / b) end
-- 2^53 as a literal: `2 ^ 53` is folded with libm's pow() when the file is
-- compiled, and pow's tables would add ~190 KiB to every Lua row's bare
-- process RSS (bench/NOTES.md, 2026-12-07, bare process).
local TWO53 = 9007199254740992.0
-- an integral number, or nil
local function tointeger(v)
  if type(v) == "number" and v == floor(v) and v > -TWO53 and v < TWO53 then return floor(v) end
end

local M = {now = bu.now, heap = bu.heap, rss = bu.rss, SUITE = "TLS_AES_128_GCM_SHA256"}

local NUMERIC = {bytes = true, chunk = true, count = true, warmup = true, size = true, port = true}

function M.parse_args(argv)
  local opt = {key = "ec", role = "client", bytes = 1073741824, chunk = 16384, count = 1000,
               warmup = -1, size = 64, port = 0}
  local i = 1
  while i <= #argv do
    local name, value = argv[i]:match("^%-%-(.+)$"), argv[i + 1]
    if not name or value == nil then error("usage: bench.lua --workload NAME --certdir DIR [...]") end
    opt[name] = NUMERIC[name] and tointeger(tonumber(value)) or value
    i = i + 2
  end
  assert(opt.workload and opt.certdir, "--workload and --certdir are required")
  return opt
end

local function encode(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if tointeger(v) and (math.type == nil or math.type(v) == "integer") then
    return string.format("%d", v)
  end
  if t == "number" then return string.format("%.6g", v) end
  if t == "boolean" then return tostring(v) end
  error("cannot encode " .. t)
end

-- Prints one JSON object; `fields` is a sequence of {name, value}.
function M.json(fields)
  local parts = {}
  for _, kv in ipairs(fields) do
    if kv[2] ~= nil then parts[#parts + 1] = string.format("%q:%s", kv[1], encode(kv[2])) end
  end
  io.write("{", table.concat(parts, ","), "}\n")
  io.flush()
end

function M.reporter(impl, opt)
  local r = {}
  function r.report(unit, value, seconds, n, extra)
    M.json({{"impl", impl}, {"workload", opt.workload}, {"key", opt.key}, {"unit", unit},
            {"value", value}, {"seconds", seconds}, {"n", n}, {"cipher", extra}})
  end
  function r.report_memory(unit, value, rss, heap, n, lua_heap)
    M.json({{"impl", impl}, {"workload", opt.workload}, {"key", opt.key}, {"unit", unit},
            {"value", value}, {"rss", rss}, {"heap", heap}, {"n", n}, {"lua_heap", lua_heap}})
  end
  -- The workload cannot run with this implementation (yet): say why.
  function r.unavailable(reason)
    M.json({{"impl", impl}, {"workload", opt.workload}, {"key", opt.key},
            {"status", "unavailable"}, {"reason", reason}})
    os.exit(0)
  end
  return r
end

function M.warmup_of(opt, default)
  return opt.warmup >= 0 and opt.warmup or default
end

-- Full collection, twice (finalizers of the first may free more).
function M.collect()
  collectgarbage("collect")
  collectgarbage("collect")
end

-- The speed workloads of the Lua scripts that speak Python's API: pyssl's
-- (bench/pyssl) and the Lua floor's (bench/luafloor), call for call the
-- same loops. `bind` gives what differs between the two bindings:
--   make_ctx(server), check_cipher(conn), bytearray (Python's, or nil);
--   memory BIOs: memconn(ctx, server, session) -> a connection record
--     {obj, incoming, outgoing} (by position, below) with __close;
--     step_handshake(obj) -> done (false: wants input); drain(obj) (reads
--     the session tickets); session(obj), session_reused(obj);
--   loopback TCP (blocking, one process per side, opt.role): listen()
--     (prints "PORT n"), accept(ls, ctx), connect(ctx), both returning a
--     connection with Python's recv/sendall/close, handshake done.
-- Adds the workloads to W; returns the helpers pyssl's memory rows use.
function M.speed_workloads(W, opt, R, bind)
  ------------------------------------------------ memory BIOs
  -- A connection record holds its SSL object at [1] and its incoming and
  -- outgoing MemoryBIOs at [2] and [3]: an array of three is Lua's most
  -- compact record (104 bytes against 152 with named fields), as
  -- bench.py's MemConn, with __slots__, is Python's. The idle-mem rows
  -- keep one per connection.

  local function move(src, dst)
    local data = src:read()
    if #data > 0 then dst:write(data) end
  end

  local function handshake_pair(c, s)
    local cdone, sdone = false, false
    while not (cdone and sdone) do
      if not cdone then cdone = bind.step_handshake(c[1]) end
      move(c[3], s[2])
      if not sdone then sdone = bind.step_handshake(s[1]) end
      move(s[3], c[2])
    end
  end

  -- A client and a server context, and a connection between them,
  -- handshake done: c, s, cctx, sctx.
  local function connected_pair()
    local cctx, sctx = bind.make_ctx(false), bind.make_ctx(true)
    local c, s = bind.memconn(cctx, false), bind.memconn(sctx, true)
    handshake_pair(c, s)
    bind.drain(c[1])
    bind.check_cipher(c[1])
    return c, s, cctx, sctx
  end

  W["bulk-mem"] = function()
    local c, s = connected_pair()
    local chunk = opt.chunk
    local payload = string.rep("x", chunk)
    local chunks = idiv(opt.bytes, chunk)
    local warm = M.warmup_of(opt, idiv(chunks, 16) + 1)
    local client, server, c_out, s_in = c[1], s[1], c[3], s[2]
    local t0 = 0
    for i = -warm, chunks - 1 do
      if i == 0 then t0 = M.now() end
      client:write(payload)
      s_in:write(c_out:read())
      local got = 0
      while got < chunk do
        got = got + #server:read(chunk)
      end
    end
    local dt = M.now() - t0
    R.report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk, M.SUITE)
  end

  -- bulk-mem through the calls Python offers to avoid copies: write()
  -- from a bytearray, read(len, buffer) into one (returns the count).
  W["bulk-mem-into"] = function()
    if not bind.bytearray then R.unavailable("no bytearray in this binding") end
    local c, s = connected_pair()
    local chunk = opt.chunk
    local payload, buffer = bind.bytearray(string.rep("x", chunk)), bind.bytearray(chunk)
    local chunks = idiv(opt.bytes, chunk)
    local warm = M.warmup_of(opt, idiv(chunks, 16) + 1)
    local client, server, c_out, s_in = c[1], s[1], c[3], s[2]
    local t0 = 0
    for i = -warm, chunks - 1 do
      if i == 0 then t0 = M.now() end
      client:write(payload)
      s_in:write(c_out:read())
      local got = 0
      while got < chunk do
        got = got + server:read(chunk, buffer)
      end
    end
    local dt = M.now() - t0
    R.report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk, M.SUITE)
  end

  local function handshakes_mem(resume)
    -- The first pair stays open (in these locals) while its session is
    -- reused, as in C.
    local c0, _, cctx, sctx = connected_pair()
    local session = resume and bind.session(c0[1]) or nil
    local warm = M.warmup_of(opt, idiv(opt.count, 10) + 1)
    local t0 = 0
    for i = -warm, opt.count - 1 do
      if i == 0 then t0 = M.now() end
      local c = bind.memconn(cctx, false, session)
      local s = bind.memconn(sctx, true)
      handshake_pair(c, s)
      bind.drain(c[1])
      if resume and (i == -warm or i == opt.count - 1) and not bind.session_reused(c[1]) then
        error("session not reused")
      end
      s:__close()
      c:__close()
    end
    local dt = M.now() - t0
    R.report("hs/s", opt.count / dt, dt, opt.count, M.SUITE)
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
    local c, s = connected_pair()
    local size = opt.size
    local msg = string.rep("p", size)
    local client, server = c[1], s[1]
    local c_in, c_out, s_in, s_out = c[2], c[3], s[2], s[3]
    local warm = M.warmup_of(opt, idiv(opt.count, 10) + 1)
    local t0 = 0
    for i = -warm, opt.count - 1 do
      if i == 0 then t0 = M.now() end
      client:write(msg)
      s_in:write(c_out:read())
      server:write(read_exact(server, size))
      c_in:write(s_out:read())
      read_exact(client, size)
    end
    local dt = M.now() - t0
    R.report("rt/s", opt.count / dt, dt, opt.count, M.SUITE)
  end

  ------------------------------------------------ loopback TCP
  local function recv_exact(s, n)
    local data = s:recv(n)
    while #data < n do
      local more = s:recv(n - #data)
      if #more == 0 then error("connection closed") end
      data = data .. more
    end
    return data
  end

  -- This side's role, its context and, for a server, the listener.
  local function side()
    local server = opt.role == "server"
    return server, bind.make_ctx(server), server and bind.listen() or nil
  end

  W["bulk-tcp"] = function()
    local server, ctx, ls = side()
    local chunk = opt.chunk
    local chunks = idiv(opt.bytes, chunk)
    local warm = M.warmup_of(opt, idiv(chunks, 16) + 1)
    local s
    if server then
      s = bind.accept(ls, ctx)
      for _, total in ipairs({warm * chunk, chunks * chunk}) do
        local got = 0
        while got < total do
          got = got + #s:recv(chunk)
        end
        s:sendall("k")
      end
    else
      s = bind.connect(ctx)
      bind.check_cipher(s)
      local payload = string.rep("x", chunk)
      for _ = 1, warm do s:sendall(payload) end
      recv_exact(s, 1)
      local t0 = M.now()
      for _ = 1, chunks do s:sendall(payload) end
      recv_exact(s, 1)
      local dt = M.now() - t0
      R.report("MiB/s", chunks * chunk / dt / 1048576, dt, chunks * chunk, M.SUITE)
    end
    s:close()
    if ls then ls:close() end
  end

  W["pingpong-tcp"] = function()
    local server, ctx, ls = side()
    local size = opt.size
    local warm = M.warmup_of(opt, idiv(opt.count, 10) + 1)
    local s
    if server then
      s = bind.accept(ls, ctx)
      for _ = 1, warm + opt.count do
        s:sendall(recv_exact(s, size))
      end
    else
      s = bind.connect(ctx)
      bind.check_cipher(s)
      local msg = string.rep("p", size)
      local t0 = 0
      for i = -warm, opt.count - 1 do
        if i == 0 then t0 = M.now() end
        s:sendall(msg)
        recv_exact(s, size)
      end
      local dt = M.now() - t0
      R.report("rt/s", opt.count / dt, dt, opt.count, M.SUITE)
    end
    s:close()
    if ls then ls:close() end
  end

  W["hs-tcp"] = function()
    local server, ctx, ls = side()
    local warm = M.warmup_of(opt, idiv(opt.count, 10) + 1)
    if server then
      for _ = 1, warm + opt.count do
        local s = bind.accept(ls, ctx)
        s:sendall("k")
        s:close()
      end
    else
      local t0 = 0
      for i = -warm, opt.count - 1 do
        if i == 0 then t0 = M.now() end
        local s = bind.connect(ctx)
        recv_exact(s, 1)
        if i == -warm then bind.check_cipher(s) end
        s:close()
      end
      local dt = M.now() - t0
      R.report("hs/s", opt.count / dt, dt, opt.count, M.SUITE)
    end
    if ls then ls:close() end
  end

  return {handshake_pair = handshake_pair, recv_exact = recv_exact}
end

return M
