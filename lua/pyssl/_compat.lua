-- pyssl._compat: the Lua version differences the facade needs, in one
-- place (src/compat.h is the C side). The facade is written in the common
-- subset of Lua 5.1, LuaJIT 2.1, 5.2, 5.3 and 5.4; what that subset lacks
-- is here, each function picked once at load time: callers keep them in
-- locals, so 5.4 pays no indirection beyond a local call.
--
-- Numbers: from 5.3 on, integers and floats are distinct subtypes; before,
-- all numbers are doubles, and "integer" means a number with an integral
-- value that fits lua_Integer (what src/compat.h's lua_isinteger says);
-- such numbers are exact up to 2^53 only.
local M = {}

local floor, huge = math.floor, math.huge
local type, error, select, tostring = type, error, select, tostring

M.version = _VERSION:match("%d+%.%d+")
M.luajit = type(rawget(_G, "jit")) == "table"
-- The integer subtype exists (5.3, 5.4).
M.has_integers = math.type ~= nil

M.unpack = table.unpack or unpack
M.pack = table.pack or function(...) return {n = select("#", ...), ...} end

-- Code the older parsers would reject, compiled only where it exists.
local function compile(code)
  return (loadstring or load)(code)()
end

-- 2^63: the bound of lua_Integer as the C core checks it before 5.3.
-- Powers of two in pyssl are written as literals: the compiler folds
-- `2 ^ 63` with libm's pow(), whose tables then cost a process ~190 KiB of
-- resident pages (bench/NOTES.md, 2026-12-07, bare process).
local TWO63 = 9223372036854775808.0
local TWO53 = 9007199254740992.0

-- math.type(v): "integer", "float" or nil.
if math.type then
  M.math_type = math.type
else
  M.math_type = function(v)
    if type(v) ~= "number" then return nil end
    if v == floor(v) and v >= -TWO63 and v < TWO63 then return "integer" end
    return "float"
  end
end

-- math.tointeger(v): the integer of that value (a string is converted
-- first, as 5.3 and 5.4.4 do), else nil.
if math.tointeger then
  M.tointeger = math.tointeger
else
  M.tointeger = function(v)
    if type(v) == "string" then v = tonumber(v) end
    if type(v) == "number" and v == floor(v) and v >= -TWO63 and v < TWO63 then return v end
    return nil
  end
end

-- The bounds of lua_Integer; before 5.3 the nearest doubles inside them
-- (2^63 - 1 is no double).
M.maxinteger = math.maxinteger or TWO63 - 1024
M.mininteger = math.mininteger or -TWO63

-- a // b. Before 5.3 math.floor(a / b): exact for integers below 2^52.
if M.has_integers then
  M.idiv = compile("return function(a, b) return a // b end")
else
  M.idiv = function(a, b) return floor(a / b) end
end

-- a | b, a & b and a & ~b (clearing the bits of b) for the non-negative integer
-- flags pyssl has (options, verify flags). Before 5.3 the bits are summed
-- one by one, exact below 2^53; larger or negative values raise, they
-- would not be exact doubles.
local function check_flags(v)
  if v < 0 or v >= TWO53 or v ~= floor(v) then
    require("pyssl.core")._raise("OverflowError",
      "flags value " .. tostring(v) .. " is not an exact integer on " .. _VERSION)
  end
end

if M.has_integers then
  M.bor = compile("return function(a, b) return a | b end")
  M.band = compile("return function(a, b) return a & b end")
  M.band_not = compile("return function(a, b) return a & ~b end")
else
  -- The bits of a and b from the lowest: op(bit_a, bit_b) -> bit.
  local function bitwise(a, b, op)
    check_flags(a)
    check_flags(b)
    local result, bit = 0, 1
    while a > 0 or b > 0 do
      local abit, bbit = a % 2, b % 2
      if op(abit, bbit) then result = result + bit end
      a, b, bit = (a - abit) / 2, (b - bbit) / 2, bit * 2
    end
    return result
  end
  local function either(x, y) return x == 1 or y == 1 end
  local function both(x, y) return x == 1 and y == 1 end
  local function first_only(x, y) return x == 1 and y == 0 end
  M.bor = function(a, b) return bitwise(a, b, either) end
  M.band = function(a, b) return bitwise(a, b, both) end
  M.band_not = function(a, b) return bitwise(a, b, first_only) end
end

-- warn(...): 5.4's warning system; a no-op before (as lua_warning is in
-- src/compat.h).
M.warn = rawget(_G, "warn") or function() end

