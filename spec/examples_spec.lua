-- The examples (examples/*.lua) run as a user runs them: as programs, under
-- `timeout`, against peers on 127.0.0.1 with free ports. Their error
-- lines are compared with what python3 prints for the same failure.
--
-- Peers: a python3 HTTPS server (http.server wrapped in ssl, the test PKI)
-- for https_get and tls_inspect; pyssl and python3 clients for
-- echo_server. Every process is stopped in a finally, every wait bounded.
local H = require "spec.support.helper"
local P = require "spec.support.peers"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local E = require "spec.support.examples"
local example_command, split_exit = E.command, E.split_exit

-- Runs an example to its end: stdout, stderr, exit status.
local function run_example(name, args)
  local errfile = os.tmpname()
  local p = assert(io.popen("timeout 20 " .. example_command(name, args) .. " 2>" .. errfile))
  local out, code = split_exit(p:read("*a"))
  p:close()
  local err = H.read_file(errfile)
  os.remove(errfile)
  return out, err, code
end

-- Starts an example in the background (stdout and stderr in one pipe).
local function start_example(name, args)
  return P.spawn(example_command(name, args), 20)
end

-- Waits for a background example to end: all its output and exit status.
local function wait_for_exit(peer)
  local rest = peer.pipe:read("*a")
  peer.pipe:close()
  peer.done, peer.output = true, rest
  return split_exit(table.concat(peer.seen, "\n") .. "\n" .. rest)
end

-- An error line without the varying parts: the source location at the
-- end and the "_ssl.c:NNN: " of timeout messages.
local function norm_line(line)
  return (line:gsub("%s+$", ""):gsub(" %([%w_./]+%.c:%d+%)$", ""):gsub("[%w_]+%.c:%d+: ", ""))
end

-- The last line python3 prints when `code` raises.
local function python_error_line(code)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("import socket, ssl\nPKI = ", ("%q"):format(H.PKI .. "/"), "\n", code)
  f:close()
  local p = assert(io.popen("timeout 20 " .. H.PYTHON .. " -W ignore " .. path .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return norm_line(out:match("([^\n]+)\n?$") or "")
end

-- A PEM file made of PKI files (removed by the caller's finally).
local function concat_pki(...)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  for _, name in ipairs({...}) do f:write(H.read_file(H.pki(name))) end
  f:close()
  return path
end

------------------------------------------------------------ python3 peers

-- An HTTPS server: http.server wrapped in ssl, serving arg 1 (a PEM file
-- with key and chain), ALPN h2 and http/1.1. GET answers 18 bytes and
-- echoes the path and Host header in X-Path / X-Host.
local HTTPS_SERVER = [[
import http.server

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Path", self.path)
        self.send_header("X-Host", self.headers["Host"])
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1])
ctx.set_alpn_protocols(["h2", "http/1.1"])
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
]]

local function https_server(certfile)
  local peer = P.python(HTTPS_SERVER, {certfile})
  assert(peer.port, "the HTTPS server did not start: " .. tostring(peer.first))
  return peer
end

-- Three clients at once (a barrier keeps them all connected), each
-- echoing 100 000 bytes in 16 KiB round trips; prints one JSON list.
local ECHO_CLIENTS = [[
port = int(sys.argv[1])
ctx = ssl.create_default_context(cafile=PKI + "ca.pem")
barrier = threading.Barrier(3, timeout=5)
results = [None] * 3

def client(i):
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        with ctx.wrap_socket(sock, server_hostname="localhost") as s:
            barrier.wait()
            payload = bytes([65 + i]) * 100000
            got = bytearray()
            for off in range(0, len(payload), 16384):
                chunk = payload[off:off + 16384]
                s.sendall(chunk)
                while len(got) < off + len(chunk):
                    data = s.recv(65536)
                    if not data:
                        raise EOFError("the server closed")
                    got += data
            results[i] = {"same": bytes(got) == payload, "n": len(got)}
    except Exception as e:
        results[i] = describe(e)

threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
for t in threads: t.start()
for t in threads: t.join()
emit(results)
]]

----------------------------------------------------------- pyssl clients

-- A blocking pyssl TLS client (5 s timeout) to the echo server.
local function tls_client(bag, port, opts)
  opts = opts or {}
  local ctx = opts.ctx or P.client_context()
  local sock = socket.create_connection({"127.0.0.1", port}, 5)
  return bag:add(ctx:wrap_socket(sock, {server_hostname = opts.hostname or "localhost"}))
end

-- Sends `data` and reads the same number of bytes back.
local function round_trip(tls, data)
  tls:sendall(data)
  local got = {}
  local n = 0
  while n < #data do
    local chunk = tls:recv(65536)
    assert(chunk ~= "", "the echo server closed the connection")
    got[#got + 1] = chunk
    n = n + #chunk
  end
  return table.concat(got)
end

-- The port from the echo server's first line.
local function echo_server(args)
  local peer = start_example("echo_server.lua", args)
  peer.port = tonumber(peer:expect("^listening on [%d.:]+ port (%d+)$"))
  if not peer.port then   -- (not assert: its message would be built, and the peer stopped, on success too)
    error("echo_server did not start: " .. table.concat(peer.seen, "\n") .. peer:stop(), 2)
  end
  return peer
end

local function lines_of(text)
  local t = {}
  for line in text:gmatch("[^\n]+") do t[#t + 1] = line end
  return t
end

-- The one line of `text` that matches `pattern` (error when none does).
local function line_matching(text, pattern)
  for _, line in ipairs(lines_of(text)) do
    if line:find(pattern) then return line end
  end
  error(("no line matches %q in:\n%s"):format(pattern, text), 2)
end

local function has_line(text, wanted)
  for _, line in ipairs(lines_of(text)) do
    if line == wanted then return true end
  end
  return false
end

local function assert_line(text, wanted)
  if not has_line(text, wanted) then
    error(("no line %q in:\n%s"):format(wanted, text), 2)
  end
end

teardown(function() P.cleanup() end)

--------------------------------------------------------------- https_get

describe("examples/https_get.lua", function()
  it("makes a verified GET and prints status, headers and the TLS details", function()
    local server = https_server(H.pki("leafkey.pem"))
    finally(function() server:stop() end)
    local url = ("https://localhost:%d/some/path?q=1"):format(server.port)
    local out, err, code = run_example("https_get.lua", {"--cafile", H.pki("ca.pem"), "--body", url})
    assert.equal("", err)
    assert.equal(0, code)
    local leaf = ssl._ssl._test_decode_cert(H.pki("leaf.pem"))
    assert.equal("HTTP/1.1 200 OK", lines_of(out)[1])
    for _, line in ipairs({
      "X-Path: /some/path?q=1",
      "X-Host: localhost:" .. server.port,
      "Content-Length: 18",
      "  version   TLSv1.3",
      "  ALPN      http/1.1",
      "  subject   countryName=XY, organizationName=pyssl tests, commonName=localhost",
      "  issuer    commonName=pyssl test CA",
      "  notAfter  " .. leaf.notAfter,
      "  body      18 bytes",
    }) do
      assert_line(out, line)
    end
    line_matching(out, "^  cipher    TLS_[%w_]+ %(%d+ bits%)$")
    assert.equal("hello from python\n", out:sub(-#"hello from python\n"))
  end)

  it("shows a verification failure as Python does, exit status 1", function()
    local server = https_server(H.pki("otherkey.pem"))
    finally(function() server:stop() end)
    local url = ("https://localhost:%d/"):format(server.port)
    local out, err, code = run_example("https_get.lua", {"--cafile", H.pki("ca.pem"), url})
    assert.equal(1, code)
    assert.equal("", out)
    local expected = python_error_line(([[
ctx = ssl.create_default_context(cafile=PKI + "ca.pem")
ctx.wrap_socket(socket.create_connection(("localhost", %d), 10), server_hostname="localhost")
]]):format(server.port))
    assert.equal("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                 .. "unable to get local issuer certificate", expected)
    assert.equal(expected, norm_line(err))
  end)

  it("shows a hostname mismatch as Python does", function()
    local server = https_server(H.pki("wildcardkey.pem"))
    finally(function() server:stop() end)
    local url = ("https://localhost:%d/"):format(server.port)
    local _, err, code = run_example("https_get.lua", {"--cafile", H.pki("ca.pem"), url})
    assert.equal(1, code)
    assert.equal("ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
                 .. "Hostname mismatch, certificate is not valid for 'localhost'.", norm_line(err))
  end)

  it("shows a refused connection and a handshake timeout as Python does", function()
    local bag = S.bag()
    finally(function() bag:close() end)
    local refusing = S.refusing_port(bag)
    local _, err, code = run_example("https_get.lua", {("https://127.0.0.1:%d/"):format(refusing)})
    assert.equal(1, code)
    assert.equal("ConnectionRefusedError: [Errno 111] Connection refused", norm_line(err))

    -- A listener that never accepts: the kernel completes the TCP
    -- connection, nobody answers the ClientHello.
    local silent = S.listener(bag)
    local port = silent:getsockname()[2]
    local started = S.now()
    _, err, code = run_example("https_get.lua", {"--timeout", "0.3", ("https://127.0.0.1:%d/"):format(port)})
    assert.equal(1, code)
    assert.is_true(S.now() - started < 5)
    local expected = python_error_line(([[
ctx = ssl.create_default_context()
ctx.wrap_socket(socket.create_connection(("127.0.0.1", %d), 0.3), server_hostname="127.0.0.1")
]]):format(port))
    assert.equal("TimeoutError: The handshake operation timed out", expected)
    assert.equal(expected, norm_line(err))
  end)

  it("refuses a wrong command line with the usage, exit status 2", function()
    local _, err, code = run_example("https_get.lua", {"http://localhost/"})
    assert.equal(2, code)
    assert.truthy(err:find("^usage: https_get.lua"))
  end)
end)

------------------------------------------------------------- echo_server

describe("examples/echo_server.lua", function()
  it("serves pyssl and python3 clients at the same time", function()
    local server = echo_server({"--cert", H.pki("leafkey.pem"), "--max-clients", "6", "--timeout", "15"})
    finally(function() server:stop() end)
    local py = P.python_async(ECHO_CLIENTS, {server.port})
    finally(function() py:stop() end)

    -- Three pyssl clients connected at once, served in an interleaved order.
    local bag = S.bag()
    finally(function() bag:close() end)
    local clients = {}
    for i = 1, 3 do clients[i] = tls_client(bag, server.port) end
    local sent = 0
    for round = 1, 3 do
      for i = 3, 1, -1 do
        local data = ("%d:%d "):format(i, round):rep(1000 * i)
        assert.equal(data, round_trip(clients[i], data))
        sent = sent + #data
      end
    end
    clients[1]:unwrap():close()   -- close_notify both ways
    clients[2]:close()
    clients[3]:close()

    local results = P.json_line(py)
    for i = 1, 3 do assert.same({same = true, n = 100000}, results[i]) end

    local log, code = wait_for_exit(server)
    assert.equal(0, code)
    assert_line(log, ("client limit reached: 6 clients served, %d bytes echoed"):format(sent + 300000))
    assert.equal(6, select(2, log:gsub("handshake done: TLSv1%.3", "")))
  end)

  it("picks the certificate by server name (SNI): exact name, wildcard, default", function()
    local server = echo_server({"--cert", H.pki("leafkey.pem"),
      "--sni", "*.example.test=" .. H.pki("wildcardkey.pem"),
      "--sni", "alt.example.test=" .. H.pki("ecdsa.pem") .. "," .. H.pki("ecdsa.key"),
      "--max-clients", "4", "--timeout", "15"})
    finally(function() server:stop() end)
    local bag = S.bag()
    finally(function() bag:close() end)
    local function peer_der(opts)
      local tls = tls_client(bag, server.port, opts)
      assert.equal("ping", round_trip(tls, "ping"))
      local der = tls:getpeercert(true)
      tls:close()
      return der
    end
    local function pki_der(name)
      return ssl.PEM_cert_to_DER_cert(H.read_file(H.pki(name)))
    end
    local no_hostname_check = P.client_context()
    no_hostname_check.check_hostname = false

    assert.equal(pki_der("wildcard.pem"), peer_der({hostname = "www.example.test"}))
    assert.equal(pki_der("ecdsa.pem"), peer_der({hostname = "alt.example.test", ctx = no_hostname_check}))
    assert.equal(pki_der("leaf.pem"), peer_der({hostname = "localhost"}))
    assert.equal(pki_der("leaf.pem"), peer_der({hostname = "127.0.0.1"}))   -- an IP: no SNI sent

    local log, code = wait_for_exit(server)
    assert.equal(0, code)
    line_matching(log, "server name www%.example%.test, %*%.example%.test certificate")
    line_matching(log, "server name alt%.example%.test, alt%.example%.test certificate")
    line_matching(log, "server name localhost, default certificate")
    line_matching(log, "server name %(none%), default certificate")
  end)

  it("requires a client certificate with --require-client-cert", function()
    local server = echo_server({"--cert", H.pki("leafkey.pem"), "--cafile", H.pki("ca.pem"),
                                "--require-client-cert", "--max-clients", "2", "--timeout", "15"})
    finally(function() server:stop() end)
    local bag = S.bag()
    finally(function() bag:close() end)

    local with_cert = P.client_context()
    with_cert:load_cert_chain(H.pki("clientkey.pem"))
    local tls = tls_client(bag, server.port, {ctx = with_cert})
    assert.equal("hello", round_trip(tls, "hello"))
    tls:close()

    -- TLS 1.3: the client's handshake ends before the server has checked
    -- anything; the refusal arrives as an alert on the first read (every
    -- time: the server must not reset the connection before it is read).
    local without = tls_client(bag, server.port)
    local err = H.raises(ssl.SSLError, nil, round_trip, without, "hello")
    assert.equal("TLSV13_ALERT_CERTIFICATE_REQUIRED", err.reason)
    without:close()   -- the server waits for this before it closes (lingering close)

    local log, code = wait_for_exit(server)
    assert.equal(0, code)
    line_matching(log, "^%[1%] handshake done: .*client certificate pyssl client$")
    assert.equal("[2] handshake failed: ssl.SSLError: [SSL: PEER_DID_NOT_RETURN_A_CERTIFICATE] "
                 .. "peer did not return a certificate",
                 norm_line(line_matching(log, "^%[2%] handshake failed")))
  end)

  it("accepts clients without a certificate when it is optional (--cafile alone)", function()
    local server = echo_server({"--cert", H.pki("leafkey.pem"), "--cafile", H.pki("ca.pem"),
                                "--max-clients", "1", "--timeout", "15"})
    finally(function() server:stop() end)
    local bag = S.bag()
    finally(function() bag:close() end)
    local tls = tls_client(bag, server.port)
    assert.equal("hello", round_trip(tls, "hello"))
    tls:close()
    local log, code = wait_for_exit(server)
    assert.equal(0, code)
    line_matching(log, "^%[1%] handshake done: .*client certificate %(none%)$")
  end)

  it("ends cleanly at its time limit: close_notify to a connected client, exit status 0", function()
    -- The limit must leave this process time for its handshake (slower
    -- under valgrind: PYSSL_SLOW).
    local limit = os.getenv("PYSSL_SLOW") == "1" and "5" or "1"
    local server = echo_server({"--cert", H.pki("leafkey.pem"), "--timeout", limit})
    finally(function() server:stop() end)
    local bag = S.bag()
    finally(function() bag:close() end)
    local tls = tls_client(bag, server.port)
    assert.equal("hello", round_trip(tls, "hello"))
    assert.equal("", tls:recv(10))   -- the server's close_notify, not an error
    local log, code = wait_for_exit(server)
    assert.equal(0, code)
    assert_line(log, "time limit reached: 1 client served, 5 bytes echoed")
  end)

  it("refuses a command line without --cert, exit status 2", function()
    local _, err, code = run_example("echo_server.lua", {"--port", "0"})
    assert.equal(2, code)
    assert.truthy(err:find("--cert is required", 1, true))
  end)
end)

------------------------------------------------------------- tls_inspect

-- The verification error python3 gets for the same connection: verify
-- code and the reason (str(e) without "[SSL: ...] " and location).
local function python_verify_failure(port, servername)
  return H.python(([[
import socket
ctx = ssl.create_default_context(cafile=PKI + "ca.pem")
try:
    ctx.wrap_socket(socket.create_connection(("127.0.0.1", %d), 10), server_hostname=%q)
    print(json.dumps(None))
except ssl.SSLCertVerificationError as e:
    import re
    reason = re.sub(r" \(_ssl\.c:\d+\)$", "", str(e)).split("] ", 1)[1]
    print(json.dumps([e.verify_code, reason]))
]]):format(port, servername))
end

-- The "subject" lines of the chain an inspection printed.
local function chain_subjects(out)
  local subjects = {}
  for subject in out:gmatch("%[%d%] subject   ([^\n]+)") do subjects[#subjects + 1] = subject end
  return subjects
end

describe("examples/tls_inspect.lua", function()
  it("shows protocol, cipher, ALPN and the verified chain of a good endpoint", function()
    local server = https_server(H.pki("chainkey.pem"))
    finally(function() server:stop() end)
    local out, err, code = run_example("tls_inspect.lua", {"--cafile", H.pki("ca.pem"), "--alpn", "h2,http/1.1",
                                                           "--servername", "localhost", "127.0.0.1:" .. server.port})
    assert.equal("", err)
    assert.equal(0, code)
    assert_line(out, ("endpoint      127.0.0.1 port %d, server name localhost"):format(server.port))
    assert_line(out, "protocol      TLSv1.3")
    assert_line(out, "ALPN          h2")
    assert_line(out, "verification  OK")
    assert_line(out, "chain         3 certificates, verified (get_verified_chain)")
    line_matching(out, "^cipher        TLS_[%w_]+ %(%d+ bits%)$")
    assert.same({"commonName=localhost", "commonName=pyssl test intermediate", "commonName=pyssl test CA"},
                chain_subjects(out))
    local leaf = ssl._ssl._test_decode_cert(H.pki("chain.pem"))
    assert_line(out, ("      valid     %s .. %s"):format(leaf.notBefore, leaf.notAfter))
    assert_line(out, "      SAN       DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1")
    assert_line(out, "      issuer    commonName=pyssl test intermediate")
  end)

  it("names the reason of an untrusted chain and still shows the chain sent", function()
    local pem = concat_pki("other.key", "other.pem", "other-ca.pem")   -- the root is sent too
    finally(function() os.remove(pem) end)
    local server = https_server(pem)
    finally(function() server:stop() end)
    local out, err, code = run_example("tls_inspect.lua", {"--cafile", H.pki("ca.pem"), "--servername",
                                                           "localhost", "127.0.0.1:" .. server.port})
    assert.equal(1, code)
    assert.equal("", err)
    local expected = python_verify_failure(server.port, "localhost")
    assert.same({19, "certificate verify failed: self-signed certificate in certificate chain"}, expected)
    assert_line(out, ("verification  FAILED (verify code %d): %s"):format(expected[1], expected[2]))
    assert.equal("error         ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] " .. expected[2],
                 norm_line(line_matching(out, "^error ")))
    assert_line(out, "chain         2 certificates, as sent by the server (get_unverified_chain)")
    assert.same({"commonName=localhost", "commonName=pyssl other CA"}, chain_subjects(out))
    assert_line(out, "protocol      TLSv1.3")
  end)

  it("names a hostname mismatch exactly", function()
    local server = https_server(H.pki("leafkey.pem"))
    finally(function() server:stop() end)
    local out, _, code = run_example("tls_inspect.lua", {"--cafile", H.pki("ca.pem"), "--servername",
                                                         "wrong.example", "127.0.0.1:" .. server.port})
    assert.equal(1, code)
    local expected = python_verify_failure(server.port, "wrong.example")
    assert.same({62, "certificate verify failed: Hostname mismatch, certificate is not valid for 'wrong.example'."},
                expected)
    assert_line(out, ("verification  FAILED (verify code %d): %s"):format(expected[1], expected[2]))
    assert_line(out, "chain         1 certificate, as sent by the server (get_unverified_chain)")
    assert.same({"countryName=XY, organizationName=pyssl tests, commonName=localhost"}, chain_subjects(out))
  end)
end)
