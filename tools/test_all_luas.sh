#!/bin/sh
# The full spec suite on every Lua: `make test LUA=<lua>` for each one
# given (default: lua5.1 luajit lua5.2 lua5.3 lua5.4), each core built in
# its own directory. Each run's output goes to build/test-<lua>.log; then
# one line per version with its counts and time, and the sum:
# "N passed, N failed".
# usage: tools/test_all_luas.sh [luas...]   (env: MAKE, SPECS)
MAKE=${MAKE:-make}
luas=${*:-lua5.1 luajit lua5.2 lua5.3 lua5.4}
mkdir -p build
summary=""
passed=0
failed=0
for lua in $luas; do
  log="build/test-$lua.log"
  start=$(date +%s)
  $MAKE --no-print-directory test LUA="$lua" ${SPECS:+SPECS="$SPECS"} >"$log" 2>&1
  secs=$(( $(date +%s) - start ))
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
  na=$(grep -E '^[0-9]+ not applicable$' "$log" | tail -n 1)
  if [ -z "$line" ]; then
    line="0 passed, 1 failed"
    echo "$lua: no summary, see $log"
    tail -n 5 "$log"
  fi
  p=${line%% passed*}
  n=${line#*passed, }
  n=${n%% failed}
  passed=$((passed + p))
  failed=$((failed + n))
  summary="$summary$(printf '%-7s %5s passed, %3s failed, %3s not applicable, %4s s' \
    "$lua" "$p" "$n" "${na%% *}" "$secs")
"
  grep -E '^(FAIL|ERROR)' "$log" | sed "s/^/$lua: /"
done
printf '%s' "$summary"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
