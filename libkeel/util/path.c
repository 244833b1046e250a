/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/path.h"

/* procfs gives its root directory this inode number. */
#define PROC_ROOT_INO 1

/* openat2 may fail with EAGAIN when a rename or mount raced the lookup. */
#define OPENAT2_RETRIES 32

static int path_error(struct keel_error **err, int ret, const char *what, const char *path)
{
        return keel_error_set(err, -ret, "%s %s in the rootfs", what, path);
}

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
        struct open_how how = {
                .flags = (uint64_t) (unsigned) (flags | O_CLOEXEC),
                .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int i, fd = -1;

        for (i = 0; i < OPENAT2_RETRIES; i++) {
                fd = keel_openat2(dirfd, path, &how);
                if (fd >= 0 || errno != EAGAIN)
                        break;
        }
        return fd >= 0 ? fd : -errno;
}

int keel_path_open_in_root(int rootfd, const char *path, int flags, mode_t mode,
                           struct keel_error **err)
{
        int fd = sys_openat2(rootfd, path, flags, mode);

        if (fd == -ENOSYS || fd == -EPERM)
                return keel_path_open_in_root_fallback(rootfd, path, flags, mode, err);
        if (fd < 0)
                return path_error(err, fd, "open", path);
        return fd;
}

/* ---- the userspace walk -------------------------------------------------- */

struct walk {
        int rootfd;
        struct stat root;
        int cur;                /* owned: the directory reached so far */
        char *todo;             /* owned: what is left to resolve */
        const char *p;          /* cursor in todo */
        int links;
        /* keel_path_open_host: magic links are followed, keel's own /proc
         * directories refused (the name met is kept for the message) */
        const struct keel_path_self *self;
        char refused[NAME_MAX + 1];
};

static void walk_done(struct walk *w)
{
        closep(&w->cur);
        free(w->todo);
        w->todo = NULL;
}
#define _cleanup_walk_ __attribute__((cleanup(walk_done)))

