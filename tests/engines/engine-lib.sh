# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the engines' setup scripts (sourced; $DIR is the sandbox
# directory, $CG its scratch cgroup).

# crun 1.8 raises RLIMIT_MEMLOCK to infinity before loading its device
# filter and gives up on EPERM; without CAP_SYS_RESOURCE (this CI's
# bounding set) that always fails.  crun >= 1.14 keeps the hard limit and
# goes on; this preload (crun-memlock.c) does the same for that one call.
build_crun_preload() {
        gcc -O2 -shared -fPIC -o "$DIR/runtime/memlock.so" \
                "$(dirname "${BASH_SOURCE[0]}")/crun-memlock.c" -ldl
}

# has_cap N: capability number N is in our bounding set
has_cap() {
        local bnd
        bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        (((0x$bnd >> $1) & 1))
}

die() {
        echo "$(basename "$0" .sh): $*" >&2
        exit 1
}

# The host's cgroup2 mount: the unified hierarchy of a hybrid host, or the root.
cgroup2_base() {
        local d
        for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
                if [ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ]; then
                        echo "$d"
                        return
                fi
        done
        die "no cgroup2 mount under /sys/fs/cgroup"
}

# pid_alive PIDFILE CMD: that pid is alive and its command line starts
# with CMD (a recycled pid is not ours).
pid_alive() {
        local pid
        pid=$(cat "$1" 2>/dev/null) || return 1
        kill -0 "$pid" 2>/dev/null && grep -q "^$2" "/proc/$pid/cmdline"
}

# still_starting PIDFILE: the process started in the background is there,
# whatever it runs yet.  A daemon started through setsid, nsrun and nsenter
# shows its own command line only once the last exec is done: a start loop
# that tests pid_alive's command line gives up on a daemon still on its way
# (docker.bats' setup failed so once, on a loaded machine).
still_starting() {
        kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null
}

holder_alive() {
        pid_alive "$DIR/holder.pid" sleep &&
                [ "$(readlink "/proc/$(cat "$DIR/holder.pid")/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ]
}

# SANDBOX_INIT_EXTRA: more commands for the sandbox's init, run after the
# mounts above (e.g. a private /etc/docker).
start_holder() {
        holder_alive && return
        mkdir -p "$CG/holder" "$CG/launch"
        cat >"$DIR/sandbox-init.sh" <<EOF
#!/bin/bash
set -e
echo \$\$ >$CG/holder/cgroup.procs
umount -R -l /sys/fs/cgroup
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p $DIR/varlib
mount -t tmpfs -o mode=755 tmpfs $DIR/varlib
mkdir $DIR/varlib/upper $DIR/varlib/work
mount -t overlay overlay -o lowerdir=/var/lib,upperdir=$DIR/varlib/upper,workdir=$DIR/varlib/work /var/lib
${SANDBOX_INIT_EXTRA:-}
ip link set lo up 2>/dev/null || true
touch $DIR/ready
exec sleep infinity
EOF
        chmod +x "$DIR/sandbox-init.sh"
        rm -f "$DIR/ready"
        # The cgroup namespace is rooted where unshare runs: move there first.
        setsid bash -c "echo \$\$ >$CG/cgroup.procs &&
                exec unshare --mount --cgroup --net --propagation private $DIR/sandbox-init.sh" \
                </dev/null >"$DIR/sandbox.log" 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
        echo $! >"$DIR/holder.pid"
        for _ in $(seq 100); do
                [ -f "$DIR/ready" ] && return
                kill -0 "$(cat "$DIR/holder.pid")" 2>/dev/null || break
                sleep 0.05
        done
        cat "$DIR/sandbox.log" >&2
        die "the sandbox did not start"
}

# Processes still in the scratch cgroup were started through the sandbox
# (conmon, containers): end them by pid.
kill_cgroup_leftovers() {
        local pids
        [ -d "$CG" ] || return 0
        for _ in $(seq 50); do
                pids=$(find "$CG" -name cgroup.procs -exec cat {} + 2>/dev/null)
                [ -z "$pids" ] && return 0
                # a frozen process cannot die
                find "$CG" -name cgroup.freeze -exec sh -c 'echo 0 >"$1"' _ {} \; 2>/dev/null
                # shellcheck disable=SC2086 # one pid a word
                kill -9 $pids 2>/dev/null || true
                sleep 0.1
        done
        die "processes left in $CG: $pids"
}

# bin/nsrun CMD: run CMD in the sandbox, from the scratch cgroup's leaf
# /launch (a process outside the cgroup namespace's root would see "/.."
# paths).  fds above 2 are closed: a daemon (conmon, containerd) must not
# keep a caller's pipe open.
write_nsrun() {
        mkdir -p "$DIR/bin"
        cat >"$DIR/bin/nsrun" <<EOF
#!/bin/bash
pid=\$(cat $DIR/holder.pid 2>/dev/null) && kill -0 "\$pid" 2>/dev/null ||
        { echo "nsrun: no sandbox, run $(basename "$0")" >&2; exit 125; }
echo \$\$ >$CG/launch/cgroup.procs || exit 125
for fd in /proc/\$\$/fd/*; do
        fd=\${fd##*/}
        # 255: bash's own script fd
        [ "\$fd" -gt 2 ] && [ "\$fd" -lt 255 ] && eval "exec \$fd>&-"
