#!/bin/bash
# podman (with conmon) driving keel, in a sandbox that leaves the host alone.
#
#   podman-setup.sh [setup]   install podman, conmon and crun if missing, build the
#                             sandbox (idempotent)
#   podman-setup.sh teardown  stop everything it started and remove all it made
#
# Environment:
#   KEEL              runtime to test (default: <top>/build/keel); copied into the
#                     sandbox, so a rebuild during a run does not change it
#   KEEL_PODMAN_DIR   scratch directory (default /tmp/keel-podman)
#
# After setup:
#   $DIR/bin/podman    podman inside the sandbox, keel the default runtime
#                      (also `--runtime keel`); `--runtime crun` is the reference
#   $DIR/bin/nsrun     runs any command inside the sandbox (e.g. `keel state`)
#   $DIR/runtime/keel  keel behind an argv-logging wrapper (logs/keel.argv and,
#                      for the whole run, logs/keel-all.argv); runtime/crun the same
#   $DIR/crun.status   "ok", or why crun cannot run here
#
# Why a sandbox: on a hybrid-cgroup host the v1 hierarchies belong to others,
# so podman must not see them.  A holder process keeps a private mount, cgroup
# and net namespace alive.  In it /sys/fs/cgroup is a cgroup2 mount rooted at a
# scratch subtree of the host's cgroup2 tree, /run is a tmpfs (podman's and
# keel's state) and /var/lib is a copy-on-write overlay (stray engine writes).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEEL=${KEEL:-$top/build/keel}
DIR=${KEEL_PODMAN_DIR:-/tmp/keel-podman}
. "$(dirname "$0")/engine-lib.sh"
NAME=$(basename "$DIR")

CG=$(cgroup2_base)/$NAME

install_podman() {
        command -v podman >/dev/null && command -v conmon >/dev/null && command -v crun >/dev/null &&
                return
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends podman conmon crun >/dev/null 2>&1 ||
                { apt-get update -qq && apt-get install -y -qq --no-install-recommends podman conmon crun >/dev/null; }
}

# A busybox-static root file system as a plain tarball, for `podman import`.
build_image_tar() {
        local r=$DIR/image/rootfs a
        [ -f "$DIR/image/rootfs.tar" ] && return
        rm -rf "$DIR/image"
        mkdir -p "$r"/{bin,etc,dev,proc,sys,tmp,root,run}
        cp /bin/busybox "$r/bin/busybox"
        for a in $(/bin/busybox --list); do
                [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
        done
        chmod 1777 "$r/tmp"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
                >"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
        tar --numeric-owner -C "$r" -cf "$DIR/image/rootfs.tar" .
        rm -rf "$r"
}

# runtime/NAME runs REAL and logs each call as "[pid] time argv" and
# "[pid] rc=N" to logs/NAME.argv (emptied by each test) and to
# logs/NAME-all.argv (the whole run), and keeps the last config.json and exec
# process.json.  podman keys its per-runtime feature lists on the basename:
# keep NAME.  Not exec: the rc line is worth the extra process.  stderr is
# left alone, it is the container's stderr after create.
write_runtime_wrapper() {       # NAME REAL [ENV]
        cat >"$DIR/runtime/$1" <<EOF
#!/bin/bash
line="[\$\$] \$(date +%T.%N)\$(printf ' %q' "\$@")"
echo "\$line" >>$DIR/logs/$1.argv
echo "\$line" >>$DIR/logs/$1-all.argv
prev=
for a in "\$@"; do
        case \$prev in
        --bundle|-b) cp "\$a/config.json" $DIR/logs/$1-last-config.json 2>/dev/null ;;
        --process|-p) cp "\$a" $DIR/logs/$1-last-process.json 2>/dev/null ;;
        esac
        prev=\$a
done
${3:-} $2 "\$@"
rc=\$?
echo "[\$\$] rc=\$rc" >>$DIR/logs/$1.argv
exit \$rc
EOF
        chmod +x "$DIR/runtime/$1"
}

