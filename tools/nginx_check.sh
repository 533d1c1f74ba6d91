#!/bin/sh
# `make check-nginx`: pyssl inside a real nginx (Debian's nginx with
# lua-nginx-module on OpenResty's LuaJIT). Starts two TLS upstreams
# (tools/nginx/upstream.py: one with a certificate from the test CA, one
# from an unrelated CA) and nginx with examples/nginx/nginx.conf on free
# ports on 127.0.0.1, then checks with curl what its Lua handler
# (examples/nginx/tls_fetch.lua, over pyssl.cosocket) answers. Everything
# started is stopped on exit, also on failure. Ends with "N passed, N failed".
# usage: tools/nginx_check.sh CPATH PKI   (CPATH holds pyssl/core.so built for LuaJIT)
set -u
ROOT=$(pwd)
CPATH=$(cd "$1" && pwd)
PKI=$(cd "$2" && pwd)
RUN=$ROOT/build/nginx/run
passed=0
failed=0
pids=""

stop_all() {
  for pid in $pids; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in $pids; do
    # nginx's master stops its worker first; give everyone 10 s.
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    kill -KILL "$pid" 2>/dev/null
  done
  pids=""
}
trap 'stop_all' EXIT
trap 'exit 1' INT TERM HUP

ok() { passed=$((passed + 1)); echo "ok    $1"; }
fail() { failed=$((failed + 1)); echo "FAIL  $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/      /'; }

# Waits up to 10 s for FILE to exist.
wait_file() {
  n=0
  while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  [ -s "$1" ]
}

now() { date +%s.%N; }

rm -rf "$RUN"
mkdir -p "$RUN/tmp"

# The upstreams: leafkey.pem (localhost, 127.0.0.1 under ca.pem) and
# otherkey.pem (localhost under other-ca.pem, which nginx does not trust).
python3 tools/nginx/upstream.py "$PKI/leafkey.pem" "$RUN/upstream.port" 2>"$RUN/upstream.log" &
pids="$pids $!"
python3 tools/nginx/upstream.py "$PKI/otherkey.pem" "$RUN/untrusted.port" 2>"$RUN/untrusted.log" &
pids="$pids $!"
if ! wait_file "$RUN/upstream.port" || ! wait_file "$RUN/untrusted.port"; then
  echo "nginx check: the upstream servers did not start"; cat "$RUN"/*.log; exit 1
fi
UPSTREAM_PORT=$(cat "$RUN/upstream.port")
UNTRUSTED_PORT=$(cat "$RUN/untrusted.port")

# nginx: a free port (asked of the kernel), the repo's config filled in.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MODULES=$(nginx -V 2>&1 | sed -n 's/.*--modules-path=\([^ ]*\).*/\1/p')
MODULES=${MODULES:-/usr/lib/nginx/modules}
if [ "$(id -u)" -eq 0 ]; then
  # As root, the worker runs as whoever owns the checkout (it reads lua/ and build/).
  USER_DIRECTIVE="user $(stat -c %U "$ROOT") $(stat -c %G "$ROOT");"
else
  USER_DIRECTIVE="# not root: the worker runs as $(id -un)"
fi
sed -e "s|@USER_DIRECTIVE@|$USER_DIRECTIVE|" -e "s|@PREFIX@|$RUN|g" -e "s|@MODULES@|$MODULES|g" \
    -e "s|@ROOT@|$ROOT|g" -e "s|@CPATH@|$CPATH|g" -e "s|@PKI@|$PKI|g" -e "s|@PORT@|$PORT|g" \
    -e "s|@UPSTREAM_PORT@|$UPSTREAM_PORT|g" -e "s|@UNTRUSTED_PORT@|$UNTRUSTED_PORT|g" \
    examples/nginx/nginx.conf > "$RUN/nginx.conf"
chown -R "$(stat -c %U:%G "$ROOT")" "$RUN" 2>/dev/null

if ! out=$(nginx -t -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log" 2>&1); then
  echo "nginx check: nginx -t rejects the config:"; echo "$out"; exit 1
fi
nginx -p "$RUN" -c "$RUN/nginx.conf" -e "$RUN/error.log" 2>>"$RUN/error.log" &
NGINX_PID=$!
pids="$NGINX_PID $pids"
BASE=http://127.0.0.1:$PORT
n=0
until curl -s -o /dev/null --max-time 1 "$BASE/nothing" || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
if [ $n -ge 100 ]; then
  echo "nginx check: nginx did not answer on $BASE"; tail -20 "$RUN/error.log"; exit 1
fi
echo "== nginx $(nginx -v 2>&1 | sed 's|.*/||') on $BASE (master $NGINX_PID, $(pgrep -P $NGINX_PID | wc -l) worker),"
echo "   TLS upstreams on 127.0.0.1:$UPSTREAM_PORT (test CA) and :$UNTRUSTED_PORT (other CA)"

# get PATH: sets status, body, headers.
get() {
  curl -s --max-time 15 -D "$RUN/headers" -o "$RUN/body" -w '%{http_code}' "$BASE$1" > "$RUN/status"
  status=$(cat "$RUN/status")
  body=$(cat "$RUN/body")
  headers=$(tr -d '\r' < "$RUN/headers")
}
header() { printf '%s\n' "$headers" | sed -n "s/^$1: //ip"; }

# 1. A verified TLS 1.3 fetch over a cosocket.
get /fetch
want="hello from upstream: TLSv1.3 alpn=http/1.1 sni=localhost"
if [ "$status" = 200 ] && [ "$body" = "$want" ]; then ok "/fetch: 200, \"$body\""
else fail "/fetch: want 200 \"$want\"" "got $status \"$body\""; fi
facts="$(header X-TLS-Version) $(header X-TLS-ALPN) $(header X-TLS-Peer) $(header X-TLS-Cipher)"
case "$facts" in
  "TLSv1.3 http/1.1 localhost TLS_"*) ok "/fetch: pyssl saw $facts" ;;
  *) fail "/fetch: want TLSv1.3, ALPN http/1.1, peer localhost" "got $facts" ;;
