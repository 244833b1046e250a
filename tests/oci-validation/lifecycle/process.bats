#!/usr/bin/env bats
# process (config.md): args, env, cwd, user (uid, gid, umask,
# additionalGids), rlimits, noNewPrivileges, oomScoreAdj; a bad cwd failing
# create.  Capabilities and seccomp belong to a later issue: the default
# config's capabilities stay as they are.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() { lc_setup; }
teardown() { lc_teardown; }

# create_fails_cleanly: create of $B fails with a message and leaves nothing.
create_fails_cleanly() {
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ] || { echo "create: status $status" >&2; return 1; }
	[ -n "$stderr" ] || { echo "create failed silently" >&2; return 1; }
	assert_nothing_left "$C"
}

# --- args ---------------------------------------------------------------------

@test "args_are_passed_verbatim" {
	make_bundle "$B" /bin/sh -c 'for a in "$0" "$@"; do printf "[%s]\n" "$a"; done' \
		zero 'two words' '' 'quote"d' '$HOME' '*'
	run_checker
	[ "$output" = "$(printf '%s\n' '[zero]' '[two words]' '[]' '[quote"d]' '[$HOME]' '[*]')" ]
}

@test "args0_is_looked_up_in_the_PATH_of_process_env" {
	make_bundle "$B" sh -c 'echo found'
	config_set "$B" '.process.env = ["PATH=/bin"]'
	run_checker
	[ "$output" = found ]
}

@test "args0_that_does_not_exist_fails" {
	make_bundle "$B" /no/such/binary
	rk run --bundle "$B" "$C"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
}

# --- env --------------------------------------------------------------------------

@test "env_is_exactly_process_env" {
	# runc adds HOME (from /etc/passwd) when env has none; nothing else may appear.
	make_bundle "$B" /keel-checker env
	config_set "$B" '.process.env = ["PATH=/bin", "A=1", "EMPTY=", "SPACES=a b  c", "HOME=/home/x"]'
	run_checker
	[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin A=1 EMPTY= 'SPACES=a b  c' HOME=/home/x)" ]
}

@test "env_without_HOME_gets_only_HOME_added" {
	make_bundle "$B" /keel-checker env
	config_set "$B" '.process.env = ["PATH=/bin", "B=2"]'
	run_checker
	extra=$(checker_values "$output" env | grep -vxF -e PATH=/bin -e B=2 || true)
	[ -z "$extra" ] || [ "$extra" = HOME=/root ]
	[ "$(checker_values "$output" env | head -n 2)" = "$(printf '%s\n' PATH=/bin B=2)" ]
}

@test "env_of_the_runtime_does_not_leak_in" {
	make_bundle "$B" /keel-checker env
	KEEL_LEAK_PROBE=leaked run_checker
	[ -z "$(checker_values "$output" env | grep KEEL_LEAK_PROBE)" ]
}

# --- cwd ----------------------------------------------------------------------------

@test "cwd_is_applied" {
	make_bundle "$B" /keel-checker cwd
	config_set "$B" '.process.cwd = "/etc"'
	run_checker
	assert_value cwd /etc
}

@test "missing_cwd_is_created" {
	make_bundle "$B" /keel-checker cwd
	config_set "$B" '.process.cwd = "/work/dir/deep"'
	run_checker
	assert_value cwd /work/dir/deep
	[ -d "$B/rootfs/work/dir/deep" ]
}

@test "cwd_that_is_a_file_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker cwd
	config_set "$B" '.process.cwd = "/keel-checker"'
	create_fails_cleanly
}

@test "relative_cwd_fails_create_and_leaves_nothing" {
	# config.md: cwd MUST be an absolute path.
	make_bundle "$B" /keel-checker cwd
	config_set "$B" '.process.cwd = "etc"'
	create_fails_cleanly
}

@test "cwd_through_a_symlink_stays_in_the_rootfs" {
	mkdir -p "$TEST_DIR/host-dir"
	make_bundle "$B" /keel-checker cwd
	ln -s "$TEST_DIR/host-dir" "$B/rootfs/escape"
	config_set "$B" '.process.cwd = "/escape/sub"'
	rk run --bundle "$B" "$C"
	[ ! -e "$TEST_DIR/host-dir/sub" ]
}

# --- user -------------------------------------------------------------------------------

@test "user_uid_and_gid" {
	make_bundle "$B" /keel-checker ids
	config_set "$B" '.process.user = {uid: 1000, gid: 1001}'
	run_checker
	for k in uid euid suid fsuid; do assert_value "$k" 1000; done
	for k in gid egid sgid fsgid; do assert_value "$k" 1001; done
	assert_value groups ''
}

@test "user_additionalGids" {
	make_bundle "$B" /keel-checker ids
	config_set "$B" '.process.user = {uid: 1000, gid: 1001, additionalGids: [5, 100, 65534]}'
	run_checker
	assert_value groups '5 100 65534'
	assert_value gid 1001
}

@test "user_umask" {
	make_bundle "$B" /keel-checker ids
	config_set "$B" '.process.user.umask = 63'
	run_checker
	assert_value umask 0077
}

@test "user_root_has_no_supplementary_groups_by_default" {
	make_bundle "$B" /keel-checker ids
	run_checker
	assert_value uid 0
	assert_value gid 0
	assert_value groups ''
}

# --- rlimits --------------------------------------------------------------------------------

