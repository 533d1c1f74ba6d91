-- pyssl: CPython's ssl module for Lua — the facade (what Lib/ssl.py does
-- in Python). The C core is pyssl.core (CPython's _ssl); this module
-- re-exports it and adds what CPython writes in Python: the enums,
-- Purpose and the named tuples, create_default_context, the PEM/DER and
-- time helpers.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local text = require "pyssl._text"
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
local idiv, bor, utf8, floor = compat.idiv, compat.bor, compat.utf8, math.floor

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

local MONTHS = {jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6,
                jul = 7, aug = 8, sep = 9, oct = 10, nov = 11, dec = 12}
local TIME_FORMAT = " %d %H:%M:%S %Y GMT"
-- What Python's regular expressions call \s in the ASCII range.
local WS = "[ \t\n\r\v\f\28-\31]"

-- Days from 1970-01-01 to year-month-01 (proleptic Gregorian).
local function days_to_month(year, month)
  local y = month <= 2 and year - 1 or year
  local era = idiv(y, 400)
  local yoe = y - era * 400
  local mp = (month + 9) % 12
  local doy = idiv(153 * mp + 2, 5)
  local doe = yoe * 365 + idiv(yoe, 4) - idiv(yoe, 100) + doy
  return era * 146097 + doe - 719468
end

-- Matches `rest` (the text after the month) against " %d %H:%M:%S %Y GMT"
-- the way Python's strptime does: each blank of the format is one or more
-- whitespace characters, numbers take their longest valid form, GMT in
-- any case. Returns the fields and the end position, or nil.
local function match_time(rest)
  local p = 1
  local function spaces()
    local s, e = rest:find("^" .. WS .. "+", p)
    if not s then return false end
    p = e + 1
    return true
  end
  -- A number: the first of `two` (two-digit patterns) followed by `after`,
  -- else one digit (matching `one`) followed by `after`.
  local function number(two, one, after)
    local d = rest:sub(p, p + 1)
    for _, pat in ipairs(two) do
      if d:find("^" .. pat .. "$") and rest:find("^" .. after, p + 2) then
        p = p + 2
        return tonumber(d)
      end
    end
    d = rest:sub(p, p)
    if one and d:find("^" .. one .. "$") and rest:find("^" .. after, p + 1) then
      p = p + 1
      return tonumber(d)
    end
    return nil
  end
  if not spaces() then return nil end
  local day = number({"3[01]", "[12]%d", "0[1-9]"}, "[1-9]", WS)
  if not day or not spaces() then return nil end
  local hour = number({"2[0-3]", "[01]%d"}, "%d", ":")
  if not hour then return nil end
  p = p + 1
  local minute = number({"[0-5]%d"}, "%d", ":")
  if not minute then return nil end
  p = p + 1
  local second = number({"6[01]", "[0-5]%d"}, "%d", WS)
  if not second or not spaces() then return nil end
  local year = rest:match("^%d%d%d%d", p)
  if not year or not rest:find("^" .. WS, p + 4) then return nil end
  p = p + 4
  spaces()
  if rest:sub(p, p + 2):lower() ~= "gmt" then return nil end
  return tonumber(year), day, hour, minute, second, p + 3
end

local ctts_sig = core._signature{name = "cert_time_to_seconds", pos = {"cert_time"}, required = 1}

-- cert_time_to_seconds("Jan  5 09:34:43 2018 GMT") -> seconds since the
-- Epoch, read as UTC.
function ssl.cert_time_to_seconds(...)
  local cert_time = bind(ctts_sig, ...)
  if type(cert_time) ~= "string" then
    -- What Python's cert_time[:3].title() does with other types.
    local t = typename(cert_time)
    if t == "list" then raise("AttributeError", "'list' object has no attribute 'title'") end
    if t == "dict" then
      -- 3.12+: slices are hashable, so the lookup fails with KeyError(slice).
      raise("KeyError", setmetatable({stop = 3}, {__tostring = function() return "slice(None, 3, None)" end}))
    end
    raise("TypeError", "'" .. t .. "' object is not subscriptable")
  end
  local month = MONTHS[cert_time:sub(1, 3):lower()]
  if not month or not cert_time:sub(1, 3):find("^%a%a%a$") then
    raise("ValueError", "time data " .. repr(cert_time) ..
          " does not match format \"%b" .. TIME_FORMAT .. "\"")
  end
  local rest = cert_time:sub(4)
  local year, day, hour, minute, second, stop = match_time(rest)
  if not year then
    raise("ValueError", "time data " .. repr(rest) .. " does not match format " .. repr(TIME_FORMAT))
  end
  if stop <= #rest then
    raise("ValueError", "unconverted data remains: " .. rest:sub(stop))
  end
  if year == 0 then
    raise("ValueError", "year 0 is out of range")
  end
  local days = days_to_month(year, month) + day - 1
  return ((days * 24 + hour) * 60 + minute) * 60 + second
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64_VALUE = {}
for i = 1, 64 do B64_VALUE[B64:byte(i)] = i - 1 end

local function b64encode(data)
  local out, n = {}, #data
  for i = 1, n, 3 do
    local a, b, c = data:byte(i, i + 2)
    local v = a * 65536 + (b or 0) * 256 + (c or 0)
    local s1, s2 = floor(v / 262144), floor(v / 4096) % 64
    local s3, s4 = floor(v / 64) % 64, v % 64
    out[#out + 1] = B64:sub(s1 + 1, s1 + 1) .. B64:sub(s2 + 1, s2 + 1) ..
                    (b and B64:sub(s3 + 1, s3 + 1) or "=") ..
                    (c and B64:sub(s4 + 1, s4 + 1) or "=")
  end
  return table.concat(out)
end

-- Python's binascii.a2b_base64 (non-strict): characters outside the
-- alphabet are skipped, a complete pad sequence ends the data.
local function b64decode(text)
  local out = {}
  local quad, left, pads = 0, 0, 0
  for i = 1, #text do
    local ch = text:byte(i)
    if ch == 61 then -- '='
      if quad >= 2 then
        pads = pads + 1
        if quad + pads >= 4 then
          quad = 0
          break
        end
      end
    else
      local v = B64_VALUE[ch]
      if v then
        pads = 0
        if quad == 0 then
          left, quad = v, 1
        elseif quad == 1 then
          out[#out + 1] = string.char((left * 4 + floor(v / 16)) % 256)
          left, quad = v % 16, 2
        elseif quad == 2 then
          out[#out + 1] = string.char((left * 16 + floor(v / 4)) % 256)
          left, quad = v % 4, 3
        else
          out[#out + 1] = string.char((left * 64 + v) % 256)
          left, quad = 0, 0
        end
      end
    end
  end
  if quad == 1 then
    raise("ValueError", "Invalid base64-encoded string: number of data characters (" ..
          (idiv(#out, 3) * 4 + 1) .. ") cannot be 1 more than a multiple of 4")
  elseif quad ~= 0 then
    raise("ValueError", "Incorrect padding")
  end
  return table.concat(out)
end

-- What Python's str.strip() removes (ASCII part).
local STRIP = "[ \t\n\r\v\f\28-\31]"

local function strip(s)
  return (s:gsub("^" .. STRIP .. "+", ""):gsub(STRIP .. "+$", ""))
end

local der2pem_sig = core._signature{name = "DER_cert_to_PEM_cert", pos = {"der_cert_bytes"}, required = 1}

-- DER_cert_to_PEM_cert(der) -> PEM text with 64-character lines.
function ssl.DER_cert_to_PEM_cert(...)
  local der = bind(der2pem_sig, ...)
  if type(der) ~= "string" then
    raise("TypeError", "a bytes-like object is required, not '" .. typename(der) .. "'")
  end
  local f = b64encode(der)
  local lines = {ssl.PEM_HEADER}
  for i = 1, #f, 64 do lines[#lines + 1] = f:sub(i, i + 63) end
  lines[#lines + 1] = ssl.PEM_FOOTER .. "\n"
  return table.concat(lines, "\n")
end

local pem2der_sig = core._signature{name = "PEM_cert_to_DER_cert", pos = {"pem_cert_string"}, required = 1}

-- PEM_cert_to_DER_cert(pem) -> DER bytes.
function ssl.PEM_cert_to_DER_cert(...)
  local pem = bind(pem2der_sig, ...)
  if type(pem) ~= "string" then
    raise("AttributeError", "'" .. typename(pem) .. "' object has no attribute 'startswith'")
  end
  local header, footer = ssl.PEM_HEADER, ssl.PEM_FOOTER
  if pem:sub(1, #header) ~= header then
    raise("ValueError", "Invalid PEM encoding; must start with " .. header)
  end
  local stripped = strip(pem)
  if stripped:sub(-#footer) ~= footer then
    raise("ValueError", "Invalid PEM encoding; must end with " .. footer)
  end
  local body = stripped:sub(#header + 1, #stripped - #footer)
  text.check_ascii(body)
  return b64decode(body)
end

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

local gsc_sig = core._signature{name = "get_server_certificate", pos = {"addr", "ssl_version", "ca_certs", "timeout"},
                 required = 1}

-- get_server_certificate({host, port}, ssl_version, ca_certs, timeout) ->
-- the server's certificate as PEM. With ca_certs the chain is verified
-- (the host name is not).
function ssl.get_server_certificate(...)
  local addr, ssl_version, ca_certs, timeout = bind(gsc_sig, ...)
  if ssl_version == nil then ssl_version = ssl.PROTOCOL_TLS_CLIENT end
  -- Python's `host, port = addr`
  local n
  if type(addr) == "table" and getmetatable(addr) == nil then
    n = #addr
  elseif type(addr) == "string" then
    n = utf8.len(addr) or #addr
  else
    raise("TypeError", "cannot unpack non-iterable " .. typename(addr) .. " object")
  end
  if n < 2 then
    raise("ValueError", "not enough values to unpack (expected 2, got " .. n .. ")")
  elseif n > 2 then
    raise("ValueError", "too many values to unpack (expected 2)")
  end
  local host = type(addr) == "table" and addr[1] or nil
  local cert_reqs = ca_certs ~= nil and ssl.CERT_REQUIRED or ssl.CERT_NONE
  local ctx = ssl._create_stdlib_context(ssl_version, {cert_reqs = cert_reqs, cafile = ca_certs})
  -- Python's two `with` blocks: both sockets closed on every way out.
  local sock = ssl.socket.create_connection(addr, timeout)
  local ok, der = pcall(function()
    local tls = ctx:wrap_socket(sock, {server_hostname = host})
    local got, value = pcall(function() return tls:getpeercert(true) end)
    tls:close()
    if not got then error(value, 0) end
    return value
  end)
  sock:close()
  if not ok then error(der, 0) end
  return ssl.DER_cert_to_PEM_cert(der)
end

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
