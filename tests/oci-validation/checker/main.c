/* keel-checker: runs as a container's process and prints what that process
 * really sees, one "key: value" fact per line, so conformance tests can
 * compare a config.json with reality.  Static, libc only; the output format
 * is documented in README.md in tests/oci-validation/ and in usage().
 *
 * This file holds the sections table, option parsing and main(); the
 * sections live by concern in creds.c, process.c, namespaces.c, paths.c and
 * probe.c, the output helpers in output.c, the after-printing actions in
 * actions.c, and checker.h is what they share. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"

/* ---- sections table -------------------------------------------------------------------- */

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
	print_probe_names(f);
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
	if (!probe_exists(v[0]))
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
