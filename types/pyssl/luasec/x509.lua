---@meta pyssl.luasec.x509
-- LuaLS declarations of `require "pyssl.luasec.x509"`: LuaSec's certificate object.

---@class pyssl.luasec.x509
---@field methods pyssl.luasec.Certificate
local M = {}

---@class pyssl.luasec.NameEntry
---@field name string "commonName", ...
---@field oid string "2.5.4.3", ...
---@field value string

---LuaSec's x509 certificate object.
---@class pyssl.luasec.Certificate
local Certificate = {}

---A certificate object over DER bytes.
---@param der string
---@return pyssl.luasec.Certificate
function M.new(der) end

---LuaSec's ssl.loadcertificate(pem).
---@param pem string
---@return pyssl.luasec.Certificate|nil cert, string? err
function M.load(pem) end

---@return pyssl.luasec.NameEntry[]
function Certificate:subject() end
---@return pyssl.luasec.NameEntry[]
function Certificate:issuer() end
---@return string "Dec  6 22:37:11 2026 GMT"
function Certificate:notbefore() end
---@return string
function Certificate:notafter() end
---@return string upper-case hex
function Certificate:serial() end
---Hex digest of the DER: "sha1" (default), "sha256", "sha512" (needs pyssl.hashlib).
---@param alg? "sha1"|"sha256"|"sha512"
---@return string|nil hex, string? err
function Certificate:digest(alg) end
---@return string
function Certificate:pem() end
---@return string
function Certificate:der() end
---The subject alternative names: {["2.5.29.17"] = {name =, dNSName =, iPAddress =, rfc822Name =, uniformResourceIdentifier =}}.
---@return table<string, table>
function Certificate:extensions() end
---@return string pem, string type "RSA", "EC", ..., integer? bits
function Certificate:pubkey() end
---@param t? integer seconds since the epoch (default now)
---@return boolean
function Certificate:validat(t) end

return M
