-- SSLObject: creation, properties, I/O, shutdown, EOF, closing and
-- collection, compared with python3 where Python can show it.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"

local BASIC = {client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"}
local TLS12 = {client = {ca = "ca.pem", no_tls13 = true}, server = {cert = "leafkey.pem"}, hostname = "localhost"}

local function client_ctx(check)
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  if check == false then ctx.check_hostname = false end
  return ctx
end

local function bios()
  return ssl.MemoryBIO(), ssl.MemoryBIO()
end

describe("creating an SSLObject", function()
  it("has no public constructor", function()
    H.raises(ssl.TypeError,
      "SSLObject does not have a public constructor. Instances are returned by SSLContext.wrap_bio().",
      ssl.SSLObject)
  end)

  it("needs two MemoryBIOs", function()
    local ctx = client_ctx(false)
    H.raises(ssl.TypeError, "_wrap_bio() argument 'incoming' must be _ssl.MemoryBIO, not str",
             ctx.wrap_bio, ctx, "x", ssl.MemoryBIO())
    H.raises(ssl.TypeError, "_wrap_bio() argument 'outgoing' must be _ssl.MemoryBIO, not int",
             ctx.wrap_bio, ctx, ssl.MemoryBIO(), 5)
    H.raises(ssl.TypeError, "_wrap_bio() argument 'incoming' must be _ssl.MemoryBIO, not SSLContext",
             ctx.wrap_bio, ctx, ctx, ssl.MemoryBIO())
  end)

  it("refuses the wrong side of a client or server context", function()
    local e = H.raises(ssl.SSLError, "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context",
                       client_ctx(false).wrap_bio, client_ctx(false), ssl.MemoryBIO(), ssl.MemoryBIO(),
                       {server_side = true})
    assert.equal(0, e.errno)
    assert.is_nil(e.library)
    local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    H.raises(ssl.SSLError, "Cannot create a client socket with a PROTOCOL_TLS_SERVER context",
             sctx.wrap_bio, sctx, ssl.MemoryBIO(), ssl.MemoryBIO())
  end)

  it("checks server_side, server_hostname and session as 3.14.8 does", function()
    local ctx = client_ctx()
    H.raises(ssl.ValueError, "check_hostname requires server_hostname", ctx.wrap_bio, ctx, bios())
    H.raises(ssl.ValueError, "check_hostname requires server_hostname", ctx.wrap_bio, ctx,
             ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = ""})
    local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    H.raises(ssl.ValueError, "server_hostname can only be specified in client mode",
             sctx.wrap_bio, sctx, ssl.MemoryBIO(), ssl.MemoryBIO(), true, "x")
    local p = T.connect(TLS12)
    H.raises(ssl.ValueError, "session can only be specified in client mode",
             sctx.wrap_bio, sctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_side = true, session = p.c.session})
  end)

  it("refuses empty and dot-leading hostnames", function()
    local ctx = client_ctx(false)
    H.raises(ssl.ValueError, "server_hostname cannot be an empty string or start with a leading dot.",
             ctx.wrap_bio, ctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = ""})
    -- 3.13's idna codec: UnicodeEncodeError with its fields
    local e = H.raises(ssl.UnicodeEncodeError,
      "'idna' codec can't encode character '\\x2e' in position 0: label empty",
      ctx.wrap_bio, ctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = ".localhost"})
    assert.is_true(ssl.isinstance(e, ssl.UnicodeError))
    assert.is_true(ssl.isinstance(e, ssl.ValueError))
    assert.same({"idna", ".localhost", 0, 1, "label empty"}, {e.encoding, e.object, e.start, e["end"], e.reason})
    H.raises(ssl.AttributeError, "'int' object has no attribute 'decode'",
             ctx.wrap_bio, ctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = 5})
  end)

  it("wrap_bio calls _encode_hostname and SSLObject._create as Python does, even replaced", function()
    local ctx = client_ctx(false)
    local encode, create = ssl.SSLContext._encode_hostname, ssl.SSLObject._create
    local seen = {}
    ssl.SSLContext._encode_hostname = function(self, name)
      seen[#seen + 1] = name
      return encode(self, name and name:upper())
    end
    local ok, o = pcall(ctx.wrap_bio, ctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "localhost"})
    ssl.SSLContext._encode_hostname = encode
    assert.is_true(ok, tostring(o))
    assert.same({"localhost"}, seen)
    assert.equal("LOCALHOST", o.server_hostname)
    ssl.SSLObject._create = function(cls, ...)
      seen[#seen + 1] = select(4, ...)
      return create(cls, ...)
    end
    ok, o = pcall(ctx.wrap_bio, ctx, ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "example.org"})
    ssl.SSLObject._create = create
    assert.is_true(ok, tostring(o))
    assert.same({"localhost", "example.org"}, seen)
    assert.equal("example.org", o.server_hostname)
  end)

  it("IDNA-encodes hostnames like Python's str.encode('idna')", function()
    local names = {"pythön.org", "Pythön.ORG", "straße.de", "Bücher。example", "ÀÉÎ.com",
                   "xn--pythn-mua.org", "ex.com.", "a..b", ".", ("a"):rep(64) .. ".com",
                   ("é"):rep(70), "münchen.de", "ÿ.com", "ıi.com",
                   ("a"):rep(63), ("a"):rep(64), "a." .. ("b"):rep(64), ("c"):rep(63) .. ".",
                   "1.2.3.4", "::1", "localhost", ""}
    local py = T.denull(H.python([[
out = []
for n in json.loads(sys.argv[1] if len(sys.argv) > 1 else ]] .. string.format("%q", H.json.encode(names)) .. [[):
    try:
        out.append({"ok": n.encode("idna").decode("ascii")})
    except UnicodeError as e:
        out.append({"err": str(e)})
print(json.dumps(out))
]], true))   -- H.PYTHON_NEWER: 3.13's idna codec errors (UnicodeEncodeError)
    local ctx = client_ctx(false)
    for i, name in ipairs(names) do
      local got = T.attempt(ssl.SSLContext._encode_hostname, ctx, name)
      if got.err then got = {err = got.err.msg} end
      assert.same(py[i], got, name)
    end
    local o = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "pythön.org"})
    assert.equal("xn--pythn-mua.org", o.server_hostname)
  end)
