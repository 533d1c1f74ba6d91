-- pyssl.luasec.buffer: LuaSocket's I/O semantics (its buffer.c and
-- timeout.c) over any byte stream, for objects that must answer as a
-- LuaSocket or LuaSec connection does:
--
--   receive([pattern [, prefix]])  "*l"/"l" (a line, LF dropped, every CR
--                                  dropped), "*a"/"a" (up to the end of the
--                                  stream), n (n bytes, the prefix counted
--                                  in: n - #prefix are read); on failure
--                                  nil, err, partial (prefix included).
--                                  "l"/"a" are Lua 5.4's io names, which
--                                  LuaSocket 3.1 and LuaSec 1.2 refuse.
--   send(data [, i [, j]])         the index of the last byte sent (a
--                                  float, as LuaSocket pushes it); on
--                                  failure nil, err, last index sent
--   settimeout(t [, mode])         mode "b" (each wait, the default) or
--                                  "t" (the whole call); nil or negative
--                                  is no limit
--   dirty()                        bytes buffered here or in the stream
--
-- The stream is a table of three functions (the interface another
-- LuaSocket-shaped object can reuse):
--
--   io.recv(tm)        -> data (non-empty) | nil, err
--   io.send(data, tm)  -> count (>= 1) | nil, err
--   io.pending()       -> bytes the stream holds that recv returns at once
--
-- `tm` is the call's timer: tm:left() is the seconds the next wait may
-- take (nil: no limit; 0: do not wait), computed as LuaSocket's
-- timeout_getretry does. err "closed" from recv ends "*a" successfully;
-- every err is passed to the caller as it is ("timeout", "wantread",
-- "closed", an OpenSSL or kernel text).
--
-- Plain Lua 5.1 code: runs on every Lua.
local type, tostring, error, floor = type, tostring, error, math.floor
local find, gsub, sub = string.find, string.gsub, string.sub

local buffer = {}
buffer.__index = buffer

-- The clock for "t" timeouts: LuaSocket's when loaded, else os.time.
local clock
do
  local ok, socket = pcall(require, "socket")
  if ok and type(socket) == "table" and type(socket.gettime) == "function" then
    clock = socket.gettime
  else
    clock = os.time
  end
end

local STEP = 16384   -- bytes per io.send call, as LuaSocket's send loop

---------------------------------------------------------------- timer

local timer = {}
timer.__index = timer

-- Seconds the next wait may take: nil is no limit.
function timer:left()
  local block, total = self.block, self.total
  if total == nil then return block end
  local rest = total - (clock() - self.start)
  if rest < 0 then rest = 0 end
  if block == nil or rest < block then return rest end
  return block
end

local function start_timer(self)
  return setmetatable({block = self.block, total = self.total,
                       start = self.total and clock() or 0}, timer)
end

-- buffer.timer(b): a timer started now with b's timeouts (for calls
-- that wait outside receive/send, e.g. a TLS handshake).
buffer.timer = function(b) return start_timer(b) end

---------------------------------------------------------------- object

-- buffer.new(io): a LuaSocket buffer over io (see above).
function buffer.new(io)
  return setmetatable({io = io, data = "", block = nil, total = nil}, buffer)
end

-- settimeout(t [, mode]): LuaSocket's; returns 1 as LuaSocket does.
function buffer:settimeout(t, mode)
  if t ~= nil and type(t) ~= "number" then
    error("bad argument #1 to 'settimeout' (number expected, got " .. type(t) .. ")", 3)
  end
  if t ~= nil and t < 0 then t = nil end
  mode = mode or "b"
  local m = sub(mode, 1, 1)
  if m == "b" or m == "r" then
    self.block = t
  elseif m == "t" then
    self.total = t
  else
    error("bad argument #2 to 'settimeout' (invalid timeout mode)", 3)
  end
  return 1
end

function buffer:gettimeout()
  return self.block or -1, self.total or -1
