/* keel-checker: runs as a container's process and prints what that process
 * really sees, one "key: value" fact per line, so conformance tests can
 * compare a config.json with reality.  Static, libc only; the output format
 * is documented in README.md beside this file and in usage(). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CAP_LAST_KNOWN 40
#define MAX_ARGS 64
#define UNUSED __attribute__((unused))

extern char **environ;

/* ---- options ----------------------------------------------------------- */

struct write_req {
	const char *file;
	const char *text;
};

/* Where --try-syscall probes run: a seccomp kill ends only that child or
 * thread, so the checker lives on to say how the probe ended. */
enum probe_where { PROBE_IN_SELF, PROBE_IN_CHILD, PROBE_IN_THREAD };

struct opts {
	unsigned sections;		/* bit per entry of sections[] */
	const char *sysctls[MAX_ARGS];
	int n_sysctls;
	const char *devs[MAX_ARGS];
	int n_devs;
	const char *paths[MAX_ARGS];
	int n_paths;
	const char *probes[MAX_ARGS];
	int n_probes;
	enum probe_where probe_in;
	struct write_req writes[MAX_ARGS];
	int n_writes;
	int exit_code;
	double sleep_secs;
	int wait_signal;
	long alloc_mib;
	double spin_secs;
};

/* ---- output: lines collected per section, sorted unless told not to ----- */

struct out {
	char **lines;
	size_t n, cap;
};

__attribute__((format(printf, 2, 3)))
static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0) {
		perror("keel-checker: vasprintf");
		exit(3);
	}
	va_end(ap);
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 32;
		o->lines = realloc(o->lines, o->cap * sizeof(*o->lines));
		if (!o->lines) {
			perror("keel-checker: realloc");
			exit(3);
		}
	}
	o->lines[o->n++] = line;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void out_flush(struct out *o, int sorted)
{
	size_t i;

	if (sorted)
		qsort(o->lines, o->n, sizeof(*o->lines), cmp_str);
	for (i = 0; i < o->n; i++) {
		puts(o->lines[i]);
		free(o->lines[i]);
	}
	free(o->lines);
	o->lines = NULL;
	o->n = o->cap = 0;
}

/* Bytes below 0x20, DEL and backslash become \xNN so a value stays on one
 * line and decodes unambiguously.  Returns a static buffer. */
static const char *esc(const char *s, size_t len)
{
	static char buf[8192];
	size_t i, j = 0;

	for (i = 0; i < len && j + 5 < sizeof(buf); i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\')
			j += (size_t)snprintf(buf + j, sizeof(buf) - j, "\\x%02x", c);
		else
			buf[j++] = (char)c;
	}
	buf[j] = '\0';
	return buf;
}

static const char *esc_str(const char *s)
{
	return esc(s, strlen(s));
}

/* "errno <N> <NAME>" for an error, the one error format of every value. */
static const char *errstr(int e)
{
	static char buf[64];
	const char *name = strerrorname_np(e);

	snprintf(buf, sizeof(buf), "errno %d %s", e, name ? name : "UNKNOWN");
	return buf;
}

static int proc_available(void)
{
	return access("/proc/self/stat", F_OK) == 0;
}

/* Reads a small file into buf, strips trailing newlines; -errno on error. */
static int read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	close(fd);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return 0;
}

/* ---- ids ---------------------------------------------------------------- */

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

static void section_ids(struct out *o, const struct opts *opt UNUSED)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[NGROUPS_MAX];
	char list[NGROUPS_MAX * 11 + 1] = "";
	size_t len = 0;
	mode_t mask;
	int i, n;

	getresuid(&ruid, &euid, &suid);
	getresgid(&rgid, &egid, &sgid);
	emit(o, "uid: %u", ruid);
	emit(o, "euid: %u", euid);
	emit(o, "suid: %u", suid);
	/* An invalid id changes nothing and returns the current one. */
	emit(o, "fsuid: %d", setfsuid((uid_t)-1));
	emit(o, "gid: %u", rgid);
	emit(o, "egid: %u", egid);
	emit(o, "sgid: %u", sgid);
	emit(o, "fsgid: %d", setfsgid((gid_t)-1));

	n = getgroups(NGROUPS_MAX, groups);
	if (n < 0) {
		emit(o, "groups: %s", errstr(errno));
	} else {
		qsort(groups, (size_t)n, sizeof(gid_t), cmp_gid);
		for (i = 0; i < n; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
						i ? " " : "", groups[i]);
		emit(o, "groups: %s", list);
	}

	mask = umask(0);
	umask(mask);
	emit(o, "umask: %04o", (unsigned)mask);
}

