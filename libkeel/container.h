/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_CONTAINER_H
#define KEEL_CONTAINER_H

/* The lifecycle: its calls (create, start, kill, delete, exec, pause,
 * resume, pids, update, stats, checkpoint, state) are public, in keel.h;
 * these are what its files share. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "linux/criu.h"
#include "spec/oci-state.h"
#include "store.h"

#define KEEL_STATE_FILE "state.json"
#define KEEL_STATE_MAX_SIZE (4u << 20)
/* The config.json create read, kept for the hooks of later commands and exec. */
#define KEEL_CONFIG_COPY "config.json"
/* The init's start socket: `start` connects, and reads until EOF (the
 * init executed: the socket is close-on-exec) or an error message (a
 * startContainer hook or the switch to process.user failed). */
#define KEEL_START_SOCKET "start.sock"
/* A container without a mount namespace of its own: the unique id of
 * keel's bind of its rootfs in keel's mount namespace (linux/rootfs.h),
 * which delete detaches. */
#define KEEL_ROOTFS_MOUNT "rootfs.mount"

/* The start time of a process (clock ticks since boot, /proc/<pid>/stat
 * field 22): with the pid it names one process for good, even after the pid
 * is reused.  Returns 0 and sets *start, or -ESRCH when there is no such
 * process. */
int keel_proc_start_time(pid_t pid, unsigned long long *start);

/* A pidfd for the recorded init that is certainly that process: the start
 * time is checked after the pidfd pins the pid, so a reused pid fails with
 * ESRCH ("container X is not running"). */
int keel_state_open_init(const struct keel_state *st, struct keel_error **err);

/* Write st (with keel's private fields) as the container's state.json,
 * atomically. */
int keel_container_write_state(struct keel_container_dir *c, const struct keel_state *st,
                               struct keel_error **err);

/* Does the process recorded in st still exist (same pid, same start time)? */
bool keel_state_init_alive(const struct keel_state *st);

/* Read a container's state.json from its locked directory and bring the
 * status up to date with the live process: a recorded init that is gone
 * makes the container "stopped". */
int keel_container_read_state(struct keel_container_dir *c, struct keel_state **out,
                              struct keel_error **err);

/* Open container id (its lock shared or exclusive) and read its state:
 * both or, on an error, neither. */
int keel_container_open_state(struct keel_store *store, const char *id, bool exclusive,
                              struct keel_container_dir **c, struct keel_state **st,
                              struct keel_error **err);

/* ---- the cgroup a state records (container-cgroup.c) -------------------- */

struct keel_cgroup;

/* Open the cgroup recorded in st (from the cgroup2 mount keel finds); *cg
 * is NULL when st records none. */
int keel_state_open_cgroup(const struct keel_state *st, struct keel_cgroup **cg,
                           struct keel_error **err);

/* Is the container's cgroup frozen (cgroup.events "frozen 1")?  false when
 * it has no cgroup or the cgroup cannot be read.  "paused" is not recorded
 * in state.json: keel_container_read_state derives it from this, so a
 * freeze done by someone else shows too. */
bool keel_state_cgroup_frozen(const struct keel_state *st);

/* The host path of the cgroup recorded in st, as criu is given it; *dir is
 * NULL when st records none. */
int keel_state_cgroup_dir(const struct keel_state *st, char **dir, struct keel_error **err);

/* Open container id's cgroup from its state (under a shared lock, held
 * only while reading it).  live: a stopped container is refused ("container
 * ID is not running", -ESRCH); one without a cgroup is refused with
 * "container ID has no cgroup" and no_cgroup_why appended. */
int keel_container_open_cgroup(struct keel_store *store, const char *id, bool live,
                               const char *no_cgroup_why, struct keel_cgroup **cg,
                               struct keel_error **err);

#endif
