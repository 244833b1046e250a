/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_OCI_CONFIG_H
#define KEEL_SPEC_OCI_CONFIG_H

/* The OCI runtime-spec v1.3 config.json for Linux, as plain C data.
 *
 * keel_config_parse() reads and validates the whole document once; the
 * modules that apply a part of it receive that part and never see JSON.
 * Conventions:
 *  - an optional object is a pointer, NULL when absent (or JSON null);
 *  - an optional scalar has a has_<name> flag next to it;
 *  - arrays are a pointer and an n_<name> count; arrays of strings are
 *    also NULL-terminated (args and env go to execve as they are);
 *  - names are the spec's field names in snake_case, so grepping the spec
 *    name finds the field;
 *  - enums keep the kernel's numbering where the kernel has one (ioprio
 *    classes, scheduler policies, mempolicy modes), flag sets are the
 *    kernel's bit values.
 * Unknown fields are ignored, as the spec requires. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct keel_string_map {
        char **keys;    /* NULL-terminated, document order */
        char **values;  /* values[i] belongs to keys[i] */
        size_t n;
};

/* The value of key in map, or NULL. */
const char *keel_string_map_get(const struct keel_string_map *map, const char *key);

/* ---- root, mounts, hooks ------------------------------------------------ */

struct keel_root {
        char *path;             /* REQUIRED; relative to the bundle or absolute */
        bool readonly;
};

struct keel_id_mapping {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
};

struct keel_mount {
        char *destination;      /* REQUIRED */
        char *source;           /* NULL when absent */
        char *type;             /* NULL when absent */
        char **options;
        size_t n_options;
        /* idmapped mount (mount_setattr MOUNT_ATTR_IDMAP) */
        struct keel_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct keel_id_mapping *gid_mappings;
        size_t n_gid_mappings;
};

struct keel_hook {
        char *path;             /* REQUIRED, absolute */
        char **args;
        size_t n_args;
        char **env;
        size_t n_env;
        bool has_timeout;
        int timeout;            /* seconds, > 0 */
};

struct keel_hook_list {
        struct keel_hook *hooks;
        size_t n;
};

enum keel_hook_kind {
        KEEL_HOOK_PRESTART,
        KEEL_HOOK_CREATE_RUNTIME,
        KEEL_HOOK_CREATE_CONTAINER,
        KEEL_HOOK_START_CONTAINER,
        KEEL_HOOK_POSTSTART,
        KEEL_HOOK_POSTSTOP,
        KEEL_HOOK__COUNT,
};
const char *keel_hook_kind_name(enum keel_hook_kind k);        /* "createRuntime", ... */

struct keel_hooks {
        struct keel_hook_list prestart;
        struct keel_hook_list create_runtime;
        struct keel_hook_list create_container;
        struct keel_hook_list start_container;
        struct keel_hook_list poststart;
        struct keel_hook_list poststop;
};
const struct keel_hook_list *keel_hooks_get(const struct keel_hooks *h, enum keel_hook_kind k);

/* ---- process ------------------------------------------------------------ */

struct keel_console_size {
        unsigned int height;    /* rows, 0..65535 */
        unsigned int width;     /* columns, 0..65535 */
};

struct keel_user {
        uint32_t uid;           /* REQUIRED */
        uint32_t gid;           /* REQUIRED */
        bool has_umask;
        uint32_t umask;         /* 0..0777 */
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char *username;         /* Windows; parsed, unused on Linux */
};

struct keel_capabilities {
        char **bounding;        /* capability names as written: "CAP_KILL" */
        size_t n_bounding;
        char **effective;
        size_t n_effective;
        char **inheritable;
        size_t n_inheritable;
        char **permitted;
        size_t n_permitted;
        char **ambient;
        size_t n_ambient;
};

