-- Lua subclasses of pyssl's classes (ctx.sslobject_class, ctx.sslsocket_class;
-- src/class.c): isinstance and method lookup compared with Python for the
-- same class shapes. A Lua subclass is a table whose metatable's __index
-- is its base (or a bare table, for the class given to a context).
local H = require "spec.support.helper"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local core = require "pyssl.core"

-- The same shapes in Python and in Lua: Sub(Base), SubSub(Sub), Other(Base)
-- and Never(Base) (no instance ever made); the objects: one per class
-- made through the context, plus values that are no objects.
local PY = [==[
import socket
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
CLASS_NAMES = ["Base", "Sub", "SubSub", "Other", "Never", "tuple", "SSLObject", "SSLSocket",
               "socket", "MemoryBIO", "SSLError"]
OBJ_NAMES = ["plain", "sub", "subsub", "other", "none", "error"]

def shapes(base):
    class Sub(base):
        def who(self): return "sub"
        def only_sub(self): return "only_sub"
    class SubSub(Sub):
        def who(self): return "subsub"
    class Other(base):
        def who(self): return "other"
    class Never(base): pass
    return {"Base": base, "Sub": Sub, "SubSub": SubSub, "Other": Other, "Never": Never,
            "tuple": (Other, SubSub), "SSLObject": ssl.SSLObject, "SSLSocket": ssl.SSLSocket,
            "socket": socket.socket, "MemoryBIO": ssl.MemoryBIO, "SSLError": ssl.SSLError}

def run(base, make):
    classes = shapes(base)
    objs = {"plain": make(base), "sub": make(classes["Sub"]), "subsub": make(classes["SubSub"]),
            "other": make(classes["Other"]), "none": None, "error": ssl.SSLError(1, "x")}
    out = []
    for o in OBJ_NAMES:
        for c in CLASS_NAMES:
            out.append([o, c, isinstance(objs[o], classes[c])])
        who = getattr(objs[o], "who", None)
        out.append([o, "who", who() if who else None])
        only = getattr(objs[o], "only_sub", None)
        out.append([o, "only_sub", only() if only else None])
    return out

def make_object(cls):
    ctx.sslobject_class = cls
    return ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())

socks = []
def make_socket(cls):
    ctx.sslsocket_class = cls
    s = ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    socks.append(s)
    return s

out = {"SSLObject": run(ssl.SSLObject, make_object), "SSLSocket": run(ssl.SSLSocket, make_socket)}
for s in socks: s.close()
print(json.dumps(out))
]==]

local CLASS_NAMES = {"Base", "Sub", "SubSub", "Other", "Never", "tuple", "SSLObject", "SSLSocket",
                     "socket", "MemoryBIO", "SSLError"}
local OBJ_NAMES = {"plain", "sub", "subsub", "other", "none", "error"}

local function subclass(base, methods)
  return setmetatable(methods or {}, {__index = base})
end

local function shapes(base)
  local Sub = subclass(base, {who = function() return "sub" end,
                              only_sub = function() return "only_sub" end})
  local SubSub = subclass(Sub, {who = function() return "subsub" end})
  local Other = subclass(base, {who = function() return "other" end})
  local Never = subclass(base)
  return {Base = base, Sub = Sub, SubSub = SubSub, Other = Other, Never = Never,
          tuple = {Other, SubSub}, SSLObject = ssl.SSLObject, SSLSocket = ssl.SSLSocket,
          socket = socket.socket, MemoryBIO = ssl.MemoryBIO, SSLError = ssl.SSLError}
end

