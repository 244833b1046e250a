/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_CONFIG_NAMES_H
#define KEEL_SPEC_CONFIG_NAMES_H

/* The spellings config.json uses for keel's enums and flag bits, indexed
 * by the enum value: the parser reads them (spec/config-*.c), the features
 * document lists them (spec/features.c), the keel_*_name() functions of
 * spec/oci-config.h return them.  Private to spec/. */

#include <sys/resource.h>

#include "spec/json.h"
#include "spec/oci-config.h"

extern const char *const keel_namespace_names[KEEL_NS__COUNT];
extern const char *const keel_hook_names[KEEL_HOOK__COUNT];
extern const char *const keel_rlimit_names[RLIMIT_NLIMITS];
extern const char *const keel_ioprio_class_names[KEEL_IOPRIO_CLASS_IDLE + 1];
extern const char *const keel_sched_policy_names[KEEL_SCHED_DEADLINE + 1];
extern const char *const keel_device_type_names[KEEL_DEVICE_FIFO + 1];
extern const char *const keel_propagation_names[KEEL_PROPAGATION_RUNBINDABLE + 1];
extern const char *const keel_seccomp_action_names[KEEL_SECCOMP_ACT_NOTIFY + 1];
extern const char *const keel_seccomp_op_names[KEEL_SECCOMP_CMP_MASKED_EQ + 1];
extern const char *const keel_seccomp_arch_names[KEEL_SCMP_ARCH_RISCV64 + 1];
extern const char *const keel_mempolicy_mode_names[KEEL_MPOL_WEIGHTED_INTERLEAVE + 1];
extern const char *const keel_personality_names[KEEL_PERSONALITY_LINUX32 + 1];

/* Flag names in the kernel's bit order. */
extern const struct keel_json_flag keel_sched_flags[7];
extern const struct keel_json_flag keel_seccomp_flags[4];
extern const struct keel_json_flag keel_mempolicy_flags[3];

#endif
