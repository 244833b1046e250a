# Helpers for the tests that run containers: tests/integration/lifecycle.bats
# and tests/oci-validation/lifecycle/*.bats.  Load after lib.bash:
#   load ../lib             (from tests/oci-validation/lifecycle/)
#   load common
#
# Every runtime call goes through rk, which gives the test a private state
# root ($ROOT), a 60 s limit (SIGTERM, then SIGKILL 10 s later: a runtime
# relaying signals to its container may not die of SIGTERM) and files
# instead of pipes for stdio (a detached container inherits them and must
# not hold a pipe of bats open).
#
# The runtime under test is $KEEL.  To prove a test against runc:
#   KEEL=$KEEL_SRCDIR/tests/tools/runc-ref bats tests/oci-validation/lifecycle
#
# Leftover processes are found without knowing the runtime's internals: rk
# gives every runtime call $TEST_DIR/tag as stdin, the runtime hands its stdin
# to the container's init (OCI: stdio is inherited), so whatever process
# still holds an fd into $TEST_DIR (the tag, a state file, a log) or names
# $TEST_DIR on its command line belongs to this test.

# lc_setup: per-test directories and a container id no other test uses (ids
# end up in cgroup paths shared by every test of the machine).
lc_setup() {
	TEST_DIR=$(mktemp -d /tmp/keel-lc.XXXXXX)
	ROOT=$TEST_DIR/state
	B=$TEST_DIR/bundle
	OUT=$TEST_DIR/out
	C=kt$$x${BATS_TEST_NUMBER:-0}
	RK_N=0
	HOLDERS=()
	mkdir -p "$OUT"
	: >"$TEST_DIR/tag"
}

# lc_teardown: kill and delete what a failed test left, then remove its files.
lc_teardown() {
	lc_cleanup
	rm -rf --one-file-system "$TEST_DIR"
}

# lc_setup_file: what every file needs, checked once (fail, not skip, when a
# package is missing) and the rootfs template built once.
lc_setup_file() {
	require_cmd jq jq || return
	require_cmd unshare util-linux || return
	require_cmd timeout coreutils || return
	[[ -x $KEEL ]] || lib_die "no runtime at $KEEL (build keel, or set KEEL)" || return
	local tmp
	tmp=$(mktemp -d /tmp/keel-lc-template.XXXXXX) || return
	make_rootfs "$tmp/rootfs" || { rm -rf "$tmp"; return 1; }
	rm -rf "$tmp"
}

# rk ARGS...: the runtime with the test's state root, like bats' run
# --separate-stderr: sets status, output, lines and stderr.  stdin is the tag
# file unless RK_STDIN names another; stdout and stderr are fresh files
# ($RK_OUT, $RK_ERR) which a container started by this call keeps as its own.
rk() {
	RK_N=$((RK_N + 1))
	RK_OUT=$TEST_DIR/rk.$RK_N.out
	RK_ERR=$TEST_DIR/rk.$RK_N.err
	status=0
	timeout -k 10 60 "$KEEL" --root "$ROOT" "$@" <"${RK_STDIN:-$TEST_DIR/tag}" \
		>"$RK_OUT" 2>"$RK_ERR" || status=$?
	output=$(cat "$RK_OUT")
	stderr=$(cat "$RK_ERR")
	lines=()
	[[ -z $output ]] || mapfile -t lines <<<"$output"
	if ((status == 124)); then
		echo "rk: '$*' did not finish within 60 s" >&2
	fi
	return 0
}

# rk_ok ARGS...: rk that must succeed; prints the call and stderr when not.
rk_ok() {
	rk "$@"
	if ((status != 0)); then
		echo "'$*' failed with status $status: $stderr" >&2
		return 1
	fi
}

# assert_error REGEX: the last rk failed (status 1, as runc and keel both
# exit) and said why on stderr, with text matching REGEX (extended,
# case-insensitive).  Messages differ between runtimes: runc writes
# 'time=... level=error msg="..."', keel 'keel: <command>: ...'; REGEX holds
# the key words both use.
assert_error() {
	assert_error_status 1 "$1"
}

# assert_exec_error REGEX: assert_error for a failed exec, which exits 255
# (runc's status for an exec that failed before its process ran; a
# command line it cannot parse still exits 1).
assert_exec_error() {
	assert_error_status 255 "$1"
}

