-- Lua versions: what pyssl._compat gives the facade on every Lua, and the
-- 64-bit values pyssl takes and hands out where numbers are doubles (5.1,
-- 5.2, LuaJIT: integers exact up to 2^53): they survive exactly, or raise
-- OverflowError, never round silently (README "Lua versions").
local H = require "spec.support.helper"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local compat = H.compat

-- 2^n as an integer (on 5.3+ 2 ^ n is a float)
local function pow2(n) return compat.tointeger(2 ^ n) end

describe("pyssl._compat", function()
  it("tells integers from other numbers, as math.type and math.tointeger do", function()
    assert.equal("integer", compat.math_type(3))
    assert.equal("integer", compat.math_type(-pow2(53)))
    assert.equal("float", compat.math_type(3.5))
    assert.equal("float", compat.math_type(1 / 0))
    assert.equal("float", compat.math_type(0 / 0))
    assert.is_nil(compat.math_type("3"))
    assert.equal(3, compat.tointeger(3.0))
    assert.is_nil(compat.tointeger(3.5))
    assert.is_nil(compat.tointeger(2 ^ 63))    -- beyond lua_Integer on every version
    assert.equal("integer", compat.math_type(compat.tointeger(-2 ^ 63)))   -- the lowest lua_Integer
  end)

  it("divides and combines flags as // | & ~ do", function()
    assert.equal(3, compat.idiv(7, 2))
    assert.equal(-4, compat.idiv(-7, 2))
    assert.equal(pow2(40) + 1, compat.idiv(pow2(52) + 4096, 4096))
    local high = pow2(40) + pow2(52)
    assert.equal(ssl.OP_ALL + high, compat.bor(ssl.OP_ALL, high))
    assert.equal(ssl.OP_ALL, compat.bor(ssl.OP_ALL, ssl.OP_ALL))
    assert.equal(high, compat.band_not(ssl.OP_ALL + high, ssl.OP_ALL))
    assert.equal(0x50, compat.band(ssl.OP_ALL, 0xFF))
    assert.equal(0, compat.band(pow2(52), pow2(51)))
  end)

  it("refuses flag values that are no exact integer (doubles only)", function()
    H.only("doubles")
    H.raises(ssl.OverflowError, nil, compat.bor, 2 ^ 53, 1)
    H.raises(ssl.OverflowError, nil, compat.band_not, -1, 1)
    H.raises(ssl.OverflowError, nil, compat.bor, 1.5, 1)
  end)

  it("decodes UTF-8 as 5.4's utf8 does: no surrogates, nothing above U+10FFFF", function()
    local u = compat.utf8
    assert.equal(5, u.len("h\195\169llo"))
    assert.same({nil, 2}, {u.len("a\255b")})
    assert.same({nil, 1}, {u.len("\237\160\128")})          -- U+D800
    assert.same({nil, 1}, {u.len("\244\144\128\128")})      -- U+110000
    assert.same({nil, 1}, {u.len("\192\128")})              -- overlong NUL
    assert.equal("\244\143\191\191", u.char(0x10FFFF))
    assert.equal("a\226\130\172", u.char(97, 0x20AC))
    assert.equal(0x20AC, u.codepoint("\226\130\172", 1))
    local cps = {}
    for pos, cp in u.codes("a\195\169\226\130\172") do cps[#cps + 1] = pos .. ":" .. cp end
    assert.same({"1:97", "2:233", "4:8364"}, cps)
    assert.is_false(pcall(function() for _ in u.codes("a\255") do end end))
  end)

  it("loads code with an environment and packs varargs on every Lua", function()
    local f = compat.load("return x * 2", "=chunk", "t", {x = 21})
    assert.equal(42, f())
    local t = compat.pack(1, nil, 3, nil)
    assert.equal(4, t.n)
    assert.same({1, nil, 3}, {compat.unpack(t, 1, 3)})
    assert.same({true, 3}, {compat.xpcall(function(a, b) return a + b end, debug.traceback, 1, 2)})
  end)
end)

describe("integers where numbers are doubles", function()
  it("every numeric constant of pyssl and pyssl.socket is an exact integer below 2^53", function()
    for _, module in ipairs({ssl, socket}) do
      for name, value in pairs(module) do
        if type(value) == "number" then
          assert.equal("integer", compat.math_type(value), name)
          assert.is_true(math.abs(value) < 2 ^ 53, name)
        end
      end
    end
  end)

  it("options and verify flags keep high bits exactly, as Python's do", function()
    local py = H.python([[
c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
out = []
for v in [ssl.OP_ALL | (1 << 40), 1 << 52, 1 << 60, (1 << 62) | (1 << 20)]:
    c.options = v
    out.append(str(c.options))
c.verify_flags = 1 << 40
out.append(str(c.verify_flags))
print(json.dumps(out))]])
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    local got = {}
    for _, v in ipairs({ssl.OP_ALL + pow2(40), pow2(52), pow2(60), pow2(62) + pow2(20)}) do
      ctx.options = v
      got[#got + 1] = string.format("%.0f", ctx.options)
    end
    ctx.verify_flags = pow2(40)
    got[#got + 1] = string.format("%.0f", ctx.verify_flags)
    assert.same(py, got)
  end)

  it("serial numbers are strings, as in Python's dict", function()
    local cert = ssl._ssl._test_decode_cert(H.pki("leaf.pem"))
    assert.equal("string", type(cert.serialNumber))
  end)

  it("numbers beyond lua_Integer are no int: Python's TypeError for a float (doubles only)", function()
    H.only("doubles")
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    H.raises(ssl.TypeError, nil, function() ctx.options = 2 ^ 64 end)
    H.raises(ssl.TypeError, nil, function() ctx.verify_flags = 2 ^ 64 end)
  end)
end)
