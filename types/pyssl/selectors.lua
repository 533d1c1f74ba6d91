---@meta pyssl.selectors
-- LuaLS declarations of `require "pyssl.selectors"`: Python's selectors
-- module (https://docs.python.org/3/library/selectors.html) over
-- pyssl.select's epoll, poll and select. File objects: integers, pyssl
-- sockets and SSLSockets, and anything with fileno() or getfd()
-- (LuaSocket). Python's (key, events) tuples are sequences {key, events}.
-- Python's `with` is close() (or `<close>` on Lua 5.4).

---@class pyssl.selectors
---@field EVENT_READ integer 1
---@field EVENT_WRITE integer 2
local M = {}

---A ready file object of select(): {key, events}, events the ready subset
---of key.events (EVENT_READ, EVENT_WRITE or both).
---@alias pyssl.selectors.Ready {[1]: pyssl.selectors.SelectorKey, [2]: integer}

---------------------------------------------------------------- SelectorKey

---Python's SelectorKey(fileobj, fd, events, data): a named tuple, also
---key[1]..key[4] in that order (#key is 4 from Lua 5.2 on). Treat its
---fields as read-only.
---@class pyssl.selectors.SelectorKey
---@overload fun(fileobj: any, fd: integer, events: integer, data: any): pyssl.selectors.SelectorKey
---@field fileobj any the registered file object
---@field fd integer its descriptor
---@field events integer EVENT_READ, EVENT_WRITE or both
---@field data any what register() or modify() attached
local SelectorKey = {}
M.SelectorKey = SelectorKey

---Python's namedtuple _replace: a new key with the given fields changed.
---@param changes {fileobj?: any, fd?: integer, events?: integer, data?: any}
---@return pyssl.selectors.SelectorKey
function SelectorKey:_replace(changes) end

---------------------------------------------------------------- the mapping

---What get_map() returns (Python's _SelectorMapping, read-only): map[fileobj]
---is its SelectorKey (KeyError when it is not registered). From Lua 5.2 on
---#map is map:len() and pairs(map) is map:items() (not on 5.1 and LuaJIT).
---@class pyssl.selectors._SelectorMapping
---@field [any] pyssl.selectors.SelectorKey
local Mapping = {}

---Python's len(mapping): how many file objects are registered.
---@return integer
function Mapping:len() end

---Python's mapping.get(fileobj, default=None).
---@param fileobj any
---@param default? any
---@return pyssl.selectors.SelectorKey|any key the key, or default when fileobj is not registered
function Mapping:get(fileobj, default) end

---Python's `fileobj in mapping`.
---@param fileobj any
---@return boolean
function Mapping:contains(fileobj) end

---For a generic for: `for fd, key in map:items() do` (order not specified).
---@return fun(t: table<integer, pyssl.selectors.SelectorKey>, fd?: integer): integer?, pyssl.selectors.SelectorKey? iterator
---@return table<integer, pyssl.selectors.SelectorKey> state
---@return nil
function Mapping:items() end

---For a generic for: `for fd in map:keys() do` (Python's iter(mapping): the descriptors).
---@return fun(): integer?
function Mapping:keys() end

---For a generic for: `for key in map:values() do`.
---@return fun(): pyssl.selectors.SelectorKey?
function Mapping:values() end

---------------------------------------------------------------- selectors

---Python's selectors.BaseSelector: what every selector has. Calling it
---raises TypeError (an abstract class).
---@class pyssl.selectors.BaseSelector
local BaseSelector = {}
M.BaseSelector = BaseSelector

---Python's register(fileobj, events, data=None): ValueError for an invalid
---file object or events (not 1, 2 or 3), TypeError for events that are no
---integer, KeyError when fileobj (or its descriptor) is registered already.
---@param fileobj any an integer, a socket, or an object with fileno()/getfd()
---@param events integer EVENT_READ, EVENT_WRITE or both (their sum)
---@param data? any attached to the key
---@return pyssl.selectors.SelectorKey
function BaseSelector:register(fileobj, events, data) end

---Python's unregister(fileobj): its key; KeyError when it is not
---registered. A closed file object can still be unregistered.
---@param fileobj any
---@return pyssl.selectors.SelectorKey
function BaseSelector:unregister(fileobj) end

---Python's modify(fileobj, events, data=None): the new key; KeyError when
---fileobj is not registered. As in Python, only SelectSelector checks the
---events as register() does (it unregisters first: a ValueError leaves
---fileobj unregistered); PollSelector and EpollSelector take any integer.
---@param fileobj any
---@param events integer
---@param data? any
---@return pyssl.selectors.SelectorKey
function BaseSelector:modify(fileobj, events, data) end

---Python's select(timeout=None): waits until a registered file object is
---ready or timeout seconds passed (nil: forever; 0 or less: no wait), and
---returns the ready ones as {key, events} pairs (empty on timeout).
---@param timeout? number seconds
---@return pyssl.selectors.Ready[]
function BaseSelector:select(timeout) end

---Python's close(): forgets every registration (and closes the epoll
---descriptor of an EpollSelector); get_map() is nil afterwards.
function BaseSelector:close() end

---Python's get_key(fileobj): its key; KeyError when it is not registered,
---RuntimeError once the selector is closed.
---@param fileobj any
---@return pyssl.selectors.SelectorKey
function BaseSelector:get_key(fileobj) end

---Python's get_map(): the file objects' keys (nil once closed).
---@return pyssl.selectors._SelectorMapping?
function BaseSelector:get_map() end

---Python's SelectSelector(): waits with pyssl.select.select (poll(2)
---underneath, so descriptors above 1023 work).
---@class pyssl.selectors.SelectSelector : pyssl.selectors.BaseSelector
---@overload fun(): pyssl.selectors.SelectSelector
local SelectSelector = {}
M.SelectSelector = SelectSelector

---Python's PollSelector(): waits with a pyssl.select.poll object.
---@class pyssl.selectors.PollSelector : pyssl.selectors.BaseSelector
---@overload fun(): pyssl.selectors.PollSelector
local PollSelector = {}
M.PollSelector = PollSelector

---Python's EpollSelector(): waits with a pyssl.select.epoll object (the
---DefaultSelector).
---@class pyssl.selectors.EpollSelector : pyssl.selectors.BaseSelector
---@overload fun(): pyssl.selectors.EpollSelector
local EpollSelector = {}
M.EpollSelector = EpollSelector

---Python's EpollSelector.fileno(): the epoll descriptor (ValueError once closed).
---@return integer
function EpollSelector:fileno() end

-- Python's DefaultSelector: the best selector of the platform (Linux: epoll).
M.DefaultSelector = EpollSelector

return M
