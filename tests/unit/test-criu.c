/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/criu.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "util/strv.h"

/* A config with a bind mount, a tmpfs, a cgroup mount and a network
 * namespace joined by path. */
static const char config[] =
        "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"},"
        "\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},"
        "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol\","
        "\"options\":[\"rbind\"]},{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
        "{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]}}";

static bool has(char **argv, const char *arg)
{
        for (size_t i = 0; argv && argv[i]; i++)
                if (strcmp(argv[i], arg) == 0)
                        return true;
        return false;
}

static bool has_prefix(char **argv, const char *prefix)
{
        for (size_t i = 0; argv && argv[i]; i++)
                if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
                        return true;
        return false;
}

static void dump_args(struct keel_config *cfg)
{
        const char keys[3][64] = { "file[1f:2a]", "pipe:[77]", "" };
        struct keel_criu_opts o = { .image_path = "/img", .leave_running = true,
                                    .tcp_established = true };
        struct keel_criu_dump d = { .pid = 42, .cfg = cfg, .cgroup_dir = "/sys/fs/cgroup/keel/c" };
        char **argv = NULL;

        tap_is_int(keel_criu_dump_args(&o, &d, keys, &argv, NULL), 0, "dump: arguments built");
        tap_is_str(argv[0], "criu", "dump: criu from PATH by default");
        tap_is_str(argv[1], "dump", "dump: the dump command");
        tap_ok(has(argv, "--tree=42"), "dump: the init's tree");
        tap_ok(has(argv, "--images-dir=/img") && has(argv, "--work-dir=/img"),
               "dump: the work dir defaults to the image dir");
        tap_ok(has(argv, "--freeze-cgroup=/sys/fs/cgroup/keel/c"), "dump: criu freezes the cgroup");
        tap_ok(has(argv, "--manage-cgroups=soft"), "dump: cgroups soft by default");
        tap_ok(has(argv, "--ext-mount-map=/data:/data"), "dump: a bind mount is external");
        tap_ok(has(argv, "--ext-mount-map=/sys/fs/cgroup:/sys/fs/cgroup"),
               "dump: a cgroup mount is external");
        tap_ok(!has_prefix(argv, "--ext-mount-map=/tmp"), "dump: a tmpfs is dumped");
        tap_ok(has_prefix(argv, "--external=net[") && has_prefix(argv, "--external=file[1f:2a]"),
               "dump: the joined netns and a stdio file are external");
        tap_ok(!has_prefix(argv, "--external=pipe"), "dump: a stdio pipe is not marked");
        tap_ok(has(argv, "--leave-running") && has(argv, "--tcp-established"),
               "dump: the caller's options");
        keel_strv_free(argv);

        o.pre_dump = true;
        o.parent_path = "/parent";
        o.criu = "/opt/criu";
        tap_is_int(keel_criu_dump_args(&o, &d, keys, &argv, NULL), 0, "pre-dump: arguments built");
        tap_is_str(argv[0], "/opt/criu", "pre-dump: --criu names the binary");
        tap_is_str(argv[1], "pre-dump", "pre-dump: the pre-dump command");
        tap_ok(has(argv, "--track-mem") && has(argv, "--prev-images-dir=/parent"),
               "pre-dump: tracks memory against the parent");
        tap_ok(!has(argv, "--leave-running"), "pre-dump: never --leave-running (it always does)");
        keel_strv_free(argv);
}

static void restore_args(struct keel_config *cfg)
{
        const char keys[3][64] = { "file[1f:2a]", "pipe:[77]", "" };
        struct keel_criu_opts o = { .image_path = "/img", .work_path = "/work",
                                    .manage_cgroups_mode = "full", .lsm_profile = "selinux:x" };
        struct keel_criu_restore r = { .cfg = cfg, .bundle = "/b", .rootfs = "/b/rootfs",
                                       .root_mnt = "/s/criu-root", .cgroup_path = "keel/c",
                                       .cgroup_dir = "/sys/fs/cgroup/keel/c",
                                       .pid_file = "/s/criu.pid" };
        char **argv = NULL;

        tap_is_int(keel_criu_restore_args(&o, &r, keys, &argv, NULL), 0, "restore: arguments built");
        tap_is_str(argv[1], "restore", "restore: the restore command");
        tap_ok(has(argv, "--root=/s/criu-root"), "restore: the bound rootfs is the root");
        tap_ok(has(argv, "--restore-detached") && has(argv, "--restore-sibling"),
               "restore: the init becomes keel's child");
        tap_ok(has(argv, "--work-dir=/work") && has(argv, "--manage-cgroups=full"),
               "restore: the caller's work dir and cgroup mode");
        tap_ok(has(argv, "--cgroup-root=/keel/c"), "restore: into the container's cgroup");
        tap_ok(has(argv, "--ext-mount-map=/data:/b/vol"),
               "restore: a relative bind source is the bundle's");
        tap_ok(has(argv, "--ext-mount-map=/sys/fs/cgroup:/sys/fs/cgroup/keel/c"),
               "restore: the cgroup mount is the container's cgroup");
        tap_ok(has(argv, "--inherit-fd=fd[100]:file[1f:2a]") && has(argv, "--inherit-fd=fd[101]:pipe:[77]"),
               "restore: keel's stdio in place of the dumped one");
        tap_ok(!has_prefix(argv, "--inherit-fd=fd[102]"), "restore: nothing for an unknown fd");
        tap_ok(has_prefix(argv, "--inherit-fd=fd[2") && has(argv, "--lsm-profile=selinux:x"),
               "restore: the joined netns is handed over; the LSM profile passed on");
        keel_strv_free(argv);
}

int main(void)
{
        struct keel_config *cfg = NULL;

        if (keel_config_parse(config, strlen(config), &cfg, NULL) < 0) {
                tap_ok(0, "config parses");
                return tap_done();
        }
        dump_args(cfg);
        restore_args(cfg);
        keel_config_free(cfg);
        return tap_done();
}