struct keel_rlimit {
        int type;               /* RLIMIT_* from <sys/resource.h> */
        uint64_t soft;
        uint64_t hard;          /* soft <= hard */
};
/* "RLIMIT_NOFILE" for RLIMIT_NOFILE, NULL for an unknown resource. */
const char *keel_rlimit_name(int type);

enum keel_ioprio_class {
        KEEL_IOPRIO_CLASS_RT = 1,       /* = IOPRIO_CLASS_RT */
        KEEL_IOPRIO_CLASS_BE = 2,
        KEEL_IOPRIO_CLASS_IDLE = 3,
};
const char *keel_ioprio_class_name(enum keel_ioprio_class c);

struct keel_io_priority {
        enum keel_ioprio_class ioprio_class;    /* spec: "class" */
        int priority;                           /* 0 (highest) .. 7 */
};

enum keel_sched_policy {
        KEEL_SCHED_OTHER = 0,   /* = SCHED_OTHER */
        KEEL_SCHED_FIFO = 1,
        KEEL_SCHED_RR = 2,
        KEEL_SCHED_BATCH = 3,
        KEEL_SCHED_ISO = 4,
        KEEL_SCHED_IDLE = 5,
        KEEL_SCHED_DEADLINE = 6,
};
const char *keel_sched_policy_name(enum keel_sched_policy p);

/* The kernel's sched_attr.sched_flags bits. */
#define KEEL_SCHED_FLAG_RESET_ON_FORK   0x01
#define KEEL_SCHED_FLAG_RECLAIM         0x02
#define KEEL_SCHED_FLAG_DL_OVERRUN      0x04
#define KEEL_SCHED_FLAG_KEEP_POLICY     0x08
#define KEEL_SCHED_FLAG_KEEP_PARAMS     0x10
#define KEEL_SCHED_FLAG_UTIL_CLAMP_MIN  0x20
#define KEEL_SCHED_FLAG_UTIL_CLAMP_MAX  0x40

struct keel_scheduler {
        enum keel_sched_policy policy;  /* REQUIRED */
        bool has_nice;
        int nice;                       /* -20..19 */
        bool has_priority;
        int priority;                   /* 0..99 */
        uint64_t flags;                 /* KEEL_SCHED_FLAG_* */
        bool has_runtime;
        uint64_t runtime;
        bool has_deadline;
        uint64_t deadline;
        bool has_period;
        uint64_t period;
};

struct keel_exec_cpu_affinity {
        char *initial;                  /* cpu list ("0-3,7"), NULL when absent */
        char *final;
};

struct keel_process {
        bool terminal;
        struct keel_console_size *console_size;
        struct keel_user user;          /* REQUIRED (uid and gid) */
        char **args;                    /* REQUIRED, at least one entry */
        size_t n_args;
        char *command_line;             /* Windows; parsed, unused on Linux */
        char **env;
        size_t n_env;
        char *cwd;                      /* REQUIRED, absolute */
        struct keel_capabilities *capabilities;
        struct keel_rlimit *rlimits;    /* no type twice */
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        bool has_oom_score_adj;
        int oom_score_adj;              /* -1000..1000 */
        char *selinux_label;
        struct keel_io_priority *io_priority;
        struct keel_scheduler *scheduler;
        struct keel_exec_cpu_affinity *exec_cpu_affinity;
};

/* ---- linux: namespaces, ids, devices ------------------------------------ */

enum keel_namespace_type {
        KEEL_NS_MOUNT,
        KEEL_NS_PID,
        KEEL_NS_NETWORK,
        KEEL_NS_UTS,
        KEEL_NS_IPC,
        KEEL_NS_USER,
        KEEL_NS_CGROUP,
        KEEL_NS_TIME,
        KEEL_NS__COUNT,
};
const char *keel_namespace_type_name(enum keel_namespace_type t);     /* "network" */

struct keel_namespace {
        enum keel_namespace_type type;  /* REQUIRED, no type twice */
        char *path;                     /* join this one; NULL: create a new one */
};

