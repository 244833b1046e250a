/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "container.h"
#include "linux/terminal.h"
#include "util/cleanup.h"

/* Signals `keel run` passes on to the container's init, as runc does. */
static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH };

static int wait_status_code(int status)
{
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return 1;
}

/* Wait for the init (keel is its subreaper), forwarding signals, reaping
 * any other orphan that lands on us.  Returns the exit code. */
static int wait_init(pid_t init, int sigfd, struct keel_error **err)
{
        for (;;) {
                struct pollfd p = { .fd = sigfd, .events = POLLIN };
                struct signalfd_siginfo si;
                int status;
                pid_t pid;

                while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
                        if (pid == init)
                                return wait_status_code(status);
                if (pid < 0 && errno == ECHILD)
                        return keel_error_setq(err, ECHILD, "lost the container init");
                if (poll(&p, 1, -1) < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "wait for the container");
                if (!(p.revents & POLLIN) || read(sigfd, &si, sizeof(si)) != sizeof(si))
                        continue;
                if (si.ssi_signo != SIGCHLD)
                        kill(init, (int) si.ssi_signo);
        }
}

int cmd_run(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        struct keel_created created = { .pid = 0, .console_master = -1 };
        struct keel_run_opts r = { .detach = false };
        struct keel_create_opts o;
        struct keel_store *store = NULL;
        _cleanup_close_ int sigfd = -1;
        sigset_t mask;
        int ret, code = 0;

        ret = keel_parse_create_opts(g, argc, argv, true, &o, &r, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        o.keep_console = !r.detach && o.console_socket == NULL;

        /* The init's parent exits during create; as subreaper keel gets it. */
        if (!r.detach && prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return keel_error_set(err, errno, "become subreaper");
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
                sigaddset(&mask, forwarded[i]);
        if (!r.detach) {
                sigprocmask(SIG_BLOCK, &mask, NULL);
                sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
                if (sigfd < 0)
                        return keel_error_set(err, errno, "signalfd");
        }

        ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = keel_container_create(store, &o, &created, err);
        if (ret == 0)
                ret = keel_container_start(store, o.id, err);
        if (ret < 0 || r.detach) {
                if (ret < 0 && created.pid > 0)
                        keel_container_delete(store, o.id, true, NULL);
                closep(&created.console_master);
                keel_store_close(store);
                return ret;
        }
        if (created.console_master >= 0) {
                _cleanup_close_ int pidfd = (int) syscall(SYS_pidfd_open, created.pid, 0);

                keel_terminal_relay(created.console_master, pidfd, NULL);
                closep(&created.console_master);
        }
        code = wait_init(created.pid, sigfd, err);
        if (code < 0)
                ret = code;
        else if (!r.keep)
                ret = keel_container_delete(store, o.id, true, err);
        keel_store_close(store);
        return ret < 0 ? ret : code;
}
