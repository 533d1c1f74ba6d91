-- pyssl._certutil: ssl's certificate helpers that CPython writes in
-- Python (cert_time_to_seconds, DER_cert_to_PEM_cert, PEM_cert_to_DER_cert,
-- get_server_certificate). pyssl (init.lua) loads this module on the first
-- call of one of them, so that a process that never calls them does not
-- hold their code; each is reached as ssl.NAME, never through this table.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local text = require "pyssl._text"
local ssl = require "pyssl"

local raise, repr, typename = core._raise, core._repr, core._typename
local type, ipairs, getmetatable, setmetatable = type, ipairs, getmetatable, setmetatable
local idiv, utf8, floor = compat.idiv, compat.utf8, math.floor
local bind = core._bind

local M = {}

local MONTHS = {jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6,
                jul = 7, aug = 8, sep = 9, oct = 10, nov = 11, dec = 12}
local TIME_FORMAT = " %d %H:%M:%S %Y GMT"
-- What Python's regular expressions call \s in the ASCII range.
local WS = "[ \t\n\r\v\f\28-\31]"

-- Days from 1970-01-01 to year-month-01 (proleptic Gregorian).
local function days_to_month(year, month)
  local y = month <= 2 and year - 1 or year
  local era = idiv(y, 400)
  local yoe = y - era * 400
  local mp = (month + 9) % 12
  local doy = idiv(153 * mp + 2, 5)
  local doe = yoe * 365 + idiv(yoe, 4) - idiv(yoe, 100) + doy
  return era * 146097 + doe - 719468
end

-- Matches `rest` (the text after the month) against " %d %H:%M:%S %Y GMT"
-- the way Python's strptime does: each blank of the format is one or more
-- whitespace characters, numbers take their longest valid form, GMT in
-- any case. Returns the fields and the end position, or nil.
local function match_time(rest)
  local p = 1
  local function spaces()
    local s, e = rest:find("^" .. WS .. "+", p)
    if not s then return false end
    p = e + 1
    return true
  end
  -- A number: the first of `two` (two-digit patterns) followed by `after`,
  -- else one digit (matching `one`) followed by `after`.
  local function number(two, one, after)
    local d = rest:sub(p, p + 1)
    for _, pat in ipairs(two) do
      if d:find("^" .. pat .. "$") and rest:find("^" .. after, p + 2) then
        p = p + 2
        return tonumber(d)
      end
    end
    d = rest:sub(p, p)
    if one and d:find("^" .. one .. "$") and rest:find("^" .. after, p + 1) then
      p = p + 1
      return tonumber(d)
    end
    return nil
  end
  if not spaces() then return nil end
  local day = number({"3[01]", "[12]%d", "0[1-9]"}, "[1-9]", WS)
  if not day or not spaces() then return nil end
  local hour = number({"2[0-3]", "[01]%d"}, "%d", ":")
  if not hour then return nil end
  p = p + 1
  local minute = number({"[0-5]%d"}, "%d", ":")
  if not minute then return nil end
  p = p + 1
  local second = number({"6[01]", "[0-5]%d"}, "%d", WS)
  if not second or not spaces() then return nil end
  local year = rest:match("^%d%d%d%d", p)
  if not year or not rest:find("^" .. WS, p + 4) then return nil end
  p = p + 4
  spaces()
  if rest:sub(p, p + 2):lower() ~= "gmt" then return nil end
  return tonumber(year), day, hour, minute, second, p + 3
end

local ctts_sig = core._signature{name = "cert_time_to_seconds", pos = {"cert_time"}, required = 1}

-- cert_time_to_seconds("Jan  5 09:34:43 2018 GMT") -> seconds since the
-- Epoch, read as UTC.
function M.cert_time_to_seconds(...)
  local cert_time = bind(ctts_sig, ...)
  if type(cert_time) ~= "string" then
    -- What Python's cert_time[:3].title() does with other types.
    local t = typename(cert_time)
    if t == "list" then raise("AttributeError", "'list' object has no attribute 'title'") end
    if t == "dict" then
      -- 3.12+: slices are hashable, so the lookup fails with KeyError(slice).
      raise("KeyError", setmetatable({stop = 3}, {__tostring = function() return "slice(None, 3, None)" end}))
    end
    raise("TypeError", "'" .. t .. "' object is not subscriptable")
  end
  local month = MONTHS[cert_time:sub(1, 3):lower()]
  if not month or not cert_time:sub(1, 3):find("^%a%a%a$") then
    raise("ValueError", "time data " .. repr(cert_time) ..
          " does not match format \"%b" .. TIME_FORMAT .. "\"")
  end
  local rest = cert_time:sub(4)
  local year, day, hour, minute, second, stop = match_time(rest)
  if not year then
    raise("ValueError", "time data " .. repr(rest) .. " does not match format " .. repr(TIME_FORMAT))
  end
  if stop <= #rest then
    raise("ValueError", "unconverted data remains: " .. rest:sub(stop))
  end
  if year == 0 then
    raise("ValueError", "year 0 is out of range")
  end
  local days = days_to_month(year, month) + day - 1
  return ((days * 24 + hour) * 60 + minute) * 60 + second
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local B64_VALUE = {}
for i = 1, 64 do B64_VALUE[B64:byte(i)] = i - 1 end

