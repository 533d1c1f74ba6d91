-- `make bench` end to end with tiny counts (bench/run.lua --smoke): the C
-- program and the Lua floor module build, every implementation runs every
-- workload it can (Python's ssl, LuaSec, pyssl on 5.4 and on LuaJIT, the Lua floor, C), says
-- "unavailable" for those it cannot, and the table has all its columns
-- and no error. Not a measurement: one round of ten operations each.
-- The bench scripts are Lua 5.4 programs run by lua5.4 against build/'s
-- core, whatever Lua runs the specs: the case is "(5.4 only)".
local H = require "spec.support.helper"

local OUT = "build/bench-smoke"

local MEM_INTO = {"bulk-mem-into"}   -- needs a bytearray: not LuaSec's, not the floor's
local MEM_SPEED = {"bulk-mem", "hs-mem-ecdsa", "hs-mem-rsa", "resume-mem", "pingpong-mem"}
local TCP_SPEED = {"bulk-tcp-1cpu", "bulk-tcp-2cpu", "hs-tcp-1cpu", "hs-tcp-2cpu",
                   "pingpong-tcp-1cpu", "pingpong-tcp-2cpu"}
local MEM_MEMORY = {"idle-mem-client", "idle-mem-server"}
local TCP_MEMORY = {"idle-tcp-client", "idle-tcp-server", "bare"}
local HASHING = {"sha256"}

-- Runs a shell command; returns its output and whether it succeeded.
local function sh(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  local ok = p:close()
  return out, ok
end

-- What each implementation must answer for each workload: "measured"
-- (a value, or the memory figures) or "unavailable".
local function expected(ncpu)
  local want = {}
  local function set(names, answers)
    for _, name in ipairs(names) do
      -- run.lua skips the two-CPU rows on a one-CPU machine
      if ncpu > 1 or not name:match("%-2cpu$") then want[name] = answers end
    end
  end
  set(MEM_INTO, {c = "measured", python = "measured", pyssl = "measured",
                 luasec = "unavailable", luafloor = "unavailable", ["pyssl-luajit"] = "measured"})
  set(MEM_SPEED, {c = "measured", python = "measured", pyssl = "measured",
                  luasec = "unavailable", luafloor = "measured", ["pyssl-luajit"] = "measured"})
  set(TCP_SPEED, {c = "measured", python = "measured", pyssl = "measured",
                  luasec = "measured", luafloor = "measured", ["pyssl-luajit"] = "measured"})
  set(MEM_MEMORY, {c = "measured", python = "measured", pyssl = "measured",
                   luasec = "unavailable", luafloor = "unavailable", ["pyssl-luajit"] = "measured"})
  set(TCP_MEMORY, {c = "measured", python = "measured", pyssl = "measured",
                   luasec = "measured", luafloor = "unavailable", ["pyssl-luajit"] = "measured"})
  set(HASHING, {c = "measured", python = "measured", pyssl = "measured",
                luasec = "unavailable", luafloor = "unavailable", ["pyssl-luajit"] = "measured"})
  return want
end

-- A memory row reports its RSS and heap figures; a speed row a rate.
local function answer_of(result)
  if result.status then return result.status end
  if result.rss ~= nil or result.heap ~= nil then
    return (H.compat.math_type(result.rss) and H.compat.math_type(result.heap)) and "measured" or "no figures"
  end
  return (tonumber(result.value) or 0) > 0 and "measured" or "no value"
end

-- Builds the cores and bench programs the benchmarks run: the plain 5.4
-- and LuaJIT builds, whatever interpreter runs the specs (make check-asan
-- exports its sanitized host as LUA). `make test` installs 5.4's packages
-- only: the LuaJIT build installs its own (OpenResty's luajit2) first, as
-- `make bench` does.
local BUILD_BENCH = "LUA=lua5.4 make --no-print-directory build >/dev/null && "
  .. "LUA=luajit make --no-print-directory deps build >/dev/null && "
  .. "LUA=lua5.4 make --no-print-directory -C bench deps all OUT=../" .. OUT .. " >/dev/null"

describe("make bench", function()
  it("runs every implementation on every workload it can, and prints the whole table (5.4 only)", function()
    H.only("5.4")
    local out, ok = sh(BUILD_BENCH)
    assert(ok, "building the benchmarks failed:\n" .. out)
    local table_text
    table_text, ok = sh("timeout 240 lua5.4 bench/run.lua --smoke --out " .. OUT)
    assert(ok, "bench/run.lua --smoke failed:\n" .. table_text)

    local got = {}
    for line in io.lines(OUT .. "/latest.jsonl") do
      local r = H.json.decode(line)
      got[r.bench] = got[r.bench] or {}
      got[r.bench][r.impl] = answer_of(r)
    end
    local ncpu = tonumber((sh("nproc")))
    assert.same(expected(ncpu), got)

    for _, title in ipairs({"C", "Python ssl", "LuaSec", "pyssl", "Lua floor", "pyssl LuaJIT", "pyssl target"}) do
      assert.truthy(table_text:find("| " .. title .. " |", 1, true), "no column " .. title)
    end
    assert.truthy(table_text:find("Mode: smoke", 1, true))
    assert.falsy(table_text:find("| error |", 1, true))
  end)

  it("runs the server rows of every server against the client load, nothing lost (5.4 only)", function()
    H.only("5.4")
    local out, ok = sh(BUILD_BENCH)
    assert(ok, "building the benchmarks failed:\n" .. out)
    local with_nginx = select(2, sh("command -v nginx")) and true or false
    local impls = "c,python,pyssl,pyssl-luajit" .. (with_nginx and ",nginx" or "")
    local text
    text, ok = sh("timeout 200 lua5.4 bench/server.lua --smoke --impls " .. impls .. " --out " .. OUT)
    assert(ok, "bench/server.lua --smoke failed:\n" .. text)
    local titles = {"C", "Python ssl", "pyssl", "pyssl LuaJIT", "pyssl vs Python", "pyssl vs nginx"}
    if with_nginx then titles[#titles + 1] = "nginx" end
    for _, title in ipairs(titles) do
      assert.truthy(text:find("| " .. title .. " |", 1, true), "no column " .. title .. " in\n" .. text)
    end
    assert.falsy(text:find("| error |", 1, true), text)
    assert.falsy(text:find("failed", 1, true), text)
    -- every server answered every idle connection, and measured every row
    local n = 0
    for line in io.lines(OUT .. "/server.jsonl") do
      local r = H.json.decode(line)
      n = n + 1
      assert.is_nil(r.error, r.impl)
      assert.equal(r.idle.connected, r.idle.answered, r.impl)
      assert.equal(50, r.idle.connected, r.impl)
      assert.is_true(r.hs.hs_per_s > 0 and r.resume.hs_per_s > 0 and r.rr.rps > 0, r.impl)
      assert.equal(r.resume.handshakes, r.resume.reused, r.impl .. ": every resumed handshake resumed")
    end
    assert.equal(with_nginx and 5 or 4, n)
  end)
end)
