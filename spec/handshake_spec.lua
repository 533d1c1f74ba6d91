-- Handshakes between a client and a server SSLObject over MemoryBIOs:
-- verified ones and every common failure, each compared with python3 (the
-- oracle: same OpenSSL) field by field.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"

local function cli(extra)
  local side = {ca = "ca.pem"}
  for k, v in pairs(extra or {}) do side[k] = v end
  return side
end

-- name -> scenario; every one is run in Lua and in Python.
local SCN = {
  tls13_rsa = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "localhost"},
  tls12_rsa = {client = cli{no_tls13 = true}, server = {cert = "leafkey.pem"}, hostname = "localhost"},
  tls13_ecdsa = {client = cli(), server = {cert = "ecdsakey.pem"}, hostname = "localhost"},
  tls12_ecdsa = {client = cli{no_tls13 = true}, server = {cert = "ecdsakey.pem"}, hostname = "localhost"},
  ip4 = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "127.0.0.1"},
  ip6 = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "::1"},
  wildcard = {client = cli(), server = {cert = "wildcardkey.pem"}, hostname = "www.example.test"},
  chain = {client = cli(), server = {cert = "chainkey.pem"}, hostname = "localhost"},
  nosan_cn = {client = cli(), server = {cert = "nosankey.pem"}, hostname = "nosan"},
  no_check = {client = {check_hostname = false, verify_mode = ssl.CERT_NONE},
              server = {cert = "leafkey.pem"}},
  unchecked_name = {client = cli{check_hostname = false}, server = {cert = "leafkey.pem"},
                    hostname = "example.com"},
  allsans = {client = cli{check_hostname = false}, server = {cert = "allsanskey.pem"}},
  partial_chain = {client = {ca = "leaf.pem", verify_flags = 0x80020}, server = {cert = "leafkey.pem"},
                   hostname = "localhost"},
  server_no_verify = {client = cli{cert = "clientkey.pem"}, server = {cert = "leafkey.pem"},
                      hostname = "localhost"},
  -- verification failures
  leaf_only_trusted = {client = {ca = "leaf.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"},
  untrusted = {client = {}, server = {cert = "leafkey.pem"}, hostname = "localhost"},
  other_ca = {client = cli(), server = {cert = "otherkey.pem"}, hostname = "localhost"},
  self_signed = {client = cli(), server = {cert = "selfsignedkey.pem"}, hostname = "localhost"},
  expired = {client = cli(), server = {cert = "expiredkey.pem"}, hostname = "localhost"},
  hostname_mismatch = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "example.com"},
  ip4_mismatch = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "127.0.0.2"},
  ip6_mismatch = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "::2"},
  wildcard_depth = {client = cli(), server = {cert = "wildcardkey.pem"}, hostname = "a.b.example.test"},
  idna_mismatch = {client = cli(), server = {cert = "leafkey.pem"}, hostname = "pythön.org"},
  nosan_no_cn = {client = cli{hostname_checks_common_name = false},
                 server = {cert = "nosankey.pem"}, hostname = "nosan"},
  -- client certificates
  client_cert_ok = {client = cli{cert = "clientkey.pem"},
                    server = {cert = "leafkey.pem", ca = "ca.pem", verify_mode = ssl.CERT_REQUIRED},
                    hostname = "localhost"},
  client_cert_missing12 = {client = cli{no_tls13 = true},
                           server = {cert = "leafkey.pem", ca = "ca.pem", verify_mode = ssl.CERT_REQUIRED},
                           hostname = "localhost"},
  client_cert_missing13 = {client = cli(),
                           server = {cert = "leafkey.pem", ca = "ca.pem", verify_mode = ssl.CERT_REQUIRED},
                           hostname = "localhost"},
  client_cert_wrong12 = {client = cli{no_tls13 = true, cert = "otherkey.pem"},
                         server = {cert = "leafkey.pem", ca = "ca.pem", verify_mode = ssl.CERT_REQUIRED},
                         hostname = "localhost"},
  -- protocol and cipher negotiation
  version_options = {client = cli{no_tls13 = true}, server = {cert = "leafkey.pem", no_tls12 = true},
                     hostname = "localhost"},
  version_minmax = {client = cli{max = "TLSv1_2"}, server = {cert = "leafkey.pem", min = "TLSv1_3"},
                    hostname = "localhost"},
  no_shared_cipher = {client = cli{no_tls13 = true, ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"},
                      server = {cert = "leafkey.pem", no_tls13 = true, ciphers = "ECDHE-RSA-AES128-GCM-SHA256"},
                      hostname = "localhost"},
}

