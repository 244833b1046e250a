#!/usr/bin/env bats
# The benchmark's own tools, whose numbers docs/performance.md records:
# bench/timeline.py (a `run` cut into segments by scheduler events) and
# bench/startup (cpuid instructions counted by single-stepping).

load helpers

SRC=$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)
STARTUP=$(dirname "$KEEL")/bench/startup

setup() {
        T=$(mktemp -d)
}

teardown() {
        rm -rf "$T"
}

# Two runs of /x/rt, one of /x/floor, interleaved with a stranger's
# events; times in ns, so each segment's median is exact in ms.
events() {
        cat >"$T/ev" <<'EOF'
Attaching 3 probes...
1000000 exec 10 /x/rt
1500000 exec 10 /dev/fd/4
1600000 exec 99 /usr/bin/sleep
2000000 fork 10 11
2100000 fork 11 12
5000000 exec 11 /bin/true
5400000 exit 11 11
6000000 exit 10 10
9000000 exec 20 /x/rt
9500000 exec 20 /dev/fd/4
10000000 fork 20 21
14000000 exec 21 /bin/true
14600000 exit 21 21
15000000 exit 20 20
20000000 exec 30 /x/floor
21000000 fork 30 31
22000000 exec 31 /bin/true
22500000 exit 31 31
22700000 exit 30 30
EOF
}

@test "timeline_cuts_runs_into_segments_by_median" {
        events
        run python3 "$SRC/bench/timeline.py" "$T/ev" /x/rt /x/floor
        [ "$status" -eq 0 ]
        echo "$output"
        # first fork: 1.0 and 1.0 ms; /bin/true's exec: 3.0 and 4.0; its
        # end: 0.4 and 0.6; the runtime's end: 0.6 and 0.4; whole: 5.0, 6.0.
        echo "$output" | grep -q '^| from its exec to its first fork done.* | 1.000 | 1.000 |$'
        echo "$output" | grep -q '^| to the exec of /bin/true.* | 3.500 | 1.000 |$'
        echo "$output" | grep -q '^| /bin/true, from its exec.* | 0.500 | 0.500 |$'
        echo "$output" | grep -q "^| to the runtime's end.* | 0.500 | 0.200 |$"
        echo "$output" | grep -q '^| \*\*exec to end\*\* | \*\*5.500\*\* | \*\*2.700\*\* |$'
        echo "$output" | grep -q '^| execs of its own binary | 2 | 1 |$'
        echo "$output" | grep -q '^| runs (incomplete) | 2 (0) | 1 (0) |$'
}

@test "timeline_counts_a_run_missing_an_event_as_incomplete" {
        events
        grep -v '^14600000 ' "$T/ev" >"$T/ev2"
        run python3 "$SRC/bench/timeline.py" "$T/ev2" /x/rt
        [ "$status" -eq 0 ]
        echo "$output" | grep -q '^| runs (incomplete) | 1 (1) |$'
        echo "$output" | grep -q '^| \*\*exec to end\*\* | \*\*5.000\*\* |$'
}

@test "timeline_fails_on_a_program_that_never_ran" {
        events
        run python3 "$SRC/bench/timeline.py" "$T/ev" /x/rt /x/absent
        [ "$status" -eq 1 ]
        [[ "$output" == *"no complete run of /x/absent"* ]]
}

@test "startup_counts_each_cpuid_a_program_executes" {
        [ "$(uname -m)" = x86_64 ] || skip "bench/startup counts x86-64's cpuid"
        # Three cpuid, then exit(0), with no C library around them.
        cat >"$T/three.c" <<'EOF'
void _start(void)
{
        for (int i = 0; i < 3; i++)
                __asm__ volatile("cpuid" : : "a"(0), "c"(0) : "ebx", "edx");
        __asm__ volatile("mov $60, %eax; xor %edi, %edi; syscall");
}
EOF
        cc -O0 -static -nostdlib -o "$T/three" "$T/three.c"
        run "$STARTUP" "$T/three"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 's/^cpuid-count //p')" = 3 ]
        [ "$(echo "$output" | sed -n 's/^cpuid-ns //p')" -gt 0 ]
        # Its own start-up: the C library asks the processor at least once.
        run "$STARTUP"
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | sed -n 's/^cpuid-count //p')" -gt 0 ]
}

@test "startup_fails_on_a_program_it_cannot_run" {
        [ "$(uname -m)" = x86_64 ] || skip "bench/startup counts x86-64's cpuid"
        run "$STARTUP" "$T/absent"
        [ "$status" -ne 0 ]
        [[ "$output" == *"did not run to its end"* ]]
}
