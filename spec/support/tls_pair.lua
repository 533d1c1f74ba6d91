-- A client and a server SSLObject over four MemoryBIOs in one process, and
-- the same harness in Python (T.PY) for differential tests.
--
--   local T = require "spec.support.tls_pair"
--   local p = T.pair({client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"},
--                     hostname = "localhost"})
--   local cerr, serr = T.handshake(p)   -- nil, nil when both ends finished
--   T.send(p.c, p, "hello")             -- write + move the bytes across
--
-- A scenario is a plain table (so that it can be sent to Python as JSON):
--   client / server: side settings, all optional —
--     ca (PKI file to trust), cert (PKI key+cert file), check_hostname,
--     verify_mode, min / max (TLSVersion names), no_tls13 / no_tls12
--     (options), ciphers, alpn (list), pha (post_handshake_auth),
--     hostname_checks_common_name, verify_flags (or-ed in)
--   hostname: the client's server_hostname (nil: none)
--   session_from: (Lua only) an SSLSession to resume
local H = require "spec.support.helper"
local ssl = require "pyssl"
local bor = H.compat.bor

local T = {}

-- Builds a context for one side of a scenario.
function T.context(side, server)
  side = side or {}
  local ctx = ssl.SSLContext(server and ssl.PROTOCOL_TLS_SERVER or ssl.PROTOCOL_TLS_CLIENT)
  if side.check_hostname ~= nil then ctx.check_hostname = side.check_hostname end
  if side.verify_mode ~= nil then ctx.verify_mode = side.verify_mode end
  if side.ca then ctx:load_verify_locations(H.pki(side.ca)) end
  if side.cert then ctx:load_cert_chain(H.pki(side.cert)) end
  if side.no_tls13 then ctx.options = bor(ctx.options, ssl.OP_NO_TLSv1_3) end
  if side.no_tls12 then ctx.options = bor(ctx.options, ssl.OP_NO_TLSv1_2) end
  if side.min then ctx.minimum_version = ssl.TLSVersion[side.min] end
  if side.max then ctx.maximum_version = ssl.TLSVersion[side.max] end
  if side.ciphers then ctx:set_ciphers(side.ciphers) end
  if side.alpn then ctx:set_alpn_protocols(side.alpn) end
  if side.pha then ctx.post_handshake_auth = true end
  if side.hostname_checks_common_name ~= nil then
    ctx.hostname_checks_common_name = side.hostname_checks_common_name
  end
  if side.verify_flags then ctx.verify_flags = bor(ctx.verify_flags, side.verify_flags) end
  return ctx
end

-- Wraps a client and a server. cctx/sctx default to the scenario's.
function T.pair(scn, cctx, sctx)
  local p = {
    cctx = cctx or T.context(scn.client, false),
    sctx = sctx or T.context(scn.server, true),
    ci = ssl.MemoryBIO(), co = ssl.MemoryBIO(),
    si = ssl.MemoryBIO(), so = ssl.MemoryBIO(),
  }
  -- (an empty table would be a positional argument, not keywords)
  if scn.hostname == nil and scn.session_from == nil then
    p.c = p.cctx:wrap_bio(p.ci, p.co)
  else
    p.c = p.cctx:wrap_bio(p.ci, p.co, {server_hostname = scn.hostname, session = scn.session_from})
  end
  p.s = p.sctx:wrap_bio(p.si, p.so, {server_side = true})
  return p
end

-- Moves every pending byte both ways; returns the number of bytes moved.
function T.transfer(p)
  local a, b = p.co:read(), p.so:read()
  if #a > 0 then p.si:write(a) end
  if #b > 0 then p.ci:write(b) end
  return #a + #b
end

-- Runs both handshakes to their end (bounded). Returns the client's and
-- the server's error (nil for an end that finished).
function T.handshake(p, rounds)
  local done, err = {}, {}
  local ends = {p.c, p.s}
  for _ = 1, rounds or 20 do
    for i, o in ipairs(ends) do
      if not done[i] and not err[i] then
        local ok, e = pcall(o.do_handshake, o)
        if ok then
          done[i] = true
        elseif not ssl.isinstance(e, ssl.SSLWantReadError) then
          err[i] = e
        end
      end
    end
    local moved = T.transfer(p)
    if (done[1] or err[1]) and (done[2] or err[2]) and moved == 0 then break end
  end
  assert((done[1] or err[1]) and (done[2] or err[2]), "handshake did not finish")
  return err[1], err[2]
end

-- Handshake that must succeed.
function T.connect(scn)
  local p = T.pair(scn)
  local cerr, serr = T.handshake(p)
  if cerr or serr then
    error("handshake failed: client " .. tostring(cerr) .. " / server " .. tostring(serr), 2)
  end
  return p
end

-- Writes data on one end and delivers it to the other's incoming BIO.
function T.send(from, p, data)
  local n = from:write(data)
  T.transfer(p)
  return n
end

