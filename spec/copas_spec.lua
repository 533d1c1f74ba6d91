-- copas (Debian's lua-copas: Lua 5.1, 5.2 and LuaJIT) with pyssl's TLS
-- through pyssl.luasocket: a TLS echo server and clients in one copas loop.
local H = require "spec.support.helper"
local ssl = require "pyssl"
local psocket = require "pyssl.socket"

local CLIENTS = 20

describe("copas with pyssl.luasocket", function()
  it("serves " .. CLIENTS .. " TLS clients at once (copas only)", function()
    H.only("copas")
    local copas = require "copas"          -- before socket.http, as copas asks
    local socket = require "socket"
    local luasocket = require "pyssl.luasocket"
    local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx:load_cert_chain(H.pki("leafkey.pem"))
    local server = assert(socket.bind("127.0.0.1", 0))
    local _, port = server:getsockname()
    finally(function() server:close() end)

    local errors, arrived, served, replies, gates = {}, 0, 0, {}, {}
    local function on_error(msg) errors[#errors + 1] = tostring(msg) end
    copas.addserver(server, function(client)
      copas.setErrorHandler(on_error)
      local conn = assert(luasocket.wrap(client, {context = sctx, server_side = true, loop = "copas"}))
      local line = assert(conn:receive("*l"))
      -- every client is connected before any gets its answer: copas runs
      -- them together, or this never ends. Each handler waits on its own
      -- gate (a socket pair), opened by the last one to arrive.
      local a, b = psocket.socketpair()
      local gate = luasocket.wrap(a, {loop = "copas"})
      gates[#gates + 1] = b
      arrived = arrived + 1
      if arrived == CLIENTS then
        for _, g in ipairs(gates) do g:send("x") end
      end
      assert(gate:receive(1))
      gate:close()
      b:close()
      assert(conn:send(line:upper() .. "\n"))
      conn:close()
      served = served + 1
    end)
    local finished = 0
    for i = 1, CLIENTS do
      copas.addthread(function()
        copas.setErrorHandler(on_error)
        local conn = assert(luasocket.connect("127.0.0.1", port, {cafile = H.pki("ca.pem"),
                                              server_hostname = "localhost", loop = "copas"}))
        assert(conn:send("hello " .. i .. "\n"))
        replies[i] = assert(conn:receive("*l"))
        assert.same({nil, "closed", ""}, {conn:receive("*a")})
        conn:close()
        finished = finished + 1
      end)
    end
    local deadline = psocket._monotonic() + 30
    while (finished < CLIENTS or served < CLIENTS) and #errors == 0 do
      assert(psocket._monotonic() < deadline, "copas did not finish in 30 s")
      copas.step(0.1)
    end
    assert.same({}, errors)
    for i = 1, CLIENTS do assert.equal("HELLO " .. i, replies[i]) end
  end)
end)
