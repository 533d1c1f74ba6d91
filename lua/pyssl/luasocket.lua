-- pyssl.luasocket: a pyssl TLS connection shaped as a LuaSocket TCP object,
-- for code written against LuaSocket and LuaSec (socket.http, ltn12
-- sources, copas, socket.select loops).
--
--   local luasocket = require "pyssl.luasocket"
--   local tls = assert(luasocket.connect("example.org", 443))   -- verified TLS
--   tls:send("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n")
--   local status = tls:receive("*l")
--
-- Methods answer as LuaSec's (and so LuaSocket's) do: receive(pattern
-- [, prefix]) with "*l"/"l", "*a"/"a" or a byte count, send(data [, i
-- [, j]]), settimeout(t [, "b"|"t"]), gettimeout, dohandshake, close,
-- getfd, dirty, getpeername, getsockname, setoption, getstats,
-- shutdown; failures are `nil, message [, partial]`, never raised:
-- "closed", "timeout" (plain sockets) or, as LuaSec says when the
-- connection waits past its timeout, "wantread"/"wantwrite"; TLS
-- failures give OpenSSL's reason as LuaSec does ("certificate verify
-- failed", "unexpected eof while reading").
--
-- Waiting: by default with pyssl.select (LuaSocket's block and total
-- timeouts); `loop = "copas"` yields to copas and `loop = "cqueues"` to
-- the cqueues controller running the caller (see pyssl.cqueues), so one
-- object serves blocking code and coroutine schedulers alike.
local ssl = require "pyssl"
local core = require "pyssl.core"
local psocket = require "pyssl.socket"
local select_ = require("pyssl.select").select
core._own_files()

local isinstance, str, raise = core.isinstance, core.str, core._raise
local monotonic = psocket._monotonic
local pcall, error, type, tostring, tonumber, setmetatable, require =
  pcall, error, type, tostring, tonumber, setmetatable, require
local floor, ceil, concat = math.floor, math.ceil, table.concat

local SSLSocket = core.SSLSocket
local WANT_READ, WANT_WRITE, BLOCKING = ssl.SSLWantReadError, ssl.SSLWantWriteError, ssl.BlockingIOError
local CLOSED_ERRORS = {ssl.SSLZeroReturnError, ssl.ConnectionResetError, ssl.ConnectionAbortedError,
                       ssl.BrokenPipeError}
local OSError, SSLError, TimeoutError = ssl.OSError, ssl.SSLError, ssl.TimeoutError

local STEP = 16384   -- bytes asked of the TLS connection per read, sent per write

local M = {}

----------------------------------------------------------------- messages

-- LuaSocket's texts for the kernel's errors it names itself (usocket.c).
local OS_TEXTS = {
  {ssl.ConnectionRefusedError, "connection refused"},
  {ssl.TimeoutError, "timeout"},
  {ssl.PermissionError, "permission denied"},
}

