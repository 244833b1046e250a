#!/usr/bin/env bats
# One basic new user namespace: uidMappings and gidMappings 0 -> 100000,
# size 65536 (config-linux.md "User namespace mappings").  The rootfs stays
# owned by the host's root, so inside it shows as the overflow id 65534.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() {
	lc_setup
	# The container's root is host uid 100000: it must be able to walk to
	# its rootfs (mktemp makes 0700 directories).
	chmod 755 "$TEST_DIR"
}
teardown() { lc_teardown; }

# userns_bundle CHECKER_ARGS...
userns_bundle() {
	make_bundle "$B" /keel-checker "$@"
	config_set "$B" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

@test "new_user_namespace_maps_root_to_100000" {
	userns_bundle ids ns paths --path /proc/self/uid_map --path /proc/self/gid_map
	run_checker
	assert_value uid 0
	assert_value gid 0
	[ "$(checker_value "$output" ns.user)" != "$(host_ns user)" ]
	[[ $(checker_value "$output" path./proc/self/uid_map) == *" data=         0     100000      65536\x0a" ]]
	[[ $(checker_value "$output" path./proc/self/gid_map) == *" data=         0     100000      65536\x0a" ]]
}

@test "container_user_is_the_mapped_host_user" {
	userns_bundle --sleep 60
	config_set "$B" '.process.user = {uid: 1000, gid: 1000}'
	rk_ok create --bundle "$B" "$C"
	rk_ok start "$C"
	wait_until 10 status_is "$C" running
	pid=$(state_of "$C" .pid)
	# Host view: 100000 + 1000 for the real, effective, saved and fs ids.
	wait_until 10 grep -qE '^Uid:\s+101000\s+101000\s+101000\s+101000$' "/proc/$pid/status"
	grep -qE '^Gid:\s+101000\s+101000\s+101000\s+101000$' "/proc/$pid/status"
}

@test "process_in_a_user_namespace_gets_HOME_its_cwd_and_its_terminal" {
	# As root of the user namespace, the init reads the container's
	# /etc/passwd for HOME, makes the missing cwd before the root turns
	# read-only (owned by the container's root: 100000 on the host), and
	# gives the pty to the process's uid; devpts's gid=5 is mapped, so
	# the group reads 5 inside.
	userns_bundle process env cwd
	chown -R 100000:100000 "$B/rootfs"
	echo 'app:x:1000:1000::/home/app:/bin/sh' >>"$B/rootfs/etc/passwd"
	config_set "$B" '.process.user = {uid: 1000, gid: 1000} | .process.terminal = true
		| .process.cwd = "/work/x" | .root.readonly = true | .process.env = ["PATH=/bin"]'
	require_cmd python3 python3
	timeout 60 "$KEEL_SRCDIR/tests/tools/console-recv.py" "$TEST_DIR/sock" "$TEST_DIR/tty" \
		</dev/null >"$TEST_DIR/recv.log" 2>&1 3>&- &
	wait_until 10 [ -e "$TEST_DIR/sock.ready" ]
	rk_ok run -d --console-socket "$TEST_DIR/sock" --bundle "$B" "$C"
	wait_until 20 file_has "$TEST_DIR/tty" '^tty_owner: '
	output=$(tr -d '\r' <"$TEST_DIR/tty")
	assert_value tty_owner "1000:5 0620"
	[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin HOME=/home/app)" ]
	assert_value cwd /work/x
	[ "$(stat -c '%u:%g' "$B/rootfs/work/x")" = 100000:100000 ]
	rk_ok delete --force "$C"
}

@test "default_devices_work_in_a_user_namespace" {
	# mknod is refused in a user namespace: the runtime binds the host's nodes.
	userns_bundle devices --dev /dev/null --dev /dev/zero --write /dev/null x
	run_checker
	[[ $(checker_value "$output" dev./dev/null) == "c 1:3 0666 "* ]]
	[[ $(checker_value "$output" dev./dev/zero) == "c 1:5 0666 "* ]]
	assert_value write./dev/null ok
}

@test "linux_devices_in_a_user_namespace_are_bound_from_the_host" {
	# runc binds the host's node of the same path, so the path must exist
	# on the host: /dev/fuse (10:229), which the default device rules keep
	# closed to the container anyway.
	[ -c /dev/fuse ] || skip "no /dev/fuse on this host"
	userns_bundle devices --dev /dev/fuse
	config_set "$B" '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229,
		fileMode: 384, uid: 0, gid: 0}]'
	run_checker
	[[ $(checker_value "$output" dev./dev/fuse) == "c 10:229 "* ]]
}

@test "user_namespace_without_mappings_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker ids
	config_set "$B" '.linux.namespaces += [{type: "user"}]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}

