/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux.resources -> cgroup v2 files: the conversions, the plan for each
 * field, the errors for what v2 cannot do, and the application to a fake
 * cgroupfs directory (controllers enabled in ancestors, files written). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/cgroup-resources.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "util/fs.h"

/* The plan as "file=value" lines, for one comparison per case. */
static char *plan_text(const struct keel_cgroup_plan *p)
{
        size_t size = 1;
        char *s;

        for (size_t i = 0; i < p->n; i++)
                size += strlen(p->w[i].file) + strlen(p->w[i].value) + 2;
        s = calloc(1, size);
        for (size_t i = 0; s && i < p->n; i++) {
                strcat(s, p->w[i].file);
                strcat(s, "=");
                strcat(s, p->w[i].value);
                strcat(s, ";");
        }
        return s;
}

static void check_plan(const struct keel_resources *r, const char *want, const char *want_err,
                       const char *name)
{
        struct keel_cgroup_plan plan;
        struct keel_error *err = NULL;
        int ret = keel_cgroup_plan_resources(r, &plan, &err);

        if (want_err) {
                tap_ok(ret < 0, "%s fails", name);
                tap_is_str(err ? err->msg : NULL, want_err, name);
        } else {
                char *got = ret == 0 ? plan_text(&plan) : NULL;

                if (ret < 0)
                        tap_diag("%s", err->msg);
                tap_is_str(got, want, name);
                free(got);
        }
        keel_cgroup_plan_clear(&plan);
        keel_error_free(err);
}

static void test_conversions(void)
{
        tap_ok(keel_cgroup_shares_to_weight(2) == 1, "shares_2_is_weight_1");
        tap_ok(keel_cgroup_shares_to_weight(1024) == 39, "shares_1024_is_weight_39");
        tap_ok(keel_cgroup_shares_to_weight(262144) == 10000, "shares_max_is_weight_10000");
        tap_ok(keel_cgroup_blkio_to_io_weight(10) == 1, "blkio_10_is_io_1");
        tap_ok(keel_cgroup_blkio_to_io_weight(500) == 4950, "blkio_500_is_io_4950");
        tap_ok(keel_cgroup_blkio_to_io_weight(1000) == 10000, "blkio_1000_is_io_10000");
}

#define NO_WRITE INT64_MIN

static void check_swap(bool hs, int64_t s, bool hl, int64_t l, int64_t want, const char *want_err,
                       const char *name)
{
        struct keel_error *err = NULL;
        int64_t out = 12345;
        int ret = keel_cgroup_swap_max(hs, s, hl, l, &out, &err);

        if (want_err) {
                tap_ok(ret < 0, "%s fails", name);
                tap_is_str(err ? err->msg : NULL, want_err, name);
        } else if (want == NO_WRITE) {
                tap_ok(ret == 0, "%s (nothing written)", name);
        } else {
                tap_ok(ret == 1 && out == want, "%s (got %d, %lld)", name, ret, (long long) out);
        }
        keel_error_free(err);
}

static void test_swap(void)
{
        check_swap(false, 0, true, 100, NO_WRITE, NULL, "limit_without_swap_writes_no_swap");
        check_swap(false, 0, true, -1, -1, NULL, "unlimited_memory_means_unlimited_swap");
        check_swap(true, -1, true, 100, -1, NULL, "swap_minus_one_is_max");
        check_swap(true, 300, true, 100, 200, NULL, "swap_is_memory_plus_swap");
        check_swap(true, 100, true, 100, 0, NULL, "swap_equal_to_limit_is_zero_swap");
        check_swap(true, 50, true, 100, 0,
                   "linux.resources.memory.swap: 50 is below memory.limit 100 (swap is "
                   "memory+swap)", "swap_below_limit_rejected");
        check_swap(true, 300, false, 0, 0,
                   "linux.resources.memory.swap: a swap limit needs a memory limit (swap is "
                   "memory+swap)", "swap_without_limit_rejected");
        check_swap(true, 300, true, -1, 0,
                   "linux.resources.memory.swap: a swap limit needs a memory limit (swap is "
                   "memory+swap)", "swap_with_unlimited_memory_rejected");
}

