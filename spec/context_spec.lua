-- SSLContext: defaults, properties, loaders, ciphers, ALPN, SNI, PSK,
-- keylog and memory, compared with python3 wherever Python can show it.
local H = require "spec.support.helper"
local P = require "spec.support.context_pair"
local O = require "spec.support.context_oracle"
local ssl = require "pyssl"

local CLIENT, SERVER, TLS, TLSv1 = 16, 17, 2, 3
local SSLv3, TLS1, TLS1_1, TLS1_2, TLS1_3 = 768, 769, 770, 771, 772
local MIN_SUPPORTED, MAX_SUPPORTED = -2, -1
local CERT_NONE, CERT_REQUIRED = 0, 2

local attempt = O.attempt

local function setter(obj, name, value)
  return function()
    obj[name] = value
    return obj[name]
  end
end

local function new(protocol)
  return ssl.SSLContext(protocol)
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("*a")
  f:close()
  return data
end

local function tmpfile()
  local path = os.tmpname()
  os.remove(path)
  return path
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

------------------------------------------------------------------ defaults

describe("SSLContext defaults", function()
  local PROPS = {"protocol", "verify_mode", "check_hostname", "options", "minimum_version",
                 "maximum_version", "verify_flags", "security_level", "num_tickets",
                 "post_handshake_auth", "hostname_checks_common_name", "keylog_filename",
                 "sni_callback"}

  it("are CPython's for every protocol", function()
    local protocols = {CLIENT, SERVER, TLS, TLSv1, 4, 5}
    local mine = {}
    for i, protocol in ipairs(protocols) do
      local ctx = new(protocol)
      mine[i] = {}
      for j, name in ipairs(PROPS) do mine[i][j] = O.plain(ctx[name]) end
    end
    local theirs = O.py(string.format([[
out = []
for p in %s:
    c = ssl.SSLContext(p)
    out.append([getattr(c, n) for n in %s])
]], O.pyval(protocols), O.pyval(PROPS)))
    assert.same(theirs, mine)
    -- and the spec's numbers, so that a wrong oracle cannot hide a bug
    assert.same({CLIENT, CERT_REQUIRED, true, 0x82520050, TLS1_2, MAX_SUPPORTED, 0x8000, 2, 2,
                 false, true, O.null, O.null}, mine[1])
  end)

  it("empty CA store and session cache", function()
    local ctx = new(CLIENT)
    assert.same({x509 = 0, crl = 0, x509_ca = 0}, ctx:cert_store_stats())
    local stats = ctx:session_stats()
    local theirs = O.py("out = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).session_stats()")
    assert.same(theirs, stats)
    local n = 0
    for _, v in pairs(stats) do n = n + 1; assert.equal(0, v) end
    assert.equal(11, n)
  end)

  it("sslsocket_class and sslobject_class default to the classes and can be replaced", function()
    local ctx = new(CLIENT)
    assert.equal(ssl.SSLObject, ctx.sslobject_class)
    assert.equal(ssl.SSLSocket, ctx.sslsocket_class)   -- nil until SSLSocket exists, like the class
    local marker = setmetatable({}, {__call = function() end})
    ctx.sslsocket_class = marker
    ctx.sslobject_class = marker
    assert.equal(marker, ctx.sslsocket_class)
    assert.equal(marker, ctx.sslobject_class)
    assert.equal(ssl.SSLObject, new(CLIENT).sslobject_class)
    ctx.sslsocket_class = nil
    assert.equal(ssl.SSLSocket, ctx.sslsocket_class)
  end)
end)

------------------------------------------------- minimum / maximum version

