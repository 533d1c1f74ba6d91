#!/bin/sh
# bench/cgdiff.sh [--objects] A B N [A2 B2 N2]
# Per function (exclusive instructions), what callgrind file B counted
# beyond callgrind file A, divided by N: e.g. the two windows of
# bench/serverprof.sh over the difference of their connections. With a
# second triple, the two results side by side and their difference (e.g.
# pyssl's windows against Python's), largest first. --objects sums by
# object file (libcrypto, libssl, libc, the interpreter, the binding)
# instead: most of OpenSSL and the interpreters have no symbols here.
#   sh bench/cgdiff.sh --objects P.cg.1 P.cg.2 1400 Y.cg.1 Y.cg.2 1500
set -eu
by=function
if [ "$1" = --objects ]; then by=object; shift; fi
per_fn() {   # FILE -> "key<TAB>instructions" (exclusive)
  callgrind_annotate --auto=no --threshold=100 "$1" 2>/dev/null |
    awk -v by="$by" '
      /PROGRAM TOTALS/ { t = $1; gsub(",", "", t); next }
      t && /^ *[0-9,]+ / {
        n = $1; gsub(",", "", n)
        # a dump taken while the program runs lists the frames that were
        # on the stack with the whole count: not exclusive costs
        if (n + 0 >= 0.9 * t) next
        k = $0; sub(/^ *[0-9,]+ *(\([ 0-9.%]*\))? */, "", k)
        if (by == "object") k = ($NF ~ /^\[.*\]$/) ? substr($NF, 2, length($NF) - 2) : "?"
        f[k] += n }
      END { for (k in f) printf "%s\t%.0f\n", k, f[k] }'
}
diff_of() {  # A B N -> "key<TAB>per unit"
  per_fn "$1" > "$tmp/a"
  per_fn "$2" > "$tmp/b"
  awk -F '\t' -v n="$3" 'NR == FNR { a[$1] = $2; next } { b[$1] = $2 }
    END { for (k in b) d[k] = 1; for (k in a) d[k] = 1
          for (k in d) printf "%s\t%.1f\n", k, ((b[k] + 0) - (a[k] + 0)) / n }' "$tmp/a" "$tmp/b"
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
diff_of "$1" "$2" "$3" > "$tmp/x"
if [ $# -ge 6 ]; then
  diff_of "$4" "$5" "$6" > "$tmp/y"
  awk -F '\t' 'NR == FNR { x[$1] = $2; next } { y[$1] = $2 }
    END { for (k in y) d[k] = 1; for (k in x) d[k] = 1
          for (k in d) { dx = x[k] + 0; dy = y[k] + 0; tx += dx; ty += dy
                         if (dx - dy > 50 || dy - dx > 50) printf "%10.0f %10.0f %+10.0f  %s\n", dx, dy, dx - dy, k }
          printf "%10.0f %10.0f %+10.0f  %s\n", tx, ty, tx - ty, "TOTAL (first, second, first - second)" }' \
    "$tmp/x" "$tmp/y" | sort -k3,3 -g -r
else
  awk -F '\t' '{ t += $2; if ($2 > 50 || $2 < -50) printf "%10.0f  %s\n", $2, $1 } END { printf "%10.0f  TOTAL\n", t }' \
    "$tmp/x" | sort -g -r
fi
