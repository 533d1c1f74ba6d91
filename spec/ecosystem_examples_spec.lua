-- The examples of pyssl's ecosystem helpers (examples/luasocket_https.lua,
-- copas_echo.lua, cqueues_echo.lua, luv_echo.lua) run as programs, under
-- `timeout`, against local peers; their output is checked line by line.
local H = require "spec.support.helper"
local P = require "spec.support.peers"

local E = require "spec.support.examples"

-- Runs an example to its end: its output (stdout and stderr) and its exit
-- status.
local function run(name, args)
  local p = assert(io.popen("timeout 30 " .. E.command(name, args) .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return E.split_exit(out)
end

local function sorted_lines(text)
  local lines = {}
  for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
  table.sort(lines)
  return lines
end

local ECHO_ARGS = {"--cert", H.pki("leafkey.pem"), "--cafile", H.pki("ca.pem"), "--clients", "4"}
local ECHO_OUTPUT = {"client 1: HELLO 1", "client 2: HELLO 2", "client 3: HELLO 3", "client 4: HELLO 4",
                     "served 4"}

describe("the ecosystem examples", function()
  it("cqueues_echo.lua serves its clients in one controller", function()
    local out, code = run("cqueues_echo.lua", ECHO_ARGS)
    assert.equal(0, code, out)
    assert.same(ECHO_OUTPUT, sorted_lines(out))
  end)

  it("luv_echo.lua serves its clients in one uv loop", function()
    local out, code = run("luv_echo.lua", ECHO_ARGS)
    assert.equal(0, code, out)
    assert.same(ECHO_OUTPUT, sorted_lines(out))
  end)

  it("copas_echo.lua serves its clients in one copas loop (copas only)", function()
    H.only("copas")
    local out, code = run("copas_echo.lua", ECHO_ARGS)
    assert.equal(0, code, out)
    assert.same(ECHO_OUTPUT, sorted_lines(out))
  end)

  it("luasocket_https.lua fetches over verified TLS with socket.http", function()
    local web = P.python([[
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello from python\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(PKI + "leafkey.pem")
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
]])
    finally(function() web:stop() end)
    assert(web.port, "the HTTPS server did not start: " .. tostring(web.first))
    local url = "https://localhost:" .. web.port .. "/"
    local out, code = run("luasocket_https.lua", {"--cafile", H.pki("ca.pem"), url})
    assert.equal(0, code, out)
    assert.equal("HTTP/1.0 200 OK\ncontent-length: 18\nhello from python\n", out)
    -- without the test CA: LuaSec's message, status 1
    out, code = run("luasocket_https.lua", {url})
    assert.equal(1, code)
    assert.equal("error: certificate verify failed\n", out)
  end)
end)
