/* Sections about what the process is placed in: namespaces, mounts,
 * cgroup and namespaced sysctls. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"

/* ---- ns ----------------------------------------------------------------- */

static const char *const ns_names[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children",
	"time", "time_for_children", "user", "uts",
};

void section_ns(struct out *o, const struct opts *opt UNUSED)
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

void section_mounts(struct out *o, const struct opts *opt UNUSED)
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

/* ---- cgroup ------------------------------------------------------------------ */

void section_cgroup(struct out *o, const struct opts *opt UNUSED)
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

/* ---- sysctl ---------------------------------------------------------------------- */

void section_sysctl(struct out *o, const struct opts *opt)
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
