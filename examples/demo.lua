-- pyssl demo: a verified TLS 1.3 conversation between a client and a
-- server over real loopback sockets, both in this one Lua process. Both
-- ends are non-blocking; each is a coroutine written like blocking code,
-- and one pyssl.select loop runs whichever can make progress. It makes a
-- throwaway CA and server certificate with the openssl command, then
-- prints what a user wants to see.
--
--   lua5.4 examples/demo.lua        (make demo sets the module paths)
--
-- The other way to drive TLS from an event loop, without sockets, is
-- SSLContext:wrap_bio with MemoryBIOs (see README.md).
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select = require("pyssl.select").select

local function sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  assert(ok == true or ok == 0, "command failed: " .. cmd)   -- 5.1 returns the status
end

-- A throwaway PKI: a CA and a certificate for localhost signed by it.
local function make_pki()
  local dir = os.tmpname()
  os.remove(dir)
  sh("mkdir -p " .. dir)
  local ext = dir .. "/ext.cnf"
  local f = assert(io.open(ext, "w"))
  f:write([[
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
]])
  f:close()
  sh(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/ca.key " ..
      "-out %s/ca.pem -days 30 -subj '/CN=pyssl demo CA' " ..
      "-addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'")
     :format(dir, dir))
  sh(("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/server.key " ..
      "-out %s/server.csr -subj '/O=pyssl demo/CN=localhost'"):format(dir, dir))
  sh(("openssl x509 -req -in %s/server.csr -CA %s/ca.pem -CAkey %s/ca.key -CAcreateserial " ..
      "-out %s/server.pem -days 30 -extfile %s -extensions leaf"):format(dir, dir, dir, dir, ext))
  return dir
end

