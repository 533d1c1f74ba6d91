-- pyssl among LuaSocket's objects: getfd()/dirty() for socket.select,
-- pyssl.select on LuaSocket objects, wrap_socket on a LuaSocket TCP
-- object, and pyssl.luasocket (LuaSec's connection shape) side by side
-- with Debian's lua-sec and under socket.http.
local H = require "spec.support.helper"
local P = require "spec.support.peers"
local ssl = require "pyssl"
local psocket = require "pyssl.socket"
local pselect = require "pyssl.select"

local LUA = os.getenv("LUA") or "lua5.4"

local HTTPS_SERVER = [[
import http.server

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("hello " + self.path + " from " + self.headers["Host"] + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers["Content-Length"])
        body = self.rfile.read(n)[::-1]
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(PKI + "leafkey.pem")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
]]

local server_context = P.server_context

-- A connected pair of TLS sockets (blocking, handshake done) over loopback.
local function tls_pair()
  local listener = psocket.create_server({"127.0.0.1", 0})
  local port = listener:getsockname()[2]
  local c = psocket.create_connection({"127.0.0.1", port})
  local s = listener:accept()
  listener:close()
  local cctx = ssl.create_default_context({cafile = H.pki("ca.pem")})
  local sctx = server_context()
  sctx.num_tickets = 0   -- no TLS 1.3 tickets: the client's socket stays quiet after the handshake
  local server = sctx:wrap_socket(s, {server_side = true, do_handshake_on_connect = false})
  local client = cctx:wrap_socket(c, {server_hostname = "localhost", do_handshake_on_connect = false})
  server:setblocking(false)
  client:setblocking(false)
  -- both handshakes, interleaved
  local cerr, serr = P.handshake_both(client, server, 10)
  assert(not cerr and not serr, tostring(cerr or serr))
  client:setblocking(true)
  server:setblocking(true)
  return client, server
end

describe("LuaSocket's conventions on pyssl sockets", function()
  it("getfd() and dirty() let LuaSocket's socket.select wait on SSLSockets", function()
    local socket = require "socket"
    local client, server = tls_pair()
    finally(function() client:close() server:close() end)
    assert.equal(client:fileno(), client:getfd())
    assert.is_false(client:dirty())
    local r = socket.select({client}, nil, 0.05)
    assert.equal(0, #r)
    server:sendall("one\ntwo\n")
    r = socket.select({client, server}, nil, 5)
    assert.equal(1, #r)
    assert.equal(client, r[1])
    assert.equal("o", client:recv(1))        -- the rest stays inside TLS
    assert.is_true(client:dirty())
    r = socket.select({client}, nil, 0)      -- dirty: readable at once
    assert.equal(client, r[1])
    assert.equal("ne\ntwo\n", client:recv(100))
    assert.is_false(client:dirty())
    local plain = psocket.socket()
    assert.is_false(plain:dirty())
    assert.equal(plain:fileno(), plain:getfd())
    plain:close()
    assert.equal(-1, plain:getfd())
    assert.is_false(client:dirty() or server:dirty())
  end)

  it("pyssl.select.select waits on LuaSocket objects (their getfd() is a float on 5.3+)", function()
    local socket = require "socket"
    local srv = assert(socket.bind("127.0.0.1", 0))
    local _, port = srv:getsockname()
    local c = assert(socket.connect("127.0.0.1", port))
    local a = assert(srv:accept())
    finally(function() c:close() a:close() srv:close() end)
    local r, w = pselect.select({c}, {c}, {}, 0)
    assert.same({}, r)
    assert.equal(c, w[1])
    a:send("x")
    r = pselect.select({c, srv}, {}, {}, 5)
    assert.equal(1, #r)
    assert.equal(c, r[1])
    -- Python's errors for anything else
    H.raises(ssl.TypeError, "fileno() returned a non-integer", pselect.select,
             {{getfd = function() return 3.5 end}}, {}, {})
    H.raises(ssl.TypeError, "fileno() returned a non-integer", pselect.select,
             {{fileno = function() return "3" end}}, {}, {})
    H.raises(ssl.TypeError, "argument must be an int, or have a fileno() method.", pselect.select,
             {{}}, {}, {})
  end)

  it("wrap_socket takes a LuaSocket TCP object over", function()
    local socket = require "socket"
    local listener = psocket.create_server({"127.0.0.1", 0})
    local port = listener:getsockname()[2]
    finally(function() listener:close() end)
    local tcp = assert(socket.connect("127.0.0.1", port))
    local s = listener:accept()
    local server = server_context():wrap_socket(s, {server_side = true, do_handshake_on_connect = false})
    server:setblocking(false)
    local cctx = ssl.create_default_context({cafile = H.pki("ca.pem")})
    tcp:settimeout(5)
    local client = cctx:wrap_socket(tcp, {server_hostname = "localhost", do_handshake_on_connect = false})
    assert.equal(-1, tcp:getfd())           -- LuaSocket let go of the descriptor
    assert.equal(5, client:gettimeout())    -- its timeout came along
    client:setblocking(false)
    local cerr, serr = P.handshake_both(client, server, 10)
    assert.is_nil(cerr or serr)
    assert.equal("localhost", client:getpeercert().subjectAltName[1][2])
    client:close()
    server:close()
  end)
end)

describe("pyssl.luasocket", function()
  local peer
  setup(function()
    peer = P.spawn("python3 -W ignore spec/support/luasocket_server.py " .. P.quote(H.PKI), 120)
    peer.port = tonumber(peer:line())
  end)
  teardown(function() if peer then peer:stop() end end)

  it("answers as Debian's lua-sec does, call for call", function()
    assert(peer.port, "the probe server did not start")
    local function probe(which)
      local p = io.popen("timeout 60 " .. P.quote(LUA) .. " spec/support/luasocket_probe.lua " .. which
                         .. " " .. peer.port .. " " .. P.quote(H.pki("ca.pem")) .. " 2>&1")
      local out = p:read("*a")
      p:close()
      return out
    end
    local luasec, pyssl = probe("luasec"), probe("pyssl")
    assert.truthy(luasec:find("\nsink\t", 1, true), "the LuaSec probe did not finish:\n" .. luasec)
    assert.equal(luasec, pyssl)
    -- the results that matter, spelled out
    assert.truthy(luasec:find('l3\tnil, "wantread", "thr"', 1, true))
    assert.truthy(luasec:find('eof l\tnil, "unexpected eof while reading", "abc"', 1, true))
    assert.truthy(luasec:find('n total\tnil, "wantread", "12345"', 1, true))
  end)

  it("gives LuaSocket's address triples, stats and options", function()
    local luasocket = require "pyssl.luasocket"
    local conn = assert(luasocket.connect("127.0.0.1", peer.port, {cafile = H.pki("ca.pem"),
                                                                    server_hostname = "localhost"}))
    local ip, port, family = conn:getpeername()
    assert.same({"127.0.0.1", peer.port, "inet"}, {ip, port, family})
    ip, port, family = conn:getsockname()
    assert.equal("127.0.0.1", ip)
    assert.equal("number", type(port))
    assert.equal(1, conn:setoption("tcp-nodelay", true))
    assert.equal(1, conn:setoption("keepalive", true))
    H.raises(ssl.ValueError, nil, conn.setoption, conn, "bogus", true)
    assert.equal(9, conn:send("echo\nabc\n"))
    conn:settimeout(5)
    assert.equal("abc", conn:receive())
    local received, sent, age = conn:getstats()
    assert.equal(4, received)
    assert.equal(9, sent)
    assert.is_true(age >= 0)
    assert.equal(conn:fileno(), conn:getfd())
    conn:close()
    assert.same({nil, "closed"}, {conn:getpeername()})
    assert.equal(-1, conn:getfd())
  end)

  it("fails to connect as LuaSocket says, with the error object third", function()
    local luasocket = require "pyssl.luasocket"
    -- a port nobody listens on: the server's, once it is closed
    local s = psocket.create_server({"127.0.0.1", 0})
    local port = s:getsockname()[2]
    s:close()
    local conn, err = luasocket.connect("127.0.0.1", port)
    assert.is_nil(conn)
    assert.equal("connection refused", err)
    local obj
    conn, err, obj = luasocket.connect("127.0.0.1", peer.port, {server_hostname = "localhost"})
    assert.is_nil(conn)
    assert.equal("certificate verify failed", err)
    assert.equal("unable to get local issuer certificate", obj.verify_message)
    conn, err, obj = luasocket.connect("127.0.0.1", peer.port, {cafile = H.pki("ca.pem"),
                                                                 server_hostname = "example.org"})
    assert.is_nil(conn)
    assert.equal("certificate verify failed", err)
    assert.equal("Hostname mismatch, certificate is not valid for 'example.org'.", obj.verify_message)
  end)

  it("carries socket.http over verified TLS (create, as LuaSec's https)", function()
    local http = require "socket.http"
    local ltn12 = require "ltn12"
    local luasocket = require "pyssl.luasocket"
    local web = P.python(HTTPS_SERVER)
    finally(function() web:stop() end)
    assert(web.port, "the HTTPS server did not start: " .. tostring(web.first))
    local url = "https://localhost:" .. web.port .. "/hello"
    -- the string form
    local body, code, headers = luasocket.request(url, nil, {cafile = H.pki("ca.pem")})
    assert.equal("hello /hello from localhost:" .. web.port .. "\n", body)
    assert.equal(200, code)
    assert.equal(tostring(#body), headers["content-length"])
    -- a POST
    body, code = luasocket.request(url, "abc", {cafile = H.pki("ca.pem")})
    assert.same({"cba", 201}, {body, code})
    -- the table form: socket.http.request itself with pyssl's create
    local chunks = {}
    local ok, status = http.request({url = url, sink = ltn12.sink.table(chunks),
                                     create = luasocket.create({cafile = H.pki("ca.pem")})})
    assert.same({1, 200}, {ok, status})
    assert.equal("hello /hello from localhost:" .. web.port .. "\n", table.concat(chunks))
    -- not trusted: socket.http's nil and LuaSec's message
    local res, err = luasocket.request(url)
    assert.is_nil(res)
    assert.equal("certificate verify failed", err)
  end)

  it("serves a socket.select loop of non-blocking TLS connections", function()
    local socket = require "socket"
    local luasocket = require "pyssl.luasocket"
    local sctx = server_context()
    local listener = psocket.create_server({"127.0.0.1", 0})
    local port = listener:getsockname()[2]
    listener:setblocking(false)
    finally(function() listener:close() end)
    local N = 5
    -- N python3 clients at once (a barrier keeps them all connected)
    local clients = P.python_async(string.format([[
port, n = %d, %d
ctx = ssl.create_default_context(cafile=PKI + "ca.pem")
# Generous timeouts: under valgrind on a loaded machine the server's five
# handshakes alone can take seconds, and a client that gave up would make
# the server see "closed".
barrier = threading.Barrier(n, timeout=60)
out = [None] * n
def client(i):
    with ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=60), server_hostname="localhost") as s:
        barrier.wait()
        s.sendall(b"hello %%d\r\n" %% i)
        out[i] = s.makefile("rb").readline().decode()
threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
emit(out)
]], port, N), nil, 120)
    finally(function() clients:stop() end)
    local conns, served = {}, 0
    local deadline = psocket._monotonic() + 90
    while served < N do
      assert(psocket._monotonic() < deadline, "the select loop did not finish")
      local watch = {listener}
      for _, c in ipairs(conns) do watch[#watch + 1] = c end
      local readable = socket.select(watch, nil, 1)
      for _, r in ipairs(readable) do
        if r == listener then
          local s = listener:accept()
          -- the handshake runs inside the first receives
          local tls = sctx:wrap_socket(s, {server_side = true, do_handshake_on_connect = false})
          local conn = luasocket.wrap(tls)
          conn:settimeout(0)
          conns[#conns + 1] = conn
        else
          local line, err = r:receive("*l")
          if line then
            assert(r:send(line:upper() .. "\n"))
            served = served + 1
          else
            assert(err == "wantread" or err == "wantwrite", err)
          end
        end
      end
    end
    assert.same({"HELLO 0\n", "HELLO 1\n", "HELLO 2\n", "HELLO 3\n", "HELLO 4\n"}, P.json_line(clients))
    for _, c in ipairs(conns) do c:close() end
  end)

  it("names the missing library and its packages when one is not installed", function()
    -- the facade and the core only: no system module directories
    local function only_ours(path)
      local kept = {}
      for template in path:gmatch("[^;]+") do
        if template:find("/lua/", 1, true) and not template:find("^/usr") or template:find("/build", 1, true) then
          kept[#kept + 1] = template
        end
      end
      return table.concat(kept, ";")
    end
    local script = P.tempfile([[
local function try(f) local ok, e = pcall(f) print(ok, (tostring(e):match("^[^\n]*"))) end
try(function() return require "pyssl.cqueues" end)
try(function() return require "pyssl.luv" end)
try(function() return require("pyssl.luasocket").connect("127.0.0.1", 1, {loop = "copas"}) end)
try(function() return require("pyssl.luasocket").request("https://localhost/") end)
]])
    local cmd = "LUA_PATH=" .. P.quote(only_ours(package.path)) .. " LUA_CPATH=" .. P.quote(only_ours(package.cpath))
                .. " timeout 30 " .. P.quote(LUA) .. " " .. P.quote(script) .. " 2>&1"
    local p = io.popen(cmd)
    local out = p:read("*a")
    p:close()
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = (line:gsub("\t[^\t]-:%d+: ", "\t", 1)) end
    assert.same({
      "false\tpyssl.cqueues needs the 'cqueues' module (Debian: lua-cqueues, LuaRocks: cqueues), which failed to load:",
      "false\tpyssl.luv needs the 'luv' module (Debian: lua-luv, LuaRocks: luv), which failed to load:",
      "false\tpyssl.luasocket's copas loop needs the 'copas' module (Debian: lua-copas, LuaRocks: copas), which failed to load:",
      "false\tpyssl.luasocket.request needs the 'socket.http' module (Debian: lua-socket, LuaRocks: luasocket), which failed to load:",
    }, lines)
  end)
end)
