#!/bin/bash
# Docker 20.10 (dockerd, containerd and its runc v2 shim) driving keel, in a
# sandbox that leaves the host alone.  The same sandbox as podman-setup.sh
# (see README.md), plus a private /etc/docker.
#
#   docker-setup.sh [setup]   install docker.io if missing, build the sandbox,
#                             start containerd and dockerd, load the image
#                             (idempotent)
#   docker-setup.sh teardown  stop everything it started and remove all it made
#
# Environment:
#   KEEL              runtime to test (default: <top>/build/keel); copied into
#                     the scratch dir, so a rebuild during a run does not change it
#   KEEL_DOCKER_DIR   scratch directory (default /tmp/keel-docker)
#
# After setup:
#   $DIR/bin/docker    Debian's docker client (/usr/bin/docker) in the sandbox,
#                      on the private daemon; keel is dockerd's default runtime,
#                      `--runtime runc-ref` is runc, the reference
#   $DIR/bin/nsrun     runs any command inside the sandbox
#   $DIR/runtime/keel  keel behind an argv-logging wrapper (logs/keel.argv and,
#                      for the whole run, logs/keel-all.argv); runtime/runc the same
#   $DIR/runc.status   "ok", or why runc cannot run here
#
# dockerd runs with its own data root (under $DIR), exec root and containerd
# state (on the sandbox's /run), socket and pid file, the cgroupfs driver, no
# iptables, and its default bridge docker0, made in the sandbox's network
# namespace.  containerd is started here, not by dockerd, so that its config
# (CRI disabled, its own socket) and its log are ours.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
KEEL=${KEEL:-$top/build/keel}
DIR=${KEEL_DOCKER_DIR:-/tmp/keel-docker}
. "$(dirname "$0")/engine-lib.sh"
NAME=$(basename "$DIR")
IMAGE=localhost/keel-busybox:latest
DOCKER=/usr/bin/docker          # /usr/local/bin/docker may be another client

CG=$(cgroup2_base)/$NAME
# dockerd 20.10 writes /etc/docker/key.json by itself: a tmpfs in the sandbox.
# Forwarding on in the sandbox's network namespace only (docker warns on
# every run without it).
# shellcheck disable=SC2034 # read by start_holder (engine-lib.sh)
SANDBOX_INIT_EXTRA="mount -t tmpfs -o mode=755 tmpfs /etc/docker
echo 1 >/proc/sys/net/ipv4/ip_forward"

containerd_alive() {
        pid_alive "$DIR/containerd.pid" /usr/bin/containerd
}

dockerd_alive() {
        pid_alive "$DIR/dockerd.pid" /usr/sbin/dockerd
}

