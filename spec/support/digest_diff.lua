-- Differential cases for hashlib_spec and hmac_spec: each case is a Lua
-- function and a Python expression meant to do the same; Python 3.13
-- (the oracle: same OpenSSL) evaluates every expression in one process,
-- and each outcome is compared: the value (bytes and str as hex, ints,
-- bools, sets as sorted lists) or the error class and message.
local H = require "spec.support.helper"
local core = require "pyssl.core"

local D = {}

-- pyssl mirrors 3.13 where 3.11 and 3.13 differ (HELPERS.md): the oracle
-- is pyenv's 3.13 when there is one, else python3, whose 3.11 wordings of
-- the two messages that changed are rewritten as 3.13 words them.
local function python313()
  local ok = os.execute("PYENV_VERSION=3.13.0 python3 -c 'import sys; sys.exit(sys.version_info < (3, 13))' >/dev/null 2>&1")
  return ok == true or ok == 0
end
D.PYTHON = os.getenv("PYSSL_PYTHON313") or (python313() and "PYENV_VERSION=3.13.0 python3" or "python3")

local function as_313(msg)
  msg = msg:gsub("^'([%w_]+)' is an invalid keyword argument for ([%w_.]+%(%))$",
                 "%2 got an unexpected keyword argument '%1'")
  return (msg:gsub("^Missing required parameter 'digestmod'%.$", "Missing required argument 'digestmod'."))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local sorted_keys = H.sorted_keys

-- Strings (bytes) as hex, sequences element by element, set tables
-- (name -> true) as their sorted names.
local encode
function encode(v)
  local t = type(v)
  if t == "string" then return "hex:" .. hex(v) end
  if t == "number" or t == "boolean" then return v end
  if v == nil then return H.json.null end
  if t == "table" and getmetatable(v) == nil and v[1] ~= nil then
    local list = {}
    for i, x in ipairs(v) do list[i] = encode(x) end
    return list
  end
  if t == "table" and getmetatable(v) == nil then return sorted_keys(v) end
  return "object:" .. core._typename(v)
end

-- What a Lua function gives, in the shape of the Python side's outcome.
function D.lua_outcome(fn)
  local ok, result = pcall(fn)
  if not ok then
    return {err = core._typename(result), msg = H.norm(result)}
  end
  return {ok = encode(result)}
end

local PRELUDE = [[
import hashlib, hmac, io, json, math, sys
def enc(v):
    if isinstance(v, (bytes, bytearray)): return "hex:" + v.hex()
    if isinstance(v, str): return "hex:" + v.encode().hex()
    if v is None or isinstance(v, bool): return v
    if isinstance(v, int): return v
    if isinstance(v, (set, frozenset)): return sorted(v)
    if isinstance(v, (list, tuple)): return [enc(x) for x in v]
    return "object:" + type(v).__name__
out = []
for src in json.loads(sys.stdin.read()):
    try:
        out.append({"ok": enc(eval(src))})
    except Exception as e:
        out.append({"err": type(e).__name__, "msg": str(e)})
print(json.dumps(out))
]]

-- Python's outcomes of a list of expressions, in order.
function D.python(exprs)
  local script = os.tmpname()
  local input = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(PRELUDE)
  f:close()
  f = assert(io.open(input, "w"))
  f:write(H.json.encode(exprs))
  f:close()
  local p = assert(io.popen(D.PYTHON .. " -W ignore " .. script .. " < " .. input .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(script)
  os.remove(input)
  local value, _, err = H.json.decode(out, 1, H.json.null)
  if err or type(value) ~= "table" then error("python did not print JSON: " .. out, 2) end
  for _, outcome in ipairs(value) do
    if outcome.msg then outcome.msg = as_313(outcome.msg) end
  end
  return value
end

-- Declares one `it` per case (busted's `it` and `assert` are the spec's globals, passed in) ({lua = fn, py = "expr"}); Python runs
-- once, for all of them, on the first.
function D.compare_all(it, assert, cases)
  local results
  for i, case in ipairs(cases) do
    it("like Python: " .. case.py, function()
      if not results then
        local exprs = {}
        for j, c in ipairs(cases) do exprs[j] = c.py end
        results = D.python(exprs)
      end
      assert.same(results[i], D.lua_outcome(case.lua))
    end)
  end
end

D.hex = hex

return D
