# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash disable=SC2154,SC2016
# Sourced by bench/run.sh and bench/profile.sh: the scratch directory, the
# busybox rootfs and bundles, the scratch cgroup and the private mount
# namespace every runtime runs in (TESTING.md: the host's v1 hierarchies
# are never touched, crun and runc only ever run in here).
#
# Expects top (the source tree); sets KEEL FLOOR work cg.
# Needs: root, busybox, python3, cc, unshare.

bench_die() {
        echo "bench: $*" >&2
        exit 1
}

bench_need() {
        local t
        for t in "$@"; do
                command -v "$t" >/dev/null || bench_die "$t is missing"
        done
}

bench_find_keel() {
        if [ -z "${KEEL:-}" ]; then
                KEEL=$PWD/keel
                [ -x "$KEEL" ] || KEEL=$top/build/keel
        fi
        [ -x "$KEEL" ] || bench_die "no keel binary at $KEEL (set KEEL)"
        KEEL=$(realpath "$KEEL")
}

bench_cleanup() {
        [ -n "${cg:-}" ] && [ -d "$cg" ] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
        [ -n "${work:-}" ] && rm -rf "$work"
}

# A bundle sharing the rootfs, running "$@", with the oldest spec version
# all three runtimes accept; the fields are the ones keel's template fills.
bench_bundle() {
        local b=$work/bundle-$1
        shift
        mkdir "$b"
        "$KEEL" spec --bundle "$b"
        python3 - "$b/config.json" "$work/rootfs" "$@" <<'PY'
import json, sys
path, rootfs, args = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path) as f:
    cfg = json.load(f)
cfg["ociVersion"] = "1.0.2"
cfg["process"]["terminal"] = False
cfg["process"]["args"] = args
cfg["root"] = {"path": rootfs, "readonly": False}
with open(path, "w") as f:
    json.dump(cfg, f, indent=1)
PY
}

bench_setup() {
        bench_need busybox python3 cc unshare
        [ "$(id -u)" = 0 ] || bench_die "needs root (namespaces, mounts)"
        bench_find_keel
        work=$(mktemp -d /tmp/keel-bench.XXXXXX)
        trap bench_cleanup EXIT
        if [ -d /sys/fs/cgroup/unified ]; then
                cg=/sys/fs/cgroup/unified/keel-bench-$$
        elif [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
                cg=/sys/fs/cgroup/keel-bench-$$
        else
                bench_die "no cgroup2 hierarchy"
        fi
        mkdir "$cg"
        if [ -z "${FLOOR:-}" ]; then
                echo '#define _GNU_SOURCE 1' >"$work/config.h"
                FLOOR=$work/floor
                cc -O2 -Wall -I"$work" -o "$FLOOR" "$top/bench/floor.c"
        fi
        FLOOR=$(realpath "$FLOOR")
        mkdir -p "$work"/rootfs/{bin,dev,proc,sys} "$work/run"
        cp "$(command -v busybox)" "$work/rootfs/bin/busybox"
        local a
        for a in true sleep sh; do
                ln -s busybox "$work/rootfs/bin/$a"
        done
        bench_bundle true /bin/true
        bench_bundle sleep /bin/sleep 3600
}

# Run "$@" in a private mount namespace where /sys/fs/cgroup is the scratch
# cgroup and $work/run, where the state roots go, is a tmpfs as /run is in
# production (BENCH_STATE=disk keeps it on $work's file system).
bench_ns() {
        CG=$cg RUNDIR=$work/run BENCH_STATE=${BENCH_STATE:-tmpfs} \
                unshare -m --propagation private bash -c '
                mount --bind "$CG" /sys/fs/cgroup || exit 1
                if [ "$BENCH_STATE" = tmpfs ]; then
                        mount -t tmpfs -o mode=0700 keel-bench "$RUNDIR" || exit 1
                fi
                exec "$@"' bench "$@"
}
