/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "lib-log.h"
#include "linux/exe-guard.h"
#include "linux/mount.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"

#define GUARD_ENV KEEL_EXE_GUARD_ENV

extern char **environ;

static const char *protection_of(int fd)
{
        struct statvfs sv;
        int seals = fcntl(fd, F_GET_SEALS);

        if (seals >= 0 && (seals & KEEL_EXE_SEALS) == KEEL_EXE_SEALS)
                return "sealed memfd";
        if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
                return "read-only mount";
        return NULL;
}

const char *keel_exe_protection(void)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

        return fd < 0 ? NULL : protection_of(fd);
}

static bool id_mapped(const struct keel_id_mapping *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].host_id && id - m[i].host_id < m[i].size)
                        return true;
        return false;
}

bool keel_exe_reachable_from(const struct keel_config *cfg)
{
        _cleanup_close_ int fd = -1;
        const struct keel_linux *l = cfg->linux_cfg;
        bool own_userns = false;
        struct stat st;

        for (size_t i = 0; l != NULL && i < l->n_namespaces; i++)
                if (l->namespaces[i].type == KEEL_NS_USER)
                        own_userns = l->namespaces[i].path == NULL;
        if (!own_userns)
                return true;
        fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return true;
        /* Group and other bits: a process's supplementary groups may be
         * host groups it kept (setgroups denied); an ACL may name anyone. */
        if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
                return true;
        if (fgetxattr(fd, "system.posix_acl_access", NULL, 0) >= 0 || errno != ENODATA)
                return true;
        return id_mapped(l->uid_mappings, l->n_uid_mappings, st.st_uid);
}

/* Exec the binary through a detached, read-only bind mount of it: no copy,
 * and the mount lives exactly as long as a process runs from it. */
static int reexec_from_ro_mount(int exefd, char *const argv[])
{
        _cleanup_close_ int mnt = keel_mount_clone(exefd, "", false);
        int r;

        if (mnt < 0)
                return mnt;
        r = keel_mount_setattr(mnt, MOUNT_ATTR_RDONLY, 0, 0, false);
        if (r < 0)
                return r;
        execveat(mnt, "", argv, environ, AT_EMPTY_PATH);
        return -errno;
}

/* Exec a sealed copy of the binary in memory (no CAP_SYS_ADMIN needed). */
static int reexec_from_memfd(int exefd, char *const argv[])
{
        _cleanup_close_ int mfd = memfd_create("keel", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        struct stat st;
        off_t off = 0;

        if (mfd < 0 || fstat(exefd, &st) < 0)
                return -errno;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, exefd, &off, (size_t) (st.st_size - off));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO; /* the binary shrank under us */
        }
        if (fcntl(mfd, F_ADD_SEALS, KEEL_EXE_SEALS) < 0)
                return -errno;
        execveat(mfd, "", argv, environ, AT_EMPTY_PATH);
        return -errno;
}

int keel_exe_guard_when(char *const argv[], bool (*needed)(const void *arg), const void *arg,
                        struct keel_error **err)
{
        _cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        const char *value = getenv(GUARD_ENV);
        bool guarded = value != NULL;
        int r_mount, r_memfd;

        if (guarded && strcmp(value, KEEL_EXE_GUARD_EARLY) == 0)
                keel_debug("keel's binary: re-executed from a read-only mount before libc "
                           "started (libkeel/linux/exe-guard-early.c)");
        unsetenv(GUARD_ENV);
        if (fd < 0)
                return keel_error_set(err, errno, "open /proc/self/exe (to protect keel's binary)");
        if (protection_of(fd) != NULL)
                return 0;
        if (needed != NULL && !needed(arg))
                return 1;
        if (guarded)
                return keel_error_setq(err, EIO, "keel re-executed from a protected copy of its "
                                       "binary, but that copy is writable");
        if (setenv(GUARD_ENV, "1", 1) < 0)
                return keel_error_set(err, errno, "protect keel's binary");
        r_mount = reexec_from_ro_mount(fd, argv);
        keel_debug("protect keel's binary: read-only mount: %s; trying a sealed memfd",
                       strerror(-r_mount));
        r_memfd = reexec_from_memfd(fd, argv);
        unsetenv(GUARD_ENV);
        return keel_error_setq(err, -r_memfd, "cannot protect keel's binary from the container "
                               "(CVE-2019-5736): read-only mount: %s; sealed memfd: %s",
                               strerror(-r_mount), strerror(-r_memfd));
}

int keel_exe_guard(char *const argv[], struct keel_error **err)
{
        return keel_exe_guard_when(argv, NULL, NULL, err);
}
