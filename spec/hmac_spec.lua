-- pyssl.hmac against Python's hmac (3.13, same OpenSSL): byte-identical
-- MACs and the same errors (spec/support/digest_diff.lua), on both paths:
-- OpenSSL's HMAC (digest names and hashlib constructors) and the
-- inner/outer hashes (any other constructor, or an object with new()).
local H = require "spec.support.helper"
local D = require "spec.support.digest_diff"
local hashlib = require "pyssl.hashlib"
local hmac = require "pyssl.hmac"
local core = require "pyssl.core"

local cases = {}
local function case(py, fn) cases[#cases + 1] = {py = py, lua = fn} end

-- A digestmod OpenSSL's path does not know: a plain function.
local function sha256_cons(d) return hashlib.sha256(d) end
-- A digestmod with new() that is no function (Python: a module). With a
-- metatable, not to be taken for a keyword table.
local md5_module = setmetatable({new = function(d) return hashlib.md5(d) end}, {})

local keys = {
  {"b''", ""}, {"b'key'", "key"}, {"b'k' * 64", string.rep("k", 64)}, {"b'k' * 65", string.rep("k", 65)},
  {"b'k' * 200", string.rep("k", 200)}, {"bytes(range(256))", nil},
}
do
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  keys[6][2] = table.concat(all)
end

describe("hmac", function()
  for _, name in ipairs({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512",
                         "blake2b", "blake2s", "sha512_256", "SHA256", "md5-sha1", "sm3"}) do
    for _, key in ipairs(keys) do
      case(string.format("hmac.new(%s, b'message', %q).hexdigest()", key[1], name),
           function() return hmac.new(key[2], "message", name):hexdigest() end)
    end
    case(string.format("hmac.digest(b'key', b'message', %q)", name),
         function() return hmac.digest("key", "message", name) end)
    case(string.format("[hmac.new(b'k', None, %q).name, hmac.new(b'k', None, %q).digest_size, hmac.new(b'k', None, %q).block_size]",
                       name, name, name),
         function()
           local h = hmac.new("k", nil, name)
           return {h.name, h.digest_size, h.block_size}
         end)
  end
  for _, name in ipairs({"sha256", "sha3_384", "blake2b"}) do
    case(string.format("hmac.new(b'key', b'msg', hashlib.%s).hexdigest()", name),
         function() return hmac.new("key", "msg", hashlib[name]):hexdigest() end)
    case(string.format("hmac.digest(b'key', b'msg', hashlib.%s)", name),
         function() return hmac.digest("key", "msg", hashlib[name]) end)
    case(string.format("hmac.new(b'key', b'msg', hashlib.%s).name", name),
         function() return hmac.new("key", "msg", hashlib[name]).name end)
  end
  -- the inner/outer path (Python's _init_old), long keys hashed first
  for _, key in ipairs(keys) do
    case(string.format("hmac.new(%s, b'msg', lambda d=b'': hashlib.sha256(d)).hexdigest()", key[1]),
         function() return hmac.new(key[2], "msg", sha256_cons):hexdigest() end)
    case(string.format("hmac.digest(%s, b'msg', lambda d=b'': hashlib.sha256(d))", key[1]),
         function() return hmac.digest(key[2], "msg", sha256_cons) end)
  end
  case("[hmac.new(b'k', b'', lambda d=b'': hashlib.sha256(d)).name, hmac.new(b'k', b'', lambda d=b'': hashlib.sha256(d)).block_size]",
       function()
         local h = hmac.new("k", "", sha256_cons)
         return {h.name, h.block_size}
       end)
  case("hmac.new(b'key', b'msg', __import__('types').SimpleNamespace(new=lambda d=b'': hashlib.md5(d))).hexdigest()",
       function() return hmac.new("key", "msg", md5_module):hexdigest() end)
  case("hmac.new(b'key', b'msg', lambda d=b'': hashlib.blake2b(d, key=b'inner', digest_size=20)).hexdigest()",
       function()
         return hmac.new("key", "msg", function(d) return hashlib.blake2b(d, {key = "inner", digest_size = 20}) end)
           :hexdigest()
       end)

  -- update, copy, digest twice, on both paths
  for _, dm in ipairs({{"'sha256'", "sha256"}, {"lambda d=b'': hashlib.sha256(d)", sha256_cons}}) do
    case(string.format("(lambda h: (h.update(b'a'), h.update(b''), h.update(b'bc'), h.digest(), h.hexdigest())[4])(hmac.new(b'k', None, %s))", dm[1]),
         function()
           local h = hmac.new("k", nil, dm[2])
           h:update("a"); h:update(""); h:update("bc")
           h:digest()
           return h:hexdigest()
         end)
    case(string.format("(lambda h: (lambda c: (c.update(b'x'), h.hexdigest() + c.hexdigest())[1])(h.copy()))(hmac.new(b'k', b'm', %s))", dm[1]),
         function()
           local h = hmac.new("k", "m", dm[2])
           local c = h:copy()
           c:update("x")
           return h:hexdigest() .. c:hexdigest()
         end)
    case(string.format("hmac.new(b'k', b'm', %s).copy().name", dm[1]),
         function() return hmac.new("k", "m", dm[2]):copy().name end)
  end

  -- errors
  case("hmac.new(b'k')", function() return hmac.new("k") end)
  case("hmac.new(b'k', b'm')", function() return hmac.new("k", "m") end)
  case("hmac.new(b'k', b'm', None)", function() return hmac.new("k", "m", nil) end)
  case("hmac.new(b'k', b'm', '')", function() return hmac.new("k", "m", "") end)
  case("hmac.new(b'k', b'm', 'foo')", function() return hmac.new("k", "m", "foo") end)
  case("hmac.new(b'k', b'm', 'shake_128')", function() return hmac.new("k", "m", "shake_128") end)
  case("hmac.new(b'k', b'm', 1)", function() return hmac.new("k", "m", 1) end)
  case("hmac.new(1, b'm', 'sha256')", function() return hmac.new(1, "m", "sha256") end)
  case("hmac.new(None, b'm', 'sha256')", function() return hmac.new(nil, "m", "sha256") end)
  case("hmac.new(b'k', 1, 'sha256')", function() return hmac.new("k", 1, "sha256") end)
  case("hmac.new(b'k', 1, lambda d=b'': hashlib.sha256(d))", function() return hmac.new("k", 1, sha256_cons) end)
  case("hmac.new(b'k', b'm', 'sha256', 1)", function() return hmac.new("k", "m", "sha256", 1) end)
  case("hmac.new(b'k', msg=b'm', digestmod='sha256').hexdigest()",
       function() return hmac.new("k", {msg = "m", digestmod = "sha256"}):hexdigest() end)
  case("hmac.new(key=b'k', digestmod='sha256').name",
       function() return hmac.new({key = "k", digestmod = "sha256"}).name end)
  case("hmac.new(b'k', b'm', 'sha256', foo=1)", function() return hmac.new("k", "m", "sha256", {foo = 1}) end)
  case("hmac.new(b'k', b'', 'sha256').update(1)", function() return hmac.new("k", "", "sha256"):update(1) end)
  case("hmac.new(b'k', b'', 'sha256').update()", function() return hmac.new("k", "", "sha256"):update() end)
  case("hmac.new(b'k', b'', 'sha256').digest(1)", function() return hmac.new("k", "", "sha256"):digest(1) end)
  case("hmac.new(b'k', b'', 'sha256').hexdigest(1)", function() return hmac.new("k", "", "sha256"):hexdigest(1) end)
  case("hmac.new(b'k', b'', 'sha256').copy(1)", function() return hmac.new("k", "", "sha256"):copy(1) end)
  case("hmac.new(b'k', b'', 'sha256').foo", function() return hmac.new("k", "", "sha256").foo end)
  case("hmac.new(b'k', b'', 'sha256').update(b'x', b'y')", function() return hmac.new("k", "", "sha256"):update("x", "y") end)
  case("hmac.new(b'k', b'', 'sha256').update(msg=b'x')", function() return hmac.new("k", "", "sha256"):update({msg = "x"}) end)
  case("hmac.digest(b'k', b'm')", function() return hmac.digest("k", "m") end)
  case("hmac.digest(b'k', b'm', 'foo')", function() return hmac.digest("k", "m", "foo") end)
  case("hmac.digest(b'k', b'm', None)", function() return hmac.digest("k", "m", nil) end)
  case("hmac.digest(b'k', b'm', 1)", function() return hmac.digest("k", "m", 1) end)
  case("hmac.digest(1, b'm', 'sha256')", function() return hmac.digest(1, "m", "sha256") end)
  case("hmac.digest(b'k', 1, 'sha256')", function() return hmac.digest("k", 1, "sha256") end)
  case("hmac.digest(b'k', b'm', 'shake_256')", function() return hmac.digest("k", "m", "shake_256") end)
  case("hmac.digest(key=b'k', msg=b'm', digest='sha1')",
       function() return hmac.digest({key = "k", msg = "m", digest = "sha1"}) end)

  -- compare_digest: Python's rules for lengths and types
  case("hmac.compare_digest(b'abc', b'abc')", function() return hmac.compare_digest("abc", "abc") end)
  case("hmac.compare_digest(b'abc', b'abd')", function() return hmac.compare_digest("abc", "abd") end)
  case("hmac.compare_digest(b'abc', b'ab')", function() return hmac.compare_digest("abc", "ab") end)
  case("hmac.compare_digest(b'', b'')", function() return hmac.compare_digest("", "") end)
  case("hmac.compare_digest(b'', b'a')", function() return hmac.compare_digest("", "a") end)
  case("hmac.compare_digest(b'a\\x00', b'a')", function() return hmac.compare_digest("a\0", "a") end)
  case("hmac.compare_digest(1, 1)", function() return hmac.compare_digest(1, 1) end)
  case("hmac.compare_digest(b'a', None)", function() return hmac.compare_digest("a", nil) end)
  case("hmac.compare_digest(None, b'a')", function() return hmac.compare_digest(nil, "a") end)
  case("hmac.compare_digest(1.5, [])", function() return hmac.compare_digest(1.5, {1}) end)
  case("hmac.compare_digest(b'a')", function() return hmac.compare_digest("a") end)
  case("hmac.compare_digest(b'a', b'a', b'a')", function() return hmac.compare_digest("a", "a", "a") end)
  case("hmac.compare_digest(b'a', bytearray(b'a'))",
       function() return hmac.compare_digest("a", core._socket.bytearray("a")) end)

  D.compare_all(it, assert, cases)
end)

describe("hmac objects", function()
  it("print as Python's and refuse other attributes", function()
    local h = hmac.new("k", "m", "sha256")
    assert.truthy(tostring(h):match("^<hmac%.HMAC object at 0x%x+>$"))
    H.raises(core.AttributeError, "'HMAC' object has no attribute 'foo' and no __dict__ for setting new attributes",
             function() h.foo = 1 end)
    H.raises(core.AttributeError, "property 'name' of 'HMAC' object has no setter", function() h.name = "x" end)
    h.digest_size = 5
    assert.equal(5, h.digest_size)
    H.raises(core.TypeError, "descriptor 'update' for 'HMAC' objects doesn't apply to a 'str' object",
             h.update, "x")
  end)
  it("are instances of hmac.HMAC, which constructs them too", function()
    local h = hmac.HMAC("k", "m", {digestmod = "sha256"})
    assert.is_true(core.isinstance(h, hmac.HMAC))
    assert.equal("HMAC", core._typename(h))
    assert.equal("<class 'hmac.HMAC'>", tostring(hmac.HMAC))
    assert.equal(hmac.new("k", "m", "sha256"):hexdigest(), h:hexdigest())
    assert.equal(64, hmac.HMAC.blocksize)
  end)
  it("take a pyssl bytearray as key and message", function()
    local bytearray = core._socket.bytearray
    assert.equal(hmac.new("key", "msg", "sha256"):hexdigest(),
                 hmac.new(bytearray("key"), bytearray("msg"), "sha256"):hexdigest())
  end)
  it("compare in constant time: the loop runs over b's length whatever a holds", function()
    -- Python's _tscmp: unequal lengths compare b with itself (and fail)
    assert.is_false(hmac.compare_digest(string.rep("a", 1000), "a"))
    assert.is_true(hmac.compare_digest(string.rep("\255", 100000), string.rep("\255", 100000)))
  end)
  it("hash a 1 GiB message in one update without copying it", function()
    if os.getenv("PYSSL_SLOW") then return end   -- minutes under valgrind
    local data = string.rep("y", 1024 * 1024 * 1024)
    collectgarbage("collect")
    local before = collectgarbage("count")
    local h = hmac.new("key", nil, "sha256")
    h:update(data)
    assert.is_true(collectgarbage("count") - before < 64)
    local py = D.python({"hmac.new(b'key', b'y' * 2**30, 'sha256').hexdigest()"})
    assert.same(py[1], {ok = "hex:" .. D.hex(h:hexdigest())})
    data = nil
    collectgarbage("collect")
  end)
end)
