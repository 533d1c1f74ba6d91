-- Certificate decoding on the inputs the fuzzer (fuzz/x509_fuzz.c) found
-- wrong, and their neighbours: each certificate is built here with
-- `openssl asn1parse -genconf` (a dummy signature: decoding does not check
-- it) and decoded by core._test_decode_cert and by Python's
-- ssl._ssl._test_decode_cert; the dictionaries, or the errors, must match.
local H = require "spec.support.helper"
local C = require "spec.support.module_certs"
local ssl = require "pyssl"
local core = require "pyssl.core"

local DIR = H.PKI .. "/fuzzcases"

-- A certificate around `subject` (the Name's RDNs, as genconf lines) and
-- `exts` (the extension list's entries); `more` holds their sections.
local TEMPLATE = [[
asn1 = SEQUENCE:cert
[cert]
tbs = SEQUENCE:tbs
alg = SEQUENCE:alg
sig = FORMAT:HEX,BITSTRING:00
[alg]
oid = OID:ecdsa-with-SHA256
[tbs]
ver = EXPLICIT:0,INTEGER:2
serial = INTEGER:7
sigalg = SEQUENCE:alg
issuer = SEQUENCE:issuer
validity = SEQUENCE:validity
subject = SEQUENCE:subject
spki = SEQUENCE:spki
ext = EXPLICIT:3,SEQUENCE:exts
[validity]
nb = UTCTIME:200101000000Z
na = UTCTIME:300101000000Z
[spki]
alg = SEQUENCE:spkialg
key = FORMAT:HEX,BITSTRING:04%s
[spkialg]
a = OID:id-ecPublicKey
b = OID:prime256v1
[issuer]
rdn = SET:issuerrdn
[issuerrdn]
atv = SEQUENCE:issuercn
[issuercn]
oid = OID:commonName
v = UTF8:fuzz case issuer
[subject]
%s
[exts]
%s
%s
]]

-- subjectAltName made of the given GeneralName lines.
local function san(...)
  return "san = SEQUENCE:sanext", "[sanext]\noid = OID:subjectAltName\nv = OCTWRAP,SEQUENCE:gns\n[gns]\n" ..
    table.concat({...}, "\n")
end

-- One general name of tag `tag` whose bytes are `hex`.
local function gn(tag, hex)
  return string.format("g%s = IMPLICIT:%d,FORMAT:HEX,OCTETSTRING:%s", hex .. tag, tag, hex)
end

-- A subject of one attribute: OID `oid`, value of universal tag `tag`
-- holding the bytes `hex`.
local function attr(oid, tag, hex)
  return "rdn = SET:rdn\n", string.format("[rdn]\na = SEQUENCE:atv\n[atv]\noid = OID:%s\nv = IMPLICIT:%dU,FORMAT:HEX,OCTETSTRING:%s", oid, tag, hex)
end

local function aia(method, hex)
  return "aia = SEQUENCE:aiaext", "[aiaext]\noid = OID:authorityInfoAccess\nv = OCTWRAP,SEQUENCE:aia\n[aia]\n" ..
    "a = SEQUENCE:ad\n[ad]\nm = OID:" .. method .. "\nl = IMPLICIT:6,FORMAT:HEX,OCTETSTRING:" .. hex
end

local function crldp(hex)
  return "dp = SEQUENCE:dpext", "[dpext]\noid = OID:crlDistributionPoints\nv = OCTWRAP,SEQUENCE:dps\n" ..
    "[dps]\np = SEQUENCE:point\n[point]\nn = EXPLICIT:0,IMPLICIT:0,SEQUENCE:names\n[names]\n" ..
    "u = IMPLICIT:6,FORMAT:HEX,OCTETSTRING:" .. hex
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local LONG_OID = "1.2.3"
for i = 1, 80 do LONG_OID = LONG_OID .. "." .. (1000 + i) end

-- name, subject lines, extension lines, sections
local CASES = {}
local function case(name, subj, ext, sections)
  CASES[#CASES + 1] = {name, subj or "", ext or "", sections or ""}
end
local function sancase(name, ...)
  local e, sec = san(...)
  case(name, nil, e, sec)
end

-- Found by the fuzzer: a URI that is not UTF-8 (Python: UnicodeDecodeError).
sancase("uri_not_utf8", gn(6, hex("http:/\175u.example/")))
-- Its neighbours, one decoder rule each, in every place Python decodes.
sancase("dns_invalid_start", gn(2, hex("a\128b")))
sancase("dns_overlong", gn(2, hex("a\192\128")))
sancase("dns_bad_continuation", gn(2, hex("\226\40\161")))
sancase("dns_bad_third", gn(2, hex("x\226\130\40")))
sancase("email_truncated", gn(1, hex("ab\226\130")))
sancase("email_truncated_4", gn(1, hex("\240\144\128")))
sancase("dns_surrogate", gn(2, hex("\237\160\128")))
sancase("dns_above_max", gn(2, hex("\244\144\128\128")))
sancase("dns_f0_low", gn(2, hex("\240\128\128\128")))
sancase("dns_f5", gn(2, hex("\245\128\128\128")))
sancase("dns_bad_fourth", gn(2, hex("\240\159\152\40")))
sancase("dns_e0_overlong", gn(2, hex("\224\128\128")))
sancase("dns_valid_4byte", gn(2, hex("\240\159\152\128.example")), gn(2, hex("\195\169\226\130\172")))
sancase("second_name_bad", gn(2, hex("good.example")), gn(1, hex("bad\255")))
case("aia_ocsp_not_utf8", nil, aia("OCSP", hex("http://\200/")))
case("aia_ca_not_utf8", nil, aia("caIssuers", hex("http://\233t\233/")))
case("crldp_not_utf8", nil, crldp(hex("http://crl\254/")))
-- Names: a BMPString with a lone surrogate, a UniversalString with a
-- surrogate and one above U+10FFFF, a Latin-1 T61String.
case("bmp_surrogate", attr("commonName", 30, "0041d8000042"))
case("bmp_pair", attr("commonName", 30, "d83dde00"))
case("univ_surrogate", attr("organizationName", 28, "0000dc00"))
case("univ_above_max", attr("organizationName", 28, "00110000"))
case("t61_latin1", attr("localityName", 20, "e9e8ff"))
-- Found by the fuzzer: an attribute type whose dotted OID is longer than
-- 256 characters comes out in full.
case("long_oid", attr(LONG_OID, 12, hex("value")))
-- One whose encoding is over the 586 bytes OBJ_obj2txt accepts: an
-- SSLError ("unknown error", the queue is empty). Python 3.11 raises
-- SystemError there ("<class 'ssl.SSLError'> returned a result with an
-- exception set"), an interpreter-level slip that is not mirrored, so
-- this case is left out of the comparison (NOT_COMPARED).
case("oid_too_long", attr("1.2" .. string.rep(".1000", 400), 12, hex("value")))
local NOT_COMPARED = {oid_too_long = true}
-- Registered IDs whose dotted form is 2046, 2047 and 2048 characters
-- long, around the end of Python's 2048-byte buffer (short arcs keep the
-- encoding under the 586 bytes OBJ_obj2txt accepts), and one with an
-- encoding above that limit (an error in both).
local function oid_of_length(n)
  local oid = "1.2" .. string.rep(".100", math.floor((n - 11) / 4))
  return oid .. "." .. "1" .. string.rep("0", n - #oid - 2)
end
sancase("rid_too_long", "r = IMPLICIT:8,OID:1.2" .. string.rep(".1000", 400))
for _, n in ipairs({2046, 2047, 2048}) do
  local oid = oid_of_length(n)
  assert(#oid == n)
  sancase("rid_" .. n, "r = IMPLICIT:8,OID:" .. oid)
end
-- An otherName whose value is not UTF-8.
case("othername_upn_bad", nil, "san = SEQUENCE:sanext",
     "[sanext]\noid = OID:subjectAltName\nv = OCTWRAP,SEQUENCE:gns\n[gns]\n" ..
     "o = IMPLICIT:0,SEQUENCE:on\n[on]\noid = OID:1.3.6.1.4.1.311.20.2.3\n" ..
     "v = EXPLICIT:0,IMPLICIT:12U,FORMAT:HEX,OCTETSTRING:" .. hex("u\255@x"))

local point
local function build_all()
  if io.open(DIR .. "/.complete", "r") then return end
  os.execute("mkdir -p '" .. DIR .. "'")
  if not point then
    local p = assert(io.popen("openssl ec -in '" .. H.PKI .. "/ecdsa.key' -pubout -outform DER 2>/dev/null"))
    point = hex(p:read("*a")):sub(-128)
    p:close()
  end
  for _, c in ipairs(CASES) do
    local base = DIR .. "/" .. c[1]
    local f = assert(io.open(base .. ".cnf", "w"))
    f:write(string.format(TEMPLATE, point, c[2], c[3], c[4]))
    f:close()
    assert(os.execute(string.format("openssl asn1parse -genconf '%s.cnf' -noout -out '%s.der' >/dev/null 2>&1",
                                    base, base)), "genconf failed for " .. c[1])
    assert(os.execute(string.format("openssl base64 -e -in '%s.der' -out '%s.b64'", base, base)))
    local b = assert(io.open(base .. ".b64"))
    f = assert(io.open(base .. ".pem", "w"))
    f:write("-----BEGIN CERTIFICATE-----\n", b:read("*a"), "-----END CERTIFICATE-----\n")
    f:close()
    b:close()
  end
  io.open(DIR .. "/.complete", "w"):close()
end

-- Python's result for each path: {ok = dict} or {err = {type, str, fields}}.
local function python_decode(paths)
  return H.python([==[
def plain(v):
    if isinstance(v, (tuple, list)): return [plain(x) for x in v]
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    return v
# Python reports a decoding error from whatever the OpenSSL queue holds,
# errors of earlier files included: a failing set_ciphers empties it.
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = {}
for p in ]==] .. H.json.encode(paths) .. [==[:
    try:
        ctx.set_ciphers("no-such-cipher")
    except ssl.SSLError:
        pass
    try:
        out[p] = {"ok": plain(ssl._ssl._test_decode_cert(p))}
    except UnicodeDecodeError as e:
        out[p] = {"err": [type(e).__name__, str(e), [e.encoding, e.object.hex(), e.start, e.end, e.reason]]}
    except Exception as e:
        out[p] = {"err": [type(e).__name__, str(e), []]}
print(json.dumps(out))
]==])
end

local function lua_decode(path)
  local ok, r = pcall(core._test_decode_cert, path)
  if ok then return {ok = r} end
  local fields = {}
  if core._typename(r) == "UnicodeDecodeError" then
    fields = {r.encoding, hex(r.object), r.start, r["end"], r.reason}
  end
  return {err = {core._typename(r), H.norm(r), fields}}
end

describe("certificate decoding on fuzzer findings", function()
  local paths = {}
  setup(function()
    build_all()
    for _, c in ipairs(CASES) do
      if not NOT_COMPARED[c[1]] then paths[#paths + 1] = DIR .. "/" .. c[1] .. ".pem" end
    end
  end)

  it("matches Python on every case, dictionary or error", function()
    local py = python_decode(paths)
    for _, p in ipairs(paths) do
      local theirs = py[p]
      if theirs.err then theirs.err[2] = H.norm(theirs.err[2]) end
      local same, where = C.same(lua_decode(p), theirs)
      assert(same, p .. ": " .. tostring(where))
    end
  end)

  it("raises UnicodeDecodeError, a UnicodeError and ValueError, for text that is not UTF-8", function()
    local e = H.raises(ssl.UnicodeDecodeError,
                       "'utf-8' codec can't decode byte 0xaf in position 6: invalid start byte",
                       core._test_decode_cert, DIR .. "/uri_not_utf8.pem")
    assert.is_true(ssl.isinstance(e, ssl.UnicodeError))
    assert.is_true(ssl.isinstance(e, ssl.ValueError))
    assert.same({"utf-8", "http:/\175u.example/", 6, 7, "invalid start byte"}, e.args)
    H.raises(ssl.UnicodeDecodeError,
             "'utf-8' codec can't decode bytes in position 2-3: unexpected end of data",
             core._test_decode_cert, DIR .. "/email_truncated.pem")
  end)

  it("gives the whole dotted OID of a long attribute type", function()
    local d = core._test_decode_cert(DIR .. "/long_oid.pem")
    assert.same({{{LONG_OID, "value"}}}, d.subject)
    assert.is_true(#LONG_OID > 256)
  end)

  it("gives a Registered ID up to Python's buffer, cut and NUL-ended at its edge, then <INVALID>", function()
    local function rid(n) return core._test_decode_cert(DIR .. "/rid_" .. n .. ".pem").subjectAltName[1][2] end
    assert.equal(oid_of_length(2046), rid(2046))
    assert.equal(oid_of_length(2047):sub(1, 2046) .. "\0", rid(2047))
    assert.equal("<INVALID>", rid(2048))
    H.raises(ssl.SSLError, "unknown error", core._test_decode_cert, DIR .. "/rid_too_long.pem")
    H.raises(ssl.SSLError, "unknown error", core._test_decode_cert, DIR .. "/oid_too_long.pem")
  end)

  it("builds Python's UnicodeDecodeError from its five arguments", function()
    local e = ssl.UnicodeDecodeError("utf-8", "ab\255", 2, 3, "invalid start byte")
    assert.equal("'utf-8' codec can't decode byte 0xff in position 2: invalid start byte", ssl.str(e))
    assert.equal(2, e.start)
    e = ssl.UnicodeDecodeError("utf-8", "ab\226\130", 2, 4, "unexpected end of data")
    assert.equal("'utf-8' codec can't decode bytes in position 2-3: unexpected end of data", ssl.str(e))
  end)

  it("leaves no OpenSSL error behind after a decode error", function()
    for _ = 1, 50 do
      assert.is_false(pcall(core._test_decode_cert, DIR .. "/dns_surrogate.pem"))
    end
    assert.same({{{"commonName", "pyssl test CA"}}}, core._test_decode_cert(H.pki("ca.pem")).subject)
  end)
end)
