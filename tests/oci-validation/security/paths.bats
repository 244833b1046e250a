#!/usr/bin/env bats
# Paths in the rootfs are resolved inside it, from a dirfd, and mounted on
# by fd: the rootfs is hostile and may hold any symlink, and a sibling
# container sharing a volume may swap a directory for a symlink while keel
# works (DESIGN.md, "Paths by fd, never by string").
#
# Most attacks point a symlink at a host path that exists, so that a
# runtime resolving "<rootfs>/<destination>" as a host string (symlinks
# followed from the host's root) acts on the host: it creates directories
# or device nodes there (seen from the host afterwards), or mounts there.
# A mount on a host path vanishes from view with pivot_root, so the mount
# attacks aim at the host path of the container's own /etc: a mount that
# lands there shows in the container as a mount on /etc.

load ../lib
load ../lifecycle/common

setup_file() {
        lc_setup_file || return
        require_cmd gcc gcc || return
        swap_build "$BATS_FILE_TMPDIR/swap"
}

setup() {
        lc_setup
        C=sec-$$-${BATS_TEST_NUMBER:-0}
}

teardown() {
        lc_teardown
}

# swap_build OUT: "swap A B SECONDS" exchanges the names A and B
# (renameat2 RENAME_EXCHANGE) as fast as it can for SECONDS, after printing
# "swap: ready"; static, for the busybox rootfs.
swap_build() {
        cat >"$1.c" <<-'EOF'
	#define _GNU_SOURCE
	#include <fcntl.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <sys/syscall.h>
	#include <time.h>
	#include <unistd.h>
	#include <linux/fs.h>

	int main(int argc, char **argv)
	{
		struct timespec ts;
		unsigned long n = 0;
		double end;

		if (argc != 4)
			return 2;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		end = ts.tv_sec + atof(argv[3]);
		printf("swap: ready\n");
		fflush(stdout);
		do {
			if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2],
				    RENAME_EXCHANGE) == 0)
				n++;
			clock_gettime(CLOCK_MONOTONIC, &ts);
		} while (ts.tv_sec < end);
		printf("swaps: %lu\n", n);
		return 0;
	}
	EOF
        gcc -static -O2 -Wall -Wextra -Werror -o "$1" "$1.c"
}

# no_dev_mounts: the rootfs's own /dev is used (no tmpfs, devpts, shm or
# mqueue mounted on /dev...): keel creates the device nodes in it.
no_dev_mounts() {
        config_set "$B" '.mounts |= map(select(.destination | test("^/dev(/|$)") | not))'
}

# empty_dir DIR: DIR exists on the host and nothing was put in it.
empty_dir() {
        if [[ ! -d $1 ]] || [[ -n $(ls -A "$1") ]]; then
                echo "host directory $1 changed: $(ls -lA "$1" 2>&1)" >&2
                return 1
        fi
}

@test "proc_target_symlink_is_refused" {
        # CVE-2019-19921, 2023-27561: /proc a symlink (to a host directory,
        # or to a directory of the rootfs or a volume, where the container
        # provides fake attr/ and sys/ files for the runtime to write).
        # Only a real directory may receive procfs.  Fails on a runtime that
        # mounts procfs through the symlink.
        local target
        mkdir "$TEST_DIR/hostproc"
        for target in "$TEST_DIR/hostproc" fakeproc; do
                make_bundle "$B" /bin/true
                mkdir "$B/rootfs/fakeproc"
                rmdir "$B/rootfs/proc"
                ln -s "$target" "$B/rootfs/proc"
                rk create --bundle "$B" "$C"
                assert_error 'proc.{0,2} (on|to rootfs at) .{0,2}/proc'
                [ ! -e "$ROOT/$C" ]
                empty_dir "$TEST_DIR/hostproc"
                empty_dir "$B/rootfs/fakeproc"
                rm -rf "$B"
        done
}

