-- Python's view of a Lua string as a str, for the facade's messages:
-- shared by init.lua and context.lua.
local compat = require "pyssl._compat"
local core = require "pyssl.core"
local utf8 = compat.utf8
local raise = core._raise

local M = {}

-- The characters of a string as code points: UTF-8 sequences, and a byte
-- that does not start a valid one as one character of that value (as
-- Python's surrogateescape decoding counts them).
function M.code_points(s)
  local cps, i, n = {}, 1, #s
  while i <= n do
    local ok, cp = pcall(utf8.codepoint, s, i)
    local len = 1
    if ok then
      len = #utf8.char(cp)
    else
      cp = s:byte(i)
    end
    cps[#cps + 1] = cp
    i = i + len
  end
  return cps
end

-- repr() of one character in Python's escapes.
local function char_repr(cp)
  if cp < 0x100 then return string.format("\\x%02x", cp) end
  if cp < 0x10000 then return string.format("\\u%04x", cp) end
  return string.format("\\U%08x", cp)
end

-- Python's str.encode("ascii"): raises its error text (as UnicodeError)
-- when the string holds a non-ASCII character.
function M.check_ascii(s)
  if not s:find("[\128-\255]") then return end
  local cps = M.code_points(s)
  local first, last
  for i, cp in ipairs(cps) do
    if cp >= 128 then
      if not first then first = i end
      last = i
    elseif first then
      break
    end
  end
  local msg
  if first == last then
    msg = string.format("'ascii' codec can't encode character '%s' in position %d: "
      .. "ordinal not in range(128)", char_repr(cps[first]), first - 1)
  else
    msg = string.format("'ascii' codec can't encode characters in position %d-%d: "
      .. "ordinal not in range(128)", first - 1, last - 1)
  end
  raise("UnicodeError", msg)
end

return M
