/* The seccomp_probe section: --try-syscall NAME calls NAME harmlessly and
 * prints how the call ended, in this process, a child or a thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"

/* Each probe provokes an error the kernel reports only after the syscall was
 * let through (mkdir("/") is EEXIST, chroot("") is ENOENT before any
 * capability check) or calls something harmless that succeeds.  "ok" means
 * that outcome; anything else is printed as the errno, as "returned N" (a
 * call expected to fail that succeeded: a seccomp agent's answer), or as
 * how the probe was stopped (see section_seccomp_probe). */
struct probe {
	const char *name;
	long nr;		/* for naming a SIGSYS's si_syscall */
	int allowed_errno;	/* 0: the call succeeds when allowed */
	long (*call)(void);
};

static long probe_getpid(void) { return syscall(SYS_getpid); }
static long probe_uname(void) { struct utsname u; return syscall(SYS_uname, &u); }
#ifdef SYS_mkdir
static long probe_mkdir(void) { return syscall(SYS_mkdir, "/", 0); }
#endif
static long probe_mkdirat(void) { return syscall(SYS_mkdirat, AT_FDCWD, "/", 0); }
static long probe_unshare(void) { return syscall(SYS_unshare, 0); }
static long probe_setns(void) { return syscall(SYS_setns, -1, 0); }
static long probe_keyctl(void) { return syscall(SYS_keyctl, 0x7fffffff, 0, 0, 0, 0); }
static long probe_chroot(void) { return syscall(SYS_chroot, ""); }
static long probe_personality(void) { return syscall(SYS_personality, 0xffffffffUL); }
static long probe_mount(void) { return syscall(SYS_mount, NULL, "", NULL, 0, NULL); }
static long probe_umount2(void) { return syscall(SYS_umount2, "", 0); }

/* which = 7 is no PRIO_* value: EINVAL, whatever the capabilities.  Its
 * two small, fixed arguments (7, 5) are what tests of a profile's args
 * compare against; a JSON tool that reads numbers as doubles keeps them. */
static long probe_getpriority(void) { return syscall(SYS_getpriority, 7L, 5L); }

#ifdef SYS_clone3
/* No clone_args: EINVAL before anything is cloned.  Newer (Linux 5.3)
 * than the syscalls a small profile names: seccomp's -ENOSYS rule for
 * syscalls above a profile's highest one shows here, and libc falls back
 * to clone on ENOSYS. */
static long probe_clone3(void) { return syscall(SYS_clone3, NULL, 0); }
#endif

#ifdef SYS_futex_waitv
/* No waiters: EINVAL.  A syscall engines' default profiles do not list
 * (Linux 5.16), so it meets their default action. */
static long probe_futex_waitv(void) { return syscall(SYS_futex_waitv, NULL, 0, 0, NULL, 0); }
#endif

/* Re-setting the current name changes nothing; needs CAP_SYS_ADMIN though. */
static long probe_sethostname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -1;
	return syscall(SYS_sethostname, u.nodename, strlen(u.nodename));
}

static long probe_setdomainname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -1;
	return syscall(SYS_setdomainname, u.domainname, strlen(u.domainname));
}

static const struct probe probes[] = {
	{ "chroot", SYS_chroot, ENOENT, probe_chroot },
#ifdef SYS_clone3
	{ "clone3", SYS_clone3, EINVAL, probe_clone3 },
#endif
#ifdef SYS_futex_waitv
	{ "futex_waitv", SYS_futex_waitv, EINVAL, probe_futex_waitv },
#endif
	{ "getpid", SYS_getpid, 0, probe_getpid },
	{ "getpriority", SYS_getpriority, EINVAL, probe_getpriority },
	{ "keyctl", SYS_keyctl, EOPNOTSUPP, probe_keyctl },
#ifdef SYS_mkdir
	{ "mkdir", SYS_mkdir, EEXIST, probe_mkdir },
#endif
	{ "mkdirat", SYS_mkdirat, EEXIST, probe_mkdirat },
	{ "mount", SYS_mount, ENOENT, probe_mount },
	{ "personality", SYS_personality, 0, probe_personality },
	{ "setdomainname", SYS_setdomainname, 0, probe_setdomainname },
	{ "sethostname", SYS_sethostname, 0, probe_sethostname },
	{ "setns", SYS_setns, EBADF, probe_setns },
	{ "umount2", SYS_umount2, ENOENT, probe_umount2 },
	{ "uname", SYS_uname, 0, probe_uname },
	{ "unshare", SYS_unshare, 0, probe_unshare },
};

static const struct probe *find_probe(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (!strcmp(probes[i].name, name))
			return &probes[i];
	return NULL;
}

int probe_exists(const char *name)
{
	return find_probe(name) != NULL;
}

/* For usage(): the names --try-syscall accepts, each after a space. */
void print_probe_names(FILE *f)
{
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		fprintf(f, " %s", probes[i].name);
}

/* The si_code of a seccomp SIGSYS (asm-generic/siginfo.h; glibc lacks it). */
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

