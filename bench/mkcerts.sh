#!/bin/sh
# bench/mkcerts.sh DIR — the benchmark PKI and OpenSSL config, made at run time:
#   DIR/ec/{ca.pem,server.pem,server.key}   ECDSA P-256 CA and "localhost" leaf
#   DIR/rsa/{...}                           RSA-2048 CA and leaf
#   DIR/openssl.cnf                         pins TLS 1.3, TLS_AES_128_GCM_SHA256, X25519
# Every implementation loads OpenSSL's default config: pointing OPENSSL_CONF
# at DIR/openssl.cnf gives all of them the same protocol, suite and group.
set -eu
dir=$1
mkdir -p "$dir"
cat > "$dir/ext.cnf" <<'CNF'
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
for kind in ec rsa; do
  case $kind in
    ec) alg="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
    rsa) alg="-newkey rsa:2048" ;;
  esac
  d=$dir/$kind
  mkdir -p "$d"
  openssl req -x509 $alg -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
    -subj "/CN=pyssl bench CA" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
  openssl req $alg -nodes -keyout "$d/server.key" -out "$d/server.csr" \
    -subj "/CN=localhost" >/dev/null 2>&1
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
    -out "$d/server.pem" -days 2 -extfile "$dir/ext.cnf" -extensions leaf >/dev/null 2>&1
done
cat > "$dir/openssl.cnf" <<'CNF'
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
MinProtocol = TLSv1.3
Ciphersuites = TLS_AES_128_GCM_SHA256
Groups = X25519
CNF
