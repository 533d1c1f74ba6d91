-- tls_inspect: what a person wants to know about a TLS endpoint: the
-- protocol, the cipher, ALPN, whether the certificate verifies (and the
-- exact reason when it does not) and the certificate chain.
--
-- It connects with Python's secure defaults (create_default_context). When
-- verification fails it connects a second time without verification
-- (CERT_NONE), so that the chain the server sends is still shown.
--
--   lua5.4 examples/tls_inspect.lua [--cafile FILE] [--servername NAME]
--                                   [--alpn P1,P2] [--timeout SECONDS] host[:port]
--
--   --cafile FILE      trust only the CA certificates in FILE (default: the system's)
--   --servername NAME  the name to ask for (SNI) and to check (default: host)
--   --alpn P1,P2       protocols to offer with ALPN, e.g. h2,http/1.1
--   --timeout SECONDS  limit for connecting and for the handshake (default 10)
--
-- Exit status: 0 verified, 1 not verified or no connection, 2 wrong usage.
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local USAGE = "usage: tls_inspect.lua [--cafile FILE] [--servername NAME] [--alpn P1,P2] " ..
              "[--timeout SECONDS] host[:port]"

---------------------------------------------------------------- command line

local function usage_error(msg)
  io.stderr:write(USAGE, "\n", "tls_inspect.lua: error: ", msg, "\n")
  os.exit(2)
end

local VALUE_OPTIONS = { cafile = true, servername = true, alpn = true, timeout = true }

-- "host", "host:port", "[v6]:port" or a bare IPv6 address -> host, port.
local function parse_endpoint(text)
  local host, port = text:match("^%[([^%]]+)%]:?(%d*)$")
  if not host then
    local colons = select(2, text:gsub(":", ""))
    if colons > 1 then host, port = text, "" else host, port = text:match("^([^:]+):?(%d*)$") end
  end
  if not host then usage_error("cannot read host[:port] from " .. text) end
  return host, tonumber(port) or 443
end

local function parse_command_line(argv)
  local opts = { timeout = "10" }
  local i = 1
  while i <= #argv do
    local name = argv[i]:match("^%-%-(.+)$")
    if VALUE_OPTIONS[name] then
      i = i + 1
      if argv[i] == nil then usage_error("--" .. name .. " needs a value") end
      opts[name] = argv[i]
    elseif name or opts.host then
      usage_error("unexpected argument " .. argv[i])
    else
      opts.host, opts.port = parse_endpoint(argv[i])
    end
    i = i + 1
  end
  if not opts.host then usage_error("host[:port] is missing") end
  opts.timeout = tonumber(opts.timeout)
  if not opts.timeout or opts.timeout <= 0 then usage_error("--timeout needs a positive number") end
  if opts.alpn then
    local protocols = {}
    for p in opts.alpn:gmatch("[^,]+") do protocols[#protocols + 1] = p end
    opts.alpn = protocols
  end
  opts.servername = opts.servername or opts.host
  return opts
end

------------------------------------------------------------------- output

local function row(label, value)
  print(("%-13s %s"):format(label, value))
end

-- An exception as Python's last traceback line shows it.
local function python_error_line(err)
  local mt = getmetatable(err)
  local name = type(mt) == "table" and mt.__name
  if type(name) ~= "string" then return "error: " .. tostring(err) end
  if name == "gaierror" or name == "herror" then name = "socket." .. name end
  if name:match("^SSL") then name = "ssl." .. name end
  return name .. ": " .. ssl.str(err)   -- Python's str(e); tostring(e) adds the place
end

-- The reason of a verification error: str(e) without "[SSL: CODE] " and
-- the source location, e.g. "certificate verify failed: self-signed
-- certificate in certificate chain".
local function verify_reason(err)
  return (ssl.str(err):gsub("^%[[%w_]+: [%w_]+%] ", ""):gsub(" %([%w_.]+:%d+%)$", ""))
end

-- "countryName=XY, commonName=localhost" from a certificate dictionary's name.
local function name_text(name)
  local parts = {}
  for _, rdn in ipairs(name or {}) do
    for _, pair in ipairs(rdn) do parts[#parts + 1] = pair[1] .. "=" .. pair[2] end
  end
  return table.concat(parts, ", ")
end

local function san_text(sans)
  local parts = {}
  for _, san in ipairs(sans or {}) do
    local value = san[2]
    if type(value) == "table" then value = name_text(value) end   -- DirName
    parts[#parts + 1] = san[1] .. ":" .. tostring(value)
  end
  return #parts > 0 and table.concat(parts, ", ") or "(none)"
end

-- The dictionary getpeercert() would give for a DER certificate. Python has
-- no public call for this either: like Python tools, use the private
-- _ssl._test_decode_cert, which reads a PEM file.
local function decode_certificate(der)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(ssl.DER_cert_to_PEM_cert(der))
  f:close()
  local ok, info = pcall(ssl._ssl._test_decode_cert, path)
  os.remove(path)
  if not ok then error(info, 0) end
  return info
end

local function print_chain(chain, how)
  row("chain", ("%d certificate%s, %s"):format(#chain, #chain == 1 and "" or "s", how))
  for i, der in ipairs(chain) do
    local cert = decode_certificate(der)
    print(("  [%d] subject   %s"):format(i - 1, name_text(cert.subject)))
    print("      issuer    " .. name_text(cert.issuer))
    print(("      valid     %s .. %s"):format(cert.notBefore, cert.notAfter))
    print("      SAN       " .. san_text(cert.subjectAltName))
    print("      serial    " .. cert.serialNumber)
  end
end

local function print_connection(opts, tls)
  local cipher = tls:cipher()
  row("endpoint", ("%s port %d, server name %s"):format(opts.host, opts.port, opts.servername))
  row("protocol", tls:version())
  row("cipher", ("%s (%d bits)"):format(cipher[1], cipher[3]))
  row("ALPN", tls:selected_alpn_protocol() or "(none)")
end

---------------------------------------------------------------- connecting

local function connect(opts, ctx)
  if opts.alpn then ctx:set_alpn_protocols(opts.alpn) end
  local sock = socket.create_connection({ opts.host, opts.port }, opts.timeout)
  return ctx:wrap_socket(sock, { server_hostname = opts.servername })
end

-- A context that checks nothing: only to see what the server sends.
local function unverified_context()
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  ctx.check_hostname = false
  ctx.verify_mode = ssl.CERT_NONE
  return ctx
end

-- Returns the exit status.
local function inspect(opts)
  local ctx = ssl.create_default_context(opts.cafile and { cafile = opts.cafile } or nil)
  local ok, tls = pcall(connect, opts, ctx)
  if ok then
    print_connection(opts, tls)
    row("verification", "OK")
    print_chain(tls:get_verified_chain(), "verified (get_verified_chain)")
    tls:close()
    return 0
  end

  local err = tls
  if not ssl.isinstance(err, ssl.SSLCertVerificationError) then error(err, 0) end
  local unverified = connect(opts, unverified_context())
  -- closed on every way out (as `local unverified <close>` would on Lua 5.4)
  local shown, failure = pcall(function()
    print_connection(opts, unverified)
    row("verification", ("FAILED (verify code %d): %s"):format(err.verify_code, verify_reason(err)))
    row("error", python_error_line(err))
    print_chain(unverified:get_unverified_chain(), "as sent by the server (get_unverified_chain)")
  end)
  unverified:close()
  if not shown then error(failure, 0) end
  return 1
end

local opts = parse_command_line(arg)
local ok, status = pcall(inspect, opts)
if not ok then
  io.stdout:flush()
  io.stderr:write(python_error_line(status), "\n")
  os.exit(1)
end
os.exit(status)
