-- bench/pyssl/server.lua — pyssl's server of the server rows
-- (bench/server.lua): bench/py/server.py line by line, in Lua spelling,
-- on pyssl.selectors. Runs on every Lua.
--   lua5.4 bench/pyssl/server.lua --certdir DIR [--port N]   prints "PORT n", serves until killed
local ssl = require "pyssl"
local socket = require "pyssl.socket"
local selectors = require "pyssl.selectors"

local RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 61\r\n\r\n" .. string.rep("x", 61)

local function Client(sock)
  return {sock = sock, handshaken = false, closing = false, buf = "", pending = "",
          events = selectors.EVENT_READ}
end

local function main()
  -- Not in the Python script: Lua's collector mode. lua5.4 starts in
  -- generational mode, where thousands of long-lived connections, each
  -- touched at every request, are traversed again and again (requests/s
  -- 11.6 k generational, 21.1 k incremental, 1,000 connections, one run
  -- each); a Lua server picks the incremental collector (the only one before 5.4).
  if _VERSION == "Lua 5.4" then collectgarbage("incremental") end
  local args = {}
  for i = 1, #arg - 1, 2 do args[arg[i]] = arg[i + 1] end
  local certdir = args["--certdir"] .. "/ec/"
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
  ctx:load_cert_chain(certdir .. "server.pem", certdir .. "server.key")
  ctx.minimum_version = ssl.TLSVersion.TLSv1_3

  local ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
  ls:setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
  ls:bind({"127.0.0.1", tonumber(args["--port"] or 0)})
  ls:listen(4096)
  ls:setblocking(false)
  local sel = selectors.DefaultSelector()
  sel:register(ls, selectors.EVENT_READ, nil)

  local function drop(c)
    sel:unregister(c.sock)
    c.sock:close()
  end

  local function wait(c, events)
    if c.events ~= events then
      c.events = events
      sel:modify(c.sock, events, c)
    end
  end

  local function steps(c)
    if not c.handshaken then
      c.sock:do_handshake()
      c.handshaken = true
    end
    while true do
      while #c.pending > 0 do
        local n = c.sock:send(c.pending)
        c.pending = c.pending:sub(n + 1)
      end
      if c.closing then return drop(c) end
      local e = c.buf:find("\r\n\r\n", 1, true)
      if e then
        local close = c.buf:find("\r\nConnection: close\r\n", 1, true)
        c.closing = close ~= nil and close <= e
        c.buf = c.buf:sub(e + 4)
        c.pending = RESPONSE
      else
        local data = c.sock:recv(4096)
        if #data == 0 then return drop(c) end
        c.buf = c.buf .. data
      end
    end
  end

  local function serve(c)
    local ok, err = pcall(steps, c)
    if ok then return end
    if ssl.isinstance(err, ssl.SSLWantReadError) then
      wait(c, selectors.EVENT_READ)
    elseif ssl.isinstance(err, ssl.SSLWantWriteError) then
      wait(c, selectors.EVENT_WRITE)
    elseif ssl.isinstance(err, ssl.OSError) then
      drop(c)
    else
      error(err, 0)
    end
  end

  local function accept()
    while true do
      local ok, conn = pcall(ls.accept, ls)
      if not ok then
        if ssl.isinstance(conn, ssl.BlockingIOError) then return end
        error(conn, 0)
      end
      local wrapped, sock = pcall(function()
        conn:setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn:setblocking(false)
        return ctx:wrap_socket(conn, {server_side = true, do_handshake_on_connect = false})
      end)
      if not wrapped then   -- reset before it could be wrapped
        if not ssl.isinstance(sock, ssl.OSError) then error(sock, 0) end
        conn:close()
      else
        local c = Client(sock)
        sel:register(c.sock, selectors.EVENT_READ, c)
        serve(c)
      end
    end
  end

  local address = ls:getsockname()
  io.write(string.format("PORT %d\n", address[2]))
  io.flush()
  while true do
    for _, ready in ipairs(sel:select()) do
      local key = ready[1]
      if key.data == nil then
        accept()
      else
        serve(key.data)
      end
    end
  end
end

main()
