#!/usr/bin/env bats
# Tests of the conformance harness itself: keel-checker and lib.bash, with no
# runtime.  Every mount is made inside a private mount namespace.

load lib

setup() {
	TEST_DIR=$(mktemp -d /tmp/keel-harness.XXXXXX)
	B=$TEST_DIR/bundle
	[[ -x $KEEL_CHECKER ]] || {
		echo "no checker at $KEEL_CHECKER (make keel-checker)" >&2
		return 1
	}
}

teardown() {
	rm -rf --one-file-system "$TEST_DIR"
}

# chroot_checker ROOTFS ARGS...: the checker chrooted, no namespaces, no /proc.
chroot_checker() {
	local rootfs=$1
	shift
	chroot "$rootfs" /keel-checker "$@"
}

# in_private_ns SCRIPT ARGS...: sh SCRIPT in a private mount namespace.
in_private_ns() {
	local script=$1
	shift
	unshare --mount --propagation private -- /bin/sh -ec "$script" sh "$@"
}

assert_value() {	# OUTPUT KEY EXPECTED
	local got
	got=$(checker_value "$1" "$2") || {
		echo "no '$2' in output:" >&2
		echo "$1" >&2
		return 1
	}
	[[ $got == "$3" ]] || {
		echo "$2: expected '$3', got '$got'" >&2
		return 1
	}
}

# --- bundle builder -------------------------------------------------------------

@test "make_bundle writes a config.json running /keel-checker by default" {
	make_bundle "$B"
	jq -e '.process.args == ["/keel-checker"]' "$B/config.json"
	jq -e '.ociVersion == "1.3.0" and .root.path == "rootfs" and .root.readonly == false' "$B/config.json"
	jq -e '.process.noNewPrivileges == true and .process.user == {uid: 0, gid: 0}' "$B/config.json"
	jq -e '.process.rlimits == [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}]' "$B/config.json"
}

@test "make_bundle puts its extra arguments in process.args" {
	make_bundle "$B" /bin/sh -c 'echo "a b"'
	jq -e '.process.args == ["/bin/sh", "-c", "echo \"a b\""]' "$B/config.json"
}

@test "default config has runc's namespaces, masked and readonly paths and hostname" {
	make_bundle "$B"
	jq -e '[.linux.namespaces[].type] | sort == ["cgroup","ipc","mount","network","pid","uts"]' "$B/config.json"
	jq -e '.linux.maskedPaths | index("/proc/kcore") and index("/sys/firmware")' "$B/config.json"
	jq -e '.linux.readonlyPaths | index("/proc/sys") and index("/proc/sysrq-trigger")' "$B/config.json"
	jq -e '[.mounts[].destination] == ["/proc","/dev","/dev/pts","/dev/shm","/dev/mqueue","/sys"]' "$B/config.json"
	jq -e '.mounts[] | select(.destination == "/sys") | .options | index("ro")' "$B/config.json"
	jq -e '.hostname == "keel-test"' "$B/config.json"
	jq -e '.process.capabilities.bounding == ["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]' "$B/config.json"
}

@test "config_set edits config.json in place" {
	make_bundle "$B"
	config_set "$B" '.process.cwd = $d | .hostname = "other"' --arg d /tmp
	jq -e '.process.cwd == "/tmp" and .hostname == "other"' "$B/config.json"
	[[ $(config_get "$B" .process.cwd) == /tmp ]]
}

@test "config_set with a broken filter fails and leaves config.json unchanged" {
	make_bundle "$B"
	cp "$B/config.json" "$TEST_DIR/before"
	run config_set "$B" '.process |||'
	[ "$status" -ne 0 ]
	[[ $output == *"config_set: jq filter failed"* ]]
	cmp "$TEST_DIR/before" "$B/config.json"
	[[ -z $(find "$B" -maxdepth 1 -name '.config.json.*') ]]
}

@test "rootfs has a static busybox shell that runs chrooted" {
	make_rootfs "$TEST_DIR/rootfs"
	run chroot "$TEST_DIR/rootfs" /bin/sh -c 'echo hello from busybox; ls /keel-checker'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "hello from busybox" ]
	[ "${lines[1]}" = "/keel-checker" ]
	for d in proc sys dev tmp etc root bin; do
		[[ -d $TEST_DIR/rootfs/$d ]]
	done
	[[ $(stat -c %a "$TEST_DIR/rootfs/tmp") == 1777 ]]
}

