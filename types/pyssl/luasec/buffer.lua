---@meta pyssl.luasec.buffer
-- LuaLS declarations of `require "pyssl.luasec.buffer"`: LuaSocket's
-- receive/send/settimeout semantics over any stream (see the module's header).

---The stream a buffer reads and writes.
---@class pyssl.luasec.Stream
---@field recv fun(tm: pyssl.luasec.Timer): (string|nil, string?)
---@field send fun(data: string, tm: pyssl.luasec.Timer): (integer|nil, string?)
---@field pending fun(): integer

---@class pyssl.luasec.Timer
local Timer = {}
---Seconds the next wait may take (nil: no limit; 0: do not wait).
---@return number?
function Timer:left() end

---@class pyssl.luasec.buffer
local M = {}

---@class pyssl.luasec.Buffer
local Buffer = {}

---A LuaSocket buffer over a stream.
---@param io pyssl.luasec.Stream
---@return pyssl.luasec.Buffer
function M.new(io) end

---A timer started now with a buffer's timeouts (for waits outside receive/send).
---@param b pyssl.luasec.Buffer
---@return pyssl.luasec.Timer
function M.timer(b) end

---@param pattern? string|integer
---@param prefix? string
---@return string|nil data, string? err, string? partial
function M.receive(self, pattern, prefix) end
---@param data string
---@param i? integer
---@param j? integer
---@return number|nil last, string? err, number? last_on_error
function M.send(self, data, i, j) end
---@param t number?
---@param mode? "b"|"t"
---@return integer
function M.settimeout(self, t, mode) end
---@return number block, number total -1: no limit
function M.gettimeout(self) end
---@return boolean
function M.dirty(self) end

return M