@test "sys_target_symlink_is_refused" {
        # The same for /sys (CVE-2019-19921's sysfs half).
        local target
        mkdir "$TEST_DIR/hostsys"
        for target in "$TEST_DIR/hostsys" fakesys; do
                make_bundle "$B" /bin/true
                mkdir "$B/rootfs/fakesys"
                rmdir "$B/rootfs/sys"
                ln -s "$target" "$B/rootfs/sys"
                rk create --bundle "$B" "$C"
                assert_error 'sysfs.{0,2} (on|to rootfs at) .{0,2}/sys'
                [ ! -e "$ROOT/$C" ]
                empty_dir "$TEST_DIR/hostsys"
                empty_dir "$B/rootfs/fakesys"
                rm -rf "$B"
        done
}

@test "dev_symlink_to_a_host_directory_gets_no_device_nodes" {
        # /dev is an absolute symlink to a host directory, or a relative one
        # climbing out of the rootfs to it: the device nodes keel makes go
        # to the rootfs (where the symlink leads inside it), never to the
        # host directory.  Fails on a runtime that resolves /dev/null on the
        # host (a world-writable 1:3 node, or any device the config lists,
        # would appear in a host directory).
        local target
        mkdir "$TEST_DIR/hostdev"
        for target in "$TEST_DIR/hostdev" "../../../../../../../../../../..$TEST_DIR/hostdev"; do
                make_bundle "$B" /keel-checker devices --dev /dev/null
                no_dev_mounts
                rm -rf "$B/rootfs/dev"
                ln -s "$target" "$B/rootfs/dev"
                rk run --bundle "$B" "$C"
                empty_dir "$TEST_DIR/hostdev"
                ((status == 0)) || { echo "run failed: $stderr" >&2; return 1; }
                assert_gone "$C"
                [[ $(checker_value "$output" dev./dev/null) == "c 1:3 0666 "* ]]
                rm -rf "$B"
        done
}

@test "mount_destination_symlinks_stay_in_the_rootfs" {
        # Destinations through an absolute symlink to a host directory, a
        # relative symlink climbing above the rootfs, and '..' components:
        # the directories keel creates for them are made in the rootfs.
        # Fails on a runtime that creates mountpoints by host path.
        mkdir "$TEST_DIR/host1" "$TEST_DIR/host2" "$TEST_DIR/host3" "$TEST_DIR/src"
        make_bundle "$B" /keel-checker mounts
        ln -s "$TEST_DIR/host1" "$B/rootfs/mnt/abs"
        ln -s ../../../../../../../../../../.. "$B/rootfs/mnt/up"
        config_set "$B" '.mounts += [
                {destination: ("/mnt/abs/sub"), type: "tmpfs", source: "tmpfs"},
                {destination: ("/mnt/up" + $t + "/host2/sub"), type: "bind", source: $s, options: ["rbind"]},
                {destination: ("/../../../../../../../.." + $t + "/host3/sub"), type: "tmpfs", source: "tmpfs"}]' \
                --arg t "$TEST_DIR" --arg s "$TEST_DIR/src"
        run_checker
        empty_dir "$TEST_DIR/host1"
        empty_dir "$TEST_DIR/host2"
        empty_dir "$TEST_DIR/host3"
        # Where they landed, as the container sees it.
        mount_line "$TEST_DIR/host1/sub"
        mount_line "$TEST_DIR/host2/sub"
        mount_line "$TEST_DIR/host3/sub"
}

@test "mount_destination_symlink_to_the_host_path_of_etc_does_not_cover_etc" {
        # The symlink names the host path of the container's own /etc: on
        # the host that is rootfs/etc, inside the rootfs it is a path under
        # /tmp.  Fails on a runtime that mounts by host path: the volume
        # covers the container's /etc (its passwd is gone).
        mkdir "$TEST_DIR/src"
        echo volume >"$TEST_DIR/src/marker"
        make_bundle "$B" /keel-checker mounts paths --path /etc/passwd --path /etc/marker
        ln -s "$B/rootfs/etc" "$B/rootfs/mnt/etc"
        config_set "$B" '.mounts += [{destination: "/mnt/etc", type: "bind", source: $s,
                                      options: ["rbind", "ro"]}]' --arg s "$TEST_DIR/src"
        run_checker
        if mount_line /etc; then
                echo "the volume covers the container's /etc" >&2
                return 1
        fi
        [[ $(checker_value "$output" path./etc/passwd) == "f "* ]]
        [ "$(checker_value "$output" path./etc/marker)" = missing ]
        mount_line "$B/rootfs/etc"
}

