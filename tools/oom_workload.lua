-- The out-of-memory sweep's workload, run by tools/luahost.c (`oom` is the
-- host's table). It touches every public operation: contexts and their
-- loading (cert chain from files, encrypted key with a password string
-- and a callback, verify locations, cadata PEM and DER), SNI and ALPN
-- callbacks, handshakes over MemoryBIOs and over a socketpair, read and
-- write, getpeercert, chains, ciphers, sessions and their reuse, plain
-- sockets (loopback TCP, sendmsg/recvmsg, socket options, makefile),
-- module functions and expected errors.
--
-- usage: luahost tools/oom_workload.lua FIRST LAST STRIDE
--   FIRST = 0: one run that only counts; prints "count N".
--   Otherwise runs the workload once for each N = FIRST, FIRST+STRIDE, ...
--   <= LAST, allocations failing from the N-th on, and checks: the
--   workload ends with an out-of-memory error (MemoryError or Lua's "not
--   enough memory", nothing else) or runs to its end; then, with the
--   allocator working again, every object it kept can be used (errors
--   allowed) and closed, a collection runs, and a fresh handshake works.
--   Prints "FAIL N: why" per failure and "oom: R run, F failed, ...".
-- Plain Lua 5.1-5.4 code (the host is 5.4).

local ssl = require "pyssl"
local core = require "pyssl.core"
local socket = require "pyssl.socket"

local PKI = os.getenv("PYSSL_PKI") or "build/pki"
local function pki(name) return PKI .. "/" .. name end
local function slurp(name)
  local f = assert(io.open(pki(name), "rb"))
  local s = f:read("*a"); f:close()
  return s
end
local CA_PEM = slurp("ca.pem")

-- How a failed allocation may surface: Lua's "not enough memory" or
-- MemoryError; when OpenSSL's allocator fails, pyssl reports what OpenSSL
-- says, so any of pyssl's exceptions will do (not a Lua error like
-- "attempt to index a nil value", nor a crash).
local function is_oom(err)
  if type(err) == "string" then return err:find("not enough memory", 1, true) ~= nil end
  local cls = rawget(core, "MemoryError")
  if cls ~= nil and core.isinstance(err, cls) then return true end
  return oom.target == "openssl" and core.isinstance(err, core.BaseException)
end

