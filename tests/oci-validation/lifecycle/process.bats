#!/usr/bin/env bats
# process (config.md): args, env (and the HOME runc adds), cwd, user (uid,
# gid, umask, additionalGids), rlimits, noNewPrivileges, oomScoreAdj; a bad
# cwd failing create; the signals, terminal owner and HOME the process
# starts with, for the init and for exec.  Capabilities and seccomp belong
# to a later issue: the default config's capabilities stay as they are.

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

# ignoring_keel: a stand-in for $KEEL (set KEEL=$(ignoring_keel) for one
# call) that runs it with every signal ignored, as a caller such as nohup,
# a shell's trap '' or an engine may leave them (glibc's two, 32 and 33,
# too: a Go supervisor can): execve keeps SIG_IGN, so keel, and whatever
# it forks, starts with them ignored.
ignoring_keel() {
	local w=$TEST_DIR/ignoring-keel
	if [[ ! -x $w ]]; then
		printf '#!/bin/bash\nexec %q --ignore-all -- %q "$@"\n' "$KEEL_BUILDDIR/sig-exec" \
			"$KEEL" >"$w"
		chmod +x "$w"
	fi
	echo "$w"
}

# signals_clean OUTPUT WHAT: the checker's signals section in OUTPUT says
# nothing is blocked, ignored or caught (as runc and crun start the
# process, whatever their caller ignored); WHAT names the path on failure.
signals_clean() {
	local k v rc=0
	for k in sigblk sigign sigcgt; do
		v=$(checker_value "$1" "$k") || v=missing
		if [[ $v != 0000000000000000 ]]; then
			echo "$2: $k is '$v'" >&2
			rc=1
		fi
	done
	return $rc
}

# output_of FILE: FILE once the checker in it has printed its last section
# (sigcgt), carriage returns of a terminal removed.
output_of() {
	wait_until 20 file_has "$1" '^sigcgt: ' || return
	tr -d '\r' <"$1"
}

# start_console_recv: tests/tools/console-recv.py on $TEST_DIR/sock, what
# the terminal shows going to $TEST_DIR/tty.
start_console_recv() {
	require_cmd python3 python3 || return
	rm -f "$TEST_DIR/sock" "$TEST_DIR/sock.ready" "$TEST_DIR/tty"
	timeout 60 "$KEEL_SRCDIR/tests/tools/console-recv.py" "$TEST_DIR/sock" "$TEST_DIR/tty" \
		</dev/null >"$TEST_DIR/recv.log" 2>&1 3>&- &
	RECV_PID=$!
	wait_until 10 [ -e "$TEST_DIR/sock.ready" ]
}

# in_script CMD...: CMD with a terminal as its stdio (script(1)); its
# output.  The "^@" that script's terminal echoes when its input (here
# /dev/null) ends is dropped, as are carriage returns.
in_script() {
	require_cmd script bsdutils || return
	timeout 60 script -qec "$(printf '%q ' "$@")" /dev/null </dev/null | tr -d '\r' |
		sed 's/\^@//g'
}

# add_passwd LINE...: lines appended to the rootfs's /etc/passwd.
add_passwd() {
	printf '%s\n' "$@" >>"$B/rootfs/etc/passwd"
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
	# runc adds HOME last, from the passwd entry of uid 0 (/root here).
	make_bundle "$B" /keel-checker env
	config_set "$B" '.process.env = ["PATH=/bin", "B=2"]'
	run_checker
	[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin B=2 HOME=/root)" ]
}

@test "HOME_comes_from_the_passwd_entry_of_the_process_uid" {
	# runc's rule (and crun's, except that it leaves HOME out for a uid
	# without an entry): the first entry whose uid matches, white space
	# around a line ignored; "/" without one; an entry without a home
	# field gives an empty HOME; an empty HOME= in process.env is
	# replaced where it stands.  A line whose uid is no number is
	# nobody's (runc would read it as uid 0).
	make_bundle "$B" /keel-checker env
	add_passwd 'bogus:x:abc:0::/bogus:/bin/sh' '  app:x:1000:1000::/home/app:/bin/sh  ' \
		'second:x:1000:1000::/home/second:/bin/sh' 'nohome:x:1001:1001::' 'short:x:1002'
	local uid want
	for uid in 0 1000 1001 1002 1234; do
		case $uid in
		0) want=/root ;; 1000) want=/home/app ;; 1001 | 1002) want= ;; 1234) want=/ ;;
		esac
		config_set "$B" '.process.user = {uid: $u, gid: 0} | .process.env = ["PATH=/bin"]' \
			--argjson u "$uid"
		run_checker
		[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin "HOME=$want")" ] ||
			{ echo "uid $uid: $output" >&2; return 1; }
	done
	config_set "$B" '.process.user = {uid: 1000, gid: 0} | .process.env = ["A=1", "HOME=", "B=2"]'
	run_checker
	[ "$(checker_values "$output" env)" = "$(printf '%s\n' A=1 HOME=/home/app B=2)" ]
}

