-- Module constants and enums (spec §2, §3), compared with python3's ssl.
local H = require "spec.support.helper"
local ssl = require "pyssl"
local core = require "pyssl.core"
local math_type, tointeger = H.compat.math_type, H.compat.tointeger

-- Every `const` line of the spec's api-names.txt.
local CONSTS = {
  "PROTOCOL_TLS_CLIENT", "PROTOCOL_TLS_SERVER", "PROTOCOL_TLS", "PROTOCOL_SSLv23",
  "PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1", "PROTOCOL_TLSv1_2",
  "CERT_NONE", "CERT_OPTIONAL", "CERT_REQUIRED",
  "VERIFY_DEFAULT", "VERIFY_CRL_CHECK_LEAF", "VERIFY_CRL_CHECK_CHAIN", "VERIFY_X509_STRICT",
  "VERIFY_X509_TRUSTED_FIRST", "VERIFY_ALLOW_PROXY_CERTS", "VERIFY_X509_PARTIAL_CHAIN",
  "OP_ALL", "OP_NO_SSLv2", "OP_NO_SSLv3", "OP_NO_TLSv1", "OP_NO_TLSv1_1", "OP_NO_TLSv1_2",
  "OP_NO_TLSv1_3", "OP_CIPHER_SERVER_PREFERENCE", "OP_SINGLE_DH_USE", "OP_SINGLE_ECDH_USE",
  "OP_NO_COMPRESSION", "OP_NO_TICKET", "OP_NO_RENEGOTIATION", "OP_ENABLE_MIDDLEBOX_COMPAT",
  "OP_IGNORE_UNEXPECTED_EOF", "OP_LEGACY_SERVER_CONNECT", "OP_ENABLE_KTLS",
  "ALERT_DESCRIPTION_ACCESS_DENIED", "ALERT_DESCRIPTION_BAD_CERTIFICATE",
  "ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE", "ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
  "ALERT_DESCRIPTION_BAD_RECORD_MAC", "ALERT_DESCRIPTION_CERTIFICATE_EXPIRED",
  "ALERT_DESCRIPTION_CERTIFICATE_REVOKED", "ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN",
  "ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE", "ALERT_DESCRIPTION_CLOSE_NOTIFY",
  "ALERT_DESCRIPTION_DECODE_ERROR", "ALERT_DESCRIPTION_DECOMPRESSION_FAILURE",
  "ALERT_DESCRIPTION_DECRYPT_ERROR", "ALERT_DESCRIPTION_HANDSHAKE_FAILURE",
  "ALERT_DESCRIPTION_ILLEGAL_PARAMETER", "ALERT_DESCRIPTION_INSUFFICIENT_SECURITY",
  "ALERT_DESCRIPTION_INTERNAL_ERROR", "ALERT_DESCRIPTION_NO_RENEGOTIATION",
  "ALERT_DESCRIPTION_PROTOCOL_VERSION", "ALERT_DESCRIPTION_RECORD_OVERFLOW",
  "ALERT_DESCRIPTION_UNEXPECTED_MESSAGE", "ALERT_DESCRIPTION_UNKNOWN_CA",
  "ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY", "ALERT_DESCRIPTION_UNRECOGNIZED_NAME",
  "ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE", "ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION",
  "ALERT_DESCRIPTION_USER_CANCELLED",
  "SSL_ERROR_SSL", "SSL_ERROR_WANT_READ", "SSL_ERROR_WANT_WRITE", "SSL_ERROR_WANT_X509_LOOKUP",
  "SSL_ERROR_SYSCALL", "SSL_ERROR_ZERO_RETURN", "SSL_ERROR_WANT_CONNECT", "SSL_ERROR_EOF",
  "SSL_ERROR_INVALID_ERROR_CODE",
  "HAS_SNI", "HAS_ECDH", "HAS_NPN", "HAS_ALPN", "HAS_SSLv2", "HAS_SSLv3", "HAS_TLSv1",
  "HAS_TLSv1_1", "HAS_TLSv1_2", "HAS_TLSv1_3", "HAS_PSK", "HAS_PHA", "HAS_NEVER_CHECK_COMMON_NAME",
  "OPENSSL_VERSION", "OPENSSL_VERSION_INFO", "OPENSSL_VERSION_NUMBER", "CHANNEL_BINDING_TYPES",
  "PEM_HEADER", "PEM_FOOTER",
}

-- Added after 3.11 (spec §14): the oracle cannot show them.
local NEWER = {
  OP_LEGACY_SERVER_CONNECT = 0x4, OP_ENABLE_KTLS = 0x8, HAS_PSK = true, HAS_PHA = true,
}

