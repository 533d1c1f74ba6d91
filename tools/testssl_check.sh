#!/bin/sh
# tools/testssl_check.sh — let testssl.sh probe a pyssl server.
#
# examples/echo_server.lua runs on the sanitized core (AddressSanitizer +
# UBSan, leak check at exit) on 127.0.0.1; testssl.sh then sends it its
# ~160 probing connections (every protocol version, cipher lists, broken
# and hostile ClientHellos, Heartbleed, CCS injection, renegotiation...).
# Passes when the server survived them all, then ended cleanly on SIGINT
# (status 0, its summary printed, no sanitizer report), and testssl.sh saw
# TLS 1.3 and no Heartbleed.
# Run by `make check-testssl` (needs build-asan/, made by check-asan).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/testssl
mkdir -p "$out"
cert=$top/build/pki/leaf.pem
key=$top/build/pki/leaf.key
limit=${TESTSSL_LIMIT:-300}        # seconds for the whole probe

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

LUA_PATH="$top/lua/?.lua;$top/lua/?/init.lua;;" LUA_CPATH="$top/build-asan/?.so;;" \
ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$top/tools/lsan.supp \
  "$top/build-asan/luahost" "$top/examples/echo_server.lua" --cert "$cert" --key "$key" \
  --port "$port" --timeout "$limit" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT INT TERM

i=0
until grep -q "^listening" "$out/server.log" 2>/dev/null; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $server 2>/dev/null; then
    echo "testssl_check: the server did not start"; cat "$out/server.log"; exit 1
  fi
  sleep 0.1
done

timeout $((limit - 20)) testssl --quiet --color 0 --warnings off --ip one \
  "127.0.0.1:$port" >"$out/testssl.log" 2>&1
probe=$?
kill -INT $server
wait $server
status=$?
trap - EXIT INT TERM

passed=0 failed=0
check() {   # check DESCRIPTION COMMAND...
  what=$1; shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); echo "ok   $what"
  else failed=$((failed + 1)); echo "FAIL $what"; fi
}
check "testssl.sh finished (status $probe)" test "$probe" -lt 124
check "testssl.sh saw TLS 1.3 offered" grep -q "TLS 1.3 *offered" "$out/testssl.log"
check "testssl.sh: not vulnerable to Heartbleed" grep -q "Heartbleed.*not vulnerable" "$out/testssl.log"
check "server served the probes ($(grep -c 'connection from' "$out/server.log") connections)" \
  test "$(grep -c 'connection from' "$out/server.log")" -ge 50
check "server ended cleanly on SIGINT, status 0 (got $status)" test "$status" -eq 0
check "server printed its summary" grep -q "clients served" "$out/server.log"
check "no sanitizer report" sh -c "! grep -q 'Sanitizer\|runtime error' '$out/server.log'"
echo "logs: $out/server.log $out/testssl.log"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