/* Stand at the root (a fresh fd of it) with all of path still to resolve. */
static int walk_start(struct walk *w, const char *path)
{
        w->cur = openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (w->cur < 0 || fstat(w->cur, &w->root) < 0)
                return -errno;
        w->todo = strdup(path);
        if (w->todo == NULL)
                return -ENOMEM;
        w->p = w->todo;
        return 0;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
        return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int walk_set_cur(struct walk *w, int fd)
{
        if (fd < 0)
                return -errno;
        close(w->cur);
        w->cur = fd;
        return 0;
}

static int walk_dotdot(struct walk *w)
{
        struct stat st;

        if (fstat(w->cur, &st) < 0)
                return -errno;
        /* The root is "/": its ".." is itself. */
        if (same_inode(&st, &w->root))
                return 0;
        return walk_set_cur(w, openat(w->cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC));
}

/* A procfs symlink outside the procfs root (/proc/<pid>/fd/N, exe, cwd,
 * root, ns/...) is a magic link: the kernel jumps to an object instead of
 * reading a path, which could land anywhere. */
static int is_magic_link(int linkfd, int parentfd)
{
        struct statfs sfs;
        struct stat st;

        if (fstatfs(linkfd, &sfs) < 0 || fstat(parentfd, &st) < 0)
                return -errno;
        return sfs.f_type == PROC_SUPER_MAGIC && st.st_ino != PROC_ROOT_INO;
}

enum walk_result {
        WALK_OPENED,            /* *out holds the final fd */
        WALK_MORE,              /* go on with the next component */
        WALK_AT_DIR,            /* "dir/" as the last component: w->cur is it */
};

static bool is_proc_root(int dirfd)
{
        struct statfs sfs;
        struct stat st;

        return fstatfs(dirfd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC &&
               fstat(dirfd, &st) == 0 && st.st_ino == PROC_ROOT_INO;
}

/* In a procfs root, is name the directory of one of keel's processes? */
static bool names_keel(const struct keel_path_self *self, const char *name)
{
        char *end;
        long pid;

        if (strcmp(name, "self") == 0 || strcmp(name, "thread-self") == 0)
                return true;
        errno = 0;
        pid = strtol(name, &end, 10);
        if (errno != 0 || end == name || *end != '\0' || pid <= 0)
                return false;
        for (size_t i = 0; i < self->n; i++)
                if (self->pids[i] == (pid_t) pid)
                        return true;
        return false;
}

/* keel_path_open_host: the next step may not enter keel's own /proc. */
static int walk_guard(struct walk *w, const char *name)
{
        if (w->self == NULL || !names_keel(w->self, name) || !is_proc_root(w->cur))
                return 0;
        snprintf(w->refused, sizeof(w->refused), "%s", name);
        return -EPERM;
}

/* keel_path_open_host follows a magic link the way the kernel does (its
 * target is an object, not a path to read), unless it lands in a procfs
 * directory, where keel cannot tell whose it is. */
static int walk_jump(struct walk *w, const char *name, bool final, int flags, int *out)
{
        _cleanup_close_ int fd = openat(w->cur, name, O_PATH | O_CLOEXEC);
        struct statfs sfs;
        struct stat st;

        if (++w->links > KEEL_PATH_MAX_SYMLINKS)
                return -ELOOP;
        if (fd < 0 || fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (sfs.f_type == PROC_SUPER_MAGIC && S_ISDIR(st.st_mode)) {
                snprintf(w->refused, sizeof(w->refused), "%s", name);
                return -EPERM;
        }
        if (final) {
                *out = openat(w->cur, name, flags | O_CLOEXEC);
                return *out < 0 ? -errno : WALK_OPENED;
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        walk_set_cur(w, take_fd(&fd));
        return WALK_MORE;
}

/* Replace the symlink just met (linkfd, found in w->cur) by its target
 * followed by whatever was left after it. */
static int walk_follow(struct walk *w, int linkfd)
{
        char target[PATH_MAX];
        char *todo;
        ssize_t n;
        int r;

        if (++w->links > KEEL_PATH_MAX_SYMLINKS)
                return -ELOOP;
        r = is_magic_link(linkfd, w->cur);
        if (r != 0)
                return r < 0 ? r : -ELOOP;
        n = readlinkat(linkfd, "", target, sizeof(target));
        if (n < 0)
                return -errno;
        if ((size_t) n >= sizeof(target))
                return -ENAMETOOLONG;
        if (n == 0)
                return -ENOENT;
        target[n] = '\0';

        if (asprintf(&todo, "%s%s", target, w->p) < 0)
                return -ENOMEM;
        free(w->todo);
        w->todo = todo;
        w->p = todo;
        if (target[0] == '/')
                return walk_set_cur(w, openat(w->rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC));
        return 0;
}

/* The next component of w->p into name; *last when nothing follows it,
 * *dir_wanted when a '/' follows it. */
static int walk_next(struct walk *w, char name[static NAME_MAX + 1], bool *last, bool *dir_wanted)
{
        const char *start, *q;
        size_t len;

        while (*w->p == '/')
                w->p++;
        start = w->p;
        while (*w->p != '\0' && *w->p != '/')
                w->p++;
        len = (size_t) (w->p - start);
        if (len == 0)
                return 0;
        if (len > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(name, start, len);
        name[len] = '\0';
        for (q = w->p; *q == '/'; q++)
                ;
        *last = *q == '\0';
        *dir_wanted = q != w->p;
        return 1;
}

/* The final component, whose symlink (if any) was already followed or is
 * not to be followed: open it for real, checking that it is still the
 * object the walk saw. */
static int walk_open_last(struct walk *w, const char *name, const struct stat *seen, int flags,
                          mode_t mode)
{
        struct stat st;
        int fd;

        fd = openat(w->cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return -errno;
        if (seen != NULL && (fstat(fd, &st) < 0 || !same_inode(&st, seen))) {
                close(fd);
                return -EAGAIN;
        }
        return fd;
}

static int walk_step(struct walk *w, const char *name, bool last, bool dir_wanted, int flags,
                     mode_t mode, int *out)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        bool final = last && !dir_wanted;

        int r = walk_guard(w, name);

        if (r < 0)
                return r;
        /* What openat2 does with these flags needs no lookahead. */
        if (final && ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))) {
                *out = walk_open_last(w, name, NULL, flags, mode);
                return *out < 0 ? *out : WALK_OPENED;
        }
        fd = openat(w->cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && final && (flags & O_CREAT)) {
                *out = walk_open_last(w, name, NULL, flags, mode);
                return *out < 0 ? *out : WALK_OPENED;
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode)) {
                if (w->self != NULL && is_magic_link(fd, w->cur) > 0)
                        return walk_jump(w, name, final, flags, out);
                r = walk_follow(w, fd);
                return r < 0 ? r : WALK_MORE;
        }
        if (final) {
                *out = walk_open_last(w, name, &st, flags, mode);
                return *out < 0 ? *out : WALK_OPENED;
        }
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        walk_set_cur(w, take_fd(&fd));
        return last ? WALK_AT_DIR : WALK_MORE;
}

static int walk_run(struct walk *w, int flags, mode_t mode)
{
        char name[NAME_MAX + 1];
        bool last = true, dir_wanted = false;
        int r, fd = -1;

        for (;;) {
                r = walk_next(w, name, &last, &dir_wanted);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;          /* ended on a directory: "/", "a/.." */
                if (strcmp(name, ".") == 0)
                        continue;
                if (strcmp(name, "..") == 0) {
                        r = walk_dotdot(w);
                        if (r < 0)
                                return r;
                        continue;
                }
                r = walk_step(w, name, last, dir_wanted, flags, mode, &fd);
                if (r < 0)
                        return r;
                if (r == WALK_OPENED)
                        return fd;
                if (r == WALK_AT_DIR)
                        break;
        }
        if (flags & O_CREAT)
                return -EISDIR;
        r = openat(w->cur, ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC);
        return r >= 0 ? r : -errno;
}

int keel_path_open_in_root_fallback(int rootfd, const char *path, int flags, mode_t mode,
                                    struct keel_error **err)
{
        _cleanup_walk_ struct walk w = { .rootfd = rootfd, .cur = -1 };
        int r;

        if (path == NULL || *path == '\0')
                return path_error(err, -ENOENT, "open", path ? path : "(null)");
        r = walk_start(&w, path);
        if (r == 0)
                r = walk_run(&w, flags, mode);
        if (r < 0)
                return path_error(err, r, "open", path);
        return r;
}

int keel_path_open_host(int rootfd, const char *path, const struct keel_path_self *self, int flags,
                        struct keel_error **err)
{
        _cleanup_walk_ struct walk w = { .rootfd = rootfd, .cur = -1, .self = self };
        int r;

        if (path == NULL || path[0] != '/')
                return keel_error_setq(err, EINVAL, "%s: not an absolute path",
                                       path ? path : "(null)");
        r = walk_start(&w, path);
        if (r == 0)
                r = walk_run(&w, flags, 0);
        if (r == -EPERM && w.refused[0] != '\0')
                return keel_error_setq(err, EPERM, "%s: leads into /proc/%s, which is keel's own "
                                       "process, not the caller's (refused)", path, w.refused);
        if (r < 0)
                return keel_error_set(err, -r, "%s", path);
        return r;
}

/* ---- creating ------------------------------------------------------------ */

char *keel_path_clean(const char *path)
{
        const char *p = path;
        char *out, *o;

        if (path == NULL || *path == '\0') {
                errno = EINVAL;
                return NULL;
        }
        out = malloc(strlen(path) + 2);
        if (out == NULL)
                return NULL;
        o = out;
        while (*p != '\0') {
                const char *start;
                size_t len;

                while (*p == '/')
                        p++;
                start = p;
                while (*p != '\0' && *p != '/')
                        p++;
                len = (size_t) (p - start);
                if (len == 0 || (len == 1 && start[0] == '.'))
                        continue;
                if (len == 2 && start[0] == '.' && start[1] == '.') {
                        while (o > out && *--o != '/')
                                ;
                        continue;
                }
                *o++ = '/';
                memcpy(o, start, len);
                o += len;
        }
        if (o == out)
                *o++ = '/';
        *o = '\0';
        return out;
}

int keel_path_split(const char *clean, char **dir, char **base)
{
        const char *slash = strrchr(clean, '/');

        if (slash == NULL || slash[1] == '\0')
                return -EINVAL;
        *base = strdup(slash + 1);
        *dir = slash == clean ? strdup("/") : strndup(clean, (size_t) (slash - clean));
        if (*base == NULL || *dir == NULL) {
                free(*base);
                free(*dir);
                *base = *dir = NULL;
                return -ENOMEM;
        }
        return 0;
}

static int open_dir_in_root(int rootfd, const char *path)
{
        return keel_path_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0, NULL);
}

/* Walk the part of path that exists, following symlinks inside the root
 * as the fallback walk does.  *dirfd gets the deepest directory reached
 * and *missing the first component that does not exist there (NULL when
 * the whole path exists).  A non-directory on the way is ENOTDIR. */
static int walk_existing(int rootfd, const char *path, int *dirfd, char **missing)
{
        _cleanup_walk_ struct walk w = { .rootfd = rootfd, .cur = -1 };
        char name[NAME_MAX + 1];
        bool last, dir_wanted;
        int r;

        *missing = NULL;
        r = walk_start(&w, path);
        if (r < 0)
                return r;
        while ((r = walk_next(&w, name, &last, &dir_wanted)) > 0) {
                _cleanup_close_ int fd = -1;
                struct stat st;

                if (strcmp(name, ".") == 0)
                        continue;
                if (strcmp(name, "..") == 0) {
                        r = walk_dotdot(&w);
                        if (r < 0)
                                return r;
                        continue;
                }
                fd = openat(w.cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 && errno == ENOENT) {
                        *missing = strdup(name);
                        r = *missing ? 0 : -ENOMEM;
                        break;
                }
                if (fd < 0 || fstat(fd, &st) < 0)
                        return -errno;
                if (S_ISLNK(st.st_mode))
                        r = walk_follow(&w, fd);
                else if (S_ISDIR(st.st_mode))
                        r = walk_set_cur(&w, take_fd(&fd));
                else
                        r = -ENOTDIR;
                if (r < 0)
                        return r;
        }
        if (r == 0)
                *dirfd = take_fd(&w.cur);
        return r;
}

/* Create the first missing component of clean, again and again: every
 * round resolves the path afresh, so a symlink (dangling ones included)
 * leads to a directory made inside the root, and a symlink raced in
 * between two rounds is followed inside the root as well. */
static int mkdir_walk(int rootfd, const char *clean, mode_t mode)
{
        size_t rounds, max_rounds = strlen(clean) + KEEL_PATH_MAX_SYMLINKS;

        for (rounds = 0; rounds < max_rounds; rounds++) {
                _cleanup_free_ char *missing = NULL;
                _cleanup_close_ int dir = -1;
                int r = walk_existing(rootfd, clean, &dir, &missing);

                if (r < 0)
                        return r;
                if (missing == NULL)
                        return open_dir_in_root(rootfd, clean);
                if (mkdirat(dir, missing, mode) < 0 && errno != EEXIST)
                        return -errno;
        }
        return -ELOOP;
}

int keel_path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct keel_error **err)
{
        _cleanup_free_ char *clean = keel_path_clean(path);
        int fd;

        if (clean == NULL)
                return path_error(err, -errno, "mkdir", path ? path : "(null)");
        fd = open_dir_in_root(rootfd, clean);
        if (fd == -ENOENT)
                fd = mkdir_walk(rootfd, clean, mode);
        if (fd < 0)
                return path_error(err, fd, "mkdir", path);
        return fd;
}

