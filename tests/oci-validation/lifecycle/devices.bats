#!/usr/bin/env bats
# /dev: the default devices and links every container gets (config-linux.md
# "Default Devices", "Default File Systems"), linux.devices (type, major,
# minor, fileMode, uid, gid), and a bad device failing create.  Seen from
# inside with the checker's devices and paths sections.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() { lc_setup; }
teardown() { lc_teardown; }

@test "default_devices_are_created" {
	make_bundle "$B" /keel-checker devices --dev /dev/null --dev /dev/zero --dev /dev/full \
		--dev /dev/random --dev /dev/urandom --dev /dev/tty
	run_checker
	assert_value dev./dev/null 'c 1:3 0666 0:0'
	assert_value dev./dev/zero 'c 1:5 0666 0:0'
	assert_value dev./dev/full 'c 1:7 0666 0:0'
	assert_value dev./dev/random 'c 1:8 0666 0:0'
	assert_value dev./dev/urandom 'c 1:9 0666 0:0'
	assert_value dev./dev/tty 'c 5:0 0666 0:0'
}

@test "default_dev_links_are_created" {
	make_bundle "$B" /keel-checker paths --path /dev/fd --path /dev/stdin \
		--path /dev/stdout --path /dev/stderr --path /dev/ptmx
	run_checker
	[[ $(checker_value "$output" path./dev/fd) == "l "*" target=/proc/self/fd" ]]
	[[ $(checker_value "$output" path./dev/stdin) == "l "*" target=/proc/self/fd/0" ]]
	[[ $(checker_value "$output" path./dev/stdout) == "l "*" target=/proc/self/fd/1" ]]
	[[ $(checker_value "$output" path./dev/stderr) == "l "*" target=/proc/self/fd/2" ]]
	# A symlink to pts/ptmx, or a bind mount of it (then a char device 5:2).
	ptmx=$(checker_value "$output" path./dev/ptmx)
	[[ $ptmx == "l "*" target=pts/ptmx" || $ptmx == "c 5:2 "* ]]
}

@test "default_devices_are_usable" {
	make_bundle "$B" /keel-checker paths --path /dev/zero --write /dev/null x --write /dev/full x
	run_checker
	assert_value write./dev/null ok
	assert_value write./dev/full 'errno 28 ENOSPC'
	[[ $(checker_value "$output" path./dev/zero) == "c 1:5 0666 0:0 rw -" ]]
}

@test "dev_has_only_the_default_devices" {
	# Nothing of the host's /dev leaks in (no disk, kmsg, mem, loop...).
	make_bundle "$B" /keel-checker devices
	run_checker
	extra=$(grep '^dev\./dev/' <<<"$output" | cut -d: -f1 | sed 's/^dev\.//' |
		grep -vxE '/dev/(null|zero|full|random|urandom|tty|ptmx|console|fd|stdin|stdout|stderr|core|pts|shm|mqueue)' || true)
	[ -z "$extra" ] || { echo "unexpected in /dev: $extra"; false; }
	[ "$(checker_value "$output" dev./dev/null)" = 'c 1:3 0666 0:0' ]
}

@test "char_device_with_mode_uid_and_gid" {
	make_bundle "$B" /keel-checker devices --dev /dev/kt-null
	config_set "$B" '.linux.devices = [{path: "/dev/kt-null", type: "c", major: 1, minor: 3,
		fileMode: 416, uid: 1000, gid: 1001}]'
	run_checker
	assert_value dev./dev/kt-null 'c 1:3 0640 1000:1001'
}

@test "fifo_device_with_mode_uid_and_gid" {
	make_bundle "$B" /keel-checker devices --dev /dev/kt-fifo
	config_set "$B" '.linux.devices = [{path: "/dev/kt-fifo", type: "p",
		fileMode: 384, uid: 7, gid: 8}]'
	run_checker
	assert_value dev./dev/kt-fifo 'p 0:0 0600 7:8'
}

@test "block_device" {
	make_bundle "$B" /keel-checker devices --dev /dev/kt-loop
	config_set "$B" '.linux.devices = [{path: "/dev/kt-loop", type: "b", major: 7, minor: 200,
		fileMode: 432, uid: 0, gid: 6}]'
	run_checker
	assert_value dev./dev/kt-loop 'b 7:200 0660 0:6'
}