end)

describe("SSLObject properties", function()
  it("server_side, server_hostname, context and session before the handshake", function()
    local p = T.pair(BASIC)
    assert.is_false(p.c.server_side)
    assert.is_true(p.s.server_side)
    assert.equal("localhost", p.c.server_hostname)
    assert.is_nil(p.s.server_hostname)
    assert.equal(p.cctx, p.c.context)
    assert.is_nil(p.c.session)
    assert.is_false(p.c.session_reused)
    assert.is_true(ssl.isinstance(p.c, ssl.SSLObject))
    assert.truthy(tostring(p.c):match("^<ssl%.SSLObject object at "))
  end)

  it("read-only properties use Python's property wording", function()
    local p = T.pair(BASIC)
    for _, name in ipairs{"server_side", "server_hostname", "session_reused"} do
      H.raises(ssl.AttributeError, "property '" .. name .. "' of 'SSLObject' object has no setter",
               function() p.c[name] = 1 end)
    end
    H.raises(ssl.AttributeError, "'SSLObject' object has no attribute 'bar'", function() return p.c.bar end)
    p.c.foo = 1   -- instances take new attributes, as Python's do
    assert.equal(1, p.c.foo)
  end)

  it("context and session setters check their values", function()
    local p = T.pair(BASIC)
    H.raises(ssl.TypeError, "The value must be a SSLContext", function() p.c.context = 5 end)
    H.raises(ssl.TypeError, "Value is not a SSLSession.", function() p.c.session = "x" end)
  end)

  it("before the handshake: nothing negotiated yet", function()
    local p = T.pair(BASIC)
    local c = p.c
    assert.is_nil(c:cipher())
    assert.is_nil(c:version())
    assert.is_nil(c:shared_ciphers())
    assert.is_nil(c:compression())
    assert.is_nil(c:selected_alpn_protocol())
    assert.is_nil(c:selected_npn_protocol())
    assert.is_nil(c:get_channel_binding())
    assert.equal(0, c:pending())
    assert.same({}, c:get_verified_chain())
    assert.same({}, c:get_unverified_chain())
    H.raises(ssl.ValueError, "handshake not done yet", c.getpeercert, c)
    H.raises(ssl.ValueError, "handshake not done yet", c.getpeercert, c, {binary_form = true})
    H.raises(ssl.ValueError, "'foo' channel binding type not implemented", c.get_channel_binding, c, "foo")
    H.raises(ssl.TypeError, "get_channel_binding() argument 'cb_type' must be str, not int",
             c.get_channel_binding, c, 5)
  end)
end)