@test "exec_gets_HOME_for_its_own_user" {
	# exec --user and exec --process look HOME up for the exec process's
	# uid, in the container's /etc/passwd; a HOME given with -e stays.
	make_bundle "$B" /keel-checker --sleep 60
	add_passwd 'app:x:1000:1000::/home/app:/bin/sh'
	rk_ok run -d --bundle "$B" "$C"
	rk_ok exec "$C" /keel-checker env
	[ "$(checker_values "$output" env | grep ^HOME=)" = HOME=/root ]
	rk_ok exec --user 1000 "$C" /keel-checker env
	[ "$(checker_values "$output" env | grep ^HOME=)" = HOME=/home/app ]
	rk_ok exec --user 1234:1234 "$C" /keel-checker env
	[ "$(checker_values "$output" env | grep ^HOME=)" = HOME=/ ]
	rk_ok exec --user 1000 -e HOME=/given "$C" /keel-checker env
	[ "$(checker_values "$output" env | grep ^HOME=)" = HOME=/given ]
	cat >"$TEST_DIR/p.json" <<-'EOF'
	{"args": ["/keel-checker", "env"], "cwd": "/", "user": {"uid": 1000, "gid": 1000},
	 "env": ["PATH=/bin"]}
	EOF
	rk_ok exec --process "$TEST_DIR/p.json" "$C"
	[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin HOME=/home/app)" ]
	rk_ok delete --force "$C"
}

@test "HOME_lookup_stays_in_the_rootfs_and_survives_a_hostile_passwd" {
	# /etc/passwd is the container's: a symlink to a host file is
	# resolved inside the rootfs (the host file is never read), a FIFO, a
	# device or a directory reads as no passwd (create must not block), a
	# huge file is read no further than 16 MiB, and a line too long to be
	# an entry is skipped without losing the next one.  Each gives HOME=/
	# unless an entry further on matches.  runc 1.1.5 blocks forever on
	# the FIFO: this case fails against runc by design.
	make_bundle "$B" /keel-checker env
	config_set "$B" '.process.user = {uid: 4242, gid: 0} | .process.env = ["PATH=/bin"]'
	local passwd=$B/rootfs/etc/passwd kind
	echo 'host:x:4242:0::/host-secret:/bin/sh' >"$TEST_DIR/host-passwd"
	for kind in symlink fifo device dir huge; do
		rm -rf "$passwd"
		case $kind in
		symlink) ln -s "$TEST_DIR/host-passwd" "$passwd" ;;
		fifo) mkfifo "$passwd" ;;
		device) ln -s /dev/zero "$passwd" ;;
		dir) mkdir "$passwd" ;;
		huge)
			truncate -s 64M "$passwd"
			echo 'late:x:4242:0::/late:/bin/sh' >>"$passwd"
			;;
		esac
		run_checker || return
		[ "$(checker_values "$output" env)" = "$(printf '%s\n' PATH=/bin HOME=/)" ] ||
			{ echo "$kind: $output" >&2; return 1; }
	done
	rm -f "$passwd"
	{ head -c 100000 /dev/zero | tr '\0' x; echo; echo 'app:x:4242:0::/home/app:/bin/sh'; } >"$passwd"
	run_checker
	[ "$(checker_values "$output" env | grep ^HOME=)" = HOME=/home/app ]
	[ "$(cat "$TEST_DIR/host-passwd")" = 'host:x:4242:0::/host-secret:/bin/sh' ]
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

