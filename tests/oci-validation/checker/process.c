/* Sections about the process itself: rlimits, env, cwd, uts, fds, process
 * (pids, tty, oom_score_adj) and sched. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "checker.h"

extern char **environ;

/* ---- rlimits -------------------------------------------------------------- */

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

static const char *rlim_str(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

void section_rlimits(struct out *o, const struct opts *opt UNUSED)
{
	size_t i;

	for (i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		struct rlimit rl;
		char soft[32], hard[32];

		if (getrlimit(rlimits[i].resource, &rl) < 0) {
			emit(o, "rlimit.%s: %s", rlimits[i].name, errstr(errno));
			continue;
		}
		emit(o, "rlimit.%s: %s %s", rlimits[i].name,
		     rlim_str(rl.rlim_cur, soft, sizeof(soft)),
		     rlim_str(rl.rlim_max, hard, sizeof(hard)));
	}
}

/* ---- env, cwd, uts ---------------------------------------------------------- */

void section_env(struct out *o, const struct opts *opt UNUSED)
{
	char **e;

	for (e = environ; e && *e; e++)
		emit(o, "env: %s", esc_str(*e));
}

void section_cwd(struct out *o, const struct opts *opt UNUSED)
{
	char buf[PATH_MAX];

	if (getcwd(buf, sizeof(buf)))
		emit(o, "cwd: %s", esc_str(buf));
	else
		emit(o, "cwd: %s", errstr(errno));
}

void section_uts(struct out *o, const struct opts *opt UNUSED)
{
	struct utsname u;

	if (uname(&u) < 0) {
		emit(o, "hostname: %s", errstr(errno));
		return;
	}
	emit(o, "hostname: %s", esc_str(u.nodename));
	emit(o, "domainname: %s", esc_str(u.domainname));
}

/* ---- fds ------------------------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/* Without /proc, open fds are still found by asking each number. */
static void fds_without_proc(struct out *o)
{
	struct rlimit rl;
	long max = 1024, fd;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		max = rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
	emit(o, "proc: missing");
	for (fd = 0; fd < max; fd++)
		if (fcntl((int)fd, F_GETFD) >= 0)
			emit(o, "fd.%ld: unknown", fd);
}

void section_fds(struct out *o, const struct opts *opt UNUSED)
{
	DIR *d;
	struct dirent *de;
	int fds[4096], n = 0, i;

	if (!proc_available() || !(d = opendir("/proc/self/fd"))) {
		fds_without_proc(o);
		return;
	}
	while ((de = readdir(d)) && n < 4096) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d))
			continue;
		fds[n++] = atoi(de->d_name);
	}
	closedir(d);
	qsort(fds, (size_t)n, sizeof(int), cmp_int);
	for (i = 0; i < n; i++) {
		char path[64], target[PATH_MAX];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			emit(o, "fd.%d: %s", fds[i], errstr(errno));
		else
			emit(o, "fd.%d: %s", fds[i], esc(target, (size_t)len));
	}
}

/* ---- process ----------------------------------------------------------------------- */

/* tty_owner: uid:gid and mode of the terminal on fd 0 (fstat, so the
 * device node's name does not matter), or "-" when fd 0 is no terminal. */
static void emit_tty_owner(struct out *o)
{
	struct stat st;

	if (!isatty(0))
		emit(o, "tty_owner: -");
	else if (fstat(0, &st) < 0)
		emit(o, "tty_owner: %s", errstr(errno));
	else
		emit(o, "tty_owner: %u:%u %04o", (unsigned)st.st_uid, (unsigned)st.st_gid,
		     (unsigned)(st.st_mode & 07777));
}

void section_process(struct out *o, const struct opts *opt UNUSED)
{
	char buf[64];
	const char *name = NULL;
	int r;

	emit(o, "pid: %d", (int)getpid());
	emit(o, "ppid: %d", (int)getppid());
	emit(o, "sid: %d", (int)getsid(0));
	emit(o, "pgid: %d", (int)getpgrp());
	if (isatty(0))
		name = ttyname(0);
	emit(o, "tty: %d %d %d %s", isatty(0), isatty(1), isatty(2),
	     name ? esc_str(name) : isatty(0) ? "?" : "-");
	emit_tty_owner(o);
	if (!proc_available()) {
		emit(o, "proc: missing");
		return;
	}
	r = read_small("/proc/self/oom_score_adj", buf, sizeof(buf));
	emit(o, "oom_score_adj: %s", r < 0 ? errstr(-r) : buf);
}

/* ---- sched -------------------------------------------------------------------------- */

/* glibc 2.36 has no sched_getattr wrapper; this is the kernel's VER1 layout. */
struct keel_sched_attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static const char *policy_name(uint32_t p)
{
	static const char *const names[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH",
		"SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
	};
	static char buf[32];

	if (p < sizeof(names) / sizeof(names[0]))
		return names[p];
	snprintf(buf, sizeof(buf), "%u", p);
	return buf;
}

static void emit_affinity(struct out *o)
{
	cpu_set_t set;
	char list[4096] = "";
	size_t len = 0;
	int cpu, start;

	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		emit(o, "affinity: %s", errstr(errno));
		return;
	}
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		start = cpu;
		while (cpu + 1 < CPU_SETSIZE && CPU_ISSET(cpu + 1, &set))
			cpu++;
		if (start == cpu)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d",
						len ? "," : "", cpu);
		else
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d-%d",
						len ? "," : "", start, cpu);
	}
	emit(o, "affinity: %s", list);
}

void section_sched(struct out *o, const struct opts *opt UNUSED)
{
	static const char *const io_classes[] = {
		"IOPRIO_CLASS_NONE", "IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE",
	};
	struct keel_sched_attr a;
	long io;
	int nice;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) < 0) {
		emit(o, "sched_policy: %s", errstr(errno));
	} else {
		emit(o, "sched_policy: %s", policy_name(a.policy));
		emit(o, "sched_priority: %u", a.priority);
		emit(o, "sched_flags: 0x%llx", (unsigned long long)a.flags);
		emit(o, "sched_runtime: %llu", (unsigned long long)a.runtime);
		emit(o, "sched_deadline: %llu", (unsigned long long)a.deadline);
		emit(o, "sched_period: %llu", (unsigned long long)a.period);
	}

	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (nice == -1 && errno)
		emit(o, "nice: %s", errstr(errno));
	else
		emit(o, "nice: %d", nice);

	/* IOPRIO_WHO_PROCESS = 1; the class sits above 13 bits of data, the
	 * level in the low 3 bits of the data. */
	io = syscall(SYS_ioprio_get, 1, 0);
	if (io < 0)
		emit(o, "ioprio: %s", errstr(errno));
	else if ((io >> 13) < 4)
		emit(o, "ioprio: %s %ld", io_classes[io >> 13], io & 7);
	else
		emit(o, "ioprio: %ld %ld", io >> 13, io & 7);

	emit_affinity(o);
	emit(o, "personality: 0x%08x", (unsigned)personality(0xffffffff));
	{
		/* get_mempolicy(2): the mode and the first 64 nodes of the mask */
		int mode = -1;
		unsigned long mask[16] = { 0 };

		if (syscall(SYS_get_mempolicy, &mode, mask, 16 * 8 * sizeof(unsigned long), NULL, 0) < 0)
			emit(o, "mempolicy: %s", errstr(errno));
		else
			emit(o, "mempolicy: %d 0x%lx", mode, mask[0]);
	}
}