describe("SSLObject errors before the handshake, as Python's", function()
  local PY = [[
def run(what):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    o = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
    calls = {
        "read": lambda: o.read(10), "read_neg": lambda: o.read(-1), "read_zero": lambda: o.read(0),
        "read_str": lambda: o.read("x"), "read_buffer": lambda: o.read(10, "x"),
        "write": lambda: o.write(b"x"), "write_empty": lambda: o.write(b""),
        "write_int": lambda: o.write(5), "unwrap": lambda: o.unwrap(),
        "handshake": lambda: o.do_handshake(), "pha": lambda: o.verify_client_post_handshake(),
    }
    return attempt(calls[what])
]]
  local CALLS = {
    read = function(o) return o:read(10) end,
    read_neg = function(o) return o:read(-1) end,
    read_zero = function(o) return o:read(0) end,
    read_str = function(o) return o:read("x") end,
    read_buffer = function(o) return o:read(10, "x") end,
    write = function(o) return o:write("x") end,
    write_empty = function(o) return o:write("") end,
    write_int = function(o) return o:write(5) end,
    unwrap = function(o) return o:unwrap() end,
    handshake = function(o) return o:do_handshake() end,
    pha = function(o) return o:verify_client_post_handshake() end,
  }

  it("read, write, unwrap, do_handshake, verify_client_post_handshake", function()
    local names = {}
    for k in pairs(CALLS) do names[k] = k end
    local py = T.python_each(names, PY)
    for name, f in pairs(CALLS) do
      local o = client_ctx(false):wrap_bio(bios())
      assert.same(py[name], T.attempt(f, o), name)
    end
    assert.equal("The operation did not complete (read)", py.read.err.msg)
    assert.equal("[SSL: SHUTDOWN_WHILE_IN_INIT] shutdown while in init", py.unwrap.err.msg)
  end)
end)

