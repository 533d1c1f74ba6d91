-- The finalizer mix of `make check-stress`: loaded before busted (through
-- LUA_INIT_5_4="@spec/support/finalizer_mix.lua"), it
--   * remembers (weakly) every pyssl object that a constructor, method,
--     getter or module function of pyssl.core returns: contexts,
--     SSLObjects, SSLSockets, sockets, MemoryBIOs, sessions;
--   * keeps a planted object alive in the collector's reach whose __gc,
--     each time a collection finds it, closes a random live pyssl object
--     with probability 1/PYSSL_MIX_RATE (default 300) and plants the
--     next one.
-- Under HARDMEMTESTS every allocation runs a full collection, so these
-- closes land inside any C function that allocates: specs that assert on
-- a closed object fail (fine), the process must not crash nor report.
-- Seeded: PYSSL_MIX_SEED (default 1). Counts go to stderr at exit.

local seed = tonumber(os.getenv("PYSSL_MIX_SEED") or "1") or 1
local rate = tonumber(os.getenv("PYSSL_MIX_RATE") or "300") or 300

-- Park-Miller, independent of math.random (busted reseeds that).
local state = (seed % 2147483646) + 1
local function rnd(n)
  state = (state * 16807) % 2147483647
  return state % n + 1
end

local live = setmetatable({}, { __mode = "k" })
local wrapped = setmetatable({}, { __mode = "k" })
local closed, tracked, chances = 0, 0, 0

local function is_pyssl(v)
  if type(v) ~= "userdata" then return false end
  local mt = getmetatable(v)
  return type(mt) == "table" and rawget(mt, "__class") ~= nil
end

local function track(...)
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if is_pyssl(v) and not live[v] then live[v] = true; tracked = tracked + 1 end
  end
  return ...
end

local function wrap(f)
  if wrapped[f] then return f end
  local g = function(...) return track(f(...)) end
  wrapped[g] = true
  return g
end

local function close_one()
  local n = 0
  for _ in pairs(live) do n = n + 1 end
  if n == 0 then return end
  local k = rnd(n)
  for o in pairs(live) do
    k = k - 1
    if k == 0 then
      local mt = getmetatable(o)
      local close = type(mt) == "table" and (rawget(mt, "__close") or rawget(mt, "__gc"))
      if close then pcall(close, o); closed = closed + 1 end
      return
    end
  end
end

local function plant()
  setmetatable({}, { __gc = function()
    chances = chances + 1
    if rnd(rate) == 1 then close_one() end
    plant()
  end })
end

-- Wraps the functions of one class table (methods, getters, __call).
local function instrument_class(cls)
  for k, v in pairs(cls) do
    if type(v) == "function" and type(k) == "string" and (k:sub(1, 2) ~= "__" or k == "__new") then
      cls[k] = wrap(v)
    end
  end
  local getters = rawget(cls, "__getters")
  if type(getters) == "table" then
    for k, v in pairs(getters) do if type(v) == "function" then getters[k] = wrap(v) end end
  end
  local mt = getmetatable(cls)
  if type(mt) == "table" and type(rawget(mt, "__call")) == "function" then
    mt.__call = wrap(mt.__call)
  end
end

local function instrument(core)
  for k, v in pairs(core) do
    if type(v) == "function" then core[k] = wrap(v)
    elseif type(v) == "table" and (rawget(v, "__name") or k == "_socket") then instrument_class(v) end
  end
  return core
end

-- A searcher in front: pyssl.core, loaded by the usual C searcher, comes
-- back instrumented (each time: busted may unload modules between files).
local searchers = package.searchers or package.loaders
local c_searcher = searchers[3]
table.insert(searchers, 1, function(name)
  if name ~= "pyssl.core" then return "\n\tno field (finalizer mix)" end
  local loader, extra = c_searcher(name)
  if type(loader) ~= "function" then return loader end
  return function(...) return instrument(loader(...)) end, extra
end)

plant()

-- At exit (the state closing runs this finalizer too): the counts.
debug.getregistry().pyssl_finalizer_mix = setmetatable({}, { __gc = function()
  io.stderr:write(string.format("finalizer mix: seed %d, %d chances at 1/%d, %d objects tracked, %d closed\n",
    seed, chances, rate, tracked, closed))
end })
