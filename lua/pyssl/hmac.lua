-- pyssl.hmac: Python's hmac module (RFC 2104).
--
--   local hmac = require "pyssl.hmac"
--   hmac.new(key, msg, "sha256"):hexdigest()
--   hmac.digest(key, msg, "sha256")            -- one shot
--   hmac.compare_digest(a, b)                  -- constant time
--
-- What Lib/hmac.py writes in Python: the HMAC class over the core's
-- OpenSSL HMAC (core._hashlib.hmac_new, src/hmac.c) for digest names and
-- hashlib constructors, and over two hash objects (inner and outer) for
-- any other digestmod: a constructor OpenSSL does not know, or a table
-- with new().
local core = require "pyssl.core"
local hashlib = require "pyssl.hashlib"
local bind = core._bind
local C = core._hashlib

local raise, typename = core._raise, core._typename
local type, select, getmetatable, setmetatable, tostring, pcall = type, select, getmetatable, setmetatable, tostring, pcall
local isinstance = core.isinstance

local hmac = {}

-- bytes((x ^ 0x5C) for x in range(256)) and the same with 0x36, without
-- bitwise operators (every Lua): XOR bit by bit.
local function xor_byte(a, b)
  local result, bit = 0, 1
  for _ = 1, 8 do
    local abit, bbit = a % 2, b % 2
    if abit ~= bbit then result = result + bit end
    a, b, bit = (a - abit) / 2, (b - bbit) / 2, bit * 2
  end
  return result
end

local function translation(with)
  local chars = {}
  for x = 0, 255 do chars[x + 1] = string.char(xor_byte(x, with)) end
  return table.concat(chars)
end

hmac.trans_5C = translation(0x5C)
hmac.trans_36 = translation(0x36)
-- The module's digest_size is None in Python.
hmac.digest_size = nil

-- bytes.translate(table) for the two pads.
local function translate(key, trans)
  return (key:gsub(".", function(c)
    local i = c:byte() + 1
    return trans:sub(i, i)
  end))
end

local compare_digest = C.compare_digest
hmac.compare_digest = compare_digest

local function is_callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end

-- Python's getattr(obj, name) for digestmod.new: AttributeError when absent.
local function get_new(obj)
  local ok, value = pcall(function() return obj.new end)
  if not ok or value == nil then
    raise("AttributeError", "'" .. typename(obj) .. "' object has no attribute 'new'")
  end
  return value
end

-- The constructor _init_old and digest() use for a digestmod.
local function digest_constructor(digestmod)
  if is_callable(digestmod) then return digestmod end
  if type(digestmod) == "string" then
    return function(d) return hashlib.new(digestmod, d) end
  end
  return function(d)
    local new = get_new(digestmod)
    return new(d)
  end
end

-- The name for the OpenSSL path (a string or a known constructor), or nil.
local function openssl_name(digestmod)
  if type(digestmod) == "string" then return digestmod end
  return hashlib._constructors[digestmod]
end

local function is_bytes(v)
  return type(v) == "string" or core._socket.bytearray and isinstance(v, core._socket.bytearray)
end

-- The HMAC class: instances are tables {_hmac =, _inner =, _outer =,
-- digest_size =, block_size =} whose metatable is HMAC.
local HMAC = {__name = "HMAC", __module = "hmac", blocksize = 64}
local methods = {}
hmac.HMAC = HMAC

HMAC.__index = function(self, key)
  if key == "name" then
    local h = rawget(self, "_hmac")
    if h then return h.name end
    return "hmac-" .. rawget(self, "_inner").name
  end
  local m = methods[key]
  if m ~= nil then return m end
  if HMAC[key] ~= nil and key:sub(1, 2) ~= "__" then return HMAC[key] end
  raise("AttributeError", "'HMAC' object has no attribute '" .. tostring(key) .. "'")
end

-- Python's __slots__: digest_size and block_size may be set, name is a
-- property without setter, nothing else exists.
HMAC.__newindex = function(self, key, value)
  if key == "digest_size" or key == "block_size" then
    rawset(self, key, value)
  elseif key == "name" then
    raise("AttributeError", "property 'name' of 'HMAC' object has no setter")
  else
    raise("AttributeError", "'HMAC' object has no attribute '" .. tostring(key)
          .. "' and no __dict__ for setting new attributes")
  end
end

HMAC.__tostring = function(self)
  return "<hmac.HMAC object at " .. self._address .. ">"
end

local function init_hmac(self, key, msg, name)
  local h = C.hmac_new(key, msg, {digestmod = name})
  rawset(self, "_hmac", h)
  rawset(self, "digest_size", h.digest_size)
  rawset(self, "block_size", h.block_size)
end