static void test_plans(void)
{
        struct keel_memory mem = { .has_limit = true, .limit = 33554432, .has_reservation = true,
                                   .reservation = 1048576, .has_swap = true, .swap = 67108864 };
        struct keel_cpu cpu = { .has_shares = true, .shares = 1024, .has_quota = true,
                                .quota = 50000, .has_period = true, .period = 100000,
                                .cpus = "0-1", .mems = "0" };
        struct keel_pids pids = { .limit = 10 };
        struct keel_throttle_device rbps = { .major = 8, .minor = 0, .rate = 1048576 };
        struct keel_throttle_device wiops = { .major = 8, .minor = 16, .rate = 0 };
        struct keel_weight_device wd = { .major = 8, .minor = 0, .has_weight = true, .weight = 500 };
        struct keel_block_io bio = { .has_weight = true, .weight = 100,
                                     .weight_device = &wd, .n_weight_device = 1,
                                     .throttle_read_bps_device = &rbps,
                                     .n_throttle_read_bps_device = 1,
                                     .throttle_write_iops_device = &wiops,
                                     .n_throttle_write_iops_device = 1 };
        struct keel_hugepage_limit huge = { .page_size = "2MB", .limit = 4194304 };
        struct keel_rdma rdma = { .device = "mlx5_1", .has_hca_handles = true, .hca_handles = 3 };
        char *ukeys[] = { "memory.high", NULL }, *uvals[] = { "30000000", NULL };
        struct keel_resources r = { 0 };

        check_plan(NULL, "", NULL, "no_resources_empty_plan");
        check_plan(&r, "", NULL, "empty_resources_empty_plan");
        r.memory = &mem;
        check_plan(&r, "memory.low=1048576;memory.max=33554432;memory.swap.max=33554432;", NULL,
                   "memory_plan");
        mem.swap = 33554432;
        check_plan(&r, "memory.low=1048576;memory.max=33554432;memory.swap.max=0;", NULL,
                   "memory_without_swap_plan");
        mem.limit = -1;
        mem.has_swap = false;
        mem.has_reservation = false;
        check_plan(&r, "memory.max=max;memory.swap.max=max;", NULL, "memory_unlimited_plan");
        mem.has_swappiness = true;
        check_plan(&r, NULL, "linux.resources.memory.swappiness: cgroup v2 has no per-cgroup "
                   "swappiness", "swappiness_refused");
        mem.has_swappiness = false;
        mem.has_disable_oom_killer = true;
        mem.disable_oom_killer = true;
        check_plan(&r, NULL, "linux.resources.memory.disableOOMKiller: cgroup v2 cannot turn the "
                   "OOM killer off", "disable_oom_killer_refused");
        mem.disable_oom_killer = false;
        mem.limit = -7;
        check_plan(&r, NULL, "linux.resources.memory.limit: -7 is not a limit (bytes, or -1)",
                   "negative_memory_limit_refused");
        r.memory = NULL;

        r.cpu = &cpu;
        check_plan(&r, "cpu.weight=39;cpu.max=50000 100000;cpuset.cpus=0-1;cpuset.mems=0;", NULL,
                   "cpu_plan");
        cpu.has_shares = false;
        cpu.quota = -1;
        cpu.has_period = false;
        cpu.cpus = cpu.mems = NULL;
        check_plan(&r, "cpu.max=max;", NULL, "cpu_unlimited_quota_plan");
        cpu.quota = 20000;
        cpu.has_burst = true;
        cpu.burst = 10000;
        check_plan(&r, "cpu.max.burst=10000;cpu.max=20000;cpu.max.burst=10000;", NULL,
                   "cpu_burst_around_quota");
        cpu.burst = 30000;
        check_plan(&r, NULL, "linux.resources.cpu.burst: 30000 is above cpu.quota 20000",
                   "burst_above_quota_refused");
        cpu.has_burst = false;
        cpu.has_realtime_runtime = true;
        cpu.realtime_runtime = 950000;
        check_plan(&r, NULL, "linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime cpu "
                   "controller", "realtime_refused");
        cpu.has_realtime_runtime = false;
        cpu.has_idle = true;
        cpu.idle = 1;
        check_plan(&r, "cpu.max=20000;cpu.idle=1;", NULL, "cpu_idle_plan");
        r.cpu = NULL;

        r.pids = &pids;
        check_plan(&r, "pids.max=10;", NULL, "pids_plan");
        pids.limit = -1;
        check_plan(&r, "pids.max=max;", NULL, "pids_unlimited_plan");
        pids.limit = 0;
        check_plan(&r, "", NULL, "pids_zero_is_unset");
        r.pids = NULL;

        r.block_io = &bio;
        check_plan(&r, "io.bfq.weight=100;io.weight=default 910;io.bfq.weight=8:0 500;"
                   "io.weight=8:0 4950;io.max=8:0 rbps=1048576;io.max=8:16 wiops=max;", NULL,
                   "block_io_plan");
        bio.has_leaf_weight = true;
        check_plan(&r, NULL, "linux.resources.blockIO.leafWeight: cgroup v2 has no leaf weights",
                   "leaf_weight_refused");
        bio.has_leaf_weight = false;
        r.block_io = NULL;

        r.hugepage_limits = &huge;
        r.n_hugepage_limits = 1;
        check_plan(&r, "hugetlb.2MB.max=4194304;hugetlb.2MB.rsvd.max=4194304;", NULL,
                   "hugetlb_plan");
        r.n_hugepage_limits = 0;

        r.rdma = &rdma;
        r.n_rdma = 1;
        check_plan(&r, "rdma.max=mlx5_1 hca_handle=3 hca_object=max;", NULL, "rdma_plan");
        r.n_rdma = 0;

        r.unified.keys = ukeys;
        r.unified.values = uvals;
        r.unified.n = 1;
        check_plan(&r, "memory.high=30000000;", NULL, "unified_plan");
        ukeys[0] = "../memory.max";
        check_plan(&r, NULL, "linux.resources.unified: \"../memory.max\" is not a cgroup file "
                   "name like \"memory.high\"", "unified_escape_refused");
        ukeys[0] = "cgroup.procs";
        check_plan(&r, NULL, "linux.resources.unified.cgroup.procs: keel manages this file; a "
                   "config may not write it", "unified_cgroup_procs_refused");
        ukeys[0] = "nodot";
        check_plan(&r, NULL, "linux.resources.unified: \"nodot\" is not a cgroup file name like "
                   "\"memory.high\"", "unified_without_controller_refused");
        r.unified.n = 0;
}

