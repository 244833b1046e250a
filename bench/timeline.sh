#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A `run` of /bin/true cut into its segments by the kernel's own events,
# for keel, crun and the floor program side by side, in the private mount
# namespace of setup.sh.  bpftrace watches the scheduler's tracepoints
# (exec, fork, exit): unlike strace it does not slow the system calls
# between them, so the times are the real ones.  The runtimes take turns,
# one `run` each per round, TIMELINE_N rounds (default 100).  Then
# bench/startup counts the cpuid instructions one start-up of each binary
# executes, and their cost here (in a virtual machine each one is a trap to
# the hypervisor).  Prints markdown; the raw events stay in TIMELINE_OUT
# (default ./keel-timeline).
#
#   bench/timeline.sh      (root, bpftrace, crun; make bench-timeline)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/setup.sh"

rt_argv() {
        case $1 in
        keel) echo "$KEEL --root $work/run/keel run --bundle $work/bundle-true" ;;
        crun) echo "crun --cgroup-manager=disabled --root $work/run/crun run --bundle $work/bundle-true" ;;
        floor) echo "$FLOOR $work/rootfs /bin/true" ;;
        esac
}

runtimes="keel crun floor"

inner() {
        local rt i bp argv
        # The tracepoints need tracefs; mounted in this private namespace only.
        [ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
        for rt in $runtimes; do
                argv=$(rt_argv "$rt")
                # shellcheck disable=SC2086
                [ "$rt" = floor ] || $argv tl-warm </dev/null >/dev/null
        done
        rm -f "$out/events.txt"
        bpftrace -o "$out/events.txt" -e '
tracepoint:sched:sched_process_exec { printf("%llu exec %d %s\n", nsecs, pid, str(args->filename)); }
tracepoint:sched:sched_process_fork { printf("%llu fork %d %d\n", nsecs, args->parent_pid, args->child_pid); }
tracepoint:sched:sched_process_exit { printf("%llu exit %d %d\n", nsecs, pid, tid); }' \
                2>"$out/bpftrace.err" &
        bp=$!
        # A runtime that fails ends this script (set -e): not the tracer.
        trap 'kill -INT "$bp" 2>/dev/null || true' EXIT
        for i in $(seq 100); do
                grep -q '^Attaching' "$out/events.txt" 2>/dev/null && break
                kill -0 "$bp" 2>/dev/null || bench_die "bpftrace failed: $(cat "$out/bpftrace.err")"
                sleep 0.1
        done
        sleep 1
        for ((i = 0; i < n; i++)); do
                for rt in $runtimes; do
                        argv=$(rt_argv "$rt")
                        # shellcheck disable=SC2086
                        $argv "tl-$i" </dev/null >/dev/null
                        sleep 0.01
                done
        done
        sleep 0.5
        kill -INT "$bp"
        wait "$bp" || true
        trap - EXIT
}

if [ "${1:-}" = --inner ]; then
        inner
        exit
fi
bench_need bpftrace crun
bench_setup
startup=${STARTUP:-}
if [ -z "$startup" ]; then
        [ -x "$(dirname "$KEEL")/bench/startup" ] && startup=$(dirname "$KEEL")/bench/startup
fi
[ -n "$startup" ] || bench_die "no bench/startup beside keel (make bench/startup, or set STARTUP)"
out=${TIMELINE_OUT:-$PWD/keel-timeline}
mkdir -p "$out"
out=$(realpath "$out")
export top KEEL FLOOR work out runtimes n=${TIMELINE_N:-100}
bench_ns "$top/bench/timeline.sh" --inner
# The path bash runs crun from is the one its exec events carry.
python3 "$top/bench/timeline.py" "$out/events.txt" "$KEEL" "$(command -v crun)" "$FLOOR"
echo
echo "## The C library's start-up (bench/startup: cpuid instructions, single-stepped)"
echo
echo "| binary | cpuid in one process (every exec of it) | ns per cpuid here | µs |"
echo "|---|---|---|---|"
start_row() {
        local name=$1 count ns
        shift
        local res
        # One run prints both: the count for "$@", then one cpuid's cost.
        res=$("$startup" "$@" 2>/dev/null </dev/null)
        count=$(sed -n 's/^cpuid-count //p' <<<"$res")
        ns=$(sed -n 's/^cpuid-ns //p' <<<"$res")
        if [ -z "$count" ] || [ -z "$ns" ]; then
                bench_die "bench/startup failed on $*"
        fi
        echo "| $name | $count | $ns | $((count * ns / 1000)) |"
}
start_row "keel (\`--version\`; a whole \`run\` counts the same)" "$KEEL" --version
start_row "crun (\`--version\`, its execveat of itself included)" crun --version
start_row "busybox (the container's /bin/true)" "$work/rootfs/bin/busybox" true
echo
echo "keel's first exec, the binary guard's, returns to the kernel before the C library starts"
echo "(libkeel/linux/exe-guard-early.c): its start-up runs once per \`run\`."
