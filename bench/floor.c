/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel's share of a container start, for the benchmark to compare
 * runtimes with: one clone into the namespaces of keel's default spec
 * (mount, pid, network, ipc, uts, cgroup), the rootfs made the root with
 * pivot_root, a fresh /proc, then exec of the given program.  No config,
 * no state, no cgroup, no /dev: whatever a runtime spends above this is
 * its own work.
 *
 *   floor ROOTFS [PROGRAM [ARG...]]    (default PROGRAM: /bin/true)
 *
 * And the kernel's share of an exec, as nsenter does it: one setns of a
 * pidfd into every namespace of a running container's init, a fork (the
 * pid namespace applies to children), then exec.  No config, no cgroup,
 * no capabilities or seccomp set: a runtime's exec does those too.
 *
 *   floor --exec PID [PROGRAM [ARG...]]
 *
 * Exits with the program's status.  Needs root.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define FLOOR_NS_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | \
                        CLONE_NEWCGROUP)

static void __attribute__((noreturn)) fail(const char *what)
{
        fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
        _exit(127);
}

static void __attribute__((noreturn)) child(const char *rootfs, char **argv)
{
        static char *const true_argv[] = { "/bin/true", NULL };
        char *const *args = argv[0] ? argv : true_argv;

        /* Without this the pivot and the bind would propagate back to the
         * namespace we came from. */
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                fail("make / private");
        if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
                fail("bind the rootfs");
        if (chdir(rootfs) < 0)
                fail("chdir to the rootfs");
        /* pivot_root(".", ".") stacks the old root under the new one; the
         * detach then leaves only the rootfs (no put_old directory needed). */
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                fail("pivot_root");
        if (umount2(".", MNT_DETACH) < 0)
                fail("detach the old root");
        if (chdir("/") < 0)
                fail("chdir /");
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                fail("mount /proc");
        execv(args[0], args);
        fail(args[0]);
}

static pid_t enter(const char *target)
{
        int pidfd = (int) syscall(SYS_pidfd_open, (pid_t) atoi(target), 0);

        if (pidfd < 0)
                fail("pidfd_open");
        if (setns(pidfd, FLOOR_NS_FLAGS) < 0)
                fail("setns");
        close(pidfd);
        return fork();
}

int main(int argc, char **argv)
{
        static char *const true_argv[] = { "/bin/true", NULL };
        bool exec = argc > 1 && strcmp(argv[1], "--exec") == 0;
        int status;
        pid_t pid;

        if (argc < 2 + exec) {
                fprintf(stderr, "usage: floor ROOTFS [PROGRAM [ARG...]]\n"
                        "       floor --exec PID [PROGRAM [ARG...]]\n");
                return 2;
        }
        if (exec) {
                pid = enter(argv[2]);
                if (pid == 0) {
                        execv(argv[3] ? argv[3] : true_argv[0], argv[3] ? argv + 3 : true_argv);
                        fail("exec");
                }
        } else {
                /* The raw clone behaves as fork (no stack given): the child
                 * runs on a copy of ours, in its new namespaces, as pid 1
                 * of the new pid namespace. */
                pid = (pid_t) syscall(SYS_clone, FLOOR_NS_FLAGS | SIGCHLD, NULL, NULL, NULL, NULL);
                if (pid == 0)
                        child(argv[1], argv + 2);
        }
        if (pid < 0) {
                fprintf(stderr, "floor: %s: %s\n", exec ? "fork" : "clone", strerror(errno));
                return 127;
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        fprintf(stderr, "floor: waitpid: %s\n", strerror(errno));
                        return 127;
                }
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}
