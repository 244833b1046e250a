/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs steps, run for real: each scenario forks a child that takes a
 * private mount namespace, builds a container root from a temporary bundle
 * and checks from inside it.  The child reports one line per check over a
 * pipe ("1 name", "0 name: detail" or "2 name\treason" for a skip); the
 * parent turns them into TAP.  Nothing is mounted in the host's namespace.
 *
 * Run by a user, the whole test runs as root of a user namespace of its
 * own (userns.h), with its own network and pid namespaces (sysfs and proc
 * may be mounted there): every scenario runs, and only what needs the
 * host's privilege (a device node no host path provides, ids other than
 * the user's) is skipped by name. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdarg.h>
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

static void report(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int ok, const char *fmt, ...)
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
static void report_skip(const char *name, const char *why)
{
        char buf[1024];
        int n = snprintf(buf, sizeof(buf), "2 %s\t%s\n", name, why);

        keel_write_all(report_fd, buf, n < (int) sizeof(buf) ? (size_t) n : sizeof(buf) - 1);
}

static void report_err(int ret, struct keel_error *err, const char *step)
{
        report(ret == 0, "%s%s%s", step, ret ? ": " : "", ret && err ? err->msg : "");
}

static void check_errno(int ret, int want, const char *name)
{
        int got = ret < 0 ? errno : 0;
        report(got == want, "%s (errno %d, want %d)", name, got, want);
}

static void check_chardev(const char *path, unsigned maj, unsigned min, mode_t mode)
{
        struct stat st;
        int ok = stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
                 minor(st.st_rdev) == min && (mode == 0 || (st.st_mode & 07777) == mode);

        report(ok, "%s is char device %u:%u mode %o", path, maj, min, (unsigned) mode);
}

static void check_content(const char *path, const char *want)
{
        _cleanup_free_ char *got = NULL;
        size_t len;
        int ok = keel_read_file_at(AT_FDCWD, path, 4096, &got, &len, NULL) == 0 &&
                 strcmp(got, want) == 0;

        report(ok, "%s reads '%s'", path, want);
}

static void check_link(const char *path, const char *want)
{
        char buf[256];
        ssize_t n = readlink(path, buf, sizeof(buf) - 1);

        buf[n > 0 ? n : 0] = '\0';
        report(n > 0 && strcmp(buf, want) == 0, "%s -> %s", path, want);
}

static int write_file(const char *path)
{
        int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

static int count_entries(const char *path)
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

static struct keel_config *load_config(const char *json)
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
static int open_pty_slave(int rootfd, int *master)
{
        int unlock = 0;

        *master = keel_path_open_in_root(rootfd, "/dev/pts/ptmx", O_RDWR | O_NOCTTY, 0, NULL);
        if (*master < 0 || ioctl(*master, TIOCSPTLCK, &unlock) < 0)
                return -1;
        return ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
}

/* ---- scenario 1: a typical container -------------------------------------- */

static const char full_config[] =
        "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"mounts\":["
        "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
        "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
        " \"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
        "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
        " \"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"]},"
        "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
        " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
        "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
        " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
        "{\"destination\":\"/etc/hostname\",\"type\":\"bind\",\"source\":\"hostname\",\"options\":[\"bind\"]},"
        "{\"destination\":\"/data\",\"source\":\"%s/hostdata\",\"options\":[\"rbind\",\"ro\",\"nosuid\",\"rprivate\"]},"
        "{\"destination\":\"/data2\",\"source\":\"hostname\",\"options\":[\"bind\",\"rro\",\"private\"]},"
        "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"ro\",\"tmpcopyup\"]},"
        "{\"destination\":\"/run/sub\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}"
        "],\"linux\":{"
        "\"devices\":[%s{\"path\":\"/dev/myfifo\",\"type\":\"p\"}],"
        "\"maskedPaths\":[\"/proc/kcore\",\"/proc/version\",\"/proc/driver\",\"/masked-dir\","
        "  \"/etc/masked-file\",\"/does/not/exist\"],"
        "\"readonlyPaths\":[\"/proc/sys\",\"/ro-dir\",\"/missing\"],"
        "\"rootfsPropagation\":\"private\"}}";

