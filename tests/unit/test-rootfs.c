/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs steps of a typical container, run for real (rootfs-harness.h):
 * prepare, mounts, /dev, the console, pivot and finish, then what the
 * container sees. */
#include "config.h"

#include "rootfs-harness.h"

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

        if (asprintf(&json, full_config, tmpdir, unit_in_userns ? "" : full_custom_device) < 0 ||
            asprintf(&bundle, "%s/b1", tmpdir) < 0 ||
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

static void build_bundles(int t)
{
        put(t, "hostdata", NULL);
        put(t, "hostdata/x", "x");
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
}

int main(void)
{
        static const struct rootfs_scenario scenarios[] = {
                { "full", scenario_full, false },
        };

        return rootfs_run(scenarios, ARRAY_SIZE(scenarios), build_bundles, NULL);
}
