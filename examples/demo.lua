-- pyssl demo: a verified TLS 1.3 conversation between a client and a
-- server in one Lua process, over memory BIOs (the event-loop path: no
-- sockets, no threads). It makes a throwaway CA and server certificate
-- with the openssl command, then prints what a user wants to see.
--
--   lua5.4 examples/demo.lua        (make demo sets the module paths)
local ssl = require "pyssl"

local function sh(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  assert(ok, "command failed: " .. cmd)
end

-- A throwaway PKI: a CA and a certificate for localhost signed by it.
local function make_pki()
  local dir = os.tmpname()
  os.remove(dir)
  sh("mkdir -p " .. dir)
  local ext = dir .. "/ext.cnf"
  local f = assert(io.open(ext, "w"))
  f:write([[
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
]])
  f:close()
  sh(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/ca.key " ..
      "-out %s/ca.pem -days 30 -subj '/CN=pyssl demo CA' " ..
      "-addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'")
     :format(dir, dir))
  sh(("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout %s/server.key " ..
      "-out %s/server.csr -subj '/O=pyssl demo/CN=localhost'"):format(dir, dir))
  sh(("openssl x509 -req -in %s/server.csr -CA %s/ca.pem -CAkey %s/ca.key -CAcreateserial " ..
      "-out %s/server.pem -days 30 -extfile %s -extensions leaf"):format(dir, dir, dir, dir, ext))
  return dir
end

-- Moves every pending byte between the two ends; returns how many moved.
local function pump(from, to)
  local data = from:read()
  if #data > 0 then to:write(data) end
  return #data
end

local function rdn_text(name)
  local parts = {}
  for _, rdn in ipairs(name) do
    for _, pair in ipairs(rdn) do parts[#parts + 1] = pair[1] .. "=" .. pair[2] end
  end
  return table.concat(parts, ", ")
end

local dir = make_pki()

local server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx:load_cert_chain(dir .. "/server.pem", dir .. "/server.key")
server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
server_ctx:set_alpn_protocols({ "h2", "http/1.1" })

local client_ctx = ssl.create_default_context({ cafile = dir .. "/ca.pem" })
client_ctx:set_alpn_protocols({ "http/1.1" })

-- Four memory BIOs: what each side writes, the other reads.
local c_in, c_out, s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO(), ssl.MemoryBIO()
local client = client_ctx:wrap_bio(c_in, c_out, { server_hostname = "localhost" })
local server = server_ctx:wrap_bio(s_in, s_out, { server_side = true })

local wire = 0
local function counted_pump(from, to)
  local n = pump(from, to)
  wire = wire + n
  return n
end

for _ = 1, 10 do
  local ok_c, err_c = pcall(client.do_handshake, client)
  local ok_s, err_s = pcall(server.do_handshake, server)
  for _, err in ipairs({ ok_c or err_c, ok_s or err_s }) do
    if err ~= true and not ssl.isinstance(err, ssl.SSLWantReadError) then error(err, 0) end
  end
  local moved = counted_pump(c_out, s_in) + counted_pump(s_out, c_in)
  if ok_c and ok_s and moved == 0 then break end
end

local request = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
local response = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello, pyssl\n"
client:write(request)
counted_pump(c_out, s_in)
local got_request = server:read(4096)
server:write(response)
counted_pump(s_out, c_in)
local got_response = client:read(4096)
assert(got_request == request and got_response == response, "payload mismatch")

local cert = client:getpeercert()
local cipher = client:cipher()
local sans = {}
for _, san in ipairs(cert.subjectAltName) do sans[#sans + 1] = san[1] .. ":" .. san[2] end

print("pyssl " .. ssl._VERSION .. " on " .. ssl.OPENSSL_VERSION)
print("handshake   verified, server_hostname=localhost")
print("version     " .. client:version())
print(("cipher      %s (%s, %d bits)"):format(cipher[1], cipher[2], cipher[3]))
print("ALPN        " .. tostring(client:selected_alpn_protocol()))
print("peer        " .. rdn_text(cert.subject))
print("issuer      " .. rdn_text(cert.issuer))
print("SAN         " .. table.concat(sans, ", "))
print("expires     " .. cert.notAfter)
print(("payload     client sent %d bytes, server answered %d bytes"):format(#request, #response))
print(("on the wire %d bytes of TLS records"):format(wire))

-- A clean close: close_notify both ways.
pcall(client.unwrap, client)
counted_pump(c_out, s_in)
pcall(server.unwrap, server)
counted_pump(s_out, c_in)
client:unwrap()
print("closed      close_notify exchanged both ways")
os.execute("rm -rf " .. dir)
