#!/bin/sh
# bench/serverprof.sh TOOL IMPL [SECONDS] [LOAD ARGS...]
# One server of the server rows (bench/server.lua) measured per connection
# under the client load of bench-load, the other side of the comparison
# that the timed rows cannot make on a noisy machine:
#   TOOL callgrind  the server under callgrind: a 5 s warm-up load, then
#                   two windows of the load (SECONDS/3 and SECONDS, default
#                   30), each with the counters zeroed before and dumped
#                   after; prints the instructions per connection (the
#                   difference of the windows' counts over the difference
#                   of their connections) and leaves the two callgrind files
#                   in build/bench/profile/server.IMPL.cg.1 and .2
#                   (bench/cgdiff.sh gives the same per function)
#   TOOL strace     strace -c -f of the server over SECONDS (default 5) of
#                   the load; prints each system call's count per connection
# IMPL: c, python, pyssl, pyssl-luajit. LOAD ARGS default to the resumed row
# at 20 clients (callgrind slows the server 50-fold):
#   sh bench/serverprof.sh callgrind pyssl 30 --mode hs --resume 1 --conns 20
#   sh bench/serverprof.sh callgrind python 30 --mode hs --conns 20
#   sh bench/serverprof.sh strace pyssl 5 --mode hs --resume 1 --conns 100
set -eu
tool=$1
impl=$2
bench=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench/.." && pwd)
if [ $# -ge 3 ]; then seconds=$3; shift 3; else shift 2; seconds=; fi
[ -n "$seconds" ] || { [ "$tool" = callgrind ] && seconds=30 || seconds=5; }
[ $# -gt 0 ] || set -- --mode hs --resume 1 --conns 20
out=$top/build/bench/profile
mkdir -p "$out"
[ -d "$out/certs" ] || sh "$bench/mkcerts.sh" "$out/certs"
certs=$out/certs
export OPENSSL_CONF="$certs/openssl.cnf"
export LUA_PATH="$top/lua/?.lua;$top/lua/?/init.lua;;"
export LUA_CPATH="$top/build/?.so;;"
unset SSLKEYLOGFILE
python=$(python3 -c 'import sys; print(sys.executable)')   # past any shim
case $impl in
  c) cmd="$top/build/bench/bench-server" ;;
  python) cmd="$python $bench/py/server.py" ;;
  pyssl) cmd="lua5.4 $bench/pyssl/server.lua" ;;
  pyssl-luajit) cmd="luajit $bench/pyssl/server.lua"; export LUA_CPATH="$top/build/luajit/?.so;;" ;;
  *) echo "serverprof.sh: unknown implementation $impl" >&2; exit 2 ;;
esac
log=$out/server.$impl.out
cg=$out/server.$impl.cg
rm -f "$log" "$cg" "$cg".*
case $tool in
  callgrind) taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$cg" $cmd --certdir "$certs" \
               >"$log" 2>"$log.err" & ;;
  strace) taskset -c 0 $cmd --certdir "$certs" >"$log" 2>&1 & ;;
  *) echo "serverprof.sh: unknown tool $tool" >&2; exit 2 ;;
esac
spid=$!
trap 'kill $spid 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q PORT "$log" 2>/dev/null && break; sleep 0.2; done
port=$(sed -n 's/^PORT \([0-9]*\)/\1/p' "$log")
[ -n "$port" ] || { echo "serverprof.sh: the server did not start" >&2; exit 1; }
load() { taskset -c 1 "$top/build/bench/bench-load" --certdir "$certs" --port "$port" "$@"; }
handshakes() { sed -n 's/.*"handshakes":\([0-9]*\).*/\1/p'; }
# Waits until the server has finished what a load left it (the connections
# the load dropped when it stopped: under callgrind, seconds of work).
settle() {
  cpu=x
  for _ in $(seq 120); do
    now=$(awk '{ print $14 + $15 }' /proc/$spid/stat)
    [ "$now" = "$cpu" ] && return
    cpu=$now
    sleep 1
  done
}
total() { callgrind_annotate "$1" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,; }
if [ "$tool" = callgrind ]; then
  # Two windows, SECONDS/3 and SECONDS: their difference over the difference
  # of their connections is the cost of one connection, without what each
  # window's ends cost (the resumed row's first full handshake, the
  # connections the load drops mid-way when it stops).
  load "$@" --seconds 5 >/dev/null
  settle
  callgrind_control -z $spid >/dev/null 2>&1
  n1=$(load "$@" --seconds "$(awk "BEGIN { print $seconds / 3 }")" | handshakes)
  settle
  callgrind_control -d $spid >/dev/null 2>&1
  callgrind_control -z $spid >/dev/null 2>&1
  n2=$(load "$@" --seconds "$seconds" | handshakes)
  settle
  callgrind_control -d $spid >/dev/null 2>&1
  sleep 1
  t1=$(total "$cg.1")
  t2=$(total "$cg.2")
  echo "$impl: $t1 instructions over $n1 connections, $t2 over $n2:" \
       "$(( (t2 - t1) / (n2 - n1) )) per connection ($cg.1, $cg.2; per function: sh bench/cgdiff.sh $cg.1 $cg.2 $((n2 - n1)))"
else
  load "$@" --seconds 2 >/dev/null
  strace -c -f -p $spid -o "$out/server.$impl.strace" &
  st=$!
  sleep 0.5
  n=$(load "$@" --seconds "$seconds" | handshakes)
  kill -INT $st; wait $st 2>/dev/null || true
  echo "$impl: system calls per connection ($n connections)"
  awk -v n="$n" '$4 ~ /^[0-9]+$/ && $NF != "total" { printf "  %-16s %8.2f\n", $NF, $4 / n }' \
    "$out/server.$impl.strace"
fi