local py -- python3's view, fetched once
local function oracle()
  if py then return py end
  local names = {}
  for i, n in ipairs(CONSTS) do names[i] = string.format("%q", n) end
  py = H.python([==[
names = []==] .. table.concat(names, ", ") .. [==[]
def plain(v):
    if isinstance(v, (tuple, list)): return [plain(x) for x in v]
    if isinstance(v, bool): return v
    if isinstance(v, int): return int(v)
    return v
consts = {n: plain(getattr(ssl, n)) for n in names if hasattr(ssl, n)}
enums = {}
for e in ("_SSLMethod", "Options", "AlertDescription", "SSLErrorNumber", "VerifyFlags", "VerifyMode", "TLSVersion"):
    E = getattr(ssl, e)
    members = {k: int(v) for k, v in E.__members__.items()}
    canonical = {str(int(v)): E(int(v)).name for v in E.__members__.values()}
    enums[e] = {"members": members, "canonical": canonical}
print(json.dumps({"consts": consts, "enums": enums,
                  "api": plain(ssl._OPENSSL_API_VERSION), "ciphers": ssl._DEFAULT_CIPHERS,
                  "proto_names": {str(int(k)): v for k, v in ssl._PROTOCOL_NAMES.items()},
                  "hidden": [n for n in dir(ssl._ssl) if n.startswith(("PROTO_", "HOSTFLAG_", "ENCODING_"))]}))
]==])
  return py
end

