---@meta pyssl.select
-- LuaLS declarations of `require "pyssl.select"`: Python's select.select.

---@class pyssl.select
---@field error pyssl.OSError Python's select.error (OSError)
local M = {}

---Python's select.select(rlist, wlist, xlist[, timeout]) on pyssl sockets,
---SSL sockets, integers and anything with fileno() or getfd() (LuaSocket).
---Waits with poll(): descriptors above 1023 work.
---@param rlist any[]
---@param wlist any[]
---@param xlist any[]
---@param timeout? number seconds; nil waits forever
---@return any[] readable, any[] writable, any[] exceptional
function M.select(rlist, wlist, xlist, timeout) end

return M
