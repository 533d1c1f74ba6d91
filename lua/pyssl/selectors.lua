-- pyssl.selectors: Python's selectors module (Lib/selectors.py), written
-- as CPython writes it, over pyssl.select's epoll, poll and select.
--
--   local selectors = require "pyssl.selectors"
--   local sel = selectors.DefaultSelector()          -- EpollSelector on Linux
--   local key = sel:register(sock, selectors.EVENT_READ, data)
--   for _, ready in ipairs(sel:select(timeout)) do
--     local key, events = ready[1], ready[2]         -- Python's (key, events)
--     ...
--   end
--
-- File objects: integers, pyssl sockets and SSLSockets, and any object
-- with fileno() or (LuaSocket's) getfd(); an integral float counts as an
-- integer (LuaSocket's getfd returns one on 5.3+).
-- select(timeout) returns a sequence of {key, events} pairs: Python's list
-- of (key, events) tuples. A SelectorKey has the fields fileobj, fd,
-- events, data (and [1]..[4], as a tuple). get_map() returns a mapping:
-- map[fileobj] (KeyError when absent), map:get(fileobj[, default]),
-- map:len() (and #map from Lua 5.2 on), map:items() and map:keys() for a
-- generic for (fd order is not specified, as Python's is insertion order).
-- Python's `with` is close(); on Lua 5.4 selectors also have __close.
local core = require "pyssl.core"
core._own_files()   -- frames of this directory are pyssl's: error places name the caller
local select_mod = require "pyssl.select"

local type, pairs, next, pcall, error, tostring = type, pairs, next, pcall, error, tostring
local setmetatable, getmetatable, rawequal, rawget = setmetatable, getmetatable, rawequal, rawget
local floor, ceil, format = math.floor, math.ceil, string.format
local repr, raise, isinstance = core._repr, core._raise, core.isinstance

local M = {}

-- generic events, that must be mapped to implementation-specific ones
local EVENT_READ, EVENT_WRITE = 1, 2
M.EVENT_READ, M.EVENT_WRITE = EVENT_READ, EVENT_WRITE

-- Bits of an event mask without bitwise operators (none before 5.3).
local function has_read(events) return events % 2 == 1 end
local function has_write(events) return floor(events / 2) % 2 == 1 end

-- events & mask, for events made of EVENT_READ and EVENT_WRITE only.
local function band_events(events, mask)
  return (has_read(events) and has_read(mask) and EVENT_READ or 0) +
         (has_write(events) and has_write(mask) and EVENT_WRITE or 0)
end

---------------------------------------------------------------- file objects

local function index_field(obj, name) return obj[name] end

-- The descriptor obj's fileno() (or getfd()) returns, or nil where Python's
-- int(fileobj.fileno()) raises AttributeError, TypeError or ValueError.
local function fd_of_object(fileobj)
  local t = type(fileobj)
  if t ~= "table" and t ~= "userdata" then return nil end
  local ok, method = pcall(index_field, fileobj, "fileno")
  if not ok or method == nil then
    ok, method = pcall(index_field, fileobj, "getfd")
    if not ok or method == nil then return nil end
  end
  local fd
  ok, fd = pcall(method, fileobj)
  if not ok then
    if isinstance(fd, core.AttributeError) or isinstance(fd, core.TypeError) or
       isinstance(fd, core.ValueError) then
      return nil
    end
    error(fd, 0)
  end
  if type(fd) ~= "number" or fd ~= fd or fd == math.huge or fd == -math.huge then return nil end
  return fd >= 0 and floor(fd) or -floor(-fd)   -- Python's int(): toward zero
end

-- Return a file descriptor from a file object (Python's _fileobj_to_fd).
local function fileobj_to_fd(fileobj)
  local fd
  if type(fileobj) == "number" and fileobj == floor(fileobj) then
    fd = fileobj
  else
    fd = fd_of_object(fileobj)
    if fd == nil then
      raise("ValueError", "Invalid file object: " .. repr(fileobj))
    end
  end
  if fd < 0 then
    raise("ValueError", format("Invalid file descriptor: %d", fd))
  end
  return fd
end

---------------------------------------------------------------- SelectorKey

-- SelectorKey(fileobj, fd, events, data): Python's named tuple. The fields
-- are plain fields (the select loop reads them); treat them as read-only.
local SelectorKey = {__name = "SelectorKey"}
local FIELDS = {"fileobj", "fd", "events", "data"}
SelectorKey.__index = function(key, k)
  local name = FIELDS[k]
  if name then return rawget(key, name) end
  return SelectorKey[k]
end
local function new_key(fileobj, fd, events, data)
  return setmetatable({fileobj = fileobj, fd = fd, events = events, data = data}, SelectorKey)
end
setmetatable(SelectorKey, {__call = function(_, fileobj, fd, events, data)
  return new_key(fileobj, fd, events, data)
end})

-- key:_replace{events = ..., data = ...}: a new key (Python's _replace).
function SelectorKey._replace(key, changes)
  local k = new_key(key.fileobj, key.fd, key.events, key.data)
  for name, value in pairs(changes) do k[name] = value end
  return k
end

SelectorKey.__eq = function(a, b)
  return a.fileobj == b.fileobj and a.fd == b.fd and a.events == b.events and a.data == b.data
end
SelectorKey.__len = function() return 4 end
SelectorKey.__tostring = function(key)
  return format("SelectorKey(fileobj=%s, fd=%s, events=%s, data=%s)",
                repr(key.fileobj), repr(key.fd), repr(key.events), repr(key.data))
end
M.SelectorKey = SelectorKey

---------------------------------------------------------------- the mapping

-- Mapping of file objects to selector keys (Python's _SelectorMapping).
local Mapping = {}
local MappingMeta = {__name = "_SelectorMapping"}

local function mapping_getitem(map, fileobj)
  local sel = map._selector
  local key = sel._fd_to_key[sel:_fileobj_lookup(fileobj)]
  if key == nil then
    raise("KeyError", repr(fileobj) .. " is not registered")
  end
  return key
end

MappingMeta.__index = function(map, k)
  local method = type(k) == "string" and Mapping[k]
  if method then return method end
  return mapping_getitem(map, k)
end
MappingMeta.__len = function(map) return map._selector._nkeys end

function Mapping.len(map) return map._selector._nkeys end

function Mapping.get(map, fileobj, default)
  local sel = map._selector
  local key = sel._fd_to_key[sel:_fileobj_lookup(fileobj)]
  if key == nil then return default end
  return key
end

-- for fd, key in map:items() do ... end
function Mapping.items(map)
  return next, map._selector._fd_to_key, nil
end

-- for fd in map:keys() do ... end (Python's iter(mapping): the fds)
function Mapping.keys(map)
  local t = map._selector._fd_to_key
  local fd
  return function()
    fd = next(t, fd)
    return fd
  end
end

-- for key in map:values() do ... end
function Mapping.values(map)
  local t = map._selector._fd_to_key
  local fd, key
  return function()
    fd, key = next(t, fd)
    return key
  end
end

-- Python's `fileobj in mapping`.
function Mapping.contains(map, fileobj)
  return (pcall(mapping_getitem, map, fileobj))
end

MappingMeta.__pairs = Mapping.items

local function new_mapping(selector)
  return setmetatable({_selector = selector}, MappingMeta)
end

---------------------------------------------------------------- classes

-- A class: a table whose instances have it as __index; calling it makes one.
local function class(name, base)
  local cls = {__name = name}
  cls.__index = cls
  cls.__close = function(self) self:close() end
  cls.__tostring = function(self)
    local mt = getmetatable(self)
    setmetatable(self, nil)
    local address = tostring(self):gsub("^table: ", "")
    setmetatable(self, mt)
    return format("<selectors.%s object at %s>", mt.__name, address)
  end
  setmetatable(cls, {
    __index = base,
    __call = function(c, ...)
      local self = setmetatable({}, c)
      self:__init(...)
      return self
    end,
  })
  return cls
end

-- Selector abstract base class (Python's BaseSelector).
local BaseSelector = class("BaseSelector")
M.BaseSelector = BaseSelector

function BaseSelector:__init()
  raise("TypeError", "Can't instantiate abstract class BaseSelector without an implementation "
        .. "for abstract methods 'get_map', 'register', 'select', 'unregister'")
end

function BaseSelector:modify(fileobj, events, data)
  self:unregister(fileobj)
  return self:register(fileobj, events, data)
end

function BaseSelector:close() end

function BaseSelector:get_key(fileobj)
  local mapping = self:get_map()
  if mapping == nil then
    raise("RuntimeError", "Selector is closed")
  end
  local ok, key = pcall(mapping_getitem, mapping, fileobj)
  if ok then return key end
  if isinstance(key, core.KeyError) then
    raise("KeyError", repr(fileobj) .. " is not registered")
  end
  error(key, 0)
end

-- Base selector implementation (Python's _BaseSelectorImpl).
local BaseSelectorImpl = class("_BaseSelectorImpl", BaseSelector)

function BaseSelectorImpl:__init()
  -- this maps file descriptors to keys
  self._fd_to_key = {}
  self._nkeys = 0
  -- read-only mapping returned by get_map()
  self._map = new_mapping(self)
end

-- Return a file descriptor from a file object; for an invalid object,
-- search the registered keys (so that a closed object can be unregistered).
function BaseSelectorImpl:_fileobj_lookup(fileobj)
  local ok, fd = pcall(fileobj_to_fd, fileobj)
  if ok then return fd end
  if isinstance(fd, core.ValueError) then
    for _, key in pairs(self._fd_to_key) do
      if rawequal(key.fileobj, fileobj) then return key.fd end
    end
  end
  error(fd, 0)
end

-- Python's `events & EVENT_READ`: a TypeError for what is not an int.
local function check_mask(events)
  if type(events) ~= "number" or events ~= floor(events) then
    raise("TypeError", format("unsupported operand type(s) for &: '%s' and 'int'",
                              core._typename(events)))
  end
end

-- Python's `(not events) or (events & ~(EVENT_READ | EVENT_WRITE))`.
local function check_events(events)
  if events == nil or events == false or events == 0 then
    raise("ValueError", "Invalid events: " .. repr(events))
  end
  check_mask(events)
  if events < 1 or events > 3 then
    raise("ValueError", "Invalid events: " .. repr(events))
  end
end

function BaseSelectorImpl:register(fileobj, events, data)
  check_events(events)
  local key = new_key(fileobj, self:_fileobj_lookup(fileobj), events, data)
  if self._fd_to_key[key.fd] ~= nil then
    raise("KeyError", format("%s (FD %d) is already registered", repr(fileobj), key.fd))
  end
  self._fd_to_key[key.fd] = key
  self._nkeys = self._nkeys + 1
  return key
end

-- Removes and returns the key of fd, or nil.
local function pop_key(self, fd)
  local key = self._fd_to_key[fd]
  if key ~= nil then
    self._fd_to_key[fd] = nil
    self._nkeys = self._nkeys - 1
  end
  return key
end

function BaseSelectorImpl:unregister(fileobj)
  local key = pop_key(self, self:_fileobj_lookup(fileobj))
  if key == nil then
    raise("KeyError", repr(fileobj) .. " is not registered")
  end
  return key
end

function BaseSelectorImpl:modify(fileobj, events, data)
  local key = self._fd_to_key[self:_fileobj_lookup(fileobj)]
  if key == nil then
    raise("KeyError", repr(fileobj) .. " is not registered")
  end
  if events ~= key.events then
    self:unregister(fileobj)
    key = self:register(fileobj, events, data)
  elseif data ~= key.data then
    -- Use a shortcut to update the data.
    key = key:_replace{data = data}
    self._fd_to_key[key.fd] = key
  end
  return key
end

function BaseSelectorImpl:close()
  self._fd_to_key = {}
  self._nkeys = 0
  self._map = nil
end

function BaseSelectorImpl:get_map()
  return self._map
end

-- Python's comparison of a timeout with 0: a non-number fails `timeout
-- <= 0` (poll, epoll) or max(timeout, 0) (select) with a TypeError.
local function check_timeout(timeout, in_max)
  if type(timeout) ~= "number" then
    raise("TypeError", format(in_max and "'>' not supported between instances of 'int' and '%s'"
                              or "'<=' not supported between instances of '%s' and 'int'",
                              core._typename(timeout)))
  end
end

---------------------------------------------------------------- SelectSelector

-- Select-based selector. pyssl's select.select uses poll(2): no FD_SETSIZE
-- limit (Python's raises ValueError past descriptor 1023).
local SelectSelector = class("SelectSelector", BaseSelectorImpl)
M.SelectSelector = SelectSelector

function SelectSelector:__init()
  BaseSelectorImpl.__init(self)
  self._readers = {}
  self._writers = {}
end

function SelectSelector:register(fileobj, events, data)
  local key = BaseSelectorImpl.register(self, fileobj, events, data)
  if has_read(events) then self._readers[key.fd] = true end
  if has_write(events) then self._writers[key.fd] = true end
  return key
end

function SelectSelector:unregister(fileobj)
  local key = BaseSelectorImpl.unregister(self, fileobj)
  self._readers[key.fd] = nil
  self._writers[key.fd] = nil
  return key
end

local function set_list(set)
  local list = {}
  for fd in pairs(set) do list[#list + 1] = fd end
  return list
end

function SelectSelector:select(timeout)
  if timeout ~= nil then
    check_timeout(timeout, true)
    if timeout < 0 then timeout = 0 end
  end
  local ready = {}
  local r, w = select_mod.select(set_list(self._readers), set_list(self._writers), {}, timeout)
  local rw = {}
  for _, fd in pairs(r) do rw[fd] = EVENT_READ end
  for _, fd in pairs(w) do rw[fd] = (rw[fd] or 0) + EVENT_WRITE end
  local fd_to_key = self._fd_to_key
  for fd, events in pairs(rw) do
    local key = fd_to_key[fd]
    if key then
      ready[#ready + 1] = {key, band_events(events, key.events)}
    end
  end
  return ready
end

---------------------------------------------------------------- poll and epoll

-- Base class shared between poll and epoll selectors (Python's
-- _PollLikeSelector). Both pollers have IN = 1 and OUT = 4.
local PollLikeSelector = class("_PollLikeSelector", BaseSelectorImpl)
local POLL_IN, POLL_OUT = 1, 4
assert(select_mod.POLLIN == POLL_IN and select_mod.EPOLLIN == POLL_IN and
       select_mod.POLLOUT == POLL_OUT and select_mod.EPOLLOUT == POLL_OUT)

local function poller_events(events)
  check_mask(events)
  return (has_read(events) and POLL_IN or 0) + (has_write(events) and POLL_OUT or 0)
end

function PollLikeSelector:__init()
  BaseSelectorImpl.__init(self)
  self._selector = self._selector_cls()
  -- the ready descriptors and events of the last wait (reused)
  self._ready_fds, self._ready_events = {}, {}
end

function PollLikeSelector:register(fileobj, events, data)
  local key = BaseSelectorImpl.register(self, fileobj, events, data)
  local ok, err = pcall(self._selector.register, self._selector, key.fd, poller_events(events))
  if not ok then
    BaseSelectorImpl.unregister(self, fileobj)
    error(err, 0)
  end
  return key
end

function PollLikeSelector:unregister(fileobj)
  local key = BaseSelectorImpl.unregister(self, fileobj)
  -- An OSError can happen if the FD was closed since it was registered.
  local ok, err = pcall(self._selector.unregister, self._selector, key.fd)
  if not ok and not isinstance(err, core.OSError) then error(err, 0) end
  return key
end

function PollLikeSelector:modify(fileobj, events, data)
  local key = self._fd_to_key[self:_fileobj_lookup(fileobj)]
  if key == nil then
    raise("KeyError", repr(fileobj) .. " is not registered")
  end
  local changed = false
  if events ~= key.events then
    local ok, err = pcall(self._selector.modify, self._selector, key.fd, poller_events(events))
    if not ok then
      BaseSelectorImpl.unregister(self, fileobj)
      error(err, 0)
    end
    changed = true
  end
  if data ~= key.data then changed = true end
  if changed then
    key = key:_replace{events = events, data = data}
    self._fd_to_key[key.fd] = key
  end
  return key
end

-- The whole milliseconds to wait: None forever (-1), <= 0 not at all,
-- else rounded away from zero to wait *at least* timeout seconds.
local function timeout_ms(timeout)
  if timeout == nil then return -1 end
  check_timeout(timeout)
  if timeout <= 0 then return 0 end
  if timeout * 1e3 >= 2147483648.0 then raise("OverflowError", "timeout is too large") end
  return ceil(timeout * 1e3)
end

-- Turns the n ready (fd, poller event) pairs of the last wait into
-- Python's list of (key, events).
local function ready_list(self, n)
  local ready = {}
  local fds, evs, fd_to_key = self._ready_fds, self._ready_events, self._fd_to_key
  for i = 1, n do
    local key = fd_to_key[fds[i]]
    if key then
      local event = evs[i]
      -- Python: (event & ~IN and EVENT_WRITE) | (event & ~OUT and EVENT_READ)
      local has_in = event % 2 == 1
      local has_out = floor(event / 4) % 2 == 1
      local events = ((event - (has_in and 1 or 0)) ~= 0 and EVENT_WRITE or 0) +
                     ((event - (has_out and 4 or 0)) ~= 0 and EVENT_READ or 0)
      ready[#ready + 1] = {key, band_events(events, key.events)}
    end
  end
  return ready
end

function PollLikeSelector:select(timeout)
  local n = self._selector:_wait(timeout_ms(timeout), self._ready_fds, self._ready_events)
  return ready_list(self, n)
end

-- Poll-based selector.
local PollSelector = class("PollSelector", PollLikeSelector)
PollSelector._selector_cls = select_mod.poll
M.PollSelector = PollSelector

-- Epoll-based selector.
local EpollSelector = class("EpollSelector", PollLikeSelector)
EpollSelector._selector_cls = select_mod.epoll
M.EpollSelector = EpollSelector

function EpollSelector:fileno()
  return self._selector:fileno()
end

function EpollSelector:select(timeout)
  local ms = timeout_ms(timeout)
  -- epoll_wait() expects maxevents to be greater than zero; select() can
  -- be called when no FD is registered.
  local max_ev = self._nkeys
  if max_ev == 0 then max_ev = 1 end
  local n = self._selector:_wait(ms, max_ev, self._ready_fds, self._ready_events)
  return ready_list(self, n)
end

function EpollSelector:close()
  self._selector:close()
  BaseSelectorImpl.close(self)
end

-- Choose the best implementation, roughly: epoll|kqueue|devpoll > poll > select.
M.DefaultSelector = EpollSelector

return M
