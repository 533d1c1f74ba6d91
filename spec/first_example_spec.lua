-- The README's first example runs offline: examples/echo_server.lua on
-- the test PKI, examples/first_client.lua and examples/luasec_client.lua
-- (README "Coming from LuaSec") against it, as programs.
local H = require "spec.support.helper"
local P = require "spec.support.peers"

local LUA = os.getenv("LUA") or "lua5.4"

describe("the README's first example", function()
  it("talks to the local echo server, then shows a verification error", function()
    local server = P.spawn(P.quote(LUA) .. " examples/echo_server.lua --cert " ..
                           P.quote(H.pki("leafkey.pem")) .. " --max-clients 3 --timeout 20", 30)
    finally(function() server:stop() end)
    local port = server:expect("^listening on 127%.0%.0%.1 port (%d+)$")
    assert(port, "the echo server did not start")
    local pipe = assert(io.popen("timeout 20 " .. P.quote(LUA) .. " examples/first_client.lua " ..
                                 port .. " " .. P.quote(H.pki("ca.pem")) .. " 2>&1"))
    local out = pipe:read("*a")
    pipe:close()
    local lines = {}
    for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
    assert.are.equal("TLSv1.3\tTLS_AES_256_GCM_SHA384\tlocalhost", lines[1])
    assert.are.equal("hello over TLS", lines[2])
    assert.are.equal("20\tunable to get local issuer certificate", lines[3])
    assert.are.equal("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " ..
                     "unable to get local issuer certificate", H.norm(lines[4]))
    assert.are.equal(4, #lines)
    -- the LuaSec client of README "Coming from LuaSec"
    pipe = assert(io.popen("timeout 20 " .. P.quote(LUA) .. " examples/luasec_client.lua " ..
                           port .. " " .. P.quote(H.pki("ca.pem")) .. " 2>&1"))
    out = pipe:read("*a")
    pipe:close()
    assert.are.equal("TLSv1.3\tlocalhost\nhello from LuaSec code\n", out)
  end)
end)
