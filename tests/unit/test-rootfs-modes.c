/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The rootfs steps in the other setups keel meets, run for real
 * (rootfs-harness.h): --no-pivot, a user namespace (locked mounts, no
 * mknod, the host's sysfs), and a host whose mounts are shared. */
#include "config.h"

#include "rootfs-harness.h"

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
        ret = rootfs_all_steps(&r, &err);
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
        ret = rootfs_all_steps(&r, &err);
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
        ret = rootfs_all_steps(&r, &err);
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

static void build_bundles(int t)
{
        put(t, "hostdata", NULL);
        put(t, "hostdata/x", "x");
        put(t, "locked", NULL);

        put(t, "b5", NULL);
        put(t, "b5/rootfs", NULL);
        link_at(t, "b5", "b5link");

        put(t, "b6", NULL);
        put(t, "b6/rootfs", NULL);
        put(t, "b6/rootfs/etc", NULL);
        put(t, "b6/rootfs/etc/secret", "secret\n");

        put(t, "b7", NULL);
        put(t, "b7/rootfs", NULL);
}

int main(void)
{
        static const struct rootfs_scenario scenarios[] = {
                { "no-pivot", scenario_no_pivot, false },
                { "userns", scenario_userns, true },
                { "shared host", scenario_shared_host, false },
        };

        return rootfs_run(scenarios, ARRAY_SIZE(scenarios), build_bundles, NULL);
}
