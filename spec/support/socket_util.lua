-- Helpers for the pyssl.socket and pyssl.select specs: socket pairs in one
-- process, python3 peers in a subprocess, descriptor counting, and a
-- table-driven comparison of error messages with python3.
--
--   local S = require "spec.support.socket_util"
--   local bag = S.bag()            -- every socket made through it ...
--   finally(function() bag:close() end)   -- ... is closed, even on failure
--   local srv, c, a = S.tcp_pair(bag)     -- listener, client, accepted end
local H = require "spec.support.helper"
local core = require "pyssl.core"
local socket = require "pyssl.socket"

local S = {}

S.now = core._socket._monotonic

-- A list of sockets to close at the end of a test.
local Bag = {}
Bag.__index = Bag

function Bag:add(s, ...)
  self[#self + 1] = s
  return s, ...
end

function Bag:close()
  for i = #self, 1, -1 do
    pcall(self[i].close, self[i])
    self[i] = nil
  end
end

function S.bag()
  return setmetatable({}, Bag)
end

S.LOOPBACK = {[socket.AF_INET] = "127.0.0.1", [socket.AF_INET6] = "::1"}

-- Is IPv6 loopback usable here? (decided once; specs that need it are only
-- defined when it is, so nothing is ever skipped at run time)
function S.has_ipv6_loopback()
  if S._v6 == nil then
    local made, s = pcall(socket.socket, socket.AF_INET6)
    S._v6 = made and pcall(s.bind, s, {"::1", 0})
    if made then s:close() end
  end
  return S._v6
end

-- A listening socket on the loopback of `family`, on a free port.
function S.listener(bag, family)
  family = family or socket.AF_INET
  local srv = bag:add(socket.socket(family))
  srv:bind({S.LOOPBACK[family], 0})
  srv:listen()
  return srv
end

-- A connected TCP pair in this process: listener, client, accepted side.
-- Client and accepted side have a 5 s timeout so that no test can hang.
function S.tcp_pair(bag, family)
  local srv = S.listener(bag, family)
  local c = bag:add(socket.socket(family or socket.AF_INET))
  c:settimeout(5)
  c:connect(srv:getsockname())
  srv:settimeout(5)
  local a = bag:add((srv:accept()))
  a:settimeout(5)
  return srv, c, a
end

-- A port on which nothing listens: bound (so nobody else takes it) but
-- not listening, so connecting to it is refused at once.
function S.refusing_port(bag)
  local s = bag:add(socket.socket())
  s:bind({"127.0.0.1", 0})
  return s:getsockname()[2]
end

-- Number of open descriptors of this process below 4096, counted without
-- a subprocess (listing /proc/<pid>/fd from a child races with the pipe
-- that popen itself opens): a descriptor is open when it can be dup'ed.
function S.fd_count()
  local n = 0
  for fd = 0, 4095 do
    local ok, copy = pcall(socket.dup, fd)
    if ok then
      n = n + 1
      socket.close(copy)
    end
  end
  return n
end

-- Starts python3 on `code` (socket, sys, json imported) in the background.
-- The script must print one line first (e.g. its port) and flush. Returns
-- that line and a function that waits for the script and returns the rest
-- of its output. Scripts bound themselves in time (socket timeouts); the
-- `timeout 30` is the last resort.
function S.python_peer(code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("import socket, sys, json, time\n", code)
  f:close()
  local p = assert(io.popen("timeout 30 " .. H.PYTHON .. " -W ignore " .. path .. " 2>&1"))
  local first = p:read("*l")
  return first, function()
    local rest = p:read("*a")
    p:close()
    os.remove(path)
    return rest
  end
end

-- Runs error cases in pyssl and in python3 and compares class and message.
-- `setup_py` is Python code that defines the objects the cases use;
-- `cases` is a sequence of {name, lua = function() ... end, py = "expr"}.
-- Returns a list of mismatches (empty when all agree).
function S.compare_errors(setup_py, cases, newer)
  local lines = {setup_py, "out = {}", "def run(name, f):",
    "    try:",
    "        f()",
    "        out[name] = None",
    "    except BaseException as e:",
    "        out[name] = [type(e).__name__, str(e), getattr(e, 'errno', None)]"}
  for _, case in ipairs(cases) do
    lines[#lines + 1] = string.format("run(%q, lambda: %s)", case[1], case.py)
  end
  lines[#lines + 1] = "print(json.dumps(out))"
  local expected = H.python(table.concat(lines, "\n") .. "\n", newer)
  local problems = {}
  for _, case in ipairs(cases) do
    local want = expected[case[1]]
    local ok, err = pcall(case.lua)
    local got
    if not ok then
      got = {core._typename(err), H.norm(err), type(err) == "table" and err.errno or nil}
    end
    local function show(v)
      if v == nil or v == H.json.null then return "success" end
      return string.format("%s(%q) errno=%s", v[1], v[2], tostring(v[3] ~= H.json.null and v[3] or nil))
    end
    local same
    if want == H.json.null or want == nil then
      same = ok
    else
      local werrno = want[3] ~= H.json.null and want[3] or nil
      same = not ok and got[1] == want[1] and got[2] == want[2] and got[3] == werrno
    end
    if not same then
      problems[#problems + 1] = string.format("%s: python %s, pyssl %s", case[1], show(want), show(got))
    end
  end
  return problems
end

return S