end

function buffer:dirty()
  return #self.data > 0 or self.io.pending() > 0
end

-- Appends what the stream gives once to the buffer; nil, err on failure.
-- The end of the stream is final: "closed" from then on.
local function fill(self, tm)
  if self.closed then return nil, "closed" end
  local data, err = self.io.recv(tm)
  if not data then
    if err == "closed" then self.closed = true end
    return nil, err
  end
  self.data = self.data .. data
  return true
end

local function take(self, n)
  local out = sub(self.data, 1, n)
  self.data = sub(self.data, n + 1)
  return out
end

local function receive_line(self, tm)
  while true do
    local nl = find(self.data, "\n", 1, true)
    if nl then
      local line = take(self, nl)
      return (gsub(sub(line, 1, -2), "\r", ""))
    end
    local ok, err = fill(self, tm)
    if not ok then
      return nil, err, (gsub(take(self, #self.data), "\r", ""))
    end
  end
end

local function receive_all(self, tm)
  while true do
    local ok, err = fill(self, tm)
    if not ok then
      local all = take(self, #self.data)
      if err == "closed" then return all end
      return nil, err, all
    end
  end
end

local function receive_count(self, n, tm)
  while #self.data < n do
    local ok, err = fill(self, tm)
    if not ok then return nil, err, take(self, #self.data) end
  end
  return take(self, n)
end

-- receive([pattern [, prefix]])
function buffer:receive(pattern, prefix)
  if prefix ~= nil and type(prefix) ~= "string" and type(prefix) ~= "number" then
    error("bad argument #2 to 'receive' (string expected, got " .. type(prefix) .. ")", 3)
  end
  prefix = prefix and tostring(prefix) or ""
  local tm = start_timer(self)
  local data, err, partial
  if pattern == nil then pattern = "*l" end
  if type(pattern) == "number" then
    if pattern < 0 then error("bad argument #1 to 'receive' (invalid receive pattern)", 3) end
    -- LuaSocket counts the prefix in n: it reads n - #prefix more bytes
    local n = floor(pattern) - #prefix
    if n < 0 then n = 0 end
    data, err, partial = receive_count(self, n, tm)
  elseif type(pattern) == "string" then
    local p = sub(pattern, 1, 1) == "*" and sub(pattern, 2, 2) or sub(pattern, 1, 1)
    if p == "l" then
      data, err, partial = receive_line(self, tm)
    elseif p == "a" then
      data, err, partial = receive_all(self, tm)
    else
      error("bad argument #1 to 'receive' (invalid receive pattern)", 3)
    end
  else
    error("bad argument #1 to 'receive' (invalid receive pattern)", 3)
  end
  -- LuaSocket's three values, also on success
  if data then return prefix .. data, nil, nil end
  return nil, err, prefix .. partial
end

-- LuaSocket's index normalisation of send(data, i, j).
local function range(len, i, j)
  i = i and floor(i) or 1
  j = j and floor(j) or -1
  if i < 0 then i = len + i + 1 end
  if i < 1 then i = 1 end
  if j < 0 then j = len + j + 1 end
  if j > len then j = len end
  return i, j
end

-- send(data [, i [, j]])
function buffer:send(data, i, j)
  if type(data) == "number" then data = tostring(data) end
  if type(data) ~= "string" then
    error("bad argument #1 to 'send' (string expected, got " .. type(data) .. ")", 3)
  end
  local first, last = range(#data, i, j)
  local pos = first
  local tm = start_timer(self)
  while pos <= last do
    local stop = pos + STEP - 1
    if stop > last then stop = last end
    local n, err = self.io.send(sub(data, pos, stop), tm)
    if not n then return nil, err, (pos - 1) + 0.0 end
    pos = pos + n
  end
  -- LuaSocket answers the last index sent (i - 1 when there was nothing).
  return (last >= first and last or first - 1) + 0.0, nil, nil
end

return buffer