/* ---- caps --------------------------------------------------------------- */

static const char *const cap_names[CAP_LAST_KNOWN + 1] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static void emit_cap_set(struct out *o, const char *key, uint64_t mask)
{
	char names[64][32];
	const char *sorted[64];
	char list[64 * 32] = "";
	size_t len = 0;
	int bit, n = 0, i;

	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (bit <= CAP_LAST_KNOWN)
			snprintf(names[n], sizeof(names[n]), "%s", cap_names[bit]);
		else
			snprintf(names[n], sizeof(names[n]), "cap_%d", bit);
		sorted[n] = names[n];
		n++;
	}
	qsort(sorted, (size_t)n, sizeof(*sorted), cmp_str);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? " " : "", sorted[i]);
	emit(o, "%s: %016llx", key, (unsigned long long)mask);
	emit(o, "%s_names: %s", key, list);
}

/* The sets come from syscalls rather than /proc/self/status so they are
 * there without /proc; the masks are the same numbers status shows. */
static void section_caps(struct out *o, const struct opts *opt UNUSED)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	uint64_t bnd = 0, amb = 0;
	int c;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0) {
		emit(o, "caps: %s", errstr(errno));
		return;
	}
	for (c = 0; c < 64; c++) {
		int r = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

		if (r < 0)
			break;	/* EINVAL past the kernel's last capability */
		if (r)
			bnd |= 1ULL << c;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
			amb |= 1ULL << c;
	}
	emit_cap_set(o, "cap_inh", data[0].inheritable | (uint64_t)data[1].inheritable << 32);
	emit_cap_set(o, "cap_prm", data[0].permitted | (uint64_t)data[1].permitted << 32);
	emit_cap_set(o, "cap_eff", data[0].effective | (uint64_t)data[1].effective << 32);
	emit_cap_set(o, "cap_bnd", bnd);
	emit_cap_set(o, "cap_amb", amb);
}

/* ---- seccomp / no_new_privs ---------------------------------------------- */

/* Value of "Name:\t..." in /proc/self/status, or -errno. */
static int status_field(const char *name, char *val, size_t size)
{
	FILE *f = fopen("/proc/self/status", "re");
	char *line = NULL;
	size_t cap = 0, nlen = strlen(name);
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, name, nlen) || line[nlen] != ':')
			continue;
		snprintf(val, size, "%s", line + nlen + 1 + strspn(line + nlen + 1, " \t"));
		val[strcspn(val, "\n")] = '\0';
		ret = 0;
		break;
	}
	free(line);
	fclose(f);
	return ret;
}

