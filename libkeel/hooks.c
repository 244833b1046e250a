/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "lib-log.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/signals.h"


#define OUTPUT_TAIL 4096
/* After the hook exits, read at most this much more of what is still
 * buffered (or written by something it left running). */
#define OUTPUT_DRAIN_MAX (1024 * 1024)
/* Without a pidfd, how often to look whether the hook has exited. */
#define EXIT_POLL_MS 20

struct hook_child {
        pid_t pid;          /* 0 once reaped */
        int pidfd;          /* -1 when pidfd_open is unavailable */
        int in_w;           /* our end of the hook's stdin; -1 when done */
        int out_r;          /* our end of the hook's stdout+stderr; -1 at EOF */
        char tail[OUTPUT_TAIL];
        size_t tail_len;
        bool truncated;
};

static void output_append(struct hook_child *c, const char *buf, size_t n)
{
        if (n >= OUTPUT_TAIL) {
                c->truncated = c->truncated || c->tail_len > 0 || n > OUTPUT_TAIL;
                memcpy(c->tail, buf + n - OUTPUT_TAIL, OUTPUT_TAIL);
                c->tail_len = OUTPUT_TAIL;
                return;
        }
        if (c->tail_len + n > OUTPUT_TAIL) {
                size_t drop = c->tail_len + n - OUTPUT_TAIL;

                memmove(c->tail, c->tail + drop, c->tail_len - drop);
                c->tail_len -= drop;
                c->truncated = true;
        }
        memcpy(c->tail + c->tail_len, buf, n);
        c->tail_len += n;
}

/* Read what the hook wrote, at most max bytes: > 0 read something, 0
 * nothing more for now, < 0 EOF or error (and out_r is closed). */