-- What one scenario gives: both errors, and for a success the facts both
-- ends agree on.
local PY_RUN = [[
def run(scn):
    p = pair(scn)
    c, s = handshake(p)
    r = {"c": describe(c), "s": describe(s)}
    if c is None:
        r["version"] = p.c.version()
        r["cipher"] = list(p.c.cipher())
        r["chain"] = len(p.c._sslobj.get_verified_chain() or [])
        r["sent"] = len(p.c._sslobj.get_unverified_chain() or [])
        r["hostname"] = p.c.server_hostname
        r["reused"] = p.c.session_reused
    if c is None and s is None:
        r["peer"] = p.c.getpeercert()
    return r
]]

local function lua_run(scn)
  local p = T.pair(scn)
  local c, s = T.handshake(p)
  local r = {c = T.describe(c), s = T.describe(s)}
  if c == nil then
    r.version = p.c:version()
    r.cipher = p.c:cipher()
    r.chain = #p.c:get_verified_chain()
    r.sent = #p.c:get_unverified_chain()
    r.hostname = p.c.server_hostname
    r.reused = p.c.session_reused
  end
  if c == nil and s == nil then
    r.peer = p.c:getpeercert()
  end
  return r, p
end

local PY

local function check(name)
  PY = PY or T.python_each(SCN, PY_RUN)
  local lua = lua_run(SCN[name])
  assert.same(PY[name], lua)
  return lua
end