write_podman_config() {
        local hn hu
        # Without CAP_SYS_RESOURCE a runtime cannot raise hard limits, and
        # podman's rootful defaults (1048576) are above ours.  podman caps
        # its own RLIMIT_NPROC at 32768.
        hn=$(ulimit -Hn)
        hu=$(ulimit -Hu)
        [ "$hn" = unlimited ] && hn=1048576
        if [ "$hu" = unlimited ] || [ "$hu" -gt 32768 ]; then
                hu=32768
        fi
        mkdir -p "$DIR/cni"
        cat >"$DIR/containers.conf" <<EOF
[containers]
netns = "none"
cgroupns = "private"
log_driver = "k8s-file"
# no pids controller in the sandbox, and keel refuses limits it cannot apply
pids_limit = 0
# conmon stays in the caller's cgroup: there is no controller to give it one
cgroups = "no-conmon"
default_ulimits = ["nofile=$hn:$hn", "nproc=$hu:$hu"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
runtime = "keel"
# podman 4.3 reads the singular runtime_supports_nocgroup (the docs' plural
# is ignored); without it --cgroups=disabled is refused
runtime_supports_json = ["crun", "runc", "keel"]
runtime_supports_nocgroup = ["crun", "keel"]

[engine.runtimes]
keel = ["$DIR/runtime/keel"]
crun = ["$DIR/runtime/crun"]

[network]
network_backend = "cni"
network_config_dir = "$DIR/cni"
EOF
        cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "/run/$NAME"
EOF
}

# bin/nsrun CMD: run CMD in the sandbox, from the scratch cgroup's leaf
# /launch (a process outside the cgroup namespace's root would see "/.."
# paths).  fds above 2 are closed: a daemon (conmon) must not keep a
# caller's pipe open.  bin/podman: podman through nsrun, with our config.
write_podman_wrapper() {
        write_nsrun
        cat >"$DIR/bin/podman" <<EOF
#!/bin/bash
export CONTAINERS_CONF=$DIR/containers.conf CONTAINERS_STORAGE_CONF=$DIR/storage.conf
exec $DIR/bin/nsrun podman "\$@"
EOF
        chmod +x "$DIR/bin/podman"
}

import_image() {
        "$DIR/bin/podman" image exists localhost/keel-busybox:latest && return
        "$DIR/bin/podman" import -q --change 'CMD ["/bin/sh"]' \
                --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
                "$DIR/image/rootfs.tar" localhost/keel-busybox:latest >/dev/null
}

# Whether crun can run a container here decides if its tests run or skip.
check_crun() {
        local out
        [ -x "$DIR/runtime/crun" ] || return 0
        if out=$("$DIR/bin/podman" --runtime crun run --rm localhost/keel-busybox echo ok 2>&1) &&
                [ "$out" = ok ]; then
                echo ok >"$DIR/crun.status"
        else
                echo "crun cannot run a container here: $out" >"$DIR/crun.status"
        fi
        : >"$DIR/logs/crun.argv"
        : >"$DIR/logs/crun-all.argv"
}

setup() {
        [ "$(id -u)" = 0 ] || die "needs root"
        [ -x "$KEEL" ] || die "no runtime at $KEEL (build keel first)"
        [ -x /bin/busybox ] || die "needs busybox-static"
        install_podman
        mkdir -p "$DIR"
        [ -e "$DIR/devnull.stat" ] || save_devnull
        build_image_tar
        write_runtimes
        write_podman_config
        write_podman_wrapper
        start_holder
        import_image
        [ -f "$DIR/crun.status" ] || check_crun
}

teardown() {
        local pid
        restore_devnull
        if holder_alive; then
                "$DIR/bin/podman" rm -a -f -t 0 >/dev/null 2>&1 || true
                pid=$(cat "$DIR/holder.pid")
                kill "$pid"
                for _ in $(seq 50); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.1
                done
        fi
        kill_cgroup_leftovers
        if [ -d "$CG" ]; then
                find "$CG" -mindepth 1 -depth -type d -exec rmdir {} \;
                rmdir "$CG"
        fi
        rm -rf "$DIR"
}

case ${1:-setup} in
setup) setup ;;
teardown) teardown ;;
*) die "usage: $0 [setup|teardown]" ;;
esac