static ssize_t output_pump(struct hook_child *c, size_t max)
{
        char buf[4096];
        size_t total = 0;

        while (c->out_r >= 0 && total < max) {
                ssize_t n = read(c->out_r, buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        break;
                if (n <= 0) {
                        closep(&c->out_r);
                        return total > 0 ? (ssize_t) total : -1;
                }
                output_append(c, buf, (size_t) n);
                total += (size_t) n;
        }
        return (ssize_t) total;
}

/* The hook is gone: take what is left in the pipe, but do not wait for
 * EOF, which a process the hook left behind could hold off forever. */
static void output_drain(struct hook_child *c)
{
        output_pump(c, OUTPUT_DRAIN_MAX);
        closep(&c->out_r);
}

/* The captured output as one line of a message: trailing blanks dropped,
 * control characters other than newline and tab shown as '?'. */
static char *output_render(const struct hook_child *c)
{
        size_t len = c->tail_len, i;
        char *s;

        while (len > 0 && (c->tail[len - 1] == '\n' || c->tail[len - 1] == ' ' ||
                           c->tail[len - 1] == '\t' || c->tail[len - 1] == '\r'))
                len--;
        if (len == 0)
                return NULL;
        s = malloc(len + 4);
        if (s == NULL)
                return NULL;
        i = 0;
        if (c->truncated) {
                memcpy(s, "...", 3);
                i = 3;
        }
        for (size_t j = 0; j < len; j++) {
                unsigned char ch = (unsigned char) c->tail[j];

                s[i++] = (ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f ? '?' : (char) ch;
        }
        s[i] = '\0';
        return s;
}

/* In the child, every fd above stdio must not survive execve. */
static void cloexec_from_3(void)
{
        char buf[4096] __attribute__((aligned(8)));
        long n;
        int dfd, fd;

        if (keel_close_range(3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return;
        dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                for (fd = 3; fd < 65536; fd++)
                        fcntl(fd, F_SETFD, FD_CLOEXEC);
                return;
        }
        while ((n = syscall(SYS_getdents64, dfd, buf, sizeof(buf))) > 0) {
                long off = 0;

                while (off < n) {
                        /* struct linux_dirent64: ino, off, reclen, type, name */
                        unsigned short reclen;
                        const char *name = buf + off + 19;

                        memcpy(&reclen, buf + off + 16, sizeof(reclen));
                        fd = 0;
                        for (; *name >= '0' && *name <= '9'; name++)
                                fd = fd * 10 + (*name - '0');
                        if (*name == '\0' && fd >= 3 && fd != dfd)
                                fcntl(fd, F_SETFD, FD_CLOEXEC);
                        off += reclen;
                }
        }
        close(dfd);
}

/* The hook's exec failed: tell the parent why. */
static void __attribute__((noreturn)) hook_child_fail(int errpipe)
{
        int e = errno;

        if (write(errpipe, &e, sizeof(e)) < 0)
                _exit(127);
        _exit(127);
}

/* Runs in the forked child: only async-signal-safe calls from here on. */
static void __attribute__((noreturn))
hook_child_exec(const char *path, char *const *argv, char *const *envp, int in_r, int out_w,
                int errpipe, int cwd)
{
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigset_t none;
        int sig;

        setpgid(0, 0);
        for (sig = 1; sig < NSIG; sig++)
                sigaction(sig, &dfl, NULL);
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);

        /* Before the dup2s below, which could close cwd if it is 0-2. */
        if (cwd >= 0 && fchdir(cwd) < 0)
                hook_child_fail(errpipe);
        /* An fd we are about to dup2 over must not be one of 0-2 itself. */
        if (in_r < 3)
                in_r = fcntl(in_r, F_DUPFD_CLOEXEC, 3);
        if (out_w < 3)
                out_w = fcntl(out_w, F_DUPFD_CLOEXEC, 3);
        if (errpipe < 3)
                errpipe = fcntl(errpipe, F_DUPFD_CLOEXEC, 3);
        if (in_r < 0 || out_w < 0 || errpipe < 0 || dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 ||
            dup2(out_w, 2) < 0)
                hook_child_fail(errpipe);
        cloexec_from_3();
        execve(path, argv, envp);
        hook_child_fail(errpipe);
}

/* Fork and exec the hook; on success c holds the child and our pipe ends. */
static int hook_spawn(const char *path, char *const *argv, char *const *envp, const char *cwd,
                      struct hook_child *c, const char *what, struct keel_error **err)
{
        _cleanup_close_ int in_r = -1, in_w = -1, out_r = -1, out_w = -1, err_r = -1, err_w = -1;
        _cleanup_close_ int cwd_fd = -1;
        int fds[2], exec_errno = 0, fork_errno;
        sigset_t all, saved;
        ssize_t n;
        pid_t pid;

        if (cwd != NULL) {
                cwd_fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (cwd_fd < 0)
                        return keel_error_set(err, errno, "%s: working directory %s", what, cwd);
        }
        if (pipe2(fds, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "%s: create stdin pipe", what);
        in_r = fds[0];
        in_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "%s: create output pipe", what);
        out_r = fds[0];
        out_w = fds[1];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "%s: create exec status pipe", what);
        err_r = fds[0];
        err_w = fds[1];

        /* No handler of keel's may run in the child before it resets them. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &saved);
        pid = fork();
        if (pid == 0)
                hook_child_exec(path, argv, envp, in_r, out_w, err_w, cwd_fd);
        fork_errno = errno;
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        if (pid < 0)
                return keel_error_set(err, fork_errno, "%s: fork", what);

        /* Also from here, so the group exists before we could ever kill it. */
        setpgid(pid, pid);
        closep(&err_w);
        closep(&in_r);
        closep(&out_w);
        do
                n = read(err_r, &exec_errno, sizeof(exec_errno));
        while (n < 0 && errno == EINTR);
        if (n > 0) {
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
                return keel_error_set(err, n == sizeof(exec_errno) ? exec_errno : EIO,
                                      "%s: execute", what);
        }

        c->pid = pid;
        c->pidfd = -1;
        c->pidfd = keel_pidfd_open(pid, 0); /* always O_CLOEXEC */
        fcntl(in_w, F_SETFL, O_NONBLOCK);
        fcntl(out_r, F_SETFL, O_NONBLOCK);
        c->in_w = take_fd(&in_w);
        c->out_r = take_fd(&out_r);
        return 0;
}

/* SIGKILL the hook's process group and reap the hook. */
static void hook_kill(struct hook_child *c, int *status)
{
        int st = 0;

        if (c->pid <= 0)
                return;
        kill(-c->pid, SIGKILL);
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &st, 0) < 0 && errno == EINTR)
                ;
        c->pid = 0;
        if (status != NULL)
                *status = st;
}