# assert_error_status STATUS REGEX: assert_error with another exit status.
assert_error_status() {
	if ((status != $1)); then
		echo "expected status $1, got $status; stderr: $stderr" >&2
		return 1
	fi
	shift
	if [[ -z $stderr ]]; then
		echo "failed without a message on stderr" >&2
		return 1
	fi
	if ! grep -qiE -- "$1" <<<"$stderr"; then
		echo "stderr does not match /$1/: $stderr" >&2
		return 1
	fi
}

# state_of ID [JQ_FILTER]: a field of the container's state (default
# .status); status 1 when state fails.
state_of() {
	local json
	json=$(timeout 20 "$KEEL" --root "$ROOT" state "$1" 2>/dev/null </dev/null) || return 1
	jq -r "${2:-.status}" <<<"$json"
}

# status_is ID STATUS
status_is() {
	[[ $(state_of "$1") == "$2" ]]
}

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds.
wait_until() {
	local i limit=$(($1 * 10))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# file_has FILE REGEX: FILE exists and a line matches REGEX (extended).
file_has() {
	[[ -f $1 ]] && grep -qE -- "$2" "$1"
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

# pid_gone PID: the process has exited (or is a zombie).
pid_gone() {
	! pid_alive "$1"
}

# procs_in_test_dir: pids (one a line) of live processes, other than this
# shell, with an open fd into $TEST_DIR or $TEST_DIR on their command line.
# (One grep and one find for the whole of /proc: a loop of readlinks takes
# seconds on a busy machine.)
procs_in_test_dir() {
	local self=$BASHPID pid
	{
		grep -laF -- "$TEST_DIR" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3
		find /proc/[0-9]*/fd -maxdepth 1 -lname "$TEST_DIR/*" 2>/dev/null | cut -d/ -f3
	} | sort -un | while read -r pid; do
		[[ $pid == "$$" || $pid == "$self" ]] && continue
		pid_alive "$pid" && echo "$pid"
	done
	return 0
}

# cgroup2_mount: where keel finds cgroup2 (pure v2, or the unified mount of
# a hybrid host).
cgroup2_mount() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
	else
		echo /sys/fs/cgroup/unified
	fi
}

# cgroups_named ID: cgroup directories (below every cgroup hierarchy this
# shell is in, four levels deep) whose name contains ID.
cgroups_named() {
	local mnt
	awk '$9 == "cgroup" || $9 == "cgroup2" { print $5 }' /proc/self/mountinfo |
		while read -r mnt; do
			find "$mnt" -maxdepth 4 -type d -name "*$1*" 2>/dev/null
		done
}

# leak_snapshot: before a create that must leave nothing (or a batch of
# create+delete): the state root and this namespace's mounts.
leak_snapshot() {
	mkdir -p "$ROOT"
	snapshot_host "$TEST_DIR/snapshot" -d "$ROOT" -c '^$'
}

# assert_nothing_left [ID...]: since leak_snapshot, no entry appeared in the
# state root and no mount here; no process of this test is left; no cgroup
# named after an ID exists.
assert_nothing_left() {
	local id procs cgs rc=0
	assert_no_leak "$TEST_DIR/snapshot" || rc=1
	procs=$(procs_in_test_dir)
	if [[ -n $procs ]]; then
		echo "processes left:" >&2
		ps -o pid,ppid,stat,args -p "$(tr '\n' ',' <<<"$procs" | sed 's/,$//')" >&2
		rc=1
	fi
	for id in "$@"; do
		cgs=$(cgroups_named "$id")
		if [[ -n $cgs ]]; then
			echo "cgroups left: $cgs" >&2
			rc=1
		fi
	done
	return $rc
}

# lc_cleanup: kill (by the pid in its state) and force-delete every
# container under $ROOT, then kill any process of this test still around.
lc_cleanup() {
	local id pid
	[[ -n ${TEST_DIR:-} && -d $TEST_DIR ]] || return 0
	if [[ -d $ROOT ]]; then
		for id in $(timeout 20 "$KEEL" --root "$ROOT" list -q 2>/dev/null </dev/null); do
			pid=$(state_of "$id" '.pid // 0' 2>/dev/null) || pid=0
			[[ $pid =~ ^[0-9]+$ ]] && ((pid > 0)) && kill -9 "$pid" 2>/dev/null
			timeout 20 "$KEEL" --root "$ROOT" delete --force "$id" </dev/null >/dev/null 2>&1
		done
	fi
	for pid in $(procs_in_test_dir) "${HOLDERS[@]}"; do
		kill -9 "$pid" 2>/dev/null
	done
	return 0
}

# bind_out DIR: bind-mount $OUT at /out in the bundle DIR (default $B), for
# files the container writes.
bind_out() {
	config_set "${1:-$B}" '.mounts += [{destination: "/out", type: "bind",
		source: $o, options: ["rbind", "rw"]}]' --arg o "$OUT"
}