# owner_of KEY: the uid:gid the checker reported for a --path.
owner_of() {
	checker_value "$output" "$1" | awk '{ print $4 }'
}

# idmapped_bundle: a host directory with a file owned by root and one by 1000,
# bound at /mnt with OPTIONS (a JSON array) and the extra mount fields EXTRA.
idmapped_bundle() {
	local options=$1 extra=${2:-{\}}
	mkdir -p "$TEST_DIR/host" "$B/rootfs/mnt"
	echo root >"$TEST_DIR/host/root-owned"
	echo user >"$TEST_DIR/host/user-owned"
	chown 1000:1000 "$TEST_DIR/host/user-owned"
	config_set "$B" '.mounts += [{destination: "/mnt", type: "bind", source: $s,
		options: $o} + $x]' --arg s "$TEST_DIR/host" --argjson o "$options" --argjson x "$extra"
}

@test "idmap_mount_shows_host_files_through_the_containers_mappings" {
	# The container's root is host 100000; through the idmapped mount the
	# host's root-owned file is the container root's, and what container
	# root writes is owned by the host's root on disk.
	userns_bundle paths --path /mnt/root-owned --path /mnt/user-owned --write /mnt/new x
	idmapped_bundle '["bind", "idmap"]'
	run_checker
	[ "$(owner_of path./mnt/root-owned)" = 0:0 ]
	[ "$(owner_of path./mnt/user-owned)" = 1000:1000 ]
	assert_value write./mnt/new ok
	[ "$(stat -c %u:%g "$TEST_DIR/host/new")" = 0:0 ]
}

@test "without_idmap_the_same_files_are_unmapped" {
	userns_bundle paths --path /mnt/root-owned
	idmapped_bundle '["bind"]'
	run_checker
	[ "$(owner_of path./mnt/root-owned)" = 65534:65534 ]
}

@test "a_mounts_own_mappings_idmap_it" {
	# On disk 1000 -> host 100000, which is the container's root.
	userns_bundle paths --path /mnt/user-owned --path /mnt/root-owned
	idmapped_bundle '["rbind", "ridmap"]' '{"uidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}],
		"gidMappings": [{"containerID": 1000, "hostID": 100000, "size": 1}]}'
	run_checker
	[ "$(owner_of path./mnt/user-owned)" = 0:0 ]
	[ "$(owner_of path./mnt/root-owned)" = 65534:65534 ]
}

@test "idmap_without_any_mapping_fails_and_leaves_nothing" {
	make_bundle "$B" /keel-checker ids
	idmapped_bundle '["bind", "idmap"]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'mounts\[[0-9]+\]: idmap: no uidMappings and gidMappings on the mount, and no user namespace mappings'
	assert_nothing_left "$C"
	make_bundle "$B" /keel-checker ids
	idmapped_bundle '["bind"]' '{"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 1}]}'
	rk create --bundle "$B" "$C"
	assert_error 'uidMappings and gidMappings go together'
	assert_nothing_left "$C"
}

# own_user_namespace PID: PID has left this shell's user namespace.
own_user_namespace() {
	[[ $(readlink "/proc/$1/ns/user") != "$(readlink /proc/self/ns/user)" ]]
}

@test "joining_a_user_namespace_by_path_makes_the_init_its_root" {
	# A holder process owns a user namespace mapping 0 -> 200000; the
	# container joins it by path (no mappings of its own) and its init is
	# that namespace's root, so it can build the rootfs.
	unshare -U sleep 60 &
	holder=$!
	HOLDERS+=("$holder")
	# (A function: wait_until must read the links again on every try.)
	wait_until 5 own_user_namespace "$holder"
	echo "0 200000 65536" >"/proc/$holder/uid_map"
	echo "0 200000 65536" >"/proc/$holder/gid_map"
	make_bundle "$B" /keel-checker ids paths --path /proc/self/uid_map
	config_set "$B" '.linux.namespaces += [{type: "user", path: $p}]' --arg p "/proc/$holder/ns/user"
	run_checker
	assert_value uid 0
	[[ $(checker_value "$output" path./proc/self/uid_map) == *" data=         0     200000      65536\x0a" ]]
	kill "$holder"
}

# --- what the user namespace cannot reach -------------------------------------
#
# The container's root (host uid 100000) may not walk a 0700 directory of
# the host's root.  runc 1.1.5 opens bind sources from outside the user
# namespace but not the rootfs (a bundle below a 0700 directory fails
# there); crun runs both.  keel opens root.path and every bind source with
# its own rights, in the container's mount namespace (/proc/<init>/root),
# and hands the init the fds.

