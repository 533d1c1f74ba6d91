---@meta pyssl.luasocket
-- LuaLS declarations of `require "pyssl.luasocket"`: a pyssl TLS connection
-- shaped as a LuaSocket TCP object, answering as LuaSec 1.2's does (README
-- "LuaSocket, LuaSec's calls, copas, cqueues and luv"). Failures of a
-- connection are returned (nil, message [, partial]), never raised; bad
-- arguments raise Python's TypeError/ValueError.

---How a connection waits: a loop name or a table with wait (and before_close).
---@alias pyssl.luasocket.LoopName "select"|"copas"|"cqueues"

---Options of connect, wrap and create.
---@class pyssl.luasocket.Options
---@field context? pyssl.SSLContext the TLS context (connect: default `create_default_context()`)
---@field cafile? string connect without context: CA file of the default context
---@field capath? string connect without context: CA directory of the default context
---@field cadata? string connect without context: CA certificates (PEM or DER) of the default context
---@field alpn? string[] connect without context: ALPN protocols of the default context
---@field server_side? boolean wrap: a server connection
---@field server_hostname? string SNI and checked host name (connect: default the host)
---@field session? pyssl.SSLSession a session to resume
---@field loop? pyssl.luasocket.LoopName|pyssl.luasocket.Loop how the connection waits (default "select")
---@field timeout? number LuaSocket's block timeout in seconds (default none)

---A loop: how a connection waits for its descriptor.
---@class pyssl.luasocket.Loop
---@field wait fun(conn: pyssl.luasocket.Conn, what: "r"|"w", timeout: number|nil): boolean true when ready, false when the time ran out
---@field before_close? fun(conn: pyssl.luasocket.Conn, fd: integer) runs before the descriptor is closed

---@class pyssl.luasocket
---@field Conn pyssl.luasocket.Conn the connections' metatable (their methods)
local M = {}

---A connection: LuaSocket's TCP methods over a pyssl SSLSocket (or a plain
---pyssl socket for plain TCP).
---@class pyssl.luasocket.Conn
---@field sslsocket pyssl.SSLSocket|pyssl.socket.socket the pyssl socket underneath (non-blocking)
---@field tls boolean whether it is TLS (an SSLSocket)
---@field loop pyssl.luasocket.Loop how it waits
---@field closed? boolean true once closed
local Conn = {}
M.Conn = Conn

---A verified TLS client connection to host:port, handshake done.
---@param host string
---@param port integer|string
---@param options? pyssl.luasocket.Options
---@return pyssl.luasocket.Conn|nil conn, string? err LuaSocket's/LuaSec's message, pyssl.OSError? error the pyssl error object
function M.connect(host, port, options) end

---A connection over sock: an SSLSocket (or, without options.context, a plain
---pyssl socket) is used as it is; any other connected socket (LuaSocket's TCP
---object, a pyssl socket, a descriptor) gets TLS with options.context, and
---the handshake runs here.
---@param sock pyssl.SSLSocket|pyssl.socket.socket|table|integer
---@param options? pyssl.luasocket.Options
---@return pyssl.luasocket.Conn|nil conn, string? err, pyssl.OSError? error
function M.wrap(sock, options) end

---A function for socket.http's `create` field (LuaSec's https.tcp): each
---call gives an object whose connect(host, port) makes a verified TLS
---connection with these options.
---@param options? pyssl.luasocket.Options
---@return fun(): table
function M.create(options) end

---socket.http.request over verified TLS (LuaSec's https.request). The
---string form: body (POSTed when given) and options; returns the body,
---code, headers and status line, or nil and the message. The table form is
---socket.http's request table (its `create` made from options when
---absent) and returns what socket.http.request returns.
---@overload fun(reqt: table, options?: pyssl.luasocket.Options): any, integer|string, table?, string?
---@param url string
---@param body? string
---@param options? pyssl.luasocket.Options
---@return string|nil body, integer|string code_or_err, table? headers, string? status
function M.request(url, body, options) end

---The string LuaSocket or LuaSec gives for a pyssl error object: "closed",
---OpenSSL's reason in lower case ("certificate verify failed"), LuaSocket's
---texts ("connection refused", "timeout"), else Python's str(e). Raises
---again anything that is no OSError.
---@param e pyssl.OSError
---@return string
function M.message(e) end

---The loop a name (nil, "select", "copas", "cqueues") or table gives;
---raises ValueError for an unknown name, and an error naming the packages
---when copas or cqueues does not load.
---@param name? pyssl.luasocket.LoopName|pyssl.luasocket.Loop
---@return pyssl.luasocket.Loop
function M.loop(name) end

---LuaSocket's receive: "*l"/"l" (a line, "\r" dropped), "*a"/"a" (to the end
---of the stream), or a byte count (the prefix counted in).
---@param pattern? "*l"|"l"|"*a"|"a"|number|string default "*l"
---@param prefix? string|number
---@return string|nil data, string? err "closed", "timeout", "wantread", "wantwrite", OpenSSL's reason, string? partial
function Conn:receive(pattern, prefix) end

---LuaSocket's send(data, i, j): the index of the last byte sent (a float).
---@param data string|number
---@param i? number
---@param j? number
---@return number|nil last, string? err, number? last_sent
function Conn:send(data, i, j) end

---The TLS handshake (true at once for plain TCP).
---@return true|nil ok, string? err, pyssl.OSError? error
function Conn:dohandshake() end

---LuaSocket's settimeout: "b" bounds each wait, "t" the whole call; nil or
---a negative value: no bound.
---@param t? number
---@param mode? "b"|"t"|"r"
---@return number one 1.0
function Conn:settimeout(t, mode) end

---@return number block, number total LuaSocket's timeouts, -1 for none
function Conn:gettimeout() end

---The descriptor as LuaSocket gives it: a float, -1 once closed.
---@return number fd
function Conn:getfd() end

---Python's fileno(): the descriptor, an integer, -1 once closed.
---@return integer fd
function Conn:fileno() end

---cqueues' pollable protocol: the descriptor.
---@return integer fd
function Conn:pollfd() end

---cqueues' pollable protocol: what the connection last waited for.
---@return "r"|"w"
function Conn:events() end

---cqueues' pollable protocol: no time limit.
---@return nil
function Conn:timeout() end

---Whether a receive returns without waiting (bytes buffered here or inside TLS).
---@return boolean
function Conn:dirty() end

---Sends close_notify (not waited for), then closes the descriptor.
---@return number one 1.0
function Conn:close() end

---@return string|nil address, integer|string port_or_err, "inet"|"inet6"|nil family
function Conn:getpeername() end

---@return string|nil address, integer|string port_or_err, "inet"|"inet6"|nil family
function Conn:getsockname() end

---LuaSocket's setoption: "keepalive", "reuseaddr", "tcp-nodelay" (ValueError for others).
---@param name "keepalive"|"reuseaddr"|"tcp-nodelay"
---@param value boolean
---@return number|nil one, string? err
function Conn:setoption(name, value) end

---@return number received, number sent, number age bytes received, bytes sent, seconds since it was made
function Conn:getstats() end

---Shuts the TCP connection down (no close_notify).
---@param how? "both"|"send"|"receive"
---@return number|nil one, string? err
function Conn:shutdown(how) end

return M
