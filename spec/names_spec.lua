-- Every name of the API surface (spec/support/api-names.txt, a copy of the
-- project's shared/spec/api-names.txt) exists in pyssl, and asking an
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
      got[#got + 1] = name .. " " .. tostring(e)
    end
    objects.SSLSocket:close()
    assert.same(want, got)
  end)
end)
