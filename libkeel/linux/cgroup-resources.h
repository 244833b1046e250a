/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CGROUP_RESOURCES_H
#define KEEL_LINUX_CGROUP_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "linux/cgroup.h"
#include "spec/oci-config.h"

/* linux.resources (except devices, which is an eBPF program: cgroup.h)
 * turned into cgroup v2 file writes, in two steps: a plan, which is pure
 * (the spec -> file conversions, checked by unit tests), and its
 * application to a cgroup (enable the controllers the files belong to in
 * every ancestor, then write the files in plan order).
 *
 * The conversions follow runc's cgroup v2 driver, so that a container
 * gets the same limits from keel as from runc:
 *   memory.limit         -> memory.max        (-1: "max")
 *   memory.reservation   -> memory.low        (-1: "max")
 *   memory.swap          -> memory.swap.max = swap - limit (swap is
 *                           memory+swap in the spec, swap alone in v2)
 *   memory.kernel(TCP)   -> nothing, with a warning (gone from the kernel)
 *   cpu.shares           -> cpu.weight = 1 + (shares - 2) * 9999 / 262142
 *   cpu.quota/period     -> cpu.max "QUOTA|max [PERIOD]"
 *   cpu.burst            -> cpu.max.burst;  cpu.idle -> cpu.idle
 *   cpu.cpus/mems        -> cpuset.cpus / cpuset.mems
 *   pids.limit           -> pids.max (> 0: the limit; < 0: "max"; 0: unset)
 *   blockIO.weight       -> io.bfq.weight (as is, when the file exists) and
 *                           io.weight "default W'", W' = 1 + (W - 10) * 9999 / 990
 *   blockIO.weightDevice -> the same per "MAJ:MIN"
 *   blockIO.throttle*    -> io.max "MAJ:MIN rbps|wbps|riops|wiops=RATE" (0: "max")
 *   hugepageLimits       -> hugetlb.SIZE.max and hugetlb.SIZE.rsvd.max (the
 *                           latter when the kernel has it)
 *   rdma                 -> rdma.max "DEV hca_handle=N hca_object=M"
 *   unified              -> the file named by the key, written last, as is
 * What cgroup v2 cannot do is an error naming the field, never a silent
 * drop: realtime cpu, swappiness, disableOOMKiller, leaf weights,
 * useHierarchy false, network (net_cls/net_prio are v1 only). */

enum {
        KEEL_CGW_OPTIONAL = 1 << 0,      /* a missing file is skipped */
        KEEL_CGW_TOLERATE_EINVAL = 1 << 1, /* first try of an ordering pair */
};

struct keel_cgroup_write {
        char *file;     /* "memory.max": a plain name in the cgroup directory */
        char *value;
        char *field;    /* what asked for it, for errors: "memory.limit" */
        unsigned flags;
};

struct keel_cgroup_plan {
        struct keel_cgroup_write *w;
        size_t n, cap;
        /* memory.checkBeforeUpdate: refuse a memory.max below memory.current */
        bool check_memory;
        int64_t memory_limit;
};

/* Build the plan for r (may be NULL: an empty plan).  Errors name the
 * field: "linux.resources.memory.swap: a swap limit needs a memory limit". */
int keel_cgroup_plan_resources(const struct keel_resources *r, struct keel_cgroup_plan *plan,
                               struct keel_error **err);
void keel_cgroup_plan_clear(struct keel_cgroup_plan *plan);

/* The controllers the plan's files belong to ("memory", "io", ...), each
 * once, in first-use order; names point into static storage or the plan.
 * Files of the cgroup core ("cgroup.*") need none. */
size_t keel_cgroup_plan_controllers(const struct keel_cgroup_plan *plan, char ***names,
                                    struct keel_error **err);

/* Make every controller in names[] available to cg: for each ancestor from
 * the hierarchy's root down to cg's parent, check cgroup.controllers has it
 * (else "the cgroup v2 controller memory is not available in
 * /sys/fs/cgroup/unified (it has: hugetlb)", -ENOTSUP) and add it to
 * cgroup.subtree_control. */
int keel_cgroup_enable_controllers(struct keel_cgroup *cg, char *const *names, size_t n,
                                   struct keel_error **err);

/* Enable what the plan needs, then write its files in order.  Errors are
 * prefixed with "linux.resources.<field>". */
int keel_cgroup_apply_plan(struct keel_cgroup *cg, const struct keel_cgroup_plan *plan,
                           struct keel_error **err);

/* Plan and apply r in one go (create and update). */
int keel_cgroup_apply_resources(struct keel_cgroup *cg, const struct keel_resources *r,
                                struct keel_error **err);

/* The conversions, for tests. */
uint64_t keel_cgroup_shares_to_weight(uint64_t shares);
uint64_t keel_cgroup_blkio_to_io_weight(uint64_t weight);
/* memory.swap.max from the spec's memory+swap: returns 1 and sets *out
 * (-1 for "max", else bytes, 0 included: no swap at all) when the file is
 * to be written, 0 when it is not, -errno on a contradiction. */
int keel_cgroup_swap_max(bool has_swap, int64_t swap, bool has_limit, int64_t limit,
                         int64_t *out, struct keel_error **err);

#endif