-- A method of obj, or nil when obj has none (Python's getattr(o, name, None)).
local function method(obj, name)
  if obj == nil then return nil end
  local ok, f = pcall(function() return obj[name] end)
  if ok and type(f) == "function" then return f(obj) end
  return nil
end

local function run(base, make)
  local classes = shapes(base)
  local objs = {plain = make(base), sub = make(classes.Sub), subsub = make(classes.SubSub),
                other = make(classes.Other), none = nil, error = ssl.SSLError(1, "x")}
  local out = {}
  for _, o in ipairs(OBJ_NAMES) do
    for _, c in ipairs(CLASS_NAMES) do
      out[#out + 1] = {o, c, ssl.isinstance(objs[o], classes[c])}
    end
    local who, only = method(objs[o], "who"), method(objs[o], "only_sub")
    out[#out + 1] = {o, "who", who == nil and H.json.null or who}
    out[#out + 1] = {o, "only_sub", only == nil and H.json.null or only}
  end
  return out
end

describe("Lua subclasses", function()
  local ctx, socks

  before_each(function()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = false
    ctx.verify_mode = ssl.CERT_NONE
    socks = {}
  end)

  after_each(function()
    for _, s in ipairs(socks) do pcall(s.close, s) end
  end)

  local function make_object(cls)
    ctx.sslobject_class = cls
    return ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO())
  end

  local function make_socket(cls)
    ctx.sslsocket_class = cls
    local s = ctx:wrap_socket(socket.socket(), {server_hostname = "localhost"})
    socks[#socks + 1] = s
    return s
  end

  it("are classes for isinstance and lookups as in Python (3.13), subclasses of subclasses too", function()
    local py = H.python(PY, true)
    assert.same(py.SSLObject, run(ssl.SSLObject, make_object))
    assert.same(py.SSLSocket, run(ssl.SSLSocket, make_socket))
  end)

  it("of a subclass given as a bare table (no metatable; sslsocket_class takes one) are instances of it", function()
    local Bare = {hello = function() return "hello" end}
    local sock = make_socket(Bare)
    assert.is_true(ssl.isinstance(sock, Bare))
    assert.is_true(ssl.isinstance(sock, ssl.SSLSocket))
    assert.is_false(ssl.isinstance(make_socket(ssl.SSLSocket), Bare))
    assert.equal("hello", sock:hello())
  end)

  it("keep isinstance's TypeError for tables that are no class", function()
    local obj = make_object(subclass(ssl.SSLObject))
    H.raises(ssl.TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union",
             ssl.isinstance, obj, setmetatable({}, {}))
    H.raises(ssl.TypeError, "isinstance() arg 2 must be a type, a tuple of types, or a union",
             ssl.isinstance, obj, setmetatable({}, {__index = {}}))
  end)

  it("are per-context class attributes, both checked as every attribute of a context", function()
    local Sub = subclass(ssl.SSLObject)
    ctx.sslobject_class, ctx.sslsocket_class = Sub, Sub
    local other = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert.equal(Sub, ctx.sslobject_class)
    assert.equal(Sub, ctx.sslsocket_class)
    assert.equal(ssl.SSLObject, other.sslobject_class)
    assert.equal(ssl.SSLSocket, other.sslsocket_class)
    ctx.sslobject_class = nil
    assert.equal(ssl.SSLObject, ctx.sslobject_class)
    getmetatable(other).__close(other)
    for _, name in ipairs({"sslobject_class", "sslsocket_class", "check_hostname"}) do
      H.raises(ssl.ValueError, "SSLContext has been closed", function() return other[name] end)
      H.raises(ssl.ValueError, "SSLContext has been closed", function() other[name] = Sub end)
    end
    H.raises(ssl.TypeError, nil, ssl.SSLContext.__getters.sslobject_class, ssl.MemoryBIO())
  end)

  it("share their instance metatable between objects and keep the base's for plain ones", function()
    local Sub = subclass(ssl.SSLObject)
    local a, b = make_object(Sub), make_object(Sub)
    assert.equal(getmetatable(a), getmetatable(b))
    local plain = make_object(ssl.SSLObject)
    assert.not_equal(getmetatable(a), getmetatable(plain))
    assert.is_true(core._is_plain(plain, "SSLObject"))
    assert.is_false(core._is_plain(a, "SSLObject"))
    -- An attribute hiding a method: no longer plain either.
    plain.pending = function() return 7 end
    assert.is_false(core._is_plain(plain, "SSLObject"))
    assert.equal(7, plain.pending())
  end)
end)
