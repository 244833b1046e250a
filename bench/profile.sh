#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Where `keel run` spends its time, next to crun and runc, in the private
# mount namespace of setup.sh.  Writes into PROFILE_OUT (default
# ./keel-profile) and prints a markdown summary:
#   - syscalls per `run` by name (strace -f -c; counts are exact, times not),
#   - keel's setup phases (strace -f -ttt -T, PROFILE_N traces, phases.py),
#   - instructions executed (valgrind --tool=callgrind), by shared object:
#     valgrind 3.19 does not know pidfd_open, so `run` is counted up to the
#     point where keel adopts the init, and `state` whole.
# perf has no hardware counters in this VM (perf stat -e instructions is
# "not supported"); its cpu-clock sampling is as noisy as wall time here.
#
#   bench/profile.sh        (needs root, strace, valgrind, crun, runc)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/setup.sh"

rt_argv() {
        case $1 in
        keel) echo "$KEEL --root $work/run/keel" ;;
        keel-nocg) echo "$KEEL --cgroup-manager disabled --root $work/run/keel-nocg" ;;
        crun) echo "crun --cgroup-manager=disabled --root $work/run/crun" ;;
        runc) echo "runc --root $work/run/runc" ;;
        esac
}

# callgrind's self counts summed per shared object (code inlined from
# glibc's elf/ is the dynamic loader's), and the inclusive counts of the
# parts named in docs/performance.md.
by_object() {
        callgrind_annotate --auto=no --inclusive=no --threshold=100 "$1" | python3 -c '
import re, sys, collections
tot = collections.Counter(); total = 0
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)", line)
    if not m: continue
    n = int(m.group(1).replace(",", ""))
    if "PROGRAM TOTALS" in m.group(2): total = n; continue
    o = re.search(r"\[([^\]]+)\]\s*$", m.group(2))
    obj = o.group(1).split("/")[-1] if o else ("ld-linux-x86-64.so.2" if "/elf/" in m.group(2) else "libc.so.6")
    tot[obj] += n
print(", ".join(f"{k} {v / 1e3:.0f}k" for k, v in tot.most_common(5)) + f"; total {total / 1e3:.0f}k")'
}

by_function() {
        callgrind_annotate --auto=no --inclusive=yes --threshold=100 "$1" | python3 -c '
import re, sys
want = {"_dl_start": "dynamic loading", "keel_config_parse": "config parse (yajl + typed structs)",
        "keel_json_parse": "JSON to tree (yajl)", "keel_json_free": "JSON tree freed", "keel_container_write_state": "state.json writes",
        "keel_state_parse": "state.json parse", "main": "main"}
seen = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \(\s*[\d.]+%\)\s+\S*:(\w+) \[", line)
    if m and m.group(2) in want and m.group(2) not in seen:
        seen[m.group(2)] = int(m.group(1).replace(",", ""))
print(", ".join(f"{want[k]} {v / 1e3:.0f}k" for k, v in seen.items()))'
}

inner() {
        local rt i
        cd "$out"
        echo "## Syscalls in one \`run\` of /bin/true (strace -f -c)"
        echo
        echo "| runtime | syscalls | processes (clone, fork, vfork) | execve | fsync | top 6 by count |"
        echo "|---|---|---|---|---|---|"
        for rt in keel keel-nocg crun runc; do
                # shellcheck disable=SC2046
                strace -f -c -o "strace-c-$rt.txt" $(rt_argv $rt) run --bundle "$work/bundle-true" \
                        "perf-c-$rt" </dev/null >/dev/null
                python3 - "$rt" "strace-c-$rt.txt" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[2]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls = int(f[3])
        rows[f[-1]] = calls
total = sum(rows.values())
procs = sum(rows.get(k, 0) for k in ("clone", "clone3", "fork", "vfork"))
top = ", ".join(f"{k} {v}" for k, v in sorted(rows.items(), key=lambda kv: -kv[1])[:6])
print(f"| {sys.argv[1]} | {total} | {procs} | {rows.get('execve', 0)} | {rows.get('fsync', 0)} | {top} |")
PY
        done
        echo
        echo "## keel \`run\` by phase (strace -f -ttt -T, $n traces)"
        echo
        for ((i = 0; i < n; i++)); do
                # shellcheck disable=SC2046
                strace -f -ttt -T -s 64 -o "trace-$i.txt" $(rt_argv keel) run --bundle "$work/bundle-true" \
                        "perf-t$i" </dev/null >/dev/null
        done
        python3 "$top/bench/phases.py" trace-*.txt
        echo
        echo "## Instructions (valgrind --tool=callgrind), self counts by object"
        echo
        # shellcheck disable=SC2046
        valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.run.%p" $(rt_argv keel) run \
                --bundle "$work/bundle-true" perf-vg </dev/null >/dev/null 2>callgrind-run.err || true
        # shellcheck disable=SC2046
        $(rt_argv keel) delete --force perf-vg 2>/dev/null || true
        local main
        main=callgrind.run.$(sed -n '1s/^==\([0-9]*\)==.*/\1/p' callgrind-run.err)
        echo "- keel \`run\`, runtime process until it adopts the init: $(by_object "$main")"
        echo "  - inclusive: $(by_function "$main")"
        trap 'keel_rm perf-vs' EXIT
        # shellcheck disable=SC2046
        $(rt_argv keel) run --detach --bundle "$work/bundle-sleep" perf-vs </dev/null >/dev/null
        # shellcheck disable=SC2046
        crun --cgroup-manager=disabled --root "$work/run/crun" run --detach --bundle "$work/bundle-sleep" \
                perf-vs </dev/null >/dev/null
        # shellcheck disable=SC2046
        valgrind --tool=callgrind --callgrind-out-file=callgrind.state-keel $(rt_argv keel) state perf-vs \
                >/dev/null 2>&1 || echo "- (keel state failed under valgrind)"
        valgrind --tool=callgrind --callgrind-out-file=callgrind.state-crun \
                crun --root "$work/run/crun" state perf-vs >/dev/null 2>&1 || true
        echo "- keel \`state\`: $(by_object callgrind.state-keel)"
        echo "  - inclusive: $(by_function callgrind.state-keel)"
        # Under valgrind crun stops at its /proc/self/exe check (it would re-exec
        # from a memfd): what is counted is its dynamic loading.
        echo "- crun \`state\` (up to its re-exec check): $(by_object callgrind.state-crun)"
}

# The containers started detached must not outlive the namespace, whatever
# failed: their init would be reparented to the host's pid 1.
keel_rm() {
        # shellcheck disable=SC2046
        $(rt_argv keel) delete --force "$1" >/dev/null 2>&1 || true
        crun --root "$work/run/crun" delete --force "$1" >/dev/null 2>&1 || true
}

if [ "${1:-}" = --inner ]; then
        inner
        exit
fi
bench_need strace valgrind callgrind_annotate crun runc
bench_setup
out=${PROFILE_OUT:-$PWD/keel-profile}
mkdir -p "$out"
out=$(realpath "$out")
export top KEEL work out n=${PROFILE_N:-7}
bench_ns "$top/bench/profile.sh" --inner
