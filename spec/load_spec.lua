-- A bounded load test: many concurrent TLS connections to a select-driven
-- pyssl echo server on loopback, every byte checked in both directions,
-- and no descriptor or memory growth once they are closed.
--
-- Protocol of one connection. As soon as its handshake is done, the server
-- sends a greeting: "G" .. 8 hex digits of a seed .. "\n" followed by
-- pattern(seed) (server-initiated data). The client sends its own payload
-- (pattern of its own seed) in several writes; the server echoes every byte
-- it receives. The client reads greeting + echo, checks every byte, and
-- closes once all connections have been open together (a barrier); the
-- server closes when it reads EOF. Every BIG_EVERY-th payload is large and
-- the sockets' buffers small, so that writes also wait for the peer.
--
-- Counts shrink under PYSSL_SLOW=1 (set by `make check-asan` and
-- `make check-valgrind`), where everything runs many times slower.
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local P = require "spec.support.peers"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select = require("pyssl.select").select

local SLOW = os.getenv("PYSSL_SLOW") == "1"
local N = SLOW and 40 or 200          -- concurrent connections per round
local NEW_PER_TURN = 25               -- clients started per loop turn
local ROUND_LIMIT = SLOW and 300 or 20   -- seconds, per round
local FD_SETSIZE = 1024

-- Rounds of the in-process test: round 1 is a warm-up (allocator caches,
-- OpenSSL's lazy tables); rounds 2 to ROUNDS are measured.
local ROUNDS = 4

-- Growth allowed from round 2 to the later ones.
-- Lua heap (bytes): every measurement holds exactly the same objects and
-- the heap is counted to the byte after full collections, so the figures
-- are equal; 64 bytes is less than the smallest thing a round could keep (a
-- table is 56 bytes, a string 25 or more, an SSLContext left behind ~250).
-- LuaJIT's heap after full collections (traces flushed) still moves by
-- about 240 bytes between identical rounds, up or down (measured: 1069.882,
-- 1069.937, 1070.128 KiB), once in four full runs by 736 bytes (1100.269
-- -> 1100.987 KiB at round 3, then flat): there 1024 bytes, which one
-- leaked object per connection (200 x 56 bytes) still exceeds ten times.
local HEAP_TOLERANCE = rawget(_G, "jit") and 1024 or 64
-- RSS (KiB), from round 2 to the last: glibc keeps freed memory in its
-- free lists, and how much of it stays resident depends on fragmentation:
-- over 30 runs, RSS moved by up to 1.8 MiB between rounds doing the same
-- work (median ~0.2 MiB), and the moves do not add up. Leaks do, from round
-- to round; the OpenSSL state of one connection end is ~28 KiB (a build
-- that does not free its SSL objects grows RSS by ~11 MiB per round at
-- N = 200), so 4 MiB over two rounds catches losing that state for one end
-- in five. Smaller C leaks
-- are the business of the leak checkers (`make check-asan`, `make
-- check-valgrind`), under which RSS means nothing (freed memory sits in
-- their quarantine), so it is not asserted there.
local RSS_TOLERANCE = 4096

------------------------------------------------------------ payloads

-- Deterministic bytes from a seed (xorshift32, little-endian words): both
-- ends can recompute what the other should have sent, so every byte is
-- checked. Words are packed 16 at a time: 64-byte strings are not
-- interned, so making a payload does not grow Lua's string table (whose
-- size after a collection would depend on when the collector ran, and so
-- blur the heap measurements).
--
-- The 32-bit xor and the little-endian packing are picked once for this
-- Lua: operators and string.pack from 5.3 on, LuaJIT's bit library,
-- 5.2's bit32, else arithmetic (shifts are exact products and quotients).
local BLOCK = "<" .. string.rep("I4", 16)
local compat = require "pyssl._compat"
local floor, unpack = math.floor, compat.unpack
local bxor32
if compat.has_integers then
  bxor32 = compat.load("return function(a, b) return a ~ b end")()