@test "masked_and_readonly_path_symlinks_are_applied_where_they_lead_in_the_rootfs" {
        # A masked path and a read-only path that are symlinks to host
        # paths (which exist on the host too): what the container reaches
        # through them is masked and read-only.  Fails on a runtime that
        # masks or remounts the host path (before pivot_root) and leaves the
        # container's file readable and writable.
        make_bundle "$B" /keel-checker paths --path /data/secret --write /ro/x written
        mkdir -p "$TEST_DIR/vol" "$TEST_DIR/vol2" "$B/rootfs$TEST_DIR/vol" "$B/rootfs$TEST_DIR/vol2"
        echo rootfs-secret >"$B/rootfs$TEST_DIR/vol/secret"
        echo host-secret >"$TEST_DIR/vol/secret"
        ln -s "$TEST_DIR/vol" "$B/rootfs/data"
        ln -s "$TEST_DIR/vol2" "$B/rootfs/ro"
        config_set "$B" '.linux.maskedPaths += ["/data/secret"] | .linux.readonlyPaths += ["/ro"]'
        run_checker
        [ "$(checker_value "$output" path./data/secret)" = "c 1:3 0666 0:0 rw -" ]
        [ "$(checker_value "$output" write./ro/x)" = "errno 30 EROFS" ]
        [ ! -e "$B/rootfs$TEST_DIR/vol2/x" ]
        [ "$(cat "$TEST_DIR/vol/secret")" = host-secret ]
}

@test "bind_source_through_a_rootfs_symlink_does_not_reach_the_host" {
        # A bind source inside the bundle's rootfs (an engine sharing a
        # directory of one container's image with another): the rootfs
        # made it an absolute symlink to a host directory.  The source's
        # components inside the rootfs are the container's: resolved on the
        # host, the symlink hands the container a host directory it was
        # never given.  Fails on a runtime that opens the source by host
        # path without treating the rootfs part as the container's.
        mkdir "$TEST_DIR/hostsecret"
        echo host >"$TEST_DIR/hostsecret/secret"
        make_bundle "$B" /bin/cat /mnt/data/secret
        mkdir -p "$B/rootfs$TEST_DIR/hostsecret"
        echo rootfs >"$B/rootfs$TEST_DIR/hostsecret/secret"
        ln -s "$TEST_DIR/hostsecret" "$B/rootfs/data"
        config_set "$B" '.mounts += [{destination: "/mnt/data", type: "bind", source: "rootfs/data",
                                      options: ["rbind"]}]'
        rk run --bundle "$B" "$C"
        if [[ $output == host ]]; then
                echo "the container read the host's file through its own symlink" >&2
                return 1
        fi
}

@test "racing_symlink_swap_in_a_shared_volume_never_mounts_outside" {
        # CVE-2021-30465: a sibling container exchanges, in a volume both
        # share, the directory that is this container's mount destination
        # with a symlink to the host path of this container's /etc, as fast
        # as it can, while keel creates the container again and again.  A
        # runtime that resolves the destination safely but then mounts by
        # path (re-resolving it) sometimes mounts the tmpfs on the
        # container's /etc.  keel mounts on the fd it resolved: the mount is
        # at /vol/d or, when the symlink was there at resolution time, where
        # the symlink leads inside the rootfs; never on /etc.
        local racer=$TEST_DIR/racer victim=$TEST_DIR/victim i pid swaps deadline
        mkdir -p "$TEST_DIR/vol/d"
        make_bundle "$racer" /swap /vol/d /vol/e 45
        cp "$BATS_FILE_TMPDIR/swap" "$racer/rootfs/swap"
        B=$racer bind_vol
        ln -s "$victim/rootfs/etc" "$TEST_DIR/vol/e"
        make_bundle "$victim" /bin/sleep 60
        B=$victim bind_vol
        config_set "$victim" '.mounts += [{destination: "/vol/d", type: "tmpfs", source: "tmpfs",
                                           options: ["size=64k"]}]'
        rk_ok run --detach --bundle "$racer" "${C}r"
        swaps=$RK_OUT
        wait_until 10 file_has "$swaps" '^swap: ready'
        deadline=$((SECONDS + 12))
        # At least 8 creates, more while 12 s last (each is one draw of the
        # race: the swaps run at microsecond pace).
        for ((i = 1; i <= 40 && (i <= 8 || SECONDS < deadline); i++)); do
                rk create --bundle "$victim" "${C}v"
                if ((status == 0)); then
                        pid=$(state_of "${C}v" .pid)
                        if awk '$5 == "/etc"' "/proc/$pid/mountinfo" | grep -q .; then
                                echo "create $i mounted on the container's /etc:" >&2
                                cat "/proc/$pid/mountinfo" >&2
                                return 1
                        fi
                fi
                rk_ok delete --force "${C}v"
        done
        # The racer was still swapping (it runs 45 s).
        status_is "${C}r" running
}

