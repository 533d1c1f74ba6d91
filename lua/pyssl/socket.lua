-- pyssl.socket: the part of Python's socket module that ssl users need.
-- The socket class, name resolution, select and the constants are C
-- (pyssl.core._socket); what CPython writes in Python (Lib/socket.py) is
-- here: create_connection, create_server, has_dualstack_ipv6, fromfd, getfqdn,
-- the enums (AddressFamily, SocketKind, MsgFlag, AddressInfo), send_fds, recv_fds.
local core = require "pyssl.core"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller
local bind = core._bind
local compat = require "pyssl._compat"
local C = core._socket
local math_type, tointeger = compat.math_type, compat.tointeger

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

-- Python's tuple repr of a sequence: ('127.0.0.1', 80)
local function tuple_repr(t)
  if type(t) ~= "table" then
    return core._repr(t)
  end
  local parts = {}
  for i = 1, #t do
    parts[i] = core._repr(t[i])
  end
  return "(" .. table.concat(parts, ", ") .. (#t == 1 and ",)" or ")")
end

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

local CREATE_CONNECTION_SIG = core._signature{name = "create_connection", pos = {"address", "timeout", "source_address"}, kwonly = {"all_errors"}, wording = "keywords"}
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

-- has_dualstack_ipv6(): can one AF_INET6 socket accept IPv4 too?
function M.has_dualstack_ipv6()
  if not M.has_ipv6 or not M.IPPROTO_IPV6 or not M.IPV6_V6ONLY then
    return false
  end
  local ok, sock = pcall(socket, M.AF_INET6, M.SOCK_STREAM)
  if not ok then return false end
  ok = pcall(sock.setsockopt, sock, M.IPPROTO_IPV6, M.IPV6_V6ONLY, 0)
  sock:close()
  return ok
end

local GETFQDN_SIG = core._signature{name = "getfqdn", pos = {"name"}, required = 0}

-- getfqdn(name="") -> the fully qualified name of `name` (of this host
-- when empty or a wildcard address): the first of the name gethostbyaddr()
-- reports and its aliases that contains a dot, else that name; `name`
-- itself when the lookup fails.
function M.getfqdn(...)
  local name = bind(GETFQDN_SIG, ...)
  if name == nil then name = "" end
  if type(name) ~= "string" then
    core._raise("AttributeError", string.format("'%s' object has no attribute 'strip'",
      core._typename(name)))
  end
  -- str.strip(): ASCII whitespace, and the separators \x1c-\x1f
  name = name:match("^[%s\28-\31]*(.-)[%s\28-\31]*$")
  if name == "" or name == "0.0.0.0" or name == "::" then
    name = M.gethostname()
  end
  local ok, entry = pcall(M.gethostbyaddr, name)
  if not ok then
    if not isinstance(entry, OSError) then error(entry, 0) end
    return name
  end
  local hostname = entry[1]
  if hostname:find(".", 1, true) then return hostname end
  for _, alias in ipairs(entry[2]) do
    if alias:find(".", 1, true) then return alias end
  end
  return hostname
end

local CREATE_SERVER_SIG = core._signature{name = "create_server", pos = {"address"}, kwonly = {"family", "backlog", "reuse_port", "dualstack_ipv6"}, wording = "keywords"}
-- create_server(address, {family=AF_INET, backlog=nil, reuse_port=false, dualstack_ipv6=false})
function M.create_server(...)
  local address, family, backlog, reuse_port, dualstack_ipv6 =
    core._bind(CREATE_SERVER_SIG, ...)
  family = family or M.AF_INET
  if reuse_port and not M.SO_REUSEPORT then
    core._raise("ValueError", "SO_REUSEPORT not supported on this platform")
  end
  if dualstack_ipv6 then
    if not M.has_dualstack_ipv6() then
      core._raise("ValueError", "dualstack_ipv6 not supported on this platform")
    end
    if family ~= M.AF_INET6 then
      core._raise("ValueError", "dualstack_ipv6 requires AF_INET6 family")
    end
  end
  local sock = socket(family, M.SOCK_STREAM)
  local ok, err = pcall(function()
    pcall(sock.setsockopt, sock, M.SOL_SOCKET, M.SO_REUSEADDR, 1)
    if reuse_port then
      sock:setsockopt(M.SOL_SOCKET, M.SO_REUSEPORT, 1)
    end
    if M.has_ipv6 and family == M.AF_INET6 then
      sock:setsockopt(M.IPPROTO_IPV6, M.IPV6_V6ONLY, dualstack_ipv6 and 0 or 1)
    end
    local bound, berr = pcall(sock.bind, sock, address)
    if not bound then
      if isinstance(berr, OSError) then
        core._raise("OSError", berr.errno, string.format("%s (while attempting to bind on address %s)",
          tostring(berr.strerror), tuple_repr(address)))
      end
      error(berr, 0)
    end
    if backlog == nil then
      sock:listen()
    else
      sock:listen(backlog)
    end
  end)
  if not ok then
    close_quietly(sock)
    error(err, 0)
  end
  return sock
end

-- fromfd(fd, family, type, proto=0): a socket on a duplicate of fd.
function M.fromfd(fd, family, type_, proto)
  local nfd = C.dup(fd)
  local ok, sock = pcall(socket, family, type_, proto or 0, nfd)
  if not ok then
    C.close(nfd)
    error(sock, 0)
  end
  return sock
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

-- socket:makefile() and its file objects are pyssl._sockfile, compiled on
-- the first makefile() call (their code is ~20 KB of Lua heap that most
-- programs never use: bench/NOTES.md, 2026-12-07, bare process). It shares
-- the reference counts that close() above consults.
local makefile
function socket.makefile(self, ...)
  makefile = makefile or require("pyssl._sockfile")(io_refs, decref)
  return makefile(self, ...)
end

-- v[name], or nil where indexing v fails (a userdata without that field).
local function field_of(v, name)
  local ok, f = pcall(function() return v[name] end)
  if ok then return f end
  return nil
end

local SOCKET_SENDFILE_SIG = core._signature{name = "socket.sendfile", pos = {"file", "offset", "count"}, wording = "keywords"}
-- sendfile(file, offset=0, count=nil) -> bytes sent. file: a Lua file
-- (io.open(path, "rb")) or anything with read(n) and seek(whence, offset).
-- Data goes through sendall() (so an SSLSocket, which inherits this,
-- encrypts it); Python uses os.sendfile() for a plain socket, pyssl
-- reads and sends in every case.
function socket.sendfile(self, ...)
  local file, offset, count = core._bind(SOCKET_SENDFILE_SIG, ...)
  offset = offset or 0
  local mode = field_of(file, "mode")
  if type(mode) == "string" and not mode:find("b", 1, true) then
    core._raise("ValueError", "file should be opened in binary mode")
  end
  if count ~= nil then
    if math_type(count) ~= "integer" then
      core._raise("TypeError", "count must be a positive integer (got " .. core._repr(count) .. ")")
    end
    if count <= 0 then
      core._raise("ValueError", "count must be a positive integer (got " .. core._repr(count) .. ")")
    end
  end
  if self:gettimeout() == 0 then
    core._raise("ValueError", "non-blocking sockets are not supported")
  end
  if offset ~= 0 then file:seek("set", offset) end
  local blocksize = count and math.min(count, 8192) or 8192
  local total = 0
  local ok, err = pcall(function()
    while true do
      if count then
        blocksize = math.min(count - total, blocksize)
        if blocksize <= 0 then break end
      end
      local data = file:read(blocksize)
      if data == nil or data == "" then break end
      self:sendall(data)
      total = total + #data
    end
  end)
  if total > 0 and type(field_of(file, "seek")) == "function" then
    file:seek("set", offset + total)
  end
  if not ok then error(err, 0) end
  return total
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

-- obj.name as Python's attribute lookup: AttributeError when missing.
local function method_of(obj, name)
  local ok, f = pcall(function() return obj[name] end)
  if ok and f ~= nil then return f end
  if not ok and isinstance(f, core.BaseException) and not isinstance(f, core.AttributeError) then
    error(f, 0)
  end
  core._raise("AttributeError", string.format("'%s' object has no attribute '%s'", core._typename(obj), name))
end

local INT_MAX, INT_MIN = 2147483647, -2147483648

-- Python's array.array("i", fds) as bytes: a sequence of C ints, or a
-- string taken as their bytes.
local function pack_fds(fds)
  if type(fds) == "string" then
    if #fds % 4 ~= 0 then core._raise("ValueError", "bytes length not a multiple of item size") end
    return fds
  end
  if type(fds) ~= "table" or getmetatable(fds) ~= nil then
    core._raise("TypeError", string.format("'%s' object is not iterable", core._typename(fds)))
  end
  local parts = {}
  for i = 1, #fds do
    local fd = fds[i]
    if fd == true or fd == false then fd = fd and 1 or 0 end
    local v = math_type(fd) == "float" and tointeger(fd) or fd
    if math_type(v) ~= "integer" then
      core._raise("TypeError", string.format("'%s' object cannot be interpreted as an integer", core._typename(fd)))
    elseif v > INT_MAX then
      core._raise("OverflowError", "signed integer is greater than maximum")
    elseif v < INT_MIN then
      core._raise("OverflowError", "signed integer is less than minimum")
    end
    parts[i] = C._int_bytes(v)
  end
  return table.concat(parts)
end

local SEND_FDS_SIG = core._signature{name = "send_fds", pos = {"sock", "buffers", "fds", "flags", "address"}, required = 3}
local RECV_FDS_SIG = core._signature{name = "recv_fds", pos = {"sock", "bufsize", "maxfds", "flags"}, required = 3}

-- send_fds(sock, buffers, fds, flags=0, address=nil) -> bytes sent
function M.send_fds(...)
  local sock, buffers, fds, flags, address =
    bind(SEND_FDS_SIG, ...)
  local sendmsg = method_of(sock, "sendmsg")
  return sendmsg(sock, buffers, {{M.SOL_SOCKET, M.SCM_RIGHTS, pack_fds(fds)}}, flags or 0, address)
end

-- recv_fds(sock, bufsize, maxfds, flags=0) -> data, fds, msg_flags, address
function M.recv_fds(...)
  local sock, bufsize, maxfds, flags = bind(RECV_FDS_SIG, ...)
  local recvmsg = method_of(sock, "recvmsg")
  local n = math_type(maxfds) == "float" and tointeger(maxfds) or maxfds
  if math_type(n) == "integer" and (n > compat.idiv(compat.maxinteger, 4) or n < compat.idiv(compat.mininteger, 4)) then
    core._raise("OverflowError", "Python int too large to convert to C ssize_t")
  end
  local ancbufsize = M.CMSG_LEN(math_type(n) == "integer" and n * 4 or maxfds)
  local data, ancdata, msg_flags, address = recvmsg(sock, bufsize, ancbufsize, flags or 0)
  local fdlist = {}
  for _, item in ipairs(ancdata) do
    if item[1] == M.SOL_SOCKET and item[2] == M.SCM_RIGHTS then
      local packed = item[3]
      for i = 1, #packed - #packed % 4, 4 do
        fdlist[#fdlist + 1] = C._bytes_int(packed, i)
      end
    end
  end
  return data, fdlist, msg_flags, address
end

-- Python's sentinel for "use the default timeout" (create_connection).
M._GLOBAL_DEFAULT_TIMEOUT = setmetatable({}, {
  __name = "object",
  __tostring = function() return "<object object>" end,
})

return M
