-- pyssl.select: Python's select.select(rlist, wlist, xlist[, timeout]) for
-- pyssl sockets, SSL sockets, integers and anything with fileno()/getfd()
-- (LuaSocket objects), so non-blocking code needs no other library.
-- Returns three sequences: local r, w, x = select.select({s}, {}, {}, 1.0)
local core = require "pyssl.core"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller

return {
  select = core._socket.select,
  error = core.OSError,
}
