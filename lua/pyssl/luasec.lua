-- pyssl.luasec: LuaSec's API (the `ssl` module of LuaSec 1.2) on pyssl's
-- core, so that a LuaSec program switches by changing its require:
--
--   local ssl = require "pyssl.luasec"          -- was: require "ssl"
--   local conn = assert(ssl.wrap(tcp, {mode = "client", protocol = "any",
--                                      verify = "peer", cafile = "ca.pem"}))
--   conn:sni("example.test")
--   assert(conn:dohandshake())
--
-- newcontext(params) builds a pyssl SSLContext from LuaSec's params table;
-- wrap(sock, params_or_context) takes the descriptor of a LuaSocket TCP
-- object (or a pyssl.socket) and returns a connection with LuaSec's
-- methods and return values (nil, "wantread" | "wantwrite" | "closed" |
-- OpenSSL's reason text such as "certificate verify failed").
--
-- Where pyssl is deliberately stricter than LuaSec 1.2 (docs/porting.md):
-- a client that verifies the peer ("peer") and names it (conn:sni(name)
-- or params.servername) also checks that the certificate matches the
-- name (LuaSec checks only the chain); protocol "any" starts at TLS 1.2
-- (Python's minimum). Python's API has no ciphersuites (TLS 1.3 suites),
-- curveslist, ALPN callback or DANE: those params return an error instead
-- of being ignored.
--
-- LuaSocket's receive/send/settimeout semantics are pyssl.luasec.buffer's
-- (a separate module with a three-function stream interface).
--
-- Plain Lua 5.1 code: runs on every Lua.
local ssl = require "pyssl"
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local select_module = require "pyssl.select"
local buffer = require "pyssl.luasec.buffer"
local x509 = require "pyssl.luasec.x509"

local type, tostring, pairs, ipairs, pcall, error, setmetatable, next =
  type, tostring, pairs, ipairs, pcall, error, setmetatable, next
local lower, gsub, sub = string.lower, string.gsub, string.sub
local isinstance, bor = ssl.isinstance, compat.bor
local wait_select = select_module.select

local M = {_VERSION = "1.2.0", _COPYRIGHT = "pyssl.luasec: LuaSec's API on pyssl"}

---------------------------------------------------------------- errors

-- The text LuaSec returns for a pyssl error: OpenSSL's reason string
-- (LuaSec's ERR_reason_error_string, which OpenSSL derives from the
-- mnemonic Python's SSLError carries), LuaSocket's words for the kernel's
-- errors. Errors that are not I/O (ValueError, TypeError ...) are raised.
local function errtext(e)
  if isinstance(e, ssl.SSLWantReadError) then return "wantread" end
  if isinstance(e, ssl.SSLWantWriteError) then return "wantwrite" end
  if isinstance(e, ssl.SSLZeroReturnError) then return "closed" end
  if isinstance(e, ssl.SSLError) then
    if type(e.reason) == "string" then return lower(gsub(e.reason, "_", " ")) end
    return ssl.str(e)
  end
  if isinstance(e, ssl.OSError) then
    -- LuaSocket's socket_strerror and its io layer's "closed"
    if isinstance(e, {ssl.ConnectionResetError, ssl.ConnectionAbortedError, ssl.BrokenPipeError}) then
      return "closed"
    end
    if isinstance(e, ssl.TimeoutError) then return "timeout" end
    if isinstance(e, ssl.ConnectionRefusedError) then return "connection refused" end
    return e.strerror or ssl.str(e)
  end
  error(e, 0)
end

---------------------------------------------------------------- contexts

local Context = {}
Context.__index = Context
Context.__tostring = function(self) return "SSL context: " .. self._id end

local PROTOCOLS = {
  any = false, tlsv1 = "TLSv1", tlsv1_1 = "TLSv1_1", tlsv1_2 = "TLSv1_2", tlsv1_3 = "TLSv1_3",
}

-- Python's Options by LuaSec's lower-case name ("no_tlsv1" -> OP_NO_TLSv1).
local OPTIONS = {}
for name, value in pairs(ssl) do
  if type(name) == "string" and sub(name, 1, 3) == "OP_" and type(value) == "number" then
    OPTIONS[lower(sub(name, 4))] = value
  end
end

-- A string or a table of strings, as a list.
local function list_of(v)
  if type(v) == "table" then return v end
  return {v}
end

local function reason_of(e)
  if isinstance(e, ssl.SSLError) and type(e.reason) == "string" then
    return lower(gsub(e.reason, "_", " "))
  end
  if isinstance(e, ssl.OSError) and e.strerror then return e.strerror end
  return ssl.str(e)
end

-- Wire format of an ALPN list, with LuaSec's checks.
local function check_alpn(list)
  if #list == 0 then return nil, "invalid ALPN list (empty)" end
  for _, name in ipairs(list) do
    if type(name) ~= "string" then return nil, "invalid ALPN parameter" end
    if #name == 0 then return nil, "invalid ALPN name (empty string)" end
    if #name > 255 then return nil, "invalid ALPN name (length > 255)" end
  end
  return true
end

local function readable(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  f:close()
  return true
end

-- Certificate and key of one entry of params (or of params.certificates).
local function load_identity(ctx, entry)
  local cert, key, password = entry.certificate, entry.key, entry.password
  if password ~= nil and type(password) ~= "string" and type(password) ~= "function" then
    return nil, "invalid password type"
  end
  if key then
    local ok, err = readable(key)
    if not ok then return nil, "error loading private key (" .. err .. ")" end
  end
  if not cert then
    if key then return nil, "error loading certificate (pyssl needs the certificate with the key)" end
    return true
  end
  local ok, err = readable(cert)
  if not ok then return nil, "error loading certificate (" .. err .. ")" end
  ok, err = pcall(core._test_decode_cert, cert)
  if not ok then return nil, "error loading certificate (" .. reason_of(err) .. ")" end
  local pw = password
  if type(password) == "function" then
    pw = function() return password() end
  end
  ok, err = pcall(ctx.load_cert_chain, ctx, cert, key, pw)
  if not ok then
    if type(err) == "table" and err.reason == "KEY_VALUES_MISMATCH" then
      return nil, "private key does not match public key"
    end
    return nil, "error loading private key (" .. reason_of(err) .. ")"
  end
  return true
end

-- verify: "none", "peer", "client_once", "fail_if_no_peer_cert".
local function set_verify(self, ctx, verify)
  local peer, fail_if_none = false, false
  for _, flag in ipairs(list_of(verify)) do
    if flag == "peer" then peer = true
    elseif flag == "fail_if_no_peer_cert" then fail_if_none = true
    elseif flag ~= "none" and flag ~= "client_once" then
      return nil, "invalid verify option (" .. tostring(flag) .. ")"
    end
  end
  self.verify_peer = peer
  if not peer then
    ctx.verify_mode = ssl.CERT_NONE
  elseif self.mode == "client" or fail_if_none then
    ctx.verify_mode = ssl.CERT_REQUIRED
  else
    ctx.verify_mode = ssl.CERT_OPTIONAL
  end
  return true
end

-- verifyext: "lsec_continue" (verify, record, go on), CRL checks.
local function set_verifyext(self, ctx, ext)
  for _, flag in ipairs(list_of(ext)) do
    if flag == "lsec_continue" then
      self.verify_continue = true
    elseif flag == "crl_check" then
      ctx.verify_flags = bor(ctx.verify_flags, ssl.VERIFY_CRL_CHECK_LEAF)
    elseif flag == "crl_check_chain" then
      ctx.verify_flags = bor(ctx.verify_flags, ssl.VERIFY_CRL_CHECK_CHAIN)
    elseif flag ~= "lsec_ignore_purpose" then
      return nil, "invalid verify option (" .. tostring(flag) .. ")"
    end
  end
  if self.verify_continue then ctx.verify_mode = ssl.CERT_NONE end
  return true
end

local function set_options(ctx, options)
  for _, name in ipairs(list_of(options)) do
    local bit = type(name) == "string" and OPTIONS[lower(name)]
    if not bit then return nil, "invalid option (" .. tostring(name) .. ")" end
    ctx.options = bor(ctx.options, bit)
  end
  return true
end

-- dhparam: LuaSec's callback (export, keylength) -> PEM text; Python
-- loads DH parameters from a file.
local function set_dhparam(ctx, fn)
  if type(fn) ~= "function" then return nil, "invalid DH parameter type" end
  local pem = fn(false, 2048)
  if type(pem) ~= "string" then return nil, "invalid DH parameter" end
  local path = os.tmpname()
  local f = io.open(path, "wb")
  if not f then return nil, "error setting DH parameters (cannot write a temporary file)" end
  f:write(pem)
  f:close()
  local ok, err = pcall(ctx.load_dh_params, ctx, path)
  os.remove(path)
  if not ok then return nil, "error setting DH parameters (" .. reason_of(err) .. ")" end
  return true
end

-- Connections by their SSLSocket, for the context's SNI callback.
local conn_of = setmetatable({}, {__mode = "k"})

-- A server context's SNI callback: records the name and applies the
-- connection's sni() table.
local function sni_callback(sslsock, name)
  local conn = conn_of[sslsock]
  if not conn then return nil end
  conn._sniname = name
  local names = conn._sni_names
  if not names then return nil end
  local target = name and names[name]
  if target then
    sslsock.context = target._ctx
  elseif conn._sni_strict then
    return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
  end
  return nil
end

-- newcontext(params): a context, or nil and LuaSec's message.
function M.newcontext(params)
  if type(params) ~= "table" then return nil, "invalid parameters" end
  local self = setmetatable({mode = params.mode, params = params}, Context)
  self._id = tostring({}):match("0x%x+") or "0"
  if params.mode ~= "client" and params.mode ~= "server" then
    return nil, "invalid mode (" .. tostring(params.mode) .. ")"
  end
  local protocol = params.protocol or "any"
  local version = PROTOCOLS[protocol]
  if version == nil then return nil, "invalid protocol (" .. tostring(protocol) .. ")" end
  local ctx = ssl.SSLContext(params.mode == "client" and ssl.PROTOCOL_TLS_CLIENT or ssl.PROTOCOL_TLS_SERVER)
  self._ctx = ctx
  ctx.check_hostname = false
  ctx.verify_mode = ssl.CERT_NONE
  if version then
    local ok, err = pcall(function()
      ctx.minimum_version = ssl.TLSVersion[version]
      ctx.maximum_version = ssl.TLSVersion[version]
    end)
    if not ok then return nil, "invalid protocol (" .. protocol .. "): " .. reason_of(err) end
  end
  local certificates = params.certificates or {params}
  for _, entry in ipairs(certificates) do
    local ok, err = load_identity(ctx, entry)
    if not ok then return nil, err end
  end
  if params.cafile or params.capath then
    local ok, err = pcall(ctx.load_verify_locations, ctx, params.cafile, params.capath)
    if not ok then return nil, "error loading CA locations (" .. reason_of(err) .. ")" end
  end
  if params.ciphers then
    local ok = pcall(ctx.set_ciphers, ctx, params.ciphers)
    if not ok then return nil, "error setting cipher list (no cipher match)" end
  end
  if params.ciphersuites then
    return nil, "ciphersuites is not supported (Python's API sets no TLS 1.3 suites)"
  end
  local ok, err = set_verify(self, ctx, params.verify or "none")
  if not ok then return nil, err end
  if params.options then
    ok, err = set_options(ctx, params.options)
    if not ok then return nil, err end
  end
  if params.depth then
    if type(params.depth) ~= "number" or params.depth < 0 then return nil, "invalid depth" end
    self.depth = params.depth
  end
  if params.dhparam then
    ok, err = set_dhparam(ctx, params.dhparam)
    if not ok then return nil, err end
  end
  if params.curveslist then
    return nil, "curveslist is not supported (Python's API sets one curve: curve)"
  end
  if params.curve then
    if not pcall(ctx.set_ecdh_curve, ctx, params.curve) then
      return nil, "elliptic curve '" .. tostring(params.curve) .. "' not supported"
    end
  end
  if params.verifyext then
    ok, err = set_verifyext(self, ctx, params.verifyext)
    if not ok then return nil, err end
  end
  if params.alpn then
    local alpn = params.alpn
    if type(alpn) == "function" then
      return nil, "an ALPN callback is not supported (give the list of protocols)"
    end
    if type(alpn) == "string" and params.mode == "client" then alpn = {alpn} end
    if type(alpn) ~= "table" then return nil, "invalid ALPN parameter" end
    ok, err = check_alpn(alpn)
    if not ok then return nil, err end
    ctx:set_alpn_protocols(alpn)
  end
  if params.dane then return nil, "DANE is not supported" end
  if params.mode == "server" then ctx.sni_callback = sni_callback end
  self.servername = params.servername
  return self
end

---------------------------------------------------------------- connections

local Conn = {}
Conn.__index = Conn
Conn.__tostring = function(self) return "SSL connection: " .. self._id end

-- Waits until the socket is ready (mode "r" or "w") or the timer runs
-- out; true when ready.
local function wait(sock, mode, tm)
  local left = tm:left()
  if left == 0 then return false end
  local r, w
  if mode == "r" then
    r = wait_select({sock}, {}, {}, left)
    return #r > 0
  end
  local _
  _, w = wait_select({}, {sock}, {}, left)
  return #w > 0
end

-- Runs f(tls, ...) until it completes, waiting on want-read/write within
-- the timer: true, results | false, LuaSec's error text.
local function drive(self, tm, f, ...)
  local tls = self._tls
  while true do
    local ok, a = pcall(f, tls, ...)
    if ok then return true, a end
    local text = errtext(a)
    if text == "wantread" then
      if not wait(tls, "r", tm) then return false, "wantread" end
    elseif text == "wantwrite" then
      if not wait(tls, "w", tm) then return false, "wantwrite" end
    else
      return false, text
    end
  end
end

local RECV_SIZE = 16384

-- The stream pyssl.luasec.buffer reads and writes (its interface).
local function make_stream(self)
  return {
    recv = function(tm)
      local ok, data = drive(self, tm, self._tls.recv, RECV_SIZE)
      if not ok then return nil, data end
      if data == "" then return nil, "closed" end
      return data
    end,
    send = function(data, tm)
      local ok, n = drive(self, tm, self._tls.send, data)
      if not ok then return nil, n end
      return n
    end,
    pending = function()
      if not self._tls then return 0 end
      return self._tls:pending()
    end,
  }
end

-- The pyssl socket on the descriptor of what wrap was given.
local function adopt(sock)
  if isinstance(sock, ssl.socket.socket) then return sock end
  if (type(sock) ~= "userdata" and type(sock) ~= "table") or type(sock.getfd) ~= "function" then
    return nil, "invalid socket"
  end
  local fd = sock:getfd()
  if type(fd) ~= "number" or fd < 0 then return nil, "invalid socket" end
  local plain = ssl.socket.socket(nil, nil, nil, fd)
  if type(sock.setfd) == "function" then sock:setfd(-1) end   -- LuaSec's takeover
  return plain
end

-- wrap(sock, params_or_context): a connection, or nil and a message.
function M.wrap(sock, cfg)
  local context, err = cfg, nil
  if getmetatable(cfg) ~= Context then
    context, err = M.newcontext(cfg)
    if not context then return nil, err end
  end
  local plain
  plain, err = adopt(sock)
  if not plain then return nil, err end
  plain:setblocking(false)
  local self = setmetatable({_context = context, _sock = plain, _state = "new",
                             _servername = context.servername}, Conn)
  self._id = tostring({}):match("0x%x+") or "0"
  self._buf = buffer.new(make_stream(self))
  return self
end

-- The SSLSocket, made at the first handshake step (after sni()).
local function start_tls(self)
  local context = self._context
  local ctx = context._ctx
  local client = context.mode == "client"
  local name = client and self._servername or nil
  -- pyssl's stricter default: a named, verified peer is checked by name.
  local check = client and context.verify_peer and not context.verify_continue and name ~= nil
  ctx.check_hostname = check and true or false
  local ok, tls = pcall(ctx.wrap_socket, ctx, self._sock, {
    server_side = not client, do_handshake_on_connect = false,
    suppress_ragged_eofs = false, server_hostname = name,
  })
  ctx.check_hostname = false
  if not ok then return nil, errtext(tls) end
  if context.depth then tls._sslobj:_set_verify_depth(context.depth) end
  self._tls = tls
  conn_of[tls] = self
  return tls
end

-- dohandshake(): true, or false and the error (LuaSec's boolean).
function Conn:dohandshake()
  if self._state == "connected" then return true end
  if self._state == "closed" then return false, "closed" end
  if not self._tls then
    local tls, err = start_tls(self)
    if not tls then return false, err end
  end
  local ok, err = drive(self, buffer.timer(self._buf), self._tls.do_handshake)
  if not ok then return false, err end
  self._state = "connected"
  return true
end

function Conn:receive(pattern, prefix)
  if self._state ~= "connected" then return nil, "closed", "" end
  return self._buf:receive(pattern, prefix)
end

function Conn:send(data, i, j)
  if self._state ~= "connected" then return nil, "closed", 0.0 end
  return self._buf:send(data, i, j)
end

function Conn:settimeout(t, mode)
  return self._buf:settimeout(t, mode)
end

function Conn:dirty()
  if self._state ~= "connected" then return false end
  return self._buf:dirty()
end

function Conn:getfd()
  if self._state == "closed" then return -1 end
  return (self._tls or self._sock):fileno()
end

-- close(): close_notify (not waiting for the peer's), then the socket.
function Conn:close()
  if self._state == "closed" then return end
  if self._tls then
    if self._state == "connected" then pcall(self._tls.unwrap, self._tls) end
    pcall(self._tls.close, self._tls)
  end
  pcall(self._sock.close, self._sock)
  self._state = "closed"
end

-- sni(name) on a client: the server name to send (and, with verify
-- "peer", to check). sni({[name] = context}, strict) on a server: the
-- context to use per requested name.
function Conn:sni(arg, strict)
  if self._context.mode == "client" then
    if type(arg) ~= "string" then error("bad argument #1 to 'sni' (string expected)", 2) end
    self._servername = arg
    return
  end
  if type(arg) ~= "table" then error("bad argument #1 to 'sni' (table expected)", 2) end
  for _, ctx in pairs(arg) do
    if getmetatable(ctx) ~= Context then error("bad argument #1 to 'sni' (invalid SSL context)", 2) end
  end
  self._sni_names, self._sni_strict = arg, strict and true or false
end

function Conn:getsniname()
  if self._context.mode == "client" then return self._servername end
  return self._sniname
end

-- info([field]): LuaSec's table of the connection's cipher.
function Conn:info(field)
  if self._state ~= "connected" then return nil end
  local tls = self._tls
  local cipher = tls:cipher()
  local out = {compression = tls:compression()}
  if field == "compression" then return out.compression end
  if cipher then
    for _, c in ipairs(self._context._ctx:get_ciphers()) do
      if c.name == cipher[1] then
        out.cipher, out.protocol, out.key, out.authentication, out.encryption, out.mac =
          c.description:match("^(%S+)%s+(%S+)%s+Kx=(%S+)%s+Au=(%S+)%s+Enc=(%S+)%s+Mac=(%S+)")
        out.export = c.description:match("%sexport%s*$") ~= nil
        out.bits, out.algbits = c.strength_bits + 0.0, c.alg_bits + 0.0
        break
      end
    end
    out.cipher = out.cipher or cipher[1]
    out.bits = out.bits or cipher[3] + 0.0
    out.protocol = tls:version()
  end
  if field then return out[field] end
  return next(out) and out or nil
end

function Conn:getalpn()
  if self._state ~= "connected" then return nil, "closed" end
  return self._tls:selected_alpn_protocol()
end

-- getpeerverification(): true, or false and the verification's error.
function Conn:getpeerverification()
  if self._state ~= "connected" then return false, "closed" end
  local code, text = self._tls._sslobj:_verify_result()
  if code == 0 then return true end
  return false, text
end

-- The peer's chain as DER strings (the peer's certificate first).
local function peer_chain(self)
  local tls = self._tls
  local ok, chain = pcall(tls.get_unverified_chain, tls)
  if ok and type(chain) == "table" then return chain end
  local der = tls:getpeercert(true)
  return der and {der} or {}
end

-- getpeercertificate([n]): the n-th certificate of the peer's chain (1:
-- the peer's own), or nil.
function Conn:getpeercertificate(n)
  if self._state ~= "connected" then return nil, "closed" end
  n = n or 1
  local der = peer_chain(self)[n]
  if not der then return nil end
  return x509.new(der)
end

-- getpeerchain(): the certificates the peer sent, its own first (a
-- server sees the client's chain as OpenSSL verified it).
function Conn:getpeerchain()
  if self._state ~= "connected" then return nil, "closed" end
  local out = {}
  for k, der in ipairs(peer_chain(self)) do out[k] = x509.new(der) end
  return out
end

function Conn:getfinished()
  if self._state ~= "connected" then return nil end
  return self._tls._sslobj:_finished(false)
end

function Conn:getpeerfinished()
  if self._state ~= "connected" then return nil end
  return self._tls._sslobj:_finished(true)
end

-- The underlying pyssl SSLSocket (after the first handshake step).
function Conn:sslsocket()
  return self._tls
end

M.loadcertificate = x509.load
M.x509 = x509
M.Context, M.Connection = Context, Conn

return M
