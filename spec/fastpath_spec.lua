-- Busy objects: a MemoryBIO or SSLObject that has made 64 read/write
-- calls gets a metatable of its own with a method cache (class.c,
-- pyssl_make_fast). Everything Python's attribute rules say must stay as
-- before: getters, attributes, methods hidden by attributes, type checks,
-- isinstance, tostring, subclasses (which are never made fast); and the
-- zero-copy calls: write() from a bytearray, read(len, buffer) into one.
local H = require "spec.support.helper"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local function pair()
  local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  sctx:load_cert_chain(H.pki("leafkey.pem"))
  local cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  cctx:load_verify_locations(H.pki("ca.pem"))
  local c = {inc = ssl.MemoryBIO(), out = ssl.MemoryBIO()}
  local s = {inc = ssl.MemoryBIO(), out = ssl.MemoryBIO()}
  c.obj = cctx:wrap_bio(c.inc, c.out, {server_hostname = "localhost"})
  s.obj = sctx:wrap_bio(s.inc, s.out, {server_side = true})
  local cdone, sdone = false, false
  for _ = 1, 20 do
    if not cdone then cdone = pcall(c.obj.do_handshake, c.obj) end
    s.inc:write(c.out:read())
    if not sdone then sdone = pcall(s.obj.do_handshake, s.obj) end
    c.inc:write(s.out:read())
    if cdone and sdone then break end
  end
  assert(cdone and sdone, "handshake")
  return c, s
end

-- n round trips of `msg` client -> server -> client.
local function pingpong(c, s, n, msg)
  for _ = 1, n do
    c.obj:write(msg)
    s.inc:write(c.out:read())
    local got = s.obj:read(#msg)
    s.obj:write(got)
    c.inc:write(s.out:read())
    assert(c.obj:read(#msg) == msg)
  end
end

describe("busy objects", function()
  it("keep Python's attribute rules once made fast", function()
    local c, s = pair()
    local mt_before = getmetatable(c.obj)
    pingpong(c, s, 100, "ping")
    assert.are_not.equal(mt_before, getmetatable(c.obj))   -- made fast
    assert.equal(getmetatable(s.inc), getmetatable(s.inc))
    -- getters, methods, isinstance, tostring
    assert.is_false(c.obj.server_side)
    assert.is_true(s.obj.server_side)
    assert.equal("localhost", c.obj.server_hostname)
    assert.equal(0, c.inc.pending)
    assert.is_false(c.inc.eof)
    assert.equal("TLSv1.3", c.obj:version())
    assert.is_true(ssl.isinstance(c.obj, ssl.SSLObject))
    assert.is_true(ssl.isinstance(c.inc, ssl.MemoryBIO))
    assert.truthy(tostring(c.inc):match("MemoryBIO"))
    -- unknown names are still AttributeError, read-only ones still refuse
    H.raises(ssl.AttributeError, "'SSLObject' object has no attribute 'nope'", function() return c.obj.nope end)
    H.raises(ssl.AttributeError, nil, function() c.inc.pending = 3 end)
    -- an attribute hiding a method hides it (Python's instance-first rule)
    H.raises(ssl.AttributeError, "'_ssl.MemoryBIO' object attribute 'write' is read-only",
             function() c.inc.write = print end)
    c.obj.version = function() return "hidden" end
    assert.equal("hidden", c.obj:version())
    c.obj.version = nil
    assert.equal("TLSv1.3", c.obj:version())
    pingpong(c, s, 3, "again")
    -- a method of another class is refused as before
    H.raises(ssl.TypeError, nil, c.inc.read, c.obj)
    H.raises(ssl.TypeError, nil, c.obj.read, c.inc)
    -- closing still works, and closed objects say so
    getmetatable(c.obj).__close(c.obj)
    H.raises(ssl.ValueError, nil, c.obj.read, c.obj, 1)
  end)

  it("subclass instances keep their own lookups", function()
    local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    local Sub = setmetatable({}, {__index = ssl.SSLObject})
    local called = 0
    function Sub.pending(self) called = called + 1; return ssl.SSLObject.pending(self) end
    sctx.sslobject_class = Sub
    local obj = sctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_side = true})
    for _ = 1, 100 do
      pcall(obj.read, obj, 1)
      obj:pending()
    end
    assert.equal(100, called)
  end)
end)

describe("zero-copy calls", function()
  it("write() takes a bytearray and read(len, buffer) fills one", function()
    local c, s = pair()
    local payload = socket.bytearray(string.rep("z", 5000))
    assert.equal(5000, c.obj:write(payload))
    local n = s.inc:write(socket.bytearray(c.out:read()))
    assert.is_true(n > 5000)
    local buf = socket.bytearray(8192)
    local got = s.obj:read(8192, buf)
    assert.equal(5000, got)
    assert.equal(string.rep("z", 5000), tostring(buf):sub(1, 5000))
  end)
end)

describe("the error queue", function()
  it("an error another library left queued does not turn a wait into an SSLError (luajit only)", function()
    H.only("luajit")
    local ffi = require "ffi"
    ffi.cdef [[
      void ERR_new(void);
      void ERR_set_debug(const char *file, int line, const char *func);
      void ERR_set_error(int lib, int reason, const char *fmt, ...);
      unsigned long ERR_peek_error(void);
      void ERR_clear_error(void);
    ]]
    local crypto = ffi.load("libcrypto.so.3")
    local function leave_an_error()
      crypto.ERR_new()
      crypto.ERR_set_debug("elsewhere.c", 1, "elsewhere")
      crypto.ERR_set_error(20, 100, nil)   -- ERR_LIB_SSL, any reason
      assert(crypto.ERR_peek_error() ~= 0, "the error was not queued")
    end
    local cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx:load_verify_locations(H.pki("ca.pem"))
    local obj = cctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "localhost"})
    leave_an_error()
    H.raises(ssl.SSLWantReadError, nil, obj.do_handshake, obj)
    assert.equal(0, tonumber(crypto.ERR_peek_error()))
    -- a read that must wait, after a whole handshake and the tickets (a
    -- handshake step or a ticket clears the queue itself: OpenSSL's
    -- state machine starts with ERR_clear_error)
    local c, s = pair()
    H.raises(ssl.SSLWantReadError, nil, c.obj.read, c.obj, 1)
    leave_an_error()
    H.raises(ssl.SSLWantReadError, nil, c.obj.read, c.obj, 10)
    pingpong(c, s, 2, "after")
    crypto.ERR_clear_error()
  end)
end)
