/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the C library's start-up costs on this machine, before main(): it
 * asks the processor what it is with the cpuid instruction (glibc's
 * cpu-features and cache-size probing), and in a virtual machine every
 * cpuid is a trap to the hypervisor.
 *
 *   startup [PROGRAM [ARG...]]
 *
 * Runs PROGRAM (default: this program, built static, which returns from
 * main at once, so what runs is the C library's start-up and exit alone)
 * one instruction at a time under ptrace, counting its cpuid instructions
 * (its children are not followed), then times the instruction itself.
 * Prints two lines for bench/timeline.sh:
 *
 *   cpuid-count K     cpuid instructions PROGRAM executed
 *   cpuid-ns N        median cost of one here, in nanoseconds
 *
 * x86-64 only; needs ptrace of its own child (root or ptrace_scope 0..1).
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>

#define EMPTY_FLAG "--empty"
#define ROUNDS 9
#define PER_ROUND 500

static void __attribute__((noreturn)) die(const char *what)
{
        fprintf(stderr, "startup: %s: %s\n", what, strerror(errno));
        exit(1);
}

static double now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec * 1e9 + (double) t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
        double x = *(const double *) a, y = *(const double *) b;

        return (x > y) - (x < y);
}

/* The cpuid instructions the traced child executes until it exits.  The
 * child stops after its exec (PTRACE_TRACEME); each step runs one
 * instruction, and the two bytes at rip say whether it is cpuid (0f a2).
 * A signal the child receives is passed on with the next step. */
static long count_cpuid(char **argv)
{
        long n = 0;
        int status, sig = 0;
        pid_t pid = fork();

        if (pid < 0)
                die("fork");
        if (pid == 0) {
                if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
                        die("ptrace(PTRACE_TRACEME)");
                execvp(argv[0], argv);
                fprintf(stderr, "startup: %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                die("waitpid");
        while (WIFSTOPPED(status)) {
                struct user_regs_struct regs;
                long word;

                if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) < 0)
                        die("ptrace(PTRACE_GETREGS)");
                errno = 0;
                word = ptrace(PTRACE_PEEKTEXT, pid, (void *) regs.rip, NULL);
                if (errno == 0 && (word & 0xffff) == 0xa20f)
                        n++;
                if (ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *) (long) sig) < 0)
                        die("ptrace(PTRACE_SINGLESTEP)");
                if (waitpid(pid, &status, 0) < 0)
                        die("waitpid");
                sig = WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP ? WSTOPSIG(status) : 0;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
                fprintf(stderr, "startup: %s did not run to its end\n", argv[0]);
                exit(1);
        }
        return n;
}

/* The median, over ROUNDS rounds, of one cpuid's time (leaf 0, the vendor:
 * glibc's first question). */
static double cpuid_ns(void)
{
        double per[ROUNDS];
        unsigned int a, b, c, d;
        int r, i;

        for (r = 0; r < ROUNDS; r++) {
                double t0 = now_ns();

                for (i = 0; i < PER_ROUND; i++)
                        __cpuid_count(0, 0, a, b, c, d);
                per[r] = (now_ns() - t0) / PER_ROUND;
        }
        (void) a, (void) b, (void) c, (void) d;
        qsort(per, ROUNDS, sizeof(per[0]), cmp_double);
        return per[ROUNDS / 2];
}

int main(int argc, char **argv)
{
        char *self[] = { "/proc/self/exe", EMPTY_FLAG, NULL };

        if (argc > 1 && strcmp(argv[1], EMPTY_FLAG) == 0)
                return 0;
        printf("cpuid-count %ld\n", count_cpuid(argc > 1 ? argv + 1 : self));
        printf("cpuid-ns %.0f\n", cpuid_ns());
        return 0;
}
#else
int main(void)
{
        fprintf(stderr, "startup: counts x86-64's cpuid instruction: not this architecture\n");
        return 1;
}
#endif