local function init_old(self, key, msg, digestmod)
  local cons = digest_constructor(digestmod)
  local outer, inner = cons(), cons()
  rawset(self, "_outer", outer)
  rawset(self, "_inner", inner)
  rawset(self, "digest_size", inner.digest_size)
  local blocksize = inner.block_size
  if blocksize == nil or blocksize < 16 then blocksize = HMAC.blocksize end
  if #key > blocksize then key = cons(key):digest() end
  rawset(self, "block_size", blocksize)
  key = key .. string.rep("\0", blocksize - #key)
  outer:update(translate(key, hmac.trans_5C))
  inner:update(translate(key, hmac.trans_36))
  if msg ~= nil then self:update(msg) end
end

local init_sig = core._signature{name = "HMAC.__init__", pos = {"key", "msg", "digestmod"}, required = 1, self = true}

local function new_hmac(...)
  local key, msg, digestmod = bind(init_sig, ...)
  if not is_bytes(key) then
    raise("TypeError", "key: expected bytes or bytearray, but got '" .. typename(key) .. "'")
  end
  if key ~= nil and type(key) ~= "string" then key = tostring(key) end
  if digestmod == nil or digestmod == false or digestmod == "" then
    raise("TypeError", "Missing required argument 'digestmod'.")
  end
  local self = {}
  self._address = tostring(self):match("0x%x+") or tostring(self):match("%x+$")
  setmetatable(self, HMAC)
  local name = openssl_name(digestmod)
  if name then
    local ok, err = pcall(init_hmac, self, key, msg, name)
    if ok then return self end
    if not isinstance(err, C.UnsupportedDigestmodError) then error(err, 0) end
  end
  init_old(self, key, msg, digestmod)
  return self
end

-- A pyssl table class: HMAC(key, msg, digestmod) constructs, isinstance
-- and the type name in messages know it.
HMAC.__new = function(_, ...) return new_hmac(...) end
core._table_class(HMAC)

-- new(key, msg=None, digestmod='')
local new_sig = core._signature{name = "new", pos = {"key", "msg", "digestmod"}, required = 1}
function hmac.new(...)
  local key, msg, digestmod = bind(new_sig, ...)
  return new_hmac(key, msg, digestmod)
end

local function check_self(self, name)
  if getmetatable(self) ~= HMAC then
    core._wrong_self(name, "HMAC", self)
  end
end

local update_sig = core._signature{name = "HMAC.update", pos = {"msg"}, required = 1, self = true}
function methods.update(self, ...)
  check_self(self, "update")
  local msg = ...
  if select("#", ...) ~= 1 or type(msg) ~= "string" then msg = bind(update_sig, ...) end
  local inst = rawget(self, "_hmac") or rawget(self, "_inner")
  inst:update(msg)
end

local NO_ARGS_SIGS = {}
for _, name in ipairs({"copy", "digest", "hexdigest"}) do
  NO_ARGS_SIGS[name] = core._signature{name = "HMAC." .. name, pos = {}, self = true}
end

local function no_args(name, ...)
  if select("#", ...) > 0 then
    bind(NO_ARGS_SIGS[name], ...)
  end
end

function methods.copy(self, ...)
  check_self(self, "copy")
  no_args("copy", ...)
  local other = {}
  other._address = tostring(other):match("0x%x+") or tostring(other):match("%x+$")
  other.digest_size = self.digest_size
  other.block_size = self.block_size
  if rawget(self, "_hmac") then
    other._hmac = self._hmac:copy()
  else
    other._inner = rawget(self, "_inner"):copy()
    other._outer = rawget(self, "_outer"):copy()
  end
  return setmetatable(other, HMAC)
end

local function current(self)
  local h = rawget(self, "_hmac")
  if h then return h end
  h = rawget(self, "_outer"):copy()
  h:update(rawget(self, "_inner"):digest())
  return h
end

function methods.digest(self, ...)
  check_self(self, "digest")
  no_args("digest", ...)
  return current(self):digest()
end

function methods.hexdigest(self, ...)
  check_self(self, "hexdigest")
  no_args("hexdigest", ...)
  return current(self):hexdigest()
end

-- digest(key, msg, digest): the HMAC in one call.
local digest_sig = core._signature{name = "digest", pos = {"key", "msg", "digest"}, required = 3}
function hmac.digest(...)
  local key, msg, digest = bind(digest_sig, ...)
  local name = openssl_name(digest)
  if name then
    local ok, result = pcall(C.hmac_digest, key, msg, name)
    if ok then return result end
    if not isinstance(result, C.UnsupportedDigestmodError) then error(result, 0) end
  end
  local cons = digest_constructor(digest)
  local inner, outer = cons(), cons()
  local blocksize = inner.block_size or 64
  if #key > blocksize then key = cons(key):digest() end
  key = key .. string.rep("\0", blocksize - #key)
  inner:update(translate(key, hmac.trans_36))
  outer:update(translate(key, hmac.trans_5C))
  inner:update(msg)
  outer:update(inner:digest())
  return outer:digest()
end

return hmac
