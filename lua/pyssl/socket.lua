-- pyssl.socket: the part of Python's socket module that ssl users need.
-- The socket class, name resolution, select and the constants are C
-- (pyssl.core._socket); what CPython writes in Python (Lib/socket.py) is
-- here: create_connection, the enums (AddressFamily, SocketKind, MsgFlag,
-- AddressInfo) and the close() that files defer; create_server,
-- has_dualstack_ipv6, fromfd, getfqdn, sendfile, send_fds and recv_fds are
-- in pyssl._sockutil and makefile()'s files in pyssl._sockfile, loaded on
-- first use.
local core = require "pyssl.core"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller
local bind = core._bind
local compat = require "pyssl._compat"
local C = core._socket
local math_type = compat.math_type

local M = {}
for name, value in pairs(C) do
  if name ~= "select" then
    M[name] = value
  end
end

M.SocketType = C.socket
M.error = core.OSError
M.timeout = core.TimeoutError
M.gaierror = core.gaierror
M.herror = core.herror

local socket = C.socket
local isinstance = core.isinstance
local OSError = core.OSError

-- Python's `host, port = address`.
local function unpack_pair(address)
  local n
  if type(address) == "table" then
    n = #address
  elseif type(address) == "string" then
    n = #address
  else
    core._raise("TypeError", string.format("cannot unpack non-iterable %s object", core._typename(address)))
  end
  if n < 2 then
    core._raise("ValueError", string.format("not enough values to unpack (expected 2, got %d)", n))
  elseif n > 2 then
    core._raise("ValueError", "too many values to unpack (expected 2)")
  end
  if type(address) == "string" then
    return address:sub(1, 1), address:sub(2, 2)
  end
  return address[1], address[2]
end

-- Closes sock, ignoring errors (the error being reported matters more).
local function close_quietly(sock)
  if sock then pcall(sock.close, sock) end
end


-- One attempt of create_connection: the socket is stored in `attempt.sock`
-- as soon as it exists, so that the caller can close it on failure.
local function connect_one(attempt, af, socktype, proto, sa, timeout, source_address)
  local sock = socket(af, socktype, proto)
  attempt.sock = sock
  if timeout ~= nil and timeout ~= M._GLOBAL_DEFAULT_TIMEOUT then
    sock:settimeout(timeout)
  end
  if source_address ~= nil then
    sock:bind(source_address)
  end
  sock:connect(sa)
end

