-- pyssl.luasec.x509: LuaSec's certificate object (ssl.x509) over a DER
-- certificate, decoded by pyssl's core (the dictionary getpeercert()
-- gives) and, for pubkey(), by a small DER walk here.
--
--   cert:subject(), cert:issuer()    {{name=, oid=, value=}, ...}
--   cert:notbefore(), cert:notafter() "Dec  6 22:37:11 2026 GMT"
--   cert:serial()                    upper-case hex
--   cert:digest([alg])               hex; "sha1" (default), "sha256", "sha512"
--                                    (pyssl.hashlib's)
--   cert:pem(), cert:der()           the certificate
--   cert:extensions()                {["2.5.29.17"] = {name=, dNSName=, iPAddress=, ...}}
--   cert:pubkey()                    PEM, key type ("RSA", "EC", ...), bits
--   cert:validat(t)                  notbefore <= t <= notafter
--
-- Plain Lua 5.1 code: runs on every Lua.
local ssl = require "pyssl"
local core = require "pyssl.core"

local type, tostring, setmetatable, pcall = type, tostring, setmetatable, pcall
local byte, sub, format, lower = string.byte, string.sub, string.format, string.lower
local concat = table.concat

local x509 = {}
local methods = {}
local mt = {__index = methods}

-- The dictionary of a certificate, decoded once.
local function dict(self)
  local d = self._dict
  if not d then
    d = core._der_cert_dict(self._der)
    self._dict = d
  end
  return d
end

-- x509.new(der): a certificate object.
function x509.new(der)
  local obj = {_der = der}
  obj._id = tostring(obj):match("0x%x+") or tostring(obj)
  return setmetatable(obj, mt)
end

-- x509.load(pem): LuaSec's ssl.loadcertificate; nil, message on failure.
function x509.load(pem)
  if type(pem) ~= "string" then return nil, "invalid certificate" end
  local ok, der = pcall(ssl.PEM_cert_to_DER_cert, pem)
  if not ok then return nil, "error loading certificate" end
  local cert = x509.new(der)
  if not pcall(dict, cert) then return nil, "error loading certificate" end
  return cert
end

mt.__tostring = function(self)
  return "X509 certificate: " .. self._id
end
mt.__eq = function(a, b) return a._der == b._der end

-- OIDs by attribute name, asked of OpenSSL once per name.
local oids = {}
local function oid_of(name)
  local oid = oids[name]
  if oid == nil then
    local ok, obj = pcall(ssl._ASN1Object.fromname, name)
    oid = ok and obj.oid or name
    oids[name] = oid
  end
  return oid
end

-- Python's name tuple (RDNs of (name, value) pairs) as LuaSec's list.
local function name_list(rdns)
  local out = {}
  for _, rdn in ipairs(rdns or {}) do
    for _, pair in ipairs(rdn) do
      out[#out + 1] = {name = pair[1], oid = oid_of(pair[1]), value = pair[2]}
    end
  end
  return out
end

function methods:subject() return name_list(dict(self).subject) end
function methods:issuer() return name_list(dict(self).issuer) end
function methods:notbefore() return dict(self).notBefore end
function methods:notafter() return dict(self).notAfter end
function methods:serial() return dict(self).serialNumber end
function methods:der() return self._der end
function methods:pem() return ssl.DER_cert_to_PEM_cert(self._der) end

function methods:validat(t)
  local d = dict(self)
  t = t or os.time()
  return ssl.cert_time_to_seconds(d.notBefore) <= t and t <= ssl.cert_time_to_seconds(d.notAfter)
end

-- LuaSec's three digests, by pyssl.hashlib.
local DIGESTS = {sha1 = true, sha256 = true, sha512 = true}
function methods:digest(alg)
  alg = alg or "sha1"
  if not DIGESTS[alg] then
    return nil, "digest algorithm not supported (" .. tostring(alg) .. ")"
  end
  return require("pyssl.hashlib").new(alg, self._der):hexdigest()
end

-- IPv6 as inet_ntop writes it (Python writes every group in full).
local function compress_ipv6(text)
  local groups = {}
  for g in text:gmatch("[^:]+") do groups[#groups + 1] = lower(format("%x", tonumber(g, 16))) end
  if #groups ~= 8 then return text end
  local best, best_len, i = nil, 1, 1
  while i <= 8 do
    if groups[i] == "0" then
      local j = i
      while j < 8 and groups[j + 1] == "0" do j = j + 1 end
      if j - i + 1 > best_len then best, best_len = i, j - i + 1 end
      i = j + 1
    else
      i = i + 1
    end
  end
  if not best then return concat(groups, ":") end
  local head = concat(groups, ":", 1, best - 1)
  local tail = best + best_len <= 8 and concat(groups, ":", best + best_len, 8) or ""
  return head .. "::" .. tail
end

-- subjectAltName entries by LuaSec's field names.
local SAN_FIELDS = {
  DNS = "dNSName", ["IP Address"] = "iPAddress", email = "rfc822Name",
  URI = "uniformResourceIdentifier", ["Registered ID"] = "registeredID",
}

-- extensions(): the subject alternative names, as LuaSec decodes them.
function methods:extensions()
  local out = {}
  local san = dict(self).subjectAltName
  if san then
    local ext = {name = "X509v3 Subject Alternative Name"}
    for _, entry in ipairs(san) do
      local field = SAN_FIELDS[entry[1]]
      if field then
        local value = entry[2]
        if field == "iPAddress" and value:find(":", 1, true) then value = compress_ipv6(value) end
        local list = ext[field] or {}
        list[#list + 1] = value
        ext[field] = list
      end
    end
    out["2.5.29.17"] = ext
  end
  return out
end

---------------------------------------------------------------- pubkey

-- One DER element at pos: tag, start of contents, end of contents.
local function element(der, pos)
  local tag = byte(der, pos)
  local len = byte(der, pos + 1)
  local start = pos + 2
  if len >= 128 then
    local n = len - 128
    len = 0
    for k = 0, n - 1 do len = len * 256 + byte(der, start + k) end
    start = start + n
  end
  return tag, start, start + len - 1
end

-- The SubjectPublicKeyInfo element of a certificate (DER), its
-- algorithm OID (dotted), and the key's bit string contents.
local function spki(der)
  local _, cert = element(der, 1)            -- Certificate
  local _, tbs = element(der, cert)          -- TBSCertificate
  local pos = tbs
  local tag, s, e = element(der, pos)
  if tag == 0xA0 then pos = e + 1 end        -- [0] version
  for _ = 1, 5 do                            -- serial, signature, issuer, validity, subject
    _, s, e = element(der, pos)
    pos = e + 1
  end
  local spki_start = pos
  local _, body, spki_end = element(der, pos)
  local _, alg_body, alg_end = element(der, body)         -- AlgorithmIdentifier
  local _, oid_body, oid_end = element(der, alg_body)     -- its OID
  local params = oid_end + 1 <= alg_end and sub(der, oid_end + 1, alg_end) or ""
  local _, bits_body, bits_end = element(der, alg_end + 1) -- BIT STRING
  return sub(der, spki_start, spki_end), sub(der, oid_body, oid_end), params,
         sub(der, bits_body + 1, bits_end)
end

-- Dotted text of an OID's contents.
local function oid_text(raw)
  local first = byte(raw, 1)
  local parts = {math.floor(first / 40), first % 40}
  local value = 0
  for k = 2, #raw do
    local b = byte(raw, k)
    value = value * 128 + b % 128
    if b < 128 then
      parts[#parts + 1] = value
      value = 0
    end
  end
  return concat(parts, ".")
end

-- Bits of a big-endian unsigned integer's bytes.
local function bit_length(bytes)
  local k = 1
  while k <= #bytes and byte(bytes, k) == 0 do k = k + 1 end
  if k > #bytes then return 0 end
  local top, bits = byte(bytes, k), 0
  while top > 0 do top = math.floor(top / 2); bits = bits + 1 end
  return (#bytes - k) * 8 + bits
end

local KEY_TYPES = {
  ["1.2.840.113549.1.1.1"] = "RSA", ["1.2.840.10045.2.1"] = "EC", ["1.2.840.10040.4.1"] = "DSA",
  ["1.3.101.112"] = "ED25519", ["1.3.101.113"] = "ED448", ["1.2.840.113549.1.1.10"] = "RSA-PSS",
}
local CURVE_BITS = {
  ["1.2.840.10045.3.1.7"] = 256, ["1.3.132.0.34"] = 384, ["1.3.132.0.35"] = 521,
  ["1.3.132.0.10"] = 256,
}

-- pubkey(): the public key as PEM, its type and its size in bits.
function methods:pubkey()
  local ok, info, oid, params, key = pcall(spki, self._der)
  if not ok then return nil, "error decoding the public key" end
  local alg = oid_text(oid)
  local kind = KEY_TYPES[alg] or alg
  local bits
  if kind == "RSA" or kind == "RSA-PSS" then
    local _, seq = element(key, 1)
    local _, n_start, n_end = element(key, seq)     -- modulus
    bits = bit_length(sub(key, n_start, n_end))
  elseif kind == "EC" then
    local _, p_start, p_end = element(params, 1)
    bits = CURVE_BITS[oid_text(sub(params, p_start, p_end))]
  elseif kind == "ED25519" then
    bits = 253
  elseif kind == "ED448" then
    bits = 456
  end
  local pem = ssl.DER_cert_to_PEM_cert(info):gsub("CERTIFICATE", "PUBLIC KEY")
  return pem, kind, bits
end

x509.methods = methods
return x509
