-- pyssl.select: Python's select module for pyssl sockets, SSL sockets,
-- integers and anything with fileno()/getfd() (LuaSocket objects), so
-- non-blocking code needs no other library.
--   select.select(rlist, wlist, xlist[, timeout]) -> three sequences
--   select.poll()  -> register/modify/unregister/poll(timeout_ms)
--   select.epoll() -> register/modify/unregister/poll(timeout_s, maxevents),
--                     close, fileno, closed
-- poll() results are sequences of {fd, events} pairs (Python's tuples).
-- The wait calls and epoll are C (src/epoll.c); a poll object's
-- registrations are kept here, as CPython keeps them in a dict.
local core = require "pyssl.core"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller
local C = core._select

local type, floor, ceil, format = type, math.floor, math.ceil, string.format

local M = {
  select = core._socket.select,
  error = core.OSError,
  epoll = C.epoll,
}
for name, value in pairs(C) do
  if name:match("^E?POLL") then M[name] = value end
end

-- Python's index protocol for an integer argument.
local function check_index(v)
  if type(v) == "number" and v == floor(v) then return v end
  core._raise("TypeError", format("'%s' object cannot be interpreted as an integer", core._typename(v)))
end

---------------------------------------------------------------- poll

local Poll = {}
Poll.__index = Poll
Poll.__name = "select.poll"

-- poll(): Python's select.poll object (level-triggered poll(2)).
function M.poll()
  -- _fds[i] and _events[i] are the registrations in order; _index[fd] is i.
  return setmetatable({_fds = {}, _events = {}, _index = {}, _rfds = {}, _revents = {}}, Poll)
end

-- register(fd, eventmask=POLLIN|POLLPRI|POLLOUT); registering again modifies.
function Poll:register(fd, eventmask)
  fd = C._fileno(fd)
  eventmask = eventmask == nil and (C.POLLIN + C.POLLPRI + C.POLLOUT) or check_index(eventmask)
  local i = self._index[fd]
  if not i then
    i = #self._fds + 1
    self._fds[i], self._index[fd] = fd, i
  end
  self._events[i] = eventmask
end

-- modify(fd, eventmask): FileNotFoundError when fd is not registered.
function Poll:modify(fd, eventmask)
  fd = C._fileno(fd)
  eventmask = check_index(eventmask)
  local i = self._index[fd]
  if not i then core._raise("OSError", 2, "No such file or directory") end
  self._events[i] = eventmask
end

-- unregister(fd): KeyError(fd) when it is not registered.
function Poll:unregister(fd)
  fd = C._fileno(fd)
  local i = self._index[fd]
  if not i then core._raise("KeyError", fd) end
  local fds, events, index = self._fds, self._events, self._index
  local last = #fds
  -- Keep the order of the others (Python's dict order): shift down.
  for k = i, last - 1 do
    fds[k], events[k] = fds[k + 1], events[k + 1]
    index[fds[k]] = k
  end
  fds[last], events[last], index[fd] = nil, nil, nil
end

-- Python's timeout in milliseconds (None or negative: forever), rounded up.
local function poll_ms(timeout)
  if timeout == nil then return -1 end
  if type(timeout) ~= "number" then
    core._raise("TypeError", "timeout must be an integer or None")
  end
  if timeout ~= timeout then core._raise("ValueError", "Invalid value NaN (not a number)") end
  if timeout < 0 then return -1 end
  if timeout >= 2147483648.0 then core._raise("OverflowError", "timeout is too large") end
  return ceil(timeout)
end

-- _wait(ms, fds, events) -> n: the ready descriptors and their events in
-- fds[1..n], events[1..n] (selectors.lua's hot path: no table per event).
function Poll:_wait(ms, rfds, revents)
  return C._poll(self._fds, self._events, #self._fds, ms, rfds, revents)
end

-- poll(timeout=None) -> sequence of {fd, events}; timeout in milliseconds.
function Poll:poll(timeout)
  local rfds, revents = self._rfds, self._revents
  local n = C._poll(self._fds, self._events, #self._fds, poll_ms(timeout), rfds, revents)
  local out = {}
  for i = 1, n do out[i] = {rfds[i], revents[i]} end
  return out
end

return M