/* A device no host path provides: made by mknod, which needs the host's
 * root (in a user namespace, devices are bound from the host). */
static const char full_custom_device[] =
        "{\"path\":\"/dev/custom/mynull\",\"type\":\"c\",\"major\":1,\"minor\":3,"
        "  \"fileMode\":384,\"uid\":1000,\"gid\":1000},";

#define NEEDS_MKNOD "needs root: mknod of a device no host path provides, and uid 1000"

static void full_checks(void)
{
        char cwd[64] = "";
        struct statvfs sv;
        struct statfs sf;
        struct stat st;

        report(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0, "cwd is / after pivot");
        report(access(tmpdir, F_OK) < 0 && errno == ENOENT, "the host's bundle is out of sight");
        check_chardev("/dev/null", 1, 3, 0666);
        check_chardev("/dev/zero", 1, 5, 0666);
        check_chardev("/dev/urandom", 1, 9, 0666);
        check_chardev("/dev/tty", 5, 0, 0666);
        if (unit_in_userns) {
                report_skip("/dev/custom/mynull is char device 1:3 mode 600", NEEDS_MKNOD);
                report_skip("linux.devices uid and gid applied", NEEDS_MKNOD);
        } else {
                check_chardev("/dev/custom/mynull", 1, 3, 0600);
                report(stat("/dev/custom/mynull", &st) == 0 && st.st_uid == 1000 &&
                       st.st_gid == 1000, "linux.devices uid and gid applied");
        }
        report(stat("/dev/myfifo", &st) == 0 && S_ISFIFO(st.st_mode), "fifo device created");
        check_link("/dev/ptmx", "pts/ptmx");
        check_link("/dev/fd", "/proc/self/fd");
        check_link("/dev/stderr", "/proc/self/fd/2");
        report(stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 136,
               "/dev/console is the pty");
        report(stat("/dev/pts/ptmx", &st) == 0 && S_ISCHR(st.st_mode), "/dev/pts is a devpts");
        report(access("/proc/self/status", F_OK) == 0, "/proc/self exists");
        report(statfs("/proc", &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC, "/proc is procfs");
        report(statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY), "/sys is read-only");
        /* In a user namespace, a file of the test's own network namespace:
         * the host's sysctls are not its root's to open for writing. */
        check_errno(open(unit_in_userns ? "/proc/sys/net/ipv4/ip_forward" : "/proc/sys/kernel/hostname",
                         O_WRONLY | O_CLOEXEC), EROFS, "readonlyPaths: /proc/sys refuses writes");
        check_errno(write_file("/ro-dir/new"), EROFS, "readonlyPaths: /ro-dir refuses writes");
        check_chardev("/proc/version", 1, 3, 0);
        check_content("/proc/version", "");
        report(count_entries("/proc/driver") == 0, "maskedPaths: /proc/driver is empty");
        report(count_entries("/masked-dir") == 0, "maskedPaths: /masked-dir is empty");
        check_errno(write_file("/masked-dir/x"), EROFS, "maskedPaths: a masked dir is read-only");
        check_content("/etc/masked-file", "");
        check_content("/etc/hostname", "host-name\n");
        report(access("/data/x", F_OK) == 0, "rbind source visible");
        check_errno(write_file("/data/y"), EROFS, "bind ro refuses writes");
        report(statvfs("/data", &sv) == 0 && (sv.f_flag & ST_NOSUID), "bind nosuid applied");
        check_content("/data2", "host-name\n");
        check_errno(open("/data2", O_WRONLY | O_CLOEXEC), EROFS, "bind rro refuses writes");
        check_content("/run/existing", "kept\n");
        report(stat("/run", &st) == 0 && (st.st_mode & 07777) == 0710, "tmpfs takes the mode of the dir it covers");
        report(stat("/dev/shm", &st) == 0 && (st.st_mode & 07777) == 01777, "tmpfs mode= wins");
        check_errno(write_file("/run/new"), EROFS, "tmpfs ro applied after the later mounts");
        check_errno(write_file("/run/sub/f"), 0, "a mount inside a deferred-ro tmpfs is writable");
        check_errno(write_file("/dev/shm/f"), 0, "/dev/shm is writable");
        check_errno(write_file("/newfile"), EROFS, "root.readonly refuses writes");
}