@test "rootfs passwd and group know root and nobody 65534" {
	make_rootfs "$TEST_DIR/rootfs"
	run chroot "$TEST_DIR/rootfs" /bin/sh -c 'id -u nobody; id -g nobody; id -un; id -gn'
	[ "$status" -eq 0 ]
	[ "$output" = $'65534\n65534\nroot\nroot' ]
}

@test "rootfs copies from the template are independent" {
	export KEEL_ROOTFS_CACHE=$TEST_DIR/cache
	make_rootfs "$TEST_DIR/a"
	touch "$TEST_DIR/a/bin/only-in-a"
	make_rootfs "$TEST_DIR/b"
	[[ ! -e $TEST_DIR/b/bin/only-in-a ]]
	[[ -d $TEST_DIR/cache && ! -e $TEST_DIR/cache/bin/only-in-a ]]
}

@test "rootfs template is rebuilt when the checker changes" {
	export KEEL_ROOTFS_CACHE=$TEST_DIR/cache
	cp "$KEEL_CHECKER" "$TEST_DIR/checker"
	KEEL_CHECKER=$TEST_DIR/checker
	make_rootfs "$TEST_DIR/a"
	echo >>"$TEST_DIR/checker"
	make_rootfs "$TEST_DIR/b"
	cmp "$TEST_DIR/checker" "$TEST_DIR/b/keel-checker"
	! cmp -s "$TEST_DIR/checker" "$TEST_DIR/a/keel-checker"
}

@test "make_rootfs without busybox fails naming busybox-static" {
	export KEEL_ROOTFS_CACHE=$TEST_DIR/cache
	KEEL_BUSYBOX=$TEST_DIR/no-busybox
	run make_rootfs "$TEST_DIR/rootfs"
	[ "$status" -ne 0 ]
	[[ $output == *busybox-static* ]]
}

# --- checker basics --------------------------------------------------------------

@test "checker in a chroot reports cwd /" {
	make_rootfs "$TEST_DIR/rootfs"
	run chroot_checker "$TEST_DIR/rootfs" cwd
	[ "$status" -eq 0 ]
	[ "$output" = "cwd: /" ]
}

@test "checker exits with --exit N" {
	run "$KEEL_CHECKER" cwd --exit 7
	[ "$status" -eq 7 ]
	[[ $output == "cwd: "* ]]
}

@test "checker rejects an unknown option with exit 2" {
	run "$KEEL_CHECKER" --no-such-option
	[ "$status" -eq 2 ]
	[[ $output == *"unknown option '--no-such-option'"* ]]
}

@test "checker rejects an unknown section, a missing argument and an unknown probe with exit 2" {
	run "$KEEL_CHECKER" nosuchsection
	[ "$status" -eq 2 ]
	run "$KEEL_CHECKER" cwd --exit
	[ "$status" -eq 2 ]
	run "$KEEL_CHECKER" --exit many
	[ "$status" -eq 2 ]
	run "$KEEL_CHECKER" --try-syscall no_such_syscall
	[ "$status" -eq 2 ]
}

@test "checker --help lists every section and exits 0" {
	run "$KEEL_CHECKER" --help
	[ "$status" -eq 0 ]
	for s in ids caps seccomp ns mounts rlimits env cwd uts cgroup fds process signals sysctl devices paths sched seccomp_probe; do
		[[ $output == *" $s"* ]]
	done
}

@test "checker keys are sorted within a sorted section" {
	run "$KEEL_CHECKER" ids
	[ "$status" -eq 0 ]
	[ "$output" = "$(LC_ALL=C sort <<<"$output")" ]
	[ "${#lines[@]}" -eq 10 ]
}

@test "checker without /proc prints proc: missing and exits 0" {
	make_rootfs "$TEST_DIR/rootfs"
	run chroot_checker "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	[[ $output == *"proc: missing"* ]]
	assert_value "$output" uid 0
	assert_value "$output" cwd /
	run chroot_checker "$TEST_DIR/rootfs" ns
	[ "$output" = "proc: missing" ]
}

@test "checker in an empty environment prints no env lines" {
	make_rootfs "$TEST_DIR/rootfs"
	run env -i "$(command -v chroot)" "$TEST_DIR/rootfs" /keel-checker env cwd
	[ "$status" -eq 0 ]
	[ "$output" = "cwd: /" ]
}

