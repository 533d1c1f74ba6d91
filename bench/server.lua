-- bench/server.lua — the server rows: one TLS server process (pinned to
-- CPU 0) against the client load of bench-load (c/load.c, pinned to CPU 1),
-- for C (c/server.c, epoll), Python (py/server.py, selectors), pyssl
-- (pyssl/server.lua, pyssl.selectors; on Lua 5.4 and on LuaJIT) and nginx
-- (Debian's, one worker, nginx.conf). The rows are measured in several
-- rounds (--rounds, default 3), the implementations alternating (each
-- round starts with the next one, as bench/run.lua does), and reported as
-- median (min-max) of the rounds; a round starts each server afresh and
-- runs its rows in this order (idle only in the first --idle-rounds
-- rounds, default 1: 10,000 handshakes per server make it the longest):
--   idle      10,000 TLS connections held at once: the server's RSS per
--             connection, then all of them send a request at once and
--             every answer must come back
--   hs        new TLS connections per second, 500 clients connecting,
--             handshaking, asking, closing, again and again
--   hs-resume the same, resuming a session (TLS 1.3 tickets)
--   rr        1,000 keep-alive connections: requests/s, p50 and p99 latency
--             of a 100-byte request and its 100-byte answer
--
--   lua5.4 bench/server.lua --out build/bench [--smoke] [--impls c,python,pyssl,pyssl-luajit,nginx]
--        [--idle N] [--seconds S] [--rounds N] [--idle-rounds N] [--readme FILE]
local json = require "dkjson"
package.path = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/lua/?.lua;" .. package.path
local stats = require "stats"

local function capture(cmd)
  local h = io.popen(cmd .. " 2>/dev/null")
  local r = h:read("a")
  h:close()
  return (r:gsub("%s+$", ""))
end
local function sh_quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local BENCH = capture("cd " .. sh_quote(arg[0]:match("^(.*)/[^/]*$") or ".") .. " && pwd")
local TOP = capture("cd " .. sh_quote(BENCH .. "/..") .. " && pwd")

local opt = {out = TOP .. "/build/bench", smoke = false, impls = "c,python,pyssl,pyssl-luajit,nginx",
             idle = 10000, seconds = 3, rounds = nil, idle_rounds = 1, readme = nil}
do
  local i = 1
  while i <= #arg do
    local a, v = arg[i], arg[i + 1]
    if a == "--smoke" then opt.smoke = true; i = i - 1
    elseif a == "--out" then opt.out = v
    elseif a == "--impls" then opt.impls = v
    elseif a == "--idle" then opt.idle = tonumber(v)
    elseif a == "--seconds" then opt.seconds = tonumber(v)
    elseif a == "--rounds" then opt.rounds = tonumber(v)
    elseif a == "--idle-rounds" then opt.idle_rounds = tonumber(v)
    elseif a == "--readme" then opt.readme = v
    else
      io.stderr:write("server.lua: unknown argument ", a, "\n")
      os.exit(2)
    end
    i = i + 2
  end
  opt.out = capture("cd " .. sh_quote(opt.out) .. " && pwd")
end
local HS_CLIENTS, RR_CONNS = 500, 1000
if opt.smoke then opt.idle, opt.seconds, HS_CLIENTS, RR_CONNS = 50, 0.3, 20, 50 end
local ROUNDS = opt.rounds or (opt.smoke and 1 or 3)

local WORK = capture("mktemp -d /tmp/pyssl-server.XXXXXX")
assert(WORK:match("^/tmp/pyssl%-server%."), "mktemp failed")
local CERTS = WORK .. "/certs"
assert(os.execute("sh " .. sh_quote(BENCH .. "/mkcerts.sh") .. " " .. sh_quote(CERTS)))
local NOFILE = capture("ulimit -Hn")
local ENV = table.concat({
  "env -u SSLKEYLOGFILE",
  "OPENSSL_CONF=" .. sh_quote(CERTS .. "/openssl.cnf"),
  "LUA_PATH=" .. sh_quote(TOP .. "/lua/?.lua;" .. TOP .. "/lua/?/init.lua;;"),
}, " ")
local LUA54_CPATH = "LUA_CPATH=" .. sh_quote(TOP .. "/build/?.so;;")
local LUAJIT_CPATH = "LUA_CPATH=" .. sh_quote(TOP .. "/build/luajit/?.so;;")

local function sleep(s) os.execute("sleep " .. s) end

local function have(cmd) return os.execute("command -v " .. cmd .. " >/dev/null 2>&1") == true end

-- A free loopback port (for nginx, which is told its port).
local function free_port()
  return tonumber(capture("python3 -c 'import socket; s = socket.socket(); "
    .. "s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])'"))
end

local IMPLS = {
  {id = "c", title = "C", cmd = ENV .. " " .. sh_quote(opt.out .. "/bench-server")},
  {id = "python", title = "Python ssl", cmd = ENV .. " python3 " .. sh_quote(BENCH .. "/py/server.py")},
  {id = "pyssl", title = "pyssl", cmd = ENV .. " " .. LUA54_CPATH .. " lua5.4 " .. sh_quote(BENCH .. "/pyssl/server.lua")},
  {id = "pyssl-luajit", title = "pyssl LuaJIT",
   cmd = ENV .. " " .. LUAJIT_CPATH .. " luajit " .. sh_quote(BENCH .. "/pyssl/server.lua")},
  {id = "nginx", title = "nginx", nginx = true},
}

---------------------------------------------------------------- processes

local function rss_of(pid)
  local f = io.open("/proc/" .. pid .. "/status")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  local kb = text:match("VmRSS:%s*(%d+)")
  return kb and tonumber(kb) * 1024
end

-- Starts the server: returns {pid, port, measured pid} or nil, reason.
local function start_server(impl)
  local port, cmd
  if impl.nginx then
    if not have("nginx") then return nil, "nginx is not installed (tools/deps.sh nginx)" end
    port = free_port()
    local prefix = WORK .. "/nginx"
    os.execute("mkdir -p " .. sh_quote(prefix .. "/tmp"))
    local conf = assert(io.open(BENCH .. "/nginx.conf")):read("a")
    conf = conf:gsub("@PREFIX@", prefix):gsub("@PORT@", tostring(port)):gsub("@CERTDIR@", CERTS)
    local f = assert(io.open(prefix .. "/nginx.conf", "w"))
    f:write(conf)
    f:close()
    cmd = ENV .. " nginx -p " .. sh_quote(prefix) .. " -c " .. sh_quote(prefix .. "/nginx.conf")
      .. " -e " .. sh_quote(prefix .. "/error.log")
  else
    cmd = impl.cmd .. " --certdir " .. sh_quote(CERTS)
  end
  local out = WORK .. "/server.out"
  os.remove(out)
  local pid = tonumber(capture(string.format(
    "sh -c 'ulimit -n %s; exec taskset -c 0 %s' > %s 2>&1 < /dev/null & echo $!",
    NOFILE, cmd:gsub("'", "'\\''"), sh_quote(out))))
  for _ = 1, 100 do
    sleep(0.1)
    if impl.nginx then
      if os.execute("python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", "
                    .. port .. "), 1)' 2>/dev/null") then break end
    else
      local f = io.open(out)
      local text = f and f:read("a") or ""
      if f then f:close() end
      port = tonumber(text:match("PORT (%d+)"))
      if port then break end
    end
  end
  if not port then
    os.execute("kill " .. pid .. " 2>/dev/null")
    return nil, "the server did not start: " .. capture("head -c 300 " .. sh_quote(out))
  end
  local measured = pid
  if impl.nginx then   -- the worker holds the connections
    local children = capture("cat /proc/" .. pid .. "/task/" .. pid .. "/children")
    measured = tonumber(children:match("%d+")) or pid
  end
  return {pid = pid, port = port, measured = measured, out = out}
end

local function stop_server(s)
  os.execute("kill " .. s.pid .. " 2>/dev/null")
  for _ = 1, 50 do
    if not io.open("/proc/" .. s.pid .. "/status") then return end
    sleep(0.1)
  end
  os.execute("kill -9 " .. s.pid .. " 2>/dev/null")
end

local function load_cmd(s, args)
  return string.format("%s taskset -c 1 timeout 200 %s --certdir %s --port %d %s", ENV,
                       sh_quote(opt.out .. "/bench-load"), sh_quote(CERTS), s.port, args)
end

local function last_json(text)
  local r
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) == "{" then r = json.decode(line) or r end
  end
  return r
