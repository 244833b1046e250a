#!/usr/bin/env bats
# linux.namespaces: each type new, joined by path, or (where that is valid)
# left out and shared with the runtime; timeOffsets.  The checker's ns
# section gives the inode of each namespace the container process is in.
# User namespaces are in userns.bats.
#
# Namespaces to join are held by a sleeping process (start_holder) and named
# by /proc/PID/ns/TYPE: no bind mount on the host.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() { lc_setup; }
teardown() { lc_teardown; }

# ns_key TYPE: the checker's (and /proc/PID/ns's) name for a spec TYPE.
ns_key() {
	case $1 in
	mount) echo mnt ;;
	network) echo net ;;
	*) echo "$1" ;;
	esac
}

# new_case TYPE: with an entry {type: TYPE}, the container's TYPE namespace
# is not this shell's.
new_case() {
	local key got
	key=$(ns_key "$1")
	make_bundle "$B" /keel-checker ns process
	set_ns "$1"
	run_checker
	got=$(checker_value "$output" "ns.$key")
	[[ $got =~ ^[0-9]+$ ]] || { echo "ns.$key: $got" >&2; return 1; }
	[[ $got != "$(host_ns "$key")" ]] || { echo "ns.$key is the runtime's: $got" >&2; return 1; }
}

# join_case TYPE FILE UNSHARE_OPTIONS...: an entry {type: TYPE, path:
# /proc/H/ns/FILE} puts the container in the holder's namespace.
join_case() {
	local type=$1 file=$2
	shift 2
	start_holder "$@"
	make_bundle "$B" /keel-checker ns process
	set_ns "$type" "/proc/$HOLDER/ns/$file"
	run_checker
	assert_value "ns.$(ns_key "$type")" "$(stat -L -c %i "/proc/$HOLDER/ns/$file")"
}

# absent_case TYPE: without an entry, the container shares the runtime's.
absent_case() {
	local key
	key=$(ns_key "$1")
	make_bundle "$B" /keel-checker ns
	drop_ns "$1"
	run_checker
	assert_value "ns.$key" "$(host_ns "$key")"
}

@test "pid_namespace_new_makes_the_process_pid_1" {
	new_case pid
	assert_value pid 1
}

@test "pid_namespace_joined_by_path" {
	join_case pid pid_for_children --pid --fork --kill-child
	# The holder's sleep is pid 1 there; the container process is another.
	pid=$(checker_value "$output" pid)
	[ "$pid" -gt 1 ]
}

@test "pid_namespace_absent_is_the_runtimes" {
	absent_case pid
}

@test "mount_namespace_new" {
	new_case mount
}

@test "mount_namespace_joined_by_path" {
	join_case mount mnt --mount --propagation private
}

# --- no mount namespace -------------------------------------------------------
#
# Without one the container shares the runtime's mount namespace: its rootfs
# and mounts are mounts there, below root.path (runc and crun do the same),
# and it is chrooted, not pivoted.  No test may change the host's mount
# table: each runs the runtime in a throwaway namespace (unshare -m
# --propagation private), which is "the runtime's mount namespace" of the
# case, and checks the host's table with leak_snapshot as well.  Against
# tests/tools/runc-ref these fail by design: the wrapper gives every runc
# call a namespace of its own.

# no_mountns_bundle CHECKER_ARGS...: $B without a mount namespace, and
# without maskedPaths and readonlyPaths (they need one).
no_mountns_bundle() {
	make_bundle "$B" /keel-checker "$@"
	echo rootfs-marker >"$B/rootfs/marker"
	drop_ns mount
	config_set "$B" 'del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
}

