#!/usr/bin/env bats
# linux.seccomp, observed from inside the container (keel issue #4): every
# action, errnoRet and defaultErrnoRet, each args operator, the flags, the
# names and actions keel cannot use, noNewPrivileges and a non-root user,
# exec, the default profile podman sends, ENOSYS for syscalls newer than the
# profile, and SCMP_ACT_NOTIFY end to end with a real agent (seccomp-agent,
# C, below) on listenerPath.
#
# The probe is keel-checker's getpriority(7, 5): EINVAL ("ok") when the
# kernel runs it, whatever the capabilities.  It runs in a thread of a forked
# child (--probe-in thread), so a seccomp kill leaves the checker alive to
# say what it saw: "thread-killed" (only the thread died: KILL_THREAD),
# "killed SIGSYS" (the whole child: KILL_PROCESS), "sigsys-trap getpriority"
# (TRAP), "errno N NAME", "returned N" (an agent's answer).

load ../lib
load ../lifecycle/common

PROBE=(/keel-checker seccomp seccomp_probe --probe-in thread --try-syscall getpriority)
PODMAN_CONFIG=$KEEL_SRCDIR/tests/unit/data/podman-runc-run-d-config.json

setup_file() {
	lc_setup_file || return
	require_cmd gcc gcc || return
	agent_build "$BATS_FILE_TMPDIR/seccomp-agent"
}

setup() {
	lc_setup
	C=sc-$$-${BATS_TEST_NUMBER:-0}
	AGENT_PID=
	AGENT_DIR=
}

teardown() {
	lc_teardown
	agent_stop
}

# agent_build OUT: the notify agent.
#   seccomp-agent SOCKET DIR ANSWER
# listens on SOCKET (creates DIR/ready once it does).  For the Nth
# connection it writes the container process state it received to
# DIR/state.N.json and logs "conn N: fd <what the fd that came with it is>"
# to DIR/log, then answers each notification on that fd, logging "notif N:
# pid P nr NR args A0 A1": ANSWER errno:E makes the syscall fail with E,
# value:V makes it return V without running, continue lets the kernel run
# it (SECCOMP_USER_NOTIF_FLAG_CONTINUE).  keel may keep its end of the
# socket open, so the state ends where its braces balance, not at EOF.
agent_build() {
	cat >"$1.c" <<-'EOF'
	#define _GNU_SOURCE
	#include <errno.h>
	#include <linux/seccomp.h>
	#include <poll.h>
	#include <stdarg.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include <sys/ioctl.h>
	#include <sys/socket.h>
	#include <sys/syscall.h>
	#include <sys/un.h>
	#include <unistd.h>

	#define MAX_FDS 16

	static const char *dir;
	static struct seccomp_notif_sizes sizes;

	static void note(const char *fmt, ...)
	{
		char path[4096];
		va_list ap;
		FILE *f;

		snprintf(path, sizeof(path), "%s/log", dir);
		f = fopen(path, "ae");
		if (f == NULL)
			exit(1);
		va_start(ap, fmt);
		vfprintf(f, fmt, ap);
		va_end(ap);
		fputc('\n', f);
		fclose(f);
	}

	/* Renamed into place: the test never reads half a file. */
	static void write_file(const char *name, const char *data, size_t len)
	{
		char path[4096], tmp[4200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, name);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		f = fopen(tmp, "we");
		if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
		    rename(tmp, path) < 0)
			exit(1);
	}

	static int json_complete(const char *s, size_t len)
	{
		int depth = 0, in_str = 0, esc = 0;

		for (size_t i = 0; i < len; i++) {
			char c = s[i];

			if (in_str) {
				if (esc)
					esc = 0;
				else if (c == '\\')
					esc = 1;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{') {
				depth++;
			} else if (c == '}' && --depth == 0) {
				return 1;
			}
		}
		return 0;
	}

	/* The state and the fd that came with it (SCM_RIGHTS); -1 without one. */
	static int receive(int conn, int n)
	{
		static char buf[1 << 16];
		char name[64], link[64], target[256];
		size_t len = 0;
		int fd = -1;
		ssize_t r;

		while (len < sizeof(buf) - 1 && !json_complete(buf, len)) {
			union {
				char b[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			struct iovec iov = { buf + len, sizeof(buf) - 1 - len };
			struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
					      .msg_control = u.b, .msg_controllen = sizeof(u.b) };
			struct cmsghdr *c;

			r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && fd < 0)
					memcpy(&fd, CMSG_DATA(c), sizeof(int));
			len += (size_t)r;
		}
		snprintf(name, sizeof(name), "state.%d.json", n);
		write_file(name, buf, len);
		if (fd < 0) {
			note("conn %d: no fd", n);
			return -1;
		}
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		r = readlink(link, target, sizeof(target) - 1);
		target[r > 0 ? r : 0] = '\0';
		note("conn %d: fd %s", n, target);
		return fd;
	}

	static void answer(int fd, int n, const char *how)
	{
		struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
		struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);

		if (req == NULL || resp == NULL)
			exit(1);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			note("recv %d: %s", n, strerrorname_np(errno));
			goto out;
		}
		note("notif %d: pid %u nr %d args %llu %llu", n, req->pid, req->data.nr,
		     (unsigned long long)req->data.args[0], (unsigned long long)req->data.args[1]);
		resp->id = req->id;
		if (!strncmp(how, "errno:", 6))
			resp->error = -atoi(how + 6);
		else if (!strncmp(how, "value:", 6))
			resp->val = atoll(how + 6);
		else
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
			note("send %d: %s", n, strerrorname_np(errno));
	out:
		free(req);
		free(resp);
	}

	int main(int argc, char **argv)
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct pollfd p[MAX_FDS + 1];
		int conn_of[MAX_FDS + 1], nfds = 1, conns = 0, lfd;

		if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path) ||
		    (strncmp(argv[3], "errno:", 6) && strncmp(argv[3], "value:", 6) &&
		     strcmp(argv[3], "continue"))) {
			fprintf(stderr, "usage: seccomp-agent SOCKET DIR errno:E|value:V|continue\n");
			return 2;
		}
		dir = argv[2];
		alarm(300);	/* nothing outlives a test that forgot us */
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
			return 1;
		strcpy(sa.sun_path, argv[1]);
		lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0)
			return 1;
		write_file("ready", "", 0);
		p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (;;) {
			if (poll(p, (nfds_t)nfds, -1) < 0) {
				if (errno == EINTR)
					continue;
				return 1;
			}
			/* Downwards: the entry moved into a closed slot was seen. */
			for (int i = nfds - 1; i >= 1; i--) {
				if (p[i].revents & POLLIN) {
					answer(p[i].fd, conn_of[i], argv[3]);
				} else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
					note("hangup %d", conn_of[i]);	/* the filter's processes are gone */
					close(p[i].fd);
					p[i] = p[--nfds];
					conn_of[i] = conn_of[nfds];
				}
			}
			if (p[0].revents & POLLIN) {
				int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), fd;

				if (c < 0)
					continue;
				fd = receive(c, ++conns);
				close(c);
				if (fd >= 0 && nfds <= MAX_FDS) {
					p[nfds] = (struct pollfd){ .fd = fd, .events = POLLIN };
					conn_of[nfds++] = conns;
				}
			}
		}
	}
	EOF
	gcc -O2 -Wall -Wextra -Werror -o "$1" "$1.c"
}