# --- ids, umask, env ----------------------------------------------------------------

@test "umask 0022 is reported as 0022" {
	make_rootfs "$TEST_DIR/rootfs"
	run sh -c 'umask 0022; exec chroot "$1" /keel-checker ids' sh "$TEST_DIR/rootfs"
	assert_value "$output" umask 0022
}

@test "umask 0077 is reported as 0077" {
	make_rootfs "$TEST_DIR/rootfs"
	run sh -c 'umask 0077; exec chroot "$1" /keel-checker ids' sh "$TEST_DIR/rootfs"
	assert_value "$output" umask 0077
}

@test "env -i A=1 shows exactly env: A=1" {
	make_rootfs "$TEST_DIR/rootfs"
	run env -i A=1 "$(command -v chroot)" "$TEST_DIR/rootfs" /keel-checker env
	[ "$status" -eq 0 ]
	[ "$output" = "env: A=1" ]
}

@test "env values with control characters and backslashes are escaped" {
	run env -i $'A=x\ny' 'B=back\slash' "$KEEL_CHECKER" env
	[ "$output" = $'env: A=x\\x0ay\nenv: B=back\\x5cslash' ]
}

@test "uids, gids and sorted supplementary groups are reported" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	run setpriv --reuid 65534 --regid 65533 --groups 10,3,700 "$KEEL_CHECKER" ids
	[ "$status" -eq 0 ]
	assert_value "$output" uid 65534
	assert_value "$output" euid 65534
	assert_value "$output" suid 65534
	assert_value "$output" fsuid 65534
	assert_value "$output" gid 65533
	assert_value "$output" fsgid 65533
	assert_value "$output" groups "3 10 700"
}

# --- run_in_chroot -------------------------------------------------------------------

@test "run_in_chroot runs the checker as pid 1 of a new pid namespace" {
	make_bundle "$B"
	run run_in_chroot "$B" process
	[ "$status" -eq 0 ]
	assert_value "$output" pid 1
	assert_value "$output" ppid 0
}

@test "run_in_chroot sets the config hostname in a new UTS namespace" {
	make_bundle "$B"
	config_set "$B" '.hostname = "harness-host"'
	run run_in_chroot "$B" uts ns
	[ "$status" -eq 0 ]
	assert_value "$output" hostname harness-host
	[[ $(hostname) != harness-host ]]
	[[ $(checker_value "$output" ns.uts) != $(stat -L -c %i /proc/self/ns/uts) ]]
}

@test "run_in_chroot passes exactly process.env, cwd and user" {
	make_bundle "$B"
	config_set "$B" '.process.env = ["A=1", "B=two words"] | .process.cwd = "/tmp" | .process.user = {uid: 65534, gid: 65534}'
	run run_in_chroot "$B" env cwd ids
	[ "$status" -eq 0 ]
	[ "$(checker_values "$output" env)" = $'A=1\nB=two words' ]
	assert_value "$output" cwd /tmp
	assert_value "$output" uid 65534
	assert_value "$output" gid 65534
}

@test "run_in_chroot runs process.args when given no checker arguments" {
	make_bundle "$B" /keel-checker cwd --exit 3
	run run_in_chroot "$B"
	[ "$status" -eq 3 ]
	[ "$output" = "cwd: /" ]
}

@test "run_in_chroot leaves no mount behind" {
	make_bundle "$B"
	before=$(wc -l </proc/self/mountinfo)
	run run_in_chroot "$B" mounts
	[ "$status" -eq 0 ]
	[[ $output == *"mount: /proc proc rw,nosuid,nodev,noexec,relatime rw private"* ]]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
	! grep -q "$TEST_DIR" /proc/self/mountinfo
}

# --- namespaces, hostname ----------------------------------------------------------------

@test "hostname set in a new UTS namespace with unshare is reported" {
	make_rootfs "$TEST_DIR/rootfs"
	run unshare --uts sh -c 'hostname raw-uts-test && exec chroot "$1" /keel-checker uts' sh "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	assert_value "$output" hostname raw-uts-test
	assert_value "$output" domainname "$(cat /proc/sys/kernel/domainname)"
}