static void scenario_full(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rootfs = NULL, *bundle = NULL;
        struct keel_config *cfg;
        struct keel_rootfs r = { .rootfd = -1 };
        int ret, master = -1, slave;

        if (asprintf(&json, full_config, tmpdir, unit_in_userns ? "" : full_custom_device) < 0 || asprintf(&bundle, "%s/b1", tmpdir) < 0 ||
            asprintf(&rootfs, "%s/b1/rootfs", tmpdir) < 0)
                _exit(1);
        cfg = load_config(json);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = bundle;

        ret = keel_rootfs_prepare(&r, &err);
        report_err(ret, err, "prepare");
        if (ret == 0) {
                ret = keel_rootfs_mount_all(&r, &err);
                report_err(ret, err, "mount_all");
        }
        if (ret == 0) {
                ret = keel_rootfs_setup_dev(&r, &err);
                report_err(ret, err, "setup_dev");
        }
        if (ret == 0) {
                slave = open_pty_slave(r.rootfd, &master);
                ret = keel_rootfs_bind_console(&r, slave, &err);
                report_err(ret, err, "bind_console");
        }
        if (ret == 0) {
                ret = keel_rootfs_pivot(&r, &err);
                report_err(ret, err, "pivot");
        }
        if (ret == 0) {
                ret = keel_rootfs_finish(&r, &err);
                report_err(ret, err, "finish");
        }
        keel_rootfs_clear(&r);
        if (ret == 0)
                full_checks();
        keel_config_free(cfg);
}

/* ---- scenario 2: a rootfs that planted symlinks in /dev ------------------- */

