#!/bin/sh
# Builds the C core (pyssl.core) against each Lua given whose interpreter
# and headers are installed, into build/compat/<lua>/, and runs
# tools/compat_smoke.lua under that interpreter. One line per version, then
# "N passed, N failed". This checks the core alone; `make test LUA=<lua>`
# runs the whole suite (facade included) on one of them.
# usage: tools/compat.sh lua5.1 luajit lua5.3 ...   (env: MAKE)
MAKE=${MAKE:-make}
OUT=build/compat
passed=0
failed=0

# A self-signed "localhost" certificate with its key, for the TLS checks.
mkdir -p "$OUT/pki"
if [ ! -s "$OUT/pki/keycert.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost \
    -keyout "$OUT/pki/key.pem" -out "$OUT/pki/cert.pem" >/dev/null 2>&1 &&
  cat "$OUT/pki/key.pem" "$OUT/pki/cert.pem" > "$OUT/pki/keycert.pem" ||
  { echo "compat: openssl could not make a test certificate"; exit 1; }
fi

for lua in "$@"; do
  if ! command -v "$lua" >/dev/null 2>&1 || ! pkg-config --exists "$lua"; then
    printf '%-8s skipped (no interpreter or no headers)\n' "$lua"
    continue
  fi
  # The Makefile's own build rule, with that version's headers.
  if ! log=$($MAKE --no-print-directory -j"$(nproc)" BUILD="$OUT/$lua" LUA_PC="$lua" build 2>&1); then
    printf '%-8s FAILED to build:\n%s\n' "$lua" "$log"
    failed=$((failed + 1))
    continue
  fi
  result=$(LUA_CPATH="$OUT/$lua/?.so" timeout 60 "$lua" tools/compat_smoke.lua "$OUT/pki" 2>&1)
  rc=$?
  printf '%-8s %s\n' "$lua" "$result"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
