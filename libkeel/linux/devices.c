/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "linux/devices.h"
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/path.h"

struct node {
        const char *path;       /* container path, clean */
        mode_t type;            /* S_IFCHR, S_IFBLK, S_IFIFO */
        dev_t rdev;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

static const struct {
        const char *path;
        unsigned int major, minor;
} default_devices[] = {
        { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
        { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct {
        const char *target, *name;
} dev_links[] = {
        { "/proc/self/fd", "fd" },
        { "/proc/self/fd/0", "stdin" },
        { "/proc/self/fd/1", "stdout" },
        { "/proc/self/fd/2", "stderr" },
};

/* An empty file to mount onto, replacing whatever else the rootfs put
 * there (a symlink is removed, never followed).  Returns an O_PATH fd. */
static int mountpoint_file(int parent, const char *name)
{
        struct stat st;
        int fd, tries;

        for (tries = 0; tries < 2; tries++) {
                fd = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd >= 0) {
                        close(fd);
                } else if (errno != EEXIST) {
                        return -errno;
                }
                fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return -errno;
                if (fstat(fd, &st) < 0) {
                        close(fd);
                        return -errno;
                }
                if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
                        return fd;
                close(fd);
                if (S_ISDIR(st.st_mode))
                        return -EISDIR;
                if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
                        return -errno;
        }
        return -EEXIST;
}

static int bind_host_node(int parent, const char *name, const char *host_path)
{
        _cleanup_close_ int target = mountpoint_file(parent, name);
        _cleanup_close_ int mnt = -1;

        if (target < 0)
                return target;
        mnt = keel_mount_clone(AT_FDCWD, host_path, false);
        if (mnt < 0)
                return mnt;
        return keel_mount_attach(mnt, target);
}

static int mknod_clean(int parent, const char *name, const struct node *n)
{
        mode_t old = umask(0);
        int r = mknodat(parent, name, n->type | n->mode, n->rdev);

        umask(old);
        return r < 0 ? -errno : 0;
}

/* mknod, replacing an entry in the way unless it already is this device. */
static int make_node(int parent, const char *name, const struct node *n)
{
        struct stat st;
        int r = mknod_clean(parent, name, n);

        if (r != -EEXIST)
                goto done;
        if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if ((st.st_mode & S_IFMT) == n->type && (n->type == S_IFIFO || st.st_rdev == n->rdev))
                return 0;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (unlinkat(parent, name, 0) < 0)
                return -errno;
        r = mknod_clean(parent, name, n);
done:
        if (r == 0 && fchownat(parent, name, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
                r = -errno;
        return r;
}

static int create_node(int rootfd, const struct node *n, bool userns, struct keel_error **err)
{
        _cleanup_free_ char *dir = NULL, *base = NULL;
        _cleanup_close_ int parent = -1;
        bool bind = userns && n->type != S_IFIFO;
        int r;

        r = keel_path_split(n->path, &dir, &base);
        if (r < 0)
                return keel_error_set(err, -r, "create device %s", n->path);
        parent = keel_path_mkdir_in_root(rootfd, dir, 0755, err);
        if (parent < 0)
                return keel_error_prefix(err, "create device %s", n->path);
        if (!bind) {
                r = make_node(parent, base, n);
                if (r == -EPERM && n->type != S_IFIFO)
                        bind = true;
                else if (r < 0)
                        return keel_error_set(err, -r, "create device %s", n->path);
        }
        if (bind) {
                r = bind_host_node(parent, base, n->path);
                if (r < 0)
                        return keel_error_set(err, -r, "bind-mount device %s from the host", n->path);
        }
        return 0;
}

static int device_node(const struct keel_device *d, struct node *n)
{
        static const mode_t types[] = {
                [KEEL_DEVICE_CHAR] = S_IFCHR,
                [KEEL_DEVICE_BLOCK] = S_IFBLK,
                [KEEL_DEVICE_UNBUFFERED] = S_IFCHR,
                [KEEL_DEVICE_FIFO] = S_IFIFO,
        };

        n->path = keel_path_clean(d->path);
        if (n->path == NULL)
                return -ENOMEM;
        n->type = types[d->type];
        n->rdev = d->type == KEEL_DEVICE_FIFO ? 0 : makedev(d->major, d->minor);
        /* runc: 0666 when the config gives no fileMode. */
        n->mode = d->has_file_mode ? (d->file_mode & 07777) : 0666;
        n->uid = d->has_uid ? d->uid : 0;
        n->gid = d->has_gid ? d->gid : 0;
        return 0;
}

static bool configured(const struct keel_linux *lx, const char *path)
{
        size_t i;

        for (i = 0; lx != NULL && i < lx->n_devices; i++) {
                _cleanup_free_ char *p = keel_path_clean(lx->devices[i].path);
                if (p != NULL && strcmp(p, path) == 0)
                        return true;
        }
        return false;
}

static int dev_links_create(int rootfd, struct keel_error **err)
{
        _cleanup_close_ int dev = keel_path_mkdir_in_root(rootfd, "/dev", 0755, err);
        size_t i;

        if (dev < 0)
                return dev;
        for (i = 0; i < ARRAY_SIZE(dev_links); i++)
                if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0 && errno != EEXIST)
                        return keel_error_set(err, errno, "symlink /dev/%s", dev_links[i].name);
        /* The kernel may be built without /proc/kcore (CONFIG_PROC_KCORE). */
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
            errno != EEXIST)
                return keel_error_set(err, errno, "symlink /dev/core");
        /* config-linux.md: /dev/ptmx is the container's own devpts's ptmx. */
        if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT)
                return keel_error_set(err, errno, "remove /dev/ptmx");
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
                return keel_error_set(err, errno, "symlink /dev/ptmx");
        return 0;
}

int keel_devices_setup(int rootfd, const struct keel_linux *lx, bool userns, struct keel_error **err)
{
        size_t i;
        int r;

        for (i = 0; i < ARRAY_SIZE(default_devices); i++) {
                struct node n = {
                        .path = default_devices[i].path,
                        .type = S_IFCHR,
                        .rdev = makedev(default_devices[i].major, default_devices[i].minor),
                        .mode = 0666,
                };
                if (configured(lx, n.path))
                        continue;
                r = create_node(rootfd, &n, userns, err);
                if (r < 0)
                        return r;
        }
        for (i = 0; lx != NULL && i < lx->n_devices; i++) {
                struct node n;

                if (device_node(&lx->devices[i], &n) < 0)
                        return keel_error_set(err, ENOMEM, "linux.devices[%zu]", i);
                r = create_node(rootfd, &n, userns, err);
                free((char *) n.path);
                if (r < 0)
                        return r;
        }
        return dev_links_create(rootfd, err);
}

int keel_devices_bind_console(int rootfd, int pty_fd, struct keel_error **err)
{
        _cleanup_close_ int dev = keel_path_mkdir_in_root(rootfd, "/dev", 0755, err);
        _cleanup_close_ int target = -1, mnt = -1;
        int r;

        if (dev < 0)
                return keel_error_prefix(err, "/dev/console");
        target = mountpoint_file(dev, "console");
        if (target < 0)
                return keel_error_set(err, -target, "create /dev/console");
        mnt = keel_mount_clone(pty_fd, "", false);
        r = mnt < 0 ? mnt : keel_mount_attach(mnt, target);
        if (r < 0)
                return keel_error_set(err, -r, "bind-mount the terminal on /dev/console");
        return 0;
}
