#!/usr/bin/env bats
# hostname and domainname (config.md, config-linux.md), seen from inside
# with the checker's uts section.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() { lc_setup; }
teardown() { lc_teardown; }

@test "hostname_is_set_in_the_new_uts_namespace" {
	make_bundle "$B" /keel-checker uts
	config_set "$B" '.hostname = "box-7.local"'
	run_checker
	assert_value hostname box-7.local
	[ "$(uname -n)" != box-7.local ]
}

@test "domainname_is_set_in_the_new_uts_namespace" {
	# runc 1.1 ignores domainname (added in 1.2): fails against runc-ref.
	make_bundle "$B" /keel-checker uts
	config_set "$B" '.domainname = "example.org"'
	run_checker
	assert_value domainname example.org
	assert_value hostname keel-test
	[ "$(cat /proc/sys/kernel/domainname)" != example.org ]
}

@test "without_hostname_the_new_namespace_keeps_the_runtimes_names" {
	make_bundle "$B" /keel-checker uts
	config_set "$B" 'del(.hostname) | del(.domainname)'
	run_checker
	assert_value hostname "$(uname -n)"
	assert_value domainname "$(cat /proc/sys/kernel/domainname)"
}

@test "hostname_in_a_joined_uts_namespace_renames_that_namespace" {
	start_holder --uts
	make_bundle "$B" /keel-checker uts
	set_ns uts "/proc/$HOLDER/ns/uts"
	config_set "$B" '.hostname = "joined-host"'
	run_checker
	assert_value hostname joined-host
	[ "$(nsenter -t "$HOLDER" -u uname -n)" = joined-host ]
	[ "$(uname -n)" != joined-host ]
}

@test "hostname_without_a_uts_namespace_is_refused" {
	# runc refuses ("unable to set hostname without a private UTS
	# namespace"); config.md would let it rename the runtime's namespace,
	# which for keel would be the host's.  The runtime runs in a throwaway
	# uts namespace here, so a bad runtime cannot rename this machine.
	make_bundle "$B" /keel-checker uts
	drop_ns uts
	config_set "$B" '.hostname = "not-the-host"'
	leak_snapshot
	rc=0
	unshare --uts -- timeout 60 "$KEEL" --root "$ROOT" create --bundle "$B" "$C" \
		<"$TEST_DIR/tag" >"$TEST_DIR/c.out" 2>"$TEST_DIR/c.err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -qi hostname "$TEST_DIR/c.err"
	[ "$(uname -n)" != not-the-host ]
	assert_nothing_left "$C"
}

@test "domainname_without_a_uts_namespace_is_refused" {
	# As for hostname (runc 1.2: "unable to set domainname without a private
	# UTS namespace"); runc 1.1 ignores domainname: fails against runc-ref.
	make_bundle "$B" /keel-checker uts
	drop_ns uts
	config_set "$B" 'del(.hostname) | .domainname = "not-the-host"'
	leak_snapshot
	rc=0
	unshare --uts -- timeout 60 "$KEEL" --root "$ROOT" create --bundle "$B" "$C" \
		<"$TEST_DIR/tag" >"$TEST_DIR/c.out" 2>"$TEST_DIR/c.err" || rc=$?
	[ "$rc" -eq 1 ]
	grep -qi domainname "$TEST_DIR/c.err"
	[ "$(cat /proc/sys/kernel/domainname)" != not-the-host ]
	assert_nothing_left "$C"
}
