---@meta pyssl.select
-- LuaLS declarations of `require "pyssl.select"`: Python's select module
-- (https://docs.python.org/3/library/select.html): select.select, the
-- poll and epoll objects and their constants. Python's (fd, events)
-- tuples are sequences {fd, events}. A descriptor argument is an integer,
-- a pyssl socket or SSL socket, or anything with fileno() or getfd()
-- (LuaSocket).

---@class pyssl.select
---@field error pyssl.OSError Python's select.error (OSError)
---@field epoll pyssl.select.epoll the epoll class: `select.epoll(sizehint, flags)` makes one
---@field EPOLLIN integer
---@field EPOLLOUT integer
---@field EPOLLPRI integer
---@field EPOLLERR integer
---@field EPOLLHUP integer
---@field EPOLLET integer
---@field EPOLLONESHOT integer
---@field EPOLLRDHUP integer
---@field EPOLLEXCLUSIVE integer
---@field EPOLLRDNORM integer
---@field EPOLLRDBAND integer
---@field EPOLLWRNORM integer
---@field EPOLLWRBAND integer
---@field EPOLLMSG integer
---@field EPOLL_CLOEXEC integer the only flag epoll() takes (its descriptor is close-on-exec anyway)
---@field POLLIN integer
---@field POLLOUT integer
---@field POLLPRI integer
---@field POLLERR integer
---@field POLLHUP integer
---@field POLLNVAL integer
---@field POLLRDNORM integer
---@field POLLRDBAND integer
---@field POLLWRNORM integer
---@field POLLWRBAND integer
---@field POLLMSG integer
---@field POLLRDHUP integer
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

---Python's select.poll(): a level-triggered poll(2) object; its
---registrations are kept in registration order.
---@return pyssl.select.poll
function M.poll() end

---------------------------------------------------------------- poll

---Python's select.poll object (select.poll() makes one).
---@class pyssl.select.poll
local poll = {}

---Python's poll.register(fd, eventmask=POLLIN|POLLPRI|POLLOUT); registering
---a registered fd again modifies its mask.
---@param fd integer|table|userdata a descriptor or an object with fileno()/getfd()
---@param eventmask? integer POLL* flags
function poll:register(fd, eventmask) end

---Python's poll.modify(fd, eventmask): FileNotFoundError (OSError errno 2)
---when fd is not registered.
---@param fd integer|table|userdata
---@param eventmask integer POLL* flags
function poll:modify(fd, eventmask) end

---Python's poll.unregister(fd): KeyError(fd) when fd is not registered.
---@param fd integer|table|userdata
function poll:unregister(fd) end

---Python's poll.poll(timeout=None): the ready descriptors as {fd, revents}
---pairs; timeout in milliseconds (rounded up), nil or negative waits forever.
---@param timeout? number milliseconds
---@return {[1]: integer, [2]: integer}[] ready {fd, events} pairs
function poll:poll(timeout) end

---------------------------------------------------------------- epoll

---Python's select.epoll(sizehint=-1, flags=0): an epoll(7) object. Closed by
---close(), by the collector, or by `<close>` on Lua 5.4.
---@class pyssl.select.epoll
---@overload fun(sizehint?: integer, flags?: integer): pyssl.select.epoll
---@field closed boolean true once closed
local epoll = {}
M.epoll = epoll

---Python's epoll.register(fd, eventmask=EPOLLIN|EPOLLPRI|EPOLLOUT):
---FileExistsError when fd is registered already.
---@param fd integer|table|userdata a descriptor or an object with fileno()/getfd()
---@param eventmask? integer EPOLL* flags
function epoll:register(fd, eventmask) end

---Python's epoll.modify(fd, eventmask): FileNotFoundError when fd is not registered.
---@param fd integer|table|userdata
---@param eventmask integer EPOLL* flags
function epoll:modify(fd, eventmask) end

---Python's epoll.unregister(fd): FileNotFoundError when fd is not registered.
---@param fd integer|table|userdata
function epoll:unregister(fd) end

---Python's epoll.poll(timeout=None, maxevents=-1): the ready descriptors as
---{fd, events} pairs; timeout in seconds (rounded up to milliseconds), nil
---or negative waits forever; maxevents -1 means 1023.
---@param timeout? number seconds
---@param maxevents? integer
---@return {[1]: integer, [2]: integer}[] ready {fd, events} pairs
function epoll:poll(timeout, maxevents) end

---Python's epoll.close(): closes the epoll descriptor (again: nothing).
function epoll:close() end

---Python's epoll.fileno(): the epoll descriptor (ValueError once closed).
---@return integer
function epoll:fileno() end

return M