/* Where the symlink name in parent (found at the container path dir)
 * points: a new container path, or NULL with errno. */
static char *symlink_destination(int parent, const char *dir, const char *name)
{
        _cleanup_close_ int fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *joined = NULL;
        char target[PATH_MAX];
        ssize_t n;
        int magic;

        if (fd < 0)
                return NULL;
        magic = is_magic_link(fd, parent);
        if (magic != 0) {
                errno = magic < 0 ? -magic : ELOOP;
                return NULL;
        }
        n = readlinkat(fd, "", target, sizeof(target));
        if (n < 0)
                return NULL;
        if ((size_t) n >= sizeof(target) || n == 0) {
                errno = n == 0 ? ENOENT : ENAMETOOLONG;
                return NULL;
        }
        target[n] = '\0';
        if (target[0] != '/' && asprintf(&joined, "%s/%s", dir, target) < 0)
                return NULL;
        return keel_path_clean(joined ? joined : target);
}

/* Create the empty file, following a symlink already there to its
 * destination inside the root (a dangling /etc/resolv.conf is common). */
static int mkfile_walk(int rootfd, char **clean, mode_t mode, struct keel_error **err)
{
        int links;

        for (links = 0; links <= KEEL_PATH_MAX_SYMLINKS; links++) {
                _cleanup_free_ char *dir = NULL, *base = NULL, *next = NULL;
                _cleanup_close_ int parent = -1;
                struct stat st;
                int r, fd;

                r = keel_path_split(*clean, &dir, &base);
                if (r < 0)
                        return r == -EINVAL ? -EISDIR : r;
                parent = keel_path_mkdir_in_root(rootfd, dir, 0755, err);
                if (parent < 0)
                        return parent;
                fd = openat(parent, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
                if (fd >= 0) {
                        close(fd);
                        return 0;
                }
                if (errno != EEXIST)
                        return -errno;
                if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return -errno;
                if (!S_ISLNK(st.st_mode))
                        return 0;
                next = symlink_destination(parent, dir, base);
                if (next == NULL)
                        return -errno;
                free(*clean);
                *clean = steal_pointer(&next);
        }
        return -ELOOP;
}

int keel_path_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct keel_error **err)
{
        _cleanup_free_ char *clean = keel_path_clean(path);
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (clean == NULL)
                return path_error(err, -errno, "create", path ? path : "(null)");
        r = mkfile_walk(rootfd, &clean, mode, err);
        if (r < 0)
                return err && *err ? r : path_error(err, r, "create", path);
        fd = keel_path_open_in_root(rootfd, path, O_PATH, 0, NULL);
        if (fd < 0)
                return path_error(err, fd, "create", path);
        if (fstat(fd, &st) < 0)
                return path_error(err, -errno, "create", path);
        if (S_ISDIR(st.st_mode))
                return path_error(err, -EISDIR, "create", path);
        return take_fd(&fd);
}
