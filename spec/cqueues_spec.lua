-- pyssl.cqueues: TLS servers and clients as coroutines of one cqueues
-- controller (Debian's lua-cqueues, every Lua).
local H = require "spec.support.helper"
local ssl = require "pyssl"
local psocket = require "pyssl.socket"

local CLIENTS = 20

-- Runs the controller until it is empty, at most `limit` seconds; raises
-- the first error a coroutine raised.
local function run(cq, limit)
  local deadline = psocket._monotonic() + limit
  while not cq:empty() do
    assert(psocket._monotonic() < deadline, "the controller did not finish in " .. limit .. " s")
    local ok, err = cq:step(0.5)
    if not ok then error(err, 0) end
  end
end

local server_context = require("spec.support.peers").server_context

-- The start of each case: cqueues, pyssl.cqueues, a server context, a
-- listening socket on a free port (closed when the case ends) and a new
-- controller.
local function start()
  local cqueues = require "cqueues"
  local tls = require "pyssl.cqueues"
  local listener = psocket.create_server({"127.0.0.1", 0})
  finally(function() tls.close(listener) end)
  return cqueues, tls, server_context(), listener, listener:getsockname()[2], cqueues.new()
end

describe("pyssl.cqueues", function()
  it("serves " .. CLIENTS .. " TLS clients at once in one controller", function()
    local cqueues, tls, sctx, listener, port, cq = start()
    local arrived, served, replies, versions = 0, 0, {}, {}
    cq:wrap(function()
      for _ = 1, CLIENTS do
        local s = assert(tls.accept(listener, 10))
        cq:wrap(function()
          local conn = assert(tls.wrap(s, {context = sctx, server_side = true, timeout = 10}))
          local line = assert(conn:receive("*l"))
          -- every client is connected before any gets its answer: the
          -- controller runs them together, or this never ends
          arrived = arrived + 1
          while arrived < CLIENTS do cqueues.sleep(0.01) end
          assert(conn:send(line:upper() .. "\n"))
          conn:close()
          served = served + 1
        end)
      end
    end)
    for i = 1, CLIENTS do
      cq:wrap(function()
        local conn = assert(tls.connect("127.0.0.1", port, {cafile = H.pki("ca.pem"),
                                                              server_hostname = "localhost", timeout = 10}))
        versions[i] = conn.sslsocket:version()
        assert(conn:send("hello " .. i .. "\n"))
        replies[i] = assert(conn:receive("*l"))
        assert.same({nil, "closed", ""}, {conn:receive("*l")})
        conn:close()
      end)
    end
    run(cq, 30)
    assert.equal(CLIENTS, served)
    for i = 1, CLIENTS do
      assert.equal("HELLO " .. i, replies[i])
      assert.equal("TLSv1.3", versions[i])
    end
  end)

  it("reports a certificate failure as LuaSec does, and keeps the controller running", function()
    local cqueues, tls, sctx, listener, port, cq = start()
    local client, server = {}, {}
    cq:wrap(function()
      local s = assert(tls.accept(listener, 10))
      server = {tls.wrap(s, {context = sctx, server_side = true, timeout = 10})}
    end)
    cq:wrap(function()
      -- the test CA is not trusted by default: verification fails
      client = {tls.connect("127.0.0.1", port, {server_hostname = "localhost", timeout = 10})}
    end)
    run(cq, 30)
    assert.is_nil(client[1])
    assert.equal("certificate verify failed", client[2])
    assert.is_true(ssl.isinstance(client[3], ssl.SSLCertVerificationError))
    assert.is_nil(server[1])
    assert.equal("tlsv1 alert unknown ca", server[2])
  end)

  it("times out a wait as LuaSec does (\"wantread\") without blocking the controller", function()
    local cqueues, tls, sctx, listener, port, cq = start()
    local got, ticks, server_conn = nil, 0, nil
    cq:wrap(function()
      local s = assert(tls.accept(listener, 10))
      server_conn = assert(tls.wrap(s, {context = sctx, server_side = true, timeout = 10}))
      assert(server_conn:send("par"))       -- a partial line, then silence
      cqueues.sleep(1)
      server_conn:close()
    end)
    cq:wrap(function()
      local conn = assert(tls.connect("127.0.0.1", port, {cafile = H.pki("ca.pem"), server_hostname = "localhost"}))
      -- a connection is itself a cqueues pollable (pollfd, events, timeout)
      assert.equal(conn, cqueues.poll(conn, 5))
      conn:settimeout(0.3)
      got = {conn:receive("*l")}
      conn:close()
    end)
    cq:wrap(function()
      for _ = 1, 5 do cqueues.sleep(0.05) ticks = ticks + 1 end
    end)
    run(cq, 30)
    assert.same({nil, "wantread", "par"}, got)
    assert.equal(5, ticks)
  end)
end)
