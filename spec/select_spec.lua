-- pyssl.select: Python's select.select() over pyssl sockets, integers and
-- anything with fileno()/getfd(), and a non-blocking echo driven by it.
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select_mod = require "pyssl.select"
local select = select_mod.select

describe("select.select", function()
  it("is a module of its own with Python's error alias", function()
    assert.equal(select_mod, require "pyssl.select")
    assert.equal(ssl.OSError, select_mod.error)
  end)

  it("reports readable and writable sockets, returning the objects given", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local _, c, a = S.tcp_pair(bag)
    local r, w, x = select({c, a}, {c}, {c, a}, 0)
    assert.same({}, r)
    assert.equal(1, #w)
    assert.equal(c, w[1])
    assert.same({}, x)
    c:sendall("ready")
    r = select({c, a}, {}, {}, 5)
    assert.equal(1, #r)
    assert.equal(a, r[1])
  end)

  it("waits for the timeout, then returns three empty sequences", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local _, c = S.tcp_pair(bag)
    local t0 = S.now()
    local r, w, x = select({c}, {}, {}, 0.15)
    local dt = S.now() - t0
    assert.same({{}, {}, {}}, {r, w, x})
    assert.is_true(dt >= 0.14 and dt < 2, "waited " .. dt)
    t0 = S.now()
    r, w, x = select({}, {}, {}, 0.05)
    assert.same({{}, {}, {}}, {r, w, x})
    assert.is_true(S.now() - t0 >= 0.04)
  end)

  it("sees a listening socket with a pending connection as readable", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local srv = S.listener(bag)
    assert.same({}, (select({srv}, {}, {}, 0)))
    bag:add(socket.create_connection(srv:getsockname(), 5))
    local r = select({srv}, {}, {}, 5)
    assert.equal(srv, r[1])
  end)

  it("sees EOF as readable", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local _, c, a = S.tcp_pair(bag)
    c:close()
    local r = select({a}, {}, {}, 5)
    assert.equal(a, r[1])
    assert.equal("", a:recv(10))
  end)

  it("accepts integers and objects with fileno() or getfd() (LuaSocket)", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local _, c, a = S.tcp_pair(bag)
    c:sendall("x")
    local fd = a:fileno()
    local with_fileno = {fileno = function(self) return fd end}
    local with_getfd = setmetatable({}, {__index = {getfd = function() return fd end}})
    local r = select({fd, with_fileno, with_getfd}, {}, {}, 5)
    assert.equal(3, #r)
    assert.equal(fd, r[1])
    assert.equal(with_fileno, r[2])
    assert.equal(with_getfd, r[3])
  end)

  it("has Python's argument errors", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local x = bag:add(socket.socket())
    x:close()
    local bad = {fileno = function() return "x" end}
    local problems = S.compare_errors([[
import select, socket
x = socket.socket(); x.close()
class Bad:
    def fileno(self): return "x"
bad = Bad()]], {
      {"notseq", lua = function() select(nil, {}, {}) end, py = "select.select(None, [], [])"},
      {"str", lua = function() select({"x"}, {}, {}, 0) end, py = 'select.select(["x"], [], [], 0)'},
      {"neg", lua = function() select({-1}, {}, {}, 0) end, py = "select.select([-1], [], [], 0)"},
      {"closed", lua = function() select({x}, {}, {}, 0) end, py = "select.select([x], [], [], 0)"},
      {"badfileno", lua = function() select({bad}, {}, {}, 0) end, py = "select.select([bad], [], [], 0)"},
      {"negtime", lua = function() select({}, {}, {}, -1) end, py = "select.select([], [], [], -1)"},
      {"strtime", lua = function() select({}, {}, {}, "x") end, py = 'select.select([], [], [], "x")'},
      {"nantime", lua = function() select({}, {}, {}, 0 / 0) end, py = 'select.select([], [], [], float("nan"))'},
      {"badfd", lua = function() select({99999}, {}, {}, 0) end, py = "select.select([99999], [], [], 0)"},
    })
    -- Python's select(2) cannot take fd 99999 (FD_SETSIZE); pyssl polls, so
    -- it reports the descriptor as not open, which is what it is.
    local rest = {}
    for _, p in ipairs(problems) do
      if not p:match("^badfd:") then rest[#rest + 1] = p end
    end
    assert.same({}, rest)
    H.raises(ssl.OSError, "[Errno 9] Bad file descriptor", select, {99999}, {}, {}, 0)
  end)

  it("drives a non-blocking echo between two sockets of this process", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local srv = S.listener(bag)
    srv:setblocking(false)
    local c = bag:add(socket.socket())
    c:setblocking(false)
    pcall(c.connect, c, srv:getsockname())   -- BlockingIOError: in progress
    local conn
    local payload = ("0123456789abcdef"):rep(64 * 1024)   -- 1 MiB, more than the buffers
    local sent, echoed, received = 0, {}, {}
    local got_back = 0
    local deadline = S.now() + 20
    while got_back < #payload do
      assert.is_true(S.now() < deadline, "echo did not finish in time")
      local rl = {srv}
      if conn then rl = {conn, c} end
      local wl = {}
      if sent < #payload then wl[#wl + 1] = c end
      if conn and #echoed > 0 then wl[#wl + 1] = conn end
      local r, w = select(rl, wl, {}, 5)
      for _, s in ipairs(r) do
        if s == srv then
          conn = bag:add((srv:accept()))
          conn:setblocking(false)
        elseif s == conn then
          local ok, d = pcall(conn.recv, conn, 65536)
          if ok then echoed[#echoed + 1] = d end
        elseif s == c then
          local ok, d = pcall(c.recv, c, 65536)
          if ok then
            received[#received + 1] = d
            got_back = got_back + #d
          end
        end
      end
      for _, s in ipairs(w) do
        if s == c then
          local ok, n = pcall(c.send, c, payload:sub(sent + 1, sent + 65536))
          if ok then sent = sent + n end
        elseif s == conn then
          local pending = table.concat(echoed)
          local ok, n = pcall(conn.send, conn, pending)
          echoed = {ok and pending:sub(n + 1) or pending}
          if echoed[1] == "" then echoed = {} end
        end
      end
    end
    assert.equal(#payload, got_back)
    assert.equal(payload, table.concat(received))
  end)
end)
