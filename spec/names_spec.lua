-- Every name of the API surface (spec/support/api-names.txt, the machine
-- list of docs/python-ssl-api.md) exists in pyssl, and asking an
-- object for a name it lacks fails as Python does.
local H = require "spec.support.helper"
local T = require "spec.support.tls_pair"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local function names()
  local list = {}
  for line in io.lines("spec/support/api-names.txt") do
    local kind, name = line:match("^(%S+)\t(%S+)$")
    assert(kind, "bad line: " .. line)
    list[#list + 1] = {kind = kind, name = name}
  end
  return list
end

-- One live instance of each class (the session from a real handshake).
local function instances()
  local p = T.pair({client = {ca = "ca.pem"}, server = {cert = "leafkey.pem"}, hostname = "localhost"})
  assert.is_nil((T.handshake(p)))
  local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
  return {
    SSLContext = ctx,
    SSLObject = p.c,
    SSLSocket = ctx:wrap_socket(socket.socket(), {server_hostname = "localhost"}),
    MemoryBIO = ssl.MemoryBIO(),
    SSLSession = p.c.session,
    DefaultVerifyPaths = ssl.get_default_verify_paths(),
    _ASN1Object = ssl.Purpose.SERVER_AUTH,
  }
end

-- Looks `entry` up; returns nil when it exists, else why not.
local function lookup(entry, objects)
  local owner, member = entry.name:match("^([%w_]+)%.([%w_]+)$")
  local ok, value = pcall(function()
    if entry.kind == "method" or entry.kind == "prop" then
      return objects[owner][member]
    elseif entry.kind == "enum" then
      return ssl[owner][member]
    end
    return ssl[entry.name]
  end)
  if not ok then return tostring(value) end
  if entry.kind == "method" and type(value) ~= "function" then return "not a function" end
  if entry.kind ~= "prop" and value == nil then return "nil" end
end

describe("the API surface", function()
  it("has every name of api-names.txt", function()
    local objects = instances()
    local list, missing = names(), {}
    assert.is_true(#list > 300)
    for _, entry in ipairs(list) do
      local why = lookup(entry, objects)
      if why then missing[#missing + 1] = entry.kind .. " " .. entry.name .. ": " .. why end
    end
    objects.SSLSocket:close()
    assert.same({}, missing)
  end)

  it("prints classes as Python's repr does", function()
    local names = {"SSLError", "CertificateError", "SSLZeroReturnError", "TimeoutError", "OSError",
      "ConnectionRefusedError", "ValueError", "SSLContext", "SSLObject", "SSLSocket", "MemoryBIO",
      "SSLSession", "DefaultVerifyPaths", "_ASN1Object", "Purpose", "TLSVersion", "Options",
      "VerifyMode", "VerifyFlags", "AlertDescription", "SSLErrorNumber"}
    local socket_names = {"socket", "gaierror", "herror", "timeout"}
    local want = H.python([[
import socket
names = ]] .. H.json.encode(names) .. [[

socket_names = ]] .. H.json.encode(socket_names) .. [[

import builtins
print(json.dumps([repr(getattr(ssl, n, None) or getattr(builtins, n)) for n in names] + [repr(getattr(socket, n)) for n in socket_names]))
]])
    local got = {}
    for _, n in ipairs(names) do got[#got + 1] = tostring(ssl[n]) end
    for _, n in ipairs(socket_names) do got[#got + 1] = tostring(socket[n]) end
    assert.same(want, got)
  end)

  it("raises Python's AttributeError for a name an object lacks", function()
    local objects = instances()
    local want = H.python([[
import socket
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
objs = {"SSLContext": ctx, "MemoryBIO": ssl.MemoryBIO(),
        "SSLObject": ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="x"),
        "SSLSocket": ctx.wrap_socket(socket.socket(), server_hostname="x")}
out = []
for name in sorted(objs):
    try:
        objs[name].no_such_name
    except AttributeError as e:
        out.append(name + " " + str(e))
objs["SSLSocket"].close()
print(json.dumps(out))
]])
    local got = {}
    for _, name in ipairs({"MemoryBIO", "SSLContext", "SSLObject", "SSLSocket"}) do
      local ok, e = pcall(function() return objects[name].no_such_name end)
      assert.is_false(ok)
      assert.is_true(ssl.isinstance(e, ssl.AttributeError))
      got[#got + 1] = name .. " " .. ssl.str(e)
    end
    objects.SSLSocket:close()
    assert.same(want, got)
  end)
end)

describe("keyword tables", function()
  it("take an empty table as no keywords once the required arguments are there", function()
    local maybe_nil
    local ctx = ssl.create_default_context({cafile = maybe_nil})
    assert.equal(ssl.CERT_REQUIRED, ctx.verify_mode)
    local unverified = ssl._create_unverified_context()
    local sock = unverified:wrap_socket(socket.socket(), {server_hostname = maybe_nil})
    assert.is_nil(sock.server_hostname)
    sock:close()
    local client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client:load_verify_locations(H.pki("ca.pem"))
    assert.equal("table", type(client:get_ca_certs({binary_form = maybe_nil})[1]))
  end)

  it("are checked with the wording of CPython's C functions for _ssl's methods", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    H.raises(ssl.TypeError, "argument for load_cert_chain() given by name ('certfile') and position (1)",
             ctx.load_cert_chain, ctx, "a", {certfile = "b"})
    H.raises(ssl.TypeError, "load_cert_chain() takes at most 3 arguments (4 given)",
             ctx.load_cert_chain, ctx, "a", "b", nil, 1)
    H.raises(ssl.TypeError, "get_ca_certs() got an unexpected keyword argument 'x'", ctx.get_ca_certs, ctx, {x = 1})
  end)

  it("keep an empty table that fills a required parameter positional", function()
    local ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx:set_alpn_protocols({})                  -- an empty list, as in Python
    H.raises(ssl.TypeError, "SSLContext.set_alpn_protocols() missing 1 required positional argument: "
             .. "'alpn_protocols'", ctx.set_alpn_protocols, ctx)
    H.raises(ssl.TypeError, "SSLContext.set_alpn_protocols() got an unexpected keyword argument 'x'",
             ctx.set_alpn_protocols, ctx, {x = 1})
  end)
end)
