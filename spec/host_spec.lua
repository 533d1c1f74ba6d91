-- pyssl's C API for host programs (src/pyssl_api.h): what core.so exports,
-- each function's answers through spec/support/capi_probe.c (which calls
-- the API as a host does), and examples/host, a C program with its own
-- epoll loop that hands its SSL_CTX and accepted descriptors to a Lua
-- script speaking TLS with pyssl. Under `make check-asan` the host and the
-- probe are the sanitized builds (PYSSL_HOST, PYSSL_CAPI_PROBE).
local H = require "spec.support.helper"
local P = require "spec.support.peers"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local HOST = os.getenv("PYSSL_HOST")   -- the example host is a Lua 5.4 program
local PROBE = assert(os.getenv("PYSSL_CAPI_PROBE"), "PYSSL_CAPI_PROBE: run through make test")

local function load_probe()
  local open = assert(package.loadlib(PROBE, "luaopen_capi_probe"))
  return open()
end

-- The file `require "pyssl.core"` loads (package.searchpath is 5.2+).
local function core_path()
  for template in package.cpath:gmatch("[^;]+") do
    local path = (template:gsub("%?", "pyssl/core"))
    local f = io.open(path)
    if f then
      f:close()
      return path
    end
  end
  error("pyssl/core.so not found on " .. package.cpath)
end

local function command_output(cmd)
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return out
end

describe("core.so", function()
  it("exports luaopen_pyssl_core and the C API only", function()
    local path = core_path()
    local names = {}
    for name in command_output("nm -D --defined-only " .. P.quote(path)):gmatch("%s[TDBR]%s+(%S+)") do
      names[#names + 1] = name
    end
    table.sort(names)
    assert.same({"luaopen_pyssl_core", "pyssl_api_get_ctx", "pyssl_api_get_ssl",
                 "pyssl_api_push_context", "pyssl_api_push_socket", "pyssl_api_version"}, names)
  end)
end)

describe("the C API", function()
  local probe = load_probe()
  local bag = S.bag()
  teardown(function() bag:close() end)

  it("is the version of the header, reached through core._capi", function()
    local version, size, header_version, header_size = probe.version()
    assert.equal(header_version, version)
    assert.equal(header_size, size)
    assert.equal("userdata", type(require("pyssl.core")._capi))
  end)

  it("wraps a host's SSL_CTX as an SSLContext that keeps it alive", function()
    local ctx = assert(probe.new_ctx("client", true))   -- the probe's reference is gone
    assert.equal(ssl.PROTOCOL_TLS_CLIENT, ctx.protocol)
    assert.is_true(ctx.check_hostname)
    assert.equal(ssl.CERT_OPTIONAL, ctx.verify_mode)   -- SSL_VERIFY_PEER alone
    ctx:load_verify_locations(H.pki("ca.pem"))
    assert.equal(1, ctx:cert_store_stats().x509_ca)
    local server = assert(probe.new_ctx("server"))
    assert.equal(ssl.PROTOCOL_TLS_SERVER, server.protocol)
    assert.is_false(server.check_hostname)
    server:load_cert_chain(H.pki("leafkey.pem"))
    -- The pair speaks TLS like contexts made by SSLContext().
    local _, c, a = S.tcp_pair(bag)
    local tls_s = bag:add(server:wrap_socket(a, {server_side = true, do_handshake_on_connect = false}))
    local tls_c = bag:add(ctx:wrap_socket(c, {server_hostname = "localhost", do_handshake_on_connect = false}))
    tls_s:settimeout(0)
    tls_c:settimeout(0)
    local deadline = S.now() + 5
    local done_c, done_s
    while not (done_c and done_s) and S.now() < deadline do
      done_c = done_c or pcall(tls_c.do_handshake, tls_c)
      done_s = done_s or pcall(tls_s.do_handshake, tls_s)
    end
    assert.is_true(done_c and done_s)
    assert.equal("TLSv1.3", tls_c:version())
    local verify_none = assert(probe.new_ctx("client"))   -- OpenSSL's default
    assert.equal(ssl.CERT_NONE, verify_none.verify_mode)
    assert.is_false(verify_none.check_hostname)
    assert.equal(ssl.PROTOCOL_TLS, assert(probe.new_ctx("tls")).protocol)
  end)

  it("refuses a method SSLContext does not make, and a second wrap of one SSL_CTX", function()
    local ctx, err, status = probe.new_ctx("dtls")
    assert.is_nil(ctx)
    assert.equal(2, status)   -- LUA_ERRRUN, the error object beside it
    assert.is_true(ssl.isinstance(err, ssl.ValueError))
    assert.equal("the SSL_CTX's method is not TLS_method(), TLS_client_method() or "
                 .. "TLS_server_method()", ssl.str(err))
    ctx, err = probe.wrap_null()
    assert.is_nil(ctx)
    assert.equal("the SSL_CTX is NULL", ssl.str(err))
    local first = ssl.create_default_context()
    first.check_hostname = false
    first.verify_mode = ssl.CERT_OPTIONAL
    local second
    second, err = probe.rewrap(first)
    assert.is_nil(second)
    assert.is_true(ssl.isinstance(err, ssl.ValueError))
    assert.equal("the SSL_CTX already backs an open SSLContext", ssl.str(err))
    -- Closed, it may be wrapped again; the settings are the SSL_CTX's.
    second = assert(probe.rewrap(first, true))
    assert.is_nil(probe.get_ctx(first))
    assert.equal(ssl.CERT_OPTIONAL, second.verify_mode)
    assert.is_true(second.check_hostname)   -- a client context that verifies
    assert.is_true(second:cert_store_stats().x509_ca > 0)
  end)

  it("gets the SSL_CTX of an SSLContext, and nil for anything else", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    local raw = probe.get_ctx(ctx)
    assert.equal("userdata", type(raw))
    assert.equal(raw, probe.get_ctx(ctx))
    assert.is_not.equal(raw, probe.get_ctx(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)))
    for _, v in ipairs({ssl.MemoryBIO(), socket.socket(), {}, 1, "x", true}) do
      assert.is_nil(probe.get_ctx(v))
    end
    assert.is_nil(probe.get_ctx(nil))
    assert.is_nil(probe.get_ctx(ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), false, "localhost")))
  end)

  it("gets the SSL of an SSLObject or SSLSocket while it is open", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    local obj = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), false, "localhost")
    local raw = probe.get_ssl(obj)
    assert.equal("userdata", type(raw))
    assert.is_nil(probe.get_ssl(ctx))
    assert.is_nil(probe.get_ssl(ssl.MemoryBIO()))
    assert.is_nil(probe.get_ssl(42))
    getmetatable(obj).__close(obj)
    assert.is_nil(probe.get_ssl(obj))

    local _, c = S.tcp_pair(bag)
    assert.is_nil(probe.get_ssl(c))   -- a plain socket
    local tls = bag:add(ctx:wrap_socket(c, {server_hostname = "localhost",
                                            do_handshake_on_connect = false}))
    local tls_raw = probe.get_ssl(tls)
    assert.equal("userdata", type(tls_raw))
    tls:close()
    assert.is_nil(probe.get_ssl(tls))
  end)

  it("adopts a descriptor as a pyssl.socket with the timeout given", function()
    local a, b = socket.socketpair()
    bag:add(b)
    local fd = a:detach()
    local s = bag:add(assert(probe.push_socket(fd, 0)))
    assert.is_true(ssl.isinstance(s, socket.socket))
    assert.equal(fd, s:fileno())
    assert.equal(socket.AF_UNIX, s.family)
    assert.equal(socket.SOCK_STREAM, s.type)
    assert.equal(0, s:gettimeout())
    assert.is_false(s:getblocking())
    s:sendall("ping")
    b:settimeout(5)
    assert.equal("ping", b:recv(10))
    s:close()
    -- A closed descriptor: Python's OSError, and nothing adopted.
    local none, err = probe.push_socket(fd, -1)
    assert.is_nil(none)
    assert.is_true(ssl.isinstance(err, ssl.OSError) and not ssl.isinstance(err, ssl.SSLError))
    assert.equal(9, err.errno)   -- EBADF
    none, err = probe.push_socket(-1, -1)
    assert.is_nil(none)
    assert.equal("negative file descriptor", ssl.str(err))
  end)