elseif rawget(_G, "bit") then
  local bxor = bit.bxor
  bxor32 = function(a, b) return bxor(a, b) % 4294967296 end
elseif rawget(_G, "bit32") then
  bxor32 = bit32.bxor
else
  bxor32 = function(a, b)
    local r, p = 0, 1
    while a > 0 or b > 0 do
      local x, y = a % 2, b % 2
      if x ~= y then r = r + p end
      a, b, p = (a - x) / 2, (b - y) / 2, p * 2
    end
    return r
  end
end
local pack_block = string.pack and function(words) return string.pack(BLOCK, unpack(words)) end
  or function(words)
    local bytes = {}
    for w = 1, 16 do
      local v = words[w]
      for k = 1, 4 do
        bytes[#bytes + 1] = v % 256
        v = floor(v / 256)
      end
    end
    return string.char(unpack(bytes))
  end

local function pattern(seed, len)
  local blocks, words, x = {}, {}, seed
  for b = 1, compat.idiv(len + 63, 64) do
    for w = 1, 16 do
      x = bxor32(x, x * 8192 % 4294967296)
      x = bxor32(x, floor(x / 131072))
      x = bxor32(x, x * 32 % 4294967296)
      words[w] = x
    end
    blocks[b] = pack_block(words)
  end
  return table.concat(blocks):sub(1, len)
end

local GREETING_BODY = 1500

local function greeting(seed)
  return string.format("G%08x\n", seed) .. pattern(seed, GREETING_BODY)
end

local GREETING_LEN = #greeting(1)

-- Size of connection i's payload: a few KB, a different size each; every
-- BIG_EVERY-th sends 64 KiB. The sockets of this process have small
-- buffers (SMALL_BUFFER), so such writes have to wait for the peer
-- (SSLWantWriteError, then select for writing).
local BIG_EVERY = 25
local SMALL_BUFFER = 8192

local function payload_size(i)
  if i % BIG_EVERY == 0 then return 64 * 1024 + i end
  return 3000 + (i * 37) % 2000
end

-- Connection i's payload, and the same split into four writes of
-- different sizes.
local function client_payload(i)
  local seed = bxor32(0x9e3779b9, i * 2654435761 % 4294967296)
  local data = pattern(seed, payload_size(i))
  local cuts = {1, 700, 1900, 2600, #data + 1}
  local chunks = {}
  for k = 1, 4 do chunks[k] = data:sub(cuts[k], cuts[k + 1] - 1) end
  return data, chunks
end

-- The same clients in python3 (asyncio, CPython's ssl): argv N, port,
-- time limit. Each connects, reads the greeting's first line, sends its
-- payload in four writes, reads the rest of the greeting and the echo,
-- checks them, and closes once all N were open together. Prints
-- {checked, max_open, errors}.
local PY_CLIENTS = [=[
import asyncio

N, PORT, LIMIT = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
GREETING_BODY, BIG_EVERY = ]=] .. GREETING_BODY .. ", " .. BIG_EVERY .. [=[


def pattern(seed, n):
    words, x = [], seed
    for _ in range((n + 3) // 4):
        x ^= (x << 13) & 0xffffffff
        x ^= x >> 17
        x ^= (x << 5) & 0xffffffff
        words.append(x.to_bytes(4, "little"))
    return b"".join(words)[:n]

def payload_size(i):
    if i % BIG_EVERY == 0:
        return 64 * 1024 + i
    return 3000 + (i * 37) % 2000

def client_payload(i):
    seed = 0x9e3779b9 ^ ((i * 2654435761) & 0xffffffff)
    data = pattern(seed, payload_size(i))
    cuts = [0, 699, 1899, 2599, len(data)]
    return data, [data[cuts[k]:cuts[k + 1]] for k in range(4)]

ctx = ssl.create_default_context(cafile=PKI + "ca.pem")
state = {"open": 0, "max_open": 0, "checked": 0}
errors = []

async def client(i, all_open):
    try:
        await exchange(i, all_open)
    except BaseException:
        all_open.set()   # nobody waits for a client that failed
        raise

async def exchange(i, all_open):
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT, ssl=ctx,
                                                   server_hostname="localhost")
    # Open for the server too once its greeting comes (TLS 1.3: the client
    # is done with the handshake before the server).
    head = await reader.readexactly(10)
    state["open"] += 1
    state["max_open"] = max(state["max_open"], state["open"])
    if state["open"] == N:
        all_open.set()
    payload, chunks = client_payload(i)
    for chunk in chunks:
        writer.write(chunk)
        await writer.drain()
    seed = int(head[1:9], 16)
    want = head[:10] + pattern(seed, GREETING_BODY) + payload
    got = head + await reader.readexactly(len(want) - 10)
    if got != want or head[:1] != b"G":
        errors.append("client %d: %d bytes back, not the greeting + echo expected" % (i, len(got)))
    else:
        state["checked"] += 1
    await all_open.wait()
    writer.close()
    await writer.wait_closed()
    state["open"] -= 1

async def main():
    all_open = asyncio.Event()
    tasks = [client(i, all_open) for i in range(1, N + 1)]
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), LIMIT)
    for i, r in enumerate(results, 1):
        if isinstance(r, BaseException):
            errors.append("client %d: %s: %s" % (i, type(r).__name__, r))

try:
    asyncio.run(main())
except BaseException as e:
    errors.append("%s: %s" % (type(e).__name__, e))
emit({"checked": state["checked"], "max_open": state["max_open"], "errors": errors})
]=]

------------------------------------------------------ process figures

local PAGE_SIZE = (function()
  local p = io.popen("getconf PAGESIZE")
  local n = tonumber(p:read("*l"))
  p:close()
  return n or 4096
end)()

-- Size of the Lua heap in KiB after full collections (the second one
-- finishes objects whose __gc ran in the first). LuaJIT counts its
-- compiled traces in the heap too: they are flushed first (code, not data).
local function lua_heap_kib()
  if rawget(_G, "jit") then jit.flush() end
  collectgarbage("collect")
  collectgarbage("collect")
  return collectgarbage("count")
end

-- Resident set size in KiB (/proc/self/statm, field 2, in pages).
local function rss_kib()
  local f = assert(io.open("/proc/self/statm"))
  local _, resident = f:read("*n", "*n")
  f:close()
  return compat.idiv(resident * PAGE_SIZE, 1024)
end

-- The soft and hard limits on open files (/proc/self/limits).
local function nofile_limits()
  local f = assert(io.open("/proc/self/limits"))
  local text = f:read("*a")
  f:close()
  local soft, hard = text:match("Max open files%s+(%S+)%s+(%S+)")
  return tonumber(soft) or math.huge, tonumber(hard) or math.huge
end

-- Makes sure this process may open `needed` descriptors: raises the soft
-- limit with prlimit(1) when the hard limit allows it, else fails saying
-- what to do.
local function ensure_fd_limit(needed)
  local soft, hard = nofile_limits()
  if soft >= needed then return end
  if hard >= needed then
    local f = assert(io.open("/proc/self/stat"))
    local pid = f:read("*n")
    f:close()
    os.execute(string.format("prlimit --pid %d --nofile=%d: 2>/dev/null", pid, needed))
    soft = nofile_limits()
  end
  if soft < needed then
    error(string.format("this load test needs %d open files; the limit is %s (hard %s): "
      .. "run it after `ulimit -n %d`", needed, tostring(soft), tostring(hard), needed), 0)
  end
end

-- Descriptors this process has open below 4096, as a sorted list (probed
-- with dup: listing /proc/self/fd from a child would race with popen's pipe).
local function open_fds()
  local fds = {}
  for fd = 0, 4095 do
    local ok, copy = pcall(socket.dup, fd)
    if ok then
      fds[#fds + 1] = fd
      socket.close(copy)
    end
  end
  return fds
end

-- Asserts that exactly the descriptors of `before` are open.
local function assert_same_fds(before, when)
  local now = open_fds()
  local was = {}
  for _, fd in ipairs(before) do was[fd] = true end
  local new = {}
  for _, fd in ipairs(now) do
    if not was[fd] and #new < 20 then new[#new + 1] = fd end
  end
  if #now ~= #before or #new > 0 then
    error(string.format("%s: %d descriptors open, %d before (new ones: %s)", when, #now, #before,
      table.concat(new, " ")), 2)
  end
end

-- Takes every free descriptor below `limit` (duplicates of one unbound
-- socket), so that the next sockets get descriptors >= limit. Returns a
-- function that frees them.
local function fill_fds_below(limit)
  local base = socket.socket()
  local taken = {}
  while true do
    local fd = socket.dup(base:fileno())
    taken[#taken + 1] = fd
    if fd >= limit - 1 then break end
  end
  return function()
    for i = #taken, 1, -1 do
      socket.close(taken[i])
      taken[i] = nil
    end
    base:close()
  end
end

--------------------------------------------------------- connections

local function is_a(err, cls) return ssl.isinstance(err, cls) end

local Conn = {}
Conn.__index = Conn

-- A connection end: `sock` a non-blocking SSLSocket whose handshake is
-- still to be done, `loop` the event loop that owns it.
local function new_conn(loop, sock, side)
  local c = setmetatable({loop = loop, sock = sock, side = side, out = {}, got = {},
                          received = 0, wants_write = false}, Conn)
  loop.conns[sock] = c
  return c
end

function Conn:fail(err)
  self.loop.errors[#self.loop.errors + 1] = self.side .. ": " .. tostring(err)
  self:close()
end

function Conn:close()
  if self.closed then return end
  self.closed = true
  self.sock:close()
  self.loop.conns[self.sock] = nil
  self.loop:on_closed(self)
end

-- Sends queued chunks, each with its own send() (its own TLS record), until
-- done or the socket would block. A chunk that could not be sent stays at
-- the head of the queue: the retry passes the same bytes, as OpenSSL wants.
function Conn:flush()
  self.wants_write = false
  while self.out[1] do
    local chunk = self.out[1]
    local ok, n = pcall(self.sock.send, self.sock, chunk)
    if not ok then
      if is_a(n, ssl.SSLWantWriteError) then
        self.wants_write = true
        self.loop.blocked_writes = self.loop.blocked_writes + 1
        return
      end
      if is_a(n, ssl.SSLWantReadError) then return end
      return self:fail(n)
    end
    if n < #chunk then   -- (pyssl writes all, as CPython does: no partial writes)
      self.out[1] = chunk:sub(n + 1)
    else
      table.remove(self.out, 1)
    end
  end
end

-- Reads until the socket would block: the records OpenSSL has already
-- decrypted are not visible to select, so nothing may be left unread.
function Conn:drain()
  while not self.closed do
    local ok, data = pcall(self.sock.recv, self.sock, 16384)
    if not ok then
      if is_a(data, ssl.SSLWantReadError) then return end
      if is_a(data, ssl.SSLWantWriteError) then self.wants_write = true return end
      return self:fail(data)
    end
    if data == "" then return self:on_eof() end
    self.received = self.received + #data
    self:on_data(data)
  end
end

-- One step after select reported the socket (or at its start).
function Conn:step()
  if not self.established then
    local ok, err = pcall(self.sock.do_handshake, self.sock)
    if not ok then
      if is_a(err, ssl.SSLWantWriteError) then self.wants_write = true return end
      if is_a(err, ssl.SSLWantReadError) then self.wants_write = false return end
      return self:fail(err)
    end
    self.established = true
    self.loop:on_established(self)
    self:on_established()
  end
  self:flush()
  if not self.closed then self:drain() end
end

-- The server end: greets, then echoes.
local Server = setmetatable({}, {__index = Conn})
Server.__index = Server

function Server:on_established()
  self.out[#self.out + 1] = greeting(self.loop:next_seed())
end

function Server:on_data(data)
  self.out[#self.out + 1] = data
  self:flush()
end

function Server:on_eof()
  self:close()
end

-- The client end: sends its payload, then reads greeting + echo back.
local Client = setmetatable({}, {__index = Conn})
Client.__index = Client

function Client:on_established()
  for _, chunk in ipairs(self.chunks) do self.out[#self.out + 1] = chunk end
end

function Client:on_data(data)
  self.got[#self.got + 1] = data
  if self.received >= GREETING_LEN + #self.payload then self:check() end
end

-- Checks every byte received: the greeting its seed announces, then the
-- echo of the payload.
function Client:check()
  local all = table.concat(self.got)
  self.got = {}
  local seed = tonumber(all:sub(2, 9), 16)
  local want = seed and greeting(seed) .. self.payload
  if all ~= want then
    return self:fail(string.format("client %d: %d bytes back, not the greeting + echo expected",
      self.index, #all))
  end
  self.complete = true
end

function Client:on_eof()
  self:fail("client " .. self.index .. ": EOF before the whole echo")
end

------------------------------------------------------------ the loop

local Loop = {}
Loop.__index = Loop

-- Small kernel buffers for `sock` (set before connect/listen, so that TCP
-- windows are small from the start; accepted sockets inherit them).
local function small_buffers(sock)
  sock:setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)
  sock:setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER)
end

-- An event loop around a non-blocking listener on 127.0.0.1 with contexts
-- made for this round (so they are freed with it too).
local function new_loop(bag, expected)
  local listener = bag:add(socket.socket())
  small_buffers(listener)
  listener:bind({"127.0.0.1", 0})
  listener:listen(expected + 64)
  listener:setblocking(false)
  return setmetatable({
    listener = listener, sctx = P.server_context(), cctx = P.client_context(),
    expected = expected, conns = {}, errors = {}, clients = {},
    accepted = 0, lowest_fd = math.huge, open = 0, max_open = 0, server_closed = 0,
    blocked_writes = 0, seed = 0x2545f491,
  }, Loop)
end

function Loop:next_seed()
  -- self.seed * 1103515245 split in two (16838 * 65536 + 20077), so that
  -- every product stays exact where numbers are doubles
  local s = self.seed
  self.seed = (s * 20077 + (s * 16838) % 65536 * 65536 + 12345) % 4294967296
  return self.seed % 2 == 0 and self.seed + 1 or self.seed   -- xorshift needs a non-zero seed
end

-- Open connections are counted on the server side: established, not closed.
function Loop:on_established(conn)
  if conn.side == "server" then
    self.open = self.open + 1
    if self.open > self.max_open then self.max_open = self.open end
  end
end

function Loop:on_closed(conn)
  if conn.side == "server" then
    self.server_closed = self.server_closed + 1
    if conn.established then self.open = self.open - 1 end
  end
end

function Loop:accept_all()
  while true do
    local ok, raw = pcall(self.listener.accept, self.listener)
    if not ok then
      if is_a(raw, ssl.BlockingIOError) then return end
      error(raw, 0)
    end
    raw:setblocking(false)
    self.accepted = self.accepted + 1
    self.lowest_fd = math.min(self.lowest_fd, raw:fileno())
    local s = self.sctx:wrap_socket(raw, {server_side = true, do_handshake_on_connect = false})
    setmetatable(new_conn(self, s, "server"), Server):step()
  end
end

-- Starts client i: a TCP connect on loopback (completed at once by the
-- kernel: the listener's backlog is large enough), then a non-blocking
-- SSLSocket.
function Loop:start_client(i)
  local raw = socket.socket()
  small_buffers(raw)
  raw:settimeout(5)
  raw:connect(self.listener:getsockname())
  raw:setblocking(false)
  local s = self.cctx:wrap_socket(raw, {server_hostname = "localhost", do_handshake_on_connect = false})
  local c = setmetatable(new_conn(self, s, "client"), Client)
  c.index = i
  c.payload, c.chunks = client_payload(i)
  self.clients[i] = c
  c:step()
end

-- Clients close once complete, but only after all connections were open
-- together (or once something failed: then the barrier cannot be reached).
function Loop:close_complete_clients()
  if self.max_open < self.expected and #self.errors == 0 then return end
  for _, c in ipairs(self.clients) do
    if c.complete and not c.closed then c:close() end
  end
end

function Loop:finished()
  return self.server_closed == self.expected and next(self.conns) == nil
end

function Loop:wait_lists()
  local r, w = {self.listener}, {}
  for s, c in pairs(self.conns) do
    r[#r + 1] = s
    if c.wants_write then w[#w + 1] = s end
  end
  return r, w
end

-- Runs until every connection has been served and closed, or fails after
-- `limit` seconds. `clients`: the number of clients this loop starts itself
-- (0 when they are in another process).
function Loop:run(clients, limit)
  local deadline = S.now() + limit
  local started = 0
  while not self:finished() do
    if S.now() > deadline then
      error(string.format("round did not finish in %d s: accepted %d, open %d (max %d), "
        .. "server ends closed %d, errors: %s", limit, self.accepted, self.open, self.max_open,
        self.server_closed, table.concat(self.errors, "; ")), 0)
    end
    for _ = 1, NEW_PER_TURN do
      if started == clients then break end
      started = started + 1
      self:start_client(started)
    end
    local r, w = self:wait_lists()
    local readable, writable = select(r, w, {}, 0.5)
    for _, s in ipairs(readable) do
      if s == self.listener then self:accept_all()
      elseif self.conns[s] then self.conns[s]:step() end
    end
    for _, s in ipairs(writable) do
      if self.conns[s] then self.conns[s]:step() end
    end
    self:close_complete_clients()
  end
end

function Loop:close()
  for _, c in pairs(self.conns) do c:close() end
  self.listener:close()
  self.sctx, self.cctx = nil, nil
end

-- One round in this process: `n` clients and their server ends. Returns
-- the round's figures; everything it made is unreachable afterwards.
local function run_round(n)
  local bag = S.bag()
  local loop = new_loop(bag, n)
  local t0 = S.now()
  local ok, err = pcall(loop.run, loop, n, ROUND_LIMIT)
  local stats = {
    seconds = S.now() - t0, accepted = loop.accepted, max_open = loop.max_open,
    errors = loop.errors, complete = 0, blocked_writes = loop.blocked_writes,
  }
  for _, c in ipairs(loop.clients) do
    if c.complete then stats.complete = stats.complete + 1 end
  end
  loop:close()
  bag:close()
  if not ok then error(err, 0) end
  return stats
end

local function assert_round(stats, n)
  assert.same({}, stats.errors)
  assert.equal(n, stats.accepted)
  assert.equal(n, stats.complete)
  assert.equal(n, stats.max_open)
  assert.is_true(stats.blocked_writes > 0, "no write would block: the big payloads are too small")
end

-- A round whose every connection must have gone right; returns its
-- duration only (a number: nothing of the round stays reachable).
local function checked_round(n)
  local stats = run_round(n)
  assert_round(stats, n)
  return stats.seconds
end

------------------------------------------------------------------ specs

describe("load", function()
  setup(function()
    ensure_fd_limit(FD_SETSIZE + 2 * N + 128)   -- fill_fds_below(FD_SETSIZE), then N or 2 N
  end)

  teardown(function() P.cleanup() end)

  it(N .. " concurrent connections in one process, every byte checked both ways; "
     .. "no descriptor or memory growth from round to round", function()
    -- Only numbers are kept from round to round (in slots made beforehand),
    -- so that the heap holds the same objects at every measurement.
    local seconds, heap, rss = {}, {}, {}
    for k = 1, ROUNDS do seconds[k], heap[k], rss[k] = 0, 0, 0 end
    local fds_before = open_fds()
    for k = 1, ROUNDS do
      seconds[k] = checked_round(N)
      heap[k], rss[k] = lua_heap_kib(), rss_kib()
      assert_same_fds(fds_before, "after round " .. k)
    end
    local durations = {}
    for k = 1, ROUNDS do durations[k] = string.format("%.2f", seconds[k]) end
    print(string.format("load: %d connections/round, rounds of %s s; %d descriptors open before "
      .. "and after each; from round 2 to %d: Lua heap %.3f -> %.3f KiB, RSS %d -> %d KiB", N,
      table.concat(durations, " "), #fds_before, ROUNDS, heap[2], heap[ROUNDS], rss[2], rss[ROUNDS]))
    for k = 3, ROUNDS do
      local growth = (heap[k] - heap[2]) * 1024
      assert.is_true(growth < HEAP_TOLERANCE,
        string.format("the Lua heap grew by %d bytes from round 2 to round %d", growth, k))
    end
    if not SLOW then
      local growth = rss[ROUNDS] - rss[2]
      assert.is_true(growth < RSS_TOLERANCE,
        string.format("RSS grew by %d KiB from round 2 to round %d", growth, ROUNDS))
    end
  end)

  it(N .. " concurrent python3 asyncio clients (CPython's ssl), every byte checked both ways; "
     .. "the server's sockets above FD_SETSIZE", function()
    local fds_before = open_fds()
    local bag = S.bag()
    local loop = new_loop(bag, N)
    local release = fill_fds_below(FD_SETSIZE)
    finally(function()
      loop:close()
      bag:close()
      release()
    end)
    local peer = P.python_async(PY_CLIENTS, {N, loop.listener:getsockname()[2], ROUND_LIMIT},
                                ROUND_LIMIT + 10)
    finally(function() peer:stop() end)
    local t0 = S.now()
    local ok, err = pcall(loop.run, loop, 0, ROUND_LIMIT)
    if not ok then error(tostring(err) .. "\npython3: " .. peer:stop(), 0) end
    local seconds = S.now() - t0
    local report = P.json_line(peer)
    peer:wait()   -- its pipe is a descriptor of this process too
    assert.same({}, loop.errors)
    assert.same({}, report.errors)
    assert.equal(N, report.checked)
    assert.equal(N, report.max_open)
    assert.equal(N, loop.accepted)
    assert.equal(N, loop.max_open)
    assert.is_true(loop.lowest_fd >= FD_SETSIZE, "a server socket got descriptor " .. loop.lowest_fd)
    print(string.format("load: %d python3 clients in %.2f s, server descriptors from %d; "
      .. "%d server writes would block", N, seconds, loop.lowest_fd, loop.blocked_writes))
    loop:close()
    bag:close()
    release()
    assert_same_fds(fds_before, "after the python3 clients")
  end)

  it("select and SSLSocket timeouts work on descriptors above FD_SETSIZE (poll, not select(2))",
     function()
    local fds_before = open_fds()
    local bag = S.bag()
    local release = fill_fds_below(FD_SETSIZE)
    finally(function()
      bag:close()
      release()
    end)
    local sc, ss = P.tls_pair(bag, {timeout = 0.2})
    assert.is_true(sc:fileno() >= FD_SETSIZE and ss:fileno() >= FD_SETSIZE)
    -- a blocking read with a timeout waits in poll() on the descriptor
    H.raises(ssl.TimeoutError, "The read operation timed out", sc.recv, sc, 10)
    sc:sendall("ping")
    local r = select({sc, ss}, {}, {}, 5)
    assert.same({ss}, r)
    assert.equal("ping", ss:recv(10))
    bag:close()
    release()
    assert_same_fds(fds_before, "after the pair")
  end)
end)
