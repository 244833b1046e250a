#!/bin/bash
# The second command of the README: the whole test suite.  Installs what it
# needs, builds, runs unit, conformance and integration tests through
# `make check`, and ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILD_DIR:-$top/build}

"$top/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
"$top/scripts/build.sh" "$@" || { echo "0 passed, 1 failed"; exit 1; }

cd "$build"
# The engine tests (podman through conmon) install podman from apt themselves.
export KEEL_ENGINE_TESTS=${KEEL_ENGINE_TESTS:-1}
rm -f test-suite.log
# One test file at a time: the leak checks (processes, mounts, cgroups)
# look at the whole host, so concurrent files would see each other.
make -j"$(nproc)" >/dev/null 2>&1
make -j1 check >make-check.out 2>&1
status=$?
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' make-check.out | grep -v '^PASS' || true
if [ $status -ne 0 ]; then
        # Show what failed: the per-file logs of failed tests, or the build error.
        if [ -f test-suite.log ]; then
                cat test-suite.log
        else
                tail -50 make-check.out
        fi
fi

# failure_digest: each failed test with the first lines of what it printed,
# last, so that a log cut to its head and tail still says why.
failure_digest() {
        local line file log
        grep -E '^(FAIL|ERROR|XPASS):' make-check.out | while read -r line; do
                file=${line#*: }
                file=${file%% *}
                log=${file%.*}.log
                echo "-- $line"
                [ -f "$log" ] || continue
                case $line in
                ERROR:*) grep -vE '^(ok|not ok|#|1\.\.)' "$log" | head -5 | sed 's/^/   /' ;;
                *)
                        local n=${line#*: "$file" }
                        n=${n%% *}
                        awk -v n="$n" '
                                /^(not )?ok / { on = ($0 ~ ("^not ok " n " ")); next }
                                on && printed < 12 { print "   " $0; printed++ }' "$log"
                        ;;
                esac
        done | head -60
}

count() { sed -n "s/^# $1: *//p" test-suite.log 2>/dev/null | tail -1; }
pass=$(count PASS); fail=$(count FAIL); error=$(count ERROR); xpass=$(count XPASS); skip=$(count SKIP)
pass=${pass:-0}; failed=$(( ${fail:-0} + ${error:-0} + ${xpass:-0} ))
if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1 # the build or the harness itself broke
fi
[ "$failed" -eq 0 ] || { echo "== what the failed tests printed =="; failure_digest; }
echo "(${skip:-0} skipped)"
echo "${pass} passed, ${failed} failed"
[ "$failed" -eq 0 ]
