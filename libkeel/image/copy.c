/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/copy.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define OVERLAY_XATTR_PREFIX "trusted.overlay."
#define OVERLAY_OPAQUE "trusted.overlay.opaque"
#define OVERLAY_WHITEOUT "trusted.overlay.whiteout"
/* Each level holds two fds; a deeper tree fails rather than run out. */
#define MAX_DEPTH 256
#define XATTR_LIST_MAX_LEN 65536

/* The first copy of each inode of the layer that has more than one
 * link: its other names become links to the copy. */
struct linked {
        dev_t dev;
        ino_t ino;
        int fd;                 /* O_PATH, of the copy */
};

struct copy {
        struct linked *links;
        size_t n_links;
        const char *layer;      /* for messages */
};

static void links_clear(struct copy *c)
{
        for (size_t i = 0; i < c->n_links; i++)
                close(c->links[i].fd);
        free(c->links);
        c->links = NULL;
        c->n_links = 0;
}

/* Whatever sits at name in dir goes, a directory with all below it. */
static int remove_entry(int dir, const char *name)
{
        struct stat st;

        if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (fd < 0)
                        return -errno;
                if (keel_remove_tree_at(fd, NULL) < 0)
                        return -ENOTEMPTY;
                return unlinkat(dir, name, AT_REMOVEDIR) < 0 ? -errno : 0;
        }
        return unlinkat(dir, name, 0) < 0 ? -errno : 0;
}

/* Every xattr of src but overlayfs' own (a whiteout marker in the copy
 * would mean nothing, or something wrong, to a later overlay). */
static int copy_xattrs(int src, int dst)
{
        char list[XATTR_LIST_MAX_LEN], value[XATTR_LIST_MAX_LEN];
        ssize_t n = flistxattr(src, list, sizeof(list));

        if (n < 0)
                return errno == ENOTSUP ? 0 : -errno;
        for (char *name = list; name < list + n; name += strlen(name) + 1) {
                ssize_t len;

                if (strncmp(name, OVERLAY_XATTR_PREFIX, strlen(OVERLAY_XATTR_PREFIX)) == 0)
                        continue;
                len = fgetxattr(src, name, value, sizeof(value));
                if (len < 0 || fsetxattr(dst, name, value, (size_t) len, 0) < 0)
                        return -errno;
        }
        return 0;
}

/* Owner first (chown clears setuid bits), then xattrs, mode and times. */
static int copy_meta(int src, int dst, const struct stat *st)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        int r;

        if (fchown(dst, st->st_uid, st->st_gid) < 0)
                return -errno;
        r = copy_xattrs(src, dst);
        if (r < 0)
                return r;
        if (fchmod(dst, st->st_mode & 07777) < 0 || futimens(dst, ts) < 0)
                return -errno;
        return 0;
}

static int copy_data(int src, int dst, off_t size)
{
        char buf[65536];
        ssize_t n;

        while (size > 0) {
                n = copy_file_range(src, NULL, dst, NULL, (size_t) size, 0);
                if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
                        break;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                size -= n;
        }
        while ((n = read(src, buf, sizeof(buf))) > 0)
                if (keel_write_all(dst, buf, (size_t) n) < 0)
                        return -errno;
        return n < 0 ? -errno : 0;
}

/* Another name of an inode this layer already copied: a link to the copy. */
static int link_to_copy(const struct copy *c, const char *name, const struct stat *st, int ddir,
                        bool *done)
{
        char path[64];

        *done = false;
        for (size_t i = 0; i < c->n_links; i++) {
                if (c->links[i].dev != st->st_dev || c->links[i].ino != st->st_ino)
                        continue;
                snprintf(path, sizeof(path), "/proc/self/fd/%d", c->links[i].fd);
                *done = true;
                return linkat(AT_FDCWD, path, ddir, name, AT_SYMLINK_FOLLOW) < 0 ? -errno : 0;
        }
        return 0;
}

static int remember_copy(struct copy *c, const char *name, const struct stat *st, int ddir)
{
        struct linked *l = realloc(c->links, (c->n_links + 1) * sizeof(*l));
        int fd;

        if (l == NULL)
                return -ENOMEM;
        c->links = l;
        fd = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        c->links[c->n_links++] = (struct linked) { .dev = st->st_dev, .ino = st->st_ino, .fd = fd };
        return 0;
}

static int copy_file(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st)
{
        _cleanup_close_ int src = -1, dst = -1;
        bool linked = false;
        int r;

        if (st->st_nlink > 1) {
                r = link_to_copy(c, name, st, ddir, &linked);
                if (r < 0 || linked)
                        return r;
        }
        src = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return -errno;
        dst = openat(ddir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dst < 0)
                return -errno;
        r = copy_data(src, dst, st->st_size);
        if (r == 0)
                r = copy_meta(src, dst, st);
        if (r == 0 && st->st_nlink > 1)
                r = remember_copy(c, name, st, ddir);
        return r;
}

