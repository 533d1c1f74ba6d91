-- pyssl._enum: Python's IntEnum/IntFlag tables, shared by pyssl (ssl's
-- enums) and pyssl.socket (AddressFamily, SocketKind, MsgFlag,
-- AddressInfo). A table maps name -> value (members are plain integers)
-- and, as in Python's enum._convert_, answers value -> canonical name:
-- members are ordered by (value, name) and the first name of a value is
-- canonical; aliases added afterwards never are.
local core = require "pyssl.core"

local compat = require "pyssl._compat"
local raise, repr = core._raise, core._repr
local math_type, tointeger = compat.math_type, compat.tointeger

-- make_enum(name, kind, members, aliases): kind is "enum" or "flag".
return function(name, kind, members, aliases)
  local by_name, names = {}, {}
  for k, v in pairs(members) do
    by_name[k] = v
    names[#names + 1] = k
  end
  table.sort(names, function(a, b)
    local va, vb = members[a], members[b]
    if va ~= vb then return va < vb end
    return a < b
  end)
  local by_value = {}
  for _, k in ipairs(names) do
    local v = members[k]
    if by_value[v] == nil then by_value[v] = k end
  end
  -- Aliases set on the class afterwards are reachable, not members
  -- (Python's _SSLMethod.PROTOCOL_SSLv23): pairs() does not list them.
  aliases = aliases or {}
  local mt = {
    __name = name,
    __index = function(_, key)
      if math_type(key) then return by_value[key] end
      return aliases[key]
    end,
    -- Enum(value): the value itself when it is a member (any integer for
    -- flags), else Python's ValueError.
    __call = function(_, value)
      local v = math_type(value) and tointeger(value)
      if v and (kind == "flag" or by_value[v] ~= nil) then return v end
      local shown = type(value) == "string" and repr(value) or tostring(value)
      if value == nil then shown = "None" end
      raise("ValueError", shown .. " is not a valid " .. name)
    end,
    __tostring = function() return "<" .. kind .. " '" .. name .. "'>" end,
  }
  return setmetatable(by_name, mt)
end