# apt would start docker.service and containerd.service on a systemd host:
# forbid service starts meanwhile.
install_packages() {
        local pkgs=() policy=/usr/sbin/policy-rc.d
        [ -x /usr/sbin/dockerd ] && [ -x $DOCKER ] && command -v containerd-shim-runc-v2 >/dev/null &&
                command -v runc >/dev/null && [ -x /usr/bin/docker-init ] || pkgs+=(docker.io)
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

# runtime/NAME: log argv and rc ("[pid] time argv", "[pid] rc=N") to
# logs/NAME.argv (emptied by each test) and logs/NAME-all.argv; keep the
# last config.json and process.json.  Not exec: the rc line is worth the
# extra process.
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

write_configs() {
        mkdir -p "$DIR/containerd" "$DIR/data" "$DIR/dockercfg"
        cat >"$DIR/containerd.toml" <<EOF
version = 2
root = "$DIR/containerd"
# on the sandbox's private /run, gone with it
state = "/run/$NAME-containerd"
# CRI wants CNI and a pause image: dockerd does not use it
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
        # keel as the default runtime; runc, through the same logging
        # wrapper, as the reference ("runc" itself is a reserved name)
        cat >"$DIR/daemon.json" <<EOF
{
  "default-runtime": "keel",
  "runtimes": {
    "keel": { "path": "$DIR/runtime/keel" },
    "runc-ref": { "path": "$DIR/runtime/runc" }
  },
  "exec-opts": ["native.cgroupdriver=cgroupfs"],
  "iptables": false,
  "ip6tables": false,
  "ip-forward": false,
  "ip-masq": false,
  "storage-driver": "overlay2",
  "log-driver": "json-file"
}
EOF
}

# bin/docker: the client through nsrun, on the private socket, with its own
# config directory (no ~/.docker).
write_wrappers() {
        write_nsrun
        cat >"$DIR/bin/docker" <<EOF
#!/bin/bash
export DOCKER_CONFIG=$DIR/dockercfg
exec $DIR/bin/nsrun $DOCKER -H unix://$DIR/docker.sock "\$@"
EOF
        chmod +x "$DIR/bin/docker"
}

start_containerd() {
        containerd_alive && return
        setsid "$DIR/bin/nsrun" /usr/bin/containerd --config "$DIR/containerd.toml" \
                </dev/null >"$DIR/logs/containerd.log" 2>&1 &
        echo $! >"$DIR/containerd.pid"
        for _ in $(seq 100); do
                [ -S "$DIR/containerd.sock" ] &&
                        "$DIR/bin/nsrun" ctr --address "$DIR/containerd.sock" version >/dev/null 2>&1 &&
                        return
                still_starting "$DIR/containerd.pid" || break
                sleep 0.1
        done
        tail -20 "$DIR/logs/containerd.log" >&2
        die "containerd did not start"
}

# nsrun execs nsenter, which execs dockerd: $! is dockerd's pid (its
# --pidfile says the same once it runs).
start_dockerd() {
        dockerd_alive && return
        setsid "$DIR/bin/nsrun" /usr/sbin/dockerd --config-file "$DIR/daemon.json" \
                --containerd "$DIR/containerd.sock" \
                --data-root "$DIR/data" --exec-root "/run/$NAME" \
                --pidfile "$DIR/dockerd.pidfile" -H "unix://$DIR/docker.sock" \
                </dev/null >"$DIR/logs/dockerd.log" 2>&1 &
        echo $! >"$DIR/dockerd.pid"
        for _ in $(seq 200); do
                "$DIR/bin/docker" version >/dev/null 2>&1 && return
                still_starting "$DIR/dockerd.pid" || break
                sleep 0.1
        done
        tail -20 "$DIR/logs/dockerd.log" >&2
        die "dockerd did not start"
}

load_image() {
        "$DIR/bin/docker" image inspect "$IMAGE" >/dev/null 2>&1 && return
        [ -f "$DIR/image/busybox.tar" ] || {
                mkdir -p "$DIR/image"
                build_busybox_archive "$DIR/image/busybox.tar" "$IMAGE"
        }
        "$DIR/bin/docker" load -q -i "$DIR/image/busybox.tar" >/dev/null
        "$DIR/bin/docker" image inspect "$IMAGE" >/dev/null || die "docker load did not make $IMAGE"
}

# Whether runc can run a container here decides if its tests run or skip.
check_runc() {
        local out
        if out=$("$DIR/bin/docker" run --rm --network none --runtime runc-ref "$IMAGE" echo ok 2>&1) &&
                [ "$out" = ok ]; then
                echo ok >"$DIR/runc.status"
        else
                echo "runc cannot run a container here: $out" >"$DIR/runc.status"
        fi
        : >"$DIR/logs/runc.argv"
        : >"$DIR/logs/runc-all.argv"
}

setup() {
        [ "$(id -u)" = 0 ] || die "needs root"
        [ -x "$KEEL" ] || die "no runtime at $KEEL (build keel first)"
        [ -x /bin/busybox ] || die "needs busybox-static"
        install_packages
        mkdir -p "$DIR/runtime" "$DIR/logs"
        [ -e "$DIR/devnull.stat" ] || save_devnull
        cp "$KEEL" "$DIR/runtime/keel.bin"
        write_runtime_wrapper keel "$DIR/runtime/keel.bin"
        write_runtime_wrapper runc "$(command -v runc)"
        write_configs
        write_wrappers
        start_holder
        start_containerd
        start_dockerd
        load_image
        [ -f "$DIR/runc.status" ] || check_runc
}

# Containers first (dockerd deletes them through the runtime), then dockerd,
# then containerd: each by its pid.
stop_daemons() {
        local pid c
        if dockerd_alive; then
                for c in $("$DIR/bin/docker" ps -aq 2>/dev/null); do
                        "$DIR/bin/docker" rm -f "$c" >/dev/null 2>&1 || true
                done
        fi
        for d in dockerd containerd; do
                "${d}_alive" || continue
                pid=$(cat "$DIR/$d.pid")
                kill "$pid"
                for _ in $(seq 100); do
                        kill -0 "$pid" 2>/dev/null || break
                        sleep 0.1
                done
                kill -9 "$pid" 2>/dev/null || true
        done
}

teardown() {
        local pid
        restore_devnull
        stop_daemons
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
