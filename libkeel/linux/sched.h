/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_SCHED_H
#define KEEL_LINUX_SCHED_H

#include <sched.h>
#include <stddef.h>

#include "error.h"
#include "spec/oci-config.h"

/* What the kernel keeps per process across execve and keel sets for the
 * container's processes: the scheduler (process.scheduler, through
 * sched_setattr), the I/O priority (process.ioPriority, ioprio_set), CPU
 * affinity (process.execCPUAffinity, for exec), the memory policy
 * (linux.memoryPolicy, set_mempolicy) and the execution domain
 * (linux.personality).  Each is applied while keel still holds its
 * capabilities (a real-time policy needs CAP_SYS_NICE, the RT I/O class
 * CAP_SYS_ADMIN); errors name the field. */

/* "0-3,7" into set (cleared first); errors name field. */
int keel_cpu_list_parse(const char *list, cpu_set_t *set, const char *field,
                        struct keel_error **err);

/* A node list into mask (words of unsigned long, n_words of them), the
 * highest node + 1 in *max_node. */
int keel_node_list_parse(const char *list, unsigned long *mask, size_t n_words,
                         unsigned long *max_node, struct keel_error **err);

int keel_sched_apply(const struct keel_process *p, struct keel_error **err);
int keel_affinity_apply(const char *list, const char *field, struct keel_error **err);
int keel_personality_apply(const struct keel_personality *p, struct keel_error **err);
int keel_mempolicy_apply(const struct keel_memory_policy *m, struct keel_error **err);

#endif
