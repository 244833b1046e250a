/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser on good input: configs engines really wrote, every
 * field of v1.3, process.json, loading from a bundle, the names. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "oci-config-test.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "util/cleanup.h"

/* ---- real engine output ---------------------------------------------------- */

static void test_captured_configs(void)
{
        static const char *const configs[] = {
                "ctr-runc-run-d-config.json",    "ctr-runc-run-t-config.json",
                "podman-crun-cgdisabled-config.json", "podman-runc-privileged-config.json",
                "podman-runc-run-d-config.json", "podman-runc-run-it-config.json",
                "podman-runc-slirp-config.json",
        };
        static const char *const processes[] = {
                "ctr-runc-exec-process.json", "ctr-runc-exec-tty-process.json",
                "podman-runc-exec-process.json", "podman-runc-exec-tty-process.json",
        };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(configs); i++) {
                size_t len = 0;
                char *json = read_data(configs[i], &len);
                struct keel_config *cfg;
                char name[128];

                snprintf(name, sizeof(name), "captured_%s_parses", configs[i]);
                cfg = json ? parse_ok(json, len, name) : (tap_ok(0, "%s", name), NULL);
                if (cfg != NULL && strcmp(configs[i], "podman-runc-privileged-config.json") == 0) {
                        const struct keel_device *d = &cfg->linux_cfg->devices[0];

                        tap_ok(cfg->linux_cfg->n_devices > 10,
                               "podman_privileged_lists_host_devices");
                        tap_ok(d->has_file_mode && d->file_mode <= 07777,
                               "podman_device_file_type_bits_are_stripped");
                }
                if (cfg != NULL && strcmp(configs[i], "podman-runc-run-d-config.json") == 0) {
                        const struct keel_seccomp *s = cfg->linux_cfg->seccomp;

                        tap_ok(s != NULL && s->default_action == KEEL_SECCOMP_ACT_ERRNO &&
                               s->has_default_errno_ret && s->default_errno_ret == 38,
                               "podman_seccomp_default_errno_is_enosys");
                        tap_is_int(cfg->process->user.umask, 022, "podman_umask_is_022");
                        tap_is_str(keel_string_map_get(&cfg->annotations, "io.container.manager"),
                                   "libpod", "podman_annotation_is_kept");
                }
                if (cfg != NULL && strcmp(configs[i], "ctr-runc-run-d-config.json") == 0) {
                        const struct keel_resources *r = cfg->linux_cfg->resources;
                        const struct keel_device_cgroup *pts = &r->devices[8];

                        tap_ok(pts->type == 'c' && pts->major == 136 && !pts->has_minor,
                               "ctr_pty_rule_has_no_minor");
                        tap_is_str(cfg->process->args[0], "sleep", "ctr_args_are_read");
                        tap_ok(cfg->process->args[cfg->process->n_args] == NULL,
                               "args_are_null_terminated");
                }
                keel_config_free(cfg);
                free(json);
        }
        for (i = 0; i < ARRAY_SIZE(processes); i++) {
                size_t len = 0;
                char *json = read_data(processes[i], &len);
                struct keel_process *p = NULL;
                struct keel_error *err = NULL;
                int r = json ? keel_process_parse(json, len, &p, &err) : -ENOENT;

                tap_ok(r == 0 && p != NULL && p->cwd != NULL, "captured_%s_parses", processes[i]);
                if (r < 0)
                        tap_diag("%s", err ? err->msg : "cannot read");
                if (r == 0 && strstr(processes[i], "tty") != NULL)
                        tap_ok(p->terminal, "captured_%s_wants_a_terminal", processes[i]);
                keel_process_free(p);
                keel_error_free(err);
                free(json);
        }
}

/* ---- every field of v1.3 ------------------------------------------------------ */

