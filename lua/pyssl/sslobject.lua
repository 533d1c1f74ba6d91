-- Python-level part of the sslobject classes: not written yet.
local core = require "pyssl.core"
return core
