#!/bin/bash
# The second command of the README: the whole test suite.  Installs what it
# needs, builds, runs unit, conformance and integration tests through
# `make check`, the VM suite through `make check-vm` and the engines through
# `make check-engines`, and ends with one line "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILD_DIR:-$top/build}

"$top/scripts/deps.sh" || { echo "0 passed, 1 failed"; exit 1; }
"$top/scripts/build.sh" "$@" || { echo "0 passed, 1 failed"; exit 1; }

cd "$build"
# The engine tests (podman through conmon) install podman from apt themselves.
export KEEL_ENGINE_TESTS=${KEEL_ENGINE_TESTS:-1}
suite_logs="test-suite.log test-suite-vm.log test-suite-engines.log"
# shellcheck disable=SC2086
rm -f $suite_logs
# One test file at a time: the leak checks (processes, mounts, cgroups)
# look at the whole host, so concurrent files would see each other.  Each
# target runs even when one before it failed.
make -j"$(nproc)" >/dev/null 2>&1
status=0
: >make-check.out
for target in check check-vm check-engines; do
        make -j1 "$target" >>make-check.out 2>&1 || status=1
done
grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' make-check.out | grep -v '^PASS' || true
if [ $status -ne 0 ]; then
        # Show what failed: the per-file logs of failed tests, or the build error.
        shown=0
        for log in $suite_logs; do
                if [ -f "$log" ] && grep -qE '^# (FAIL|ERROR|XPASS): *[1-9]' "$log"; then
                        cat "$log"
                        shown=1
                fi
        done
        [ $shown = 1 ] || tail -50 make-check.out
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
                ERROR:*) grep -vE '^(ok|not ok|#|1\.\.|PASS:|FAIL:|SKIP:|XFAIL:|ERROR:)' "$log" | head -5 | sed 's/^/   /' ;;
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

# count WHAT: the sum of "# WHAT: N" over the three suites' logs.
count() {
        local log n sum=0
        for log in $suite_logs; do
                n=$(sed -n "s/^# $1: *//p" "$log" 2>/dev/null | tail -1)
                sum=$((sum + ${n:-0}))
        done
        echo "$sum"
}
pass=$(count PASS); fail=$(count FAIL); error=$(count ERROR); xpass=$(count XPASS); skip=$(count SKIP)
pass=${pass:-0}; failed=$(( ${fail:-0} + ${error:-0} + ${xpass:-0} ))
if [ $status -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1 # the build or the harness itself broke
fi
main_failed=$failed

# The robustness runs of issue #11 beyond make check, each ending with its
# own "N passed, N failed" line, added to the totals: the ASan + UBSan build
# through the unit tests and four bats files, keel's CLI under valgrind, and
# every fuzz harness for a short while (KEEL_CI_FUZZ_SECONDS, 30 each).
# KEEL_CI_EXTRA=0 skips them.
extra_failures=""
extra() {               # NAME CMD...
        local name=$1 log line p f
        shift
        log=$build/extra-$name.log
        echo "== $name: $*"
        "$@" >"$log" 2>&1
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
        if [ -z "$line" ]; then
                line="0 passed, 1 failed"
        fi
        p=${line%% passed*}
        f=${line#*, }
        f=${f%% failed*}
        echo "$name: $line"
        pass=$((pass + p))
        failed=$((failed + f))
        [ "$f" -eq 0 ] || extra_failures+="$name: $log"$'\n'
}
fuzz_summary() {        # run.sh, then its result as "N passed, N failed"
        local n bad log=$build/fuzz-run.log
        n=$(ls "$top"/tests/fuzz/fuzz-*.c | wc -l)
        FUZZ_SECONDS=${KEEL_CI_FUZZ_SECONDS:-30} FUZZ_OUT=$build/fuzz "$top/tests/fuzz/run.sh" \
                >"$log" 2>&1
        cat "$log"
        bad=$(sed -n 's/^fuzz: \([0-9]*\) of [0-9]* harnesses failed$/\1/p' "$log")
        [ -n "$bad" ] || bad=$n         # the build failed: every harness counts
        echo "$((n - bad)) passed, $bad failed"
}
valgrind_dynamic() {    # test-valgrind.sh on a dynamic build of keel
        local dyn=$build/dynamic
        mkdir -p "$dyn" || return
        if ! (cd "$dyn" && { [ -f Makefile ] || "$top/configure" -q --disable-static-keel; } &&
                make -j"$(nproc)" src/commit.h && make -j"$(nproc)" keel); then
                echo "0 passed, 1 failed"
                return
        fi
        "$top/scripts/test-valgrind.sh" "$dyn/keel"
}
if [ "${KEEL_CI_EXTRA:-1}" != 0 ]; then
        # ASan through the files that take create, start, exec, kill and
        # delete along most paths (the whole list takes half an hour here:
        # scripts/test-asan.sh without arguments).
        extra asan env KEEL_ASAN_BUILD_DIR="$build/asan" "$top/scripts/test-asan.sh" \
                "$top/tests/integration/cli.bats" "$top/tests/integration/lifecycle.bats" \
                "$top/tests/oci-validation/lifecycle/process.bats" \
                "$top/tests/oci-validation/lifecycle/mounts.bats"
        # memcheck replaces malloc through the dynamic loader: valgrind
        # runs a dynamic keel, built beside the (static) one under test.
        extra valgrind valgrind_dynamic
        extra fuzz fuzz_summary
fi

[ "$main_failed" -eq 0 ] || { echo "== what the failed tests printed =="; failure_digest; }
if [ -n "$extra_failures" ]; then
        echo "== failed runs (the tail of each log) =="
        while read -r entry; do
                [ -n "$entry" ] || continue
                echo "-- ${entry%%:*}"
                grep -vE '^(ok|PASS|unit .*: exit 0|bats .*: exit 0)' "${entry#*: }" | tail -25
        done <<<"$extra_failures"
fi
echo "(${skip:-0} skipped)"
echo "${pass} passed, ${failed} failed"
[ "$failed" -eq 0 ]
