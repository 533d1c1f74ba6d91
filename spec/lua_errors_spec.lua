-- Errors that fit Lua (issue 12, item 5; README "Errors"): an uncaught
-- pyssl error shows the user's file:line, the class as Python's traceback
-- names it and Python's message, under the interpreter that runs the specs
-- and under a C host's lua_pcall with a traceback handler; errors
-- concatenate; failures carry the traceback of their raise; flow control
-- records nothing; isinstance checks its second argument as Python does.
-- Scripts run as subprocesses; their last lines are compared with what
-- python3 prints for the same failure.
local H = require "spec.support.helper"
local P = require "spec.support.peers"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local LUA = os.getenv("LUA") or "lua5.4"
local THIS = "spec/lua_errors_spec.lua"

-- Lua 5.1's lua.c prints "(error object is not a string)" for any table
-- error (README "Errors"): there a script is run as README says to, caught
-- at the top and printed with tostring(e) (`top`, below); the plain run is
-- checked for that documented line in the first case.
local PLAIN_51 = H.compat.version == "5.1" and not H.compat.luajit

-- Runs `path` with pcall(dofile) and prints an error as lua.c does, with
-- tostring(e); the place in the text is still the script's own line.
local function top(path)
  return P.quote(LUA) .. " -e " .. P.quote("local ok, e = pcall(dofile, " .. string.format("%q", path) ..
    ") if not ok then io.stderr:write('lua: ', tostring(e), '\\n') os.exit(1) end")
end

-- Writes `code` to a temporary script and runs it with `cmd` (the
-- interpreter; `top` on plain 5.1 unless `plain`); returns the script's
-- path (as the interpreter names it), its stderr and stdout together, and
-- its exit status (read from the shell: a pipe's close() gives none on
-- 5.1/LuaJIT).
local function run_lua(code, cmd, plain)
  local path = os.tmpname() .. ".lua"
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local run = (cmd or P.quote(LUA)) .. " " .. P.quote(path)
  if not cmd and PLAIN_51 and not plain then run = top(path) end
  local p = assert(io.popen("timeout 20 " .. run .. " 2>&1; echo \"rc=$?\""))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local status
  out, status = out:match("^(.-)rc=(%d+)\n$")
  return path, out, tonumber(status)
end