# bind_vol: $TEST_DIR/vol at /vol in the bundle $B.
bind_vol() {
        mkdir -p "$B/rootfs/vol"
        config_set "$B" '.mounts += [{destination: "/vol", type: "bind", source: $v,
                                      options: ["rbind", "rw"]}]' --arg v "$TEST_DIR/vol"
}

# --- mount sources through keel's own /proc ----------------------------------
#
# A bind source or root.path is the caller's host path.  Resolved through
# /proc/self, /proc/thread-self or /proc/<keel's pid>, by any name (/dev/fd
# is /proc/self/fd), it would be keel's process instead: its private fds
# (the init's unmasked procfs, the state dir, a namespace file), its view
# of the host.  keel refuses every path that passes through the /proc
# directory of one of its processes (CVE-2024-21626's class; later runc
# releases refuse the same, runc 1.1.5 mounts /proc/self and
# /proc/thread-self/ns, its own init's).

# source_bundle SOURCE: $B binds SOURCE at /mnt/src (a directory of the
# rootfs), and the checker tries what the issue saw work: writing a sysctl
# through the mount, past readonlyPaths.
source_bundle() {
        make_bundle "$B" /keel-checker paths --path /mnt/src \
                --write /mnt/src/sys/kernel/hostname pwned
        mkdir -p "$B/rootfs/mnt/src"
        config_set "$B" '.mounts += [{destination: "/mnt/src", type: "bind", source: $s,
                                      options: ["rbind"]}]' --arg s "$1"
}