@test "ns inodes match /proc/self/ns and differ in new namespaces" {
	run "$KEEL_CHECKER" ns
	[ "$status" -eq 0 ]
	for ns in cgroup ipc mnt net pid uts user; do
		assert_value "$output" "ns.$ns" "$(stat -L -c %i /proc/self/ns/$ns)"
	done
	run unshare --ipc --net "$KEEL_CHECKER" ns
	[[ $(checker_value "$output" ns.ipc) != $(stat -L -c %i /proc/self/ns/ipc) ]]
	[[ $(checker_value "$output" ns.net) != $(stat -L -c %i /proc/self/ns/net) ]]
}

@test "pid_for_children differs from pid after unshare --pid without fork" {
	run unshare --pid "$KEEL_CHECKER" ns
	[ "$status" -eq 0 ]
	[[ $(checker_value "$output" ns.pid) != $(checker_value "$output" ns.pid_for_children) ]]
}

# --- security ------------------------------------------------------------------------------

@test "seccomp is 0 and no_new_privs 0 outside a filter" {
	run "$KEEL_CHECKER" seccomp
	[ "$status" -eq 0 ]
	assert_value "$output" seccomp 0
	assert_value "$output" seccomp_filters 0
	assert_value "$output" nonewprivs 0
}

@test "setpriv --no-new-privs is reported as nonewprivs 1" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	run setpriv --no-new-privs "$KEEL_CHECKER" seccomp
	assert_value "$output" nonewprivs 1
}

@test "cap masks equal /proc/self/status of the checker's parent" {
	run "$KEEL_CHECKER" caps
	[ "$status" -eq 0 ]
	# Root's exec keeps the set: the checker sees what this shell has.
	assert_value "$output" cap_bnd "$(awk '/^CapBnd:/ { print $2 }' /proc/$BASHPID/status)"
	assert_value "$output" cap_eff "$(awk '/^CapEff:/ { print $2 }' /proc/$BASHPID/status)"
	assert_value "$output" cap_amb "$(awk '/^CapAmb:/ { print $2 }' /proc/$BASHPID/status)"
}

@test "inheritable caps are named and sorted" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	run setpriv --inh-caps=+kill,+chown,+net_raw "$KEEL_CHECKER" caps
	[ "$status" -eq 0 ]
	assert_value "$output" cap_inh 0000000000002021
	assert_value "$output" cap_inh_names "CAP_CHOWN CAP_KILL CAP_NET_RAW"
}

@test "capsh --drop=cap_chown removes CAP_CHOWN from cap_bnd_names" {
	command -v capsh >/dev/null || skip "capsh (libcap2-bin) missing"
	make_bundle "$B"
	RUN_WRAPPER=(capsh --drop=cap_chown --shell=/usr/bin/env --)
	run run_in_chroot "$B" caps
	[ "$status" -eq 0 ]
	names=$(checker_value "$output" cap_bnd_names)
	[[ " $names " != *" CAP_CHOWN "* ]]
	[[ " $names " == *" CAP_KILL "* ]]
	(( (0x$(checker_value "$output" cap_bnd) & 1) == 0 ))
}

@test "seccomp probes report ok for allowed syscalls" {
	run "$KEEL_CHECKER" seccomp_probe --try-syscall getpid --try-syscall mkdir \
		--try-syscall unshare --try-syscall keyctl --try-syscall chroot \
		--try-syscall personality --try-syscall mount --try-syscall umount2 --try-syscall setns \
		--try-syscall clone3
	[ "$status" -eq 0 ]
	[ "$(grep -c ': ok$' <<<"$output")" -eq 10 ]
}

@test "seccomp probe reports EPERM for sethostname without CAP_SYS_ADMIN" {
	command -v capsh >/dev/null || skip "capsh (libcap2-bin) missing"
	make_bundle "$B"
	RUN_WRAPPER=(capsh --drop=cap_sys_admin --shell=/usr/bin/env --)
	run run_in_chroot "$B" seccomp_probe --try-syscall sethostname --try-syscall chroot
	[ "$status" -eq 0 ]
	assert_value "$output" syscall.sethostname "errno 1 EPERM"
	assert_value "$output" syscall.chroot ok
}

@test "seccomp probes in a child and in a thread report ok unfiltered" {
	for where in self child thread; do
		run "$KEEL_CHECKER" seccomp_probe --probe-in "$where" --try-syscall getpriority \
			--try-syscall futex_waitv --try-syscall getpid
		[ "$status" -eq 0 ]
		[ "$(grep -c ': ok$' <<<"$output")" -eq 3 ]
	done
}

