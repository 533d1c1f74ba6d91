#!/bin/sh
# Drives fuzz/api_fuzz.lua (the stateful API fuzzer) under the sanitized
# host for FUZZ_SECONDS, in processes of at most 60 s each (so that a
# LeakSanitizer report at a process's exit names a small seed range), from
# seed FUZZ_SEED on. A crash, sanitizer report, hang or non-zero exit is a
# finding (a hang: a process FUZZ_HANG_SECONDS, default 300, over its
# budget): its log is kept in $OUT/finding-<seed>.log with the command that
# replays it, and the script exits 1.
# Before the new seeds it replays fuzz/api_seeds.txt (seeds that once found
# something), unless FUZZ_SEEDS_FILE is empty.
# With FUZZ_KEEP_GOING=1 it records each finding and goes on after it
# (for long runs), and exits 1 at the end if there was any.
# usage: tools/fuzz_api.sh   (env: LUA, FUZZ_SECONDS, FUZZ_SEED, FUZZ_STEPS,
#                              FUZZ_KEEP_GOING, OUT)
LUA=${LUA:-build-asan/luahost}
SECONDS_TOTAL=${FUZZ_SECONDS:-60}
SEED=${FUZZ_SEED:-1}
STEPS=${FUZZ_STEPS:-200}
OUT=${OUT:-build-fuzz-api}
SEEDS_FILE=${FUZZ_SEEDS_FILE-fuzz/api_seeds.txt}
# The fuzzer runs in a scratch directory: the files its hostile arguments
# name (a keylog file called by random bytes, say) land there, not in the
# tree. Paths it is given are made absolute first.
TOP=$(pwd)
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
case $LUA in
  /*) ;;
  */*) LUA=$TOP/$LUA ;;   # a command name without a slash stays for PATH
esac
export PYSSL_PKI=${PYSSL_PKI:-$TOP/build/pki}
mkdir -p "$OUT/cwd"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:max_free_fill_size=1048576}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
start=$(date +%s)
seeds=0
execs=0
findings=0
first=$SEED

# run_batch SEED COUNT SECONDS: one process; sets $last and $rc.
run_batch() {
  prog="$OUT/progress"
  rm -f "$prog"
  (cd "$OUT/cwd" && exec timeout -k 5 $(( $3 + ${FUZZ_HANG_SECONDS:-300} )) "$LUA" "$TOP/fuzz/api_fuzz.lua" \
    --seed "$1" --count "$2" --seconds "$3" --steps "$STEPS" --progress "$prog") >"$OUT/batch.log" 2>&1
  rc=$?
  last=$(cat "$prog" 2>/dev/null)
  line=$(grep -E '^seeds [0-9]+\.\.' "$OUT/batch.log" | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$line" ] || grep -q -E 'Sanitizer|runtime error' "$OUT/batch.log"; then
    [ "$last" = "done" ] && last="$1..$(( $1 + ${n:-1} - 1 )) (at exit: a leak names the range)"
    f="$OUT/finding-$(echo "$last" | cut -d' ' -f1 | tr -c '0-9.\n' '_').log"
    { echo "seed $last, exit $rc; replay (in $OUT/cwd): $LUA $TOP/fuzz/api_fuzz.lua --seed ${last%%[ .]*} --count 1 --steps $STEPS --trace"; cat "$OUT/batch.log"; } > "$f"
    echo "fuzz-api: FINDING at seed $last (exit $rc), log: $f"
    grep -E 'ERROR: |SUMMARY|runtime error' "$OUT/batch.log" | head -n 5
    findings=$((findings + 1))
    # Where to go on from: after the seed that crashed, or after the range.
    case "$last" in
      *..*) next=${last#*..}; next=$(( ${next%% *} + 1 )) ;;
      [0-9]*) next=$(( last + 1 )); seeds=$((seeds + last - $1)) ;;
      *) next=$(( $1 + 1 )) ;;
    esac
    return 1
  fi
  n=$(echo "$line" | sed -E 's/^seeds [0-9]+\.\.[0-9]+: ([0-9]+) seeds, ([0-9]+) executions.*/\1/')
  e=$(echo "$line" | sed -E 's/^seeds [0-9]+\.\.[0-9]+: ([0-9]+) seeds, ([0-9]+) executions.*/\2/')
  seeds=$((seeds + n)); execs=$((execs + e))
  echo "fuzz-api: $line"
  return 0
}

if [ -n "$SEEDS_FILE" ] && [ -f "$SEEDS_FILE" ]; then
  for s in $(grep -v '^#' "$SEEDS_FILE"); do
    n=1
    run_batch "$s" 1 60 || exit 1
  done
fi
while :; do
  left=$(( SECONDS_TOTAL - ($(date +%s) - start) ))
  [ "$left" -le 0 ] && break
  [ "$left" -gt 60 ] && left=60
  n=1000000
  if run_batch "$SEED" 1000000 "$left"; then
    SEED=$(( $(echo "$line" | sed -E 's/^seeds [0-9]+\.\.([0-9]+):.*/\1/') + 1 ))
  else
    [ "${FUZZ_KEEP_GOING:-0}" = 1 ] || exit 1
    SEED=$next
  fi
done
result="no finding"
[ "$findings" -gt 0 ] && result="$findings findings (logs: $OUT/finding-*.log)"
echo "fuzz-api: seeds $first..$((SEED - 1)) (+ replayed $SEEDS_FILE), $seeds seeds (not counting those of findings), $execs executions, $(( $(date +%s) - start )) s, $result"
[ "$findings" -eq 0 ]