end)

describe("examples/host", function()
  -- Starts the host on a free port; its output (stdout and stderr) ends
  -- with "host exited N".
  local function start_host()
    local cmd = string.format("sh -c %s", P.quote(string.format(
      "%s --cert %s --key %s --timeout 20 examples/host/echo.lua; echo \"host exited $?\"",
      P.quote(HOST), P.quote(H.pki("leaf.pem")), P.quote(H.pki("leaf.key")))))
    local host = P.spawn(cmd, 30)
    host.port = tonumber(host:expect("^listening on 127%.0%.0%.1 port (%d+)$"))
    if not host.port then
      error("the host did not start:\n" .. table.concat(host.seen, "\n") .. host:stop(), 2)
    end
    return host
  end

  local function client(bag, port)
    local ctx = ssl.create_default_context({cafile = H.pki("ca.pem")})
    local sock = socket.create_connection({"127.0.0.1", port}, 10)
    return bag:add(ctx:wrap_socket(sock, {server_hostname = "localhost"}))
  end

  local read_line = P.recv_line

  it("serves TLS clients from its epoll loop through the C API and exits cleanly (5.4 only)", function()
    H.only("5.4")
    assert(HOST, "PYSSL_HOST: run through make test")
    local host = start_host()
    finally(function() host:stop() end)
    local bag = S.bag()
    finally(function() bag:close() end)

    -- Two clients at once: the host's loop interleaves their coroutines.
    local a = client(bag, host.port)
    local b = client(bag, host.port)
    a:sendall("hello from a\n")
    b:sendall("hello from b\n")
    assert.equal("hello from b\n", read_line(b))
    assert.equal("hello from a\n", read_line(a))
    b:sendall("two\nlines\n")
    assert.equal("two\nlines\n", read_line(b) .. read_line(b))

    -- The host read the protocol and cipher from each SSL (api->get_ssl).
    local logged = string.format("host: %s %s", a:version(), a:cipher()[1])
    assert.equal(logged, host:line())
    assert.equal(logged, host:line())

    -- "exit" stops the host; a's connection is closed by its teardown.
    b:sendall("exit\n")
    assert.equal("bye\n", read_line(b))
    a:settimeout(10)
    assert.equal("", a:recv(100))
    local rest = host:wait()
    assert.equal("host: bye after 2 connections\nhost exited 0\n", rest)
  end)
end)