@test "rlimits_are_applied" {
	# No 2^64-1 (unlimited) here: jq 1.6 rounds it to a float runc refuses.
	make_bundle "$B" /keel-checker rlimits
	config_set "$B" '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 100, hard: 200},
		{type: "RLIMIT_CORE", soft: 0, hard: 0},
		{type: "RLIMIT_NPROC", soft: 500, hard: 1000},
		{type: "RLIMIT_STACK", soft: 1048576, hard: 16777216}]'
	run_checker
	assert_value rlimit.RLIMIT_NOFILE '100 200'
	assert_value rlimit.RLIMIT_CORE '0 0'
	assert_value rlimit.RLIMIT_NPROC '500 1000'
	assert_value rlimit.RLIMIT_STACK '1048576 16777216'
}

@test "unknown_rlimit_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker rlimits
	config_set "$B" '.process.rlimits = [{type: "RLIMIT_BOGUS", soft: 1, hard: 1}]'
	create_fails_cleanly
}

@test "rlimit_soft_above_hard_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker rlimits
	config_set "$B" '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 300, hard: 200}]'
	create_fails_cleanly
}

# --- noNewPrivileges, oomScoreAdj ---------------------------------------------------------------

@test "noNewPrivileges_true" {
	make_bundle "$B" /keel-checker seccomp
	config_set "$B" '.process.noNewPrivileges = true'
	run_checker
	assert_value nonewprivs 1
}

@test "noNewPrivileges_false" {
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/self/status)" = 0 ] ||
		skip "this shell already has no_new_privs"
	make_bundle "$B" /keel-checker seccomp
	config_set "$B" '.process.noNewPrivileges = false'
	run_checker
	assert_value nonewprivs 0
}

@test "oomScoreAdj_is_applied" {
	make_bundle "$B" /keel-checker oom_score_adj
	config_set "$B" '.process.oomScoreAdj = 500'
	run_checker
	assert_value oom_score_adj 500
}

@test "oomScoreAdj_absent_keeps_the_runtimes" {
	make_bundle "$B" /keel-checker oom_score_adj
	config_set "$B" 'del(.process.oomScoreAdj)'
	# The runtime runs with a value of its own, which the container inherits.
	status=0
	bash -c 'echo 123 >/proc/self/oom_score_adj && exec "$@"' sh \
		timeout 60 "$KEEL" --root "$ROOT" run --bundle "$B" "$C" \
		<"$TEST_DIR/tag" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || status=$?
	[ "$status" -eq 0 ]
	output=$(cat "$TEST_DIR/run.out")
	assert_value oom_score_adj 123
}

@test "scheduler_ioPriority_personality_and_memoryPolicy_are_applied" {
	make_bundle "$B" /keel-checker sched
	config_set "$B" '.process.scheduler = {policy: "SCHED_BATCH", nice: 5}
		| .process.ioPriority = {class: "IOPRIO_CLASS_IDLE", priority: 7}
		| .linux.personality = {domain: "LINUX32"}
		| .linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0"}'
	run_checker
	assert_value sched_policy SCHED_BATCH
	assert_value nice 5
	assert_value ioprio "IOPRIO_CLASS_IDLE 7"
	assert_value personality 0x00000008
	# MPOL_BIND is 2; node 0 is bit 0.
	assert_value mempolicy "2 0x1"
}

@test "a_realtime_scheduler_is_applied_with_its_priority" {
	make_bundle "$B" /keel-checker sched
	config_set "$B" '.process.scheduler = {policy: "SCHED_FIFO", priority: 10}
		| .process.capabilities.bounding += ["CAP_SYS_NICE"]'
	run_checker
	assert_value sched_policy SCHED_FIFO
	assert_value sched_priority 10
}

@test "what_the_kernel_or_keel_refuses_fails_naming_the_field" {
	make_bundle "$B" /keel-checker sched
	config_set "$B" '.linux.memoryPolicy = {mode: "MPOL_BIND", nodes: "0-x"}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux.memoryPolicy.nodes: "0-x" is not a list like'
	assert_nothing_left "$C"
	config_set "$B" 'del(.linux.memoryPolicy) | .linux.personality = {domain: "LINUX", flags: ["X"]}'
	rk create --bundle "$B" "$C"
	assert_error 'linux.personality.flags: "X" is not a flag keel knows'
	assert_nothing_left "$C"
	# A deadline policy with a runtime above its deadline: the kernel says
	# no when the init becomes the process, which it does before create
	# returns (as runc's init, before it waits for start).
	config_set "$B" 'del(.linux.personality) | .process.scheduler = {policy: "SCHED_DEADLINE",
		runtime: 2000000, deadline: 1000000, period: 1000000}'
	rk create --bundle "$B" "$C"
	assert_error 'process.scheduler: sched_setattr SCHED_DEADLINE'
	assert_nothing_left "$C"
}

@test "exec_cpu_affinity_initial_and_final_apply_to_exec" {
	make_bundle "$B" /keel-checker --sleep 60
	rk_ok create --bundle "$B" "$C"
	rk_ok start "$C"
	cat >"$TEST_DIR/p.json" <<-'EOF'
	{"args": ["/keel-checker", "sched"], "cwd": "/", "user": {"uid": 0, "gid": 0},
	 "env": ["PATH=/bin"], "execCPUAffinity": {"initial": "0-1", "final": "0"}}
	EOF
	rk_ok exec --process "$TEST_DIR/p.json" "$C"
	assert_value affinity 0
	sed -i 's/"final": "0"/"final": "99999"/' "$TEST_DIR/p.json"
	rk exec --process "$TEST_DIR/p.json" "$C"
	assert_exec_error 'process.execCPUAffinity.final: "99999" is not a list'
	rk_ok delete --force "$C"
}
