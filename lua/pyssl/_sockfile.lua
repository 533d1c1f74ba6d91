-- pyssl._sockfile: the file objects of socket.makefile() (Python's
-- BufferedReader / BufferedWriter / BufferedRWPair, TextIOWrapper in text
-- mode). pyssl.socket loads this module on the first makefile() call and
-- calls what it returns with its reference counts (Python's
-- socket._io_refs) and the function that drops one; that gives makefile.
local core = require "pyssl.core"
local compat = require "pyssl._compat"
local math_type, tointeger = compat.math_type, compat.tointeger
local isinstance, OSError = core.isinstance, core.OSError
local UnsupportedOperation = require("pyssl.socket")._UnsupportedOperation

local DEFAULT_BUFFER_SIZE = 8192
local EAGAIN = 11

-- Set once by the function this module returns.
local io_refs, decref

local File = {}
File.__index = File
File.__name = "SocketFile"

local function raise(cls, msg)
  error(core[cls](msg), 2)
end

local function check_open(self, binary_msg)
  if self.closed then
    raise("ValueError", (self.binary and binary_msg) or "I/O operation on closed file.")
  end
end

-- One chunk from the socket through the newline layer: a string, "" at
-- EOF, nil when a non-blocking socket has nothing now.
local function fill(self)
  if self.timed_out then
    core._raise("OSError", "cannot read from timed out object")
  end
  local ok, data = pcall(self.sock.recv, self.sock, self.bufsize)
  if not ok then
    if isinstance(data, core.TimeoutError) then
      self.timed_out = true
    elseif isinstance(data, OSError) and data.errno == EAGAIN then
      return nil
    end
    error(data, 0)
  end
  if self.translate then
    if self.pending_cr then
      data = "\r" .. data
      self.pending_cr = false
    end
    if data ~= "" and data:sub(-1) == "\r" then
      data = data:sub(1, -2)
      self.pending_cr = true
      if data == "" then return fill(self) end
    end
    data = data:gsub("\r\n?", "\n")
    if data == "" and self.pending_cr then
      self.pending_cr = false
      data = "\n"
      self.eof_next = true
    end
  end
  return data
end

-- Reads more into the buffer; returns false at EOF, nil when it would block.
local function more(self)
  if self.eof_next then
    self.eof_next = false
    return false
  end
  local data = fill(self)
  if data == nil then return nil end
  if data == "" then return false end
  self.rbuf = self.rbuf .. data
  return true
end

local function check_size(size, dflt)
  if size == nil then return dflt end
  if math_type(size) ~= "integer" then
    if type(size) == "number" and size == math.floor(size) then return tointeger(size) end
    core._raise("TypeError", string.format("argument should be integer or None, not '%s'", core._typename(size)))
  end
  return size
end

function File:readable()
  if self.closed then core._raise("ValueError", "I/O operation on closed socket.") end
  return self.reading
end

function File:writable()
  if self.closed then core._raise("ValueError", "I/O operation on closed socket.") end
  return self.writing
end

function File:seekable()
  if self.closed then core._raise("ValueError", "I/O operation on closed socket.") end
  return false
end

function File:fileno()
  check_open(self)
  return self.sock:fileno()
end

-- Lua's io formats, so that Lua code can read the file as an io file:
-- "l" a line without its "\n" and "L" with it (nil at EOF), "a" the rest
-- ("" at EOF); a leading "*" is accepted (Lua 5.1).
local LUA_FORMATS = {l = true, L = true, a = true, ["*l"] = true, ["*L"] = true, ["*a"] = true}

local function read_format(self, fmt)
  fmt = fmt:sub(-1)
  if fmt == "a" then return self:read(-1) end
  local line = self:readline()
  if line == "" then return nil end
  if fmt == "l" and line:sub(-1) == "\n" then line = line:sub(1, -2) end
  return line
end