describe("minimum_version and maximum_version", function()
  local VALUES = {1234, -3, 0, -1234, MIN_SUPPORTED, MAX_SUPPORTED, SSLv3, TLS1, TLS1_1,
                  TLS1_2, TLS1_3, 773, 2147483648, -2147483649, "x", 1.5}

  it("accept, map and reject values as Python does, on every kind of context", function()
    local mine = {}
    for _, protocol in ipairs({CLIENT, SERVER, TLS, TLSv1}) do
      for _, attr in ipairs({"minimum_version", "maximum_version"}) do
        for _, v in ipairs(VALUES) do
          local ctx = new(protocol)
          mine[#mine + 1] = {attempt(setter(ctx, attr, v)), ctx.minimum_version, ctx.maximum_version}
        end
      end
    end
    local theirs = O.py(string.format([[
out = []
for p in (16, 17, 2, 3):
    for attr in ("minimum_version", "maximum_version"):
        for v in %s:
            c = ssl.SSLContext(p)
            out.append([attempt(setter(c, attr, v)), c.minimum_version, c.maximum_version])
]], O.pyval(VALUES)))
    assert.same(theirs, mine)
  end)

  it("reads the library's extremes for the opposite 'supported' bound", function()
    local ctx = new(CLIENT)
    ctx.maximum_version = MIN_SUPPORTED
    ctx.minimum_version = MAX_SUPPORTED
    assert.equal(TLS1, ctx.maximum_version)
    assert.equal(TLS1_3, ctx.minimum_version)
    ctx.minimum_version = MIN_SUPPORTED
    ctx.maximum_version = MAX_SUPPORTED
    assert.equal(MIN_SUPPORTED, ctx.minimum_version)
    assert.equal(MAX_SUPPORTED, ctx.maximum_version)
  end)

  it("minimum_version = SSLv3 clears OP_NO_SSLv3, even where the version is refused", function()
    local ctx = new(CLIENT)
    ctx.minimum_version = SSLv3
    assert.equal(0x80520050, ctx.options)
    assert.equal(SSLv3, ctx.minimum_version)
    local old = new(TLSv1)
    H.raises(ssl.ValueError, "The context's protocol doesn't support modification of highest and lowest version.",
             setter(old, "minimum_version", SSLv3))
    assert.equal(0x80520050, old.options)
    ctx = new(CLIENT)
    H.raises(ssl.TypeError, "'NoneType' object cannot be interpreted as an integer",
             setter(ctx, "minimum_version", nil))
    H.raises(ssl.OverflowError, "Option is too long", setter(ctx, "maximum_version", 2 ^ 31))
    assert.equal(0x82520050, ctx.options)
  end)

  it("warns for the deprecated versions, and only for them (5.4 only)", function()
    H.only("5.4")
    local out = O.lua_with_warnings([[
local ssl = require "pyssl"
local ctx = ssl.SSLContext(16)
ctx.minimum_version = 769
ctx.minimum_version = 770
ctx.maximum_version = 768
ctx.maximum_version = 772
ctx.minimum_version = 771
print("done")
]])
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.same({
      "Lua warning: DeprecationWarning: ssl.TLSVersion.TLSv1 is deprecated",
      "Lua warning: DeprecationWarning: ssl.TLSVersion.TLSv1_1 is deprecated",
      "Lua warning: DeprecationWarning: ssl.TLSVersion.SSLv3 is deprecated",
      "done"}, lines)
  end)

  it("bound the versions a handshake may use", function()
    local c, s = P.client(), P.server()
    c.maximum_version = TLS1_2
    local p = P.pair(c, s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal("TLSv1.2", p.c:version())
    s.minimum_version = TLS1_3
    p = P.pair(c, s, "localhost")
    local cerr, serr = P.handshake(p)
    assert.equal("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version", H.norm(cerr))
    assert.equal("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol", H.norm(serr))
  end)
end)

----------------------------------------------------------- other properties

describe("num_tickets, security_level, post_handshake_auth, hostname_checks_common_name", function()
  it("num_tickets: server contexts only, non-negative", function()
    local values = {3, 0, -1, 1099511627776, "x", 2.5}
    local mine = {}
    for _, protocol in ipairs({CLIENT, SERVER, TLS}) do
      for _, v in ipairs(values) do
        local ctx = new(protocol)
        mine[#mine + 1] = {attempt(setter(ctx, "num_tickets", v)), ctx.num_tickets}
      end
    end
    local theirs = O.py(string.format([[
out = []
for p in (16, 17, 2):
    for v in %s:
        c = ssl.SSLContext(p)
        out.append([attempt(setter(c, "num_tickets", v)), c.num_tickets])
]], O.pyval(values)))
    assert.same(theirs, mine)
    H.raises(ssl.TypeError, "'NoneType' object cannot be interpreted as an integer",
             setter(new(SERVER), "num_tickets", nil))
  end)

  it("num_tickets = 0 means no session tickets after a TLS 1.3 handshake", function()
    local mine = {}
    for _, n in ipairs({0, 1, 2}) do
      local s = P.server()
      s.num_tickets = n
      local p = P.pair(P.client(), s, "localhost")
      assert.same({nil, nil}, {P.handshake(p)})
      mine[#mine + 1] = p.ci.pending   -- tickets the client has not read yet
    end
    local theirs = O.py([[
out = []
for n in (0, 1, 2):
    s = server_ctx()
    s.num_tickets = n
    p = Pair(client_ctx(), s, "localhost")
    handshake(p)
    out.append(p.ci.pending)
]])
    assert.equal(0, mine[1])
    assert.is_true(mine[2] > 0 and mine[3] > mine[2])
    assert.equal(0, theirs[1])
    assert.is_true(theirs[2] > 0 and theirs[3] > theirs[2])
  end)

  it("security_level is read-only and follows @SECLEVEL", function()
    local ctx = new(CLIENT)
    local mine = {
      attempt(setter(ctx, "security_level", 1)),
      attempt(function() ctx:set_ciphers("DEFAULT:@SECLEVEL=1") return ctx.security_level end),
      attempt(function() ctx:set_ciphers("DEFAULT:@SECLEVEL=0") return ctx.security_level end),
      attempt(function() ctx:set_ciphers("DEFAULT:@SECLEVEL=5") return ctx.security_level end),
      attempt(setter(ctx, "protocol", 1)),
    }
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
def sl(s):
    def f():
        c.set_ciphers(s)
        return c.security_level
    return f
out = [attempt(setter(c, "security_level", 1)), attempt(sl("DEFAULT:@SECLEVEL=1")),
       attempt(sl("DEFAULT:@SECLEVEL=0")), attempt(sl("DEFAULT:@SECLEVEL=5")),
       attempt(setter(c, "protocol", 1))]
]])
    assert.same(theirs, mine)
    assert.same({"AttributeError", "attribute 'security_level' of '_ssl._SSLContext' objects is not writable"},
                mine[1])
  end)

  it("the boolean properties take any value's truth", function()
    local values = {true, false, 1, 0, "", "x"}
    local mine = {}
    for _, attr in ipairs({"post_handshake_auth", "hostname_checks_common_name"}) do
      for _, v in ipairs(values) do
        local ctx = new(SERVER)
        mine[#mine + 1] = attempt(setter(ctx, attr, v))
      end
      local ctx = new(SERVER)
      ctx[attr] = true
      mine[#mine + 1] = attempt(setter(ctx, attr, nil))
    end
    -- Lua's truth: 0 and "" are true (spec §1 rule 3)
    assert.same({{"ok", true}, {"ok", false}, {"ok", true}, {"ok", true}, {"ok", true}, {"ok", true},
                 {"ok", false}}, {H.compat.unpack(mine, 1, 7)})
    assert.same({H.compat.unpack(mine, 1, 7)}, {H.compat.unpack(mine, 8, 14)})
  end)

  it("post_handshake_auth leaves verify_mode alone", function()
    local ctx = new(SERVER)
    ctx.post_handshake_auth = true
    assert.equal(CERT_NONE, ctx.verify_mode)
    ctx.verify_mode = CERT_REQUIRED
    assert.equal(CERT_REQUIRED, ctx.verify_mode)
    ctx.post_handshake_auth = false
    assert.equal(CERT_REQUIRED, ctx.verify_mode)
    local client = new(CLIENT)
    client.post_handshake_auth = true
    client.check_hostname = false
    client.verify_mode = CERT_NONE
    assert.equal(CERT_NONE, client.verify_mode)
  end)

  it("post_handshake_auth on both sides lets the server ask for a certificate later", function()
    local s = P.server()
    s.verify_mode = CERT_REQUIRED
    s:load_verify_locations(H.pki("ca.pem"))
    s.post_handshake_auth = true
    local c = P.client()
    c:load_cert_chain(H.pki("clientkey.pem"))
    c.post_handshake_auth = true
    local p = P.pair(c, s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.is_nil(p.s:getpeercert())
    p.s:verify_client_post_handshake()
    p.s:write("ping")
    p.ci:write(p.so:read())
    assert.equal("ping", p.c:read())
    p.c:write("pong")
    p.si:write(p.co:read())
    assert.equal("pong", p.s:read())
    assert.equal("pyssl client", p.s:getpeercert().subject[3][1][2])
  end)

  it("hostname_checks_common_name = false ignores the subject CN", function()
    local s = P.server("nosankey.pem")
    local c = P.client()
    assert.same({nil, nil}, {P.handshake(P.pair(c, s, "nosan"))})
    c.hostname_checks_common_name = false
    local cerr = P.handshake(P.pair(c, s, "nosan"))
    assert.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                 .. "Hostname mismatch, certificate is not valid for 'nosan'.", H.norm(cerr))
    assert.equal(62, cerr.verify_code)
    c.hostname_checks_common_name = true
    assert.same({nil, nil}, {P.handshake(P.pair(c, s, "nosan"))})
  end)
end)

---------------------------------------------------------------- keylog

describe("keylog_filename", function()
  local HEADER = "# TLS secrets log file, generated by OpenSSL / Python\n"

  it("rejects what Python rejects, and a failed assignment stops logging", function()
    local path = tmpfile()
    local values = {"/nonexistent/dir/x", 5, "/tmp", "", "a\0b", true}
    local mine = {}
    for _, v in ipairs(values) do
      local ctx = new(CLIENT)
      ctx.keylog_filename = path
      mine[#mine + 1] = {attempt(setter(ctx, "keylog_filename", v)), O.plain(ctx.keylog_filename)}
    end
    local theirs = O.py(string.format([[
out = []
for v in %s:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.keylog_filename = %s
    out.append([attempt(setter(c, "keylog_filename", v)), c.keylog_filename])
]], O.pyval(values), O.pystr(path)))
    os.remove(path)
    assert.same(theirs, mine)
    local err = H.raises(ssl.FileNotFoundError, "[Errno 2] No such file or directory: '/nonexistent/dir/x'",
                         setter(new(CLIENT), "keylog_filename", "/nonexistent/dir/x"))
    assert.equal(2, err.errno)
    assert.equal("/nonexistent/dir/x", err.filename)
  end)

  it("writes the header to a new file only, and appends", function()
    local path = tmpfile()
    local ctx = new(CLIENT)
    ctx.keylog_filename = path
    assert.equal(path, ctx.keylog_filename)
    assert.equal(HEADER, read_file(path))
    ctx.keylog_filename = path
    assert.equal(HEADER, read_file(path))
    local f = io.open(path, "w")
    f:write("existing\n")
    f:close()
    new(SERVER).keylog_filename = path
    assert.equal("existing\n", read_file(path))
    ctx.keylog_filename = nil
    assert.is_nil(ctx.keylog_filename)
    os.remove(path)
  end)

  it("logs the secrets of a handshake, as Python does, until set to nil", function()
    local cpath, spath = tmpfile(), tmpfile()
    local c, s = P.client(), P.server()
    c.keylog_filename = cpath
    s.keylog_filename = spath
    assert.same({nil, nil}, {P.handshake(P.pair(c, s, "localhost"))})
    local function labels(path)
      local set = {}
      for line in read_file(path):gmatch("[^\n]+") do
        if line:sub(1, 1) ~= "#" then
          local label, random, secret = line:match("^(%S+) (%x+) (%x+)$")
          assert.is_truthy(label, line)
          assert.equal(64, #random)
          set[#set + 1] = label
        end
      end
      table.sort(set)
      return set
    end
    local mine = {labels(cpath), labels(spath)}
    assert.same(mine[1], mine[2])
    local theirs = O.py(string.format([[
import os
cp, sp = %s + ".py", %s + ".py"
c, s = client_ctx(), server_ctx()
c.keylog_filename = cp
s.keylog_filename = sp
handshake(Pair(c, s, "localhost"))
def labels(path):
    return sorted(l.split()[0] for l in open(path) if not l.startswith("#"))
out = [labels(cp), labels(sp)]
os.remove(cp); os.remove(sp)
]], O.pystr(cpath), O.pystr(spath)))
    assert.same(theirs, mine)
    assert.equal(5, #mine[1])   -- the five TLS 1.3 secrets
    -- nil stops
    c.keylog_filename = nil
    local before = read_file(cpath)
    P.handshake(P.pair(c, s, "localhost"))
    assert.equal(before, read_file(cpath))
    os.remove(cpath)
    os.remove(spath)
  end)
end)

---------------------------------------------------------------- ciphers

describe("set_ciphers and get_ciphers", function()
  local KEYS = {"id", "name", "protocol", "description", "strength_bits", "alg_bits", "aead",
                "symmetric", "digest", "kea", "auth"}

  local function items(ctx)
    local out = {}
    for i, c in ipairs(ctx:get_ciphers()) do
      out[i] = {}
      for j, k in ipairs(KEYS) do out[i][j] = O.plain(c[k]) end
      local n = 0
      for _ in pairs(c) do n = n + 1 end
      out[i][#KEYS + 1] = n
    end
    return out
  end

  it("get_ciphers gives Python's 11 keys for every cipher, in order", function()
    local lists = {"", "ECDHE+AESGCM", "ALL:COMPLEMENTOFALL:@SECLEVEL=0", "PSK"}
    local mine = {}
    for i, list in ipairs(lists) do
      local ctx = new(CLIENT)
      if list ~= "" then ctx:set_ciphers(list) end
      mine[i] = items(ctx)
    end
    local theirs = O.py(string.format([=[
out = []
for l in %s:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if l: c.set_ciphers(l)
    # Lua tables have no None values: count the keys that have a value
    out.append([[d.get(k) for k in %s] + [sum(v is not None for v in d.values())]
                for d in c.get_ciphers()])
]=], O.pyval(lists), O.pyval(KEYS)))
    assert.same(theirs, mine)
    assert.equal(17, #mine[1])
    assert.equal(7, #mine[2])
    assert.is_true(#mine[3] > 100)
    local first = new(CLIENT):get_ciphers()[1]
    assert.equal("TLS_AES_256_GCM_SHA384", first.name)
    assert.is_true(first.aead)
    assert.is_nil(first.digest)
    assert.equal("kx-any", first.kea)
  end)

  it("reject bad lists and bad arguments as Python does", function()
    local ctx = new(CLIENT)
    local mine = {
      attempt(ctx.set_ciphers, ctx, ""),
      attempt(ctx.set_ciphers, ctx, "XYZ"),
      attempt(ctx.set_ciphers, ctx, nil),
      attempt(ctx.set_ciphers, ctx, 1),
      attempt(ctx.set_ciphers, ctx, "AL\0L"),
      attempt(ctx.set_ciphers, ctx),
      attempt(ctx.set_ciphers, ctx, "a", "b"),
      attempt(ctx.get_ciphers, ctx, 1),
      attempt(ctx.session_stats, ctx, 1),
    }
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = [attempt(lambda: c.set_ciphers("")), attempt(lambda: c.set_ciphers("XYZ")),
       attempt(lambda: c.set_ciphers(None)), attempt(lambda: c.set_ciphers(1)),
       attempt(lambda: c.set_ciphers("AL\0L")), attempt(lambda: c.set_ciphers()),
       attempt(lambda: c.set_ciphers("a", "b")), attempt(lambda: c.get_ciphers(1)),
       attempt(lambda: c.session_stats(1))]
]])
    assert.same(theirs, mine)
    local err = H.raises(ssl.SSLError, nil, ctx.set_ciphers, ctx, "XYZ")
    assert.equal("('No cipher can be selected.',)", ssl.str(err))
    assert.is_nil(err.errno)
    assert.is_nil(err.library)
  end)

  it("decide the TLS 1.2 cipher of a handshake", function()
    local c, s = P.client(), P.server()
    c.maximum_version = TLS1_2
    s:set_ciphers("ECDHE-RSA-AES128-GCM-SHA256")
    local p = P.pair(c, s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal("ECDHE-RSA-AES128-GCM-SHA256", p.c:cipher()[1])
    c:set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
    local cerr, serr = P.handshake(P.pair(c, s, "localhost"))
    assert.equal("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure", H.norm(cerr))
    assert.equal("[SSL: NO_SHARED_CIPHER] no shared cipher", H.norm(serr))
  end)
end)

describe("set_ecdh_curve and load_dh_params", function()
  it("fail as Python's do", function()
    local names = {"foo", "prime256v1", "X25519", "secp384r1", "P-256", "ffdhe2048", "sha256",
                   "RSA", "", "a\0b", 5, true}
    local paths = {"/nonexistent", H.pki("ca.pem"), H.pki("dh.pem"), "/tmp", "", "a\0b", 5}
    local mine = {}
    for _, name in ipairs(names) do
      local ctx = new(SERVER)
      mine[#mine + 1] = attempt(ctx.set_ecdh_curve, ctx, name)
    end
    for _, path in ipairs(paths) do
      local ctx = new(SERVER)
      mine[#mine + 1] = attempt(ctx.load_dh_params, ctx, path)
    end
    local ctx = new(SERVER)
    mine[#mine + 1] = attempt(ctx.load_dh_params, ctx)
    mine[#mine + 1] = attempt(ctx.set_ecdh_curve, ctx, nil)
    local theirs = O.py(string.format([[
out = []
for n in %s:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    out.append(attempt(lambda: c.set_ecdh_curve(n)))
for p in %s:
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    out.append(attempt(lambda: c.load_dh_params(p)))
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
out.append(attempt(lambda: c.load_dh_params()))
out.append(attempt(lambda: c.set_ecdh_curve(None)))
]], O.pyval(names), O.pyval(paths)))
    assert.same(theirs, mine)
    local err = H.raises(ssl.FileNotFoundError, "[Errno 2] No such file or directory: '/nonexistent'",
                         ctx.load_dh_params, ctx, "/nonexistent")
    assert.equal("/nonexistent", err.filename)
    err = H.raises(ssl.SSLError, "[PEM: NO_START_LINE] no start line", ctx.load_dh_params, ctx, H.pki("ca.pem"))
    assert.equal(108, err.errno)
    assert.equal("PEM", err.library)
  end)

  it("the group set is the one the handshake uses", function()
    local c, s = P.client(), P.server()
    s:set_ecdh_curve("secp384r1")
    c:set_ecdh_curve("prime256v1")
    local cerr, serr = P.handshake(P.pair(c, s, "localhost"))
    assert.is_not_nil(cerr)
    assert.is_not_nil(serr)
    c:set_ecdh_curve("secp384r1")
    assert.same({nil, nil}, {P.handshake(P.pair(c, s, "localhost"))})
  end)

  it("DH parameters make DHE suites possible", function()
    local c, s = P.client(), P.server()
    c.maximum_version = TLS1_2
    c:set_ciphers("DHE-RSA-AES128-GCM-SHA256")
    s:set_ciphers("DHE-RSA-AES128-GCM-SHA256")
    local cerr = P.handshake(P.pair(c, s, "localhost"))
    assert.is_not_nil(cerr)
    s:load_dh_params(H.pki("dh.pem"))
    local p = P.pair(c, s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal("DHE-RSA-AES128-GCM-SHA256", p.c:cipher()[1])
  end)
end)

------------------------------------------------------------ trust store

describe("get_ca_certs, load_default_certs, set_default_verify_paths", function()
  it("get_ca_certs lists the CAs only, as dicts or DER, like Python", function()
    local ctx = new(CLIENT)
    ctx:load_verify_locations(H.pki("ca.pem"))
    ctx:load_verify_locations(H.pki("leaf.pem"))
    ctx:load_verify_locations(H.pki("other-ca.pem"))
    local der = {}
    for i, d in ipairs(ctx:get_ca_certs(true)) do der[i] = hex(d) end
    local mine = {O.plain(ctx:get_ca_certs()), der, O.plain(ctx:get_ca_certs(false)),
                  ctx:cert_store_stats()}
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
for f in ("ca.pem", "leaf.pem", "other-ca.pem"):
    c.load_verify_locations(PKI + f)
out = [c.get_ca_certs(), [d.hex() for d in c.get_ca_certs(True)], c.get_ca_certs(False),
       c.cert_store_stats()]
]])
    assert.same(theirs, mine)
    assert.equal(2, #mine[1])
    assert.same({{"commonName", "pyssl test CA"}}, mine[1][1].subject[1])
    assert.is_nil(mine[1][1].subjectAltName)
    assert.same({}, new(CLIENT):get_ca_certs())
    assert.equal(mine[2][2], hex(ctx:get_ca_certs({binary_form = 5})[2]))
    H.raises(ssl.TypeError, "get_ca_certs() got an unexpected keyword argument 'x'",
             ctx.get_ca_certs, ctx, {x = 1})
  end)

  it("load_default_certs checks its purpose like Python", function()
    local ctx = new(CLIENT)
    local mine = {attempt(ctx.load_default_certs, ctx, "x"), attempt(ctx.load_default_certs, ctx, 5),
                  attempt(ctx.load_default_certs, ctx, nil), attempt(ctx.load_default_certs, ctx, 1, 2),
                  attempt(ctx.load_default_certs, ctx), attempt(ctx.set_default_verify_paths, ctx, 1),
                  attempt(ctx.set_default_verify_paths, ctx)}
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = [attempt(lambda: c.load_default_certs("x")), attempt(lambda: c.load_default_certs(5)),
       attempt(lambda: c.load_default_certs(None)), attempt(lambda: c.load_default_certs(1, 2)),
       attempt(lambda: c.load_default_certs()), attempt(lambda: c.set_default_verify_paths(1)),
       attempt(lambda: c.set_default_verify_paths())]
]])
    assert.same(theirs, mine)
  end)

  it("the default paths honour SSL_CERT_FILE, as Python's do", function()
    local env = "SSL_CERT_FILE=" .. H.pki("ca.pem") .. " SSL_CERT_DIR=/nonexistent"
    local out = O.lua_with_warnings([[
local ssl = require "pyssl"
local a = ssl.SSLContext(16)
a:load_default_certs()
local b = ssl.SSLContext(17)
b:set_default_verify_paths()
print(a:cert_store_stats().x509, b:cert_store_stats().x509, #a:get_ca_certs())
]], env)
    local p = io.popen(env .. " " .. H.PYTHON .. " -c 'import ssl\n"
      .. "a = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); a.load_default_certs()\n"
      .. "b = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); b.set_default_verify_paths()\n"
      .. "print(a.cert_store_stats()[\"x509\"], b.cert_store_stats()[\"x509\"], len(a.get_ca_certs()), sep=\"\\t\")'")
    local theirs = p:read("*a")
    p:close()
    assert.equal("1\t1\t1\n", out)
    assert.equal(theirs, out)
  end)
end)

------------------------------------------------------------------ ALPN

describe("ALPN", function()
  it("set_alpn_protocols checks its list like Python", function()
    local ctx = new(CLIENT)
    local a255, a256 = string.rep("a", 255), string.rep("a", 256)
    local mine = {
      attempt(ctx.set_alpn_protocols, ctx, {""}),
      attempt(ctx.set_alpn_protocols, ctx, {a256}),
      attempt(ctx.set_alpn_protocols, ctx, {a255}),
      attempt(ctx.set_alpn_protocols, ctx, {"é"}),
      attempt(ctx.set_alpn_protocols, ctx, {"ab", "xéé"}),
      attempt(ctx.set_alpn_protocols, ctx, {"a€"}),
      attempt(ctx.set_alpn_protocols, ctx, {5}),
      attempt(ctx.set_alpn_protocols, ctx, nil),
      attempt(ctx.set_alpn_protocols, ctx, 5),
      attempt(ctx.set_alpn_protocols, ctx, "h2"),
      attempt(ctx.set_alpn_protocols, ctx, {}),
      attempt(ctx.set_alpn_protocols, ctx),
      attempt(ctx.set_alpn_protocols, ctx, {"a"}, 2),
      attempt(ctx.set_alpn_protocols, ctx, true),
    }
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = [attempt(lambda: c.set_alpn_protocols([""])), attempt(lambda: c.set_alpn_protocols(["a" * 256])),
       attempt(lambda: c.set_alpn_protocols(["a" * 255])), attempt(lambda: c.set_alpn_protocols(["é"])),
       attempt(lambda: c.set_alpn_protocols(["ab", "xéé"])), attempt(lambda: c.set_alpn_protocols(["a€"])),
       attempt(lambda: c.set_alpn_protocols([5])), attempt(lambda: c.set_alpn_protocols(None)),
       attempt(lambda: c.set_alpn_protocols(5)), attempt(lambda: c.set_alpn_protocols("h2")),
       attempt(lambda: c.set_alpn_protocols([])), attempt(lambda: c.set_alpn_protocols()),
       attempt(lambda: c.set_alpn_protocols(["a"], 2)), attempt(lambda: c.set_alpn_protocols(True))]
]])
    assert.same(theirs, mine)
    local err = H.raises(ssl.SSLError, nil, ctx.set_alpn_protocols, ctx, {""})
    assert.equal("('ALPN protocols must be 1 to 255 in length',)", ssl.str(err))
    assert.is_true(ssl.isinstance(H.raises(ssl.UnicodeError, nil, ctx.set_alpn_protocols, ctx, {"é"}),
                                  ssl.ValueError))
  end)

  it("the server's preference wins; no overlap or one side only means no ALPN", function()
    local cases = {
      {{"h2", "http/1.1"}, {"http/1.1", "h2"}},
      {{"http/1.1", "h2"}, {"h2", "http/1.1"}},
      {{"h2"}, {"http/1.1"}},
      {{"h2"}, {}},
      {{}, {"h2"}},
      {"h2", {"2", "x"}},
      {{"spdy/3", "h2", "x"}, {"z", "x", "h2"}},
    }
    local mine = {}
    for i, case in ipairs(cases) do
      local c, s = P.client(), P.server()
      c:set_alpn_protocols(case[1])
      s:set_alpn_protocols(case[2])
      local p = P.pair(c, s, "localhost")
      local cerr, serr = P.handshake(p)
      mine[i] = {O.plain(cerr), O.plain(serr), O.plain(p.c:selected_alpn_protocol()),
                 O.plain(p.s:selected_alpn_protocol())}
    end
    local theirs = O.py(string.format([[
out = []
for cl, sl in %s:
    c, s = client_ctx(), server_ctx()
    c.set_alpn_protocols(cl)
    s.set_alpn_protocols(sl)
    p = Pair(c, s, "localhost")
    ce, se = handshake(p)
    out.append([ce, se, p.c.selected_alpn_protocol(), p.s.selected_alpn_protocol()])
]], O.pyval(cases)))
    assert.same(theirs, mine)
    assert.same({O.null, O.null, "http/1.1", "http/1.1"}, mine[1])
    assert.same({O.null, O.null, "h2", "h2"}, mine[2])
    assert.same({O.null, O.null, O.null, O.null}, mine[3])
  end)

  it("set_npn_protocols warns, checks, then fails as on a build without NPN", function()
    local ctx = new(CLIENT)
    local mine = {attempt(ctx.set_npn_protocols, ctx, {"h2"}), attempt(ctx.set_npn_protocols, ctx, 5),
                  attempt(ctx.set_npn_protocols, ctx, {""})}
    local theirs = O.py([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = [attempt(lambda: c.set_npn_protocols(["h2"])), attempt(lambda: c.set_npn_protocols(5)),
       attempt(lambda: c.set_npn_protocols([""]))]
]])
    assert.same(theirs, mine)
  end)

  it("set_npn_protocols warns as Python does (5.4 only)", function()
    H.only("5.4")
    local out = O.lua_with_warnings([[
local ssl = require "pyssl"
print(pcall(ssl.SSLContext(16).set_npn_protocols, ssl.SSLContext(16), {"h2"}))
]])
    assert.truthy(out:find("Lua warning: DeprecationWarning: ssl NPN is deprecated, use ALPN instead", 1, true))
  end)
end)

------------------------------------------------------------------- SNI

describe("sni_callback", function()
  it("is a server-side callable", function()
    local c, s, g = new(CLIENT), new(SERVER), new(TLS)
    local f = function() end
    local callable = setmetatable({}, {__call = function() end})
    local mine = {
      attempt(setter(c, "sni_callback", nil)), attempt(setter(c, "sni_callback", f)),
      attempt(setter(c, "sni_callback", 5)), attempt(setter(s, "sni_callback", 5)),
      attempt(c.set_servername_callback, c, 5), attempt(c.set_servername_callback, c, nil),
      attempt(c.set_servername_callback, c, f), attempt(s.set_servername_callback, s, "x"),
      attempt(s.set_servername_callback, s), attempt(setter(g, "sni_callback", "x")),
    }
    local theirs = O.py([[
c, s, g = (ssl.SSLContext(p) for p in (16, 17, 2))
f = lambda *a: None
out = [attempt(setter(c, "sni_callback", None)), attempt(setter(c, "sni_callback", f)),
       attempt(setter(c, "sni_callback", 5)), attempt(setter(s, "sni_callback", 5)),
       attempt(lambda: c.set_servername_callback(5)), attempt(lambda: c.set_servername_callback(None)),
       attempt(lambda: c.set_servername_callback(f)), attempt(lambda: s.set_servername_callback("x")),
       attempt(lambda: s.set_servername_callback()), attempt(setter(g, "sni_callback", "x"))]
]])
    assert.same(theirs, mine)
    s.sni_callback = f
    assert.equal(f, s.sni_callback)
    g.sni_callback = callable
    assert.equal(callable, g.sni_callback)
    s.sni_callback = nil
    assert.is_nil(s.sni_callback)
    s:set_servername_callback(f)
    assert.is_function(s.sni_callback)
    assert.not_equal(f, s.sni_callback)
    s:set_servername_callback(nil)
    assert.is_nil(s.sni_callback)
  end)

  it("sees the SSLObject, the server name and the original context", function()
    local s = P.server()
    local seen = {}
    s.sni_callback = function(obj, name, ctx)
      seen[#seen + 1] = {obj, name or "<nil>", ctx, obj.context}
    end
    local p = P.pair(P.client(), s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    local c2 = P.client()
    c2.check_hostname = false
    local p2 = P.pair(c2, s, "127.0.0.1")
    assert.same({nil, nil}, {P.handshake(p2)})
    assert.equal(2, #seen)
    assert.equal(p.s, seen[1][1])
    assert.equal("localhost", seen[1][2])
    assert.equal(s, seen[1][3])
    assert.equal(s, seen[1][4])
    assert.equal(p2.s, seen[2][1])
    assert.equal("<nil>", seen[2][2])
    local names = O.py([[
s = server_ctx()
out = []
s.sni_callback = lambda obj, name, ctx: out.append([name, ctx is s, obj.context is s])
handshake(Pair(client_ctx(), s, "localhost"))
c2 = client_ctx(); c2.check_hostname = False
handshake(Pair(c2, s, "127.0.0.1"))
]])
    assert.same({{"localhost", true, true}, {O.null, true, true}}, names)
  end)

  it("set_servername_callback passes the same arguments", function()
    local s = P.server()
    local got
    s:set_servername_callback(function(obj, name, ctx) got = {obj, name, ctx} end)
    local p = P.pair(P.client(), s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.same({p.s, "localhost", s}, got)
  end)

  it("can switch the connection to another context and certificate", function()
    local s = P.server()
    local other = P.server("otherkey.pem")
    s.sni_callback = function(obj, name)
      if name == "other" then obj.context = other end
    end
    local c = P.client()
    c:load_verify_locations(H.pki("other-ca.pem"))
    c.check_hostname = false
    local p = P.pair(c, s, "other")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal(other, p.s.context)
    assert.same({{"commonName", "pyssl other CA"}}, p.c:getpeercert().issuer[1])
    p = P.pair(c, s, "localhost")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal(s, p.s.context)
    assert.same({{"commonName", "pyssl test CA"}}, p.c:getpeercert().issuer[1])
  end)

  it("aborts the handshake with an alert, an error or a bad return value, as Python does", function()
    local behaviours = {"alert", "raise", "string", "float", "table", "none"}
    local mine = {}
    for i, how in ipairs(behaviours) do
      local s = P.server()
      s.sni_callback = function()
        if how == "alert" then return 49 end
        if how == "raise" then error(ssl.ValueError("boom")) end
        if how == "string" then return "x" end
        if how == "float" then return 40.0 end
        if how == "table" then return {} end
      end
      mine[i] = {P.handshake(P.pair(P.client(), s, "localhost"))}
      mine[i] = {O.plain(mine[i][1] and H.norm(mine[i][1])), O.plain(mine[i][2] and H.norm(mine[i][2]))}
    end
    local theirs = O.py([[
import sys
sys.unraisablehook = lambda u: None
out = []
for how in ("alert", "raise", "string", "float", "table", "none"):
    s = server_ctx()
    def cb(obj, name, ctx, how=how):
        if how == "alert": return ssl.ALERT_DESCRIPTION_ACCESS_DENIED
        if how == "raise": raise ValueError("boom")
        if how == "string": return "x"
        if how == "float": return 40
        if how == "table": return []
    s.sni_callback = cb
    out.append(list(handshake(Pair(client_ctx(), s, "localhost"))))
]])
    assert.same(theirs, mine)
    assert.same({"[SSL: TLSV1_ALERT_ACCESS_DENIED] tlsv1 alert access denied",
                 "[SSL: CALLBACK_FAILED] callback failed"}, mine[1])
    assert.same({"[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure",
                 "[SSL: CALLBACK_FAILED] callback failed"}, mine[2])
    assert.same({"[SSL: TLSV1_ALERT_INTERNAL_ERROR] tlsv1 alert internal error",
                 "[SSL: CALLBACK_FAILED] callback failed"}, mine[3])
  end)

  it("reports the swallowed error through warn() (5.4 only)", function()
    H.only("5.4")
    local out = O.lua_with_warnings([[
local ssl = require "pyssl"
local P = require "spec.support.context_pair"
local s = P.server()
s.sni_callback = function() error(ssl.ValueError("boom")) end
local cerr, serr = P.handshake(P.pair(P.client(), s, "localhost"))
s.sni_callback = function() return "x" end
P.handshake(P.pair(P.client(), s, "localhost"))
s.sni_callback = function() error("plain") end
P.handshake(P.pair(P.client(), s, "localhost"))
print("server:", serr.reason)
]])
    assert.truthy(out:find("Lua warning: Exception ignored in ssl servername callback while calling "
                           .. "set SNI callback function: 0x%x+:\nValueError: boom\n"))
    assert.truthy(out:find("set SNI callback function: 0x%x+:\nTypeError: 'str' object cannot be "
                           .. "interpreted as an integer\n"))
    assert.truthy(out:find("set SNI callback function: 0x%x+:\n[^\n]*: plain\n"))
    assert.truthy(out:find("server:\tCALLBACK_FAILED", 1, true))
  end)
end)

------------------------------------------------------------------- PSK

describe("PSK callbacks", function()
  local PSK = "\222\173\190\239"   -- de ad be ef (5.1 has no \x escapes)

  local function psk_pair(version, client_cb, server_cb, hint)
    local c = new(CLIENT)
    c.check_hostname = false
    c.verify_mode = CERT_NONE
    c:set_ciphers("PSK")
    local s = new(SERVER)
    s:set_ciphers("PSK")
    if version == TLS1_2 then
      c.maximum_version = TLS1_2
      s.maximum_version = TLS1_2
    else
      c.minimum_version = TLS1_3
      s.minimum_version = TLS1_3
    end
    c:set_psk_client_callback(client_cb)
    s:set_psk_server_callback(server_cb, hint)
    return P.pair(c, s)
  end

  it("check their arguments (3.13+ wording)", function()
    local c, s, g = new(CLIENT), new(SERVER), new(TLS)
    local f = function() end
    local err = H.raises(ssl.SSLError, "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context",
                         s.set_psk_client_callback, s, f)
    assert.equal(0, err.errno)
    assert.is_nil(err.library)
    H.raises(ssl.SSLError, "Cannot add PSK server callback to a PROTOCOL_TLS_CLIENT context",
             c.set_psk_server_callback, c, f)
    H.raises(ssl.SSLError, "Cannot add PSK client callback to a PROTOCOL_TLS_SERVER context",
             s.set_psk_client_callback, s, 5)
    H.raises(ssl.TypeError, "callback must be callable", c.set_psk_client_callback, c, 5)
    H.raises(ssl.TypeError, "callback must be callable", s.set_psk_server_callback, s, "x")
    H.raises(ssl.TypeError, "set_psk_server_callback() argument 'identity_hint' must be str or None, not int",
             s.set_psk_server_callback, s, f, 5)
    H.raises(ssl.TypeError, "set_psk_server_callback() argument 'identity_hint' must be str or None, not int",
             c.set_psk_server_callback, c, f, 5)
    H.raises(ssl.ValueError, "embedded null character", s.set_psk_server_callback, s, f, "a\0b")
    H.raises(ssl.ValueError, "failed to set identity hint", s.set_psk_server_callback, s, f, string.rep("h", 300))
    H.raises(ssl.TypeError, "set_psk_client_callback() got an unexpected keyword argument 'x'",
             c.set_psk_client_callback, c, {x = f})
    c:set_psk_client_callback({callback = f})
    s:set_psk_server_callback(f, {identity_hint = "hint"})
    g:set_psk_client_callback(f)
    g:set_psk_server_callback(f)
    c:set_psk_client_callback(nil)
    s:set_psk_server_callback(nil)
  end)

  it("TLS 1.2: the client sees the hint, the server the identity", function()
    local got = {}
    local p = psk_pair(TLS1_2, function(hint)
      got.hint = hint
      return nil, PSK
    end, function(identity)
      got.identity = identity or "<nil>"
      return PSK
    end, "myhint")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.equal("myhint", got.hint)
    assert.equal("<nil>", got.identity)
    assert.equal("TLSv1.2", p.c:version())
    assert.truthy(p.c:cipher()[1]:find("PSK", 1, true))
    assert.is_nil(p.c:getpeercert())
    p.c:write("over psk")
    p.si:write(p.co:read())
    assert.equal("over psk", p.s:read())
  end)

  it("TLS 1.3: no hint, the identity arrives; a sequence works as the result", function()
    local got = {}
    local p = psk_pair(TLS1_3, function(hint)
      got.hint = hint or "<nil>"
      return {"client-identity", PSK}
    end, function(identity)
      got.identity = identity
      return PSK
    end, "identity-hint")
    assert.same({nil, nil}, {P.handshake(p)})
    assert.same({hint = "<nil>", identity = "client-identity"}, got)
    assert.equal("TLSv1.3", p.c:version())
  end)

  it("fail the handshake for a wrong key, an empty key, a bad result or an error", function()
    local ok_client = function() return "id", PSK end
    local ok_server = function() return PSK end
    local cases = {
      {ok_client, function() return "\1\2\3\4" end},
      {ok_client, function() return "" end},
      {function() return "id", "" end, ok_server},
      {function() return 5, PSK end, ok_server},
      {function() return "id", 5 end, ok_server},
      {function() error("client boom") end, ok_server},
      {ok_client, function() error("server boom") end},
      {ok_client, function() return 5 end},
      {function() return string.rep("i", 300), PSK end, ok_server},
    }
    for i, case in ipairs(cases) do
      for _, version in ipairs({TLS1_2, TLS1_3}) do
        local cerr, serr = P.handshake(psk_pair(version, case[1], case[2]))
        assert.is_true(cerr ~= nil and serr ~= nil, "case " .. i)
        assert.is_true(ssl.isinstance(cerr, ssl.SSLError), "case " .. i .. ": " .. tostring(cerr))
      end
    end
  end)

  it("report callback errors through warn() (5.4 only)", function()
    H.only("5.4")
    local out = O.lua_with_warnings([[
local ssl = require "pyssl"
local P = require "spec.support.context_pair"
for _, side in ipairs({"client", "server"}) do
  local c = ssl.SSLContext(16)
  c.check_hostname = false
  c.verify_mode = 0
  local s = ssl.SSLContext(17)
  c:set_psk_client_callback(function() if side == "client" then error("cboom") end return "id", "k" end)
  s:set_psk_server_callback(function() if side == "server" then error("sboom") end return "k" end)
  P.handshake(P.pair(c, s))
end
c = ssl.SSLContext(16)
c.check_hostname = false
c.verify_mode = 0
c:set_psk_client_callback(function() return 1, "k" end)
s = ssl.SSLContext(17)
s:set_psk_server_callback(function() return 1 end)
P.handshake(P.pair(c, s))
c:set_psk_client_callback(function() return "id", "k" end)
P.handshake(P.pair(c, s))
]])
    assert.truthy(out:find("Exception ignored in ssl PSK client callback while calling callback "
                           .. "function: 0x%x+:\n[^\n]*cboom\n"))
    assert.truthy(out:find("Exception ignored in ssl PSK server callback while calling callback "
                           .. "function: 0x%x+:\n[^\n]*sboom\n"))
    assert.truthy(out:find("PSK client callback while calling callback function: 0x%x+:\n"
                           .. "TypeError: argument 1 must be str or None, not int\n"))
    assert.truthy(out:find("PSK server callback while calling callback function: 0x%x+:\n"
                           .. "TypeError: expected bytes, int found\n"))
  end)

  it("nil removes them", function()
    local p = psk_pair(TLS1_3, function() return "id", PSK end, function() return PSK end)
    p.cctx:set_psk_client_callback(nil)
    local cerr, serr = P.handshake(P.pair(p.cctx, p.sctx))
    assert.is_not_nil(cerr)
    assert.is_not_nil(serr)
  end)
end)

------------------------------------------------------- memory and closing

describe("memory and <close>", function()
  it("contexts whose callbacks capture them are collectable", function()
    local weak = setmetatable({}, {__mode = "v"})
    do
      local s = P.server()
      s.sni_callback = function() return s end
      s:set_psk_server_callback(function() return s.protocol and "k" end)
      local c = new(CLIENT)
      c:set_psk_client_callback(function() return c, "k" end)
      c.sslsocket_class = c
      s:set_servername_callback(function() return s end)
      local p = P.pair(P.client(), s, "localhost")
      p.s.context = s
      weak[1], weak[2], weak[3] = s, c, p.s
    end
    for _ = 1, 4 do collectgarbage("collect") end
    assert.is_nil(weak[1])
    assert.is_nil(weak[2])
    assert.is_nil(weak[3])
  end)

  it("a closed context leaves its connections working, without its callbacks", function()
    local path = tmpfile()
    local called = false
    local s = P.server()
    s.sni_callback = function() called = true error("must not run") end
    s.keylog_filename = path
    s:set_alpn_protocols({"h2"})
    local c = P.client()
    c:set_alpn_protocols({"h2"})
    local p = P.pair(c, s, "localhost")
    getmetatable(s).__close(s)   -- what `local closing <close> = s` does on 5.4
    H.raises(ssl.ValueError, "SSLContext has been closed", function() return s.verify_mode end)
    H.raises(ssl.ValueError, "SSLContext has been closed", function() s.sni_callback = nil end)
    H.raises(ssl.ValueError, "SSLContext has been closed", s.get_ciphers, s)
    assert.same({nil, nil}, {P.handshake(p)})
    assert.is_false(called)
    assert.is_nil(p.s:selected_alpn_protocol())
    assert.equal(54, #read_file(path))   -- the header only
    os.remove(path)
    getmetatable(s).__close(s)   -- closing twice is harmless
    getmetatable(s).__gc(s)
  end)

  it("many contexts with every resource are freed eagerly", function()
    local path = tmpfile()
    for _ = 1, 200 do
      local ctx = new(SERVER)
      ctx.keylog_filename = path
      ctx:set_alpn_protocols({"h2", "http/1.1"})
      ctx.sni_callback = function() end
      ctx:set_psk_server_callback(function() return "k" end, "hint")
      getmetatable(ctx).__close(ctx)
    end
    assert.equal(54, #read_file(path))
    os.remove(path)
  end)

  it("a context in a <close> variable is closed at the end of its scope (5.4 only)", function()
    H.only("5.4")
    local ctx = new(SERVER)
    -- compiled here: older parsers reject the attribute
    H.compat.load("local ctx <close> = ...; return ctx.verify_mode")(ctx)
    H.raises(ssl.ValueError, "SSLContext has been closed", function() return ctx.verify_mode end)
  end)
end)

------------------------------------------------------------- bad input

describe("bad input never crashes", function()
  it("every method and property rejects a wrong self and wrong values with Python's classes", function()
    local ctx = new(SERVER)
    local junk = {nil, true, 5, 2.5, "/nonexistent/x", {}, {1, 2}, function() end, ssl.MemoryBIO(), ctx}
    local methods = {"set_ciphers", "get_ciphers", "set_ecdh_curve", "load_dh_params", "get_ca_certs",
                     "session_stats", "set_default_verify_paths", "load_default_certs",
                     "set_alpn_protocols", "set_npn_protocols", "set_servername_callback",
                     "set_psk_client_callback", "set_psk_server_callback", "cert_store_stats",
                     "load_verify_locations", "load_cert_chain", "_set_alpn_protocols"}
    local props = {"minimum_version", "maximum_version", "num_tickets", "security_level",
                   "post_handshake_auth", "hostname_checks_common_name", "keylog_filename",
                   "sni_callback", "sslsocket_class", "protocol", "options", "verify_mode"}
    local count = 0
    for _, name in ipairs(methods) do
      for i = 1, 10 do
        local ok, err = pcall(ctx[name], ctx, junk[i])
        assert.is_true(ok or ssl.isinstance(err, ssl.Exception), name .. ": " .. tostring(err))
        ok, err = pcall(ctx[name], junk[i], ctx)
        if not ok then
          assert.is_true(ssl.isinstance(err, ssl.Exception), name .. " self: " .. tostring(err))
        end
        count = count + 1
      end
    end
    for _, name in ipairs(props) do
      for i = 1, 10 do
        local c = new(SERVER)
        local ok, err = pcall(function() c[name] = junk[i] end)
        assert.is_true(ok or ssl.isinstance(err, ssl.Exception), name .. ": " .. tostring(err))
        count = count + 1
      end
    end
    assert.equal(290, count)
  end)
end)
