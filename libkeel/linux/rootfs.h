/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_ROOTFS_H
#define KEEL_LINUX_ROOTFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "linux/mount-sources.h"
#include "spec/oci-config.h"
#include "util/path.h"

/* The container's root filesystem, built by the init in its new mount
 * namespace (or, without one, in keel's: runtime_mountns below).  The
 * steps run in this order:
 *
 *   keel_rootfs_prepare       "/" made rslave (or rootfsPropagation), the
 *                             mount holding the rootfs a slave, the rootfs
 *                             bind-mounted onto itself, rootfd (without a
 *                             mount namespace: keel's bind, as it is)
 *   keel_rootfs_mount_all     config.json "mounts", in order
 *   keel_rootfs_setup_dev     default devices, linux.devices, /dev links
 *   keel_rootfs_bind_console  (process.terminal) the pty on /dev/console
 *   keel_rootfs_pivot         pivot_root (or MS_MOVE + chroot, or without a
 *                             mount namespace a chroot); after it, paths
 *                             are container paths
 *   keel_rootfs_finish        readonlyPaths, maskedPaths, deferred
 *                             read-only mounts, root.readonly, then
 *                             rootfsPropagation
 *   keel_rootfs_clear
 *
 * Every target is resolved inside the rootfs from rootfd (util/path.h) and
 * mounted onto its fd with the new mount API; no mount goes to a string
 * path that the container could redirect. */
struct keel_rootfs {
        const struct keel_config *cfg;
        const char *rootfs;             /* absolute host path of root.path */
        const char *bundle;             /* relative bind sources are relative to it */
        bool no_pivot;                  /* MS_MOVE + chroot instead of pivot_root */
        bool userns;                    /* no mknod: devices are bind-mounted */
        int rootfd;                     /* set by prepare: the rootfs mount; -1 before */
        const int *idmap_fds;           /* per mount: idmapped mount from the runtime, or
                                         * -1; NULL when none is idmapped */
        const struct keel_mount_sources *sources;  /* root.path and bind sources the
                                         * runtime opened (mount-sources.h); NULL: opened
                                         * here */
        const struct keel_path_self *self;      /* keel's pids (util/path.h); NULL: ours */
        const char *cgroup_root;        /* the cgroup2 hierarchy (mount.h); NULL: none */
        bool runtime_mountns;           /* no mount namespace of its own: the runtime bound
                                         * the rootfs (keel_rootfs_bind_for_runtime_ns);
                                         * no pivot_root, a chroot */

        /* Private to rootfs.c and mount.c (zero-initialised is right):
         * mounts asked "ro" that stay writable until finish, so that later
         * mounts and devices can still be created inside them (runc does
         * the same for tmpfs and /dev). */
        struct keel_rootfs_deferred {
                int fd;                 /* the mount */
                size_t index;           /* in cfg->mounts */
        } *deferred_ro;
        size_t n_deferred_ro;
};

/* A container without a mount namespace of its own shares keel's (the
 * spec: a namespace not listed is the runtime's).  Its mounts then live in
 * keel's mount namespace, below root.path, as with runc and crun; keel, not
 * the init, binds the rootfs onto itself there, so that it can take the
 * whole tree away again: when create fails (keel_rootfs_unbind_fd) and at
 * delete (keel_rootfs_unbind, by the mount's id, recorded in the state
 * dir).  Nothing outside root.path is touched: no propagation change of
 * keel's "/" (runc makes it rslave), no pivot_root.
 * *mnt gets the attached mount (O_PATH), *id its unique mount id. */
int keel_rootfs_bind_for_runtime_ns(const char *rootfs, const struct keel_path_self *self,
                                    int *mnt, uint64_t *id, struct keel_error **err);
/* Detach the mount mnt and everything below it (MNT_DETACH). */
int keel_rootfs_unbind_fd(int mnt);
/* Detach the mount on top of rootfs when its unique id is id; anything
 * else there is left alone.  0, or -errno. */
int keel_rootfs_unbind(const char *rootfs, uint64_t id);

int keel_rootfs_prepare(struct keel_rootfs *r, struct keel_error **err);
int keel_rootfs_mount_all(struct keel_rootfs *r, struct keel_error **err);
int keel_rootfs_setup_dev(struct keel_rootfs *r, struct keel_error **err);
int keel_rootfs_bind_console(struct keel_rootfs *r, int pty_slave_fd, struct keel_error **err);
int keel_rootfs_pivot(struct keel_rootfs *r, struct keel_error **err);
int keel_rootfs_finish(struct keel_rootfs *r, struct keel_error **err);
void keel_rootfs_clear(struct keel_rootfs *r);

#endif
