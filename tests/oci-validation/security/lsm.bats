#!/usr/bin/env bats
# LSM labels on a host without the LSM: a configured label is an error
# naming the field, and create leaves nothing (the spec: a runtime must
# not run the container without the confinement it asks for).  The
# AppArmor profile itself is applied and checked in the VM suite
# (tests/vm/cases/60-apparmor.sh), whose kernel has AppArmor; SELinux labels
# in tests/vm/cases-selinux/ (a VM booted with SELinux).

load ../lib
load ../lifecycle/common

setup_file() { lc_setup_file; }
setup() {
	lc_setup
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] &&
		skip "AppArmor is enabled here: the VM suite covers it"
	make_bundle "$B" /keel-checker ids
}
teardown() { lc_teardown; }

@test "apparmor_profile_without_apparmor_fails_and_leaves_nothing" {
	config_set "$B" '.process.apparmorProfile = "keel-test"'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'process.apparmorProfile: AppArmor is not enabled on this host'
	assert_nothing_left "$C"
}

@test "selinux_labels_without_selinux_fail_naming_the_field" {
	[ -e /sys/fs/selinux/enforce ] && skip "SELinux is enabled here"
	config_set "$B" '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
	rk create --bundle "$B" "$C"
	assert_error 'process.selinuxLabel: SELinux is not enabled on this host'
	config_set "$B" 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	rk create --bundle "$B" "$C"
	assert_error 'linux.mountLabel: SELinux is not enabled on this host'
	[ -z "$(state_root_entries)" ]
}

@test "exec_labels_without_the_lsm_fail_naming_the_flag" {
	make_bundle "$B" /keel-checker --sleep 60
	rk_ok create --bundle "$B" "$C"
	rk exec --apparmor keel-test "$C" /keel-checker ids
	assert_exec_error 'process.apparmorProfile: AppArmor is not enabled on this host'
	rk exec --process-label system_u:system_r:container_t:s0 "$C" /keel-checker ids
	assert_exec_error 'process.selinuxLabel: SELinux is not enabled on this host'
	rk_ok delete --force "$C"
}

@test "features_reports_apparmor_as_this_host_has_it" {
	run "$KEEL" features
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.linux.apparmor.enabled == false' >/dev/null
}

@test "a_malformed_selinux_label_is_refused_before_anything_is_made" {
	config_set "$B" '.process.selinuxLabel = "container_t"'
	rk create --bundle "$B" "$C"
	assert_error 'process.selinuxLabel: "container_t" is not an SELinux context'
	config_set "$B" 'del(.process.selinuxLabel) | .linux.mountLabel = "container_file_t"'
	rk create --bundle "$B" "$C"
	assert_error 'linux.mountLabel: "container_file_t" is not an SELinux context'
	# A level with categories is a context: here it fails only for want of SELinux.
	config_set "$B" '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	rk create --bundle "$B" "$C"
	assert_error 'linux.mountLabel: SELinux is not enabled on this host'
	[ -z "$(state_root_entries)" ]
}