-- The last line python3 prints for an uncaught exception in `code`.
local function python_last_line(code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local p = assert(io.popen("timeout 20 python3 -W ignore " .. path .. " " .. P.quote(H.PKI) .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local last = out:match("([^\n]+)\n*$")
  assert(out:match("^Traceback"), "python3 raised nothing: " .. out)
  return H.norm(last)
end

-- The line of the uncaught error as the interpreter (or host) prints it:
-- "<prog>: <script>:<line>: <Class>: <message>"; returns what follows
-- "<script>:<line>: " (normalised), or fails naming what was printed.
local function uncaught(out, script, line)
  local prefix = script .. ":" .. line .. ": "
  local first = out:match("^[^\n]*")
  local at = first:find(prefix, 1, true)
  assert(at, string.format("no %q in the first line of:\n%s", prefix, out))
  return H.norm(first:sub(at + #prefix))
end

-- A 127.0.0.1 port nothing listens on.
local function closed_port()
  local s = socket.socket()
  s:bind({"127.0.0.1", 0})
  local port = s:getsockname()[2]
  s:close()
  return port
end

-- The in-memory handshake of a client that does not trust the test CA.
local UNTRUSTED_LUA = [[
local ssl = require "pyssl"
local PKI = %q
local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx:load_cert_chain(PKI .. "/leafkey.pem")
local cctx = ssl.create_default_context()
local cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
local c = cctx:wrap_bio(cin, cout, false, "localhost")
local s = sctx:wrap_bio(sin, sout, true)
local function step(o)
  local ok, e = pcall(o.do_handshake, o)   -- line 10
  if not ok and not ssl.isinstance(e, ssl.SSLWantReadError) then error(e, 0) end
end
for _ = 1, 10 do
  step(c); sin:write(cout:read()); step(s); cin:write(sout:read())
end
]]
local UNTRUSTED_PY = [[
import ssl, sys
PKI = sys.argv[1]
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(PKI + "/leafkey.pem")
cctx = ssl.create_default_context()
cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
c = cctx.wrap_bio(cin, cout, server_hostname="localhost")
s = sctx.wrap_bio(sin, sout, server_side=True)
def step(o):
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
for _ in range(10):
    step(c); sin.write(cout.read()); step(s); cin.write(sout.read())
]]

describe("an uncaught error", function()
  it("shows the user's file:line, Python's class and message (FileNotFoundError through the facade)", function()
    local code = [[
local ssl = require "pyssl"
local function load(ctx)
  ctx:load_verify_locations("/nonexistent/ca.pem")
end
load(ssl.create_default_context())
]]
    local script, out, status = run_lua(code)
    assert.is_not.equal(0, status)
    assert.equal(python_last_line([[
import ssl
ssl.create_default_context().load_verify_locations("/nonexistent/ca.pem")
]]), uncaught(out, script, 3))
    assert.equal("FileNotFoundError: [Errno 2] No such file or directory", uncaught(out, script, 3))
    if PLAIN_51 then   -- what README "Errors" says lua5.1 itself prints
      local _, plain_out, plain_status = run_lua(code, nil, true)
      assert.is_not.equal(0, plain_status)
      assert.truthy(plain_out:find("^[^\n]*: %(error object is not a string%)\n"), plain_out)
    end
  end)

  it("shows ssl.SSLCertVerificationError with the verify message, at the user's line", function()
    local script, out = run_lua(string.format(UNTRUSTED_LUA, H.PKI))
    local mine = uncaught(out, script, 10)
    assert.equal(python_last_line(UNTRUSTED_PY), mine)
    assert.matches("^ssl%.SSLCertVerificationError: %[SSL: CERTIFICATE_VERIFY_FAILED%] certificate verify failed: ", mine)
  end)

  it("shows ConnectionRefusedError from pyssl.socket.create_connection (facade code) at the user's line", function()
    local port = closed_port()
    local script, out = run_lua(string.format([[
local socket = require "pyssl.socket"
local conn = socket.create_connection({"127.0.0.1", %d})
]], port))
    assert.equal(python_last_line(string.format([[
import socket
socket.create_connection(("127.0.0.1", %d))
]], port)), uncaught(out, script, 2))
  end)

  it("shows the same under a C host's lua_pcall with a luaL_traceback handler (tools/luahost.c), traceback included (5.4 only)", function()
    H.only("5.4")   -- the host links Lua 5.4, and the core must be built for it
    local host = LUA   -- `make check-asan` runs the specs in that very host, sanitized
    if not LUA:match("luahost$") then
      host = os.tmpname()
      local cc = os.execute("cc -O0 -o " .. host .. " -Isrc tools/luahost.c $(pkg-config --cflags --libs lua5.4 openssl) -lm -ldl 2>&1")
      assert.is_true(cc == true or cc == 0, "cc failed")
    end
    local script, out, status = run_lua([[
local ssl = require "pyssl"
local function load(ctx)
  ctx:load_verify_locations("/nonexistent/ca.pem")
end
load(ssl.create_default_context())
]], host)
    if host ~= LUA then os.remove(host) end
    assert.is_not.equal(0, status)
    assert.equal("FileNotFoundError: [Errno 2] No such file or directory", uncaught(out, script, 3))
    assert.truthy(out:find("\nstack traceback:\n", 1, true))
    assert.truthy(out:find(script .. ":3: in ", 1, true))
  end)
end)

describe("an error object", function()
  it("is tostring'd as 'file:line: module.Class: str(e)' and ssl.str(e) is Python's str(e)", function()
    local py = H.python([==[
import socket
errs = [ValueError(), ValueError("bad"), KeyError("k"), TimeoutError("timed out"),
        ssl.SSLError(1, "[SSL: X] y"), ssl.SSLCertVerificationError(1, "z"),
        ssl.SSLWantReadError(2, "w"), socket.gaierror(-2, "Name or service not known"),
        OSError(2, "No such file or directory", "f")]
print(json.dumps([[str(e), "".join(__import__("traceback").format_exception_only(e)).strip()] for e in errs]))
]==])
    local first = debug.getinfo(1, "l").currentline + 2
    local errs = {
      ssl.ValueError(), ssl.ValueError("bad"), ssl.KeyError("k"), ssl.TimeoutError("timed out"),
      ssl.SSLError(1, "[SSL: X] y"), ssl.SSLCertVerificationError(1, "z"), ssl.SSLWantReadError(2, "w"),
      socket.gaierror(-2, "Name or service not known"), ssl.OSError(2, "No such file or directory", "f")}
    for i, e in ipairs(errs) do
      local line = first + ({0, 0, 0, 0, 1, 1, 1, 2, 2})[i]   -- the rows above
      assert.equal(py[i][1], ssl.str(e))
      assert.equal(THIS .. ":" .. line .. ": " .. py[i][2], tostring(e))
      assert.equal(THIS .. ":" .. line, e.__where__)
    end
    assert.equal("FileNotFoundError", getmetatable(errs[9]).__name)
  end)

  it("concatenates with .. on either side as tostring(e), and refuses a value tostring cannot show", function()
    local port = closed_port()
    local ok, e = pcall(function() return socket.create_connection({"127.0.0.1", port}) end)
    assert.is_false(ok)
    local where = THIS .. ":" .. (debug.getinfo(1, "l").currentline - 2)
    assert.equal(where .. ": ConnectionRefusedError: [Errno 111] Connection refused", tostring(e))
    assert.equal("failed: " .. tostring(e), "failed: " .. e)
    assert.equal(tostring(e) .. "!", e .. "!")
    assert.equal("1" .. tostring(e), 1 .. e)
    assert.equal(tostring(e) .. tostring(e), e .. e)
    assert.equal("a " .. tostring(e) .. " b", "a " .. e .. " b")
    H.raises(ssl.TypeError, "attempt to concatenate a nil value", function() return e .. nil end)
    H.raises(ssl.TypeError, "attempt to concatenate a table value", function() return {} .. e end)
  end)

  it("of a failure carries the traceback of its raise (xpcall with debug.traceback returns it)", function()
    local function connect(port)
      local conn = socket.create_connection({"127.0.0.1", port})   -- not a tail call: a frame of its own
      return conn
    end
    local line = debug.getinfo(1, "l").currentline - 3
    local ok, e = H.compat.xpcall(connect, debug.traceback, closed_port())
    assert.is_false(ok)
    assert.is_true(ssl.isinstance(e, ssl.ConnectionRefusedError))
    assert.matches("^stack traceback:\n\t", e.__traceback__)
    -- the user's function and pyssl's own frames, innermost first, as Lua prints them
    assert.truthy(e.__traceback__:find("\n\t" .. THIS .. ":" .. line .. ": in ", 1, true), e.__traceback__)
    assert.truthy(e.__traceback__:find("pyssl/socket.lua:%d+: in "), e.__traceback__)
    assert.equal(THIS .. ":" .. line, e.__where__)
  end)

  it("raised by the facade's Lua code names the user's line, not the facade's", function()
    local ok, e = pcall(ssl.cert_time_to_seconds, "garbage")
    local line = debug.getinfo(1, "l").currentline - 1
    assert.is_false(ok)
    assert.equal(THIS .. ":" .. line, e.__where__)
    assert.equal(THIS .. ":" .. line .. ": ValueError: " .. ssl.str(e), tostring(e))
  end)

  it("of flow control (SSLWantReadError, BlockingIOError) records no place and no traceback", function()
    local ctx = ssl.create_default_context()
    local c = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), false, "localhost")
    local ok, e = pcall(c.do_handshake, c)
    assert.is_false(ok)
    assert.is_true(ssl.isinstance(e, ssl.SSLWantReadError))
    assert.is_nil(e.__where__)
    assert.is_nil(e.__traceback__)
    assert.equal("ssl.SSLWantReadError: " .. ssl.str(e), tostring(e))
    local a, b = socket.socketpair()
    a:setblocking(false)
    local ok2, e2 = pcall(a.recv, a, 10)
    a:close()
    b:close()
    assert.is_false(ok2)
    assert.is_true(ssl.isinstance(e2, ssl.BlockingIOError))
    assert.is_nil(e2.__where__)
    assert.is_nil(e2.__traceback__)
    assert.equal("BlockingIOError: [Errno 11] Resource temporarily unavailable", tostring(e2))
  end)
end)

describe("ssl.isinstance", function()
  it("checks its second argument as Python's isinstance does (TypeError, tuples, RecursionError)", function()
    local py = H.python([[
class NotAType(list): pass
infos = [None, 5, "str", (), (ssl.SSLError, 5), (5, ssl.SSLError), (OSError,),
         ((ValueError,), ssl.SSLError), NotAType([ssl.SSLError]), ssl.SSLError]
objs = [ssl.SSLError(1, "x"), None, ssl.SSLCertVerificationError(1, "y")]
out = []
for o in objs:
    for i in infos:
        try:
            out.append(["ok", isinstance(o, i)])
        except TypeError as e:
            out.append(["TypeError", str(e)])
print(json.dumps(out))
]])
    local not_a_type = setmetatable({ssl.SSLError}, {})   -- a table with a metatable: not a tuple
    local infos = {nil, 5, "str", {}, {ssl.SSLError, 5}, {5, ssl.SSLError}, {ssl.OSError},
                   {{ssl.ValueError}, ssl.SSLError}, not_a_type, ssl.SSLError}
    local objs = {ssl.SSLError(1, "x"), nil, ssl.SSLCertVerificationError(1, "y")}
    local k = 0
    for o = 1, 3 do
      for i = 1, 10 do
        k = k + 1
        local ok, r = pcall(ssl.isinstance, objs[o], infos[i])
        local mine = ok and {"ok", r} or {ssl._typename(r), ssl.str(r)}
        assert.same(py[k], mine, string.format("object %d, classinfo %d", o, i))
      end
    end
    local loop = {}
    loop[1] = loop
    H.raises(ssl.RecursionError, "maximum recursion depth exceeded in __instancecheck__",
             ssl.isinstance, ssl.SSLError(), loop)
  end)
end)
