#!/usr/bin/env bats
# root.path (relative to the bundle or absolute), root.readonly, pivot_root
# and --no-pivot, linux.rootfsPropagation.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() { lc_setup; }
teardown() { lc_teardown; }

@test "relative_root_path_is_relative_to_the_bundle_not_the_cwd" {
	make_bundle "$B" /keel-checker paths --path /marker
	echo bundle-rootfs >"$B/rootfs/marker"
	mkdir -p "$TEST_DIR/elsewhere/rootfs"
	cd "$TEST_DIR/elsewhere"
	run_checker
	assert_value path./marker 'f 0:0 0644 0:0 rw size=14 data=bundle-rootfs\x0a'
}

@test "relative_root_path_with_subdirectories" {
	make_bundle "$B" /keel-checker paths --path /marker
	mkdir -p "$B/images"
	mv "$B/rootfs" "$B/images/one"
	echo images-one >"$B/images/one/marker"
	config_set "$B" '.root.path = "images/one"'
	run_checker
	assert_value path./marker 'f 0:0 0644 0:0 rw size=11 data=images-one\x0a'
}

@test "absolute_root_path_outside_the_bundle" {
	make_bundle "$B" /keel-checker paths --path /marker
	mv "$B/rootfs" "$TEST_DIR/abs-rootfs"
	echo absolute >"$TEST_DIR/abs-rootfs/marker"
	config_set "$B" '.root.path = $p' --arg p "$TEST_DIR/abs-rootfs"
	run_checker
	assert_value path./marker 'f 0:0 0644 0:0 rw size=9 data=absolute\x0a'
}

@test "root_path_symlink_is_resolved_once_at_create" {
        # runc deviates: runc 1.1 refuses a symlink as root.path ("not an
        # absolute path, or a symlink"); crun follows it.  config.json comes
        # from a trusted caller: keel follows it once, at create; re-pointing
        # the link afterwards changes nothing, and state names the directory
        # it led to.
        make_bundle "$B" /keel-checker paths --path /marker
        mv "$B/rootfs" "$B/first"
        mkdir "$B/second"
        echo first >"$B/first/marker"
        echo second >"$B/second/marker"
        ln -s first "$B/rootfs"
        rk_ok create --bundle "$B" "$C"
        out=$RK_OUT
        [ "$(state_of "$C" .rootfs)" = "$B/first" ]
        ln -sfn second "$B/rootfs"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        output=$(cat "$out")
        assert_value path./marker 'f 0:0 0644 0:0 rw size=6 data=first\x0a'
}

@test "root_path_that_is_a_file_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker
	config_set "$B" '.root.path = "config.json"'
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}

@test "root_readonly_makes_the_root_mount_read_only" {
	make_bundle "$B" /keel-checker mounts --write /new-file x --write /dev/shm/x y
	config_set "$B" '.root.readonly = true'
	run_checker
	[[ $(mount_line /) =~ ^/\ [a-z0-9]+\ ro[,\ ] ]]
	assert_value write./new-file 'errno 30 EROFS'
	# Mounts on top of the root keep their own flags.
	assert_value write./dev/shm/x ok
	[ ! -e "$B/rootfs/new-file" ]
}

@test "root_is_writable_without_readonly" {
	make_bundle "$B" /keel-checker mounts --write /new-file x
	run_checker
	[[ $(mount_line /) =~ ^/\ [a-z0-9]+\ rw[,\ ] ]]
	assert_value write./new-file ok
	[ "$(cat "$B/rootfs/new-file")" = x ]
}

# The host's mounts, as the runtime sees them, are not reachable from the
# container: /proc/self/mountinfo lists only the container's tree.
assert_only_the_containers_mounts() {
	local m
	while read -r m; do
		case $m in
		/ | /proc* | /dev* | /sys*) ;;
		*) echo "unexpected mount in the container: $m" >&2; return 1 ;;
		esac
	done < <(checker_values "$output" mount | cut -d' ' -f1)
}

@test "pivot_root_leaves_no_host_mount_visible" {
	make_bundle "$B" /keel-checker mounts cwd
	run_checker
	assert_only_the_containers_mounts
	assert_value cwd /
}

@test "no_pivot_runs_the_container_on_its_rootfs" {
	make_bundle "$B" /keel-checker mounts cwd paths --path /marker
	echo nopivot >"$B/rootfs/marker"
	rk_ok create --no-pivot --bundle "$B" "$C"
	out=$RK_OUT
	rk_ok start "$C"
	wait_until 10 status_is "$C" stopped
	output=$(cat "$out")
	assert_value path./marker 'f 0:0 0644 0:0 rw size=8 data=nopivot\x0a'
	assert_value cwd /
	assert_only_the_containers_mounts
}

