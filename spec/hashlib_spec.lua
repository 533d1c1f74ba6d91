-- pyssl.hashlib against Python's hashlib (3.13, same OpenSSL): the same
-- inputs give byte-identical digests, and the same bad inputs the same
-- error classes and messages (spec/support/digest_diff.lua).
local H = require "spec.support.helper"
local D = require "spec.support.digest_diff"
local hashlib = require "pyssl.hashlib"
local core = require "pyssl.core"

local NAN = 0 / 0
local MiB = 1024 * 1024

local cases = {}
local function case(py, fn) cases[#cases + 1] = {py = py, lua = fn} end

-- Inputs hashed by every algorithm: empty, short, binary, around the block size.
local inputs = {
  {"b''", ""}, {"b'abc'", "abc"}, {"bytes(range(256))", nil},
  {"b'x' * 127", string.rep("x", 127)}, {"b'x' * 128", string.rep("x", 128)},
  {"b'\\x00' * 1000", string.rep("\0", 1000)},
}
do
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  inputs[3][2] = table.concat(all)
end

local fixed = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256",
               "sha3_384", "sha3_512", "blake2b", "blake2s"}

describe("hashlib digests", function()
  for _, name in ipairs(fixed) do
    for _, input in ipairs(inputs) do
      case(string.format("hashlib.%s(%s).hexdigest()", name, input[1]),
           function() return hashlib[name](input[2]):hexdigest() end)
    end
    case(string.format("hashlib.%s(b'abc').digest()", name),
         function() return hashlib[name]("abc"):digest() end)
    case(string.format("hashlib.new(%q, b'abc').digest()", name),
         function() return hashlib.new(name, "abc"):digest() end)
    case(string.format("[hashlib.%s().name, hashlib.%s().digest_size, hashlib.%s().block_size]", name, name, name),
         function()
           local h = hashlib[name]()
           return {h.name, h.digest_size, h.block_size}
         end)
  end
  for _, name in ipairs(fixed) do
    case(string.format("hashlib.%s().digest_size", name), function() return hashlib[name]().digest_size end)
    case(string.format("hashlib.%s().block_size", name), function() return hashlib[name]().block_size end)
    case(string.format("hashlib.%s().name", name), function() return hashlib[name]().name end)
  end
  for _, name in ipairs({"shake_128", "shake_256"}) do
    for _, n in ipairs({0, 1, 16, 32, 100, 1000}) do
      case(string.format("hashlib.%s(b'abc').digest(%d)", name, n),
           function() return hashlib[name]("abc"):digest(n) end)
      case(string.format("hashlib.%s(b'abc').hexdigest(%d)", name, n),
           function() return hashlib[name]("abc"):hexdigest(n) end)
    end
    case(string.format("hashlib.%s().digest_size", name), function() return hashlib[name]().digest_size end)
    case(string.format("hashlib.%s().block_size", name), function() return hashlib[name]().block_size end)
    case(string.format("hashlib.%s().name", name), function() return hashlib[name]().name end)
    case(string.format("hashlib.%s(b'a').digest(length=3)", name),
         function() return hashlib[name]("a"):digest({length = 3}) end)
    case(string.format("hashlib.%s(b'a').digest()", name), function() return hashlib[name]("a"):digest() end)
    case(string.format("hashlib.%s(b'a').digest(-1)", name), function() return hashlib[name]("a"):digest(-1) end)
    case(string.format("hashlib.%s(b'a').digest(1.5)", name), function() return hashlib[name]("a"):digest(1.5) end)
    case(string.format("hashlib.%s(b'a').digest(float('nan'))", name),
         function() return hashlib[name]("a"):digest(NAN) end)
    case(string.format("hashlib.%s(b'a').digest(2**40)", name),
         function() return hashlib[name]("a"):digest(2 ^ 40) end)
    case(string.format("hashlib.%s(b'a').hexdigest(2**63)", name),
         function() return hashlib[name]("a"):hexdigest(2 ^ 63) end)
    case(string.format("hashlib.%s(b'a').digest('3')", name), function() return hashlib[name]("a"):digest("3") end)
    case(string.format("hashlib.%s(b'a').digest(float('inf'))", name),
         function() return hashlib[name]("a"):digest(math.huge) end)
    case(string.format("hashlib.%s(b'a').digest(-2**63)", name),
         function() return hashlib[name]("a"):digest(-2 ^ 63) end)
  end

  -- update in pieces, copy, digest twice
  case("(lambda h: (h.update(b'a'), h.update(b''), h.update(b'bc'), h.hexdigest())[3])(hashlib.sha256())",
       function()
         local h = hashlib.sha256()
         h:update("a"); h:update(""); h:update("bc")
         return h:hexdigest()
       end)
  case("(lambda h: (h.digest(), h.update(b'c'), h.hexdigest())[2])(hashlib.sha512(b'ab'))",
       function()
         local h = hashlib.sha512("ab")
         h:digest()
         h:update("c")
         return h:hexdigest()
       end)
  case("(lambda h, c: (c.update(b'x'), h.hexdigest() + c.hexdigest())[1])(*(lambda h: (h, h.copy()))(hashlib.sha3_256(b'ab')))",
       function()
         local h = hashlib.sha3_256("ab")
         local c = h:copy()
         c:update("x")
         return h:hexdigest() .. c:hexdigest()
       end)
  case("(lambda h: (h.copy().update(b'x'), h.copy().hexdigest(100))[1])(hashlib.shake_128(b'ab'))",
       function()
         local h = hashlib.shake_128("ab")
         h:copy():update("x")
         return h:copy():hexdigest(100)
       end)
  case("type(hashlib.shake_256().copy()).__name__",
       function() return core._typename(hashlib.shake_256():copy()) end)
  case("type(hashlib.sha256()).__name__", function() return core._typename(hashlib.sha256()) end)
  case("type(hashlib.blake2b().copy()).__name__", function() return core._typename(hashlib.blake2b():copy()) end)
  case("type(hashlib.new('blake2b512')).__name__", function() return core._typename(hashlib.new("blake2b512")) end)
  case("type(hashlib.new('blake2b')).__name__", function() return core._typename(hashlib.new("blake2b")) end)
  case("type(hashlib.new('shake_128')).__name__", function() return core._typename(hashlib.new("shake_128")) end)

  -- new(): Python's names, OpenSSL's names and aliases
  for _, name in ipairs({"sha512_224", "sha512_256", "SHA256", "sha-256", "MD5", "sha3-256", "SHAKE128",
                         "shake128", "md5-sha1", "sm3", "ripemd160", "blake2b512", "blake2s256",
                         "SHA512-224", "sha1", "SHA3-512"}) do
    case(string.format("[hashlib.new(%q).name]", name), function() return {hashlib.new(name).name} end)
    case(string.format("hashlib.new(%q, b'abc').hexdigest(*([] if hashlib.new(%q).digest_size else [20]))", name, name),
         function()
           local h = hashlib.new(name, "abc")
           if h.digest_size == 0 then return h:hexdigest(20) end
           return h:hexdigest()
         end)
  end
  for _, name in ipairs({"foo", "md4", "whirlpool", "SHA3_256", "", "sha256 ", "blake2"}) do
    case(string.format("hashlib.new(%q)", name), function() return hashlib.new(name) end)
  end
  case("hashlib.new('sha256\\0x')", function() return hashlib.new("sha256\0x") end)
  case("hashlib.new(1)", function() return hashlib.new(1) end)
  case("hashlib.new(None)", function() return hashlib.new(nil) end)
  case("hashlib.new()", function() return hashlib.new() end)
  case("hashlib.new('sha256', b'a', b'b')", function() return hashlib.new("sha256", "a", "b") end)
  case("hashlib.new('sha256', 1)", function() return hashlib.new("sha256", 1) end)
  case("hashlib.new('sha256', [])", function() return hashlib.new("sha256", {1}) end)
  case("hashlib.new('sha256', digest_size=16)", function() return hashlib.new("sha256", {digest_size = 16}) end)
  case("hashlib.new('sha256', foo=1)", function() return hashlib.new("sha256", {foo = 1}) end)
  case("hashlib.new(name='sha256', data=b'a').hexdigest()",
       function() return hashlib.new({name = "sha256", data = "a"}):hexdigest() end)
  case("hashlib.new('sha256', name='md5')", function() return hashlib.new("sha256", {name = "md5"}) end)
  case("hashlib.new('sha256', b'a', usedforsecurity=False).hexdigest()",
       function() return hashlib.new("sha256", "a", {usedforsecurity = false}):hexdigest() end)
  case("hashlib.new('md5', usedforsecurity=False).name",
       function() return hashlib.new("md5", {usedforsecurity = false}).name end)
  case("hashlib.new('blake2b', b'abc', digest_size=32, key=b'k').hexdigest()",
       function() return hashlib.new("blake2b", "abc", {digest_size = 32, key = "k"}):hexdigest() end)
  case("hashlib.new('blake2s', b'abc', key=b'k', salt=b'salt', person=b'me').hexdigest()",
       function() return hashlib.new("blake2s", "abc", {key = "k", salt = "salt", person = "me"}):hexdigest() end)

  -- the named constructors' arguments
  case("hashlib.sha256(1)", function() return hashlib.sha256(1) end)
  case("hashlib.sha256(1.5)", function() return hashlib.sha256(1.5) end)
  case("hashlib.sha256(True)", function() return hashlib.sha256(true) end)
  case("hashlib.sha256(b'a', b'b')", function() return hashlib.sha256("a", "b") end)
  case("hashlib.sha256(foo=b'a')", function() return hashlib.sha256({foo = "a"}) end)
  case("hashlib.sha256(string=b'a').hexdigest()", function() return hashlib.sha256({string = "a"}):hexdigest() end)
  case("hashlib.md5(usedforsecurity=False).hexdigest()",
       function() return hashlib.md5({usedforsecurity = false}):hexdigest() end)
  case("hashlib.sha256().update(1)", function() return hashlib.sha256():update(1) end)
  case("hashlib.sha256().update()", function() return hashlib.sha256():update() end)
  case("hashlib.sha256().update(b'a', b'b')", function() return hashlib.sha256():update("a", "b") end)
  case("hashlib.sha256().digest(5)", function() return hashlib.sha256():digest(5) end)
  case("hashlib.sha256().hexdigest(5)", function() return hashlib.sha256():hexdigest(5) end)
  case("hashlib.sha256().copy(1)", function() return hashlib.sha256():copy(1) end)
  for _, name in ipairs({"sha256", "shake_128", "blake2b", "blake2s"}) do
    local function make() return hashlib[name]() end
    case(string.format("hashlib.%s().update()", name), function() return make():update() end)
    case(string.format("hashlib.%s().update(b'a', b'b')", name), function() return make():update("a", "b") end)
    case(string.format("hashlib.%s().update(data=b'a')", name), function() return make():update({data = "a"}) end)
    case(string.format("hashlib.%s().digest(1, 2)", name), function() return make():digest(1, 2) end)
    case(string.format("hashlib.%s().hexdigest(1, 2)", name), function() return make():hexdigest(1, 2) end)
    case(string.format("hashlib.%s().copy(1)", name), function() return make():copy(1) end)
    case(string.format("hashlib.%s().name_x", name), function() return make().name_x end)
    -- (setting an unknown attribute: class.c words it as 3.11 does, without
    -- 3.13's "and no __dict__ for setting new attributes", for every class)
    case(string.format("setattr(hashlib.%s(), 'digest_size', 1)", name), function() make().digest_size = 1 end)
  end
  case("hashlib.blake2b(usedforsecurity=False).hexdigest()",
       function() return hashlib.blake2b({usedforsecurity = false}):hexdigest() end)
  case("hashlib.new('blake2s', usedforsecurity=False).name",
       function() return hashlib.new("blake2s", {usedforsecurity = false}).name end)

  -- blake2: what OpenSSL 3.0 can do (unkeyed defaults; keyed with size, salt, person)
  for _, v in ipairs({{"blake2b", 64, 16}, {"blake2s", 32, 8}}) do
    local name, max, saltmax = v[1], v[2], v[3]
    for _, size in ipairs({1, 16, max}) do
      case(string.format("hashlib.%s(b'data', key=b'secret', digest_size=%d).hexdigest()", name, size),
           function() return hashlib[name]("data", {key = "secret", digest_size = size}):hexdigest() end)
    end
    case(string.format("hashlib.%s(b'data', key=b'k' * %d, salt=b's' * %d, person=b'p' * %d).hexdigest()",
                       name, max, saltmax, saltmax),
         function()
           return hashlib[name]("data", {key = string.rep("k", max), salt = string.rep("s", saltmax),
                                         person = string.rep("p", saltmax)}):hexdigest()
         end)
    case(string.format("(lambda h: (h.update(b'more'), h.copy().hexdigest(), h.digest_size, h.block_size, h.name))(hashlib.%s(key=b'k', digest_size=20))[1]", name),
         function()
           local h = hashlib[name]({key = "k", digest_size = 20})
           h:update("more")
           return h:copy():hexdigest()
         end)
    case(string.format("hashlib.%s(key=b'k', digest_size=20).digest_size", name),
         function() return hashlib[name]({key = "k", digest_size = 20}).digest_size end)
    case(string.format("hashlib.%s(key=b'k').block_size", name),
         function() return hashlib[name]({key = "k"}).block_size end)
    case(string.format("hashlib.%s(key=b'k').name", name), function() return hashlib[name]({key = "k"}).name end)
    case(string.format("hashlib.%s(digest_size=0)", name), function() return hashlib[name]({digest_size = 0}) end)
    case(string.format("hashlib.%s(digest_size=%d)", name, max + 1),
         function() return hashlib[name]({digest_size = max + 1}) end)
    case(string.format("hashlib.%s(key=b'x' * %d)", name, max + 1),
         function() return hashlib[name]({key = string.rep("x", max + 1)}) end)
    case(string.format("hashlib.%s(key=b'k', salt=b'x' * %d)", name, saltmax + 1),
         function() return hashlib[name]({key = "k", salt = string.rep("x", saltmax + 1)}) end)
    case(string.format("hashlib.%s(key=b'k', person=b'x' * %d)", name, saltmax + 1),
         function() return hashlib[name]({key = "k", person = string.rep("x", saltmax + 1)}) end)
    case(string.format("hashlib.%s(fanout=256)", name), function() return hashlib[name]({fanout = 256}) end)
    case(string.format("hashlib.%s(depth=0)", name), function() return hashlib[name]({depth = 0}) end)
    case(string.format("hashlib.%s(node_depth=256)", name), function() return hashlib[name]({node_depth = 256}) end)
    case(string.format("hashlib.%s(inner_size=%d)", name, max + 1),
         function() return hashlib[name]({inner_size = max + 1}) end)
    case(string.format("hashlib.%s(fanout=1, depth=1, leaf_size=0, node_offset=0, node_depth=0, inner_size=0, last_node=False).hexdigest()", name),
         function()
           return hashlib[name]({fanout = 1, depth = 1, leaf_size = 0, node_offset = 0, node_depth = 0,
                                 inner_size = 0, last_node = false}):hexdigest()
         end)
    case(string.format("hashlib.%s(foo=1)", name), function() return hashlib[name]({foo = 1}) end)
    case(string.format("hashlib.%s(key=1)", name), function() return hashlib[name]({key = 1}) end)
    case(string.format("hashlib.%s(1)", name), function() return hashlib[name](1) end)
    case(string.format("hashlib.%s(b'a', b'b')", name), function() return hashlib[name]("a", "b") end)
    case(string.format("hashlib.%s(digest_size=1.5)", name), function() return hashlib[name]({digest_size = 1.5}) end)
  end

  -- algorithm sets (Lua: name -> true)
  case("hashlib.algorithms_guaranteed", function() return hashlib.algorithms_guaranteed end)
  case("hashlib.algorithms_available", function() return hashlib.algorithms_available end)

  -- pbkdf2_hmac
  for _, args in ipairs({
    {"'sha256', b'password', b'salt', 1", {"sha256", "password", "salt", 1}},
    {"'sha256', b'password', b'salt', 1000", {"sha256", "password", "salt", 1000}},
    {"'sha1', b'password', b'salt', 2, 20", {"sha1", "password", "salt", 2, 20}},
    {"'sha512', b'', b'', 3, 100", {"sha512", "", "", 3, 100}},
    {"'sha3_256', b'p', b's', 5", {"sha3_256", "p", "s", 5}},
    {"'md5', b'p', b's', 5, None", {"md5", "p", "s", 5, nil}},
    {"'sha256', b'p', b's', 0", {"sha256", "p", "s", 0}},
    {"'sha256', b'p', b's', -1", {"sha256", "p", "s", -1}},
    {"'sha256', b'p', b's', 2**31", {"sha256", "p", "s", 2 ^ 31}},
    {"'sha256', b'p', b's', 2**63", {"sha256", "p", "s", 2 ^ 63}},
    {"'sha256', b'p', b's', 1, 0", {"sha256", "p", "s", 1, 0}},
    {"'sha256', b'p', b's', 1, -1", {"sha256", "p", "s", 1, -1}},
    {"'sha256', b'p', b's', 1, 2**31", {"sha256", "p", "s", 1, 2 ^ 31}},
    {"'sha256', b'p', b's', 1, 2**63", {"sha256", "p", "s", 1, 2 ^ 63}},
    {"'sha256', b'p', b's', float('nan')", {"sha256", "p", "s", NAN}},
    {"'sha256', b'p', b's', 1, float('nan')", {"sha256", "p", "s", 1, NAN}},
    {"'sha256', b'p', b's', 1.5", {"sha256", "p", "s", 1.5}},
    {"'sha256', b'p', b's', float('inf')", {"sha256", "p", "s", math.huge}},
    {"'sha256', b'p', b's', 1, float('-inf')", {"sha256", "p", "s", 1, -math.huge}},
    {"'foo', b'p', b's', 1", {"foo", "p", "s", 1}},
    {"'shake_128', b'p', b's', 1", {"shake_128", "p", "s", 1}},
    {"1, b'p', b's', 1", {1, "p", "s", 1}},
    {"'sha256', 1, b's', 1", {"sha256", 1, "s", 1}},
    {"'sha256', b'p', None, 1", {"sha256", "p", nil, 1}},
    {"'sha256', b'p', b's'", {"sha256", "p", "s"}},
    {"'sha256', b'p', b's', 1, 5, 6", {"sha256", "p", "s", 1, 5, 6}},
    {"hash_name='sha256', password=b'p', salt=b's', iterations=2, dklen=5",
     {{hash_name = "sha256", password = "p", salt = "s", iterations = 2, dklen = 5}}},
    {"'sha256', b'p', b's', 1, foo=1", {"sha256", "p", "s", 1, {foo = 1}}},
    {"'sha256', b'p', b's', 1, iterations=2", {"sha256", "p", "s", 1, {iterations = 2}}},
  }) do
    case("hashlib.pbkdf2_hmac(" .. args[1] .. ")",
         function() return hashlib.pbkdf2_hmac((table.unpack or unpack)(args[2], 1, 6)) end)
  end

  -- scrypt
  for _, args in ipairs({
    {"b'password', salt=b'salt', n=16, r=1, p=1", {"password", {salt = "salt", n = 16, r = 1, p = 1}}},
    {"b'password', salt=b'NaCl', n=1024, r=8, p=16, dklen=64",
     {"password", {salt = "NaCl", n = 1024, r = 8, p = 16, dklen = 64}}},
    {"b'', salt=b'', n=16, r=1, p=1, dklen=1", {"", {salt = "", n = 16, r = 1, p = 1, dklen = 1}}},
    {"password=b'p', salt=b's', n=2, r=1, p=1, maxmem=2**20",
     {{password = "p", salt = "s", n = 2, r = 1, p = 1, maxmem = 2 ^ 20}}},
    {"b'p', b's', 16, 1, 1", {"p", "s", 16, 1, 1}},
    {"salt=b's', n=16, r=1, p=1", {{salt = "s", n = 16, r = 1, p = 1}}},
    {"b'p', n=16, r=1, p=1", {"p", {n = 16, r = 1, p = 1}}},
    {"b'p', salt=b's', r=1, p=1", {"p", {salt = "s", r = 1, p = 1}}},
    {"b'p', salt=b's', n=16, p=1", {"p", {salt = "s", n = 16, p = 1}}},
    {"b'p', salt=b's', n=16, r=1", {"p", {salt = "s", n = 16, r = 1}}},
    {"b'p', salt=b's', n=15, r=1, p=1", {"p", {salt = "s", n = 15, r = 1, p = 1}}},
    {"b'p', salt=b's', n=1, r=1, p=1", {"p", {salt = "s", n = 1, r = 1, p = 1}}},
    {"b'p', salt=b's', n=0, r=1, p=1", {"p", {salt = "s", n = 0, r = 1, p = 1}}},
    {"b'p', salt=b's', n=-2, r=1, p=1", {"p", {salt = "s", n = -2, r = 1, p = 1}}},
    {"b'p', salt=b's', n=16.5, r=1, p=1", {"p", {salt = "s", n = 16.5, r = 1, p = 1}}},
    {"b'p', salt=b's', n='16', r=1, p=1", {"p", {salt = "s", n = "16", r = 1, p = 1}}},
    {"b'p', salt=b's', n=float('inf'), r=1, p=1", {"p", {salt = "s", n = math.huge, r = 1, p = 1}}},
    {"b'p', salt=b's', n=float('nan'), r=1, p=1", {"p", {salt = "s", n = NAN, r = 1, p = 1}}},
    {"b'p', salt=b's', n=16, r=1, p=1, maxmem=float('inf')", {"p", {salt = "s", n = 16, r = 1, p = 1, maxmem = math.huge}}},
    {"b'p', salt=b's', n=16, r=0, p=1", {"p", {salt = "s", n = 16, r = 0, p = 1}}},
    {"b'p', salt=b's', n=16, r=1, p=0", {"p", {salt = "s", n = 16, r = 1, p = 0}}},
    {"b'p', salt=b's', n=16, r=-1, p=1", {"p", {salt = "s", n = 16, r = -1, p = 1}}},
    {"b'p', salt=b's', n=16, r=1, p=1, dklen=0", {"p", {salt = "s", n = 16, r = 1, p = 1, dklen = 0}}},
    {"b'p', salt=b's', n=16, r=1, p=1, dklen=2**31", {"p", {salt = "s", n = 16, r = 1, p = 1, dklen = 2 ^ 31}}},
    {"b'p', salt=b's', n=16, r=1, p=1, dklen=-1", {"p", {salt = "s", n = 16, r = 1, p = 1, dklen = -1}}},
    {"b'p', salt=b's', n=16, r=1, p=1, dklen=float('nan')", {"p", {salt = "s", n = 16, r = 1, p = 1, dklen = NAN}}},
    {"b'p', salt=b's', n=16, r=1, p=1, maxmem=-1", {"p", {salt = "s", n = 16, r = 1, p = 1, maxmem = -1}}},
    {"b'p', salt=b's', n=16, r=1, p=1, maxmem=2**31", {"p", {salt = "s", n = 16, r = 1, p = 1, maxmem = 2 ^ 31}}},
    {"b'p', salt=b's', n=16, r=1, p=1, maxmem=1", {"p", {salt = "s", n = 16, r = 1, p = 1, maxmem = 1}}},
    {"b'p', salt=b's', n=2**20, r=8, p=1", {"p", {salt = "s", n = 2 ^ 20, r = 8, p = 1}}},
    {"b'p', salt=b's', n=16, r=2**31, p=1", {"p", {salt = "s", n = 16, r = 2 ^ 31, p = 1}}},
    {"b'p', salt=b's', n=2**62, r=1, p=1", {"p", {salt = "s", n = 2 ^ 62, r = 1, p = 1}}},
    {"1, salt=b's', n=16, r=1, p=1", {1, {salt = "s", n = 16, r = 1, p = 1}}},
    {"b'p', salt=1, n=16, r=1, p=1", {"p", {salt = 1, n = 16, r = 1, p = 1}}},
    {"b'p', salt=b's', n=16, r=1, p=1, foo=1", {"p", {salt = "s", n = 16, r = 1, p = 1, foo = 1}}},
  }) do
    case("hashlib.scrypt(" .. args[1] .. ")",
         function() return hashlib.scrypt((table.unpack or unpack)(args[2], 1, 6)) end)
  end

  D.compare_all(it, assert, cases)
end)

describe("hashlib.file_digest", function()
  local path = os.tmpname()
  local f = assert(io.open(path, "wb"))
  -- more than one read buffer (256 KiB), not a multiple of it
  f:write(string.rep("0123456789abcdef", 40000))
  f:close()
  local file_cases = {}
  local function fcase(py, fn) file_cases[#file_cases + 1] = {py = py, lua = fn} end
  fcase(string.format("hashlib.file_digest(open(%q, 'rb'), 'sha256').hexdigest()", path),
        function()
          local file = assert(io.open(path, "rb"))
          local h = hashlib.file_digest(file, "sha256")
          file:close()
          return h:hexdigest()
        end)
  fcase(string.format("hashlib.file_digest(open(%q, 'rb'), hashlib.sha3_512).hexdigest()", path),
        function()
          local file = assert(io.open(path, "rb"))
          local h = hashlib.file_digest(file, hashlib.sha3_512)
          file:close()
          return h:hexdigest()
        end)
  fcase(string.format("hashlib.file_digest(open(%q, 'rb'), lambda: hashlib.blake2b(key=b'k')).hexdigest()", path),
        function()
          local file = assert(io.open(path, "rb"))
          local h = hashlib.file_digest(file, function() return hashlib.blake2b({key = "k"}) end)
          file:close()
          return h:hexdigest()
        end)
  fcase("hashlib.file_digest(io.BytesIO(b'abc'), 'foo')",
        function() return hashlib.file_digest(io.tmpfile(), "foo") end)
  fcase("hashlib.file_digest(io.BytesIO(b'abc'), 1)", function() return hashlib.file_digest(io.tmpfile(), 1) end)
  fcase("hashlib.file_digest(1, 'sha256')", function() return hashlib.file_digest(1, "sha256") end)
  D.compare_all(it, assert, file_cases)

  it("reads Lua files from where they stand, and any object with read(n)", function()
    local file = assert(io.open(path, "rb"))
    file:seek("set", 16)
    local whole = H.read_file(path)
    assert.equal(hashlib.sha256(whole:sub(17)):hexdigest(), hashlib.file_digest(file, "sha256"):hexdigest())
    file:close()
    local pos = 1
    local reader = {read = function(_, n)
      local chunk = whole:sub(pos, pos + n - 1)
      pos = pos + n
      return chunk
    end}
    assert.equal(hashlib.md5(whole):hexdigest(), hashlib.file_digest(reader, "md5"):hexdigest())
  end)

  it("reads a socket's makefile('rb') (read) and an object with readinto() (recv_into)", function()
    local socket = require "pyssl.socket"
    -- less than a socket pair buffers, so one process can send it all first
    local data = string.rep("stream of bytes ", 6000)
    for _, via in ipairs({"makefile", "readinto"}) do
      local a, b = socket.socketpair()
      b:settimeout(5)
      a:sendall(data)
      a:close()
      local reader
      if via == "makefile" then
        reader = b:makefile("rb")
      else
        reader = {readable = function() return true end,
                  readinto = function(_, buf) return b:recv_into(buf) end}
      end
      -- a small buffer: many reads, full and partial
      local h = hashlib.file_digest(reader, "sha256", {_bufsize = 4096})
      assert.equal(hashlib.sha256(data):hexdigest(), h:hexdigest())
      if via == "makefile" then reader:close() end
      b:close()
    end
  end)

  it("raises BlockingIOError when readinto() returns None", function()
    local obj = {readable = function() return true end, readinto = function() return nil end}
    H.raises(core.BlockingIOError, "I/O operation would block.", hashlib.file_digest, obj, "sha256")
  end)
  it("refuses an object that is not readable", function()
    local obj = {readable = function() return false end, readinto = function() return 0 end}
    local err = H.raises(core.ValueError, nil, hashlib.file_digest, obj, "sha256")
    assert.truthy(tostring(err):find("is not a file-like object in binary reading mode.", 1, true))
  end)
end)

describe("hashlib in use", function()
  it("pins a peer certificate as Python does: sha256 of getpeercert(True)", function()
    local T = require "spec.support.tls_pair"
    local p = T.pair({client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"})
    assert.is_nil((T.handshake(p)))
    local pin = hashlib.sha256(p.c:getpeercert(true)):hexdigest()
    local py = D.python({string.format(
      "hashlib.sha256(__import__('ssl').PEM_cert_to_DER_cert(open(%q).read())).hexdigest()", H.pki("leaf.pem"))})
    assert.same(py[1], {ok = "hex:" .. D.hex(pin)})
    assert.is_true(require("pyssl.hmac").compare_digest(pin, hashlib.sha256(p.c:getpeercert(true)):hexdigest()))
  end)
  it("is reachable from require 'pyssl', loaded on first use", function()
    local ssl = require "pyssl"
    assert.equal(hashlib, ssl.hashlib)
    assert.equal(require "pyssl.hmac", ssl.hmac)
    assert.is_nil(ssl.no_such_name)
  end)
  it("raise ValueError, never crash, once closed (a __close or __gc called by hand)", function()
    local hmac = require "pyssl.hmac"
    local objects = {hashlib.sha256("x"), hashlib.shake_128("x"), hashlib.blake2b({key = "k"}),
                     hashlib.blake2s(), hmac.new("k", "m", "sha256")._hmac}
    for _, obj in ipairs(objects) do
      getmetatable(obj).__close(obj)
      getmetatable(obj).__gc(obj)
      H.raises(core.ValueError, nil, obj.update, obj, "y")
      H.raises(core.ValueError, nil, obj.copy, obj)
      H.raises(core.ValueError, nil, function() return obj.name end)
      assert.is_string(tostring(obj))
    end
    H.raises(core.ValueError, "hash object is closed", objects[2].hexdigest, objects[2], 4)
  end)
  it("print as Python's objects do", function()
    assert.truthy(tostring(hashlib.sha256()):match("^<sha256 _hashlib%.HASH object @ 0x%x+>$"))
    assert.truthy(tostring(hashlib.shake_256()):match("^<shake_256 _hashlib%.HASHXOF object @ 0x%x+>$"))
    assert.truthy(tostring(hashlib.blake2s({key = "k"})):match("^<_blake2%.blake2s object at 0x%x+>$"))
  end)
  -- The contexts are freed by the finalizers (LeakSanitizer and valgrind
  -- see a leak under make check); the Lua heap stays small.
  it("frees what OpenSSL holds when objects are collected", function()
    for _ = 1, 2000 do
      local h = hashlib.sha3_512("x")
      h:copy():update("y")
      hashlib.blake2b({key = "k"}):copy()
    end
    collectgarbage("collect")
    assert.is_true(collectgarbage("count") < 16 * 1024)
  end)
end)

describe("hashlib where pyssl is not Python 3.13", function()
  -- Python 3.14's signature: data= as keyword, string= for old callers,
  -- both at once refused with 3.14's message.
  it("takes data= as a keyword (3.14), string= too, not both", function()
    assert.equal(hashlib.sha256("a"):hexdigest(), hashlib.sha256({data = "a"}):hexdigest())
    assert.equal(hashlib.sha256("a"):hexdigest(), hashlib.new("sha256", {data = "a"}):hexdigest())
    -- 3.13's hashlib.new passes data=b'' on, so string= clashes with it there
    assert.equal(hashlib.sha256("a"):hexdigest(), hashlib.new("sha256", {string = "a"}):hexdigest())
    H.raises(core.TypeError, "'data' and 'string' are mutually exclusive and support for 'string' "
             .. "keyword parameter is slated for removal in a future version.",
             hashlib.sha256, "a", {string = "b"})
  end)
  -- Lua numbers: an integral float is an integer (every Lua before 5.3
  -- has only floats).
  it("takes integral floats as integers", function()
    assert.equal(hashlib.shake_128("a"):hexdigest(4), hashlib.shake_128("a"):hexdigest(4.0))
    assert.equal(hashlib.pbkdf2_hmac("sha256", "p", "s", 2), hashlib.pbkdf2_hmac("sha256", "p", "s", 2.0))
  end)
  -- OpenSSL 3.0 has no parameters for unkeyed BLAKE2 of another size, salt
  -- or person, nor for tree hashing: Python's _blake2 has its own code.
  it("refuses the BLAKE2 parameters OpenSSL 3.0 lacks, with a ValueError that says so", function()
    local msg = "blake2b without a key takes no digest_size, salt or person: OpenSSL 3.0 has no "
      .. "parameters for them (with a key it has)"
    H.raises(core.ValueError, msg, hashlib.blake2b, {digest_size = 32})
    H.raises(core.ValueError, msg, hashlib.blake2b, {salt = "s"})
    H.raises(core.ValueError, msg:gsub("blake2b", "blake2s"), hashlib.blake2s, {person = "p"})
    for _, kw in ipairs({{fanout = 2}, {depth = 2}, {leaf_size = 1}, {node_offset = 1}, {node_depth = 1},
                         {inner_size = 1}, {last_node = true}}) do
      H.raises(core.ValueError, "blake2s tree hashing (fanout, depth, leaf_size, node_offset, node_depth, "
               .. "inner_size, last_node) is not supported: OpenSSL 3.0 has no parameters for it",
               hashlib.blake2s, "x", kw)
    end
  end)
end)

-- Resident memory of this process in KiB (Linux), or nil.
local function rss_kib()
  local f = io.open("/proc/self/statm")
  if not f then return nil end
  local _, resident = f:read("*n", "*n")
  f:close()
  return resident * 4
end

describe("hashlib with huge inputs", function()
  local slow = os.getenv("PYSSL_SLOW")
  it("hashes a 1 GiB string in one update without copying it", function()
    if slow then return end   -- minutes under valgrind
    local data = string.rep("x", 1024 * MiB)
    collectgarbage("collect")
    local before, rss_before = collectgarbage("count"), rss_kib()
    local h = hashlib.sha256()
    h:update(data)
    local after, rss_after = collectgarbage("count"), rss_kib()
    assert.is_true(after - before < 64, "Lua heap grew by " .. (after - before) .. " KiB")
    if rss_before then
      assert.is_true(rss_after - rss_before < 64 * 1024, "RSS grew by " .. (rss_after - rss_before) .. " KiB")
    end
    local py = D.python({"hashlib.sha256(b'x' * 2**30).hexdigest()"})
    assert.same(py[1], {ok = "hex:" .. D.hex(h:hexdigest())})
    data = nil
    collectgarbage("collect")
  end)
  it("makes long SHAKE outputs and refuses impossible ones with MemoryError", function()
    local out = hashlib.shake_256("x"):digest(16 * MiB)
    assert.equal(16 * MiB, #out)
    assert.equal(hashlib.shake_256("x"):digest(100), out:sub(1, 100))
    H.raises(core.MemoryError, "", function() return hashlib.shake_256("x"):hexdigest(2 ^ 62) end)
  end)
end)