struct keel_time_offset {
        int64_t secs;
        uint32_t nanosecs;              /* < 1000000000 */
};

/* linux.timeOffsets: the time namespace knows two clocks. */
struct keel_time_offsets {
        bool has_monotonic;
        struct keel_time_offset monotonic;
        bool has_boottime;
        struct keel_time_offset boottime;
};

/* Device node types of linux.devices[].type. */
enum keel_device_type {
        KEEL_DEVICE_CHAR,               /* "c" */
        KEEL_DEVICE_BLOCK,              /* "b" */
        KEEL_DEVICE_UNBUFFERED,         /* "u" (a char device) */
        KEEL_DEVICE_FIFO,               /* "p" */
};
const char *keel_device_type_name(enum keel_device_type t);

/* Major and minor as the kernel's dev_t can hold them. */
#define KEEL_DEVICE_MAJOR_MAX 4095
#define KEEL_DEVICE_MINOR_MAX 1048575

struct keel_device {
        enum keel_device_type type;     /* REQUIRED */
        char *path;                     /* REQUIRED, absolute */
        int64_t major;                  /* REQUIRED unless FIFO */
        int64_t minor;
        bool has_file_mode;
        uint32_t file_mode;             /* permission bits (07777); file type bits
                                         * engines add were checked against type
                                         * and removed */
        bool has_uid;
        uint32_t uid;
        bool has_gid;
        uint32_t gid;
};

struct keel_net_device {
        char *host_name;                /* the map key: interface in the runtime netns */
        char *name;                     /* name inside the container; NULL: keep it */
};

/* ---- linux.resources ---------------------------------------------------- */

struct keel_device_cgroup {
        bool allow;                     /* REQUIRED */
        char type;                      /* 'a' (also when absent), 'c' or 'b' */
        bool has_major;                 /* absent: any major */
        int64_t major;                  /* -1 also means any */
        bool has_minor;
        int64_t minor;
        char *access;                   /* letters of "rwm"; NULL when absent */
};

struct keel_memory {
        bool has_limit;
        int64_t limit;                  /* bytes, -1: unlimited */
        bool has_reservation;
        int64_t reservation;
        bool has_swap;
        int64_t swap;                   /* memory+swap */
        bool has_kernel;
        int64_t kernel;
        bool has_kernel_tcp;
        int64_t kernel_tcp;
        bool has_swappiness;
        uint64_t swappiness;            /* 0..100 */
        bool has_disable_oom_killer;
        bool disable_oom_killer;
        bool has_use_hierarchy;
        bool use_hierarchy;
        bool has_check_before_update;
        bool check_before_update;
};

struct keel_cpu {
        bool has_shares;                /* 0 reads as not set, as in runc and crun */
        uint64_t shares;                /* 2..262144 */
        bool has_quota;
        int64_t quota;                  /* usecs, -1: unlimited */
        bool has_burst;
        uint64_t burst;
        bool has_period;
        uint64_t period;
        bool has_realtime_runtime;
        int64_t realtime_runtime;
        bool has_realtime_period;
        uint64_t realtime_period;
        char *cpus;                     /* NULL when absent */
        char *mems;
        bool has_idle;
        int64_t idle;                   /* 0 or 1 */
};

struct keel_pids {
        int64_t limit;                  /* REQUIRED; -1 (and 0): no limit */
};

struct keel_weight_device {
        int64_t major;                  /* REQUIRED */
        int64_t minor;                  /* REQUIRED */
        bool has_weight;                /* at least one of the two weights */
        uint16_t weight;                /* 10..1000 */
        bool has_leaf_weight;
        uint16_t leaf_weight;
};

struct keel_throttle_device {
        int64_t major;                  /* REQUIRED */
        int64_t minor;                  /* REQUIRED */
        uint64_t rate;                  /* REQUIRED */
};

