#!/bin/sh
# Generates the test PKI into DIR (default build/pki). RFC 5280-clean, so that
# CPython 3.14's strict defaults (VERIFY_X509_STRICT | VERIFY_X509_PARTIAL_CHAIN)
# accept it; every certificate lives 10 years, except expired.pem.
#
#   ca.pem            root CA "pyssl test CA"            (ca.key)
#   inter.pem         intermediate CA under ca.pem         (inter.key)
#   leaf.pem          localhost, 127.0.0.1, ::1 under ca   (leaf.key; leafkey.pem = key + cert)
#   leafkey.enc.pem   leaf.key encrypted with "somepass", then leaf.pem
#   chain.pem         leaf under inter + inter             (chain.key; chainkey.pem)
#   wildcard.pem      *.example.test under ca              (wildcard.key; wildcardkey.pem)
#   expiredkey.pem    expired 2021 localhost under ca      (key + cert; expired.pem)
#   nosan.pem         CN=nosan, no subjectAltName          (nosan.key; nosankey.pem)
#   ecdsa.pem         P-256 localhost under ca             (ecdsa.key; ecdsakey.pem)
#   client.pem        client certificate under ca          (client.key; clientkey.pem)
#   allsans.pem       every SAN type, AIA, CRL DP          (allsans.key; allsanskey.pem)
#   other-ca.pem      an unrelated root                    (other-ca.key)
#   otherkey.pem      localhost under other-ca             (key + cert; other.pem)
#   selfsigned.pem    self-signed localhost                (selfsigned.key; selfsignedkey.pem)
#   crl.pem           empty CRL of ca.pem
#   dh.pem            ffdhe2048 DH parameters
set -eu
DIR=${1:-build/pki}
mkdir -p "$DIR"
cd "$DIR"
[ -f .complete ] && exit 0
umask 077

cat > pki.cnf <<'CNF'
[req]
distinguished_name = dn
prompt = no
[dn]
CN = pyssl test CA
[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_inter]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_wildcard]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:*.example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_nosan]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = email:client@example.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_allsans]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = @allsans
authorityInfoAccess = OCSP;URI:http://ocsp.example.test/, caIssuers;URI:http://ca.example.test/ca.der
crlDistributionPoints = URI:http://crl.example.test/ca.crl
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[allsans]
DNS.1 = allsans
otherName.1 = 1.2.3.4;UTF8:some other identifier
email.1 = user@example.org
DNS.2 = www.example.org
dirName.1 = dirname_sec
URI.1 = https://www.python.org/
IP.1 = 127.0.0.1
IP.2 = ::1
IP.3 = 2001:db8::1
RID.1 = 1.2.3.4.5
[dirname_sec]
C = XY
L = Castle Anthrax
O = Python Software Foundation
CN = dirname example
[ca]
default_ca = testca
[testca]
dir = .
database = index.txt
new_certs_dir = .
serial = serial.txt
default_md = sha256
policy = anything
copy_extensions = none
default_crl_days = 3650
[anything]
commonName = supplied
CNF

touch index.txt
echo 1000 > serial.txt

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# sign NAME SUBJECT EXTENSIONS ISSUER
sign() {
  openssl req -new -key "$1.key" -out "$1.csr" -subj "$2"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial \
    -out "$1.pem" -days 3650 -sha256 -extfile pki.cnf -extensions "$3" 2>/dev/null
  cat "$1.key" "$1.pem" > "$1key.pem"
}

rsa_key ca.key
openssl req -x509 -new -key ca.key -out ca.pem -days 3650 -sha256 -config pki.cnf -extensions v3_ca

rsa_key inter.key
openssl req -new -key inter.key -out inter.csr -subj "/CN=pyssl test intermediate"
openssl x509 -req -in inter.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out inter.pem \
  -days 3650 -sha256 -extfile pki.cnf -extensions v3_inter 2>/dev/null

rsa_key leaf.key
sign leaf "/C=XY/O=pyssl tests/CN=localhost" v3_leaf ca
openssl pkey -in leaf.key -aes256 -passout pass:somepass -out leaf.enc.key
cat leaf.enc.key leaf.pem > leafkey.enc.pem

rsa_key chain.key
sign chain "/CN=localhost" v3_leaf inter
cat chain.pem inter.pem > chain.full.pem
cat chain.key chain.pem inter.pem > chainkey.pem
mv chain.full.pem chain.pem

rsa_key wildcard.key
sign wildcard "/CN=*.example.test" v3_wildcard ca

rsa_key nosan.key
sign nosan "/CN=nosan" v3_nosan ca

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ecdsa.key
sign ecdsa "/CN=localhost" v3_leaf ca

rsa_key client.key
sign client "/C=XY/O=pyssl tests/CN=pyssl client" v3_client ca

rsa_key allsans.key
sign allsans "/C=XY/ST=Some State/L=Some City/O=pyssl tests/OU=unit+CN=allsans/emailAddress=allsans@example.test" v3_allsans ca

# expired: `openssl x509` cannot backdate, `openssl ca` can.
openssl req -new -key leaf.key -out expired.csr -subj "/CN=localhost"
openssl ca -batch -config pki.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20210101000000Z -extfile pki.cnf -extensions v3_leaf -notext 2>/dev/null
cat leaf.key expired.pem > expiredkey.pem

openssl ca -gencrl -config pki.cnf -cert ca.pem -keyfile ca.key -out crl.pem 2>/dev/null

rsa_key other-ca.key
openssl req -x509 -new -key other-ca.key -out other-ca.pem -days 3650 -sha256 -config pki.cnf \
  -extensions v3_ca -subj "/CN=pyssl other CA"
rsa_key other.key
sign other "/CN=localhost" v3_leaf other-ca

rsa_key selfsigned.key
openssl req -x509 -new -key selfsigned.key -out selfsigned.pem -days 3650 -sha256 \
  -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
cat selfsigned.key selfsigned.pem > selfsignedkey.pem

openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out dh.pem 2>/dev/null

rm -f ./*.csr
chmod 644 ./*
touch .complete
