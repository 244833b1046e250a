/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_MOUNT_H
#define KEEL_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec/oci-config.h"
#include "util/path.h"

/* config.json "mounts" (config.md "Mounts"), applied inside a rootfs.
 *
 * Every mount is built detached with the new mount API (open_tree for bind
 * mounts, fsopen/fsconfig/fsmount for file systems), given its attributes
 * while still detached, then attached with move_mount onto an fd of the
 * target resolved inside the rootfs (util/path.h).  No string path that
 * the container could redirect is ever handed to the kernel. */

/* Where config mounts go, for keel_mount_apply. */
struct keel_mount_ctx {
        int rootfd;                     /* the rootfs mount */
        const char *rootfs;             /* its host path (canonical), or NULL */
        const char *bundle;             /* relative bind sources are relative to it */
        const char *label;              /* linux.mountLabel, or NULL */
        const struct keel_path_self *self;      /* keel's pids; NULL: this process */
        const char *cgroup_root;        /* host path of the cgroup2 hierarchy; NULL: none */
};

/* Apply mounts[index] (m) in the rootfs at ctx->rootfd.  A mount asked
 * "ro" that later steps must still write into (a tmpfs, anything at /dev)
 * is attached read-write and its mount fd returned in *deferred_ro for
 * keel_mount_setattr(RDONLY) once the rootfs is finished; otherwise
 * *deferred_ro is -1.
 * A bind source below ctx->rootfs is the container's: it is resolved
 * inside the rootfs, never through the rootfs's symlinks on the host.
 * Any other source is the host's: source is its fd when the runtime
 * opened it (linux/mount-sources.h), else it is resolved here with
 * keel_path_open_host (never through keel's own /proc).  idmapped is the
 * detached, idmapped mount the runtime made for an idmap/ridmap bind mount
 * (linux/idmap.h), attached in place of a fresh clone of the source; -1
 * for every other mount.  The label is given as context= to a tmpfs or
 * devpts file system (mqueue takes no context= option).  A cgroup mount
 * the kernel refuses (a user namespace without its own cgroup namespace)
 * becomes a bind of ctx->cgroup_root, as with runc and crun.
 * Errors name the container path: "mount tmpfs on /dev/shm: Invalid argument". */
int keel_mount_apply(const struct keel_mount_ctx *ctx, const struct keel_mount *m, size_t index,
                     int idmapped, int source, int *deferred_ro, struct keel_error **err);

/* The building blocks, for rootfs.c and devices.c.  They return -errno
 * and leave the message to the caller. */

/* A detached copy (bind) of path under dirfd ("" for dirfd itself), with
 * its submounts when recursive.  A mount fd (O_PATH, O_CLOEXEC). */
int keel_mount_clone(int dirfd, const char *path, bool recursive);

/* Attach the detached mount mntfd on top of the file or directory target_fd. */
int keel_mount_attach(int mntfd, int target_fd);

/* mount_setattr(2) on the mount mntfd: MOUNT_ATTR_* to set and clear, and
 * a propagation type (MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE; 0
 * keeps it). */
int keel_mount_setattr(int mntfd, uint64_t set, uint64_t clr, uint64_t propagation, bool recursive);

/* A new, detached, empty read-only tmpfs (maskedPaths directories). */
int keel_mount_ro_tmpfs(void);

/* An fd (O_PATH) of the root of the mount that holds fd: mount_setattr(2)
 * takes only a mount's root.  Walks up with "..". */
int keel_mount_root_of(int fd);

#endif