static void scenario_hostile_dev(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rootfs = NULL, *bundle = NULL, *escape = NULL;
        struct keel_rootfs r = { .rootfd = -1 };
        struct keel_config *cfg;
        struct statfs sf;
        int ret;

        if (asprintf(&json,
                     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                     "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                     "{\"destination\":\"/evil/x\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}],"
                     "\"linux\":{\"maskedPaths\":[\"/etc/secret\"]}}") < 0 ||
            asprintf(&bundle, "%s/b2", tmpdir) < 0 || asprintf(&rootfs, "%s/b2/rootfs", tmpdir) < 0 ||
            asprintf(&escape, "%s/hostdir2/x", tmpdir) < 0)
                _exit(1);
        cfg = load_config(json);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = bundle;
        ret = keel_rootfs_prepare(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_pivot(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_finish(&r, &err);
        keel_rootfs_clear(&r);
        report_err(ret, err, "hostile /dev: all steps succeed");
        if (ret == 0) {
                check_chardev("/dev/null", 1, 3, 0666);
                check_chardev("/dev/zero", 1, 5, 0666);
                check_chardev("/dev/tty", 5, 0, 0666);
                check_content("/etc/secret", "");
                report(statfs(escape, &sf) == 0 && sf.f_type == TMPFS_MAGIC,
                       "a mount through an escaping symlink lands inside the rootfs");
        }
        keel_config_free(cfg);
}

/* ---- scenario 3: targets that must be refused ----------------------------- */

static void expect_refused(int rootfd, const char *json, const char *name, const char *want_msg)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = load_config(json);
        int fd = -1, ret;

        struct keel_mount_ctx ctx = { .rootfd = rootfd, .bundle = tmpdir };

        ret = keel_mount_apply(&ctx, &cfg->mounts[0], 0, -1, -1, &fd, &err);
        report(ret < 0 && err != NULL && strstr(err->msg, want_msg) != NULL, "%s: refused (%s)", name,
               err ? err->msg : "no error");
        if (fd >= 0)
                close(fd);
        keel_config_free(cfg);
}

static void scenario_refused(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *rootfs = NULL, *hostdir = NULL, *json = NULL;
        struct keel_rootfs r = { .rootfd = -1 };
        struct keel_config *cfg = load_config("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}");
        struct statfs sf;
        int ret;

        if (asprintf(&rootfs, "%s/b3/rootfs", tmpdir) < 0 || asprintf(&hostdir, "%s/hostdir", tmpdir) < 0)
                _exit(1);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = tmpdir;
        ret = keel_rootfs_prepare(&r, &err);
        report_err(ret, err, "refused: prepare");
        if (ret < 0)
                _exit(1);
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}]}",
                       "proc on a symlink /proc -> /fakeproc", "mount proc on /proc");
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\"}]}",
                       "sysfs on a symlink /sys -> host dir", "mount sysfs on /sys");
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"/proc\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"}]}",
                       "tmpfs on /proc", "only proc can be mounted there");
        /* A bind of a sysfs is allowed at /sys (rootless specs); of
         * anything else, not. */
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"//sys/\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"rbind\"]}]}",
                       "bind of a non-sysfs on /sys", "only sysfs can be mounted there");
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"idmap\"]}]}",
                       "idmap without the runtime's mount", "mounts[0]: idmap: the runtime made no idmapped mount");
        expect_refused(r.rootfd,
                       "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                       "[{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\",\"options\":[\"size=bogus\"]}]}",
                       "bad tmpfs option", "mount tmpfs on /dev/shm: option size");
        if (asprintf(&json,
                     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"mounts\":"
                     "[{\"destination\":\"/file/x\",\"type\":\"bind\",\"source\":\"%s\"}]}", hostdir) < 0)
                _exit(1);
        expect_refused(r.rootfd, json, "bind under a file", "mkdir /file/x in the rootfs: Not a directory");
        report(statfs(hostdir, &sf) == 0 && sf.f_type != SYSFS_MAGIC && sf.f_type != PROC_SUPER_MAGIC &&
               count_entries(hostdir) == 0, "the host dir the symlink pointed at was not mounted on");
        keel_rootfs_clear(&r);
        keel_config_free(cfg);
}

/* ---- scenario 4: a /dev bound from the host whose null is a fake ---------- */

static void scenario_fake_null(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rootfs = NULL;
        struct keel_rootfs r = { .rootfd = -1 };
        struct keel_config *cfg;
        int ret;

        if (asprintf(&json,
                     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                     "{\"destination\":\"/dev\",\"type\":\"bind\",\"source\":\"%s/fakedev\","
                     "\"options\":[\"rbind\"]}],"
                     "\"linux\":{\"maskedPaths\":[\"/etc/secret\"]}}", tmpdir) < 0 ||
            asprintf(&rootfs, "%s/b4/rootfs", tmpdir) < 0)
                _exit(1);
        cfg = load_config(json);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = tmpdir;
        ret = keel_rootfs_prepare(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_pivot(&r, &err);
        report(ret == 0, "fake /dev/null: steps before finish succeed");
        if (ret == 0) {
                ret = keel_rootfs_finish(&r, &err);
                report(ret < 0 && err && strstr(err->msg, "not the null device"),
                       "maskedPaths refuses a /dev/null that is not the null device (%s)",
                       err ? err->msg : "no error");
                check_content("/etc/secret", "secret\n");
        }
        keel_rootfs_clear(&r);
        keel_config_free(cfg);
}

/* ---- scenario 5: --no-pivot, and devices bound as in a user namespace ----- */

static void scenario_no_pivot(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *rootfs = NULL;
        struct keel_rootfs r = { .rootfd = -1, .no_pivot = true, .userns = true };
        struct keel_config *cfg = load_config(
                "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
                "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"ro\"]}],"
                "\"linux\":{\"maskedPaths\":[\"/proc/version\"]}}");
        char cwd[64] = "";
        int ret;

        /* A symlink and a trailing '/' in the path: the container's own
         * /proc must still be told from the host's. */
        if (asprintf(&rootfs, "%s/b5link/rootfs/", tmpdir) < 0)
                _exit(1);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = tmpdir;
        ret = keel_rootfs_prepare(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_pivot(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_finish(&r, &err);
        keel_rootfs_clear(&r);
        report_err(ret, err, "no-pivot: all steps succeed");
        if (ret == 0) {
                report(getcwd(cwd, sizeof(cwd)) != NULL && strcmp(cwd, "/") == 0, "no-pivot: cwd is /");
                report(access(tmpdir, F_OK) < 0, "no-pivot: the host's bundle is out of sight");
                check_chardev("/dev/null", 1, 3, 0);
                check_chardev("/dev/tty", 5, 0, 0);
                check_content("/proc/version", "");
                check_errno(write_file("/dev/x"), EROFS, "no-pivot: /dev ro applied at finish");
                check_errno(write_file("/x"), EROFS, "no-pivot: root.readonly");
        }
        keel_config_free(cfg);
}

/* ---- scenario 6: in a user namespace ------------------------------------- */

/* The host's mounts are locked here, mknod is refused and sysfs cannot be
 * mounted (the network namespace is the host's): devices and /sys come
 * from the host by bind mounts. */
static void scenario_userns(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rootfs = NULL;
        struct keel_rootfs r = { .rootfd = -1, .userns = true };
        struct keel_config *cfg;
        struct statvfs sv;
        int ret;

        if (asprintf(&json,
                     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"mounts\":["
                     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"mode=755\"]},"
                     "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
                     " \"options\":[\"newinstance\",\"ptmxmode=0666\"]},"
                     "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
                     " \"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
                     "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"%s/hostdata\","
                     " \"options\":[\"rbind\",\"ro\",\"suid\"]},"
                     "{\"destination\":\"/locked\",\"type\":\"bind\",\"source\":\"%s/locked\","
                     " \"options\":[\"bind\",\"ro\",\"suid\",\"dev\",\"exec\"]}],"
                     "\"linux\":{\"maskedPaths\":[\"/etc/secret\"],\"readonlyPaths\":[\"/etc\"]}}",
                     tmpdir, tmpdir) < 0 ||
            asprintf(&rootfs, "%s/b6/rootfs", tmpdir) < 0)
                _exit(1);
        cfg = load_config(json);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = tmpdir;
        ret = keel_rootfs_prepare(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_pivot(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_finish(&r, &err);
        keel_rootfs_clear(&r);
        report_err(ret, err, "userns: all steps succeed");
        if (ret == 0) {
                check_chardev("/dev/null", 1, 3, 0);
                check_chardev("/dev/urandom", 1, 9, 0);
                report(statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY), "userns: /sys is read-only");
                report(access("/sys/kernel", F_OK) == 0, "userns: /sys is the host's sysfs");
                check_errno(write_file("/sys/kernel/x"), EROFS, "userns: /sys refuses writes");
                check_content("/etc/secret", "");
                check_errno(write_file("/data/y"), EROFS, "userns: bind ro refuses writes");
                check_errno(write_file("/x"), EROFS, "userns: root.readonly");
                report(statvfs("/locked", &sv) == 0 && (sv.f_flag & ST_RDONLY) && (sv.f_flag & ST_NOSUID) &&
                       (sv.f_flag & ST_NODEV), "userns: locked nosuid,nodev kept, ro applied");
        }
        keel_config_free(cfg);
}

/* ---- scenario 7: a host whose mounts are shared --------------------------- */

/* Mounts of the host that the mount points in tmpdir. */
static int host_mounts_in_tmpdir(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        int n = 0;

        while (f != NULL && getline(&line, &cap, f) > 0)
                if (strstr(line, tmpdir) != NULL)
                        n++;
        return f != NULL ? n : -1;
}

static void container_on_shared_host(const char *propagation)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL, *rootfs = NULL;
        struct keel_rootfs r = { .rootfd = -1 };
        struct keel_config *cfg;
        int ret;

        if (asprintf(&json,
                     "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
                     "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
                     "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
                     "{\"destination\":\"/data\",\"source\":\"%s/hostdata\",\"options\":[\"rbind\"]}],"
                     "\"linux\":{%s%s%s\"maskedPaths\":[\"/proc/version\"]}}",
                     tmpdir, propagation ? "\"rootfsPropagation\":\"" : "",
                     propagation ? propagation : "", propagation ? "\"," : "") < 0 ||
            asprintf(&rootfs, "%s/b7/rootfs", tmpdir) < 0)
                _exit(1);
        cfg = load_config(json);
        r.cfg = cfg;
        r.rootfs = rootfs;
        r.bundle = tmpdir;
        if (unshare(CLONE_NEWNS) < 0)
                _exit(1);
        ret = keel_rootfs_prepare(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_pivot(&r, &err);
        if (ret == 0)
                ret = keel_rootfs_finish(&r, &err);
        keel_rootfs_clear(&r);
        report(ret == 0, "rootfsPropagation %s on a shared host: all steps succeed%s%s",
               propagation ? propagation : "(unset)", err ? ": " : "", err ? err->msg : "");
        keel_config_free(cfg);
}

static void scenario_shared_host(void)
{
        static const char *const props[] = { NULL, "shared", "slave" };
        size_t i;

        /* This namespace plays the host, with systemd's rshared "/". */
        if (mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
                report(0, "make / rshared: %s", strerror(errno));
                return;
        }
        for (i = 0; i < ARRAY_SIZE(props); i++) {
                int status = 0;
                pid_t pid = fork();

                if (pid == 0) {
                        container_on_shared_host(props[i]);
                        _exit(0);
                }
                waitpid(pid, &status, 0);
                report(host_mounts_in_tmpdir() == 0, "rootfsPropagation %s: nothing reached the host",
                       props[i] ? props[i] : "(unset)");
        }
}

/* ---- the parent ----------------------------------------------------------- */

/* Map the whole of the first 65536 ids of the host into the child's new
 * user namespace (run by a user: the one id the test's own has). */
static int map_ids(pid_t pid)
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
static int lock_a_mount(void)
{
        char path[128];

        snprintf(path, sizeof(path), "%s/locked", tmpdir);
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -1;
        return mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755");
}

static void run_scenario(const char *name, void (*fn)(void), bool userns)
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
                        char point[1100];

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

static int fd_of(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0) {
                perror(path);
                exit(2);
        }
        return fd;
}

static void put(int dirfd, const char *path, const char *content)
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

static void link_at(int dirfd, const char *target, const char *path)
{
        if (symlinkat(target, dirfd, path) < 0) {
                fprintf(stderr, "symlink %s: %s\n", path, strerror(errno));
                exit(2);
        }
}

static void build_bundles(int t)
{
        char target[256];

        put(t, "hostdata", NULL);
        put(t, "hostdata/x", "x");
        put(t, "hostdir", NULL);
        put(t, "hostdir2", NULL);
        put(t, "hostfile", "host secret\n");
        put(t, "fakedev", NULL);
        put(t, "locked", NULL);
        put(t, "fakedev/null", "not a device\n");

        put(t, "b1", NULL);
        put(t, "b1/hostname", "host-name\n");
        put(t, "b1/rootfs", NULL);
        put(t, "b1/rootfs/etc", NULL);
        put(t, "b1/rootfs/etc/hostname", "image\n");
        put(t, "b1/rootfs/etc/masked-file", "secret\n");
        put(t, "b1/rootfs/run", NULL);
        fchmodat(t, "b1/rootfs/run", 0710, 0);
        put(t, "b1/rootfs/run/existing", "kept\n");
        put(t, "b1/rootfs/ro-dir", NULL);
        put(t, "b1/rootfs/masked-dir", NULL);
        put(t, "b1/rootfs/masked-dir/secret", "secret\n");

        put(t, "b2", NULL);
        put(t, "b2/rootfs", NULL);
        put(t, "b2/rootfs/etc", NULL);
        put(t, "b2/rootfs/etc/secret", "secret\n");
        put(t, "b2/rootfs/dev", NULL);
        snprintf(target, sizeof(target), "%s/hostfile", tmpdir);
        link_at(t, target, "b2/rootfs/dev/null");
        snprintf(target, sizeof(target), "../../../../../../../../..%s/hostfile", tmpdir);
        link_at(t, target, "b2/rootfs/dev/zero");
        snprintf(target, sizeof(target), "%s/hostdir", tmpdir);
        link_at(t, target, "b2/rootfs/dev/tty");
        snprintf(target, sizeof(target), "../../../../../../../../..%s/hostdir2", tmpdir);
        link_at(t, target, "b2/rootfs/evil");

        put(t, "b3", NULL);
        put(t, "b3/rootfs", NULL);
        put(t, "b3/rootfs/fakeproc", NULL);
        put(t, "b3/rootfs/file", "x");
        link_at(t, "/fakeproc", "b3/rootfs/proc");
        snprintf(target, sizeof(target), "%s/hostdir", tmpdir);
        link_at(t, target, "b3/rootfs/sys");

        put(t, "b4", NULL);
        put(t, "b4/rootfs", NULL);
        put(t, "b4/rootfs/etc", NULL);
        put(t, "b4/rootfs/etc/secret", "secret\n");

        put(t, "b5", NULL);
        put(t, "b5/rootfs", NULL);
        link_at(t, "b5", "b5link");

        put(t, "b7", NULL);
        put(t, "b7/rootfs", NULL);

        put(t, "b6", NULL);
        put(t, "b6/rootfs", NULL);
        put(t, "b6/rootfs/etc", NULL);
        put(t, "b6/rootfs/etc/secret", "secret\n");
}

int main(void)
{
        _cleanup_free_ char *content = NULL;
        _cleanup_close_ int t = -1;
        const char *why = NULL;
        struct stat st;
        size_t len;

        /* sysfs needs a network namespace and proc a pid namespace owned by
         * the user namespace that mounts them. */
        if (unit_become_root(CLONE_NEWNET | CLONE_NEWPID, &why) < 0) {
                printf("1..0 # SKIP needs root, or %s\n", why);
                return 0;
        }
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 2;
        }
        t = fd_of(tmpdir);
        build_bundles(t);

        run_scenario("full", scenario_full, false);
        run_scenario("hostile /dev", scenario_hostile_dev, false);
        run_scenario("refused", scenario_refused, false);
        run_scenario("fake /dev/null", scenario_fake_null, false);
        run_scenario("no-pivot", scenario_no_pivot, false);
        run_scenario("userns", scenario_userns, true);
        run_scenario("shared host", scenario_shared_host, false);

        keel_read_file_at(t, "hostfile", 4096, &content, &len, NULL);
        tap_is_str(content, "host secret\n", "the host file behind /dev/null symlinks is untouched");
        tap_ok(fstatat(t, "hostfile", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
               (st.st_mode & 07777) == 0644, "the host file kept its type and mode");
        tap_ok(fstatat(t, "hostdir", &st, 0) == 0 && S_ISDIR(st.st_mode), "the host dir is still a dir");
        tap_ok(faccessat(t, "hostdir2/x", F_OK, AT_SYMLINK_NOFOLLOW) < 0,
               "nothing was created in the host dir an escaping symlink named");
        tap_ok(faccessat(t, "fakedev/null", F_OK, 0) == 0, "the fake null on the host is left alone");

        keel_remove_tree_at(t, NULL);
        rmdir(tmpdir);
        return tap_done();
}
