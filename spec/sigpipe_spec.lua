-- Writing to a connection the peer closed raises BrokenPipeError (errno 32)
-- and never kills the process with SIGPIPE, whose disposition pyssl leaves
-- alone: every write is send/sendto/sendmsg with MSG_NOSIGNAL, the TLS
-- socket's BIO included. Python ignores SIGPIPE at start, so its programs
-- get BrokenPipeError too: the same script under both must print the same
-- (Python 3.13's results).
--
-- The script runs in a fresh interpreter ($LUA, as `make check-asan` sets
-- it) with SIGPIPE's default disposition (`env --default-signal=PIPE`: a
-- disposition of "ignore" would be inherited from whoever started the
-- specs, and hide the signal); it reports the disposition it had, from
-- /proc/self/status, before and after the writes.
local H = require "spec.support.helper"
local P = require "spec.support.peers"

local LUA = os.getenv("LUA") or "lua5.4"

-- Each case prints "name Class errno" (or "name ok"); a new connection per
-- case, so that one failure cannot decide the next.
local LUA_SCRIPT = [=[
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local core = require "pyssl.core"
local PKI = arg[1]

-- Whether SIGPIPE (13: bit 12 of SigIgn) is ignored by this process.
local function sigpipe_ignored()
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("*a")
  f:close()
  local mask = assert(text:match("\nSigIgn:%s*(%x+)"))
  return tonumber(mask:sub(-4, -4), 16) % 2 == 1
end

local function report(name, fn)
  io.stdout:write(name, " ")
  io.stdout:flush()   -- the name is out even if the process dies
  local ok, e = pcall(fn)
  if ok then
    print("ok")
  else
    print(core._typename(e) .. " " .. tostring(e.errno))
  end
end

-- A connected pair of stream sockets whose peer is closed.
local function orphan()
  local a, b = socket.socketpair()
  b:close()
  return a
end

local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx:load_cert_chain(PKI .. "leafkey.pem")
local cctx = ssl.create_default_context({cafile = PKI .. "ca.pem"})

-- An SSLSocket after its handshake (over a socketpair) whose peer is closed.
local function tls_orphan()
  local a, b = socket.socketpair()
  a:setblocking(false)
  b:setblocking(false)
  local c = cctx:wrap_socket(a, {server_hostname = "localhost", do_handshake_on_connect = false})
  local s = sctx:wrap_socket(b, {server_side = true, do_handshake_on_connect = false})
  local done = {}
  for _ = 1, 200 do
    for _, t in ipairs({c, s}) do
      if not done[t] then
        local ok, e = pcall(t.do_handshake, t)
        if ok then
          done[t] = true
        elseif not (core.isinstance(e, ssl.SSLWantReadError) or core.isinstance(e, ssl.SSLWantWriteError)) then
          error(e, 0)
        end
      end
    end
    if done[c] and done[s] then break end
  end
  assert(done[c] and done[s], "handshake did not finish")
  c:setblocking(true)
  s:close()
  return c
end

print("ignored_before " .. tostring(sigpipe_ignored()))
report("send", function() orphan():send("x") end)
report("sendall", function() orphan():sendall(string.rep("x", 100000)) end)
report("sendmsg", function() orphan():sendmsg({"x", "y"}) end)
report("sendto", function()
  -- sendto's address makes an AF_UNIX stream socket fail with EISCONN
  -- before EPIPE: a TCP connection whose own write side is shut instead
  local l = socket.socket()
  l:bind({"127.0.0.1", 0})
  l:listen()
  local a = socket.create_connection(l:getsockname())
  local b = l:accept()
  a:shutdown(socket.SHUT_WR)
  local ok, e = pcall(a.sendto, a, "x", l:getsockname())
  a:close(); b:close(); l:close()
  if not ok then error(e, 0) end
end)
report("tls_send", function() tls_orphan():send("x") end)
report("tls_sendall", function() tls_orphan():sendall(string.rep("x", 100000)) end)
report("tls_write", function() tls_orphan():write("x") end)
-- descriptor 5 is /dev/null (the command redirects it): no socket is
-- made of it, so no write of a socket or SSLSocket goes to a non-socket
report("nonsocket", function() socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, 5) end)
print("ignored_after " .. tostring(sigpipe_ignored()))
]=]