static void hook_child_release(struct hook_child *c)
{
        hook_kill(c, NULL);
        closep(&c->pidfd);
        closep(&c->in_w);
        closep(&c->out_r);
}

static int64_t now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Give the hook as much of its stdin as the pipe takes now; close the
 * pipe once all is written or the hook stopped reading (EPIPE). */
static int stdin_feed(struct hook_child *c, const char *data, size_t len, size_t *off,
                      const char *what, struct keel_error **err)
{
        ssize_t n;

        if (c->in_w < 0)
                return 0;
        n = write(c->in_w, data + *off, len - *off);
        if (n > 0)
                *off += (size_t) n;
        else if (n < 0 && errno == EPIPE)
                *off = len;
        else if (n < 0 && errno != EAGAIN && errno != EINTR)
                return keel_error_set(err, errno, "%s: write the state to the hook's stdin", what);
        if (*off == len)
                closep(&c->in_w);
        return 0;
}

/* Feed stdin, collect output, and wait for the hook until it exits or
 * the deadline (ms on the monotonic clock, -1 for none) passes. */
static int hook_supervise(struct hook_child *c, const char *data, size_t len, int64_t deadline,
                          int *status, bool *timed_out, const char *what, struct keel_error **err)
{
        size_t off = 0;
        int ret;

        if (len == 0)
                closep(&c->in_w);
        for (;;) {
                struct pollfd p[3];
                nfds_t np = 0;
                int wait_ms = -1;
                pid_t w;

                if (c->pidfd >= 0)
                        p[np++] = (struct pollfd){ .fd = c->pidfd, .events = POLLIN };
                if (c->in_w >= 0)
                        p[np++] = (struct pollfd){ .fd = c->in_w, .events = POLLOUT };
                if (c->out_r >= 0)
                        p[np++] = (struct pollfd){ .fd = c->out_r, .events = POLLIN };
                if (deadline >= 0) {
                        int64_t left = deadline - now_ms();

                        if (left <= 0) {
                                *timed_out = true;
                                hook_kill(c, status);
                                output_drain(c);
                                return 0;
                        }
                        wait_ms = left > INT32_MAX ? INT32_MAX : (int) left;
                }
                if (c->pidfd < 0 && (wait_ms < 0 || wait_ms > EXIT_POLL_MS))
                        wait_ms = EXIT_POLL_MS;
                if (poll(p, np, wait_ms) < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "%s: wait for the hook", what);

                ret = stdin_feed(c, data, len, &off, what, err);
                if (ret < 0)
                        return ret;
                output_pump(c, 16 * OUTPUT_TAIL);

                w = waitpid(c->pid, status, WNOHANG);
                if (w < 0 && errno == ECHILD) {
                        /* Reaped behind our back: its pid may be reused,
                         * so it must not be signalled any more. */
                        c->pid = 0;
                        return keel_error_set(err, ECHILD, "%s: wait for the hook", what);
                }
                if (w < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "%s: wait for the hook", what);
                if (w == c->pid) {
                        c->pid = 0;
                        output_drain(c);
                        return 0;
                }
        }
}

static int hook_report(const char *what, int status, bool timed_out, int timeout,
                       const struct hook_child *c, struct keel_error **err)
{
        _cleanup_free_ char *out = output_render(c);
        _cleanup_free_ char *why = NULL;
        const char *signame;
        int r;

        if (timed_out)
                r = asprintf(&why, "timed out after %d s", timeout);
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        else if (WIFEXITED(status))
                r = asprintf(&why, "exited with status %d", WEXITSTATUS(status));
        else if (WIFSIGNALED(status) && (signame = keel_signal_name(WTERMSIG(status))) != NULL)
                r = asprintf(&why, "killed by signal %s%s", signame,
                             WCOREDUMP(status) ? " (core dumped)" : "");
        else if (WIFSIGNALED(status))
                r = asprintf(&why, "killed by signal %d%s", WTERMSIG(status),
                             WCOREDUMP(status) ? " (core dumped)" : "");
        else
                r = asprintf(&why, "ended with wait status %#x", (unsigned) status);
        if (r < 0)
                return keel_error_set(err, ENOMEM, "%s: failed", what);
        if (out != NULL)
                return keel_error_set(err, 0, "%s: %s, output: %s", what, why, out);
        return keel_error_set(err, 0, "%s: %s", what, why);
}