@test "device_in_a_missing_subdirectory" {
	make_bundle "$B" /keel-checker devices --dev /dev/kt/sub/zero
	config_set "$B" '.linux.devices = [{path: "/dev/kt/sub/zero", type: "c", major: 1, minor: 5,
		fileMode: 438, uid: 0, gid: 0}]'
	run_checker
	assert_value dev./dev/kt/sub/zero 'c 1:5 0666 0:0'
}

@test "device_without_fileMode_uid_gid_gets_defaults" {
	# config-linux.md: uid and gid default to 0; fileMode has no default in
	# the spec, so only the type, numbers and owner are checked.
	make_bundle "$B" /keel-checker devices --dev /dev/kt-zero
	config_set "$B" '.linux.devices = [{path: "/dev/kt-zero", type: "c", major: 1, minor: 5}]'
	run_checker
	[[ $(checker_value "$output" dev./dev/kt-zero) =~ ^c\ 1:5\ [0-7]{4}\ 0:0$ ]]
}

# create_fails_cleanly: create of $B fails with a message and leaves nothing.
create_fails_cleanly() {
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ] || { echo "create: status $status" >&2; return 1; }
	[ -n "$stderr" ] || { echo "create failed silently" >&2; return 1; }
	assert_nothing_left "$C"
}

@test "bad_device_type_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker
	config_set "$B" '.linux.devices = [{path: "/dev/kt-bad", type: "z", major: 1, minor: 3}]'
	create_fails_cleanly
}

@test "device_outside_dev_through_dotdot_stays_in_the_rootfs" {
	# The path is resolved inside the rootfs: ../ cannot climb out of it.
	make_bundle "$B" /keel-checker devices --dev "/$C"
	config_set "$B" '.linux.devices = [{path: ("/dev/../../../../../../../../" + $n), type: "c",
		major: 1, minor: 3, fileMode: 438}]' --arg n "$C"
	rk run --bundle "$B" "$C"
	if [ -e "/$C" ]; then
		rm -f "/$C"
		echo "the device was made on the host at /$C"
		false
	fi
	[ "$status" -eq 0 ] || { echo "$stderr"; false; }
	assert_value "dev./$C" 'c 1:3 0666 0:0'
	[ -c "$B/rootfs/$C" ]
}

# ---- the device program shared between containers --------------------------
# linux.resources.devices and keel's defaults become one BPF program per
# cgroup.  A create attaches the program the last create loaded (its id is
# in $ROOT/.device-program) when the kernel still holds it with exactly the
# instructions this create would load (keel_devices_reuse), and loads its
# own otherwise.  /dev/kt-kmsg (c 1:11) is a node no default rule allows:
# reading it is what tells two programs apart.

# kmsg_bundles: $B runs the checker on /dev/null and /dev/kt-kmsg; $B2, with
# the same config and rootfs, sleeps.
kmsg_bundles() {
	B2=$TEST_DIR/bundle2
	make_bundle "$B" /keel-checker paths --path /dev/null --path /dev/kt-kmsg
	config_set "$B" '.linux.devices = [{path: "/dev/kt-kmsg", type: "c", major: 1, minor: 11}]'
	mkdir "$B2"
	jq --arg r "$B/rootfs" '.root.path = $r | .process.args = ["/bin/sleep", "100"]' \
		"$B/config.json" >"$B2/config.json"
}

# loaded_id LOG: the id of the device program the create of LOG loaded.
loaded_id() {
	sed -n 's/.*device program loaded as \([0-9][0-9]*\).*/\1/p' "$1"
}

@test "device_program_of_a_live_container_serves_the_next_with_the_same_rules" {
	# Fails on a keel that loads a program for every container (no
	# "attached, the one an earlier create loaded" line), or whose shared
	# program lets kt-kmsg through.
	kmsg_bundles
	rk_ok --debug --log "$TEST_DIR/first.log" run --detach --bundle "$B2" "${C}s"
	id=$(loaded_id "$TEST_DIR/first.log")
	[ -n "$id" ]
	rk_ok --debug --log "$TEST_DIR/second.log" run --bundle "$B" "$C"
	grep -q "device program $id attached, the one an earlier create loaded" "$TEST_DIR/second.log"
	[[ $(checker_value "$output" path./dev/null) == "c 1:3 0666 0:0 rw "* ]]
	[[ $(checker_value "$output" path./dev/kt-kmsg) == "c 1:11 0666 0:0 -- "* ]]
	rk_ok delete --force "${C}s"
}

