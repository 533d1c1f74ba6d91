-- Argument counts and keywords of the SSLObject, SSLSocket and MemoryBIO
-- methods and SSLContext.wrap_bio, compared with python3: too many
-- arguments, missing required ones, an unknown keyword. The methods
-- ssl.py writes in Python count self ("SSLObject.version() takes 1
-- positional argument but 2 were given"); MemoryBIO's are C (Argument
-- Clinic: "read expected at most 1 argument, got 2").
local H = require "spec.support.helper"
local S = require "spec.support.socket_util"
local ssl = require "pyssl"
local socket = require "pyssl.socket"

local SETUP = [[
import socket, ssl
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
obj = ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="x")
bio = ssl.MemoryBIO()
ss = ctx.wrap_socket(socket.socket(), server_hostname="x", do_handshake_on_connect=False)]]

local NINE = {0, 1, 2, 3, 4, 5, 6, 7, 8}
local unpack = table.unpack or unpack

-- The cases for method `name` of the object the Lua value `o` and the
-- Python name `py` are: nine extra integers, each argument list in
-- `missing` (Lua values and Python's text), and one unknown keyword
-- unless `no_keyword`.
local function add_cases(cases, py, o, name, missing, no_keyword)
  cases[#cases + 1] = {py .. "." .. name .. " nine", lua = function() return o[name](o, unpack(NINE)) end,
                       py = py .. "." .. name .. "(*range(9))"}
  for i, args in ipairs(missing or {}) do
    cases[#cases + 1] = {py .. "." .. name .. " missing " .. i,
                         lua = function() return o[name](o, unpack(args.lua)) end,
                         py = py .. "." .. name .. "(" .. args.py .. ")"}
  end
  if not no_keyword then
    cases[#cases + 1] = {py .. "." .. name .. " keyword", lua = function() return o[name](o, {bogus = 1}) end,
                         py = py .. "." .. name .. "(bogus=1)"}
  end
end

local NONE = {{lua = {}, py = ""}}

describe("argument counts compared with python3", function()
  local ctx, obj, bio, ss
  setup(function()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    obj = ctx:wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), {server_hostname = "x"})
    bio = ssl.MemoryBIO()
    ss = ctx:wrap_socket(socket.socket(), {server_hostname = "x", do_handshake_on_connect = false})
  end)
  teardown(function() ss:close() end)

  it("SSLObject's methods and SSLContext.wrap_bio bind as ssl.py's Python", function()
    local cases = {}
    for _, name in ipairs{"read", "do_handshake", "unwrap", "version", "cipher", "shared_ciphers",
                          "compression", "pending", "selected_alpn_protocol",
                          "verify_client_post_handshake", "getpeercert", "get_channel_binding"} do
      add_cases(cases, "obj", obj, name)
    end
    add_cases(cases, "obj", obj, "write", NONE)
    add_cases(cases, "ctx", ctx, "wrap_bio", {{lua = {}, py = ""}, {lua = {ssl.MemoryBIO()}, py = "ssl.MemoryBIO()"}})
    assert.same({}, S.compare_errors(SETUP, cases))
  end)

  it("the chain methods bind as 3.13's ssl.py", function()
    -- (3.11's SSLObject and SSLSocket have no get_verified_chain/get_unverified_chain.)
    local cases = {}
    for _, name in ipairs{"get_verified_chain", "get_unverified_chain"} do
      add_cases(cases, "obj", obj, name)
      add_cases(cases, "ss", ss, name)
    end
    assert.same({}, S.compare_errors(SETUP, cases, true))
  end)

  it("MemoryBIO's methods bind as CPython's C methods", function()
    local cases = {}
    add_cases(cases, "bio", bio, "read")
    add_cases(cases, "bio", bio, "write", NONE)
    add_cases(cases, "bio", bio, "write_eof")
    cases[#cases + 1] = {"bio.read two", lua = function() return bio:read(1, 2) end, py = "bio.read(1, 2)"}
    cases[#cases + 1] = {"bio.write two", lua = function() return bio:write("a", "b") end, py = "bio.write(b'a', b'b')"}
    assert.same({}, S.compare_errors(SETUP, cases))
  end)

  it("SSLSocket's methods bind as ssl.py's Python", function()
    local cases = {}
    for _, name in ipairs{"read", "recv", "recvfrom", "unwrap", "version", "cipher", "shared_ciphers",
                          "compression", "pending", "selected_alpn_protocol", "verify_client_post_handshake",
                          "accept", "dup"} do
      add_cases(cases, "ss", ss, name)
    end
    for _, name in ipairs{"write", "send", "sendall", "recv_into", "recvfrom_into", "shutdown", "connect",
                          "connect_ex"} do
      add_cases(cases, "ss", ss, name, NONE)
    end
    add_cases(cases, "ss", ss, "sendto", {{lua = {}, py = ""}, {lua = {"x"}, py = "b'x'"}})
    assert.same({}, S.compare_errors(SETUP, cases))
  end)
end)