int keel_hook_run(const struct keel_hook_exec *h, const char *stdin_data, size_t stdin_len,
                  const char *hook_kind, struct keel_error **err)
{
        struct hook_child c = { .pid = 0, .pidfd = -1, .in_w = -1, .out_r = -1 };
        char *default_argv[2] = { NULL, NULL };
        char *empty_env[1] = { NULL };
        _cleanup_free_ char *what = NULL;
        char *const *argv, *const *envp;
        sigset_t pipe_set, old_mask, pending;
        bool pipe_was_pending, timed_out = false;
        const char *kind = hook_kind != NULL ? hook_kind : "", *sep = hook_kind != NULL ? " " : "";
        int status = 0, ret;

        if (h == NULL || h->path == NULL || h->path[0] == '\0')
                return keel_error_set(err, 0, "%s%shook: path must not be empty", kind, sep);
        if (asprintf(&what, "%s%shook %s", kind, sep, h->path) < 0)
                return keel_error_set(err, ENOMEM, "run %s%shook %s", kind, sep, h->path);
        if (h->path[0] != '/')
                return keel_error_set(err, 0, "%s: path must be absolute", what);
        if (h->timeout < 0)
                return keel_error_set(err, 0, "%s: timeout %d must be greater than zero", what,
                                      h->timeout);
        if (stdin_data == NULL)
                stdin_len = 0;

        default_argv[0] = (char *) h->path;
        argv = h->args != NULL && h->args[0] != NULL ? h->args : default_argv;
        envp = h->env != NULL ? h->env : empty_env;

        /* A hook that exits without reading its stdin makes our write fail
         * with EPIPE; the SIGPIPE that comes with it must not kill keel. */
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        sigpending(&pending);
        pipe_was_pending = sigismember(&pending, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

        ret = hook_spawn(h->path, argv, envp, h->cwd, &c, what, err);
        if (ret == 0) {
                int64_t deadline = h->timeout > 0 ? now_ms() + (int64_t) h->timeout * 1000 : -1;

                ret = hook_supervise(&c, stdin_data, stdin_len, deadline, &status, &timed_out,
                                     what, err);
        }
        hook_child_release(&c);

        sigpending(&pending);
        if (!pipe_was_pending && sigismember(&pending, SIGPIPE)) {
                struct timespec zero = { 0, 0 };

                sigtimedwait(&pipe_set, NULL, &zero);
        }
        pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

        if (ret < 0)
                return ret;
        return hook_report(what, status, timed_out, h->timeout, &c, err);
}

int keel_hooks_run_list(const struct keel_hook_list *list, int kind, const char *state,
                        size_t state_len, bool warn_only, struct keel_error **err)
{
        return keel_hooks_run_list_in(list, kind, NULL, state, state_len, warn_only, err);
}

int keel_hooks_run_list_in(const struct keel_hook_list *list, int kind, const char *cwd,
                           const char *state, size_t state_len, bool warn_only,
                           struct keel_error **err)
{
        const char *name = keel_hook_kind_name(kind);

        if (list == NULL)
                return 0;
        for (size_t i = 0; i < list->n; i++) {
                const struct keel_hook *h = &list->hooks[i];
                struct keel_hook_exec e = {
                        .path = h->path,
                        .args = h->n_args ? h->args : NULL,
                        .env = h->env,
                        .timeout = h->has_timeout ? h->timeout : 0,
                        .cwd = cwd,
                };
                struct keel_error *herr = NULL;
                int ret;

                ret = keel_hook_run(&e, state, state_len, name, &herr);
                if (ret == 0)
                        continue;
                if (!warn_only) {
                        if (err != NULL && *err == NULL)
                                *err = herr;
                        else
                                keel_error_free(herr);
                        return ret;
                }
                keel_warn("%s", herr->msg);
                keel_error_free(herr);
        }
        return 0;
}
