-- The README's first example: a verified TLS client for the local echo
-- server, offline (the test PKI from `make pki`).
--
--   make build pki
--   lua5.4 examples/echo_server.lua --cert build/pki/leafkey.pem --port 4433 &
--   lua5.4 examples/first_client.lua [PORT [CAFILE]]
local ssl = require "pyssl"

local port = tonumber(arg[1] or "4433")
local cafile = arg[2] or "build/pki/ca.pem"

-- A client with Python's secure defaults: the certificate and the host
-- name are checked (here against the test CA that `make pki` made).
local ctx = ssl.create_default_context({cafile = cafile})
local sock = ssl.socket.create_connection({"127.0.0.1", port})
local tls = ctx:wrap_socket(sock, {server_hostname = "localhost"})
print(tls:version(), tls:cipher()[1], tls:getpeercert().subjectAltName[1][2])
tls:sendall("hello over TLS\n")
io.write(tls:recv(4096))
tls:close()

-- Errors are Python's, with Python's fields and text: the system's CAs
-- do not know the test CA.
local strict = ssl.create_default_context()
local ok, err = pcall(strict.wrap_socket, strict, ssl.socket.create_connection({"127.0.0.1", port}),
                      {server_hostname = "localhost"})
if not ok and ssl.isinstance(err, ssl.SSLCertVerificationError) then
  print(err.verify_code, err.verify_message)
  print(ssl.str(err))     -- Python's str(err)
end