/* Weights of 0 read as not set (has_ false), as in runc and crun. */
struct keel_block_io {
        bool has_weight;
        uint16_t weight;                /* 10..1000 */
        bool has_leaf_weight;
        uint16_t leaf_weight;
        struct keel_weight_device *weight_device;
        size_t n_weight_device;
        struct keel_throttle_device *throttle_read_bps_device;
        size_t n_throttle_read_bps_device;
        struct keel_throttle_device *throttle_write_bps_device;
        size_t n_throttle_write_bps_device;
        struct keel_throttle_device *throttle_read_iops_device;
        size_t n_throttle_read_iops_device;
        struct keel_throttle_device *throttle_write_iops_device;
        size_t n_throttle_write_iops_device;
};

struct keel_hugepage_limit {
        char *page_size;                /* "2MB": [1-9][0-9]*[KMG]B */
        uint64_t limit;
};

struct keel_interface_priority {
        char *name;
        uint32_t priority;
};

struct keel_network {
        bool has_class_id;
        uint32_t class_id;
        struct keel_interface_priority *priorities;
        size_t n_priorities;
};

struct keel_rdma {
        char *device;                   /* the map key */
        bool has_hca_handles;           /* at least one of the two */
        uint32_t hca_handles;
        bool has_hca_objects;
        uint32_t hca_objects;
};

struct keel_resources {
        struct keel_device_cgroup *devices;     /* applied in order */
        size_t n_devices;
        struct keel_memory *memory;
        struct keel_cpu *cpu;
        struct keel_pids *pids;
        struct keel_block_io *block_io;
        struct keel_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        struct keel_network *network;
        struct keel_rdma *rdma;
        size_t n_rdma;
        struct keel_string_map unified;         /* cgroup v2 file -> content */
};

/* ---- linux: seccomp ----------------------------------------------------- */

enum keel_seccomp_action {
        KEEL_SECCOMP_ACT_KILL,
        KEEL_SECCOMP_ACT_KILL_PROCESS,
        KEEL_SECCOMP_ACT_KILL_THREAD,
        KEEL_SECCOMP_ACT_TRAP,
        KEEL_SECCOMP_ACT_ERRNO,
        KEEL_SECCOMP_ACT_TRACE,
        KEEL_SECCOMP_ACT_ALLOW,
        KEEL_SECCOMP_ACT_LOG,
        KEEL_SECCOMP_ACT_NOTIFY,
};
const char *keel_seccomp_action_name(enum keel_seccomp_action a);     /* "SCMP_ACT_ERRNO" */

enum keel_seccomp_op {
        KEEL_SECCOMP_CMP_NE,
        KEEL_SECCOMP_CMP_LT,
        KEEL_SECCOMP_CMP_LE,
        KEEL_SECCOMP_CMP_EQ,
        KEEL_SECCOMP_CMP_GE,
        KEEL_SECCOMP_CMP_GT,
        KEEL_SECCOMP_CMP_MASKED_EQ,
};
const char *keel_seccomp_op_name(enum keel_seccomp_op op);

enum keel_seccomp_arch {
        KEEL_SCMP_ARCH_X86,
        KEEL_SCMP_ARCH_X86_64,
        KEEL_SCMP_ARCH_X32,
        KEEL_SCMP_ARCH_ARM,
        KEEL_SCMP_ARCH_AARCH64,
        KEEL_SCMP_ARCH_LOONGARCH64,
        KEEL_SCMP_ARCH_M68K,
        KEEL_SCMP_ARCH_MIPS,
        KEEL_SCMP_ARCH_MIPS64,
        KEEL_SCMP_ARCH_MIPS64N32,
        KEEL_SCMP_ARCH_MIPSEL,
        KEEL_SCMP_ARCH_MIPSEL64,
        KEEL_SCMP_ARCH_MIPSEL64N32,
        KEEL_SCMP_ARCH_PPC,
        KEEL_SCMP_ARCH_PPC64,
        KEEL_SCMP_ARCH_PPC64LE,
        KEEL_SCMP_ARCH_S390,
        KEEL_SCMP_ARCH_S390X,
        KEEL_SCMP_ARCH_SH,
        KEEL_SCMP_ARCH_SHEB,
        KEEL_SCMP_ARCH_PARISC,
        KEEL_SCMP_ARCH_PARISC64,
        KEEL_SCMP_ARCH_RISCV64,
};
const char *keel_seccomp_arch_name(enum keel_seccomp_arch a);         /* "SCMP_ARCH_X86_64" */

