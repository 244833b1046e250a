/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_INIT_H
#define KEEL_LINUX_INIT_H

#include <stdbool.h>
#include <time.h>
#include <sys/types.h>

#include "error.h"
#include "linux/caps.h"
#include "linux/ns.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"

struct keel_seccomp_filter;

/* The container side of `create`.  Two processes:
 *
 *  stage 1 (forked by the runtime) joins the namespaces given by path,
 *    creates the new ones (a new user namespace first, with the runtime
 *    writing its id maps), writes time offsets, forks stage 2 (the init:
 *    pid 1 of a new pid namespace), reports its pid and exits;
 *  stage 2 (the container's init) waits until the runtime has put it in
 *    the container's cgroup, then runs the ordered steps of init.c and
 *    waits on the start socket for `start`.
 *
 * Everything the runtime computed (config, paths, the state template for
 * hooks) reaches the children through fork's copy of memory; only events
 * and fds travel over the sync socket. */
struct keel_init_args {
        const struct keel_config *cfg;
        const char *bundle;             /* absolute */
        const char *rootfs;             /* absolute */
        struct keel_state *state;       /* for createContainer/startContainer hooks */
        struct keel_ns_plan plan;
        struct keel_cap_sets caps;
        int sync_fd;                    /* the child's end */
        int start_fd;                   /* listening start socket (KEEL_START_SOCKET) */
        int preserve_fds;               /* fds 3 .. 3+preserve_fds-1 reach the process */
        bool no_pivot;
        bool no_new_keyring;
        struct keel_seccomp_filter *seccomp;    /* compiled by the runtime; NULL: none */
        int seccomp_listener;                   /* connected listenerPath socket, or -1 */
        int *idmap_fds;                         /* linux/idmap.h; NULL: no idmapped mount */
        pid_t runtime_pid;                      /* keel's own pid, never a mount source's */
        const char *cgroup_root;                /* host path of the cgroup2 hierarchy, for
                                                 * a cgroup mount the kernel refuses */
        bool sources_from_runtime;              /* the runtime opens root.path and the
                                                 * bind sources (linux/mount-sources.h) */
        int runtime_procfd;                     /* keel's own procfs (linux/procfs.h)
                                                 * for stage 1's oom_score_adj and
                                                 * timens_offsets, or -1 when it writes
                                                 * neither; closed before the init forks */
        struct timespec began;                  /* the init's: when its first stage
                                                 * began, for its phases (READY) */
};

/* Stage 1; runs in the forked child and never returns. */
void keel_init_stage1(struct keel_init_args *a) __attribute__((noreturn));

/* Whether the init can skip stage 1: the runtime, root, makes the pid
 * namespace itself (unshare CLONE_NEWPID, fork: the child is pid 1) when
 * the plan asks for a new pid namespace and nothing stage 1 alone can do:
 * no user or time namespace (new or joined), no pid namespace joined by
 * path; the init joins the other namespaces given by path itself (a pod's
 * network, ipc, uts).  One fork, one process exit and one message fewer,
 * and the init is born in its cgroup (container-spawn.c). */
bool keel_init_can_skip_stage1(const struct keel_ns_plan *plan);

/* The init forked straight into the new pid namespace; makes the other
 * namespaces and runs stage 2.  Never returns. */
void keel_init_direct(struct keel_init_args *a) __attribute__((noreturn));

#endif
