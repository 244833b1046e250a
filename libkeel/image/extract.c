/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/extract.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"
#define OVERLAY_OPAQUE "trusted.overlay.opaque"
#define OVERLAY_WHITEOUT "trusted.overlay.whiteout"
#define OVERLAY_WHITEOUTS "trusted.overlay.whiteouts"

/* NULL with errno EINVAL (free(3) leaves errno alone: POSIX.1-2024). */
static char *invalid_name(void)
{
        errno = EINVAL;
        return NULL;
}

char *keel_extract_clean_name(const char *name)
{
        _cleanup_free_ char *out = malloc(strlen(name) + 1);
        const char *p = name;
        char *o = out;

        if (out == NULL)
                return NULL;
        if (*name == '/')
                return invalid_name();
        while (*p != '\0') {
                const char *start = p;
                size_t len;

                while (*p != '\0' && *p != '/')
                        p++;
                len = (size_t) (p - start);
                while (*p == '/')
                        p++;
                if (len == 0 || (len == 1 && start[0] == '.'))
                        continue;
                if (len == 2 && start[0] == '.' && start[1] == '.')
                        return invalid_name();
                if (o != out)
                        *o++ = '/';
                memcpy(o, start, len);
                o += len;
        }
        *o = '\0';
        return steal_pointer(&out);
}

/* The directory that will hold clean (created inside the layer as
 * needed) and the last component.  *base points into clean. */
static int open_parent(int layerfd, char *clean, const char **base, struct keel_error **err)
{
        char *slash = strrchr(clean, '/');
        int fd;

        if (slash == NULL) {
                *base = clean;
                fd = openat(layerfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
                return fd >= 0 ? fd : keel_error_set(err, errno, "open the layer");
        }
        *slash = '\0';
        *base = slash + 1;
        fd = keel_path_mkdir_in_root(layerfd, clean, 0755, err);
        *slash = '/';
        return fd;
}

/* Make room for a new entry: tar's rule is that the last entry wins, and
 * a symlink left in the way must be replaced, never followed. */
static int clear_slot(int parent, const char *base, bool keep_dir, bool *is_dir)
{
        struct stat st;

        *is_dir = false;
        if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int fd = -1;

                if (keep_dir) {
                        *is_dir = true;
                        return 0;
                }
                fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || keel_remove_tree_at(fd, NULL) < 0)
                        return fd < 0 ? -errno : -ENOTEMPTY;
                return unlinkat(parent, base, AT_REMOVEDIR) < 0 ? -errno : 0;
        }
        return unlinkat(parent, base, 0) < 0 ? -errno : 0;
}

static bool xattr_allowed(const char *name)
{
        return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

/* Owner, xattrs, mode and mtime of a regular file or directory, in an
 * order that keeps setuid bits (chown clears them). */
static int apply_meta(int fd, const struct keel_tar_entry *e, const struct keel_extract_opts *o,
                      bool times)
{
        if (o->chown && fchown(fd, e->uid, e->gid) < 0)
                return -errno;
        for (size_t i = 0; i < e->n_xattrs; i++)
                if (xattr_allowed(e->xattrs[i].name) &&
                    fsetxattr(fd, e->xattrs[i].name, e->xattrs[i].value, e->xattrs[i].len, 0) < 0)
                        return -errno;
        if (fchmod(fd, e->mode) < 0)
                return -errno;
        if (times) {
                struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };

                if (futimens(fd, ts) < 0)
                        return -errno;
        }
        return 0;
}

static int write_file(int parent, const char *base, struct keel_tar *tar,
                      const struct keel_tar_entry *e, const struct keel_extract_opts *o,
                      struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        char buf[65536];
        ssize_t n;

        fd = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while ((n = keel_tar_read(tar, buf, sizeof(buf), err)) > 0)
                if (keel_write_all(fd, buf, (size_t) n) < 0)
                        return -errno;
        if (n < 0)
                return (int) n;
        return apply_meta(fd, e, o, true);
}

