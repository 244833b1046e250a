/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CGROUP_SYSTEMD_H
#define KEEL_LINUX_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "linux/cgroup-resources.h"

/* The systemd cgroup driver (--systemd-cgroup, --cgroup-manager systemd).
 *
 * systemd owns the cgroup tree; keel asks it, over D-Bus, for a transient
 * scope unit holding the container's init (StartTransientUnit, Delegate=yes
 * so the subtree is the container's), then works inside that cgroup as the
 * cgroupfs driver does: device filter, the limit files, freezer, kill.  The
 * limits systemd itself manages (memory, pids, cpu, cpuset, io weight) are
 * also given to it as unit properties, so that a daemon-reload, which makes
 * systemd write its view of a unit's limits again, keeps them.
 *
 * libsystemd is loaded with dlopen at first use: the cgroupfs path (and the
 * start-up of every other command) loads nothing more.  Without it, or
 * without a systemd to talk to, create fails with a message saying so.
 *
 * D-Bus: the system bus when there is one, else systemd's private socket
 * (/run/systemd/private, root only), as systemctl does. */

/* linux.cgroupsPath in runc's systemd form "SLICE:PREFIX:NAME", split:
 *   slice  "system.slice" when empty (the parent slice of the scope)
 *   unit   "PREFIX-NAME.scope" ("NAME.scope" without a prefix);
 *          an empty or missing path gives "keel-<id>.scope"
 *   path   where systemd puts it, relative to the cgroup2 mount:
 *          "/system.slice/keel-<id>.scope"; a slice "a-b.slice" expands to
 *          "/a.slice/a-b.slice" as systemd does.
 * Refused: not three fields, a slice not ending in ".slice" or with "/",
 * "--" or a leading or trailing "-" in its name, a unit name with a
 * character systemd does not allow.  Errors start "linux.cgroupsPath: ". */
struct keel_systemd_unit {
        char *slice;
        char *unit;
        char *path;
};

int keel_systemd_unit_parse(const char *cgroups_path, const char *id, struct keel_systemd_unit *u,
                            struct keel_error **err);
void keel_systemd_unit_clear(struct keel_systemd_unit *u);

/* The unit from a cgroup path this driver made: its last component. */
int keel_systemd_unit_from_path(const char *path, struct keel_systemd_unit *u,
                                struct keel_error **err);

/* A unit property: a uint64 ("t") or a CPU/NUMA node mask ("ay"). */
struct keel_systemd_prop {
        const char *name;       /* "MemoryMax", static */
        uint64_t value;         /* "t": UINT64_MAX is systemd's "infinity" */
        uint8_t *mask;          /* "ay" when not NULL, mask_len bytes, bit i = cpu i */
        size_t mask_len;
};

struct keel_systemd_props {
        struct keel_systemd_prop *p;
        size_t n;
};

/* The properties for the files of a plan that systemd manages:
 *   memory.max MemoryMax, memory.low MemoryLow, memory.high MemoryHigh,
 *   memory.swap.max MemorySwapMax, pids.max TasksMax, cpu.weight CPUWeight,
 *   cpu.max CPUQuotaPerSecUSec (quota * 1000000 / period) and
 *   CPUQuotaPeriodUSec, io.weight "default W" IOWeight, cpuset.cpus
 *   AllowedCPUs, cpuset.mems AllowedMemoryNodes.
 * Every other file is written only to the cgroup.  A value that does not
 * parse is an error naming its field. */
int keel_systemd_props_from_plan(const struct keel_cgroup_plan *plan,
                                 struct keel_systemd_props *props, struct keel_error **err);
void keel_systemd_props_clear(struct keel_systemd_props *props);

/* Start the scope u->unit in u->slice holding pid (Delegate=yes, the
 * properties, description as Description), and wait until systemd has
 * moved pid into u->path ("... did not move the init into PATH" after 10
 * s).  -EEXIST when systemd has a unit of that name already: it is not
 * this caller's to stop. */
int keel_systemd_start_scope(const struct keel_systemd_unit *u, pid_t pid, const char *description,
                             const struct keel_systemd_props *props, struct keel_error **err);

/* Set the properties of a running unit (update), for its lifetime. */
int keel_systemd_set_props(const char *unit, const struct keel_systemd_props *props,
                           struct keel_error **err);

/* Stop the unit and forget a failed state (delete, and a create that
 * fails after the scope started).  1: systemd is stopping it, and removes
 * its cgroup with it; 0: systemd no longer knows the unit (not an error). */
int keel_systemd_stop_unit(const char *unit, struct keel_error **err);

#endif