@test "device_program_of_other_rules_is_not_taken" {
	# The hint names the live program of a container whose rules allow
	# kt-kmsg; a container whose rules do not must load its own.  Fails on a
	# keel that trusts the hint without comparing the instructions: the
	# checker could then read kt-kmsg.
	kmsg_bundles
	config_set "$B2" '.linux.resources.devices += [{allow: true, type: "c", major: 1,
		minor: 11, access: "r"}]'
	rk_ok --debug --log "$TEST_DIR/first.log" run --detach --bundle "$B2" "${C}s"
	id=$(loaded_id "$TEST_DIR/first.log")
	[ -n "$id" ]
	[ "$(od -An -tu4 -j8 "$ROOT/.device-program" | tr -d ' ')" = "$id" ]
	rk_ok exec "${C}s" /keel-checker paths --path /dev/kt-kmsg
	[[ $(checker_value "$output" path./dev/kt-kmsg) == "c 1:11 0666 0:0 r- "* ]]
	rk_ok --debug --log "$TEST_DIR/second.log" run --bundle "$B" "$C"
	! grep -q "an earlier create loaded" "$TEST_DIR/second.log"
	other=$(loaded_id "$TEST_DIR/second.log")
	[ -n "$other" ] && [ "$other" != "$id" ]
	[[ $(checker_value "$output" path./dev/kt-kmsg) == "c 1:11 0666 0:0 -- "* ]]
	rk_ok delete --force "${C}s"
}

@test "device_program_hint_of_no_program_or_not_keels_is_ignored" {
	# An id no program has, then a file that is not keel's (no magic; a
	# symlink; a FIFO): each create loads its own, and a successful one
	# writes its program's id.  Fails on a keel that fails the create over
	# the hint, follows the symlink, or waits on the FIFO.
	kmsg_bundles
	mkdir -p "$ROOT"
	printf 'KEELDEV1\377\377\377\377' >"$ROOT/.device-program"
	rk_ok --debug --log "$TEST_DIR/first.log" run --bundle "$B" "$C"
	id=$(loaded_id "$TEST_DIR/first.log")
	[ -n "$id" ]
	[[ $(checker_value "$output" path./dev/null) == "c 1:3 0666 0:0 rw "* ]]
	[ "$(od -An -tu4 -j8 "$ROOT/.device-program" | tr -d ' ')" = "$id" ]
	printf 'NOTKEEL!\377\377\377\377' >"$TEST_DIR/fake"
	ln -sf "$TEST_DIR/fake" "$ROOT/.device-program"
	rk_ok --debug --log "$TEST_DIR/second.log" run --bundle "$B" "$C"
	! grep -q "an earlier create loaded" "$TEST_DIR/second.log"
	id=$(loaded_id "$TEST_DIR/second.log")
	[ -n "$id" ]
	# The symlink was replaced, not followed: the fake is as it was.
	[ -f "$ROOT/.device-program" ] && [ ! -L "$ROOT/.device-program" ]
	[ "$(od -An -tu4 -j8 "$ROOT/.device-program" | tr -d ' ')" = "$id" ]
	[ "$(head -c 8 "$TEST_DIR/fake")" = 'NOTKEEL!' ]
	# A FIFO holds neither the read nor the write (rk's 60 s limit).
	rm "$ROOT/.device-program"
	mkfifo "$ROOT/.device-program"
	rk_ok --debug --log "$TEST_DIR/third.log" run --bundle "$B" "$C"
	[ -n "$(loaded_id "$TEST_DIR/third.log")" ]
}

@test "failed_create_does_not_write_the_device_program_hint" {
	# The hint is written once create has succeeded: a create that fails
	# after its program was loaded leaves the state root as it was.
	kmsg_bundles
	config_set "$B" '.mounts += [{destination: "/mnt", type: "bind",
		source: "/nonexistent-keel-src", options: ["bind"]}]'
	rk create --bundle "$B" "$C"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/.device-program" ]
	[ -z "$(state_root_entries)" ]
}
