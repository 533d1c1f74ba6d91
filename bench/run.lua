-- bench/run.lua — runs every benchmark workload with every implementation
-- (raw C, Python's ssl, LuaSec, pyssl, and the Lua floor), alternately,
-- for several rounds, pinned with taskset, and prints one table: median
-- (min-max) and each implementation's ratio to C measured in the same run.
-- The Lua floor (bench/luafloor, speed rows only) runs pyssl's
-- loops over the thinnest binding Lua can call OpenSSL through: its ratio
-- is the most any binding of Python's API reaches on this Lua.
--
--   lua5.4 bench/run.lua --out build/bench [--quick | --smoke] [--rounds N]
--        [--only w1,w2] [--impls c,python,luasec,pyssl,luafloor,pyssl-luajit] [--readme FILE]
--
-- Certificates (ECDSA P-256 and RSA-2048 chains for "localhost") and an
-- OpenSSL config that pins TLS 1.3, TLS_AES_128_GCM_SHA256 and X25519 for
-- every implementation are generated in a temporary directory.
local json = require "dkjson"
package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/lua/?.lua;" .. package.path
local stats = require "stats"

local BENCH = (arg[0]:match("^(.*)/[^/]*$") or ".")
local function abspath(p)
  local h = io.popen("cd '" .. p .. "' && pwd")
  local r = h:read("l")
  h:close()
  return r
end
BENCH = abspath(BENCH)
local TOP = abspath(BENCH .. "/..")

---------------------------------------------------------------- options

local opt = {out = TOP .. "/build/bench", rounds = nil, quick = false, smoke = false, only = nil,
             impls = "c,python,luasec,pyssl,luafloor,pyssl-luajit", readme = nil}
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--quick" then opt.quick = true
    -- every workload once with tiny counts: that the whole run works
    -- (spec/bench_spec.lua), not a measurement
    elseif a == "--smoke" then opt.smoke = true
    elseif a == "--out" then opt.out = arg[i + 1]; i = i + 1
    elseif a == "--rounds" then opt.rounds = tonumber(arg[i + 1]); i = i + 1
    elseif a == "--only" then opt.only = arg[i + 1]; i = i + 1
    elseif a == "--impls" then opt.impls = arg[i + 1]; i = i + 1
    elseif a == "--readme" then opt.readme = arg[i + 1]; i = i + 1
    else
      io.stderr:write("run.lua: unknown argument ", a, "\n")
      os.exit(2)
    end
    i = i + 1
  end
  opt.out = abspath(opt.out)
end

local function sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function capture(cmd)
  local h = io.popen(cmd .. " 2>/dev/null")
  local r = h:read("a")
  h:close()
  return (r:gsub("%s+$", ""))
end

local function have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true end

local NCPU = tonumber(capture("nproc")) or 1
local TASKSET = have("taskset")

---------------------------------------------------------------- implementations

local IMPLS = {
  {id = "c", title = "C", cmd = sh_quote(opt.out .. "/bench-c")},
  {id = "python", title = "Python ssl", cmd = "python3 " .. sh_quote(BENCH .. "/py/bench.py")},
  {id = "luasec", title = "LuaSec", cmd = "lua5.4 " .. sh_quote(BENCH .. "/luasec/bench.lua")},
  {id = "pyssl", title = "pyssl", cmd = "lua5.4 " .. sh_quote(BENCH .. "/pyssl/bench.lua")},
  {id = "luafloor", title = "Lua floor", cmd = "lua5.4 " .. sh_quote(BENCH .. "/luafloor/bench.lua")},
  -- pyssl's script on LuaJIT (OpenResty's luajit2): the core of `make build
  -- LUA=luajit` (build/luajit/) and benchutil built for it (OUT/luajit/).
  {id = "pyssl-luajit", title = "pyssl LuaJIT",
   cmd = "env LUA_CPATH=" .. sh_quote(TOP .. "/build/luajit/?.so;" .. opt.out .. "/luajit/?.so;;")
         .. " luajit " .. sh_quote(BENCH .. "/pyssl/bench.lua")},
}
local IMPL_BY_ID = {}
for _, im in ipairs(IMPLS) do IMPL_BY_ID[im.id] = im end
local selected = {}
for id in opt.impls:gmatch("[^,]+") do
  assert(IMPL_BY_ID[id], "unknown implementation " .. id)
  selected[#selected + 1] = IMPL_BY_ID[id]
end

---------------------------------------------------------------- workloads
-- kind: "mem" (one process), "tcp" (server and client processes),
-- "idle-tcp" (the measured side against a C peer). quick: parameters
-- that replace the full ones in --quick mode. target: pyssl's goal,
-- a minimum ratio to C or a maximum excess over C in bytes.

local KiB, MiB, GiB = 1024, 1024 * 1024, 1024 * 1024 * 1024

local WORKLOADS = {
  {name = "bulk-mem", kind = "mem", args = {workload = "bulk-mem", bytes = 512 * MiB},
   quick = {bytes = 96 * MiB}, target = 0.97},
  {name = "bulk-mem-into", kind = "mem", args = {workload = "bulk-mem-into", bytes = 512 * MiB},
   quick = {bytes = 96 * MiB}, target = 0.97},
  {name = "hs-mem-ecdsa", kind = "mem", args = {workload = "hs-mem", key = "ec", count = 800},
   quick = {count = 200}, target = 0.97},
  {name = "hs-mem-rsa", kind = "mem", args = {workload = "hs-mem", key = "rsa", count = 600},
   quick = {count = 150}, target = 0.97},
  {name = "resume-mem", kind = "mem", args = {workload = "resume-mem", count = 1600},
   quick = {count = 400}, target = 0.97},
  {name = "pingpong-mem", kind = "mem", args = {workload = "pingpong-mem", count = 120000},
   quick = {count = 20000}, target = 0.85},
  {name = "bulk-tcp-1cpu", kind = "tcp", pin = "same", args = {workload = "bulk-tcp", bytes = 256 * MiB},
   quick = {bytes = 48 * MiB}, target = 0.97},
  {name = "bulk-tcp-2cpu", kind = "tcp", pin = "split", args = {workload = "bulk-tcp", bytes = 256 * MiB},
   quick = {bytes = 48 * MiB}, target = 0.97},
  {name = "hs-tcp-1cpu", kind = "tcp", pin = "same", args = {workload = "hs-tcp", key = "ec", count = 300},
   quick = {count = 100}, target = 0.97},
  {name = "hs-tcp-2cpu", kind = "tcp", pin = "split", args = {workload = "hs-tcp", key = "ec", count = 300},
   quick = {count = 100}, target = 0.97},
  {name = "pingpong-tcp-1cpu", kind = "tcp", pin = "same", args = {workload = "pingpong-tcp", count = 12000},
   quick = {count = 3000}, target = 0.90},
  {name = "pingpong-tcp-2cpu", kind = "tcp", pin = "split", args = {workload = "pingpong-tcp", count = 10000},
   quick = {count = 2000}, target = 0.90},
  {name = "idle-mem-client", kind = "mem", memory = true, args = {workload = "idle-mem-client", count = 1000},
   quick = {count = 200}, target_bytes = 2048},
  {name = "idle-mem-server", kind = "mem", memory = true, args = {workload = "idle-mem-server", count = 1000},
   quick = {count = 200}, target_bytes = 2048},
  {name = "idle-tcp-client", kind = "idle-tcp", measured = "client", memory = true,
   args = {workload = "idle-tcp-client", count = 1000}, quick = {count = 200}, target_bytes = 2048},
  {name = "idle-tcp-server", kind = "idle-tcp", measured = "server", memory = true,
   args = {workload = "idle-tcp-server", count = 1000}, quick = {count = 200}, target_bytes = 2048},
  {name = "bare", kind = "mem", memory = true, bare = true, args = {workload = "bare"},
   target_bytes = 2 * MiB},
  -- hashlib's row (not TLS): sha256 over 1 GiB in 64 KiB updates.
  {name = "sha256", kind = "mem", args = {workload = "sha256", bytes = GiB, chunk = 64 * KiB},
   quick = {bytes = 256 * MiB}, target = 0.97},
}

local only
if opt.only then
  only = {}
  for w in opt.only:gmatch("[^,]+") do only[w] = true end
end

local ROUNDS = opt.rounds or (opt.smoke and 1 or opt.quick and 3 or 4)
-- Rounds of C or pyssl spread wider than this share of their median make
-- a target verdict "(noisy)".
local NOISY_SPREAD = 0.15
local MEM_ROUNDS = opt.rounds or ((opt.quick or opt.smoke) and 1 or 3)
local MODE = opt.smoke and "smoke" or opt.quick and "quick" or "full"

---------------------------------------------------------------- certificates

local WORK = capture("mktemp -d /tmp/pyssl-bench.XXXXXX")
assert(WORK:match("^/tmp/pyssl%-bench%."), "mktemp failed")
local CERTS = WORK .. "/certs"

local function write_file(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

local function make_certs()
  local ok = os.execute("sh " .. sh_quote(BENCH .. "/mkcerts.sh") .. " " .. sh_quote(CERTS))
  if not ok then error("bench/mkcerts.sh failed") end
end

---------------------------------------------------------------- running

local ENV = table.concat({
  "env -u SSLKEYLOGFILE",
  "OPENSSL_CONF=" .. sh_quote(CERTS .. "/openssl.cnf"),
  "LUA_PATH=" .. sh_quote(TOP .. "/lua/?.lua;" .. TOP .. "/lua/?/init.lua;;"),
  "LUA_CPATH=" .. sh_quote(TOP .. "/build/?.so;" .. opt.out .. "/?.so;;"),
}, " ")

local function arglist(w, extra)
  local a = {}
  for k, v in pairs(w.args) do a[k] = v end
  if opt.quick and w.quick then
    for k, v in pairs(w.quick) do a[k] = v end
  end
  if opt.smoke then
    if a.bytes then a.bytes = MiB end
    if a.count then a.count = 10 end
    a.warmup = 2
  end
  for k, v in pairs(extra or {}) do a[k] = v end
  a.certdir = CERTS
  local keys = {}
  for k in pairs(a) do keys[#keys + 1] = k end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do out[#out + 1] = "--" .. k .. " " .. sh_quote(a[k]) end
  return table.concat(out, " ")
end

local function pin(cpu)
  if not TASKSET or not cpu then return "" end
  return "taskset -c " .. cpu .. " "
end

-- The command line for one process of `impl`.
local function command(impl, w, cpu, extra, errfile)
  local env = ENV
  if impl.id == "python" and w.memory and not w.bare then
    env = env .. " PYTHONMALLOC=malloc"   -- every allocation visible to mallinfo2
  end
  return string.format("ulimit -n 4096 2>/dev/null; echo $$; exec %s %stimeout 300 %s %s 2>>%s",
                       env, pin(cpu), impl.cmd, arglist(w, extra), sh_quote(errfile))
end

-- The first line of the first error message in a stderr file.
local function last_error(errfile)
  local f = io.open(errfile)
  if not f then return "failed" end
  local text = f:read("a")
  f:close()
  for l in text:gmatch("[^\n]+") do
    if not l:match("^%s") and not l:match("^stack traceback") then return l:sub(1, 160) end
  end
  return "failed"
end

-- Parses the JSON lines of an output; returns the last object.
local function parse_result(text)
  local result
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) == "{" then
      local obj = json.decode(line)
      if obj then result = obj end
    end
  end
  return result
end

local function open_proc(cmd)
  local h = io.popen(cmd, "r")
  local pid = h:read("l")
  return h, tonumber(pid)
end

local function kill(pid)
  if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
end

local ERRFILE = WORK .. "/stderr.txt"

local function run_mem(impl, w)
  os.remove(ERRFILE)
  local h = open_proc(command(impl, w, NCPU > 1 and 1 or 0, nil, ERRFILE))
  local out = h:read("a")
  local ok = h:close()
  local r = parse_result(out)
  if r and r.status == "unavailable" then return r end
  if not ok or not r then return {status = "error", reason = last_error(ERRFILE)} end
  return r
end

-- Server first (it prints its pid, then "PORT n" or an "unavailable"
-- line), then the client; the JSON comes from the measuring side.
local function run_tcp(server_impl, client_impl, w, server_cpu, client_cpu, measured)
  os.remove(ERRFILE)
  local sh, spid = open_proc(command(server_impl, w, server_cpu, {role = "server"}, ERRFILE))
  local first = sh:read("l")
  local port = first and first:match("^PORT (%d+)")
  if not port then
    kill(spid)
    local rest = (first or "") .. "\n" .. (sh:read("a") or "")
    sh:close()
    local r = parse_result(rest)
    if r and r.status == "unavailable" then return r end
    return {status = "error", reason = last_error(ERRFILE)}
  end
  local ch, cpid = open_proc(command(client_impl, w, client_cpu, {role = "client", port = port}, ERRFILE))
  local cout = ch:read("a")
  local cok = ch:close()
  local cr = parse_result(cout)
  -- A client that failed or could not run leaves the server waiting.
  if not cok or (cr and cr.status) then kill(spid) end
  local sout = sh:read("a")
  local sok = sh:close()
  local _ = cpid
  local r = parse_result(measured == "server" and sout or cout)
  if r and r.status == "unavailable" then return r end
  if not (cok and sok) or not r then return {status = "error", reason = last_error(ERRFILE)} end
  return r
end

local function run_one(impl, w)
  if w.kind == "mem" then return run_mem(impl, w) end
  local scpu, ccpu
  if w.pin == "split" then scpu, ccpu = 0, 1 else scpu, ccpu = 1, 1 end
  if NCPU < 2 then scpu, ccpu = 0, 0 end
  if w.kind == "tcp" then return run_tcp(impl, impl, w, scpu, ccpu, "client") end
  -- idle-tcp: the measured side is `impl`, the peer is the C program.
  local c = IMPL_BY_ID.c
  if w.measured == "server" then return run_tcp(impl, c, w, 0, 1, "server") end
  return run_tcp(c, impl, w, 0, 1, "client")
end

---------------------------------------------------------------- statistics and table

local median = stats.median

local function minmax(xs)
  local lo, hi = math.huge, -math.huge
  for _, x in ipairs(xs) do
    if x < lo then lo = x end
    if x > hi then hi = x end
  end
  return lo, hi
end

local function fmt(x)
  if x >= 100 then return string.format("%.0f", x) end
  if x >= 10 then return string.format("%.1f", x) end
  return string.format("%.2f", x)
end

-- Rows of the table: one per workload, two for memory ones (heap, RSS).
local function rows_for(w, res)
  local rows = {}
  local function values(impl_id, field, scale)
    local r = res[impl_id]
    if not r then return nil end
    if r.status then return nil, r.status .. (r.reason and (": " .. r.reason) or "") end
    local xs = {}
    for _, o in ipairs(r.runs) do xs[#xs + 1] = (o[field] or 0) / scale end
    return xs
  end
  local variants
  if w.bare then
    variants = {{"bare process: RSS", "rss", KiB, "KiB", true}, {"bare process: heap", "heap", KiB, "KiB"}}
  elseif w.memory then
    variants = {{w.name .. ": heap", "heap", 1, "B/conn", true}, {w.name .. ": RSS", "rss", 1, "B/conn", true}}
  else
    variants = {{w.name, "value", 1, nil, true}}
  end
  for _, v in ipairs(variants) do
    local row = {name = v[1], unit = v[4], cells = {}, memory = w.memory, scale = v[3]}
    local cmed
    local cvals = values("c", v[2], v[3])
    if cvals then cmed = median(cvals) end
    for _, im in ipairs(selected) do
      local xs, why = values(im.id, v[2], v[3])
      local cell = {}
      if xs then
        local lo, hi = minmax(xs)
        local med = median(xs)
        cell.text = string.format("%s (%s–%s)", fmt(med), fmt(lo), fmt(hi))
        cell.spread = med ~= 0 and (hi - lo) / med or 0
        if not row.unit then
          for _, o in ipairs(res[im.id].runs) do row.unit = o.unit break end
        end
        if cmed and im.id ~= "c" then
          if w.memory then
            local d = (med - cmed) * v[3]
            cell.ratio = string.format("%+d B", math.floor(d + 0.5))
            if w.bare then cell.ratio = string.format("%+.1f MiB", d / MiB) end
            cell.delta = d
          else
            cell.ratio = string.format("%.2f", med / cmed)
            cell.r = med / cmed
          end
        end
      else
        cell.text = why and (why:match("^unavailable") and "n/a" or "error") or "-"
        cell.note = why
      end
      row.cells[im.id] = cell
    end
    -- pyssl's target
    local p = row.cells.pyssl
    if p and v[5] and (w.target or w.target_bytes) then
      if w.target and p.r then
        row.target = string.format("≥ %.2f %s", w.target, p.r >= w.target and "met" or "MISSED")
        -- A target above the Lua floor cannot be met by any binding.
        local floor = row.cells.luafloor
        if p.r < w.target and floor and floor.r and floor.r < w.target then
          row.target = row.target .. string.format(", floor %.2f", floor.r)
          row.below_floor = true
        end
        -- A ratio of medians says little when either side's rounds were
        -- spread wide (a busy machine): flag the verdict instead of trusting it.
        local c = row.cells.c
        if math.max(c.spread or 0, p.spread or 0) > NOISY_SPREAD then
          row.target = row.target .. " (noisy)"
          row.noisy = true
        end
      elseif w.target_bytes and p.delta then
        local limit = w.target_bytes
        local lim = w.bare and "2 MiB" or "2 KB"
        row.target = string.format("≤ +%s %s", lim, p.delta <= limit and "met" or "MISSED")
      elseif w.target then
        row.target = string.format("≥ %.2f", w.target)
      else
        row.target = w.bare and "≤ +2 MiB" or "≤ +2 KB"
      end
    end
    rows[#rows + 1] = row
  end
  return rows
end

local function render(rows, notes)
  local header = {"workload", "unit"}
  for _, im in ipairs(selected) do
    header[#header + 1] = im.title
    if im.id ~= "c" then header[#header + 1] = "vs C" end
  end
  if IMPL_BY_ID.pyssl and opt.impls:find("pyssl") then header[#header + 1] = "pyssl target" end
  local lines = {"| " .. table.concat(header, " | ") .. " |"}
  local sep = {}
  for i = 1, #header do sep[i] = i <= 2 and "---" or "---:" end
  lines[#lines + 1] = "|" .. table.concat(sep, "|") .. "|"
  for _, row in ipairs(rows) do
    local cols = {row.name, row.unit or ""}
    for _, im in ipairs(selected) do
      local c = row.cells[im.id] or {text = "-"}
      cols[#cols + 1] = c.text
      if im.id ~= "c" then cols[#cols + 1] = c.ratio or "" end
    end
    if opt.impls:find("pyssl") then cols[#cols + 1] = row.target or "" end
    lines[#lines + 1] = "| " .. table.concat(cols, " | ") .. " |"
  end
  if #notes > 0 then
    lines[#lines + 1] = ""
    for _, n in ipairs(notes) do lines[#lines + 1] = "- " .. n end
  end
  return table.concat(lines, "\n")
end

local function machine_info()
  local cpu = capture("lscpu | sed -n 's/^Model name: *//p' | head -1")
  local lua_sec = capture("lua5.4 -e 'print(require(\"ssl\")._VERSION)'")
  return string.format(
    "%s, %d CPUs, Linux %s, %s, Python %s, %s, LuaSec %s; %s",
    cpu ~= "" and cpu or "unknown CPU", NCPU, capture("uname -r"),
    capture("openssl version | cut -d' ' -f1-2"),
    capture("python3 -c 'import sys; print(sys.version.split()[0])'"),
    capture("lua5.4 -v | cut -d' ' -f1-2"), lua_sec ~= "" and lua_sec or "missing",
    os.date("!%Y-%m-%d %H:%M UTC"))
end

---------------------------------------------------------------- main

make_certs()
local t_start = os.time()
local all_rows, notes = {}, {}
local raw = assert(io.open(opt.out .. "/latest.jsonl", "w"))
io.stderr:write(string.format("pyssl bench: %s mode, %d rounds (%d for memory), pinned: %s\n",
  MODE, ROUNDS, MEM_ROUNDS, TASKSET and "yes" or "no (taskset missing)"))

for _, w in ipairs(WORKLOADS) do
  local skip = (only and not only[w.name]) or (w.pin == "split" and NCPU < 2)
  if not skip then
    local res = {}
    local rounds = w.memory and MEM_ROUNDS or ROUNDS
    local t_row = os.time()
    io.stderr:write(string.format("  %-18s", w.name))
    for r = 1, rounds do
      -- Alternate: each round starts with the next implementation.
      for k = 0, #selected - 1 do
        local im = selected[(r - 1 + k) % #selected + 1]
        local entry = res[im.id] or {runs = {}}
        res[im.id] = entry
        if not entry.status then
          local t1 = os.time()
          local o = run_one(im, w)
          if os.time() - t1 > 20 then
            io.stderr:write(string.format("\n    (%s took %d s)\n", im.id, os.time() - t1))
          end
          o.impl = im.id   -- the column (pyssl-luajit runs pyssl's script, which says "pyssl")
          o.bench = w.name
          raw:write(json.encode(o), "\n")
          if o.status then
            entry.status, entry.reason = o.status, o.reason
            entry.runs = {}
          else
            entry.runs[#entry.runs + 1] = o
          end
        end
      end
      io.stderr:write(".")
    end
    io.stderr:write(string.format(" %d s\n", os.time() - t_row))
    for _, row in ipairs(rows_for(w, res)) do all_rows[#all_rows + 1] = row end
    for _, im in ipairs(selected) do
      local e = res[im.id]
      if e and e.status == "error" then
        notes[#notes + 1] = string.format("%s %s: error: %s", im.title, w.name, e.reason or "?")
      end
    end
  end
end
raw:close()

local unavailable = {}
for _, row in ipairs(all_rows) do
  for _, im in ipairs(selected) do
    local c = row.cells[im.id]
    if c and c.note and c.note:match("^unavailable") then
      unavailable[im.title .. ": " .. c.note:gsub("^unavailable: ", "")] = true
    end
  end
end
local un = {}
for k in pairs(unavailable) do un[#un + 1] = "n/a — " .. k end
table.sort(un)
for _, n in ipairs(un) do notes[#notes + 1] = n end
for _, row in ipairs(all_rows) do
  if row.below_floor then
    notes[#notes + 1] = "floor — the target is above the Lua floor's ratio to C in this run: the most "
      .. "any binding of Python's API reaches on this Lua (bench/c/luafloor.c), so no binding can meet it here"
    break
  end
end
for _, row in ipairs(all_rows) do
  if row.noisy then
    notes[#notes + 1] = string.format("(noisy) — the rounds of C or pyssl spread more than %d %% of "
      .. "their median: the machine was busy, the verdict may be noise; run again", NOISY_SPREAD * 100)
    break
  end
end

local elapsed = os.time() - t_start
local head = string.format("Machine: %s.\nMode: %s, %d rounds (memory: %d), %s; took %d s.",
  machine_info(), MODE, ROUNDS, MEM_ROUNDS,
  TASKSET and "pinned with taskset" or "not pinned", elapsed)
local text = head .. "\n\n" .. render(all_rows, notes) .. "\n"
io.write("\n", text)
write_file(opt.out .. "/latest.md", text)

if opt.readme then
  local f = assert(io.open(opt.readme))
  local readme = f:read("a")
  f:close()
  local b, e = "<!-- bench-table:begin -->", "<!-- bench-table:end -->"
  local i, j = readme:find(b, 1, true), readme:find(e, 1, true)
  if i and j then
    write_file(opt.readme, readme:sub(1, i + #b - 1) .. "\n" .. text .. readme:sub(j))
    io.stderr:write("updated ", opt.readme, "\n")
  end
end

os.execute("rm -rf " .. sh_quote(WORK))
