-- pyssl.socket's host database and interface functions: gethostbyname_ex,
-- gethostbyaddr, getfqdn, if_nameindex, if_nametoindex, if_indextoname,
-- compared with python3 on the same inputs.
--
-- The machine may have no working DNS, so the inputs are names of
-- /etc/hosts (localhost, this host's name), numeric addresses, and for
-- failures names the resolver refuses without asking a server ("a..b",
-- "<broadcast>", ""). Aliases, several addresses and IPv6 entries are
-- checked against a hosts file of our own, in a private mount and network
-- namespace (defined only where `unshare` can make one).
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local core = require "pyssl.core"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

-- Runs each case in pyssl and in python3; a case is {name, lua = fn,
-- py = "expr"}. Both sides give {"ok", value} or {"err", class, str(e),
-- errno}. Returns python's table and ours.
local function compare(cases, setup)
  local lines = {"import socket", setup or "", "out = {}", "def run(name, f):",
    "    try:",
    "        v = f()",
    "        out[name] = ['ok', json.loads(json.dumps(v))]",
    "    except BaseException as e:",
    "        out[name] = ['err', type(e).__name__, str(e), getattr(e, 'errno', None)]"}
  for _, case in ipairs(cases) do
    lines[#lines + 1] = string.format("run(%q, lambda: %s)", case[1], case.py)
  end
  lines[#lines + 1] = "print(json.dumps(out))"
  local want = H.python(table.concat(lines, "\n") .. "\n")
  local got = {}
  for _, case in ipairs(cases) do
    local ok, v = pcall(case.lua)
    if ok then
      got[case[1]] = {"ok", v}
    else
      local errno = type(v) == "table" and v.errno or nil
      got[case[1]] = {"err", core._typename(v), H.norm(v), errno == nil and H.json.null or errno}
    end
  end
  return want, got
end

local HOSTNAME = socket.gethostname()
-- The interpreter that runs the specs (the sanitized one under make check).
local LUA = os.getenv("LUA") or "lua5.4"

describe("gethostbyname_ex", function()
  it("answers {hostname, aliases, addresses} as Python's for local names and numbers", function()
    local cases = {}
    for i, name in ipairs({"localhost", HOSTNAME, "127.0.0.1", "1", "127.1", "255.255.255.255",
                           "0.0.0.0", "LOCALHOST"}) do
      cases[#cases + 1] = {"n" .. i, lua = function() return socket.gethostbyname_ex(name) end,
                           py = "socket.gethostbyname_ex(" .. H.json.encode(name) .. ")"}
    end
    local want, got = compare(cases)
    assert.same(want, got)
    assert.same({"localhost", {}, {"127.0.0.1"}}, got.n1[2])
    assert.same({"1", {}, {"0.0.0.1"}}, got.n4[2])
  end)

  it("raises herror, gaierror and OSError as Python does", function()
    local want, got = compare({
      {"empty", lua = function() return socket.gethostbyname_ex("") end, py = 'socket.gethostbyname_ex("")'},
      {"v6", lua = function() return socket.gethostbyname_ex("::1") end, py = 'socket.gethostbyname_ex("::1")'},
      {"bad", lua = function() return socket.gethostbyname_ex("a..b") end,
       py = 'socket.gethostbyname_ex(b"a..b")'},
      {"long", lua = function() return socket.gethostbyname_ex(("x"):rep(70000)) end,
       py = 'socket.gethostbyname_ex(b"x" * 70000)'},
    })
    assert.same(want, got)
    assert.same({"err", "herror", "[Errno 3] Unknown server error", 3}, got.empty)
    -- glibc answers HOST_NOT_FOUND through gethostbyname_r's h_errnop
    -- without setting h_errno, which CPython reads: Python reports whatever
    -- an earlier lookup left there ("[Errno 0] Resolver Error 0 (no error)"
    -- in a fresh process). pyssl reports the lookup's own answer.
    local e = H.raises(socket.herror, nil, socket.gethostbyname_ex, "<broadcast>")
    assert.is_true(ssl.isinstance(e, ssl.OSError))
    assert.equal(1, e.errno)
    assert.equal("Unknown host", e.strerror)
    assert.same({1, "Unknown host"}, {e.args[1], e.args[2]})
    H.raises(socket.gaierror, nil, socket.gethostbyname_ex, "::1")
  end)
end)

describe("gethostbyaddr", function()
  it("answers as Python's for local addresses and names (a name is resolved first)", function()
    local cases = {}
    for i, name in ipairs({"127.0.0.1", "localhost", HOSTNAME, "127.0.0.1 "}) do
      cases[#cases + 1] = {"a" .. i, lua = function() return socket.gethostbyaddr(name) end,
                           py = "socket.gethostbyaddr(" .. H.json.encode(name) .. ")"}
    end
    local want, got = compare(cases)
    assert.same(want, got)
    assert.equal("ok", got.a1[1])
    assert.same({"127.0.0.1"}, got.a1[2][3])
  end)

  it("raises as Python does: herror, gaierror, the dual-stack wildcard's OSError", function()
    local want, got = compare({
      {"empty", lua = function() return socket.gethostbyaddr("") end, py = 'socket.gethostbyaddr("")'},
      {"bad", lua = function() return socket.gethostbyaddr("a..b") end, py = 'socket.gethostbyaddr(b"a..b")'},
      {"long", lua = function() return socket.gethostbyaddr(("x"):rep(70000)) end,
       py = 'socket.gethostbyaddr(b"x" * 70000)'},
    })
    assert.same(want, got)
    assert.equal("gaierror", got.bad[2])
    -- (Python's h_errno may be stale here: see gethostbyname_ex above)
    H.raises(socket.herror, "[Errno 1] Unknown host", socket.gethostbyaddr, "::")
  end)
end)

describe("getfqdn", function()
  it("is Python's algorithm: this host for '' and wildcards, the lookup's dotted name, else the name", function()
    local cases = {
      {"none", lua = function() return socket.getfqdn() end, py = "socket.getfqdn()"},
      {"nil", lua = function() return socket.getfqdn(nil) end, py = "socket.getfqdn()"},
      {"kw", lua = function() return socket.getfqdn({name = "127.0.0.1"}) end,
       py = 'socket.getfqdn(name="127.0.0.1")'},
    }
    for i, name in ipairs({"", "  ", "0.0.0.0", "::", "localhost", "127.0.0.1", " \t127.0.0.1\n",
                           "\28localhost\31", HOSTNAME}) do
      cases[#cases + 1] = {"f" .. i, lua = function() return socket.getfqdn(name) end,
                           py = "socket.getfqdn(" .. H.json.encode(name) .. ")"}
    end
    -- a name whose lookup fails (without asking a DNS server) comes back
    -- stripped; Python's str would fail in the idna codec first, its bytes not
    cases[#cases + 1] = {"fail", lua = function() return socket.getfqdn(" a..b ") end,
                         py = 'socket.getfqdn(b" a..b ").decode()'}
    local want, got = compare(cases)
    assert.same(want, got)
    assert.same({"ok", "a..b"}, got.fail)
    assert.equal("ok", got.f7[1])
  end)

  it("raises Python's errors for wrong arguments", function()
    H.raises(ssl.AttributeError, "'int' object has no attribute 'strip'", socket.getfqdn, 3)
    H.raises(ssl.AttributeError, "'bool' object has no attribute 'strip'", socket.getfqdn, true)
    H.raises(ssl.TypeError, "getfqdn() takes from 0 to 1 positional arguments but 2 were given",
             socket.getfqdn, "a", "b")
    H.raises(ssl.TypeError, "getfqdn() got an unexpected keyword argument 'host'",
             socket.getfqdn, {host = "x"})
    -- not an OSError: getfqdn lets it through, as Python does
    H.raises(ssl.TypeError, "gethostbyaddr() argument 1 must be encoded string without null bytes, not str",
             socket.getfqdn, "a\0b")
  end)
end)

describe("if_nameindex, if_nametoindex, if_indextoname", function()
  it("list and map the interfaces as Python does", function()
    local py = H.python([=[
import socket
ni = socket.if_nameindex()
print(json.dumps([ni, [socket.if_nametoindex(n) for i, n in ni], [socket.if_indextoname(i) for i, n in ni]]))]=])
    local ni = socket.if_nameindex()
    assert.is_true(#ni >= 1)
    local to_index, to_name = {}, {}
    for k, entry in ipairs(ni) do
      to_index[k] = socket.if_nametoindex(entry[2])
      to_name[k] = socket.if_indextoname(entry[1])
      assert.equal(entry[1], to_index[k])
      assert.equal(entry[2], to_name[k])
    end
    assert.same(py, {ni, to_index, to_name})
  end)

  it("raise Python's errors", function()
    local setup = "import socket"
    local problems = S.compare_errors(setup, {
      {"n2i_missing", lua = function() socket.if_nametoindex("nosuchif0") end, py = 'socket.if_nametoindex("nosuchif0")'},
      {"n2i_empty", lua = function() socket.if_nametoindex("") end, py = 'socket.if_nametoindex("")'},
      {"n2i_long", lua = function() socket.if_nametoindex(("x"):rep(70000)) end,
       py = 'socket.if_nametoindex("x" * 70000)'},
      {"n2i_nul", lua = function() socket.if_nametoindex("lo\0") end, py = 'socket.if_nametoindex("lo\\0")'},
      {"n2i_int", lua = function() socket.if_nametoindex(1) end, py = "socket.if_nametoindex(1)"},
      {"n2i_none", lua = function() socket.if_nametoindex(nil) end, py = "socket.if_nametoindex(None)"},
      {"n2i_0", lua = function() socket.if_nametoindex() end, py = "socket.if_nametoindex()"},
      {"n2i_2", lua = function() socket.if_nametoindex("lo", 1) end, py = 'socket.if_nametoindex("lo", 1)'},
      {"i2n_0", lua = function() socket.if_indextoname(0) end, py = "socket.if_indextoname(0)"},
      {"i2n_big", lua = function() socket.if_indextoname(4294967295) end, py = "socket.if_indextoname(4294967295)"},
      {"i2n_neg", lua = function() socket.if_indextoname(-1) end, py = "socket.if_indextoname(-1)"},
      {"i2n_minint", lua = function() socket.if_indextoname(H.MININT) end,
       py = "socket.if_indextoname(-2**63)"},
      {"i2n_float", lua = function() socket.if_indextoname(1.5) end, py = "socket.if_indextoname(1.5)"},
      {"i2n_str", lua = function() socket.if_indextoname("1") end, py = 'socket.if_indextoname("1")'},
      {"i2n_none", lua = function() socket.if_indextoname(nil) end, py = "socket.if_indextoname(None)"},
      {"i2n_0args", lua = function() socket.if_indextoname() end, py = "socket.if_indextoname()"},
      {"i2n_2args", lua = function() socket.if_indextoname(1, 2) end, py = "socket.if_indextoname(1, 2)"},
      {"ni_1arg", lua = function() socket.if_nameindex(1) end, py = "socket.if_nameindex(1)"},
    }, true)   -- H.PYTHON_NEWER: 3.13's wording of if_nametoindex()'s count
    assert.same({}, problems)
    -- Above C unsigned int: OverflowError, as from Python 3.12 on (3.11.7
    -- truncated the index).
    H.raises(ssl.OverflowError, "Python int too large for C unsigned int", socket.if_indextoname, 4294967296)
    H.raises(ssl.OverflowError, "Python int too large for C unsigned int", socket.if_indextoname,
             H.MAXINT)
    -- Python's True is 1, an integral float is taken as its integer
    assert.equal(socket.if_indextoname(1), socket.if_indextoname(true))
    assert.equal(socket.if_indextoname(1), socket.if_indextoname(1.0))
  end)
end)

describe("the gethostby* argument errors", function()
  it("are Python's TypeError texts", function()
    local problems = S.compare_errors("import socket", {
      {"ex_int", lua = function() socket.gethostbyname_ex(3) end, py = "socket.gethostbyname_ex(3)"},
      {"ex_float", lua = function() socket.gethostbyname_ex(3.5) end, py = "socket.gethostbyname_ex(3.5)"},
      {"ex_none", lua = function() socket.gethostbyname_ex(nil) end, py = "socket.gethostbyname_ex(None)"},
      {"ex_list", lua = function() socket.gethostbyname_ex({1}) end, py = "socket.gethostbyname_ex([1])"},
      {"ex_nul", lua = function() socket.gethostbyname_ex("a\0b") end, py = 'socket.gethostbyname_ex("a\\0b")'},
      {"ex_0", lua = function() socket.gethostbyname_ex() end, py = "socket.gethostbyname_ex()"},
      {"ex_2", lua = function() socket.gethostbyname_ex("a", "b") end, py = 'socket.gethostbyname_ex("a", "b")'},
      {"addr_int", lua = function() socket.gethostbyaddr(3) end, py = "socket.gethostbyaddr(3)"},
      {"addr_bool", lua = function() socket.gethostbyaddr(true) end, py = "socket.gethostbyaddr(True)"},
      {"addr_none", lua = function() socket.gethostbyaddr(nil) end, py = "socket.gethostbyaddr(None)"},
      {"addr_nul", lua = function() socket.gethostbyaddr("\0") end, py = 'socket.gethostbyaddr("\\0")'},
      {"addr_0", lua = function() socket.gethostbyaddr() end, py = "socket.gethostbyaddr()"},
      {"addr_2", lua = function() socket.gethostbyaddr("a", nil) end, py = 'socket.gethostbyaddr("a", None)'},
      {"name_none", lua = function() socket.gethostbyname(nil) end, py = "socket.gethostbyname(None)"},
      {"name_nul", lua = function() socket.gethostbyname("a\0b") end, py = 'socket.gethostbyname("a\\0b")'},
    })
    assert.same({}, problems)
  end)
end)

-- A private /etc/hosts (mount namespace) without any network (network
-- namespace): aliases, several addresses, IPv6 entries, and every lookup
-- outside the file fails at once.
local function can_unshare()
  local status = os.execute("unshare -rmn sh -c 'mount --bind /dev/null /etc/hosts' >/dev/null 2>&1")
  return status == true or status == 0   -- 5.1 and LuaJIT give the exit status
end

if can_unshare() then
  describe("with a hosts file of aliases and IPv6 entries", function()
    it("gives Python's answers", function()
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir -p " .. dir))
      finally(function() os.execute("rm -rf " .. dir) end)
      local hosts = table.concat({
        "127.0.0.1 localhost",
        "10.9.8.7 alpha.example.test alpha a1",
        "10.9.8.6 alpha.example.test",
        "10.9.8.5 beta b1 beta.example.test",
        "::1 localhost6 ip6-localhost ip6-loopback",
        "2001:db8::5 six.example.test six",
        "fe80::1 linklocal", ""}, "\n")
      local f = assert(io.open(dir .. "/hosts", "w"))
      f:write(hosts)
      f:close()
      local calls = {
        {"gethostbyname_ex", "alpha"}, {"gethostbyname_ex", "a1"}, {"gethostbyname_ex", "alpha.example.test"},
        {"gethostbyname_ex", "six"}, {"gethostbyname_ex", "nosuchhost"},
        {"gethostbyaddr", "10.9.8.7"}, {"gethostbyaddr", "10.9.8.6"}, {"gethostbyaddr", "::1"},
        {"gethostbyaddr", "2001:db8::5"}, {"gethostbyaddr", "six"}, {"gethostbyaddr", "fe80::1"},
        {"gethostbyaddr", "b1"}, {"gethostbyaddr", "10.1.2.3"}, {"gethostbyaddr", "nosuchhost"},
        {"getfqdn", "a1"}, {"getfqdn", "b1"}, {"getfqdn", "six"}, {"getfqdn", "linklocal"},
        {"getfqdn", "10.1.2.3"},
      }
      -- the same script shape on both sides: one JSON-able line per call
      local lua_script = dir .. "/run.lua"
      f = assert(io.open(lua_script, "w"))
      f:write([[
local socket = require "pyssl.socket"
local core = require "pyssl.core"
local json = require "dkjson"
local out = {}
for i, c in ipairs(json.decode(]], string.format("%q", H.json.encode(calls)), [[)) do
  local ok, v = pcall(socket[c[1] ], c[2])
  if ok then out[i] = {"ok", v} else out[i] = {"err", core._typename(v), core.str(v)} end
end
print(json.encode(out))
]])
      f:close()
      local py_script = dir .. "/run.py"
      f = assert(io.open(py_script, "w"))
      f:write("import json, socket\nout = []\nfor fn, arg in ", H.json.encode(calls), ":\n",
        "    try:\n        out.append(['ok', json.loads(json.dumps(getattr(socket, fn)(arg)))])\n",
        "    except OSError as e:\n        out.append(['err', type(e).__name__, str(e)])\n",
        "print(json.dumps(out))\n")
      f:close()
      local function run(cmd)
        local p = assert(io.popen(string.format(
          "timeout 20 unshare -rmn sh -c 'mount --bind %s/hosts /etc/hosts && exec %s' 2>&1", dir, cmd)))
        local text = p:read("*a")
        p:close()
        local v = H.json.decode(text, 1, H.json.null)
        assert(v, "no JSON: " .. text)
        return v
      end
      local want = run(H.PYTHON .. " " .. py_script)
      local got = run(LUA .. " " .. lua_script)
      assert.same(want, got)
      assert.same({"ok", {"alpha.example.test", {"alpha", "a1"}, {"10.9.8.7", "10.9.8.6"}}}, got[3])
      assert.same({"ok", {"localhost6", {"ip6-localhost", "ip6-loopback"}, {"::1"}}}, got[8])
      assert.same({"ok", "beta.example.test"}, got[16])
    end)
  end)
end
