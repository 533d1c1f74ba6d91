-- Python-level part of SSLObject (what Lib/ssl.py writes in Python):
-- the hostname encoding (IDNA), SSLObject._create, selected_npn_protocol.
-- SSLContext:wrap_bio and the connection itself are C (src/sslobject.c).
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local idiv, utf8, unpack, warn = compat.idiv, compat.utf8, compat.unpack, compat.warn

local SSLContext, SSLObject = core.SSLContext, core.SSLObject
local raise, ascii_hostname = core._raise, core._ascii_hostname
local check_create = core._check_create
local find = string.find

---------------------------------------------------------------- IDNA

-- Punycode (RFC 3492) of a sequence of code points.
local BASE, TMIN, TMAX, SKEW, DAMP = 36, 1, 26, 38, 700

local function adapt(delta, numpoints, first)
  delta = first and idiv(delta, DAMP) or idiv(delta, 2)
  delta = delta + idiv(delta, numpoints)
  local k = 0
  while delta > idiv((BASE - TMIN) * TMAX, 2) do
    delta = idiv(delta, BASE - TMIN)
    k = k + BASE
  end
  return k + idiv((BASE - TMIN + 1) * delta, delta + SKEW)
end

local function digit(d)
  return string.char(d < 26 and 97 + d or 22 + d)   -- a..z, 0..9
end

