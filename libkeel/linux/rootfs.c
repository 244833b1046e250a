/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/mount.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/path.h"

static const struct keel_linux *linux_cfg(const struct keel_rootfs *r)
{
        return r->cfg != NULL ? r->cfg->linux_cfg : NULL;
}

/* rootfsPropagation as a propagation type, with MS_REC for the r- forms. */
static unsigned long propagation_flag(enum keel_propagation p)
{
        switch (p) {
        case KEEL_PROPAGATION_SHARED:
                return MS_SHARED;
        case KEEL_PROPAGATION_RSHARED:
                return MS_SHARED | MS_REC;
        case KEEL_PROPAGATION_SLAVE:
                return MS_SLAVE;
        case KEEL_PROPAGATION_RSLAVE:
                return MS_SLAVE | MS_REC;
        case KEEL_PROPAGATION_UNBINDABLE:
                return MS_UNBINDABLE;
        case KEEL_PROPAGATION_RUNBINDABLE:
                return MS_UNBINDABLE | MS_REC;
        case KEEL_PROPAGATION_RPRIVATE:
                return MS_PRIVATE | MS_REC;
        case KEEL_PROPAGATION_PRIVATE:
        default:
                return MS_PRIVATE;
        }
}

/* ---- prepare ------------------------------------------------------------- */

/* The rootfs directory, and the root of the mount that holds it: the
 * runtime's, opened in our mount namespace where we may not walk (a user
 * namespace under a 0700 directory), or here. */
static int open_rootfs(struct keel_rootfs *r, int *holder, struct keel_error **err)
{
        const struct keel_mount_sources *s = r->sources;
        _cleanup_close_ int dir = -1;

        if (s != NULL && s->root >= 0 && s->root_mount >= 0) {
                dir = fcntl(s->root, F_DUPFD_CLOEXEC, 3);
                *holder = fcntl(s->root_mount, F_DUPFD_CLOEXEC, 3);
                if (dir < 0 || *holder < 0)
                        return keel_error_set(err, errno, "rootfs %s", r->rootfs);
                return take_fd(&dir);
        }
        dir = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return keel_error_set(err, errno, "open rootfs %s", r->rootfs);
        *holder = keel_mount_root_of(dir);
        if (*holder < 0)
                return keel_error_set(err, -*holder, "find the mount holding %s", r->rootfs);
        return take_fd(&dir);
}

/* ---- without a mount namespace of its own ------------------------------ */

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

/* A mount's id that is never reused (kernel 6.8), else the plain one. */
static int mount_id(int fd, uint64_t *id)
{
        struct statx sx;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &sx) == 0 &&
            (sx.stx_mask & STATX_MNT_ID_UNIQUE)) {
                *id = sx.stx_mnt_id;
                return 0;
        }
        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &sx) < 0)
                return -errno;
        *id = sx.stx_mnt_id;
        return 0;
}