@test "bundle_below_a_0700_directory_runs_in_a_user_namespace" {
        # mktemp -d makes 0700 directories: the usual place for a bundle.
        userns_bundle ids paths --path /marker
        echo in-a-0700-dir >"$B/rootfs/marker"
        chmod 700 "$TEST_DIR"
        run_checker
        assert_value uid 0
        assert_value path./marker 'f 0:0 0644 65534:65534 r- size=14 data=in-a-0700-dir\x0a'
}

@test "bind_source_below_a_0700_directory_runs_in_a_user_namespace" {
        userns_bundle paths --path /mnt/vol/file
        mkdir -p "$TEST_DIR/private/vol" "$B/rootfs/mnt/vol"
        echo private >"$TEST_DIR/private/vol/file"
        chmod 700 "$TEST_DIR/private"
        config_set "$B" '.mounts += [{destination: "/mnt/vol", type: "bind", source: $s,
                                      options: ["rbind"]}]' --arg s "$TEST_DIR/private/vol"
        run_checker
        assert_value path./mnt/vol/file 'f 0:0 0644 65534:65534 r- size=8 data=private\x0a'
}

@test "create_container_hook_starts_in_the_rootfs_below_a_0700_directory" {
        # createContainer runs in the rootfs (config.md, "Hooks"), entered
        # through the init's fd of it: the path is not walkable from the
        # user namespace.  The hook writes its working directory relative to
        # it, into the rootfs's /tmp.
        userns_bundle paths --path /tmp/hook-cwd
        config_set "$B" '.hooks.createContainer = [{path: "/bin/sh",
                args: ["sh", "-c", "pwd >tmp/hook-cwd"]}]'
        chmod 700 "$TEST_DIR"
        run_checker
        [[ $(checker_value "$output" path./tmp/hook-cwd) == *" data=$B/rootfs\x0a" ]]
}

@test "submounts_of_a_bind_source_stay_locked_in_a_user_namespace" {
        # What the container's root sees of the host is locked by the kernel
        # (mounts copied into a less privileged namespace): unmounting a
        # submount of a volume must not reveal what it covers on the host.
        userns_bundle
        config_set "$B" '.process.args = ["/bin/sh", "-c",
                "umount /mnt/vol/sub 2>/dev/null; echo umount=$?; ls /mnt/vol/sub; exit 0"]'
        mkdir -p "$TEST_DIR/vol/sub" "$B/rootfs/mnt/vol"
        echo covered >"$TEST_DIR/vol/sub/covered"
        config_set "$B" '.mounts += [{destination: "/mnt/vol", type: "bind", source: $s,
                                      options: ["rbind"]}]
                | .process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])' \
                --arg s "$TEST_DIR/vol"
        status=0
        unshare --mount --propagation private -- /bin/sh -c '
                mount -t tmpfs -o size=1m keel-sub "$1" || exit 125
                shift
                exec "$@"' sh "$TEST_DIR/vol/sub" timeout 60 "$KEEL" --root "$ROOT" run \
                --bundle "$B" "$C" <"$TEST_DIR/tag" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" ||
                status=$?
        output=$(cat "$TEST_DIR/run.out")
        [ "$status" -eq 0 ] || { cat "$TEST_DIR/run.err" >&2; return 1; }
        [[ $output == umount=[1-9]* ]]
        [[ $output != *covered* ]]
}

@test "cgroup_mount_without_a_cgroup_namespace_binds_the_hierarchy" {
        # The kernel lets only the owner of the cgroup namespace mount
        # cgroup2: a user namespace without its own cgroup namespace gets a
        # read-only bind of the hierarchy instead, the whole of it, as runc
        # 1.1.5 and crun 1.8.1 give (measured): what a cgroup2 mount in
        # keel's cgroup namespace would show, so that the path in
        # /proc/self/cgroup, joined to the mount, is the container's cgroup,
        # which holds its process (pid 1 as it sees it).  (Against
        # tests/tools/runc-ref only the last check fails: the wrapper makes
        # a subdirectory of the hierarchy runc's /sys/fs/cgroup.)
        userns_bundle
        config_set "$B" '.linux.namespaces |= map(select(.type != "cgroup"))
                | .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                               options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]
                | .process.args = ["/bin/sh", "-c", "/keel-checker mounts;
                        p=$(sed -n \"s/^0:://p\" /proc/self/cgroup);
                        echo procs=$(head -n 1 /sys/fs/cgroup$p/cgroup.procs)"]'
        run_checker
        [[ $(mount_line /sys/fs/cgroup) == "/sys/fs/cgroup cgroup2 ro,"* ]]
        [[ $output == *procs=1 ]]
}
