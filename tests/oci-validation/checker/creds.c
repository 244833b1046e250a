/* Sections about who the process is and what it may do: ids, caps,
 * seccomp (with no_new_privs) and the signals it starts with. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "checker.h"

#define CAP_LAST_KNOWN 40

/* ---- ids ---------------------------------------------------------------- */

static int cmp_gid(const void *a, const void *b)
{
	gid_t x = *(const gid_t *)a, y = *(const gid_t *)b;

	return x < y ? -1 : x > y;
}

void section_ids(struct out *o, const struct opts *opt UNUSED)
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
void section_caps(struct out *o, const struct opts *opt UNUSED)
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

void section_seccomp(struct out *o, const struct opts *opt UNUSED)
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
void section_signals(struct out *o, const struct opts *opt UNUSED)
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