static void section_seccomp(struct out *o, const struct opts *opt UNUSED)
{
	char val[64];
	int r;

	emit(o, "nonewprivs: %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	/* Only callable outside strict mode, which would have killed us long
	 * before main: the answer is 0 (none) or 2 (filter). */
	emit(o, "seccomp: %d", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	if (!proc_available()) {
		emit(o, "proc: missing");
		return;
	}
	r = status_field("Seccomp_filters", val, sizeof(val));
	emit(o, "seccomp_filters: %s", r < 0 ? errstr(-r) : val);
}

/* ---- signals -------------------------------------------------------------- */

/* What the process starts with: blocked (SigBlk), ignored (SigIgn) and
 * caught (SigCgt) signals as /proc/self/status shows them, 16 hex digits,
 * bit n-1 for signal n.  Read before the checker blocks (--wait-signal
 * comes after the sections) or catches (SIGSYS, by seccomp_probe, which
 * runs after this section) anything. */
static void section_signals(struct out *o, const struct opts *opt UNUSED)
{
	static const char *const fields[][2] = {
		{ "SigBlk", "sigblk" }, { "SigIgn", "sigign" }, { "SigCgt", "sigcgt" },
	};
	char val[64];
	size_t i;
	int r;

	if (!proc_available()) {
		emit(o, "proc: missing");
		return;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		r = status_field(fields[i][0], val, sizeof(val));
		emit(o, "%s: %s", fields[i][1], r < 0 ? errstr(-r) : val);
	}
}

/* ---- ns ----------------------------------------------------------------- */

static const char *const ns_names[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
	"time", "time_for_children", "user", "uts",
};

static void section_ns(struct out *o, const struct opts *opt UNUSED)
{
	size_t i;

	if (!proc_available()) {
		emit(o, "proc: missing");
		return;
	}
	for (i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++) {
		char path[64], target[128];
		const char *ino;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0) {
			if (errno == ENOENT)
				emit(o, "ns.%s: missing", ns_names[i]);
			else
				emit(o, "ns.%s: %s", ns_names[i], errstr(errno));
			continue;
		}
		target[n] = '\0';
		/* "net:[4026531840]" */
		ino = strchr(target, '[');
		emit(o, "ns.%s: %.*s", ns_names[i], ino ? (int)strcspn(ino + 1, "]") : (int)n,
		     ino ? ino + 1 : target);
	}
}

/* ---- mounts --------------------------------------------------------------- */

/* mountinfo: id parent maj:min root mountpoint opts [optional...] - fstype src superopts */
static void emit_mountinfo_line(struct out *o, char *line)
{
	char *f[64], *save = NULL, *tok;
	char prop[256] = "";
	size_t plen = 0;
	int n = 0, sep = -1, i;

	for (tok = strtok_r(line, " \n", &save); tok && n < 64; tok = strtok_r(NULL, " \n", &save)) {
		if (sep < 0 && n >= 6 && !strcmp(tok, "-"))
			sep = n;
		f[n++] = tok;
	}
	if (sep < 0 || n < sep + 4) {
		emit(o, "mount: unparsable");
		return;
	}
	for (i = 6; i < sep; i++)
		plen += (size_t)snprintf(prop + plen, sizeof(prop) - plen, "%s%s",
					 plen ? "," : "", f[i]);
	emit(o, "mount: %s %s %s %s %s", f[4], f[sep + 1], f[5], f[sep + 3],
	     plen ? prop : "private");
}

static void section_mounts(struct out *o, const struct opts *opt UNUSED)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;

	if (!proc_available() || !(f = fopen("/proc/self/mountinfo", "re"))) {
		emit(o, "proc: missing");
		return;
	}
	while (getline(&line, &cap, f) > 0)
		emit_mountinfo_line(o, line);
	free(line);
	fclose(f);
}

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

static void section_rlimits(struct out *o, const struct opts *opt UNUSED)
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

static void section_env(struct out *o, const struct opts *opt UNUSED)
{
	char **e;

	for (e = environ; e && *e; e++)
		emit(o, "env: %s", esc_str(*e));
}

static void section_cwd(struct out *o, const struct opts *opt UNUSED)
{
	char buf[PATH_MAX];

	if (getcwd(buf, sizeof(buf)))
		emit(o, "cwd: %s", esc_str(buf));
	else
		emit(o, "cwd: %s", errstr(errno));
}

static void section_uts(struct out *o, const struct opts *opt UNUSED)
{
	struct utsname u;

	if (uname(&u) < 0) {
		emit(o, "hostname: %s", errstr(errno));
		return;
	}
	emit(o, "hostname: %s", esc_str(u.nodename));
	emit(o, "domainname: %s", esc_str(u.domainname));
}

/* ---- cgroup ------------------------------------------------------------------ */

static void section_cgroup(struct out *o, const struct opts *opt UNUSED)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!proc_available() || !(f = fopen("/proc/self/cgroup", "re"))) {
		emit(o, "proc: missing");
		return;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		emit(o, "cgroup: %s", esc(line, (size_t)n));
	}
	free(line);
	fclose(f);
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

static void section_fds(struct out *o, const struct opts *opt UNUSED)
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

static void section_process(struct out *o, const struct opts *opt UNUSED)
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

/* ---- sysctl ---------------------------------------------------------------------- */

