-- Shared helpers for the specs. Area-specific helpers go in their own
-- spec/support/<area>.lua so that this file stays small.
local json = require "dkjson"

local H = {}

H.PKI = os.getenv("PYSSL_PKI") or "build/pki"

-- Path of a file of the test PKI (spec/support/mkpki.sh).
function H.pki(name)
  return H.PKI .. "/" .. name
end

-- A message without its source location: "... (_ssl.c:123)" and the
-- handshake timeout's "_ssl.c:123: " prefix (spec §0.3).
-- The whole content of a file (binary).
function H.read_file(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

-- The keys of a table, sorted (keys of one type: strings or numbers).
function H.sorted_keys(t)
  local keys = {}
  for k in pairs(t) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

function H.norm(msg)
  msg = require("pyssl.core").str(msg)   -- Python's str(e), not tostring(e) (README "Errors")
  msg = msg:gsub("%s*%([%w_./]+%.c:%d+%)$", "")
  msg = msg:gsub("^[%w_]+%.c:%d+: ", "")
  return msg
end

-- Calls fn(...) and asserts that it raises an instance of class `cls`
-- (a class table of pyssl) whose normalised message is `msg` (when given).
-- Returns the error object.
function H.raises(cls, msg, fn, ...)
  local ssl = require "pyssl.core"
  local ok, err = pcall(fn, ...)
  assert(not ok, "expected an error, got success")
  if not ssl.isinstance(err, cls) then
    error(string.format("expected %s, got %s: %s", tostring(cls), ssl._typename(err), tostring(err)), 2)
  end
  if msg ~= nil and H.norm(err) ~= msg then
    error(string.format("expected message %q, got %q", msg, H.norm(err)), 2)
  end
  return err
end

-- The oracle: the command that runs Python, read once. PYSSL_PYTHON picks
-- another one for a whole run (`make test-py313`: Python 3.13 through
-- pyenv). H.PYTHON_NEWER is the one to compare with where pyssl follows
-- 3.12+ over 3.11 (README, "Where pyssl follows 3.14 (or 3.13) over 3.11").
H.PYTHON = os.getenv("PYSSL_PYTHON") or "python3"
H.PYTHON_NEWER = os.getenv("PYSSL_PYTHON_NEWER") or "env PYENV_VERSION=3.13.0 python3"

-- Runs the oracle (H.PYTHON, or H.PYTHON_NEWER when `newer`) on `code`
-- (with PKI = path of the test PKI defined) and returns what it prints as
-- JSON, decoded. The script must print exactly one JSON document.
function H.python(code, newer)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("import json, ssl, sys\nPKI = ", string.format("%q", H.PKI .. "/"), "\n", code)
  f:close()
  local p = assert(io.popen((newer and H.PYTHON_NEWER or H.PYTHON) .. " -W ignore " .. path .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local value, _, err = json.decode(out, 1, json.null)
  if err then error("python3 did not print JSON: " .. out, 2) end
  return value
end

H.json = json

-- Lua versions (spec/support/summary.lua counts what does not apply).
-- H.compat is the facade's compat module, for what specs need too.
H.compat = require "pyssl._compat"
H.LUA = H.compat.luajit and "LuaJIT" or ("Lua " .. H.compat.version)

-- The integer limits a spec can pass: the largest exact integer where
-- numbers are doubles (2^53; 2^63 does not fit lua_Integer), -2^63 (exact).
H.MAXINT = math.maxinteger or 2 ^ 53
H.MININT = math.mininteger or -2 ^ 63

-- The rules a case's name can carry, "(<rule> only)": whether the running
-- Lua has what the rule names.
local RULES = {
  ["5.4"] = H.compat.version == "5.4",                  -- <close>, warn()
  ["5.3+"] = H.compat.has_integers,                     -- integer and float subtypes
  ["5.2+"] = H.compat.version ~= "5.1",                 -- __gc on tables, goto, __pairs
  ["doubles"] = not H.compat.has_integers,              -- 5.1, 5.2, LuaJIT: numbers are doubles
  -- Debian packages copas (lua-copas) for 5.1 and 5.2 only (LuaJIT uses 5.1's)
  ["copas"] = (function()
    for template in package.path:gmatch("[^;]+") do
      local f = io.open((template:gsub("%?", "copas")), "r")
      if f then f:close() return true end
    end
    return false
  end)(),
  ["luajit"] = H.compat.luajit,                         -- the FFI (to reach OpenSSL from a spec)
  ["5.1, 5.3+"] = H.compat.version ~= "5.2",            -- 5.2 runs the collector before an allocation
}

-- H.only(rule) first in a case named "... (<rule> only)": on a Lua
-- without it, the case ends as "not applicable" (never as passed).
function H.only(rule)
  assert(RULES[rule] ~= nil, "unknown version rule " .. tostring(rule))
  if not RULES[rule] then
    -- busted's pending() of the running case: its element is a local of
    -- busted.safe(descriptor, run, element) up the stack
    for level = 2, 40 do
      if not debug.getinfo(level, "f") then break end
      for i = 1, 20 do
        local name, value = debug.getlocal(level, i)
        if name == nil then break end
        if name == "element" and type(value) == "table" and value.env and value.env.pending then
          value.env.pending("not applicable on " .. H.LUA .. " (" .. rule .. " only)")
        end
      end
    end
    error("H.only: no running busted case found", 2)
  end
end

return H