# run_checker: 'run' $B as $C; the checker's output is in $output.  Fails
# (with the runtime's stderr) when the run does not exit 0, or when it left
# a state entry, a process or a cgroup behind (run deletes the container it
# made).  Mounts are left to the tests that take a snapshot_host: it costs
# seconds on a busy machine, too much for every case.
run_checker() {
	rk run --bundle "$B" "$C"
	if ((status != 0)); then
		echo "run failed with status $status: $stderr" >&2
		echo "$output" >&2
		return 1
	fi
	assert_gone "$C"
}

# state_root_entries [DIR]: what the state root ($ROOT, or DIR) holds
# besides .seccomp, keel's cache of compiled seccomp programs, and
# .device-program, the id of the last device program loaded (both shared
# by the containers of a root: no container's leftover).
state_root_entries() {
	ls -A "${1:-$ROOT}" 2>/dev/null | grep -vx -e '\.seccomp' -e '\.device-program' || true
}

# assert_gone ID: nothing of container ID is left: no entry in the state
# root, no process of this test, no cgroup named after it.
assert_gone() {
	local left rc=0
	if [[ -d $ROOT ]] && [[ -n $(state_root_entries) ]]; then
		echo "state root not empty: $(state_root_entries)" >&2
		rc=1
	fi
	left=$(procs_in_test_dir)
	if [[ -n $left ]]; then
		echo "processes left: $(tr '\n' ' ' <<<"$left")" >&2
		rc=1
	fi
	left=$(cgroups_named "$1")
	if [[ -n $left ]]; then
		echo "cgroups left: $left" >&2
		rc=1
	fi
	return $rc
}

# assert_value KEY EXPECTED: the checker said 'KEY: EXPECTED' in $output.
assert_value() {
	local got
	if ! got=$(checker_value "$output" "$1"); then
		echo "no '$1' in the checker's output:" >&2
		echo "$output" >&2
		return 1
	fi
	if [[ $got != "$2" ]]; then
		echo "$1: expected '$2', got '$got'" >&2
		return 1
	fi
}

# mount_line MOUNTPOINT: the checker's 'mount:' value for MOUNTPOINT (the
# last one: the mount on top), status 1 when there is none.
mount_line() {
	local l
	l=$(checker_values "$output" mount | awk -v m="$1" '$1 == m' | tail -n 1)
	[[ -n $l ]] && printf '%s\n' "$l"
}

# host_ns TYPE: the inode of this shell's TYPE namespace.
host_ns() {
	stat -L -c %i "/proc/self/ns/$1"
}

# start_holder UNSHARE_OPTIONS...: a sleeping process in new namespaces (see
# unshare(1)); sets HOLDER to a pid whose /proc/PID/ns/* are those
# namespaces (for --pid --fork --kill-child: /proc/PID/ns/pid_for_children;
# --kill-child, so that the sleep dies with unshare).  lc_cleanup
# kills it (it is in HOLDERS, and holds nothing of $TEST_DIR, so the leak
# checks do not count it).
start_holder() {
	local t
	unshare "$@" sleep 300 </dev/null >/dev/null 2>&1 3>&- &
	HOLDER=$!
	HOLDERS+=("$HOLDER")
	disown "$HOLDER"
	# unshare(1) has done its work once it runs sleep or has forked.
	for t in $(seq 100); do
		[[ $(cat "/proc/$HOLDER/comm" 2>/dev/null) == sleep ]] && return 0
		[[ -n $(cat /proc/"$HOLDER"/task/*/children 2>/dev/null) ]] && return 0
		sleep 0.1
	done
	echo "start_holder: unshare $* did not start" >&2
	return 1
}

# set_ns TYPE [PATH]: the namespaces entry of TYPE becomes {type, path} (or
# {type} without PATH), added when missing.
set_ns() {
	config_set "$B" '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] +
		[{type: $t} + (if $p == "" then {} else {path: $p} end)])' \
		--arg t "$1" --arg p "${2:-}"
}

# drop_ns TYPE: no namespaces entry of TYPE.
drop_ns() {
	config_set "$B" '.linux.namespaces |= map(select(.type != $t))' --arg t "$1"
}
