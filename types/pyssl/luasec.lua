---@meta pyssl.luasec
-- LuaLS declarations of `require "pyssl.luasec"`: LuaSec 1.2's API on
-- pyssl (docs/porting.md). Failures return nil (false for dohandshake)
-- and LuaSec's message, as LuaSec does.

---LuaSec's params table (newcontext/wrap).
---@class pyssl.luasec.Params
---@field mode "client"|"server"
---@field protocol? "any"|"tlsv1"|"tlsv1_1"|"tlsv1_2"|"tlsv1_3"
---@field key? string private key file (PEM)
---@field certificate? string certificate (chain) file (PEM)
---@field password? string|fun(): string
---@field certificates? {certificate: string, key: string, password?: string|fun(): string}[]
---@field cafile? string
---@field capath? string
---@field verify? string|string[] "none", "peer", "fail_if_no_peer_cert", "client_once"
---@field verifyext? string|string[] "lsec_continue", "crl_check", "crl_check_chain"
---@field options? string|string[] Python's Options names, lower case ("all", "no_tlsv1", ...)
---@field ciphers? string
---@field curve? string
---@field depth? integer
---@field dhparam? fun(export: boolean, keylength: integer): string
---@field alpn? string|string[]
---@field servername? string pyssl: the default SNI name of client connections

---@class pyssl.luasec
---@field _VERSION string
---@field Context pyssl.luasec.Context
---@field Connection pyssl.luasec.Connection
---@field x509 pyssl.luasec.x509
local M = {}

---A LuaSec context (newcontext): the pyssl SSLContext is ctx._ctx.
---@class pyssl.luasec.Context
---@field mode "client"|"server"
---@field params pyssl.luasec.Params
local Context = {}

---A LuaSec connection (wrap): LuaSec's methods, LuaSocket's receive/send.
---@class pyssl.luasec.Connection
local Connection = {}

---LuaSec's ssl.newcontext(params).
---@param params pyssl.luasec.Params
---@return pyssl.luasec.Context|nil ctx, string? err
function M.newcontext(params) end

---LuaSec's ssl.wrap(sock, params_or_context): takes the descriptor of a LuaSocket TCP object (or a pyssl.socket).
---@param sock table
---@param cfg pyssl.luasec.Params|pyssl.luasec.Context
---@return pyssl.luasec.Connection|nil conn, string? err
function M.wrap(sock, cfg) end

---LuaSec's ssl.loadcertificate(pem).
---@param pem string
---@return pyssl.luasec.Certificate|nil cert, string? err
function M.loadcertificate(pem) end

---The TLS handshake; with a timeout, false and "wantread"/"wantwrite" when it runs out.
---@return boolean ok, string? err "wantread", "wantwrite", "closed", OpenSSL's reason ("certificate verify failed")
function Connection:dohandshake() end
---LuaSocket's receive: "*l", "*a", a count (the prefix counted in), "l"/"a".
---@param pattern? string|integer
---@param prefix? string
---@return string|nil data, string? err, string? partial
function Connection:receive(pattern, prefix) end
---LuaSocket's send(data, i, j): the index of the last byte sent.
---@param data string
---@param i? integer
---@param j? integer
---@return number|nil last, string? err, number? last_on_error
function Connection:send(data, i, j) end
---LuaSocket's settimeout(t, mode): "b" each wait, "t" the whole call; nil or negative: no limit.
---@param t number?
---@param mode? "b"|"t"
---@return integer
function Connection:settimeout(t, mode) end
---Sends close_notify (without waiting for the peer's) and closes the socket.
function Connection:close() end
---@return integer fd -1 once closed
function Connection:getfd() end
---@return boolean
function Connection:dirty() end
---Client: the name to send (and check, with verify "peer"). Server: a context per name.
---@param name string|table<string, pyssl.luasec.Context>
---@param strict? boolean
function Connection:sni(name, strict) end
---@return string?
function Connection:getsniname() end
---LuaSec's info([field]): cipher, protocol, key, authentication, encryption, mac, bits, algbits, export, compression.
---@param field? string
---@return any
function Connection:info(field) end
---@return string?
function Connection:getalpn() end
---@return boolean ok, string? err the verification's error text
function Connection:getpeerverification() end
---@param n? integer 1: the peer's own certificate
---@return pyssl.luasec.Certificate?
function Connection:getpeercertificate(n) end
---@return pyssl.luasec.Certificate[]
function Connection:getpeerchain() end
---@return string?
function Connection:getfinished() end
---@return string?
function Connection:getpeerfinished() end
---The pyssl SSLSocket under the connection (after the first handshake step).
---@return pyssl.SSLSocket?
function Connection:sslsocket() end

return M
