-- echo_server: a TLS echo server for many clients at once, in one thread.
-- Every socket is non-blocking; each client is served by a coroutine that
-- reads like blocking code and yields whenever pyssl raises SSLWantRead /
-- SSLWantWrite; one pyssl.select call decides which coroutines can go on.
--
--   lua5.4 examples/echo_server.lua --cert FILE [options]
--
--   --host ADDR             address to listen on (default 127.0.0.1; "::1" works too)
--   --port N                port (default 0: any free port)
--   --cert FILE [--key FILE]  the server's certificate chain and key (one file is fine)
--   --sni NAME=CERT[,KEY]   serve CERT to clients that ask for NAME (SNI); NAME may be
--                           a wildcard like *.example.test; repeatable
--   --cafile FILE           ask clients for a certificate issued by a CA in FILE
--   --require-client-cert   ... and refuse clients that have none
--   --max-clients N         stop accepting after N clients; exit once they are done
--   --timeout SECONDS       exit after SECONDS whatever happens
--
-- The first line printed is "listening on HOST port N". Then one line per
-- event, and at the end "N clients served, N bytes echoed". Ctrl-C, the time
-- limit and --max-clients all end the same way: close_notify to every
-- client still connected, sockets closed, exit status 0.
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local select = require("pyssl.select").select

local isinstance = ssl.isinstance
local clock = socket._monotonic   -- pyssl's monotonic clock (Lua has none)

local USAGE = "usage: echo_server.lua --cert FILE [--key FILE] [--host ADDR] [--port N] " ..
              "[--sni NAME=CERT[,KEY]]... [--cafile FILE [--require-client-cert]] " ..
              "[--max-clients N] [--timeout SECONDS]"

---------------------------------------------------------------- command line

local function usage_error(msg)
  io.stderr:write(USAGE, "\n", "echo_server.lua: error: ", msg, "\n")
  os.exit(2)
end

local VALUE_OPTIONS = {
  host = true, port = true, cert = true, key = true, sni = true, cafile = true,
  ["max-clients"] = true, timeout = true,
}

local function number_option(opts, name, minimum)
  local v = opts[name]
  if v == nil then return nil end
  local n = tonumber(v)
  if not n or n < minimum then usage_error(("--%s needs a number >= %d"):format(name, minimum)) end
  return n
end

-- "NAME=CERT[,KEY]" -> {name =, cert =, key =}
local function parse_sni(text)
  local name, files = text:match("^([^=]+)=(.+)$")
  if not name then usage_error("--sni needs NAME=CERT[,KEY], got " .. text) end
  local cert, key = files:match("^([^,]+),(.+)$")
  return { name = name:lower(), cert = cert or files, key = key }
end

