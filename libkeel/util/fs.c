/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fs.h"

int keel_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int keel_read_fd(int fd, size_t max_size, char **out, size_t *len, struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - size < 4096) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nbuf;

                        if (ncap > max_size + 1)
                                ncap = max_size + 1;
                        if (ncap <= size)
                                return keel_error_setq(err, EFBIG, "read: larger than %zu bytes", max_size);
                        nbuf = realloc(buf, ncap + 1);
                        if (nbuf == NULL)
                                return keel_error_set(err, ENOMEM, "read");
                        buf = nbuf;
                        cap = ncap;
                }
                n = read(fd, buf + size, cap - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return keel_error_set(err, errno, "read");
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return keel_error_setq(err, EFBIG, "read: larger than %zu bytes", max_size);
        }
        if (buf == NULL && (buf = malloc(1)) == NULL)
                return keel_error_set(err, ENOMEM, "read");
        buf[size] = '\0';
        *out = steal_pointer(&buf);
        if (len)
                *len = size;
        return 0;
}

int keel_read_file_at(int dirfd, const char *path, size_t max_size, char **out, size_t *len,
                      struct keel_error **err)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int ret;

        if (fd < 0)
                return keel_error_set(err, errno, "open %s", path);
        ret = keel_read_fd(fd, max_size, out, len, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", path);
        return 0;
}

int keel_open_own_file_at(int dirfd, const char *name, int flags, mode_t mode, struct stat *st)
{
        int fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);

        if (fd < 0)
                return -1;
        if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_uid != geteuid()) {
                close(fd);
                errno = EPERM;
                return -1;
        }
        return fd;
}

int keel_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
                              mode_t mode, struct keel_error **err)
{
        char tmp[NAME_MAX + 1];
        _cleanup_close_ int fd = -1;
        int ret;

        if (snprintf(tmp, sizeof(tmp), ".%s.tmp-%d", name, (int) getpid()) >= (int) sizeof(tmp))
                return keel_error_set(err, ENAMETOOLONG, "write %s", name);

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0)
                return keel_error_set(err, errno, "create %s", tmp);
        ret = keel_write_all(fd, data, len);
        if (ret == 0 && fsync(fd) < 0)
                ret = -errno;
        if (ret == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                ret = -errno;
        if (ret < 0) {
                unlinkat(dirfd, tmp, 0);
                return keel_error_set(err, -ret, "write %s", name);
        }
        return 0;
}

int keel_mkdir_p(const char *path, mode_t mode, struct keel_error **err)
{
        _cleanup_free_ char *copy = strdup(path);
        char *p;

        if (copy == NULL)
                return keel_error_set(err, ENOMEM, "mkdir %s", path);
        for (p = copy + 1; ; p++) {
                if (*p == '/' || *p == '\0') {
                        char saved = *p;

                        *p = '\0';
                        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                                return keel_error_set(err, errno, "mkdir %s", copy);
                        *p = saved;
                        if (saved == '\0')
                                break;
                }
        }
        return 0;
}

static int remove_entries(int dirfd, dev_t dev, int depth, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd;

        if (depth > 64)
                return keel_error_set(err, ELOOP, "remove: directory tree too deep");
        fd = dup(dirfd);
        if (fd < 0)
                return keel_error_set(err, errno, "remove: dup");
        dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return keel_error_set(err, errno, "remove: opendir");
        }
        rewinddir(dir);
        while ((errno = 0, de = readdir(dir)) != NULL) {
                struct stat st;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                        if (errno == ENOENT)
                                continue;
                        return keel_error_set(err, errno, "remove: stat %s", de->d_name);
                }
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = -1;
                        int ret;

                        /* Never descend into another file system: a mount left
                         * below a state dir must not have its contents erased. */
                        if (st.st_dev != dev)
                                return keel_error_set(err, EBUSY, "remove: %s is a mount point", de->d_name);
                        sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (sub < 0)
                                return keel_error_set(err, errno, "remove: open %s", de->d_name);
                        ret = remove_entries(sub, dev, depth + 1, err);
                        if (ret < 0)
                                return ret;
                        if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                                return keel_error_set(err, errno, "remove: rmdir %s", de->d_name);
                } else if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
                        return keel_error_set(err, errno, "remove: unlink %s", de->d_name);
                }
        }
        if (errno != 0)
                return keel_error_set(err, errno, "remove: readdir");
        return 0;
}

int keel_remove_tree_at(int dirfd, struct keel_error **err)
{
        struct stat st;

        if (fstat(dirfd, &st) < 0)
                return keel_error_set(err, errno, "remove: stat");
        return remove_entries(dirfd, st.st_dev, 0, err);
}

int keel_write_pid_file(const char *path, pid_t pid, struct keel_error **err)
{
        _cleanup_free_ char *dir = NULL;
        _cleanup_close_ int dfd = -1;
        const char *slash = strrchr(path, '/');
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%d", (int) pid);

        dir = slash ? strndup(path, slash == path ? 1 : (size_t) (slash - path)) : strdup(".");
        if (dir == NULL)
                return keel_error_set(err, ENOMEM, "pid file");
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return keel_error_set(err, errno, "pid file %s", path);
        return keel_write_file_atomic_at(dfd, slash ? slash + 1 : path, buf, n, 0644, err);
}
