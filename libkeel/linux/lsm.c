/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "linux/lsm.h"
#include "linux/procfs.h"
#include "util/cleanup.h"

bool keel_apparmor_enabled(void)
{
        char c = 0;
        int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return false;
        if (read(fd, &c, 1) != 1)
                c = 0;
        close(fd);
        return c == 'Y';
}

bool keel_selinux_enabled(void)
{
        return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

static int check_selinux(const char *field, const char *label, struct keel_error **err)
{
        if (label == NULL || *label == '\0')
                return 0;
        /* A context is user:role:type[:level], the level possibly with
         * categories ("s0:c1,c2"); it reaches the kernel whole (attr files,
         * fsconfig's "context" key), never inside a mount data string. */
        if (strchr(label, '\n') != NULL || strlen(label) > 4096 || strchr(label, ':') == NULL)
                return keel_error_setq(err, EINVAL, "%s: \"%s\" is not an SELinux context", field,
                                       label);
        if (!keel_selinux_enabled())
                return keel_error_setq(err, ENOTSUP, "%s: SELinux is not enabled on this host",
                                       field);
        return 0;
}

int keel_lsm_check(const struct keel_process *p, const struct keel_linux *lx,
                   struct keel_error **err)
{
        const char *aa = p ? p->apparmor_profile : NULL;
        int r;

        if (aa != NULL && *aa != '\0') {
                if (strpbrk(aa, "\n") != NULL || strlen(aa) > 4096)
                        return keel_error_setq(err, EINVAL, "process.apparmorProfile: not a "
                                               "profile name");
                if (!keel_apparmor_enabled())
                        return keel_error_setq(err, ENOTSUP, "process.apparmorProfile: AppArmor "
                                               "is not enabled on this host");
        }
        r = check_selinux("process.selinuxLabel", p ? p->selinux_label : NULL, err);
        if (r == 0 && lx != NULL)
                r = check_selinux("linux.mountLabel", lx->mount_label, err);
        return r;
}

/* thread-self/attr/<file> of the trusted procfs, opened for writing, or
 * attr/<fallback> where the kernel has no <file>.  It must be on procfs: a
 * fake attr file would swallow the label (CVE-2019-16884). */
static int attr_open(int procfd, const char *file, const char *fallback, const char *field,
                     struct keel_error **err)
{
        const char *name = fallback ? fallback : file;
        _cleanup_close_ int fd = -1;
        char path[64];

        snprintf(path, sizeof(path), "thread-self/attr/%s", file);
        fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT && fallback != NULL) {
                snprintf(path, sizeof(path), "thread-self/attr/%s", fallback);
                fd = openat(procfd, path, O_WRONLY | O_CLOEXEC);
        }
        if (fd < 0)
                return keel_error_set(err, errno, "%s: open attr/%s", field, name);
        if (!keel_procfs_is(fd))
                return keel_error_setq(err, EPERM, "%s: attr/%s is not on procfs", field, name);
        return take_fd(&fd);
}

int keel_apparmor_exec(int procfd, const char *profile, struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        char buf[4200];
        int n;

        if (profile == NULL || *profile == '\0')
                return 0;
        fd = attr_open(procfd, "apparmor/exec", "exec", "process.apparmorProfile", err);
        if (fd < 0)
                return fd;
        n = snprintf(buf, sizeof(buf), "exec %s", profile);
        if (n < 0 || (size_t) n >= sizeof(buf) || write(fd, buf, (size_t) n) != n)
                return keel_error_set(err, errno, "process.apparmorProfile: %s", profile);
        return 0;
}

int keel_selinux_set(int procfd, const char *file, const char *label, const char *field,
                     struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        size_t len;

        if (label == NULL || *label == '\0')
                return 0;
        if (procfd < 0)
                return keel_error_setq(err, EBADF, "%s: no trusted procfs", field);
        fd = attr_open(procfd, file, NULL, field, err);
        if (fd < 0)
                return fd;
        len = strlen(label);
        if (write(fd, label, len) != (ssize_t) len)
                return keel_error_set(err, errno, "%s: %s", field, label);
        return 0;
}
