#!/bin/sh
# Seed corpus for fuzz/x509_fuzz: every certificate of the test PKI as DER
# (a few as PEM too), certificates with unusual extensions made by
# `openssl req`/`openssl x509` from config sections, and hand-built ones
# (`openssl asn1parse -genconf`) for what the command line cannot say:
# UniversalString names, GeneralizedTime and out-of-range dates, otherNames
# with non-string values, odd CRL distribution points. The hand-built ones
# carry a dummy signature: decoding does not check it.
# usage: fuzz/mkseeds.sh PKI_DIR OUT_DIR    (does nothing if OUT_DIR is complete)
set -eu
pki=$1
out=$2
[ -f "$out/.complete" ] && exit 0
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The PKI: every certificate block of every PEM file.
n=0
for f in "$pki"/*.pem "$pki"/odd/*.pem "$pki"/fuzzcases/*.pem; do
  [ -f "$f" ] || continue
  awk -v dir="$tmp" '/-----BEGIN CERTIFICATE-----/ { n++; f = dir "/blk" n ".pem" }
       f { print > f } /-----END CERTIFICATE-----/ { close(f); f = "" }' "$f"
  for b in "$tmp"/blk*.pem; do
    [ -f "$b" ] || continue
    n=$((n + 1))
    openssl x509 -in "$b" -outform DER -out "$out/pki-$(basename "$f" .pem)-$n.der" 2>/dev/null || true
    rm -f "$b"
  done
done
for f in allsans ca leaf; do
  [ -f "$pki/$f.pem" ] && cp "$pki/$f.pem" "$out/pem-$f.pem"
done

# 2. openssl req + x509 with extension sections.
cat > "$tmp/ext.cnf" <<'EOF'
[req]
distinguished_name = dn
[dn]
[bmp]
string_mask = default
[allsan]
subjectAltName = @alts
[alts]
DNS.1 = a.example
DNS.2 = *.wild.example
IP.1 = 192.0.2.1
IP.2 = 2001:db8::1
IP.3 = ::
email.1 = user@example.test
URI.1 = https://example.test/path?q=1
URI.2 = urn:isbn:0451450523
RID.1 = 1.2.3.4.5
RID.2 = 1.3.6.1.5.5.7.3.1
dirName.1 = dirsect
otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:upn@realm.example
otherName.2 = 1.3.6.1.5.5.7.8.9;UTF8:smtp@utf8.example
otherName.3 = 1.3.6.1.5.5.7.8.5;UTF8:xmpp@im.example
otherName.4 = 1.3.6.1.5.5.7.8.7;IA5STRING:_http.srv.example
otherName.5 = 1.2.3.4;INTEGER:42
otherName.6 = 1.2.3.5;SEQUENCE:onseq
otherName.7 = 1.2.3.6;BOOLEAN:TRUE
otherName.8 = 1.2.3.7;OCTETSTRING:deadbeef
otherName.9 = 1.3.6.1.5.5.7.8.9;INTEGER:7
otherName.10 = 1.3.6.1.4.1.311.20.2.3;IA5STRING:notutf8type
[onseq]
a = UTF8:inner
b = INTEGER:1
[dirsect]
C = XY
O = dir org
OU = one
OU = two
CN = dir name
[aia]
authorityInfoAccess = OCSP;URI:http://ocsp1.example/, OCSP;URI:http://ocsp2.example/, caIssuers;URI:http://ca1.example/ca.der, caIssuers;URI:ldap://ca2.example/cn=ca, caIssuers;DNS:notauri.example, 1.2.3.4;URI:http://other/
crlDistributionPoints = dpfull, dprel, dpissuer
[dpfull]
fullname = URI:http://crl1.example/a.crl, URI:ldap://crl2.example/cn=crl, DNS:crl.example
reasons = keyCompromise, CACompromise
[dprel]
relativename = relsect
[relsect]
CN = relative
[dpissuer]
CRLissuer = dirName:dirsect
[emptyish]
subjectAltName = DER:30:00
authorityInfoAccess = DER:30:00
crlDistributionPoints = DER:30:00
issuerAltName = DER:30:00
[critical]
subjectAltName = critical, DNS:crit.example
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth, 1.2.3.4
certificatePolicies = 1.2.3.4, 2.5.29.32.0
nsComment = "a comment"
EOF
key="$tmp/key.pem"
openssl ecparam -name prime256v1 -genkey -noout -out "$key" 2>/dev/null
mk() { # name subject "req options" "x509 options"
  openssl req -new -config "$tmp/ext.cnf" -key "$key" -subj "$2" $3 -out "$tmp/$1.csr" 2>/dev/null
  openssl x509 -req -in "$tmp/$1.csr" -signkey "$key" -outform DER -out "$out/gen-$1.der" $4 2>/dev/null
}
mk allsan "/CN=allsan" "-utf8" "-days 30 -extfile $tmp/ext.cnf -extensions allsan"
mk aia "/CN=aia" "-utf8" "-days 30 -extfile $tmp/ext.cnf -extensions aia"
mk emptyish "/CN=emptyish" "-utf8" "-days 30 -extfile $tmp/ext.cnf -extensions emptyish"
mk critical "/CN=critical" "-utf8" "-days 30 -extfile $tmp/ext.cnf -extensions critical"
mk manyrdn "/C=XY/ST=State/L=City/O=Org/OU=U1/OU=U2/OU=U3/CN=many/emailAddress=a@b.example/serialNumber=12345/title=Dr/GN=Given/SN=Sur/initials=X/pseudonym=pseudo/DC=example/DC=test/UID=uid0/street=Main Street 1/postalCode=12345/businessCategory=biz/description=desc/jurisdictionC=XY/1.2.3.4.5.6.7.8.9.10=oid value/2.999.1=big arc" "-utf8" "-days 30"
mk multirdn "/C=XY+ST=State+L=City/O=Org+OU=Unit+CN=multi+emailAddress=m@example.test/CN=a+CN=b+CN=c" "-utf8 -multivalue-rdn" "-days 30"
mk utf8 "/CN=h$(printf '\303\251')llo/O=$(printf '\346\227\245\346\234\254')/OU=$(printf '\360\237\230\200')" "-utf8" "-days 30"
mk bmp "/CN=h$(printf '\303\251')llo/O=$(printf '\346\227\245\346\234\254')" "-utf8 -reqopt no_sigdump -config $tmp/ext.cnf -section bmp" "-days 30" || true
mk hugeserial "/CN=hugeserial" "" "-days 30 -set_serial 0x$(printf '%0200d' 0 | tr 0 a)"
mk negserial "/CN=negserial" "" "-days 30 -set_serial -0x0102030405060708090a0b0c0d0e0f1011121314"
mk longdays "/CN=longdays" "" "-days 36500"

# 3. Hand-built certificates (asn1parse -genconf), dummy signature.
point=$(openssl ec -in "$key" -pubout -outform DER 2>/dev/null | od -An -v -tx1 | tr -d ' \n' | tail -c 130)
gen() { # name serial notBefore notAfter ; the rest of the config on stdin
  {
    cat <<EOF
asn1 = SEQUENCE:cert
[cert]
tbs = SEQUENCE:tbs
alg = SEQUENCE:alg
sig = FORMAT:HEX,BITSTRING:00
[alg]
oid = OID:ecdsa-with-SHA256
[tbs]
ver = EXPLICIT:0,INTEGER:2
serial = INTEGER:$2
sigalg = SEQUENCE:alg
issuer = SEQUENCE:issuer
validity = SEQUENCE:validity
subject = SEQUENCE:subject
spki = SEQUENCE:spki
ext = EXPLICIT:3,SEQUENCE:exts
[validity]
nb = $3
na = $4
[spki]
alg = SEQUENCE:spkialg
key = FORMAT:HEX,BITSTRING:$point
[spkialg]
a = OID:id-ecPublicKey
b = OID:prime256v1
[issuer]
rdn = SET:issuerrdn
[issuerrdn]
atv = SEQUENCE:issuercn
[issuercn]
oid = OID:commonName
v = UTF8:hand-built issuer
EOF
    cat
  } > "$tmp/$1.cnf"
  openssl asn1parse -genconf "$tmp/$1.cnf" -noout -out "$out/hand-$1.der" >/dev/null 2>&1 ||
    echo "mkseeds: $1 did not build" >&2
}

# Names in every string type, a long OID, an empty RDN value.
gen strings 1 GENTIME:19000101000000Z GENTIME:99991231235959Z <<'EOF'
[subject]
r1 = SET:r1
r2 = SET:r2
r3 = SET:r3
r4 = SET:r4
r5 = SET:r5
r6 = SET:r6
[r1]
a = SEQUENCE:univ
[univ]
oid = OID:commonName
v = FORMAT:UTF8,UNIVERSALSTRING:univ
[r2]
a = SEQUENCE:bmp
b = SEQUENCE:t61
[bmp]
oid = OID:organizationName
v = FORMAT:UTF8,BMPSTRING:bmp value
[t61]
oid = OID:organizationalUnitName
v = T61STRING:t61
[r3]
a = SEQUENCE:longoid
[longoid]
oid = OID:1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.21.22.23.24.25.26.27.28.29.30.31.32.33.34.35.36.37.38.39.40.41.42.43.44.45.46.47.48.49.50.51.52.53.54.55.56.57.58.59.60.61.62.63.64.65.66.67.68.69.70.71.72.73.74.75.76.77.78.79.80.81.82.83.84.85.86.87.88.89.90.91.92.93.94.95.96.97.98.99.100.123456789
v = PRINTABLESTRING:long oid
[r4]
a = SEQUENCE:empty
[empty]
oid = OID:localityName
v = UTF8:
[r5]
a = SEQUENCE:ia5
[ia5]
oid = OID:emailAddress
v = IA5STRING:x@y.example
[r6]
a = SEQUENCE:num
[num]
oid = OID:serialNumber
v = NUMERICSTRING:0123456789
[exts]
EOF

# Dates: UTCTime before 1950 cannot be said; GeneralizedTime can.
gen olddates -1 GENTIME:19491231235959Z GENTIME:20500101000000Z <<'EOF'
[subject]
[exts]
EOF
gen utcdates 0 UTCTIME:500101000000Z UTCTIME:491231235959Z <<'EOF'
[subject]
[exts]
EOF
gen fracdates 123 GENTIME:20200101000000.123Z GENTIME:20300101000000+0100 <<'EOF'
[subject]
[exts]
EOF

# subjectAltName built by hand: every GeneralName tag, odd IP lengths,
# otherNames with non-string values, a DirName with an empty name.
gen handsan 0x7fffffffffffffffffff UTCTIME:200101000000Z UTCTIME:300101000000Z <<'EOF'
[subject]
[exts]
san = SEQUENCE:sanext
ian = SEQUENCE:ianext
[sanext]
oid = OID:subjectAltName
crit = BOOLEAN:TRUE
v = OCTWRAP,SEQUENCE:gns
[ianext]
oid = OID:issuerAltName
v = OCTWRAP,SEQUENCE:gns
[gns]
on1 = IMPLICIT:0,SEQUENCE:on1
on2 = IMPLICIT:0,SEQUENCE:on2
on3 = IMPLICIT:0,SEQUENCE:on3
email = IMPLICIT:1,IA5STRING:e@x.example
dns = IMPLICIT:2,IA5STRING:d.example
x400 = IMPLICIT:3,SEQUENCE:empty
dir = EXPLICIT:4,SEQUENCE:emptyname
dir2 = EXPLICIT:4,SEQUENCE:dirname
edi = IMPLICIT:5,SEQUENCE:edi
uri = IMPLICIT:6,IA5STRING:http://u.example/
ip0 = IMPLICIT:7,OCTETSTRING:
ip5 = IMPLICIT:7,FORMAT:HEX,OCTETSTRING:0102030405
ip8 = IMPLICIT:7,FORMAT:HEX,OCTETSTRING:c0a80000ffff0000
ip32 = IMPLICIT:7,FORMAT:HEX,OCTETSTRING:20010db800000000000000000000000120010db8000000000000000000000001
ip16 = IMPLICIT:7,FORMAT:HEX,OCTETSTRING:00000000000000000000ffffc0000201
rid = IMPLICIT:8,OID:2.999.123456789.1
[on1]
oid = OID:1.2.3.4
v = EXPLICIT:0,NULL
[on2]
oid = OID:1.3.6.1.4.1.311.20.2.3
v = EXPLICIT:0,BMPSTRING:bmp upn
[on3]
oid = OID:1.3.6.1.5.5.7.8.7
v = EXPLICIT:0,SEQUENCE:empty
[empty]
[emptyname]
[dirname]
r = SET:dirrdn
[dirrdn]
a = SEQUENCE:dircn
b = SEQUENCE:dirou
[dircn]
oid = OID:commonName
v = UTF8:in dir
[dirou]
oid = OID:organizationalUnitName
v = BMPSTRING:bmp ou
[edi]
party = EXPLICIT:1,UTF8:party
EOF

# AIA and CRL distribution points built by hand: a point with neither
# name nor issuer, one with only reasons, a relative name, an empty
# fullName, and non-URI locations.
gen handdp 5 UTCTIME:200101000000Z UTCTIME:300101000000Z <<'EOF'
[subject]
r = SET:rdn
[rdn]
a = SEQUENCE:cn
[cn]
oid = OID:commonName
v = UTF8:handdp
[exts]
aia = SEQUENCE:aiaext
dp = SEQUENCE:dpext
[aiaext]
oid = OID:authorityInfoAccess
v = OCTWRAP,SEQUENCE:aia
[aia]
a1 = SEQUENCE:ocsp1
a2 = SEQUENCE:ocsp2
a3 = SEQUENCE:ca1
a4 = SEQUENCE:other
[ocsp1]
m = OID:OCSP
l = IMPLICIT:6,IA5STRING:http://ocsp.example/
[ocsp2]
m = OID:OCSP
l = EXPLICIT:4,SEQUENCE:empty
[ca1]
m = OID:caIssuers
l = IMPLICIT:6,IA5STRING:
[other]
m = OID:1.2.3
l = IMPLICIT:6,IA5STRING:http://other.example/
[empty]
[dpext]
oid = OID:crlDistributionPoints
v = OCTWRAP,SEQUENCE:dps
[dps]
p1 = SEQUENCE:empty
p2 = SEQUENCE:reasonsonly
p3 = SEQUENCE:relname
p4 = SEQUENCE:emptyfull
p5 = SEQUENCE:full
[reasonsonly]
r = IMPLICIT:1,FORMAT:BITLIST,BITSTRING:1,2
[relname]
n = EXPLICIT:0,IMPLICIT:1,SET:relrdn
[relrdn]
a = SEQUENCE:cn
[emptyfull]
n = EXPLICIT:0,IMPLICIT:0,SEQUENCE:empty
[full]
n = EXPLICIT:0,IMPLICIT:0,SEQUENCE:fullnames
[fullnames]
u = IMPLICIT:6,IA5STRING:http://crl.example/x.crl
d = IMPLICIT:2,IA5STRING:notauri.example
EOF

# Version 1 certificate with no extensions at all, and one with an empty
# extension list.
gen noext 1 UTCTIME:200101000000Z UTCTIME:300101000000Z <<'EOF'
[subject]
[exts]
EOF

touch "$out/.complete"
echo "mkseeds: $(ls "$out" | wc -l) seeds in $out"
