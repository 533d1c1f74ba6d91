-- Smoke test of the C core alone (pyssl.core, no facade) for Lua 5.1,
-- LuaJIT, 5.2, 5.3 and 5.4: plain 5.1 syntax, no integer operators.
-- usage: lua compat_smoke.lua DIR   (DIR holds keycert.pem: a self-signed
-- "localhost" certificate and its key; `make compat` makes it)
-- Prints one line: "<Lua version> ok: N checks", or the failed checks,, and exits 1 on failure.

local dir = assert(arg[1], "usage: compat_smoke.lua DIR")
local keycert = dir .. "/keycert.pem"
local core = require "pyssl.core"
local has_ints = math.type ~= nil      -- 5.3+: integers and floats differ

local passed, failures = 0, {}

local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    passed = passed + 1
  else
    failures[#failures + 1] = name .. ": " .. tostring(err)
  end
end

local function eq(got, want, what)
  if got ~= want then
    error(string.format("%s: got %s, want %s", what or "value", tostring(got), tostring(want)), 2)
  end
end

local function classname(e)
  local mt = type(e) == "table" and getmetatable(e)
  return mt and mt.__name or type(e)
end

-- Calls fn(...) and returns the error it raises; fails if it does not.
local function raises(cls, fn, ...)
  local ok, e = pcall(fn, ...)
  if ok then error("no error raised, want " .. cls, 2) end
  if classname(e) ~= cls then
    error(string.format("raised %s (%s), want %s", classname(e), tostring(e), cls), 2)
  end
  return e
end

------------------------------------------------------------ module level

check("OPENSSL_VERSION", function()
  assert(core.OPENSSL_VERSION:match("^OpenSSL 3%."), core.OPENSSL_VERSION)
  assert(core.OPENSSL_VERSION_NUMBER >= 0x30000000)
  eq(core.OPENSSL_VERSION_INFO[1], 3, "OPENSSL_VERSION_INFO[1]")
  eq(#core.OPENSSL_VERSION_INFO, 5, "#OPENSSL_VERSION_INFO")
end)

check("constants", function()
  eq(core.PROTOCOL_TLS_CLIENT, 16, "PROTOCOL_TLS_CLIENT")
  eq(core.CERT_REQUIRED, 2, "CERT_REQUIRED")
  eq(core.OP_ALL, 2147483728, "OP_ALL")          -- above 2^31: exact as a double too
  eq(core.SSL_ERROR_WANT_READ, 2, "SSL_ERROR_WANT_READ")
end)

check("RAND_bytes", function()
  eq(#core.RAND_bytes(16), 16, "#RAND_bytes(16)")
  eq(core.RAND_bytes(0), "", "RAND_bytes(0)")
  eq(#core.RAND_bytes(100000), 100000, "#RAND_bytes(100000)")  -- beyond 5.1's buffer size
  assert(core.RAND_bytes(32) ~= core.RAND_bytes(32), "two draws are equal")
  eq(core.RAND_status(), true, "RAND_status()")
end)

check("RAND_bytes argument errors", function()
  local e = raises("ValueError", core.RAND_bytes, -1)
  eq(core.str(e), "num must be positive")
  e = raises("TypeError", core.RAND_bytes, "16")
  eq(core.str(e), "'str' object cannot be interpreted as an integer")
  e = raises("TypeError", core.RAND_bytes, 2.5)
  eq(core.str(e), "'float' object cannot be interpreted as an integer")
  eq(#core.RAND_bytes(16.0), 16, "#RAND_bytes(16.0)")    -- integral floats are accepted
end)

check("integers and floats", function()
  -- Before 5.3 every number is a double, so an integral number is an int:
  -- messages name 16.0 'int' there, 'float' on 5.3+.
  local bio = core.MemoryBIO()
  local e = raises("TypeError", bio.write, bio, 16.0)
  eq(core.str(e), "a bytes-like object is required, not '" .. (has_ints and "float" or "int") .. "'")
  e = raises("TypeError", bio.write, bio, 16)
  eq(core.str(e), "a bytes-like object is required, not 'int'")
  e = raises("TypeError", bio.write, bio, 0.5)
  eq(core.str(e), "a bytes-like object is required, not 'float'")
  eq(core.OPENSSL_VERSION_NUMBER % 1, 0, "integral")
end)

------------------------------------------------------------ MemoryBIO

check("MemoryBIO", function()
  local bio = core.MemoryBIO()
  eq(bio.pending, 0, "pending")
  eq(bio:write("hello"), 5, "write")
  eq(bio.pending, 5, "pending")
  eq(bio:read(2), "he", "read(2)")
  eq(bio.pending, 3, "pending")
  eq(bio:read(), "llo", "read()")
  eq(bio.eof, false, "eof")
  bio:write_eof()
  eq(bio.eof, true, "eof after write_eof")
  local e = raises("SSLError", bio.write, bio, "more")
  eq(e.args[1], "cannot write() after write_eof()", "args[1]")
  eq(core.str(e), "('cannot write() after write_eof()',)")   -- Python's str() of a bare SSLError
end)

------------------------------------------------------------ SSLContext

check("SSLContext", function()
  local ctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)
  eq(ctx.verify_mode, core.CERT_REQUIRED, "verify_mode")
  eq(ctx.check_hostname, true, "check_hostname")
  eq(ctx.protocol, core.PROTOCOL_TLS_CLIENT, "protocol")
  local o = ctx.options
  ctx.options = o
  eq(ctx.options, o, "options round trip")
  ctx.check_hostname = false
  ctx.verify_mode = core.CERT_NONE
  eq(ctx.verify_mode, core.CERT_NONE, "verify_mode")
  raises("ValueError", core.SSLContext, 12345)
  raises("TypeError", core.SSLContext, "tls")
end)

check("FileNotFoundError from the core", function()
  local ctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)
  local e = raises("FileNotFoundError", ctx.load_verify_locations, ctx, dir .. "/missing.pem")
  eq(e.errno, 2, "errno")
  eq(e.strerror, "No such file or directory", "strerror")
  eq(core.str(e), "[Errno 2] No such file or directory")
  assert(core.isinstance(e, core.OSError), "not an OSError")
  assert(not core.isinstance(e, core.SSLError), "an SSLError")
end)

------------------------------------------------------------ TLS over memory BIOs

local function pair(client_ctx, server_ctx, hostname)
  local p = {ci = core.MemoryBIO(), co = core.MemoryBIO(),
             si = core.MemoryBIO(), so = core.MemoryBIO()}
  p.c = client_ctx:_wrap_bio(p.ci, p.co, false, hostname)
  p.s = server_ctx:_wrap_bio(p.si, p.so, true, nil)
  return p
end

local function transfer(p)
  local a, b = p.co:read(), p.so:read()
  if #a > 0 then p.si:write(a) end
  if #b > 0 then p.ci:write(b) end
  return #a + #b
end

-- Runs both handshakes; returns the error of each end (nil: finished).
local function handshake(p)
  local done, errs, ends = {}, {}, {p.c, p.s}
  for _ = 1, 20 do
    for i = 1, 2 do
      if not done[i] and not errs[i] then
        local ok, e = pcall(ends[i].do_handshake, ends[i])
        if ok then
          done[i] = true
        elseif classname(e) ~= "SSLWantReadError" then
          errs[i] = e
        end
      end
    end
    if transfer(p) == 0 and (done[1] or errs[1]) and (done[2] or errs[2]) then break end
  end
  return errs[1], errs[2]
end

local function contexts()
  local sctx = core.SSLContext(core.PROTOCOL_TLS_SERVER)
  sctx:load_cert_chain(keycert)
  local cctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)
  cctx:load_verify_locations(keycert)
  return cctx, sctx
end

-- Writes data on one end and reads it all on the other.
local function send(from, to, p, data)
  local sent = 0
  while sent < #data do
    sent = sent + from:write(data:sub(sent + 1))
  end
  transfer(p)
  local parts = {}
  while true do
    local ok, chunk = pcall(to.read, to, 65536)
    if not ok then
      if classname(chunk) ~= "SSLWantReadError" then error(chunk) end
      break
    end
    parts[#parts + 1] = chunk
  end
  return table.concat(parts)
end

check("in-memory handshake and data", function()
  local cctx, sctx = contexts()
  local sni_seen
  sctx.sni_callback = function(conn, name, ctx)
    sni_seen = name
    assert(core.isinstance(conn, core.SSLObject) and ctx == sctx)
  end
  local p = pair(cctx, sctx, "localhost")
  local cerr, serr = handshake(p)
  if cerr or serr then error(tostring(cerr or serr)) end
  eq(sni_seen, "localhost", "server name seen by sni_callback")
  eq(p.c:version(), "TLSv1.3", "version")
  eq(p.s:version(), "TLSv1.3", "server version")
  local cipher = p.c:cipher()
  assert(type(cipher[1]) == "string" and cipher[2] == "TLSv1.3", "cipher()")
  assert(cipher[3] == 128 or cipher[3] == 256, "cipher() bits")
  local cert = p.c:getpeercert()
  eq(cert.subject[1][1][1], "commonName", "subject attribute")
  eq(cert.subject[1][1][2], "localhost", "subject value")
  eq(cert.subjectAltName[1][2], "localhost", "subjectAltName")
  eq(type(p.c:getpeercert(true)), "string", "DER")
  eq(send(p.c, p.s, p, "ping"), "ping", "client -> server")
  eq(send(p.s, p.c, p, "pong"), "pong", "server -> client")
  local big = string.rep("0123456789abcdef", 12500)      -- 200000 bytes, 13 records
  eq(send(p.c, p.s, p, big), big, "200000 bytes")
  -- close_notify: the client's unwrap waits for the server's.
  raises("SSLWantReadError", p.c.unwrap, p.c)
  transfer(p)
  eq(p.s:read(10), "", "read at close_notify")
  p.s:unwrap()
  transfer(p)
  p.c:unwrap()
end)

check("certificate verification error", function()
  local _, sctx = contexts()
  local cctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)   -- trusts nothing
  local p = pair(cctx, sctx, "localhost")
  local cerr, serr = handshake(p)
  eq(classname(cerr), "SSLCertVerificationError", "client error class")
  eq(cerr.errno, 1, "errno")
  eq(cerr.verify_code, 18, "verify_code")
  eq(cerr.verify_message, "self-signed certificate", "verify_message")
  eq(cerr.library, "SSL", "library")
  eq(cerr.reason, "CERTIFICATE_VERIFY_FAILED", "reason")
  assert(core.str(cerr):match("^%[SSL: CERTIFICATE_VERIFY_FAILED%] certificate verify failed: "
                              .. "self%-signed certificate %(.+:%d+%)$"), tostring(cerr))
  assert(core.isinstance(cerr, core.SSLError) and core.isinstance(cerr, core.ValueError))
  eq(classname(serr), "SSLError", "server error class")
  eq(serr.reason, "TLSV1_ALERT_UNKNOWN_CA", "server reason")
end)

check("hostname mismatch", function()
  local cctx, sctx = contexts()
  local p = pair(cctx, sctx, "example.org")
  local cerr = handshake(p)
  eq(classname(cerr), "SSLCertVerificationError", "class")
  eq(cerr.verify_code, 62, "verify_code")
  eq(cerr.verify_message, "Hostname mismatch, certificate is not valid for 'example.org'.",
     "verify_message")
end)

check("sni_callback aborting with an alert", function()
  local cctx, sctx = contexts()
  sctx.sni_callback = function() return core.ALERT_DESCRIPTION_UNRECOGNIZED_NAME end
  local p = pair(cctx, sctx, "localhost")
  local cerr, serr = handshake(p)
  eq(classname(cerr), "SSLError", "client class")
  eq(cerr.reason, "TLSV1_UNRECOGNIZED_NAME", "client reason")
  eq(classname(serr), "SSLError", "server class")
end)

check("sni_callback raising an error", function()
  local cctx, sctx = contexts()
  -- Python reports the error as unraisable (warn() on 5.4, dropped before)
  -- and fails the handshake.
  sctx.sni_callback = function() error("boom") end
  local p = pair(cctx, sctx, "localhost")
  local cerr, serr = handshake(p)
  eq(cerr.reason, "SSLV3_ALERT_HANDSHAKE_FAILURE", "client reason")
  eq(classname(serr), "SSLError", "server class")
end)

------------------------------------------------------------ pyssl.socket (C part)

check("socketpair, recv, recv_into, timeout", function()
  local socket = core._socket
  local a, b = socket.socketpair()
  local data = string.rep("x", 50000)
  a:sendall(data)
  local parts, got = {}, 0
  while got < #data do
    local chunk = b:recv(65536)                  -- above the 16 KB scratch buffer
    parts[#parts + 1] = chunk
    got = got + #chunk
  end
  eq(table.concat(parts), data, "50000 bytes")
  local buf = socket.bytearray(4)
  a:sendall("abcd")
  eq(b:recv_into(buf), 4, "recv_into")
  eq(#buf, 4, "#bytearray")
  b:settimeout(0.05)
  eq(b:gettimeout(), 0.05, "gettimeout")
  local e = raises("TimeoutError", b.recv, b, 10)
  eq(core.str(e), "timed out")
  assert(core.isinstance(e, core.OSError), "not an OSError")
  e = raises("ValueError", socket.bytearray, -1)
  eq(core.str(e), "negative count")
  eq(socket.htons(1), 256, "htons")
  eq(socket.inet_aton("1.2.3.4"), "\1\2\3\4", "inet_aton")
  a:close()
  eq(b:recv(10), "", "recv at EOF")
  b:close()
end)

check("sendmsg, recvmsg, recvmsg_into, CMSG_LEN", function()
  local socket = core._socket
  local a, b = socket.socketpair()
  local c, d = socket.socketpair()
  local fd = c:fileno()   -- SCM_RIGHTS data: one C int (little-endian here)
  local packed = string.char(fd % 256, math.floor(fd / 256) % 256, 0, 0)
  eq(a:sendmsg({"ab", "cd"}, {{socket.SOL_SOCKET, socket.SCM_RIGHTS, packed}}), 4, "sendmsg")
  local r = {b:recvmsg(10, socket.CMSG_SPACE(4))}
  eq(r[1], "abcd", "recvmsg data")
  eq(#r[2], 1, "one ancillary item")
  eq(r[2][1][1], socket.SOL_SOCKET, "level")
  eq(#r[2][1][3], 4, "one descriptor")
  local got = r[2][1][3]
  socket.close(got:byte(1) + got:byte(2) * 256)
  a:sendall("0123456")
  local b1, b2 = socket.bytearray(3), socket.bytearray(4)
  eq((b:recvmsg_into({b1, b2})), 7, "recvmsg_into")
  eq(tostring(b2), "3456", "second buffer")
  eq(socket.CMSG_LEN(4), 20, "CMSG_LEN")
  local e = raises("ValueError", b.recvmsg, b, -1)
  eq(core.str(e), "negative buffer size in recvmsg()")
  e = raises("OverflowError", socket.CMSG_SPACE, -1)
  eq(core.str(e), "CMSG_SPACE() argument out of range")
  a:close() b:close() c:close() d:close()
end)

------------------------------------------------------------ errors in Lua's shape

check("tostring(e) is 'file:line: Class: str(e)', .. concatenates, a traceback is kept", function()
  local ctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)
  local ok, e = pcall(ctx.load_verify_locations, ctx, dir .. "/missing.pem")
  local line = debug.getinfo(1, "l").currentline - 1
  assert(not ok, "no error")
  eq(e.__where__, "tools/compat_smoke.lua:" .. line, "__where__")
  eq(tostring(e), e.__where__ .. ": FileNotFoundError: [Errno 2] No such file or directory")
  eq("failed: " .. e, "failed: " .. tostring(e))
  eq(e .. "!", tostring(e) .. "!")
  assert(e.__traceback__:find("^stack traceback:\n"), "no traceback")
  assert(e.__traceback__:find("tools/compat_smoke.lua:" .. line .. ": in ", 1, true), e.__traceback__)
  e = raises("TypeError", core.isinstance, e, nil)
  eq(core.str(e), "isinstance() arg 2 must be a type, a tuple of types, or a union")
  eq(core.isinstance(nil, core.SSLError), false, "isinstance(nil, cls)")
  eq(core.isinstance(core.SSLError(), {core.ValueError, core.OSError}), true, "isinstance with a tuple")
end)

-- What the interpreter prints for an uncaught error (Lua 5.1's lua.c shows
-- no table error object at all, whatever its __tostring).
check("an uncaught error names the script's line, the class and the message", function()
  local interpreter = arg[-1]
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write('local core = require "pyssl.core"\n',
          'local ctx = core.SSLContext(core.PROTOCOL_TLS_CLIENT)\n',
          'ctx:load_verify_locations("/nonexistent/ca.pem")\n')
  f:close()
  local p = assert(io.popen(interpreter .. " " .. path .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  os.remove(path)
  local want = path .. ":3: FileNotFoundError: [Errno 2] No such file or directory"
  if _VERSION == "Lua 5.1" and not jit then want = "(error object is not a string)" end
  assert(out:find(want, 1, true), "printed: " .. out)
end)

------------------------------------------------------------ collection

check("many objects collected", function()
  local cctx, sctx = contexts()
  for _ = 1, 50 do
    local p = pair(cctx, sctx, "localhost")
    handshake(p)
  end
  collectgarbage()
  collectgarbage()
  local p = pair(cctx, sctx, "localhost")   -- contexts still usable
  local cerr, serr = handshake(p)
  assert(not cerr and not serr, tostring(cerr or serr))
end)

local lua = jit and jit.version or _VERSION
if #failures == 0 then
  print(string.format("%-20s ok: %d checks", lua, passed))
else
  print(string.format("%-20s FAILED %d of %d checks", lua, #failures, passed + #failures))
  for _, f in ipairs(failures) do print("  " .. f) end
  os.exit(1)
end
