-- bench/lua/benchlib.lua — what the Lua benchmark scripts share: the
-- command line (the same as bench/c/bench.c and bench/py/bench.py), JSON
-- output, the clock and the memory figures (from benchutil.so).
local bu = require "benchutil"

local M = {now = bu.now, heap = bu.heap, rss = bu.rss}

local NUMERIC = {bytes = true, chunk = true, count = true, warmup = true, size = true, port = true}

function M.parse_args(argv)
  local opt = {key = "ec", role = "client", bytes = 1 << 30, chunk = 16384, count = 1000,
               warmup = -1, size = 64, port = 0}
  local i = 1
  while i <= #argv do
    local name, value = argv[i]:match("^%-%-(.+)$"), argv[i + 1]
    if not name or value == nil then error("usage: bench.lua --workload NAME --certdir DIR [...]") end
    opt[name] = NUMERIC[name] and math.tointeger(tonumber(value)) or value
    i = i + 2
  end
  assert(opt.workload and opt.certdir, "--workload and --certdir are required")
  return opt
end

local function encode(v)
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if math.type(v) == "integer" then return tostring(v) end
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

return M
