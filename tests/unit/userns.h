/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* For the unit tests of privileged code, run by a user: the rest of the
 * test runs as root of a user namespace of its own, where it may make
 * mount, network, pid, uts and ipc namespaces and mount in them (never in
 * the host's).  Only the user's own uid and gid are mapped (to 0): what
 * needs more ids, or privilege over the host (mknod of a device, trusted.*
 * xattrs, bpf), stays out of reach and is skipped by name. */
#ifndef KEEL_TESTS_USERNS_H
#define KEEL_TESTS_USERNS_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Did unit_become_root() put this test in a user namespace? */
static bool unit_in_userns;

static inline int unit_write_proc(const char *file, const char *text)
{
        char path[64];
        int fd, ok;

        snprintf(path, sizeof(path), "/proc/self/%s", file);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ok = write(fd, text, strlen(text)) == (ssize_t) strlen(text);
        if (!ok) {
                int e = errno;
                close(fd);
                return -e;
        }
        close(fd);
        return 0;
}

/* As root: nothing (the test runs as it always did).  As a user: unshare
 * a user namespace with flags (CLONE_NEWPID, CLONE_NEWNET, ...) beside it
 * and map the user to 0.  With CLONE_NEWPID the caller goes on as pid 1 of
 * the new pid namespace, in a child, with a mount namespace of its own
 * where /proc is that pid namespace's (so /proc/PID names its children);
 * the original process only waits and exits with the child's status.  0,
 * or -errno with *why saying what failed (the test then skips:
 * unprivileged user namespaces are off). */
static inline int unit_become_root(int flags, const char **why)
{
        char map[64];
        uid_t uid = geteuid();
        gid_t gid = getegid();
        int r, status;
        pid_t pid;

        if (uid == 0)
                return 0;
        if (flags & CLONE_NEWPID)
                flags |= CLONE_NEWNS;
        if (unshare(CLONE_NEWUSER | flags) < 0) {
                *why = "unshare(CLONE_NEWUSER) failed: unprivileged user namespaces are off "
                       "(sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)";
                return -errno;
        }
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) uid);
        r = unit_write_proc("uid_map", map);
        if (r == 0)
                r = unit_write_proc("setgroups", "deny");
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned) gid);
        if (r == 0)
                r = unit_write_proc("gid_map", map);
        if (r < 0) {
                *why = "could not map the user to root of its user namespace";
                return r;
        }
        unit_in_userns = true;
        if (!(flags & CLONE_NEWPID))
                return 0;
        fflush(stdout);
        pid = fork();
        if (pid < 0) {
                *why = "fork into the new pid namespace failed";
                return -errno;
        }
        if (pid == 0) {
                /* pid 1 ignores signals it has no handler for: make sure
                 * it dies with the test. */
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                        *why = "could not mount the new pid namespace's /proc";
                        return -errno;
                }
                return 0;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        _exit(99);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 99);
}

#endif
