/* What runs after the sections are printed: --write, --alloc, --spin,
 * --sleep, --wait-signal. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"

void do_writes(const struct opts *opt)
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
	out_flush(&o, 0);	/* in the order given */
}

/* Memory that is really used: every page written, and held until exit, so
 * a memory.max below it makes the OOM killer act and memory.current shows
 * it while a later --sleep runs. */
void do_alloc(long mib)
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
void do_spin(double secs)
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

void do_sleep(double secs)
{
	struct timespec ts = { (time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Signals are blocked before anything is printed, so a test that sends one
 * as soon as it sees "wait_signal: ready" cannot race the default action. */
void block_signals(sigset_t *set)
{
	sigfillset(set);
	sigprocmask(SIG_BLOCK, set, NULL);
}

void wait_for_signal(const sigset_t *set)
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
