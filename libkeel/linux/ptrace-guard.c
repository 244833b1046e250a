/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/ptrace-guard.h"
#include "util/cleanup.h"

int keel_ptrace_guard_start(struct keel_ptrace_guard *g, pid_t stage1, struct keel_error **err)
{
        sigset_t chld;

        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &chld, &g->saved) < 0)
                return keel_error_set(err, errno, "block SIGCHLD");
        g->sigfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
        if (g->sigfd < 0) {
                int e = errno;

                sigprocmask(SIG_SETMASK, &g->saved, NULL);
                return keel_error_set(err, e, "signalfd for SIGCHLD");
        }
        if (ptrace(PTRACE_SEIZE, stage1, NULL,
                   (void *) (long) (PTRACE_O_TRACEFORK | PTRACE_O_EXITKILL)) < 0) {
                int e = errno;

                keel_ptrace_guard_end(g);
                return keel_error_set(err, e, "ptrace stage 1 (to keep others from attaching to "
                                      "the init in the pid namespace it joins)");
        }
        g->stage1 = stage1;
        g->child = 0;
        return 0;
}

/* A ptrace-stop of pid, reported by waitpid: resume it.  Events (the fork,
 * the new child's first stop) resume with no signal; a signal-delivery
 * stop gets its signal; a group-stop (PTRACE_GETSIGINFO fails) is not
 * kept: nothing may stop keel's setup half way. */
static void resume(pid_t pid, int status)
{
        siginfo_t si;
        long sig = 0;

        if ((status >> 16) == 0 && ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0)
                sig = WSTOPSIG(status);
        ptrace(PTRACE_CONT, pid, NULL, (void *) sig);
}

/* One pending stop of pid, if any; false when there was none (or pid is
 * gone). */
static bool serve_one(struct keel_ptrace_guard *g, pid_t pid)
{
        unsigned long msg;
        int status;
        pid_t r;

        /* Stage 1 is our child: only its stops, never its exit (adopt_init
         * reaps it).  The init is a tracee only: waitpid reports its
         * stops, and its death while traced. */
        if (pid == g->stage1) {
                siginfo_t si = { 0 };

                if (waitid(P_PID, pid, &si, WSTOPPED | WNOHANG | __WALL) < 0 || si.si_pid != pid)
                        return false;
                if (si.si_code != CLD_TRAPPED) {
                        ptrace(PTRACE_CONT, pid, NULL, NULL);
                        return true;
                }
                /* For a ptrace-stop, si_status is what waitpid's status
                 * holds above its low byte: (event << 8) | signal. */
                status = (si.si_status << 8) | 0x7f;
                if ((status >> 16) == PTRACE_EVENT_FORK &&
                    ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0)
                        g->child = (pid_t) msg;
                resume(pid, status);
                return true;
        }
        r = waitpid(pid, &status, WNOHANG | __WALL);
        if (r != pid)
                return false;
        if (!WIFSTOPPED(status)) {
                g->child = -1;
                return false;
        }
        /* Its forks (hooks, the seccomp helper) are not keel's to trace. */
        if ((status >> 16) == PTRACE_EVENT_STOP)
                ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *) (long) PTRACE_O_EXITKILL);
        resume(pid, status);
        return true;
}

void keel_ptrace_guard_serve(struct keel_ptrace_guard *g)
{
        struct signalfd_siginfo si;
        bool busy;

        if (g->sigfd < 0)
                return;
        while (read(g->sigfd, &si, sizeof(si)) == sizeof(si))
                ;
        do {
                busy = false;
                if (g->stage1 > 0 && serve_one(g, g->stage1))
                        busy = true;
                if (g->child > 0 && serve_one(g, g->child))
                        busy = true;
        } while (busy);
}

int keel_ptrace_guard_release(struct keel_ptrace_guard *g, struct keel_error **err)
{
        siginfo_t si;
        int status;
        long sig = 0;

        if (g->sigfd < 0 || g->child <= 0)
                return 0;
        /* PTRACE_DETACH wants a stopped tracee: the init is waiting for
         * keel's answer, so stop it. */
        if (ptrace(PTRACE_INTERRUPT, g->child, NULL, NULL) < 0)
                return errno == ESRCH ? 0 : keel_error_set(err, errno, "stop the init to detach");
        for (;;) {
                if (waitpid(g->child, &status, __WALL) < 0) {
                        if (errno == EINTR)
                                continue;
                        return keel_error_set(err, errno, "wait for the init to stop");
                }
                if (!WIFSTOPPED(status))
                        return 0;
                break;
        }
        if ((status >> 16) == 0 && ptrace(PTRACE_GETSIGINFO, g->child, NULL, &si) == 0)
                sig = WSTOPSIG(status);
        if (ptrace(PTRACE_DETACH, g->child, NULL, (void *) sig) < 0 && errno != ESRCH)
                return keel_error_set(err, errno, "detach from the init");
        g->child = 0;
        return 0;
}

void keel_ptrace_guard_end(struct keel_ptrace_guard *g)
{
        if (g->sigfd < 0)
                return;
        closep(&g->sigfd);
        sigprocmask(SIG_SETMASK, &g->saved, NULL);
}
