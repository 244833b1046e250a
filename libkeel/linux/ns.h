/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_NS_H
#define KEEL_LINUX_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "spec/oci-config.h"

/* The namespaces of linux.namespaces, split into the ones to create
 * (unshare flags) and the ones to join (fds opened up front, while the
 * paths still mean what the caller meant: before any setns changes them). */
struct keel_ns_plan {
        int new_flags;                          /* CLONE_NEW* to unshare */
        int join_flags;                         /* CLONE_NEW* of the ones joined by path */
        int join_fd[KEEL_NS__COUNT];            /* -1: nothing to join */
};

/* CLONE_NEW* for a namespace type. */
int keel_ns_clone_flag(enum keel_namespace_type t);

/* Open the namespace paths and check each is a namespace of the right
 * type (ioctl NS_GET_NSTYPE).  Errors name the path. */
int keel_ns_plan_open(const struct keel_linux *lx, struct keel_ns_plan *plan, struct keel_error **err);
void keel_ns_plan_close(struct keel_ns_plan *plan);

/* Is namespace type t in the plan, new or joined? */
bool keel_ns_plan_has(const struct keel_ns_plan *plan, enum keel_namespace_type t);

/* Join the user namespace, when one is to be joined.  It comes first:
 * the other namespaces may be owned by it, and setns into them needs the
 * capabilities it grants. */
int keel_ns_join_user(struct keel_ns_plan *plan, struct keel_error **err);

/* Join every other namespace of the plan (mount last: after it, paths
 * resolve in the container's view). */
int keel_ns_join_others(struct keel_ns_plan *plan, struct keel_error **err);

/* Write linux.timeOffsets to the caller's timens_offsets below procfd
 * (keel's own procfs, linux/procfs.h): valid after unshare(CLONE_NEWTIME)
 * and before the first process enters it. */
int keel_ns_write_time_offsets(int procfd, const struct keel_time_offsets *t,
                               struct keel_error **err);

/* Bring the loopback interface of a new network namespace up, as runc and
 * crun do. */
int keel_ns_loopback_up(struct keel_error **err);

/* Write uid_map and gid_map of pid (from the runtime, which is outside the
 * new user namespace) through procfd, keel's own procfs
 * (keel_procfs_open_own), in which pid is the pid fork returned. */
int keel_ns_write_id_maps(int procfd, pid_t pid, const struct keel_linux *lx,
                          struct keel_error **err);

/* Write one map file ("uid_map", "gid_map") of pid through procfd, in the
 * one write the kernel takes; nothing when n is 0.  field names the
 * config field in errors. */
int keel_ns_write_id_map(int procfd, pid_t pid, const char *file,
                         const struct keel_id_mapping *m, size_t n, const char *field,
                         struct keel_error **err);

#endif
