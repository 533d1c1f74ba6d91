-- pyssl.socket: the part of Python's socket module that ssl users need.
-- The socket class, name resolution, select and the constants are C
-- (pyssl.core._socket); what CPython writes in Python (Lib/socket.py) is
-- here: create_connection, create_server, has_dualstack_ipv6, fromfd.
local core = require "pyssl.core"
local C = core._socket

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

-- create_connection(address, timeout=<default>, source_address=nil, {all_errors=false})
-- A nil timeout means Python's "not given": the socket keeps
-- getdefaulttimeout().
function M.create_connection(...)
  local address, timeout, source_address, all_errors =
    core._parse_args("create_connection", {"address", "timeout", "source_address", "all_errors"}, 3, ...)
  local host, port = unpack_pair(address)
  local errors = {}
  for _, res in ipairs(M.getaddrinfo(host, port, 0, M.SOCK_STREAM)) do
    local af, socktype, proto, _, sa = res[1], res[2], res[3], res[4], res[5]
    local sock
    local ok, err = pcall(function()
      sock = socket(af, socktype, proto)
      if timeout ~= nil and timeout ~= M._GLOBAL_DEFAULT_TIMEOUT then
        sock:settimeout(timeout)
      end
      if source_address ~= nil then
        sock:bind(source_address)
      end
      sock:connect(sa)
    end)
    if ok then
      return sock
    end
    close_quietly(sock)
    if not isinstance(err, OSError) then
      error(err, 0)
    end
    errors[#errors + 1] = err
  end
  if #errors > 0 then
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
  local ok = pcall(function()
    local sock <close> = socket(M.AF_INET6, M.SOCK_STREAM)
    sock:setsockopt(M.IPPROTO_IPV6, M.IPV6_V6ONLY, 0)
  end)
  return ok
end

-- create_server(address, {family=AF_INET, backlog=nil, reuse_port=false, dualstack_ipv6=false})
function M.create_server(...)
  local address, family, backlog, reuse_port, dualstack_ipv6 =
    core._parse_args("create_server", {"address", "family", "backlog", "reuse_port", "dualstack_ipv6"}, 1, ...)
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

-- Python's sentinel for "use the default timeout" (create_connection).
M._GLOBAL_DEFAULT_TIMEOUT = setmetatable({}, {
  __name = "object",
  __tostring = function() return "<object object>" end,
})

return M