-- Reads what is available (SSLWantReadError → nil).
function T.try_read(o, n)
  local ok, v = pcall(o.read, o, n)
  if ok then return v end
  if ssl.isinstance(v, ssl.SSLWantReadError) then return nil end
  error(v, 0)
end

-- The comparable fields of an error (nil fields left out).
function T.describe(e)
  if e == nil then return nil end
  local d = {cls = ssl._typename(e), msg = H.norm(e)}
  for _, k in ipairs{"errno", "library", "reason", "verify_code", "verify_message"} do
    if type(e) == "table" and e[k] ~= nil then d[k] = e[k] end
  end
  return d
end

-- The same harness in Python; prepend to a script run with H.python.
T.PY = [==[
import json, ssl

def context(side, server):
    side = side or {}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if side.get("check_hostname") is not None: ctx.check_hostname = side["check_hostname"]
    if side.get("verify_mode") is not None: ctx.verify_mode = side["verify_mode"]
    if side.get("ca"): ctx.load_verify_locations(PKI + side["ca"])
    if side.get("cert"): ctx.load_cert_chain(PKI + side["cert"])
    if side.get("no_tls13"): ctx.options |= ssl.OP_NO_TLSv1_3
    if side.get("no_tls12"): ctx.options |= ssl.OP_NO_TLSv1_2
    if side.get("min"): ctx.minimum_version = ssl.TLSVersion[side["min"]]
    if side.get("max"): ctx.maximum_version = ssl.TLSVersion[side["max"]]
    if side.get("ciphers"): ctx.set_ciphers(side["ciphers"])
    if side.get("alpn"): ctx.set_alpn_protocols(side["alpn"])
    if side.get("pha"): ctx.post_handshake_auth = True
    if side.get("hostname_checks_common_name") is not None:
        ctx.hostname_checks_common_name = side["hostname_checks_common_name"]
    if side.get("verify_flags"): ctx.verify_flags |= side["verify_flags"]
    return ctx

class Pair: pass

def pair(scn, cctx=None, sctx=None, session=None):
    p = Pair()
    p.cctx = cctx or context(scn.get("client"), False)
    p.sctx = sctx or context(scn.get("server"), True)
    p.ci, p.co, p.si, p.so = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
    p.c = p.cctx.wrap_bio(p.ci, p.co, server_hostname=scn.get("hostname"), session=session)
    p.s = p.sctx.wrap_bio(p.si, p.so, server_side=True)
    return p

def transfer(p):
    a, b = p.co.read(), p.so.read()
    if a: p.si.write(a)
    if b: p.ci.write(b)
    return len(a) + len(b)

def handshake(p, rounds=20):
    done, err = [False, False], [None, None]
    for _ in range(rounds):
        for i, o in enumerate((p.c, p.s)):
            if not done[i] and err[i] is None:
                try:
                    o.do_handshake(); done[i] = True
                except ssl.SSLWantReadError:
                    pass
                except Exception as e:
                    err[i] = e
        moved = transfer(p)
        if all(done[i] or err[i] is not None for i in (0, 1)) and moved == 0:
            break
    return err[0], err[1]

def connect(scn):
    p = pair(scn)
    c, s = handshake(p)
    assert c is None and s is None, (c, s)
    return p

def send(frm, p, data):
    n = frm.write(data); transfer(p); return n

def norm(m):
    import re
    m = re.sub(r"\s*\([\w./]+\.c:\d+\)$", "", str(m))
    return re.sub(r"^[\w]+\.c:\d+: ", "", m)

def describe(e):
    if e is None: return None
    d = {"cls": type(e).__name__, "msg": norm(e)}
    for k in ("errno", "library", "reason", "verify_code", "verify_message"):
        v = getattr(e, k, None)
        if v is not None: d[k] = v
    return d

def attempt(f, *a):
    try:
        v = f(*a)
        if isinstance(v, bytes): v = v.decode("latin-1")
        return {"ok": v}
    except Exception as e:
        return {"err": describe(e)}
]==]

-- Runs `code` in Python after the harness; the scenario is `scn` there.
-- `newer`: in H.PYTHON_NEWER (where pyssl follows 3.12+ over 3.11).
function T.python(scn, code, newer)
  return H.python(T.PY .. "\nscn = json.loads(" .. string.format("%q", H.json.encode(scn or {})) ..
    ")\n" .. code, newer)
end

-- Runs `code` once per scenario of the table `scns` (name -> scenario):
-- in Python, `code` defines run(scn) returning a JSON-able value; the
-- result is a table name -> value (JSON nulls turned into nil).
function T.python_each(scns, code, newer)
  local out = T.python(scns, code ..
    "\nprint(json.dumps({name: run(s) for name, s in scn.items()}))\n", newer)
  return T.denull(out)
end

-- A decoded JSON value with json.null replaced by nil.
function T.denull(v)
  if v == H.json.null then return nil end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = T.denull(x) end
  return t
end

-- Lua counterpart of the Python attempt(): {ok = value} or {err = description}.
function T.attempt(f, ...)
  local ok, v = pcall(f, ...)
  if ok then return {ok = v} end
  return {err = T.describe(v)}
end

return T