static void check_full_process(const struct keel_process *p)
{
        tap_ok(p->terminal && p->console_size && p->console_size->height == 25 &&
               p->console_size->width == 80, "full_process_console");
        tap_ok(p->user.uid == 1 && p->user.gid == 2 && p->user.has_umask && p->user.umask == 022,
               "full_user_ids_and_umask");
        tap_ok(p->user.n_additional_gids == 3 && p->user.additional_gids[2] == 4294967295u,
               "full_additional_gids_reach_uint32_max");
        tap_is_str(p->user.username, "someone", "full_username");
        tap_ok(p->n_args == 3 && strcmp(p->args[2], "echo hi") == 0 && p->args[3] == NULL,
               "full_args");
        tap_is_str(p->command_line, "sh -c 'echo hi'", "full_command_line");
        tap_ok(p->n_env == 2 && strcmp(p->env[1], "TERM=xterm") == 0, "full_env");
        tap_is_str(p->cwd, "/root", "full_cwd");
        tap_ok(p->capabilities && p->capabilities->n_bounding == 3 &&
               p->capabilities->n_inheritable == 0 && p->capabilities->n_ambient == 1 &&
               strcmp(p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE") == 0 &&
               strcmp(p->capabilities->effective[0], "CAP_KILL") == 0 &&
               p->capabilities->n_permitted == 2, "full_capability_sets");
        tap_ok(p->n_rlimits == 2 && p->rlimits[0].type == RLIMIT_CORE &&
               p->rlimits[0].soft == 512 && p->rlimits[1].type == RLIMIT_NOFILE &&
               p->rlimits[1].hard == UINT64_MAX, "full_rlimits_reach_uint64_max");
        tap_ok(p->no_new_privileges, "full_no_new_privileges");
        tap_is_str(p->apparmor_profile, "acme_secure_profile", "full_apparmor_profile");
        tap_ok(p->has_oom_score_adj && p->oom_score_adj == -1000, "full_oom_score_adj");
        tap_is_str(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675",
                   "full_selinux_label");
        tap_ok(p->io_priority && p->io_priority->ioprio_class == KEEL_IOPRIO_CLASS_IDLE &&
               p->io_priority->priority == 7, "full_io_priority");
        tap_ok(p->scheduler && p->scheduler->policy == KEEL_SCHED_DEADLINE &&
               p->scheduler->has_nice && p->scheduler->nice == -20 &&
               p->scheduler->has_priority && p->scheduler->priority == 0 &&
               p->scheduler->flags ==
                       (KEEL_SCHED_FLAG_RESET_ON_FORK | KEEL_SCHED_FLAG_UTIL_CLAMP_MAX) &&
               p->scheduler->runtime == 10000000 && p->scheduler->deadline == 20000000 &&
               p->scheduler->has_period && p->scheduler->period == 30000000, "full_scheduler");
        tap_ok(p->exec_cpu_affinity && strcmp(p->exec_cpu_affinity->initial, "7") == 0 &&
               strcmp(p->exec_cpu_affinity->final, "0-3, 7") == 0, "full_exec_cpu_affinity");
}

static void check_full_top(const struct keel_config *c)
{
        const struct keel_hooks *h = c->hooks;

        tap_is_str(c->oci_version, "1.3.0", "full_oci_version");
        tap_ok(c->root && strcmp(c->root->path, "rootfs") == 0 && c->root->readonly,
               "full_root");
        tap_ok(c->n_mounts == 3 && strcmp(c->mounts[1].source, "/volumes/testing") == 0 &&
               c->mounts[1].n_options == 3 && strcmp(c->mounts[1].options[2], "idmap") == 0,
               "full_mount_bind");
        tap_ok(c->mounts[1].n_uid_mappings == 1 && c->mounts[1].uid_mappings[0].host_id == 100000 &&
               c->mounts[1].n_gid_mappings == 1 && c->mounts[1].gid_mappings[0].size == 1000,
               "full_mount_idmap");
        tap_ok(c->mounts[2].source == NULL && c->mounts[2].type == NULL &&
               c->mounts[2].options == NULL, "full_mount_with_only_destination");
        tap_is_str(c->hostname, "slartibartfast", "full_hostname");
        tap_is_str(c->domainname, "magrathea.example", "full_domainname");
        tap_ok(h && h->prestart.n == 2 && h->prestart.hooks[0].n_args == 3 &&
               strcmp(h->prestart.hooks[0].env[0], "key1=value1") == 0 &&
               !h->prestart.hooks[1].has_timeout, "full_prestart_hooks");
        tap_ok(h && h->create_runtime.n == 1 && h->create_runtime.hooks[0].has_timeout &&
               h->create_runtime.hooks[0].timeout == 5 && h->create_container.n == 1 &&
               h->start_container.n == 1 && h->poststart.n == 1 && h->poststop.n == 1 &&
               strcmp(h->poststop.hooks[0].path, "/usr/sbin/cleanup.sh") == 0,
               "full_every_hook_kind");
        tap_ok(keel_hooks_get(h, KEEL_HOOK_START_CONTAINER) == &h->start_container,
               "hooks_get_by_kind");
        tap_ok(c->annotations.n == 2 &&
               strcmp(keel_string_map_get(&c->annotations, "com.example.key2"), "value2") == 0,
               "full_annotations");
}

static void check_full_linux(const struct keel_linux *l)
{
        tap_ok(l->n_namespaces == 8 && l->namespaces[7].type == KEEL_NS_TIME &&
               l->namespaces[1].type == KEEL_NS_NETWORK &&
               strcmp(l->namespaces[1].path, "/var/run/netns/neta") == 0 &&
               l->namespaces[0].path == NULL, "full_namespaces");
        tap_ok(l->n_uid_mappings == 1 && l->uid_mappings[0].container_id == 0 &&
               l->uid_mappings[0].host_id == 1000 && l->uid_mappings[0].size == 32000 &&
               l->n_gid_mappings == 1, "full_id_mappings");
        tap_ok(l->time_offsets && l->time_offsets->has_monotonic &&
               l->time_offsets->monotonic.secs == 172800 && l->time_offsets->has_boottime &&
               l->time_offsets->boottime.secs == -86400 &&
               l->time_offsets->boottime.nanosecs == 999999999, "full_time_offsets");
        tap_ok(l->n_devices == 3 && l->devices[0].type == KEEL_DEVICE_CHAR &&
               l->devices[0].major == 10 && l->devices[0].minor == 229 &&
               l->devices[0].file_mode == 0666 && l->devices[1].type == KEEL_DEVICE_BLOCK &&
               l->devices[1].file_mode == 0640 && l->devices[1].has_gid && l->devices[1].gid == 6,
               "full_devices");
        tap_ok(l->devices[2].type == KEEL_DEVICE_FIFO && !l->devices[2].has_file_mode,
               "full_fifo_device_needs_no_numbers");
        tap_ok(l->n_net_devices == 2 && strcmp(l->net_devices[0].host_name, "eth1") == 0 &&
               strcmp(l->net_devices[0].name, "ctr1") == 0 && l->net_devices[1].name == NULL,
               "full_net_devices");
        tap_is_str(l->cgroups_path, "/myRuntime/myContainer", "full_cgroups_path");
        tap_ok(l->has_rootfs_propagation && l->rootfs_propagation == KEEL_PROPAGATION_SLAVE,
               "full_rootfs_propagation");
        tap_ok(l->sysctl.n == 2 && strcmp(l->sysctl.keys[0], "net.ipv4.ip_forward") == 0 &&
               strcmp(l->sysctl.values[1], "256") == 0, "full_sysctl");
        tap_ok(l->n_masked_paths == 2 && l->n_readonly_paths == 1 &&
               strcmp(l->readonly_paths[0], "/proc/sys") == 0, "full_masked_and_readonly_paths");
        tap_is_str(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811",
                   "full_mount_label");
        tap_ok(l->intel_rdt && strcmp(l->intel_rdt->clos_id, "guaranteed_group") == 0 &&
               l->intel_rdt->n_schemata == 2 &&
               strcmp(l->intel_rdt->mem_bw_schema, "MB:0=20;1=70") == 0 &&
               strcmp(l->intel_rdt->l3_cache_schema, "L3:0=7f0;1=1f") == 0 &&
               l->intel_rdt->enable_monitoring, "full_intel_rdt");
        tap_ok(l->memory_policy && l->memory_policy->mode == KEEL_MPOL_INTERLEAVE &&
               strcmp(l->memory_policy->nodes, "0-3,7") == 0 &&
               l->memory_policy->flags == KEEL_MPOL_F_STATIC_NODES, "full_memory_policy");
        tap_ok(l->personality && l->personality->domain == KEEL_PERSONALITY_LINUX32 &&
               l->personality->n_flags == 0, "full_personality");
}

static void check_full_resources(const struct keel_resources *r)
{
        const struct keel_memory *m = r->memory;
        const struct keel_cpu *c = r->cpu;
        const struct keel_block_io *b = r->block_io;

        tap_ok(r->n_devices == 3 && !r->devices[0].allow && r->devices[0].type == 'a' &&
               !r->devices[0].has_major && strcmp(r->devices[0].access, "rwm") == 0 &&
               r->devices[1].allow && r->devices[1].type == 'c' && r->devices[1].minor == 229 &&
               r->devices[2].type == 'b' && r->devices[2].has_minor && r->devices[2].minor == -1,
               "full_device_cgroup_rules");
        tap_ok(m && m->has_limit && m->limit == 536870912 && m->reservation == 268435456 &&
               m->has_swap && m->swap == -1 && m->kernel == -1 && m->has_kernel_tcp &&
               m->kernel_tcp == 0 && m->has_swappiness && m->swappiness == 60 &&
               m->has_disable_oom_killer && !m->disable_oom_killer && m->has_use_hierarchy &&
               m->use_hierarchy && m->has_check_before_update && m->check_before_update,
               "full_memory");
        tap_ok(c && c->has_shares && c->shares == 1024 && c->quota == 1000000 &&
               c->has_burst && c->burst == 500000 && c->period == 500000 &&
               c->realtime_runtime == 950000 && c->realtime_period == 1000000 &&
               strcmp(c->cpus, "2-3") == 0 && strcmp(c->mems, "0-7") == 0 && c->has_idle &&
               c->idle == 1, "full_cpu");
        tap_ok(r->pids && r->pids->limit == 32771, "full_pids");
        tap_ok(b && b->has_weight && b->weight == 10 && b->has_leaf_weight &&
               b->leaf_weight == 1000 && b->n_weight_device == 2 &&
               b->weight_device[0].leaf_weight == 300 && !b->weight_device[1].has_leaf_weight,
               "full_block_io_weights");
        tap_ok(b && b->n_throttle_read_bps_device == 1 &&
               b->throttle_read_bps_device[0].rate == 600 &&
               b->throttle_write_bps_device[0].rate == 700 &&
               b->throttle_read_iops_device[0].minor == 32 &&
               b->throttle_write_iops_device[0].rate == 300, "full_block_io_throttles");
        tap_ok(r->n_hugepage_limits == 2 && strcmp(r->hugepage_limits[1].page_size, "64KB") == 0 &&
               r->hugepage_limits[0].limit == 209715200, "full_hugepage_limits");
        tap_ok(r->network && r->network->has_class_id && r->network->class_id == 1048577 &&
               r->network->n_priorities == 2 && r->network->priorities[1].priority == 1000,
               "full_network");
        tap_ok(r->n_rdma == 2 && strcmp(r->rdma[0].device, "mlx5_1") == 0 &&
               r->rdma[0].hca_handles == 3 && !r->rdma[1].has_hca_handles &&
               r->rdma[1].hca_objects == 1000, "full_rdma");
        tap_ok(r->unified.n == 2 && strcmp(keel_string_map_get(&r->unified, "hugetlb.1GB.max"),
                                           "1073741824") == 0, "full_unified");
}

static void check_full_seccomp(const struct keel_seccomp *s)
{
        tap_ok(s && s->default_action == KEEL_SECCOMP_ACT_ERRNO && s->default_errno_ret == 38,
               "full_seccomp_default");
        tap_ok(s && s->n_architectures == 3 && s->architectures[2] == KEEL_SCMP_ARCH_RISCV64,
               "full_seccomp_architectures");
        tap_ok(s && s->flags == (KEEL_SECCOMP_FLAG_LOG | KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV),
               "full_seccomp_flags");
        tap_ok(s && strcmp(s->listener_path, "/run/seccomp-agent.socket") == 0 &&
               strcmp(s->listener_metadata, "MKNOD=/dev/null") == 0, "full_seccomp_listener");
        tap_ok(s && s->n_syscalls == 4 && s->syscalls[0].n_names == 2 &&
               s->syscalls[2].action == KEEL_SECCOMP_ACT_NOTIFY &&
               s->syscalls[3].has_errno_ret && s->syscalls[3].errno_ret == 1 &&
               !s->syscalls[0].has_errno_ret, "full_seccomp_syscalls");
        tap_ok(s && s->syscalls[1].n_args == 2 && s->syscalls[1].args[0].value == 4294967295u &&
               s->syscalls[1].args[1].index == 5 && s->syscalls[1].args[1].value == UINT64_MAX &&
               s->syscalls[1].args[1].has_value_two && s->syscalls[1].args[1].value_two == 8 &&
               s->syscalls[1].args[1].op == KEEL_SECCOMP_CMP_MASKED_EQ &&
               !s->syscalls[1].args[0].has_value_two, "full_seccomp_args");
}

static void test_full_config(void)
{
        size_t len = 0;
        char *json = read_data("full-v1.3.json", &len);
        struct keel_config *cfg = json ? parse_ok(json, len, "full_v1_3_config_parses") : NULL;

        if (cfg == NULL) {
                tap_ok(0, "full_v1_3_config_is_readable");
                free(json);
                return;
        }
        check_full_top(cfg);
        check_full_process(cfg->process);
        check_full_linux(cfg->linux_cfg);
        check_full_resources(cfg->linux_cfg->resources);
        check_full_seccomp(cfg->linux_cfg->seccomp);
        keel_config_free(cfg);
        free(json);
}

static void test_minimal_config(void)
{
        char *json = dq("{'ociVersion':'1.0.2-dev','root':{'path':'rootfs'}}");
        struct keel_config *cfg = parse_ok(json, strlen(json), "minimal_config_parses");

        tap_ok(cfg && cfg->process == NULL && cfg->linux_cfg == NULL && cfg->hooks == NULL &&
               cfg->n_mounts == 0 && cfg->annotations.n == 0,
               "minimal_config_leaves_sections_absent");
        keel_config_free(cfg);
        free(json);

        json = dq("{'ociVersion':'1.3.0','root':{'path':'r'},'hostname':null,"
                  "'linux':{'resources':{'memory':{'limit':null,'swap':5}}}}");
        cfg = parse_ok(json, strlen(json), "null_fields_parse");
        tap_ok(cfg && cfg->hostname == NULL && !cfg->linux_cfg->resources->memory->has_limit &&
               cfg->linux_cfg->resources->memory->has_swap, "null_optional_field_counts_as_absent");
        keel_config_free(cfg);
        free(json);

        json = dq("{'ociVersion':'1.3.0','root':{'path':'r'},'linux':{'resources':"
                  "{'cpu':{'shares':0},'blockIO':{'weight':0}}}}");
        cfg = parse_ok(json, strlen(json), "zero_shares_and_weight_parse");
        tap_ok(cfg && !cfg->linux_cfg->resources->cpu->has_shares &&
               !cfg->linux_cfg->resources->block_io->has_weight,
               "zero_shares_and_weight_mean_not_set");
        keel_config_free(cfg);
        free(json);
}

/* ---- process.json, loading, names ------------------------------------------- */

static void test_process_parse(void)
{
        struct keel_process *p = NULL;
        struct keel_error *err = NULL;
        char *json = dq("{'cwd':'/','args':['ls'],'user':{'uid':5,'gid':6},'env':['A=1']}");
        int r = keel_process_parse(json, strlen(json), &p, &err);

        tap_ok(r == 0 && p && p->user.uid == 5 && strcmp(p->args[0], "ls") == 0,
               "process_json_parses");
        keel_process_free(p);
        free(json);

        /* config.md does not require "user": runc runs it as 0:0. */
        p = NULL;
        json = dq("{'cwd':'/','args':['ls']}");
        r = keel_process_parse(json, strlen(json), &p, &err);
        tap_ok(r == 0 && p && p->user.uid == 0 && p->user.gid == 0 &&
               p->user.n_additional_gids == 0 && !p->user.has_umask,
               "process_json_without_user_runs_as_root");
        keel_process_free(p);
        free(json);
        p = NULL;
        json = dq("{'ociVersion':'1.3.0','root':{'path':'r'},'process':{'args':['sh'],'cwd':'/'}}");
        {
                struct keel_config *cfg = parse_ok(json, strlen(json),
                                                   "config_process_without_user_runs_as_root");

                tap_ok(cfg && cfg->process && cfg->process->user.uid == 0 &&
                       cfg->process->user.gid == 0, "config_process_without_user_is_uid_0_gid_0");
                keel_config_free(cfg);
        }
        free(json);

        p = NULL;
        json = dq("{'args':['ls'],'user':{'uid':5,'gid':6}}");
        r = keel_process_parse(json, strlen(json), &p, &err);
        tap_ok(r == -EINVAL && p == NULL && err &&
               strcmp(err->msg, "cwd: required field missing") == 0,
               "process_json_without_cwd_is_rejected");
        keel_error_free(err);
        err = NULL;
        free(json);

        r = keel_process_parse("[1]", 3, &p, &err);
        tap_ok(r == -EINVAL && err && strcmp(err->msg, "(root): expected object, got array") == 0,
               "process_json_array_is_rejected");
        keel_error_free(err);
}

static void test_load(void)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        _cleanup_close_ int dir = open(TEST_DATA_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r;

        r = keel_config_load(dir, "full-v1.3.json", &cfg, &err);
        tap_ok(r == 0 && cfg && cfg->linux_cfg->n_namespaces == 8, "config_load_reads_file");
        keel_config_free(cfg);
        cfg = NULL;

        r = keel_config_load(dir, "missing-config.json", &cfg, &err);
        tap_ok(r == -ENOENT && err &&
               strcmp(err->msg, "open missing-config.json: No such file or directory") == 0,
               "config_load_names_missing_file");
        keel_error_free(err);
        err = NULL;

        r = keel_config_load(dir, ".", &cfg, &err);
        tap_ok(r < 0 && err && strcmp(err->msg, "open .: not a regular file") == 0,
               "config_load_refuses_directory");
        keel_error_free(err);
        err = NULL;

        r = keel_config_load(AT_FDCWD, "/dev/null", &cfg, &err);
        tap_ok(r < 0 && err && strcmp(err->msg, "open /dev/null: not a regular file") == 0,
               "config_load_refuses_device");
        keel_error_free(err);
}

/* podman sends rslave, crun's own tests rprivate: the r- forms are values. */
static void test_rootfs_propagation_values(void)
{
        static const struct {
                const char *name;
                enum keel_propagation want;
        } v[] = {
                { "private", KEEL_PROPAGATION_PRIVATE },     { "rprivate", KEEL_PROPAGATION_RPRIVATE },
                { "shared", KEEL_PROPAGATION_SHARED },       { "rshared", KEEL_PROPAGATION_RSHARED },
                { "slave", KEEL_PROPAGATION_SLAVE },         { "rslave", KEEL_PROPAGATION_RSLAVE },
                { "unbindable", KEEL_PROPAGATION_UNBINDABLE },
                { "runbindable", KEEL_PROPAGATION_RUNBINDABLE },
        };

        for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
                char *json = NULL, *name = NULL;
                struct keel_config *cfg;

                if (asprintf(&json, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
                             "\"linux\":{\"rootfsPropagation\":\"%s\"}}", v[i].name) < 0 ||
                    asprintf(&name, "rootfs_propagation_%s_is_parsed", v[i].name) < 0)
                        abort();
                cfg = parse_ok(json, strlen(json), name);
                tap_ok(cfg && cfg->linux_cfg && cfg->linux_cfg->has_rootfs_propagation &&
                       cfg->linux_cfg->rootfs_propagation == v[i].want, "%s: value", name);
                tap_ok(strcmp(keel_propagation_name(v[i].want), v[i].name) == 0, "%s: name",
                       name);
                keel_config_free(cfg);
                free(json);
                free(name);
        }
}

