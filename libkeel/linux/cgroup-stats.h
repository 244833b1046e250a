/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CGROUP_STATS_H
#define KEEL_LINUX_CGROUP_STATS_H

#include <stdint.h>

#include "error.h"
#include "linux/cgroup.h"

struct keel_json_gen;

/* The cgroup's statistics as one JSON object in the shape runc's `events`
 * prints under "data" (what containerd reads): cpu (usage in ns, from
 * cpu.stat's usec), memory (usage, limit, peak, failcnt from memory.events
 * "max", swap as memory+swap, memory.stat as "raw"), pids, blkio (io.stat
 * as Read/Write entries), hugetlb, and PSI for cpu, memory and io.  A
 * section whose files the cgroup lacks (controller not enabled) is left
 * out rather than reported as zeros. */
void keel_cgroup_stats_gen(struct keel_cgroup *cg, struct keel_json_gen *g);

/* memory.events "oom_kill": how many processes the OOM killer took. */
int keel_cgroup_oom_kills(struct keel_cgroup *cg, uint64_t *count, struct keel_error **err);

#endif
