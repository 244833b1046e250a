#!/bin/bash
# Build keel's libFuzzer harnesses with clang and run each for a bounded time.
#
#   tests/fuzz/run.sh [-o DIR] [TARGET...]      (TARGET: config, process, ...)
#
# FUZZ_SECONDS   seconds per harness (default 60); 0 replays the corpora once
# FUZZ_OUT       work directory when -o is not given (default /tmp/keel-fuzz)
# FUZZ_CC        the compiler (default clang; it needs -fsanitize=fuzzer)
# FUZZ_ARGS      extra libFuzzer flags, e.g. "-jobs=2 -workers=2"
#
# DIR holds build/ (libkeel built with ASan, UBSan and fuzzer coverage),
# bin/, corpus/<target>/ (what the runs found; the seeds in tests/fuzz/corpus
# are only read), logs/<target>.log and crashes/.  Exits non-zero when a
# harness crashed, leaked or timed out; the reproducer is in crashes/ and the
# line printed says how to replay it.
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$src/tests/fuzz
out=${FUZZ_OUT:-/tmp/keel-fuzz}
seconds=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}

if [ "${1:-}" = "-o" ]; then
        out=$2
        shift 2
fi
all=$(cd "$fuzzdir" && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
targets=${*:-$all}
for t in $targets; do
        [ -f "$fuzzdir/fuzz-$t.c" ] || { echo "run.sh: no harness fuzz-$t.c" >&2; exit 2; }
done
case $seconds in
''|*[!0-9]*) echo "run.sh: FUZZ_SECONDS must be a number of seconds" >&2; exit 2 ;;
esac
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 $san"

# libkeel, instrumented, from keel's own build system: the library is the
# convenience archive the keel binary is linked from.
build_lib() {
        mkdir -p "$out/build" || return
        cd "$out/build" || return
        [ -x "$src/configure" ] || (cd "$src" && ./autogen.sh >/dev/null) || return
        if [ ! -f Makefile ]; then
                "$src/configure" -q CC="$cc" || return
        fi
        make -s -j"$(nproc)" libkeel/libkeel-core.la \
                CFLAGS="$cflags -fsanitize=fuzzer-no-link" >make.log 2>&1 || {
                tail -30 make.log >&2
                return 1
        }
}

# The link flags configure found (every pkg-config *_LIBS: yajl, libseccomp,
# libcap, optional libselinux and libsystemd, ...), read back from the
# generated Makefile.
lib_flags() {
        sed -n 's/^[A-Z0-9_]*_LIBS = //p' "$out/build/Makefile" | tr '\n' ' '
}

build_harness() {
        local t=$1
        # shellcheck disable=SC2046,SC2086
        "$cc" $cflags -fsanitize=fuzzer -Wall -Wextra -Wno-unused-parameter \
                -I"$out/build" -I"$src/libkeel" \
                "$fuzzdir/fuzz-$t.c" "$out/build/libkeel/.libs/libkeel-core.a" \
                $(lib_flags) -o "$out/bin/fuzz-$t"
}

# "cov: 1234 ft: 5678 corp: 90/12Kb exec/s: 4321" from the last status line.
summary() {
        local log=$1 line
        line=$(grep -E '^#[0-9]+.*(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -1)
        printf 'runs %s %s\n' \
                "$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)" \
                "$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]* .*exec/s: [0-9]+' \
                        <<<"$line")"
}

echo "fuzz: building into $out"
build_lib || { echo "fuzz: building libkeel failed"; exit 1; }
mkdir -p "$out/bin" "$out/logs" "$out/crashes" || exit 1
for t in $targets; do
        build_harness "$t" || { echo "fuzz: building fuzz-$t failed"; exit 1; }
done

# libseccomp's own leaks (lsan.supp says which); keel's still fail.  The
# suppression names a frame that only the slow unwinder sees (libseccomp
# has no frame pointers): fuzz-seccomp runs with it.
export LSAN_OPTIONS="suppressions=$fuzzdir/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

failed=0
for t in $targets; do
        seeds=$fuzzdir/corpus/$t
        corpus=$out/corpus/$t
        log=$out/logs/$t.log
        mkdir -p "$corpus"
        args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048
                -artifact_prefix="$out/crashes/$t-" -dict="$fuzzdir/oci.dict")
        if [ "$seconds" -eq 0 ]; then
                args+=(-runs=0)
        else
                args+=(-max_total_time="$seconds")
        fi
        [ -d "$seeds" ] || seeds=
        unwind=
        [ "$t" = seccomp ] && unwind=fast_unwind_on_malloc=0
        # shellcheck disable=SC2086
        ASAN_OPTIONS="${unwind}${ASAN_OPTIONS:+${unwind:+:}$ASAN_OPTIONS}" \
                "$out/bin/fuzz-$t" "${args[@]}" ${FUZZ_ARGS:-} "$corpus" $seeds >"$log" 2>&1
        rc=$?
        if [ $rc -eq 0 ]; then
                echo "fuzz-$t: ok, $(summary "$log")"
                continue
        fi
        failed=$((failed + 1))
        echo "fuzz-$t: FAILED (exit $rc), log: $log"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 | sed 's/^/  /'
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)
        [ -n "$artifact" ] && echo "  reproduce: $out/bin/fuzz-$t $artifact"
done
echo "fuzz: ${failed} of $(wc -w <<<"$targets") harnesses failed"
[ $failed -eq 0 ]