local function b64encode(data)
  local out, n = {}, #data
  for i = 1, n, 3 do
    local a, b, c = data:byte(i, i + 2)
    local v = a * 65536 + (b or 0) * 256 + (c or 0)
    local s1, s2 = floor(v / 262144), floor(v / 4096) % 64
    local s3, s4 = floor(v / 64) % 64, v % 64
    out[#out + 1] = B64:sub(s1 + 1, s1 + 1) .. B64:sub(s2 + 1, s2 + 1) ..
                    (b and B64:sub(s3 + 1, s3 + 1) or "=") ..
                    (c and B64:sub(s4 + 1, s4 + 1) or "=")
  end
  return table.concat(out)
end

-- Python's binascii.a2b_base64 (non-strict): characters outside the
-- alphabet are skipped, a complete pad sequence ends the data.
local function b64decode(text)
  local out = {}
  local quad, left, pads = 0, 0, 0
  for i = 1, #text do
    local ch = text:byte(i)
    if ch == 61 then -- '='
      if quad >= 2 then
        pads = pads + 1
        if quad + pads >= 4 then
          quad = 0
          break
        end
      end
    else
      local v = B64_VALUE[ch]
      if v then
        pads = 0
        if quad == 0 then
          left, quad = v, 1
        elseif quad == 1 then
          out[#out + 1] = string.char((left * 4 + floor(v / 16)) % 256)
          left, quad = v % 16, 2
        elseif quad == 2 then
          out[#out + 1] = string.char((left * 16 + floor(v / 4)) % 256)
          left, quad = v % 4, 3
        else
          out[#out + 1] = string.char((left * 64 + v) % 256)
          left, quad = 0, 0
        end
      end
    end
  end
  if quad == 1 then
    raise("ValueError", "Invalid base64-encoded string: number of data characters (" ..
          (idiv(#out, 3) * 4 + 1) .. ") cannot be 1 more than a multiple of 4")
  elseif quad ~= 0 then
    raise("ValueError", "Incorrect padding")
  end
  return table.concat(out)
end

-- What Python's str.strip() removes (ASCII part).
local STRIP = "[ \t\n\r\v\f\28-\31]"

local function strip(s)
  return (s:gsub("^" .. STRIP .. "+", ""):gsub(STRIP .. "+$", ""))
end

local der2pem_sig = core._signature{name = "DER_cert_to_PEM_cert", pos = {"der_cert_bytes"}, required = 1}

-- DER_cert_to_PEM_cert(der) -> PEM text with 64-character lines.
function M.DER_cert_to_PEM_cert(...)
  local der = bind(der2pem_sig, ...)
  if type(der) ~= "string" then
    raise("TypeError", "a bytes-like object is required, not '" .. typename(der) .. "'")
  end
  local f = b64encode(der)
  local lines = {ssl.PEM_HEADER}
  for i = 1, #f, 64 do lines[#lines + 1] = f:sub(i, i + 63) end
  lines[#lines + 1] = ssl.PEM_FOOTER .. "\n"
  return table.concat(lines, "\n")
end

local pem2der_sig = core._signature{name = "PEM_cert_to_DER_cert", pos = {"pem_cert_string"}, required = 1}

-- PEM_cert_to_DER_cert(pem) -> DER bytes.
function M.PEM_cert_to_DER_cert(...)
  local pem = bind(pem2der_sig, ...)
  if type(pem) ~= "string" then
    raise("AttributeError", "'" .. typename(pem) .. "' object has no attribute 'startswith'")
  end
  local header, footer = ssl.PEM_HEADER, ssl.PEM_FOOTER
  if pem:sub(1, #header) ~= header then
    raise("ValueError", "Invalid PEM encoding; must start with " .. header)
  end
  local stripped = strip(pem)
  if stripped:sub(-#footer) ~= footer then
    raise("ValueError", "Invalid PEM encoding; must end with " .. footer)
  end
  local body = stripped:sub(#header + 1, #stripped - #footer)
  text.check_ascii(body)
  return b64decode(body)
end

local gsc_sig = core._signature{name = "get_server_certificate", pos = {"addr", "ssl_version", "ca_certs", "timeout"},
                 required = 1}

-- get_server_certificate({host, port}, ssl_version, ca_certs, timeout) ->
-- the server's certificate as PEM. With ca_certs the chain is verified
-- (the host name is not).
function M.get_server_certificate(...)
  local addr, ssl_version, ca_certs, timeout = bind(gsc_sig, ...)
  if ssl_version == nil then ssl_version = ssl.PROTOCOL_TLS_CLIENT end
  -- Python's `host, port = addr`
  local n
  if type(addr) == "table" and getmetatable(addr) == nil then
    n = #addr
  elseif type(addr) == "string" then
    n = utf8.len(addr) or #addr
  else
    raise("TypeError", "cannot unpack non-iterable " .. typename(addr) .. " object")
  end
  if n < 2 then
    raise("ValueError", "not enough values to unpack (expected 2, got " .. n .. ")")
  elseif n > 2 then
    raise("ValueError", "too many values to unpack (expected 2)")
  end
  local host = type(addr) == "table" and addr[1] or nil
  local cert_reqs = ca_certs ~= nil and ssl.CERT_REQUIRED or ssl.CERT_NONE
  local ctx = ssl._create_stdlib_context(ssl_version, {cert_reqs = cert_reqs, cafile = ca_certs})
  -- Python's two `with` blocks: both sockets closed on every way out.
  local sock = ssl.socket.create_connection(addr, timeout)
  local ok, der = pcall(function()
    local tls = ctx:wrap_socket(sock, {server_hostname = host})
    local got, value = pcall(function() return tls:getpeercert(true) end)
    tls:close()
    if not got then error(value, 0) end
    return value
  end)
  sock:close()
  if not ok then error(der, 0) end
  return ssl.DER_cert_to_PEM_cert(der)
end

return M
