/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The harness of the rootfs tests (test-rootfs*.c): each scenario forks a
 * child that takes a private mount namespace, builds a container root
 * from a bundle below tmpdir and checks from inside it.  The child reports
 * one line per check over a pipe ("1 name", "0 name: detail" or
 * "2 name\treason" for a skip); the parent turns them into TAP.  Nothing
 * is mounted in the host's namespace.
 *
 * Run by a user, the whole test runs as root of a user namespace of its
 * own (userns.h), with its own network and pid namespaces (sysfs and proc
 * may be mounted there): every scenario runs, and only what needs the
 * host's privilege (a device node no host path provides, ids other than
 * the user's) is skipped by name. */
#ifndef KEEL_TESTS_ROOTFS_HARNESS_H
#define KEEL_TESTS_ROOTFS_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "linux/mount.h"
#include "linux/rootfs.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "userns.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static char tmpdir[] = "/tmp/keel-test-rootfs-XXXXXX";
static int report_fd = -1;

/* ---- child side ----------------------------------------------------------- */

static inline void report(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void report(int ok, const char *fmt, ...)
{
        char buf[1024];
        va_list ap;
        int n;

        n = snprintf(buf, sizeof(buf), "%d ", ok ? 1 : 0);
        va_start(ap, fmt);
        n += vsnprintf(buf + n, sizeof(buf) - (size_t) n - 1, fmt, ap);
        va_end(ap);
        if (n > (int) sizeof(buf) - 2)
                n = (int) sizeof(buf) - 2;
        for (int i = 0; i < n; i++)
                if (buf[i] == '\n')
                        buf[i] = ' ';
        buf[n++] = '\n';
        keel_write_all(report_fd, buf, (size_t) n);
}

/* A check that cannot hold in this run, and why. */
static inline void report_skip(const char *name, const char *why)
{
        char buf[1024];
        int n = snprintf(buf, sizeof(buf), "2 %s\t%s\n", name, why);

        keel_write_all(report_fd, buf, n < (int) sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

static inline void report_err(int ret, struct keel_error *err, const char *step)
{
        report(ret == 0, "%s%s%s", step, ret ? ": " : "", ret && err ? err->msg : "");
}

static inline void check_errno(int ret, int want, const char *name)
{
        int got = ret < 0 ? errno : 0;
        report(got == want, "%s (errno %d, want %d)", name, got, want);
}

static inline void check_chardev(const char *path, unsigned maj, unsigned min, mode_t mode)
{
        struct stat st;
        int ok = stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
                 minor(st.st_rdev) == min && (mode == 0 || (st.st_mode & 07777) == mode);

        report(ok, "%s is char device %u:%u mode %o", path, maj, min, (unsigned) mode);
}

static inline void check_content(const char *path, const char *want)
{
        _cleanup_free_ char *got = NULL;
        size_t len;
        int ok = keel_read_file_at(AT_FDCWD, path, 4096, &got, &len, NULL) == 0 &&
                 strcmp(got, want) == 0;

        report(ok, "%s reads '%s'", path, want);
}

static inline void check_link(const char *path, const char *want)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);

        buf[n > 0 ? n : 0] = '\0';
        report(n > 0 && strcmp(buf, want) == 0, "%s -> %s", path, want);
}

static inline int write_file(const char *path)
{
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

static inline int count_entries(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        int n = 0;

        if (d == NULL)
                return -1;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        n++;
        return n;
}

/* Every step of a container's rootfs, as the init takes them, stopping at
 * the first failure; r is cleared either way. */
static inline int rootfs_all_steps(struct keel_rootfs *r, struct keel_error **err)
{
        int ret = keel_rootfs_prepare(r, err);

        if (ret == 0)
                ret = keel_rootfs_mount_all(r, err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(r, err);
        if (ret == 0)
                ret = keel_rootfs_pivot(r, err);
        if (ret == 0)
                ret = keel_rootfs_finish(r, err);
        keel_rootfs_clear(r);
        return ret;
}

static inline struct keel_config *load_config(const char *json)
{
        struct keel_config *cfg = NULL;
        _cleanup_error_ struct keel_error *err = NULL;

        if (keel_config_parse(json, strlen(json), &cfg, &err) < 0) {
                report(0, "parse config: %s", err ? err->msg : "?");
                _exit(1);
        }
        return cfg;
}

/* A pty of the container's own devpts, as the init makes it. */
static inline int open_pty_slave(int rootfd, int *master)
{
        int unlock = 0;

        *master = keel_path_open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0, NULL);
        if (*master < 0 || ioctl(*master, TIOCSPTLCK, &unlock) < 0)
                return -1;
        return ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* ---- the parent ----------------------------------------------------------- */

/* Map the whole of the first 65536 ids of the host into the child's new
 * user namespace (run by a user: the one id the test's own has). */
static inline int map_ids(pid_t pid)
{
        const char *map = unit_in_userns ? "0 0 1\n" : "0 0 65536\n";
        char path[64];
        int fd, ok = 1;

        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        ok = fd >= 0 && write(fd, map, strlen(map)) > 0;
        if (fd >= 0)
                close(fd);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int) pid);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        ok = ok && fd >= 0 && write(fd, map, strlen(map)) > 0;
        if (fd >= 0)
                close(fd);
        return ok ? 0 : -1;
}

/* A nosuid,nodev mount made before the user namespace: inside it, these
 * flags are locked and cannot be cleared. */
static inline int lock_a_mount(void)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/locked", tmpdir);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
}

