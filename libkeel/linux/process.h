/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_PROCESS_H
#define KEEL_LINUX_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "linux/caps.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"

struct keel_seccomp_filter;

/* The parts of config.json "process" that the container's init applies to
 * itself, each a step of its own (see init.c for the order). */

int keel_process_set_rlimits(const struct keel_process *p, struct keel_error **err);

/* Create a missing process.cwd inside the container (mkdir -p, mode 0755
 * less keel's umask, owned by the container's root), as runc does right
 * after pivot_root: the init calls it before the root and readonlyPaths
 * turn read-only.  exec creates nothing. */
int keel_process_create_cwd(const struct keel_process *p, struct keel_error **err);

/* chdir to process.cwd inside the container (after pivot_root) and check
 * with getcwd() that the result is inside the root (CVE-2024-21626: a
 * leaked host directory fd reads as "(unreachable)"). */
int keel_process_chdir(const struct keel_process *p, struct keel_error **err);

/* HOME, when process.env has none or an empty one, as runc adds it: the
 * home directory of process.user.uid's first entry in the container's
 * /etc/passwd, else "/".  Call after pivot_root (exec: after joining the
 * container's mount namespace), while still root: /etc/passwd is resolved
 * inside the root that "/" is then, only a regular file is read, and at
 * most 16 MiB of it, so a hostile one neither leads out of the container
 * nor blocks or bloats keel.  An empty HOME= is replaced where it stands;
 * otherwise HOME goes last. */
int keel_process_set_home(struct keel_process *p, struct keel_error **err);

/* Switch to process.user: additionalGids, gid, uid, umask.  Capabilities
 * survive through PR_SET_KEEPCAPS; the caller sets them right after.
 * setgroups is skipped when allow_setgroups is false; it failing in a user
 * namespace that denies it is not an error without additionalGids.  procfd
 * (or -1 for /proc) is a procfs that shows this thread. */
int keel_process_set_user(const struct keel_process *p, bool allow_setgroups, int procfd,
                          struct keel_error **err);

/* The executable for process.args[0]: a path as given when it holds '/',
 * else the first executable regular file in the PATH of process.env (or
 * the default PATH).  Done before `start`, so a missing binary fails
 * `create`, as with runc.  *out must be freed. */
int keel_process_find_executable(const struct keel_process *p, char **out, struct keel_error **err);

/* Close every fd from 3 + keep upward except the n_also fds in also (the
 * few keel itself still needs until execve, all close-on-exec): nothing
 * but stdio and the fds the caller asked for stays in a process that the
 * container can see, and nothing else reaches its execve.  Closed, not
 * marked close-on-exec: a process with CAP_SYS_PTRACE in the container's
 * pid namespace can read /proc/<pid>/fd, or take an fd with pidfd_getfd,
 * from a process that waits (the created init) or has not exec'd yet.
 * procfd (or -1 for /proc): a procfs that shows this thread, for a kernel
 * or seccomp profile without close_range. */
int keel_process_close_fds(int keep, const int *also, size_t n_also, int procfd,
                           struct keel_error **err);

/* Close every fd from 3 + keep upward that is not close-on-exec: the fds
 * keel's caller leaked into it (keel opens all of its own O_CLOEXEC).  The
 * first step of every child that will enter a container. */
int keel_process_close_inherited_fds(int keep, struct keel_error **err);

int keel_process_set_no_new_privs(const struct keel_process *p, struct keel_error **err);

/* The process's identity, in the order the kernel forces: drop the
 * bounding set (needs CAP_SETPCAP), switch to process.user keeping caps,
 * set the capability sets, no_new_privs, close every other fd.  The
 * container's init and exec's helper do it before any process of the
 * container can see them (exec: before forking into its pid namespace;
 * the init: before it waits for start), so that a container holding
 * CAP_SYS_PTRACE finds nothing it could take over but its own rights.
 * Seccomp goes in too, so that no process of the container can meet them
 * unfiltered: before the user switch without no_new_privs (installing a
 * filter then needs CAP_SYS_ADMIN, which the switch may drop), last with
 * it.  The profile must allow what the caller does after (seccomp.h). */
struct keel_become {
        const struct keel_process *proc;
        const struct keel_cap_sets *caps;
        const struct keel_seccomp_filter *seccomp;      /* NULL: no profile */
        int *seccomp_listener;          /* connected listenerPath socket or -1; consumed */
        const struct keel_state *state; /* sent to the listener */
        const char *listener_metadata;
        int keep_fds;                   /* fds 3 .. 3+keep-1 stay open */
        const int *keep_open;           /* keel's own fds it still needs (-1: none) */
        size_t n_keep_open;
        const struct keel_linux *lx;    /* personality, memoryPolicy; may be NULL */
        const char *affinity_final;     /* execCPUAffinity.final (exec), or NULL */
        int procfd;                     /* trusted procfs showing this thread, or -1 */
};
int keel_process_become(struct keel_become *b, struct keel_error **err);


#endif
