---@meta pyssl.hmac
-- LuaLS declarations of `require "pyssl.hmac"`: Python's hmac
-- (https://docs.python.org/3/library/hmac.html).

---@class pyssl.hmac
---@field trans_5C string
---@field trans_36 string
local hmac = {}

---Python's hmac.HMAC object.
---@class pyssl.hmac.HMAC
---@overload fun(key: string, msg?: string, digestmod?: string|function|table): pyssl.hmac.HMAC
---@field name string
---@field digest_size integer
---@field block_size integer
local HMAC = {}
hmac.HMAC = HMAC

---Python's HMAC.blocksize (the legacy attribute, 64).
HMAC.blocksize = 64

---@param msg string
function HMAC:update(msg) end
---@return string
function HMAC:digest() end
---@return string
function HMAC:hexdigest() end
---@return pyssl.hmac.HMAC
function HMAC:copy() end

---Python's hmac.new(key, msg=None, digestmod=None): digestmod is required, as in 3.8+.
---@param key string
---@param msg? string|table
---@param digestmod? string|function|table
---@return pyssl.hmac.HMAC
function hmac.new(key, msg, digestmod) end

---Python's hmac.digest(key, msg, digest): one shot.
---@param key string
---@param msg string
---@param digest string|function|table
---@return string
function hmac.digest(key, msg, digest) end

---Python's hmac.compare_digest(a, b): constant time.
---@param a string
---@param b string
---@return boolean
function hmac.compare_digest(a, b) end

return hmac
