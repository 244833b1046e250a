/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stddef.h>

#include "spec/config-names.h"
#include "util/cleanup.h"

const char *const keel_namespace_names[KEEL_NS__COUNT] = {
        [KEEL_NS_MOUNT] = "mount",   [KEEL_NS_PID] = "pid",   [KEEL_NS_NETWORK] = "network",
        [KEEL_NS_UTS] = "uts",       [KEEL_NS_IPC] = "ipc",   [KEEL_NS_USER] = "user",
        [KEEL_NS_CGROUP] = "cgroup", [KEEL_NS_TIME] = "time",
};

const char *const keel_hook_names[KEEL_HOOK__COUNT] = {
        [KEEL_HOOK_PRESTART] = "prestart",
        [KEEL_HOOK_CREATE_RUNTIME] = "createRuntime",
        [KEEL_HOOK_CREATE_CONTAINER] = "createContainer",
        [KEEL_HOOK_START_CONTAINER] = "startContainer",
        [KEEL_HOOK_POSTSTART] = "poststart",
        [KEEL_HOOK_POSTSTOP] = "poststop",
};

const char *const keel_rlimit_names[RLIMIT_NLIMITS] = {
        [RLIMIT_CPU] = "RLIMIT_CPU",         [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
        [RLIMIT_DATA] = "RLIMIT_DATA",       [RLIMIT_STACK] = "RLIMIT_STACK",
        [RLIMIT_CORE] = "RLIMIT_CORE",       [RLIMIT_RSS] = "RLIMIT_RSS",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",     [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK", [RLIMIT_AS] = "RLIMIT_AS",
        [RLIMIT_LOCKS] = "RLIMIT_LOCKS",     [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
        [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

const char *const keel_ioprio_class_names[KEEL_IOPRIO_CLASS_IDLE + 1] = {
        [KEEL_IOPRIO_CLASS_RT] = "IOPRIO_CLASS_RT",
        [KEEL_IOPRIO_CLASS_BE] = "IOPRIO_CLASS_BE",
        [KEEL_IOPRIO_CLASS_IDLE] = "IOPRIO_CLASS_IDLE",
};

const char *const keel_sched_policy_names[KEEL_SCHED_DEADLINE + 1] = {
        [KEEL_SCHED_OTHER] = "SCHED_OTHER", [KEEL_SCHED_FIFO] = "SCHED_FIFO",
        [KEEL_SCHED_RR] = "SCHED_RR",       [KEEL_SCHED_BATCH] = "SCHED_BATCH",
        [KEEL_SCHED_ISO] = "SCHED_ISO",     [KEEL_SCHED_IDLE] = "SCHED_IDLE",
        [KEEL_SCHED_DEADLINE] = "SCHED_DEADLINE",
};

const struct keel_json_flag keel_sched_flags[7] = {
        { "SCHED_FLAG_RESET_ON_FORK", KEEL_SCHED_FLAG_RESET_ON_FORK },
        { "SCHED_FLAG_RECLAIM", KEEL_SCHED_FLAG_RECLAIM },
        { "SCHED_FLAG_DL_OVERRUN", KEEL_SCHED_FLAG_DL_OVERRUN },
        { "SCHED_FLAG_KEEP_POLICY", KEEL_SCHED_FLAG_KEEP_POLICY },
        { "SCHED_FLAG_KEEP_PARAMS", KEEL_SCHED_FLAG_KEEP_PARAMS },
        { "SCHED_FLAG_UTIL_CLAMP_MIN", KEEL_SCHED_FLAG_UTIL_CLAMP_MIN },
        { "SCHED_FLAG_UTIL_CLAMP_MAX", KEEL_SCHED_FLAG_UTIL_CLAMP_MAX },
};

const char *const keel_device_type_names[KEEL_DEVICE_FIFO + 1] = {
        [KEEL_DEVICE_CHAR] = "c", [KEEL_DEVICE_BLOCK] = "b",
        [KEEL_DEVICE_UNBUFFERED] = "u", [KEEL_DEVICE_FIFO] = "p",
};

const char *const keel_propagation_names[KEEL_PROPAGATION_RUNBINDABLE + 1] = {
        [KEEL_PROPAGATION_PRIVATE] = "private", [KEEL_PROPAGATION_SHARED] = "shared",
        [KEEL_PROPAGATION_SLAVE] = "slave",     [KEEL_PROPAGATION_UNBINDABLE] = "unbindable",
        [KEEL_PROPAGATION_RPRIVATE] = "rprivate", [KEEL_PROPAGATION_RSHARED] = "rshared",
        [KEEL_PROPAGATION_RSLAVE] = "rslave",   [KEEL_PROPAGATION_RUNBINDABLE] = "runbindable",
};

const char *const keel_seccomp_action_names[KEEL_SECCOMP_ACT_NOTIFY + 1] = {
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

const char *const keel_seccomp_op_names[KEEL_SECCOMP_CMP_MASKED_EQ + 1] = {
        [KEEL_SECCOMP_CMP_NE] = "SCMP_CMP_NE", [KEEL_SECCOMP_CMP_LT] = "SCMP_CMP_LT",
        [KEEL_SECCOMP_CMP_LE] = "SCMP_CMP_LE", [KEEL_SECCOMP_CMP_EQ] = "SCMP_CMP_EQ",
        [KEEL_SECCOMP_CMP_GE] = "SCMP_CMP_GE", [KEEL_SECCOMP_CMP_GT] = "SCMP_CMP_GT",
        [KEEL_SECCOMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

const char *const keel_seccomp_arch_names[KEEL_SCMP_ARCH_RISCV64 + 1] = {
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

const struct keel_json_flag keel_seccomp_flags[4] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", KEEL_SECCOMP_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", KEEL_SECCOMP_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", KEEL_SECCOMP_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV },
};

const char *const keel_mempolicy_mode_names[KEEL_MPOL_WEIGHTED_INTERLEAVE + 1] = {
        [KEEL_MPOL_DEFAULT] = "MPOL_DEFAULT",
        [KEEL_MPOL_PREFERRED] = "MPOL_PREFERRED",
        [KEEL_MPOL_BIND] = "MPOL_BIND",
        [KEEL_MPOL_INTERLEAVE] = "MPOL_INTERLEAVE",
        [KEEL_MPOL_LOCAL] = "MPOL_LOCAL",
        [KEEL_MPOL_PREFERRED_MANY] = "MPOL_PREFERRED_MANY",
        [KEEL_MPOL_WEIGHTED_INTERLEAVE] = "MPOL_WEIGHTED_INTERLEAVE",
};

const struct keel_json_flag keel_mempolicy_flags[3] = {
        { "MPOL_F_NUMA_BALANCING", KEEL_MPOL_F_NUMA_BALANCING },
        { "MPOL_F_RELATIVE_NODES", KEEL_MPOL_F_RELATIVE_NODES },
        { "MPOL_F_STATIC_NODES", KEEL_MPOL_F_STATIC_NODES },
};

const char *const keel_personality_names[KEEL_PERSONALITY_LINUX32 + 1] = {
        [KEEL_PERSONALITY_LINUX] = "LINUX", [KEEL_PERSONALITY_LINUX32] = "LINUX32",
};


#define NAME_OF(table, i) ((size_t) (i) < ARRAY_SIZE(table) ? (table)[(size_t) (i)] : NULL)

/* The public name functions, each reading its table: NULL out of range. */
#define NAME_FUNCTION(fn, type, table) \
        const char *fn(type v) { return NAME_OF(table, v); }

NAME_FUNCTION(keel_namespace_type_name,     enum keel_namespace_type,     keel_namespace_names)
NAME_FUNCTION(keel_hook_kind_name,          enum keel_hook_kind,          keel_hook_names)
NAME_FUNCTION(keel_rlimit_name,             int,                          keel_rlimit_names)
NAME_FUNCTION(keel_ioprio_class_name,       enum keel_ioprio_class,       keel_ioprio_class_names)
NAME_FUNCTION(keel_sched_policy_name,       enum keel_sched_policy,       keel_sched_policy_names)
NAME_FUNCTION(keel_device_type_name,        enum keel_device_type,        keel_device_type_names)
NAME_FUNCTION(keel_propagation_name,        enum keel_propagation,        keel_propagation_names)
NAME_FUNCTION(keel_seccomp_action_name,     enum keel_seccomp_action,     keel_seccomp_action_names)
NAME_FUNCTION(keel_seccomp_op_name,         enum keel_seccomp_op,         keel_seccomp_op_names)
NAME_FUNCTION(keel_seccomp_arch_name,       enum keel_seccomp_arch,       keel_seccomp_arch_names)
NAME_FUNCTION(keel_mempolicy_mode_name,     enum keel_mempolicy_mode,     keel_mempolicy_mode_names)
NAME_FUNCTION(keel_personality_domain_name, enum keel_personality_domain, keel_personality_names)