@test "checker rejects an unknown --probe-in with exit 2" {
	run "$KEEL_CHECKER" seccomp_probe --probe-in fork --try-syscall getpid
	[ "$status" -eq 2 ]
	[[ $output == *"--probe-in: 'fork'"* ]]
}

# seccomp_wrap ACTION SYSCALL CMD...: CMD under a filter (libseccomp) that
# gives SYSCALL one of kill-thread, kill-process, trap, errno:N and
# allows the rest; built on first use.
seccomp_wrap() {
	local bin=$BATS_FILE_TMPDIR/seccomp-wrap
	if [[ ! -x $bin ]]; then
		require_cmd gcc gcc || return
		cat >"$bin.c" <<-'EOF'
		#include <seccomp.h>
		#include <stdio.h>
		#include <stdlib.h>
		#include <string.h>
		#include <unistd.h>

		static int action(const char *a, uint32_t *out)
		{
			if (!strcmp(a, "kill-thread"))
				*out = SCMP_ACT_KILL_THREAD;
			else if (!strcmp(a, "kill-process"))
				*out = SCMP_ACT_KILL_PROCESS;
			else if (!strcmp(a, "trap"))
				*out = SCMP_ACT_TRAP;
			else if (!strncmp(a, "errno:", 6))
				*out = SCMP_ACT_ERRNO(atoi(a + 6));
			else
				return -1;
			return 0;
		}

		int main(int argc, char **argv)
		{
			scmp_filter_ctx ctx;
			uint32_t act;
			int nr;

			if (argc < 4 || action(argv[1], &act) < 0 ||
			    (nr = seccomp_syscall_resolve_name(argv[2])) == __NR_SCMP_ERROR) {
				fprintf(stderr, "usage: seccomp-wrap ACTION SYSCALL CMD...\n");
				return 2;
			}
			ctx = seccomp_init(SCMP_ACT_ALLOW);
			if (ctx == NULL || seccomp_rule_add(ctx, act, nr, 0) < 0 || seccomp_load(ctx) < 0) {
				fprintf(stderr, "seccomp-wrap: cannot load the filter\n");
				return 125;
			}
			execv(argv[3], argv + 3);
			perror("seccomp-wrap: exec");
			return 127;
		}
		EOF
		gcc -O2 -Wall -Wextra -Werror -o "$bin" "$bin.c" -lseccomp ||
			lib_die "building seccomp-wrap failed (libseccomp-dev installed?)" || return
	fi
	"$bin" "$@"
}

# probe_under ACTION WHERE: the getpriority probe in WHERE under ACTION.
probe_under() {
	run seccomp_wrap "$1" getpriority "$KEEL_CHECKER" seccomp_probe --probe-in "$2" \
		--try-syscall getpriority --try-syscall getpid
}

@test "seccomp probe reports the filter's errno, and success as returned N" {
	probe_under errno:42 child
	[ "$status" -eq 0 ]
	assert_value "$output" syscall.getpriority "errno 42 ENOMSG"
	assert_value "$output" syscall.getpid ok
	# ERRNO 0 makes the call succeed without running: getpriority(7, 5)
	# cannot, so that is reported as what it returned.
	probe_under errno:0 self
	assert_value "$output" syscall.getpriority "returned 0"
}

@test "seccomp probe reports a trap as sigsys-trap with the syscall's name" {
	for where in self child thread; do
		probe_under trap "$where"
		[ "$status" -eq 0 ]
		assert_value "$output" syscall.getpriority "sigsys-trap getpriority"
	done
}

@test "seccomp probe in a child reports a kill as killed SIGSYS" {
	cd "$TEST_DIR"
	probe_under kill-thread child
	[ "$status" -eq 0 ]
	assert_value "$output" syscall.getpriority "killed SIGSYS"
	assert_value "$output" syscall.getpid ok
	# A kill dumps core; with core_pattern "core" into the cwd (a
	# container's rootfs) unless the child is not dumpable, as it is.
	run prlimit --core=unlimited:unlimited "$BATS_FILE_TMPDIR/seccomp-wrap" kill-thread \
		getpriority "$KEEL_CHECKER" seccomp_probe --probe-in child --try-syscall getpriority
	assert_value "$output" syscall.getpriority "killed SIGSYS"
	[ -z "$(find "$TEST_DIR" -name 'core*')" ]
}

