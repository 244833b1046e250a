/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_SYSCALL_H
#define KEEL_UTIL_SYSCALL_H

/* Typed wrappers for the system calls glibc 2.36 has no wrapper for (or
 * one keel must not use), and the constants older headers lack: the one
 * place they are defined.  Each returns what the system call returns
 * (-1 and errno on failure). */

#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/openat2.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static inline int keel_pidfd_open(pid_t pid, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_open, pid, flags);
}

static inline int keel_pidfd_send_signal(int pidfd, int sig, siginfo_t *info, unsigned int flags)
{
        return (int) syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int keel_openat2(int dirfd, const char *path, const struct open_how *how)
{
        return (int) syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* capget(2): glibc declares none (libcap's <sys/capability.h> does). */
static inline int keel_capget(struct __user_cap_header_struct *h, struct __user_cap_data_struct *d)
{
        return (int) syscall(SYS_capget, h, d);
}

/* A fork that shares what flags say (CLONE_FILES: the fd table) and runs
 * the child on a copy of the caller's stack, as fork does; SIGCHLD in
 * flags makes it a child waitpid reaps. */
static inline pid_t keel_clone(unsigned long flags)
{
        return (pid_t) syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
}

/* A fork whose child is born in the cgroup cgroup_fd names (clone3's
 * CLONE_INTO_CGROUP, Linux 5.7): no later move, so none of the kernel's
 * cost of a migration (cgroup.procs takes the cgroup_threadgroup_rwsem for
 * writing, which waits for an RCU grace period).  Like keel_clone, the
 * child runs on a copy of the caller's stack.  -1 with errno ENOSYS, E2BIG
 * or EINVAL from a kernel without it. */
struct keel_clone_args {
        uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        uint64_t set_tid, set_tid_size, cgroup;
};
#define KEEL_CLONE_INTO_CGROUP 0x200000000ULL

static inline pid_t keel_fork_into_cgroup(int cgroup_fd)
{
        struct keel_clone_args a = {
                .flags = KEEL_CLONE_INTO_CGROUP, .exit_signal = SIGCHLD,
                .cgroup = (uint64_t) cgroup_fd,
        };

        return (pid_t) syscall(SYS_clone3, &a, sizeof(a));
}

/* seccomp(2): glibc 2.36 wraps only prctl's older interface. */
static inline long keel_seccomp(unsigned int op, unsigned int flags, void *args)
{
        return syscall(SYS_seccomp, op, flags, args);
}

static inline int keel_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
        return (int) syscall(SYS_close_range, first, last, flags);
}

/* The raw system calls, not glibc's: its wrappers change the ids of every
 * thread of the process, which a single-threaded child does not need. */
static inline int keel_setresuid(uid_t r, uid_t e, uid_t s)
{
        return (int) syscall(SYS_setresuid, r, e, s);
}

static inline int keel_setresgid(gid_t r, gid_t e, gid_t s)
{
        return (int) syscall(SYS_setresgid, r, e, s);
}

#endif