end

-- The idle row: RSS before, connections up, RSS, all send, answers.
local function run_idle(s)
  local fifo, out = WORK .. "/go", WORK .. "/load.out"
  os.remove(fifo)
  os.remove(out)
  assert(os.execute("mkfifo " .. sh_quote(fifo)))
  local rss0 = rss_of(s.measured)
  os.execute(load_cmd(s, "--mode idle --conns " .. opt.idle) .. " < " .. sh_quote(fifo)
             .. " > " .. sh_quote(out) .. " 2>&1 &")
  local go = assert(io.open(fifo, "w"))
  local ready
  for _ = 1, 1800 do
    sleep(0.1)
    local f = io.open(out)
    local text = f and f:read("a") or ""
    if f then f:close() end
    ready = tonumber(text:match("READY (%d+)"))
    if ready or text:match("bench%-load") then break end   -- its error, or timeout's
  end
  if not ready then   -- no reader left on the fifo: writing would be SIGPIPE
    go:close()
    return {error = "idle run failed: " .. capture("tail -c 300 " .. sh_quote(out))}
  end
  local rss1 = rss_of(s.measured)
  go:write("GO\n")
  go:flush()
  local r
  for _ = 1, 900 do
    sleep(0.1)
    local f = io.open(out)
    local text = f and f:read("a") or ""
    if f then f:close() end
    r = last_json(text)
    if r then break end
  end
  go:close()
  if not (ready and r and rss0 and rss1) then
    return {error = "idle run failed: " .. capture("tail -c 300 " .. sh_quote(out))}
  end
  r.rss_per_conn = ready > 0 and (rss1 - rss0) / ready or 0
  return r