@test "seccomp probe in a thread tells KILL_THREAD from KILL_PROCESS" {
	probe_under kill-thread thread
	[ "$status" -eq 0 ]
	assert_value "$output" syscall.getpriority thread-killed
	probe_under kill-process thread
	[ "$status" -eq 0 ]
	assert_value "$output" syscall.getpriority "killed SIGSYS"
}

# --- rlimits, sched, process ----------------------------------------------------------------

@test "prlimit --nofile=100:200 shows rlimit.RLIMIT_NOFILE: 100 200" {
	make_rootfs "$TEST_DIR/rootfs"
	run prlimit --nofile=100:200 chroot "$TEST_DIR/rootfs" /keel-checker rlimits
	[ "$status" -eq 0 ]
	assert_value "$output" rlimit.RLIMIT_NOFILE "100 200"
	[ "$(grep -c '^rlimit\.RLIMIT_' <<<"$output")" -eq 16 ]
}

@test "unlimited rlimits print as unlimited" {
	run prlimit --core=unlimited:unlimited "$KEEL_CHECKER" rlimits
	assert_value "$output" rlimit.RLIMIT_CORE "unlimited unlimited"
}

@test "affinity, nice, io priority and personality are reported" {
	run taskset -c 0 nice -n 5 ionice -c 2 -n 6 setarch "$(uname -m)" -R "$KEEL_CHECKER" sched
	[ "$status" -eq 0 ]
	assert_value "$output" affinity 0
	assert_value "$output" nice 5
	assert_value "$output" ioprio "IOPRIO_CLASS_BE 6"
	assert_value "$output" personality 0x00040000
	assert_value "$output" sched_policy SCHED_OTHER
}

@test "chrt --batch is reported as SCHED_BATCH" {
	run chrt --batch 0 "$KEEL_CHECKER" sched
	assert_value "$output" sched_policy SCHED_BATCH
}

@test "setsid makes the checker its own session leader" {
	run setsid "$KEEL_CHECKER" process
	[ "$status" -eq 0 ]
	pid=$(checker_value "$output" pid)
	assert_value "$output" sid "$pid"
	assert_value "$output" pgid "$pid"
	assert_value "$output" tty "0 0 0 -"
	assert_value "$output" tty_owner -
}

@test "tty_owner is the owner, group and mode of the terminal on fd 0" {
	require_cmd script bsdutils
	run script -qec "$KEEL_CHECKER process" /dev/null </dev/null
	[ "$status" -eq 0 ]
	# script's pty belongs to us; its group and mode are devpts's.
	[[ $(tr -d '\r' <<<"$output" | sed -n 's/^tty_owner: //p') =~ ^$(id -u):[0-9]+\ 0[0-7]{3}$ ]]
}

@test "oom_score_adj set by choom is reported" {
	run choom -n 300 -- "$KEEL_CHECKER" process
	assert_value "$output" oom_score_adj 300
}

@test "an inherited fd is listed and the listing fd is not" {
	run sh -c 'exec 7</dev/null; exec "$1" fds' sh "$KEEL_CHECKER"
	[ "$status" -eq 0 ]
	assert_value "$output" fd.7 /dev/null
	! grep -q '/proc/[0-9]*/fd' <<<"$output"
}

@test "cgroup lines are /proc/self/cgroup" {
	run "$KEEL_CHECKER" cgroup
	[ "$status" -eq 0 ]
	[ "$(checker_values "$output" cgroup)" = "$(cat /proc/$BASHPID/cgroup)" ]
}

@test "sysctl values are read with dots as slashes" {
	run "$KEEL_CHECKER" sysctl --sysctl kernel.ostype --sysctl net.ipv4.ip_local_port_range --sysctl kernel.no_such_key
	[ "$status" -eq 0 ]
	assert_value "$output" sysctl.kernel.ostype Linux
	assert_value "$output" sysctl.net.ipv4.ip_local_port_range "$(sed 's/\s\+/ /g' /proc/sys/net/ipv4/ip_local_port_range)"
	assert_value "$output" sysctl.kernel.no_such_key "errno 2 ENOENT"
}

