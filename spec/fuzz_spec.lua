-- Wrong arguments everywhere: every method of every class, and every
-- function of the modules, called with no argument, one and two arguments
-- drawn from a set of awkward values (nil, NaN, huge numbers, binary and
-- long strings, tables, functions, coroutines, other pyssl objects), and
-- every property set to each of them. Nothing may crash (`make check` runs
-- this under ASan and valgrind), and every error the public API raises
-- must be one of Python's exception objects, not a bare Lua error.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local SLOW = os.getenv("PYSSL_SLOW") ~= nil   -- under valgrind: one argument at a time

local NIL = {}   -- stands for nil inside the list
local VALUES = {NIL, false, true, 0, -1, 3.5, 2^63, H.MAXINT, H.MININT, math.huge,
  -math.huge, 0 / 0, "", "\0\255garbage", string.rep("A", 70000), {}, {1, "x"}, {x = 1},
  function() error("boom") end, function() return 1 end, coroutine.create(function() end),
  ssl.MemoryBIO(), ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)}

local function value(v)
  if v == NIL then return nil end
  return v
end

-- Methods that take an integer as a file descriptor: never hand them
-- integers, which could be this process's own descriptors.
local TAKES_FD = {wrap_socket = true, fromfd = true, close = true, dup = true}

-- Module functions left out: they resolve names or connect (slow, or
-- the network), raise on purpose, or change process-wide defaults
-- (sethostname would rename the machine with "": spec/sockmsg_spec.lua
-- runs these same values through it inside a UTS namespace).
local SKIP_FUNCTION = {sethostname = true, get_server_certificate = true, getaddrinfo = true, gethostbyname = true,
  getnameinfo = true, create_connection = true, create_server = true, fromfd = true, close = true,
  dup = true, _raise = true, setdefaulttimeout = true}

local function loopback_socket()
  local s = socket.socket()
  s:bind({"127.0.0.1", 0})       -- so that listen() cannot bind to every address
  s:setblocking(false)           -- nothing may wait
  return s
end

local FACTORIES = {
  {"SSLContext", ssl.SSLContext, function() return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT) end},
  {"SSLObject", ssl.SSLObject, function()
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT):wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), false, "x")
  end},
  {"SSLObject (connected)", ssl.SSLObject, function()
    return T.connect({client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"}).c
  end},
  {"SSLSocket", ssl.SSLSocket, function()
    return ssl._create_unverified_context():wrap_socket(loopback_socket(), {do_handshake_on_connect = false})
  end},
  {"socket", socket.socket, loopback_socket},
  {"MemoryBIO", ssl.MemoryBIO, ssl.MemoryBIO},
  {"SSLSession", ssl.SSLSession, function()
    return T.connect({client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"}).c.session
  end},
}

-- Argument lists: none, each value, and (unless SLOW) each pair.
local function arglists(skip_integers)
  local usable = {}
  for _, v in ipairs(VALUES) do
    if not (skip_integers and H.compat.math_type(v) == "integer") then usable[#usable + 1] = v end
  end
  local lists = {{n = 0}}
  for _, a in ipairs(usable) do
    lists[#lists + 1] = {n = 1, a}
    if not SLOW then
      for _, b in ipairs(usable) do lists[#lists + 1] = {n = 2, a, b} end
    end
  end
  return lists
end

local Report = {}
Report.__index = Report

local function report()
  return setmetatable({calls = 0, bare = {}}, Report)
end

-- Calls fn(obj, args...); a failure that is not a Python exception
-- object is recorded under `label` (private names may fail bare).
function Report:call(label, fn, obj, args)
  self.calls = self.calls + 1
  local ok, err
  if args.n == 0 then
    ok, err = pcall(fn, obj)
  elseif args.n == 1 then
    ok, err = pcall(fn, obj, value(args[1]))
  else
    ok, err = pcall(fn, obj, value(args[1]), value(args[2]))
  end
  if not ok and not ssl.isinstance(err, ssl.BaseException) and not label:find("%._") then
    self.bare[#self.bare + 1] = label .. ": " .. tostring(err)
  end
end

local function method_names(cls)
  local names, seen, class = {}, {}, cls
  while class do
    for name, v in pairs(class) do
      if type(v) == "function" and not name:find("^__") and not seen[name] then
        seen[name] = true
        names[#names + 1] = name
      end
    end
    local bases = rawget(class, "__bases")
    class = bases and bases[1]
  end
  table.sort(names)
  return names
end

local function close_quietly(obj)
  pcall(function() obj:close() end)
end

describe("wrong arguments", function()
  for _, f in ipairs(FACTORIES) do
    local label, cls, make = f[1], f[2], f[3]

    it("to every method of " .. label .. " raise Python's errors", function()
      local r = report()
      for _, name in ipairs(method_names(cls)) do
        local obj = make()
        for _, args in ipairs(arglists(TAKES_FD[name])) do
          r:call(label .. "." .. name, cls[name], obj, args)
        end
        close_quietly(obj)
      end
      assert.same({}, r.bare)
      assert.is_true(#method_names(cls) == 0 or r.calls > #VALUES)
    end)

    it("as self of every method of " .. label .. " (obj.method(x)) raise Python's errors", function()
      local r = report()
      for _, name in ipairs(method_names(cls)) do
        for _, v in ipairs(VALUES) do
          r:call(label .. "." .. name, cls[name], value(v), {n = 1, "x"})
        end
      end
      assert.same({}, r.bare)
    end)

    it("to every property of " .. label .. " raise Python's errors", function()
      local r = report()
      for name in pairs(rawget(cls, "__getters") or {}) do
        local obj = make()
        for _, v in ipairs(VALUES) do
          r:call(label .. "." .. name .. " =", function(o, x) o[name] = x end, obj, {n = 1, v})
        end
        r:call(label .. "." .. name, function(o) return o[name] end, obj, {n = 0})
        close_quietly(obj)
      end
      assert.same({}, r.bare)
    end)
  end

  for _, m in ipairs({{"ssl", ssl}, {"socket", socket}, {"select", require "pyssl.select"}}) do
    it("to every function of pyssl." .. m[1] .. " raise Python's errors", function()
      local r = report()
      local names = {}
      for name, fn in pairs(m[2]) do
        if type(fn) == "function" and not SKIP_FUNCTION[name] then names[#names + 1] = name end
      end
      table.sort(names)
      for _, name in ipairs(names) do
        local fn = m[2][name]
        for _, args in ipairs(arglists(false)) do
          -- module functions take no self: drop the leading nil
          r:call(m[1] .. "." .. name, function(_, ...) return fn(...) end, nil, args)
        end
      end
      assert.same({}, r.bare)
      assert.is_true(r.calls > #VALUES)
    end)
  end
end)
