-- The programs of examples/ run from the specs (examples_spec.lua,
-- ecosystem_examples_spec.lua).
--
--   local E = require "spec.support.examples"
--   local p = io.popen("timeout 20 " .. E.command("demo.lua", {}))
--   local out, code = E.split_exit(p:read("*a"))
local P = require "spec.support.peers"

local E = {}

-- The interpreter that runs the specs runs the examples too (under
-- `make check-asan` it is the sanitized host).
local LUA = os.getenv("LUA") or "lua5.4"

-- The shell command that runs an example with its arguments. Its exit
-- status ends its stdout as a line "#exit:N" (5.1's and LuaJIT's pipe
-- close() gives no status).
function E.command(name, args)
  local cmd = P.quote(LUA) .. " examples/" .. name
  for _, a in ipairs(args) do cmd = cmd .. " " .. P.quote(a) end
  return "sh -c " .. P.quote(cmd .. '; echo "#exit:$?"')
end

-- The output without the "#exit:N" line, and N.
function E.split_exit(text)
  local before, code = text:match("^(.-)#exit:(%d+)\n*$")
  if not before then return text, nil end
  return before, tonumber(code)
end

return E