local function punycode(cps)
  local out, basic = {}, 0
  for _, c in ipairs(cps) do
    if c < 128 then
      out[#out + 1] = string.char(c)
      basic = basic + 1
    end
  end
  if basic > 0 then out[#out + 1] = "-" end
  local n, delta, bias, h = 128, 0, 72, basic
  while h < #cps do
    local m = math.huge
    for _, c in ipairs(cps) do
      if c >= n and c < m then m = c end
    end
    delta = delta + (m - n) * (h + 1)
    n = m
    for _, c in ipairs(cps) do
      if c < n then delta = delta + 1 end
      if c == n then
        local q, k = delta, BASE
        while true do
          local t = k <= bias and TMIN or (k >= bias + TMAX and TMAX or k - bias)
          if q < t then break end
          out[#out + 1] = digit(t + (q - t) % (BASE - t))
          q = idiv(q - t, BASE - t)
          k = k + BASE
        end
        out[#out + 1] = digit(q)
        bias = adapt(delta, h + 1, h == basic)
        delta = 0
        h = h + 1
      end
    end
    delta = delta + 1
    n = n + 1
  end
  return table.concat(out)
end

-- Nameprep's case folding for the common scripts (RFC 3491 table B.2,
-- the ranges that matter for host names): Latin-1, Latin Extended-A,
-- Greek, Cyrillic. Full stringprep (NFKC, prohibited characters) is not
-- mirrored.
local function fold(c, out)
  if c >= 0x41 and c <= 0x5A then c = c + 32
  elseif c == 0xDF then out[#out + 1] = 0x73; c = 0x73   -- ß -> ss
  elseif c >= 0xC0 and c <= 0xDE and c ~= 0xD7 then c = c + 32
  elseif c >= 0x100 and c <= 0x17F and c ~= 0x130 and c ~= 0x131 and c ~= 0x138
    and c ~= 0x149 and c ~= 0x178 and c ~= 0x17F then
    if (c >= 0x139 and c <= 0x148) or (c >= 0x179 and c <= 0x17E) then
      if c % 2 == 1 then c = c + 1 end
    elseif c % 2 == 0 then c = c + 1 end
  elseif c == 0x178 then c = 0xFF
  elseif c >= 0x391 and c <= 0x3AB and c ~= 0x3A2 then c = c + 32
  elseif c >= 0x410 and c <= 0x42F then c = c + 32
  elseif c >= 0x400 and c <= 0x40F then c = c + 80
  end
  out[#out + 1] = c
end

-- One label (code points) of a non-ASCII name, Python 3.13's
-- encodings.idna.ToASCII: the ASCII label, or nil and the error's start,
-- end (in the label) and reason.
local function check_length(label, n)
  if #label > 0 and #label < 64 then return label end
  if n == 0 then return nil, 0, 1, "label empty" end
  return nil, 0, n, "label too long"
end

local function all_ascii(cps)
  for _, c in ipairs(cps) do
    if c >= 128 then return false end
  end
  return true
end

local function to_ascii(cps)
  if all_ascii(cps) then return check_length(utf8.char(unpack(cps)), #cps) end
  local folded = {}
  for _, c in ipairs(cps) do fold(c, folded) end
  if all_ascii(folded) then return check_length(utf8.char(unpack(folded)), #folded) end
  local prefix = utf8.char(unpack(folded, 1, math.min(4, #folded))):lower()
  if prefix == "xn--" then return nil, 0, 4, "Label starts with ACE prefix" end
  local label = "xn--" .. punycode(folded)
  if #label < 64 then return label end
  return nil, 0, #folded, "label too long"
end

local DOTS = {[0x2E] = true, [0x3002] = true, [0xFF0E] = true, [0xFF61] = true}

-- Python's str.encode("idna") for a server_hostname; its errors are 3.13's
-- UnicodeEncodeError("idna", name, start, end, reason), positions counted
-- in characters of the whole name.
local function idna_encode(name)
  -- All ASCII (every usual connection): checked and returned as it is.
  if ascii_hostname(name) then return name end
  if not utf8.len(name) then
    -- Not UTF-8, so not a str: Python's bytes form, hostname.decode("ascii").
    local bad = name:find("[\128-\255]")
    raise("UnicodeDecodeError", "ascii", name, bad - 1, bad, "ordinal not in range(128)")
  end
  local labels, current = {}, {}
  for _, c in utf8.codes(name) do
    if DOTS[c] then
      labels[#labels + 1] = current
      current = {}
    else
      current[#current + 1] = c
    end
  end
  labels[#labels + 1] = current
  local trailing = ""
  if #labels[#labels] == 0 then
    trailing = "."
    labels[#labels] = nil
  end
  local out, offset = {}, 0
  for i, label in ipairs(labels) do
    local ascii, start, stop, reason = to_ascii(label)
    if not ascii then raise("UnicodeEncodeError", "idna", name, offset + start, offset + stop, reason) end
    out[i] = ascii
    offset = offset + #label + 1
  end
  return table.concat(out, ".") .. trailing
end

core._idna_encode = idna_encode

-- SSLContext._encode_hostname (Python: str is IDNA-encoded, bytes are ASCII).
function SSLContext._encode_hostname(_, hostname)
  if hostname == nil then return nil end
  if type(hostname) ~= "string" then
    raise("AttributeError", string.format("'%s' object has no attribute 'decode'",
      core._typename(hostname)))
  end
  return idna_encode(hostname)
end

------------------------------------------------------ sslobject_class

-- ctx.sslobject_class (the class wrap_bio instantiates, per context) is
-- declared with SSLContext (src/context.c); a Lua subclass's instances are
-- made by core._subclass (src/class.c).
local subclass = core._subclass

-- SSLObject._create(cls, incoming, outgoing, server_side, server_hostname,
-- session, context): Python's classmethod, with 3.14.8's checks.
function SSLObject._create(cls, incoming, outgoing, server_side, server_hostname, session, context)
  check_create(server_side, server_hostname, session, context.check_hostname)
  local obj = context:_wrap_bio(incoming, outgoing, server_side and true or false,
                                server_hostname, nil, session)
  subclass(obj, cls)
  return obj
end

-- ctx:wrap_bio(incoming, outgoing, server_side=false, server_hostname=nil, session=nil):
-- Python's self.sslobject_class._create(..., self._encode_hostname(server_hostname), ...)
-- in the core, which calls _encode_hostname and _create when they are
-- replaced (or the name needs the IDNA codec) and does their work itself
-- otherwise.
SSLContext.wrap_bio = core._wrap_bio_function(SSLContext._encode_hostname, SSLObject._create)

--------------------------------------------------------------- NPN

-- selected_npn_protocol(): NPN is gone from OpenSSL 3 builds; Python warns
-- and returns None.
function SSLObject.selected_npn_protocol(self)
  local _ = self.server_side   -- the usual self check
  warn("DeprecationWarning: ", "ssl NPN is deprecated, use ALPN instead")
  return nil
end

return core