done
exec nsenter -t "\$pid" -m -C -n --wd="\$PWD" -- "\$@"
EOF
        chmod +x "$DIR/bin/nsrun"
}

# The host's /dev/null as setup found it, put back by teardown: in these
# tests crun 1.8 was seen to chown it (once to nobody, during the
# containerd run), which other tests on the host then see.
save_devnull() {
        stat -c "%u:%g %a" /dev/null >"$DIR/devnull.stat"
}

restore_devnull() {
        local want now
        want=$(cat "$DIR/devnull.stat" 2>/dev/null) || return 0
        now=$(stat -c '%u:%g %a' /dev/null)
        [ "$now" = "$want" ] && return 0
        echo "$(basename "$0" .sh): the host's /dev/null changed to $now during the tests; restored to $want" >&2
        chown "${want% *}" /dev/null
        chmod "${want#* }" /dev/null
}

# runtime/keel (a copy of $KEEL), and runtime/crun as the reference when it
# is installed (crun.status says "ok" or why not; setup probes crun once the
# sandbox runs).  write_runtime_wrapper is each setup's own.
write_runtimes() {
        local env=
        mkdir -p "$DIR/runtime" "$DIR/logs"
        cp "$KEEL" "$DIR/runtime/keel.bin"
        write_runtime_wrapper keel "$DIR/runtime/keel.bin"
        if ! command -v crun >/dev/null; then
                echo "crun is not installed" >"$DIR/crun.status"
                return
        fi
        if ! has_cap 24; then
                if ! command -v gcc >/dev/null; then
                        echo "crun 1.8 needs CAP_SYS_RESOURCE (or a preload built with gcc)" >"$DIR/crun.status"
                        return
                fi
                build_crun_preload
                env="LD_PRELOAD=$DIR/runtime/memlock.so"
        fi
        write_runtime_wrapper crun "$(command -v crun)" "$env"
}

# build_busybox_archive OUT REF: a one-layer busybox-static image as one
# tarball that is both an OCI image layout (index.json names REF, for
# buildah's oci-archive: and `ctr image import`) and a docker-archive
# (manifest.json with RepoTags, for `docker load`).  The layer is
# uncompressed, so its digest is its diff id.
build_busybox_archive() {
        local out=$1 ref=$2 w r o layer config manifest diff sum a
        w=$(mktemp -d "$DIR/image-XXXXXX")
        r=$w/rootfs
        o=$w/oci
        mkdir -p "$r"/{bin,etc,dev,proc,sys,tmp,root,run} "$o/blobs/sha256"
        cp /bin/busybox "$r/bin/busybox"
        for a in $(/bin/busybox --list); do
                [ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
        done
        chmod 1777 "$r/tmp"
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
                >"$r/etc/passwd"
        printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
        tar --numeric-owner --sort=name --mtime=@0 -C "$r" -cf "$o/layer.tar" .
        diff=sha256:$(sha256sum "$o/layer.tar" | cut -d' ' -f1)
        # blob FILE MEDIA-TYPE: move FILE into blobs/sha256, print its descriptor
        blob() {
                sum=$(sha256sum "$1" | cut -d' ' -f1)
                mv "$1" "$o/blobs/sha256/$sum"
                printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' "$2" "$sum" \
                        "$(stat -c %s "$o/blobs/sha256/$sum")"
        }
        layer=$(blob "$o/layer.tar" application/vnd.oci.image.layer.v1.tar)
        printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
                "$(dpkg --print-architecture)" "$diff" >"$o/config.json"
        config=$(blob "$o/config.json" application/vnd.oci.image.config.v1+json)
        printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s]}' \
                "$config" "$layer" >"$o/manifest.json"
        manifest=$(blob "$o/manifest.json" application/vnd.oci.image.manifest.v1+json)
        printf '{"schemaVersion":2,"manifests":[%s]}' \
                "${manifest%\}},\"annotations\":{\"io.containerd.image.name\":\"$ref\",\"org.opencontainers.image.ref.name\":\"${ref##*:}\"}}" \
                >"$o/index.json"
        printf '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
        # docker load reads manifest.json: config and layers by path
        config=${config#*\"digest\":\"sha256:}
        layer=${layer#*\"digest\":\"sha256:}
        printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' \
                "${config%%\"*}" "$ref" "${layer%%\"*}" >"$o/manifest.json"
        tar -C "$o" -cf "$out" oci-layout index.json manifest.json blobs
        rm -rf "$w"
}
