-- Parity items of issue 11 (6-10), each compared with python3 running the
-- same calls: timeouts (range, rounding, NaN) in every function taking
-- one, integer setters of SSLContext at the ends of Lua's integer range,
-- server_hostname with a NUL byte or not UTF-8 (Python's bytes form),
-- DER and PEM cadata with trailing bytes, and callables as callbacks.
local H = require "spec.support.helper"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select_mod = require "pyssl.select"
local core = require "pyssl.core"

-- What a call did, as {cls, msg} or {"ok", value}; the same shape as the
-- Python side's outcome() below.
local function outcome(fn, ...)
  local ok, r = pcall(fn, ...)
  if ok then
    if math.type and math.type(r) == "integer" then return {"ok", tostring(r)} end
    if type(r) == "number" then return {"ok", string.format("%.17g", r)} end
    return {"ok", r == nil and H.json.null or tostring(r)}
  end
  return {ssl._typename(r), H.norm(r)}
end

local PY_OUTCOME = [[
import math, socket, select, os
def outcome(fn):
    try:
        r = fn()
    except Exception as e:
        return [type(e).__name__, norm(e)]
    if isinstance(r, float): return ["ok", "%.17g" % r]
    if isinstance(r, int): return ["ok", str(int(r))]
    return ["ok", None if r is None else str(r)]
def norm(m):
    import re
    m = re.sub(r"\s*\([\w./]+\.c:\d+\)$", "", str(m))
    return re.sub(r"^[\w]+\.c:\d+: ", "", m)
]]

-- Runs each {python expression, lua value} case through lua_call(value)
-- and, in Python, through the python template (with V the value); asserts
-- equal outcomes. The oracle is Python 3.13 (H.PYTHON_NEWER): pyssl follows
-- it where 3.11 differs (items 7 and 10).
-- Where numbers are doubles (5.1, 5.2, LuaJIT) a number with an integral
-- value that fits 64 bits is an int (README "Every Lua"): 9.3e9 is the
-- Lua value 9300000000 there, so Python's answer is int(V)'s.
local function py_expr(case)
  local v = case[2]
  if not H.compat.has_integers and type(v) == "number" and v == math.floor(v)
     and v >= -2 ^ 63 and v < 2 ^ 63 then
    return "int(" .. case[1] .. ")"
  end
  return case[1]
end

local function compare(cases, lua_call, py_call, py_setup)
  local exprs, got = {}, {}
  for i, case in ipairs(cases) do
    exprs[i] = py_expr(case)
    got[i] = outcome(lua_call, case[2])
  end
  local want = H.python(PY_OUTCOME .. (py_setup or "") .. "\nout = []\nfor V in [" ..
    table.concat(exprs, ", ") .. "]:\n    out.append(outcome(lambda: " .. py_call .. "))\n" ..
    "print(json.dumps(out))\n", true)
  for i, case in ipairs(cases) do
    assert.same({case[1], want[i]}, {case[1], got[i]})
  end
end

local TIMEOUTS = {
  {"1e308", 1e308}, {"float('inf')", math.huge}, {"-float('inf')", -math.huge},
  {"9.3e9", 9.3e9}, {"9.2e9", 9.2e9}, {"9223372036.0", 9223372036.0},
  {"9223372036", 9223372036},
  {"2.0**63", 2.0^63}, {"1e30", 1e30}, {"-1e300", -1e300},
  {"-0.0", -0.0}, {"1e-320", 1e-320}, {"-1e-320", -1e-320}, {"1e-10", 1e-10},
  {"1.5e-9", 1.5e-9}, {"2.5e-9", 2.5e-9}, {"0.3", 0.3}, {"123.456789123456", 123.456789123456},
  {"float('nan')", 0 / 0}, {"-1", -1}, {"0", 0}, {"7", 7}, {"True", true},
}
if math.type then   -- integers beyond the nanosecond count (Lua 5.3+ has integers)
  TIMEOUTS[#TIMEOUTS + 1] = {"9223372037", 9223372037}
  TIMEOUTS[#TIMEOUTS + 1] = {"-9223372037", -9223372037}
end

describe("timeouts (issue 11, item 6)", function()
  it("settimeout and gettimeout agree with python3", function()
    local s = socket.socket()
    compare(TIMEOUTS, function(v) s:settimeout(v); return s:gettimeout() end,
            "(S.settimeout(V), S.gettimeout())[1]", "S = socket.socket()\n")
    s:close()
  end)

  it("setdefaulttimeout and getdefaulttimeout agree with python3", function()
    local ok, err = pcall(compare, TIMEOUTS,
      function(v) socket.setdefaulttimeout(v); return socket.getdefaulttimeout() end,
      "(socket.setdefaulttimeout(V), socket.getdefaulttimeout())[1]")
    socket.setdefaulttimeout(nil)
    assert(ok, err)
  end)

  it("select's timeout agrees with python3 (a ready descriptor: no waiting)", function()
    local r, w = socket.socketpair()
    w:send("x")
    compare(TIMEOUTS, function(v)
      local readable = select_mod.select({r}, {}, {}, v)
      return #readable
    end,
            "len(select.select([R], [], [], V)[0])", "R, W = os.pipe(); os.write(W, b'x')\n")
    r:close()
    w:close()
  end)

  it("create_connection's timeout is checked before connecting", function()
    compare({{"float('inf')", math.huge}, {"float('nan')", 0 / 0}, {"-1", -1}, {"1e308", 1e308}},
            function(v) return socket.create_connection({"127.0.0.1", 9}, v) end,
            "socket.create_connection(('127.0.0.1', 9), V)")
  end)

  it("an SSLSocket's settimeout is the same check", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    local s = ctx:wrap_socket(socket.socket(), {server_hostname = "localhost"})
    H.raises(ssl.OverflowError, "timestamp out of range for platform time_t", s.settimeout, s, math.huge)
    s:settimeout(1e-10)
    assert.equal(1e-9, s:gettimeout())
    s:close()
  end)
end)

describe("callables (issue 11, item 6)", function()
  local callable = setmetatable({}, {__call = function() return "somepass" end})

  it("a table with __call is a password, as any callable is in Python", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx:load_cert_chain(H.pki("leafkey.enc.pem"), nil, callable)
    local ctx2 = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    H.raises(ssl.TypeError, "password should be a string or callable",
             ctx2.load_cert_chain, ctx2, H.pki("leafkey.enc.pem"), nil, setmetatable({}, {}))
  end)

  it("every callback setter takes the same callables", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    local client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    local chained = setmetatable({}, {__call = callable})   -- __call is itself callable
    for _, fn in ipairs{function() end, callable, chained} do
      ctx.sni_callback = fn
      ctx:set_servername_callback(fn)
      ctx:set_psk_server_callback(fn)
      client:set_psk_client_callback(fn)
      ctx._msg_callback = fn
      ctx:load_cert_chain(H.pki("leafkey.enc.pem"), nil, fn == chained and callable or function() return "somepass" end)
    end
    assert.equal(true, core._callable(chained))
    for _, v in ipairs{1, "f", {}, setmetatable({}, {__call = 1}), true} do
      assert.is_false(core._callable(v))
      H.raises(ssl.TypeError, "not a callable object", function() ctx.sni_callback = v end)
      H.raises(ssl.TypeError, "callback must be callable", ctx.set_psk_server_callback, ctx, {callback = v})
    end
  end)
end)

describe("integer setters of SSLContext (issue 11, item 7)", function()
  local INTS = {
    {"-1", -1}, {"-2**31-1", -2147483649}, {"-2**32", -4294967296}, {"2**31", 2147483648},
    {"2**32", 4294967296}, {"0", 0},
  }
  if math.maxinteger then   -- Lua 5.3+: the ends of the integer range
    INTS[#INTS + 1] = {"2**63-1", math.maxinteger}
    INTS[#INTS + 1] = {"-2**63", math.mininteger}
  end
  for _, attr in ipairs{"options", "verify_mode", "minimum_version", "maximum_version", "num_tickets"} do
    it(attr .. " agrees with python3 at the ends of the range", function()
      compare(INTS, function(v)
        local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx[attr] = v
        return ctx[attr]
      end, "setget('" .. attr .. "', V)",
      "import ssl, warnings\nwarnings.simplefilter('ignore')\n" ..
      "def setget(attr, v):\n    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n" ..
      "    setattr(c, attr, v)\n    return int(getattr(c, attr))\n")
    end)
  end
end)

describe("server_hostname (issue 11, items 8 and 9)", function()
  local PY = [[
import ssl, socket
C = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
def wrap_bio(h): return C.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname=h)
def wrap_socket(h):
    a, b = socket.socketpair()
    try: return C.wrap_socket(a, server_hostname=h, do_handshake_on_connect=False)
    finally: a.close(); b.close()
]]
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  local function wrap_bio(h)
    return ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = h})
  end
  local function wrap_socket(h)
    local a, b = socket.socketpair()
    local ok, r = pcall(ctx.wrap_socket, ctx, a, {server_hostname = h, do_handshake_on_connect = false})
    a:close()
    b:close()
    if not ok then error(r, 0) end
    return "wrapped"
  end
  -- A NUL byte is Python's str; a name that is not UTF-8 is its bytes form.
  -- (Decimal escapes: Lua 5.1 reads "\xf6" as "xf6".)
  local CASES = {
    {"'example.org\\0evil.com'", "example.org\0evil.com"}, {"'ab\\0'", "ab\0"},
    {"'\\0'", "\0"}, {"b'k\\xf6nig.idn.pythontest.net'", "k\246nig.idn.pythontest.net"},
    {"b'ab\\xc3\\xb6\\xff'", "ab\195\182\255"}, {"b'\\xff'", "\255"},
  }

  it("wrap_bio agrees with python3", function()
    compare(CASES, function(h) return wrap_bio(h) and "wrapped" end, "wrap_bio(V) and 'wrapped'", PY)
  end)

  it("wrap_socket on a connected socket agrees with python3", function()
    compare(CASES, wrap_socket, "wrap_socket(V) and 'wrapped'", PY)
  end)

  it("raises UnicodeDecodeError with Python's fields", function()
    local err = H.raises(ssl.UnicodeDecodeError,
      "'ascii' codec can't decode byte 0xc3 in position 2: ordinal not in range(128)",
      wrap_bio, "ab\195\182\255")
    assert.is_true(ssl.isinstance(err, ssl.UnicodeError))
    assert.same({"ascii", "ab\195\182\255", 2, 3, "ordinal not in range(128)"},
                {err.encoding, err.object, err.start, err["end"], err.reason})
  end)
end)

describe("cadata with trailing bytes (issue 11, item 10)", function()
  it("raises as python3 (3.12+) does, DER and PEM", function()
    local pem = H.read_file(H.pki("ca.pem"))
    local der = ssl.PEM_cert_to_DER_cert(pem)
    local cases = {
      {"DER + b'A'", der .. "A"}, {"DER + DER", der .. der}, {"DER + DER + b'A'", der .. der .. "A"},
      {"DER + b'\\0'", der .. "\0"}, {"DER + b'\\x30\\x00'", der .. "\48\0"},
      {"DER + DER[:100]", der .. der:sub(1, 100)}, {"PEM + 'garbage'", pem .. "garbage"},
      {"PEM + PEM[:100]", pem .. pem:sub(1, 100)}, {"b'A'", "A"},
    }
    local function load(data)
      local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
      local ok, err = pcall(ctx.load_verify_locations, ctx, nil, nil, data)
      if not ok then
        return ssl._typename(err) .. "/" .. tostring(err.library) .. "/" ..
               tostring(err.reason) .. "/" .. H.norm(err)
      end
      return ctx:cert_store_stats().x509
    end
    compare(cases, load, "load(V)", [[
import ssl
PEM = open(PKI + "ca.pem").read()
DER = ssl.PEM_cert_to_DER_cert(PEM)
def load(data):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        ctx.load_verify_locations(cadata=data)
    except Exception as e:
        return (type(e).__name__ + "/" + str(getattr(e, "library", None)).replace("None", "nil") + "/" +
                str(getattr(e, "reason", None)).replace("None", "nil") + "/" + norm(e))
    return ctx.cert_store_stats()["x509"]
]])
  end)
end)
