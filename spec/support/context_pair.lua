-- Handshakes for the SSLContext specs: a client and a server SSLObject
-- over four MemoryBIOs, in Lua and (for differential tests) in python3.
--
--   local P = require "spec.support.context_pair"
--   local p = P.pair(cctx, sctx, "localhost")   -- server_hostname, or nil
--   local cerr, serr = P.handshake(p)           -- nil, nil when both finished
local H = require "spec.support.helper"
local ssl = require "pyssl"

local P = {}

-- Server context with the leaf certificate; client context trusting ca.pem.
P.server = require("spec.support.peers").server_context

function P.client(ca)
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  ctx:load_verify_locations(H.pki(ca or "ca.pem"))
  return ctx
end

function P.pair(cctx, sctx, hostname)
  local p = {
    cctx = cctx, sctx = sctx,
    ci = ssl.MemoryBIO(), co = ssl.MemoryBIO(),
    si = ssl.MemoryBIO(), so = ssl.MemoryBIO(),
  }
  if hostname then
    p.c = cctx:wrap_bio(p.ci, p.co, {server_hostname = hostname})
  else
    p.c = cctx:wrap_bio(p.ci, p.co)
  end
  p.s = sctx:wrap_bio(p.si, p.so, {server_side = true})
  return p
end

local function move(p)
  local moved = false
  local data = p.co:read()
  if #data > 0 then p.si:write(data); moved = true end
  data = p.so:read()
  if #data > 0 then p.ci:write(data); moved = true end
  return moved
end

-- One do_handshake() of an end: true when done, false on WantRead, or the error.
local function step(obj)
  local ok, err = pcall(obj.do_handshake, obj)
  if ok then return true end
  if ssl.isinstance(err, ssl.SSLWantReadError) then return false end
  return err
end

-- Drives both ends until neither moves (bounded). Returns the client's
-- and the server's error (nil for an end that finished).
function P.handshake(p)
  local cres, sres = false, false
  for _ = 1, 20 do
    if cres == false then cres = step(p.c) end
    move(p)
    if sres == false then sres = step(p.s) end
    local moved = move(p)
    if cres ~= false and sres ~= false and not moved then break end
    if not moved and (cres ~= false or sres ~= false) then
      -- one end stopped (done or failed): let the other see what came
      if cres == false then cres = step(p.c) end
      if sres == false then sres = step(p.s) end
      move(p)
      if cres ~= false and sres ~= false then break end
    end
  end
  local cerr = cres ~= true and cres or nil
  local serr = sres ~= true and sres or nil
  if cerr == false then cerr = "still in handshake" end
  if serr == false then serr = "still in handshake" end
  return cerr, serr
end

-- The same harness in Python, prepended to differential scripts.
P.PY = [[
def server_ctx(cert="leafkey.pem"):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    c.load_cert_chain(PKI + cert)
    return c

def client_ctx(ca="ca.pem"):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.load_verify_locations(PKI + ca)
    return c

class Pair:
    def __init__(self, cctx, sctx, hostname=None):
        self.ci, self.co, self.si, self.so = (ssl.MemoryBIO() for _ in range(4))
        self.c = cctx.wrap_bio(self.ci, self.co, server_hostname=hostname)
        self.s = sctx.wrap_bio(self.si, self.so, server_side=True)

    def move(self):
        moved = False
        d = self.co.read()
        if d: self.si.write(d); moved = True
        d = self.so.read()
        if d: self.ci.write(d); moved = True
        return moved

def step(obj):
    try:
        obj.do_handshake()
        return True
    except ssl.SSLWantReadError:
        return False
    except Exception as e:
        return e

def handshake(p):
    cres = sres = False
    for _ in range(20):
        if cres is False: cres = step(p.c)
        p.move()
        if sres is False: sres = step(p.s)
        moved = p.move()
        if cres is not False and sres is not False and not moved: break
        if not moved and (cres is not False or sres is not False):
            if cres is False: cres = step(p.c)
            if sres is False: sres = step(p.s)
            p.move()
            if cres is not False and sres is not False: break
    def norm(r):
        if r is True: return None
        if r is False: return "still in handshake"
        import re
        return re.sub(r"\s*\([\w./]+\.c:\d+\)$", "", str(r))
    return norm(cres), norm(sres)
]]

return P