describe("data over an established connection", function()
  it("TLS 1.3: cipher, shared ciphers, channel binding (#47)", function()
    local p = T.connect(BASIC)
    assert.same({"TLS_AES_256_GCM_SHA384", "TLSv1.3", 256}, p.c:cipher())
    assert.same(p.c:cipher(), p.s:cipher())
    assert.equal(17, #p.s:shared_ciphers())
    assert.same({"TLS_AES_256_GCM_SHA384", "TLSv1.3", 256}, p.s:shared_ciphers()[1])
    assert.is_nil(p.c:shared_ciphers())
    assert.equal(p.c:get_channel_binding(), p.s:get_channel_binding("tls-unique"))
    assert.equal(48, #p.c:get_channel_binding())
    H.raises(ssl.ValueError, "'foo' channel binding type not implemented", p.c.get_channel_binding, p.c, "foo")
    assert.is_nil(p.c:compression())
    assert.equal("TLSv1.3", p.s:version())
  end)

  it("TLS 1.2: a 12-byte channel binding, equal on both ends", function()
    local p = T.connect(TLS12)
    assert.equal(12, #p.c:get_channel_binding())
    assert.equal(p.c:get_channel_binding(), p.s:get_channel_binding())
  end)

  it("write, read, pending (#48)", function()
    local p = T.connect(BASIC)
    assert.equal(0, p.c:write(""))
    assert.equal(5, T.send(p.c, p, "hello"))
    assert.equal("he", p.s:read(2))
    assert.equal(3, p.s:pending())
    assert.equal("llo", p.s:read())
    assert.equal("", p.s:read(0))
    local e = H.raises(ssl.SSLWantReadError, "The operation did not complete (read)", p.s.read, p.s)
    assert.equal(2, e.errno)
    -- and the other way, with keyword arguments
    T.send(p.s, p, "world")
    assert.equal("wor", p.c:read({len = 3}))
    assert.equal("ld", p.c:read(1024))
  end)

  it("reads into a bytearray as Python's read(len, buffer) does", function()
    local bytearray = require("pyssl.socket").bytearray
    local p = T.connect(BASIC)
    T.send(p.c, p, "hello world")
    local buf = bytearray(8)
    assert.equal(3, p.s:read(3, buf))
    assert.equal("hel\0\0\0\0\0", tostring(buf))
    assert.equal(8, p.s:read(0, buf))            -- len <= 0: the whole buffer
    assert.equal("lo world", tostring(buf))
    T.send(p.c, p, "!")
    assert.equal(1, p.s:read(100, buf))          -- len > #buf is cut to #buf
    assert.equal("!o world", tostring(buf))
    H.raises(ssl.SSLWantReadError, "The operation did not complete (read)", p.s.read, p.s, 4, buf)
    H.raises(ssl.TypeError, "read() argument 2 must be read-write bytes-like object, not str",
             p.s.read, p.s, 4, "abcd")
    H.raises(ssl.SSLWantReadError, nil, p.c.unwrap, p.c)   -- sends close_notify
    T.transfer(p)
    assert.equal(0, p.s:read(4, buf))            -- close_notify: end of data
  end)

  it("moves large payloads whole: write never writes partially", function()
    local p = T.connect(BASIC)
    local data = {}
    for i = 1, 20000 do data[i] = string.char(i % 251) end
    data = table.concat(data):rep(10)   -- 200,000 bytes
    assert.equal(#data, T.send(p.c, p, data))
    local got, n = {}, 0
    for _ = 1, 100 do
      local chunk = T.try_read(p.s, 100000)
      if not chunk then break end
      assert.is_true(#chunk <= 16384)
      got[#got + 1] = chunk
      n = n + #chunk
    end
    assert.equal(#data, n)
    assert.equal(data, table.concat(got))
  end)

  it("each retry raises a new SSLWantReadError with every field (messages are cached per call site)", function()
    local p = T.connect(BASIC)
    local function want_read()
      local ok, e = pcall(p.s.read, p.s, 1)
      assert.is_false(ok)
      return e
    end
    local e1 = want_read()
    local msg = e1.args[2]
    assert.matches("^The operation did not complete %(read%) %(sslobject%.c:%d+%)$", msg)
    e1.args[2], e1.errno = "changed", 99
    local e2 = want_read()
    assert.are_not.equal(e1, e2)
    assert.are_not.equal(e1.args, e2.args)
    assert.same({2, msg}, e2.args)
    assert.equal(2, e2.errno)
    assert.equal(msg, e2.strerror)
    assert.is_nil(e2.library)
    assert.is_nil(e2.reason)
    assert.equal(msg, ssl.str(e2))
    assert.equal(ssl.SSLWantReadError, getmetatable(e2))
    assert.is_true(ssl.isinstance(e2, ssl.SSLError))
    assert.is_true(ssl.isinstance(e2, ssl.OSError))
  end)

  it("a read on a client consumes TLS 1.3 tickets and raises SSLWantReadError", function()
    local p = T.connect(BASIC)
    H.raises(ssl.SSLWantReadError, "The operation did not complete (read)", p.c.read, p.c, 10)
    assert.equal(0, p.c:pending())
  end)
end)

describe("shutdown", function()
  local PY_SHUTDOWN = [[
def run(kind):
    p = connect(scn_for(kind))
    steps = []
    steps.append(attempt(p.c.unwrap)); transfer(p)
    steps.append(attempt(p.s.read)); transfer(p)
    steps.append(attempt(p.s.read))
    steps.append(attempt(p.s.unwrap)); transfer(p)
    steps.append(attempt(p.c.unwrap)); transfer(p)
    steps.append(attempt(p.c.read))
    steps.append(attempt(p.c.write, b"x"))
    steps.append(attempt(p.s.write, b"x"))
    steps.append(attempt(p.s.read))
    steps.append(attempt(p.c.unwrap))
    return steps
def scn_for(kind):
    s = {"client": {"ca": "ca.pem"}, "server": {"cert": "leafkey.pem"}, "hostname": "localhost"}
    if kind == "tls12": s["client"]["no_tls13"] = True
    return s
]]

  local function lua_steps(scn)
    local p = T.connect(scn)
    local steps = {}
    local function step(f, ...) steps[#steps + 1] = T.attempt(f, ...) end
    step(p.c.unwrap, p.c); T.transfer(p)
    step(p.s.read, p.s); T.transfer(p)
    step(p.s.read, p.s)
    step(p.s.unwrap, p.s); T.transfer(p)
    step(p.c.unwrap, p.c); T.transfer(p)
    step(p.c.read, p.c)
    step(p.c.write, p.c, "x")
    step(p.s.write, p.s, "x")
    step(p.s.read, p.s)
    step(p.c.unwrap, p.c)
    return steps
  end

  it("unwrap both ways, then reads and writes fail as in Python (#49)", function()
    local py = T.python_each({tls13 = "tls13", tls12 = "tls12"}, PY_SHUTDOWN)
    assert.same(py.tls13, lua_steps(BASIC))
    assert.same(py.tls12, lua_steps(TLS12))
    local s = py.tls13
    assert.equal("SSLWantReadError", s[1].err.cls)
    assert.same({ok = ""}, s[2])
    assert.same({}, s[4])   -- unwrap returns None
    assert.same({}, s[5])
    assert.same({cls = "SSLZeroReturnError", msg = "TLS/SSL connection has been closed (EOF)", errno = 6},
                s[6].err)
    assert.equal("[SSL: PROTOCOL_IS_SHUTDOWN] protocol is shutdown", s[7].err.msg)
  end)

  it("the server can start it too", function()
    local p = T.connect(BASIC)
    H.raises(ssl.SSLWantReadError, nil, p.s.unwrap, p.s)
    T.transfer(p)
    assert.equal("", p.c:read())
    assert.is_nil(p.c:unwrap())
    T.transfer(p)
    assert.is_nil(p.s:unwrap())
  end)

  it("data sent before close_notify is still read", function()
    local p = T.connect(BASIC)
    p.c:write("last words")
    H.raises(ssl.SSLWantReadError, nil, p.c.unwrap, p.c)
    T.transfer(p)
    assert.equal("last words", p.s:read())
    assert.equal("", p.s:read())
  end)
end)

describe("a ragged EOF", function()
  it("is SSLEOFError with the reason, then without it (#50)", function()
    local py = T.denull(T.python(BASIC, [[
p = connect(scn)
p.si.write_eof()
print(json.dumps([attempt(p.s.read), attempt(p.s.read), attempt(p.s.write, b"x")]))
]]))
    local p = T.connect(BASIC)
    p.si:write_eof()
    local got = {T.attempt(p.s.read, p.s), T.attempt(p.s.read, p.s), T.attempt(p.s.write, p.s, "x")}
    assert.same(py, got)
    assert.same({cls = "SSLEOFError", errno = 8, library = "SSL", reason = "UNEXPECTED_EOF_WHILE_READING",
                 msg = "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol"}, got[1].err)
    assert.same({cls = "SSLEOFError", errno = 8, msg = "EOF occurred in violation of protocol"}, got[2].err)
  end)

  it("during the handshake, on the client", function()
    local p = T.pair(BASIC)
    H.raises(ssl.SSLWantReadError, nil, p.c.do_handshake, p.c)
    p.ci:write_eof()
    local e = H.raises(ssl.SSLEOFError,
      "[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol", p.c.do_handshake, p.c)
    assert.equal(8, e.errno)
  end)
end)

describe("closing and collecting", function()
  it("<close> frees the connection at once (5.4 only)", function()
    H.only("5.4")
    local kept = client_ctx(false):wrap_bio(bios())
    -- compiled here: older parsers reject the attribute
    H.compat.load("local o <close> = ...")(kept)
    H.raises(ssl.ValueError, "SSLObject has been closed", kept.do_handshake, kept)
  end)

  it("__close frees the connection at once; later calls raise ValueError", function()
    local ctx = client_ctx(false)
    local kept = ctx:wrap_bio(bios())
    assert.is_false(kept.server_side)
    getmetatable(kept).__close(kept)   -- what <close> calls on 5.4
    for _, m in ipairs{"do_handshake", "read", "write", "pending", "unwrap", "cipher", "version",
                       "getpeercert", "get_verified_chain", "get_unverified_chain", "shared_ciphers",
                       "compression", "selected_alpn_protocol", "get_channel_binding",
                       "verify_client_post_handshake"} do
      H.raises(ssl.ValueError, "SSLObject has been closed", kept[m], kept, m == "write" and "x" or nil)
    end
    H.raises(ssl.ValueError, "SSLObject has been closed", function() return kept.session end)
    H.raises(ssl.ValueError, "SSLObject has been closed", function() return kept.session_reused end)
    -- plain attributes still answer; closing twice is fine
    assert.is_false(kept.server_side)
    assert.equal(ctx, kept.context)
    getmetatable(kept).__close(kept)
    getmetatable(kept).__gc(kept)
  end)

  it("the context can go first: the connection keeps working", function()
    local p = T.pair(BASIC)
    p.cctx, p.sctx = nil, nil
    local c, s = p.c, p.s
    for _ = 1, 3 do collectgarbage() end
    assert.is_nil(T.handshake(p))
    T.send(c, p, "ping")
    assert.equal("ping", s:read())
    -- an explicitly closed context does not break a live connection either
    local ctx = s.context
    getmetatable(ctx).__close(ctx)
    T.send(s, p, "pong")
    assert.equal("pong", c:read())
  end)

  it("the BIOs can be dropped by the caller: OpenSSL keeps its own references", function()
    local ctx = client_ctx(false)
    local sctx = T.context({cert = "leafkey.pem"}, true)
    local o = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
    local s = sctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_side = true})
    for _ = 1, 3 do collectgarbage() end
    H.raises(ssl.SSLWantReadError, nil, o.do_handshake, o)
    H.raises(ssl.SSLWantReadError, nil, s.do_handshake, s)
  end)

  it("a MemoryBIO closed explicitly does not break its connection", function()
    local p = T.pair(BASIC)
    local co = p.co
    H.raises(ssl.SSLWantReadError, nil, p.c.do_handshake, p.c)
    local hello = co:read()
    getmetatable(co).__close(co)
    assert.is_true(#hello > 0)
    H.raises(ssl.SSLWantReadError, nil, p.c.do_handshake, p.c)
  end)

  it("objects collected in any order, many times over, without a crash", function()
    local sctx = T.context({cert = "leafkey.pem"}, true)
    local survivors = {}
    for i = 1, 30 do
      local p = T.pair(BASIC, nil, sctx)
      if i % 3 == 0 then
        assert.is_nil(T.handshake(p))
      end
      if i % 5 == 0 then survivors[#survivors + 1] = p.c end
      -- drop everything else in different orders
      if i % 2 == 0 then p.ci, p.co = nil, nil end
      if i % 3 == 1 then p.cctx = nil end
      p = nil
      collectgarbage()
    end
    for _ = 1, 3 do collectgarbage() end
    for _, c in ipairs(survivors) do
      assert.is_false(c.server_side)
      assert.equal(0, c:pending())
      c:version()
    end
  end)

  it("collects a connection whose context and BIOs are only reachable through it", function()
    local gone = setmetatable({}, {__mode = "v"})
    do
      local p = T.connect(BASIC)
      gone[1], gone[2], gone[3] = p.c, p.cctx, p.ci
    end
    for _ = 1, 4 do collectgarbage() end
    assert.is_nil(next(gone))
  end)
end)

describe("context switching", function()
  it("assigning context on the server before the handshake serves the new certificate", function()
    local p = T.pair({client = {ca = "ca.pem"}, server = {cert = "otherkey.pem"}, hostname = "localhost"})
    local ctx2 = T.context({cert = "leafkey.pem"}, true)
    p.s.context = ctx2
    assert.equal(ctx2, p.s.context)
    local c, s = T.handshake(p)
    assert.is_nil(c)
    assert.is_nil(s)
    assert.equal("localhost", p.c:getpeercert().subject[3][1][2])
  end)
end)

describe("sslobject_class", function()
  it("defaults to SSLObject and a Lua subclass gets its own methods", function()
    local ctx = client_ctx(false)
    assert.equal(ssl.SSLObject, ctx.sslobject_class)
    local Mine = setmetatable({hello = function(self) return "hello from " .. tostring(self.server_side) end},
                              {__index = ssl.SSLObject})
    ctx.sslobject_class = Mine
    local o = ctx:wrap_bio(bios())
    assert.equal("hello from false", o:hello())
    assert.is_true(ssl.isinstance(o, ssl.SSLObject))
    H.raises(ssl.SSLWantReadError, nil, o.do_handshake, o)
    assert.equal(ssl.SSLObject, client_ctx(false).sslobject_class)
  end)

  it("calls a subclass's own _create with Python's arguments, the hostname encoded", function()
    local ctx = client_ctx(false)
    local seen
    local Mine = setmetatable({_create = function(cls, incoming, outgoing, server_side, server_hostname,
                                                  session, context)
      seen = {cls, incoming, outgoing, server_side, server_hostname, session, context}
      return ssl.SSLObject._create(cls, incoming, outgoing, server_side, server_hostname, session, context)
    end}, {__index = ssl.SSLObject})
    ctx.sslobject_class = Mine
    local i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    local obj = ctx:wrap_bio(i, o, {server_hostname = "pythön.org", server_side = false})
    assert.same({Mine, i, o, false, "xn--pythn-mua.org", nil, ctx}, seen)
    assert.equal("xn--pythn-mua.org", obj.server_hostname)
    assert.is_true(ssl.isinstance(obj, ssl.SSLObject))
    -- Omitted (nil) server_side: Python's default False reaches _create.
    ctx:wrap_bio(i, o, nil, nil, nil)
    assert.same({Mine, i, o, false, nil, nil, ctx}, seen)
  end)
end)

describe("one MemoryBIO for both directions", function()
  it("is accepted, as in Python, and freed once", function()
    local bio = ssl.MemoryBIO()
    local o = client_ctx(false):wrap_bio(bio, bio)
    -- it reads its own ClientHello and answers with an alert (Python: the same)
    H.raises(ssl.SSLError, "[SSL: UNEXPECTED_MESSAGE] unexpected message", o.do_handshake, o)
    assert.equal(7, bio.pending)
    getmetatable(o).__close(o)
    assert.equal(7, bio.pending)
  end)
end)

describe("MemoryBIO as a byte queue", function()
  it("keeps order, pending and eof through partial and whole reads, as python3 does", function()
    -- Writes and reads of every size class, partial reads, reads after a
    -- whole read, writes after partial reads, write_eof: each step's result
    -- and pending/eof compared with python3's MemoryBIO.
    local steps = {
      {"w", 3000}, {"r", 10}, {"r", -1}, {"r", 5}, {"w", 20000}, {"r", 16384},
      {"w", 7}, {"r", 100000}, {"w", 1}, {"w", 2}, {"r", 2}, {"w", 70000},
      {"r", 0}, {"r", 69999}, {"r", -1}, {"eof"}, {"r", 4}, {"r", -1},
    }
    local function byte_of(i) return string.char(97 + i % 26) end
    local mine, serial = {}, 0
    local bio = ssl.MemoryBIO()
    for _, st in ipairs(steps) do
      local got
      if st[1] == "w" then
        local t = {}
        for i = 1, st[2] do t[i] = byte_of(serial + i) end
        serial = serial + st[2]
        got = bio:write(table.concat(t))
      elseif st[1] == "r" then
        got = bio:read(st[2])
        got = #got .. ":" .. got:sub(1, 3) .. got:sub(-3)
      else
        bio:write_eof()
        got = "eof"
      end
      mine[#mine + 1] = {got, bio.pending, bio.eof}
    end
    local py = {}
    for _, st in ipairs(steps) do py[#py + 1] = string.format("(%q, %s)", st[1], st[2] or "None") end
    local theirs = H.python([[
steps = []] .. table.concat(py, ", ") .. [[]
bio, out, serial = ssl.MemoryBIO(), [], 0
for kind, n in steps:
    if kind == "w":
        got = bio.write(bytes(97 + (serial + i) % 26 for i in range(1, n + 1)))
        serial += n
    elif kind == "r":
        data = bio.read(n)
        got = "%d:%s%s" % (len(data), data[:3].decode(), data[-3:].decode())
    else:
        bio.write_eof()
        got = "eof"
    out.append([got, bio.pending, bio.eof])
print(json.dumps(out))
]])
    assert.same(theirs, mine)
  end)
end)

describe("an instance attribute named like a method", function()
  -- Python looks in an instance's __dict__ before the class's methods:
  -- `obj.method = f` replaces the method for that object only (a common
  -- way to mock); C-level types without a __dict__ refuse it.
  it("replaces the method for that object, as in Python", function()
    local py = H.python([[
ctx, other = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.wrap_bio = lambda *a: "mocked"
out = [ctx.wrap_bio(), other.wrap_bio is not None and other.wrap_bio.__name__,
       isinstance(ctx, ssl.SSLContext), ctx.check_hostname]
obj = other.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
obj.read = lambda *a: "mocked read"
out += [obj.read(), obj.server_hostname, obj.pending()]
try:
    obj.do_handshake()
except ssl.SSLWantReadError as e:
    out.append(type(e).__name__)
del ctx.wrap_bio
out.append(ctx.wrap_bio.__name__)
try:
    ssl.MemoryBIO().read = None
except AttributeError as e:
    out.append(str(e))
print(json.dumps(out))
]])
    local ctx, other = client_ctx(true), client_ctx(true)
    ctx.wrap_bio = function() return "mocked" end
    local got = {ctx:wrap_bio(), other.wrap_bio == ssl.SSLContext.wrap_bio and "wrap_bio",
                 ssl.isinstance(ctx, ssl.SSLContext), ctx.check_hostname}
    local obj = other:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "example.com"})
    obj.read = function() return "mocked read" end
    got[#got + 1] = obj:read()
    got[#got + 1] = obj.server_hostname
    got[#got + 1] = obj:pending()
    local ok, err = pcall(obj.do_handshake, obj)
    assert.is_false(ok)
    got[#got + 1] = ssl.isinstance(err, ssl.SSLWantReadError) and "SSLWantReadError" or tostring(err)
    ctx.wrap_bio = nil                                  -- del ctx.wrap_bio
    got[#got + 1] = ctx.wrap_bio == ssl.SSLContext.wrap_bio and "wrap_bio"
    local bio_ok, bio_err = pcall(function() ssl.MemoryBIO().read = false end)
    assert.is_false(bio_ok)
    got[#got + 1] = bio_err.args[1]
    assert.same(py, got)
  end)

  it("is what wrap_bio calls for the hostname (_encode_hostname on the instance)", function()
    local py = H.python([[
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx._encode_hostname = lambda name: "encoded." + name
obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="example.com")
print(json.dumps(obj.server_hostname))
]])
    local ctx = client_ctx(true)
    -- Lua's method call passes the object first (Python's instance
    -- attribute is not bound): the mock takes (self, name).
    ctx._encode_hostname = function(_, name) return "encoded." .. name end
    local obj = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "example.com"})
    assert.equal(py, obj.server_hostname)
  end)

  it("leaves other objects of the class on the usual lookup", function()
    local a, b = client_ctx(true), client_ctx(true)
    local usual = getmetatable(b)
    a.load_default_certs = function() return "mocked" end
    assert.equal(usual, getmetatable(b))
    assert.are_not.equal(usual, getmetatable(a))
    -- one copy of the metatable, shared by every object given such an attribute
    local c = client_ctx(true)
    c.wrap_bio = function() end
    assert.equal(getmetatable(a), getmetatable(c))
    -- plain attributes do not switch the lookup
    local d = client_ctx(true)
    d.anything = 1
    assert.equal(usual, getmetatable(d))
    assert.equal(1, d.anything)
  end)
end)
