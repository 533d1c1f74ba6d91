-- pyssl.selectors against python3's selectors: the same scenarios (steps
-- on socket pairs, as JSON) run by both, and every result and error
-- compared; then selectors driving pyssl sockets, SSLSockets and LuaSocket
-- objects, and select.epoll / select.poll themselves.
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select_mod = require "pyssl.select"
local selectors = require "pyssl.selectors"
local json = H.json

local CLASSES = {"EpollSelector", "PollSelector", "SelectSelector", "DefaultSelector"}

-- Steps: {op, args...}. Objects are named: "a", "b" (one end of two socket
-- pairs; "pa", "pb" their peers), {"fd", name} is that object's integer
-- descriptor, {"obj", name} an object whose fileno() returns it, {"bad"}
-- an object whose fileno() raises ValueError. Every step records its
-- result: a key as [fileobj name, events, data], select's pairs sorted, or
-- an error as [class, str] with every object's repr and descriptor number
-- replaced by its name.
local SCENARIOS = {
  basics = {
    {"register", "a", 1, "da"}, {"register", "b", 3}, {"len"}, {"select", 0},
    {"send", "pa"}, {"select", 0}, {"get_key", "a"}, {"get_key", {"fd", "a"}},
    {"modify", "a", 3, "db"}, {"modify", "a", 3, "db"}, {"modify", "a", 2, "db"},
    {"select", 0.2}, {"unregister", "b"}, {"len"}, {"map_get", "b"}, {"map_get", "a"},
    {"map_item", "b"}, {"contains", "a"}, {"contains", "b"}, {"unregister", "a"}, {"select", 0},
  },
  errors = {
    {"register", "a", 0}, {"register", "a", 4}, {"register", "a", -1}, {"register", "a", nil},
    {"register", "a", "x"}, {"register", "a", 1.5}, {"register", "zz", 1}, {"register", -1, 1},
    {"register", {"bad"}, 1}, {"register", "a", 1}, {"register", "a", 2},
    {"register", {"fd", "a"}, 1}, {"register", {"obj", "a"}, 1}, {"unregister", "b"},
    {"unregister", {"fd", "b"}}, {"modify", "b", 1}, {"get_key", "b"}, {"get_key", "zz"},
    {"map_item", "zz"}, {"select", "x"}, {"select", -1}, {"len"},
  },
  -- An object closed while registered can still be unregistered (the
  -- exhaustive search of _fileobj_lookup).
  closed = {
    {"register", "a", 1, 7}, {"register", "b", 1}, {"close", "a"}, {"get_key", "a"},
    {"unregister", "a"}, {"len"}, {"close", "b"}, {"unregister", {"fd", "b"}}, {"len"},
  },
  -- Modify with a bad mask, and a descriptor the kernel rejects.
  modify = {
    {"register", "a", 1, "d"}, {"modify", "a", 1, "e"}, {"modify", "a", 1, "e"},
    {"modify", "a", "x"}, {"get_key", "a"}, {"modify", "zz", 1}, {"len"},
  },
  after_close = {
    {"register", "a", 1}, {"close_selector"}, {"get_key", "a"}, {"get_map_nil"}, {"len"},
  },
}