/* The kernel's SECCOMP_FILTER_FLAG_* bits. */
#define KEEL_SECCOMP_FLAG_TSYNC                 0x01
#define KEEL_SECCOMP_FLAG_LOG                   0x02
#define KEEL_SECCOMP_FLAG_SPEC_ALLOW            0x04
#define KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV    0x20

struct keel_seccomp_arg {
        uint32_t index;                 /* REQUIRED, 0..5 */
        uint64_t value;                 /* REQUIRED */
        bool has_value_two;
        uint64_t value_two;
        enum keel_seccomp_op op;        /* REQUIRED */
};

struct keel_seccomp_syscall {
        char **names;                   /* REQUIRED, at least one */
        size_t n_names;
        enum keel_seccomp_action action;        /* REQUIRED */
        bool has_errno_ret;             /* only with ERRNO or TRACE */
        uint32_t errno_ret;             /* 0..65535 (SECCOMP_RET_DATA) */
        struct keel_seccomp_arg *args;
        size_t n_args;
};

/* A field added here must also go into the cache's key (profile_key in
 * linux/seccomp-cache.c). */
struct keel_seccomp {
        enum keel_seccomp_action default_action;        /* REQUIRED */
        bool has_default_errno_ret;     /* only with ERRNO or TRACE */
        uint32_t default_errno_ret;
        enum keel_seccomp_arch *architectures;
        size_t n_architectures;
        unsigned int flags;             /* KEEL_SECCOMP_FLAG_* */
        char *listener_path;            /* NULL when absent */
        char *listener_metadata;        /* only with listener_path */
        struct keel_seccomp_syscall *syscalls;
        size_t n_syscalls;
};

/* ---- linux: the rest ---------------------------------------------------- */

/* The r- forms apply to every mount of the container, the plain ones to
 * its root mount (runc's and crun's reading of rootfsPropagation). */
enum keel_propagation {
        KEEL_PROPAGATION_PRIVATE,
        KEEL_PROPAGATION_SHARED,
        KEEL_PROPAGATION_SLAVE,
        KEEL_PROPAGATION_UNBINDABLE,
        KEEL_PROPAGATION_RPRIVATE,
        KEEL_PROPAGATION_RSHARED,
        KEEL_PROPAGATION_RSLAVE,
        KEEL_PROPAGATION_RUNBINDABLE,
};
const char *keel_propagation_name(enum keel_propagation p);

struct keel_intel_rdt {
        char *clos_id;
        char **schemata;                /* lines of the resctrl schemata file */
        size_t n_schemata;
        char *l3_cache_schema;
        char *mem_bw_schema;            /* "MB:...", no newline */
        bool enable_monitoring;
};

enum keel_mempolicy_mode {
        KEEL_MPOL_DEFAULT = 0,          /* = MPOL_DEFAULT */
        KEEL_MPOL_PREFERRED = 1,
        KEEL_MPOL_BIND = 2,
        KEEL_MPOL_INTERLEAVE = 3,
        KEEL_MPOL_LOCAL = 4,
        KEEL_MPOL_PREFERRED_MANY = 5,
        KEEL_MPOL_WEIGHTED_INTERLEAVE = 6,
};
const char *keel_mempolicy_mode_name(enum keel_mempolicy_mode m);

/* The kernel's MPOL_F_* mode flags. */
#define KEEL_MPOL_F_NUMA_BALANCING      (1u << 13)
#define KEEL_MPOL_F_RELATIVE_NODES      (1u << 14)
#define KEEL_MPOL_F_STATIC_NODES        (1u << 15)

