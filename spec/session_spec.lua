-- SSLSession and resumption over MemoryBIOs (TLS 1.2 session ids and
-- tickets, TLS 1.3 tickets), compared with python3.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"

local function scenario(kind)
  return {client = {ca = "ca.pem", no_tls13 = kind == "tls12"}, server = {cert = "leafkey.pem"},
          hostname = "localhost"}
end

-- The same steps in both languages; each records facts in order.
local PY = [[
import time
def run(kind):
    scn = {"client": {"ca": "ca.pem", "no_tls13": kind == "tls12"},
           "server": {"cert": "leafkey.pem"}, "hostname": "localhost"}
    cctx, sctx = context(scn["client"], False), context(scn["server"], True)
    facts = []
    def fact(v): facts.append(v)
    def props(s):
        return [s.has_ticket, len(s.id), s.timeout, s.ticket_lifetime_hint,
                isinstance(s.time, int) and abs(s.time - time.time()) < 60]
    p = pair(scn, cctx, sctx)
    fact(p.c.session is None)
    fact(list(handshake(p)) == [None, None])
    s0 = p.c.session
    fact(props(s0))
    fact([p.c.session_reused, p.s.session_reused])
    fact(attempt(p.c.read))          # consumes TLS 1.3 tickets
    s = p.c.session
    fact(props(s))
    fact([s == s0, s != s0, s == s, s == 5])
    ss = p.s.session
    fact([ss.has_ticket, len(ss.id)])
    # resume through wrap_bio(session=)
    p2 = pair(scn, cctx, sctx, session=s)
    fact(p2.c.session == s)
    fact(list(handshake(p2)) == [None, None])
    fact([p2.c.session_reused, p2.s.session_reused, p2.c.session == s])
    fact(p2.c.get_channel_binding() == p2.s.get_channel_binding())
    send(p2.c, p2, b"resumed")
    fact(p2.s.read().decode())
    fact(sctx.session_stats()["hits"])
    # the checks of the session setter, in Python's order
    def assign(o, v):
        def f(): o.session = v
        return attempt(f)
    fact(assign(p2.c, s))
    fact(assign(p2.c, "x"))
    fact(assign(p.s, p.s.session))
    fact(assign(p2.s, s))
    fact(assign(pair(scn).c, s))
    fact(attempt(lambda: pair(scn, session=s)))
    fact(attempt(lambda: pair(scn, cctx, sctx, session=5)))
    # resume by assigning before the handshake
    p3 = pair(scn, cctx, sctx)
    fact(assign(p3.c, s))
    fact(list(handshake(p3)) == [None, None])
    fact([p3.c.session_reused, p3.s.session_reused])
    fact(sctx.session_stats()["hits"])
    # read-only attributes
    fact(attempt(lambda: setattr(s, "timeout", 5)))
    fact(attempt(lambda: setattr(s, "id", b"x")))
    fact(attempt(lambda: setattr(s, "foo", 5)))
    return facts
]]