# agent_start ANSWER: the agent, answering ANSWER, listening on
# $AGENT_DIR/sock.  Its directory is outside $TEST_DIR, so the leak checks
# (which look for processes holding or naming $TEST_DIR) do not count it.
agent_start() {
	AGENT_DIR=$(mktemp -d /tmp/keel-sc-agent.XXXXXX)
	"$BATS_FILE_TMPDIR/seccomp-agent" "$AGENT_DIR/sock" "$AGENT_DIR" "$1" \
		</dev/null >/dev/null 2>&1 3>&- &
	AGENT_PID=$!
	disown "$AGENT_PID"
	wait_until 10 test -e "$AGENT_DIR/ready"
}

agent_stop() {
	[[ -z $AGENT_PID ]] || kill "$AGENT_PID" 2>/dev/null
	[[ -z $AGENT_DIR ]] || rm -rf "$AGENT_DIR"
	AGENT_PID=
	AGENT_DIR=
}

# agent_state N [JQ_OPTION...] FILTER: a field of the Nth container process state the agent got.
agent_state() {
	jq -r "${@:2}" "$AGENT_DIR/state.$1.json"
}

# probe_bundle [ARGS...]: $B running the checker's probe (or ARGS).
probe_bundle() {
	if (($#)); then
		make_bundle "$B" "$@"
	else
		make_bundle "$B" "${PROBE[@]}"
	fi
}

# profile RULES [DEFAULT_ACTION [EXTRA]]: $B's linux.seccomp has the
# syscalls RULES (a jq expression), default action SCMP_ACT_ALLOW unless
# given, and the members of EXTRA (a jq object expression).
profile() {
	config_set "$B" ".linux.seccomp = ({defaultAction: \$d, syscalls: ($1)} + (${3:-"{}"}))" \
		--arg d "${2:-SCMP_ACT_ALLOW}"
}

# getpriority_gets ACTION [RULE_FIELDS]: the profile allows everything but
# getpriority, which gets ACTION (plus RULE_FIELDS: errnoRet, args, ...).
getpriority_gets() {
	profile "[{names: [\"getpriority\"], action: \"$1\"} + (${2:-"{}"})]"
}

# probe_says EXPECTED: run $B; the probe ended as EXPECTED under a filter.
probe_says() {
	run_checker || return
	assert_value seccomp 2 || return
	assert_value syscall.getpriority "$1"
}

# podman_allow_list: the names of the default profile podman sends that
# it allows without conditions (374 names: what any static program needs).
podman_allow_list() {
	jq -c '[.linux.seccomp.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and .args == null)
		| .names[]] - ["getpriority"]' "$PODMAN_CONFIG"
}

# kmsg_now: the timestamp of the kernel log's last line.
kmsg_now() {
	dmesg 2>/dev/null | tail -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p'
}

# audited_since MARK CODE: the kernel logged a seccomp audit record
# (type=1326) for keel-checker with code=CODE after MARK.
audited_since() {
	dmesg | awk -v t="$1" -v c="code=$2" '
		{ ts = $0; sub(/^\[ */, "", ts); sub(/\].*/, "", ts) }
		ts + 0 > t + 0 && /type=1326/ && /comm="keel-checker"/ && $NF == c { found = 1 }
		END { exit !found }'
}

# run_until_audited CODE: runs $B until the kernel logs CODE for it.  The
# kernel prints audit records through printk's rate limit, which may drop
# one when other tests log too: a few runs, a second apart when dropped.
run_until_audited() {
	local i mark
	for i in 1 2 3 4 5; do
		mark=$(kmsg_now)
		run_checker || return
		audited_since "$mark" "$1" && return 0
		sleep 1
	done
	echo "no seccomp audit record with code=$1 from keel-checker in the kernel log" >&2
	return 1
}

# need_kmsg: the kernel's log is readable and says what seccomp logs.
need_kmsg() {
	[[ -n $(kmsg_now) ]] || skip "the kernel log (dmesg) is not readable"
	grep -qw log /proc/sys/kernel/seccomp/actions_logged 2>/dev/null ||
		skip "kernel.seccomp.actions_logged does not include log"
}

# --- actions -------------------------------------------------------------------------

@test "errno_rule_fails_the_syscall_with_errno_ret" {
	# Fails on a runtime that ignores errnoRet, or loads no filter.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	probe_says "errno 42 ENOMSG"
}

# The cache of compiled programs ($ROOT/.seccomp, linux/seccomp-cache.c).

@test "cached_program_is_enforced_as_the_compiled_one" {
	# The second run loads the program the first stored.  Fails on a
	# cache that never stores, never finds, or gives back another program.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	probe_says "errno 42 ENOMSG"
	[ "$(ls "$ROOT/.seccomp" | wc -l)" -eq 1 ]
	C=$C-2
	rk_ok --debug --log "$TEST_DIR/second.log" run --bundle "$B" "$C"
	grep -q "linux.seccomp: the compiled program of .*, from the cache" "$TEST_DIR/second.log"
	assert_value syscall.getpriority "errno 42 ENOMSG"
	# Another errnoRet is another program: the cache must not answer.
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 43}'
	C=$C-3
	probe_says "errno 43 EIDRM"
	[ "$(ls "$ROOT/.seccomp" | wc -l)" -eq 2 ]
}