#define NO_SIGSYS (-1)
#define SIGSYS_NOT_SECCOMP (-2)

/* What the last SIGSYS said: a signal handler has nowhere else to put it. */
static volatile sig_atomic_t sigsys_nr = NO_SIGSYS;

static void on_sigsys(int sig UNUSED, siginfo_t *si, void *ctx UNUSED)
{
	sigsys_nr = si->si_code == SYS_SECCOMP ? si->si_syscall : SIGSYS_NOT_SECCOMP;
}

/* SECCOMP_RET_TRAP sends SIGSYS, which the kernel forces to its default
 * (a kill) when it is blocked, as --wait-signal does: unblock it. */
static void catch_sigsys(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void probe_outcome(const struct probe *p, char *buf, size_t size)
{
	long r;
	int e;

	sigsys_nr = NO_SIGSYS;
	errno = 0;
	r = p->call();
	e = errno;
	if (sigsys_nr == SIGSYS_NOT_SECCOMP)
		snprintf(buf, size, "sigsys not from seccomp");
	else if (sigsys_nr == p->nr)
		snprintf(buf, size, "sigsys-trap %s", p->name);
	else if (sigsys_nr != NO_SIGSYS)
		snprintf(buf, size, "sigsys-trap nr %d", (int)sigsys_nr);
	else if (r < 0 ? e == p->allowed_errno : p->allowed_errno == 0)
		snprintf(buf, size, "ok");
	else if (r >= 0)
		snprintf(buf, size, "returned %ld", r);
	else
		snprintf(buf, size, "%s", errstr(e));
}

struct probe_thread {
	const struct probe *p;
	char buf[128];
	int done;
};

static void *probe_thread_main(void *arg)
{
	struct probe_thread *t = arg;

	probe_outcome(t->p, t->buf, sizeof(t->buf));
	t->done = 1;
	return NULL;
}

/* SECCOMP_RET_KILL_THREAD ends the probing thread alone: the kernel still
 * clears its tid, so the join returns, with nothing done. */
static void probe_in_thread(const struct probe *p, char *buf, size_t size)
{
	struct probe_thread t = { .p = p };
	pthread_t th;
	int e = pthread_create(&th, NULL, probe_thread_main, &t);

	if (e) {
		snprintf(buf, size, "pthread_create: %s", errstr(e));
		return;
	}
	pthread_join(th, NULL);
	snprintf(buf, size, "%s", t.done ? t.buf : "thread-killed");
}

static void __attribute__((noreturn)) probe_child(const struct probe *p, enum probe_where where,
						  int out)
{
	struct rlimit no_core = { 0, 0 };
	char buf[160];
	size_t len;

	/* A seccomp kill dumps core (core_pattern "core": into our cwd). */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &no_core);
	if (where == PROBE_IN_THREAD)
		probe_in_thread(p, buf, sizeof(buf));
	else
		probe_outcome(p, buf, sizeof(buf));
	len = strlen(buf);
	_exit(write(out, buf, len) == (ssize_t)len ? 0 : 3);
}

static void probe_forked(const struct probe *p, enum probe_where where, char *buf, size_t size)
{
	int fds[2], status = 0;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(buf, size, "pipe: %s", errstr(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		probe_child(p, where, fds[1]);
	}
	close(fds[1]);
	if (pid < 0) {
		snprintf(buf, size, "fork: %s", errstr(errno));
		close(fds[0]);
		return;
	}
	while ((size_t)got < size - 1 &&
	       ((n = read(fds[0], buf + got, size - 1 - (size_t)got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	buf[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		const char *sig = sigabbrev_np(WTERMSIG(status));

		if (sig)
			snprintf(buf, size, "killed SIG%s", sig);
		else
			snprintf(buf, size, "killed %d", WTERMSIG(status));
	} else if (got == 0 || WEXITSTATUS(status) != 0) {
		snprintf(buf, size, "exit %d", WEXITSTATUS(status));
	}
}

/* syscall.NAME: ok | errno N NAME | returned N | sigsys-trap NAME (a
 * SIGSYS from seccomp reached our handler: SECCOMP_RET_TRAP; "sigsys-trap
 * nr N" when it names another syscall) | killed SIGSYS (the child running
 * the probe died of it: a seccomp kill of the process, or of its only
 * thread) | thread-killed (--probe-in thread: the probing thread vanished,
 * the process lived on: SECCOMP_RET_KILL_THREAD). */
void section_seccomp_probe(struct out *o, const struct opts *opt)
{
	char buf[160];
	int i;

	if (opt->n_probes > 0)
		catch_sigsys();
	for (i = 0; i < opt->n_probes; i++) {
		const struct probe *p = find_probe(opt->probes[i]);

		if (opt->probe_in == PROBE_IN_SELF)
			probe_outcome(p, buf, sizeof(buf));
		else
			probe_forked(p, opt->probe_in, buf, sizeof(buf));
		emit(o, "syscall.%s: %s", p->name, buf);
	}
}
