-- pyssl: CPython's ssl module for Lua — the facade (what Lib/ssl.py does
-- in Python). The C core is pyssl.core (CPython's _ssl); this module
-- re-exports it and adds what CPython writes in Python: the enums,
-- Purpose and the named tuples, create_default_context, the PEM/DER and
-- time helpers.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller

-- Python-level methods of the classes live beside their class.
require "pyssl.context"
require "pyssl.sslobject"
require "pyssl.sslsocket"

local ssl = {}

-- Names of the core that CPython keeps in _ssl and ssl does not show.
local core_only = {
  _TLSVersion = true, _path_kind = true, _socket = true, _hashlib = true,
  _der_cert_dict = true,   -- pyssl.luasec's certificate decoding
}

for name, value in pairs(core) do
  if not core_only[name] then
    ssl[name] = value
  end
end

ssl._ssl = core
ssl.socket = require "pyssl.socket"
ssl._VERSION = "0.1.0"

local raise, repr, typename = core._raise, core._repr, core._typename
local select, type, pairs, ipairs, rawget, tostring = select, type, pairs, ipairs, rawget, tostring
local getmetatable, setmetatable, rawequal = getmetatable, setmetatable, rawequal
local bor = compat.bor

-- The Lua-level methods of the classes, called with a self that is no
-- object at all (the `obj.method(x)` slip), raise the TypeError Python
-- gives for a method applied to the wrong type, not Lua's "attempt to
-- index a number value". (C methods check self themselves; a pyssl object
-- of another class already fails with Python's AttributeError.)
local function guard_lua_methods(cls)
  local guarded = {}
  for name, method in pairs(cls) do
    if type(method) == "function" and not name:find("^_") and debug.getinfo(method, "S").what == "Lua" then
      guarded[name] = function(self, ...)
        if type(self) ~= "userdata" then
          core._wrong_self(name, rawget(cls, "__name"), self)
        end
        return method(self, ...)
      end
    end
  end
  for name, method in pairs(guarded) do cls[name] = method end
end

for _, cls in ipairs({core.SSLContext, core.SSLObject, core.SSLSocket, ssl.socket.socket}) do
  guard_lua_methods(cls)
end

---------------------------------------------------------------------------
-- Python's call binding for the functions ssl.py defines in Python: the
-- one binder (src/bind.c); each signature is declared once, at load.
local bind = core._bind

-- Python's truth value for the optional path/data arguments.
local function truthy(v)
  return v ~= nil and v ~= false and v ~= ""
end

---------------------------------------------------------------------------
-- Enums (spec §3): lua/pyssl/_enum.lua, shared with pyssl.socket.

local make_enum = require "pyssl._enum"

-- The core's constants whose names start with `prefix`.
local function constants(prefix, except)
  local t = {}
  for k, v in pairs(core) do
    if k:sub(1, #prefix) == prefix and k ~= except then t[k] = v end
  end
  return t
end

ssl._SSLMethod = make_enum("_SSLMethod", "enum", constants("PROTOCOL_", "PROTOCOL_SSLv23"),
                           {PROTOCOL_SSLv23 = core.PROTOCOL_SSLv23})
ssl.Options = make_enum("Options", "flag", constants("OP_"))
ssl.AlertDescription = make_enum("AlertDescription", "enum", constants("ALERT_DESCRIPTION_"))
ssl.SSLErrorNumber = make_enum("SSLErrorNumber", "enum", constants("SSL_ERROR_"))
ssl.VerifyFlags = make_enum("VerifyFlags", "flag", constants("VERIFY_"))
ssl.VerifyMode = make_enum("VerifyMode", "enum", constants("CERT_"))
ssl.TLSVersion = make_enum("TLSVersion", "enum", core._TLSVersion)

-- The enums of _msg_callback's arguments (ssl.py defines them itself).
ssl._TLSContentType = make_enum("_TLSContentType", "enum", {
  CHANGE_CIPHER_SPEC = 20, ALERT = 21, HANDSHAKE = 22, APPLICATION_DATA = 23,
  HEADER = 256, INNER_CONTENT_TYPE = 257,
})
ssl._TLSAlertType = make_enum("_TLSAlertType", "enum", {
  CLOSE_NOTIFY = 0, UNEXPECTED_MESSAGE = 10, BAD_RECORD_MAC = 20, DECRYPTION_FAILED = 21,
  RECORD_OVERFLOW = 22, DECOMPRESSION_FAILURE = 30, HANDSHAKE_FAILURE = 40,
  NO_CERTIFICATE = 41, BAD_CERTIFICATE = 42, UNSUPPORTED_CERTIFICATE = 43,
  CERTIFICATE_REVOKED = 44, CERTIFICATE_EXPIRED = 45, CERTIFICATE_UNKNOWN = 46,
  ILLEGAL_PARAMETER = 47, UNKNOWN_CA = 48, ACCESS_DENIED = 49, DECODE_ERROR = 50,
  DECRYPT_ERROR = 51, EXPORT_RESTRICTION = 60, PROTOCOL_VERSION = 70,
  INSUFFICIENT_SECURITY = 71, INTERNAL_ERROR = 80, INAPPROPRIATE_FALLBACK = 86,
  USER_CANCELED = 90, NO_RENEGOTIATION = 100, MISSING_EXTENSION = 109,
  UNSUPPORTED_EXTENSION = 110, CERTIFICATE_UNOBTAINABLE = 111, UNRECOGNIZED_NAME = 112,
  BAD_CERTIFICATE_STATUS_RESPONSE = 113, BAD_CERTIFICATE_HASH_VALUE = 114,
  UNKNOWN_PSK_IDENTITY = 115, CERTIFICATE_REQUIRED = 116, NO_APPLICATION_PROTOCOL = 120,
})
ssl._TLSMessageType = make_enum("_TLSMessageType", "enum", {
  HELLO_REQUEST = 0, CLIENT_HELLO = 1, SERVER_HELLO = 2, HELLO_VERIFY_REQUEST = 3,
  NEWSESSION_TICKET = 4, END_OF_EARLY_DATA = 5, HELLO_RETRY_REQUEST = 6,
  ENCRYPTED_EXTENSIONS = 8, CERTIFICATE = 11, SERVER_KEY_EXCHANGE = 12,
  CERTIFICATE_REQUEST = 13, SERVER_DONE = 14, CERTIFICATE_VERIFY = 15,
  CLIENT_KEY_EXCHANGE = 16, FINISHED = 20, CERTIFICATE_URL = 21, CERTIFICATE_STATUS = 22,
  SUPPLEMENTAL_DATA = 23, KEY_UPDATE = 24, NEXT_PROTO = 67, MESSAGE_HASH = 254,
  CHANGE_CIPHER_SPEC = 257,
})

local protocol_names = {}
for k, v in pairs(constants("PROTOCOL_", "PROTOCOL_SSLv23")) do protocol_names[v] = k end
ssl._PROTOCOL_NAMES = protocol_names

---------------------------------------------------------------------------
-- Named tuples (spec §1 rule 6): sequences whose fields also answer by
-- name, printed as Python prints them, equal element by element.

local function tuple_eq(a, b)
  local n = #a
  if n ~= #b then return false end
  for i = 1, n do
    if a[i] ~= b[i] then return false end
  end
  return true
end

local function namedtuple(name, fields, base)
  local nfields = #fields
  local position = {}
  for i, f in ipairs(fields) do position[f] = i end
  local cls = {__name = name, __qualname = name, _fields = fields}
  if base then cls.__bases = {base} end
  cls.__index = function(self, key)
    local i = position[key]
    if i then return rawget(self, i) end
    return getmetatable(self)[key]
  end
  cls.__len = function() return nfields end
  cls.__eq = tuple_eq
  cls.__tostring = function(self)
    local parts = {}
    for i, f in ipairs(fields) do parts[i] = f .. "=" .. repr(rawget(self, i)) end
    return name .. "(" .. table.concat(parts, ", ") .. ")"
  end
  -- Class(field, ...), positionally or with a keyword table.
  local sig = core._signature{name = name .. ".__new__", pos = fields, required = nfields, self = true}
  cls.__new = function(klass, ...)
    local obj = {bind(sig, ...)}
    return setmetatable(obj, klass)
  end
  return core._table_class(cls)
end

local function make_tuple(cls, ...)
  return setmetatable({...}, cls)
end

ssl.DefaultVerifyPaths = namedtuple("DefaultVerifyPaths",
  {"cafile", "capath", "openssl_cafile_env", "openssl_cafile", "openssl_capath_env", "openssl_capath"})

local ASN1Object = namedtuple("_ASN1Object", {"nid", "shortname", "longname", "oid"})
ssl._ASN1Object = ASN1Object
local Purpose   -- defined below; fromnid/fromname accept it as `cls` too

local function drop_class(...)
  local first = ...
  if select("#", ...) > 0 and (rawequal(first, ASN1Object) or (Purpose and rawequal(first, Purpose))) then
    return select(2, ...)
  end
  return ...
end

-- _ASN1Object(oid): looked up by dotted OID only.
local new_sig = core._signature{name = "_ASN1Object.__new__", pos = {"oid"}, required = 1, self = true}
ASN1Object.__new = function(klass, ...)
  local oid = bind(new_sig, ...)
  return make_tuple(klass, core._txt2obj(oid, false))
end

-- _ASN1Object.fromnid(nid), also callable as _ASN1Object:fromnid(nid).
local fromnid_sig = core._signature{name = "_ASN1Object.fromnid", pos = {"nid"}, required = 1, self = true}
function ASN1Object.fromnid(...)
  local nid = bind(fromnid_sig, drop_class(...))
  return make_tuple(ASN1Object, core._nid2obj(nid))
end

-- _ASN1Object.fromname(name): short name, long name or dotted OID.
local fromname_sig = core._signature{name = "_ASN1Object.fromname", pos = {"name"}, required = 1, self = true}
function ASN1Object.fromname(...)
  local name = bind(fromname_sig, drop_class(...))
  return make_tuple(ASN1Object, core._txt2obj(name, true))
end

-- Purpose: an Enum whose two members are _ASN1Objects.
do
  local members = {}
  local cls = {__name = "Purpose", __qualname = "Purpose", __bases = {ASN1Object},
               __len = rawget(ASN1Object, "__len")}
  local base_index = rawget(ASN1Object, "__index")
  cls.__index = function(self, key)
    if key == "name" then return members[self] end
    if key == "value" then return make_tuple(ASN1Object, self[1], self[2], self[3], self[4]) end
    return base_index(self, key)
  end
  cls.__tostring = function(self) return "Purpose." .. members[self] end
  -- Purpose(value): the member equal to value.
  cls.__new = function(_, value)
    for member in pairs(members) do
      if type(value) == "table" and member == value then return member end
    end
    local shown = type(value) == "table" and tostring(value) or repr(value)
    raise("ValueError", shown .. " is not a valid Purpose")
  end
  Purpose = core._table_class(cls)
  getmetatable(Purpose).__tostring = function() return "<enum 'Purpose'>" end
  for name, oid in pairs({SERVER_AUTH = "1.3.6.1.5.5.7.3.1", CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"}) do
    local member = make_tuple(Purpose, core._txt2obj(oid, false))
    members[member] = name
    Purpose[name] = member
  end
  ssl.Purpose = Purpose
end

---------------------------------------------------------------------------
-- Verify paths (spec §11)

local dvp_sig = core._signature{name = "get_default_verify_paths", pos = {}}
function ssl.get_default_verify_paths(...)
  bind(dvp_sig, ...)
  local parts = core.get_default_verify_paths()
  local cafile = os.getenv(parts[1]) or parts[2]
  local capath = os.getenv(parts[3]) or parts[4]
  return make_tuple(ssl.DefaultVerifyPaths,
    core._path_kind(cafile) == "file" and cafile or nil,
    core._path_kind(capath) == "dir" and capath or nil,
    parts[1], parts[2], parts[3], parts[4])
end

---------------------------------------------------------------------------
-- Contexts (spec §5.1, §5.2)

-- The error CPython raises with the purpose object itself as argument.
local function raise_with(cls, value)
  if type(value) == "table" and getmetatable(value) == nil then
    value = repr(value)
  end
  raise(cls, value)
end

local function load_ca_and_keylog(ctx, purpose, cafile, capath, cadata)
  if truthy(cafile) or truthy(capath) or truthy(cadata) then
    ctx:load_verify_locations(cafile, capath, cadata)
  elseif ctx.verify_mode ~= ssl.CERT_NONE then
    ctx:load_default_certs(purpose)
  end
  local keylog = os.getenv("SSLKEYLOGFILE")
  if keylog and keylog ~= "" then
    ctx.keylog_filename = keylog
  end
end

local cdc_sig = core._signature{name = "create_default_context", pos = {"purpose"},
                 kwonly = {"cafile", "capath", "cadata"}}

-- create_default_context(purpose=Purpose.SERVER_AUTH, {cafile=, capath=, cadata=})
-- CPython 3.14: secure defaults plus VERIFY_X509_STRICT and PARTIAL_CHAIN.
function ssl.create_default_context(...)
  local purpose, cafile, capath, cadata = bind(cdc_sig, ...)
  if purpose == nil then purpose = Purpose.SERVER_AUTH end
  if not core.isinstance(purpose, ASN1Object) then raise_with("TypeError", purpose) end
  local ctx
  if purpose == Purpose.SERVER_AUTH then
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = true
  elseif purpose == Purpose.CLIENT_AUTH then
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  else
    raise_with("ValueError", purpose)
  end
  ctx.verify_flags = bor(bor(ctx.verify_flags, ssl.VERIFY_X509_PARTIAL_CHAIN), ssl.VERIFY_X509_STRICT)
  load_ca_and_keylog(ctx, purpose, cafile, capath, cadata)
  return ctx
end

local cuc_sig = core._signature{name = "_create_unverified_context", pos = {"protocol"},
                 kwonly = {"cert_reqs", "check_hostname", "purpose", "certfile", "keyfile",
                           "cafile", "capath", "cadata"}}

-- _create_unverified_context(protocol=nil, {cert_reqs=CERT_NONE,
-- check_hostname=false, purpose=SERVER_AUTH, certfile=, keyfile=,
-- cafile=, capath=, cadata=}): no strict flags, no verification by default.
function ssl._create_unverified_context(...)
  local protocol, cert_reqs, check_hostname, purpose, certfile, keyfile, cafile, capath, cadata =
    bind(cuc_sig, ...)
  if cert_reqs == nil then cert_reqs = ssl.CERT_NONE end
  if check_hostname == nil then check_hostname = false end
  if purpose == nil then purpose = Purpose.SERVER_AUTH end
  if not core.isinstance(purpose, ASN1Object) then raise_with("TypeError", purpose) end
  if purpose == Purpose.SERVER_AUTH then
    if protocol == nil then protocol = ssl.PROTOCOL_TLS_CLIENT end
  elseif purpose == Purpose.CLIENT_AUTH then
    if protocol == nil then protocol = ssl.PROTOCOL_TLS_SERVER end
  else
    raise_with("ValueError", purpose)
  end
  local ctx = ssl.SSLContext(protocol)
  ctx.check_hostname = check_hostname
  ctx.verify_mode = cert_reqs
  if check_hostname then ctx.check_hostname = true end
  if truthy(keyfile) and not truthy(certfile) then
    raise("ValueError", "certfile must be specified")
  end
  if truthy(certfile) or truthy(keyfile) then
    ctx:load_cert_chain(certfile, keyfile)
  end
  load_ca_and_keylog(ctx, purpose, cafile, capath, cadata)
  return ctx
end

ssl._create_stdlib_context = ssl._create_unverified_context
ssl._create_default_https_context = ssl.create_default_context

---------------------------------------------------------------------------
-- Certificate helpers (spec §5)

ssl.PEM_HEADER = "-----BEGIN CERTIFICATE-----"
ssl.PEM_FOOTER = "-----END CERTIFICATE-----"

-- cert_time_to_seconds, DER_cert_to_PEM_cert, PEM_cert_to_DER_cert and
-- get_server_certificate live in pyssl._certutil, compiled on first call:
-- few programs call them, and their code is ~20 KB of every process's Lua
-- heap (bench/NOTES.md, 2026-12-07, bare process). The stubs tail-call,
-- so tracebacks and error places are those of a direct call.
local certutil
local function from_certutil(name)
  return function(...)
    certutil = certutil or require "pyssl._certutil"
    return certutil[name](...)
  end
end
ssl.cert_time_to_seconds = from_certutil("cert_time_to_seconds")
ssl.DER_cert_to_PEM_cert = from_certutil("DER_cert_to_PEM_cert")
ssl.PEM_cert_to_DER_cert = from_certutil("PEM_cert_to_DER_cert")

local gpn_sig = core._signature{name = "get_protocol_name", pos = {"protocol_code"}, required = 1}

-- get_protocol_name(code) -> "PROTOCOL_TLS_CLIENT", ... or "<unknown>"
function ssl.get_protocol_name(...)
  local code = bind(gpn_sig, ...)
  if type(code) == "table" and getmetatable(code) == nil then
    raise("TypeError", "unhashable type: '" .. typename(code) .. "'")
  end
  if code ~= code then return "<unknown>" end -- NaN is no key
  return code ~= nil and protocol_names[code] or "<unknown>"
end

ssl.get_server_certificate = from_certutil("get_server_certificate")

-- pyssl.hashlib and pyssl.hmac, loaded on first use of ssl.hashlib / ssl.hmac.
local lazy_modules = {hashlib = "pyssl.hashlib", hmac = "pyssl.hmac"}
setmetatable(ssl, {__index = function(t, name)
  local module = lazy_modules[name]
  if module then
    local value = require(module)
    rawset(t, name, value)
    return value
  end
end})

return ssl