# userns_config: a new user namespace, root mapped to 100000.
userns_config() {
        chmod 755 "$TEST_DIR"
        config_set "$B" '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# refused_create WHAT: the last rk create failed naming keel's own /proc
# (WHAT: the path as keel prints it) and ran nothing.
refused_create() {
        assert_error "$1: leads into /proc/[a-z0-9-]+, which is keel's own process" || return
        [[ -z $output ]] || { echo "the container ran: $output" >&2; return 1; }
}

# refuse_sources [userns] SOURCE...: each SOURCE makes create fail, and
# nothing is left once all were tried.
refuse_sources() {
        local src userns=
        if [[ $1 == userns ]]; then
                userns=1
                shift
        fi
        leak_snapshot
        for src in "$@"; do
                source_bundle "$src"
                [[ -z $userns ]] || userns_config
                rk create --bundle "$B" "$C"
                refused_create "mounts\[[0-9]+\]\.source: $src" || return
        done
        assert_nothing_left "$C"
}

@test "bind_source_through_proc_self_fd_is_refused" {
        # Fails on a runtime whose init resolves the source: fd 5 of keel's
        # init was its unmasked procfs (the sysctl write succeeded), fd 7 the
        # rootfs mount.
        refuse_sources /proc/self/fd/{3..12}
}

@test "bind_source_through_proc_thread_self_is_refused" {
        refuse_sources /proc/thread-self/ns /proc/thread-self/fd/5 /proc/thread-self/root/tmp
}

@test "bind_source_through_proc_self_root_or_cwd_is_refused" {
        # /proc/self/root is keel's view of the host, not necessarily the
        # caller's (a runtime in a chroot or its own mount namespace).
        refuse_sources "/proc/self/root$TEST_DIR" /proc/self/cwd /proc/self
}

@test "bind_source_dev_fd_is_refused" {
        # /dev/fd is a symlink to /proc/self/fd.
        refuse_sources /dev/fd/{3..8}
}

@test "bind_source_through_keels_pid_is_refused" {
        # The caller names keel's pid: a shell that writes its own pid into
        # the config and then becomes keel (exec keeps the pid).
        local n
        leak_snapshot
        for n in 3 4 5 6 7 8; do
                source_bundle /proc/PID/fd/$n
                status=0
                timeout 60 sh -c 'sed -i "s|/proc/PID/|/proc/$$/|" "$2/config.json"
                        exec "$1" --root "$3" create --bundle "$2" "$4"' sh "$KEEL" "$B" "$ROOT" "$C" \
                        <"$TEST_DIR/tag" >"$TEST_DIR/pid.out" 2>"$TEST_DIR/pid.err" || status=$?
                output=$(cat "$TEST_DIR/pid.out")
                stderr=$(cat "$TEST_DIR/pid.err")
                refused_create "mounts\[[0-9]+\]\.source: /proc/[0-9]+/fd/$n"
        done
        assert_nothing_left "$C"
}

@test "bind_source_symlink_to_proc_self_in_the_bundle_or_on_the_host_is_refused" {
        ln -s /proc/self/fd "$TEST_DIR/fds"
        ln -s ../../../proc/self "$TEST_DIR/me"
        leak_snapshot
        for src in fds/5 "$TEST_DIR/fds/5" "$TEST_DIR/me/fd/5" "$TEST_DIR/me/root/tmp"; do
                source_bundle "$src"
                ln -sfn /proc/self/fd "$B/fds"
                rk create --bundle "$B" "$C"
                refused_create "mounts\[[0-9]+\]\.source: [^ ]*${src#"$TEST_DIR"/}" || return
        done
        assert_nothing_left "$C"
}

@test "bind_source_through_proc_self_in_a_user_namespace_is_refused" {
        # In a user namespace the runtime opens the sources (root on the
        # host, in the container's mount namespace): /proc/self is then the
        # runtime, with the state dir and the container's cgroup open.
        refuse_sources userns /proc/self/fd/{3..10} /proc/self/root/tmp /dev/fd/5
}

@test "idmapped_bind_source_through_proc_self_is_refused" {
        # The runtime clones idmapped sources itself, before the container
        # exists: /proc/self is keel's runtime there.
        leak_snapshot
        for src in /proc/self/fd/3 /proc/self/fd/4 /proc/self/root/tmp; do
                source_bundle "$src"
                userns_config
                config_set "$B" '.mounts[-1].options += ["idmap"]'
                rk create --bundle "$B" "$C"
                refused_create "mounts\[[0-9]+\]\.source: $src" || return
        done
        assert_nothing_left "$C"
}

@test "bind_source_in_another_processs_proc_is_the_callers_business" {
        # The rule is about keel's own processes: a path through another
        # process's /proc directory resolves as the kernel resolves it, here
        # a namespace file (magic link) bound into the container.
        start_holder --uts
        make_bundle "$B" /keel-checker paths mounts --path /mnt/uts
        config_set "$B" '.mounts += [{destination: "/mnt/uts", type: "bind", source: $s,
                                      options: ["bind"]}]' --arg s "/proc/$HOLDER/ns/uts"
        run_checker
        # A namespace file: empty, read-only, reads fail.
        assert_value path./mnt/uts 'f 0:0 0444 0:0 r- size=0 read=EINVAL'
        mount_line /mnt/uts
}

@test "root_path_through_keels_own_proc_is_refused" {
        make_bundle "$B" /keel-checker
        leak_snapshot
        for root in "/proc/self/root$B/rootfs" "/proc/thread-self/root$B/rootfs" \
                "/proc/self/cwd"; do
                config_set "$B" '.root.path = $r' --arg r "$root"
                rk create --bundle "$B" "$C"
                refused_create "root\.path: $root" || return
        done
        assert_nothing_left "$C"
}
