/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"
#include "tap.h"

static char *read_data(const char *name, size_t *len)
{
        char path[4096];
        FILE *f;
        char *buf;
        long n;

        snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
        f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        if (buf != NULL && fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        if (buf != NULL) {
                buf[n] = '\0';
                *len = (size_t) n;
        }
        return buf;
}

/* The bad-input table writes JSON with ' for " to stay readable. */
static char *dq(const char *s)
{
        char *d = strdup(s), *c;

        for (c = d; *c; c++)
                if (*c == '\'')
                        *c = '"';
        return d;
}

static struct keel_config *parse_ok(const char *json, size_t len, const char *name)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int r = keel_config_parse(json, len, &cfg, &err);

        tap_ok(r == 0 && cfg != NULL, "%s", name);
        if (r < 0)
                tap_diag("error: %s", err && err->msg ? err->msg : "(none)");
        keel_error_free(err);
        return cfg;
}

static void expect_error(const char *name, const char *json, size_t len, const char *want)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int r = keel_config_parse(json, len, &cfg, &err);
        const char *got = err && err->msg ? err->msg : "(no error)";
        int ok = r == -EINVAL && cfg == NULL && strcmp(got, want) == 0;

        tap_ok(ok, "%s", name);
        if (!ok)
                tap_diag("ret %d, got '%s', want '%s'", r, got, want);
        keel_config_free(cfg);
        keel_error_free(err);
}

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

/* ---- bad input ------------------------------------------------------------------ */

#define B "'ociVersion':'1.3.0','root':{'path':'r'}"
#define P(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0}" x "}}"
#define U(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0" x "}}}"
#define UO(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{" x "}}}"
#define L(x) "{" B ",'linux':{" x "}}"
#define R(x) L("'resources':{" x "}")
#define S(x) L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," x "}")

struct bad_case {
        const char *name;
        const char *json;
        const char *want;
};

static const struct bad_case type_cases[] = {
        { "memory_limit_string_is_rejected", R("'memory':{'limit':'1'}"),
          "linux.resources.memory.limit: expected integer, got string" },
        { "device_rule_major_string_is_rejected",
          R("'devices':[{'allow':true},{'allow':true},{'allow':true,'major':'8'}]"),
          "linux.resources.devices[2].major: expected integer, got string" },
        { "document_array_is_rejected", "[]", "(root): expected object, got array" },
        { "root_array_is_rejected", "{'ociVersion':'1.3.0','root':[]}",
          "root: expected object, got array" },
        { "oci_version_number_is_rejected", "{'ociVersion':1,'root':{'path':'r'}}",
          "ociVersion: expected string, got integer" },
        { "terminal_string_is_rejected", P(",'terminal':'yes'"),
          "process.terminal: expected boolean, got string" },
        { "no_new_privileges_zero_is_rejected", P(",'noNewPrivileges':0"),
          "process.noNewPrivileges: expected boolean, got integer" },
        { "args_number_element_is_rejected", "{" B ",'process':{'cwd':'/','args':['sh',1],"
          "'user':{'uid':0,'gid':0}}}", "process.args[1]: expected string, got integer" },
        { "uid_fraction_is_rejected", UO("'uid':1.5,'gid':0"),
          "process.user.uid: expected integer, got 1.5" },
        { "uid_exponent_is_rejected", U(",'umask':1e3"),
          "process.user.umask: expected integer, got 1e3" },
        { "mounts_object_is_rejected", "{" B ",'mounts':{}}",
          "mounts: expected array, got object" },
        { "mount_string_is_rejected", "{" B ",'mounts':['/proc']}",
          "mounts[0]: expected object, got string" },
        { "namespace_null_element_is_rejected", L("'namespaces':[null]"),
          "linux.namespaces[0]: expected object, got null" },
        { "sysctl_array_is_rejected", L("'sysctl':[]"),
          "linux.sysctl: expected object, got array" },
        { "annotation_number_value_is_rejected", "{" B ",'annotations':{'com.example':1}}",
          "annotations[\"com.example\"]: expected string, got integer" },
        { "hook_args_string_is_rejected", "{" B ",'hooks':{'poststop':[{'path':'/h','args':'x'}]}}",
          "hooks.poststop[0].args: expected array, got string" },
        { "syscall_name_number_is_rejected",
          S("'syscalls':[{'names':[1],'action':'SCMP_ACT_LOG'}]"),
          "linux.seccomp.syscalls[0].names[0]: expected string, got integer" },
        { "cpus_number_is_rejected", R("'cpu':{'cpus':3}"),
          "linux.resources.cpu.cpus: expected string, got integer" },
        { "additional_gid_string_is_rejected", U(",'additionalGids':[1,'2']"),
          "process.user.additionalGids[1]: expected integer, got string" },
        { "memory_limit_float_is_rejected", R("'memory':{'limit':1e999}"),
          "linux.resources.memory.limit: expected integer, got 1e999" },
};

