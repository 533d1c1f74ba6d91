-- Peers for the SSLSocket and interoperability specs: python3 and openssl
-- processes started in the background (always stopped by the caller's
-- finally), and TLS socket pairs inside this process.
--
--   local P = require "spec.support.peers"
--   local peer = P.python_server(code)      -- peer.port, peer:line(), peer:stop()
--   finally(function() peer:stop() end)
--   local srv = P.s_server({"-tls1_3", "-rev"})
--   local bag = S.bag(); local c, s = P.tls_pair(bag)   -- SSLSockets, handshake done
--
-- Every process runs under `timeout` (a test cannot hang on a peer), and
-- every loop here is bounded in time.
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select_ = require("pyssl.select").select
local compat = H.compat

local P = {}

P.now = S.now

-- Quotes a word for sh.
function P.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

------------------------------------------------------------ processes

local Peer = {}
Peer.__index = Peer

-- The next line of the process's output (stdout and stderr), or nil at
-- its end.
function Peer:line()
  return self.pipe:read("*l")
end

-- Lines up to (and including) the first that matches `pattern`; returns
-- that line's captures, or nil when the output ended first.
function Peer:expect(pattern)
  while true do
    local line = self:line()
    if not line then return nil end
    self.seen[#self.seen + 1] = line
    local caps = compat.pack(line:match(pattern))
    if caps[1] ~= nil then return compat.unpack(caps, 1, caps.n) end
  end
end

-- Waits for the process to end by itself and returns the rest of its
-- output (bounded by its `timeout`).
function Peer:wait()
  if self.done then return self.output end
  self.output = self.pipe:read("*a")
  self.done = true
  self.pipe:close()
  return self.output
end

-- Stops the process (SIGTERM to the pid it was started with; the pipe is
-- not closed yet, so that pid cannot have been reused) and reaps it.
function Peer:stop()
  if self.done then return self.output end
  os.execute("kill " .. self.pid .. " 2>/dev/null")
  return self:wait()
end

-- Starts the shell command `cmd` in the background, its output read
-- through a pipe; `limit` seconds (default 30) is the last resort.
function P.spawn(cmd, limit)
  local pipe = assert(io.popen(string.format("exec sh -c %s", P.quote(
    "echo $$; exec timeout " .. (limit or 30) .. " " .. cmd .. " 2>&1"))))
  local pid = pipe:read("*l")
  assert(pid and pid:match("^%d+$"), "could not start: " .. cmd)
  return setmetatable({pipe = pipe, pid = pid, seen = {}}, Peer)
end

-- Writes `code` to a temporary file (removed when the test file ends).
local temporaries = {}
local function tempfile(text)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  temporaries[#temporaries + 1] = path
  return path
end

-- The same for callers: a temporary file holding `text` (e.g. a session
-- file for openssl s_client), removed by P.cleanup().
P.tempfile = tempfile

-- Removes the temporary files made so far (call from teardown()).
function P.cleanup()
  for i = #temporaries, 1, -1 do
    os.remove(temporaries[i])
    temporaries[i] = nil
  end
end

-- What every python3 peer script starts with.
P.PY_PREAMBLE = [[
import json, os, socket, ssl, sys, threading, time
PKI = %q

def norm(m):
    import re
    m = re.sub(r"\s*\([\w./]+\.c:\d+\)$", "", str(m))
    return re.sub(r"^[\w]+\.c:\d+: ", "", m)

def describe(e):
    d = {"cls": type(e).__name__, "msg": norm(e)}
    for k in ("errno", "library", "reason", "verify_code", "verify_message"):
        v = getattr(e, k, None)
        if v is not None: d[k] = v
    return d

def emit(v):
    print(json.dumps(v), flush=True)
]]

-- Starts python3 on `code` (after the preamble) with `args`, running on
-- while this process goes on (read its output with P.json_line).
function P.python_async(code, args, limit, newer)
  local path = tempfile(string.format(P.PY_PREAMBLE, H.PKI .. "/") .. code)
  local cmd = (newer and H.PYTHON_NEWER or H.PYTHON) .. " -W ignore " .. P.quote(path)
  for _, a in ipairs(args or {}) do cmd = cmd .. " " .. P.quote(a) end
  return P.spawn(cmd, limit)
end

-- The same, waiting for the script's first output line, returned as
-- peer.first (a server prints its port: peer.port).
function P.python(code, args, limit)
  local peer = P.python_async(code, args, limit)
  peer.first = peer:line()
  peer.port = tonumber(peer.first)
  return peer
end

-- The next output line of a python3 peer, decoded from JSON.
function P.json_line(peer)
  local line = peer:line()
  local value, _, err = H.json.decode(line or "", 1, H.json.null)
  if err or line == nil then
    error("python3 peer printed no JSON: " .. tostring(line) .. "\n" .. peer:stop(), 2)
  end
  return P.denull(value)
end

function P.denull(v)
  if v == H.json.null then return nil end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = P.denull(x) end
  return t
end

-- Starts `openssl s_server` on 127.0.0.1 (or `host`), a free port, with
-- `args` (a list); returns the peer with its port.
function P.s_server(args, host)
  local cmd = "openssl s_server -accept " .. (host or "127.0.0.1") .. ":0"
  for _, a in ipairs(args) do cmd = cmd .. " " .. P.quote(a) end
  local peer = P.spawn(cmd .. " </dev/null")
  peer.port = tonumber(peer:expect("^ACCEPT .*:(%d+)$"))
  -- (not assert(port, msg .. peer:stop()): the message would be built,
  -- and the server stopped, even when it started)
  if not peer.port then
    error("openssl s_server did not start: " .. table.concat(peer.seen, "\n") .. peer:stop(), 2)
  end
  return peer
end

-- Starts `openssl s_client` to 127.0.0.1:port with `args`, sending `input`
-- then waiting for the server to close (-ign_eof).
function P.s_client(port, args, input)
  local cmd = "openssl s_client -connect 127.0.0.1:" .. port .. " -ign_eof"
  for _, a in ipairs(args) do cmd = cmd .. " " .. P.quote(a) end
  local infile = tempfile(input or "")
  return P.spawn(cmd .. " <" .. P.quote(infile))
end

------------------------------------------------------- contexts

-- A server context serving PKI file `cert` (default leafkey.pem).
function P.server_context(cert)
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  ctx:load_cert_chain(H.pki(cert or "leafkey.pem"))
  return ctx
end

-- A client context trusting the test CA (3.14's defaults).
function P.client_context()
  return ssl.create_default_context({cafile = H.pki("ca.pem")})
end

-- What a TLS socket received up to and including a "\n" (all that came
-- with it too; less at EOF), within 5 s.
function P.recv_line(tls)
  local data, deadline = "", P.now() + 5
  while not data:find("\n", 1, true) do
    assert(P.now() < deadline, "no line from the peer")
    local chunk = tls:recv(65536)
    if chunk == "" then break end
    data = data .. chunk
  end
  return data
end

------------------------------------------------- pairs in this process

-- Runs both handshakes of non-blocking SSLSockets a and b to their end,
-- waiting with select (bounded: `limit` seconds, default 5). Returns the
-- error of each end (nil for an end that finished).
function P.handshake_both(a, b, limit)
  local ends, done, err = {a, b}, {}, {}
  local deadline = P.now() + (limit or 5)
  repeat
    for i, s in ipairs(ends) do
      if not done[i] and not err[i] then
        local ok, e = pcall(s.do_handshake, s)
        if ok then
          done[i] = true
        elseif not (ssl.isinstance(e, ssl.SSLWantReadError) or ssl.isinstance(e, ssl.SSLWantWriteError)) then
          err[i] = e
        end
      end
    end
    if (done[1] or err[1]) and (done[2] or err[2]) then return err[1], err[2] end
    select_(ends, {}, {}, 0.05)
  until P.now() > deadline
  error("handshake did not finish in time", 2)
end

-- A loopback TCP connection in this process: client and accepted side,
-- both blocking with a 5 s timeout. opts.family: AF_INET6 for ::1.
function P.tcp_pair(bag, opts)
  opts = opts or {}
  local srv = S.listener(bag, opts.family)
  srv:settimeout(5)
  local host, port = compat.unpack(srv:getsockname())   -- IPv6 names have 4 fields
  local c = bag:add(socket.create_connection({host, port}, 5))
  local a = bag:add((srv:accept()))
  a:settimeout(5)
  return c, a
end

-- A TLS connection in this process: client and server SSLSockets over a
-- loopback TCP connection, handshake done (driven with select), both
-- with timeout opts.timeout (default 5). opts: cctx, sctx, hostname
-- (default "localhost"), session, family, client / server (extra
-- wrap_socket keywords).
function P.tls_pair(bag, opts)
  opts = opts or {}
  local c, a = P.tcp_pair(bag, opts)
  c:setblocking(false)
  a:setblocking(false)
  local ckw = {server_hostname = opts.hostname or "localhost", do_handshake_on_connect = false,
               session = opts.session}
  for k, v in pairs(opts.client or {}) do ckw[k] = v end
  local skw = {server_side = true, do_handshake_on_connect = false}
  for k, v in pairs(opts.server or {}) do skw[k] = v end
  local sc = bag:add((opts.cctx or P.client_context()):wrap_socket(c, ckw))
  local ss = bag:add((opts.sctx or P.server_context()):wrap_socket(a, skw))
  local cerr, serr = P.handshake_both(sc, ss)
  if cerr or serr then
    error("handshake failed: client " .. tostring(cerr) .. " / server " .. tostring(serr), 2)
  end
  sc:settimeout(opts.timeout or 5)
  ss:settimeout(opts.timeout or 5)
  return sc, ss
end

return P