@test "damaged_cache_entry_is_compiled_again" {
	# A truncated entry must not be loaded (a shorter program) nor fail the
	# create: it is compiled again and replaced.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	probe_says "errno 42 ENOMSG"
	local entry size
	entry=$(ls -d "$ROOT"/.seccomp/*)
	size=$(stat -c %s "$entry")
	truncate -s $((size - 8)) "$entry"
	C=$C-2
	probe_says "errno 42 ENOMSG"
	[ "$(stat -c %s "$entry")" -eq "$size" ]
}

@test "failed_create_stores_no_compiled_program" {
	# The program is stored once create has succeeded: a create that fails
	# after compiling leaves nothing behind, the cache included.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.mounts += [{destination: "/mnt", type: "bind", source: "/nonexistent-keel-src", options: ["bind"]}]'
	rk create --bundle "$B" "$C"
	[ "$status" -ne 0 ]
	[ ! -e "$ROOT/.seccomp" ]
	[ -z "$(state_root_entries)" ]
}

@test "errno_rule_without_errno_ret_fails_with_eperm" {
	# The spec's default for errnoRet.  Fails on a runtime that returns
	# another errno (ENOSYS, 0) when errnoRet is absent.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO
	probe_says "errno 1 EPERM"
}

@test "default_errno_ret_applies_to_syscalls_outside_the_allow_list" {
	# A deny-by-default profile: podman's allow list (without
	# getpriority) lets the checker run; everything else fails with
	# defaultErrnoRet.  Fails on a runtime that ignores defaultErrnoRet
	# (EPERM) or that lets unlisted syscalls through.
	probe_bundle
	profile "[{names: $(podman_allow_list), action: \"SCMP_ACT_ALLOW\"}]" \
		SCMP_ACT_ERRNO '{defaultErrnoRet: 43}'
	probe_says "errno 43 EIDRM"
}

@test "default_errno_without_default_errno_ret_is_eperm" {
	# Fails on a runtime whose default action ERRNO returns anything but
	# EPERM when defaultErrnoRet is absent.
	probe_bundle
	profile "[{names: $(podman_allow_list), action: \"SCMP_ACT_ALLOW\"}]" SCMP_ACT_ERRNO
	probe_says "errno 1 EPERM"
}

@test "allow_rule_lets_a_syscall_through_a_deny_by_default_profile" {
	# The same profile with getpriority allowed: it runs, while
	# sethostname (unlisted) still gets defaultErrnoRet.  Fails on a
	# runtime that drops ALLOW rules under a non-ALLOW default.
	probe_bundle /keel-checker seccomp seccomp_probe --probe-in thread \
		--try-syscall getpriority --try-syscall sethostname
	profile "[{names: ($(podman_allow_list) + [\"getpriority\"]), action: \"SCMP_ACT_ALLOW\"}]" \
		SCMP_ACT_ERRNO '{defaultErrnoRet: 43}'
	probe_says ok
	assert_value syscall.sethostname "errno 43 EIDRM"
}

@test "kill_kills_only_the_calling_thread" {
	# SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD (libseccomp, the spec's
	# list).  Fails on a runtime that maps it to KILL_PROCESS.
	probe_bundle
	getpriority_gets SCMP_ACT_KILL
	probe_says thread-killed
}

@test "kill_thread_kills_only_the_calling_thread" {
	# Fails on a runtime that kills the whole process (or nothing).
	probe_bundle
	getpriority_gets SCMP_ACT_KILL_THREAD
	probe_says thread-killed
}

@test "kill_process_kills_every_thread" {
	# The probing thread's call ends the whole child.  Fails on a
	# runtime that maps KILL_PROCESS to KILL_THREAD.
	probe_bundle
	getpriority_gets SCMP_ACT_KILL_PROCESS
	probe_says "killed SIGSYS"
}

@test "kill_of_the_only_thread_ends_the_process_with_sigsys" {
	# The probe in a single-threaded child: the child dies of SIGSYS
	# even though it has a SIGSYS handler (a kill is not a trap).
	probe_bundle /keel-checker seccomp seccomp_probe --probe-in child --try-syscall getpriority
	getpriority_gets SCMP_ACT_KILL
	probe_says "killed SIGSYS"
}

@test "trap_sends_sigsys_naming_the_syscall" {
	# The checker's handler ran with si_code SYS_SECCOMP and
	# si_syscall getpriority.  Fails on a runtime that maps TRAP to a
	# kill or an errno.
	probe_bundle
	getpriority_gets SCMP_ACT_TRAP
	probe_says "sigsys-trap getpriority"
}

@test "trace_without_a_tracer_fails_with_enosys" {
	# The kernel's answer to SECCOMP_RET_TRACE with no ptracer.  Fails on
	# a runtime that maps TRACE to ALLOW or another action.
	probe_bundle
	getpriority_gets SCMP_ACT_TRACE
	probe_says "errno 38 ENOSYS"
}

@test "log_runs_the_syscall" {
	# Fails on a runtime that maps LOG to a denying action.
	probe_bundle
	getpriority_gets SCMP_ACT_LOG
	probe_says ok
}

@test "log_is_logged_by_the_kernel" {
	# The difference between LOG and ALLOW: an audit record with
	# code=0x7ffc0000 (SECCOMP_RET_LOG).  Fails on a runtime that maps
	# LOG to ALLOW.
	need_kmsg
	probe_bundle
	getpriority_gets SCMP_ACT_LOG
	run_until_audited 0x7ffc0000
	assert_value syscall.getpriority ok
}

@test "allow_rule_under_an_allow_default_changes_nothing" {
	# An ALLOW rule equal to the default (keel skips it): the filter is
	# there and the call runs.  Fails on a runtime that refuses it.
	probe_bundle
	getpriority_gets SCMP_ACT_ALLOW
	probe_says ok
}

# --- args ----------------------------------------------------------------------------
# getpriority(7, 5) gets ERRNO 42 when the args match; the rest is allowed.

# arg_case ARGS_JSON EXPECTED: one container run where getpriority gets
# errno 42 when ARGS_JSON match.
arg_case() {
	getpriority_gets SCMP_ACT_ERRNO "{errnoRet: 42, args: $1}" || return
	probe_says "$2"
}

MATCH="errno 42 ENOMSG"
NO_MATCH=ok

# op_cases OP BELOW EQUAL ABOVE: what the probe says for a rule "which OP
# value" with value 6, 7 and 8 (which is 7).  The six ops give six
# different triples: a runtime that maps one op to another fails a case.
op_cases() {
	local value=6 expected
	for expected in "$2" "$3" "$4"; do
		arg_case "[{index: 0, value: $value, op: \"$1\"}]" "$expected" || return
		value=$((value + 1))
	done
}

@test "arg_eq_matches_only_the_value" {
	# Also fails on a runtime that ignores args (every case matches).
	probe_bundle
	op_cases SCMP_CMP_EQ "$NO_MATCH" "$MATCH" "$NO_MATCH"
}

@test "arg_ne_matches_other_values" {
	probe_bundle
	op_cases SCMP_CMP_NE "$MATCH" "$NO_MATCH" "$MATCH"
}

@test "arg_lt_is_strict" {
	# The arg is less than the value: 7 < 8, not 7 < 7.
	probe_bundle
	op_cases SCMP_CMP_LT "$NO_MATCH" "$NO_MATCH" "$MATCH"
}

@test "arg_le_includes_the_value" {
	probe_bundle
	op_cases SCMP_CMP_LE "$NO_MATCH" "$MATCH" "$MATCH"
}

@test "arg_gt_is_strict" {
	probe_bundle
	op_cases SCMP_CMP_GT "$MATCH" "$NO_MATCH" "$NO_MATCH"
}

@test "arg_ge_includes_the_value" {
	probe_bundle
	op_cases SCMP_CMP_GE "$MATCH" "$MATCH" "$NO_MATCH"
}

@test "arg_masked_eq_compares_value_masked_arg_with_value_two" {
	# (7 & 15) == 7 matches, (7 & 15) == 5 does not.  The mask is
	# value: a runtime that swaps value and valueTwo computes
	# (7 & 7) == 15 and never matches.
	probe_bundle
	arg_case '[{index: 0, value: 15, valueTwo: 7, op: "SCMP_CMP_MASKED_EQ"}]' "$MATCH"
	arg_case '[{index: 0, value: 15, valueTwo: 5, op: "SCMP_CMP_MASKED_EQ"}]' "$NO_MATCH"
}

@test "arg_index_selects_the_argument" {
	# who (index 1) is 5.  Fails on a runtime that compares the wrong argument.
	probe_bundle
	arg_case '[{index: 1, value: 5, op: "SCMP_CMP_EQ"}]' "$MATCH"
	arg_case '[{index: 1, value: 7, op: "SCMP_CMP_EQ"}]' "$NO_MATCH"
}

@test "two_args_on_one_index_are_ored" {
	# runc's and crun's reading, which profiles rely on: which == 1 or
	# which == 7.  Fails on a runtime that ANDs them (never matches) or
	# refuses the rule.
	probe_bundle
	arg_case '[{index: 0, value: 1, op: "SCMP_CMP_EQ"}, {index: 0, value: 7, op: "SCMP_CMP_EQ"}]' "$MATCH"
	arg_case '[{index: 0, value: 1, op: "SCMP_CMP_EQ"}, {index: 0, value: 2, op: "SCMP_CMP_EQ"}]' "$NO_MATCH"
}

@test "args_on_different_indexes_are_anded" {
	# which == 7 and who == 4 does not hold.  Fails on a runtime that ORs them.
	probe_bundle
	arg_case '[{index: 0, value: 7, op: "SCMP_CMP_EQ"}, {index: 1, value: 5, op: "SCMP_CMP_EQ"}]' "$MATCH"
	arg_case '[{index: 0, value: 7, op: "SCMP_CMP_EQ"}, {index: 1, value: 4, op: "SCMP_CMP_EQ"}]' "$NO_MATCH"
}

# --- flags, names, actions keel cannot use ---------------------------------------------

@test "flags_log_spec_allow_tsync_are_accepted" {
	# The container runs under the filter.  Fails on a runtime that
	# refuses a flag of the spec or loads nothing with them.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"]'
	probe_says "errno 42 ENOMSG"
}

@test "flag_log_makes_the_kernel_log_errno_actions" {
	# Without SECCOMP_FILTER_FLAG_LOG the kernel logs no ERRNO action;
	# with it, an audit record with code=0x50000 (SECCOMP_RET_ERRNO; the
	# record leaves out the errno).  Fails on a runtime that drops the flag.
	need_kmsg
	grep -qw errno /proc/sys/kernel/seccomp/actions_logged ||
		skip "kernel.seccomp.actions_logged does not include errno"
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG"]'
	run_until_audited 0x50000
	assert_value syscall.getpriority "errno 42 ENOMSG"
}

@test "unknown_flag_fails_create_naming_the_field_and_leaves_nothing" {
	# Fails on a runtime that ignores a flag it does not know.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO
	config_set "$B" '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_NO_SUCH_FLAG"]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.seccomp\.flags.*SECCOMP_FILTER_FLAG_NO_SUCH_FLAG'
	[ ! -e "$ROOT/$C" ]
	assert_nothing_left "$C"
}

@test "unknown_syscall_names_are_skipped" {
	# Profiles name syscalls of newer kernels: the entry's other names
	# still apply.  Fails on a runtime that refuses the profile or drops
	# the whole entry.
	probe_bundle
	profile '[{names: ["keel_no_such_syscall", "getpriority"], action: "SCMP_ACT_ERRNO", errnoRet: 42}]'
	probe_says "errno 42 ENOMSG"
}

@test "unknown_action_fails_create_naming_the_field_and_leaves_nothing" {
	# Fails on a runtime that ignores or misreads an action.
	probe_bundle
	getpriority_gets SCMP_ACT_NO_SUCH_ACTION
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.seccomp\.syscalls\[0\]\.action.*SCMP_ACT_NO_SUCH_ACTION'
	[ ! -e "$ROOT/$C" ]
	assert_nothing_left "$C"
}

# --- syscalls newer than the profile ------------------------------------------------------

# old_syscalls: the x86_64 syscalls numbered below 300 (from the kernel's
# headers) as a JSON array, without getpriority and sethostname: enough
# for keel's init once the filter is in, the checker's start-up and its
# probes, and far below clone3 (435) and futex_waitv (449).
old_syscalls() {
	awk '/^#define __NR_/ && $3 < 300 { sub("__NR_", "", $2); print $2 }' "$UNISTD_64" |
		grep -vx -e getpriority -e sethostname | jq -Rsc 'split("\n") | map(select(. != ""))'
}

@test "syscalls_newer_than_the_profile_fail_with_enosys" {
	# runc's -ENOSYS stub (libcontainer/seccomp/patchbpf): under a denying
	# default, a syscall numbered above the highest one the profile names
	# for an architecture gets ENOSYS, so that libc falls back to an
	# older call (clone3 to clone) rather than failing on the default's
	# EPERM; a lower one the profile does not allow, named or not, gets
	# the default (defaultErrnoRet 43 here).  Names with the default
	# action count too: naming clone3 moves the limit above it.  The
	# exec'd process gets the same filter.  Fails on a runtime without the
	# stub (clone3 and futex_waitv: errno 43).
	[[ $(uname -m) == x86_64 ]] || skip "needs x86_64 syscall numbers"
	UNISTD_64=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
	[[ -f $UNISTD_64 ]] || skip "$UNISTD_64 missing (Debian package linux-libc-dev)"
	local probe=(/keel-checker seccomp seccomp_probe --try-syscall clone3 --try-syscall futex_waitv
		--try-syscall getpriority --try-syscall sethostname --try-syscall getpid)
	probe_bundle "${probe[@]}"
	config_set "$B" '.linux.seccomp = {defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 43,
		architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		syscalls: [{names: $old, action: "SCMP_ACT_ALLOW"},
			{names: ["getpriority"], action: "SCMP_ACT_ERRNO", errnoRet: 43}]}' \
		--argjson old "$(old_syscalls)"
	run_checker
	assert_value seccomp 2
	assert_value syscall.getpid ok
	assert_value syscall.clone3 "errno 38 ENOSYS"
	assert_value syscall.futex_waitv "errno 38 ENOSYS"
	assert_value syscall.getpriority "errno 43 EIDRM"
	assert_value syscall.sethostname "errno 43 EIDRM"

	config_set "$B" '.process.args = ["/keel-checker", "--sleep", "60"]'
	rk_ok run --detach --bundle "$B" "$C"
	rk_ok exec "$C" "${probe[@]}"
	assert_value syscall.clone3 "errno 38 ENOSYS"
	assert_value syscall.getpriority "errno 43 EIDRM"
	rk_ok delete --force "$C"

	config_set "$B" '.process.args = $p | .linux.seccomp.syscalls[1].names += ["clone3"]' \
		--argjson p "$(printf '%s\n' "${probe[@]}" | jq -Rsc 'split("\n") | map(select(. != ""))')"
	run_checker
	assert_value syscall.clone3 "errno 43 EIDRM"
	assert_value syscall.futex_waitv "errno 38 ENOSYS"
}

# --- who gets the filter ----------------------------------------------------------------

@test "filter_applies_without_no_new_privileges" {
	# keel loads it before dropping to the user then, while it still
	# has CAP_SYS_ADMIN.  Fails on a runtime that loads the filter only
	# with no_new_privs.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.process.noNewPrivileges = false'
	probe_says "errno 42 ENOMSG"
	assert_value nonewprivs 0
}

@test "filter_applies_to_a_non_root_user_with_and_without_no_new_privileges" {
	# Without no_new_privs, a non-root process can install a filter only
	# while it has CAP_SYS_ADMIN: before the switch of user.  Fails on a
	# runtime that loads it after (EACCES) or not at all.
	probe_bundle
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.process.user = {uid: 65534, gid: 65534}'
	probe_says "errno 42 ENOMSG"
	assert_value nonewprivs 1
	config_set "$B" '.process.noNewPrivileges = false'
	probe_says "errno 42 ENOMSG"
	assert_value nonewprivs 0
}

@test "exec_process_gets_the_containers_filter" {
	# Fails on a runtime whose exec'd process runs unfiltered.
	probe_bundle /keel-checker cwd --sleep 60
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	rk_ok run --detach --bundle "$B" "$C"
	rk_ok exec "$C" "${PROBE[@]}"
	assert_value seccomp 2
	assert_value syscall.getpriority "errno 42 ENOMSG"
}

@test "exec_process_gets_the_filter_without_no_new_privileges" {
	# The same for a non-root exec without no_new_privs.
	probe_bundle /keel-checker cwd --sleep 60
	getpriority_gets SCMP_ACT_ERRNO '{errnoRet: 42}'
	config_set "$B" '.process.noNewPrivileges = false | .process.user = {uid: 65534, gid: 65534}'
	rk_ok run --detach --bundle "$B" "$C"
	rk_ok exec "$C" "${PROBE[@]}"
	assert_value seccomp 2
	assert_value nonewprivs 0
	assert_value syscall.getpriority "errno 42 ENOMSG"
}

@test "podmans_default_profile_runs_the_checker_and_busybox" {
	# The profile podman sends for a default container (deny by default
	# with ENOSYS, an allow list, personality only for known values, EPERM
	# for sethostname and other admin calls).  CAP_SYS_ADMIN, so that
	# only the profile can refuse sethostname.  Fails on a runtime that
	# cannot compile or load a real profile, or applies part of it.
	probe_bundle /keel-checker seccomp seccomp_probe --probe-in thread --try-syscall getpid \
		--try-syscall personality --try-syscall mount --try-syscall sethostname \
		--try-syscall futex_waitv
	config_set "$B" '.linux.seccomp = $p | .process.capabilities |= map_values(. + ["CAP_SYS_ADMIN"])' \
		--argjson p "$(jq -c .linux.seccomp "$PODMAN_CONFIG")"
	run_checker
	assert_value seccomp 2
	assert_value syscall.getpid ok
	assert_value syscall.personality ok
	assert_value syscall.mount ok
	assert_value syscall.sethostname "errno 1 EPERM"
	# Listed nowhere: the default action, ERRNO 38.
	assert_value syscall.futex_waitv "errno 38 ENOSYS"
	# Every section of the checker, and a busybox shell, run under it.
	config_set "$B" '.process.args = ["/keel-checker"]'
	run_checker
	assert_value seccomp 2
	config_set "$B" '.process.args = ["/bin/sh", "-c", "echo hello from $(uname -s) | tr a-z A-Z"]'
	run_checker
	[ "$output" = "HELLO FROM LINUX" ]
}

# --- SCMP_ACT_NOTIFY ------------------------------------------------------------------

# notify_profile: getpriority goes to the agent, with listenerMetadata.
notify_profile() {
	profile '[{names: ["getpriority"], action: "SCMP_ACT_NOTIFY"}]' SCMP_ACT_ALLOW \
		"{listenerPath: \"$AGENT_DIR/sock\", listenerMetadata: \"keel-test meta\"}"
}

@test "notify_run_hands_the_agent_the_state_and_fd_and_the_answer_reaches_the_container" {
	# The agent gets the container process state (runtime-spec
	# config-linux.md, listenerPath) with a seccomp notify fd, and its
	# errno answer is what the container sees.  Fails on a runtime that
	# sends no fd, a wrong state, or never hands over the notifications.
	agent_start errno:33
	probe_bundle
	notify_profile
	probe_says "errno 33 EDOM"
	grep -qx 'conn 1: fd anon_inode:seccomp notify' "$AGENT_DIR/log"
	[ "$(agent_state 1 .ociVersion)" = 1.3.0 ]
	[ "$(agent_state 1 -c .fds)" = '["seccompFd"]' ]
	[ "$(agent_state 1 .metadata)" = "keel-test meta" ]
	[ "$(agent_state 1 .state.id)" = "$C" ]
	[ "$(agent_state 1 .state.bundle)" = "$B" ]
	# The filter is made while the container starts: any status of a
	# live container is the truth at some point of that.
	[[ $(agent_state 1 .state.status) =~ ^(creating|created|running)$ ]]
	[[ $(agent_state 1 .pid) =~ ^[1-9][0-9]*$ ]]
	[ "$(agent_state 1 .pid)" = "$(agent_state 1 .state.pid)" ]
	# The call the agent answered is the probe's getpriority(7, 5).
	grep -q '^notif 1: pid [0-9]* nr [0-9]* args 7 5$' "$AGENT_DIR/log"
}

@test "notify_answer_with_a_value_is_returned_without_running_the_syscall" {
	# Fails on a runtime whose notify fd is not the container's filter.
	agent_start value:1234
	probe_bundle
	notify_profile
	probe_says "returned 1234"
}

@test "notify_answer_continue_runs_the_syscall" {
	agent_start continue
	probe_bundle
	notify_profile
	probe_says ok
	grep -q '^notif 1: ' "$AGENT_DIR/log"
}

@test "notify_exec_process_sends_its_own_state_and_fd" {
	# Each exec'd process has a filter of its own, so a listener of its
	# own: the agent gets a second connection while the first container
	# process lives, and answers the exec'd process's call on that fd
	# (the init, which only sleeps, makes none).  Fails on a runtime that
	# gives exec no filter, or no hand-off.
	agent_start errno:33
	probe_bundle /keel-checker cwd --sleep 60
	notify_profile
	rk_ok run --detach --bundle "$B" "$C"
	wait_until 10 grep -qx 'conn 1: fd anon_inode:seccomp notify' "$AGENT_DIR/log"
	rk_ok exec "$C" "${PROBE[@]}"
	assert_value seccomp 2
	assert_value syscall.getpriority "errno 33 EDOM"
	grep -qx 'conn 2: fd anon_inode:seccomp notify' "$AGENT_DIR/log"
	grep -q '^notif 2: .* args 7 5$' "$AGENT_DIR/log"
	run grep -c '^notif 1: ' "$AGENT_DIR/log"
	[ "$output" = 0 ]
	[ "$(agent_state 2 .state.id)" = "$C" ]
	[ "$(agent_state 2 .state.status)" = running ]
	[ "$(agent_state 2 .metadata)" = "keel-test meta" ]
	[ "$(agent_state 2 -c .fds)" = '["seccompFd"]' ]
	[ "$(agent_state 2 .pid)" = "$(state_of "$C" .pid)" ]
}

@test "notify_without_a_listener_fails_create_and_leaves_nothing" {
	# Nobody listens on listenerPath: create fails naming it, and no
	# state, process, mount or cgroup is left.  Fails on a runtime that
	# starts a container whose notified calls would hang forever.
	AGENT_DIR=$(mktemp -d /tmp/keel-sc-agent.XXXXXX)
	probe_bundle
	notify_profile
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'listenerPath'
	[ ! -e "$ROOT/$C" ]
	assert_nothing_left "$C"
}