local PY_SCRIPT = [=[
import socket, ssl, sys
PKI = sys.argv[1]

def report(name, fn):
    try:
        fn()
        print(name, "ok", flush=True)
    except OSError as e:
        print(name, type(e).__name__, e.errno, flush=True)

def orphan():
    a, b = socket.socketpair()
    b.close()
    return a

sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(PKI + "leafkey.pem")
cctx = ssl.create_default_context(cafile=PKI + "ca.pem")

def tls_orphan():
    a, b = socket.socketpair()
    a.setblocking(False)
    b.setblocking(False)
    c = cctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
    s = sctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    done = set()
    for _ in range(200):
        for t in (c, s):
            if t not in done:
                try:
                    t.do_handshake()
                    done.add(t)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                    pass
        if len(done) == 2:
            break
    assert len(done) == 2, "handshake did not finish"
    c.setblocking(True)
    s.close()
    return c

def sendto():
    l = socket.socket()
    l.bind(("127.0.0.1", 0))
    l.listen()
    a = socket.create_connection(l.getsockname())
    b, _ = l.accept()
    a.shutdown(socket.SHUT_WR)
    try:
        a.sendto(b"x", l.getsockname())
    finally:
        a.close(); b.close(); l.close()

report("send", lambda: orphan().send(b"x"))
report("sendall", lambda: orphan().sendall(b"x" * 100000))
report("sendmsg", lambda: orphan().sendmsg([b"x", b"y"]))
report("sendto", sendto)
report("tls_send", lambda: tls_orphan().send(b"x"))
report("tls_sendall", lambda: tls_orphan().sendall(b"x" * 100000))
report("tls_write", lambda: tls_orphan().write(b"x"))
report("nonsocket", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, 0, 5))
]=]

-- Runs `code` from a temporary file with `cmd` and the PKI directory as its
-- argument: its output lines and its exit status (141 = killed by SIGPIPE).
local function run(cmd, code, suffix)
  local path = os.tmpname() .. suffix
  local f = assert(io.open(path, "w"))
  f:write(code)
  f:close()
  local p = assert(io.popen("timeout 30 " .. cmd .. " " .. P.quote(path) .. " " .. P.quote(H.PKI .. "/") ..
                            " 5>/dev/null 2>&1; echo \"exit=$?\""))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local lines, status = {}, nil
  for line in out:gmatch("[^\n]+") do
    -- "exit=N" may follow a case's name the signal cut short
    local before, code_ = line:match("^(.-)exit=(%d+)$")
    if code_ then
      status = tonumber(code_)
      if before ~= "" then lines[#lines + 1] = before end
    else
      lines[#lines + 1] = line
    end
  end
  return lines, status, out
end

describe("SIGPIPE", function()
  it("a write to a closed peer raises BrokenPipeError as in Python, and the process lives", function()
    local lua_lines, lua_status, lua_out = run("env --default-signal=PIPE " .. P.quote(LUA), LUA_SCRIPT, ".lua")
    assert(lua_status == 0, "the Lua script ended with status " .. tostring(lua_status) ..
                            (lua_status == 141 and " (killed by SIGPIPE)" or "") .. ":\n" .. lua_out)
    -- the script ran with SIGPIPE's default action, and pyssl did not change it
    assert.are.equal("ignored_before false", lua_lines[1])
    assert.are.equal("ignored_after false", lua_lines[#lua_lines])
    local cases = {}
    for i = 2, #lua_lines - 1 do cases[#cases + 1] = lua_lines[i] end

    -- Python 3.13 (3.11 says SSLEOFError for the TLS cases: it loses the
    -- errno of a failed write; 3.12+ raise it)
    local py_lines, py_status, py_out = run(H.PYTHON_NEWER .. " -W ignore", PY_SCRIPT, ".py")
    assert(py_status == 0, "python3 failed:\n" .. py_out)
    assert.are.same(py_lines, cases)
    -- and each write did meet the closed peer (not some other error)
    assert.are.equal("nonsocket OSError 88", table.remove(cases))
    for _, line in ipairs(cases) do
      assert.are.equal("BrokenPipeError 32", line:match("^%S+ (.*)$"), line)
    end
  end)
end)
