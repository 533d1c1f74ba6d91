-- Module-level functions (spec §5, §11, §16 #61–#70): time and PEM/DER
-- helpers, RAND, _ASN1Object and Purpose, verify paths, the context
-- factories. Differential against python3 wherever Python can show it.
local H = require "spec.support.helper"
local C = require "spec.support.module_certs"
local ssl = require "pyssl"
local core = require "pyssl.core"

-- Lua list of strings -> Python list literal (through JSON).
local function pylist(list)
  return H.json.encode(list)
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- Runs a Lua chunk in a fresh interpreter ($LUA) with extra environment variables,
-- returns its output (the specs' LUA_PATH/LUA_CPATH are inherited).
local function run_lua(env, code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local p = assert(io.popen(env .. " " .. (os.getenv("LUA") or "lua5.4") .. " " .. path .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out
end

-- pcall(fn, ...) as {ok = value} or {err = {class name, message}}.
local function outcome(fn, ...)
  local ok, r = pcall(fn, ...)
  if ok then return {ok = r} end
  return {err = {core._typename(r), H.norm(r)}}
end

describe("cert_time_to_seconds", function()
  local CASES = {
    "Jan  5 09:34:43 2018 GMT", "Jan 5 09:34:43 2018 GMT", "jan  5 09:34:43 2018 GMT",
    "JAN 05 09:34:43 2018 gmt", "Jan 05 09:34:43 2018 GMT", "Dec 31 23:59:60 2008 GMT",
    "Dec 31 23:59:61 2008 GMT", "Jan  1 00:00:00 1970 GMT", "Dec 31 23:59:59 1969 GMT",
    "Feb 29 00:00:00 2020 GMT", "Feb 29 00:00:00 2019 GMT", "Feb 31 00:00:00 2019 GMT",
    "Jan 32 00:00:00 2019 GMT", "Jan  0 00:00:00 2018 GMT", "Jan  5 09:34:43 2018 UTC",
    "Foo  5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 GMT ", "Jan  1 00:00:00 0000 GMT",
    "Jan  1 00:00:00 0001 GMT", "Dec 31 23:59:59 9999 GMT", "Jan5 09:34:43 2018 GMT",
    "Jan \t5 9:3:4 2018 GMT", "Jan  5 24:00:00 2018 GMT", "", "Ja", "it's", "say \"it's\"",
    "Jan  5 09:34:43 2018 GMTx", "Jan  5 09:34:43 2018   GMT", "Jan 5 09:34:43 20181 GMT",
    "Jan 5 09:34:43 2018GMT", "Jan\n5 09:34:43 2018 GMT", "Jan  5 09:34:43 2018 GMT\n",
    "Jan  5 09:34:43 1 GMT", "Jan  5 09:34:43 2018 GMT\0", "Jan 5\28" .. "09:34:43 2018 GMT",
    "Jul 14 12:60:00 2020 GMT", "Jul 14 12:59:62 2020 GMT", "Mar 10 1:2:3 2020 GMT",
    "Aug  7 13:12:52 2013 GMT", "Nov 22 09:20:33 2036 GMT", "Sep 9 9:9:9 1999 GmT",
    "Oct 10 10:10:10 2010 GMT junk", "Apr 30 00:00:00 2000", "May", "Jun 1", "Jun 1 00:00:00",
    "Dec 1 00:00:00 2000 GMTGMT", "dEc 25 00:00:00 2000 gMt", "Jan 1\t\t00:00:00\t1980\tGMT",
    "Jan 19 03:14:08 2038 GMT", "Jan 1 00:00:00 1900 GMT", "Jän 1 00:00:00 1900 GMT",
  }

  it("agrees with python3 on every case", function()
    local py = H.python([==[
cases = ]==] .. pylist(CASES) .. [==[

out = []
for c in cases:
    try:
        out.append({"ok": ssl.cert_time_to_seconds(c)})
    except Exception as e:
        out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
]==])
    for i, c in ipairs(CASES) do
      local mine = outcome(ssl.cert_time_to_seconds, c)
      assert.same(py[i], mine, string.format("case %q", c))
    end
  end)

  it("gives the spec's values (#62, #63)", function()
    assert.equal(1515144883, ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT"))
    assert.equal(1515144883, ssl.cert_time_to_seconds("Jan 5 09:34:43 2018 GMT"))
    assert.equal(1515144883, ssl.cert_time_to_seconds("jan  5 09:34:43 2018 GMT"))
    assert.equal(1515144883, ssl.cert_time_to_seconds("Jan 05 09:34:43 2018 GMT"))
    assert.equal(1230768000, ssl.cert_time_to_seconds("Dec 31 23:59:60 2008 GMT"))
    assert.equal(0, ssl.cert_time_to_seconds("Jan  1 00:00:00 1970 GMT"))
    assert.equal(-1, ssl.cert_time_to_seconds("Dec 31 23:59:59 1969 GMT"))
    assert.equal(1582934400, ssl.cert_time_to_seconds("Feb 29 00:00:00 2020 GMT"))
    assert.equal(1551398400, ssl.cert_time_to_seconds("Feb 29 00:00:00 2019 GMT"))
    assert.equal("integer", H.compat.math_type(ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT")))
    H.raises(ssl.ValueError,
      "time data '  5 09:34:43 2018 UTC' does not match format ' %d %H:%M:%S %Y GMT'",
      ssl.cert_time_to_seconds, "Jan  5 09:34:43 2018 UTC")
    H.raises(ssl.ValueError,
      "time data 'Foo  5 09:34:43 2018 GMT' does not match format \"%b %d %H:%M:%S %Y GMT\"",
      ssl.cert_time_to_seconds, "Foo  5 09:34:43 2018 GMT")
    H.raises(ssl.ValueError, "unconverted data remains:  ",
      ssl.cert_time_to_seconds, "Jan  5 09:34:43 2018 GMT ")
  end)

  it("reads the dates of real certificates back", function()
    local d = core._test_decode_cert(H.pki("expired.pem"))
    assert.equal(1577836800, ssl.cert_time_to_seconds(d.notBefore))
    assert.equal(1609459200, ssl.cert_time_to_seconds(d.notAfter))
  end)

  it("raises Python's errors for other types and argument counts", function()
    H.raises(ssl.TypeError, "'int' object is not subscriptable", ssl.cert_time_to_seconds, 5)
    H.raises(ssl.TypeError, "'float' object is not subscriptable", ssl.cert_time_to_seconds, 1.5)
    H.raises(ssl.TypeError, "'bool' object is not subscriptable", ssl.cert_time_to_seconds, true)
    H.raises(ssl.TypeError, "'NoneType' object is not subscriptable", ssl.cert_time_to_seconds, nil)
    H.raises(ssl.AttributeError, "'list' object has no attribute 'title'", ssl.cert_time_to_seconds, {1})
    -- 3.12+ slices are hashable: a dict raises KeyError(slice(None, 3, None)).
    H.raises(ssl.KeyError, "slice(None, 3, None)", ssl.cert_time_to_seconds, {[true] = 1})
    H.raises(ssl.TypeError, "cert_time_to_seconds() missing 1 required positional argument: 'cert_time'",
             ssl.cert_time_to_seconds)
    H.raises(ssl.TypeError, "cert_time_to_seconds() takes 1 positional argument but 2 were given",
             ssl.cert_time_to_seconds, "a", "b")
    H.raises(ssl.TypeError, "cert_time_to_seconds() got an unexpected keyword argument 'when'",
             ssl.cert_time_to_seconds, {when = "x"})
    assert.equal(0, ssl.cert_time_to_seconds({cert_time = "Jan  1 00:00:00 1970 GMT"}))
  end)
end)

describe("PEM and DER", function()
  local H_, F_ = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
  local PEMS = {
    "garbage", H_ .. "AAAA" .. F_, H_ .. "AAAA", " " .. H_ .. "AAAA" .. F_,
    H_ .. "AAAA-----END CERTIFICATE-----\n\n  ", H_ .. "AAA" .. F_, H_ .. "AA" .. F_,
    H_ .. "A" .. F_, H_ .. "AAAAA" .. F_, H_ .. "AA==" .. F_, H_ .. "AA==AAAA" .. F_,
    H_ .. "A=A=AA" .. F_, H_ .. "AAA=AAAA" .. F_, H_ .. "A*A!AA" .. F_, H_ .. "AA\195\169" .. F_,
    H_ .. "AA\226\130\172A" .. F_, H_ .. "AA\195\169\195\169\226\130\172x" .. F_,
    H_ .. "AA\240\159\152\128" .. F_, H_ .. F_, H_ .. "=AAAA" .. F_, H_ .. "AB=C" .. F_,
    H_ .. "AAAAAAAAA" .. F_, H_ .. "\n AAAA \n" .. F_ .. " \t\n", H_ .. "AAAA" .. F_ .. "\28",
    H_ .. "AAAA" .. F_ .. "\0", H_ .. "AA\0AA" .. F_, H_ .. "A=AAA" .. F_, H_ .. "AB=CD==" .. F_,
    H_ .. "/+/+" .. F_, H_ .. "-_-_" .. F_, "-----BEGIN CERTIFICATE-----END CERTIFICATE-----",
    H_ .. "\r\nTWFu\r\n" .. F_ .. "\r\n", "", H_,
  }

  it("PEM_cert_to_DER_cert agrees with python3", function()
    local py = H.python([==[
import binascii
out = []
for c in ]==] .. pylist(PEMS) .. [==[:
    try:
        out.append({"ok": ssl.PEM_cert_to_DER_cert(c).hex()})
    except ValueError as e:
        out.append({"err": ["ValueError", str(e)]})
print(json.dumps(out))
]==])
    for i, c in ipairs(PEMS) do
      local ok, r = pcall(ssl.PEM_cert_to_DER_cert, c)
      local mine
      if ok then
        mine = {ok = hex(r)}
      else
        -- binascii.Error and UnicodeEncodeError are ValueErrors in Python.
        assert.is_true(ssl.isinstance(r, ssl.ValueError), tostring(r))
        mine = {err = {"ValueError", ssl.str(r)}}
      end
      assert.same(py[i], mine, string.format("case %d %q", i, c))
    end
  end)

  it("DER_cert_to_PEM_cert agrees with python3 for every length up to 200", function()
    local blobs = {}
    for n = 0, 200 do
      local t = {}
      for i = 1, n do t[i] = string.char((i * 37 + n * 11) % 256) end
      blobs[#blobs + 1] = hex(table.concat(t))
    end
    local py = H.python([==[
print(json.dumps([ssl.DER_cert_to_PEM_cert(bytes.fromhex(h)) for h in ]==] .. pylist(blobs) .. [==[]))
]==])
    for i, h in ipairs(blobs) do
      local der = h:gsub("..", function(x) return string.char(tonumber(x, 16)) end)
      assert.equal(py[i], ssl.DER_cert_to_PEM_cert(der), "length " .. (i - 1))
      assert.equal(der, ssl.PEM_cert_to_DER_cert(py[i]))
    end
  end)

  it("round-trips a real certificate byte for byte (#64)", function()
    local f = assert(io.open(H.pki("leafkey.pem"), "rb"))
    local text = f:read("*a")
    f:close()
    local block = text:match("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n.-%-%-%-%-%-END CERTIFICATE%-%-%-%-%-\n")
    local der = ssl.PEM_cert_to_DER_cert(block)
    assert.equal("\48\130", der:sub(1, 2))
    local pem = ssl.DER_cert_to_PEM_cert(der)
    assert.equal(block, pem)
    for line in pem:gmatch("[^\n]+") do assert.is_true(#line <= 64) end
    assert.equal("\n", pem:sub(-1))
    assert.equal(ssl.PEM_HEADER .. "\n" .. ssl.PEM_FOOTER .. "\n", ssl.DER_cert_to_PEM_cert(""))
    assert.equal("\0\0\0", ssl.PEM_cert_to_DER_cert(ssl.PEM_HEADER .. "AAAA" .. ssl.PEM_FOOTER .. "\n\n  "))
  end)

  it("raises the spec's ValueErrors", function()
    H.raises(ssl.ValueError, "Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----",
             ssl.PEM_cert_to_DER_cert, "garbage")
    H.raises(ssl.ValueError, "Invalid PEM encoding; must start with -----BEGIN CERTIFICATE-----",
             ssl.PEM_cert_to_DER_cert, "  " .. ssl.PEM_HEADER .. "AAAA" .. ssl.PEM_FOOTER)
    H.raises(ssl.ValueError, "Invalid PEM encoding; must end with -----END CERTIFICATE-----",
             ssl.PEM_cert_to_DER_cert, ssl.PEM_HEADER .. "AAAA")
    H.raises(ssl.ValueError, "Incorrect padding", ssl.PEM_cert_to_DER_cert,
             ssl.PEM_HEADER .. "AAA" .. ssl.PEM_FOOTER)
    H.raises(ssl.UnicodeError,
             "'ascii' codec can't encode character '\\xe9' in position 2: ordinal not in range(128)",
             ssl.PEM_cert_to_DER_cert, ssl.PEM_HEADER .. "AA\195\169" .. ssl.PEM_FOOTER)
  end)

  it("raises Python's errors for other types", function()
    for _, t in ipairs({{5, "int"}, {nil, "NoneType"}, {true, "bool"}, {{1}, "list"}}) do
      H.raises(ssl.TypeError, "a bytes-like object is required, not '" .. t[2] .. "'",
               ssl.DER_cert_to_PEM_cert, t[1])
      H.raises(ssl.AttributeError, "'" .. t[2] .. "' object has no attribute 'startswith'",
               ssl.PEM_cert_to_DER_cert, t[1])
    end
    H.raises(ssl.TypeError, "DER_cert_to_PEM_cert() missing 1 required positional argument: 'der_cert_bytes'",
             ssl.DER_cert_to_PEM_cert)
    H.raises(ssl.TypeError, "PEM_cert_to_DER_cert() takes 1 positional argument but 2 were given",
             ssl.PEM_cert_to_DER_cert, "a", "b")
  end)
end)

describe("RAND", function()
  it("gives bytes and Python's errors (#65)", function()
    assert.equal("", ssl.RAND_bytes(0))
    assert.equal(16, #ssl.RAND_bytes(16))
    assert.equal(16, #ssl.RAND_bytes(16.0))
    assert.are_not.equal(ssl.RAND_bytes(32), ssl.RAND_bytes(32))
    assert.equal(100000, #ssl.RAND_bytes(100000))
    assert.is_true(ssl.RAND_status())
    H.raises(ssl.ValueError, "num must be positive", ssl.RAND_bytes, -1)
    H.raises(ssl.TypeError, "'str' object cannot be interpreted as an integer", ssl.RAND_bytes, "1")
    H.raises(ssl.TypeError, "'NoneType' object cannot be interpreted as an integer", ssl.RAND_bytes, nil)
    H.raises(ssl.TypeError, "'float' object cannot be interpreted as an integer", ssl.RAND_bytes, 1.5)
    H.raises(ssl.TypeError, "_ssl.RAND_bytes() takes exactly one argument (0 given)", ssl.RAND_bytes)
    H.raises(ssl.TypeError, "_ssl.RAND_bytes() takes exactly one argument (2 given)", ssl.RAND_bytes, 1, 2)
    H.raises(ssl.OverflowError, "Python int too large to convert to C int", ssl.RAND_bytes, 2 ^ 31)
    H.raises(ssl.TypeError, "_ssl.RAND_status() takes no arguments (1 given)", ssl.RAND_status, 1)
  end)

  it("RAND_add takes bytes and a real number", function()
    assert.is_nil(ssl.RAND_add("abc", 1.0))
    assert.is_nil(ssl.RAND_add("abc", 1))
    assert.is_nil(ssl.RAND_add("", 0))
    assert.is_nil(ssl.RAND_add("a", true))
    assert.is_nil(ssl.RAND_add("a", -1.0))
    H.raises(ssl.TypeError, "must be real number, not str", ssl.RAND_add, "abc", "x")
    H.raises(ssl.TypeError, "must be real number, not NoneType", ssl.RAND_add, "abc", nil)
    H.raises(ssl.TypeError, "must be real number, not list", ssl.RAND_add, "a", {1})
    H.raises(ssl.TypeError, "must be real number, not dict", ssl.RAND_add, "a", {x = 1})
    H.raises(ssl.TypeError, "a bytes-like object is required, not 'int'", ssl.RAND_add, 5, 1.0)
    H.raises(ssl.TypeError, "a bytes-like object is required, not 'NoneType'", ssl.RAND_add, nil, 1.0)
    H.raises(ssl.TypeError, "RAND_add expected 2 arguments, got 1", ssl.RAND_add, "abc")
    H.raises(ssl.TypeError, "RAND_add expected 2 arguments, got 0", ssl.RAND_add)
    H.raises(ssl.TypeError, "RAND_add expected 2 arguments, got 3", ssl.RAND_add, "a", 1, 2)
  end)
end)

describe("_ASN1Object and Purpose", function()
  it("agree with python3 for every NID from 0 to 1300", function()
    local py = H.python([==[
out = []
for n in range(0, 1301):
    try:
        out.append({"ok": list(ssl._ASN1Object.fromnid(n))})
    except Exception as e:
        out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
]==])
    for n = 0, 1300 do
      local ok, r = pcall(ssl._ASN1Object.fromnid, n)
      local mine
      if ok then
        mine = {ok = {r[1], r[2], r[3], r[4]}}
      else
        mine = {err = {core._typename(r), ssl.str(r)}}
      end
      local theirs = py[n + 1]
      if theirs.ok then
        for i = 1, 4 do if theirs.ok[i] == H.json.null then theirs.ok[i] = nil end end
      end
      assert.same(theirs, mine, "NID " .. n)
    end
  end)

  it("looks names and OIDs up like python3", function()
    local NAMES = {"1.3.6.1.5.5.7.3.1", "serverAuth", "TLS Web Server Authentication", "CN",
                   "commonName", "2.5.4.3", "1.2.3.4", "nonsense", "", "1.2.840.113549",
                   "1.2.3.4.5.6.7.8.9.10", "foo bar", "emailAddress", "0.0", "2.999.1",
                   string.rep("x", 150), "RSA", "rsaEncryption", "sha256", "1.3.6.1.5.5.7.1.1",
                   "1. 2", "1..2", "1.2.", ".1.2"}
    local py = H.python([==[
out = []
for name in ]==] .. pylist(NAMES) .. [==[:
    row = []
    for f in (ssl._ASN1Object, ssl._ASN1Object.fromname):
        try:
            row.append({"ok": list(f(name))})
        except Exception as e:
            row.append({"err": [type(e).__name__, str(e)]})
    out.append(row)
print(json.dumps(out))
]==])
    for i, name in ipairs(NAMES) do
      for j, f in ipairs({ssl._ASN1Object, ssl._ASN1Object.fromname}) do
        local ok, r = pcall(f, name)
        local mine = ok and {ok = {r[1], r[2], r[3], r[4]}} or {err = {core._typename(r), ssl.str(r)}}
        local theirs = py[i][j]
        if theirs.ok then
          for k = 1, 4 do if theirs.ok[k] == H.json.null then theirs.ok[k] = nil end end
        end
        assert.same(theirs, mine, string.format("%q (%d)", name, j))
      end
    end
  end)

  it("gives the spec's objects and errors (#66)", function()
    local A = ssl._ASN1Object
    local o = A.fromnid(129)
    assert.equal(ssl.Purpose.SERVER_AUTH, o)
    assert.same({129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1"},
                {o[1], o[2], o[3], o[4]})
    assert.equal(129, o.nid)
    assert.equal("serverAuth", o.shortname)
    assert.equal("TLS Web Server Authentication", o.longname)
    assert.equal("1.3.6.1.5.5.7.3.1", o.oid)
    assert.equal(4, #o)
    assert.equal("1.3.6.1.5.5.7.3.1", A.fromname("TLS Web Server Authentication").oid)
    local cn = A.fromnid(13)
    assert.same({13, "CN", "commonName", "2.5.4.3"}, {cn[1], cn[2], cn[3], cn[4]})
    assert.equal(cn, A("2.5.4.3"))
    assert.equal(cn, A:fromnid(13))
    assert.equal(cn, A:fromname("CN"))
    assert.are_not.equal(cn, o)
    H.raises(ssl.ValueError, "unknown object 'serverAuth'", A, "serverAuth")
    H.raises(ssl.ValueError, "Unknown object", A, "1.2.3.4")
    H.raises(ssl.ValueError, "Unknown object", A.fromnid, 0)
    H.raises(ssl.ValueError, "NID must be positive.", A.fromnid, -1)
    H.raises(ssl.ValueError, "unknown NID 100000", A.fromnid, 100000)
    H.raises(ssl.OverflowError, "Python int too large to convert to C int", A.fromnid, 1099511627776)
    H.raises(ssl.ValueError, "embedded null character", A, "2.5.4.3\0x")
    assert.is_nil(A.fromnid(33).oid)
  end)

  -- 5.1 and LuaJIT take no __len from a table: # counts up to a nil field
  it("a named tuple with a None field keeps its length (5.2+ only)", function()
    H.only("5.2+")
    assert.equal(4, #ssl._ASN1Object.fromnid(33))
  end)

  it("prints and checks types like Python", function()
    local A = ssl._ASN1Object
    assert.equal("_ASN1Object(nid=129, shortname='serverAuth', longname='TLS Web Server Authentication', "
                 .. "oid='1.3.6.1.5.5.7.3.1')", tostring(A.fromnid(129)))
    assert.equal("_ASN1Object(nid=33, shortname='DES-EDE3', longname='des-ede3', oid=None)",
                 tostring(A.fromnid(33)))
    assert.equal("<class 'ssl._ASN1Object'>", tostring(A))
    H.raises(ssl.TypeError, "txt2obj() argument 'txt' must be str, not int", A, 5)
    H.raises(ssl.TypeError, "txt2obj() argument 'txt' must be str, not None", A, nil)
    H.raises(ssl.TypeError, "txt2obj() argument 'txt' must be str, not int", A.fromname, 5)
    H.raises(ssl.TypeError, "'str' object cannot be interpreted as an integer", A.fromnid, "13")
    H.raises(ssl.TypeError, "'float' object cannot be interpreted as an integer", A.fromnid, 1.5)
    H.raises(ssl.TypeError, "'NoneType' object cannot be interpreted as an integer", A.fromnid, nil)
    H.raises(ssl.TypeError, "_ASN1Object.__new__() missing 1 required positional argument: 'oid'", A)
    H.raises(ssl.TypeError, "_ASN1Object.__new__() takes 2 positional arguments but 3 were given", A, 1, 2)
    H.raises(ssl.TypeError, "_ASN1Object.fromnid() missing 1 required positional argument: 'nid'", A.fromnid)
    H.raises(ssl.TypeError, "_ASN1Object.fromnid() takes 2 positional arguments but 3 were given",
             A.fromnid, 1, 2)
    assert.equal(13, A({oid = "2.5.4.3"}).nid)
  end)

  it("Purpose has the two members of the spec (§3)", function()
    local P = ssl.Purpose
    local s, c = P.SERVER_AUTH, P.CLIENT_AUTH
    assert.same({129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1"}, {s[1], s[2], s[3], s[4]})
    assert.same({130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2"}, {c[1], c[2], c[3], c[4]})
    assert.equal(s[1], s.nid)
    assert.equal(c.oid, c[4])
    assert.is_true(ssl.isinstance(s, ssl._ASN1Object))
    assert.is_true(ssl.isinstance(s, P))
    assert.is_false(ssl.isinstance(ssl._ASN1Object.fromnid(129), P))
    assert.is_false(ssl.isinstance(129, P))
    assert.equal("Purpose.SERVER_AUTH", tostring(s))
    assert.equal("Purpose.CLIENT_AUTH", tostring(c))
    assert.equal("SERVER_AUTH", s.name)
    assert.equal(ssl._ASN1Object.fromnid(129), s.value)
    assert.is_nil(P[129])
    assert.equal(s, P(ssl._ASN1Object.fromnid(129)))
    assert.is_true(rawequal(c, P(c)))
    H.raises(ssl.ValueError, "'1.3.6.1.5.5.7.3.1' is not a valid Purpose", P, "1.3.6.1.5.5.7.3.1")
    assert.are_not.equal(s, c)
  end)
end)

describe("get_default_verify_paths", function()
  it("matches python3's, with the environment of this run", function()
    local py = H.python([==[
print(json.dumps(list(ssl.get_default_verify_paths())))
]==])
    local mine = ssl.get_default_verify_paths()
    for i = 1, 6 do
      local theirs = py[i]
      if theirs == H.json.null then theirs = nil end
      assert.equal(theirs, mine[i], "field " .. i)
    end
    assert.equal(6, #mine)
    assert.equal(mine[1], mine.cafile)
    assert.equal(mine[2], mine.capath)
    assert.equal("SSL_CERT_FILE", mine.openssl_cafile_env)
    assert.equal("SSL_CERT_DIR", mine.openssl_capath_env)
    assert.same(core.get_default_verify_paths(),
                {mine.openssl_cafile_env, mine.openssl_cafile, mine.openssl_capath_env, mine.openssl_capath})
    assert.is_true(ssl.isinstance(mine, ssl.DefaultVerifyPaths))
  end)

  it("follows SSL_CERT_FILE and SSL_CERT_DIR, dropping paths that do not exist", function()
    local cases = {
      {"SSL_CERT_FILE=" .. H.pki("ca.pem") .. " SSL_CERT_DIR=" .. H.PKI, H.pki("ca.pem"), H.PKI},
      {"SSL_CERT_FILE=/nonexistent SSL_CERT_DIR=/nonexistent", "nil", "nil"},
      {"SSL_CERT_FILE=" .. H.PKI .. " SSL_CERT_DIR=" .. H.pki("ca.pem"), "nil", "nil"},
      {"SSL_CERT_FILE= SSL_CERT_DIR=", "nil", "nil"},
    }
    for _, c in ipairs(cases) do
      local out = run_lua(c[1], [[
local p = require("pyssl").get_default_verify_paths()
io.write(tostring(p.cafile), "|", tostring(p.capath))
]])
      assert.equal(c[2] .. "|" .. c[3], out, c[1])
      local py = H.python("import os\n" ..
        "for kv in " .. pylist({c[1]:match("^(%S*)"), c[1]:match(" (%S*)$")}) .. ":\n" ..
        "    k, v = kv.split('=', 1); os.environ[k] = v\n" ..
        "p = ssl.get_default_verify_paths()\nprint(json.dumps([p.cafile, p.capath]))\n")
      local function s(v) return v == H.json.null and "nil" or v end
      assert.equal(s(py[1]) .. "|" .. s(py[2]), out, c[1])
    end
  end)

  it("DefaultVerifyPaths is a named tuple constructor", function()
    local D = ssl.DefaultVerifyPaths
    local p = D("a", "b", "c", "d", "e", "f")
    assert.equal("DefaultVerifyPaths(cafile='a', capath='b', openssl_cafile_env='c', openssl_cafile='d', "
                 .. "openssl_capath_env='e', openssl_capath='f')", tostring(p))
    assert.equal("f", p.openssl_capath)
    assert.equal(p, D({cafile = "a", capath = "b", openssl_cafile_env = "c", openssl_cafile = "d",
                       openssl_capath_env = "e", openssl_capath = "f"}))
    local q = D(nil, nil, "c", "d", "e", "f")
    assert.equal(6, #q)
    assert.equal("DefaultVerifyPaths(cafile=None, capath=None, openssl_cafile_env='c', openssl_cafile='d', "
                 .. "openssl_capath_env='e', openssl_capath='f')", tostring(q))
    H.raises(ssl.TypeError, "DefaultVerifyPaths.__new__() missing 6 required positional arguments: "
             .. "'cafile', 'capath', 'openssl_cafile_env', 'openssl_cafile', 'openssl_capath_env', and 'openssl_capath'", D)
    H.raises(ssl.TypeError, "DefaultVerifyPaths.__new__() missing 2 required positional arguments: "
             .. "'openssl_capath_env' and 'openssl_capath'", D, 1, 2, 3, 4)
    H.raises(ssl.TypeError, "DefaultVerifyPaths.__new__() takes 7 positional arguments but 8 were given",
             D, 1, 2, 3, 4, 5, 6, 7)
    H.raises(ssl.TypeError, "DefaultVerifyPaths.__new__() got an unexpected keyword argument 'x'",
             D, 1, 2, 3, 4, 5, 6, {x = 1})
    H.raises(ssl.TypeError, "DefaultVerifyPaths.__new__() got multiple values for argument 'cafile'",
             D, 1, 2, 3, 4, 5, 6, {cafile = 1})
    H.raises(ssl.TypeError, "get_default_verify_paths() takes 0 positional arguments but 1 was given",
             ssl.get_default_verify_paths, 1)
  end)
end)

describe("create_default_context", function()
  local CA = H.pki("ca.pem")

  it("makes a verifying client context with 3.14's strict flags (#68)", function()
    local ctx = ssl.create_default_context()
    assert.equal(ssl.PROTOCOL_TLS_CLIENT, ctx.protocol)
    assert.equal(ssl.CERT_REQUIRED, ctx.verify_mode)
    assert.is_true(ctx.check_hostname)
    assert.equal(557088, ctx.verify_flags)
    assert.is_nil(ctx.keylog_filename)
    local same = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    assert.equal(557088, same.verify_flags)
    assert.equal(ssl.PROTOCOL_TLS_CLIENT, same.protocol)
  end)

  it("loads the system store like python3 when no CA is given", function()
    local py = H.python([==[
ctx = ssl.create_default_context()
print(json.dumps(ctx.cert_store_stats()))
]==])
    assert.same(py, ssl.create_default_context():cert_store_stats())
  end)

  it("makes a server context that loads nothing for CLIENT_AUTH", function()
    local ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    assert.equal(ssl.PROTOCOL_TLS_SERVER, ctx.protocol)
    assert.equal(ssl.CERT_NONE, ctx.verify_mode)
    assert.is_false(ctx.check_hostname)
    assert.equal(557088, ctx.verify_flags)
    assert.equal(0, ctx:cert_store_stats().x509)
  end)

  it("trusts only the CA it is given", function()
    local ctx = ssl.create_default_context({cafile = CA})
    assert.same({x509 = 1, crl = 0, x509_ca = 1}, ctx:cert_store_stats())
    local f = assert(io.open(CA))
    local pem = f:read("*a")
    f:close()
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, {cadata = pem})
    assert.same({x509 = 1, crl = 0, x509_ca = 1}, ctx:cert_store_stats())
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, {capath = H.PKI})
    assert.equal(0, ctx:cert_store_stats().x509)
    H.raises(ssl.FileNotFoundError, nil, ssl.create_default_context, {cafile = "/nonexistent/ca.pem"})
  end)

  it("raises Python's errors for a wrong purpose and wrong arguments", function()
    H.raises(ssl.TypeError, "x", ssl.create_default_context, "x")
    H.raises(ssl.TypeError, "5", ssl.create_default_context, 5)
    H.raises(ssl.TypeError, "True", ssl.create_default_context, true)
    H.raises(ssl.ValueError,
      "_ASN1Object(nid=13, shortname='CN', longname='commonName', oid='2.5.4.3')",
      ssl.create_default_context, ssl._ASN1Object.fromnid(13))
    local e = H.raises(ssl.TypeError, nil, ssl.create_default_context, "x")
    assert.same({"x"}, e.args)
    H.raises(ssl.TypeError, "create_default_context() takes from 0 to 1 positional arguments but 2 were given",
             ssl.create_default_context, ssl.Purpose.SERVER_AUTH, 2)
    H.raises(ssl.TypeError, "create_default_context() takes from 0 to 1 positional arguments but 2 positional "
             .. "arguments (and 1 keyword-only argument) were given",
             ssl.create_default_context, ssl.Purpose.SERVER_AUTH, 2, {cafile = CA})
    H.raises(ssl.TypeError, "create_default_context() got an unexpected keyword argument 'foo'",
             ssl.create_default_context, {foo = 1})
    H.raises(ssl.TypeError, "create_default_context() got multiple values for argument 'purpose'",
             ssl.create_default_context, ssl.Purpose.SERVER_AUTH, {purpose = 1})
  end)

  it("sets keylog_filename from SSLKEYLOGFILE", function()
    local log = os.tmpname()
    local out = run_lua("SSLKEYLOGFILE=" .. log, [[
local ssl = require "pyssl"
io.write(tostring(ssl.create_default_context().keylog_filename), "|",
         tostring(ssl._create_unverified_context().keylog_filename), "|",
         tostring(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).keylog_filename))
]])
    os.remove(log)
    assert.equal(log .. "|" .. log .. "|nil", out)
    out = run_lua("SSLKEYLOGFILE=", [[
io.write(tostring(require("pyssl").create_default_context().keylog_filename))
]])
    assert.equal("nil", out)
  end)
end)

describe("_create_unverified_context", function()
  it("makes a permissive client context without strict flags (#69)", function()
    local ctx = ssl._create_unverified_context()
    assert.equal(ssl.PROTOCOL_TLS_CLIENT, ctx.protocol)
    assert.equal(ssl.CERT_NONE, ctx.verify_mode)
    assert.is_false(ctx.check_hostname)
    assert.equal(32768, ctx.verify_flags)
    assert.equal(0, ctx:cert_store_stats().x509)
    assert.equal(ssl._create_unverified_context, ssl._create_stdlib_context)
    assert.equal(ssl.create_default_context, ssl._create_default_https_context)
  end)

  it("honours its keyword arguments", function()
    local ctx = ssl._create_unverified_context({purpose = ssl.Purpose.CLIENT_AUTH})
    assert.equal(ssl.PROTOCOL_TLS_SERVER, ctx.protocol)
    ctx = ssl._create_unverified_context(ssl.PROTOCOL_TLS_SERVER, {certfile = H.pki("leafkey.pem")})
    assert.equal(ssl.PROTOCOL_TLS_SERVER, ctx.protocol)
    ctx = ssl._create_unverified_context({cert_reqs = ssl.CERT_REQUIRED, check_hostname = true,
                                          cafile = H.pki("ca.pem")})
    assert.equal(ssl.CERT_REQUIRED, ctx.verify_mode)
    assert.is_true(ctx.check_hostname)
    assert.same({x509 = 1, crl = 0, x509_ca = 1}, ctx:cert_store_stats())
    ctx = ssl._create_unverified_context({certfile = H.pki("leaf.pem"), keyfile = H.pki("leaf.key")})
    assert.equal(32768, ctx.verify_flags)
  end)

  it("raises Python's errors", function()
    H.raises(ssl.ValueError, "certfile must be specified", ssl._create_unverified_context, {keyfile = "x"})
    H.raises(ssl.TypeError, "x", ssl._create_unverified_context, {purpose = "x"})
    H.raises(ssl.ValueError, "_ASN1Object(nid=13, shortname='CN', longname='commonName', oid='2.5.4.3')",
             ssl._create_unverified_context, {purpose = ssl._ASN1Object.fromnid(13)})
    H.raises(ssl.ValueError, "invalid or unsupported protocol version 42", ssl._create_unverified_context, 42)
    H.raises(ssl.TypeError, "_create_unverified_context() got an unexpected keyword argument 'x'",
             ssl._create_unverified_context, {x = 1})
    H.raises(ssl.TypeError, "_create_unverified_context() takes from 0 to 1 positional arguments but 2 were given",
             ssl._create_unverified_context, 16, 1)
  end)
end)

describe("get_protocol_name", function()
  it("names the protocols (#70)", function()
    assert.equal("PROTOCOL_TLS_CLIENT", ssl.get_protocol_name(16))
    assert.equal("PROTOCOL_TLS_SERVER", ssl.get_protocol_name(17))
    assert.equal("PROTOCOL_TLS", ssl.get_protocol_name(2))
    assert.equal("PROTOCOL_TLS", ssl.get_protocol_name(2.0))
    assert.equal("PROTOCOL_TLSv1_2", ssl.get_protocol_name(5))
    assert.equal("<unknown>", ssl.get_protocol_name(99))
    assert.equal("<unknown>", ssl.get_protocol_name(nil))
    assert.equal("<unknown>", ssl.get_protocol_name("PROTOCOL_TLS"))
    assert.equal("<unknown>", ssl.get_protocol_name(0 / 0))
    H.raises(ssl.TypeError, "unhashable type: 'list'", ssl.get_protocol_name, {1})
    H.raises(ssl.TypeError, "unhashable type: 'dict'", ssl.get_protocol_name, {[true] = 1})
    H.raises(ssl.TypeError, "get_protocol_name() missing 1 required positional argument: 'protocol_code'",
             ssl.get_protocol_name)
    assert.equal("TLSv1_3", ssl.TLSVersion[772])
    assert.equal("OP_NO_SSLv2", ssl.Options[0])
  end)
end)

describe("the module table", function()
  it("has every module-level name of the spec", function()
    for _, name in ipairs({"create_default_context", "_create_unverified_context", "get_default_verify_paths",
                           "cert_time_to_seconds", "DER_cert_to_PEM_cert", "PEM_cert_to_DER_cert",
                           "get_server_certificate", "RAND_bytes", "RAND_status", "RAND_add",
                           "get_protocol_name", "isinstance", "DefaultVerifyPaths", "_ASN1Object",
                           "Purpose", "SSLContext", "MemoryBIO"}) do
      assert(ssl[name] ~= nil, name)
    end
    for _, name in ipairs({"SSLError", "SSLZeroReturnError", "SSLWantReadError", "SSLWantWriteError",
                           "SSLSyscallError", "SSLEOFError", "SSLCertVerificationError", "CertificateError",
                           "socket_error", "OSError", "TimeoutError", "ConnectionError", "ConnectionResetError",
                           "BrokenPipeError", "ConnectionRefusedError", "ConnectionAbortedError",
                           "FileNotFoundError", "ValueError", "TypeError", "AttributeError",
                           "NotImplementedError"}) do
      assert.is_table(ssl[name], name)
    end
    assert.is_string(ssl._VERSION)
    assert.matches("^%d+%.%d+%.%d+", ssl._VERSION)
    assert.equal(require("pyssl.socket"), ssl.socket)
    assert.equal(ssl.SSLCertVerificationError, ssl.CertificateError)
    assert.equal(ssl.OSError, ssl.socket_error)
  end)

  it("has none of the 3.12 removals", function()
    assert.is_nil(ssl.wrap_socket)
    assert.is_nil(ssl.match_hostname)
    assert.is_nil(ssl.RAND_pseudo_bytes)
    assert.is_nil(ssl.RAND_egd)
  end)

  it("prints errors as Python does (#67)", function()
    assert.equal("()", ssl.str(ssl.SSLError()))
    assert.equal("('x',)", ssl.str(ssl.SSLError("x")))
    local e = ssl.SSLError(1, "msg")
    assert.equal("msg", ssl.str(e))
    assert.equal(1, e.errno)
    assert.is_nil(e.library)
    assert.is_nil(e.reason)
  end)

  it("isinstance is false for anything that is not a pyssl object", function()
    for _, v in ipairs({"x", 1, true, {}, print}) do
      assert.is_false(ssl.isinstance(v, ssl.SSLError))
      assert.is_false(ssl.isinstance(v, ssl._ASN1Object))
    end
    assert.is_false(ssl.isinstance(nil, ssl.Purpose))
    assert.is_true(ssl.isinstance(ssl.SSLError(), ssl.OSError))
    assert.is_true(ssl.isinstance(ssl.get_default_verify_paths(), ssl.DefaultVerifyPaths))
  end)
end)

describe("get_server_certificate", function()
  -- A python3 TLS server (the oracle) serving leafkey.pem to `n` clients.
  local function python_server(n)
    local script = os.tmpname()
    local f = assert(io.open(script, "w"))
    f:write(string.format([[
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(%q)
srv = socket.create_server(("127.0.0.1", 0))
srv.settimeout(10)
print(srv.getsockname()[1], flush=True)
for _ in range(%d):
    try:
        conn, _ = srv.accept()
    except OSError:
        break
    try:
        conn.settimeout(10)
        with ctx.wrap_socket(conn, server_side=True) as s:
            try:
                s.recv(1)
            except Exception:
                pass
    except Exception:
        pass
]], H.pki("leafkey.pem"), n))
    f:close()
    local p = assert(io.popen(H.PYTHON .. " " .. script))
    local port = tonumber(p:read("*l"))
    return p, port, script
  end

  it("fetches the server's certificate as PEM (#61)", function()
    local p, port, script = python_server(3)
    local ok, err = pcall(function()
      local pem = ssl.get_server_certificate({"127.0.0.1", port})
      local f = assert(io.open(H.pki("leaf.pem")))
      local expected = f:read("*a")
      f:close()
      assert.equal(expected, pem)
      pem = ssl.get_server_certificate({"127.0.0.1", port}, ssl.PROTOCOL_TLS_CLIENT, H.pki("ca.pem"))
      assert.equal(expected, pem)
      H.raises(ssl.SSLCertVerificationError, nil, ssl.get_server_certificate,
               {"127.0.0.1", port}, nil, H.pki("other-ca.pem"))
    end)
    p:close()
    os.remove(script)
    assert(ok, tostring(err))
  end)

  it("raises Python's errors for a bad address", function()
    H.raises(ssl.TypeError, "get_server_certificate() missing 1 required positional argument: 'addr'",
             ssl.get_server_certificate)
    H.raises(ssl.TypeError, "cannot unpack non-iterable int object", ssl.get_server_certificate, 5)
    H.raises(ssl.TypeError, "cannot unpack non-iterable NoneType object", ssl.get_server_certificate, nil)
    H.raises(ssl.ValueError, "not enough values to unpack (expected 2, got 1)",
             ssl.get_server_certificate, {"127.0.0.1"})
    H.raises(ssl.ValueError, "too many values to unpack (expected 2)",
             ssl.get_server_certificate, {"127.0.0.1", 1, 2})
  end)
end)
