-- pyssl._sockutil: the functions of pyssl.socket that few programs call
-- (has_dualstack_ipv6, getfqdn, create_server, fromfd, socket.sendfile,
-- send_fds, recv_fds). pyssl.socket loads this module on the first call of
-- one of them and calls what it returns with its close_quietly; each is
-- reached as socket.NAME (sendfile as a socket method), never through
-- this table.
local core = require "pyssl.core"
local bind = core._bind
local compat = require "pyssl._compat"
local C = core._socket
local M = require "pyssl.socket"
local math_type, tointeger = compat.math_type, compat.tointeger
local socket = C.socket
local isinstance = core.isinstance
local OSError = core.OSError

-- Set once by the function this module returns.
local close_quietly

local U = {}

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

-- has_dualstack_ipv6(): can one AF_INET6 socket accept IPv4 too?
function U.has_dualstack_ipv6()
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
function U.getfqdn(...)
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

local CREATE_SERVER_SIG = core._signature{name = "create_server", pos = {"address"}, required = 1, kwonly = {"family", "backlog", "reuse_port", "dualstack_ipv6"}}
-- create_server(address, {family=AF_INET, backlog=nil, reuse_port=false, dualstack_ipv6=false})
function U.create_server(...)
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
function U.fromfd(fd, family, type_, proto)
  local nfd = C.dup(fd)
  local ok, sock = pcall(socket, family, type_, proto or 0, nfd)
  if not ok then
    C.close(nfd)
    error(sock, 0)
  end
  return sock
end

-- v[name], or nil where indexing v fails (a userdata without that field).
local function field_of(v, name)
  local ok, f = pcall(function() return v[name] end)
  if ok then return f end
  return nil
end

local SOCKET_SENDFILE_SIG = core._signature{name = "socket.sendfile", pos = {"file", "offset", "count"}, required = 1, self = true}
-- sendfile(file, offset=0, count=nil) -> bytes sent. file: a Lua file
-- (io.open(path, "rb")) or anything with read(n) and seek(whence, offset).
-- Data goes through sendall() (so an SSLSocket, which inherits this,
-- encrypts it); Python uses os.sendfile() for a plain socket, pyssl
-- reads and sends in every case.
function U.sendfile(self, ...)
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
function U.send_fds(...)
  local sock, buffers, fds, flags, address =
    bind(SEND_FDS_SIG, ...)
  local sendmsg = method_of(sock, "sendmsg")
  return sendmsg(sock, buffers, {{M.SOL_SOCKET, M.SCM_RIGHTS, pack_fds(fds)}}, flags or 0, address)
end

-- recv_fds(sock, bufsize, maxfds, flags=0) -> data, fds, msg_flags, address
function U.recv_fds(...)
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

return function(close)
  close_quietly = close
  return U
end
