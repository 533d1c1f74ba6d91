-- Certificate decoding (spec §12.1): core._test_decode_cert against
-- CPython's ssl._ssl._test_decode_cert on every certificate we have.
local H = require "spec.support.helper"
local C = require "spec.support.module_certs"
local ssl = require "pyssl"
local core = require "pyssl.core"

-- Python decodes every path; returns {path = {ok = dict} | {err = {type, str, args}}}.
local function python_decode(paths)
  local list = {}
  for i, p in ipairs(paths) do list[i] = string.format("%q", p) end
  return H.python([==[
def plain(v):
    if isinstance(v, (tuple, list)): return [plain(x) for x in v]
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    return v
out = {}
for p in []==] .. table.concat(list, ", ") .. [==[]:
    try:
        out[p] = {"ok": plain(ssl._ssl._test_decode_cert(p))}
    except Exception as e:
        out[p] = {"err": [type(e).__name__, str(e), [str(a) for a in e.args]]}
print(json.dumps(out))
]==])
end

local function lua_decode(path)
  local ok, r = pcall(core._test_decode_cert, path)
  if ok then return {ok = r} end
  local args = {}
  for i, a in ipairs(r.args or {}) do args[i] = tostring(a) end
  return {err = {core._typename(r), H.norm(r), args}}
end

