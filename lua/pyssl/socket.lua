-- pyssl.socket: not written yet.
local core = require "pyssl.core"
return core.socket or {}
