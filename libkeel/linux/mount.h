/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_MOUNT_H
#define KEEL_LINUX_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec/oci-config.h"

/* config.json "mounts" (config.md "Mounts"), applied inside a rootfs.
 *
 * Every mount is built detached with the new mount API (open_tree for bind
 * mounts, fsopen/fsconfig/fsmount for file systems), given its attributes
 * while still detached, then attached with move_mount onto an fd of the
 * target resolved inside the rootfs (util/path.h).  No string path that
 * the container could redirect is ever handed to the kernel. */

/* Apply mounts[index] (m) in the rootfs at rootfd; relative bind sources
 * are relative to bundle.  A mount asked "ro" that later steps must still
 * write into (a tmpfs, anything at /dev) is attached read-write and its
 * mount fd returned in *deferred_ro for keel_mount_setattr(RDONLY) once
 * the rootfs is finished; otherwise *deferred_ro is -1.
 * rootfs is rootfd's host path (canonical): a bind source below it is
 * resolved inside the rootfs, never through the rootfs's symlinks on the
 * host.  idmapped is the detached, idmapped mount the runtime made for an
 * idmap/ridmap bind mount (linux/idmap.h), attached in place of a fresh
 * clone of the source; -1 for every other mount.  label (linux.mountLabel,
 * or NULL) is given as context= to a tmpfs or devpts file system (mqueue
 * takes no context= option).
 * Errors name the container path: "mount tmpfs on /dev/shm: Invalid argument". */
int keel_mount_apply(int rootfd, const char *rootfs, const char *bundle,
                     const struct keel_mount *m, size_t index, int idmapped, const char *label,
                     int *deferred_ro, struct keel_error **err);

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

#endif