@test "rootfs_propagation_private" {
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "private"'
	run_checker
	[[ $(mount_line /) == *\ private ]]
}

@test "rootfs_propagation_shared" {
	# runc deviates: runc 1.1 turns the root rslave while it pivots, so "/"
	# ends up private.  config-linux.md: rootfsPropagation sets the rootfs's
	# propagation: "/" is in a peer group.
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "shared"'
	run_checker
	[[ $(mount_line /) =~ \ shared:[0-9]+ ]]
}

@test "rootfs_propagation_slave_is_not_shared" {
	# A slave of a private mount has no master: "/" is private or master:N,
	# never shared (events from inside must not reach the host).
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "slave"'
	run_checker
	line=$(mount_line /)
	[[ $line == *\ private || $line =~ \ master:[0-9]+$ ]]
}

@test "rootfs_propagation_unbindable" {
	# runc deviates: runc 1.1 applies it to the whole tree before binding
	# the rootfs, and its own bind then fails with EINVAL.
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "unbindable"'
	run_checker
	[[ $(mount_line /) == *\ unbindable ]]
}

# run_with_host_mount [VALUE]: creates $B (rootfsPropagation VALUE, none
# without) in a
# throwaway mount namespace whose mounts are all shared (the runtime's
# namespace on a systemd host), mounts a tmpfs on the rootfs's /mnt there
# once the container exists, then starts it: the checker's output is in
# $output.  The host's own mount table is never touched.
run_with_host_mount() {
	if [[ -n ${1:-} ]]; then
		config_set "$B" '.linux.rootfsPropagation = $p' --arg p "$1"
	fi
	status=0
	unshare --mount --propagation shared -- /bin/sh -c '
		keel=$1 root=$2 bundle=$3 id=$4
		"$keel" --root "$root" create --bundle "$bundle" "$id" || exit
		mount -t tmpfs -o size=1m host-event "$bundle/rootfs/mnt" || exit 125
		"$keel" --root "$root" start "$id"' sh "$KEEL" "$ROOT" "$B" "$C" \
		<"$TEST_DIR/tag" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || status=$?
	[ "$status" -eq 0 ] || { cat "$TEST_DIR/run.err" >&2; return 1; }
	wait_until 10 status_is "$C" stopped
	rk_ok delete "$C"
	output=$(cat "$TEST_DIR/run.out")
}

@test "rootfs_propagation_rslave_receives_the_hosts_mounts" {
	# podman sends rslave for -v SRC:DST:slave, ctr for --rootfs-propagation
	# rslave.  config-linux.md: a slave rootfs receives the host's mount
	# events; here a mount made on the host after create shows at /mnt.
	make_bundle "$B" /keel-checker mounts
	run_with_host_mount rslave
	[[ $(mount_line /) =~ \ master:[0-9]+$ ]]
	[[ $(mount_line /mnt) =~ ^/mnt\ tmpfs\ .*\ master:[0-9]+$ ]]
}

@test "rootfs_by_default_receives_the_hosts_mounts" {
	# runc's default is rslave too; the mount holding the rootfs is made a
	# slave, not private, so that the rootfs still hears from the host.
	make_bundle "$B" /keel-checker mounts
	run_with_host_mount
	[[ $(mount_line /mnt) =~ ^/mnt\ tmpfs\ .*\ master:[0-9]+$ ]]
}

@test "rootfs_propagation_rprivate_receives_nothing_from_the_host" {
	# crun's own tests send rprivate in every config.
	make_bundle "$B" /keel-checker mounts
	run_with_host_mount rprivate
	[[ $(mount_line /) == *\ private ]]
	! mount_line /mnt
}

@test "rootfs_propagation_rshared_makes_every_mount_shared" {
	# The r- form reaches every mount of the container (crun's reading);
	# plain shared only the root (rootfs_propagation_shared_is_the_root_only).
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "rshared"'
	run_checker
	[[ $(mount_line /) =~ \ shared:[0-9]+ ]]
	[[ $(mount_line /dev) =~ \ shared:[0-9]+ ]]
	[[ $(mount_line /proc) =~ \ shared:[0-9]+ ]]
}

@test "rootfs_propagation_shared_is_the_root_only" {
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "shared"'
	run_checker
	[[ $(mount_line /) =~ \ shared:[0-9]+ ]]
	[[ $(mount_line /dev) == *\ private ]]
}

@test "rootfs_propagation_runbindable_makes_every_mount_unbindable" {
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "runbindable"'
	run_checker
	[[ $(mount_line /) == *\ unbindable ]]
	[[ $(mount_line /dev) == *\ unbindable ]]
}

@test "rootfs_propagation_unknown_value_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker mounts
	config_set "$B" '.linux.rootfsPropagation = "sideways"'
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}