static const struct bad_case enum_cases[] = {
        { "namespace_type_unknown_is_rejected", L("'namespaces':[{'type':'foo'}]"),
          "linux.namespaces[0].type: unknown value \"foo\" (expected one of: mount, pid, network, "
          "uts, ipc, user, cgroup, time)" },
        { "rootfs_propagation_unknown_is_rejected", L("'rootfsPropagation':'sideways'"),
          "linux.rootfsPropagation: unknown value \"sideways\" (expected one of: private, shared, "
          "slave, unbindable, rprivate, rshared, rslave, runbindable)" },
        { "device_type_unknown_is_rejected", L("'devices':[{'type':'x','path':'/dev/x'}]"),
          "linux.devices[0].type: unknown value \"x\" (expected one of: c, b, u, p)" },
        { "device_rule_type_unknown_is_rejected", R("'devices':[{'allow':true,'type':'u'}]"),
          "linux.resources.devices[0].type: unknown value \"u\" (expected one of: a, c, b)" },
        { "seccomp_default_action_unknown_is_rejected", L("'seccomp':{'defaultAction':'ALLOW'}"),
          "linux.seccomp.defaultAction: unknown value \"ALLOW\" (expected one of: SCMP_ACT_KILL, "
          "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
          "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)" },
        { "seccomp_op_unknown_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':0,'value':1,"
            "'op':'=='}]}]"),
          "linux.seccomp.syscalls[0].args[0].op: unknown value \"==\" (expected one of: "
          "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
          "SCMP_CMP_MASKED_EQ)" },
        { "seccomp_arch_unknown_is_rejected", S("'architectures':['SCMP_ARCH_X86_64','amd64']"),
          "linux.seccomp.architectures[1]: unknown value \"amd64\" (expected one of: "
          "SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, "
          "SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, "
          "SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, "
          "SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, "
          "SCMP_ARCH_SH, SCMP_ARCH_SHEB, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, "
          "SCMP_ARCH_RISCV64)" },
        { "seccomp_flag_unknown_is_rejected", S("'flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']"),
          "linux.seccomp.flags[0]: unknown value \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" (expected "
          "one of: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)" },
        { "rlimit_type_unknown_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
          "process.rlimits[0].type: unknown value \"RLIMIT_FOO\" (expected one of: RLIMIT_CPU, "
          "RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC, "
          "RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, "
          "RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME)" },
        { "io_priority_class_unknown_is_rejected", P(",'ioPriority':{'class':'IOPRIO_CLASS_NONE'}"),
          "process.ioPriority.class: unknown value \"IOPRIO_CLASS_NONE\" (expected one of: "
          "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)" },
        { "scheduler_policy_unknown_is_rejected", P(",'scheduler':{'policy':'SCHED_NORMAL'}"),
          "process.scheduler.policy: unknown value \"SCHED_NORMAL\" (expected one of: "
          "SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, "
          "SCHED_DEADLINE)" },
        { "scheduler_flag_unknown_is_rejected",
          P(",'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_FAST']}"),
          "process.scheduler.flags[0]: unknown value \"SCHED_FLAG_FAST\" (expected one of: "
          "SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, "
          "SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, "
          "SCHED_FLAG_UTIL_CLAMP_MAX)" },
        { "personality_domain_unknown_is_rejected", L("'personality':{'domain':'LINUX64'}"),
          "linux.personality.domain: unknown value \"LINUX64\" (expected one of: LINUX, LINUX32)" },
        { "memory_policy_mode_unknown_is_rejected", L("'memoryPolicy':{'mode':'MPOL_ANY'}"),
          "linux.memoryPolicy.mode: unknown value \"MPOL_ANY\" (expected one of: MPOL_DEFAULT, "
          "MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY, "
          "MPOL_WEIGHTED_INTERLEAVE)" },
        { "memory_policy_flag_unknown_is_rejected",
          L("'memoryPolicy':{'mode':'MPOL_BIND','flags':['MPOL_F_X']}"),
          "linux.memoryPolicy.flags[0]: unknown value \"MPOL_F_X\" (expected one of: "
          "MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES)" },
        { "time_offset_clock_unknown_is_rejected", L("'timeOffsets':{'realtime':{'secs':1}}"),
          "linux.timeOffsets.realtime: unknown value \"realtime\" (expected one of: boottime, "
          "monotonic)" },
        { "enum_value_control_chars_are_escaped", L("'namespaces':[{'type':'\\u001b[31m'}]"),
          "linux.namespaces[0].type: unknown value \"\\x1b[31m\" (expected one of: mount, pid, "
          "network, uts, ipc, user, cgroup, time)" },
};

