#!/bin/sh
# Runs every spec file in its own busted process (a crash or hang in one
# file cannot hide the results of the others), each bounded in time, and
# ends with one line: "N passed, N failed" (after "N not applicable"
# when cases named "(<rule> only)" did not apply to this Lua).
# usage: tools/run_specs.sh [spec files...]   (env: LUA, RUNNER, SPEC_TIMEOUT)
LUA=${LUA:-lua5.4}
RUNNER=${RUNNER:-}
SPEC_TIMEOUT=${SPEC_TIMEOUT:-300}
BUSTED=$(command -v busted)
passed=0
failed=0
na=0
files=${*:-$(ls spec/*_spec.lua)}
for f in $files; do
  out=$(timeout -k 10 "$SPEC_TIMEOUT" $RUNNER "$LUA" "$BUSTED" -o spec/support/summary.lua "$f" 2>&1)
  rc=$?
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  nal=$(printf '%s\n' "$out" | grep -E '^[0-9]+ not applicable$' | tail -n 1)
  printf '%s\n' "$out" | grep -v -E '^[0-9]+ passed, [0-9]+ failed$|^[0-9]+ not applicable$'
  if [ -z "$line" ]; then
    echo "ERROR: $f ended without a summary (exit $rc)"
    failed=$((failed + 1))
    continue
  fi
  p=${line%% passed*}
  n=${line#*passed, }
  n=${n%% failed}
  if [ "$rc" -ne 0 ] && [ "$n" -eq 0 ]; then
    echo "ERROR: $f exited with status $rc"
    n=1
  fi
  echo "$f: $p passed, $n failed${nal:+, $nal}"
  [ -n "$nal" ] && na=$((na + ${nal%% *}))
  passed=$((passed + p))
  failed=$((failed + n))
done
[ "$na" -gt 0 ] && echo "$na not applicable"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