static int copy_symlink(int sdir, int ddir, const char *name, const struct stat *st)
{
        struct timespec ts[2] = { st->st_atim, st->st_mtim };
        char target[PATH_MAX];
        ssize_t n = readlinkat(sdir, name, target, sizeof(target) - 1);

        if (n < 0)
                return -errno;
        target[n] = '\0';
        if (symlinkat(target, ddir, name) < 0 ||
            fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return 0;
}

static int copy_node(int ddir, const char *name, const struct stat *st)
{
        if (mknodat(ddir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0 ||
            fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
            fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

static int copy_tree(struct copy *c, int sdir, int ddir, int depth, struct keel_error **err);

/* A directory merges with one an earlier layer made, unless it is
 * opaque; anything else there is replaced. */
static int copy_dir(struct copy *c, int sdir, int ddir, const char *name, const struct stat *st,
                    int depth, struct keel_error **err)
{
        _cleanup_close_ int src = -1, dst = -1;
        struct stat old;
        char flag;
        int r;

        if (depth >= MAX_DEPTH)
                return keel_error_setq(err, ELOOP, "layer %s: %s: directories nested deeper than %d",
                                       c->layer, name, MAX_DEPTH);
        src = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return keel_error_set(err, errno, "layer %s: %s", c->layer, name);
        if (fstatat(ddir, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old.st_mode) &&
            unlinkat(ddir, name, 0) < 0)
                return keel_error_set(err, errno, "replace %s", name);
        if (mkdirat(ddir, name, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "create %s", name);
        dst = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dst < 0)
                return keel_error_set(err, errno, "open %s", name);
        if (fgetxattr(src, OVERLAY_OPAQUE, &flag, 1) == 1 && flag == 'y' &&
            keel_remove_tree_at(dst, err) < 0)
                return keel_error_prefix(err, "opaque %s", name);
        r = copy_tree(c, src, dst, depth + 1, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", name);
        /* After the entries: adding them changed its times. */
        r = copy_meta(src, dst, st);
        return r < 0 ? keel_error_set(err, -r, "%s", name) : 0;
}

/* A 0:0 character device, or the empty file marked as a whiteout that
 * the extractor makes where overlayfs refuses the device (extract.h). */
static bool is_whiteout(int sdir, const char *name, const struct stat *st)
{
        _cleanup_close_ int fd = -1;
        char flag;

        if (S_ISCHR(st->st_mode))
                return st->st_rdev == makedev(0, 0);
        if (!S_ISREG(st->st_mode) || st->st_size != 0)
                return false;
        fd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        return fd >= 0 && fgetxattr(fd, OVERLAY_WHITEOUT, &flag, 1) == 1 && flag == 'y';
}

static int copy_entry(struct copy *c, int sdir, int ddir, const char *name, int depth,
                      struct keel_error **err)
{
        struct stat st;
        int r;

        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return keel_error_set(err, errno, "layer %s: %s", c->layer, name);
        if (S_ISDIR(st.st_mode))
                return copy_dir(c, sdir, ddir, name, &st, depth, err);
        r = remove_entry(ddir, name);
        if (r < 0)
                return keel_error_set(err, -r, "replace %s", name);
        if (is_whiteout(sdir, name, &st))
                return 0;       /* removing was all */
        if (S_ISREG(st.st_mode))
                r = copy_file(c, sdir, ddir, name, &st);
        else if (S_ISLNK(st.st_mode))
                r = copy_symlink(sdir, ddir, name, &st);
        else
                r = copy_node(ddir, name, &st);
        return r < 0 ? keel_error_set(err, -r, "copy %s", name) : 0;
}

static int copy_tree(struct copy *c, int sdir, int ddir, int depth, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return keel_error_set(err, errno, "layer %s: list a directory", c->layer);
        }
        while ((errno = 0, de = readdir(dir)) != NULL) {
                int r;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = copy_entry(c, sdir, ddir, de->d_name, depth, err);
                if (r < 0)
                        return r;
        }
        return errno ? keel_error_set(err, errno, "layer %s: list a directory", c->layer) : 0;
}

int keel_image_copy_layers(int layersfd, char *const *hexes, size_t n, int rootfd,
                           struct keel_error **err)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int layer = openat(layersfd, hexes[i],
                                                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                struct copy c = { .layer = hexes[i] };
                int r;

                if (layer < 0)
                        return keel_error_set(err, errno, "layer sha256:%s", hexes[i]);
                r = copy_tree(&c, layer, rootfd, 0, err);
                links_clear(&c);
                if (r < 0)
                        return r;
        }
        return 0;
}