static void check_config_file(const char *file, const char *want_err)
{
        char path[4096], name[160];
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;

        snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, file);
        snprintf(name, sizeof(name), "plan_of_%s", file);
        if (keel_config_load(AT_FDCWD, path, &cfg, &err) < 0) {
                tap_ok(0, "%s (%s)", name, err->msg);
                keel_error_free(err);
                return;
        }
        check_plan(cfg->linux_cfg ? cfg->linux_cfg->resources : NULL, "", want_err, name);
        keel_config_free(cfg);
}

/* ---- applying to a fake cgroupfs ---------------------------------------------- */

static void put(const char *dir, const char *file, const char *content)
{
        char p[4096];
        int fd;

        snprintf(p, sizeof(p), "%s/%s", dir, file);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
                if (write(fd, content, strlen(content)) < 0)
                        tap_diag("write %s: %m", p);
                close(fd);
        }
}

static char *get(const char *dir, const char *file)
{
        char p[4096], *out = NULL;

        snprintf(p, sizeof(p), "%s/%s", dir, file);
        if (keel_read_file_at(AT_FDCWD, p, 4096, &out, NULL, NULL) < 0)
                return NULL;
        return out;
}

static struct keel_cgroup *fake_cgroup(const char *root, const char *path)
{
        struct keel_cgroup *cg = calloc(1, sizeof(*cg));
        char p[4096];

        snprintf(p, sizeof(p), "%s%s", root, path);
        cg->mount = strdup(root);
        cg->path = strdup(path);
        cg->dirfd = open(p, O_RDONLY | O_DIRECTORY);
        return cg;
}