esac

# 2. 20 requests at once to an upstream that waits 1 s: the one worker
# serves them side by side (about 1 s), not one after another (20 s).
start=$(now)
i=0
while [ $i -lt 20 ]; do
  curl -s --max-time 30 -o "$RUN/slow.$i" -w '%{http_code}' "$BASE/slow" > "$RUN/slow.$i.status" &
  i=$((i + 1))
done
# Wait for the 20 curls only (not the servers started above).
i=0
while [ $i -lt 20 ]; do
  n=0
  while [ ! -s "$RUN/slow.$i.status" ] && [ $n -lt 400 ]; do sleep 0.1; n=$((n + 1)); done
  i=$((i + 1))
done
elapsed=$(echo "$(now) $start" | awk '{printf "%.2f", $1 - $2}')
good=0
i=0
while [ $i -lt 20 ]; do
  [ "$(cat "$RUN/slow.$i.status")" = 200 ] && [ "$(cat "$RUN/slow.$i")" = "$want" ] && good=$((good + 1))
  i=$((i + 1))
done
if [ $good -eq 20 ] && awk "BEGIN { exit !($elapsed < 5) }"; then
  ok "/slow x 20 at once: all 200 in $elapsed s (upstream waits 1 s each; one worker)"
else
  fail "/slow x 20 at once: want 20 x 200 in < 5 s" "got $good x 200 in $elapsed s"
fi

# 3. Verification failures: a clear 502; the log has the error's place in
# the handler (tostring), its class and message.
check_failure() {   # PATH LOGTEXT
  before=$(wc -l < "$RUN/error.log")
  get "$1"
  sleep 0.2
  logged=$(tail -n +"$((before + 1))" "$RUN/error.log")
  if [ "$status" = 502 ] && [ "$body" = "502 Bad Gateway: TLS to upstream failed (ssl.SSLCertVerificationError)" ]; then
    ok "$1: 502, \"$body\""
  else
    fail "$1: want 502 naming ssl.SSLCertVerificationError" "got $status \"$body\""
  fi
  if printf '%s\n' "$logged" | grep -F "$2" | grep -q 'pyssl: TLS to upstream failed: [^ ]*examples/nginx/tls_fetch.lua:[0-9]*: ssl\.'; then
    ok "$1: error log has tls_fetch.lua:N: \"$2\""
  else
    fail "$1: the error log lacks \"$2\"" "$logged"
  fi
}
check_failure /wrong-name "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'wrong.example.test'."
check_failure /untrusted "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"

# 4. The same error uncaught, through cosocket.run: nginx answers 500 and
# logs the abort as the error's text (the handler's file:line, the Python
# class, the message) with its traceback. (lua-nginx-module logs only string
# errors: without run, a pyssl error object shows as "unknown reason".)
before=$(wc -l < "$RUN/error.log")
get /uncaught
sleep 0.2
logged=$(tail -n +"$((before + 1))" "$RUN/error.log")
first=$(printf '%s\n' "$logged" | grep -F 'lua entry thread aborted' | head -1 | sed 's/^.*\] [0-9#]*: \*[0-9]* //')
if [ "$status" = 500 ] && printf '%s\n' "$first" | grep -q 'runtime error: .*examples/nginx/tls_fetch.lua:[0-9]*: ssl.SSLCertVerificationError: \[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: Hostname mismatch' \
   && printf '%s\n' "$logged" | grep -q 'tls_fetch.lua:[0-9]*: in function'; then
  ok "/uncaught: 500, and the log names the handler's line, ssl.SSLCertVerificationError and its message, with a traceback"
else
  fail "/uncaught: want 500 and the error's place, class and message in the log" "got $status; log: $logged"
fi
echo "      nginx logs: $first"

# 5. The worker lived through all of it, and still serves.
get /fetch
if [ "$status" = 200 ] && [ "$body" = "$want" ]; then ok "/fetch again: 200"
else fail "/fetch again: want 200" "got $status \"$body\""; fi
crashes=$(grep -E 'exited on signal|\[alert\]|\[crit\]|\[emerg\]' "$RUN/error.log")
if [ -z "$crashes" ]; then ok "error log: no crash, alert or critical line"
else fail "error log: no crash, alert or critical line" "$crashes"; fi

stop_all
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