local CREATE_CONNECTION_SIG = core._signature{name = "create_connection", pos = {"address", "timeout", "source_address"}, required = 1, kwonly = {"all_errors"}}
-- create_connection(address, timeout=<default>, source_address=nil, {all_errors=false})
-- A nil timeout means Python's "not given": the socket keeps
-- getdefaulttimeout().
function M.create_connection(...)
  local address, timeout, source_address, all_errors =
    core._bind(CREATE_CONNECTION_SIG, ...)
  local host, port = unpack_pair(address)
  local errors = nil
  local attempt = {}
  for _, res in ipairs(M.getaddrinfo(host, port, 0, M.SOCK_STREAM)) do
    attempt.sock = nil
    local ok, err = pcall(connect_one, attempt, res[1], res[2], res[3], res[5], timeout,
                          source_address)
    if ok then
      return attempt.sock
    end
    close_quietly(attempt.sock)
    if not isinstance(err, OSError) then
      error(err, 0)
    end
    errors = errors or {}
    errors[#errors + 1] = err
  end
  if errors then
    local err = errors[#errors]
    if all_errors then
      -- Python raises ExceptionGroup("create_connection failed", errors);
      -- pyssl raises the last error carrying all of them.
      err.exceptions = errors
    end
    error(err, 0)
  end
  core._raise("OSError", "getaddrinfo returns an empty list")
end

-- socket:makefile(): Python's buffered file objects over a socket
-- (BufferedReader / BufferedWriter / BufferedRWPair, TextIOWrapper in text
-- mode). Lua strings are bytes, so text mode differs from binary mode only
-- by newline handling; the encoding is recorded, not applied.

local UnsupportedOperation = core._table_class({
  __name = "UnsupportedOperation", __qualname = "UnsupportedOperation", __module = "io",
  __bases = {core.OSError, core.ValueError},
})
M._UnsupportedOperation = UnsupportedOperation

-- Python's socket._io_refs: a close() while files are open is deferred
-- until the last file is closed.
local io_refs = setmetatable({}, {__mode = "k"})
local c_close = socket.close

-- Python's socket._real_close: what close() does once no file holds the
-- socket. SSLSocket overrides it to drop its TLS state first.
socket._real_close = c_close

local function real_close(sock)
  if isinstance(sock, socket) then return sock:_real_close() end
  return c_close(sock)   -- Python's TypeError for a wrong self
end

function socket.close(self, ...)
  if select("#", ...) > 0 then
    return c_close(self, ...)   -- Python's argument-count TypeError
  end
  local refs = io_refs[self]
  if refs and refs > 0 then
    self._closed = true
    return
  end
  return real_close(self)
end

local function decref(sock)
  local refs = io_refs[sock]
  if refs and refs > 0 then
    refs = refs - 1
    io_refs[sock] = refs
    if refs == 0 then
      local ok, pending = pcall(function() return sock._closed end)
      if ok and pending then real_close(sock) end
    end
  end
end

-- has_dualstack_ipv6, getfqdn, create_server, fromfd, socket.sendfile,
-- send_fds and recv_fds are pyssl._sockutil, compiled on their first call
-- (~15 KB of Lua heap that most programs never use: bench/NOTES.md,
-- 2026-12-07, bare process). The stubs tail-call, so tracebacks and error
-- places are those of a direct call.
local sockutil
local function from_sockutil(name)
  return function(...)
    sockutil = sockutil or require("pyssl._sockutil")(close_quietly)
    return sockutil[name](...)
  end
end
M.has_dualstack_ipv6 = from_sockutil("has_dualstack_ipv6")
M.getfqdn = from_sockutil("getfqdn")
M.create_server = from_sockutil("create_server")
M.fromfd = from_sockutil("fromfd")
socket.sendfile = from_sockutil("sendfile")
M.send_fds = from_sockutil("send_fds")
M.recv_fds = from_sockutil("recv_fds")

-- socket:makefile() and its file objects are pyssl._sockfile, compiled on
-- the first makefile() call (their code is ~20 KB of Lua heap that most
-- programs never use: bench/NOTES.md, 2026-12-07, bare process). It shares
-- the reference counts that close() above consults.
local makefile
function socket.makefile(self, ...)
  makefile = makefile or require("pyssl._sockfile")(io_refs, decref)
  return makefile(self, ...)
end

---------------------------------------------------------------------------
-- Enums: Python's socket.py converts the module's constants with
-- IntEnum._convert_ / IntFlag._convert_ (names in capitals with the prefix).

local make_enum = require "pyssl._enum"

local function constants(prefix)
  local t = {}
  for k, v in pairs(M) do
    if type(k) == "string" and k:sub(1, #prefix) == prefix and not k:find("%l") and math_type(v) then
      t[k] = v
    end
  end
  return t
end

M.AddressFamily = make_enum("AddressFamily", "enum", constants("AF_"))
M.SocketKind = make_enum("SocketKind", "enum", constants("SOCK_"))
M.MsgFlag = make_enum("MsgFlag", "flag", constants("MSG_"))
M.AddressInfo = make_enum("AddressInfo", "flag", constants("AI_"))

---------------------------------------------------------------------------
-- send_fds / recv_fds: Python-level functions over sendmsg/recvmsg with
-- SCM_RIGHTS (as 3.14 has them: flags and address are passed on).

-- Python's sentinel for "use the default timeout" (create_connection).
M._GLOBAL_DEFAULT_TIMEOUT = setmetatable({}, {
  __name = "object",
  __tostring = function() return "<object object>" end,
})

return M
