/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "linux/mount-options.h"
#include "linux/mount-sources.h"
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/path.h"

/* tmpcopyup stops at this depth rather than recurse without bound. */
#define COPYUP_MAX_DEPTH 64

int keel_mount_clone(int dirfd, const char *path, bool recursive)
{
        unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
        int fd;

        if (recursive)
                flags |= AT_RECURSIVE;
        if (*path == '\0')
                flags |= AT_EMPTY_PATH;
        fd = open_tree(dirfd, path, flags);
        return fd >= 0 ? fd : -errno;
}

int keel_mount_attach(int mntfd, int target_fd)
{
        if (move_mount(mntfd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

int keel_mount_setattr(int mntfd, uint64_t set, uint64_t clr, uint64_t propagation, bool recursive)
{
        struct mount_attr attr = { .attr_set = set, .attr_clr = clr, .propagation = propagation };
        unsigned int flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);

        if (mount_setattr(mntfd, "", flags, &attr, sizeof(attr)) < 0)
                return -errno;
        return 0;
}

int keel_mount_ro_tmpfs(void)
{
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
        int fd;

        if (fs < 0)
                return -errno;
        if (fsconfig(fs, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
            fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        fd = fsmount(fs, FSMOUNT_CLOEXEC,
                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        return fd >= 0 ? fd : -errno;
}

/* How far up from a directory we look for the root of its mount. */
#define MAX_PATH_DEPTH 4096

int keel_mount_root_of(int fd)
{
        _cleanup_close_ int cur = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        int depth;

        if (cur < 0)
                return -errno;
        for (depth = 0; depth < MAX_PATH_DEPTH; depth++) {
                struct statx a, b;
                int up;

                if (statx(cur, "", AT_EMPTY_PATH, STATX_INO, &a) < 0)
                        return -errno;
                if ((a.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
                    (a.stx_attributes & STATX_ATTR_MOUNT_ROOT))
                        break;
                up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (up < 0)
                        return -errno;
                if (statx(up, "", AT_EMPTY_PATH, STATX_INO, &b) < 0) {
                        close(up);
                        return -errno;
                }
                close(cur);
                cur = up;
                if (a.stx_ino == b.stx_ino && a.stx_dev_major == b.stx_dev_major &&
                    a.stx_dev_minor == b.stx_dev_minor)
                        break;  /* "/" */
        }
        return take_fd(&cur);
}

/* ---- one config mount ---------------------------------------------------- */

struct job {
        int rootfd;
        const char *rootfs;     /* rootfd's host path, or NULL */
        const char *bundle;
        const struct keel_path_self *self;
        const struct keel_mount *m;
        size_t index;
        int idmapped;           /* the runtime's idmapped mount, or -1 */
        int source;             /* the source the runtime opened, or -1 */
        const char *label;      /* linux.mountLabel, or NULL */
        const char *cgroup_root; /* host path of the cgroup2 hierarchy, or NULL */
        struct keel_mount_opts o;
        char *dest;             /* clean container path */
        const char *what;       /* for messages: the type as written, or "bind" */
};

static void job_clear(struct job *j)
{
        keel_mount_opts_clear(&j->o);
        free(j->dest);
}
#define _cleanup_job_ __attribute__((cleanup(job_clear)))

static int job_error(const struct job *j, struct keel_error **err, int ret, const char *detail)
{
        if (detail != NULL && *detail != '\0')
                return keel_error_set(err, -ret, "mount %s on %s: %s", j->what, j->m->destination,
                                      detail);
        return keel_error_set(err, -ret, "mount %s on %s", j->what, j->m->destination);
}

/* The per-mount MS_* flags as mount_setattr(2) attributes.  atime is one
 * setting: choosing a mode requires clearing MOUNT_ATTR__ATIME. */
static void flags_to_attr(unsigned long set, unsigned long clear, uint64_t *aset, uint64_t *aclr)
{
        static const struct {
                unsigned long ms;
                uint64_t attr;
        } map[] = {
                { MS_RDONLY, MOUNT_ATTR_RDONLY },       { MS_NOSUID, MOUNT_ATTR_NOSUID },
                { MS_NODEV, MOUNT_ATTR_NODEV },         { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
                { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME }, { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
        };
        size_t i;

        *aset = *aclr = 0;
        for (i = 0; i < ARRAY_SIZE(map); i++) {
                if (set & map[i].ms)
                        *aset |= map[i].attr;
                else if (clear & map[i].ms)
                        *aclr |= map[i].attr;
        }
        if (set & MS_NOATIME)
                *aset |= MOUNT_ATTR_NOATIME;
        else if (set & MS_STRICTATIME)
                *aset |= MOUNT_ATTR_STRICTATIME;
        else if (!(set & MS_RELATIME) && (clear & MS_RELATIME))
                *aset |= MOUNT_ATTR_STRICTATIME;
        else if (!(set & MS_RELATIME) && !(clear & (MS_NOATIME | MS_STRICTATIME)))
                return;
        *aclr |= MOUNT_ATTR__ATIME;
}

static bool is_dest(const struct job *j, const char *path)
{
        return strcmp(j->dest, path) == 0;
}

/* Set the plain options on the top mount.  In a user namespace the kernel
 * refuses to clear nosuid, nodev, noexec or the atime mode that a mount
 * from the parent namespace locked; like runc, keep those as they are
 * rather than fail. */
static int set_plain_attrs(int mntfd, uint64_t set, uint64_t clr, bool recursive)
{
        const uint64_t lockable = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
        int r;

        if (set == 0 && clr == 0)
                return 0;
        r = keel_mount_setattr(mntfd, set, clr, 0, recursive);
        if (r == -EPERM && (clr & (lockable | MOUNT_ATTR__ATIME)))
                r = keel_mount_setattr(mntfd, set & ~MOUNT_ATTR__ATIME,
                                       clr & ~(lockable | MOUNT_ATTR__ATIME), 0, recursive);
        return r;
}

static int set_propagation(int mntfd, unsigned long propagation)
{
        if (propagation == 0)
                return 0;
        return keel_mount_setattr(mntfd, 0, 0, propagation & ~(unsigned long) MS_REC,
                                  propagation & MS_REC);
}

/* The r* options' attributes, applied to the whole detached tree. */
static int set_recursive_attrs(const struct job *j, int mnt)
{
        if (!j->o.attr_set && !j->o.attr_clr)
                return 0;
        return keel_mount_setattr(mnt, j->o.attr_set, j->o.attr_clr, 0, true);
}

/* Attach the finished tree at target, then give it the propagation asked for. */
static int attach_with_propagation(const struct job *j, int mnt, int target)
{
        int r = keel_mount_attach(mnt, target);

        if (r == 0)
                r = set_propagation(mnt, j->o.propagation);
        return r;
}

/* Attach the detached tree mnt at the job's destination: target_fd when
 * the caller resolved it, else a directory, or an empty file when the tree
 * is not one. */
static int attach_tree(struct job *j, int mnt, int target_fd, bool plain_recursive,
                       struct keel_error **err)
{
        _cleanup_close_ int target = -1;
        uint64_t set, clr;
        struct stat st;
        int r;

        if (fstat(mnt, &st) < 0)
                return job_error(j, err, -errno, NULL);
        if (target_fd >= 0)
                target = fcntl(target_fd, F_DUPFD_CLOEXEC, 3);
        else if (S_ISDIR(st.st_mode))
                target = keel_path_mkdir_in_root(j->rootfd, j->dest, 0755, err);
        else
                target = keel_path_mkfile_in_root(j->rootfd, j->dest, 0644, err);
        if (target < 0 && target_fd >= 0)
                return job_error(j, err, -errno, NULL);
        if (target < 0)
                return keel_error_prefix(err, "mount %s on %s", j->what, j->m->destination);

        flags_to_attr(j->o.flags, j->o.clear_flags, &set, &clr);
        r = set_plain_attrs(mnt, set, clr, plain_recursive);
        if (r == 0)
                r = set_recursive_attrs(j, mnt);
        if (r == 0)
                r = attach_with_propagation(j, mnt, target);
        if (r < 0)
                return job_error(j, err, r, NULL);
        return 0;
}

/* A source inside the rootfs is the container's: its path is resolved in
 * the rootfs (RESOLVE_IN_ROOT), so a symlink the rootfs holds on the way
 * cannot lead to a host path.  Anything else is the trusted config's,
 * resolved on the host but never through keel's own /proc (its private
 * fds, its procfs, its view of the host). */
static int clone_source(const struct job *j, const char *source, struct keel_error **err)
{
        struct keel_path_self me = { .pids = { getpid() }, .n = 1 };
        _cleanup_close_ int fd = -1, host = -1;
        int mnt;

        if (j->source >= 0) {
                fd = fcntl(j->source, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        fd = -errno;
        } else if (keel_mount_source_in_rootfs(j->rootfs, source)) {
                fd = keel_path_open_in_root(j->rootfd, source + strlen(j->rootfs) + 1, O_PATH, 0,
                                            NULL);
        } else {
                host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (host < 0)
                        return keel_error_set(err, errno, "open /");
                fd = keel_path_open_host(host, source, j->self ? j->self : &me, O_PATH, err);
                if (fd < 0)
                        return keel_error_prefix(err, "mounts[%zu].source", j->index);
        }
        if (fd < 0)
                return keel_error_set(err, -fd, "bind-mount %s on %s", j->m->source,
                                      j->m->destination);
        mnt = keel_mount_clone(fd, "", j->o.rbind);
        if (mnt < 0)
                return keel_error_set(err, -mnt, "bind-mount %s on %s", j->m->source,
                                      j->m->destination);
        return mnt;
}

static int mount_bind(struct job *j, struct keel_error **err)
{
        _cleanup_free_ char *source = NULL;
        _cleanup_close_ int mnt = -1;

        if (j->m->source == NULL)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: source: required for a bind mount",
                                       j->index);
        if (is_dest(j, "/proc"))
                return keel_error_setq(err, EPERM, "mount %s on %s: only proc can be mounted there",
                                       j->what, j->m->destination);
        source = keel_mount_source_path(j->bundle, j->m);
        if (source == NULL)
                return keel_error_set(err, ENOMEM, "mounts[%zu]", j->index);

        if (j->idmapped >= 0) {
                mnt = fcntl(j->idmapped, F_DUPFD_CLOEXEC, 3);
                if (mnt < 0)
                        return keel_error_set(err, errno, "bind-mount %s on %s", j->m->source,
                                              j->m->destination);
        } else {
                mnt = clone_source(j, source, err);
                if (mnt < 0)
                        return mnt;
        }
        /* A sysfs may be bound at /sys (runc's rootless spec binds the
         * host's when no network namespace lets it mount one); nothing
         * else: the tree is checked, not the source's name. */
        if (is_dest(j, "/sys")) {
                struct statfs sf;

                if (fstatfs(mnt, &sf) < 0 || sf.f_type != SYSFS_MAGIC)
                        return keel_error_setq(err, EPERM, "mount %s on %s: only sysfs can be "
                                               "mounted there", j->what, j->m->destination);
        }
        return attach_tree(j, mnt, -1, false, err);
}

/* ---- new file systems ---------------------------------------------------- */

/* The kernel's own message about a failed fsconfig, when it left one. */
static void fs_log(int fs, char *buf, size_t size)
{
        ssize_t n = read(fs, buf, size - 1);

        if (n <= 2) {
                buf[0] = '\0';
                return;
        }
        if (buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        /* "e tmpfs: Bad value for 'size'": drop the severity letter. */
        memmove(buf, buf + 2, (size_t) n - 1);
}

/* Hand the data string to the file system one option at a time, as
 * mount(2) does when it splits it; a quoted value (SELinux contexts) may
 * hold commas and loses its quotes. */
static int fs_set_data(int fs, char *data, char **bad)
{
        char *p = data;

        while (p != NULL && *p != '\0') {
                char *opt = p, *value, *q;
                bool quoted = false;
                int r;

                for (q = p; *q != '\0' && (quoted || *q != ','); q++)
                        if (*q == '"')
                                quoted = !quoted;
                p = *q != '\0' ? q + 1 : NULL;
                *q = '\0';
                value = strchr(opt, '=');
                if (value != NULL) {
                        size_t len;

                        *value++ = '\0';
                        len = strlen(value);
                        if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
                                value[len - 1] = '\0';
                                value++;
                        }
                        r = fsconfig(fs, FSCONFIG_SET_STRING, opt, value, 0);
                } else {
                        r = fsconfig(fs, FSCONFIG_SET_FLAG, opt, NULL, 0);
                }
                if (r < 0) {
                        *bad = opt;
                        return -errno;
                }
        }
        return 0;
}

static int fs_set_sb_flags(int fs, unsigned long flags, char **bad)
{
        static const struct {
                unsigned long ms;
                const char *name;
        } map[] = {
                { MS_RDONLY, "ro" },    { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
                { MS_MANDLOCK, "mand" }, { MS_LAZYTIME, "lazytime" },
        };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(map); i++) {
                if (!(flags & map[i].ms))
                        continue;
                if (fsconfig(fs, FSCONFIG_SET_FLAG, map[i].name, NULL, 0) < 0) {
                        *bad = (char *) map[i].name;
                        return -errno;
                }
        }
        return 0;
}

/* fsopen .. fsmount: a detached mount of a new file system. */
static int new_fs(struct job *j, const char *type, unsigned long sb_flags, uint64_t attrs,
                  struct keel_error **err)
{
        _cleanup_free_ char *data = j->o.data ? strdup(j->o.data) : NULL;
        _cleanup_close_ int fs = -1;
        char log[256] = "", detail[320] = "";
        char *bad = NULL;
        int r = 0, mnt;

        if (j->o.data != NULL && data == NULL)
                return -ENOMEM;
        fs = fsopen(type, FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        if (j->m->source != NULL && fsconfig(fs, FSCONFIG_SET_STRING, "source", j->m->source, 0) < 0)
                r = -errno;
        if (r == 0)
                r = fs_set_sb_flags(fs, sb_flags, &bad);
        if (r == 0)
                r = fs_set_data(fs, data, &bad);
        if (r == 0 && j->label != NULL && *j->label &&
            (strcmp(type, "tmpfs") == 0 || strcmp(type, "devpts") == 0) &&
            fsconfig(fs, FSCONFIG_SET_STRING, "context", j->label, 0) < 0) {
                r = -errno;
                bad = (char *) "context (linux.mountLabel)";
        }
        if (r == 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                r = -errno;
        if (r < 0) {
                fs_log(fs, log, sizeof(log));
                if (bad != NULL)
                        snprintf(detail, sizeof(detail), "option %s%s%s", bad, *log ? ": " : "", log);
                else
                        snprintf(detail, sizeof(detail), "%s", log);
                /* sysfs's and cgroup2's EPERM have a fallback: let the caller
                 * see it bare. */
                if (r == -EPERM && (strcmp(type, "sysfs") == 0 || strcmp(type, "cgroup2") == 0))
                        return r;
                return job_error(j, err, r, detail);
        }
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned int) attrs);
        return mnt >= 0 ? mnt : -errno;
}

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
        _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -1;
        off_t left = st->st_size;

        if (in < 0)
                return -errno;
        out = openat(dst_dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return -errno;
        while (left > 0) {
                ssize_t n = sendfile(out, in, NULL, (size_t) left);
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                left -= n;
        }
        return 0;
}

static int copy_tree(int src_dir, int dst_dir, int depth);

static int copy_entry(int src_dir, int dst_dir, const char *name, int depth)
{
        char target[4096];
        struct stat st;
        ssize_t n;
        int r = 0;

        if (fstatat(src_dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode)) {
                _cleanup_close_ int s = -1, d = -1;

                if (mkdirat(dst_dir, name, 0700) < 0)
                        return -errno;
                s = openat(src_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                d = openat(dst_dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s < 0 || d < 0)
                        return -errno;
                r = copy_tree(s, d, depth + 1);
        } else if (S_ISREG(st.st_mode)) {
                r = copy_file(src_dir, dst_dir, name, &st);
        } else if (S_ISLNK(st.st_mode)) {
                n = readlinkat(src_dir, name, target, sizeof(target) - 1);
                if (n < 0)
                        return -errno;
                target[n] = '\0';
                if (symlinkat(target, dst_dir, name) < 0)
                        return -errno;
        } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
                if (mknodat(dst_dir, name, st.st_mode & S_IFMT, st.st_rdev) < 0)
                        return -errno;
        } else {
                return 0;       /* sockets: nothing to copy */
        }
        if (r < 0)
                return r;
        /* The fresh tmpfs is still detached: nothing can race these. */
        if (fchownat(dst_dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (!S_ISLNK(st.st_mode) && fchmodat(dst_dir, name, st.st_mode & 07777, 0) < 0)
                return -errno;
        return 0;
}

static int copy_tree(int src_dir, int dst_dir, int depth)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd, r;

        if (depth > COPYUP_MAX_DEPTH)
                return -ELOOP;
        fd = openat(src_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return -errno;
        }
        while ((errno = 0, de = readdir(dir)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                r = copy_entry(src_dir, dst_dir, de->d_name, depth);
                if (r < 0)
                        return r;
        }
        return errno != 0 ? -errno : 0;
}

/* A tmpfs over a directory of the image looks like it: with tmpcopyup
 * (crun) it starts with the directory's contents and owner, and in any
 * case takes its mode unless the options chose one (runc chmods it too). */
static int tmpfs_like_dir(struct job *j, int target, int mnt, bool existed)
{
        const char *data = j->o.data ? j->o.data : "";
        _cleanup_close_ int dst = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        int r;

        if (dst < 0 || fstat(target, &st) < 0)
                return -errno;
        if (j->o.tmpcopyup) {
                r = copy_tree(target, dst, 0);
                if (r < 0)
                        return r;
                if (strstr(data, "uid=") == NULL && strstr(data, "gid=") == NULL &&
                    fchown(dst, st.st_uid, st.st_gid) < 0)
                        return -errno;
        }
        if (existed && strstr(data, "mode=") == NULL && fchmod(dst, st.st_mode & 07777) < 0)
                return -errno;
        return 0;
}

/* The target of a proc or sysfs mount must be a real directory: following a
 * symlink there let a container redirect /proc into a volume it controls
 * (CVE-2019-19921). */
static int fs_target(struct job *j, const char *type, struct keel_error **err)
{
        _cleanup_close_ int dir = keel_path_mkdir_in_root(j->rootfd, j->dest, 0755, err);
        int fd;

        if (dir < 0)
                return keel_error_prefix(err, "mount %s on %s", j->what, j->m->destination);
        if (strcmp(type, "proc") != 0 && strcmp(type, "sysfs") != 0)
                return take_fd(&dir);
        fd = keel_path_open_in_root(j->rootfd, j->dest, O_PATH | O_DIRECTORY | O_NOFOLLOW, 0, NULL);
        if (fd < 0)
                return keel_error_setq(err, -fd, "mount %s on %s: the target is not a directory",
                                       j->what, j->m->destination);
        return fd;
}

/* runc: without the right to mount sysfs (a user namespace that does not
 * own the network namespace), bind the host's /sys instead, all of it
 * read-only when asked. */
static int sysfs_fallback(struct job *j, int target, struct keel_error **err)
{
        _cleanup_close_ int mnt = keel_mount_clone(AT_FDCWD, "/sys", true);

        if (mnt < 0)
                return job_error(j, err, mnt, "bind of the host's /sys");
        return attach_tree(j, mnt, target, true, err);
}

/* In a user namespace that does not own the cgroup namespace the kernel
 * refuses a cgroup2 mount; bind the hierarchy instead, as runc and crun
 * do: the whole of it, which is what the container, sharing keel's cgroup
 * namespace, would see mounted (its /proc/self/cgroup paths are relative
 * to that root). */
static int cgroup_fallback(struct job *j, int target, struct keel_error **err)
{
        struct keel_path_self me = { .pids = { getpid() }, .n = 1 };
        _cleanup_close_ int host = -1, dir = -1, mnt = -1;

        if (j->cgroup_root == NULL)
                return job_error(j, err, -EPERM, "no cgroup2 hierarchy to bind instead");
        host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host < 0)
                return job_error(j, err, -errno, "open /");
        dir = keel_path_open_host(host, j->cgroup_root, j->self ? j->self : &me,
                                  O_PATH | O_DIRECTORY, err);
        if (dir < 0)
                return keel_error_prefix(err, "mount %s on %s: bind of the cgroup2 hierarchy",
                                         j->what, j->m->destination);
        mnt = keel_mount_clone(dir, "", false);
        if (mnt < 0)
                return job_error(j, err, mnt, "bind of the cgroup2 hierarchy");
        return attach_tree(j, take_fd(&mnt), target, false, err);
}

static int mount_fs(struct job *j, int *deferred_ro, struct keel_error **err)
{
        const char *type = strcmp(j->m->type, "cgroup") == 0 ? "cgroup2" : j->m->type;
        _cleanup_close_ int target = -1, mnt = -1;
        unsigned long sb_flags = j->o.flags;
        uint64_t attrs, clr;
        bool defer = false, existed = false;
        int r;

        if ((is_dest(j, "/proc") && strcmp(type, "proc") != 0) ||
            (is_dest(j, "/sys") && strcmp(type, "sysfs") != 0))
                return keel_error_setq(err, EPERM, "mount %s on %s: only %s can be mounted there",
                                       j->what, j->m->destination,
                                       is_dest(j, "/proc") ? "proc" : "sysfs");
        if ((sb_flags & MS_RDONLY) && (strcmp(type, "tmpfs") == 0 || is_dest(j, "/dev"))) {
                defer = true;
                sb_flags &= ~(unsigned long) MS_RDONLY;
        }
        if (j->o.tmpcopyup && strcmp(type, "tmpfs") != 0)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: tmpcopyup: only for tmpfs", j->index);

        if (strcmp(type, "tmpfs") == 0) {
                _cleanup_close_ int fd = keel_path_open_in_root(j->rootfd, j->dest, O_PATH | O_DIRECTORY,
                                                                0, NULL);
                existed = fd >= 0;
        }
        target = fs_target(j, type, err);
        if (target < 0)
                return target;
        flags_to_attr(sb_flags, 0, &attrs, &clr);
        r = new_fs(j, type, sb_flags, attrs, err);
        if (r == -EPERM && strcmp(type, "sysfs") == 0)
                return sysfs_fallback(j, target, err);
        if (r == -EPERM && strcmp(type, "cgroup2") == 0)
                return cgroup_fallback(j, target, err);
        if (r < 0)
                return err && *err ? r : job_error(j, err, r, NULL);
        mnt = r;
        r = set_recursive_attrs(j, mnt);
        if (r == 0 && strcmp(type, "tmpfs") == 0) {
                r = tmpfs_like_dir(j, target, mnt, existed);
                if (r < 0)
                        return job_error(j, err, r, j->o.tmpcopyup ? "tmpcopyup" : "mode");
        }
        if (r == 0)
                r = attach_with_propagation(j, mnt, target);
        if (r < 0)
                return job_error(j, err, r, NULL);
        if (defer)
                *deferred_ro = take_fd(&mnt);
        return 0;
}

int keel_mount_apply(const struct keel_mount_ctx *ctx, const struct keel_mount *m, size_t index,
                     int idmapped, int source, int *deferred_ro, struct keel_error **err)
{
        _cleanup_job_ struct job j = { .rootfd = ctx->rootfd, .rootfs = ctx->rootfs,
                                       .bundle = ctx->bundle, .self = ctx->self, .m = m,
                                       .index = index, .idmapped = idmapped, .source = source,
                                       .label = ctx->label, .cgroup_root = ctx->cgroup_root };
        int r;

        *deferred_ro = -1;
        r = keel_mount_opts_parse((const char *const *) m->options, m->n_options, &j.o, err);
        if (r < 0)
                return keel_error_prefix(err, "mounts[%zu]: options", index);
        j.what = m->type ? m->type : "bind";
        if ((j.o.idmap || m->n_uid_mappings) != (idmapped >= 0))
                return keel_error_setq(err, EINVAL, "mounts[%zu]: idmap: the runtime made no "
                                       "idmapped mount for it", index);
        if (j.o.flags & MS_REMOUNT)
                return keel_error_setq(err, ENOTSUP, "mounts[%zu]: remount: not supported", index);
        if (j.o.copy_symlink)
                return keel_error_setq(err, ENOTSUP, "mounts[%zu]: copy-symlink: not supported",
                                       index);
        j.dest = keel_path_clean(m->destination);
        if (j.dest == NULL)
                return keel_error_set(err, errno, "mounts[%zu]: destination", index);
        if (is_dest(&j, "/"))
                return keel_error_setq(err, EINVAL, "mounts[%zu]: destination: a mount over / is "
                                       "not supported (use root.path)", index);
        if (j.o.bind || (m->type && strcmp(m->type, "bind") == 0))
                return mount_bind(&j, err);
        if (m->type == NULL)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: type: required unless the mount "
                                       "is a bind mount", index);
        return mount_fs(&j, deferred_ro, err);
}