local function compare_all(paths)
  assert.is_true(#paths > 0)
  local py = python_decode(paths)
  for _, p in ipairs(paths) do
    local mine = lua_decode(p)
    local theirs = py[p]
    assert.is_not_nil(theirs, p)
    if theirs.err then
      -- Locations differ; everything else must not.
      theirs.err[2] = H.norm(theirs.err[2])
      for i, a in ipairs(theirs.err[3]) do theirs.err[3][i] = H.norm(a) end
      for i, a in ipairs(mine.err and mine.err[3] or {}) do mine.err[3][i] = H.norm(a) end
    end
    local same, where = C.same(mine, theirs)
    assert(same, p .. ": " .. tostring(where))
  end
end

describe("_test_decode_cert", function()
  it("decodes every certificate of the test PKI as Python does", function()
    local paths = C.pems(H.PKI)
    assert.is_true(#paths >= 20)
    compare_all(paths)
  end)

  it("decodes the unusual certificates as Python does", function()
    compare_all(C.ensure())
  end)

  it("decodes CPython's own test certificates as Python does", function()
    local cd = C.cpython_certdata()
    assert(cd, "CPython's test/certdata not found")
    compare_all(C.pems(cd))
  end)

  it("gives the exact structure of allsans.pem", function()
    local d = core._test_decode_cert(H.pki("allsans.pem"))
    assert.same({
      {{"countryName", "XY"}},
      {{"stateOrProvinceName", "Some State"}},
      {{"localityName", "Some City"}},
      {{"organizationName", "pyssl tests"}},
      {{"organizationalUnitName", "unit"}, {"commonName", "allsans"}},
      {{"emailAddress", "allsans@example.test"}},
    }, d.subject)
    assert.same({{{"commonName", "pyssl test CA"}}}, d.issuer)
    assert.equal(3, d.version)
    assert.matches("^%x+$", d.serialNumber)
    assert.equal(0, #d.serialNumber % 2)
    assert.equal(d.serialNumber:upper(), d.serialNumber)
    assert.matches("^%u%l%l [ 1-3]%d %d%d:%d%d:%d%d %d%d%d%d GMT$", d.notBefore)
    assert.matches("^%u%l%l [ 1-3]%d %d%d:%d%d:%d%d %d%d%d%d GMT$", d.notAfter)
    assert.same({
      {"DNS", "allsans"},
      {"othername", "<unsupported>"},
      {"email", "user@example.org"},
      {"DNS", "www.example.org"},
      {"DirName", {
        {{"countryName", "XY"}},
        {{"localityName", "Castle Anthrax"}},
        {{"organizationName", "Python Software Foundation"}},
        {{"commonName", "dirname example"}},
      }},
      {"URI", "https://www.python.org/"},
      {"IP Address", "127.0.0.1"},
      {"IP Address", "0:0:0:0:0:0:0:1"},
      {"IP Address", "2001:DB8:0:0:0:0:0:1"},
      {"Registered ID", "1.2.3.4.5"},
    }, d.subjectAltName)
    assert.same({"http://ocsp.example.test/"}, d.OCSP)
    assert.same({"http://ca.example.test/ca.der"}, d.caIssuers)
    assert.same({"http://crl.example.test/ca.crl"}, d.crlDistributionPoints)
  end)

  it("omits the keys a certificate has nothing for", function()
    local d = core._test_decode_cert(H.pki("ca.pem"))
    for _, k in ipairs({"subjectAltName", "OCSP", "caIssuers", "crlDistributionPoints"}) do
      assert.is_nil(d[k], k)
    end
    local n = 0
    for _ in pairs(d) do n = n + 1 end
    assert.equal(6, n)
  end)

  it("formats the rare general names and serial numbers like Python", function()
    C.ensure()
    local d = core._test_decode_cert(C.DIR .. "/weird.pem")
    assert.same({{"X400Name", "<unsupported>"}, {"EdiPartyName", "<unsupported>"},
                 {"IP Address", "<invalid>"}, {"IP Address", "<invalid>"}}, d.subjectAltName)
    d = core._test_decode_cert(C.DIR .. "/ipv6.pem")
    assert.same({{"IP Address", "0:0:0:0:0:0:0:0"}, {"IP Address", "0:0:0:0:0:FFFF:102:304"},
                 {"IP Address", "FE80:0:0:0:0:0:ABCD:EF01"},
                 {"IP Address", "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"},
                 {"IP Address", "0.0.0.0"}, {"IP Address", "255.255.255.255"}}, d.subjectAltName)
    d = core._test_decode_cert(C.DIR .. "/rid.pem")
    assert.same({"Registered ID", "TLS Web Server Authentication"}, d.subjectAltName[1])
    assert.equal("00", core._test_decode_cert(C.DIR .. "/serial0.pem").serialNumber)
    assert.equal("-05", core._test_decode_cert(C.DIR .. "/negserial.pem").serialNumber)
    assert.equal(1, core._test_decode_cert(C.DIR .. "/v1.pem").version)
    assert.same({}, core._test_decode_cert(C.DIR .. "/emptysubject.pem").subject)
    assert.same({}, core._test_decode_cert(C.DIR .. "/emptysan.pem").subjectAltName)
    assert.is_nil(core._test_decode_cert(C.DIR .. "/badsan.pem").subjectAltName)
    d = core._test_decode_cert(C.DIR .. "/dupsan.pem")
    -- Two subjectAltName extensions: OpenSSL will not pick one, nor does Python.
    assert.is_nil(d.subjectAltName)
  end)

  it("keeps NUL bytes and converts every string type to UTF-8", function()
    C.ensure()
    local d = core._test_decode_cert(C.DIR .. "/strings.pem")
    assert.same({
      {{"commonName", "BM\195\169P"}},
      {{"organizationName", "T61 caf\195\169"}},
      {{"1.2.3.4", "oddoid!!"}},
      {{"localityName", "nul\0byte"}},
    }, d.subject)
  end)

  it("refuses a certificate whose name is not valid UTF-8, as Python does", function()
    -- OpenSSL checks name strings while parsing, so the file does not decode.
    C.ensure()
    H.raises(ssl.SSLError, "('Error decoding PEM-encoded file',)", core._test_decode_cert,
             C.DIR .. "/badutf8.pem")
  end)

  it("raises Python's errors for files it cannot use", function()
    -- Python: SSLError("Can't open file") prints as the tuple ("Can't open file",)
    local e = H.raises(ssl.SSLError, "(\"Can't open file\",)", core._test_decode_cert, "/nonexistent/x.pem")
    assert.same({"Can't open file"}, e.args)
    assert.is_nil(e.errno)
    assert.is_nil(e.library)
    H.raises(ssl.SSLError, "(\"Can't open file\",)", core._test_decode_cert, "")
    for _, bad in ipairs({H.pki("leaf.key"), H.pki("dh.pem"), "/etc", H.pki("index.txt")}) do
      e = H.raises(ssl.SSLError, "('Error decoding PEM-encoded file',)", core._test_decode_cert, bad)
      assert.same({"Error decoding PEM-encoded file"}, e.args)
    end
    H.raises(ssl.ValueError, "embedded null byte", core._test_decode_cert, "a\0b")
  end)

  it("raises Python's TypeError for a path that is not a string", function()
    for _, t in ipairs({{5, "int"}, {true, "bool"}, {{}, "list"}, {{a = 1}, "dict"},
                        {print, "function"}, {1.5, "float"}}) do
      H.raises(ssl.TypeError, "expected str, bytes or os.PathLike object, not " .. t[2],
               core._test_decode_cert, t[1])
    end
    H.raises(ssl.TypeError, "expected str, bytes or os.PathLike object, not NoneType",
             core._test_decode_cert)
  end)

  it("leaves no OpenSSL error behind and survives many decodes, errors included", function()
    C.ensure()
    local good, bad = H.pki("allsans.pem"), C.DIR .. "/badutf8.pem"
    for _ = 1, 300 do
      assert.is_table(core._test_decode_cert(good))
      assert.is_false(pcall(core._test_decode_cert, bad))
      assert.is_false(pcall(core._test_decode_cert, "/nonexistent"))
    end
    collectgarbage()
    collectgarbage()
    -- A clean decode after the failures is still exact.
    assert.same(core._test_decode_cert(good).subjectAltName[1], {"DNS", "allsans"})
  end)

  it("gives get_ca_certs() the same dictionaries and DER as Python", function()
    local cafiles = {H.pki("ca.pem"), H.pki("other-ca.pem"), H.pki("inter.pem")}
    local py = H.python([==[
def plain(v):
    if isinstance(v, (tuple, list)): return [plain(x) for x in v]
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    return v
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
for f in ]==] .. H.json.encode(cafiles) .. [==[:
    ctx.load_verify_locations(f)
print(json.dumps({"dicts": plain(ctx.get_ca_certs()), "der": [d.hex() for d in ctx.get_ca_certs(True)]}))
]==])
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for _, f in ipairs(cafiles) do ctx:load_verify_locations(f) end
    local same, where = C.same(ctx:get_ca_certs(), py.dicts)
    assert(same, where)
    local ders = ctx:get_ca_certs(true)
    assert.equal(#py.der, #ders)
    for i, d in ipairs(ders) do
      assert.equal(py.der[i], (d:gsub(".", function(c) return string.format("%02x", c:byte()) end)))
    end
    -- The DER is the certificate of the file.
    local f = assert(io.open(H.pki("ca.pem")))
    local der = ssl.PEM_cert_to_DER_cert(f:read("*a"))
    f:close()
    local found = false
    for _, d in ipairs(ders) do found = found or d == der end
    assert.is_true(found)
  end)

  it("round-trips with the PEM/DER helpers for every PKI certificate", function()
    for _, p in ipairs(C.pems(H.PKI)) do
      local f = assert(io.open(p, "rb"))
      local text = f:read("*a")
      f:close()
      local block = text:match("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n.-%-%-%-%-%-END CERTIFICATE%-%-%-%-%-\n")
      if block then
        local der = ssl.PEM_cert_to_DER_cert(block)
        assert.equal("\48\130", der:sub(1, 2))
        assert.equal(block, ssl.DER_cert_to_PEM_cert(der), p)
      end
    end
  end)
end)