-- Every object the workload makes, to use and close after a failure.
local live
local function keep(o) live[#live + 1] = o; return o end

-- fn must raise cls (a name in pyssl); an out-of-memory error passes
-- through (it ends the workload), any other error is a failure.
local function expect(cls, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("expected " .. cls .. ", the call succeeded", 0) end
  if core.isinstance(err, ssl[cls]) then return end
  if is_oom(err) then error(err, 0) end
  error({ unexpected = err, wanted = cls }, 0)
end

-- One handshake or I/O step: true when done, false on a want-read/write.
local function step(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then return true end
  if core.isinstance(err, ssl.SSLWantReadError) or core.isinstance(err, ssl.SSLWantWriteError) then
    return false
  end
  error(err, 0)
end

local function transfer(from, to)
  local data = from:read()
  if #data > 0 then to:write(data) end
end

local function bio_handshake(cctx, sctx, hostname, session)
  local cin, cout = keep(ssl.MemoryBIO()), keep(ssl.MemoryBIO())
  local sin, sout = keep(ssl.MemoryBIO()), keep(ssl.MemoryBIO())
  local c = keep(cctx:wrap_bio(cin, cout, false, hostname, session))
  local s = keep(sctx:wrap_bio(sin, sout, true))
  local cdone, sdone = false, false
  for _ = 1, 20 do
    if not cdone then cdone = step(c.do_handshake, c) end
    transfer(cout, sin)
    if not sdone then sdone = step(s.do_handshake, s) end
    transfer(sout, cin)
    if cdone and sdone then break end
  end
  if not (cdone and sdone) then error("BIO handshake did not finish", 0) end
  return c, s, { cin = cin, cout = cout, sin = sin, sout = sout }
end

-- Server writes, client reads (also receives TLS 1.3 session tickets).
local function bio_exchange(c, s, b, text)
  s:write(text)
  transfer(b.sout, b.cin)
  local got = c:read(#text + 10)
  if got ~= text then error("BIO read gave " .. tostring(got), 0) end
  c:write(text)
  transfer(b.cout, b.sin)
  if s:read(100) ~= text then error("BIO server read wrong", 0) end
end

local function client_ctx()
  local ctx = keep(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
  ctx:load_verify_locations(pki("ca.pem"))
  return ctx
end

local function server_ctx()
  local ctx = keep(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
  ctx:load_cert_chain(pki("leafkey.pem"))
  return ctx
end

local function contexts()
  local ctx = keep(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
  ctx:load_verify_locations(nil, nil, CA_PEM)
  ctx:load_verify_locations({ cadata = ssl.PEM_cert_to_DER_cert(CA_PEM) })
  ctx:load_verify_locations(pki("ca.pem"))
  ctx:set_ciphers("ECDHE+AESGCM:ECDHE+CHACHA20")
  ctx:set_alpn_protocols({ "h2", "http/1.1" })
  ctx.verify_mode = ssl.CERT_REQUIRED
  ctx.options = ctx.options
  ctx.minimum_version = ssl.TLSVersion.TLSv1_2
  local n = #ctx:get_ca_certs()
  if n < 1 then error("get_ca_certs gave " .. n, 0) end
  ctx:get_ca_certs(true)
  ctx:get_ciphers()
  ctx:cert_store_stats()
  ctx:session_stats()
  local sctx = keep(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
  sctx:load_cert_chain(pki("leaf.pem"), pki("leaf.key"))
  sctx:load_cert_chain(pki("leafkey.enc.pem"), nil, "somepass")
  sctx:load_cert_chain(pki("leafkey.enc.pem"), nil, function() return "somepass" end)
  sctx:load_dh_params(pki("dh.pem"))
  sctx:set_ecdh_curve("prime256v1")
  expect("SSLError", sctx.load_cert_chain, sctx, pki("leafkey.enc.pem"), nil, "wrong")
  expect("FileNotFoundError", sctx.load_cert_chain, sctx, pki("nonexistent.pem"))
  expect("SSLError", ctx.load_verify_locations, ctx, nil, nil, "garbage")
  expect("ValueError", ssl.PEM_cert_to_DER_cert, "garbage")
  ssl.DER_cert_to_PEM_cert(ssl.PEM_cert_to_DER_cert(CA_PEM))
  ssl._test_decode_cert(pki("allsans.pem"))
  ssl.cert_time_to_seconds("Jan  5 09:34:43 2018 GMT")
  ssl.RAND_bytes(16)
  ssl.get_default_verify_paths()
  local dctx = keep(ssl.create_default_context())
  dctx.check_hostname = false
end

local function bio_connections()
  local cctx, sctx = client_ctx(), server_ctx()
  cctx:set_alpn_protocols({ "h2", "http/1.1" })
  sctx:set_alpn_protocols({ "http/1.1" })
  local seen
  sctx.sni_callback = function(obj, name) seen = name; return nil end
  local c, s, b = bio_handshake(cctx, sctx, "localhost")
  if seen ~= "localhost" then error("SNI callback saw " .. tostring(seen), 0) end
  bio_exchange(c, s, b, "hello over BIOs")
  local cert = c:getpeercert()
  if type(cert) ~= "table" or not cert.subject then error("getpeercert", 0) end
  c:getpeercert(true)
  c:cipher(); c:version(); c:shared_ciphers(); s:shared_ciphers()
  c:selected_alpn_protocol(); c:pending(); c:compression()
  c:get_verified_chain(); c:get_unverified_chain()
  c:get_channel_binding("tls-unique")
  local sess = c.session
  if sess then
    local _ = sess.id, sess.time, sess.timeout, sess.has_ticket, sess.ticket_lifetime_hint
    local c2, s2, b2 = bio_handshake(cctx, sctx, "localhost", sess)
    bio_exchange(c2, s2, b2, "again")
    local _ = c2.session_reused
  end
  -- A verification failure: the other CA's server.
  local octx = keep(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
  octx:load_cert_chain(pki("otherkey.pem"))
  expect("SSLCertVerificationError", bio_handshake, cctx, octx, "localhost")
end

local function sock_connections()
  local cctx, sctx = client_ctx(), server_ctx()
  local a, b = socket.socketpair()
  keep(a); keep(b)
  a:setblocking(false); b:setblocking(false)
  local c = keep(cctx:wrap_socket(a, { server_hostname = "localhost", do_handshake_on_connect = false }))
  local s = keep(sctx:wrap_socket(b, { server_side = true, do_handshake_on_connect = false }))
  local cdone, sdone = false, false
  for _ = 1, 20 do
    if not cdone then cdone = step(c.do_handshake, c) end
    if not sdone then sdone = step(s.do_handshake, s) end
    if cdone and sdone then break end
  end
  if not (cdone and sdone) then error("socket handshake did not finish", 0) end
  c:sendall("ping over a socketpair")
  local got
  for _ = 1, 20 do
    if step(function() got = s:recv(100) end) then break end
  end
  if got ~= "ping over a socketpair" then error("socket recv gave " .. tostring(got), 0) end
  s:send("pong")
  for _ = 1, 20 do
    if step(function() got = c:read(100) end) then break end
  end
  c:getpeercert(); c:cipher(); local _ = c.session
  -- Plain sockets.
  local x, y = socket.socketpair()
  keep(x); keep(y)
  x:settimeout(1); y:settimeout(1)
  -- SCM_RIGHTS: x's own descriptor travels; the copy received is closed.
  local fd = x:fileno()
  local packed = string.char(fd % 256, math.floor(fd / 256) % 256, 0, 0)
  x:sendmsg({ "with ", "ancillary" }, { { socket.SOL_SOCKET, socket.SCM_RIGHTS, packed } })
  local _, anc = y:recvmsg(100, socket.CMSG_SPACE(4))
  for _, item in ipairs(anc) do
    local d = item[3]
    socket.close(d:byte(1) + 256 * d:byte(2) + 65536 * d:byte(3))
  end
  x:setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
  x:getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
  x:getsockname(); y:getpeername()
  local f = keep(x:makefile("wb"))
  f:write("line one\nline two\n"); f:flush()
  local g = keep(y:makefile("rb"))
  g:readline()
  x:shutdown(socket.SHUT_RDWR)
  -- Loopback TCP.
  local l = keep(socket.create_server({ "127.0.0.1", 0 }))
  l:settimeout(1)
  local port = l:getsockname()[2]
  local t = keep(socket.create_connection({ "127.0.0.1", port }, 1))
  local u = keep(l:accept())
  t:sendall("tcp"); u:recv(10)
  expect("ConnectionRefusedError", socket.create_connection, { "127.0.0.1", 1 }, 1)
  expect("TypeError", socket.socketpair, "x")
end

local function workload()
  contexts()
  bio_connections()
  sock_connections()
end

-- After a run, with the allocator working: each kept object gets used
-- (errors are fine, a crash is not) and closed.
local function use_and_close(o)
  local mt = getmetatable(o)
  pcall(function()
    if core.isinstance(o, ssl.SSLContext) then o:get_ca_certs(); o:get_ciphers(); o.options = o.options
    elseif core.isinstance(o, ssl.SSLObject) then o:pending(); o:getpeercert(); o:write("x"); o:read(1)
    elseif core.isinstance(o, ssl.MemoryBIO) then o:write("x"); o:read()
    elseif o.fileno then o:fileno(); o:getsockname()
    end
  end)
  local ok, c = pcall(function() return o.close end)
  if ok and type(c) == "function" then pcall(c, o)
  elseif type(mt) == "table" and mt.__close then pcall(mt.__close, o) end
end

local function fresh_check()
  live = {}
  local cctx, sctx = client_ctx(), server_ctx()
  local c, s, b = bio_handshake(cctx, sctx, "localhost")
  bio_exchange(c, s, b, "after")
  for _, o in ipairs(live) do use_and_close(o) end
end

local function describe(err)
  if type(err) == "table" and err.wanted then
    return "expected " .. err.wanted .. ", got " .. core._typename(err.unexpected) .. ": " .. tostring(err.unexpected)
  end
  return core._typename(err) .. ": " .. tostring(err)
end

-- One run, failing from the n-th allocation (0: none). Returns the
-- count, whether a failure was injected, and nil or why it failed.
local function run(n)
  live = {}
  collectgarbage(); collectgarbage()
  oom.start(n)
  local ok, err = pcall(workload)
  local count, injected = oom.stop()
  local why
  if not ok and not (injected and is_oom(err)) then
    why = describe(err)
  end
  for _, o in ipairs(live) do use_and_close(o) end
  live = {}
  collectgarbage(); collectgarbage()
  local fresh_ok, fresh_err = pcall(fresh_check)
  if not fresh_ok and why == nil then why = "after the failure, a fresh handshake failed: " .. describe(fresh_err) end
  return count, injected, ok, why
end

local first, last, stride = tonumber(arg[1] or 0), tonumber(arg[2] or 0), tonumber(arg[3] or 1)
if first == 0 then
  run(0)                               -- warm caches: counts settle
  local count, _, ok, why = run(0)
  if not ok then print("FAIL 0: the workload fails without injected failures: " .. tostring(why)); os.exit(1) end
  print("count " .. count)
  return
end
-- A first run without failures: one-time initialisations (OpenSSL's,
-- pyssl's caches) happen here, as they did before the count.
run(0)
local runs, failed, ended_oom, completed = 0, 0, 0, 0
for n = first, last, stride do
  io.stderr:write("oom: N=" .. n .. "\n")
  local _, injected, ok, why = run(n)
  runs = runs + 1
  if why then
    failed = failed + 1
    print("FAIL " .. n .. ": " .. why)
  elseif ok then
    completed = completed + 1          -- ran to its end (OOM swallowed, or N past the end)
  else
    ended_oom = ended_oom + 1
  end
end
print(string.format("oom: N %d..%d step %d: %d run, %d failed, %d ended in an out-of-memory error, %d ran to the end",
  first, last, stride, runs, failed, ended_oom, completed))