static void test_names(void)
{
        tap_is_str(keel_namespace_type_name(KEEL_NS_TIME), "time", "namespace_name_time");
        tap_ok(keel_namespace_type_name(KEEL_NS__COUNT) == NULL,
               "namespace_name_out_of_range_is_null");
        tap_is_str(keel_rlimit_name(RLIMIT_NOFILE), "RLIMIT_NOFILE", "rlimit_name_nofile");
        tap_is_str(keel_seccomp_action_name(KEEL_SECCOMP_ACT_KILL_PROCESS), "SCMP_ACT_KILL_PROCESS",
                   "seccomp_action_name");
        tap_is_str(keel_seccomp_arch_name(KEEL_SCMP_ARCH_AARCH64), "SCMP_ARCH_AARCH64",
                   "seccomp_arch_name");
        tap_is_str(keel_seccomp_op_name(KEEL_SECCOMP_CMP_MASKED_EQ), "SCMP_CMP_MASKED_EQ",
                   "seccomp_op_name");
        tap_is_str(keel_hook_kind_name(KEEL_HOOK_CREATE_CONTAINER), "createContainer",
                   "hook_kind_name");
        tap_is_str(keel_propagation_name(KEEL_PROPAGATION_UNBINDABLE), "unbindable",
                   "propagation_name");
        tap_is_str(keel_ioprio_class_name(KEEL_IOPRIO_CLASS_BE), "IOPRIO_CLASS_BE", "ioprio_name");
        tap_is_str(keel_sched_policy_name(KEEL_SCHED_RR), "SCHED_RR", "sched_policy_name");
        tap_is_str(keel_mempolicy_mode_name(KEEL_MPOL_WEIGHTED_INTERLEAVE),
                   "MPOL_WEIGHTED_INTERLEAVE", "mempolicy_mode_name");
        tap_is_str(keel_device_type_name(KEEL_DEVICE_UNBUFFERED), "u", "device_type_name");
        tap_is_str(keel_personality_domain_name(KEEL_PERSONALITY_LINUX), "LINUX",
                   "personality_domain_name");
}

int main(void)
{
        test_captured_configs();
        test_full_config();
        test_minimal_config();
        test_process_parse();
        test_load();
        test_names();
        test_rootfs_propagation_values();
        return tap_done();
}
