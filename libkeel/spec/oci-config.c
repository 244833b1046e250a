/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/json.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define TRY(expr)                               \
        do {                                    \
                int _r = (expr);                \
                if (_r < 0)                     \
                        return _r;              \
        } while (0)

typedef struct keel_json_path path_t;
typedef struct keel_error **err_t;

/* ---- name tables ---------------------------------------------------------- */

static const char *const namespace_names[] = {
        [KEEL_NS_MOUNT] = "mount",   [KEEL_NS_PID] = "pid",   [KEEL_NS_NETWORK] = "network",
        [KEEL_NS_UTS] = "uts",       [KEEL_NS_IPC] = "ipc",   [KEEL_NS_USER] = "user",
        [KEEL_NS_CGROUP] = "cgroup", [KEEL_NS_TIME] = "time",
};

static const char *const hook_names[] = {
        [KEEL_HOOK_PRESTART] = "prestart",
        [KEEL_HOOK_CREATE_RUNTIME] = "createRuntime",
        [KEEL_HOOK_CREATE_CONTAINER] = "createContainer",
        [KEEL_HOOK_START_CONTAINER] = "startContainer",
        [KEEL_HOOK_POSTSTART] = "poststart",
        [KEEL_HOOK_POSTSTOP] = "poststop",
};