static void section_sysctl(struct out *o, const struct opts *opt)
{
	int i;

	if (opt->n_sysctls && !proc_available()) {
		emit(o, "proc: missing");
		return;
	}
	for (i = 0; i < opt->n_sysctls; i++) {
		char path[PATH_MAX], val[4096], *p, *q;
		int r;

		snprintf(path, sizeof(path), "/proc/sys/%s", opt->sysctls[i]);
		for (p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		r = read_small(path, val, sizeof(val));
		if (r < 0) {
			emit(o, "sysctl.%s: %s", opt->sysctls[i], errstr(-r));
			continue;
		}
		/* Multi-value sysctls separate with tabs: one space each. */
		for (p = q = val; *p; p++) {
			if (isspace((unsigned char)*p)) {
				if (q > val && q[-1] != ' ')
					*q++ = ' ';
			} else {
				*q++ = *p;
			}
		}
		*q = '\0';
		emit(o, "sysctl.%s: %s", opt->sysctls[i], esc_str(val));
	}
}

/* ---- devices, paths --------------------------------------------------------------- */

static char file_type(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFCHR: return 'c';
	case S_IFBLK: return 'b';
	case S_IFIFO: return 'p';
	case S_IFREG: return 'f';
	case S_IFDIR: return 'd';
	case S_IFLNK: return 'l';
	case S_IFSOCK: return 's';
	default: return '?';
	}
}

/* Fills buf with "<type> <major>:<minor> <mode> <uid>:<gid>" and returns 0,
 * or with "missing" / "errno N NAME" and returns -1. */
static int describe_node(const char *path, struct stat *st, char *buf, size_t size)
{
	if (lstat(path, st) < 0) {
		snprintf(buf, size, "%s", errno == ENOENT ? "missing" : errstr(errno));
		return -1;
	}
	snprintf(buf, size, "%c %u:%u %04o %u:%u", file_type(st->st_mode),
		 major(st->st_rdev), minor(st->st_rdev), (unsigned)(st->st_mode & 07777),
		 st->st_uid, st->st_gid);
	return 0;
}

static void emit_dev(struct out *o, const char *path)
{
	struct stat st;
	char node[128];

	describe_node(path, &st, node, sizeof(node));
	emit(o, "dev.%s: %s", esc_str(path), node);
}

static void section_devices(struct out *o, const struct opts *opt)
{
	DIR *d;
	struct dirent *de;
	int i;

	for (i = 0; i < opt->n_devs; i++)
		emit_dev(o, opt->devs[i]);
	if (opt->n_devs)
		return;
	d = opendir("/dev");
	if (!d) {
		emit(o, "dev./dev: %s", errno == ENOENT ? "missing" : errstr(errno));
		return;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "/dev/%s", de->d_name);
		emit_dev(o, path);
	}
	closedir(d);
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* What a regular file, directory or symlink holds, as the last field. */
static void path_detail(const char *path, const struct stat *st, char *buf, size_t size)
{
	char data[64], target[PATH_MAX];
	ssize_t n;
	int fd, r;

	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			snprintf(buf, size, "size=%lld read=%s", (long long)st->st_size,
				 strerrorname_np(errno));
			return;
		}
		n = read(fd, data, sizeof(data));
		close(fd);
		if (n < 0)
			snprintf(buf, size, "size=%lld read=%s", (long long)st->st_size,
				 strerrorname_np(errno));
		else
			snprintf(buf, size, "size=%lld data=%s", (long long)st->st_size,
				 esc(data, (size_t)n));
		return;
	case S_IFDIR:
		r = count_entries(path);
		if (r < 0)
			snprintf(buf, size, "entries=%s", strerrorname_np(-r));
		else
			snprintf(buf, size, "entries=%d", r);
		return;
	case S_IFLNK:
		n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		snprintf(buf, size, "target=%s", esc_str(target));
		return;
	default:
		snprintf(buf, size, "-");
	}
}

