/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/signals.h"

struct signal_name {
        const char *name; /* without "SIG" */
        int signo;
};

/* x86, arm, riscv and the other "generic" numbering; the first entry for
 * a number is its canonical name. */
static const struct signal_name signal_names[] = {
        { "HUP", 1 },     { "INT", 2 },     { "QUIT", 3 },    { "ILL", 4 },
        { "TRAP", 5 },    { "ABRT", 6 },    { "BUS", 7 },     { "FPE", 8 },
        { "KILL", 9 },    { "USR1", 10 },   { "SEGV", 11 },   { "USR2", 12 },
        { "PIPE", 13 },   { "ALRM", 14 },   { "TERM", 15 },   { "STKFLT", 16 },
        { "CHLD", 17 },   { "CONT", 18 },   { "STOP", 19 },   { "TSTP", 20 },
        { "TTIN", 21 },   { "TTOU", 22 },   { "URG", 23 },    { "XCPU", 24 },
        { "XFSZ", 25 },   { "VTALRM", 26 }, { "PROF", 27 },   { "WINCH", 28 },
        { "IO", 29 },     { "PWR", 30 },    { "SYS", 31 },
        { "IOT", 6 },     { "CLD", 17 },    { "POLL", 29 },
};

/* Canonical names, indexed by number; real-time ones as bash and crun
 * print them: SIGRTMIN+0..15, then SIGRTMAX-14..0. */
static const char *const canonical[KEEL_SIGNAL_MAX + 1] = {
        [1] = "SIGHUP",        [2] = "SIGINT",        [3] = "SIGQUIT",       [4] = "SIGILL",
        [5] = "SIGTRAP",       [6] = "SIGABRT",       [7] = "SIGBUS",        [8] = "SIGFPE",
        [9] = "SIGKILL",       [10] = "SIGUSR1",      [11] = "SIGSEGV",      [12] = "SIGUSR2",
        [13] = "SIGPIPE",      [14] = "SIGALRM",      [15] = "SIGTERM",      [16] = "SIGSTKFLT",
        [17] = "SIGCHLD",      [18] = "SIGCONT",      [19] = "SIGSTOP",      [20] = "SIGTSTP",
        [21] = "SIGTTIN",      [22] = "SIGTTOU",      [23] = "SIGURG",       [24] = "SIGXCPU",
        [25] = "SIGXFSZ",      [26] = "SIGVTALRM",    [27] = "SIGPROF",      [28] = "SIGWINCH",
        [29] = "SIGIO",        [30] = "SIGPWR",       [31] = "SIGSYS",
        [34] = "SIGRTMIN",     [35] = "SIGRTMIN+1",   [36] = "SIGRTMIN+2",   [37] = "SIGRTMIN+3",
        [38] = "SIGRTMIN+4",   [39] = "SIGRTMIN+5",   [40] = "SIGRTMIN+6",   [41] = "SIGRTMIN+7",
        [42] = "SIGRTMIN+8",   [43] = "SIGRTMIN+9",   [44] = "SIGRTMIN+10",  [45] = "SIGRTMIN+11",
        [46] = "SIGRTMIN+12",  [47] = "SIGRTMIN+13",  [48] = "SIGRTMIN+14",  [49] = "SIGRTMIN+15",
        [50] = "SIGRTMAX-14",  [51] = "SIGRTMAX-13",  [52] = "SIGRTMAX-12",  [53] = "SIGRTMAX-11",
        [54] = "SIGRTMAX-10",  [55] = "SIGRTMAX-9",   [56] = "SIGRTMAX-8",   [57] = "SIGRTMAX-7",
        [58] = "SIGRTMAX-6",   [59] = "SIGRTMAX-5",   [60] = "SIGRTMAX-4",   [61] = "SIGRTMAX-3",
        [62] = "SIGRTMAX-2",   [63] = "SIGRTMAX-1",   [64] = "SIGRTMAX",
};

const char *keel_signal_name(int signo)
{
        if (signo < 1 || signo > KEEL_SIGNAL_MAX)
                return NULL;
        return canonical[signo];
}

/* Digits only, no sign or spaces; values past 999 are clamped so that a
 * long string of digits cannot overflow. */
static bool parse_digits(const char *s, int *out)
{
        int v = 0;

        if (*s == '\0')
                return false;
        for (; *s != '\0'; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                if (v < 1000)
                        v = v * 10 + (*s - '0');
        }
        *out = v;
        return true;
}

/* "RTMIN", "RTMIN+n", "RTMAX-n", "RTMAX" (any case) to a number, which may
 * be out of range; false when s is not of that form. */
static bool parse_realtime(const char *s, int *out)
{
        int n = 0;

        if (strncasecmp(s, "RTMIN", 5) == 0) {
                if (s[5] != '\0' && (s[5] != '+' || !parse_digits(s + 6, &n)))
                        return false;
                *out = KEEL_SIGRTMIN + n;
                return true;
        }
        if (strncasecmp(s, "RTMAX", 5) == 0) {
                if (s[5] != '\0' && (s[5] != '-' || !parse_digits(s + 6, &n)))
                        return false;
                *out = KEEL_SIGRTMAX - n;
                return true;
        }
        return false;
}

int keel_signal_parse(const char *s, int *signo, struct keel_error **err)
{
        const char *name;
        size_t i;
        int n;

        *signo = 0;
        if (s == NULL || *s == '\0')
                return keel_error_set(err, 0, "signal must not be empty");

        if (parse_digits(s, &n)) {
                if (n > KEEL_SIGNAL_MAX)
                        return keel_error_set(err, 0, "signal %s is out of range (signals are 1 to %d, "
                                              "and 0 to check that the process exists)",
                                              s, KEEL_SIGNAL_MAX);
                *signo = n;
                return 0;
        }

        name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (i = 0; i < ARRAY_SIZE(signal_names); i++) {
                if (strcasecmp(name, signal_names[i].name) == 0) {
                        *signo = signal_names[i].signo;
                        return 0;
                }
        }
        if (parse_realtime(name, &n)) {
                if (n < KEEL_SIGRTMIN || n > KEEL_SIGRTMAX)
                        return keel_error_set(err, 0,
                                              "signal \"%s\" is out of range (real-time signals "
                                              "are SIGRTMIN to SIGRTMAX, %d to %d)",
                                              s, KEEL_SIGRTMIN, KEEL_SIGRTMAX);
                *signo = n;
                return 0;
        }
        return keel_error_set(err, 0, "unknown signal \"%s\"", s);
}

/* The kernel's struct sigaction (x86-64 and the generic layout): the raw
 * syscall, because glibc's sigaction refuses the two signals it keeps for
 * itself (32 and 33), which a caller may still have ignored. */
struct kernel_sigaction {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
};

void keel_signals_reset(void)
{
        struct kernel_sigaction dfl = { .handler = SIG_DFL };
        uint64_t none = 0;

        for (int sig = 1; sig <= KEEL_SIGNAL_MAX; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
        (void) syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, sizeof(none));
}
