-- Python-level part of SSLContext: what Lib/ssl.py writes in Python on top
-- of _ssl._SSLContext (the C part is src/context.c, truststore.c,
-- ciphers.c and callbacks.c). sslobject_class lives in sslobject.lua.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local text = require "pyssl._text"
local utf8, warn, band_not = compat.utf8, compat.warn, compat.band_not

local SSLContext = core.SSLContext
local raise = core._raise

local OP_NO_SSLv3 = core.OP_NO_SSLv3
local TLS_SSLv3 = 768   -- TLSVersion.SSLv3

-- The signature of a method defined in ssl.py (the binder, src/bind.c).
local function method_sig(method, param, required)
  return core._signature{name = "SSLContext." .. method, pos = {param}, required = required, self = true}
end
local bind = core._bind

-- The self check of a method: what Python says when a method of
-- SSLContext is called on something else.
local function check_self(self, method)
  if not core.isinstance(self, SSLContext) then
    core._wrong_self(method, "SSLContext", self)
  end
end

local is_callable = core._callable

---------------------------------------------------------- protocol lists

-- bytes(s, 'ascii') of Python, raising its UnicodeEncodeError text.
local function ascii_encode(s)
  if type(s) ~= "string" then
    raise("TypeError", "encoding without a string argument")
  end
  text.check_ascii(s)
  return s
end

-- The elements of a Python iterable: a sequence's items, a string's
-- characters (iterating a str yields its characters).
local function iterate(value)
  if type(value) == "string" then
    local chars = {}
    local ok = pcall(function()
      for _, cp in utf8.codes(value) do chars[#chars + 1] = utf8.char(cp) end
    end)
    if not ok then
      chars = {}
      for i = 1, #value do chars[i] = value:sub(i, i) end
    end
    return chars
  end
  local kind = core._typename(value)
  if kind == "list" or kind == "dict" then   -- a plain table
    return value
  end
  raise("TypeError", string.format("'%s' object is not iterable", core._typename(value)))
end

-- The wire format of ALPN/NPN: each protocol prefixed by its length.
local function wire_protocols(list, what)
  local parts = {}
  for _, protocol in ipairs(iterate(list)) do
    local b = ascii_encode(protocol)
    if #b == 0 or #b > 255 then
      raise("SSLError", what .. " protocols must be 1 to 255 in length")
    end
    parts[#parts + 1] = string.char(#b) .. b
  end
  return table.concat(parts)
end

local SET_ALPN_PROTOCOLS_SIG = method_sig("set_alpn_protocols", "alpn_protocols", 1)
-- ctx:set_alpn_protocols(alpn_protocols)
function SSLContext.set_alpn_protocols(self, ...)
  check_self(self, "set_alpn_protocols")
  local protocols = bind(SET_ALPN_PROTOCOLS_SIG, ...)
  self:_set_alpn_protocols(wire_protocols(protocols, "ALPN"))
end

local SET_NPN_PROTOCOLS_SIG = method_sig("set_npn_protocols", "npn_protocols", 1)
-- ctx:set_npn_protocols(npn_protocols): NPN is not in this OpenSSL build
-- (HAS_NPN is false); Python warns, checks the list, then fails to find
-- the C method.
function SSLContext.set_npn_protocols(self, ...)
  check_self(self, "set_npn_protocols")
  local protocols = bind(SET_NPN_PROTOCOLS_SIG, ...)
  warn("DeprecationWarning: ", "ssl NPN is deprecated, use ALPN instead")
  wire_protocols(protocols, "NPN")
  raise("AttributeError", string.format("'%s' object has no attribute '_set_npn_protocols'",
    core._typename(self)))
end

------------------------------------------------------------------- SNI

local SET_SERVERNAME_CALLBACK_SIG = method_sig("set_servername_callback", "server_name_callback", 1)
-- ctx:set_servername_callback(server_name_callback): the legacy form of
-- sni_callback (same arguments; the name is already an A-label).
function SSLContext.set_servername_callback(self, ...)
  check_self(self, "set_servername_callback")
  local fn = bind(SET_SERVERNAME_CALLBACK_SIG, ...)
  if fn == nil then
    self.sni_callback = nil
    return
  end
  if not is_callable(fn) then
    raise("TypeError", "not a callable object")
  end
  self.sni_callback = function(conn, server_name, context)
    return fn(conn, server_name, context)
  end
end

------------------------------------------------------------ CA loading

-- The _ASN1Object class, wherever the facade defines it.
local function is_asn1_object(v)
  local ssl = package.loaded.pyssl
  local cls = (type(ssl) == "table" and ssl._ASN1Object) or core._ASN1Object
  if cls then
    return core.isinstance(v, cls)
  end
  -- No class defined (yet): a named tuple with an OID.
  return type(v) == "table" and type(v.nid) == "number" and type(v.oid) == "string"
end

-- str(x) as Python's TypeError(x) shows it.
local function python_str(v)
  if type(v) == "string" then return v end
  return core._repr(v)
end

local LOAD_DEFAULT_CERTS_SIG = method_sig("load_default_certs", "purpose", 0)
-- ctx:load_default_certs(purpose=Purpose.SERVER_AUTH): the system's CAs
-- (Windows stores are not mirrored: set_default_verify_paths everywhere).
function SSLContext.load_default_certs(self, ...)
  check_self(self, "load_default_certs")
  local purpose = bind(LOAD_DEFAULT_CERTS_SIG, ...)
  if select("#", ...) > 0 then
    if not is_asn1_object(purpose) then
      raise("TypeError", python_str(purpose))
    end
  end
  self:set_default_verify_paths()
end

------------------------------------------------------------ _msg_callback

-- ctx._msg_callback = fn: ssl.py's property checks the value itself, with
-- its own message, before _ssl's setter (whose enum conversion of the
-- arguments is the identity here: members are plain integers).
local set_msg_callback = SSLContext.__setters._msg_callback
SSLContext.__setters._msg_callback = function(self, callback)
  if callback ~= nil and not is_callable(callback) then
    raise("TypeError", python_str(callback) .. " is not callable.")
  end
  set_msg_callback(self, callback)
end

------------------------------------------------------------ versions

-- ctx.minimum_version = v: ssl.py first re-allows SSLv3 in the options
-- when asked for it, then lets the C setter check and apply the value.
local set_minimum_version = SSLContext.__setters.minimum_version
SSLContext.__setters.minimum_version = function(self, value)
  if value == TLS_SSLv3 then
    self.options = band_not(self.options, OP_NO_SSLv3)
  end
  set_minimum_version(self, value)
end

return core
