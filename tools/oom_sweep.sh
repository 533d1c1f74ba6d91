#!/bin/sh
# The out-of-memory sweep of `make check-oom`: tools/oom_workload.lua in
# tools/luahost.c (ASan + LeakSanitizer), for each target allocator in
# OOM_TARGETS ("lua openssl"): counts the workload's allocations T, then
# runs it once for each N = 1, 1+S, 1+2S, ... <= T + 1 with allocations
# failing from the N-th on, in processes of OOM_CHUNK runs each. A FAIL
# line (wrong error, state broken afterwards), a crash or a sanitizer
# report (a leak shows at a process's exit: the chunk is then bisected
# down to one N) counts as one failed N. Ends with "N passed, N failed".
# Strides: OOM_STRIDE_LUA (default 1: every N), OOM_STRIDE_OPENSSL
# (default: T / OOM_RUNS_OPENSSL, 150 runs).
# usage: tools/oom_sweep.sh   (env: OOMHOST, OOM_TARGETS, OOM_CHUNK, ...)
HOST=${OOMHOST:-build-asan/luahost}
TARGETS=${OOM_TARGETS:-lua openssl}
CHUNK=${OOM_CHUNK:-100}
OUT=${OUT:-build-oom}
mkdir -p "$OUT"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:max_free_fill_size=1048576}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
total_pass=0
total_fail=0

# chunk TARGET FIRST LAST STRIDE: one process; sets $runs $fails $bad
# ($bad = 1 when the process itself failed: crash, sanitizer, exit).
chunk() {
  OOM_TARGET=$1 "$HOST" tools/oom_workload.lua "$2" "$3" "$4" >"$OUT/chunk.out" 2>"$OUT/chunk.err"
  rc=$?
  runs=$(sed -n -E 's/^oom: N .* ([0-9]+) run, ([0-9]+) failed.*/\1/p' "$OUT/chunk.out")
  fails=$(sed -n -E 's/^oom: N .* ([0-9]+) run, ([0-9]+) failed.*/\2/p' "$OUT/chunk.out")
  grep '^FAIL' "$OUT/chunk.out" | sed "s/^/$1: /"
  bad=0
  if [ "$rc" -ne 0 ] || [ -z "$runs" ] || grep -q -E 'Sanitizer|runtime error' "$OUT/chunk.err"; then bad=1; fi
}

# sweep_range TARGET FIRST LAST STRIDE: runs it in one process; when that
# process fails, finds the N: the last one started (a crash) or, when all
# ran (a leak at exit), by halving the range.
sweep_range() {
  chunk "$@"
  if [ "$bad" -eq 0 ]; then
    total_pass=$((total_pass + runs - fails)); total_fail=$((total_fail + fails))
    return
  fi
  if [ -n "$runs" ] && [ "$2" -lt "$3" ]; then
    # All N ran; the report came at exit: halve.
    n_in=$(( ($3 - $2) / $4 + 1 ))
    mid=$(( $2 + (n_in / 2) * $4 ))
    sweep_range "$1" "$2" $((mid - $4)) "$4"
    sweep_range "$1" "$mid" "$3" "$4"
    return
  fi
  n=$(grep '^oom: N=' "$OUT/chunk.err" | tail -n 1 | cut -d= -f2)
  log="$OUT/$1-N$n.log"
  # The report again for that N alone, with full stacks (slow unwinding
  # sees through libcrypto's frames).
  OOM_TARGET=$1 ASAN_OPTIONS="$ASAN_OPTIONS:fast_unwind_on_malloc=0" \
    "$HOST" tools/oom_workload.lua "$n" "$n" 1 >"$OUT/one.out" 2>"$OUT/one.err"
  { echo "target $1, N=$n: replay: OOM_TARGET=$1 $HOST tools/oom_workload.lua $n $n 1"
    grep -v '^oom: N=' "$OUT/one.err"; } >"$log"
  echo "$1: FAIL $n: process failed (exit $rc): $(grep -m1 -E 'ERROR: |runtime error' "$OUT/chunk.err") -- log: $log"
  total_fail=$((total_fail + 1))
  [ -n "$n" ] || return
  # The N before it ran in the dead process, uncounted: again; then on
  # after the N that failed.
  if [ "$n" -gt "$2" ]; then
    sweep_range "$1" "$2" $((n - $4)) "$4"
  fi
  if [ "$n" -lt "$3" ]; then
    sweep_range "$1" $((n + $4)) "$3" "$4"
  fi
}

for target in $TARGETS; do
  count=$(OOM_TARGET=$target "$HOST" tools/oom_workload.lua 0 2>"$OUT/count.err" | sed -n 's/^count //p')
  if [ -z "$count" ]; then
    echo "oom ($target): the workload fails without injected failures"; cat "$OUT/count.err"
    total_fail=$((total_fail + 1)); continue
  fi
  if [ "$target" = lua ]; then stride=${OOM_STRIDE_LUA:-1}
  else stride=${OOM_STRIDE_OPENSSL:-$(( count / ${OOM_RUNS_OPENSSL:-150} + 1 ))}; fi
  last=$((count + 1))
  before_p=$total_pass; before_f=$total_fail
  start=$(date +%s)
  first=1
  while [ "$first" -le "$last" ]; do
    end=$(( first + (CHUNK - 1) * stride )); [ "$end" -gt "$last" ] && end=$last
    sweep_range "$target" "$first" "$end" "$stride"
    first=$(( end + stride ))
  done
  echo "oom ($target allocator): $count allocations in the workload; N = 1..$last step $stride: $(( total_pass - before_p + total_fail - before_f )) run, $(( total_fail - before_f )) failed, $(( $(date +%s) - start )) s"
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
