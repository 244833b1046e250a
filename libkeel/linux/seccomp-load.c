/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Loading the compiled filter, and handing its notify fd with the
 * container process state to linux.seccomp.listenerPath. */

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/seccomp.h"
#include "linux/seccomp-filter.h"
#include "util/cleanup.h"
#include "util/socket.h"
#include "util/syscall.h"

/* ---- the listener ---------------------------------------------------------- */

int keel_seccomp_listener_connect(const char *path, int *sock, struct keel_error **err)
{
        struct sockaddr_un sa;
        int fd, r;

        *sock = -1;
        if (strlen(path) >= sizeof(sa.sun_path))
                return keel_error_setq(err, ENAMETOOLONG, "linux.seccomp.listenerPath: %s is "
                                       "longer than a socket address holds (%zu bytes)", path,
                                       sizeof(sa.sun_path) - 1);
        r = keel_unix_address(path, &sa, &fd);  /* short enough: fd stays -1 */
        fd = r < 0 ? r : keel_unix_connect(&sa);
        if (fd < 0)
                return keel_error_set(err, -fd, "linux.seccomp.listenerPath: connect to %s", path);
        *sock = fd;
        return 0;
}

/* No allocation and no error object: the hand-off helper calls it too.
 * The fd goes with the first bytes, as the spec requires. */
static int send_state(int sock, int notify_fd, const char *state)
{
        size_t len = strlen(state), done;
        ssize_t n;

        if (len == 0)
                return -EINVAL;
        n = keel_send_fd(sock, notify_fd, state, len);
        if (n < 0)
                return (int) n;
        for (done = (size_t) n; done < len; done += (size_t) n) {
                n = send(sock, state + done, len - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR)
                        n = 0;
                else if (n < 0)
                        return -errno;
        }
        return 0;
}

int keel_seccomp_send_state(int sock, int notify_fd, const char *process_state,
                            struct keel_error **err)
{
        int r = send_state(sock, notify_fd, process_state);

        if (r < 0)
                return keel_error_set(err, -r,
                                      "send the seccomp notify fd to linux.seccomp.listenerPath");
        return 0;
}

int keel_seccomp_send_listener(const char *path, int notify_fd, const char *process_state,
                               struct keel_error **err)
{
        _cleanup_close_ int sock = -1;
        int r = keel_seccomp_listener_connect(path, &sock, err);

        if (r == 0)
                r = keel_seccomp_send_state(sock, notify_fd, process_state, err);
        return r;
}

/* ---- loading ------------------------------------------------------------- */

#define SLOT_EMPTY (-1)
#define SLOT_FAILED (-2)

static int load_error(int errnum, struct keel_error **err)
{
        if (errnum == EACCES)
                return keel_error_set(err, errnum, "load the seccomp filter "
                                      "(no no_new_privs and no CAP_SYS_ADMIN)");
        return keel_error_set(err, errnum, "load the seccomp filter");
}

/* The helper: unfiltered, as it exists before the filter, and sharing the
 * init's fd table, so the fd number the init publishes in *slot is valid
 * here, and its close of the socket closes it for the init too: the agent
 * sees the end of the state as soon as it is sent.  Waits at most about
 * 5 s; exits 0 or with an errno. */
static void __attribute__((noreturn)) hand_off(int *slot, const struct keel_seccomp_listener *l)
{
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 100 * 1000 };
        int fd = SLOT_EMPTY, r = 0;

        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        for (int i = 0; i < 50000; i++) {
                fd = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
                if (fd != SLOT_EMPTY)
                        break;
                nanosleep(&pause, NULL);
        }
        if (fd == SLOT_EMPTY)
                r = -ETIMEDOUT;
        else if (fd >= 0)
                r = send_state(l->sock, fd, l->state);
        close(l->sock);
        _exit(-r);
}

/* Returns the notify fd or a negative errno. */
static int load_and_hand_off(const struct keel_seccomp_filter *f, struct sock_fprog *prog,
                             const struct keel_seccomp_listener *l, struct keel_error **err)
{
        int *slot, fd, load_errno, wait_errno, status = 0;
        pid_t helper, w;

        slot = mmap(NULL, sizeof(*slot), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        helper = slot == MAP_FAILED ? -1 : 0;
        if (helper == 0) {
                *slot = SLOT_EMPTY;
                helper = keel_clone(CLONE_FILES | SIGCHLD);
        }
        if (helper < 0) {
                int e = errno;

                if (slot != MAP_FAILED)
                        munmap(slot, sizeof(*slot));
                close(l->sock);
                return keel_error_set(err, e, "start the seccomp notify fd helper");
        }
        if (helper == 0)
                hand_off(slot, l);

        fd = (int) keel_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, prog);
        load_errno = errno;
        /* No syscall between the load and this store: nothing for the
         * profile to deny or to hold for an agent without the fd. */
        __atomic_store_n(slot, fd >= 0 ? fd : SLOT_FAILED, __ATOMIC_RELEASE);
        do
                w = waitpid(helper, &status, 0);
        while (w < 0 && errno == EINTR);
        wait_errno = errno;
        munmap(slot, sizeof(*slot));
        if (fd < 0)
                return load_error(load_errno, err);
        if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                close(fd);
                if (w < 0)
                        return keel_error_set(err, wait_errno,
                                              "wait for the seccomp notify fd helper");
                if (!WIFEXITED(status))
                        return keel_error_setq(err, EIO,
                                               "the seccomp notify fd helper died of signal %d",
                                               WTERMSIG(status));
                return keel_error_set(err, WEXITSTATUS(status),
                                      "send the seccomp notify fd to linux.seccomp.listenerPath");
        }
        return fd;
}

int keel_seccomp_load(const struct keel_seccomp_filter *f,
                      const struct keel_seccomp_listener *listener, int *notify_fd,
                      struct keel_error **err)
{
        struct sock_fprog prog = {
                .len = (unsigned short) f->n_insns,
                .filter = f->insns,
        };
        int fd;

        if (notify_fd != NULL)
                *notify_fd = -1;
        if (f->notify && listener != NULL) {
                fd = load_and_hand_off(f, &prog, listener, err);
        } else {
                if (listener != NULL)
                        close(listener->sock);
                fd = (int) keel_seccomp(SECCOMP_SET_MODE_FILTER, f->flags, &prog);
                if (fd < 0)
                        fd = load_error(errno, err);
        }
        if (fd < 0)
                return fd;
        if (!f->notify)
                return 0;
        if (notify_fd != NULL)
                *notify_fd = fd;
        else
                close(fd);
        return 0;
}
