/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

/* Signals an attached keel passes on to the container's process, as runc
 * does. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };

int keel_cli_prepare_wait(int *sigfd, struct keel_error **err)
{
        sigset_t mask;

        /* The process's parent exits during create/exec; as subreaper keel
         * inherits it and can wait for it. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return keel_error_set(err, errno, "become subreaper");
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                sigaddset(&mask, forwarded[i]);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        *sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
        if (*sigfd < 0)
                return keel_error_set(err, errno, "signalfd");
        return 0;
}

static int wait_status_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

int keel_cli_wait(pid_t target, int sigfd, struct keel_error **err)
{
        for (;;) {
                struct pollfd p = { .fd = sigfd, .events = POLLIN };
                struct signalfd_siginfo si;
                int status;
                pid_t pid;

                while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                        if (pid == target)
                                return wait_status_code(status);
                if (pid < 0 && errno == ECHILD)
                        return keel_error_setq(err, ECHILD, "lost the container process");
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "wait for the container");
                if (!(p.revents & POLLIN) || read(sigfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo != SIGCHLD)
                        kill(target, (int) si.ssi_signo);
        }
}

int keel_cli_attach(struct keel_created *c, int sigfd, struct keel_error **err)
{
        if (c->console_master >= 0) {
                _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, c->pid, 0);

                keel_terminal_relay(c->console_master, pidfd, NULL);
                closep(&c->console_master);
        }
        return keel_cli_wait(c->pid, sigfd, err);
}