struct keel_memory_policy {
        enum keel_mempolicy_mode mode;  /* REQUIRED */
        char *nodes;                    /* "0-3,7", NULL when absent */
        unsigned int flags;             /* KEEL_MPOL_F_* */
};

enum keel_personality_domain {
        KEEL_PERSONALITY_LINUX,         /* PER_LINUX */
        KEEL_PERSONALITY_LINUX32,       /* PER_LINUX32 */
};
const char *keel_personality_domain_name(enum keel_personality_domain d);

struct keel_personality {
        enum keel_personality_domain domain;    /* REQUIRED */
        char **flags;                   /* the spec defines none yet */
        size_t n_flags;
};

struct keel_linux {
        struct keel_namespace *namespaces;
        size_t n_namespaces;
        struct keel_id_mapping *uid_mappings;
        size_t n_uid_mappings;
        struct keel_id_mapping *gid_mappings;
        size_t n_gid_mappings;
        struct keel_time_offsets *time_offsets;
        struct keel_device *devices;
        size_t n_devices;
        struct keel_net_device *net_devices;
        size_t n_net_devices;
        char *cgroups_path;             /* NULL when absent */
        struct keel_resources *resources;
        bool has_rootfs_propagation;
        enum keel_propagation rootfs_propagation;
        struct keel_seccomp *seccomp;
        struct keel_string_map sysctl;
        char **masked_paths;
        size_t n_masked_paths;
        char **readonly_paths;
        size_t n_readonly_paths;
        char *mount_label;
        struct keel_intel_rdt *intel_rdt;
        struct keel_memory_policy *memory_policy;
        struct keel_personality *personality;
};

/* ---- the document ------------------------------------------------------- */

struct keel_config {
        char *oci_version;              /* REQUIRED, SemVer 1.x */
        struct keel_root *root;         /* REQUIRED on Linux */
        struct keel_mount *mounts;      /* mounted in order */
        size_t n_mounts;
        struct keel_process *process;   /* NULL: only needed by start */
        char *hostname;
        char *domainname;
        struct keel_hooks *hooks;
        struct keel_string_map annotations;
        /* `linux` is a predefined macro in GNU C, hence the suffix. */
        struct keel_linux *linux_cfg;
};

/* Parse and validate config.json from data (len bytes, no terminator
 * needed).  Errors name the JSON path: "process.user.uid: expected integer,
 * got string".  On success *out must be freed with keel_config_free(). */
int keel_config_parse(const char *data, size_t len, struct keel_config **out,
                      struct keel_error **err);

/* Read path relative to dirfd (not following a FIFO or device: it must be
 * a regular file of at most KEEL_CONFIG_MAX_SIZE) and parse it.  Errors
 * read "open config.json: No such file or directory" or
 * "config.json: process.cwd: required field missing". */
#define KEEL_CONFIG_MAX_SIZE (64u << 20)
int keel_config_load(int dirfd, const char *path, struct keel_config **out,
                     struct keel_error **err);
/* keel_config_load, but only when the text may hold an object key named
 * key (util/json-scan.h): otherwise 0 with *out NULL, and the text is not
 * parsed (start and delete look for their hooks in the config copy). */
int keel_config_load_if_key(int dirfd, const char *path, const char *key,
                            struct keel_config **out, struct keel_error **err);
void keel_config_free(struct keel_config *cfg);
static inline void keel_config_freep(struct keel_config **cfg)
{
        keel_config_free(*cfg);
        *cfg = NULL;
}
#define _cleanup_config_ __attribute__((cleanup(keel_config_freep)))

/* A process object alone, as `exec --process process.json` gives it. */
int keel_process_parse(const char *data, size_t len, struct keel_process **out,
                       struct keel_error **err);
void keel_process_free(struct keel_process *p);

#endif
