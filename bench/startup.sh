#!/bin/bash
# Side-by-side start-up benchmark: keel, crun and runc run the same busybox
# bundle (process: /bin/true) N times, interleaved (keel crun runc keel ...),
# in a private mount namespace where /sys/fs/cgroup is a bind of a scratch
# directory of the cgroup2 hierarchy (the host's v1 hierarchies are never
# touched; see TESTING.md).  Prints per-runtime median wall time and peak
# RSS of the runtime process, and ratios to keel.  Never used in tests.
#
#   bench/startup.sh [N]   (default 30; needs crun, runc, busybox-static, jq, python3, time)
set -euo pipefail
N=${1:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
KEEL=${KEEL:-$top/build/keel}
work=$(mktemp -d /tmp/keel-bench.XXXXXX)
cg=/sys/fs/cgroup/unified/keel-bench-$$
trap 'rm -rf "$work"; rmdir "$cg"/*/ "$cg" 2>/dev/null || true' EXIT

for t in crun runc jq python3 /usr/bin/time; do
        command -v "$t" >/dev/null || { echo "bench: $t is missing (apt-get install $t)" >&2; exit 1; }
done
mkdir -p "$work/b/rootfs/bin" "$cg"
cp /bin/busybox "$work/b/rootfs/bin/"
ln -s busybox "$work/b/rootfs/bin/true"
"$KEEL" spec --bundle "$work/b"
jq '.ociVersion="1.0.2" | .process.terminal=false | .process.args=["/bin/true"]' "$work/b/config.json" >"$work/c.json"
mv "$work/c.json" "$work/b/config.json"

# One timed run: wall time of the whole command (python's clock) and the
# runtime's peak RSS from GNU time (its fork+exec costs every runtime the same).
cat >"$work/one.py" <<'PY'
import os, subprocess, sys, tempfile, time
fd, rss = tempfile.mkstemp()
os.close(fd)
argv = ["/usr/bin/time", "-f", "%M", "-o", rss] + sys.argv[1:]
t0 = time.perf_counter_ns()
r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
t1 = time.perf_counter_ns()
kib = open(rss).read().split()[-1]
os.unlink(rss)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.exit(1)
print(t1 - t0, kib)
PY

cat >"$work/inner.sh" <<'SH'
set -euo pipefail
mount --bind "$CG" /sys/fs/cgroup
i=0
for ((i = 0; i < N; i++)); do
        for rt in keel crun runc; do
                case $rt in
                keel) cmd=("$KEEL" --root "$WORK/s-keel" run --bundle "$WORK/b" "k$i") ;;
                crun) cmd=(crun --cgroup-manager=disabled --root "$WORK/s-crun" run --bundle "$WORK/b" "c$i") ;;
                runc) cmd=(runc --root "$WORK/s-runc" run --bundle "$WORK/b" "r$i") ;;
                esac
                echo "$rt $(python3 "$WORK/one.py" "${cmd[@]}")"
        done
done
SH
CG=$cg N=$N KEEL=$KEEL WORK=$work unshare -m --propagation private bash "$work/inner.sh" >"$work/results"

python3 - "$work/results" <<'PY'
import statistics, sys
data = {}
for line in open(sys.argv[1]):
    rt, ns, rss = line.split()
    data.setdefault(rt, ([], []))
    data[rt][0].append(int(ns) / 1e6)
    data[rt][1].append(int(rss))
k = statistics.median(data["keel"][0])
kr = statistics.median(data["keel"][1])
print(f"{'runtime':8} {'median ms':>10} {'ratio':>6} {'max RSS KiB':>12} {'ratio':>6}  (n={len(data['keel'][0])})")
for rt in ("keel", "crun", "runc"):
    m = statistics.median(data[rt][0]); r = statistics.median(data[rt][1])
    print(f"{rt:8} {m:10.2f} {m / k:6.2f} {r:12.0f} {r / kr:6.2f}")
PY