static const struct bad_case range_cases[] = {
        { "uid_above_uint32_is_rejected", UO("'uid':4294967296,'gid':0"),
          "process.user.uid: 4294967296 is out of range (0 to 4294967294)" },
        { "gid_negative_is_rejected", UO("'uid':0,'gid':-1"),
          "process.user.gid: -1 is out of range (0 to 4294967294)" },
        { "uid_negative_zero_is_rejected", UO("'uid':-0,'gid':0"),
          "process.user.uid: -0 is out of range (0 to 4294967294)" },
        { "umask_above_0777_is_rejected", U(",'umask':512"),
          "process.user.umask: 512 is out of range (0 to 511)" },
        { "oom_score_adj_above_1000_is_rejected", P(",'oomScoreAdj':1001"),
          "process.oomScoreAdj: 1001 is out of range (-1000 to 1000)" },
        { "oom_score_adj_below_minus_1000_is_rejected", P(",'oomScoreAdj':-1001"),
          "process.oomScoreAdj: -1001 is out of range (-1000 to 1000)" },
        { "device_major_above_4095_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':4096,'minor':0}]"),
          "linux.devices[0].major: 4096 is out of range (0 to 4095)" },
        { "device_minor_negative_is_rejected",
          L("'devices':[{'type':'b','path':'/dev/x','major':8,'minor':-1}]"),
          "linux.devices[0].minor: -1 is out of range (0 to 1048575)" },
        { "device_file_mode_too_large_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':1,'minor':3,'fileMode':70000}]"),
          "linux.devices[0].fileMode: 70000 is out of range (0 to 65535)" },
        { "device_file_mode_of_other_type_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':1,'minor':3,'fileMode':24992}]"),
          "linux.devices[0].fileMode: file type bits 060000 do not match type \"c\"" },
        { "blkio_weight_below_10_is_rejected", R("'blockIO':{'weight':5}"),
          "linux.resources.blockIO.weight: 5 is out of range (10 to 1000, or 0 for not set)" },
        { "blkio_weight_above_1000_is_rejected", R("'blockIO':{'weight':1001}"),
          "linux.resources.blockIO.weight: 1001 is out of range (0 to 1000)" },
        { "weight_device_leaf_weight_below_10_is_rejected",
          R("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':9}]}"),
          "linux.resources.blockIO.weightDevice[0].leafWeight: 9 is out of range (10 to 1000, or 0 "
          "for not set)" },
        { "cpu_shares_of_1_is_rejected", R("'cpu':{'shares':1}"),
          "linux.resources.cpu.shares: 1 is out of range (2 to 262144, or 0 for not set)" },
        { "cpu_shares_above_262144_is_rejected", R("'cpu':{'shares':262145}"),
          "linux.resources.cpu.shares: 262145 is out of range (0 to 262144)" },
        { "cpu_idle_of_2_is_rejected", R("'cpu':{'idle':2}"),
          "linux.resources.cpu.idle: 2 is out of range (0 to 1)" },
        { "swappiness_above_100_is_rejected", R("'memory':{'swappiness':101}"),
          "linux.resources.memory.swappiness: 101 is out of range (0 to 100)" },
        { "memory_limit_below_minus_1_is_rejected", R("'memory':{'limit':-2}"),
          "linux.resources.memory.limit: -2 is out of range (-1 to 9223372036854775807)" },
        { "memory_limit_above_int64_is_rejected", R("'memory':{'limit':9223372036854775808}"),
          "linux.resources.memory.limit: 9223372036854775808 is out of range (-1 to "
          "9223372036854775807)" },
        { "pids_limit_below_minus_1_is_rejected", R("'pids':{'limit':-2}"),
          "linux.resources.pids.limit: -2 is out of range (-1 to 9223372036854775807)" },
        { "rlimit_above_uint64_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':18446744073709551616}]"),
          "process.rlimits[0].hard: 18446744073709551616 is out of range (0 to "
          "18446744073709551615)" },
        { "seccomp_arg_index_above_5_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':6,'value':1,"
            "'op':'SCMP_CMP_EQ'}]}]"),
          "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)" },
        { "seccomp_errno_ret_above_16_bits_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO','errnoRet':65536}]"),
          "linux.seccomp.syscalls[0].errnoRet: 65536 is out of range (0 to 65535)" },
        { "io_priority_above_7_is_rejected",
          P(",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"),
          "process.ioPriority.priority: 8 is out of range (0 to 7)" },
        { "scheduler_nice_above_19_is_rejected",
          P(",'scheduler':{'policy':'SCHED_OTHER','nice':20}"),
          "process.scheduler.nice: 20 is out of range (-20 to 19)" },
        { "hook_timeout_of_0_is_rejected",
          "{" B ",'hooks':{'prestart':[{'path':'/h','timeout':0}]}}",
          "hooks.prestart[0].timeout: 0 is out of range (1 to 2147483647)" },
        { "console_height_above_65535_is_rejected",
          P(",'consoleSize':{'height':65536,'width':80}"),
          "process.consoleSize.height: 65536 is out of range (0 to 65535)" },
        { "time_offset_nanosecs_of_a_second_is_rejected",
          L("'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
          "linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range (0 to 999999999)" },
        { "id_mapping_size_above_uint32_is_rejected",
          L("'uidMappings':[{'containerID':0,'hostID':0,'size':4294967296}]"),
          "linux.uidMappings[0].size: 4294967296 is out of range (0 to 4294967295)" },
        { "huge_number_is_cut_in_the_message",
          R("'memory':{'limit':123456789012345678901234567890123456789012345678901234567890}"),
          "linux.resources.memory.limit: 1234567890123456789012345678901234567890... is out of "
          "range (-1 to 9223372036854775807)" },
};

