---@meta pyssl.hashlib
-- LuaLS declarations of `require "pyssl.hashlib"`: Python's hashlib on
-- OpenSSL's EVP (https://docs.python.org/3/library/hashlib.html).
-- Python's sets are Lua set tables (name -> true).

---@class pyssl.hashlib
---@field algorithms_available table<string, boolean>
---@field algorithms_guaranteed table<string, boolean>
---@field UnsupportedDigestmodError pyssl.hashlib.UnsupportedDigestmodError
local hashlib = {}

---@class pyssl.hashlib.UnsupportedDigestmodError : pyssl.ValueError

---A hash object (Python's HASH / HASHXOF).
---@class pyssl.hashlib.HASH
---@field name string
---@field digest_size integer
---@field block_size integer
local HASH = {}
---@param data string
function HASH:update(data) end
---@param length? integer for shake_*: the output length
---@return string
function HASH:digest(length) end
---@param length? integer for shake_*: the output length
---@return string
function HASH:hexdigest(length) end
---@return pyssl.hashlib.HASH
function HASH:copy() end

---@alias pyssl.hashlib.Options {usedforsecurity?: boolean, string?: string}

---Python's hashlib.new(name, data=b"", *, usedforsecurity=True).
---@param name string
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.new(name, data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.md5(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha1(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha224(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha256(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha384(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha512(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha3_224(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha3_256(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha3_384(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.sha3_512(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.shake_128(data, kw) end
---@param data? string|pyssl.hashlib.Options
---@param kw? pyssl.hashlib.Options
---@return pyssl.hashlib.HASH
function hashlib.shake_256(data, kw) end
---Python's hashlib.blake2b(data=b"", *, digest_size=64, key=b"", salt=b"", person=b"", ...).
---@param data? string|table
---@param kw? table
---@return pyssl.hashlib.HASH
function hashlib.blake2b(data, kw) end
---Python's hashlib.blake2s(data=b"", *, digest_size=32, key=b"", salt=b"", person=b"", ...).
---@param data? string|table
---@param kw? table
---@return pyssl.hashlib.HASH
function hashlib.blake2s(data, kw) end
---Python's hashlib.pbkdf2_hmac(hash_name, password, salt, iterations, dklen=None).
---@param hash_name string
---@param password string
---@param salt string
---@param iterations integer
---@param dklen? integer
---@return string
function hashlib.pbkdf2_hmac(hash_name, password, salt, iterations, dklen) end
---Python's hashlib.scrypt(password, *, salt, n, r, p, maxmem=0, dklen=64).
---@param password string
---@param kw {salt: string, n: integer, r: integer, p: integer, maxmem?: integer, dklen?: integer}
---@return string
function hashlib.scrypt(password, kw) end
---Python's hashlib.file_digest(fileobj, digest): a file opened in binary mode (or makefile("rb")).
---@param fileobj file*|table
---@param digest string|fun(): pyssl.hashlib.HASH
---@param kw? table
---@return pyssl.hashlib.HASH
function hashlib.file_digest(fileobj, digest, kw) end

return hashlib