static void section_paths(struct out *o, const struct opts *opt)
{
	int i;

	for (i = 0; i < opt->n_paths; i++) {
		const char *p = opt->paths[i];
		char node[128], detail[PATH_MAX + 64];
		struct stat st;

		if (describe_node(p, &st, node, sizeof(node)) < 0) {
			emit(o, "path.%s: %s", esc_str(p), node);
			continue;
		}
		path_detail(p, &st, detail, sizeof(detail));
		/* esc() has one buffer: the key is escaped last, after detail. */
		emit(o, "path.%s: %s %c%c %s", esc_str(p), node,
		     access(p, R_OK) == 0 ? 'r' : '-', access(p, W_OK) == 0 ? 'w' : '-', detail);
	}
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

static void section_sched(struct out *o, const struct opts *opt UNUSED)
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

/* ---- seccomp_probe -------------------------------------------------------------------- */

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
static void section_seccomp_probe(struct out *o, const struct opts *opt)
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

/* ---- sections table -------------------------------------------------------------------- */

enum order { SORTED, SOURCE_ORDER };

static const struct section {
	const char *name;
	void (*run)(struct out *o, const struct opts *opt);
	enum order order;
} sections[] = {
	{ "ids", section_ids, SORTED },
	{ "caps", section_caps, SORTED },
	{ "seccomp", section_seccomp, SORTED },
	{ "ns", section_ns, SORTED },
	{ "mounts", section_mounts, SOURCE_ORDER },
	{ "rlimits", section_rlimits, SORTED },
	{ "env", section_env, SOURCE_ORDER },
	{ "cwd", section_cwd, SORTED },
	{ "uts", section_uts, SORTED },
	{ "cgroup", section_cgroup, SOURCE_ORDER },
	{ "fds", section_fds, SOURCE_ORDER },	/* already in numeric order */
	{ "process", section_process, SORTED },
	{ "signals", section_signals, SORTED },
	{ "sysctl", section_sysctl, SORTED },
	{ "devices", section_devices, SORTED },
	{ "paths", section_paths, SORTED },
	{ "sched", section_sched, SORTED },
	{ "seccomp_probe", section_seccomp_probe, SORTED },
};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Names a test may think of as a section: the section that prints them. */
static const struct {
	const char *alias, *section;
} section_aliases[] = {
	{ "hostname", "uts" }, { "domainname", "uts" },
	{ "nonewprivs", "seccomp" }, { "seccomp_filters", "seccomp" },
	{ "tty", "process" }, { "tty_owner", "process" }, { "pid", "process" },
	{ "oom_score_adj", "process" },
	{ "affinity", "sched" }, { "ioprio", "sched" }, { "personality", "sched" },
};

static int find_section(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(section_aliases) / sizeof(section_aliases[0]); i++)
		if (!strcmp(section_aliases[i].alias, name))
			name = section_aliases[i].section;
	for (i = 0; i < N_SECTIONS; i++)
		if (!strcmp(sections[i].name, name))
			return (int)i;
	return -1;
}

/* ---- usage, option parsing --------------------------------------------------------------- */

static void usage(FILE *f)
{
	size_t i;

	fputs("Usage: keel-checker [SECTION...] [OPTION...]\n"
	      "Prints what this process sees as 'key: value' lines; all sections when none given.\n"
	      "Sections:", f);
	for (i = 0; i < N_SECTIONS; i++)
		fprintf(f, " %s", sections[i].name);
	fputs("\nOptions:\n"
	      "  --sysctl KEY         sysctl section: print sysctl.KEY (e.g. net.ipv4.ip_forward)\n"
	      "  --dev PATH           devices section: report PATH instead of listing /dev\n"
	      "  --path PATH          paths section: report type, mode, owner, access, content\n"
	      "  --try-syscall NAME   seccomp_probe section: call NAME harmlessly; one of:\n"
	      "                      ", f);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		fprintf(f, " %s", probes[i].name);
	fputs("\n"
	      "  --probe-in WHERE     run each probe in: self (default), child (a fork: a seccomp\n"
	      "                       kill reads 'killed SIGSYS'), thread (a thread of a fork:\n"
	      "                       KILL_THREAD reads 'thread-killed', KILL_PROCESS 'killed SIGSYS')\n"
	      "  --write FILE TEXT    try to write TEXT to FILE, print write.FILE: ok|errno N NAME\n"
	      "  --sleep SECONDS      sleep after printing\n"
	      "  --alloc MIB          allocate and touch MIB MiB after printing\n"
	      "  --spin SECONDS       burn cpu for SECONDS after printing\n"
	      "  --wait-signal        after printing, wait for any signal, print signal: SIGNAME,\n"
	      "                       exit 128+n; prints wait_signal: ready once signals are blocked\n"
	      "  --exit N             exit with N after everything else\n"
	      "  --help               this text\n", f);
}

