---@meta pyssl.luasec.https
-- LuaLS declarations of `require "pyssl.luasec.https"`: LuaSec's ssl.https
-- (LuaSocket's socket.http over TLS). Verifies by default (LuaSec does not).

---@class pyssl.luasec.https
---@field _VERSION string
---@field PORT integer
---@field TIMEOUT number
local M = {}

---LuaSocket's http.request(url [, body]) or http.request{...} with LuaSec's TLS params in the table.
---@param reqt string|table
---@param body? string
---@return any result, integer|string code, table? headers, string? status
function M.request(reqt, body) end

---LuaSocket's `create` function for socket.http over TLS with params.
---@param params? pyssl.luasec.Params|table
---@return fun(): table
function M.tcp(params) end

return M