local PYTHON = [==[
import selectors, socket
steps_by_scenario, classes = json.loads(sys.argv[1]) if len(sys.argv) > 1 else json.loads(SPEC)
class Bad:
    def fileno(self): raise ValueError("no")
    def __repr__(self): return "<bad>"
class Obj:
    def __init__(self, fd): self.fd = fd
    def fileno(self): return self.fd
    def __repr__(self): return "<obj>"
def run(cls, steps):
    sel = getattr(selectors, cls)()
    a, pa = socket.socketpair(); b, pb = socket.socketpair()
    objs = {"a": a, "b": b, "pa": pa, "pb": pb}
    fds = {name: o.fileno() for name, o in objs.items()}
    reprs = {name: repr(o) for name, o in objs.items()}
    bad = Bad()
    def value(v):
        if isinstance(v, list):
            if v[0] == "fd": return fds[v[1]]
            if v[0] == "obj": return Obj(fds[v[1]])
            if v[0] == "bad": return bad
        if isinstance(v, str) and v in objs: return objs[v]
        return v
    def name_of(o):
        for n, x in objs.items():
            if o is x: return n
        for n, fd in fds.items():
            if o == fd and isinstance(o, int): return "fd:" + n
        return repr(o)
    def show_key(k):
        return [name_of(k.fileobj), "fd:" + name_of(k.fd).replace("fd:", ""), k.events, k.data]
    def clean(msg):
        for n in sorted(objs, key=lambda n: -len(reprs[n])):
            msg = msg.replace(reprs[n], "<" + n + ">")
        for n in sorted(objs, key=lambda n: -fds[n]):
            msg = msg.replace(str(fds[n]), "FD:" + n)
        return msg
    out = []
    for step in steps:
        op, args = step[0], [value(x) for x in step[1:]]
        try:
            if op == "register": r = show_key(sel.register(*args))
            elif op == "unregister": r = show_key(sel.unregister(*args))
            elif op == "modify": r = show_key(sel.modify(*args))
            elif op == "get_key": r = show_key(sel.get_key(*args))
            elif op == "select":
                r = sorted([name_of(k.fileobj), ev] for k, ev in sel.select(*args))
            elif op == "send": args[0].send(b"x"); r = None
            elif op == "close": args[0].close(); r = None
            elif op == "close_selector": sel.close(); r = None
            elif op == "len": r = len(sel._fd_to_key)
            elif op == "get_map_nil": r = sel.get_map() is None
            elif op == "map_get":
                k = sel.get_map().get(*args); r = k and show_key(k)
            elif op == "map_item": r = show_key(sel.get_map()[args[0]])
            elif op == "contains": r = args[0] in sel.get_map()
        except Exception as e:
            r = [type(e).__name__, clean(str(e))]
        out.append(r)
    sel.close()
    for o in objs.values(): o.close()
    return out
print(json.dumps({sc: {cls: run(cls, steps) for cls in classes} for sc, steps in steps_by_scenario.items()}))
]==]