# --- filesystem: mounts, devices, paths, writes --------------------------------------------------

@test "mounts show fstype, options and propagation" {
	make_rootfs "$TEST_DIR/rootfs"
	run in_private_ns '
		mount -t proc proc "$1/proc"
		mount -t tmpfs -o ro,nosuid,size=1m harness "$1/mnt"
		mount -t tmpfs -o size=1m harness "$1/home"
		mount --make-shared "$1/home"
		chroot "$1" /keel-checker mounts' "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	[[ $output == *"mount: /mnt tmpfs ro,nosuid,relatime ro,size=1024k private"* ]]
	grep -Eq '^mount: /home tmpfs rw,relatime rw,size=1024k shared:[0-9]+$' <<<"$output"
}

@test "devices given with --dev report type, numbers, mode and owner" {
	# Nodes of our own: the host's /dev/null may have been chowned by
	# another runtime (crun 1.8 does so under the engine tests).
	mknod -m 666 "$TEST_DIR/null" c 1 3
	mknod -m 640 "$TEST_DIR/zero" c 1 5
	chown 0:5 "$TEST_DIR/zero"
	run "$KEEL_CHECKER" devices --dev "$TEST_DIR/null" --dev "$TEST_DIR/zero" --dev /dev/no-such-device
	[ "$status" -eq 0 ]
	[ "$output" = "dev./dev/no-such-device: missing
dev.$TEST_DIR/null: c 1:3 0666 0:0
dev.$TEST_DIR/zero: c 1:5 0640 0:5" ]
}

@test "devices without --dev lists /dev of the rootfs" {
	make_rootfs "$TEST_DIR/rootfs"
	run in_private_ns '
		mount -t tmpfs -o mode=755 dev "$1/dev"
		mknod -m 666 "$1/dev/null" c 1 3
		mkfifo -m 600 "$1/dev/fifo"
		ln -s /proc/self/fd "$1/dev/fd"
		chroot "$1" /keel-checker devices' "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	[ "$output" = $'dev./dev/fd: l 0:0 0777 0:0\ndev./dev/fifo: p 0:0 0600 0:0\ndev./dev/null: c 1:3 0666 0:0' ]
}

@test "--write on a read-only bind mount fails with EROFS" {
	make_rootfs "$TEST_DIR/rootfs"
	mkdir "$TEST_DIR/rootfs/ro"
	run in_private_ns '
		mount --bind "$1/ro" "$1/ro"
		mount -o remount,bind,ro "$1/ro"
		chroot "$1" /keel-checker cwd --write /ro/file hello --write /tmp/file hello' "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	assert_value "$output" write./ro/file "errno 30 EROFS"
	assert_value "$output" write./tmp/file ok
	[ "$(cat "$TEST_DIR/rootfs/tmp/file")" = hello ]
	[[ ! -e $TEST_DIR/rootfs/ro/file ]]
}

@test "a path masked by binding /dev/null shows c 1:3" {
	make_rootfs "$TEST_DIR/rootfs"
	echo secret >"$TEST_DIR/rootfs/etc/secret"
	mknod -m 666 "$TEST_DIR/null" c 1 3
	run in_private_ns '
		mount --bind "$2" "$1/etc/secret"
		chroot "$1" /keel-checker paths --path /etc/secret' "$TEST_DIR/rootfs" "$TEST_DIR/null"
	[ "$status" -eq 0 ]
	[ "$output" = "path./etc/secret: c 1:3 0666 0:0 rw -" ]
}

@test "paths report file content, directory entries, read-only dirs and missing paths" {
	make_rootfs "$TEST_DIR/rootfs"
	printf 'line1\nline2' >"$TEST_DIR/rootfs/etc/data"
	chmod 0640 "$TEST_DIR/rootfs/etc/data"
	mkdir "$TEST_DIR/rootfs/masked"
	touch "$TEST_DIR/rootfs/masked/hidden"
	run in_private_ns '
		mount -t tmpfs -o ro,size=4k,mode=0755 masked "$1/masked"
		chroot "$1" /keel-checker paths --path /etc/data --path /masked --path /nope' "$TEST_DIR/rootfs"
	[ "$status" -eq 0 ]
	assert_value "$output" path./etc/data 'f 0:0 0640 0:0 rw size=11 data=line1\x0aline2'
	assert_value "$output" path./masked "d 0:0 0755 0:0 r- entries=0"
	assert_value "$output" path./nope missing
}

# --- signals ------------------------------------------------------------------------------

@test "signals section shows what is blocked, ignored and caught at start" {
	# HUP (1) and USR1 (10) ignored, USR2 (12) blocked; nothing caught:
	# the checker installs no handler before it prints.
	# sig-exec sets every disposition itself (the raw syscalls): whatever
	# this test's own caller ignored (32 and 33 included) does not count.
	run "$KEEL_BUILDDIR/sig-exec" --ignore 1,10 --block 12 -- "$KEEL_CHECKER" signals
	[ "$status" -eq 0 ]
	assert_value "$output" sigblk 0000000000000800
	assert_value "$output" sigign 0000000000000201
	assert_value "$output" sigcgt 0000000000000000
	run "$KEEL_BUILDDIR/sig-exec" -- "$KEEL_CHECKER" signals
	assert_value "$output" sigign 0000000000000000
	assert_value "$output" sigblk 0000000000000000
}

@test "--wait-signal prints signal: SIGUSR1 after kill -USR1 and exits 138" {
	make_rootfs "$TEST_DIR/rootfs"
	chroot "$TEST_DIR/rootfs" /keel-checker cwd --wait-signal >"$TEST_DIR/out" &
	pid=$!
	for _ in $(seq 100); do
		grep -q '^wait_signal: ready$' "$TEST_DIR/out" && break
		sleep 0.05
	done
	kill -USR1 "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 138 ]
	[ "$(cat "$TEST_DIR/out")" = $'cwd: /\nwait_signal: ready\nsignal: SIGUSR1' ]
}

@test "--wait-signal as pid 1 of a pid namespace still gets SIGTERM" {
	make_bundle "$B"
	run_in_chroot "$B" process --wait-signal >"$TEST_DIR/out" &
	for _ in $(seq 100); do
		grep -q '^wait_signal: ready$' "$TEST_DIR/out" && break
		sleep 0.05
	done
	# The checker is the grandchild of the outer unshare.
	cpid=$(pgrep -f -n '^/keel-checker process --wait-signal')
	kill -TERM "$cpid"
	status=0
	wait $! || status=$?
	[ "$status" -eq 143 ]
	grep -q '^signal: SIGTERM$' "$TEST_DIR/out"
	assert_value "$(cat "$TEST_DIR/out")" pid 1
}

# --- leak checks ----------------------------------------------------------------------------

@test "assert_no_leak passes when nothing changed" {
	mkdir "$TEST_DIR/state"
	snapshot_host "$TEST_DIR/snap" -d "$TEST_DIR/state" -p $BASHPID
	assert_no_leak "$TEST_DIR/snap"
}

@test "assert_no_leak reports a leaked state dir entry and fd" {
	mkdir "$TEST_DIR/state"
	snapshot_host "$TEST_DIR/snap" -d "$TEST_DIR/state" -p $BASHPID
	mkdir "$TEST_DIR/state/container-1"
	exec 8</dev/null
	run assert_no_leak "$TEST_DIR/snap"
	exec 8<&-
	[ "$status" -eq 1 ]
	[[ $output == *"path $TEST_DIR/state/container-1"* ]]
	[[ $output == *"fd $BASHPID 8"* ]]
}

@test "assert_no_leak reports a leaked process" {
	snapshot_host "$TEST_DIR/snap" -c '^keel-checker$'
	"$KEEL_CHECKER" cwd --sleep 30 >/dev/null &
	pid=$!
	run assert_no_leak "$TEST_DIR/snap"
	kill "$pid"
	wait "$pid" || true
	[ "$status" -eq 1 ]
	[[ $output == *"proc $pid keel-checker"* ]]
	assert_no_leak "$TEST_DIR/snap"
}

@test "assert_no_leak reports a leaked mount" {
	mkdir "$TEST_DIR/mnt"
	run unshare --mount --propagation private bash -c '
		source "$1/tests/oci-validation/lib.bash"
		snapshot_host "$2/snap"
		mount -t tmpfs leak "$2/mnt"
		assert_no_leak "$2/snap"' bash "$KEEL_SRCDIR" "$TEST_DIR"
	[ "$status" -eq 1 ]
	[[ $output == *"mount $TEST_DIR/mnt tmpfs leak"* ]]
}