-- The string LuaSocket or LuaSec gives for a pyssl error object: "closed"
-- for a connection the peer ended, OpenSSL's reason in its own words for a
-- TLS failure (LuaSec's ERR_reason_error_string), LuaSocket's texts for
-- the kernel's errors, Python's str(e) for the rest. Anything that is no
-- OSError (a bug, a bad argument) is raised again.
local function message(e)
  if not isinstance(e, OSError) then error(e, 0) end
  if isinstance(e, CLOSED_ERRORS) then return "closed" end
  if isinstance(e, SSLError) and type(e.reason) == "string" then
    return (e.reason:lower():gsub("_", " "))
  end
  for i = 1, #OS_TEXTS do
    if isinstance(e, OS_TEXTS[i][1]) then return OS_TEXTS[i][2] end
  end
  return str(e)
end
M.message = message

-------------------------------------------------------------------- loops

-- A loop is how a connection waits: wait(conn, "r"|"w", seconds|nil) ->
-- true when the descriptor is ready, false when the time ran out;
-- before_close(conn, fd) runs before the descriptor is closed.
local loops = {}

loops.select = {
  wait = function(conn, what, timeout)
    local set = {conn.sslsocket}
    local r, w
    if what == "r" then r, w = select_(set, {}, {}, timeout) else r, w = select_({}, set, {}, timeout) end
    return r[1] ~= nil or w[1] ~= nil
  end,
}

-- The Debian package and the rock of each library a helper may load.
local PACKAGES = {
  copas = {"lua-copas", "copas"}, cqueues = {"lua-cqueues", "cqueues"}, luv = {"lua-luv", "luv"},
  ["socket.http"] = {"lua-socket", "luasocket"},
}

-- A library a helper needs, or a clear error naming its packages.
local function need(name, who)
  local ok, lib = pcall(require, name)
  if not ok then
    local pkg = PACKAGES[name] or {"lua-" .. name, name}
    error(who .. " needs the '" .. name .. "' module (Debian: " .. pkg[1] .. ", LuaRocks: "
          .. pkg[2] .. "), which failed to load:\n" .. tostring(lib), 3)
  end
  return lib
end
M._need = need

-- copas (1.x to 4.x) waits on what its receive/send were told was a
-- "timeout": a stand-in answers "timeout" once, so that copas parks the
-- coroutine on the connection's descriptor, and success the next time.
local Standin = {}
Standin.__index = Standin
function Standin:getfd() return self.conn:getfd() end
function Standin:fileno() return self.conn:fileno() end
function Standin:dirty() return false end
function Standin:settimeout() return 1 end
function Standin:receive()
  if self.armed then self.armed = false return nil, "timeout", "" end
  return ""
end
function Standin:send(data, i)
  if self.armed then self.armed = false return nil, "timeout", (i or 1) - 1 end
  return #data
end
-- copas closes the last socket a finished coroutine waited on (autoclose)
function Standin:close() return self.conn:close() end

local function copas_loop()
  local copas = need("copas", "pyssl.luasocket's copas loop")
  return {
    wait = function(conn, what)
      local s = conn._standin
      if not s then
        s = setmetatable({conn = conn}, Standin)
        conn._standin = s
      end
      s.armed = true
      if what == "r" then copas.receive(s, "*l") else copas.send(s, "x") end
      return true
    end,
  }
end

local function cqueues_loop()
  local cqueues = need("cqueues", "pyssl.luasocket's cqueues loop")
  return {
    -- cqueues.poll takes any object with pollfd and events (fields or
    -- methods), and a number as the time limit, which it returns when
    -- the time is up; inside a controller's coroutine it yields.
    wait = function(conn, what, timeout)
      local p = conn._pollable
      if not p then
        p = {}
        conn._pollable = p
      end
      p.pollfd, p.events = conn.sslsocket:fileno(), what
      if timeout then return cqueues.poll(p, timeout) == p end
      return cqueues.poll(p) == p
    end,
    -- cqueues keeps the descriptor in its epoll set: forget it first, or
    -- its next wait fails ("Bad file descriptor").
    before_close = function(conn, fd)
      if fd >= 0 then cqueues.cancel(fd) end
    end,
  }
end

local loop_makers = {copas = copas_loop, cqueues = cqueues_loop}

-- The loop an options table names: nil/"select", "copas", "cqueues", or a
-- table with wait (and before_close).
local function loop_of(name)
  if name == nil or name == "select" then return loops.select end
  if type(name) == "table" and type(name.wait) == "function" then return name end
  local make = loop_makers[name]
  if not make then
    raise("ValueError", "unknown loop " .. tostring(name) .. " (select, copas, cqueues or a table with wait)")
  end
  if not loops[name] then loops[name] = make() end
  return loops[name]
end
M.loop = loop_of

------------------------------------------------------------- the object

local Conn = {}
Conn.__index = Conn
Conn.__tostring = function(self)
  return "pyssl.luasocket{" .. (self.closed and "closed" or "client") .. "}: " .. tostring(self.sslsocket)
end

-- LuaSocket's timeout_getretry: seconds this wait may take, nil for ever.
local function retry(self)
  local block, total = self.block, self.total
  if total < 0 then
    if block < 0 then return nil end
    return block
  end
  local left = total - (monotonic() - self.start)
  if left < 0 then left = 0 end
  if block < 0 or left < block then return left end
  return block
end

-- Calls fn(sslsocket, a) until it neither wants to read nor to write,
-- waiting in between: its result, or nil and the message.
local function run(self, fn, a, direction)
  local sock = self.sslsocket
  while true do
    local ok, res
    if a == nil then ok, res = pcall(fn, sock) else ok, res = pcall(fn, sock, a) end
    if ok then return res end
    local what
    if isinstance(res, WANT_READ) then what = "r"
    elseif isinstance(res, WANT_WRITE) then what = "w"
    elseif isinstance(res, BLOCKING) then what = direction
    else return nil, message(res), res end
    self.want = what
    if not self.loop.wait(self, what, retry(self)) then
      if not self.tls then return nil, "timeout" end
      return nil, what == "r" and "wantread" or "wantwrite"
    end
  end
end

local recv, send_, do_handshake = SSLSocket.recv, SSLSocket.send, SSLSocket.do_handshake
local plain_recv, plain_send = psocket.socket.recv, psocket.socket.send

-- Reads once into the buffer: true, or nil and the message ("closed" at
-- the end of the stream, then for good).
local function fill(self)
  if self.eof then return nil, "closed" end
  local data, err = run(self, self.tls and recv or plain_recv, STEP, "r")
  if data == nil then
    if err == "closed" or not (err == "wantread" or err == "wantwrite" or err == "timeout") then
      self.eof = true
    end
    return nil, err
  end
  if data == "" then
    self.eof = true
    return nil, "closed"
  end
  self.received = self.received + #data
  self.buf = self.buf .. data
  return true
end

-- "*l": up to "\n", every "\r" dropped (LuaSocket's recvline)
local function receive_line(self, parts)
  while true do
    local buf = self.buf
    local nl = buf:find("\n", 1, true)
    if nl then
      parts[#parts + 1] = (buf:sub(1, nl - 1):gsub("\r", ""))
      self.buf = buf:sub(nl + 1)
      return true
    end
    parts[#parts + 1] = (buf:gsub("\r", ""))
    self.buf = ""
    local ok, err = fill(self)
    if not ok then return nil, err end
  end
end

-- n: exactly `count` bytes
local function receive_count(self, parts, count)
  while true do
    local buf = self.buf
    if #buf >= count then
      parts[#parts + 1] = buf:sub(1, count)
      self.buf = buf:sub(count + 1)
      return true
    end
    parts[#parts + 1] = buf
    count = count - #buf
    self.buf = ""
    local ok, err = fill(self)
    if not ok then return nil, err end
  end
end

-- "*a": up to the end of the stream; "closed" only when nothing came
local function receive_all(self, parts)
  local got = self.buf ~= ""
  parts[#parts + 1] = self.buf
  self.buf = ""
  while true do
    local ok, err = fill(self)
    if not ok then
      if err == "closed" and got then return true end
      return nil, err
    end
    got = true
    parts[#parts + 1] = self.buf
    self.buf = ""
  end
end

local function pattern_error()
  raise("ValueError", "bad argument #2 to 'receive' (invalid receive pattern)")
end

-- receive([pattern [, prefix]]) -> data | nil, message, partial
function Conn:receive(pattern, prefix)
  if prefix ~= nil and type(prefix) ~= "string" then
    if type(prefix) ~= "number" then
      raise("TypeError", "bad argument #3 to 'receive' (string expected, got " .. core._typename(prefix) .. ")")
    end
    prefix = tostring(prefix)
  end
  prefix = prefix or ""
  if self.closed then return nil, "closed", "" end
  self.start = monotonic()
  local parts, ok, err = {prefix}, true, nil
  local n = tonumber(pattern)
  if pattern == nil then pattern = "*l" end
  if type(pattern) == "number" or (type(pattern) == "string" and n) then
    if n ~= n or n < 0 then pattern_error() end
    local wanted = floor(n)
    if #prefix == 0 or wanted > #prefix then ok, err = receive_count(self, parts, wanted - #prefix) end
  elseif type(pattern) == "string" then
    local p = pattern:sub(1, 1) == "*" and pattern:sub(2, 2) or pattern:sub(1, 1)
    if p == "l" then ok, err = receive_line(self, parts)
    elseif p == "a" then ok, err = receive_all(self, parts)
    else pattern_error() end
  else
    pattern_error()
  end
  if ok then return concat(parts), nil, nil end   -- LuaSocket's three values
  return nil, err, concat(parts)
end

-- LuaSocket's (long) cast of an index
local function index(v, default)
  v = tonumber(v)
  if v == nil then return default end
  if v < 0 then return ceil(v) end
  return floor(v)
end

-- send(data [, i [, j]]) -> last index sent | nil, message, last index sent
function Conn:send(data, i, j)
  if type(data) == "number" then data = tostring(data) end
  if type(data) ~= "string" then
    raise("TypeError", "bad argument #2 to 'send' (string expected, got " .. core._typename(data) .. ")")
  end
  local size = #data
  i, j = index(i, 1), index(j, -1)
  if i < 0 then i = size + i + 1 end
  if j < 0 then j = size + j + 1 end
  if i < 1 then i = 1 end
  if j > size then j = size end
  if self.closed then return nil, "closed", 0.0 end
  self.start = monotonic()
  local pos = i
  while pos <= j do
    local last = pos + STEP - 1
    if last > j then last = j end
    local n, err = run(self, self.tls and send_ or plain_send, data:sub(pos, last), "w")
    if not n then return nil, err, (pos - 1) + 0.0 end
    self.sent = self.sent + n
    pos = pos + n
  end
  if i > j then return (i - 1) + 0.0, nil, nil end
  return j + 0.0, nil, nil
end

-- dohandshake() -> true | nil, message, error object (LuaSec's)
function Conn:dohandshake()
  if self.closed then return nil, "closed" end
  if not self.tls then return true end
  self.start = monotonic()
  local _, err, obj = run(self, do_handshake, nil, "r")
  if err then return nil, err, obj end
  return true
end

-- settimeout(seconds|nil [, "b"|"t"]) as LuaSocket: "b" bounds each wait,
-- "t" the whole call; nil or a negative value: no bound.
function Conn:settimeout(t, mode)
  if t ~= nil and tonumber(t) == nil then
    raise("TypeError", "bad argument #2 to 'settimeout' (number expected, got " .. core._typename(t) .. ")")
  end
  t = tonumber(t) or -1
  mode = mode == nil and "b" or tostring(mode)
  local m = mode:sub(1, 1)
  if m == "b" then self.block = t
  elseif m == "t" or m == "r" then self.total = t
  else raise("ValueError", "bad argument #3 to 'settimeout' (invalid timeout mode)") end
  return 1.0
end

function Conn:gettimeout()
  return self.block + 0.0, self.total + 0.0
end

-- getfd(): the descriptor as LuaSocket gives it (a float on 5.3+, -1
-- once closed); fileno(): Python's, an integer.
function Conn:getfd()
  return self:fileno() + 0.0
end

function Conn:fileno()
  if self.closed then return -1 end
  return self.sslsocket:fileno()
end

-- cqueues' protocol, so that cqueues.poll(conn) waits on it: the
-- descriptor and what the connection last waited for ("r" at first).
function Conn:pollfd() return self:fileno() end
function Conn:events() return self.want or "r" end
function Conn:timeout() return nil end

-- Bytes a receive returns without waiting (buffered here or inside TLS).
function Conn:dirty()
  if self.closed then return false end
  return self.buf ~= "" or self.sslsocket:dirty()
end

-- close(): close_notify (not waited for), then the descriptor
function Conn:close()
  if self.closed then return 1.0 end
  self.closed = true
  local sock = self.sslsocket
  local fd = sock:fileno()
  if self.loop.before_close then self.loop.before_close(self, fd) end
  if self.tls and fd >= 0 then pcall(sock.unwrap, sock) end
  pcall(sock.close, sock)
  return 1.0
end

local function address(self, method)
  if self.closed then return nil, "closed" end
  local ok, addr = pcall(method, self.sslsocket)
  if not ok then return nil, message(addr) end
  return addr[1], addr[2], self.sslsocket.family == psocket.AF_INET6 and "inet6" or "inet"
end

-- getpeername() / getsockname() -> address, port, "inet"|"inet6"
function Conn:getpeername() return address(self, psocket.socket.getpeername) end
function Conn:getsockname() return address(self, psocket.socket.getsockname) end

-- LuaSocket's option names that are a flag of the socket
local OPTIONS = {
  keepalive = {psocket.SOL_SOCKET, psocket.SO_KEEPALIVE},
  reuseaddr = {psocket.SOL_SOCKET, psocket.SO_REUSEADDR},
  ["tcp-nodelay"] = {psocket.IPPROTO_TCP, psocket.TCP_NODELAY},
}

-- setoption(name, value): "keepalive", "reuseaddr", "tcp-nodelay"
function Conn:setoption(name, value)
  local opt = OPTIONS[name]
  if not opt then raise("ValueError", "unsupported option '" .. tostring(name) .. "'") end
  if self.closed then return nil, "closed" end
  local ok, err = pcall(self.sslsocket.setsockopt, self.sslsocket, opt[1], opt[2], value and 1 or 0)
  if not ok then return nil, message(err) end
  return 1.0
end

-- getstats() -> bytes received, bytes sent, age in seconds
function Conn:getstats()
  return self.received + 0.0, self.sent + 0.0, monotonic() - self.created
end

-- shutdown(["both"|"send"|"receive"])
function Conn:shutdown(how)
  local hows = {both = psocket.SHUT_RDWR, send = psocket.SHUT_WR, receive = psocket.SHUT_RD}
  local h = hows[how or "both"]
  if not h then raise("ValueError", "bad argument #2 to 'shutdown' (invalid option '" .. tostring(how) .. "')") end
  if self.closed then return nil, "closed" end
  local ok, err = pcall(psocket.socket.shutdown, self.sslsocket, h)
  if not ok then return nil, message(err) end
  return 1.0
end

-- A new object over a pyssl socket (an SSLSocket, or a plain one for
-- plain TCP); the socket becomes non-blocking, its timeout the block one.
local function new(sock, loop)
  local t = sock:gettimeout()
  sock:settimeout(0.0)
  local now = monotonic()
  return setmetatable({
    sslsocket = sock, tls = isinstance(sock, SSLSocket), loop = loop, buf = "",
    block = t or -1, total = -1, start = now, created = now, received = 0, sent = 0,
  }, Conn)
end

local function is_keywords(t)
  return type(t) == "table" and getmetatable(t) == nil
end

-- The keywords of wrap_socket an options table carries.
local function wrap_keywords(options, server_side, hostname)
  return {
    server_side = server_side,
    server_hostname = hostname,
    do_handshake_on_connect = false,
    suppress_ragged_eofs = false,   -- a truncated stream is an error, as LuaSec says
    session = options.session,
  }
end

-- wrap(sock [, options]) -> object | nil, message, error object
--   sock: an SSLSocket (used as it is), or a connected socket to put TLS
--   on: a LuaSocket TCP object, a pyssl socket or a descriptor (needs
--   options.context). options: context, server_side, server_hostname,
--   session, loop ("select", "copas", "cqueues"), timeout (LuaSocket's
--   block timeout). With a context, the handshake runs here.
function M.wrap(sock, options)
  if options ~= nil and not is_keywords(options) then
    raise("TypeError", "wrap() options must be a table, not " .. core._typename(options))
  end
  options = options or {}
  local loop = loop_of(options.loop)
  if isinstance(sock, SSLSocket) or (options.context == nil and isinstance(sock, psocket.socket)) then
    local conn = new(sock, loop)
    if options.timeout ~= nil then conn:settimeout(options.timeout) end
    return conn
  end
  local ctx = options.context
  if not isinstance(ctx, ssl.SSLContext) then
    raise("TypeError", "wrap() needs options.context (an SSLContext) to put TLS on " .. core._typename(sock))
  end
  local server_side = options.server_side and true or false
  local ok, tls = pcall(ctx.wrap_socket, ctx, sock, wrap_keywords(options, server_side,
                                                                  options.server_hostname))
  if not ok then return nil, message(tls), tls end
  local conn = new(tls, loop)
  conn:settimeout(options.timeout)
  local done, err, obj = conn:dohandshake()
  if not done then
    conn:close()
    return nil, err, obj
  end
  return conn
end

-- A TCP connection to host:port through the loop: a pyssl socket, or nil
-- and the message.
local function tcp_connect(host, port, loop, timeout)
  local ok, infos = pcall(psocket.getaddrinfo, host, port, 0, psocket.SOCK_STREAM)
  if not ok then return nil, message(infos), infos end
  local last, last_obj = "host not found", nil
  for _, ai in ipairs(infos) do
    local family, socktype, proto, sa = ai[1], ai[2], ai[3], ai[5]
    local s = psocket.socket(family, socktype, proto)
    s:settimeout(0.0)
    local conn = setmetatable({sslsocket = s, loop = loop, block = timeout or -1, total = -1,
                               start = monotonic()}, Conn)
    local done, err = pcall(s.connect, s, sa)
    if not done and isinstance(err, BLOCKING) then
      if loop.wait(conn, "w", retry(conn)) then
        local code = s:getsockopt(psocket.SOL_SOCKET, psocket.SO_ERROR)
        if code == 0 then done = true else err = OSError(code, "connect") end
      else
        err = TimeoutError("timed out")
      end
    end
    if done then
      s:settimeout(timeout)
      return s
    end
    if loop.before_close then loop.before_close(conn, s:fileno()) end
    s:close()
    last, last_obj = message(err), err
  end
  return nil, last, last_obj
end

-- The client context of options: options.context, or Python's default
-- one (certificates and host name checked) with cafile/capath/cadata.
local function client_context(options)
  if options.context ~= nil then return options.context end
  local ctx = ssl.create_default_context({cafile = options.cafile, capath = options.capath,
                                          cadata = options.cadata})
  if options.alpn then ctx:set_alpn_protocols(options.alpn) end
  return ctx
end
M._client_context = client_context   -- pyssl.luv's too

-- connect(host, port [, options]) -> object | nil, message, error object
--   A verified TLS client: options context (or cafile, capath, cadata,
--   alpn for a default context), server_hostname (default: host), session,
--   loop, timeout (seconds, LuaSocket's block timeout; default none).
function M.connect(host, port, options)
  if options ~= nil and not is_keywords(options) then
    raise("TypeError", "connect() options must be a table, not " .. core._typename(options))
  end
  options = options or {}
  local loop = loop_of(options.loop)
  local ctx = client_context(options)
  local sock, err, obj = tcp_connect(host, port, loop, options.timeout)
  if not sock then return nil, err, obj end
  local hostname = options.server_hostname
  if hostname == nil then hostname = host end
  local opts = {}
  for k, v in pairs(options) do opts[k] = v end
  opts.context, opts.server_side, opts.server_hostname = ctx, false, hostname
  local conn
  conn, err, obj = M.wrap(sock, opts)
  if not conn then
    if loop.before_close then loop.before_close({}, sock:fileno()) end
    sock:close()
  end
  return conn, err, obj
end

-- An object not connected yet, as socket.tcp() returns, for socket.http:
-- settimeout, then connect(host, port) makes the TLS connection.
local Pending = {}
Pending.__index = Pending
function Pending:settimeout(t, mode)
  if mode == nil or tostring(mode):sub(1, 1) == "b" then self.timeout = tonumber(t) end
  return 1.0
end
function Pending:connect(host, port)
  local conn, err = M.connect(host, port, self.options_for(self.timeout))
  if not conn then return nil, err end
  setmetatable(self, nil)
  for k in pairs(self) do self[k] = nil end
  -- from now on self is the connection
  for k, v in pairs(conn) do self[k] = v end
  setmetatable(self, Conn)
  return 1.0
end
function Pending:close() return 1.0 end

-- create([options]) -> a function for socket.http's `create` field (as
-- LuaSec's https.tcp): each call gives an object whose connect(host, port)
-- makes a verified TLS connection (connect's options; host name checked).
function M.create(options)
  options = options or {}
  return function()
    return setmetatable({options_for = function(timeout)
      local o = {}
      for k, v in pairs(options) do o[k] = v end
      if o.timeout == nil then o.timeout = timeout end
      return o
    end}, Pending)
  end
end

-- request(url [, body]) / request(request_table [, options]): LuaSocket's
-- socket.http.request over verified TLS (LuaSec's https.request). The
-- string form returns body, code, headers, status line.
function M.request(reqt, body, options)
  local http = need("socket.http", "pyssl.luasocket.request")
  local ltn12 = require "ltn12"
  if type(reqt) == "string" then
    local chunks = {}
    local t = {url = reqt, sink = ltn12.sink.table(chunks), method = body and "POST" or "GET",
               create = M.create(options)}
    if body then
      t.source = ltn12.source.string(body)
      t.headers = {["content-length"] = #body, ["content-type"] = "application/x-www-form-urlencoded"}
    end
    local ok, code, headers, status = http.request(t)
    if not ok then return nil, code end
    return concat(chunks), code, headers, status
  end
  if reqt.create == nil then reqt.create = M.create(body) end
  return http.request(reqt)
end

M.Conn = Conn
return M