describe("a verified handshake", function()
  it("TLS 1.3 with RSA: version, cipher, chain and peer certificate as Python's", function()
    local r = check("tls13_rsa")
    assert.equal("TLSv1.3", r.version)
    assert.same({"TLS_AES_256_GCM_SHA384", "TLSv1.3", 256}, r.cipher)
    assert.equal(2, r.chain)
    assert.equal(1, r.sent)
    assert.same({{"DNS", "localhost"}, {"IP Address", "127.0.0.1"}, {"IP Address", "0:0:0:0:0:0:0:1"}},
                r.peer.subjectAltName)
  end)

  it("TLS 1.2 with RSA", function()
    local r = check("tls12_rsa")
    assert.equal("TLSv1.2", r.version)
    assert.equal("ECDHE-RSA-AES256-GCM-SHA384", r.cipher[1])
  end)

  it("TLS 1.3 and 1.2 with ECDSA", function()
    assert.equal("TLSv1.3", check("tls13_ecdsa").version)
    local r = check("tls12_ecdsa")
    assert.equal("TLSv1.2", r.version)
    assert.equal("ECDHE-ECDSA-AES256-GCM-SHA384", r.cipher[1])
  end)

  it("an IPv4 or IPv6 server_hostname is checked as an IP address", function()
    assert.equal("127.0.0.1", check("ip4").hostname)
    assert.equal("::1", check("ip6").hostname)
  end)

  it("a wildcard certificate matches one label", function()
    assert.is_nil(check("wildcard").c)
  end)

  it("a chain through an intermediate: 3 verified, 2 sent", function()
    local r = check("chain")
    assert.equal(3, r.chain)
    assert.equal(2, r.sent)
  end)

  it("with check_hostname off the name is only sent, not checked", function()
    local r = check("unchecked_name")
    assert.is_nil(r.c)
    assert.equal("example.com", r.hostname)
  end)

  it("falls back to the subject CN when there is no subjectAltName", function()
    assert.is_nil(check("nosan_cn").c)
  end)

  it("without verification getpeercert() is {} and the DER is still there", function()
    local r, p = lua_run(SCN.no_check)
    assert.same(check("no_check"), r)
    assert.same({}, p.c:getpeercert())
    local f = assert(io.open(H.pki("leaf.pem")))
    local pem = f:read("*a")
    f:close()
    local b64 = pem:match("%-%-%-%-%-BEGIN CERTIFICATE%-%-%-%-%-\n(.-)%-%-%-%-%-END"):gsub("\n", "")
    assert.equal(#b64 / 4 * 3 - select(2, b64:gsub("=", "")), #p.c:getpeercert(true))
  end)
end)

describe("certificates as data", function()
  it("every subjectAltName type, AIA and CRL points, as Python decodes them (#23)", function()
    local r = check("allsans")
    assert.equal(10, #r.peer.subjectAltName)
    assert.same({"http://ocsp.example.test/"}, r.peer.OCSP)
    assert.same({"http://ca.example.test/ca.der"}, r.peer.caIssuers)
    assert.same({"http://crl.example.test/ca.crl"}, r.peer.crlDistributionPoints)
  end)

  it("a server that does not ask gets no client certificate (#26)", function()
    local r, p = lua_run(SCN.server_no_verify)
    assert.same(check("server_no_verify"), r)
    assert.is_nil(p.s:getpeercert())
    assert.is_nil(p.s:getpeercert(true))
    assert.same({}, p.s:get_verified_chain())
    assert.same({}, p.s:get_unverified_chain())
  end)

  it("VERIFY_X509_PARTIAL_CHAIN trusts a non-root certificate (3.14's default, #35)", function()
    assert.is_nil(check("partial_chain").c)
    local r = check("leaf_only_trusted")
    assert.equal(20, r.c.verify_code)
  end)
end)

describe("a failed verification", function()
  local function verify_failure(name, code, message)
    local r = check(name)
    assert.equal("SSLCertVerificationError", r.c.cls)
    assert.equal(code, r.c.verify_code)
    assert.equal(message, r.c.verify_message)
    assert.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " .. message, r.c.msg)
    assert.equal(1, r.c.errno)
    assert.equal("SSL", r.c.library)
    assert.equal("CERTIFICATE_VERIFY_FAILED", r.c.reason)
    -- the server sees the client's alert
    assert.equal("SSLError", r.s.cls)
    return r
  end

  it("untrusted issuer: verify_code 20", function()
    verify_failure("untrusted", 20, "unable to get local issuer certificate")
    verify_failure("other_ca", 20, "unable to get local issuer certificate")
  end)

  it("self-signed: verify_code 18", function()
    verify_failure("self_signed", 18, "self-signed certificate")
  end)

  it("expired: verify_code 10", function()
    verify_failure("expired", 10, "certificate has expired")
  end)

  it("hostname mismatch: verify_code 62 with Python's message", function()
    verify_failure("hostname_mismatch", 62, "Hostname mismatch, certificate is not valid for 'example.com'.")
    verify_failure("wildcard_depth", 62, "Hostname mismatch, certificate is not valid for 'a.b.example.test'.")
  end)

  it("IP address mismatch: verify_code 64", function()
    verify_failure("ip4_mismatch", 64, "IP address mismatch, certificate is not valid for '127.0.0.2'.")
    verify_failure("ip6_mismatch", 64, "IP address mismatch, certificate is not valid for '::2'.")
  end)

  it("an IDNA hostname is named in its A-label form", function()
    verify_failure("idna_mismatch", 62, "Hostname mismatch, certificate is not valid for 'xn--pythn-mua.org'.")
  end)

  it("hostname_checks_common_name = false ignores the CN", function()
    verify_failure("nosan_no_cn", 62, "Hostname mismatch, certificate is not valid for 'nosan'.")
  end)

  it("the verify error is also a ValueError", function()
    local p = T.pair(SCN.untrusted)
    local c = T.handshake(p)
    assert.is_true(ssl.isinstance(c, ssl.ValueError))
    assert.is_true(ssl.isinstance(c, ssl.CertificateError))
    assert.is_true(ssl.isinstance(c, ssl.OSError))
  end)
end)

describe("client certificates", function()
  it("are verified and seen by the server", function()
    local r, p = lua_run(SCN.client_cert_ok)
    assert.same(check("client_cert_ok"), r)
    local peer = p.s:getpeercert()
    assert.same({{{"countryName", "XY"}}, {{"organizationName", "pyssl tests"}}, {{"commonName", "pyssl client"}}},
                peer.subject)
    assert.equal(2, #p.s:get_verified_chain())
    -- As in Python: the client's certificate first, then what OpenSSL
    -- keeps as the server's view of the peer chain (here the CA).
    local sent = p.s:get_unverified_chain()
    assert.equal(2, #sent)
    assert.equal(p.s:getpeercert(true), sent[1])
    assert.equal(p.s:get_verified_chain()[2], sent[2])
  end)

  it("missing with TLS 1.2: the server refuses during the handshake", function()
    local r = check("client_cert_missing12")
    assert.equal("[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate", r.s.msg)
    assert.equal("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure", r.c.msg)
    assert.equal(1, r.c.errno)
  end)

  it("missing with TLS 1.3: the client learns it at its first read", function()
    local r, p = lua_run(SCN.client_cert_missing13)
    assert.same(check("client_cert_missing13"), r)
    assert.is_nil(r.c)
    assert.equal("[SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] peer did not return a certificate", r.s.msg)
    local e = H.raises(ssl.SSLError,
      "[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED] tlsv13 alert certificate required", p.c.read, p.c)
    assert.equal(1, e.errno)
    assert.equal("TLSV13_ALERT_CERTIFICATE_REQUIRED", e.reason)
  end)

  it("from an unknown CA: verify error on the server, alert on the client", function()
    local r = check("client_cert_wrong12")
    assert.equal("SSLCertVerificationError", r.s.cls)
    assert.equal(20, r.s.verify_code)
    assert.equal("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca", r.c.msg)
  end)
end)

describe("negotiation failures", function()
  it("no common protocol version (options)", function()
    local r = check("version_options")
    assert.equal("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol", r.s.msg)
    assert.equal("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version", r.c.msg)
  end)

  it("no common protocol version (minimum/maximum_version)", function()
    local r = check("version_minmax")
    assert.equal("[SSL: UNSUPPORTED_PROTOCOL] unsupported protocol", r.s.msg)
    assert.equal("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version", r.c.msg)
  end)

  it("no shared cipher", function()
    local r = check("no_shared_cipher")
    assert.equal("[SSL: NO_SHARED_CIPHER] no shared cipher", r.s.msg)
    assert.equal("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure", r.c.msg)
  end)
end)

describe("a server fed garbage", function()
  local PY_GARBAGE = [[
def run(data):
    p = pair({"server": {"cert": "leafkey.pem"}, "client": {"ca": "ca.pem"}, "hostname": "localhost"})
    p.si.write(data.encode("latin-1"))
    first = attempt(p.s.do_handshake)
    second = attempt(p.s.do_handshake)
    return {"first": first, "second": second, "alert": len(p.so.read())}
]]
  local INPUTS = {
    http = "GET / HTTP/1.0\r\n\r\n",
    text = "HELLO this is not TLS at all\n",
    tlsish = "\22\3\1\0\5hello",
  }

  it("raises Python's SSLError, then SSLEOFError, and leaves an alert", function()
    -- 3.12+ (H.PYTHON_NEWER): the second error is an EOF (3.11: SSLSyscallError)
    local py = T.python_each(INPUTS, PY_GARBAGE, true)
    for name, data in pairs(INPUTS) do
      local p = T.pair({server = {cert = "leafkey.pem"}, client = {ca = "ca.pem"}, hostname = "localhost"})
      p.si:write(data)
      local first = T.attempt(p.s.do_handshake, p.s)
      local second = T.attempt(p.s.do_handshake, p.s)
      assert.same(py[name], {first = first, second = second, alert = #p.so:read()}, name)
    end
    assert.equal("[SSL: HTTP_REQUEST] http request", py.http.first.err.msg)
  end)

  it("an EOF before the ClientHello is an SSLEOFError", function()
    local p = T.pair({server = {cert = "leafkey.pem"}, client = {ca = "ca.pem"}, hostname = "localhost"})
    p.si:write_eof()
    local e = H.raises(ssl.SSLEOFError, "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol",
                       p.s.do_handshake, p.s)
    assert.equal(8, e.errno)
    -- again: 3.12+ answer an EOF (3.11: SSLSyscallError "Some I/O error occurred")
    e = H.raises(ssl.SSLEOFError, "EOF occurred in violation of protocol", p.s.do_handshake, p.s)
    assert.equal(8, e.errno)
    assert.is_nil(e.library)
  end)
end)

describe("a server fed mutated ClientHellos", function()
  local PY_MUTATED = [[
def run(variant):
    p = pair({"server": {"cert": "leafkey.pem"}, "client": {"ca": "ca.pem"}, "hostname": "localhost"})
    p.si.write(bytes.fromhex(variant["hex"]))
    if variant["eof"]:
        p.si.write_eof()
    first = attempt(p.s.do_handshake)
    second = attempt(p.s.do_handshake)
    return {"first": first, "second": second, "out": len(p.so.read())}
]]

  -- A deterministic generator (the same variants on every run).
  local function generator(seed)
    local x = seed
    return function(n)
      -- x * 1103515245 split in two (16838 * 65536 + 20077), so that
      -- every product stays exact where numbers are doubles
      x = (x * 20077 + (x * 16838) % 32768 * 65536 + 12345) % 2147483648
      return math.floor(x / 65536) % n
    end
  end

  -- Variants of `hello`: bytes flipped, cut short, or junk inserted.
  local function mutations(hello, count)
    local rand, out = generator(20261125), {}
    for i = 1, count do
      local bytes = {hello:byte(1, -1)}
      local kind = i % 3
      if kind == 0 then
        for _ = 1, 1 + rand(4) do
          local at = 1 + rand(#bytes)
          bytes[at] = (bytes[at] + 1 + rand(255)) % 256
        end
      elseif kind == 1 then
        for j = #bytes, 2 + rand(#bytes - 1), -1 do bytes[j] = nil end
      else
        local at = 1 + rand(#bytes)
        for _ = 1, 1 + rand(8) do table.insert(bytes, at, rand(256)) end
      end
      out[#out + 1] = string.char(H.compat.unpack(bytes))
    end
    return out
  end

  local function hex(s)
    return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
  end

  it("fails each one as Python's ssl does (class, message, what is sent back)", function()
    local c = T.pair({server = {cert = "leafkey.pem"}, client = {ca = "ca.pem"}, hostname = "localhost"})
    T.attempt(c.c.do_handshake, c.c)
    local hello = c.co:read()
    assert.is_true(#hello > 200)
    local variants, inputs = mutations(hello, 120), {}
    -- every other one followed by an EOF, so that incomplete ones end too
    for i, v in ipairs(variants) do inputs["v" .. i] = {hex = hex(v), eof = i % 2 == 0} end
    local py = T.python_each(inputs, PY_MUTATED, true)   -- 3.12+: EOFs, as above
    local failures, reasons = 0, {}
    for i, v in ipairs(variants) do
      local p = T.pair({server = {cert = "leafkey.pem"}, client = {ca = "ca.pem"}, hostname = "localhost"})
      p.si:write(v)
      if i % 2 == 0 then p.si:write_eof() end
      local first = T.attempt(p.s.do_handshake, p.s)
      local second = T.attempt(p.s.do_handshake, p.s)
      assert.same(py["v" .. i], {first = first, second = second, out = #p.so:read()}, "variant " .. i)
      if first.err and first.err.cls ~= "SSLWantReadError" then
        failures = failures + 1
        reasons[first.err.msg] = true
      end
    end
    local distinct = 0
    for _ in pairs(reasons) do distinct = distinct + 1 end
    assert.is_true(failures > 60)   -- most variants are refused,
    assert.is_true(distinct >= 4)   -- for several different reasons
  end)
end)

describe("post-handshake authentication (#45)", function()
  local PY_PHA = [[
def run(kind):
    srv = {"cert": "leafkey.pem", "ca": "ca.pem", "verify_mode": 2, "pha": True}
    cli = {"ca": "ca.pem", "cert": "clientkey.pem", "pha": kind != "noflag", "no_tls13": kind == "tls12"}
    p = connect({"client": cli, "server": srv, "hostname": "localhost"})
    out = [p.s.getpeercert(), attempt(p.c.verify_client_post_handshake),
           attempt(p.s.verify_client_post_handshake)]
    send(p.s, p, b"ping")
    out.append(attempt(p.c.read))
    transfer(p)
    send(p.c, p, b"pong")
    out.append(attempt(p.s.read))
    out.append(p.s.getpeercert())
    return out
]]

  local function lua_pha(kind)
    local srv = {cert = "leafkey.pem", ca = "ca.pem", verify_mode = 2, pha = true}
    local client = {ca = "ca.pem", cert = "clientkey.pem", pha = kind ~= "noflag", no_tls13 = kind == "tls12"}
    local p = T.connect({client = client, server = srv, hostname = "localhost"})
    local out = {p.s:getpeercert() or H.json.null, T.attempt(p.c.verify_client_post_handshake, p.c),
                 T.attempt(p.s.verify_client_post_handshake, p.s)}
    T.send(p.s, p, "ping")
    out[4] = T.attempt(p.c.read, p.c)
    T.transfer(p)
    T.send(p.c, p, "pong")
    out[5] = T.attempt(p.s.read, p.s)
    out[6] = p.s:getpeercert() or H.json.null
    return T.denull(out)
  end

  it("the server asks for the client certificate after the handshake, as in Python", function()
    local py = T.python_each({ok = "ok", noflag = "noflag", tls12 = "tls12"}, PY_PHA)
    for _, kind in ipairs{"ok", "noflag", "tls12"} do
      assert.same(py[kind], lua_pha(kind), kind)
    end
    assert.is_nil(py.ok[1])
    assert.equal("[SSL: NOT_SERVER] not server", py.ok[2].err.msg)
    assert.same({}, py.ok[3])
    assert.equal("pyssl client", py.ok[6].subject[3][1][2])
    assert.equal("[SSL: EXTENSION_NOT_RECEIVED] extension not received", py.noflag[3].err.msg)
    assert.equal("[SSL: WRONG_SSL_VERSION] wrong ssl version", py.tls12[3].err.msg)
  end)
end)

describe("ALPN (#41)", function()
  local CASES = {
    server_pref = {{"h2", "http/1.1"}, {"http/1.1", "h2"}},
    server_pref2 = {{"http/1.1", "h2"}, {"h2", "http/1.1"}},
    none_shared = {{"h2"}, {"http/1.1"}},
    client_only = {{"h2"}, nil},
  }
  local PY_ALPN = [[
def run(case):
    c = {"ca": "ca.pem", "alpn": case[0]}
    s = {"cert": "leafkey.pem", "alpn": case[1] if len(case) > 1 else None}
    p = pair({"client": c, "server": s, "hostname": "localhost"})
    errs = handshake(p)
    return [describe(errs[0]), describe(errs[1]), p.c.selected_alpn_protocol(), p.s.selected_alpn_protocol()]
]]

  it("both ends agree on the server's choice, or on none", function()
    local py = T.python_each(CASES, PY_ALPN)
    for name, case in pairs(CASES) do
      local p = T.pair({client = {ca = "ca.pem", alpn = case[1]}, server = {cert = "leafkey.pem", alpn = case[2]},
                        hostname = "localhost"})
      local c, s = T.handshake(p)
      assert.same(py[name], {T.describe(c), T.describe(s), p.c:selected_alpn_protocol(),
                             p.s:selected_alpn_protocol()}, name)
    end
    assert.same({nil, nil, "http/1.1", "http/1.1"}, py.server_pref)
    assert.same({nil, nil, "h2", "h2"}, py.server_pref2)
  end)
end)

describe("the SNI callback (#42)", function()
  it("sees the SSLObject, the name and the context, and can switch the context", function()
    local py = T.denull(H.python(T.PY .. [==[
seen = []
sctx = context({"cert": "otherkey.pem"}, True)
ctx2 = context({"cert": "leafkey.pem"}, True)
def cb(obj, name, ctx):
    seen.append([type(obj).__name__, name, ctx is sctx, obj.context is sctx])
    obj.context = ctx2
sctx.sni_callback = cb
out = {}
for host in ("localhost", "127.0.0.1"):
    p = pair({"client": {"ca": "ca.pem"}, "hostname": host}, None, sctx)
    errs = handshake(p)
    out[host] = [describe(errs[0]), describe(errs[1]), p.s.context is ctx2,
                 errs[0] is None and p.c.getpeercert()["issuer"][0][0][1]]
print(json.dumps({"seen": seen, "out": out}))
]==]))
    local seen = {}
    local sctx = T.context({cert = "otherkey.pem"}, true)
    local ctx2 = T.context({cert = "leafkey.pem"}, true)
    sctx.sni_callback = function(obj, name, ctx)
      seen[#seen + 1] = {ssl._typename(obj), name == nil and H.json.null or name, ctx == sctx, obj.context == sctx}
      obj.context = ctx2
    end
    local out = {}
    for _, host in ipairs{"localhost", "127.0.0.1"} do
      local p = T.pair({client = {ca = "ca.pem"}, hostname = host}, nil, sctx)
      local c, s = T.handshake(p)
      out[host] = {T.describe(c), T.describe(s), p.s.context == ctx2,
                   c == nil and p.c:getpeercert().issuer[1][1][2]}
    end
    assert.same(py, T.denull({seen = seen, out = out}))
    assert.same({"SSLObject", "localhost", true, true}, py.seen[1])
    assert.same({"SSLObject", nil, true, true}, py.seen[2])
    assert.same({nil, nil, true, "pyssl test CA"}, py.out.localhost)
  end)
end)
