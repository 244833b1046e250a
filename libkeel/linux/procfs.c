/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/openat2.h>

#include "linux/procfs.h"
#include "util/cleanup.h"
#include "util/syscall.h"

bool keel_procfs_is(int fd)
{
        struct statfs sfs;

        return fstatfs(fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

int keel_procfs_open(struct keel_error **err)
{
        _cleanup_close_ int fs = -1, fd = -1;

        fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0)
                return keel_error_set(err, errno, "open a private procfs");
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return keel_error_set(err, errno, "create a private procfs");
        fd = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (fd < 0)
                return keel_error_set(err, errno, "mount a private procfs");
        if (!keel_procfs_is(fd))
                return keel_error_setq(err, EXDEV, "private procfs: not a procfs");
        return take_fd(&fd);
}

int keel_procfs_open_own(struct keel_error **err)
{
        _cleanup_close_ int fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return keel_error_set(err, errno, "open keel's /proc");
        if (!keel_procfs_is(fd))
                return keel_error_setq(err, EXDEV, "keel's /proc is not procfs");
        return take_fd(&fd);
}

int keel_procfs_self(int procfd, pid_t *pid, struct keel_error **err)
{
        char buf[32], *end;
        ssize_t n = readlinkat(procfd, "self", buf, sizeof(buf) - 1);
        long v;

        if (n < 0)
                return keel_error_set(err, errno, "read /proc/self");
        buf[n] = '\0';
        errno = 0;
        v = strtol(buf, &end, 10);
        if (errno != 0 || *end != '\0' || v <= 0 || v > INT_MAX)
                return keel_error_setq(err, EXDEV, "/proc/self is \"%s\", not a pid", buf);
        *pid = (pid_t) v;
        return 0;
}

int keel_procfs_open_file(int procfd, const char *path, int flags, const char *what,
                          struct keel_error **err)
{
        struct open_how how = {
                .flags = (uint64_t) flags | O_NOCTTY | O_CLOEXEC,
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                           RESOLVE_NO_XDEV,
        };
        _cleanup_close_ int fd = -1;

        fd = keel_openat2(procfd, path, &how);
        if (fd < 0 && (errno == ENOSYS || errno == EPERM))
                fd = openat(procfd, path, flags | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return keel_error_set(err, errno, "%s: open /proc/%s", what, path);
        if (!keel_procfs_is(fd))
                return keel_error_setq(err, EXDEV, "%s: /proc/%s is not on procfs", what, path);
        return take_fd(&fd);
}

int keel_procfs_write(int procfd, const char *path, const char *value, const char *what,
                      struct keel_error **err)
{
        _cleanup_close_ int fd = keel_procfs_open_file(procfd, path, O_WRONLY, what, err);
        ssize_t len = (ssize_t) strlen(value);

        if (fd < 0)
                return fd;
        if (write(fd, value, len) != len)
                return keel_error_set(err, errno, "%s: write /proc/%s", what, path);
        return 0;
}