describe("constants", function()
  it("exist, every one of the spec's names", function()
    for _, name in ipairs(CONSTS) do
      assert(ssl[name] ~= nil, name .. " is missing")
    end
  end)

  it("have python3's values", function()
    local o = oracle()
    for _, name in ipairs(CONSTS) do
      if NEWER[name] == nil then
        assert(o.consts[name] ~= nil, "python3 lacks " .. name)
        assert.same(o.consts[name], ssl[name], name)
        assert.equal(type(o.consts[name]), type(ssl[name]), name)
      end
    end
  end)

  it("have the spec's values for the names added after 3.11", function()
    for name, value in pairs(NEWER) do
      assert.equal(value, ssl[name], name)
    end
  end)

  it("are integers where Python has ints, booleans for HAS_*", function()
    for _, name in ipairs(CONSTS) do
      if name:match("^HAS_") then
        assert.is_boolean(ssl[name], name)
      elseif name:match("^OP_") or name:match("^PROTOCOL_") or name:match("^CERT_")
          or name:match("^VERIFY_") or name:match("^ALERT_") or name:match("^SSL_ERROR_") then
        assert.equal("integer", math_type(ssl[name]), name)
      end
    end
  end)

  it("match the documented values of this OpenSSL 3", function()
    assert.equal(0x80000050, ssl.OP_ALL)
    assert.equal(0, ssl.OP_NO_SSLv2)
    assert.equal(0x2000000, ssl.OP_NO_SSLv3)
    assert.equal(16, ssl.PROTOCOL_TLS_CLIENT)
    assert.equal(17, ssl.PROTOCOL_TLS_SERVER)
    assert.equal(2, ssl.PROTOCOL_SSLv23)
    assert.equal(0xC, ssl.VERIFY_CRL_CHECK_CHAIN)
    assert.equal(0x80000, ssl.VERIFY_X509_PARTIAL_CHAIN)
    assert.equal(115, ssl.ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY)
    assert.equal(10, ssl.SSL_ERROR_INVALID_ERROR_CODE)
    assert.is_false(ssl.HAS_SSLv2)
    assert.is_false(ssl.HAS_NPN)
    assert.is_true(ssl.HAS_TLSv1_3)
    assert.same({"tls-unique"}, ssl.CHANNEL_BINDING_TYPES)
    assert.equal("-----BEGIN CERTIFICATE-----", ssl.PEM_HEADER)
    assert.equal("-----END CERTIFICATE-----", ssl.PEM_FOOTER)
  end)

  it("describe the running OpenSSL", function()
    local n = ssl.OPENSSL_VERSION_NUMBER
    local info = ssl.OPENSSL_VERSION_INFO
    local function bits(shift, mask) return math.floor(n / 2 ^ shift) % (mask + 1) end
    assert.same({bits(28, 0xF), bits(20, 0xFF), bits(12, 0xFF), bits(4, 0xFF), bits(0, 0xF)}, info)
    assert.equal(3, info[1])
    assert.matches("^OpenSSL 3%.%d+%.%d+ ", ssl.OPENSSL_VERSION)
    local v = ssl.OPENSSL_VERSION:match("^OpenSSL (%d+%.%d+%.%d+)")
    assert.equal(string.format("%d.%d.%d", info[1], info[2], info[4]), v)
  end)

  it("have Python's private _OPENSSL_API_VERSION and _DEFAULT_CIPHERS", function()
    local o = oracle()
    assert.same(o.api, ssl._OPENSSL_API_VERSION)
    assert.equal(o.ciphers, ssl._DEFAULT_CIPHERS)
  end)

  it("leave out what ssl does not export", function()
    local o = oracle()
    assert.is_true(#o.hidden > 5)
    for _, name in ipairs(o.hidden) do
      assert.is_nil(ssl[name], name)
    end
    assert.is_nil(ssl.HAS_TLS_UNIQUE)
    assert.is_nil(ssl.PROTOCOL_SSLv2)
    assert.is_nil(ssl.PROTOCOL_SSLv3)
    assert.is_nil(ssl._TLSVersion)
    assert.is_nil(ssl._socket)
  end)
end)

describe("enums", function()
  local ENUMS = {"_SSLMethod", "Options", "AlertDescription", "SSLErrorNumber", "VerifyFlags",
                 "VerifyMode", "TLSVersion"}
  local NEWER_MEMBERS = {Options = {OP_LEGACY_SERVER_CONNECT = 4, OP_ENABLE_KTLS = 8}}

  it("have python3's members (plus the 3.12 options)", function()
    local o = oracle()
    for _, e in ipairs(ENUMS) do
      local expected = {}
      for k, v in pairs(o.enums[e].members) do expected[k] = v end
      for k, v in pairs(NEWER_MEMBERS[e] or {}) do expected[k] = v end
      local got = {}
      for k, v in pairs(ssl[e]) do got[k] = v end
      assert.same(expected, got, e)
    end
  end)

  it("answer the reverse question with Python's canonical name", function()
    local o = oracle()
    for _, e in ipairs(ENUMS) do
      for v, name in pairs(o.enums[e].canonical) do
        assert.equal(name, ssl[e][tointeger(tonumber(v))], e .. "[" .. v .. "]")
      end
    end
    assert.equal("OP_NO_SSLv2", ssl.Options[0])
    assert.equal("PROTOCOL_TLS", ssl._SSLMethod[2])
    assert.equal("VERIFY_DEFAULT", ssl.VerifyFlags[0])
    assert.equal("TLSv1_3", ssl.TLSVersion[772])
    assert.equal("TLSv1_2", ssl.TLSVersion[771.0])
    assert.equal("OP_ENABLE_KTLS", ssl.Options[8])
    assert.equal("OP_LEGACY_SERVER_CONNECT", ssl.Options[4])
    assert.is_nil(ssl.TLSVersion[5])
    assert.is_nil(ssl.Options[3])
  end)

  it("equal the module constants", function()
    assert.equal(ssl.CERT_REQUIRED, ssl.VerifyMode.CERT_REQUIRED)
    assert.equal(771, ssl.TLSVersion.TLSv1_2)
    assert.equal(-2, ssl.TLSVersion.MINIMUM_SUPPORTED)
    assert.equal(-1, ssl.TLSVersion.MAXIMUM_SUPPORTED)
    assert.equal(768, ssl.TLSVersion.SSLv3)
    assert.equal(ssl.PROTOCOL_TLS, ssl._SSLMethod.PROTOCOL_SSLv23)
    for _, e in ipairs({"Options", "AlertDescription", "SSLErrorNumber", "VerifyFlags", "VerifyMode"}) do
      for k, v in pairs(ssl[e]) do assert.equal(ssl[k], v, k) end
    end
  end)

  it("are called like Python's enums", function()
    assert.equal(771, ssl.TLSVersion(771))
    assert.equal(771, ssl.TLSVersion(771.0))
    H.raises(ssl.ValueError, "5 is not a valid TLSVersion", ssl.TLSVersion, 5)
    H.raises(ssl.ValueError, "'x' is not a valid TLSVersion", ssl.TLSVersion, "x")
    H.raises(ssl.ValueError, "None is not a valid VerifyMode", ssl.VerifyMode, nil)
    assert.equal(12345, ssl.Options(12345))
    H.raises(ssl.ValueError, "'x' is not a valid Options", ssl.Options, "x")
    assert.equal("<enum 'TLSVersion'>", tostring(ssl.TLSVersion))
    assert.equal("<flag 'Options'>", tostring(ssl.Options))
    assert.equal("<flag 'VerifyFlags'>", tostring(ssl.VerifyFlags))
  end)

  it("give get_protocol_name its names", function()
    local o = oracle()
    for v, name in pairs(o.proto_names) do
      assert.equal(name, ssl.get_protocol_name(tointeger(tonumber(v))))
    end
  end)
end)

describe("the core table", function()
  it("keeps the TLSVersion values private", function()
    assert.same({MINIMUM_SUPPORTED = -2, SSLv3 = 768, TLSv1 = 769, TLSv1_1 = 770, TLSv1_2 = 771,
                 TLSv1_3 = 772, MAXIMUM_SUPPORTED = -1}, core._TLSVersion)
    assert.equal(core, ssl._ssl)
  end)
end)
