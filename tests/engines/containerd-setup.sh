#!/bin/bash
# containerd (ctr + the runc v2 shim) driving keel, in a sandbox that leaves
# the host alone.  The same sandbox as podman-setup.sh (see README.md).
#
#   containerd-setup.sh [setup]   install containerd if missing, build the sandbox,
#                                 start containerd, import the image (idempotent)
#   containerd-setup.sh teardown  stop everything it started and remove all it made
#
# Environment:
#   KEEL                 runtime to test (default: <top>/build/keel); copied into
#                        the scratch dir, so a rebuild during a run does not change it
#   KEEL_CONTAINERD_DIR  scratch directory (default /tmp/keel-containerd)
#
# After setup:
#   $DIR/bin/ctr         ctr inside the sandbox, talking to the private containerd
#   $DIR/runtime/keel    keel behind an argv-logging wrapper (logs/keel.argv)
#   $DIR/runtime/crun    crun behind the same wrapper (logs/crun.argv), the reference
#   $DIR/crun.status     "ok", or why crun cannot run here
# Use them as `ctr run --runc-binary $DIR/runtime/keel --cpu-shares 0 IMAGE ID CMD`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEEL=${KEEL:-$top/build/keel}
DIR=${KEEL_CONTAINERD_DIR:-/tmp/keel-containerd}
. "$(dirname "$0")/engine-lib.sh"
NAME=$(basename "$DIR")
IMAGE=localhost/keel-busybox:latest

CG=$(cgroup2_base)/$NAME

containerd_alive() {
        pid_alive "$DIR/containerd.pid" /usr/bin/containerd
}

