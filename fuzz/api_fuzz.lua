-- A stateful API fuzzer for pyssl: seeded random sequences of calls on
-- random live objects (SSLContext, MemoryBIO, SSLObject, sockets,
-- SSLSockets over socketpairs and loopback, SSLSession, makefile() files)
-- with plausible and hostile arguments, random close() and resets,
-- collections, planted finalizers and callbacks that raise, close or
-- collect.
--
-- Any error object or string is fine (every call is pcall'd); a crash, a
-- hang, a sanitizer report, a leak or a raise of anything else is a
-- finding. Run by tools/fuzz_api.sh under the ASan host (`make
-- fuzz-api`), which keeps the seed being run in a progress file so that a
-- crash names its seed.
--
-- usage: lua fuzz/api_fuzz.lua [--seed S] [--count N] [--seconds T]
--                              [--steps K] [--progress FILE] [--trace]
-- Runs seeds S, S+1, ... until N seeds or T seconds, K steps each, and
-- prints "seeds S..E: N seeds, X executions, T s".
-- Plain Lua 5.1-5.4/LuaJIT code (no 5.4-only syntax).

local unpack = table.unpack or unpack
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local opts = { seed = 1, count = math.huge, seconds = math.huge, steps = 200 }
do
  local i = 1
  while arg and arg[i] do
    local a = arg[i]
    if a == "--trace" then opts.trace = true; i = i + 1
    else
      local v = arg[i + 1]
      if a == "--seed" then opts.seed = tonumber(v)
      elseif a == "--count" then opts.count = tonumber(v)
      elseif a == "--seconds" then opts.seconds = tonumber(v)
      elseif a == "--steps" then opts.steps = tonumber(v)
      elseif a == "--progress" then opts.progress = v
      else error("unknown option " .. tostring(a)) end
      i = i + 2
    end
  end
end

local PKI = os.getenv("PYSSL_PKI") or "build/pki"
local KEYLOG = (os.getenv("TMPDIR") or "/tmp") .. "/pyssl-api-fuzz-keylog.txt"
local function pki(name) return PKI .. "/" .. name end

-- The generator: Park-Miller, exact in doubles on every Lua version.
local rng_state = 1
local function reseed(s) rng_state = (s % 2147483646) + 1 end
local function rnd(n)           -- 1..n
  rng_state = (rng_state * 16807) % 2147483647
  return rng_state % n + 1
end
local function chance(p) return rnd(1000000) <= p * 1000000 end
local function pick(t) return t[rnd(#t)] end

local executions = 0
local succeeded = 0      -- method calls that returned (not raised)
local handshakes = 0     -- connections seen with a negotiated version
local function trace(...)
  if opts.trace then io.stderr:write(table.concat({ ... }, " "), "\n") end
end

-- Live objects, by kind. Entries stay in the pool after close (using a
-- closed object is part of the game) until the seed's teardown.
local pools
local function new_pools()
  pools = { ctx = {}, bio = {}, obj = {}, sock = {}, sslsock = {},
            session = {}, file = {}, listener = {}, pair = {}, tcp = {} }
end
local function add(kind, o) local p = pools[kind]; p[#p + 1] = o; return o end
local function any_object()
  local kinds = { "ctx", "bio", "obj", "sock", "sslsock", "session", "file", "listener" }
  local p = pools[pick(kinds)]
  if #p > 0 then return pick(p) end
end

-- Closes o the way a user can: close(), or the __close/__gc metamethod.
local function close_obj(o)
  if o == nil then return end
  local mt = getmetatable(o)
  local f = type(mt) == "table" and (mt.__close or mt.__gc)
  if type(o) == "table" or (type(o) == "userdata" and chance(0.5)) then
    local ok, c = pcall(function() return o.close end)
    if ok and type(c) == "function" then pcall(c, o); return end
  end
  if f then pcall(f, o) end
end
-- The object whose method is being called: callbacks and finalizers
-- close it more often than others (closing what is in use).
local current_target
-- After teardown has begun (pools is nil) there is nothing to pick: a
-- finalizer or callback run by the teardown's own closes finds nothing.
local function close_random()
  if pools == nil then return end
  if current_target ~= nil and chance(0.3) then close_obj(current_target) else close_obj(any_object()) end
end

-- Sockets never block: a blocking call would be a hang of the fuzzer.
local function safe_timeout(s)
  pcall(function() s:settimeout(pick({ 0, 0, 0.002 })) end)
end

-- Finalizers planted at random: when collected, they close something.
local newproxy = newproxy
local function plant()
  local function fin() close_random() end
  if newproxy then
    local p = newproxy(true); getmetatable(p).__gc = fin
  else
    setmetatable({}, { __gc = fin })
  end
end

------------------------------------------------------------------------
-- Values

local function bytes(n)
  if n > 256 then
    -- Long ones repeat a random block: one allocation per byte would
    -- take minutes on the stress interpreter (a collection each).
    local block = bytes(256)
    return string.rep(block, math.floor(n / 256)) .. block:sub(1, n % 256)
  end
  local t = {}
  for i = 1, n do t[i] = string.char(rnd(256) - 1) end
  return table.concat(t)
end

local function hostile_table()
  local r = rnd(6)
  if r == 1 then return {} end
  if r == 2 then
    return setmetatable({}, { __index = function() close_random(); error("hostile __index") end })
  end
  if r == 3 then
    return setmetatable({}, { __tostring = function() close_random(); collectgarbage(); return bytes(rnd(40)) end })
  end
  if r == 4 then
    local t = { "\0" .. bytes(2), rnd(100) }   -- never a name to resolve
    return setmetatable(t, { __gc = function() close_random() end,
                             __len = function() return 2 ^ 40 end })
  end
  if r == 5 then return { 1, "x", {}, n = -1 } end
  return setmetatable({}, { __call = function() close_random(); error("hostile __call") end,
                            __index = function(_, k) if chance(0.3) then collectgarbage() end
                                        if k == "read" or k == "write" then return function() return bytes(5) end end end })
end

local hostile_values = {
  function() return nil end,
  function() return true end,
  function() return false end,
  function() return 0 end,
  function() return -1 end,
  function() return -2 ^ 31 end,
  function() return 2 ^ 31 end,
  function() return 2 ^ 53 end,
  function() return 2 ^ 63 end,
  function() return -2 ^ 63 end,
  function() return 1e308 end,
  function() return -1e308 end,
  function() return math.huge end,
  function() return -math.huge end,
  function() return 0 / 0 end,
  function() return 0.5 end,
  function() return -0.0 end,
  function() return 1e-320 end,
  function() return "" end,
  function() return "\0" end,
  function() return string.rep("A", rnd(3) == 1 and 1000000 or 70000) end,
  function() return bytes(rnd(64)) end,
  function() return "ALL:\0:garbage" end,
  hostile_table,
  function() return function() close_random(); return nil end end,
  function() return function() error("callback raised") end end,
  function() return function() collectgarbage(); return bytes(rnd(20)) end end,
  function() return coroutine.create(function() end) end,
  function() return io.stdout end,
  function() return any_object() end,
}
local function hostile() return pick(hostile_values)() end

local certs = { "leaf.pem", "ca.pem", "chain.pem", "ecdsa.pem", "allsans.pem", "expired.pem",
                "nosan.pem", "leafkey.pem", "leafkey.enc.pem", "crl.pem", "dh.pem", "nonexistent" }
local function pem_text()
  local f = io.open(pki(pick(certs)), "rb")
  if not f then return bytes(100) end
  local s = f:read("*a"); f:close()
  if chance(0.3) then s = s:sub(1, rnd(#s + 1) - 1) end
  return s
end

local function callback()
  local r = rnd(6)
  if r == 1 then return function() error("callback raised") end end
  if r == 2 then return function(o) close_obj(o); close_random(); return nil end end
  if r == 3 then return function() collectgarbage(); plant(); return nil end end
  if r == 4 then return function() return hostile() end end
  if r == 5 then return hostile_table() end
  return function() return nil end
end

local function password()
  local r = rnd(5)
  if r == 1 then return "somepass" end
  if r == 2 then return function() return "somepass" end end
  if r == 3 then
    return function()
      if chance(0.5) then close_obj(current_target) else close_random() end
      collectgarbage(); return "somepass"
    end
  end
  if r == 4 then return function() return string.rep("p", 100000) end end
  return hostile()
end

-- Plausible arguments per method name; hostile ones are mixed in.
local plausible = {
  read = function() return rnd(20000) end,
  recv = function() return rnd(20000) end,
  write = function() return bytes(rnd(3) == 1 and 20000 or rnd(100)) end,
  send = function() return bytes(rnd(100)) end,
  sendall = function() return bytes(rnd(3) == 1 and 300000 or rnd(100)) end,
  getpeercert = function() return chance(0.5) end,
  get_channel_binding = function() return pick({ "tls-unique", "bogus" }) end,
  load_cert_chain = function()
    if chance(0.5) then return pki("leafkey.enc.pem"), nil, password() end
    return pki(pick(certs)), chance(0.5) and pki(pick(certs)) or nil, password()
  end,
  load_verify_locations = function()
    local r = rnd(3)
    if r == 1 then return pki(pick(certs)) end
    if r == 2 then return nil, pki("") end
    return nil, nil, pem_text()
  end,
  set_ciphers = function() return pick({ "ALL", "ECDHE+AESGCM", "NONE", "DEFAULT:@SECLEVEL=0" }) end,
  set_alpn_protocols = function() return { "h2", "http/1.1", bytes(rnd(300)) } end,
  set_npn_protocols = function() return { "h2" } end,
  set_ecdh_curve = function() return pick({ "prime256v1", "X25519", "nope" }) end,
  load_dh_params = function() return pki(pick({ "dh.pem", "leaf.pem" })) end,
  get_ca_certs = function() return chance(0.5) end,
  set_servername_callback = callback,
  set_psk_client_callback = callback,
  set_psk_server_callback = function() return callback(), pick({ "hint", nil }) end,
  settimeout = function() return pick({ 0, 0.001, -1, 1e308 }) end,
  setblocking = function() return chance(0.5) end,
  shutdown = function() return rnd(3) - 1 end,
  setsockopt = function() return 1, pick({ 2, 7, 8, 9 }), pick({ 1, 0, bytes(4) }) end,
  getsockopt = function() return 1, pick({ 2, 3, 4, 7 }), pick({ nil, 4, 100000 }) end,
  sendmsg = function()
    local level, kind = rnd(300) - 1, rnd(20) + 1   -- never SOL_SOCKET/SCM_RIGHTS (1, 1)
    local anc = { { level, kind, bytes(rnd(64)) } }
    if chance(0.3) then anc[2] = hostile_table() end
    return { bytes(rnd(100)), hostile_table() }, anc
  end,
  recvmsg = function() return rnd(5000), rnd(3) == 1 and 2 ^ 40 or rnd(300) end,
  makefile = function() return pick({ "rb", "wb", "rwb", "r", "w", "x" }) end,
  bind = function() return { "127.0.0.1", 0 } end,
  connect = function() return { "127.0.0.1", rnd(3) == 1 and 1 or 0 } end,
  connect_ex = function() return { "127.0.0.1", 1 } end,
  sendto = function() return bytes(10), { "127.0.0.1", 9 } end,
  wrap_bio = function() return pools.bio[1], pools.bio[2], chance(0.5), pick({ "localhost", nil }) end,
}
-- A finalizer that, when it runs (maybe in the middle of the call that
-- reads t), replaces t's items with longer strings or other types: C code
-- must read a Lua value once, or cope with it changing.
local function plant_mutator(t)
  local function fin()
    for k, v in pairs(t) do
      if type(v) == "table" then
        for k2 in pairs(v) do v[k2] = pick({ string.rep("x", 400000), 7, {} }) end
      else
        t[k] = pick({ string.rep("y", 400000), false })
      end
    end
  end
  if newproxy then
    local p = newproxy(true); getmetatable(p).__gc = fin
  else
    setmetatable({}, { __gc = fin })
  end
end

local function args_for(name)
  local t, n = {}, 0
  local p = plausible[name]
  if p and chance(0.7) then
    t = { p() }; n = 4
    for i = 1, n do if chance(0.15) then t[i] = hostile() end end
    while n > 0 and t[n] == nil do n = n - 1 end
  else
    n = rnd(4) - 1
    for i = 1, n do t[i] = hostile() end
  end
  if chance(0.1) then n = n + 1; t[n] = { server_side = chance(0.5), server_hostname = hostile() } end
  for i = 1, n do
    if type(t[i]) == "table" and getmetatable(t[i]) == nil and chance(0.3) then plant_mutator(t[i]) end
  end
  return t, n
end

------------------------------------------------------------------------
-- Creating objects

local function new_ctx()
  local server = chance(0.5)
  local ctx = add("ctx", ssl.SSLContext(server and ssl.PROTOCOL_TLS_SERVER or ssl.PROTOCOL_TLS_CLIENT))
  if server or chance(0.2) then
    pcall(ctx.load_cert_chain, ctx, pki(pick({ "leafkey.pem", "ecdsakey.pem", "chainkey.pem" })))
  end
  if not server then pcall(ctx.load_verify_locations, ctx, pki("ca.pem")) end
  if chance(0.3) then pcall(ctx.set_servername_callback, ctx, callback()) end
  if chance(0.2) then pcall(function() ctx.sni_callback = callback() end) end
  if chance(0.1) then pcall(function() ctx.keylog_filename = KEYLOG end) end
  return ctx
end

local function ctx_of(server)
  for _ = 1, 3 do
    local c = pick(pools.ctx)
    if c then
      local ok, side = pcall(function() return c.protocol end)
      if ok and (side == ssl.PROTOCOL_TLS_SERVER) == server then return c end
    end
  end
  local c = add("ctx", ssl.SSLContext(server and ssl.PROTOCOL_TLS_SERVER or ssl.PROTOCOL_TLS_CLIENT))
  if server then c:load_cert_chain(pki("leafkey.pem")) else c:load_verify_locations(pki("ca.pem")) end
  return c
end

-- A client and a server SSLObject over four MemoryBIOs.
local function new_bio_pair()
  local cin, cout, sin, sout = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
  add("bio", cin); add("bio", cout); add("bio", sin); add("bio", sout)
  local c = add("obj", ctx_of(false):wrap_bio(cin, cout, false, "localhost"))
  local s = add("obj", ctx_of(true):wrap_bio(sin, sout, true))
  add("pair", { kind = "bio", c = c, s = s, cin = cin, cout = cout, sin = sin, sout = sout })
end

local function new_sock_pair()
  local a, b = socket.socketpair()
  add("sock", a); add("sock", b)
  safe_timeout(a); safe_timeout(b)
  if chance(0.7) then
    local c = ctx_of(false):wrap_socket(a, { server_hostname = "localhost", do_handshake_on_connect = false })
    local s = ctx_of(true):wrap_socket(b, { server_side = true, do_handshake_on_connect = false })
    add("sslsock", c); add("sslsock", s)
    safe_timeout(c); safe_timeout(s)
    add("pair", { kind = "sock", c = c, s = s })
  end
end

local function new_loopback()
  local l = add("listener", socket.create_server({ "127.0.0.1", 0 }))
  safe_timeout(l)
  local port = l:getsockname()[2]
  local c = add("sock", socket.socket(socket.AF_INET, socket.SOCK_STREAM))
  safe_timeout(c)
  pcall(c.connect, c, { "127.0.0.1", port })
  local ok, s = pcall(l.accept, l)
  if ok and s then
    add("sock", s); safe_timeout(s)
    if chance(0.5) then
      local sc = add("sslsock", ctx_of(false):wrap_socket(c, { server_hostname = "localhost", do_handshake_on_connect = false }))
      local ss = add("sslsock", ctx_of(true):wrap_socket(s, { server_side = true, do_handshake_on_connect = false }))
      safe_timeout(sc); safe_timeout(ss)
      add("pair", { kind = "sock", c = sc, s = ss })
      add("tcp", { sc, ss })
    else
      add("tcp", { c, s })
    end
  end
end

-- What a failed call may raise: a Python error object, or a string (the
-- fuzzer's callbacks and hostile values raise strings, and so does Lua).
-- Anything else, a pyssl object say, is a raise of the wrong value: a
-- finding (the exit status tells tools/fuzz_api.sh).
local function check_raised(what, err)
  if type(err) == "string" or ssl.isinstance(err, ssl.BaseException) then return end
  io.stderr:write("api_fuzz: ", what, " raised a ", type(err), " that is no error: ", tostring(err), "\n")
  os.exit(3)
end

-- Resets one end of a loopback connection (SO_LINGER 0, then close); the
-- other end's next read or write meets ECONNRESET, or the other end is
-- left for later calls.
local function reset_random()
  local ends = pick(pools.tcp)
  if not ends then return end
  local i = rnd(2)
  local gone, peer = ends[i], ends[3 - i]
  local int = socket._int_bytes
  pcall(gone.setsockopt, gone, socket.SOL_SOCKET, socket.SO_LINGER, int(1) .. int(0))
  close_obj(gone)
  if chance(0.5) then
    local ok, err = pcall(peer.recv, peer, rnd(100))
    if not ok then check_raised("recv after a reset", err) end
  end
end

-- Moves bytes between a BIO pair and steps both ends.
local function pump(p)
  for _ = 1, rnd(12) do
    if p.kind == "bio" then
      pcall(function() local d = p.cout:read(); if #d > 0 then p.sin:write(d) end end)
      pcall(function() local d = p.sout:read(); if #d > 0 then p.cin:write(d) end end)
    end
    for _, o in ipairs({ p.c, p.s }) do
      local r = rnd(4)
      if r == 1 then pcall(o.do_handshake, o)
      elseif r == 2 then pcall(o.write, o, bytes(rnd(50)))
      elseif r == 3 then pcall(o.read, o, rnd(100))
      else pcall(function() local s = o.session; if s then add("session", s) end end) end
    end
  end
end

local function new_file()
  local s = pick(pools.sock) or pick(pools.sslsock)
  if s then add("file", s:makefile(pick({ "rb", "wb", "rwb", "r", "w" }))) end
end

------------------------------------------------------------------------
-- Calling methods

-- Methods that touch the machine outside the process (name resolution,
-- the host name, fds not ours) are not called.
local excluded = {
  sethostname = true, gethostbyname = true, gethostbyname_ex = true, gethostbyaddr = true,
  getaddrinfo = true, getnameinfo = true, getfqdn = true, create_connection = true,
  fromfd = true, sendfile = true, send_fds = true, recv_fds = true, detach = true,
  load_default_certs = true, set_default_verify_paths = true,
  __new = true, _create = true, _from_socket = true, _init_tls = true,
}

local function method_names(o)
  local names, seen = {}, {}
  local mt = getmetatable(o)
  local cls = type(mt) == "table" and rawget(mt, "__class") or nil
  if type(o) == "table" then cls = getmetatable(o) end
  local function scan(t)
    if type(t) ~= "table" then return end
    for k, v in pairs(t) do
      if type(k) == "string" and type(v) == "function" and not excluded[k]
         and k:sub(1, 2) ~= "__" and not seen[k] then
        seen[k] = true; names[#names + 1] = k
      end
    end
  end
  scan(cls)
  local bases = type(cls) == "table" and rawget(cls, "__bases")
  if type(bases) == "table" then for _, b in ipairs(bases) do scan(b) end end
  table.sort(names)
  return names, cls
end

local function attr_names(cls, which)
  local names = {}
  local t = type(cls) == "table" and rawget(cls, which)
  if type(t) == "table" then for k in pairs(t) do names[#names + 1] = k end end
  table.sort(names)
  return names
end

local function call_method()
  local o = any_object()
  if o == nil then return end
  local names = method_names(o)
  if #names == 0 then return end
  local name = pick(names)
  local args, n = args_for(name)
  -- SSLSocket.do_handshake(block=true) on a non-blocking socket blocks
  -- until the peer answers (Python's behaviour): no hang by request.
  if name == "do_handshake" and n > 0 then
    local ok_f, has_fileno = pcall(function() return o.fileno ~= nil end)
    if not ok_f or has_fileno then args[1] = false end
  end
  if opts.trace then
    local ok_s, desc = pcall(tostring, o)
    trace("  call", name, tostring(n), ok_s and desc or "?")
  end
  local ok, f = pcall(function() return o[name] end)
  current_target = o
  if ok and type(f) == "function" then
    executions = executions + 1
    local ok2, r = pcall(f, o, unpack(args, 1, n))
    if ok2 then succeeded = succeeded + 1 else check_raised(name, r) end
    if ok2 and (type(r) == "userdata" or type(r) == "table") then
      local rmt = getmetatable(r)
      if type(rmt) == "table" and (rmt.__gc or rmt.__close) then add("file", r) end
      -- A socket a call returns (accept's, dup's, fromfd's) may be blocking:
      -- accept() makes it so when the default timeout is None, as Python
      -- does, and a blocking read with a silent peer waits forever by
      -- request. Give it a short timeout, as every socket the fuzzer makes.
      local ok_t, has_timeout = pcall(function() return r.settimeout ~= nil and r.fileno ~= nil end)
      if ok_t and has_timeout then safe_timeout(r) end
    end
  end
  current_target = nil
  if name == "settimeout" or name == "setblocking" then safe_timeout(o) end
end

local function touch_attr()
  local o = any_object()
  if o == nil then return end
  local _, cls = method_names(o)
  local set = chance(0.3)
  local names = attr_names(cls, set and "__setters" or "__getters")
  if #names == 0 then names = { "foo", "__dict__", "closed" } end
  local name = pick(names)
  trace("  attr", name, set and "set" or "get")
  executions = executions + 1
  if set then
    local v = chance(0.4) and hostile() or (name:find("callback") and callback()) or any_object()
    if name == "keylog_filename" and type(v) ~= "string" and chance(0.5) then v = KEYLOG end
    pcall(function() o[name] = v end)
    -- A huge num_tickets is accepted (as Python accepts up to 2**63-1) and
    -- makes every server handshake write that many tickets: real work,
    -- not a hang. Set a small count after the hostile one, as
    -- safe_timeout does after settimeout.
    if name == "num_tickets" then pcall(function() o[name] = rnd(3) - 1 end) end
  else
    pcall(function() local v = o[name]; if name == "session" and v then add("session", v) end end)
  end
end

-- Module-level functions with hostile arguments.
local module_calls = {
  function() return ssl.DER_cert_to_PEM_cert(chance(0.5) and bytes(rnd(500)) or hostile()) end,
  function() return ssl.PEM_cert_to_DER_cert(chance(0.5) and pem_text() or hostile()) end,
  function() return ssl.cert_time_to_seconds(chance(0.5) and "Jan  5 09:34:43 2018 GMT" or hostile()) end,
  function() return ssl.RAND_bytes(chance(0.8) and rnd(100) or hostile()) end,
  function() return ssl.RAND_add(hostile(), hostile()) end,
  function() return ssl._test_decode_cert(chance(0.5) and pki(pick(certs)) or hostile()) end,
  function() return ssl.get_server_certificate(hostile()) end,
  function() return ssl.create_default_context(hostile()) end,
  function() return socket.inet_pton(socket.AF_INET6, hostile()) end,
  function() return socket.inet_ntop(hostile(), hostile()) end,
  function() return socket.CMSG_SPACE(hostile()) end,
  function() return socket.if_indextoname(hostile()) end,
  function() return socket.getdefaulttimeout() end,
  function() return socket.htonl(hostile()) end,
  function() return socket.socket(hostile(), hostile()) end,
  function() return ssl.SSLContext(hostile()) end,
  function() return ssl.MemoryBIO(hostile()) end,
}

------------------------------------------------------------------------
-- One seed

local actions = {
  { 6, function() new_ctx() end, "new_ctx" },
  { 5, function() new_bio_pair() end, "new_bio_pair" },
  { 3, function() new_sock_pair() end, "new_sock_pair" },
  { 1, function() new_loopback() end, "new_loopback" },
  { 2, function() new_file() end, "new_file" },
  { 12, function() local p = pick(pools.pair); if p then pump(p) end end, "pump" },
  { 30, call_method, "call_method" },
  { 10, touch_attr, "touch_attr" },
  { 4, function() pick(module_calls)() end, "module_call" },
  { 3, close_random, "close" },
  { 1, reset_random, "reset" },
  { 2, function() collectgarbage(chance(0.5) and "collect" or "step") end, "collect" },
  { 2, plant, "plant" },
  { 1, function() local p = pick(pools.bio); if p then p:write_eof() end end, "write_eof" },
}
local total_weight = 0
for _, a in ipairs(actions) do total_weight = total_weight + a[1] end
local function pick_action()
  local r = rnd(total_weight)
  for _, a in ipairs(actions) do
    if r <= a[1] then return a end
    r = r - a[1]
  end
end

local function teardown()
  local all = pools
  for _, p in ipairs(all.pair) do
    local ok, v = pcall(function() return p.c:version() end)
    if ok and v then handshakes = handshakes + 1 end
  end
  pools = nil              -- planted finalizers find nothing to close now
  for _, kind in ipairs({ "file", "sslsock", "obj", "session", "sock", "listener", "bio", "ctx" }) do
    for _, o in ipairs(all[kind]) do close_obj(o) end
  end
  collectgarbage(); collectgarbage()
  os.remove(KEYLOG)
end

local function run_seed(seed)
  reseed(seed)
  new_pools()
  pcall(socket.setdefaulttimeout, 0)
  -- Collector modes (5.4; an error elsewhere): short pauses make
  -- finalizers run at many more allocation points.
  pcall(collectgarbage, pick({ "incremental", "generational" }))
  pcall(collectgarbage, "setpause", pick({ 100, 50, 20, 200 }))
  for step = 1, opts.steps do
    local a = pick_action()
    trace(seed .. ":" .. step, a[3])
    executions = executions + 1
    local ok, err = pcall(a[2])
    if not ok then check_raised(a[3], err) end
  end
  current_target = nil
  teardown()
  pcall(collectgarbage, "incremental")
  pcall(collectgarbage, "setpause", 200)
  pcall(socket.setdefaulttimeout, nil)
end

local clock = os.time
local started = clock()
local seed, done = opts.seed, 0
while done < opts.count and clock() - started < opts.seconds do
  if opts.progress then
    local f = io.open(opts.progress, "w"); f:write(seed, "\n"); f:close()
  end
  run_seed(seed)
  seed, done = seed + 1, done + 1
end
if opts.progress then local f = io.open(opts.progress, "w"); f:write("done\n"); f:close() end
print(string.format("seeds %d..%d: %d seeds, %d executions (%d method calls returned, %d handshakes done), %d s",
  opts.seed, seed - 1, done, executions, succeeded, handshakes, clock() - started))
