-- pyssl.luv: TLS over libuv TCP handles (Debian's lua-luv, every Lua): a
-- server and its clients in one uv loop.
local H = require "spec.support.helper"
local ssl = require "pyssl"

local CLIENTS = 20

-- Runs the loop until `done()` or `limit` seconds (a timer stops it).
local function run(uv, done, limit)
  local timer = uv.new_timer()
  local timed_out = false
  timer:start(limit * 1000, 0, function() timed_out = true uv.stop() end)
  local ticker = uv.new_timer()
  ticker:start(10, 10, function() if done() then uv.stop() end end)
  uv.run()
  timer:close()
  ticker:close()
  uv.run("nowait")   -- let the closes finish
  assert(not timed_out, "the uv loop did not finish in " .. limit .. " s")
end

local server_context = require("spec.support.peers").server_context

describe("pyssl.luv", function()
  it("serves " .. CLIENTS .. " TLS clients at once in one loop", function()
    local uv = require "luv"
    local tls = require "pyssl.luv"
    local waiting, served, replies, errors = {}, 0, {}, {}
    local server = tls.listen("127.0.0.1", 0, server_context(), function(err, conn)
      if err then errors[#errors + 1] = tostring(err) return end
      local line = ""
      conn:read_start(function(rerr, data)
        if rerr then errors[#errors + 1] = tostring(rerr) return end
        if not data then return end
        line = line .. data
        if not line:find("\n", 1, true) then return end
        conn:read_stop()
        -- every client is connected before any gets its answer: the loop
        -- runs them together, or this never ends
        waiting[#waiting + 1] = {conn, line}
        if #waiting == CLIENTS then
          for _, w in ipairs(waiting) do
            w[1]:write(w[2]:upper(), function()
              w[1]:shutdown(function() w[1]:close() served = served + 1 end)
            end)
          end
        end
      end)
    end)
    finally(function() if not server:is_closing() then server:close() end uv.run("nowait") end)
    local port = server:getsockname().port
    local versions = {}
    for i = 1, CLIENTS do
      tls.connect("127.0.0.1", port, {cafile = H.pki("ca.pem"), server_hostname = "localhost"}, function(err, conn)
        if err then errors[#errors + 1] = tostring(err) return end
        versions[i] = conn:version()
        conn:write("hello " .. i .. "\n")
        local got = ""
        conn:read_start(function(rerr, data)
          if rerr then errors[#errors + 1] = tostring(rerr) return end
          if data then got = got .. data return end
          replies[i] = got      -- the end: the server's close_notify
          conn:close()
        end)
      end)
    end
    run(uv, function()
      local n = 0
      for _ in pairs(replies) do n = n + 1 end
      return (n == CLIENTS and served == CLIENTS) or #errors > 0
    end, 30)
    assert.same({}, errors)
    for i = 1, CLIENTS do
      assert.equal("HELLO " .. i .. "\n", replies[i])
      assert.equal("TLSv1.3", versions[i])
    end
  end)

  it("gives a failed handshake to the callbacks as pyssl's error objects", function()
    local uv = require "luv"
    local tls = require "pyssl.luv"
    local server_err, client_err
    local server = tls.listen("127.0.0.1", 0, server_context(), function(err) server_err = err end)
    finally(function() if not server:is_closing() then server:close() end uv.run("nowait") end)
    local port = server:getsockname().port
    -- the test CA is not trusted by default
    tls.connect("127.0.0.1", port, {server_hostname = "localhost"}, function(err) client_err = err end)
    run(uv, function() return server_err ~= nil and client_err ~= nil end, 30)
    assert.is_true(ssl.isinstance(client_err, ssl.SSLCertVerificationError))
    assert.equal("unable to get local issuer certificate", client_err.verify_message)
    assert.is_true(ssl.isinstance(server_err, ssl.SSLError))
    assert.equal("TLSV1_ALERT_UNKNOWN_CA", server_err.reason)
  end)

  it("gives luv's error string when the TCP connection fails", function()
    local uv = require "luv"
    local tls = require "pyssl.luv"
    local probe = uv.new_tcp()
    probe:bind("127.0.0.1", 0)
    local port = probe:getsockname().port
    probe:close()              -- nobody listens there now
    local got
    tls.connect("127.0.0.1", port, {}, function(err, conn) got = {err, conn} end)
    run(uv, function() return got ~= nil end, 30)
    assert.equal("ECONNREFUSED", got[1])
    assert.is_nil(got[2])
  end)

  it("reads as blocking code inside a coroutine (connect, read, write_all)", function()
    local uv = require "luv"
    local tls = require "pyssl.luv"
    local server = tls.listen("127.0.0.1", 0, server_context(), function(err, conn)
      if err then return end     -- the second client's failed handshake
      conn:read_start(function(_, data)
        if data then conn:write(data:upper()) else conn:shutdown(function() conn:close() end) end
      end)
    end)
    finally(function() if not server:is_closing() then server:close() end uv.run("nowait") end)
    local port = server:getsockname().port
    local got, bad
    coroutine.wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, {cafile = H.pki("ca.pem"), server_hostname = "localhost"}))
      assert(conn:write_all("one "))
      local text = ""
      while #text < 4 do text = text .. assert(conn:read()) end
      assert(conn:write_all("two"))
      while #text < 7 do text = text .. assert(conn:read()) end
      conn:shutdown()
      local rest = conn:read()     -- the server's close_notify: the end
      got = {text, rest}
      conn:close()
      bad = {tls.connect("127.0.0.1", port, {server_hostname = "localhost"})}
    end)()
    run(uv, function() return bad ~= nil end, 30)
    assert.same({"ONE TWO"}, got)
    assert.is_nil(bad[1])
    assert.is_true(ssl.isinstance(bad[2], ssl.SSLCertVerificationError))
    -- outside a coroutine: a clear error
    H.raises(ssl.RuntimeError, "pyssl.luv.connect() without a callback must run inside a coroutine",
             tls.connect, "127.0.0.1", port, {})
  end)
end)
