#!/bin/sh
# The finalizer-mix half of `make check-stress`: each spec file in its own
# process on the stress interpreter, with spec/support/finalizer_mix.lua
# loaded first (closes random live pyssl objects from finalizers). Specs
# may fail (a closed object changes what they assert); a finding is a
# sanitizer report, a Lua assertion, a signal or a busted that ended
# without its summary. A file that runs out of time is listed, not counted
# (the stress interpreter is slow). Ends with "N passed, N failed" over
# the files: passed = no finding.
# Under valgrind (RUNNER="valgrind --error-exitcode=99 ..."), exit 99 is a
# finding too.
# usage: tools/stress_mix.sh [spec files...]
#   (env: LUA, RUNNER, SPEC_TIMEOUT, PYSSL_MIX_SEED, PYSSL_MIX_RATE)
LUA=${LUA:-build-stress/lua}
RUNNER=${RUNNER:-}
SPEC_TIMEOUT=${SPEC_TIMEOUT:-900}
BUSTED=$(command -v busted)
MIX="$(pwd)/spec/support/finalizer_mix.lua"
LOGS=${MIX_LOGS:-build-stress/mix-logs}
mkdir -p "$LOGS"
ok=0
bad=0
timeouts=""
files=${*:-$(ls spec/*_spec.lua)}
for f in $files; do
  out=$(LUA_INIT_5_4="@$MIX" timeout -k 10 "$SPEC_TIMEOUT" $RUNNER "$LUA" "$BUSTED" -o spec/support/summary.lua "$f" 2>&1)
  rc=$?
  summary=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  mix=$(printf '%s\n' "$out" | grep '^finalizer mix:' | tail -n 1)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "$f: out of time after ${SPEC_TIMEOUT} s (not counted)"
    timeouts="$timeouts $f"
    continue
  fi
  if printf '%s\n' "$out" | grep -q -E 'Sanitizer|runtime error:|Assertion .* failed' \
     || [ "$rc" -ge 128 ] || [ "$rc" -eq 99 ] || [ -z "$summary" ]; then
    log="$LOGS/$(basename "$f" .lua).log"
    printf '%s\n' "$out" > "$log"
    # The report's head: what, and the first frames.
    printf '%s\n' "$out" | grep -A 25 -m 1 -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|Assertion .* failed|Invalid (read|write)' \
      || printf '%s\n' "$out" | tail -n 20
    how="exit $rc"
    [ "$rc" -ge 128 ] && how="$how: SIG$(kill -l $((rc - 128)) 2>/dev/null)"
    echo "FINDING: $f ($how) ${mix#finalizer mix: } -- full output: $log"
    bad=$((bad + 1))
  else
    echo "$f: no finding (specs: $summary; ${mix#finalizer mix: })"
    ok=$((ok + 1))
  fi
done
[ -n "$timeouts" ] && echo "out of time:$timeouts"
echo "$ok passed, $bad failed"
[ "$bad" -eq 0 ]