static const struct bad_case missing_cases[] = {
        { "oci_version_missing_is_rejected", "{'root':{'path':'r'}}",
          "ociVersion: required field missing" },
        { "oci_version_null_is_missing", "{'ociVersion':null,'root':{'path':'r'}}",
          "ociVersion: required field missing" },
        { "root_missing_is_rejected", "{'ociVersion':'1.3.0'}", "root: required field missing" },
        { "root_path_missing_is_rejected", "{'ociVersion':'1.3.0','root':{'readonly':true}}",
          "root.path: required field missing" },
        { "process_cwd_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'user':{'uid':0,'gid':0}}}",
          "process.cwd: required field missing" },
        { "process_user_uid_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'cwd':'/','user':{'gid':0}}}",
          "process.user.uid: required field missing" },
        { "process_user_gid_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'cwd':'/','user':{'uid':0}}}",
          "process.user.gid: required field missing" },
        { "process_args_missing_is_rejected",
          "{" B ",'process':{'cwd':'/','user':{'uid':0,'gid':0}}}",
          "process.args: required field missing" },
        { "process_args_empty_is_rejected",
          "{" B ",'process':{'cwd':'/','args':[],'user':{'uid':0,'gid':0}}}",
          "process.args: must hold at least one entry" },
        { "hook_path_missing_is_rejected", "{" B ",'hooks':{'poststop':[{'args':['x']}]}}",
          "hooks.poststop[0].path: required field missing" },
        { "mount_destination_missing_is_rejected", "{" B ",'mounts':[{'type':'proc'}]}",
          "mounts[0].destination: required field missing" },
        { "namespace_type_missing_is_rejected", L("'namespaces':[{'type':'pid'},{'path':'/x'}]"),
          "linux.namespaces[1].type: required field missing" },
        { "device_path_missing_is_rejected", L("'devices':[{'type':'c','major':1,'minor':3}]"),
          "linux.devices[0].path: required field missing" },
        { "device_type_missing_is_rejected", L("'devices':[{'path':'/dev/x'}]"),
          "linux.devices[0].type: required field missing" },
        { "char_device_major_missing_is_rejected", L("'devices':[{'path':'/dev/x','type':'c'}]"),
          "linux.devices[0].major: required field missing" },
        { "id_mapping_host_id_missing_is_rejected", L("'gidMappings':[{'containerID':0,'size':1}]"),
          "linux.gidMappings[0].hostID: required field missing" },
        { "mount_id_mapping_size_missing_is_rejected",
          "{" B ",'mounts':[{'destination':'/d','uidMappings':[{'containerID':0,'hostID':1}]}]}",
          "mounts[0].uidMappings[0].size: required field missing" },
        { "pids_limit_missing_is_rejected", R("'pids':{}"),
          "linux.resources.pids.limit: required field missing" },
        { "device_rule_allow_missing_is_rejected", R("'devices':[{'access':'rwm'}]"),
          "linux.resources.devices[0].allow: required field missing" },
        { "seccomp_default_action_missing_is_rejected", L("'seccomp':{'syscalls':[]}"),
          "linux.seccomp.defaultAction: required field missing" },
        { "syscall_names_empty_is_rejected", S("'syscalls':[{'names':[],'action':'SCMP_ACT_LOG'}]"),
          "linux.seccomp.syscalls[0].names: must hold at least one entry" },
        { "syscall_action_missing_is_rejected", S("'syscalls':[{'names':['read']}]"),
          "linux.seccomp.syscalls[0].action: required field missing" },
        { "seccomp_arg_op_missing_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':0,'value':1}]}]"),
          "linux.seccomp.syscalls[0].args[0].op: required field missing" },
        { "rlimit_soft_missing_is_rejected", P(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"),
          "process.rlimits[0].soft: required field missing" },
        { "weight_device_without_weight_is_rejected",
          R("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
          "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
        { "throttle_rate_missing_is_rejected",
          R("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0}]}"),
          "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: required field missing" },
        { "rdma_entry_without_limits_is_rejected", R("'rdma':{'mlx5_1':{}}"),
          "linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects" },
        { "hugepage_page_size_missing_is_rejected", R("'hugepageLimits':[{'limit':1}]"),
          "linux.resources.hugepageLimits[0].pageSize: required field missing" },
        { "interface_priority_name_missing_is_rejected",
          R("'network':{'priorities':[{'priority':1}]}"),
          "linux.resources.network.priorities[0].name: required field missing" },
        { "memory_policy_mode_missing_is_rejected", L("'memoryPolicy':{'nodes':'0'}"),
          "linux.memoryPolicy.mode: required field missing" },
        { "personality_domain_missing_is_rejected", L("'personality':{}"),
          "linux.personality.domain: required field missing" },
        { "scheduler_policy_missing_is_rejected", P(",'scheduler':{'nice':1}"),
          "process.scheduler.policy: required field missing" },
        { "io_priority_class_missing_is_rejected", P(",'ioPriority':{'priority':1}"),
          "process.ioPriority.class: required field missing" },
        { "console_width_missing_is_rejected", P(",'consoleSize':{'height':1}"),
          "process.consoleSize.width: required field missing" },
};

static const struct bad_case rule_cases[] = {
        { "duplicate_namespace_is_rejected",
          L("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'pid','path':'/proc/1/ns/pid'}]"),
          "linux.namespaces[2].type: duplicate namespace type \"pid\"" },
        { "duplicate_rlimit_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
            "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
          "process.rlimits[1].type: duplicate rlimit RLIMIT_NOFILE" },
        { "rlimit_soft_above_hard_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':2048,'hard':1024}]"),
          "process.rlimits[0]: soft limit 2048 is above hard limit 1024" },
        { "errno_ret_with_allow_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
          "linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_ALLOW" },
        { "default_errno_ret_with_kill_is_rejected",
          L("'seccomp':{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}"),
          "linux.seccomp.defaultErrnoRet: not allowed with action SCMP_ACT_KILL" },
        { "listener_metadata_without_path_is_rejected", S("'listenerMetadata':'x'"),
          "linux.seccomp.listenerMetadata: not allowed without listenerPath" },
        { "notify_without_listener_path_is_rejected",
          S("'syscalls':[{'names':['mknod'],'action':'SCMP_ACT_NOTIFY'}]"),
          "linux.seccomp.listenerPath: required field missing (SCMP_ACT_NOTIFY is used)" },
        { "relative_cwd_is_rejected", "{" B ",'process':{'cwd':'tmp','args':['sh'],"
          "'user':{'uid':0,'gid':0}}}", "process.cwd: \"tmp\" is not an absolute path" },
        { "relative_hook_path_is_rejected", "{" B ",'hooks':{'prestart':[{'path':'hook'}]}}",
          "hooks.prestart[0].path: \"hook\" is not an absolute path" },
        { "namespace_type_net_is_not_network", L("'namespaces':[{'type':'net','path':'x'}]"),
          "linux.namespaces[0].type: unknown value \"net\" (expected one of: mount, pid, network, "
          "uts, ipc, user, cgroup, time)" },
        { "relative_namespace_path_is_rejected", L("'namespaces':[{'type':'network','path':'ns'}]"),
          "linux.namespaces[0].path: \"ns\" is not an absolute path" },
        { "relative_masked_path_is_rejected", L("'maskedPaths':['/proc/keys','proc/kcore']"),
          "linux.maskedPaths[1]: \"proc/kcore\" is not an absolute path" },
        { "relative_device_path_is_rejected", L("'devices':[{'type':'p','path':'fifo'}]"),
          "linux.devices[0].path: \"fifo\" is not an absolute path" },
        { "mem_bw_schema_without_mb_is_rejected", L("'intelRdt':{'memBwSchema':'L3:0=1'}"),
          "linux.intelRdt.memBwSchema: \"L3:0=1\" must start with \"MB:\" and hold one line" },
        { "clos_id_with_slash_is_rejected", L("'intelRdt':{'closID':'../../etc'}"),
          "linux.intelRdt.closID: \"../../etc\" is not a valid resctrl group name" },
        { "net_device_bad_name_is_rejected", L("'netDevices':{'eth/0':{}}"),
          "linux.netDevices[\"eth/0\"]: \"eth/0\" is not a valid interface name" },
        { "net_device_long_target_name_is_rejected",
          L("'netDevices':{'eth0':{'name':'a-very-long-ifname'}}"),
          "linux.netDevices.eth0.name: \"a-very-long-ifname\" is not a valid interface name" },
        { "hugepage_size_lowercase_is_rejected",
          R("'hugepageLimits':[{'pageSize':'2mb','limit':1}]"),
          "linux.resources.hugepageLimits[0].pageSize: \"2mb\" is not a page size like \"2MB\"" },
        { "device_rule_access_x_is_rejected", R("'devices':[{'allow':true,'access':'rwx'}]"),
          "linux.resources.devices[0].access: \"rwx\" is not made of r, w and m" },
        { "exec_cpu_affinity_letters_are_rejected", P(",'execCPUAffinity':{'initial':'a-b'}"),
          "process.execCPUAffinity.initial: \"a-b\" is not a list like \"0-3,7\"" },
        { "oci_version_2_is_rejected", "{'ociVersion':'2.0.0','root':{'path':'r'}}",
          "ociVersion: unsupported version \"2.0.0\" (keel supports 1.x)" },
        { "oci_version_0_is_rejected", "{'ociVersion':'0.5.0-dev','root':{'path':'r'}}",
          "ociVersion: unsupported version \"0.5.0-dev\" (keel supports 1.x)" },
        { "oci_version_two_parts_is_rejected", "{'ociVersion':'1.0','root':{'path':'r'}}",
          "ociVersion: \"1.0\" is not a SemVer version like 1.3.0" },
        { "oci_version_garbage_is_rejected", "{'ociVersion':'latest','root':{'path':'r'}}",
          "ociVersion: \"latest\" is not a SemVer version like 1.3.0" },
        { "oci_version_leading_zero_is_rejected", "{'ociVersion':'01.0.0','root':{'path':'r'}}",
          "ociVersion: \"01.0.0\" is not a SemVer version like 1.3.0" },
};

static const struct bad_case hostile_cases[] = {
        { "not_json_is_rejected", "hello",
          "invalid JSON: lexical error: invalid char in json text." },
        { "truncated_json_is_rejected", "{'ociVersion':'1.3.0','root':{'pa",
          "invalid JSON: parse error: premature EOF" },
        { "trailing_garbage_is_rejected", "{" B "} {}",
          "invalid JSON: parse error: trailing garbage" },
        { "comments_are_rejected", "{" B "/* hi */}",
          "invalid JSON: lexical error: probable comment found in input text, comments are not "
          "enabled." },
        { "escaped_nul_in_string_is_rejected", "{" B ",'hostname':'a\\u0000b'}",
          "invalid JSON: hostname: string contains U+0000" },
        { "escaped_nul_in_key_is_rejected", "{" B ",'linux':{'sysctl':{'a\\u0000b':'1'}}}",
          "invalid JSON: linux.sysctl: object key contains U+0000" },
        { "duplicate_key_is_rejected", "{" B ",'process':{'cwd':'/','cwd':'/etc'}}",
          "invalid JSON: process.cwd: key appears more than once" },
        { "duplicate_key_in_big_object_is_rejected",
          "{" B ",'annotations':{'a':'','b':'','c':'','d':'','e':'','f':'','g':'','h':'','i':'',"
          "'j':'','e':''}}", "invalid JSON: annotations.e: key appears more than once" },
        { "invalid_utf8_is_rejected", "{" B ",'hostname':'\xff'}",
          "invalid JSON: lexical error: invalid bytes in UTF8 string." },
        { "raw_control_char_in_string_is_rejected", "{" B ",'hostname':'a\x01'}",
          "invalid JSON: lexical error: invalid character inside string." },
};

static void run_cases(const struct bad_case *cases, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++) {
                char *json = dq(cases[i].json);

                expect_error(cases[i].name, json, strlen(json), cases[i].want);
                free(json);
        }
}