local function parse_command_line(argv)
  local opts, sni = { host = "127.0.0.1", port = "0" }, {}
  local i = 1
  while i <= #argv do
    local name = argv[i]:match("^%-%-(.+)$")
    if name == "require-client-cert" then
      opts.require_client_cert = true
    elseif VALUE_OPTIONS[name] then
      i = i + 1
      if argv[i] == nil then usage_error("--" .. name .. " needs a value") end
      if name == "sni" then sni[#sni + 1] = parse_sni(argv[i]) else opts[name] = argv[i] end
    else
      usage_error("unknown argument " .. argv[i])
    end
    i = i + 1
  end
  if not opts.cert then usage_error("--cert is required") end
  if opts.require_client_cert and not opts.cafile then
    usage_error("--require-client-cert needs --cafile")
  end
  opts.sni = sni
  -- an integral port as an integer (math.floor gives one from Lua 5.3 on)
  local port = number_option(opts, "port", 0)
  opts.port = port and math.floor(port) == port and math.floor(port) or nil
  opts.max_clients = number_option(opts, "max-clients", 1)
  opts.timeout = number_option(opts, "timeout", 0)
  return opts
end

------------------------------------------------------------------- output

io.stdout:setvbuf("line")   -- whoever reads our output sees each line at once

local function log(fmt, ...)
  print(fmt:format(...))
end

-- An exception as Python shows it: "ssl.SSLError: [SSL: ...] ...".
local function error_text(err)
  local mt = getmetatable(err)
  local name = type(mt) == "table" and mt.__name
  if type(name) ~= "string" then return tostring(err) end
  if name:match("^SSL") then name = "ssl." .. name end
  local text = ssl.str(err)   -- Python's str(e); tostring(e) adds the place and class
  return text == "" and name or (name .. ": " .. text)
end

-- The commonName of a getpeercert() subject (or the whole subject).
local function common_name(cert)
  local parts = {}
  for _, rdn in ipairs(cert.subject or {}) do
    for _, pair in ipairs(rdn) do
      if pair[1] == "commonName" then return pair[2] end
      parts[#parts + 1] = pair[1] .. "=" .. pair[2]
    end
  end
  return table.concat(parts, ", ")
end

local function address_text(addr)
  if addr[1]:find(":", 1, true) then return ("[%s]:%d"):format(addr[1], addr[2]) end
  return ("%s:%d"):format(addr[1], addr[2])
end

------------------------------------------------------------------ contexts

-- A server context; every context gets the same client-certificate policy,
-- since the SNI callback may hand a connection over to any of them.
local function server_context(cert, key, opts)
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  ctx:load_cert_chain(cert, key)
  if opts.cafile then
    ctx:load_verify_locations(opts.cafile)
    ctx.verify_mode = opts.require_client_cert and ssl.CERT_REQUIRED or ssl.CERT_OPTIONAL
  end
  return ctx
end

-- The SNI entry for `server_name`: an exact name first, then a wildcard
-- "*.suffix" matching one leading label.
local function find_sni_entry(entries, server_name)
  server_name = server_name:lower()
  for _, e in ipairs(entries) do
    if e.name == server_name then return e end
  end
  local suffix = server_name:match("^[^.]+(%..+)$")
  for _, e in ipairs(entries) do
    if suffix and e.name == "*" .. suffix then return e end
  end
  return nil
end

-- The SNI name each connection asked for and the certificate it got, for
-- the log (weak keys: a closed connection does not stay here).
local chosen = setmetatable({}, { __mode = "k" })

-- The default context, whose sni_callback switches a connection to the
-- context of the name the client asked for (Python's sni_callback: it
-- runs during the handshake, before the server sends its certificate).
local function make_contexts(opts)
  local default = server_context(opts.cert, opts.key, opts)
  for _, e in ipairs(opts.sni) do
    e.context = server_context(e.cert, e.key, opts)
  end
  default.sni_callback = function(tls, server_name)
    local entry = server_name and find_sni_entry(opts.sni, server_name)
    chosen[tls] = { server_name = server_name, certificate = entry and entry.name or "default" }
    if entry then tls.context = entry.context end
  end
  return default
end

----------------------------------------------------- the coroutine scheduler

-- Coroutines waiting for a socket to become readable / writable:
-- waiting.read[sock] = {co = coroutine, deadline = clock value or nil}.
local waiting = { read = {}, write = {} }
local live_tasks = 0

local function resume(co, ...)
  local ok, sock, want, deadline = coroutine.resume(co, ...)
  if not ok then
    log("internal error: %s", debug.traceback(co, tostring(sock)))
  end
  if coroutine.status(co) == "dead" then
    live_tasks = live_tasks - 1
  else
    waiting[want][sock] = { co = co, deadline = deadline }
  end
end

local function spawn(fn, ...)
  live_tasks = live_tasks + 1
  resume(coroutine.create(fn), ...)
end

-- Inside a task: wait until `sock` is ready to `want` ("read" / "write").
-- Returns true, or false when the optional `deadline` passed first.
local function wait(sock, want, deadline)
  return coroutine.yield(sock, want, deadline)
end

-- Inside a task: sock:method(...) retried until it needs no more I/O.
-- TLS can want to read while sending or to write while receiving, so the
-- wait follows the error, not the operation.
local function nonblocking(sock, method, ...)
  while true do
    local ok, result = pcall(method, sock, ...)
    if ok then return result end
    if isinstance(result, ssl.SSLWantReadError) then
      wait(sock, "read")
    elseif isinstance(result, ssl.SSLWantWriteError) then
      wait(sock, "write")
    else
      error(result, 0)
    end
  end
end

-- pcall for code that waits (yields to the scheduler): Lua 5.1 cannot
-- yield across pcall, so fn runs in a coroutine of its own whose yields
-- are passed on. Returns what pcall(fn, ...) would.
local unpack = table.unpack or unpack
local function pack(...) return { n = _G.select("#", ...), ... } end   -- (select is pyssl's here)

local function protected(fn, ...)
  local co = coroutine.create(fn)
  local r = pack(coroutine.resume(co, ...))
  while r[1] and coroutine.status(co) == "suspended" do
    r = pack(coroutine.resume(co, coroutine.yield(unpack(r, 2, r.n))))
  end
  return unpack(r, 1, r.n)
end

local function keys(t)
  local list = {}
  for k in pairs(t) do list[#list + 1] = k end
  return list
end

local function wake(sock, kind, ready)
  local w = waiting[kind][sock]
  if w then
    waiting[kind][sock] = nil
    resume(w.co, ready)
  end
end

-- The earliest deadline of the waiting tasks (or `limit`).
local function earliest_deadline(limit)
  for _, kind in ipairs({ "read", "write" }) do
    for _, w in pairs(waiting[kind]) do
      if w.deadline and (not limit or w.deadline < limit) then limit = w.deadline end
    end
  end
  return limit
end

local function wake_expired(now)
  for _, kind in ipairs({ "read", "write" }) do
    for sock, w in pairs(waiting[kind]) do
      if w.deadline and w.deadline <= now then wake(sock, kind, false) end
    end
  end
end

-- Runs the tasks until none is left or the run's deadline passes.
local function run_tasks(run_deadline)
  while live_tasks > 0 do
    local now = clock()
    if run_deadline and now >= run_deadline then return "time limit reached" end
    local next_deadline = earliest_deadline(run_deadline)
    local wait_for = next_deadline and math.max(0, next_deadline - now) or 1.0
    local readable, writable = select(keys(waiting.read), keys(waiting.write), {}, math.min(wait_for, 1.0))
    for _, sock in ipairs(readable) do wake(sock, "read", true) end
    for _, sock in ipairs(writable) do wake(sock, "write", true) end
    wake_expired(clock())
  end
  return "client limit reached"
end

------------------------------------------------------------------ serving

local stats = { clients = 0, bytes = 0 }
local connections = {}   -- open TLS sockets, for the final shutdown

local function send_all(tls, data)
  while #data > 0 do
    local sent = nonblocking(tls, tls.send, data)
    data = data:sub(sent + 1)
  end
end

local function describe_handshake(id, tls)
  local cipher = tls:cipher()
  local sni = chosen[tls] or {}
  local client_cert = tls:getpeercert()
  log("[%d] handshake done: %s %s, server name %s, %s certificate, client certificate %s",
      id, tls:version(), cipher[1], sni.server_name or "(none)", sni.certificate or "default",
      client_cert and next(client_cert) and common_name(client_cert) or "(none)")
end

-- Echoes until the client closes; returns the number of bytes echoed.
local function echo(tls)
  local total = 0
  while true do
    local data = nonblocking(tls, tls.recv, 16384)
    if data == "" then return total end   -- close_notify (or a bare EOF)
    send_all(tls, data)
    total = total + #data
    stats.bytes = stats.bytes + #data
  end
end

-- One try at sending close_notify, without waiting for the peer's.
local function close_tls(tls)
  pcall(tls.unwrap, tls)
  pcall(tls.close, tls)
  connections[tls] = nil
end

local function would_block(err)
  return isinstance(err, ssl.BlockingIOError) or isinstance(err, ssl.InterruptedError)
end

-- After a failed handshake, the alert OpenSSL sent must reach the client.
-- Closing a socket that has unread input makes the kernel send a reset,
-- which can destroy the alert before the client reads it: so shut our
-- side for writing, and wait (2 s at most) for the client to close its own.
local function lingering_close(tls)
  pcall(tls.shutdown, tls, socket.SHUT_WR)   -- drops the TLS state too
  local deadline = clock() + 2
  while true do
    local ok, data = pcall(tls.recv, tls, 4096)
    if ok and data == "" then break end
    if not ok and not (would_block(data) and wait(tls, "read", deadline)) then break end
  end
  pcall(tls.close, tls)
  connections[tls] = nil
end

local function serve_client(ctx, conn, addr, id)
  conn:setblocking(false)
  local ok, tls = pcall(ctx.wrap_socket, ctx, conn, { server_side = true, do_handshake_on_connect = false })
  if not ok then
    log("[%d] %s", id, error_text(tls))
    conn:close()
    return
  end
  connections[tls] = true
  local handshake_ok, err = protected(nonblocking, tls, tls.do_handshake)
  if not handshake_ok then
    log("[%d] handshake failed: %s", id, error_text(err))
    return lingering_close(tls)
  end
  describe_handshake(id, tls)
  local echoed_ok, result = protected(echo, tls)
  if echoed_ok then
    log("[%d] %s closed after %d bytes echoed", id, address_text(addr), result)
  else
    log("[%d] connection lost: %s", id, error_text(result))
  end
  close_tls(tls)
end

-- Accepts clients (at most opts.max_clients) and starts a task for each.
local function accept_clients(listener, ctx, opts)
  while not opts.max_clients or stats.clients < opts.max_clients do
    wait(listener, "read")
    local ok, conn, addr = pcall(listener.accept, listener)
    if ok then
      stats.clients = stats.clients + 1
      log("[%d] connection from %s", stats.clients, address_text(addr))
      spawn(serve_client, ctx, conn, addr, stats.clients)
    elseif not would_block(conn) then
      log("accept failed: %s", error_text(conn))
    end
  end
  listener:close()
end

local function listen(opts)
  local family = opts.host:find(":", 1, true) and socket.AF_INET6 or socket.AF_INET
  local listener = socket.create_server({ opts.host, opts.port }, { family = family })
  listener:setblocking(false)
  return listener
end

local function main()
  local opts = parse_command_line(arg)
  local ctx = make_contexts(opts)
  local listener = listen(opts)
  local deadline = opts.timeout and clock() + opts.timeout
  log("listening on %s port %d", opts.host, listener:getsockname()[2])

  spawn(accept_clients, listener, ctx, opts)
  -- Ctrl-C raises "interrupted!" in this loop (lua.c's handler): it ends
  -- the run like the time limit does.
  local ok, why = pcall(run_tasks, deadline)
  if not ok then
    if not tostring(why):find("interrupted!", 1, true) then error(why, 0) end
    why = "interrupted"
  end

  for tls in pairs(connections) do close_tls(tls) end
  pcall(listener.close, listener)
  log("%s: %d client%s served, %d bytes echoed",
      why, stats.clients, stats.clients == 1 and "" or "s", stats.bytes)
end

main()
