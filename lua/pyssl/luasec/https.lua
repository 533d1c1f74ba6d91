-- pyssl.luasec.https: LuaSec's ssl.https on pyssl (LuaSocket's
-- socket.http over TLS), with LuaSocket's signatures:
--
--   local https = require "pyssl.luasec.https"
--   local body, code, headers, status = https.request("https://host/path" [, body])
--   local ok, code, headers, status = https.request{url = ..., sink = ..., cafile = ...}
--
-- TLS params ride in the request table as in LuaSec (protocol, options,
-- verify, cafile, capath, certificate, key, password, ciphers, alpn...).
-- Deliberately stricter than LuaSec, whose default is verify = "none":
-- the default here is verify = "peer" with the system's trusted CAs
-- (Python's create_default_context), and the certificate must match the
-- URL's host name. `verify = "none"` in the request restores LuaSec's.
--
-- Needs LuaSocket (socket, socket.http, socket.url, ltn12).
local socket = require "socket"
local http = require "socket.http"
local url = require "socket.url"
local ltn12 = require "ltn12"
local luasec = require "pyssl.luasec"

local type, pairs, getmetatable, concat = type, pairs, getmetatable, table.concat
local try = socket.try

local M = {
  _VERSION = "1.2.0",
  PORT = 443,
  TIMEOUT = 60,
}

-- The TLS params a request gets unless it sets them.
local DEFAULTS = {
  protocol = "any",
  options = {"all", "no_sslv2", "no_sslv3", "no_tlsv1"},
  verify = "peer",
}

local function with_port(u)
  return url.build(url.parse(u, {port = M.PORT}))
end

-- The TLS params of a request table: its own, then the defaults; the
-- system's CAs when it verifies and names none.
local function tls_params(reqt)
  local params = {}
  for k, v in pairs(reqt) do params[k] = v end
  for k, v in pairs(DEFAULTS) do
    if params[k] == nil then params[k] = v end
  end
  params.mode = "client"
  return params
end

-- A context for params: newcontext, plus the default CAs when verifying
-- without cafile/capath.
local function context_for(params)
  local ctx, err = luasec.newcontext(params)
  if not ctx then return nil, err end
  local verify = params.verify
  local peer = verify == "peer" or (type(verify) == "table" and verify[1] == "peer")
  if peer and not params.cafile and not params.capath then
    ctx._ctx:load_default_certs()
  end
  return ctx
end

-- tcp(params): LuaSocket's `create` function for socket.http: a TCP
-- object whose connect() also does the TLS handshake (SNI and name check
-- on the host it connects to).
function M.tcp(params)
  params = tls_params(params or {})
  return function()
    local conn = {sock = try(socket.tcp())}
    local raw_settimeout = getmetatable(conn.sock).__index.settimeout
    function conn:settimeout()
      return raw_settimeout(self.sock, M.TIMEOUT)
    end
    function conn:connect(host, port)
      try(self.sock:connect(host, port))
      local ctx = try(context_for(params))
      local tls = try(luasec.wrap(self.sock, ctx))
      tls:sni(host)
      tls:settimeout(M.TIMEOUT)
      try(tls:dohandshake())
      self.sock = tls
      -- From now on every call goes to the TLS connection.
      for _, name in ipairs({"receive", "send", "close", "dirty", "getfd", "info",
                              "getpeercertificate", "getpeerverification", "getalpn"}) do
        self[name] = function(c, ...) return c.sock[name](c.sock, ...) end
      end
      function self:settimeout(t, mode) return self.sock:settimeout(t, mode) end
      return 1
    end
    return conn
  end
end

-- request(url [, body]) or request{...}: LuaSocket's http.request.
function M.request(reqt, body)
  local chunks = {}
  local simple = type(reqt) == "string"
  if simple then
    local u = with_port(reqt)
    reqt = {url = u, method = body and "POST" or "GET", sink = ltn12.sink.table(chunks)}
    if body then
      reqt.source = ltn12.source.string(body)
      reqt.headers = {["content-length"] = #body,
                      ["content-type"] = "application/x-www-form-urlencoded"}
    end
  else
    reqt.url = with_port(reqt.url)
  end
  if http.PROXY or reqt.proxy then return nil, "proxy not supported" end
  if reqt.redirect then return nil, "redirect not supported" end
  if reqt.create then return nil, "create function not permitted" end
  reqt.create = M.tcp(reqt)
  local res, code, headers, status = http.request(reqt)
  if res and simple then return concat(chunks), code, headers, status end
  return res, code, headers, status
end

return M