-- The same interpreter in Lua, over pyssl.
local function run(cls, steps)
  local sel = selectors[cls]()
  local a, pa = socket.socketpair()
  local b, pb = socket.socketpair()
  local objs = {a = a, b = b, pa = pa, pb = pb}
  local fds, reprs = {}, {}
  for name, o in pairs(objs) do
    fds[name], reprs[name] = o:fileno(), ssl._repr(o)
  end
  local bad = setmetatable({fileno = function() ssl._raise("ValueError", "no") end},
                           {__tostring = function() return "<bad>" end})
  local function value(v)
    if type(v) == "table" then
      if v[1] == "fd" then return fds[v[2]] end
      if v[1] == "obj" then
        local fd = fds[v[2]]
        return setmetatable({fileno = function() return fd end}, {__tostring = function() return "<obj>" end})
      end
      if v[1] == "bad" then return bad end
    end
    if type(v) == "string" and objs[v] then return objs[v] end
    return v
  end
  local function name_of(o)
    for n, x in pairs(objs) do if rawequal(o, x) then return n end end
    for n, fd in pairs(fds) do if o == fd then return "fd:" .. n end end
    return ssl._repr(o)
  end
  local function show_key(k)
    return {name_of(k.fileobj), "fd:" .. name_of(k.fd):gsub("^fd:", ""), k.events, k.data == nil and json.null or k.data}
  end
  local function byname(t, desc)
    local names = {}
    for n in pairs(t) do names[#names + 1] = n end
    table.sort(names, desc)
    return names
  end
  local function clean(msg)
    for _, n in ipairs(byname(objs, function(x, y) return #reprs[x] > #reprs[y] end)) do
      msg = msg:gsub(reprs[n]:gsub("%p", "%%%0"), "<" .. n .. ">")
    end
    for _, n in ipairs(byname(objs, function(x, y) return fds[x] > fds[y] end)) do
      msg = msg:gsub(tostring(fds[n]), "FD:" .. n)
    end
    return msg
  end
  local out = {}
  for i, step in ipairs(steps) do
    local op, args = step[1], {}
    for k = 2, 4 do args[k - 1] = value(step[k]) end
    local ok, r = pcall(function()
      if op == "register" then return show_key(sel:register(args[1], args[2], args[3]))
      elseif op == "unregister" then return show_key(sel:unregister(args[1]))
      elseif op == "modify" then return show_key(sel:modify(args[1], args[2], args[3]))
      elseif op == "get_key" then return show_key(sel:get_key(args[1]))
      elseif op == "select" then
        local res = {}
        for _, pair in ipairs(sel:select(args[1])) do res[#res + 1] = {name_of(pair[1].fileobj), pair[2]} end
        table.sort(res, function(x, y) return x[1] < y[1] end)
        return res
      elseif op == "send" then args[1]:send("x"); return json.null
      elseif op == "close" then args[1]:close(); return json.null
      elseif op == "close_selector" then sel:close(); return json.null
      elseif op == "len" then return sel._nkeys
      elseif op == "get_map_nil" then return sel:get_map() == nil
      elseif op == "map_get" then
        local k = sel:get_map():get(args[1])
        return k and show_key(k) or json.null
      elseif op == "map_item" then return show_key(sel:get_map()[args[1]])
      elseif op == "contains" then return sel:get_map():contains(args[1])
      end
    end)
    if not ok then r = {ssl._typename(r), clean(ssl.str(r))} end
    out[i] = r
  end
  sel:close()
  for _, o in pairs(objs) do o:close() end
  return out
end

-- JSON arrays for the steps: nil arguments become null.
local function steps_json()
  local t = {}
  for name, steps in pairs(SCENARIOS) do
    local list = {}
    for i, step in ipairs(steps) do
      local s = {}
      for k = 1, 4 do s[k] = step[k] == nil and json.null or step[k] end
      while s[#s] == json.null do s[#s] = nil end
      -- {"register", "a", nil}: Python's register(a, None)
      if step[1] == "register" and step[3] == nil and #s < 3 then s[3] = json.null end
      list[i] = s
    end
    t[name] = list
  end
  return json.encode({t, CLASSES})
end

describe("pyssl.selectors, differential against python3", function()
  local expected
  setup(function()
    expected = H.python("SPEC = " .. string.format("%q", steps_json()) .. "\n" .. PYTHON)
  end)
  for name in pairs(SCENARIOS) do
    for _, cls in ipairs(CLASSES) do
      it(name .. ": " .. cls, function()
        local steps = H.json.decode(steps_json(), 1, json.null)[1][name]
        for _, step in ipairs(steps) do
          for k = 2, 4 do if step[k] == json.null then step[k] = nil end end
        end
        local got = run(cls, steps)
        local want = expected[name][cls]
        for i = 1, #steps do
          assert.same(want[i], got[i], "step " .. i .. " " .. json.encode(steps[i]))
        end
      end)
    end
  end
end)

describe("select.epoll and select.poll", function()
  it("have Python's errors", function()
    local ep = select_mod.epoll()
    local closed = select_mod.epoll()
    closed:close()
    local p = select_mod.poll()
    local a, b = socket.socketpair()
    finally(function() ep:close(); a:close(); b:close() end)
    ep:register(a:fileno())
    p:register(a)
    local problems = S.compare_errors([[
import select, socket
ep = select.epoll(); closed = select.epoll(); closed.close(); p = select.poll()
a, b = socket.socketpair(); ep.register(a.fileno()); p.register(a)]], {
      {"again", lua = function() ep:register(a:fileno()) end, py = "ep.register(a.fileno())"},
      {"unreg", lua = function() ep:unregister(b) end, py = "ep.unregister(b)"},
      {"modify", lua = function() ep:modify(b, 1) end, py = "ep.modify(b, 1)"},
      {"neg", lua = function() ep:register(-1) end, py = "ep.register(-1)"},
      {"badfd", lua = function() ep:register(99999) end, py = "ep.register(99999)"},
      {"str", lua = function() ep:register("x") end, py = 'ep.register("x")'},
      {"maxev", lua = function() ep:poll(0, 0) end, py = "ep.poll(0, 0)"},
      {"maxev2", lua = function() ep:poll(0, -2) end, py = "ep.poll(0, -2)"},
      {"timeout", lua = function() ep:poll("x") end, py = 'ep.poll("x")'},
      {"sizehint", lua = function() select_mod.epoll(-2) end, py = "select.epoll(-2)"},
      {"flags", lua = function() select_mod.epoll(1, 5) end, py = "select.epoll(1, 5)"},
      {"closed", lua = function() closed:poll(0) end, py = "closed.poll(0)"},
      {"closedreg", lua = function() closed:register(a) end, py = "closed.register(a)"},
      {"closedfileno", lua = function() closed:fileno() end, py = "closed.fileno()"},
      {"closeagain", lua = function() closed:close() end, py = "closed.close()"},
      {"pmodify", lua = function() p:modify(b, 1) end, py = "p.modify(b, 1)"},
      {"punreg", lua = function() p:unregister(b) end, py = "p.unregister(b)"},
      {"ptimeout", lua = function() p:poll("x") end, py = 'p.poll("x")'},
      {"pneg", lua = function() p:register(-3) end, py = "p.register(-3)"},
    })
    assert.same({}, problems)
    assert.is_true(closed.closed)
    assert.is_false(ep.closed)
  end)

  it("report ready descriptors as {fd, events} pairs", function()
    local a, b = socket.socketpair()
    finally(function() a:close(); b:close() end)
    local ep, p = select_mod.epoll(), select_mod.poll()
    ep:register(a, select_mod.EPOLLIN)
    p:register(a, select_mod.POLLIN)
    p:register(99999)
    assert.same({}, ep:poll(0))
    assert.same({{99999, select_mod.POLLNVAL}}, p:poll(0))
    b:send("x")
    assert.same({{a:fileno(), select_mod.EPOLLIN}}, ep:poll(1))
    assert.same({{a:fileno(), select_mod.POLLIN}, {99999, select_mod.POLLNVAL}}, p:poll(1.5))
    p:unregister(99999)
    ep:modify(a, select_mod.EPOLLOUT)
    assert.same({{a:fileno(), select_mod.EPOLLOUT}}, ep:poll(-1, 1))
    local t0 = S.now()
    ep:unregister(a)
    assert.same({}, ep:poll(0.1))
    assert.is_true(S.now() - t0 >= 0.09)
    ep:close()
  end)

  it("epoll.poll reports at most maxevents as maxevents grows and shrinks", function()
    local ep, socks, fds = select_mod.epoll(), {}, {}
    finally(function()
      ep:close()
      for _, s in ipairs(socks) do s:close() end
    end)
    for i = 1, 5 do
      local a, b = socket.socketpair()
      socks[#socks + 1], socks[#socks + 2] = a, b
      b:send("x")
      ep:register(a, select_mod.EPOLLIN)
      fds[a:fileno()] = true
    end
    -- The event buffer grows past what each call asks (selectors raise
    -- maxevents by one per registered descriptor) and is reused.
    for _, maxevents in ipairs({1, 2, 3, 5, 2, 4}) do
      local got = ep:poll(0, maxevents)
      assert.equal(maxevents, #got)
      for _, pair in ipairs(got) do
        assert.is_true(fds[pair[1]])
        assert.equal(select_mod.EPOLLIN, pair[2])
      end
    end
  end)
end)

describe("pyssl.selectors with real objects", function()
  it("DefaultSelector is EpollSelector, with fileno() and Python's key", function()
    assert.equal(selectors.EpollSelector, selectors.DefaultSelector)
    local sel = selectors.DefaultSelector()
    assert.is_true(sel:fileno() >= 0)
    local k = selectors.SelectorKey(5, 5, 1, nil)
    assert.equal("SelectorKey(fileobj=5, fd=5, events=1, data=None)", tostring(k))
    assert.equal(5, k[2])
    assert.equal(k, selectors.SelectorKey(5, 5, 1, nil))
    sel:close()
    H.raises(ssl.ValueError, "I/O operation on closed epoll object", sel.select, sel, 0)
    H.raises(ssl.TypeError, nil, selectors.BaseSelector)
  end)

  it("takes LuaSocket objects (getfd() returns a float on 5.3+)", function()
    local ok, luasocket = pcall(require, "socket")
    if not ok then error("LuaSocket is needed: " .. tostring(luasocket)) end
    local srv = assert(luasocket.bind("127.0.0.1", 0))
    local _, port = srv:getsockname()
    local c = socket.create_connection({"127.0.0.1", tonumber(port)}, 5)
    finally(function() srv:close(); c:close() end)
    local sel = selectors.DefaultSelector()
    local key = sel:register(srv, selectors.EVENT_READ, "listener")
    assert.equal(srv:getfd(), key.fd)
    local ready = sel:select(5)
    assert.equal(1, #ready)
    assert.equal(key, ready[1][1])
    assert.equal(selectors.EVENT_READ, ready[1][2])
    local conn = assert(srv:accept())
    sel:register(conn, selectors.EVENT_READ)
    c:sendall("hi")
    ready = sel:select(5)
    assert.equal(conn, ready[1][1].fileobj)
    assert.equal("hi", conn:receive(2))
    conn:close()
    sel:unregister(conn)   -- closed: found by the exhaustive search
    sel:close()
  end)

  for _, cls in ipairs(CLASSES) do
    it("drives non-blocking TLS between SSLSockets: " .. cls, function()
      local bag = S.bag()
      finally(function() bag:close() end)
      local sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
      sctx:load_cert_chain(H.pki("leafkey.pem"))
      local cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
      cctx:load_verify_locations(H.pki("ca.pem"))
      local srv = S.listener(bag)
      local c = bag:add(socket.create_connection(srv:getsockname(), 5))
      local a = bag:add((srv:accept()))
      a:setblocking(false)
      c:setblocking(false)
      local sa = bag:add(sctx:wrap_socket(a, {server_side = true, do_handshake_on_connect = false}))
      local sc = bag:add(cctx:wrap_socket(c, {server_hostname = "localhost", do_handshake_on_connect = false}))
      local sel = selectors[cls]()
      local state = {[sa] = "hs", [sc] = "hs"}
      sel:register(sa, selectors.EVENT_READ, "server")
      sel:register(sc, selectors.EVENT_WRITE, "client")
      local got = {}
      local deadline = S.now() + 10
      while got.server ~= "ping" or got.client ~= "pong" do
        assert.is_true(S.now() < deadline, "TLS over selectors did not finish")
        for _, ready in ipairs(sel:select(1)) do
          local key = ready[1]
          local s = key.fileobj
          local ok, err = pcall(function()
            if state[s] == "hs" then
              s:do_handshake()
              state[s] = "open"
              if key.data == "client" then s:sendall("ping") end
              sel:modify(s, selectors.EVENT_READ, key.data)
            else
              local data = s:recv(100)
              got[key.data] = data
              if key.data == "server" then s:sendall("pong") end
            end
          end)
          if not ok then
            if ssl.isinstance(err, ssl.SSLWantWriteError) then
              sel:modify(s, selectors.EVENT_WRITE, key.data)
            elseif ssl.isinstance(err, ssl.SSLWantReadError) then
              sel:modify(s, selectors.EVENT_READ, key.data)
            else
              error(err, 0)
            end
          end
        end
      end
      assert.equal("TLSv1.3", sc:version())
      sel:close()
    end)
  end
end)
