/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A hostile rootfs, run for real (rootfs-harness.h): symlinks planted in
 * /dev and under mount targets, targets that must be refused, a /dev/null
 * that is not the null device; and afterwards, the host files they aimed
 * at are untouched. */
#include "config.h"

#include "rootfs-harness.h"

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
        ret = rootfs_all_steps(&r, &err);
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

static void build_bundles(int t)
{
        char target[256];

        put(t, "hostdir", NULL);
        put(t, "hostdir2", NULL);
        put(t, "hostfile", "host secret\n");
        put(t, "fakedev", NULL);
        put(t, "fakedev/null", "not a device\n");

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
}

static void host_untouched(int t)
{
        _cleanup_free_ char *content = NULL;
        struct stat st;
        size_t len;

        keel_read_file_at(t, "hostfile", 4096, &content, &len, NULL);
        tap_is_str(content, "host secret\n", "the host file behind /dev/null symlinks is untouched");
        tap_ok(fstatat(t, "hostfile", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
               (st.st_mode & 07777) == 0644, "the host file kept its type and mode");
        tap_ok(fstatat(t, "hostdir", &st, 0) == 0 && S_ISDIR(st.st_mode), "the host dir is still a dir");
        tap_ok(faccessat(t, "hostdir2/x", F_OK, AT_SYMLINK_NOFOLLOW) < 0,
               "nothing was created in the host dir an escaping symlink named");
        tap_ok(faccessat(t, "fakedev/null", F_OK, 0) == 0, "the fake null on the host is left alone");
}

int main(void)
{
        static const struct rootfs_scenario scenarios[] = {
                { "hostile /dev", scenario_hostile_dev, false },
                { "refused", scenario_refused, false },
                { "fake /dev/null", scenario_fake_null, false },
        };

        return rootfs_run(scenarios, ARRAY_SIZE(scenarios), build_bundles, host_untouched);
}