static inline void run_scenario(const char *name, void (*fn)(void), bool userns)
{
        _cleanup_fclose_ FILE *in = NULL;
        char line[1100], c = 0;
        int pfd[2], up[2], down[2], status = 0;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0 || pipe2(down, O_CLOEXEC) < 0) {
                tap_ok(0, "%s: pipe", name);
                return;
        }
        pid = fork();
        if (pid == 0) {
                close(pfd[0]);
                report_fd = pfd[1];
                if (userns && lock_a_mount() < 0) {
                        report(0, "%s: mount to lock: %s", name, strerror(errno));
                        _exit(1);
                }
                if (userns && (unshare(CLONE_NEWUSER) < 0 || write(up[1], "u", 1) != 1 ||
                               read(down[0], &c, 1) != 1 || c != 'm')) {
                        report(0, "%s: user namespace: %s", name, strerror(errno));
                        _exit(1);
                }
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                        report(0, "%s: private mount namespace: %s", name, strerror(errno));
                        _exit(1);
                }
                fn();
                _exit(0);
        }
        close(pfd[1]);
        close(up[1]);
        close(down[0]);
        if (userns && read(up[0], &c, 1) == 1)
                c = map_ids(pid) == 0 ? 'm' : 'x';
        if (userns && write(down[1], &c, 1) != 1)
                tap_diag("%s: could not release the child", name);
        close(up[0]);
        close(down[1]);
        in = fdopen(pfd[0], "r");
        while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
                char *why;

                line[strcspn(line, "\n")] = '\0';
                why = strchr(line, '\t');
                if (line[0] == '2' && why != NULL) {
                        char point[sizeof(line) + 128];

                        *why++ = '\0';
                        snprintf(point, sizeof(point), "%s: %s", name, line + 2);
                        tap_skip(point, why);
                        continue;
                }
                tap_ok(line[0] == '1', "%s: %s", name, line + 2);
        }
        waitpid(pid, &status, 0);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child exited cleanly", name);
}

static inline int fd_of(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                perror(path);
                exit(2);
        }
        return fd;
}

static inline void put(int dirfd, const char *path, const char *content)
{
        int fd;

        if (content == NULL) {
                if (mkdirat(dirfd, path, 0755) < 0)
                        goto fail;
                return;
        }
        fd = openat(dirfd, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
        if (fd < 0 || keel_write_all(fd, content, strlen(content)) < 0)
                goto fail;
        close(fd);
        return;
fail:
        fprintf(stderr, "create %s: %s\n", path, strerror(errno));
        exit(2);
}

static inline void link_at(int dirfd, const char *target, const char *path)
{
        if (symlinkat(target, dirfd, path) < 0) {
                fprintf(stderr, "symlink %s: %s\n", path, strerror(errno));
                exit(2);
        }
}

struct rootfs_scenario {
        const char *name;
        void (*fn)(void);
        bool userns;    /* in a user namespace of its own, with a locked mount */
};

/* Become root (of a user namespace, run by a user), build the bundles in
 * a new tmpdir with build(), run the scenarios, check the host with
 * after() and clean up.  Returns main()'s status. */
static inline int rootfs_run(const struct rootfs_scenario *s, size_t n, void (*build)(int t),
                             void (*after)(int t))
{
        _cleanup_close_ int t = -1;
        const char *why = NULL;
        char reason[512];

        /* sysfs needs a network namespace and proc a pid namespace owned by
         * the user namespace that mounts them. */
        if (unit_become_root(CLONE_NEWNET | CLONE_NEWPID, &why) < 0) {
                snprintf(reason, sizeof(reason), "needs root, or %s", why);
                for (size_t i = 0; i < n; i++)
                        tap_skip(s[i].name, reason);
                return tap_done();
        }
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 2;
        }
        t = fd_of(tmpdir);
        build(t);
        for (size_t i = 0; i < n; i++)
                run_scenario(s[i].name, s[i].fn, s[i].userns);
        if (after != NULL)
                after(t);
        keel_remove_tree_at(t, NULL);
        rmdir(tmpdir);
        return tap_done();
}

#endif