# in_throwaway_ns SCRIPT: bash SCRIPT in a new private mount namespace, with
# KEEL, ROOT, B, C and T (a scratch dir) set and table() printing that
# namespace's mount points; stdin is the tag file.  Sets output and status.
in_throwaway_ns() {
	status=0
	mkdir -p "$TEST_DIR/t"
	output=$(unshare --mount --propagation private -- env KEEL="$KEEL" ROOT="$ROOT" B="$B" \
		C="$C" T="$TEST_DIR/t" bash -c 'table() { cut -d" " -f5 /proc/self/mountinfo | sort; }
		'"$1" <"$TEST_DIR/tag" 2>"$TEST_DIR/t/err") || status=$?
	[[ ! -s $TEST_DIR/t/err ]] || cat "$TEST_DIR/t/err" >&2
}

@test "mount_namespace_absent_is_the_runtimes" {
	# The container sees its rootfs and mounts, chrooted, in the runtime's
	# namespace; they are there below root.path while it runs (exec enters
	# the same root), and gone, all of them, after delete.  Nothing else of
	# the namespace changes: runc 1.1.5 turns the runtime's "/" rslave
	# (measured), keel leaves it shared here.
	no_mountns_bundle ns mounts cwd paths --path /marker --sleep 30
	leak_snapshot
	in_throwaway_ns '
		mount --make-rshared / || exit
		root_propagation() { awk "\$5 == \"/\" { print \$7 }" /proc/self/mountinfo; }
		echo root.before: $(root_propagation)
		table >"$T/before"
		echo runtime.mnt: $(stat -L -c %i /proc/self/ns/mnt)
		"$KEEL" --root "$ROOT" create --bundle "$B" "$C" >"$T/init.out" || exit
		"$KEEL" --root "$ROOT" start "$C" || exit
		for i in $(seq 50); do grep -q "^path./marker" "$T/init.out" && break; sleep 0.1; done
		cat "$T/init.out"
		echo during: $(table | grep -c "^$B/rootfs")
		"$KEEL" --root "$ROOT" exec "$C" /keel-checker cwd paths --path /marker |
			sed "s/^/exec./"
		"$KEEL" --root "$ROOT" delete --force "$C" || exit
		table >"$T/after"
		diff "$T/before" "$T/after" && echo after: unchanged
		echo root.after: $(root_propagation)'
	[ "$status" -eq 0 ]
	[[ $(checker_value "$output" root.before) == shared:* ]]
	assert_value root.after "$(checker_value "$output" root.before)"
	assert_value ns.mnt "$(checker_value "$output" runtime.mnt)"
	assert_value path./marker 'f 0:0 0644 0:0 rw size=14 data=rootfs-marker\x0a'
	assert_value cwd /
	[[ $(mount_line /) == "/ "* ]]
	[[ $(mount_line /proc) == "/proc proc "* ]]
	[ "$(checker_value "$output" during)" -ge 6 ]
	assert_value exec.path./marker 'f 0:0 0644 0:0 rw size=14 data=rootfs-marker\x0a'
	assert_value exec.cwd /
	assert_value after unchanged
	assert_nothing_left "$C"
}

@test "mount_namespace_absent_failed_create_leaves_no_mount" {
	# create fails after the rootfs and its mounts exist (no such binary).
	no_mountns_bundle
	config_set "$B" '.process.args = ["/no/such/binary"]'
	leak_snapshot
	in_throwaway_ns '
		table >"$T/before"
		"$KEEL" --root "$ROOT" create --bundle "$B" "$C" && exit 3
		table >"$T/after"
		diff "$T/before" "$T/after" && echo after: unchanged'
	[ "$status" -eq 0 ]
	assert_value after unchanged
	grep -q "process.args" "$TEST_DIR/t/err"
	assert_nothing_left "$C"
}

@test "mount_namespace_absent_with_a_user_namespace_fails_create_and_leaves_nothing" {
	# keel's mount namespace belongs to the host's user namespace: the
	# container's root could mount nothing in it.
	no_mountns_bundle
	config_set "$B" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux.namespaces: a user namespace needs a mount namespace'
	assert_nothing_left "$C"
}

@test "mount_namespace_absent_with_masked_or_readonly_paths_fails_create" {
	# runc refuses them too ("unable to restrict sys entries without a
	# private MNT namespace").
	make_bundle "$B" /keel-checker
	drop_ns mount
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux.maskedPaths: needs a mount namespace'
	config_set "$B" 'del(.linux.maskedPaths)'
	rk create --bundle "$B" "$C"
	assert_error 'linux.readonlyPaths: needs a mount namespace'
	assert_nothing_left "$C"
}

@test "network_namespace_new_has_only_loopback" {
	make_bundle "$B" /keel-checker ns paths --path /sys/class/net --path /sys/class/net/lo
	run_checker
	[ "$(checker_value "$output" ns.net)" != "$(host_ns net)" ]
	[[ $(checker_value "$output" path./sys/class/net) == *\ entries=1 ]]
	[[ $(checker_value "$output" path./sys/class/net/lo) == l\ * ]]
}

@test "network_namespace_new_is_each_containers_own_with_loopback_up" {
	# Two containers at once: each init in a network namespace of its own,
	# lo up in it, and no keel process left once they run.  Fails on a keel
	# whose inits share one (a namespace made once and joined), or leave lo
	# down.
	command -v nsenter >/dev/null && command -v ip >/dev/null || skip "needs nsenter and ip"
	make_bundle "$B" /bin/sleep 100
	rk_ok run --detach --bundle "$B" "$C"
	rk_ok run --detach --bundle "$B" "${C}b"
	local a b pa pb
	pa=$(state_of "$C" .pid)
	pb=$(state_of "${C}b" .pid)
	a=$(stat -L -c %i "/proc/$pa/ns/net")
	b=$(stat -L -c %i "/proc/$pb/ns/net")
	[ "$a" != "$b" ]
	[ "$a" != "$(host_ns net)" ] && [ "$b" != "$(host_ns net)" ]
	nsenter --net="/proc/$pa/ns/net" ip -o link show lo | grep -q '[<,]UP[,>]'
	[ -z "$(pgrep -f -- "--bundle $B")" ]
	rk_ok delete --force "$C"
	rk_ok delete --force "${C}b"
}

@test "network_namespace_joined_by_path" {
	join_case network net --net
}

@test "network_namespace_absent_is_the_runtimes" {
	# sysfs of another network namespace cannot be mounted without one.
	make_bundle "$B" /keel-checker ns
	config_set "$B" '.mounts |= map(select(.destination != "/sys"))'
	drop_ns network
	run_checker
	assert_value ns.net "$(host_ns net)"
}

@test "ipc_namespace_new" {
	new_case ipc
}

@test "ipc_namespace_joined_by_path" {
	join_case ipc ipc --ipc
}

@test "ipc_namespace_absent_is_the_runtimes" {
	# /dev/mqueue belongs to the ipc namespace: mqueue of the host's is refused.
	make_bundle "$B" /keel-checker ns
	config_set "$B" '.mounts |= map(select(.destination != "/dev/mqueue"))'
	drop_ns ipc
	run_checker
	assert_value ns.ipc "$(host_ns ipc)"
}

@test "uts_namespace_new" {
	new_case uts
}

@test "uts_namespace_joined_by_path" {
	join_case uts uts --uts
}

@test "uts_namespace_absent_is_the_runtimes" {
	make_bundle "$B" /keel-checker ns
	config_set "$B" 'del(.hostname)'
	drop_ns uts
	run_checker
	assert_value ns.uts "$(host_ns uts)"
}

@test "cgroup_namespace_new_roots_the_containers_cgroup" {
	make_bundle "$B" /keel-checker ns cgroup
	run_checker
	[ "$(checker_value "$output" ns.cgroup)" != "$(host_ns cgroup)" ]
	# In its own cgroup namespace the container's cgroup2 path is /.
	checker_values "$output" cgroup | grep -qx '0::/'
}

@test "cgroup_namespace_joined_by_path" {
	join_case cgroup cgroup --cgroup
}

@test "cgroup_namespace_absent_is_the_runtimes" {
	absent_case cgroup
}

@test "time_namespace_new_applies_timeOffsets" {
	# runc 1.1 has no time namespaces: fails against runc-ref.
	make_bundle "$B" /keel-checker ns paths --path /proc/uptime
	set_ns time
	config_set "$B" '.linux.timeOffsets = {boottime: {secs: 864000000, nanosecs: 0},
		monotonic: {secs: 864000000, nanosecs: 0}}'
	run_checker
	[ "$(checker_value "$output" ns.time)" != "$(host_ns time)" ]
	uptime=$(checker_value "$output" path./proc/uptime | sed -n 's/.* data=\([0-9]*\).*/\1/p')
	[ "$uptime" -ge 864000000 ]
}

@test "time_namespace_joined_by_path" {
	# runc 1.1 has no time namespaces: fails against runc-ref.
	join_case time time_for_children --time --fork --kill-child
}

@test "duplicate_namespace_type_fails_create_and_leaves_nothing" {
	# config-linux.md: a type listed twice is an error.
	make_bundle "$B" /keel-checker ns
	config_set "$B" '.linux.namespaces += [{type: "network"}]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}

@test "namespace_path_that_is_not_a_namespace_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker ns
	set_ns network "$TEST_DIR/tag"
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}

@test "namespace_path_of_the_wrong_type_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker ns
	set_ns network /proc/self/ns/ipc
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ]
	[ -n "$stderr" ]
	assert_nothing_left "$C"
}