-- read(size=-1): up to size bytes (all until EOF when -1/nil); "" at EOF;
-- nil when a non-blocking socket has no data. Also read("l"), read("L"),
-- read("a") and several formats at once, as Lua's file:read.
function File:read(size, ...)
  if LUA_FORMATS[size] or select("#", ...) > 0 then
    check_open(self, "read of closed file")
    local out, n = {}, select("#", ...) + 1
    for i = 1, n do
      local fmt = select(i, size, ...)
      local v
      if LUA_FORMATS[fmt] then v = read_format(self, fmt) else v = self:read(fmt) end
      out[i] = v
      if v == nil then return compat.unpack(out, 1, i) end
    end
    return compat.unpack(out, 1, n)
  end
  check_open(self, "read of closed file")
  if not self.reading then error(UnsupportedOperation(self.binary and "read" or "not readable"), 2) end
  size = check_size(size, -1)
  if size < -1 then core._raise("ValueError", "read length must be non-negative or -1") end
  if size == -1 then
    local parts = {self.rbuf}
    self.rbuf = ""
    while true do
      if self.eof_next then self.eof_next = false break end
      local data = fill(self)
      if data == nil then
        if #parts == 1 and parts[1] == "" then return nil end
        break
      end
      if data == "" then break end
      parts[#parts + 1] = data
    end
    return table.concat(parts)
  end
  while #self.rbuf < size do
    local got = more(self)
    if got == nil then
      if self.rbuf == "" then return nil end
      break
    end
    if not got then break end
  end
  local out = self.rbuf:sub(1, size)
  self.rbuf = self.rbuf:sub(size + 1)
  return out
end

-- Position of the end of the first line in s (or nil).
local function line_end(self, s, at_eof)
  local nl = self.newline
  if nl == "" then
    local i = s:find("[\r\n]")
    if not i then return nil end
    if s:sub(i, i) == "\n" then return i end
    if i < #s then return s:sub(i + 1, i + 1) == "\n" and i + 1 or i end
    return at_eof and i or nil
  end
  local term = (self.binary or nl == nil) and "\n" or nl
  local i = s:find(term, 1, true)
  return i and i + #term - 1 or nil
end

-- readline(size=-1): one line with its terminator; "" at EOF.
function File:readline(size)
  check_open(self, "readline of closed file")
  if not self.reading then error(UnsupportedOperation(self.binary and "read" or "not readable"), 2) end
  size = check_size(size, -1)
  local at_eof = false
  while true do
    local e = line_end(self, self.rbuf, at_eof)
    if size >= 0 and (e == nil or e > size) and #self.rbuf >= size then e = size end
    if e or at_eof then
      e = e or #self.rbuf
      local out = self.rbuf:sub(1, e)
      self.rbuf = self.rbuf:sub(e + 1)
      return out
    end
    local got = more(self)
    if got == nil then e = #self.rbuf; at_eof = true
    elseif not got then at_eof = true end
  end
end

-- readlines(hint=-1): a sequence of lines.
function File:readlines(hint)
  hint = check_size(hint, -1)
  local lines, total = {}, 0
  while true do
    local line = self:readline()
    if line == "" then break end
    lines[#lines + 1] = line
    total = total + #line
    if hint > 0 and total >= hint then break end
  end
  return lines
end

-- for line in f:lines() do ... end (Python's `for line in f`: lines keep
-- their terminator); f:lines(fmt, ...) reads Lua's formats ("l": lines
-- without "\n") until the first nil.
function File:lines(...)
  if select("#", ...) > 0 then
    local formats = table.pack(...)
    return function()
      return self:read(compat.unpack(formats, 1, formats.n))
    end
  end
  return function()
    local line = self:readline()
    if line ~= "" then return line end
  end
end

-- write(data) -> number of bytes; buffered until flush() (or the buffer fills).
function File:write(data)
  check_open(self, "write to closed file")
  if not self.writing then error(UnsupportedOperation(self.binary and "write" or "not writable"), 2) end
  local bytes = core._socket.bytearray
  if type(data) ~= "string" then
    if self.binary and isinstance(data, bytes) then
      data = tostring(data)
    elseif self.binary then
      core._raise("TypeError", string.format("a bytes-like object is required, not '%s'", core._typename(data)))
    else
      core._raise("TypeError", string.format("write() argument must be str, not %s", core._typename(data)))
    end
  end
  local n = #data
  if not self.binary and (self.newline == "\r" or self.newline == "\r\n") then
    data = data:gsub("\n", self.newline)
  end
  self.wbuf[#self.wbuf + 1] = data
  self.wsize = self.wsize + #data
  if self.unbuffered or self.wsize >= self.bufsize then
    self:flush()
  end
  return n
end

function File:flush()
  check_open(self, "flush of closed file")
  if self.wsize > 0 then
    local data = table.concat(self.wbuf)
    self.wbuf, self.wsize = {}, 0
    self.sock:sendall(data)
  end
end

-- close(): flushes, then lets the socket close if it was waiting for us.
function File:close()
  if self.closed then return end
  local ok, err = true, nil
  if self.writing then ok, err = pcall(self.flush, self) end
  self.closed = true
  decref(self.sock)
  if not ok then error(err, 0) end
end

File.__close = File.close
File.__gc = function(self) pcall(File.close, self) end

File.__tostring = function(self)
  if self.binary then
    if self.reading and self.writing then
      return string.format("<_io.BufferedRWPair object at %s>", self.addr)
    end
    return string.format("<_io.%s name=%d>", self.reading and "BufferedReader" or "BufferedWriter", self.name)
  end
  return string.format("<_io.TextIOWrapper name=%d mode=%s encoding=%s>", self.name,
    core._repr(self.mode), core._repr(self.encoding or "UTF-8"))
end

local SOCKET_MAKEFILE_SIG = core._signature{name = "socket.makefile", pos = {"mode", "buffering"}, kwonly = {"encoding", "errors", "newline"}, self = true}
-- makefile(mode="r", buffering=nil, {encoding=, errors=, newline=})
local function makefile(self, ...)
  local mode, buffering, encoding, errors, newline =
    core._bind(SOCKET_MAKEFILE_SIG, ...)
  mode = mode or "r"
  if type(mode) ~= "string" then
    core._raise("TypeError", string.format("'%s' object is not iterable", core._typename(mode)))
  end
  if mode:find("[^rwb]") then
    core._raise("ValueError", string.format("invalid mode %s (only r, w, b allowed)", core._repr(mode)))
  end
  local writing = mode:find("w") ~= nil
  local reading = mode:find("r") ~= nil or not writing
  local binary = mode:find("b") ~= nil
  local rawmode = (reading and "r" or "") .. (writing and "w" or "")
  buffering = buffering == nil and -1 or buffering
  if type(buffering) ~= "number" then
    core._raise("TypeError", string.format("'<' not supported between instances of '%s' and 'int'",
      core._typename(buffering)))
  elseif math_type(buffering) ~= "integer" then
    core._raise("TypeError", "'float' object cannot be interpreted as an integer")
  end
  if buffering == 0 and not binary then
    core._raise("ValueError", "unbuffered streams must be binary")
  end
  if newline ~= nil and newline ~= "" and newline ~= "\n" and newline ~= "\r" and newline ~= "\r\n" then
    core._raise("ValueError", string.format("illegal newline value: %s", tostring(newline)))
  end
  local f = setmetatable({
    sock = self, reading = reading, writing = writing, binary = binary,
    bufsize = (buffering > 0) and buffering or DEFAULT_BUFFER_SIZE,
    unbuffered = buffering == 0,
    rbuf = "", wbuf = {}, wsize = 0, closed = false,
    newline = not binary and newline or nil,
    translate = not binary and reading and newline == nil,
    encoding = encoding, errors = errors,
    name = self:fileno(),
    mode = binary and (rawmode .. "b") or rawmode,
  }, File)
  compat.table_gc(f, File.__gc)
  f.addr = tostring({}):match("0x%x+") or "0x0"
  io_refs[self] = (io_refs[self] or 0) + 1
  return f
end

return function(refs, drop_ref)
  io_refs, decref = refs, drop_ref
  return makefile
end
