-- An nginx content handler that fetches a page from a TLS upstream with
-- pyssl over a cosocket: verified TLS 1.3 (the CA file given, the host
-- name checked), ALPN "http/1.1". The worker keeps serving other requests
-- while this one waits. Used by examples/nginx/nginx.conf:
--
--   location /fetch {
--     set $tls_host 127.0.0.1;  set $tls_port 8443;  set $tls_name localhost;
--     set $tls_path /hello;     set $tls_cafile /etc/ssl/my-ca.pem;
--     content_by_lua_block { require("tls_fetch").handler() }
--   }
local ssl = require "pyssl"
local cosocket = require "pyssl.cosocket"

local M = {}

-- One SSLContext per CA file, made once per worker and shared by requests.
local contexts = {}

local function context_for(cafile)
  local ctx = contexts[cafile]
  if ctx == nil then
    ctx = ssl.create_default_context({cafile = cafile})
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx:set_alpn_protocols({"http/1.1"})
    contexts[cafile] = ctx
  end
  return ctx
end

-- The class Python names for a pyssl error, for the 502 page.
local function class_of(err)
  local cls = type(err) == "table" and getmetatable(err)
  if cls and cls.__qualname then
    if cls.__module and cls.__module ~= "builtins" then return cls.__module .. "." .. cls.__qualname end
    return cls.__qualname
  end
  return "error"
end

-- GET path from host:port over TLS; returns the TLS facts and the response.
local function fetch(host, port, name, path, cafile)
  local sock = ngx.socket.tcp()
  sock:settimeouts(2000, 5000, 5000)      -- connect, send, read (ms)
  local ok, err = sock:connect(host, port)
  if not ok then
    error("connect to " .. host .. ":" .. port .. " failed: " .. err)
  end
  local tls = cosocket.wrap_socket(context_for(cafile), sock, {server_hostname = name})
  local facts = {
    version = tls:version(),
    cipher = tls:cipher()[1],
    alpn = tls:selected_alpn_protocol(),
    peer = tls:getpeercert().subject,
  }
  tls:sendall("GET " .. path .. " HTTP/1.1\r\nHost: " .. name .. "\r\nConnection: close\r\n\r\n")
  local chunks = {}
  while true do
    local data = tls:recv(16384)
    if data == "" then break end          -- the upstream's close_notify
    chunks[#chunks + 1] = data
  end
  tls:close()
  return facts, table.concat(chunks)
end

local function common_name(subject)
  for _, rdn in ipairs(subject or {}) do
    for _, pair in ipairs(rdn) do
      if pair[1] == "commonName" then return pair[2] end
    end
  end
end

function M.handler()
  local v = ngx.var
  local ok, facts, response = pcall(fetch, v.tls_host, tonumber(v.tls_port), v.tls_name,
                                    v.tls_path, v.tls_cafile)
  if not ok then
    local class = class_of(facts)
    -- tostring: the place in this file, the Python class, the message.
    ngx.log(ngx.ERR, "pyssl: TLS to upstream failed: ", tostring(facts))
    ngx.status = 502
    ngx.header["Content-Type"] = "text/plain"
    ngx.say("502 Bad Gateway: TLS to upstream failed (", class, ")")
    return ngx.exit(502)
  end
  local status, body = response:match("^HTTP/1%.1 (%d+) .-\r\n\r\n(.*)$")
  ngx.header["X-TLS-Version"] = facts.version
  ngx.header["X-TLS-Cipher"] = facts.cipher
  ngx.header["X-TLS-ALPN"] = facts.alpn
  ngx.header["X-TLS-Peer"] = common_name(facts.peer)
  ngx.status = tonumber(status) or 502
  ngx.print(body or response)
end

-- The same fetch with no pcall of its own, run through cosocket.run: an
-- uncaught pyssl error reaches nginx's error log as its text (place, class,
-- message, traceback) and the request ends with 500.
function M.unguarded()
  local v = ngx.var
  local _, response = fetch(v.tls_host, tonumber(v.tls_port), v.tls_name, v.tls_path, v.tls_cafile)
  ngx.print(response)
end

return M