static int make_dir(int parent, const char *base, bool exists, const struct keel_tar_entry *e,
                    const struct keel_extract_opts *o)
{
        _cleanup_close_ int fd = -1;

        if (!exists && mkdirat(parent, base, 0700) < 0)
                return -errno;
        fd = openat(parent, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* Directory mtimes are not restored: later entries change them. */
        return apply_meta(fd, e, o, false);
}

static int make_symlink(int parent, const char *base, const struct keel_tar_entry *e,
                        const struct keel_extract_opts *o)
{
        struct timespec ts[2] = { { e->mtime, 0 }, { e->mtime, 0 } };

        if (symlinkat(e->linkname, parent, base) < 0)
                return -errno;
        if (o->chown && fchownat(parent, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* A hard link's target is another entry of this layer, named like one. */
static int make_hardlink(int layerfd, int parent, const char *base, const struct keel_tar_entry *e,
                         struct keel_error **err)
{
        _cleanup_free_ char *target = keel_extract_clean_name(e->linkname);
        _cleanup_close_ int tdir = -1;
        const char *tbase;

        if (target == NULL || *target == '\0')
                return keel_error_setq(err, EINVAL, "hard link %s -> %s: target outside the layer",
                                       e->name, e->linkname);
        tdir = open_parent(layerfd, target, &tbase, err);
        if (tdir < 0)
                return tdir;
        /* No AT_SYMLINK_FOLLOW: a symlink target is linked, not followed. */
        return linkat(tdir, tbase, parent, base, 0) < 0 ? -errno : 0;
}

static int make_node(int parent, const char *base, const struct keel_tar_entry *e,
                     const struct keel_extract_opts *o, struct keel_error **err)
{
        mode_t type = e->type == KEEL_TAR_CHAR ? S_IFCHR : e->type == KEEL_TAR_BLOCK ? S_IFBLK : S_IFIFO;
        dev_t dev = type == S_IFIFO ? 0 : makedev(e->devmajor, e->devminor);

        if (type != S_IFIFO && !o->allow_devices)
                return keel_error_setq(err, EPERM, "%s: device nodes are only extracted by root",
                                       e->name);
        if (mknodat(parent, base, type | e->mode, dev) < 0)
                return -errno;
        if (o->chown && fchownat(parent, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return fchmodat(parent, base, e->mode, 0) < 0 ? -errno : 0;     /* past the umask */
}

/* overlayfs will not make a 0:0 device inside itself (a state root on
 * overlayfs: keel in a container).  Its other form of whiteout (Linux
 * 6.7, "xwhiteouts") goes through: an empty file marked with an xattr,
 * in a directory marked as holding such files. */
static int xattr_whiteout(int parent, const char *victim)
{
        _cleanup_close_ int dir = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = -1;

        if (dir < 0)
                return -errno;
        fd = openat(dir, victim, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0 || fsetxattr(fd, OVERLAY_WHITEOUT, "y", 1, 0) < 0 ||
            fsetxattr(dir, OVERLAY_WHITEOUTS, "y", 1, 0) < 0)
                return -errno;
        return 0;
}

/* ".wh..wh..opq": the directory hides everything below it in lower
 * layers.  ".wh.NAME": NAME is deleted.  Other ".wh..wh." names are aufs
 * bookkeeping with no meaning for overlayfs. */
static int whiteout(int parent, const char *base, struct keel_error **err, const char *name)
{
        const char *victim = base + strlen(WHITEOUT);
        bool is_dir;
        int r;

        if (strcmp(base, OPAQUE) == 0) {
                _cleanup_close_ int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                if (fd < 0 || fsetxattr(fd, OVERLAY_OPAQUE, "y", 1, 0) < 0)
                        return keel_error_set(err, errno, "%s: set %s", name, OVERLAY_OPAQUE);
                return 0;
        }
        if (strncmp(base, WHITEOUT WHITEOUT, 2 * strlen(WHITEOUT)) == 0)
                return 0;
        if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
                return keel_error_setq(err, EINVAL, "%s: invalid whiteout", name);
        r = clear_slot(parent, victim, false, &is_dir);
        if (r == 0 && mknodat(parent, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
                r = errno == EPERM ? xattr_whiteout(parent, victim) : -errno;
        if (r < 0)
                return keel_error_set(err, -r, "%s: whiteout", name);
        return 0;
}

static int extract_entry(int layerfd, struct keel_tar *tar, const struct keel_tar_entry *e,
                         const struct keel_extract_opts *o, struct keel_error **err)
{
        _cleanup_free_ char *clean = keel_extract_clean_name(e->name);
        _cleanup_close_ int parent = -1;
        const char *base;
        bool is_dir = false;
        int r;

        if (clean == NULL)
                return errno == EINVAL ? keel_error_setq(err, EINVAL, "%s: name leaves the layer", e->name)
                                       : keel_error_set(err, errno, "%s", e->name);
        /* The layer's root itself: its attributes come from the upper dir. */
        if (*clean == '\0')
                return 0;
        parent = open_parent(layerfd, clean, &base, err);
        if (parent < 0)
                return keel_error_prefix(err, "%s", e->name);
        if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0)
                return whiteout(parent, base, err, e->name);
        r = clear_slot(parent, base, e->type == KEEL_TAR_DIR, &is_dir);
        if (r < 0)
                return keel_error_set(err, -r, "%s: replace the existing entry", e->name);
        switch (e->type) {
        case KEEL_TAR_REG:
                r = write_file(parent, base, tar, e, o, err);
                break;
        case KEEL_TAR_DIR:
                r = make_dir(parent, base, is_dir, e, o);
                break;
        case KEEL_TAR_SYMLINK:
                r = make_symlink(parent, base, e, o);
                break;
        case KEEL_TAR_HARDLINK:
                r = make_hardlink(layerfd, parent, base, e, err);
                break;
        default:
                r = make_node(parent, base, e, o, err);
                break;
        }
        if (r < 0 && (err == NULL || *err == NULL))
                return keel_error_set(err, -r, "%s", e->name);
        return r < 0 ? keel_error_code(*err) : 0;
}

int keel_extract_layer(int layerfd, struct keel_tar *tar, const struct keel_extract_opts *o,
                       struct keel_error **err)
{
        const struct keel_tar_entry *e;
        int r;

        while ((r = keel_tar_next(tar, &e, err)) > 0) {
                r = extract_entry(layerfd, tar, e, o, err);
                if (r < 0)
                        return r;
        }
        return r;
}