# apt may start the packaged containerd.service on a systemd host: a second
# daemon on /run/containerd is not wanted, so forbid service starts meanwhile.
install_packages() {
        local pkgs=() policy=/usr/sbin/policy-rc.d
        command -v containerd >/dev/null && command -v containerd-shim-runc-v2 >/dev/null ||
                pkgs+=(containerd)
        command -v crun >/dev/null || pkgs+=(crun)
        [ ${#pkgs[@]} -eq 0 ] && return
        export DEBIAN_FRONTEND=noninteractive
        if [ ! -e $policy ]; then
                printf '#!/bin/sh\nexit 101\n' >$policy
                chmod +x $policy
                # shellcheck disable=SC2064 # the path is fixed now
                trap "rm -f $policy" EXIT
        fi
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 ||
                { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
}

# A blob of the OCI layout: $1 the file, $2 its media type; prints its
# descriptor and moves it to blobs/sha256/<digest>.
add_blob() {
        local sum size
        sum=$(sha256sum "$1" | cut -d' ' -f1)
        size=$(stat -c %s "$1")
        mv "$1" "$DIR/image/oci/blobs/sha256/$sum"
        printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$sum" "$size"
}

# A one-layer busybox-static image as an OCI archive, for `ctr image import`.
# The index names it through io.containerd.image.name.
build_image() {
        local r=$DIR/image/rootfs o=$DIR/image/oci layer config manifest diff
        [ -f "$DIR/image/busybox-oci.tar" ] && return
        rm -rf "$DIR/image"
        mkdir -p "$r"/{bin,etc,dev,proc,sys,tmp,root,run} "$o/blobs/sha256"
        cp /bin/busybox "$r/bin/busybox"
        chroot "$r" /bin/busybox --install -s /bin
        chmod 1777 "$r/tmp"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
                >"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
        tar --numeric-owner -C "$r" -cf "$o/layer.tar" .
        rm -rf "$r"
        # an uncompressed layer: its diff id is its digest
        diff=sha256:$(sha256sum "$o/layer.tar" | cut -d' ' -f1)
        layer=$(add_blob "$o/layer.tar" application/vnd.oci.image.layer.v1.tar)
        printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
                "$(dpkg --print-architecture)" "$diff" >"$o/config.json"
        config=$(add_blob "$o/config.json" application/vnd.oci.image.config.v1+json)
        printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
                "$config" "$layer" >"$o/manifest.json"
        manifest=$(add_blob "$o/manifest.json" application/vnd.oci.image.manifest.v1+json)
        printf '{"schemaVersion":2,"manifests":[%s]}' \
                "${manifest%\}},\"annotations\":{\"io.containerd.image.name\":\"$IMAGE\",\"org.opencontainers.image.ref.name\":\"latest\"}}" \
                >"$o/index.json"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
        tar -C "$o" -cf "$DIR/image/busybox-oci.tar" oci-layout index.json blobs
        rm -rf "$o"
}

# runtime/NAME: log argv and rc ("[pid] argv", "[pid] rc=N") to
# logs/NAME.argv; the shim's --log dir keeps the last config.json and
# process.json.  Not exec: the rc line is worth the extra process.
write_runtime_wrapper() {       # NAME REAL [ENV]
        cat >"$DIR/runtime/$1" <<EOF
#!/bin/bash
log=$DIR/logs/$1.argv
{ printf '[%s] %s' "\$\$" "\$(date +%T.%N)"; printf ' %q' "\$@"; echo; } >>\$log
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
echo "[\$\$] rc=\$rc" >>\$log
exit \$rc
EOF
        chmod +x "$DIR/runtime/$1"
}

write_containerd_config() {
        mkdir -p "$DIR/root"
        cat >"$DIR/config.toml" <<EOF
version = 2
root = "$DIR/root"
# on the sandbox's private /run, gone with it
state = "/run/$NAME"
# CRI wants CNI and a pause image: tests use ctr only
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
        "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
        "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "$DIR/containerd.sock"
[ttrpc]
  address = "$DIR/containerd.sock.ttrpc"
[metrics]
  address = ""
EOF
}

# bin/nsrun CMD: run CMD in the sandbox, from the scratch cgroup's leaf
# /launch (a process outside the cgroup namespace's root would see "/.."
# paths).  fds above 2 are closed: a daemon must not keep a caller's pipe
# open.  bin/ctr: ctr through nsrun, on the private socket.
write_wrappers() {
        write_nsrun
        cat >"$DIR/bin/ctr" <<EOF
#!/bin/bash
exec $DIR/bin/nsrun ctr --address $DIR/containerd.sock "\$@"
EOF
        chmod +x "$DIR/bin/ctr"
}

start_containerd() {
        containerd_alive && return
        setsid "$DIR/bin/nsrun" /usr/bin/containerd --config "$DIR/config.toml" \
                </dev/null >"$DIR/logs/containerd.log" 2>&1 &
        echo $! >"$DIR/containerd.pid"
        for _ in $(seq 100); do
                "$DIR/bin/ctr" version >/dev/null 2>&1 && return
                still_starting "$DIR/containerd.pid" || break
                sleep 0.1
        done
        tail -20 "$DIR/logs/containerd.log" >&2
        die "containerd did not start"
}

import_image() {
        "$DIR/bin/ctr" image ls -q | grep -qx "$IMAGE" && return
        "$DIR/bin/ctr" image import "$DIR/image/busybox-oci.tar" >/dev/null
        "$DIR/bin/ctr" image ls -q | grep -qx "$IMAGE" || die "ctr image import did not make $IMAGE"
}

# Whether crun can run a container here decides if its tests run or skip.
check_crun() {
        local out
        [ -x "$DIR/runtime/crun" ] || return 0
        if out=$("$DIR/bin/ctr" run --rm --cpu-shares 0 --runc-binary "$DIR/runtime/crun" \
                "$IMAGE" ctrd-crun-probe echo ok 2>&1) && [ "$out" = ok ]; then
                echo ok >"$DIR/crun.status"
        else
                echo "crun cannot run a container here: $out" >"$DIR/crun.status"
        fi
        : >"$DIR/logs/crun.argv"
}

setup() {
        [ "$(id -u)" = 0 ] || die "needs root"
        [ -x "$KEEL" ] || die "no runtime at $KEEL (build keel first)"
        [ -x /bin/busybox ] || die "needs busybox-static"
        install_packages
        mkdir -p "$DIR"
        [ -e "$DIR/devnull.stat" ] || save_devnull
        build_image
        write_runtimes
        write_containerd_config
        write_wrappers
        start_holder
        start_containerd
        import_image
        [ -f "$DIR/crun.status" ] || check_crun
}

# Tasks first (the shim deletes them through the runtime), then containerd.
stop_containerd() {
        local pid t
        containerd_alive || return 0
        for t in $("$DIR/bin/ctr" task ls -q 2>/dev/null); do
                "$DIR/bin/ctr" task kill -a -s KILL "$t" >/dev/null 2>&1 || true
        done
        for t in $("$DIR/bin/ctr" task ls -q 2>/dev/null); do
                "$DIR/bin/ctr" task delete -f "$t" >/dev/null 2>&1 || true
        done
        for t in $("$DIR/bin/ctr" container ls -q 2>/dev/null); do
                "$DIR/bin/ctr" container delete "$t" >/dev/null 2>&1 || true
        done
        pid=$(cat "$DIR/containerd.pid")
        kill "$pid"
        for _ in $(seq 50); do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
}

teardown() {
        local pid
        restore_devnull
        stop_containerd
        if holder_alive; then
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
        # the sandbox's mounts died with its namespace; a host mount here is a bug
        if grep -q " ${DIR}[/ ]" /proc/self/mountinfo; then
                die "mounts left under $DIR"
        fi
        rm -rf "$DIR"
}

case ${1:-setup} in
setup) setup ;;
teardown) teardown ;;
*) die "usage: $0 [setup|teardown]" ;;
esac
