-- bench/lua/stats.lua — the statistics the two drivers (run.lua for the
-- main table, server.lua for the server rows) share.
local M = {}

-- The median of a list of numbers (nil for an empty list).
function M.median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  if n == 0 then return nil end
  local h = math.floor(n / 2)
  if n % 2 == 1 then return s[h + 1] end
  return (s[h] + s[h + 1]) / 2
end

return M