__attribute__((noreturn, format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("keel-checker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'keel-checker --help'.\n", stderr);
	exit(2);
}

static void add_arg(const char **list, int *n, const char *val, const char *opt)
{
	if (*n >= MAX_ARGS)
		usage_error("too many %s options", opt);
	list[(*n)++] = val;
}

static void opt_help(struct opts *opt UNUSED, char **v UNUSED)
{
	usage(stdout);
	exit(0);
}

static void opt_wait_signal(struct opts *opt, char **v UNUSED) { opt->wait_signal = 1; }
static void opt_sysctl(struct opts *opt, char **v) { add_arg(opt->sysctls, &opt->n_sysctls, v[0], "--sysctl"); }
static void opt_dev(struct opts *opt, char **v) { add_arg(opt->devs, &opt->n_devs, v[0], "--dev"); }
static void opt_path(struct opts *opt, char **v) { add_arg(opt->paths, &opt->n_paths, v[0], "--path"); }

static void opt_try_syscall(struct opts *opt, char **v)
{
	if (!find_probe(v[0]))
		usage_error("--try-syscall: no probe for syscall '%s'", v[0]);
	add_arg(opt->probes, &opt->n_probes, v[0], "--try-syscall");
}

static void opt_probe_in(struct opts *opt, char **v)
{
	if (!strcmp(v[0], "self"))
		opt->probe_in = PROBE_IN_SELF;
	else if (!strcmp(v[0], "child"))
		opt->probe_in = PROBE_IN_CHILD;
	else if (!strcmp(v[0], "thread"))
		opt->probe_in = PROBE_IN_THREAD;
	else
		usage_error("--probe-in: '%s' is not one of self, child, thread", v[0]);
}

static void opt_write(struct opts *opt, char **v)
{
	if (opt->n_writes >= MAX_ARGS)
		usage_error("too many %s options", "--write");
	opt->writes[opt->n_writes].file = v[0];
	opt->writes[opt->n_writes++].text = v[1];
}

static void opt_exit(struct opts *opt, char **v)
{
	char *end;
	long n = strtol(v[0], &end, 10);

	if (*end || end == v[0] || n < 0 || n > 255)
		usage_error("--exit: '%s' is not a number 0..255", v[0]);
	opt->exit_code = (int)n;
}

static void opt_sleep(struct opts *opt, char **v)
{
	char *end;

	opt->sleep_secs = strtod(v[0], &end);
	if (*end || end == v[0] || !(opt->sleep_secs >= 0))
		usage_error("--sleep: '%s' is not a number of seconds", v[0]);
}

static void opt_alloc(struct opts *opt, char **v)
{
	char *end;

	opt->alloc_mib = strtol(v[0], &end, 10);
	if (*end || end == v[0] || opt->alloc_mib <= 0 || opt->alloc_mib > 65536)
		usage_error("--alloc: '%s' is not a number of MiB", v[0]);
}

static void opt_spin(struct opts *opt, char **v)
{
	char *end;

	opt->spin_secs = strtod(v[0], &end);
	if (*end || end == v[0] || !(opt->spin_secs > 0))
		usage_error("--spin: '%s' is not a number of seconds", v[0]);
}

static const struct option_def {
	const char *name;
	int nargs;
	void (*handle)(struct opts *opt, char **v);
} options[] = {
	{ "--help", 0, opt_help },
	{ "--wait-signal", 0, opt_wait_signal },
	{ "--sysctl", 1, opt_sysctl },
	{ "--dev", 1, opt_dev },
	{ "--path", 1, opt_path },
	{ "--try-syscall", 1, opt_try_syscall },
	{ "--probe-in", 1, opt_probe_in },
	{ "--write", 2, opt_write },
	{ "--exit", 1, opt_exit },
	{ "--sleep", 1, opt_sleep },
	{ "--alloc", 1, opt_alloc },
	{ "--spin", 1, opt_spin },
};

static const struct option_def *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (!strcmp(options[i].name, name))
			return &options[i];
	return NULL;
}