local function lua_run(kind)
  local scn = scenario(kind)
  local cctx, sctx = T.context(scn.client, false), T.context(scn.server, true)
  local facts = {}
  local function fact(v) facts[#facts + 1] = v end
  local function props(s)
    return {s.has_ticket, #s.id, s.timeout, s.ticket_lifetime_hint,
            H.compat.math_type(s.time) == "integer" and math.abs(s.time - os.time()) < 60}
  end
  local function handshake_ok(p)
    local c, s = T.handshake(p)
    return c == nil and s == nil
  end
  local p = T.pair(scn, cctx, sctx)
  fact(p.c.session == nil)
  fact(handshake_ok(p))
  local s0 = p.c.session
  fact(props(s0))
  fact({p.c.session_reused, p.s.session_reused})
  fact(T.attempt(p.c.read, p.c))
  local s = p.c.session
  fact(props(s))
  fact({s == s0, s ~= s0, s == s, s == 5})
  local ss = p.s.session
  fact({ss.has_ticket, #ss.id})
  local scn2 = {hostname = scn.hostname, session_from = s}
  local p2 = T.pair(scn2, cctx, sctx)
  fact(p2.c.session == s)
  fact(handshake_ok(p2))
  fact({p2.c.session_reused, p2.s.session_reused, p2.c.session == s})
  fact(p2.c:get_channel_binding() == p2.s:get_channel_binding())
  T.send(p2.c, p2, "resumed")
  fact(p2.s:read())
  fact(sctx:session_stats().hits)
  local function assign(o, v)
    return T.attempt(function() o.session = v end)
  end
  fact(assign(p2.c, s))
  fact(assign(p2.c, "x"))
  fact(assign(p.s, p.s.session))
  fact(assign(p2.s, s))
  fact(assign(T.pair(scn).c, s))
  fact(T.attempt(T.pair, scn2))
  fact(T.attempt(T.pair, {hostname = "localhost", session_from = 5}, cctx, sctx))
  local p3 = T.pair(scn, cctx, sctx)
  fact(assign(p3.c, s))
  fact(handshake_ok(p3))
  fact({p3.c.session_reused, p3.s.session_reused})
  fact(sctx:session_stats().hits)
  fact(T.attempt(function() s.timeout = 5 end))
  fact(T.attempt(function() s.id = "x" end))
  fact(T.attempt(function() s.foo = 5 end))
  return facts
end

local RESULTS

local function py(kind)
  -- 3.13 (H.PYTHON_NEWER): its message for setting an unknown attribute
  RESULTS = RESULTS or T.python_each({tls12 = "tls12", tls13 = "tls13"}, PY, true)
  return RESULTS[kind]
end

-- A Lua pair object is not JSON; the Python attempt returns its repr.
local function comparable(facts)
  for i, f in ipairs(facts) do
    if type(f) == "table" and f.ok ~= nil and type(f.ok) ~= "string" and type(f.ok) ~= "number"
       and type(f.ok) ~= "boolean" then
      facts[i] = {ok = "object"}
    end
  end
  return facts
end

describe("sessions and resumption", function()
  for _, kind in ipairs{"tls12", "tls13"} do
    it(kind .. ": every step as Python's", function()
      local expected = comparable(py(kind))
      assert.same(expected, comparable(lua_run(kind)))
    end)
  end

  it("TLS 1.2: a session with a ticket, id of 32 bytes, 7200 s (#44)", function()
    local r = py("tls12")
    assert.same({true, 32, 7200, 7200, true}, r[3])
    assert.same({true, true, true}, r[11])
    assert.equal(1, r[14])
    assert.same({cls = "ValueError", msg = "Cannot set session after handshake."}, r[15].err)
    assert.same({cls = "TypeError", msg = "Value is not a SSLSession."}, r[16].err)
    assert.same({cls = "ValueError", msg = "Cannot set session for server-side SSLSocket."}, r[17].err)
    assert.same({cls = "ValueError", msg = "Session refers to a different SSLContext."}, r[18].err)
    assert.same({cls = "ValueError", msg = "Session refers to a different SSLContext."}, r[19].err)
  end)

  it("TLS 1.3: the ticket arrives with the first read after the handshake", function()
    local r = py("tls13")
    assert.same({false, 0, 7200, 0, true}, r[3])
    assert.same({true, 32, 7200, 7200, true}, r[6])
    assert.same({true, true, true}, r[11])
  end)

  it("resumption keeps the same SSL_SESSION (no copy): the id is the same object's", function()
    local p = T.connect(scenario("tls12"))
    local s1, s2 = p.c.session, p.c.session
    assert.are_not.equal(rawequal(s1, s2) and 1 or 2, 1)   -- two Lua objects ...
    assert.is_true(s1 == s2)                                 -- ... for one session
    assert.equal(s1.id, s2.id)
    assert.equal(s1.time, s2.time)
  end)
end)

describe("SSLSession objects", function()
  it("are not constructible", function()
    H.raises(ssl.TypeError, "cannot create '_ssl.SSLSession' instances", ssl.SSLSession)
  end)

  it("are read-only with the C attribute wording and print like Python's", function()
    local p = T.connect(scenario("tls12"))
    local s = p.c.session
    for _, name in ipairs{"id", "time", "timeout", "ticket_lifetime_hint", "has_ticket"} do
      H.raises(ssl.AttributeError, "attribute '" .. name .. "' of '_ssl.SSLSession' objects is not writable",
               function() s[name] = 1 end)
    end
    H.raises(ssl.AttributeError, "'_ssl.SSLSession' object has no attribute 'foo'", function() return s.foo end)
    assert.truthy(tostring(s):match("^<_ssl%.SSLSession object at "))
    assert.is_true(ssl.isinstance(s, ssl.SSLSession))
  end)

  it("outlive their connection, and keep their context alive", function()
    local s, cctx, sctx
    local weak = setmetatable({}, {__mode = "v"})
    do
      local p = T.connect(scenario("tls12"))
      s, cctx, sctx = p.c.session, p.cctx, p.sctx
      weak[1] = p.c
      -- a clean shutdown first: OpenSSL makes the session of a connection
      -- freed without one non-resumable (Python's too)
      H.raises(ssl.SSLWantReadError, nil, p.c.unwrap, p.c)
      T.transfer(p)
      assert.equal("", p.s:read())
      assert.is_nil(p.s:unwrap())
      T.transfer(p)
      assert.is_nil(p.c:unwrap())
      getmetatable(p.c).__close(p.c)
    end
    for _ = 1, 3 do collectgarbage() end
    assert.is_nil(weak[1])
    assert.equal(32, #s.id)
    local p2 = T.pair({hostname = "localhost", session_from = s}, cctx, sctx)
    assert.is_nil(T.handshake(p2))
    assert.is_true(p2.c.session_reused)
    -- a context reachable only through a session is not collected
    do
      local p = T.connect(scenario("tls12"))
      weak[2] = p.cctx
      s = p.c.session
    end
    for _ = 1, 3 do collectgarbage() end
    assert.is_not_nil(weak[2])
    s = nil
    for _ = 1, 4 do collectgarbage() end
    assert.is_nil(weak[2])
  end)
end)

describe("a session whose connection was dropped without a shutdown", function()
  -- OpenSSL invalidates the session of an SSL freed without a shutdown;
  -- CPython's sessions survive it (its getter hands out copies). pyssl
  -- keeps the same SSL_SESSION and must resume just as Python does.
  local PY_DROP = [[
import gc
def run(kind):
    scn = {"client": {"ca": "ca.pem", "no_tls13": kind == "tls12"},
           "server": {"cert": "leafkey.pem"}, "hostname": "localhost"}
    cctx, sctx = context(scn["client"], False), context(scn["server"], True)
    p = pair(scn, cctx, sctx)
    handshake(p)
    attempt(p.c.read)
    s = p.c.session
    del p
    gc.collect()
    p2 = pair(scn, cctx, sctx, session=s)
    handshake(p2)
    return [p2.c.session_reused, p2.s.session_reused]
]]

  for _, kind in ipairs{"tls12", "tls13"} do
    it(kind .. ": resumes as in Python, closed with <close> or collected", function()
      local expected = T.python_each({[kind] = kind}, PY_DROP)[kind]
      assert.same({true, true}, expected)
      local scn = scenario(kind)
      local cctx, sctx = T.context(scn.client, false), T.context(scn.server, true)
      for _, how in ipairs{"close", "collect"} do
        local s
        do
          local p = T.pair(scn, cctx, sctx)
          assert.is_nil(T.handshake(p))
          T.try_read(p.c)
          s = p.c.session
          if how == "close" then getmetatable(p.c).__close(p.c) end
        end
        collectgarbage(); collectgarbage()
        local p2 = T.pair({client = scn.client, server = scn.server, hostname = "localhost",
                           session_from = s}, cctx, sctx)
        assert.is_nil(T.handshake(p2))
        assert.same(expected, {p2.c.session_reused, p2.s.session_reused}, how)
      end
    end)
  end
end)