static const char *const rlimit_names[RLIMIT_NLIMITS] = {
        [RLIMIT_CPU] = "RLIMIT_CPU",         [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
        [RLIMIT_DATA] = "RLIMIT_DATA",       [RLIMIT_STACK] = "RLIMIT_STACK",
        [RLIMIT_CORE] = "RLIMIT_CORE",       [RLIMIT_RSS] = "RLIMIT_RSS",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
        [RLIMIT_LOCKS] = "RLIMIT_LOCKS",     [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
        [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const char *const ioprio_class_names[] = {
        [KEEL_IOPRIO_CLASS_RT] = "IOPRIO_CLASS_RT",
        [KEEL_IOPRIO_CLASS_BE] = "IOPRIO_CLASS_BE",
        [KEEL_IOPRIO_CLASS_IDLE] = "IOPRIO_CLASS_IDLE",
};

static const char *const sched_policy_names[] = {
        [KEEL_SCHED_OTHER] = "SCHED_OTHER", [KEEL_SCHED_FIFO] = "SCHED_FIFO",
        [KEEL_SCHED_RR] = "SCHED_RR",       [KEEL_SCHED_BATCH] = "SCHED_BATCH",
        [KEEL_SCHED_ISO] = "SCHED_ISO",     [KEEL_SCHED_IDLE] = "SCHED_IDLE",
        [KEEL_SCHED_DEADLINE] = "SCHED_DEADLINE",
};

static const char *const sched_flag_names[] = {
        "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM", "SCHED_FLAG_DL_OVERRUN",
        "SCHED_FLAG_KEEP_POLICY", "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
        "SCHED_FLAG_UTIL_CLAMP_MAX",
};
static const uint64_t sched_flag_bits[] = {
        KEEL_SCHED_FLAG_RESET_ON_FORK, KEEL_SCHED_FLAG_RECLAIM, KEEL_SCHED_FLAG_DL_OVERRUN,
        KEEL_SCHED_FLAG_KEEP_POLICY, KEEL_SCHED_FLAG_KEEP_PARAMS, KEEL_SCHED_FLAG_UTIL_CLAMP_MIN,
        KEEL_SCHED_FLAG_UTIL_CLAMP_MAX,
};

static const char *const device_type_names[] = {
        [KEEL_DEVICE_CHAR] = "c", [KEEL_DEVICE_BLOCK] = "b",
        [KEEL_DEVICE_UNBUFFERED] = "u", [KEEL_DEVICE_FIFO] = "p",
};

static const char *const propagation_names[] = {
        [KEEL_PROPAGATION_PRIVATE] = "private", [KEEL_PROPAGATION_SHARED] = "shared",
        [KEEL_PROPAGATION_SLAVE] = "slave",     [KEEL_PROPAGATION_UNBINDABLE] = "unbindable",
        [KEEL_PROPAGATION_RPRIVATE] = "rprivate", [KEEL_PROPAGATION_RSHARED] = "rshared",
        [KEEL_PROPAGATION_RSLAVE] = "rslave",   [KEEL_PROPAGATION_RUNBINDABLE] = "runbindable",
};

static const char *const seccomp_action_names[] = {
        [KEEL_SECCOMP_ACT_KILL] = "SCMP_ACT_KILL",
        [KEEL_SECCOMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [KEEL_SECCOMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [KEEL_SECCOMP_ACT_TRAP] = "SCMP_ACT_TRAP",
        [KEEL_SECCOMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
        [KEEL_SECCOMP_ACT_TRACE] = "SCMP_ACT_TRACE",
        [KEEL_SECCOMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
        [KEEL_SECCOMP_ACT_LOG] = "SCMP_ACT_LOG",
        [KEEL_SECCOMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const seccomp_op_names[] = {
        [KEEL_SECCOMP_CMP_NE] = "SCMP_CMP_NE", [KEEL_SECCOMP_CMP_LT] = "SCMP_CMP_LT",
        [KEEL_SECCOMP_CMP_LE] = "SCMP_CMP_LE", [KEEL_SECCOMP_CMP_EQ] = "SCMP_CMP_EQ",
        [KEEL_SECCOMP_CMP_GE] = "SCMP_CMP_GE", [KEEL_SECCOMP_CMP_GT] = "SCMP_CMP_GT",
        [KEEL_SECCOMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const char *const seccomp_arch_names[] = {
        [KEEL_SCMP_ARCH_X86] = "SCMP_ARCH_X86",
        [KEEL_SCMP_ARCH_X86_64] = "SCMP_ARCH_X86_64",
        [KEEL_SCMP_ARCH_X32] = "SCMP_ARCH_X32",
        [KEEL_SCMP_ARCH_ARM] = "SCMP_ARCH_ARM",
        [KEEL_SCMP_ARCH_AARCH64] = "SCMP_ARCH_AARCH64",
        [KEEL_SCMP_ARCH_LOONGARCH64] = "SCMP_ARCH_LOONGARCH64",
        [KEEL_SCMP_ARCH_M68K] = "SCMP_ARCH_M68K",
        [KEEL_SCMP_ARCH_MIPS] = "SCMP_ARCH_MIPS",
        [KEEL_SCMP_ARCH_MIPS64] = "SCMP_ARCH_MIPS64",
        [KEEL_SCMP_ARCH_MIPS64N32] = "SCMP_ARCH_MIPS64N32",
        [KEEL_SCMP_ARCH_MIPSEL] = "SCMP_ARCH_MIPSEL",
        [KEEL_SCMP_ARCH_MIPSEL64] = "SCMP_ARCH_MIPSEL64",
        [KEEL_SCMP_ARCH_MIPSEL64N32] = "SCMP_ARCH_MIPSEL64N32",
        [KEEL_SCMP_ARCH_PPC] = "SCMP_ARCH_PPC",
        [KEEL_SCMP_ARCH_PPC64] = "SCMP_ARCH_PPC64",
        [KEEL_SCMP_ARCH_PPC64LE] = "SCMP_ARCH_PPC64LE",
        [KEEL_SCMP_ARCH_S390] = "SCMP_ARCH_S390",
        [KEEL_SCMP_ARCH_S390X] = "SCMP_ARCH_S390X",
        [KEEL_SCMP_ARCH_SH] = "SCMP_ARCH_SH",
        [KEEL_SCMP_ARCH_SHEB] = "SCMP_ARCH_SHEB",
        [KEEL_SCMP_ARCH_PARISC] = "SCMP_ARCH_PARISC",
        [KEEL_SCMP_ARCH_PARISC64] = "SCMP_ARCH_PARISC64",
        [KEEL_SCMP_ARCH_RISCV64] = "SCMP_ARCH_RISCV64",
};

static const char *const seccomp_flag_names[] = {
        "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
        "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
static const uint64_t seccomp_flag_bits[] = {
        KEEL_SECCOMP_FLAG_TSYNC, KEEL_SECCOMP_FLAG_LOG, KEEL_SECCOMP_FLAG_SPEC_ALLOW,
        KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV,
};

static const char *const mempolicy_mode_names[] = {
        [KEEL_MPOL_DEFAULT] = "MPOL_DEFAULT",
        [KEEL_MPOL_PREFERRED] = "MPOL_PREFERRED",
        [KEEL_MPOL_BIND] = "MPOL_BIND",
        [KEEL_MPOL_INTERLEAVE] = "MPOL_INTERLEAVE",
        [KEEL_MPOL_LOCAL] = "MPOL_LOCAL",
        [KEEL_MPOL_PREFERRED_MANY] = "MPOL_PREFERRED_MANY",
        [KEEL_MPOL_WEIGHTED_INTERLEAVE] = "MPOL_WEIGHTED_INTERLEAVE",
};

static const char *const mempolicy_flag_names[] = {
        "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
};
static const uint64_t mempolicy_flag_bits[] = {
        KEEL_MPOL_F_NUMA_BALANCING, KEEL_MPOL_F_RELATIVE_NODES, KEEL_MPOL_F_STATIC_NODES,
};

static const char *const personality_names[] = {
        [KEEL_PERSONALITY_LINUX] = "LINUX", [KEEL_PERSONALITY_LINUX32] = "LINUX32",
};

static const char *const time_clock_names[] = { "boottime", "monotonic" };

#define NAME_OF(table, i) \
        ((size_t) (i) < ARRAY_SIZE(table) ? (table)[(size_t) (i)] : NULL)

const char *keel_namespace_type_name(enum keel_namespace_type t)
{
        return NAME_OF(namespace_names, t);
}

const char *keel_hook_kind_name(enum keel_hook_kind k)
{
        return NAME_OF(hook_names, k);
}

const char *keel_rlimit_name(int type)
{
        return type < 0 ? NULL : NAME_OF(rlimit_names, type);
}

const char *keel_ioprio_class_name(enum keel_ioprio_class c)
{
        return NAME_OF(ioprio_class_names, c);
}

const char *keel_sched_policy_name(enum keel_sched_policy p)
{
        return NAME_OF(sched_policy_names, p);
}

const char *keel_device_type_name(enum keel_device_type t)
{
        return NAME_OF(device_type_names, t);
}

const char *keel_propagation_name(enum keel_propagation p)
{
        return NAME_OF(propagation_names, p);
}

const char *keel_seccomp_action_name(enum keel_seccomp_action a)
{
        return NAME_OF(seccomp_action_names, a);
}

const char *keel_seccomp_op_name(enum keel_seccomp_op op)
{
        return NAME_OF(seccomp_op_names, op);
}

const char *keel_seccomp_arch_name(enum keel_seccomp_arch a)
{
        return NAME_OF(seccomp_arch_names, a);
}

const char *keel_mempolicy_mode_name(enum keel_mempolicy_mode m)
{
        return NAME_OF(mempolicy_mode_names, m);
}

const char *keel_personality_domain_name(enum keel_personality_domain d)
{
        return NAME_OF(personality_names, d);
}

const char *keel_string_map_get(const struct keel_string_map *map, const char *key)
{
        size_t i;

        for (i = 0; i < map->n; i++)
                if (strcmp(map->keys[i], key) == 0)
                        return map->values[i];
        return NULL;
}

const struct keel_hook_list *keel_hooks_get(const struct keel_hooks *h, enum keel_hook_kind k)
{
        switch (k) {
        case KEEL_HOOK_PRESTART:
                return &h->prestart;
        case KEEL_HOOK_CREATE_RUNTIME:
                return &h->create_runtime;
        case KEEL_HOOK_CREATE_CONTAINER:
                return &h->create_container;
        case KEEL_HOOK_START_CONTAINER:
                return &h->start_container;
        case KEEL_HOOK_POSTSTART:
                return &h->poststart;
        case KEEL_HOOK_POSTSTOP:
                return &h->poststop;
        default:
                return NULL;
        }
}

/* ---- freeing ------------------------------------------------------------- */

static void string_map_clear(struct keel_string_map *m)
{
        keel_strv_free(m->keys);
        keel_strv_free(m->values);
        m->keys = m->values = NULL;
        m->n = 0;
}

static void mount_clear(struct keel_mount *m)
{
        free(m->destination);
        free(m->source);
        free(m->type);
        keel_strv_free(m->options);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

static void hook_list_clear(struct keel_hook_list *l)
{
        size_t i;

        for (i = 0; i < l->n; i++) {
                free(l->hooks[i].path);
                keel_strv_free(l->hooks[i].args);
                keel_strv_free(l->hooks[i].env);
        }
        free(l->hooks);
}

static void hooks_free(struct keel_hooks *h)
{
        if (h == NULL)
                return;
        hook_list_clear(&h->prestart);
        hook_list_clear(&h->create_runtime);
        hook_list_clear(&h->create_container);
        hook_list_clear(&h->start_container);
        hook_list_clear(&h->poststart);
        hook_list_clear(&h->poststop);
        free(h);
}

void keel_process_free(struct keel_process *p)
{
        if (p == NULL)
                return;
        free(p->console_size);
        free(p->user.additional_gids);
        free(p->user.username);
        keel_strv_free(p->args);
        free(p->command_line);
        keel_strv_free(p->env);
        free(p->cwd);
        if (p->capabilities != NULL) {
                keel_strv_free(p->capabilities->bounding);
                keel_strv_free(p->capabilities->effective);
                keel_strv_free(p->capabilities->inheritable);
                keel_strv_free(p->capabilities->permitted);
                keel_strv_free(p->capabilities->ambient);
                free(p->capabilities);
        }
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->io_priority);
        free(p->scheduler);
        if (p->exec_cpu_affinity != NULL) {
                free(p->exec_cpu_affinity->initial);
                free(p->exec_cpu_affinity->final);
                free(p->exec_cpu_affinity);
        }
        free(p);
}

static void resources_free(struct keel_resources *r)
{
        size_t i;

        if (r == NULL)
                return;
        for (i = 0; i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->memory);
        if (r->cpu != NULL) {
                free(r->cpu->cpus);
                free(r->cpu->mems);
                free(r->cpu);
        }
        free(r->pids);
        if (r->block_io != NULL) {
                free(r->block_io->weight_device);
                free(r->block_io->throttle_read_bps_device);
                free(r->block_io->throttle_write_bps_device);
                free(r->block_io->throttle_read_iops_device);
                free(r->block_io->throttle_write_iops_device);
                free(r->block_io);
        }
        for (i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        if (r->network != NULL) {
                for (i = 0; i < r->network->n_priorities; i++)
                        free(r->network->priorities[i].name);
                free(r->network->priorities);
                free(r->network);
        }
        for (i = 0; i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        string_map_clear(&r->unified);
        free(r);
}

static void seccomp_free(struct keel_seccomp *s)
{
        size_t i;

        if (s == NULL)
                return;
        free(s->architectures);
        free(s->listener_path);
        free(s->listener_metadata);
        for (i = 0; i < s->n_syscalls; i++) {
                keel_strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
}

static void linux_free(struct keel_linux *l)
{
        size_t i;

        if (l == NULL)
                return;
        for (i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        free(l->time_offsets);
        for (i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        for (i = 0; i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
        free(l->cgroups_path);
        resources_free(l->resources);
        seccomp_free(l->seccomp);
        string_map_clear(&l->sysctl);
        keel_strv_free(l->masked_paths);
        keel_strv_free(l->readonly_paths);
        free(l->mount_label);
        if (l->intel_rdt != NULL) {
                free(l->intel_rdt->clos_id);
                keel_strv_free(l->intel_rdt->schemata);
                free(l->intel_rdt->l3_cache_schema);
                free(l->intel_rdt->mem_bw_schema);
                free(l->intel_rdt);
        }
        if (l->memory_policy != NULL) {
                free(l->memory_policy->nodes);
                free(l->memory_policy);
        }
        if (l->personality != NULL) {
                keel_strv_free(l->personality->flags);
                free(l->personality);
        }
        free(l);
}

void keel_config_free(struct keel_config *cfg)
{
        size_t i;

        if (cfg == NULL)
                return;
        free(cfg->oci_version);
        if (cfg->root != NULL) {
                free(cfg->root->path);
                free(cfg->root);
        }
        for (i = 0; i < cfg->n_mounts; i++)
                mount_clear(&cfg->mounts[i]);
        free(cfg->mounts);
        keel_process_free(cfg->process);
        free(cfg->hostname);
        free(cfg->domainname);
        hooks_free(cfg->hooks);
        string_map_clear(&cfg->annotations);
        linux_free(cfg->linux_cfg);
        free(cfg);
}

/* ---- generic readers ------------------------------------------------------ */

static int oom(const path_t *p, err_t err)
{
        return keel_error_set(err, ENOMEM, "%s", keel_json_path_str(p));
}

/* Allocate an optional sub-object when key is present: 1 and *out (zeroed,
 * size bytes) with *v its JSON, 0 when absent. */
static int get_section(yajl_val obj, const char *key, size_t size, path_t *p, yajl_val *v,
                       void **out, err_t err)
{
        int r = keel_json_get_object(obj, key, false, p, v, err);

        if (r <= 0)
                return r;
        *out = calloc(1, size);
        if (*out == NULL)
                return oom(p, err);
        return 1;
}

static int opt_int64(yajl_val o, const char *key, int64_t min, int64_t max, path_t *p,
                     bool *has, int64_t *out, err_t err)
{
        int r = keel_json_get_int64(o, key, false, min, max, p, out, err);

        if (r > 0)
                *has = true;
        return r;
}

static int opt_uint64(yajl_val o, const char *key, uint64_t max, path_t *p, bool *has,
                      uint64_t *out, err_t err)
{
        int r = keel_json_get_uint64(o, key, false, max, p, out, err);

        if (r > 0)
                *has = true;
        return r;
}

static int opt_uint32(yajl_val o, const char *key, path_t *p, bool *has, uint32_t *out,
                      err_t err)
{
        int r = keel_json_get_uint32(o, key, false, p, out, err);

        if (r > 0)
                *has = true;
        return r;
}

static int opt_bool(yajl_val o, const char *key, path_t *p, bool *has, bool *out, err_t err)
{
        int r = keel_json_get_bool(o, key, false, p, out, err);

        if (r > 0)
                *has = true;
        return r;
}

static int get_int(yajl_val o, const char *key, bool required, int min, int max, path_t *p,
                   int *out, err_t err)
{
        int64_t v;
        int r = keel_json_get_int64(o, key, required, min, max, p, &v, err);

        if (r > 0)
                *out = (int) v;
        return r;
}

/* A weight or share in [min, max], where runc and crun read 0 as "not set"
 * (and so does keel: *has stays false). */
static int opt_weight(yajl_val o, const char *key, uint64_t min, uint64_t max, path_t *p,
                      bool *has, uint64_t *out, err_t err)
{
        uint64_t v = 0;
        int r = keel_json_get_uint64(o, key, false, max, p, &v, err);

        if (r <= 0 || v == 0)
                return r;
        if (v < min) {
                keel_json_path_push_key(p, key);
                r = keel_json_error(p, err, "%llu is out of range (%llu to %llu, or 0 for not set)",
                                    (unsigned long long) v, (unsigned long long) min,
                                    (unsigned long long) max);
                keel_json_path_pop(p);
                return r;
        }
        *has = true;
        *out = v;
        return 1;
}

static int opt_weight16(yajl_val o, const char *key, path_t *p, bool *has, uint16_t *out,
                        err_t err)
{
        uint64_t v = 0;
        int r = opt_weight(o, key, 10, 1000, p, has, &v, err);

        if (r > 0)
                *out = (uint16_t) v;
        return r;
}

typedef int (*elem_parser)(yajl_val v, path_t *p, void *elem, err_t err);

/* An array of objects, each read by fn into an element of elsize bytes.
 * *out and *n are set before the elements are read, so a failure leaves
 * zeroed elements the free functions handle. */
static int get_object_array(yajl_val obj, const char *key, bool required, size_t elsize,
                            elem_parser fn, path_t *p, void **out, size_t *n, err_t err)
{
        yajl_val arr = NULL;
        size_t i, len;
        char *items;
        int r;

        r = keel_json_get_array(obj, key, required, p, &arr, err);
        if (r <= 0)
                return r;
        len = arr->u.array.len;
        items = calloc(len ? len : 1, elsize);
        if (items == NULL)
                return oom(p, err);
        *out = items;
        *n = len;
        keel_json_path_push_key(p, key);
        for (i = 0, r = 0; i < len && r >= 0; i++) {
                yajl_val v = arr->u.array.values[i];

                keel_json_path_push_index(p, i);
                r = keel_json_value_object(v, p, err);
                if (r == 0)
                        r = fn(v, p, items + i * elsize, err);
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r < 0 ? r : 1;
}

typedef int (*entry_parser)(const char *key, yajl_val v, path_t *p, void *elem, err_t err);

/* An object mapping names to objects, read like get_object_array(). */
static int get_object_map(yajl_val obj, const char *key, size_t elsize, entry_parser fn,
                          path_t *p, void **out, size_t *n, err_t err)
{
        yajl_val map = NULL;
        size_t i, len;
        char *items;
        int r;

        r = keel_json_get_object(obj, key, false, p, &map, err);
        if (r <= 0)
                return r;
        len = map->u.object.len;
        items = calloc(len ? len : 1, elsize);
        if (items == NULL)
                return oom(p, err);
        *out = items;
        *n = len;
        keel_json_path_push_key(p, key);
        for (i = 0, r = 0; i < len && r >= 0; i++) {
                yajl_val v = map->u.object.values[i];

                keel_json_path_push_key(p, map->u.object.keys[i]);
                r = keel_json_value_object(v, p, err);
                if (r == 0)
                        r = fn(map->u.object.keys[i], v, p, items + i * elsize, err);
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r < 0 ? r : 1;
}

/* An array of names from names[] turned into the union of their bits. */
static int get_flags(yajl_val obj, const char *key, const char *const *names,
                     const uint64_t *bits, size_t n, path_t *p, uint64_t *out, err_t err)
{
        yajl_val arr = NULL;
        size_t i;
        int r;

        r = keel_json_get_array(obj, key, false, p, &arr, err);
        if (r <= 0)
                return r;
        keel_json_path_push_key(p, key);
        for (i = 0, r = 0; i < arr->u.array.len && r >= 0; i++) {
                int idx;

                keel_json_path_push_index(p, i);
                r = keel_json_value_enum(arr->u.array.values[i], names, n, p, &idx, err);
                if (r == 0)
                        *out |= bits[idx];
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r < 0 ? r : 1;
}

static int check_absolute(const char *key, const char *value, path_t *p, err_t err)
{
        char q[96];
        int r;

        if (value == NULL || value[0] == '/')
                return 0;
        keel_json_path_push_key(p, key);
        r = keel_json_error(p, err, "%s is not an absolute path",
                            keel_json_quote(value, q, sizeof(q)));
        keel_json_path_pop(p);
        return r;
}

static int check_absolute_list(const char *key, char **list, size_t n, path_t *p, err_t err)
{
        char q[96];
        size_t i;
        int r;

        for (i = 0; i < n; i++) {
                if (list[i][0] == '/')
                        continue;
                keel_json_path_push_key(p, key);
                keel_json_path_push_index(p, i);
                r = keel_json_error(p, err, "%s is not an absolute path",
                                    keel_json_quote(list[i], q, sizeof(q)));
                keel_json_path_pop(p);
                keel_json_path_pop(p);
                return r;
        }
        return 0;
}

/* An error about member key of the object at p. */
static int member_error(path_t *p, const char *key, err_t err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
static int member_error(path_t *p, const char *key, err_t err, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL;     /* undefined after a failure */
                return keel_error_set(err, ENOMEM, "%s", keel_json_path_str(p));
        }
        keel_json_path_push_key(p, key);
        r = keel_json_error(p, err, "%s", msg);
        keel_json_path_pop(p);
        return r;
}

/* ---- root, mounts, hooks, process ------------------------------------------ */

static bool is_semver_number(const char **s)
{
        const char *c = *s;

        if (*c < '0' || *c > '9')
                return false;
        if (*c == '0' && c[1] >= '0' && c[1] <= '9')
                return false;
        while (*c >= '0' && *c <= '9')
                c++;
        *s = c;
        return true;
}

/* ociVersion is SemVer 2.0.0; configs of another major version are not
 * ones keel understands. */
static int check_oci_version(const char *v, path_t *p, err_t err)
{
        const char *c = v, *major_end;
        char q[96];

        if (!is_semver_number(&c))
                goto bad;
        major_end = c;
        if (*c++ != '.' || !is_semver_number(&c) || *c++ != '.' || !is_semver_number(&c))
                goto bad;
        if (*c == '-' || *c == '+') {
                if (c[1] == '\0')
                        goto bad;
                for (c++; *c; c++)
                        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                              (*c >= 'A' && *c <= 'Z') || *c == '.' || *c == '-' || *c == '+'))
                                goto bad;
        }
        if (*c != '\0')
                goto bad;
        if (major_end - v != 1 || v[0] != '1')
                return member_error(p, "ociVersion", err,
                                    "unsupported version %s (keel supports 1.x)",
                                    keel_json_quote(v, q, sizeof(q)));
        return 0;
bad:
        return member_error(p, "ociVersion", err, "%s is not a SemVer version like 1.3.0",
                            keel_json_quote(v, q, sizeof(q)));
}

static int parse_id_mapping(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_id_mapping *m = elem;

        TRY(keel_json_get_uint32(v, "containerID", true, p, &m->container_id, err));
        TRY(keel_json_get_uint32(v, "hostID", true, p, &m->host_id, err));
        TRY(keel_json_get_uint32(v, "size", true, p, &m->size, err));
        return 0;
}

static int get_id_mappings(yajl_val o, const char *key, path_t *p, struct keel_id_mapping **out,
                           size_t *n, err_t err)
{
        return get_object_array(o, key, false, sizeof(**out), parse_id_mapping, p,
                                (void **) out, n, err);
}

static int parse_mount(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_mount *m = elem;

        TRY(keel_json_get_string(v, "destination", true, p, &m->destination, err));
        TRY(keel_json_get_string(v, "source", false, p, &m->source, err));
        TRY(keel_json_get_string(v, "type", false, p, &m->type, err));
        TRY(keel_json_get_string_array(v, "options", false, p, &m->options, &m->n_options, err));
        TRY(get_id_mappings(v, "uidMappings", p, &m->uid_mappings, &m->n_uid_mappings, err));
        TRY(get_id_mappings(v, "gidMappings", p, &m->gid_mappings, &m->n_gid_mappings, err));
        return 0;
}

static int parse_hook(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_hook *h = elem;
        int r;

        TRY(keel_json_get_string(v, "path", true, p, &h->path, err));
        TRY(check_absolute("path", h->path, p, err));
        TRY(keel_json_get_string_array(v, "args", false, p, &h->args, &h->n_args, err));
        TRY(keel_json_get_string_array(v, "env", false, p, &h->env, &h->n_env, err));
        r = get_int(v, "timeout", false, 1, INT32_MAX, p, &h->timeout, err);
        if (r > 0)
                h->has_timeout = true;
        return r < 0 ? r : 0;
}

static int parse_hooks(yajl_val o, path_t *p, struct keel_hooks *h, err_t err)
{
        size_t k;

        for (k = 0; k < KEEL_HOOK__COUNT; k++) {
                struct keel_hook_list *l = (struct keel_hook_list *) keel_hooks_get(h, k);

                TRY(get_object_array(o, hook_names[k], false, sizeof(struct keel_hook), parse_hook,
                                     p, (void **) &l->hooks, &l->n, err));
        }
        return 0;
}

static int parse_user(yajl_val o, path_t *p, struct keel_user *u, err_t err)
{
        yajl_val gids = NULL;
        uint64_t mask = 0, id;
        size_t i;
        int r;

        /* 4294967295 is (uid_t) -1, which setresuid(2) reads as "leave
         * unchanged": the process would keep keel's root. */
        TRY(keel_json_get_uint64(o, "uid", true, UINT32_MAX - 1, p, &id, err));
        u->uid = (uint32_t) id;
        TRY(keel_json_get_uint64(o, "gid", true, UINT32_MAX - 1, p, &id, err));
        u->gid = (uint32_t) id;
        TRY(opt_uint64(o, "umask", 0777, p, &u->has_umask, &mask, err));
        u->umask = (uint32_t) mask;
        TRY(keel_json_get_string(o, "username", false, p, &u->username, err));
        r = keel_json_get_array(o, "additionalGids", false, p, &gids, err);
        if (r <= 0)
                return r;
        u->additional_gids = calloc(gids->u.array.len ? gids->u.array.len : 1, sizeof(uint32_t));
        if (u->additional_gids == NULL)
                return oom(p, err);
        u->n_additional_gids = gids->u.array.len;
        keel_json_path_push_key(p, "additionalGids");
        for (i = 0, r = 0; i < gids->u.array.len && r >= 0; i++) {
                keel_json_path_push_index(p, i);
                r = keel_json_value_uint32(gids->u.array.values[i], p, &u->additional_gids[i], err);
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r;
}

static int parse_capabilities(yajl_val o, path_t *p, struct keel_capabilities *c, err_t err)
{
        TRY(keel_json_get_string_array(o, "bounding", false, p, &c->bounding, &c->n_bounding, err));
        TRY(keel_json_get_string_array(o, "effective", false, p, &c->effective, &c->n_effective,
                                       err));
        TRY(keel_json_get_string_array(o, "inheritable", false, p, &c->inheritable,
                                       &c->n_inheritable, err));
        TRY(keel_json_get_string_array(o, "permitted", false, p, &c->permitted, &c->n_permitted,
                                       err));
        TRY(keel_json_get_string_array(o, "ambient", false, p, &c->ambient, &c->n_ambient, err));
        return 0;
}

static int parse_rlimit(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_rlimit *rl = elem;

        TRY(keel_json_get_enum(v, "type", true, rlimit_names, ARRAY_SIZE(rlimit_names), p,
                               &rl->type, err));
        TRY(keel_json_get_uint64(v, "soft", true, UINT64_MAX, p, &rl->soft, err));
        TRY(keel_json_get_uint64(v, "hard", true, UINT64_MAX, p, &rl->hard, err));
        if (rl->soft > rl->hard)
                return keel_json_error(p, err, "soft limit %llu is above hard limit %llu",
                                       (unsigned long long) rl->soft,
                                       (unsigned long long) rl->hard);
        return 0;
}

/* The spec: duplicated rlimit types MUST be an error. */
static int check_rlimits_unique(struct keel_process *proc, path_t *p, err_t err)
{
        size_t i, j;
        int r;

        for (i = 0; i < proc->n_rlimits; i++) {
                for (j = 0; j < i; j++) {
                        if (proc->rlimits[i].type != proc->rlimits[j].type)
                                continue;
                        keel_json_path_push_key(p, "rlimits");
                        keel_json_path_push_index(p, i);
                        keel_json_path_push_key(p, "type");
                        r = keel_json_error(p, err, "duplicate rlimit %s",
                                            rlimit_names[proc->rlimits[i].type]);
                        keel_json_path_pop(p);
                        keel_json_path_pop(p);
                        keel_json_path_pop(p);
                        return r;
                }
        }
        return 0;
}

static int parse_scheduler(yajl_val o, path_t *p, struct keel_scheduler *s, err_t err)
{
        int r, policy;

        TRY(keel_json_get_enum(o, "policy", true, sched_policy_names,
                               ARRAY_SIZE(sched_policy_names), p, &policy, err));
        s->policy = policy;
        r = get_int(o, "nice", false, -20, 19, p, &s->nice, err);
        if (r < 0)
                return r;
        s->has_nice = r > 0;
        r = get_int(o, "priority", false, 0, 99, p, &s->priority, err);
        if (r < 0)
                return r;
        s->has_priority = r > 0;
        TRY(get_flags(o, "flags", sched_flag_names, sched_flag_bits, ARRAY_SIZE(sched_flag_names),
                      p, &s->flags, err));
        TRY(opt_uint64(o, "runtime", UINT64_MAX, p, &s->has_runtime, &s->runtime, err));
        TRY(opt_uint64(o, "deadline", UINT64_MAX, p, &s->has_deadline, &s->deadline, err));
        TRY(opt_uint64(o, "period", UINT64_MAX, p, &s->has_period, &s->period, err));
        return 0;
}

static int check_cpu_list(const char *key, const char *s, path_t *p, err_t err)
{
        char q[96];

        if (s == NULL || s[strspn(s, "0123456789, -")] == '\0')
                return 0;
        return member_error(p, key, err, "%s is not a list like \"0-3,7\"",
                            keel_json_quote(s, q, sizeof(q)));
}

static int parse_process_extras(yajl_val o, path_t *p, struct keel_process *proc, err_t err)
{
        yajl_val v = NULL;
        int r, cls;

        r = get_section(o, "ioPriority", sizeof(*proc->io_priority), p, &v,
                        (void **) &proc->io_priority, err);
        if (r > 0) {
                keel_json_path_push_key(p, "ioPriority");
                r = keel_json_get_enum(v, "class", true, ioprio_class_names,
                                       ARRAY_SIZE(ioprio_class_names), p, &cls, err);
                if (r >= 0) {
                        proc->io_priority->ioprio_class = cls;
                        r = get_int(v, "priority", false, 0, 7, p, &proc->io_priority->priority,
                                    err);
                }
                keel_json_path_pop(p);
        }
        TRY(r);
        r = get_section(o, "scheduler", sizeof(*proc->scheduler), p, &v,
                        (void **) &proc->scheduler, err);
        if (r > 0) {
                keel_json_path_push_key(p, "scheduler");
                r = parse_scheduler(v, p, proc->scheduler, err);
                keel_json_path_pop(p);
        }
        TRY(r);
        r = get_section(o, "execCPUAffinity", sizeof(*proc->exec_cpu_affinity), p, &v,
                        (void **) &proc->exec_cpu_affinity, err);
        if (r > 0) {
                struct keel_exec_cpu_affinity *a = proc->exec_cpu_affinity;

                keel_json_path_push_key(p, "execCPUAffinity");
                r = keel_json_get_string(v, "initial", false, p, &a->initial, err);
                if (r >= 0)
                        r = keel_json_get_string(v, "final", false, p, &a->final, err);
                if (r >= 0)
                        r = check_cpu_list("initial", a->initial, p, err);
                if (r >= 0)
                        r = check_cpu_list("final", a->final, p, err);
                keel_json_path_pop(p);
        }
        return r < 0 ? r : 0;
}

static int parse_console_size(yajl_val o, path_t *p, struct keel_console_size *c, err_t err)
{
        uint64_t h = 0, w = 0;

        TRY(keel_json_get_uint64(o, "height", true, UINT16_MAX, p, &h, err));
        TRY(keel_json_get_uint64(o, "width", true, UINT16_MAX, p, &w, err));
        c->height = (unsigned int) h;
        c->width = (unsigned int) w;
        return 0;
}

/* Run parse on the sub-object key of o, with the path pushed, into a
 * freshly allocated struct stored in *out. */
#define SECTION(o, key, out, parse)                                                     \
        do {                                                                            \
                yajl_val _v = NULL;                                                     \
                int _r = get_section((o), (key), sizeof(**(out)), p, &_v, (void **) (out), err); \
                if (_r > 0) {                                                           \
                        keel_json_path_push_key(p, (key));                              \
                        _r = parse(_v, p, *(out), err);                                 \
                        keel_json_path_pop(p);                                          \
                }                                                                       \
                if (_r < 0)                                                             \
                        return _r;                                                      \
        } while (0)

static int parse_process(yajl_val o, path_t *p, struct keel_process *proc, err_t err)
{
        yajl_val user = NULL;
        int r;

        TRY(keel_json_get_bool(o, "terminal", false, p, &proc->terminal, err));
        SECTION(o, "consoleSize", &proc->console_size, parse_console_size);
        /* config.md lists no "user" among process's fields and the schema
         * requires only cwd; uid and gid are REQUIRED inside a user.  Without
         * one the process runs as uid 0, gid 0 (runc and crun do the same,
         * and runc's exec --process files often leave it out). */
        r = keel_json_get_object(o, "user", false, p, &user, err);
        TRY(r);
        if (r > 0) {
                keel_json_path_push_key(p, "user");
                r = parse_user(user, p, &proc->user, err);
                keel_json_path_pop(p);
                TRY(r);
        }
        TRY(keel_json_get_string_array(o, "args", true, p, &proc->args, &proc->n_args, err));
        if (proc->n_args == 0)
                return member_error(p, "args", err, "%s", "must hold at least one entry");
        TRY(keel_json_get_string(o, "commandLine", false, p, &proc->command_line, err));
        TRY(keel_json_get_string_array(o, "env", false, p, &proc->env, &proc->n_env, err));
        TRY(keel_json_get_string(o, "cwd", true, p, &proc->cwd, err));
        TRY(check_absolute("cwd", proc->cwd, p, err));
        SECTION(o, "capabilities", &proc->capabilities, parse_capabilities);
        TRY(get_object_array(o, "rlimits", false, sizeof(struct keel_rlimit), parse_rlimit, p,
                             (void **) &proc->rlimits, &proc->n_rlimits, err));
        TRY(check_rlimits_unique(proc, p, err));
        TRY(keel_json_get_bool(o, "noNewPrivileges", false, p, &proc->no_new_privileges, err));
        TRY(keel_json_get_string(o, "apparmorProfile", false, p, &proc->apparmor_profile, err));
        r = get_int(o, "oomScoreAdj", false, -1000, 1000, p, &proc->oom_score_adj, err);
        TRY(r);
        proc->has_oom_score_adj = r > 0;
        TRY(keel_json_get_string(o, "selinuxLabel", false, p, &proc->selinux_label, err));
        return parse_process_extras(o, p, proc, err);
}

/* ---- linux: namespaces, devices ------------------------------------------- */

static int parse_namespace(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_namespace *ns = elem;
        int type;

        TRY(keel_json_get_enum(v, "type", true, namespace_names, ARRAY_SIZE(namespace_names), p,
                               &type, err));
        ns->type = type;
        TRY(keel_json_get_string(v, "path", false, p, &ns->path, err));
        return check_absolute("path", ns->path, p, err);
}

/* The spec: duplicated namespace types MUST be an error. */
static int check_namespaces_unique(const struct keel_linux *l, path_t *p, err_t err)
{
        unsigned seen = 0;
        size_t i;
        int r;

        for (i = 0; i < l->n_namespaces; i++) {
                unsigned bit = 1u << l->namespaces[i].type;

                if (!(seen & bit)) {
                        seen |= bit;
                        continue;
                }
                keel_json_path_push_key(p, "namespaces");
                keel_json_path_push_index(p, i);
                keel_json_path_push_key(p, "type");
                r = keel_json_error(p, err, "duplicate namespace type \"%s\"",
                                    namespace_names[l->namespaces[i].type]);
                keel_json_path_pop(p);
                keel_json_path_pop(p);
                keel_json_path_pop(p);
                return r;
        }
        return 0;
}

static int parse_time_offset(yajl_val v, path_t *p, struct keel_time_offset *t, err_t err)
{
        uint64_t ns = 0;

        TRY(keel_json_get_int64(v, "secs", false, INT64_MIN, INT64_MAX, p, &t->secs, err));
        TRY(keel_json_get_uint64(v, "nanosecs", false, 999999999, p, &ns, err));
        t->nanosecs = (uint32_t) ns;
        return 0;
}

static int parse_time_offsets(yajl_val o, path_t *p, struct keel_time_offsets *t, err_t err)
{
        size_t i;
        int r = 0;

        for (i = 0; i < o->u.object.len && r >= 0; i++) {
                yajl_val v = o->u.object.values[i];
                yajl_val name;
                int clock;

                keel_json_path_push_key(p, o->u.object.keys[i]);
                /* Check the key with the enum reader's message. */
                name = &(struct yajl_val_s){ .type = yajl_t_string,
                                             .u.string = (char *) o->u.object.keys[i] };
                r = keel_json_value_enum(name, time_clock_names, ARRAY_SIZE(time_clock_names), p,
                                         &clock, err);
                if (r == 0)
                        r = keel_json_value_object(v, p, err);
                if (r == 0 && clock == 0) {
                        t->has_boottime = true;
                        r = parse_time_offset(v, p, &t->boottime, err);
                } else if (r == 0) {
                        t->has_monotonic = true;
                        r = parse_time_offset(v, p, &t->monotonic, err);
                }
                keel_json_path_pop(p);
        }
        return r;
}

/* File type bits the kernel would give each device type. */
static const uint32_t device_ifmt[] = {
        [KEEL_DEVICE_CHAR] = S_IFCHR, [KEEL_DEVICE_BLOCK] = S_IFBLK,
        [KEEL_DEVICE_UNBUFFERED] = S_IFCHR, [KEEL_DEVICE_FIFO] = S_IFIFO,
};

/* Engines (podman) put the file type bits into fileMode; accept them when
 * they agree with type and keep the permission bits. */
static int parse_device_mode(yajl_val v, path_t *p, struct keel_device *d, err_t err)
{
        uint64_t mode = 0;
        int r;

        r = opt_uint64(v, "fileMode", S_IFMT | 07777, p, &d->has_file_mode, &mode, err);
        if (r <= 0)
                return r;
        if ((mode & S_IFMT) != 0 && (mode & S_IFMT) != device_ifmt[d->type]) {
                keel_json_path_push_key(p, "fileMode");
                r = keel_json_error(p, err, "file type bits 0%o do not match type \"%s\"",
                                    (unsigned) (mode & S_IFMT), device_type_names[d->type]);
                keel_json_path_pop(p);
                return r;
        }
        d->file_mode = (uint32_t) (mode & 07777);
        return 0;
}

static int parse_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_device *d = elem;
        bool need_numbers;
        int type;

        TRY(keel_json_get_enum(v, "type", true, device_type_names, ARRAY_SIZE(device_type_names),
                               p, &type, err));
        d->type = type;
        TRY(keel_json_get_string(v, "path", true, p, &d->path, err));
        TRY(check_absolute("path", d->path, p, err));
        need_numbers = d->type != KEEL_DEVICE_FIFO;
        TRY(keel_json_get_int64(v, "major", need_numbers, 0, KEEL_DEVICE_MAJOR_MAX, p, &d->major,
                                err));
        TRY(keel_json_get_int64(v, "minor", need_numbers, 0, KEEL_DEVICE_MINOR_MAX, p, &d->minor,
                                err));
        TRY(parse_device_mode(v, p, d, err));
        TRY(opt_uint32(v, "uid", p, &d->has_uid, &d->uid, err));
        TRY(opt_uint32(v, "gid", p, &d->has_gid, &d->gid, err));
        return 0;
}

/* What the kernel's dev_valid_name() accepts as an interface name. */
static bool is_ifname(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        return strpbrk(s, "/: \t\n\v\f\r") == NULL;
}

static int parse_net_device(const char *key, yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_net_device *nd = elem;
        char q[96];

        if (!is_ifname(key))
                return keel_json_error(p, err, "%s is not a valid interface name",
                                       keel_json_quote(key, q, sizeof(q)));
        nd->host_name = strdup(key);
        if (nd->host_name == NULL)
                return oom(p, err);
        TRY(keel_json_get_string(v, "name", false, p, &nd->name, err));
        if (nd->name != NULL && !is_ifname(nd->name))
                return member_error(p, "name", err, "%s is not a valid interface name",
                                    keel_json_quote(nd->name, q, sizeof(q)));
        return 0;
}

/* ---- linux.resources ------------------------------------------------------- */

static const char *const cgroup_device_type_names[] = { "a", "c", "b" };

static int parse_device_cgroup(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_device_cgroup *d = elem;
        char q[96];
        int type = 0, r;

        TRY(keel_json_get_bool(v, "allow", true, p, &d->allow, err));
        TRY(keel_json_get_enum(v, "type", false, cgroup_device_type_names,
                               ARRAY_SIZE(cgroup_device_type_names), p, &type, err));
        d->type = cgroup_device_type_names[type][0];
        TRY(opt_int64(v, "major", -1, KEEL_DEVICE_MAJOR_MAX, p, &d->has_major, &d->major, err));
        TRY(opt_int64(v, "minor", -1, KEEL_DEVICE_MINOR_MAX, p, &d->has_minor, &d->minor, err));
        r = keel_json_get_string(v, "access", false, p, &d->access, err);
        if (r > 0 && d->access[strspn(d->access, "rwm")] != '\0')
                return member_error(p, "access", err, "%s is not made of r, w and m",
                                    keel_json_quote(d->access, q, sizeof(q)));
        return r < 0 ? r : 0;
}

static int parse_memory(yajl_val o, path_t *p, struct keel_memory *m, err_t err)
{
        TRY(opt_int64(o, "limit", -1, INT64_MAX, p, &m->has_limit, &m->limit, err));
        TRY(opt_int64(o, "reservation", -1, INT64_MAX, p, &m->has_reservation, &m->reservation,
                      err));
        TRY(opt_int64(o, "swap", -1, INT64_MAX, p, &m->has_swap, &m->swap, err));
        TRY(opt_int64(o, "kernel", -1, INT64_MAX, p, &m->has_kernel, &m->kernel, err));
        TRY(opt_int64(o, "kernelTCP", -1, INT64_MAX, p, &m->has_kernel_tcp, &m->kernel_tcp, err));
        TRY(opt_uint64(o, "swappiness", 100, p, &m->has_swappiness, &m->swappiness, err));
        TRY(opt_bool(o, "disableOOMKiller", p, &m->has_disable_oom_killer, &m->disable_oom_killer,
                     err));
        TRY(opt_bool(o, "useHierarchy", p, &m->has_use_hierarchy, &m->use_hierarchy, err));
        TRY(opt_bool(o, "checkBeforeUpdate", p, &m->has_check_before_update,
                     &m->check_before_update, err));
        return 0;
}

static int parse_cpu(yajl_val o, path_t *p, struct keel_cpu *c, err_t err)
{
        /* cpu.shares spans 2..262144 in cgroup v1. */
        TRY(opt_weight(o, "shares", 2, 262144, p, &c->has_shares, &c->shares, err));
        TRY(opt_int64(o, "quota", -1, INT64_MAX, p, &c->has_quota, &c->quota, err));
        TRY(opt_uint64(o, "burst", UINT64_MAX, p, &c->has_burst, &c->burst, err));
        TRY(opt_uint64(o, "period", UINT64_MAX, p, &c->has_period, &c->period, err));
        TRY(opt_int64(o, "realtimeRuntime", -1, INT64_MAX, p, &c->has_realtime_runtime,
                      &c->realtime_runtime, err));
        TRY(opt_uint64(o, "realtimePeriod", UINT64_MAX, p, &c->has_realtime_period,
                       &c->realtime_period, err));
        TRY(keel_json_get_string(o, "cpus", false, p, &c->cpus, err));
        TRY(keel_json_get_string(o, "mems", false, p, &c->mems, err));
        TRY(check_cpu_list("cpus", c->cpus, p, err));
        TRY(check_cpu_list("mems", c->mems, p, err));
        TRY(opt_int64(o, "idle", 0, 1, p, &c->has_idle, &c->idle, err));
        return 0;
}

static int parse_pids(yajl_val o, path_t *p, struct keel_pids *pids, err_t err)
{
        return keel_json_get_int64(o, "limit", true, -1, INT64_MAX, p, &pids->limit, err);
}

static int parse_weight_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_weight_device *w = elem;

        TRY(keel_json_get_int64(v, "major", true, 0, KEEL_DEVICE_MAJOR_MAX, p, &w->major, err));
        TRY(keel_json_get_int64(v, "minor", true, 0, KEEL_DEVICE_MINOR_MAX, p, &w->minor, err));
        TRY(opt_weight16(v, "weight", p, &w->has_weight, &w->weight, err));
        TRY(opt_weight16(v, "leafWeight", p, &w->has_leaf_weight, &w->leaf_weight, err));
        if (!w->has_weight && !w->has_leaf_weight)
                return keel_json_error(p, err, "needs weight or leafWeight");
        return 0;
}

static int parse_throttle_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_throttle_device *t = elem;

        TRY(keel_json_get_int64(v, "major", true, 0, KEEL_DEVICE_MAJOR_MAX, p, &t->major, err));
        TRY(keel_json_get_int64(v, "minor", true, 0, KEEL_DEVICE_MINOR_MAX, p, &t->minor, err));
        TRY(keel_json_get_uint64(v, "rate", true, UINT64_MAX, p, &t->rate, err));
        return 0;
}

#define THROTTLE(o, key, field)                                                         \
        TRY(get_object_array((o), (key), false, sizeof(struct keel_throttle_device),   \
                             parse_throttle_device, p, (void **) &b->field, &b->n_##field, err))

static int parse_block_io(yajl_val o, path_t *p, struct keel_block_io *b, err_t err)
{
        TRY(opt_weight16(o, "weight", p, &b->has_weight, &b->weight, err));
        TRY(opt_weight16(o, "leafWeight", p, &b->has_leaf_weight, &b->leaf_weight, err));
        TRY(get_object_array(o, "weightDevice", false, sizeof(struct keel_weight_device),
                             parse_weight_device, p, (void **) &b->weight_device,
                             &b->n_weight_device, err));
        THROTTLE(o, "throttleReadBpsDevice", throttle_read_bps_device);
        THROTTLE(o, "throttleWriteBpsDevice", throttle_write_bps_device);
        THROTTLE(o, "throttleReadIOPSDevice", throttle_read_iops_device);
        THROTTLE(o, "throttleWriteIOPSDevice", throttle_write_iops_device);
        return 0;
}

static int parse_hugepage_limit(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_hugepage_limit *h = elem;
        const char *s;
        char q[96];

        TRY(keel_json_get_string(v, "pageSize", true, p, &h->page_size, err));
        TRY(keel_json_get_uint64(v, "limit", true, UINT64_MAX, p, &h->limit, err));
        s = h->page_size;
        if (*s >= '1' && *s <= '9') {
                s += strspn(s, "0123456789");
                if (strchr("KMG", *s) != NULL && *s != '\0' && strcmp(s + 1, "B") == 0)
                        return 0;
        }
        return member_error(p, "pageSize", err, "%s is not a page size like \"2MB\"",
                            keel_json_quote(h->page_size, q, sizeof(q)));
}

static int parse_interface_priority(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_interface_priority *ip = elem;

        TRY(keel_json_get_string(v, "name", true, p, &ip->name, err));
        TRY(keel_json_get_uint32(v, "priority", true, p, &ip->priority, err));
        return 0;
}

static int parse_network(yajl_val o, path_t *p, struct keel_network *n, err_t err)
{
        TRY(opt_uint32(o, "classID", p, &n->has_class_id, &n->class_id, err));
        TRY(get_object_array(o, "priorities", false, sizeof(struct keel_interface_priority),
                             parse_interface_priority, p, (void **) &n->priorities,
                             &n->n_priorities, err));
        return 0;
}

static int parse_rdma(const char *key, yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_rdma *r = elem;

        r->device = strdup(key);
        if (r->device == NULL)
                return oom(p, err);
        TRY(opt_uint32(v, "hcaHandles", p, &r->has_hca_handles, &r->hca_handles, err));
        TRY(opt_uint32(v, "hcaObjects", p, &r->has_hca_objects, &r->hca_objects, err));
        if (!r->has_hca_handles && !r->has_hca_objects)
                return keel_json_error(p, err, "needs hcaHandles or hcaObjects");
        return 0;
}

static int parse_resources(yajl_val o, path_t *p, struct keel_resources *r, err_t err)
{
        TRY(get_object_array(o, "devices", false, sizeof(struct keel_device_cgroup),
                             parse_device_cgroup, p, (void **) &r->devices, &r->n_devices, err));
        SECTION(o, "memory", &r->memory, parse_memory);
        SECTION(o, "cpu", &r->cpu, parse_cpu);
        SECTION(o, "pids", &r->pids, parse_pids);
        SECTION(o, "blockIO", &r->block_io, parse_block_io);
        TRY(get_object_array(o, "hugepageLimits", false, sizeof(struct keel_hugepage_limit),
                             parse_hugepage_limit, p, (void **) &r->hugepage_limits,
                             &r->n_hugepage_limits, err));
        SECTION(o, "network", &r->network, parse_network);
        TRY(get_object_map(o, "rdma", sizeof(struct keel_rdma), parse_rdma, p,
                           (void **) &r->rdma, &r->n_rdma, err));
        TRY(keel_json_get_string_map(o, "unified", false, p, &r->unified.keys,
                                     &r->unified.values, &r->unified.n, err));
        return 0;
}

/* ---- linux.seccomp ---------------------------------------------------------- */

static bool action_takes_errno(enum keel_seccomp_action a)
{
        return a == KEEL_SECCOMP_ACT_ERRNO || a == KEEL_SECCOMP_ACT_TRACE;
}

/* errnoRet only means something for actions that return a value; the spec
 * wants an error otherwise.  SECCOMP_RET_DATA holds 16 bits. */
static int get_errno_ret(yajl_val o, const char *key, enum keel_seccomp_action action,
                         path_t *p, bool *has, uint32_t *out, err_t err)
{
        uint64_t v = 0;
        int r = opt_uint64(o, key, UINT16_MAX, p, has, &v, err);

        if (r <= 0)
                return r;
        *out = (uint32_t) v;
        if (!action_takes_errno(action))
                return member_error(p, key, err, "not allowed with action %s",
                                    seccomp_action_names[action]);
        return 0;
}

static int parse_seccomp_arg(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_seccomp_arg *a = elem;
        uint64_t idx = 0;
        int op;

        TRY(keel_json_get_uint64(v, "index", true, 5, p, &idx, err));
        a->index = (uint32_t) idx;
        TRY(keel_json_get_uint64(v, "value", true, UINT64_MAX, p, &a->value, err));
        TRY(opt_uint64(v, "valueTwo", UINT64_MAX, p, &a->has_value_two, &a->value_two, err));
        TRY(keel_json_get_enum(v, "op", true, seccomp_op_names, ARRAY_SIZE(seccomp_op_names), p,
                               &op, err));
        a->op = op;
        return 0;
}

static int parse_syscall(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_seccomp_syscall *s = elem;
        int action;

        TRY(keel_json_get_string_array(v, "names", true, p, &s->names, &s->n_names, err));
        if (s->n_names == 0)
                return member_error(p, "names", err, "%s", "must hold at least one entry");
        TRY(keel_json_get_enum(v, "action", true, seccomp_action_names,
                               ARRAY_SIZE(seccomp_action_names), p, &action, err));
        s->action = action;
        TRY(get_errno_ret(v, "errnoRet", s->action, p, &s->has_errno_ret, &s->errno_ret, err));
        TRY(get_object_array(v, "args", false, sizeof(struct keel_seccomp_arg), parse_seccomp_arg,
                             p, (void **) &s->args, &s->n_args, err));
        return 0;
}

static int parse_architectures(yajl_val o, path_t *p, struct keel_seccomp *s, err_t err)
{
        yajl_val arr = NULL;
        size_t i;
        int r;

        r = keel_json_get_array(o, "architectures", false, p, &arr, err);
        if (r <= 0)
                return r;
        s->architectures = calloc(arr->u.array.len ? arr->u.array.len : 1,
                                  sizeof(*s->architectures));
        if (s->architectures == NULL)
                return oom(p, err);
        s->n_architectures = arr->u.array.len;
        keel_json_path_push_key(p, "architectures");
        for (i = 0, r = 0; i < arr->u.array.len && r >= 0; i++) {
                int arch;

                keel_json_path_push_index(p, i);
                r = keel_json_value_enum(arr->u.array.values[i], seccomp_arch_names,
                                         ARRAY_SIZE(seccomp_arch_names), p, &arch, err);
                s->architectures[i] = arch;
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r;
}

static int parse_seccomp(yajl_val o, path_t *p, struct keel_seccomp *s, err_t err)
{
        uint64_t flags = 0;
        bool notify;
        size_t i;
        int action;

        TRY(keel_json_get_enum(o, "defaultAction", true, seccomp_action_names,
                               ARRAY_SIZE(seccomp_action_names), p, &action, err));
        s->default_action = action;
        TRY(get_errno_ret(o, "defaultErrnoRet", s->default_action, p, &s->has_default_errno_ret,
                          &s->default_errno_ret, err));
        TRY(parse_architectures(o, p, s, err));
        TRY(get_flags(o, "flags", seccomp_flag_names, seccomp_flag_bits,
                      ARRAY_SIZE(seccomp_flag_names), p, &flags, err));
        s->flags = (unsigned int) flags;
        TRY(keel_json_get_string(o, "listenerPath", false, p, &s->listener_path, err));
        TRY(keel_json_get_string(o, "listenerMetadata", false, p, &s->listener_metadata, err));
        if (s->listener_metadata != NULL && s->listener_path == NULL)
                return member_error(p, "listenerMetadata", err, "%s",
                                    "not allowed without listenerPath");
        TRY(get_object_array(o, "syscalls", false, sizeof(struct keel_seccomp_syscall),
                             parse_syscall, p, (void **) &s->syscalls, &s->n_syscalls, err));
        notify = s->default_action == KEEL_SECCOMP_ACT_NOTIFY;
        for (i = 0; i < s->n_syscalls; i++)
                notify = notify || s->syscalls[i].action == KEEL_SECCOMP_ACT_NOTIFY;
        if (notify && s->listener_path == NULL)
                return member_error(p, "listenerPath", err, "%s",
                                    "required field missing (SCMP_ACT_NOTIFY is used)");
        return 0;
}

/* ---- linux: the rest --------------------------------------------------------- */

static int parse_intel_rdt(yajl_val o, path_t *p, struct keel_intel_rdt *rdt, err_t err)
{
        char q[96];

        TRY(keel_json_get_string(o, "closID", false, p, &rdt->clos_id, err));
        /* closID names a directory below the resctrl mount. */
        if (rdt->clos_id != NULL &&
            (rdt->clos_id[0] == '\0' || strchr(rdt->clos_id, '/') != NULL ||
             strcmp(rdt->clos_id, ".") == 0 || strcmp(rdt->clos_id, "..") == 0))
                return member_error(p, "closID", err, "%s is not a valid resctrl group name",
                                    keel_json_quote(rdt->clos_id, q, sizeof(q)));
        TRY(keel_json_get_string_array(o, "schemata", false, p, &rdt->schemata, &rdt->n_schemata,
                                       err));
        TRY(keel_json_get_string(o, "l3CacheSchema", false, p, &rdt->l3_cache_schema, err));
        TRY(keel_json_get_string(o, "memBwSchema", false, p, &rdt->mem_bw_schema, err));
        if (rdt->mem_bw_schema != NULL &&
            (strncmp(rdt->mem_bw_schema, "MB:", 3) != 0 || strchr(rdt->mem_bw_schema, '\n')))
                return member_error(p, "memBwSchema", err,
                                    "%s must start with \"MB:\" and hold one line",
                                    keel_json_quote(rdt->mem_bw_schema, q, sizeof(q)));
        TRY(keel_json_get_bool(o, "enableMonitoring", false, p, &rdt->enable_monitoring, err));
        return 0;
}

static int parse_memory_policy(yajl_val o, path_t *p, struct keel_memory_policy *m, err_t err)
{
        uint64_t flags = 0;
        int mode;

        TRY(keel_json_get_enum(o, "mode", true, mempolicy_mode_names,
                               ARRAY_SIZE(mempolicy_mode_names), p, &mode, err));
        m->mode = mode;
        TRY(keel_json_get_string(o, "nodes", false, p, &m->nodes, err));
        TRY(check_cpu_list("nodes", m->nodes, p, err));
        TRY(get_flags(o, "flags", mempolicy_flag_names, mempolicy_flag_bits,
                      ARRAY_SIZE(mempolicy_flag_names), p, &flags, err));
        m->flags = (unsigned int) flags;
        return 0;
}

static int parse_personality(yajl_val o, path_t *p, struct keel_personality *pers, err_t err)
{
        int domain;

        TRY(keel_json_get_enum(o, "domain", true, personality_names, ARRAY_SIZE(personality_names),
                               p, &domain, err));
        pers->domain = domain;
        TRY(keel_json_get_string_array(o, "flags", false, p, &pers->flags, &pers->n_flags, err));
        return 0;
}

static int parse_linux(yajl_val o, path_t *p, struct keel_linux *l, err_t err)
{
        int r, prop;

        TRY(get_object_array(o, "namespaces", false, sizeof(struct keel_namespace),
                             parse_namespace, p, (void **) &l->namespaces, &l->n_namespaces, err));
        TRY(check_namespaces_unique(l, p, err));
        TRY(get_id_mappings(o, "uidMappings", p, &l->uid_mappings, &l->n_uid_mappings, err));
        TRY(get_id_mappings(o, "gidMappings", p, &l->gid_mappings, &l->n_gid_mappings, err));
        SECTION(o, "timeOffsets", &l->time_offsets, parse_time_offsets);
        TRY(get_object_array(o, "devices", false, sizeof(struct keel_device), parse_device, p,
                             (void **) &l->devices, &l->n_devices, err));
        TRY(get_object_map(o, "netDevices", sizeof(struct keel_net_device), parse_net_device, p,
                           (void **) &l->net_devices, &l->n_net_devices, err));
        TRY(keel_json_get_string(o, "cgroupsPath", false, p, &l->cgroups_path, err));
        SECTION(o, "resources", &l->resources, parse_resources);
        r = keel_json_get_enum(o, "rootfsPropagation", false, propagation_names,
                               ARRAY_SIZE(propagation_names), p, &prop, err);
        TRY(r);
        l->has_rootfs_propagation = r > 0;
        l->rootfs_propagation = r > 0 ? prop : KEEL_PROPAGATION_PRIVATE;
        SECTION(o, "seccomp", &l->seccomp, parse_seccomp);
        TRY(keel_json_get_string_map(o, "sysctl", false, p, &l->sysctl.keys, &l->sysctl.values,
                                     &l->sysctl.n, err));
        TRY(keel_json_get_string_array(o, "maskedPaths", false, p, &l->masked_paths,
                                       &l->n_masked_paths, err));
        TRY(check_absolute_list("maskedPaths", l->masked_paths, l->n_masked_paths, p, err));
        TRY(keel_json_get_string_array(o, "readonlyPaths", false, p, &l->readonly_paths,
                                       &l->n_readonly_paths, err));
        TRY(check_absolute_list("readonlyPaths", l->readonly_paths, l->n_readonly_paths, p, err));
        TRY(keel_json_get_string(o, "mountLabel", false, p, &l->mount_label, err));
        SECTION(o, "intelRdt", &l->intel_rdt, parse_intel_rdt);
        SECTION(o, "memoryPolicy", &l->memory_policy, parse_memory_policy);
        SECTION(o, "personality", &l->personality, parse_personality);
        return 0;
}

/* ---- the document ------------------------------------------------------------ */

static int parse_root(yajl_val o, path_t *p, struct keel_root *root, err_t err)
{
        TRY(keel_json_get_string(o, "path", true, p, &root->path, err));
        TRY(keel_json_get_bool(o, "readonly", false, p, &root->readonly, err));
        return 0;
}

static int parse_config(yajl_val o, path_t *p, struct keel_config *cfg, err_t err)
{
        TRY(keel_json_value_object(o, p, err));
        TRY(keel_json_get_string(o, "ociVersion", true, p, &cfg->oci_version, err));
        TRY(check_oci_version(cfg->oci_version, p, err));
        /* REQUIRED on every platform but Windows. */
        TRY(keel_json_get_object(o, "root", true, p, &(yajl_val){ NULL }, err));
        SECTION(o, "root", &cfg->root, parse_root);
        TRY(get_object_array(o, "mounts", false, sizeof(struct keel_mount), parse_mount, p,
                             (void **) &cfg->mounts, &cfg->n_mounts, err));
        SECTION(o, "process", &cfg->process, parse_process);
        TRY(keel_json_get_string(o, "hostname", false, p, &cfg->hostname, err));
        TRY(keel_json_get_string(o, "domainname", false, p, &cfg->domainname, err));
        SECTION(o, "hooks", &cfg->hooks, parse_hooks);
        TRY(keel_json_get_string_map(o, "annotations", false, p, &cfg->annotations.keys,
                                     &cfg->annotations.values, &cfg->annotations.n, err));
        SECTION(o, "linux", &cfg->linux_cfg, parse_linux);
        return 0;
}

int keel_config_parse(const char *data, size_t len, struct keel_config **out,
                      struct keel_error **err)
{
        struct keel_config *cfg;
        yajl_val tree = NULL;
        path_t p;
        int r;

        r = keel_json_parse(data, len, &tree, err);
        if (r < 0)
                return r;
        cfg = calloc(1, sizeof(*cfg));
        if (cfg == NULL) {
                keel_json_free(tree);
                return keel_error_set(err, ENOMEM, "parse config");
        }
        keel_json_path_init(&p);
        r = parse_config(tree, &p, cfg, err);
        keel_json_free(tree);
        if (r < 0) {
                keel_config_free(cfg);
                return r;
        }
        *out = cfg;
        return 0;
}

int keel_config_load(int dirfd, const char *path, struct keel_config **out,
                     struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len;
        int r;

        /* O_NONBLOCK: a FIFO planted as config.json must not hang us. */
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return keel_error_set(err, errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return keel_error_set(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return keel_error_set(err, 0, "open %s: not a regular file", path);
        r = keel_read_fd(fd, KEEL_CONFIG_MAX_SIZE, &buf, &len, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", path);
        r = keel_config_parse(buf, len, out, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", path);
        return 0;
}

int keel_process_parse(const char *data, size_t len, struct keel_process **out,
                       struct keel_error **err)
{
        struct keel_process *proc;
        yajl_val tree = NULL;
        path_t p;
        int r;

        r = keel_json_parse(data, len, &tree, err);
        if (r < 0)
                return r;
        proc = calloc(1, sizeof(*proc));
        if (proc == NULL) {
                keel_json_free(tree);
                return keel_error_set(err, ENOMEM, "parse process");
        }
        keel_json_path_init(&p);
        r = keel_json_value_object(tree, &p, err);
        if (r == 0)
                r = parse_process(tree, &p, proc, err);
        keel_json_free(tree);
        if (r < 0) {
                keel_process_free(proc);
                return r;
        }
        *out = proc;
        return 0;
}
