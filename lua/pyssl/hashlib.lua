-- pyssl.hashlib: Python's hashlib module on OpenSSL's EVP digests.
--
--   local hashlib = require "pyssl.hashlib"
--   hashlib.sha256(der):hexdigest()          -- certificate pinning
--   hashlib.new("sha3_256", data, {usedforsecurity = false})
--
-- The C core (core._hashlib, src/hashlib.c) is CPython's _hashlib: the
-- hash objects, the openssl_<name> constructors, pbkdf2_hmac and scrypt.
-- This file is what Lib/hashlib.py writes in Python: new() (routing the
-- blake2 names), the algorithm sets and file_digest().
--
-- Python's sets are Lua set tables: algorithms_guaranteed and
-- algorithms_available map each name to true
-- (`if hashlib.algorithms_available.sha512_256 then ... end`).
local core = require "pyssl.core"
local C = core._hashlib

local raise, repr, typename = core._raise, core._repr, core._typename
local select, type, pairs, pcall, getmetatable = select, type, pairs, pcall, getmetatable

local hashlib = {}

local GUARANTEED = {
  "md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s",
  "sha3_224", "sha3_256", "sha3_384", "sha3_512", "shake_128", "shake_256",
}

-- The named constructors: OpenSSL's (openssl_sha256 ...) and blake2b/s.
-- `constructor_names` maps each constructor back to its name (hmac uses
-- it as CPython's _hashlib._constructors).
local constructor_names = {}
for _, name in ipairs(GUARANTEED) do
  local f = C["openssl_" .. name] or C[name]
  hashlib[name] = f
  constructor_names[f] = name
end
hashlib._constructors = constructor_names

hashlib.algorithms_guaranteed = {}
for _, name in ipairs(GUARANTEED) do hashlib.algorithms_guaranteed[name] = true end
hashlib.algorithms_available = C.openssl_md_meth_names()
for name in pairs(hashlib.algorithms_guaranteed) do hashlib.algorithms_available[name] = true end

-- Python's __all__, as a sequence.
hashlib.__all__ = {}
for i, name in ipairs(GUARANTEED) do hashlib.__all__[i] = name end
for _, name in ipairs({"new", "algorithms_guaranteed", "algorithms_available", "file_digest",
                       "pbkdf2_hmac", "scrypt"}) do
  hashlib.__all__[#hashlib.__all__ + 1] = name
end

hashlib.pbkdf2_hmac = C.pbkdf2_hmac
hashlib.scrypt = C.scrypt
hashlib.UnsupportedDigestmodError = C.UnsupportedDigestmodError

-- A keyword table: a plain table whose keys are all strings.
local function is_keywords(v)
  if type(v) ~= "table" or getmetatable(v) ~= nil then return false end
  for k in pairs(v) do
    if type(k) ~= "string" then return false end
  end
  return true
end

-- new(name, data=b'', **kwargs): blake2 names go to blake2b/blake2s with
-- their keyword arguments, every other name to OpenSSL.
function hashlib.new(...)
  local n = select("#", ...)
  local name, data, kw = ...
  local last = n > 0 and select(n, ...) or nil
  if n > 0 and is_keywords(last) then
    kw, n = last, n - 1
    if n < 2 then data = nil end
    if n < 1 then name = nil end
  else
    kw = nil
  end
  if n > 2 then
    raise("TypeError", "__hash_new() takes from 1 to 2 positional arguments but " .. n .. " were given")
  end
  local rest = {}
  if kw then
    for k, v in pairs(kw) do
      if (k == "name" and n >= 1) or (k == "data" and n >= 2) then
        raise("TypeError", "__hash_new() got multiple values for argument '" .. k .. "'")
      elseif k == "name" then
        name, n = v, 1
      elseif k == "data" then
        data = v
      else
        rest[k] = v
      end
    end
  end
  if n == 0 then
    raise("TypeError", "__hash_new() missing 1 required positional argument: 'name'")
  end
  if name == "blake2b" or name == "blake2s" then
    return C[name](data, rest)
  end
  return C.new(name, data, rest)
end

-- obj[name], or nil when obj has no such attribute (pyssl objects raise
-- AttributeError, userdata without __index raise too).
local function attribute(obj, name)
  local t = type(obj)
  if t ~= "table" and t ~= "userdata" then return nil end
  local ok, value = pcall(function() return obj[name] end)
  if ok then return value end
  return nil
end

local function is_callable(v)
  if type(v) == "function" then return true end
  local mt = getmetatable(v)
  return type(mt) == "table" and mt.__call ~= nil
end

local BUFSIZE = 262144   -- Python's _bufsize = 2**18

-- file_digest(fileobj, digest): the digest of a file's remaining bytes.
-- `digest` is a name or a constructor (anything callable returning a hash
-- object). `fileobj` is what Python takes (an object with getbuffer(), or
-- with readinto() and readable()), or anything with read(n) returning
-- strings and nil (or "") at the end: a Lua io file opened "rb" works.
function hashlib.file_digest(fileobj, digest, kw)
  if kw ~= nil and not is_keywords(kw) then
    raise("TypeError", "file_digest() takes 2 positional arguments but 3 were given")
  end
  local bufsize = kw and kw._bufsize or BUFSIZE
  local obj
  if type(digest) == "string" then
    obj = hashlib.new(digest)
  elseif is_callable(digest) then
    obj = digest()
  else
    raise("TypeError", "'" .. typename(digest) .. "' object is not callable")
  end

  local getbuffer = attribute(fileobj, "getbuffer")
  if getbuffer then
    obj:update(getbuffer(fileobj))
    return obj
  end

  local readinto, readable = attribute(fileobj, "readinto"), attribute(fileobj, "readable")
  if readinto and readable and readable(fileobj) then
    local buf = core._socket.bytearray(bufsize)
    while true do
      local size = readinto(fileobj, buf)
      if size == nil then raise("BlockingIOError", "I/O operation would block.") end
      if size == 0 then break end
      obj:update(size == bufsize and buf or tostring(buf):sub(1, size))
    end
    return obj
  end

  local read = attribute(fileobj, "read")
  if not read then
    raise("ValueError", "'" .. repr(fileobj) .. "' is not a file-like object in binary reading mode.")
  end
  while true do
    local chunk = read(fileobj, bufsize)
    if chunk == nil or chunk == "" then break end
    obj:update(chunk)
  end
  return obj
end

return hashlib
