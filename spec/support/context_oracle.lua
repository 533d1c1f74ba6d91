-- Differential helpers for the SSLContext specs: run the same scenario in
-- pyssl and in python3 and get comparable results.
--
--   O.attempt(fn, ...)  -> {"ok", value} or {"<ErrorClass>", "<message>"}
--   O.py(code)          -> what Python's `out` holds at the end, decoded from JSON
--
-- In Python, `attempt(lambda: ...)` gives the same shape. Messages lose
-- their "(file.c:N)" location on both sides. Python's UnicodeEncodeError
-- (a ValueError subclass) reads as pyssl's UnicodeError.
local H = require "spec.support.helper"
local P = require "spec.support.context_pair"
local ssl = require "pyssl"

local O = {}

O.null = H.json.null

-- A Lua value as JSON would carry it (nil -> null, tables via JSON).
function O.plain(v)
  if v == nil then return O.null end
  if type(v) == "table" then return H.json.decode(H.json.encode(v), 1, O.null) end
  return v
end

function O.attempt(fn, ...)
  local ok, res = pcall(fn, ...)
  if ok then return {"ok", O.plain(res)} end
  local cls = ssl._typename(res)
  if type(res) == "string" then cls = "string" end
  return {cls, H.norm(res)}
end

O.PY_PRELUDE = [[
import re, warnings
warnings.simplefilter("ignore")
def attempt(f):
    try:
        return ["ok", f()]
    except Exception as e:
        name = type(e).__name__
        if name == "UnicodeEncodeError":
            name = "UnicodeError"
        return [name, re.sub(r"\s*\([\w./]+\.c:\d+\)$", "", str(e))]
def setter(obj, name, value):
    def f():
        setattr(obj, name, value)
        return getattr(obj, name)
    return f
]] .. P.PY

-- Runs code after the prelude; the script must leave its result in `out`.
function O.py(code)
  return H.python(O.PY_PRELUDE .. code .. "\nprint(json.dumps(out))\n")
end

-- A Lua string as a Python literal (bytes-safe only for ASCII text).
function O.pystr(s)
  return H.json.encode(s)
end

-- A Lua value as a Python expression (through JSON: true, nil, ...).
function O.pyval(v)
  return "json.loads(" .. H.json.encode(H.json.encode(v)) .. ")"
end

-- Runs a Lua chunk in a fresh interpreter with warnings on; returns its
-- stdout and stderr together (for what warn() prints; 5.4 only: warn()
-- does not exist before).
function O.lua_with_warnings(code, env)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write('if warn then warn("@on") end\n', 'package.path = "./?.lua;" .. package.path\n', code)
  f:close()
  -- the interpreter running the specs (a sanitized host under make check)
  local lua = (arg and arg[-1]) or "lua5.4"
  local cmd = string.format("%s %s %s 2>&1", env or "", lua, path)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out
end

return O
