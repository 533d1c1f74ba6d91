-- bench/floor.lua — what returning bytes to Lua costs by itself, whatever
-- the binding: the floor under pyssl's in-memory bulk row.
--
-- Per 16 KiB chunk, bulk-mem makes two Lua strings that C does not: the
-- record taken from the outgoing MemoryBIO and the plain text returned by
-- SSLObject.read (Python's API returns bytes; Lua 5.4 cannot create a
-- string without allocating and copying into it). C copies the same bytes
-- into buffers it reuses. This script times both, in the collector mode
-- lua5.4 starts in (generational) and in incremental mode, and prints what
-- the strings cost beyond C's copies and the bulk-mem ratio a binding that
-- cost nothing else would reach, given C's time per chunk.
--   lua5.4 bench/floor.lua [C_MIB_PER_S]     (make -C bench floor)
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/lua/?.lua;" .. package.path
local bu = require "benchutil"

local RECORD, PLAIN = 16384 + 29, 16384   -- an AES-GCM TLS 1.3 record, its text
local CHUNKS, ROUNDS = 200000, 7
local c_mib_per_s = tonumber(arg[1]) or 2000
local string_of, copy, now = bu.string_of, bu.copy, bu.now

-- Best of ROUNDS, in seconds per chunk, of f run CHUNKS times.
local function best(f)
  local t = math.huge
  for _ = 1, ROUNDS do
    local t0 = now()
    f()
    t = math.min(t, (now() - t0) / CHUNKS)
  end
  return t
end

local function two_strings()
  for _ = 1, CHUNKS do
    local record = string_of(RECORD)
    local plain = string_of(PLAIN)
    if #record + #plain == 0 then error("empty") end
  end
end

local function two_copies()
  for _ = 1, CHUNKS do
    copy(RECORD)
    copy(PLAIN)
  end
end

local c_chunk = PLAIN / (c_mib_per_s * 1048576)
print(string.format("C's time per 16 KiB chunk at %d MiB/s: %.2f us", c_mib_per_s, c_chunk * 1e6))
for _, mode in ipairs({"generational", "incremental"}) do
  collectgarbage(mode)
  collectgarbage()
  local strings, copies = best(two_strings), best(two_copies)
  local extra = strings - copies
  print(string.format("%-12s two strings %.3f us, two reused-buffer copies %.3f us: +%.3f us per chunk; "
    .. "bulk-mem ceiling for a zero-cost binding %.3f of C",
    mode, strings * 1e6, copies * 1e6, extra * 1e6, c_chunk / (c_chunk + extra)))
end