end

local function run_load(s, args)
  local text = capture(load_cmd(s, args))
  return last_json(text) or {error = "load failed: " .. text:sub(1, 200)}
end

---------------------------------------------------------------- main

local selected = {}
for id in opt.impls:gmatch("[^,]+") do
  for _, im in ipairs(IMPLS) do if im.id == id then selected[#selected + 1] = im end end
end

-- The rows of one round against the running server s, into res.
local function run_rows(s, res, round)
  if round <= opt.idle_rounds then
    res.idle = run_idle(s)
    io.stderr:write(".")
  end
  res.hs = run_load(s, string.format("--mode hs --conns %d --seconds %g", HS_CLIENTS, opt.seconds))
  io.stderr:write(".")
  res.resume = run_load(s, string.format("--mode hs --resume 1 --conns %d --seconds %g", HS_CLIENTS, opt.seconds))
  io.stderr:write(".")
  res.rr = run_load(s, string.format("--mode rr --conns %d --seconds %g", RR_CONNS, opt.seconds))
  io.stderr:write(".")
  -- Each load ends with its clients resetting their connections at once:
  -- the server must survive that and still answer.
  local probe = run_load(s, "--mode rr --conns 1 --seconds 0.2")
  if probe.connected ~= 1 or probe.requests == 0 then
    res.error = "the server died or stopped answering: " .. capture("tail -c 300 " .. sh_quote(s.out))
  end
end

-- One round of one implementation: a fresh server, every row; the server
-- is stopped whatever happens to the rows.
local function run_round(im, round)
  local res = {}
  local s, why = start_server(im)
  if not s then
    res.error = why
    return res
  end
  local ok, err = pcall(run_rows, s, res, round)
  if not ok then res.error = "the bench failed: " .. tostring(err) end
  stop_server(s)
  return res
end

-- results[id] = the rounds of that implementation, in order.
local results = {}
for _, im in ipairs(selected) do results[im.id] = {} end
local t_start = os.time()
local raw = assert(io.open(opt.out .. "/server.jsonl", "w"))
io.stderr:write(string.format("pyssl server rows: %d round%s (idle: %d), idle %d, %g s per timed row\n",
  ROUNDS, ROUNDS == 1 and "" or "s", math.min(ROUNDS, opt.idle_rounds), opt.idle, opt.seconds))
for r = 1, ROUNDS do
  io.stderr:write(string.format("  round %d:", r))
  -- Alternate: each round starts with the next implementation.
  for k = 0, #selected - 1 do
    local im = selected[(r - 1 + k) % #selected + 1]
    io.stderr:write(" ", im.id)
    local res = run_round(im, r)
    res.impl, res.round = im.id, r
    raw:write(json.encode(res), "\n")
    raw:flush()
    table.insert(results[im.id], res)
  end
  io.stderr:write(string.format(" (%d s)\n", os.time() - t_start))
end
raw:close()

local median = stats.median

-- The table.
local ROWS = {
  {"idle " .. opt.idle .. ": RSS per connection", "B", function(r) return r.idle and r.idle.rss_per_conn end, "low"},
  -- the worst round's count
  {"idle " .. opt.idle .. ": answered when all send", "", function(r)
     return r.idle and r.idle.connected and r.idle.answered and
       string.format("%d/%d", r.idle.answered, r.idle.connected) end, nil,
   function(r) return r.idle and r.idle.answered and r.idle.answered - (r.idle.connected or 0) end},
  {"new connections, " .. HS_CLIENTS .. " clients: full handshakes", "hs/s", function(r) return r.hs and r.hs.hs_per_s end, "high"},
  {"new connections, " .. HS_CLIENTS .. " clients: resumed", "hs/s", function(r) return r.resume and r.resume.hs_per_s end, "high"},
  {"requests, " .. RR_CONNS .. " keep-alive connections", "req/s", function(r) return r.rr and r.rr.rps end, "high"},
  {"requests: p50 latency", "ms", function(r) return r.rr and r.rr.p50_ms end, "low"},
  {"requests: p99 latency", "ms", function(r) return r.rr and r.rr.p99_ms end, "low"},
}
local function fmt(v)
  if type(v) ~= "number" then return v and tostring(v) or "-" end
  if v >= 100 then return string.format("%.0f", v) end
  return string.format("%.2f", v)
end
-- A row's cell for one implementation: its text and its median (numbers),
-- over the rounds without an error.
local function cell(row, id)
  local vals, worst, worst_key, errors = {}, nil, nil, 0
  for _, r in ipairs(results[id]) do
    local v = not r.error and row[3](r)
    if type(v) == "number" then
      vals[#vals + 1] = v
    elseif v then   -- a text: the worst round's
      local key = row[5](r)
      if not worst or key < worst_key then worst, worst_key = v, key end
    else
      errors = errors + 1
    end
  end
  if worst then return worst end
  if #vals == 0 then return errors > 0 and "error" or "-" end
  local med = median(vals)
  if #vals == 1 then return fmt(med), med end
  local lo, hi = vals[1], vals[1]
  for _, v in ipairs(vals) do lo, hi = math.min(lo, v), math.max(hi, v) end
  return string.format("%s (%s–%s)", fmt(med), fmt(lo), fmt(hi)), med
end
local header = {"row", "unit"}
for _, im in ipairs(selected) do header[#header + 1] = im.title end
header[#header + 1] = "pyssl vs Python"
header[#header + 1] = "pyssl vs nginx"
local lines = {"| " .. table.concat(header, " | ") .. " |"}
local sep = {}
for i = 1, #header do sep[i] = i <= 2 and "---" or "---:" end
lines[#lines + 1] = "|" .. table.concat(sep, "|") .. "|"
local notes = {}
for _, row in ipairs(ROWS) do
  local cols, medians = {row[1], row[2]}, {}
  for _, im in ipairs(selected) do
    local text, med = cell(row, im.id)
    cols[#cols + 1] = text
    medians[im.id] = med
  end
  -- the ratio of the medians; "higher is better" rows: pyssl/other,
  -- memory and latency: other/pyssl
  local function ratio(other)
    local a, b = medians.pyssl, medians[other]
    if not a or not b or b == 0 or a == 0 or not row[4] then return "" end
    return string.format("%.2f", row[4] == "high" and a / b or b / a)
  end
  cols[#cols + 1] = ratio("python")
  cols[#cols + 1] = ratio("nginx")
  lines[#lines + 1] = "| " .. table.concat(cols, " | ") .. " |"
end
for _, im in ipairs(selected) do
  for _, r in ipairs(results[im.id]) do
    local where = ROUNDS > 1 and string.format(" (round %d)", r.round) or ""
    if r.error then notes[#notes + 1] = "- " .. im.title .. where .. ": " .. r.error end
    for _, k in ipairs({"idle", "hs", "resume", "rr"}) do
      if r[k] and r[k].error then notes[#notes + 1] = "- " .. im.title .. " " .. k .. where .. ": " .. r[k].error end
      if r[k] and (r[k].failures or 0) > 0 then
        notes[#notes + 1] = string.format("- %s %s%s: %d failed connections", im.title, k, where, r[k].failures)
      end
    end
  end
end
local head = string.format(
  "Server rows (`make -C bench server`), %s; %s; server on CPU 0, bench-load on CPU 1; "
  .. "idle %d connections (%s), %g s per timed row; took %d s.\n"
  .. "%sRatios: pyssl's median over the other's (memory and latency: the other's over pyssl's), so > 1 is pyssl ahead.",
  opt.smoke and "smoke (not a measurement)" or
    (ROUNDS == 1 and "one round" or ROUNDS .. " rounds, implementations alternating"),
  os.date("!%Y-%m-%d %H:%M UTC"), opt.idle,
  math.min(ROUNDS, opt.idle_rounds) == 1 and "one round" or math.min(ROUNDS, opt.idle_rounds) .. " rounds",
  opt.seconds, os.time() - t_start,
  ROUNDS > 1 and "Cells: median (min–max) of the rounds; \"answered\": the worst round. " or "")
local text = head .. "\n\n" .. table.concat(lines, "\n") .. "\n" ..
  (#notes > 0 and ("\n" .. table.concat(notes, "\n") .. "\n") or "")
io.write("\n", text)
local f = assert(io.open(opt.out .. "/server.md", "w"))
f:write(text)
f:close()
if opt.readme then
  local rf = assert(io.open(opt.readme))
  local readme = rf:read("a")
  rf:close()
  local b, e = "<!-- server-table:begin -->", "<!-- server-table:end -->"
  local i, j = readme:find(b, 1, true), readme:find(e, 1, true)
  if i and j then
    rf = assert(io.open(opt.readme, "w"))
    rf:write(readme:sub(1, i + #b - 1) .. "\n" .. text .. readme:sub(j))
    rf:close()
    io.stderr:write("updated ", opt.readme, "\n")
  end
end
os.execute("rm -rf " .. sh_quote(WORK))