static void parse_args(int argc, char **argv, struct opts *opt)
{
	int i;

	for (i = 1; i < argc; i++) {
		const struct option_def *d;
		int s;

		if (argv[i][0] != '-') {
			s = find_section(argv[i]);
			if (s < 0)
				usage_error("unknown section '%s'", argv[i]);
			opt->sections |= 1u << s;
			continue;
		}
		d = find_option(argv[i]);
		if (!d)
			usage_error("unknown option '%s'", argv[i]);
		if (i + d->nargs >= argc)
			usage_error("%s needs %d argument(s)", d->name, d->nargs);
		d->handle(opt, argv + i + 1);
		i += d->nargs;
	}
	if (!opt->sections)
		opt->sections = (1u << N_SECTIONS) - 1;
}

/* ---- actions after printing ----------------------------------------------------------------- */

static void do_writes(const struct opts *opt)
{
	struct out o = { 0 };
	int i;

	for (i = 0; i < opt->n_writes; i++) {
		const struct write_req *w = &opt->writes[i];
		size_t len = strlen(w->text);
		int fd = open(w->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
		int e = 0;

		if (fd < 0) {
			e = errno;
		} else {
			if (write(fd, w->text, len) != (ssize_t)len)
				e = errno ? errno : EIO;
			if (close(fd) < 0 && !e)
				e = errno;
		}
		emit(&o, "write.%s: %s", esc_str(w->file), e ? errstr(e) : "ok");
	}
	out_flush(&o, SOURCE_ORDER);
}

/* Memory that is really used: every page written, and held until exit, so
 * a memory.max below it makes the OOM killer act and memory.current shows
 * it while a later --sleep runs. */
static void do_alloc(long mib)
{
	size_t size = (size_t)mib << 20;
	char *p = malloc(size);

	if (!p) {
		printf("alloc: %s\n", errstr(errno));
		fflush(stdout);
		return;
	}
	for (size_t off = 0; off < size; off += 4096)
		p[off] = 1;
	printf("alloc: %ld MiB touched\n", mib);
	fflush(stdout);
}

/* Burn cpu for secs of wall-clock time (cpu.max throttling shows in cpu.stat). */
static void do_spin(double secs)
{
	struct timespec start, now;
	volatile unsigned long x = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 < secs);
	puts("spin: done");
	fflush(stdout);
}

static void do_sleep(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Signals are blocked before anything is printed, so a test that sends one
 * as soon as it sees "wait_signal: ready" cannot race the default action. */
static void block_signals(sigset_t *set)
{
	sigfillset(set);
	sigprocmask(SIG_BLOCK, set, NULL);
}

static void __attribute__((noreturn)) wait_for_signal(const sigset_t *set)
{
	const char *abbrev;
	int sig;

	puts("wait_signal: ready");
	fflush(stdout);
	do
		sig = sigwaitinfo(set, NULL);
	while (sig < 0 && errno == EINTR);
	if (sig < 0) {
		printf("signal: %s\n", errstr(errno));
		exit(3);
	}
	abbrev = sigabbrev_np(sig);
	if (abbrev)
		printf("signal: SIG%s\n", abbrev);
	else if (sig == SIGRTMIN)
		printf("signal: SIGRTMIN\n");
	else if (sig > SIGRTMIN)
		printf("signal: SIGRTMIN+%d\n", sig - SIGRTMIN);
	else
		printf("signal: %d\n", sig);
	exit(128 + sig);
}

int main(int argc, char **argv)
{
	struct opts opt;
	sigset_t sigs;
	size_t i;

	memset(&opt, 0, sizeof(opt));
	parse_args(argc, argv, &opt);
	if (opt.wait_signal)
		block_signals(&sigs);

	for (i = 0; i < N_SECTIONS; i++) {
		struct out o = { 0 };

		if (!(opt.sections & (1u << i)))
			continue;
		sections[i].run(&o, &opt);
		out_flush(&o, sections[i].order == SORTED);
	}
	do_writes(&opt);
	fflush(stdout);
	if (opt.alloc_mib > 0)
		do_alloc(opt.alloc_mib);
	if (opt.spin_secs > 0)
		do_spin(opt.spin_secs);

	if (opt.sleep_secs > 0)
		do_sleep(opt.sleep_secs);
	if (opt.wait_signal)
		wait_for_signal(&sigs);
	return opt.exit_code;
}
