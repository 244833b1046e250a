/* keel-checker's private header: the options every section reads, the
 * output lines they emit, and the sections themselves.  See main.c. */
#ifndef KEEL_CHECKER_H
#define KEEL_CHECKER_H

#include <stddef.h>
#include <signal.h>
#include <stdio.h>

#define MAX_ARGS 64
#define UNUSED __attribute__((unused))

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

/* ---- output.c: lines collected per section, sorted unless told not to --- */

struct out {
	char **lines;
	size_t n, cap;
};

enum order { SORTED, SOURCE_ORDER };

__attribute__((format(printf, 2, 3)))
void emit(struct out *o, const char *fmt, ...);
void out_flush(struct out *o, int sorted);
int cmp_str(const void *a, const void *b);

/* esc() and errstr() return static buffers: one value per emit(). */
const char *esc(const char *s, size_t len);
const char *esc_str(const char *s);
const char *errstr(int e);

int proc_available(void);
int read_small(const char *path, char *buf, size_t size);

/* ---- sections: each emits its facts into o ------------------------------ */

/* creds.c */
void section_ids(struct out *o, const struct opts *opt);
void section_caps(struct out *o, const struct opts *opt);
void section_seccomp(struct out *o, const struct opts *opt);
void section_signals(struct out *o, const struct opts *opt);

/* process.c */
void section_rlimits(struct out *o, const struct opts *opt);
void section_env(struct out *o, const struct opts *opt);
void section_cwd(struct out *o, const struct opts *opt);
void section_uts(struct out *o, const struct opts *opt);
void section_fds(struct out *o, const struct opts *opt);
void section_process(struct out *o, const struct opts *opt);
void section_sched(struct out *o, const struct opts *opt);

/* namespaces.c */
void section_ns(struct out *o, const struct opts *opt);
void section_mounts(struct out *o, const struct opts *opt);
void section_cgroup(struct out *o, const struct opts *opt);
void section_sysctl(struct out *o, const struct opts *opt);

/* paths.c */
void section_devices(struct out *o, const struct opts *opt);
void section_paths(struct out *o, const struct opts *opt);

/* probe.c */
void section_seccomp_probe(struct out *o, const struct opts *opt);
int probe_exists(const char *name);
void print_probe_names(FILE *f);

/* ---- actions.c: what runs after the sections are printed ---------------- */

void do_writes(const struct opts *opt);
void do_alloc(long mib);
void do_spin(double secs);
void do_sleep(double secs);
void block_signals(sigset_t *set);
__attribute__((noreturn))
void wait_for_signal(const sigset_t *set);

#endif
