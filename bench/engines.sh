#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Engines driving keel against the same engines driving crun and runc: the
# wall time of `podman run --rm`, `ctr run --rm` and `docker run --rm` of
# /bin/true, every row once per round, rows interleaved (A B C A B C …, the
# order rotated each round), after two untimed warm-up rounds.  Prints a
# markdown table of medians and ratios to each engine's reference.  Never
# used in tests; never asserts a time.
#
#   bench/engines.sh [-n ROUNDS] [--only podman,ctr,docker]
#
# Each engine runs in the sandbox of its tests (tests/engines/*-setup.sh:
# private mount, cgroup and net namespaces, a cgroup2 /sys/fs/cgroup rooted
# at a scratch subtree with no controllers, state on a tmpfs /run), made
# here in /tmp/keel-bench-{podman,containerd,docker} and removed afterwards
# unless it was already there.  The tests' logging wrappers are replaced by
# one `exec` hop per runtime (/bin/sh), the same for every row: crun 1.8
# needs it for its RLIMIT_MEMLOCK preload (tests/engines/README.md) and
# keel and runc get the same hop so that no row pays more.
#
# Rows (IMG the tests' busybox image, `true` its /bin/true):
#   podman run --rm IMG true             --runtime keel | crun (podman's cgroupfs mode)
#   ctr run --rm --cpu-shares 0 --runc-binary keel | crun | runc IMG ID true
#   docker run --rm --network none --runtime keel | runc-ref IMG true
#
# Environment: KEEL (default ./keel, then build/keel), BENCH_N (rounds,
# default 20), BENCH_CMD (how the report names the command).  Needs root,
# podman, conmon, crun, containerd, docker.io, runc, busybox-static, python3.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/setup.sh"
n=${BENCH_N:-20}
only=podman,ctr,docker
args="$*"
while [ $# -gt 0 ]; do
        case $1 in
        -n) n=$2; shift 2 ;;
        --only) only=$2; shift 2 ;;
        *) bench_die "usage: $0 [-n ROUNDS] [--only podman,ctr,docker]" ;;
        esac
done
[ "$(id -u)" = 0 ] || bench_die "needs root"
bench_need python3 crun runc
bench_find_keel

declare -A dirs=([podman]=/tmp/keel-bench-podman [containerd]=/tmp/keel-bench-containerd
        [docker]=/tmp/keel-bench-docker)
declare -A made=()
engines=()
[[ ,$only, == *,podman,* ]] && engines+=(podman)
[[ ,$only, == *,ctr,* ]] && engines+=(containerd)
[[ ,$only, == *,docker,* ]] && engines+=(docker)
[ ${#engines[@]} -gt 0 ] || bench_die "--only names none of podman, ctr, docker"

stop_engines() {
        local e
        for e in "${engines[@]}"; do
                [ -n "${made[$e]:-}" ] || continue
                env "KEEL_${e^^}_DIR=${dirs[$e]}" KEEL="$KEEL" \
                        bash "$top/tests/engines/$e-setup.sh" teardown || true
        done
}
trap stop_engines EXIT

# hop DIR NAME REAL: DIR/runtime/NAME becomes `exec REAL` (crun with the
# tests' preload when setup built one).
hop() {
        local env=
        [ "$2" = crun ] && [ -f "$1/runtime/memlock.so" ] && env="LD_PRELOAD=$1/runtime/memlock.so "
        printf '#!/bin/sh\n%sexec %s "$@"\n' "$env" "$3" >"$1/runtime/$2"
        chmod +x "$1/runtime/$2"
}

for e in "${engines[@]}"; do
        d=${dirs[$e]}
        [ -f "$d/holder.pid" ] || made[$e]=1
        env "KEEL_${e^^}_DIR=$d" KEEL="$KEEL" bash "$top/tests/engines/$e-setup.sh" setup >&2
        hop "$d" keel "$d/runtime/keel.bin"
        case $e in
        podman | containerd)
                [ "$(cat "$d/crun.status")" = ok ] || bench_die "$e cannot run crun here: $(cat "$d/crun.status")"
                hop "$d" crun "$(command -v crun)"
                ;;
        esac
        case $e in
        containerd) hop "$d" runc "$(command -v runc)" ;;
        docker)
                [ "$(cat "$d/runc.status")" = ok ] || bench_die "docker cannot run runc here: $(cat "$d/runc.status")"
                hop "$d" runc "$(command -v runc)"
                ;;
        esac
done

cmd="${BENCH_CMD:-bench/engines.sh}${args:+ $args}"
[ -n "${BENCH_N:-}" ] && cmd="BENCH_N=$BENCH_N $cmd"
python3 - "$n" "$cmd" "${engines[@]}" <<'PY'
import os, statistics, subprocess, sys, time
n, cmd, engines = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
P, C, D = "/tmp/keel-bench-podman", "/tmp/keel-bench-containerd", "/tmp/keel-bench-docker"
IMG = "localhost/keel-busybox"
rows = []       # (engine, runtime, reference runtime, argv(i))
if "podman" in engines:
    for rt in ("keel", "crun"):
        rows.append(("podman run --rm", rt, "crun",
                     lambda i, rt=rt: [f"{P}/bin/podman", "--runtime", rt, "run", "--rm", IMG, "true"]))
if "containerd" in engines:
    for rt in ("keel", "crun", "runc"):
        rows.append(("ctr run --rm", rt, "crun",
                     lambda i, rt=rt: [f"{C}/bin/ctr", "run", "--rm", "--cpu-shares", "0", "--runc-binary",
                                       f"{C}/runtime/{rt}", IMG + ":latest", f"bench-{rt}-{i}", "true"]))
if "docker" in engines:
    for rt, name in (("keel", "keel"), ("runc", "runc-ref")):
        rows.append(("docker run --rm", rt, "runc",
                     lambda i, name=name: [f"{D}/bin/docker", "run", "--rm", "--network", "none",
                                           "--runtime", name, IMG, "true"]))

def once(argv):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return dt

for w in range(2):
    for k, row in enumerate(rows):
        once(row[3](f"w{w}-{os.getpid()}"))
times = [[] for _ in rows]
load0 = os.getloadavg()[0]
for i in range(n):
    order = list(range(len(rows)))
    order = order[i % len(rows):] + order[:i % len(rows)]
    for k in order:
        times[k].append(once(rows[k][3](f"{i}-{os.getpid()}")))
load1 = os.getloadavg()[0]

med = {(r[0], r[1]): statistics.median(t) for r, t in zip(rows, times)}
print(f"`{cmd}`: {n} rounds, load average {load0:.2f} before, {load1:.2f} after\n")
print("| command | runtime | median ms | p25 ms | p75 ms | ratio to the reference |")
print("|---|---|---|---|---|---|")
for r, t in zip(rows, times):
    q = statistics.quantiles(t, n=4)
    ref = med[(r[0], r[2])]
    mark = " (reference)" if r[1] == r[2] else ""
    print(f"| {r[0]} | {r[1]}{mark} | {med[(r[0], r[1])]*1000:.1f} | {q[0]*1000:.1f} | {q[2]*1000:.1f} "
          f"| {med[(r[0], r[1])]/ref:.2f} × {r[2]} |")
PY