-- load(code, name, "t", env) on every version (5.1: loadstring + setfenv).
if M.version == "5.1" then
  M.load = function(code, name, mode, env)
    if type(code) ~= "string" then return load(code, name) end
    local f, err = loadstring(code, name)
    if f and env ~= nil then setfenv(f, env) end
    return f, err
  end
else
  M.load = load
end

-- xpcall(f, handler, ...) with arguments (5.1 passes none).
if M.version == "5.1" and not M.luajit then
  local unpack_ = M.unpack
  M.xpcall = function(f, handler, ...)
    local n, args = select("#", ...), {...}
    return xpcall(function() return f(unpack_(args, 1, n)) end, handler)
  end
else
  M.xpcall = xpcall
end

-- A finalizer for a table: 5.2+ call a table's __gc (the metatable had it
-- when set); 5.1 and LuaJIT only a userdata's, so there a proxy userdata
-- held by the table runs fn(t) once the table is unreachable.
if M.version == "5.1" then
  local newproxy = newproxy
  M.table_gc = function(t, fn)
    local proxy = newproxy(true)
    getmetatable(proxy).__gc = function() fn(t) end
    rawset(t, proxy, true)
    return t
  end
else
  M.table_gc = function(t) return t end
end

---------------------------------------------------------------- utf8
-- 5.4's utf8 functions (strict: no surrogates, nothing above U+10FFFF);
-- 5.3's accept surrogates, so every version before 5.4 uses these.
if M.version == "5.4" then
  M.utf8 = utf8
else
  local byte, char, concat = string.byte, string.char, table.concat
  local MAXUNICODE = 0x10FFFF
  -- The smallest code point of a 2-, 3- and 4-byte sequence (no overlong forms).
  local LIMITS = {0x80, 0x800, 0x10000}
  -- The code point starting at byte i of s and the index after it, or nil.
  local function decode(s, i)
    local c = byte(s, i)
    if not c then return nil end
    if c < 0x80 then return c, i + 1 end
    local count, res
    if c >= 0xF8 then return nil
    elseif c >= 0xF0 then count, res = 3, c - 0xF0
    elseif c >= 0xE0 then count, res = 2, c - 0xE0
    elseif c >= 0xC0 then count, res = 1, c - 0xC0
    else return nil end
    for k = 1, count do
      local cc = byte(s, i + k)
      if not cc or cc < 0x80 or cc >= 0xC0 then return nil end
      res = res * 64 + (cc - 0x80)
    end
    if res < LIMITS[count] or res > MAXUNICODE or (res >= 0xD800 and res <= 0xDFFF) then
      return nil
    end
    return res, i + count + 1
  end

  local function encode(cp)
    if cp < 0x80 then return char(cp) end
    if cp < 0x800 then
      return char(0xC0 + floor(cp / 64), 0x80 + cp % 64)
    end
    if cp < 0x10000 then
      return char(0xE0 + floor(cp / 4096), 0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
    end
    return char(0xF0 + floor(cp / 262144), 0x80 + floor(cp / 4096) % 64,
                0x80 + floor(cp / 64) % 64, 0x80 + cp % 64)
  end

  local u = {}
  function u.char(...)
    local n = select("#", ...)
    local out = {}
    for k = 1, n do
      local cp = select(k, ...)
      if type(cp) ~= "number" or cp < 0 or cp > 0x7FFFFFFF or cp ~= floor(cp) then
        error("bad argument #" .. k .. " to 'char' (value out of range)", 2)
      end
      out[k] = encode(cp)
    end
    return concat(out)
  end
  -- codepoint(s, i): the one code point at byte i (what pyssl uses).
  function u.codepoint(s, i)
    i = i or 1
    local cp = decode(s, i)
    if not cp then error("invalid UTF-8 code", 2) end
    return cp
  end
  -- len(s): the number of characters, or nil and the position of the
  -- first invalid byte.
  function u.len(s)
    local i, n, len = 1, #s, 0
    while i <= n do
      local _, nxt = decode(s, i)
      if not nxt then return nil, i end
      i, len = nxt, len + 1
    end
    return len
  end
  -- codes(s): for position, code point in ...; an error on invalid UTF-8.
  function u.codes(s)
    local i = 1
    return function()
      if i > #s then return nil end
      local cp, nxt = decode(s, i)
      if not cp then error("invalid UTF-8 code", 2) end
      local pos = i
      i = nxt
      return pos, cp
    end
  end
  M.utf8 = u
end

return M
