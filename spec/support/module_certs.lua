-- Unusual certificates for the x509 specs, made once into $PYSSL_PKI/odd
-- with the openssl command line and, where the command line cannot say
-- it, by patching bytes of the DER (string types, OIDs, invalid UTF-8).
-- Signatures of patched certificates no longer verify; decoding does not
-- care.
local H = require "spec.support.helper"

local M = {}

M.DIR = H.PKI .. "/odd"

local CNF = [[
[rid]
subjectAltName = RID:1.3.6.1.5.5.7.3.1, RID:1.2.3.4.5, DNS:a.example
[weird]
subjectAltName = DER:30:16:a3:02:30:00:a5:07:a1:05:0c:03:41:42:43:87:05:01:02:03:04:05:87:00
[emptysan]
subjectAltName = DER:30:00
[badsan]
subjectAltName = DER:01:02:03
[aia]
authorityInfoAccess = caIssuers;URI:http://x/ca, 1.2.3.4;URI:http://y/, OCSP;DNS:notauri, OCSP;URI:http://ocsp1/, OCSP;URI:http://ocsp2/
crlDistributionPoints = dp1, dp2, dprel
[dp1]
fullname = URI:http://crl1/, DNS:notauri, URI:http://crl2/
[dp2]
fullname = URI:http://crl3/
[dprel]
relativename = rdn
[rdn]
CN = relname
[nouri]
authorityInfoAccess = OCSP;DNS:notauri
crlDistributionPoints = dp3
[dp3]
fullname = DNS:x
[dupsan]
subjectAltName = DNS:first.example, IP:10.0.0.1
issuerAltName = DNS:second.example, IP:fe80::1:2:3:4
[ipv6]
subjectAltName = IP:::, IP:::ffff:1.2.3.4, IP:fe80::abcd:ef01, IP:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, IP:0.0.0.0, IP:255.255.255.255
[emails]
subjectAltName = email:a@b.example, URI:urn:x:y, DNS:*.wild.example, dirName:dn2
[dn2]
CN = inner
O = org
]]

-- name, subject, extension section, extra `openssl x509` options, patches
local CERTS = {
  {"rid", "/CN=rid", "rid"},
  {"weird", "/CN=weird", "weird"},
  {"emptysan", "/CN=emptysan", "emptysan"},
  {"badsan", "/CN=badsan", "badsan"},
  {"aia", "/CN=aia", "aia"},
  {"nouri", "/CN=nouri", "nouri"},
  {"dupsan", "/CN=dupsan", "dupsan", nil, {{"\6\3\85\29\18", "\6\3\85\29\17"}}},
  {"ipv6", "/CN=ipv6", "ipv6"},
  {"emails", "/CN=emails/O=a+OU=b+L=c", "emails"},
  {"serial0", "/CN=serial0", nil, "-set_serial 0"},
  {"negserial", "/CN=negserial", nil, "-set_serial -5"},
  {"longserial", "/CN=longserial", nil,
   "-set_serial 0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627"},
  {"v1", "/DC=example/DC=test/UID=someone/serialNumber=42/businessCategory=biz/CN=v1", nil, "-days 12000"},
  {"emptysubject", "/", nil},
  {"utf8", "/CN=h\195\169llo w\195\182rld/O=\195\156TF \226\130\172", nil},
  {"strings", "/CN=PATCHBMP/O=PATCHT61/OU=PATCHOID/L=PATCHNUL", nil, nil, {
    {"\12\8PATCHBMP", "\30\8\0B\0M\0\233\0P"},
    {"\12\8PATCHT61", "\20\8T61 caf\233"},
    {"\6\3\85\4\11\12\8PATCHOID", "\6\3\42\3\4\12\8oddoid!!"},
    {"PATCHNUL", "nul\0byte"},
  }},
  {"badutf8", "/CN=PATCHUTF", nil, nil, {{"PATCHUTF", "\255\254\253\252\195\40\160\161"}}},
}

local function run(cmd)
  local ok = os.execute(cmd .. " >/dev/null 2>&1")
  assert(ok == true or ok == 0, "command failed: " .. cmd)   -- 5.1 returns the status
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

local function write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function patch(der, from, to)
  assert(#from == #to, "a patch must keep the length")
  local s, e = der:find(from, 1, true)
  assert(s, "patch target not found")
  return der:sub(1, s - 1) .. to .. der:sub(e + 1)
end

-- Makes the certificates (once) and returns their paths, sorted.
function M.ensure()
  local dir = M.DIR
  if not io.open(dir .. "/.complete", "r") then
    run("mkdir -p '" .. dir .. "'")
    write(dir .. "/odd.cnf", CNF)
    local pki = H.PKI
    for _, c in ipairs(CERTS) do
      local name, subj, sect, opts, patches = c[1], c[2], c[3], c[4], c[5]
      local base = dir .. "/" .. name
      run(string.format("openssl req -new -key '%s/ecdsa.key' -subj '%s' -utf8 -out '%s.csr'",
                        pki, subj, base))
      run(string.format("openssl x509 -req -in '%s.csr' -CA '%s/ca.pem' -CAkey '%s/ca.key' -out '%s.pem' %s %s",
                        base, pki, pki, base, opts or "-days 3650",
                        sect and ("-extfile '" .. dir .. "/odd.cnf' -extensions " .. sect) or ""))
      if patches then
        run(string.format("openssl x509 -in '%s.pem' -outform DER -out '%s.der'", base, base))
        local der = read(base .. ".der")
        for _, p in ipairs(patches) do der = patch(der, p[1], p[2]) end
        write(base .. ".der", der)
        run(string.format("openssl base64 -e -in '%s.der' -out '%s.b64'", base, base))
        write(base .. ".pem", "-----BEGIN CERTIFICATE-----\n" .. read(base .. ".b64") ..
              "-----END CERTIFICATE-----\n")
      end
    end
    write(dir .. "/.complete", "")
  end
  local paths = {}
  for _, c in ipairs(CERTS) do paths[#paths + 1] = dir .. "/" .. c[1] .. ".pem" end
  table.sort(paths)
  return paths
end

-- Every *.pem of a directory, sorted.
function M.pems(dir)
  local p = assert(io.popen("ls '" .. dir .. "'/*.pem 2>/dev/null"))
  local list = {}
  for line in p:lines() do list[#list + 1] = line end
  p:close()
  table.sort(list)
  return list
end

-- CPython's own test certificates (Lib/test/certdata), or nil.
function M.cpython_certdata()
  local p = io.popen(H.PYTHON .. " -c 'import os, test; print(os.path.join(os.path.dirname(test.__file__), \"certdata\"))' 2>/dev/null")
  local dir = p and p:read("*l")
  if p then p:close() end
  if dir and io.open(dir .. "/keycert.pem", "r") then return dir end
  return nil
end

-- Deep comparison of decoded data: tables compare key by key (sequences
-- by length too), everything else with ==. Returns true or false, path.
function M.same(a, b, path)
  path = path or "value"
  if type(a) ~= "table" or type(b) ~= "table" then
    if a == b then return true end
    return false, string.format("%s: %q vs %q", path, tostring(a), tostring(b))
  end
  for k, v in pairs(a) do
    local ok, where = M.same(v, b[k], path .. "." .. tostring(k))
    if not ok then return false, where end
  end
  for k in pairs(b) do
    if a[k] == nil then return false, path .. "." .. tostring(k) .. " missing on the left" end
  end
  return true
end

return M