@test "missing_cwd_is_created_before_the_root_turns_read_only" {
	# runc makes the cwd right after pivot_root, before root.readonly and
	# readonlyPaths apply: with mode 0755 less the runtime's umask, owned
	# by the container's root, whatever process.user is.
	make_bundle "$B" /keel-checker cwd
	config_set "$B" '.root.readonly = true | .process.cwd = "/work/dir/deep"
		| .process.user = {uid: 1000, gid: 1000}'
	local mask
	mask=$(umask)
	umask 027
	run_checker || { umask "$mask"; return 1; }
	umask "$mask"
	assert_value cwd /work/dir/deep
	[ "$(stat -c '%a %u:%g' "$B/rootfs/work" "$B/rootfs/work/dir" "$B/rootfs/work/dir/deep")" = \
		"$(printf '750 0:0\n%.0s' 1 2 3)" ]
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

# --- signals ------------------------------------------------------------------------------

@test "signals_start_default_and_unblocked_after_create_start_run_and_run_detached" {
	# The caller ignores a set of signals; an attached run also blocks
	# the ones it relays.  runc and crun start the process with nothing
	# blocked, ignored or caught, on every path.
	make_bundle "$B" /keel-checker signals
	KEEL=$(ignoring_keel) rk_ok run --bundle "$B" "$C"
	signals_clean "$output" run
	KEEL=$(ignoring_keel) rk_ok run -d --bundle "$B" "$C-d"
	signals_clean "$(output_of "$RK_OUT")" "run -d"
	KEEL=$(ignoring_keel) rk_ok create --bundle "$B" "$C-c"
	local out=$RK_OUT
	rk_ok start "$C-c"
	signals_clean "$(output_of "$out")" create/start
	rk_ok delete --force "$C-d"
	rk_ok delete --force "$C-c"
}

@test "signals_start_default_and_unblocked_for_exec_attached_and_detached" {
	make_bundle "$B" /keel-checker --sleep 60
	rk_ok run -d --bundle "$B" "$C"
	KEEL=$(ignoring_keel) rk_ok exec "$C" /keel-checker signals
	signals_clean "$output" exec
	KEEL=$(ignoring_keel) rk_ok exec -d "$C" /keel-checker signals
	signals_clean "$(output_of "$RK_OUT")" "exec -d"
	rk_ok delete --force "$C"
}

@test "signals_start_default_and_unblocked_with_a_terminal" {
	# run and exec attached to keel's terminal (script), and detached
	# with the pty sent over --console-socket.
	make_bundle "$B" /keel-checker signals
	config_set "$B" '.process.terminal = true'
	signals_clean "$(in_script "$(ignoring_keel)" --root "$ROOT" run --bundle "$B" "$C")" "run, tty"
	start_console_recv
	KEEL=$(ignoring_keel) rk_ok run -d --console-socket "$TEST_DIR/sock" --bundle "$B" "$C-d"
	signals_clean "$(output_of "$TEST_DIR/tty")" "run -d, tty"
	rk_ok delete --force "$C-d"
	make_bundle "$B" /keel-checker --sleep 60
	rk_ok run -d --bundle "$B" "$C"
	signals_clean "$(in_script "$(ignoring_keel)" --root "$ROOT" exec -t "$C" /keel-checker signals)" \
		"exec -t"
	start_console_recv
	KEEL=$(ignoring_keel) rk_ok exec -d -t --console-socket "$TEST_DIR/sock" "$C" \
		/keel-checker signals
	signals_clean "$(output_of "$TEST_DIR/tty")" "exec -d -t"
	rk_ok delete --force "$C"
}

@test "kill_TERM_runs_the_containers_trap" {
	# End to end: the container's shell traps TERM; keel kill sends it
	# while an attached keel run waits, as an engine stopping it would.
	# With TERM still blocked from keel's relay the trap never runs.
	make_bundle "$B" /bin/sh -c 'trap "echo got TERM; exit 7" TERM; echo ready
		while :; do sleep 0.1; done'
	timeout 60 "$KEEL" --root "$ROOT" run --bundle "$B" "$C" <"$TEST_DIR/tag" \
		>"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" &
	local pid=$! status=0
	wait_until 20 file_has "$TEST_DIR/run.out" '^ready$'
	rk_ok kill "$C" TERM
	wait_until 10 file_has "$TEST_DIR/run.out" '^got TERM$'
	wait "$pid" || status=$?
	[ "$status" -eq 7 ]
	assert_gone "$C"
}

@test "run_and_exec_work_when_the_caller_ignores_SIGCHLD" {
	# With SIGCHLD ignored the kernel reaps keel's children itself: keel
	# restores it, or an attached run waits for an exit it never sees.
	make_bundle "$B" /keel-checker signals --sleep 0.2
	local ign=(bash -c 'trap "" CHLD; exec "$@"' ignoring)
	timeout 20 "${ign[@]}" "$KEEL" --root "$ROOT" run --bundle "$B" "$C" </dev/null \
		>"$TEST_DIR/run.out" 2>&1
	signals_clean "$(cat "$TEST_DIR/run.out")" "run, SIGCHLD ignored"
	make_bundle "$B" /keel-checker --sleep 60
	rk_ok run -d --bundle "$B" "$C"
	timeout 20 "${ign[@]}" "$KEEL" --root "$ROOT" exec "$C" /keel-checker signals </dev/null \
		>"$TEST_DIR/exec.out" 2>&1
	signals_clean "$(cat "$TEST_DIR/exec.out")" "exec, SIGCHLD ignored"
	rk_ok delete --force "$C"
}

# --- terminal ------------------------------------------------------------------------------

@test "terminal_belongs_to_the_process_user_for_run_and_exec" {
	# runc gives the pty to process.user.uid; its group stays devpts's
	# gid=5 (tty) of the default config, mode 0620.
	make_bundle "$B" /keel-checker --sleep 60
	config_set "$B" '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	start_console_recv
	rk_ok run -d --console-socket "$TEST_DIR/sock" --bundle "$B" "$C"
	rk_ok exec "$C" /keel-checker paths --path /dev/console
	[[ $(checker_value "$output" path./dev/console) == "c 136:"*" 0620 1000:5 "* ]]
	start_console_recv
	rk_ok exec -d -t --user 1001:1001 --console-socket "$TEST_DIR/sock" "$C" \
		/keel-checker process signals
	[ "$(checker_value "$(output_of "$TEST_DIR/tty")" tty_owner)" = "1001:5 0620" ]
	[ "$(in_script "$KEEL" --root "$ROOT" exec -t --user 1002 "$C" /keel-checker process |
		sed -n 's/^tty_owner: //p')" = "1002:5 0620" ]
	rk_ok delete --force "$C"
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
