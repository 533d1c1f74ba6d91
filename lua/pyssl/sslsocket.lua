-- Python-level part of SSLSocket: what Lib/ssl.py's SSLSocket class does
-- in Python. SSLContext:wrap_socket with its checks (in Python's order,
-- CVE-2023-40217's included), connect/connect_ex/accept, do_handshake,
-- unwrap, the methods and properties that delegate to the TLS state
-- (`_sslobj`) and the texts Python gives when there is none.
--
-- The C part (src/sslsocket.c) has the I/O loops with the socket's
-- timeout, the hot methods (recv, recv_into, read, write, send, sendall,
-- pending), _real_close, SSLContext:_wrap_socket, and most of
-- SSLSocket.__init__ (_from_socket, _init_tls).
--
-- Beyond Python: wrap_socket also takes a LuaSocket TCP object (anything
-- with getfd()) or a bare descriptor, and takes the descriptor over.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local math_type, tointeger = compat.math_type, compat.tointeger
local socket_module = require "pyssl.socket"   -- makefile() and the deferred close

local SSLContext, SSLSocket = core.SSLContext, core.SSLSocket
local plain = socket_module.socket             -- the base class
local is_plain, subclass = core._is_plain, core._subclass
-- The methods creation calls, read once: on a plain socket and on an
-- SSLSocket (not a Lua subclass) `obj:name()` finds exactly these.
local so_type, gettimeout, settimeout = plain._so_type, plain.gettimeout, plain.settimeout
local init_tls = SSLSocket._init_tls
local raise, isinstance, typename = core._raise, core.isinstance, core._typename
local OSError, ValueError = core.OSError, core.ValueError
local SOL_SOCKET, SO_TYPE, SOCK_STREAM = socket_module.SOL_SOCKET, socket_module.SO_TYPE,
  socket_module.SOCK_STREAM
local ENOTCONN, EINVAL = SSLSocket._ENOTCONN, SSLSocket._EINVAL
local from_socket = SSLSocket._from_socket
local pcall, error, type, tostring, select = pcall, error, type, tostring, select

-- Python's truth value of an optional str argument.
local function truthy(v)
  return v ~= nil and v ~= false and v ~= ""
end

-- Python's "%s" % self.__class__
local function class_repr()
  return tostring(SSLSocket)
end

local function no_attribute(name, setting)
  raise("AttributeError", "'NoneType' object has no attribute '" .. name .. "'" ..
    (setting and " and no __dict__ for setting new attributes" or ""))
end

local function no_wrapper(self)
  raise("ValueError", "No SSL wrapper around " .. tostring(self))
end

----------------------------------------------------------------- creation

-- The checks SSLSocket._create makes before it takes the descriptor.
-- plain_sock: sock is a plain socket (its methods are the class's).
local function precheck(sock, server_side, server_hostname, session, context, plain_sock)
  if type(sock) ~= "userdata" and type(sock) ~= "table" then
    raise("AttributeError", "'" .. typename(sock) .. "' object has no attribute 'getsockopt'")
  end
  local sock_type
  if plain_sock then
    sock_type = so_type(sock)   -- getsockopt(SOL_SOCKET, SO_TYPE)
  else
    sock_type = sock:getsockopt(SOL_SOCKET, SO_TYPE)
  end
  if sock_type ~= SOCK_STREAM then
    raise("NotImplementedError", "only stream sockets are supported")
  end
  if server_side then
    if truthy(server_hostname) then
      raise("ValueError", "server_hostname can only be specified in client mode")
    end
    if session ~= nil then
      raise("ValueError", "session can only be specified in client mode")
    end
  end
  if context.check_hostname and not truthy(server_hostname) then
    raise("ValueError", "check_hostname requires server_hostname")
  end
end

-- CVE-2023-40217 (gh-108310): an unconnected socket must not hide bytes a
-- peer sent before it went away; they would look like TLS-protected data.
-- Called once getpeername() has failed with ENOTCONN.
local function check_not_connected(self)
  local blocking = self:getblocking()
  self:setblocking(false)
  local ok, data = pcall(self.recv, self, 1)
  if not ok then
    if not (isinstance(data, OSError) and (data.errno == ENOTCONN or data.errno == EINVAL)) then
      error(data, 0)
    end
    data = ""
  end
  self:setblocking(blocking)
  if data ~= "" then
    local reason = "Closed before TLS handshake with data in recv buffer."
    local e = core.SSLError(ENOTCONN, reason)
    e.reason = reason
    e.library = nil
    error(e, 0)
  end
end

-- The rest of ssl.py's SSLSocket.__init__ (_from_socket has set the
-- first attributes): the core does the steps from `self.server_hostname
-- = ...` to the handshake in one call (_init_tls). For an instance of a
-- Lua subclass (not a plain SSLSocket), whose methods may override
-- SSLSocket's, _init_tls makes each step a call through self as Python
-- does. It stops early when the socket is not connected; the rest is here.
local function init(self, sock_timeout, server_side, do_handshake_on_connect, server_hostname,
                    context, session)
  local plain_self = is_plain(self, "SSLSocket")
  local hostname = context:_encode_hostname(server_hostname)
  if init_tls(self, sock_timeout, context, server_side, hostname, session,
              do_handshake_on_connect) then
    return
  end
  check_not_connected(self)
  -- must come after the setblocking() calls
  if plain_self then settimeout(self, sock_timeout) else self:settimeout(sock_timeout) end
  self._connected = false
end

-- SSLSocket._create(cls, sock, server_side, do_handshake_on_connect,
-- suppress_ragged_eofs, server_hostname, context, session): Python's
-- classmethod (3.14: the new socket is closed on any failure).
function SSLSocket._create(cls, sock, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                           server_hostname, context, session)
  if server_side == nil then server_side = false end
  if do_handshake_on_connect == nil then do_handshake_on_connect = true end
  if suppress_ragged_eofs == nil then suppress_ragged_eofs = true end
  local plain_sock = is_plain(sock, "socket")
  precheck(sock, server_side, server_hostname, session, context, plain_sock)
  local sock_timeout
  if plain_sock then sock_timeout = gettimeout(sock) else sock_timeout = sock:gettimeout() end
  -- sock.detach(), and the first attributes of __init__
  local self = from_socket(sock, context, session, server_side, do_handshake_on_connect,
                           suppress_ragged_eofs)
  subclass(self, cls)
  local ok, err = pcall(init, self, sock_timeout, server_side, do_handshake_on_connect,
                        server_hostname, context, session)
  if not ok then
    pcall(self.close, self)
    error(err, 0)
  end
  return self
end

-- Field `name` of any value, or nil (no error for values without fields).
local function field(v, name)
  local ok, f = pcall(function() return v[name] end)
  if ok then return f end
  return nil
end

-- A pyssl socket for what wrap_socket was given: the socket itself, or a
-- new one on the descriptor of a LuaSocket object / an integer (found by
-- Python's socket(fileno=fd)), and a function that takes the descriptor
-- over from the original once the checks have passed.
local function adopt(sock)
  -- a plain socket (what create_connection and accept return) without the
  -- class walk of isinstance
  if is_plain(sock, "socket") or isinstance(sock, plain) then return sock end
  local fd, getfd = nil, nil
  if math_type(sock) == "integer" or (type(sock) == "number" and tointeger(sock)) then
    fd = tointeger(sock)
  else
    getfd = field(sock, "getfd")
    if type(getfd) ~= "function" then
      raise("AttributeError", "'" .. typename(sock) .. "' object has no attribute 'getsockopt'")
    end
    fd = tointeger(getfd(sock))
    if fd == nil then raise("TypeError", "getfd() returned a non-integer") end
  end
  if fd < 0 then raise("ValueError", "negative file descriptor") end
  local s = plain(nil, nil, nil, fd)
  if getfd then
    -- LuaSocket's own timeout (its "block" timeout), when it has one.
    local gettimeout = field(sock, "gettimeout")
    local t = type(gettimeout) == "function" and gettimeout(sock)
    if type(t) == "number" and t >= 0 then s:settimeout(t) end
  end
  return s, function()
    if getfd then
      local setfd = field(sock, "setfd")
      if type(setfd) == "function" then setfd(sock, -1) end   -- LuaSocket forgets the descriptor
    end
  end
end

local SSLCONTEXT_WRAP_SOCKET_SIG = core._signature{name = "SSLContext.wrap_socket", pos = {"sock", "server_side", "do_handshake_on_connect", "suppress_ragged_eofs", "server_hostname", "session"}, required = 1, self = true}
-- ctx:wrap_socket(sock, server_side=false, do_handshake_on_connect=true,
-- suppress_ragged_eofs=true, server_hostname=nil, session=nil)
function SSLContext.wrap_socket(self, ...)
  local sock, server_side, do_handshake_on_connect, suppress_ragged_eofs, server_hostname, session =
    core._bind(SSLCONTEXT_WRAP_SOCKET_SIG, ...)
  -- Python's defaults: a replaced _create receives them too.
  if server_side == nil then server_side = false end
  if do_handshake_on_connect == nil then do_handshake_on_connect = true end
  if suppress_ragged_eofs == nil then suppress_ragged_eofs = true end
  local cls = self.sslsocket_class
  local create = (type(cls) == "table" and cls._create) or SSLSocket._create
  local s, take_over = adopt(sock)
  if take_over then
    -- The descriptor stays the caller's until the checks have passed.
    local ok, err = pcall(precheck, s, server_side, server_hostname, session, self)
    if not ok then
      s:detach()
      error(err, 0)
    end
    take_over()
  end
  return create(cls, s, server_side, do_handshake_on_connect, suppress_ragged_eofs,
                server_hostname, self, session)
end

--------------------------------------------------------------- properties

SSLSocket.__getters.context = function(self)
  return self._context
end

SSLSocket.__setters.context = function(self, ctx)
  self._context = ctx
  local obj = self._sslobj
  if obj == nil then no_attribute("context", true) end
  obj.context = ctx
end

SSLSocket.__getters.session = function(self)
  local obj = self._sslobj
  if obj ~= nil then return obj.session end
  return nil
end

SSLSocket.__setters.session = function(self, session)
  self._session = session
  local obj = self._sslobj
  if obj ~= nil then obj.session = session end
end

SSLSocket.__getters.session_reused = function(self)
  local obj = self._sslobj
  if obj ~= nil then return obj.session_reused end
  return nil
end


------------------------------------------------------------------ methods

-- The signature of ssl.py's SSLSocket.<name>(self, <pos>...), the first
-- `required` of pos required.
local function signature(name, pos, required)
  return core._signature{name = "SSLSocket." .. name, pos = pos, required = required, self = true}
end

-- Binds a method without parameters but self: only when given more.
local function no_arguments(sig, ...)
  if select("#", ...) > 0 then core._bind(sig, ...) end
end

local SSLSOCKET_DUP_SIG = signature("dup", {})
function SSLSocket.dup(self, ...)
  no_arguments(SSLSOCKET_DUP_SIG, ...)
  local _ = self.family   -- the usual self check
  raise("NotImplementedError", "Can't dup() SSLSocket instances")
end

function SSLSocket._check_connected(self)
  if not self._connected then
    -- getpeername() raises ENOTCONN if the socket is really not connected;
    -- it can be connected without _connected (connect_ex() said EINPROGRESS).
    self:getpeername()
  end
end

local function handshake(self, timeout, block)
  if timeout == 0.0 and block then self:settimeout(nil) end
  self:_do_handshake()
end

local SSLSOCKET_DO_HANDSHAKE_SIG = core._signature{name = "SSLSocket.do_handshake", pos = {"block"}, self = true}
-- do_handshake(block=false)
function SSLSocket.do_handshake(self, ...)
  local block = select("#", ...) > 0 and core._bind(SSLSOCKET_DO_HANDSHAKE_SIG, ...) or nil
  self:_check_connected()
  local timeout = self:gettimeout()
  local ok, err = pcall(handshake, self, timeout, block)
  self:settimeout(timeout)
  if not ok then error(err, 0) end
end

local function connect_and_handshake(self, addr, connect_ex)
  local rc
  if connect_ex then
    rc = plain.connect_ex(self, addr)
  else
    plain.connect(self, addr)
  end
  if not rc or rc == 0 then
    self._connected = true
    if self.do_handshake_on_connect then self:do_handshake() end
  end
  return rc
end

local function real_connect(self, addr, connect_ex)
  if self.server_side then
    raise("ValueError", "can't connect in server-side mode")
  end
  -- Here we assume that the socket is client-side, and not connected at
  -- the time of the call. We connect it, then wrap it.
  if self._connected or self._sslobj ~= nil then
    raise("ValueError", "attempt to connect already-connected SSLSocket!")
  end
  self._sslobj = self.context:_wrap_socket(self, false, self.server_hostname,
                                           {owner = self, session = self._session})
  local ok, rc = pcall(connect_and_handshake, self, addr, connect_ex)
  if not ok then
    if isinstance(rc, OSError) or isinstance(rc, ValueError) then self._sslobj = nil end
    error(rc, 0)
  end
  return rc
end

local SSLSOCKET_CONNECT_SIG = signature("connect", {"addr"}, 1)
-- connect(addr): TCP connect, then the handshake (do_handshake_on_connect)
function SSLSocket.connect(self, ...)
  real_connect(self, core._bind(SSLSOCKET_CONNECT_SIG, ...), false)
end

local SSLSOCKET_CONNECT_EX_SIG = signature("connect_ex", {"addr"}, 1)
-- connect_ex(addr) -> errno (0 on success); handshake errors still raise
function SSLSocket.connect_ex(self, ...)
  return real_connect(self, core._bind(SSLSOCKET_CONNECT_EX_SIG, ...), true)
end

local SSLSOCKET_ACCEPT_SIG = signature("accept", {})
-- accept() -> conn, addr with conn a server-side SSLSocket
function SSLSocket.accept(self, ...)
  no_arguments(SSLSOCKET_ACCEPT_SIG, ...)
  local newsock, addr = plain.accept(self)
  newsock = self.context:wrap_socket(newsock, {
    do_handshake_on_connect = self.do_handshake_on_connect,
    suppress_ragged_eofs = self.suppress_ragged_eofs,
    server_side = true,
  })
  return newsock, addr
end

local SSLSOCKET_UNWRAP_SIG = signature("unwrap", {})
-- unwrap(): close_notify both ways; returns this socket, now plain.
function SSLSocket.unwrap(self, ...)
  no_arguments(SSLSOCKET_UNWRAP_SIG, ...)
  if self._sslobj == nil then no_wrapper(self) end
  local s = self:_unwrap()
  self._sslobj = nil
  return s
end

local SSLSOCKET_VERIFY_CLIENT_POST_HANDSHAKE_SIG = signature("verify_client_post_handshake", {})
function SSLSocket.verify_client_post_handshake(self, ...)
  no_arguments(SSLSOCKET_VERIFY_CLIENT_POST_HANDSHAKE_SIG, ...)
  local obj = self._sslobj
  if obj == nil then no_wrapper(self) end
  return obj:verify_client_post_handshake()
end

local SSLSOCKET_SHUTDOWN_SIG = signature("shutdown", {"how"}, 1)
-- shutdown(how): drops the TLS state (no close_notify), then TCP shutdown.
function SSLSocket.shutdown(self, ...)
  local how = core._bind(SSLSOCKET_SHUTDOWN_SIG, ...)
  self._sslobj = nil
  return plain.shutdown(self, how)
end

local SSLSOCKET_GETPEERCERT_SIG = core._signature{name = "SSLSocket.getpeercert", pos = {"binary_form"}, self = true}
function SSLSocket.getpeercert(self, ...)
  local binary_form = core._bind(SSLSOCKET_GETPEERCERT_SIG, ...)
  self:_check_connected()
  local obj = self._sslobj
  if obj == nil then no_attribute("getpeercert") end
  return obj:getpeercert(binary_form)
end

-- get_verified_chain() / get_unverified_chain(): {} without TLS (Python
-- 3.13/3.14 raise AttributeError there, gh-155327).
local SSLSOCKET_GET_VERIFIED_CHAIN_SIG = signature("get_verified_chain", {})
function SSLSocket.get_verified_chain(self, ...)
  no_arguments(SSLSOCKET_GET_VERIFIED_CHAIN_SIG, ...)
  local obj = self._sslobj
  if obj == nil then return {} end
  return obj:get_verified_chain()
end

local SSLSOCKET_GET_UNVERIFIED_CHAIN_SIG = signature("get_unverified_chain", {})
function SSLSocket.get_unverified_chain(self, ...)
  no_arguments(SSLSOCKET_GET_UNVERIFIED_CHAIN_SIG, ...)
  local obj = self._sslobj
  if obj == nil then return {} end
  return obj:get_unverified_chain()
end

function SSLSocket.selected_npn_protocol(self)
  local _ = self.family
  compat.warn("DeprecationWarning: ", "ssl NPN is deprecated, use ALPN instead")
  return nil
end

-- The inspection methods: nil without TLS.
for _, name in ipairs({"selected_alpn_protocol", "cipher", "shared_ciphers", "compression", "version"}) do
  local sig = signature(name, {})
  SSLSocket[name] = function(self, ...)
    no_arguments(sig, ...)
    local obj = self._sslobj
    if obj == nil then return nil end
    return obj[name](obj)
  end
end

local CHANNEL_BINDING_TYPES = {["tls-unique"] = true}

local SSLSOCKET_GET_CHANNEL_BINDING_SIG = core._signature{name = "SSLSocket.get_channel_binding", pos = {"cb_type"}, self = true}
-- get_channel_binding(cb_type="tls-unique")
function SSLSocket.get_channel_binding(self, ...)
  local cb_type = core._bind(SSLSOCKET_GET_CHANNEL_BINDING_SIG, ...)
  local obj = self._sslobj
  if obj ~= nil then
    return obj:get_channel_binding(cb_type)
  end
  if cb_type == nil then cb_type = "tls-unique" end
  if not CHANNEL_BINDING_TYPES[cb_type] then
    raise("ValueError", tostring(cb_type) .. " channel binding type not implemented")
  end
  return nil
end

local SSLSOCKET_SENDTO_SIG = signature("sendto", {"data", "flags_or_addr", "addr"}, 2)
function SSLSocket.sendto(self, ...)
  local data, flags_or_addr, addr = core._bind(SSLSOCKET_SENDTO_SIG, ...)
  if self._sslobj ~= nil then
    raise("ValueError", "sendto not allowed on instances of " .. class_repr())
  end
  if addr == nil then
    return plain.sendto(self, data, flags_or_addr)
  end
  return plain.sendto(self, data, flags_or_addr, addr)
end

local SSLSOCKET_RECVFROM_SIG = signature("recvfrom", {"buflen", "flags"})
function SSLSocket.recvfrom(self, ...)
  local buflen, flags = core._bind(SSLSOCKET_RECVFROM_SIG, ...)
  if self._sslobj ~= nil then
    raise("ValueError", "recvfrom not allowed on instances of " .. class_repr())
  end
  return plain.recvfrom(self, buflen == nil and 1024 or buflen, flags == nil and 0 or flags)
end

local SSLSOCKET_RECVFROM_INTO_SIG = signature("recvfrom_into", {"buffer", "nbytes", "flags"}, 1)
function SSLSocket.recvfrom_into(self, ...)
  local buffer, nbytes, flags = core._bind(SSLSOCKET_RECVFROM_INTO_SIG, ...)
  if self._sslobj ~= nil then
    raise("ValueError", "recvfrom_into not allowed on instances of " .. class_repr())
  end
  return plain.recvfrom_into(self, buffer, nbytes, flags == nil and 0 or flags)
end

for _, name in ipairs({"sendmsg", "recvmsg", "recvmsg_into"}) do
  SSLSocket[name] = function()
    raise("NotImplementedError", name .. " not allowed on instances of " .. class_repr())
  end
end

return core