static void test_apply(void)
{
        char root[] = "/tmp/keel-cgres-XXXXXX", mid[4096], leaf[4096];
        struct keel_pids pids = { .limit = 42 };
        struct keel_memory mem = { .has_limit = true, .limit = 1000 };
        char *ukeys[] = { "io.max", NULL }, *uvals[] = { "8:0 rbps=1\n8:16 wbps=2\n", NULL };
        struct keel_resources r = { .pids = &pids };
        struct keel_error *err = NULL;
        struct keel_cgroup *cg;
        char *s;
        int ret;

        if (mkdtemp(root) == NULL) {
                tap_ok(0, "mkdtemp: %m");
                return;
        }
        snprintf(mid, sizeof(mid), "%s/keel", root);
        snprintf(leaf, sizeof(leaf), "%s/keel/c1", root);
        mkdir(mid, 0755);
        mkdir(leaf, 0755);
        put(root, "cgroup.controllers", "cpu io pids\n");
        put(root, "cgroup.subtree_control", "");
        put(mid, "cgroup.controllers", "cpu io pids\n");
        put(mid, "cgroup.subtree_control", "");
        put(leaf, "pids.max", "");
        put(leaf, "io.max", "");

        cg = fake_cgroup(root, "/keel/c1");
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        tap_ok(ret == 0, "apply_pids (%s)", err ? err->msg : "ok");
        s = get(leaf, "pids.max");
        tap_is_str(s, "42", "pids_max_written");
        free(s);
        s = get(root, "cgroup.subtree_control");
        tap_is_str(s, "+pids", "pids_enabled_at_root");
        free(s);
        s = get(mid, "cgroup.subtree_control");
        tap_is_str(s, "+pids", "pids_enabled_at_parent");
        free(s);
        keel_error_free(err);
        err = NULL;

        /* Already enabled: not written again. */
        put(mid, "cgroup.subtree_control", "pids\n");
        put(root, "cgroup.subtree_control", "pids\n");
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        s = get(mid, "cgroup.subtree_control");
        tap_ok(ret == 0 && s && strcmp(s, "pids\n") == 0, "enabled_controller_left_alone");
        free(s);
        keel_error_free(err);
        err = NULL;

        r.pids = NULL;
        r.unified.keys = ukeys;
        r.unified.values = uvals;
        r.unified.n = 1;
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        tap_ok(ret == 0, "apply_unified (%s)", err ? err->msg : "ok");
        s = get(leaf, "io.max");
        tap_is_str(s, "8:0 rbps=18:16 wbps=2", "unified_lines_written_one_by_one");
        free(s);
        keel_error_free(err);
        err = NULL;

        r.unified.n = 0;
        r.memory = &mem;
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        tap_ok(ret == -ENOTSUP, "missing_controller_fails");
        {
                char want[8192];

                snprintf(want, sizeof(want), "linux.resources.memory.limit: the cgroup v2 "
                         "controller memory is not available in %s (it has: cpu io pids)", root);
                tap_is_str(err ? err->msg : NULL, want, "missing_controller_named_with_field");
        }
        keel_error_free(err);
        err = NULL;

        /* A file the kernel does not have: an error naming field and file. */
        put(root, "cgroup.controllers", "cpu io pids memory\n");
        put(mid, "cgroup.controllers", "cpu io pids memory\n");
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        tap_ok(ret == -ENOENT, "missing_file_fails");
        tap_is_str(err ? err->msg : NULL,
                   "linux.resources.memory.limit: cgroup /keel/c1 has no file memory.max",
                   "missing_file_named");
        keel_error_free(err);
        err = NULL;

        /* checkBeforeUpdate: a limit below the usage is refused. */
        put(leaf, "memory.max", "max\n");
        put(leaf, "memory.current", "5000\n");
        mem.has_check_before_update = mem.check_before_update = true;
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        tap_ok(ret == -EBUSY, "check_before_update_refuses_low_limit");
        s = get(leaf, "memory.max");
        tap_is_str(s, "max\n", "refused_limit_not_written");
        free(s);
        keel_error_free(err);
        err = NULL;
        mem.limit = 8000;
        ret = keel_cgroup_apply_resources(cg, &r, &err);
        s = get(leaf, "memory.max");
        tap_ok(ret == 0 && s && strncmp(s, "8000", 4) == 0, "check_before_update_allows_high_limit");
        free(s);
        keel_error_free(err);

        keel_cgroup_free(cg);
        {
                int fd = open(root, O_RDONLY | O_DIRECTORY);

                keel_remove_tree_at(fd, NULL);
                close(fd);
        }
        rmdir(root);
}

int main(void)
{
        test_conversions();
        test_swap();
        test_plans();
        check_config_file("podman-runc-run-d-config.json", NULL);
        check_config_file("podman-runc-privileged-config.json", NULL);
        check_config_file("ctr-runc-run-d-config.json", NULL);
        check_config_file("full-v1.3.json", "linux.resources.network.priorities: net_cls and "
                          "net_prio exist in cgroup v1 only");
        test_apply();
        return tap_done();
}
