/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sig-exec: run a command with exactly the signal state a test asks for.
 *
 *   sig-exec [--ignore-all] [--ignore N,...] [--block N,...] -- CMD [ARGS...]
 *
 * Every signal is first set back to its default and unblocked, then the
 * given ones are ignored or blocked, then CMD is executed (dispositions of
 * SIG_IGN and the mask survive execve).  Through the raw syscalls: glibc's
 * sigaction refuses the two signals it keeps for itself (32 and 33), which
 * a caller (a Go or Rust supervisor, a CI runner) may still have ignored,
 * and which shells and python therefore can neither set nor clear. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ksigaction {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        uint64_t mask;
};

static int set(int sig, void (*handler)(int))
{
        struct ksigaction sa = { .handler = handler };

        return (int) syscall(SYS_rt_sigaction, sig, &sa, NULL, sizeof(sa.mask));
}

static uint64_t parse_list(const char *s)
{
        uint64_t bits = 0;
        char *end;

        while (*s) {
                long n = strtol(s, &end, 10);

                if (end == s || n < 1 || n > 64) {
                        fprintf(stderr, "sig-exec: bad signal list \"%s\"\n", s);
                        exit(2);
                }
                bits |= 1ULL << (n - 1);
                s = *end == ',' ? end + 1 : end;
        }
        return bits;
}

int main(int argc, char **argv)
{
        uint64_t ignore = 0, block = 0;
        int i;

        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strcmp(argv[i], "--ignore-all") == 0)
                        ignore = ~0ULL;
                else if (strcmp(argv[i], "--ignore") == 0 && i + 1 < argc)
                        ignore |= parse_list(argv[++i]);
                else if (strcmp(argv[i], "--block") == 0 && i + 1 < argc)
                        block |= parse_list(argv[++i]);
                else {
                        fprintf(stderr, "usage: sig-exec [--ignore-all] [--ignore N,...] "
                                        "[--block N,...] -- CMD [ARGS...]\n");
                        return 2;
                }
        }
        if (i + 1 >= argc) {
                fprintf(stderr, "sig-exec: no command\n");
                return 2;
        }
        for (int sig = 1; sig <= 64; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                set(sig, (ignore >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL);
        }
        if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &block, NULL, sizeof(block)) < 0) {
                perror("sig-exec: rt_sigprocmask");
                return 125;
        }
        execvp(argv[i + 1], &argv[i + 1]);
        perror("sig-exec: exec");
        return 127;
}
