-- https_get: a verified HTTPS GET, the way a Python script would write it
-- with ssl.create_default_context() and socket.create_connection().
-- Prints the status line and headers, then what TLS negotiated and who the
-- server is. Errors are shown as Python shows an uncaught exception's last
-- line (`ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] ...`)
-- and the exit status is 1.
--
--   lua5.4 examples/https_get.lua [--cafile FILE] [--timeout SECONDS] [--body] URL
--
--   --cafile FILE      trust only the CA certificates in FILE (default: the system's)
--   --timeout SECONDS  limit for the connection, the handshake and each read (default 10)
--   --body             also print the body (after the TLS details)
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local USAGE = "usage: https_get.lua [--cafile FILE] [--timeout SECONDS] [--body] URL"

-- Prints a message for a wrong command line and exits as argparse does.
local function usage_error(msg)
  io.stderr:write(USAGE, "\n", "https_get.lua: error: ", msg, "\n")
  os.exit(2)
end

local function parse_command_line(argv)
  local opts = { timeout = 10 }
  local i = 1
  while i <= #argv do
    local a = argv[i]
    if a == "--cafile" or a == "--timeout" then
      i = i + 1
      if argv[i] == nil then usage_error(a .. " needs a value") end
      opts[a:sub(3)] = argv[i]
    elseif a == "--body" then
      opts.body = true
    elseif a:sub(1, 2) == "--" then
      usage_error("unknown option " .. a)
    elseif opts.url then
      usage_error("more than one URL")
    else
      opts.url = a
    end
    i = i + 1
  end
  if not opts.url then usage_error("the URL is missing") end
  opts.timeout = tonumber(opts.timeout)
  if not opts.timeout or opts.timeout <= 0 then usage_error("--timeout needs a positive number") end
  return opts
end

-- https://host[:port][/path] -> host, port, path ("[::1]" for IPv6 literals).
local function parse_url(url)
  local rest = url:match("^[Hh][Tt][Tt][Pp][Ss]://(.+)$")
  if not rest then usage_error("only https:// URLs are supported: " .. url) end
  local authority, path = rest:match("^([^/?#]*)(.*)$")
  path = path:gsub("#.*$", "")
  if path == "" or path:sub(1, 1) == "?" then path = "/" .. path end
  local host, port = authority:match("^%[([^%]]+)%]:?(%d*)$")   -- [IPv6]:port
  if not host then host, port = authority:match("^([^:]+):?(%d*)$") end
  if not host then usage_error("no host in " .. url) end
  port = tonumber(port) or 443
  return host, port, path
end

-- The Host header: the port only when it is not the default one.
local function host_header(host, port)
  if host:find(":", 1, true) then host = "[" .. host .. "]" end
  if port ~= 443 then host = host .. ":" .. port end
  return host
end

-- "C=XY, O=pyssl tests, CN=localhost" from getpeercert()'s subject/issuer.
local function name_text(name)
  local parts = {}
  for _, rdn in ipairs(name or {}) do
    for _, pair in ipairs(rdn) do parts[#parts + 1] = pair[1] .. "=" .. pair[2] end
  end
  return table.concat(parts, ", ")
end

-- Everything the server sends until it closes (Connection: close).
local function read_to_end(tls)
  local chunks = {}
  while true do
    local data = tls:recv(65536)
    if data == "" then break end
    chunks[#chunks + 1] = data
  end
  return table.concat(chunks)
end

-- What TLS negotiated, taken right after the handshake: once the server
-- has closed the connection (close_notify), version() is nil and
-- getpeercert() raises, as in Python.
local function tls_details(tls)
  local cipher = tls:cipher()
  local cert = tls:getpeercert()
  return {
    { "version", tls:version() },
    { "cipher", ("%s (%d bits)"):format(cipher[1], cipher[3]) },
    { "ALPN", tls:selected_alpn_protocol() or "(none)" },
    { "subject", name_text(cert.subject) },
    { "issuer", name_text(cert.issuer) },
    { "notAfter", cert.notAfter },
  }
end

local function print_rows(title, rows)
  print()
  print(title)
  for _, row in ipairs(rows) do print(("  %-9s %s"):format(row[1], row[2])) end
end

local function https_get(opts)
  local host, port, path = parse_url(opts.url)
  -- (not `{cafile = opts.cafile}`: without --cafile that is an empty
  -- table, which pyssl cannot tell from a positional argument)
  local ctx = ssl.create_default_context(opts.cafile and { cafile = opts.cafile } or nil)
  ctx:set_alpn_protocols({ "http/1.1" })

  -- The timeout given to create_connection stays on the socket: it bounds
  -- the handshake and every read as well.
  local sock = socket.create_connection({ host, port }, opts.timeout)
  local tls = ctx:wrap_socket(sock, { server_hostname = host })
  -- closed on every way out (as `local tls <close>` would on Lua 5.4)
  local ok, details, response = pcall(function()
    local details = tls_details(tls)
    tls:sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pyssl-https_get\r\n" ..
                 "Accept: */*\r\nConnection: close\r\n\r\n"):format(path, host_header(host, port)))
    return details, read_to_end(tls)
  end)
  tls:close()
  if not ok then error(details, 0) end
  local head, body = response:match("^(.-)\r\n\r\n(.*)$")
  if not head then head, body = response, "" end

  io.write(head:gsub("\r\n", "\n"), "\n")
  details[#details + 1] = { "body", #body .. " bytes" }
  print_rows("TLS", details)
  if opts.body then
    print()
    io.write(body)
  end
end

-- Python's last traceback line for an uncaught exception: the class
-- qualified by its module (ssl.*, socket.gaierror; builtins are bare),
-- then str(e).
local SOCKET_MODULE_CLASSES = { gaierror = "socket", herror = "socket" }

local function python_error_line(err)
  local mt = getmetatable(err)
  local name = type(mt) == "table" and mt.__name
  if type(name) ~= "string" then
    return "error: " .. tostring(err)   -- a Lua error, not a Python exception
  end
  local module = SOCKET_MODULE_CLASSES[name]
  if name:match("^SSL") or name == "CertificateError" then module = "ssl" end
  local text = ssl.str(err)   -- Python's str(e); tostring(e) adds the place and class
  if module then name = module .. "." .. name end
  return text == "" and name or (name .. ": " .. text)
end

local opts = parse_command_line(arg)
local ok, err = pcall(https_get, opts)
if not ok then
  io.stdout:flush()
  io.stderr:write(python_error_line(err), "\n")
  os.exit(1)
end