/* ---- hostile input that needs building ---------------------------------------- */

static char *nested(size_t depth, const char *prefix, const char *suffix)
{
        size_t pl = strlen(prefix), sl = strlen(suffix);
        char *s = malloc(pl + 2 * depth + sl + 1), *c = s;

        memcpy(c, prefix, pl);
        c += pl;
        memset(c, '[', depth);
        c += depth;
        memset(c, ']', depth);
        c += depth;
        memcpy(c, suffix, sl + 1);
        return s;
}

static void test_hostile_input(void)
{
        char *json, *deep, big[3000], key[2001];
        const char ok_nul[] = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"}}\0garbage";
        struct keel_config *cfg;

        expect_error("empty_input_is_rejected", "", 0, "invalid JSON: parse error: premature EOF");
        expect_error("whitespace_input_is_rejected", " \n", 2,
                     "invalid JSON: parse error: premature EOF");
        expect_error("nul_byte_inside_is_rejected", "{\"ociVersion\"\0:1}", 17,
                     "invalid JSON: lexical error: invalid char in json text.");
        expect_error("nul_byte_in_string_is_rejected", "{\"ociVersion\":\"1\0\"}", 19,
                     "invalid JSON: lexical error: invalid character inside string.");

        /* Only len bytes count: what follows is never read. */
        cfg = parse_ok(ok_nul, strlen(ok_nul), "input_is_read_up_to_len_only");
        keel_config_free(cfg);
        /* Exactly sized, no terminator: ASan catches any read past the end. */
        json = malloc(strlen(ok_nul));
        memcpy(json, ok_nul, strlen(ok_nul));
        cfg = parse_ok(json, strlen(ok_nul), "input_without_terminator_parses");
        keel_config_free(cfg);
        free(json);
        json = malloc(strlen(ok_nul) - 1);
        memcpy(json, ok_nul, strlen(ok_nul) - 1);
        expect_error("truncated_unterminated_input_is_rejected", json, strlen(ok_nul) - 1,
                     "invalid JSON: parse error: premature EOF");
        free(json);

        deep = nested(10000, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        expect_error("nesting_10000_deep_is_rejected", deep, strlen(deep),
                     "invalid JSON: nesting deeper than 256 levels");
        free(deep);
        deep = nested(255, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        cfg = parse_ok(deep, strlen(deep), "nesting_256_deep_is_accepted");
        keel_config_free(cfg);
        free(deep);
        deep = nested(256, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        expect_error("nesting_257_deep_is_rejected", deep, strlen(deep),
                     "invalid JSON: nesting deeper than 256 levels");
        free(deep);

        json = dq("{" B ",'hostname':'a\\u0001b\\u007f'}");
        cfg = parse_ok(json, strlen(json), "escaped_control_chars_are_valid_json");
        tap_ok(cfg && strcmp(cfg->hostname, "a\x01" "b\x7f") == 0,
               "escaped_control_chars_are_kept");
        keel_config_free(cfg);
        free(json);

        /* A 2000-byte key: the path in the message is cut, not overflowed. */
        memset(key, 'k', sizeof(key) - 1);
        key[sizeof(key) - 1] = '\0';
        snprintf(big, sizeof(big), "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
                 "\"annotations\":{\"a.%s\":1}}", key);
        {
                struct keel_error *err = NULL;
                int r = keel_config_parse(big, strlen(big), &cfg, &err);

                tap_ok(r == -EINVAL && err && strncmp(err->msg, "annotations[\"a.kkk", 18) == 0 &&
                       strstr(err->msg, "...: expected string, got integer") != NULL &&
                       strlen(err->msg) < KEEL_JSON_PATH_MAX + 64, "long_path_is_cut_in_message");
                keel_error_free(err);
        }
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
        run_cases(type_cases, ARRAY_SIZE(type_cases));
        run_cases(enum_cases, ARRAY_SIZE(enum_cases));
        run_cases(range_cases, ARRAY_SIZE(range_cases));
        run_cases(missing_cases, ARRAY_SIZE(missing_cases));
        run_cases(rule_cases, ARRAY_SIZE(rule_cases));
        run_cases(hostile_cases, ARRAY_SIZE(hostile_cases));
        test_hostile_input();
        test_process_parse();
        test_load();
        test_names();
        test_rootfs_propagation_values();
        return tap_done();
}
