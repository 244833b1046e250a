/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_PROCFS_H
#define KEEL_LINUX_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* Every write keel makes under /proc goes through one of two procfs
 * handles, never through a path: a /proc the container can reach could
 * have a file replaced by a bind mount or a symlink, and the write land
 * elsewhere (CVE-2019-16884, CVE-2025-52881).  Which handle is the right
 * one depends on whose process the file belongs to:
 *
 *  - keel_procfs_open: a fresh, private instance, for the init's own
 *    writes (sysctls, LSM attributes) after its namespaces exist;
 *  - keel_procfs_open_own: keel's own /proc, for the runtime's side
 *    (uid_map, gid_map and setgroups of its children, oom_score_adj and
 *    timens_offsets of stage 1, exec's helper), which acts in keel's pid
 *    namespace before any of it is the container's.
 *
 * Below a handle, files are opened with openat2 beneath it, following no
 * symlink, and checked to be on procfs. */

/* Whether fd is on a procfs: the check behind every handle and file below
 * (a bind mount or a fake file in its place is not). */
bool keel_procfs_is(int fd);

/* A fresh instance from fsopen("proc"), never attached to any path the
 * container can reach, checked to be procfs.  Open it early in the init,
 * while the mount namespace still shows a fully visible /proc: in a user
 * namespace the kernel refuses a new procfs once parts of /proc are
 * masked. */
int keel_procfs_open(struct keel_error **err);

/* keel's own /proc, opened by path once (O_PATH), checked to be procfs.
 * Call it while keel's mount namespace is still its own, before any setns:
 * it is the procfs of keel's pid namespace, in which the runtime's
 * children have the pids fork returned, and which a rootless keel may
 * use where it may not make a procfs of its own. */
int keel_procfs_open_own(struct keel_error **err);

/* The pid the instance gives the calling process (its "self" link): the
 * name of the caller's directory below procfd, whatever pid namespace the
 * caller is in now. */
int keel_procfs_self(int procfd, pid_t *pid, struct keel_error **err);

/* Open path, relative to the procfs root ("sys/net/ipv4/ip_forward",
 * "42/uid_map"), without following any symlink or leaving procfs, and
 * check the file is on procfs.  what names the config field in errors.
 * Returns the fd. */
int keel_procfs_open_file(int procfd, const char *path, int flags, const char *what,
                          struct keel_error **err);

/* Write value to path (as keel_procfs_open_file opens it), in one write. */
int keel_procfs_write(int procfd, const char *path, const char *value, const char *what,
                      struct keel_error **err);

#endif
