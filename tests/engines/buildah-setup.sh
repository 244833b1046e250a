#!/bin/bash
# Buildah 1.28 running the RUN steps of a build through keel
# (`--runtime PATH --isolation oci`), in a sandbox that leaves the host
# alone: the same sandbox as podman-setup.sh (see README.md).
#
#   buildah-setup.sh [setup]   install buildah (and crun) if missing, build the
#                              sandbox and the base image (idempotent)
#   buildah-setup.sh teardown  stop everything it started and remove all it made
#
# Environment:
#   KEEL               runtime to test (default: <top>/build/keel); copied into
#                      the scratch dir, so a rebuild during a run does not change it
#   KEEL_BUILDAH_DIR   scratch directory (default /tmp/keel-buildah)
#
# After setup:
#   $DIR/bin/buildah   buildah in the sandbox, with private containers.conf and
#                      storage (overlay under $DIR, run root on the sandbox's /run)
#   $DIR/bin/nsrun     runs any command inside the sandbox
#   $DIR/runtime/keel  keel behind an argv-logging wrapper (logs/keel.argv);
#                      runtime/crun the same, the reference
#   $DIR/crun.status   "ok", or why crun cannot run here
#   $DIR/image/busybox.tar  the base image, an OCI archive (FROM oci-archive:...)
# Use them as `bin/buildah bud --runtime $DIR/runtime/keel --isolation oci ...`.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEEL=${KEEL:-$top/build/keel}
DIR=${KEEL_BUILDAH_DIR:-/tmp/keel-buildah}
. "$(dirname "$0")/engine-lib.sh"
NAME=$(basename "$DIR")

CG=$(cgroup2_base)/$NAME

install_packages() {
        local pkgs=()
        command -v buildah >/dev/null || pkgs+=(buildah)
        command -v crun >/dev/null || pkgs+=(crun)
        [ ${#pkgs[@]} -eq 0 ] && return
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 ||
                { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
}

# runtime/NAME: log argv and rc ("[pid] time argv", "[pid] rc=N") to
# logs/NAME.argv, keep the last config.json.  Not exec: the rc line is worth
# the extra process.
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

write_configs() {
        cat >"$DIR/containers.conf" <<EOF
[containers]
netns = "none"
# no pids controller in the sandbox, and keel refuses limits it cannot apply
pids_limit = 0

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$DIR/events.log"
EOF
        cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$DIR/storage"
runroot = "/run/$NAME"
EOF
}

# bin/buildah: buildah through nsrun, with our config and storage.
write_wrappers() {
        write_nsrun
        cat >"$DIR/bin/buildah" <<EOF
#!/bin/bash
export CONTAINERS_CONF=$DIR/containers.conf CONTAINERS_STORAGE_CONF=$DIR/storage.conf
exec $DIR/bin/nsrun buildah "\$@"
EOF
        chmod +x "$DIR/bin/buildah"
}

# Whether crun can run a RUN step here decides if its tests run or skip.
check_crun() {
        local out ctr
        [ -x "$DIR/runtime/crun" ] || return 0
        if ctr=$("$DIR/bin/buildah" from -q "oci-archive:$DIR/image/busybox.tar" 2>&1) &&
                out=$("$DIR/bin/buildah" run --runtime "$DIR/runtime/crun" --isolation oci \
                        "$ctr" -- echo ok 2>&1) && [ "$out" = ok ]; then
                echo ok >"$DIR/crun.status"
        else
                echo "crun cannot run a container here: ${out:-$ctr}" >"$DIR/crun.status"
        fi
        "$DIR/bin/buildah" rm -a >/dev/null 2>&1 || true
        : >"$DIR/logs/crun.argv"
        : >"$DIR/logs/crun-all.argv"
}

setup() {
        [ "$(id -u)" = 0 ] || die "needs root"
        [ -x "$KEEL" ] || die "no runtime at $KEEL (build keel first)"
        [ -x /bin/busybox ] || die "needs busybox-static"
        install_packages
        mkdir -p "$DIR/image"
        [ -e "$DIR/devnull.stat" ] || save_devnull
        [ -f "$DIR/image/busybox.tar" ] ||
                build_busybox_archive "$DIR/image/busybox.tar" localhost/keel-busybox:latest
        write_runtimes
        write_configs
        write_wrappers
        start_holder
        [ -f "$DIR/crun.status" ] || check_crun
}

teardown() {
        local pid
        restore_devnull
        if holder_alive; then
                "$DIR/bin/buildah" rm -a >/dev/null 2>&1 || true
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
