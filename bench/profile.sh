#!/bin/sh
# bench/profile.sh WORKLOAD [N] [IMPLS]
# Instructions per operation under callgrind, for each implementation:
# each runs the workload twice (N and 2N operations, no warm-up) and the
# difference divided by N is the cost of one operation without the setup
# (a round trip, a handshake, a 16 KiB chunk for bulk-mem). The callgrind
# files stay in build/bench/profile/ (WORKLOAD.IMPL.1 and .2) for
# callgrind_annotate. Memory-BIO workloads only. With c among the
# implementations (first), each other line also gives C's count divided by
# its own: the ratio to C by instructions, which the VM's noise cannot move.
#   sh bench/profile.sh pingpong-mem 10000
#   sh bench/profile.sh resume-mem 200 "c pyssl"
#   sh bench/profile.sh bulk-mem 2000 "c luafloor pyssl"   (the Lua floor too)
#   sh bench/profile.sh pingpong-mem 5000 "c pyssl pyssl-luajit"   (pyssl on LuaJIT)
#   sh bench/profile.sh hs-mem 100 "pyssl python python-malloc"   (CPython without pymalloc)
set -eu
workload=$1
n=${2:-1000}
impls=${3:-c pyssl python}
bench=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$bench/.." && pwd)
out=$top/build/bench/profile
mkdir -p "$out"
[ -d "$out/certs" ] || sh "$bench/mkcerts.sh" "$out/certs"
export OPENSSL_CONF="$out/certs/openssl.cnf"
export LUA_PATH="$top/lua/?.lua;$top/lua/?/init.lua;;"
export LUA_CPATH="$top/build/?.so;$top/build/bench/?.so;;"
unset SSLKEYLOGFILE
python=$(python3 -c 'import sys; print(sys.executable)')   # past any shim

size() {   # the amount of work for `count` operations
  if [ "$workload" = bulk-mem ] || [ "$workload" = bulk-mem-into ]; then echo "--bytes $(($1 * 16384))"; else echo "--count $1"; fi
}
instructions() {
  file=$1
  shift
  env LUA_CPATH="${cpath:-$LUA_CPATH}" ${pyalloc:+PYTHONMALLOC=$pyalloc} valgrind --tool=callgrind --callgrind-out-file="$file" "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for impl in $impls; do
  cpath= pyalloc=
  case $impl in
    c) cmd="$top/build/bench/bench-c" ;;
    python) cmd="$python $bench/py/bench.py" ;;
    python-malloc) cmd="$python $bench/py/bench.py"   # CPython's objects on glibc's malloc, as Lua's are
                   pyalloc=malloc ;;
    pyssl) cmd="lua5.4 $bench/pyssl/bench.lua" ;;
    luafloor) cmd="lua5.4 $bench/luafloor/bench.lua" ;;
    pyssl-luajit) cmd="luajit $bench/pyssl/bench.lua"
                  cpath="$top/build/luajit/?.so;$top/build/bench/luajit/?.so;;" ;;
    *) echo "profile.sh: unknown implementation $impl" >&2; exit 2 ;;
  esac
  a=$(instructions "$out/$workload.$impl.1" $cmd --workload "$workload" --certdir "$out/certs" --warmup 0 $(size "$n"))
  b=$(instructions "$out/$workload.$impl.2" $cmd --workload "$workload" --certdir "$out/certs" --warmup 0 $(size $((2 * n))))
  per_op=$(( (b - a) / n ))
  [ "$impl" = c ] && c_per_op=$per_op
  if [ "$impl" != c ] && [ -n "${c_per_op:-}" ]; then
    ratio=$(awk "BEGIN { printf \"%.3f\", $c_per_op / $per_op }")
    echo "$workload $impl: $per_op instructions per operation (C / $impl = $ratio)"
  else
    echo "$workload $impl: $per_op instructions per operation"
  fi
done