static bool is_mount_root(int fd)
{
        struct statx sx;

        return statx(fd, "", AT_EMPTY_PATH, STATX_INO, &sx) == 0 &&
               (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

int keel_rootfs_bind_for_runtime_ns(const char *rootfs, const struct keel_path_self *self,
                                    int *mnt, uint64_t *id, struct keel_error **err)
{
        _cleanup_close_ int host = -1, dir = -1, tree = -1;
        int ret;

        host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host < 0)
                return keel_error_set(err, errno, "open /");
        dir = keel_path_open_host(host, rootfs, self, O_PATH | O_DIRECTORY, err);
        if (dir < 0)
                return keel_error_prefix(err, "root.path");
        /* Private until attached: the container's mounts must not follow
         * the mount the rootfs was cloned from into its peers. */
        tree = keel_mount_clone(dir, "", true);
        ret = tree < 0 ? tree : keel_mount_setattr(tree, 0, 0, MS_PRIVATE, false);
        if (ret == 0)
                ret = keel_mount_attach(tree, dir);
        if (ret < 0)
                return keel_error_set(err, -ret, "bind-mount rootfs %s onto itself", rootfs);
        ret = mount_id(tree, id);
        if (ret < 0) {
                keel_rootfs_unbind_fd(tree);
                return keel_error_set(err, -ret, "rootfs %s: mount id", rootfs);
        }
        *mnt = take_fd(&tree);
        return 0;
}

int keel_rootfs_unbind_fd(int mnt)
{
        char path[64];

        snprintf(path, sizeof(path), "/proc/self/fd/%d", mnt);
        return umount2(path, MNT_DETACH) < 0 ? -errno : 0;
}

int keel_rootfs_unbind(const char *rootfs, uint64_t id)
{
        _cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        uint64_t now;
        int ret;

        if (fd < 0)
                return -errno;
        ret = mount_id(fd, &now);
        if (ret < 0)
                return ret;
        if (now != id || !is_mount_root(fd))
                return -ENOENT;
        return keel_rootfs_unbind_fd(fd);
}

/* The runtime's bind of the rootfs, on top of root.path: our root. */
static int prepare_in_runtime_ns(struct keel_rootfs *r, struct keel_error **err)
{
        _cleanup_close_ int fd = open(r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return keel_error_set(err, errno, "open rootfs %s", r->rootfs);
        if (!is_mount_root(fd))
                return keel_error_setq(err, ENOENT, "rootfs %s: keel's bind of it is gone",
                                       r->rootfs);
        r->rootfd = take_fd(&fd);
        return 0;
}

/* ---- prepare, in a mount namespace of the container's ----------------- */

int keel_rootfs_prepare(struct keel_rootfs *r, struct keel_error **err)
{
        const struct keel_linux *lx = linux_cfg(r);
        unsigned long flag = MS_SLAVE;
        _cleanup_close_ int target = -1, holder = -1, mnt = -1;
        int ret;

        if (r->runtime_mountns)
                return prepare_in_runtime_ns(r, err);

        /* Nothing mounted from here on may reach the host: "/" becomes a
         * slave (runc's default) or what rootfsPropagation asks, all of it
         * (plain or r- form alike: the mounts copied from the host are
         * left behind at pivot_root, only the bind volumes keep it).
         * Unbindable waits for finish: the rootfs is bound below; until
         * then it is private, which unbindable implies. */
        if (lx != NULL && lx->has_rootfs_propagation)
                flag = propagation_flag(lx->rootfs_propagation) & ~(unsigned long) MS_REC;
        if (flag == MS_UNBINDABLE)
                flag = MS_PRIVATE;
        if (mount(NULL, "/", NULL, MS_REC | flag, NULL) < 0)
                return keel_error_set(err, errno, "make / r%s in the container's mount namespace",
                                      flag == MS_SLAVE ? "slave" : flag == MS_SHARED ? "shared" :
                                      "private");
        target = open_rootfs(r, &holder, err);
        if (target < 0)
                return target;
        /* The mount that holds the rootfs directory must not be shared: the
         * bind below would propagate to the host, and pivot_root(2) refuses
         * a new root whose parent mount is shared (runc:
         * rootfsParentMountPrivate).  A slave, not private: under rslave
         * (the default) or slave the rootfs must go on receiving the host's
         * mounts (config-linux.md), as runc's does since it only touches a
         * parent that is still shared. */
        ret = keel_mount_setattr(holder, 0, 0, MS_SLAVE, false);
        if (ret < 0)
                return keel_error_set(err, -ret, "make the mount holding %s a slave", r->rootfs);

        /* A bind of the rootfs onto itself: pivot_root(2) needs a mount
         * point, and its fd is the root every later lookup starts from. */
        mnt = keel_mount_clone(target, "", true);
        ret = mnt < 0 ? mnt : keel_mount_attach(mnt, target);
        if (ret < 0)
                return keel_error_set(err, -ret, "bind-mount rootfs %s onto itself", r->rootfs);
        r->rootfd = take_fd(&mnt);
        return 0;
}

/* ---- mounts and devices -------------------------------------------------- */

static int defer_ro(struct keel_rootfs *r, int fd, size_t index)
{
        struct keel_rootfs_deferred *n = realloc(r->deferred_ro, (r->n_deferred_ro + 1) * sizeof(*n));

        if (n == NULL) {
                close(fd);
                return -ENOMEM;
        }
        n[r->n_deferred_ro++] = (struct keel_rootfs_deferred){ .fd = fd, .index = index };
        r->deferred_ro = n;
        return 0;
}

int keel_rootfs_mount_all(struct keel_rootfs *r, struct keel_error **err)
{
        const struct keel_mount_sources *s = r->sources;
        size_t i;
        struct keel_mount_ctx ctx = {
                .rootfd = r->rootfd, .rootfs = r->rootfs, .bundle = r->bundle, .self = r->self,
                .cgroup_root = r->cgroup_root,
                .label = r->cfg && r->cfg->linux_cfg ? r->cfg->linux_cfg->mount_label : NULL,
        };

        for (i = 0; r->cfg != NULL && i < r->cfg->n_mounts; i++) {
                int fd, ret;

                ret = keel_mount_apply(&ctx, &r->cfg->mounts[i], i,
                                       r->idmap_fds ? r->idmap_fds[i] : -1,
                                       s && s->fds && i < s->n ? s->fds[i] : -1, &fd, err);
                if (ret < 0)
                        return ret;
                if (fd >= 0 && defer_ro(r, fd, i) < 0)
                        return keel_error_set(err, ENOMEM, "mounts[%zu]", i);
        }
        return 0;
}

/* runc: a /dev bind-mounted from the host is used as it is. */
static bool dev_is_bind_mounted(const struct keel_config *cfg)
{
        size_t i;

        for (i = 0; cfg != NULL && i < cfg->n_mounts; i++) {
                _cleanup_free_ char *dest = keel_path_clean(cfg->mounts[i].destination);
                if (dest != NULL && strcmp(dest, "/dev") == 0 && keel_mount_is_bind(&cfg->mounts[i]))
                        return true;
        }
        return false;
}

int keel_rootfs_setup_dev(struct keel_rootfs *r, struct keel_error **err)
{
        if (dev_is_bind_mounted(r->cfg))
                return 0;
        return keel_devices_setup(r->rootfd, linux_cfg(r), r->userns, err);
}

int keel_rootfs_bind_console(struct keel_rootfs *r, int pty_slave_fd, struct keel_error **err)
{
        return keel_devices_bind_console(r->rootfd, pty_slave_fd, err);
}

/* ---- entering the rootfs ------------------------------------------------- */

/* pivot_root(".", ".") stacks the old root on top of the new one; it is
 * then detached from under our feet (runc's way, no directory needed in
 * the rootfs).  The old root becomes a slave first so that detaching it
 * cannot propagate to the host. */
static int pivot(struct keel_rootfs *r, struct keel_error **err)
{
        _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int ret;

        if (oldroot < 0)
                return keel_error_set(err, errno, "open /");
        if (fchdir(r->rootfd) < 0)
                return keel_error_set(err, errno, "chdir to the rootfs");
        if (syscall(SYS_pivot_root, ".", ".") < 0)
                return keel_error_set(err, errno, "pivot_root");
        if (fchdir(oldroot) < 0)
                return keel_error_set(err, errno, "chdir to the old root");
        ret = keel_mount_setattr(oldroot, 0, 0, MS_SLAVE, true);
        if (ret < 0)
                return keel_error_set(err, -ret, "make the old root rslave");
        if (umount2(".", MNT_DETACH) < 0)
                return keel_error_set(err, errno, "detach the old root");
        return 0;
}

/* Decode the octal escapes (\040) of a mountinfo field in place. */
static void unescape(char *s)
{
        char *o = s;

        for (; *s != '\0'; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *o++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *o++ = *s;
                }
        }
        *o = '\0';
}

static bool under(const char *path, const char *dir)
{
        size_t n = strlen(dir);

        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Without pivot_root the host's mounts stay reachable in the namespace,
 * and a full procfs or sysfs there lets the container mount new, unmasked
 * ones (the kernel's mnt_already_visible check).  Detach them, or cover
 * them with an empty tmpfs where detaching is refused (runc does this). */
static int hide_host_proc_sys(const char *rootfs, struct keel_error **err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;

        if (f == NULL)
                return keel_error_set(err, errno, "open /proc/self/mountinfo");
        while (getline(&line, &cap, f) > 0) {
                char root[4096], point[4096], fstype[64];
                _cleanup_close_ int target = -1, mnt = -1;
                const char *sep = strstr(line, " - ");

                if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
                    sscanf(sep + 3, "%63s", fstype) != 1)
                        continue;
                unescape(point);
                if ((strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0) ||
                    strcmp(root, "/") != 0 || under(point, rootfs))
                        continue;
                target = open(point, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (target < 0)
                        continue;       /* already gone with a parent */
                if (keel_mount_setattr(target, 0, 0, MS_SLAVE, true) == 0 &&
                    umount2(point, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
                        continue;
                mnt = keel_mount_ro_tmpfs();
                if (mnt < 0 || keel_mount_attach(mnt, target) < 0)
                        return keel_error_set(err, mnt < 0 ? -mnt : errno, "hide the host's %s", point);
        }
        return 0;
}

static int move_root(struct keel_rootfs *r, struct keel_error **err)
{
        /* mountinfo shows canonical paths. */
        _cleanup_free_ char *rootfs = realpath(r->rootfs, NULL);
        int ret;

        if (rootfs == NULL)
                return keel_error_set(err, errno, "resolve %s", r->rootfs);
        ret = hide_host_proc_sys(rootfs, err);
        if (ret < 0)
                return ret;
        if (fchdir(r->rootfd) < 0)
                return keel_error_set(err, errno, "chdir to the rootfs");
        if (move_mount(r->rootfd, "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
                return keel_error_set(err, errno, "move the rootfs to /");
        if (chroot(".") < 0)
                return keel_error_set(err, errno, "chroot to the rootfs");
        return 0;
}

/* Without a mount namespace of its own (runc's chroot): pivot_root would
 * change the root of every process of keel's namespace. */
static int chroot_root(struct keel_rootfs *r, struct keel_error **err)
{
        if (fchdir(r->rootfd) < 0)
                return keel_error_set(err, errno, "chdir to the rootfs");
        if (chroot(".") < 0)
                return keel_error_set(err, errno, "chroot to the rootfs");
        return 0;
}

int keel_rootfs_pivot(struct keel_rootfs *r, struct keel_error **err)
{
        int ret = r->runtime_mountns ? chroot_root(r, err) : r->no_pivot ? move_root(r, err) :
                  pivot(r, err);

        if (ret < 0)
                return ret;
        if (chdir("/") < 0)
                return keel_error_set(err, errno, "chdir /");
        return 0;
}

/* ---- finishing, inside the container ------------------------------------- */

static int open_existing(int rootfd, const char *path, int *fd, const char *what,
                         struct keel_error **err)
{
        *fd = keel_path_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (*fd == -ENOENT)
                return 0;       /* the spec: a missing path is skipped */
        if (*fd < 0)
                return keel_error_set(err, -*fd, "%s %s", what, path);
        return 1;
}

static int make_readonly(int rootfd, const char *path, struct keel_error **err)
{
        _cleanup_close_ int target = -1, mnt = -1;
        int ret = open_existing(rootfd, path, &target, "readonlyPaths:", err);

        if (ret <= 0)
                return ret;
        mnt = keel_mount_clone(target, "", true);
        ret = mnt < 0 ? mnt : keel_mount_setattr(mnt, MOUNT_ATTR_RDONLY, 0, 0, true);
        if (ret == 0)
                ret = keel_mount_attach(mnt, target);
        if (ret < 0)
                return keel_error_set(err, -ret, "readonlyPaths: %s", path);
        return 0;
}

/* The container controls its /dev: what masks a file must be proven to be
 * the null device before it is bound anywhere (CVE-2025-31133). */
static int open_dev_null(int rootfd, struct keel_error **err)
{
        _cleanup_close_ int fd = keel_path_open_in_root(rootfd, "/dev/null", O_PATH, 0, err);
        struct stat st;

        if (fd < 0)
                return keel_error_prefix(err, "maskedPaths");
        if (fstat(fd, &st) < 0)
                return keel_error_set(err, errno, "maskedPaths: stat /dev/null");
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
                return keel_error_setq(err, EPERM, "maskedPaths: /dev/null in the container is not "
                                       "the null device");
        return take_fd(&fd);
}

static int mask(int rootfd, const char *path, int *null_fd, struct keel_error **err)
{
        _cleanup_close_ int target = -1, mnt = -1;
        struct stat st;
        int ret = open_existing(rootfd, path, &target, "maskedPaths:", err);

        if (ret <= 0)
                return ret;
        if (fstat(target, &st) < 0)
                return keel_error_set(err, errno, "maskedPaths: %s", path);
        if (S_ISDIR(st.st_mode)) {
                mnt = keel_mount_ro_tmpfs();
        } else {
                if (*null_fd < 0)
                        *null_fd = open_dev_null(rootfd, err);
                if (*null_fd < 0)
                        return *null_fd;
                mnt = keel_mount_clone(*null_fd, "", false);
        }
        ret = mnt < 0 ? mnt : keel_mount_attach(mnt, target);
        if (ret < 0)
                return keel_error_set(err, -ret, "maskedPaths: %s", path);
        return 0;
}

static int protect_paths(struct keel_rootfs *r, struct keel_error **err)
{
        const struct keel_linux *lx = linux_cfg(r);
        _cleanup_close_ int null_fd = -1;
        size_t i;
        int ret;

        if (lx == NULL)
                return 0;
        for (i = 0; i < lx->n_readonly_paths; i++) {
                ret = make_readonly(r->rootfd, lx->readonly_paths[i], err);
                if (ret < 0)
                        return ret;
        }
        for (i = 0; i < lx->n_masked_paths; i++) {
                ret = mask(r->rootfd, lx->masked_paths[i], &null_fd, err);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

int keel_rootfs_finish(struct keel_rootfs *r, struct keel_error **err)
{
        const struct keel_linux *lx = linux_cfg(r);
        size_t i;
        int ret = protect_paths(r, err);

        if (ret < 0)
                return ret;
        for (i = 0; i < r->n_deferred_ro; i++) {
                const struct keel_rootfs_deferred *d = &r->deferred_ro[i];

                ret = keel_mount_setattr(d->fd, MOUNT_ATTR_RDONLY, 0, 0, false);
                if (ret < 0)
                        return keel_error_set(err, -ret, "make %s read-only",
                                              r->cfg->mounts[d->index].destination);
        }
        if (r->cfg != NULL && r->cfg->root != NULL && r->cfg->root->readonly) {
                ret = keel_mount_setattr(r->rootfd, MOUNT_ATTR_RDONLY, 0, 0, false);
                if (ret < 0)
                        return keel_error_set(err, -ret, "root.readonly");
        }
        /* The root mount, or with an r- form every mount of the container. */
        if (lx != NULL && lx->has_rootfs_propagation) {
                unsigned long flag = propagation_flag(lx->rootfs_propagation);

                ret = keel_mount_setattr(r->rootfd, 0, 0, flag & ~(unsigned long) MS_REC,
                                         (flag & MS_REC) != 0);
                if (ret < 0)
                        return keel_error_set(err, -ret, "linux.rootfsPropagation");
        }
        return 0;
}

void keel_rootfs_clear(struct keel_rootfs *r)
{
        size_t i;

        for (i = 0; i < r->n_deferred_ro; i++)
                close(r->deferred_ro[i].fd);
        free(r->deferred_ro);
        r->deferred_ro = NULL;
        r->n_deferred_ro = 0;
        closep(&r->rootfd);
}