local function rdn_text(name)
  local parts = {}
  for _, rdn in ipairs(name) do
    for _, pair in ipairs(rdn) do parts[#parts + 1] = pair[1] .. "=" .. pair[2] end
  end
  return table.concat(parts, ", ")
end

------------------------------------------------- a tiny select-driven loop

local waiting = { read = {}, write = {} }   -- socket -> coroutine waiting for it

local function resume(co)
  local ok, sock, want = coroutine.resume(co)
  if not ok then error(debug.traceback(co, sock), 0) end
  if coroutine.status(co) ~= "dead" then waiting[want][sock] = co end
end

-- Inside a task: sock:method(...), waiting (yielding) for as long as pyssl
-- says it wants to read or to write.
local function nonblocking(sock, method, ...)
  while true do
    local ok, result = pcall(method, sock, ...)
    if ok then return result end
    if ssl.isinstance(result, ssl.SSLWantReadError) then
      coroutine.yield(sock, "read")
    elseif ssl.isinstance(result, ssl.SSLWantWriteError) then
      coroutine.yield(sock, "write")
    else
      error(result, 0)
    end
  end
end

local function keys(t)
  local list = {}
  for k in pairs(t) do list[#list + 1] = k end
  return list
end

-- Runs the task functions to their end (at most `limit` seconds without progress).
local function run(tasks, limit)
  for _, fn in ipairs(tasks) do resume(coroutine.create(fn)) end
  while next(waiting.read) or next(waiting.write) do
    local r, w = select(keys(waiting.read), keys(waiting.write), {}, limit)
    if #r + #w == 0 then error("no progress in " .. limit .. " s", 0) end
    for kind, ready in pairs({ read = r, write = w }) do
      for _, sock in ipairs(ready) do
        local co = waiting[kind][sock]
        waiting[kind][sock] = nil
        if co then resume(co) end
      end
    end
  end
end

----------------------------------------------------------- the two ends

local REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
local RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, pyssl\n"

-- Inside a task: reads until `done(data)` says the message is complete.
local function read_message(tls, done)
  local data = ""
  repeat
    local chunk = nonblocking(tls, tls.recv, 4096)
    if chunk == "" then break end
    data = data .. chunk
  until done(data)
  return data
end

-- Inside a task: send() may take part of the data only.
local function send_all(tls, data)
  while #data > 0 do
    data = data:sub(nonblocking(tls, tls.send, data) + 1)
  end
end

-- The server: accepts one client and answers one request.
local function server(listener, ctx, report)
  coroutine.yield(listener, "read")
  local conn, peer = listener:accept()
  listener:close()
  conn:setblocking(false)
  local tls = ctx:wrap_socket(conn, { server_side = true, do_handshake_on_connect = false })
  nonblocking(tls, tls.do_handshake)
  report.client_address = peer
  report.request = read_message(tls, function(d) return d:find("\r\n\r\n", 1, true) end)
  send_all(tls, RESPONSE)
  -- The client's close_notify reads as "", then ours goes back.
  assert(nonblocking(tls, tls.recv, 1) == "", "the client sent more than one request")
  nonblocking(tls, tls.unwrap):close()
end

-- The client: a non-blocking connect, then TLS with the default checks.
local function client(address, ctx, report)
  local sock = socket.socket()
  sock:setblocking(false)
  if sock:connect_ex(address) ~= 0 then   -- EINPROGRESS: done once writable
    coroutine.yield(sock, "write")
    local err = sock:getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if err ~= 0 then error(ssl.OSError(err, "connect failed"), 0) end
  end
  local tls = ctx:wrap_socket(sock, { server_hostname = "localhost", do_handshake_on_connect = false })
  nonblocking(tls, tls.do_handshake)
  send_all(tls, REQUEST)
  report.response = read_message(tls, function(d) return #d >= #RESPONSE end)
  report.version, report.cipher = tls:version(), tls:cipher()
  report.alpn, report.cert = tls:selected_alpn_protocol(), tls:getpeercert()
  -- unwrap: our close_notify, then wait for the server's.
  nonblocking(tls, tls.unwrap):close()
  report.closed = true
end

-- The conversation with the certificates of `dir`: what the ends saw.
local function converse(dir)
  local server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  server_ctx:load_cert_chain(dir .. "/server.pem", dir .. "/server.key")
  server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
  server_ctx:set_alpn_protocols({ "h2", "http/1.1" })

  local client_ctx = ssl.create_default_context({ cafile = dir .. "/ca.pem" })
  client_ctx:set_alpn_protocols({ "http/1.1" })

  local listener = socket.create_server({ "127.0.0.1", 0 })
  listener:setblocking(false)
  local report = { address = listener:getsockname() }
  run({
    function() server(listener, server_ctx, report) end,
    function() client(report.address, client_ctx, report) end,
  }, 5)
  assert(report.request == REQUEST and report.response == RESPONSE, "payload mismatch")
  assert(report.closed, "the client did not finish")
  return report
end

local dir = make_pki()
local ok, report = pcall(converse, dir)
os.execute("rm -rf " .. dir)
if not ok then error(report, 0) end

local cert, cipher = report.cert, report.cipher
local sans = {}
for _, san in ipairs(cert.subjectAltName) do sans[#sans + 1] = san[1] .. ":" .. san[2] end

print("pyssl " .. ssl._VERSION .. " on " .. ssl.OPENSSL_VERSION)
print(("sockets     server on %s:%d, client from %s:%d, non-blocking, one select loop")
      :format(report.address[1], report.address[2], report.client_address[1], report.client_address[2]))
print("handshake   verified, server_hostname=localhost")
print("version     " .. report.version)
print(("cipher      %s (%s, %d bits)"):format(cipher[1], cipher[2], cipher[3]))
print("ALPN        " .. tostring(report.alpn))
print("peer        " .. rdn_text(cert.subject))
print("issuer      " .. rdn_text(cert.issuer))
print("SAN         " .. table.concat(sans, ", "))
print("expires     " .. cert.notAfter)
print(("payload     client sent %d bytes, server answered %d bytes"):format(#REQUEST, #RESPONSE))
print("closed      close_notify exchanged both ways")
