-- pyssl: CPython's ssl module for Lua — the facade (what Lib/ssl.py does
-- in Python). The C core is pyssl.core; this module re-exports it and adds
-- what CPython writes in Python.
local core = require "pyssl.core"

-- Python-level methods of the classes live beside their class.
require "pyssl.context"
require "pyssl.sslobject"

local ssl = {}

for name, value in pairs(core) do
  ssl[name] = value
end

ssl.socket = require "pyssl.socket"
ssl._VERSION = "0.1.0"

return ssl
