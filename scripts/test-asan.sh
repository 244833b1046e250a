#!/bin/bash
# Build keel with AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer
# included) and run the unit tests and the container lifecycle tests against
# that build.  Ends with one line "N passed, N failed".
#
#   scripts/test-asan.sh [BATS_FILE...]
#
# KEEL_ASAN_BUILD_DIR  the build tree (default /tmp/keel-build-asan)
#
# A test point that fails counts once; so does every sanitizer report, even
# when the test that caused it passed (a leak in a command whose exit status
# the test does not look at, a report from a child process).  Reports are
# written to files, not to stderr, so the tests that compare keel's stderr
# see what they would see without the sanitizers; they are printed at the
# end.  The container init and the processes keel forks leave with _exit()
# or exec, so LeakSanitizer only ever looks at keel's own exit.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_ASAN_BUILD_DIR:-/tmp/keel-build-asan}
start=$(date +%s)

bats_files=("$@")
if [ ${#bats_files[@]} -eq 0 ]; then
        bats_files=("$top/tests/integration/cli.bats" "$top/tests/integration/lifecycle.bats"
                "$top"/tests/oci-validation/lifecycle/*.bats)
fi

fail_setup() {
        echo "0 passed, 1 failed"
        exit 1
}
"$top/scripts/deps.sh" || fail_setup
cd "$top" || fail_setup
[ -x configure ] || ./autogen.sh >/dev/null || fail_setup
mkdir -p "$build" && cd "$build" || fail_setup
if ! grep -q -- '--enable-asan' config.status 2>/dev/null; then
        "$top/configure" -q --enable-asan || fail_setup
fi
# The test programs and the checker too, without running anything.
if ! { make -j"$(nproc)" >build.log 2>&1 && make -j"$(nproc)" check TESTS= >>build.log 2>&1; }; then
        tail -40 build.log
        echo "0 passed, 1 failed"
        exit 1
fi
echo "asan: built in $(($(date +%s) - start)) s ($build)"

logs=$build/asan-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$logs/ubsan"
export KEEL=$build/keel KEEL_CHECKER=$build/keel-checker KEEL_SRCDIR=$top KEEL_BUILDDIR=$build

passed=0 failed=0
# count_tap FILE: add its test points; a TODO that fails is expected, a SKIP
# counts as neither.
count_tap() {
        local ok bad
        ok=$(grep -E '^ok ' "$1" | grep -cvE '# (SKIP|skip)')
        bad=$(grep -E '^not ok ' "$1" | grep -cv '# TODO')
        passed=$((passed + ok))
        failed=$((failed + bad))
        [ "$bad" -eq 0 ] || grep -E '^not ok ' "$1" | grep -v '# TODO' | sed 's/^/  /'
}

# The unit test list, as the Makefile has it.
# shellcheck disable=SC2016
units=$(printf 'print-units:\n\t@echo $(unit_tests)\n' | make -s -f Makefile -f - print-units)
for t in $units; do
        out=$logs/$(basename "$t").tap
        timeout 600 "./$t" >"$out" 2>&1
        rc=$?
        echo "unit $(basename "$t"): exit $rc"
        count_tap "$out"
        if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out"; then
                failed=$((failed + 1)) # crashed or aborted between test points
                tail -5 "$out" | sed 's/^/  /'
        fi
done

for f in "${bats_files[@]}"; do
        out=$logs/$(basename "$(dirname "$f")")-$(basename "$f" .bats).tap
        t0=$(date +%s)
        bats --tap "$f" >"$out" 2>&1
        echo "bats $f: exit $? in $(($(date +%s) - t0)) s"
        count_tap "$out"
done

reports=$(find "$logs" -name 'asan.*' -o -name 'ubsan.*' | sort)
for r in $reports; do
        failed=$((failed + 1))
        echo "sanitizer report $r:"
        head -40 "$r" | sed 's/^/  /'
done
echo "asan: $(wc -w <<<"$reports") sanitizer reports, $(($(date +%s) - start)) s in all"
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
