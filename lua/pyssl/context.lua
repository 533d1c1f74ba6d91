-- Python-level part of the context classes: not written yet.
local core = require "pyssl.core"
return core
