#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# keel run --image against podman run (crun) of the same OCI image layout:
# wall time of running /bin/true in a busybox image, the layer store warm
# (layers extracted by an earlier run) and cold (store emptied before each
# sample, untimed), with a plain `keel run --bundle` of the same rootfs as
# the reference.  Prints a markdown table of medians.  Never used in tests.
#
#   bench/image.sh [-n N]
#
# Neither side gets a cgroup: podman runs with --cgroups=disabled (crun 1.8
# cannot load its device filter here, docs/performance.md), keel with
# --cgroup-manager disabled.  podman runs in the sandbox of
# tests/engines/podman-setup.sh (its own mount, cgroup and net namespace;
# made here in KEEL_PODMAN_DIR, default /tmp/keel-bench-podman, and removed
# afterwards unless it was already there); keel and the harness in a
# private mount namespace with the state roots on a tmpfs.
#
# Environment: KEEL (default ./keel, then build/keel), BENCH_N (samples per
# row, default 10), BENCH_CMD (how the report names the command).  Needs
# root, podman, crun, busybox, python3, cc, unshare.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/setup.sh"
n=${BENCH_N:-10}
while [ $# -gt 0 ]; do
        case $1 in
        -n) n=$2; shift 2 ;;
        *) bench_die "usage: $0 [-n N]" ;;
        esac
done
bench_need podman crun
bench_setup

export KEEL_PODMAN_DIR=${KEEL_PODMAN_DIR:-/tmp/keel-bench-podman}
podman_made=
if [ ! -f "$KEEL_PODMAN_DIR/holder.pid" ]; then
        podman_made=1
fi
# podman names an image pulled from oci:DIR after DIR, which must then be
# lower case: mktemp's is not.
image=/tmp/keel-bench-image.$$
stop_podman() {
        [ -n "$podman_made" ] && KEEL=$KEEL bash "$top/tests/engines/podman-setup.sh" teardown
        rm -rf "$image"
        bench_cleanup
}
trap stop_podman EXIT
KEEL=$KEEL bash "$top/tests/engines/podman-setup.sh" setup
[ "$(cat "$KEEL_PODMAN_DIR/crun.status")" = ok ] ||
        bench_die "podman cannot run crun here: $(cat "$KEEL_PODMAN_DIR/crun.status")"

# The image: the bench rootfs as one gzip layer, Cmd /bin/true.
python3 - "$work/rootfs" "$image" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
rootfs, out = sys.argv[1], sys.argv[2]
os.makedirs(out + "/blobs/sha256")
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.add(rootfs, arcname=".")
tar = buf.getvalue()
layer = blob(gzip.compress(tar, mtime=0))
cfg = blob(json.dumps({"architecture": "amd64", "os": "linux",
                       "config": {"Cmd": ["/bin/true"], "Env": ["PATH=/bin"]},
                       "rootfs": {"type": "layers",
                                  "diff_ids": ["sha256:" + hashlib.sha256(tar).hexdigest()]}}).encode())
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cfg),
                       "layers": [dict(mediaType="application/vnd.oci.image.layer.v1.tar+gzip", **layer)]}).encode())
json.dump({"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json",
                                                  annotations={"org.opencontainers.image.ref.name": "bench"}, **man)]},
          open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
PY

podman=$KEEL_PODMAN_DIR/bin/podman
ref=oci:$image:bench
# podman's image id is the config's digest, whatever name the pull gave it.
pname=$(python3 -c 'import json, sys
d = sys.argv[1]
m = json.load(open(d + "/index.json"))["manifests"][0]["digest"].split(":")[1]
print(json.load(open(d + "/blobs/sha256/" + m))["config"]["digest"].split(":")[1])' "$image")
cmd="${BENCH_CMD:-bench/image.sh} -n $n"

WORK=$work KEEL=$KEEL PODMAN=$podman REF=$ref PNAME=$pname N=$n CMD=$cmd \
        unshare -m --propagation private python3 - <<'PY'
import os, statistics, subprocess, sys, time
w, keel, podman = os.environ["WORK"], os.environ["KEEL"], os.environ["PODMAN"]
ref, pname, n = os.environ["REF"], os.environ["PNAME"], int(os.environ["N"])
run = w + "/run"
subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700", "keel-bench", run], check=True)
k = lambda root: [keel, "--cgroup-manager", "disabled", "--root", f"{run}/{root}"]
pod = [podman, "--runtime", "crun"]
prun = pod + ["run", "--rm", "--cgroups=disabled"]
quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def sh(args):
    r = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: {' '.join(args)}: exit {r.returncode}: {r.stderr.strip()}")

# Each row: (name, command taking a sample index, untimed preparation).
rows = [
    ("keel run --bundle (plain rootfs, reference)",
     lambda i: k("plain") + ["run", "--bundle", f"{w}/bundle-true", f"imgb-p{i}"], None),
    ("keel run --image, layers warm",
     lambda i: k("warm") + ["run", "--image", ref, f"imgb-w{i}"], None),
    ("keel run --image, layers cold",
     lambda i: k(f"cold{i}") + ["run", "--image", ref, f"imgb-c{i}"], None),
    ("podman run (crun), image warm", lambda i: prun + [pname], None),
    ("podman run (crun), image cold (pull oci: + run)",
     lambda i: prun + [ref], lambda i: subprocess.run(pod + ["rmi", "-f", pname], **quiet)),
]
# Warm both stores once, untimed.
sh(k("warm") + ["run", "--image", ref, "imgb-warmup"])
sh(prun + [ref])
times = {name: [] for name, _, _ in rows}
for i in range(n):
    for name, cmd, prep in rows:
        if prep:
            prep(i)
        t0 = time.perf_counter()
        r = subprocess.run(cmd(i), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            sys.exit(f"bench: {' '.join(cmd(i))}: exit {r.returncode}: {r.stderr.strip()}")
        times[name].append(dt * 1000)
    subprocess.run(["rm", "-rf", f"{run}/cold{i}"])
base = statistics.median(times[rows[3][0]])
print(f"`{os.environ['CMD']}`, {n} samples per row, rows interleaved; load average at the end: "
      f"{os.getloadavg()[0]:.1f}\n")
print("| `run` of /bin/true | median ms | min ms | ratio to podman warm |")
print("|---|---|---|---|")
for name, _, _ in rows:
    v = times[name]
    print(f"| {name} | {statistics.median(v):.1f} | {min(v):.1f} | {statistics.median(v) / base:.2f} |")
PY
