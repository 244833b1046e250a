/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_CONTAINER_H
#define KEEL_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec/oci-state.h"
#include "store.h"

#define KEEL_STATE_FILE "state.json"
#define KEEL_STATE_MAX_SIZE (4u << 20)

/* The start time of a process (clock ticks since boot, /proc/<pid>/stat
 * field 22): with the pid it names one process for good, even after the pid
 * is reused.  Returns 0 and sets *start, or -ESRCH when there is no such
 * process. */
int keel_proc_start_time(pid_t pid, unsigned long long *start);

/* Does the process recorded in st still exist (same pid, same start time)? */
bool keel_state_init_alive(const struct keel_state *st);

/* Read a container's state.json from its locked directory and bring the
 * status up to date with the live process: a recorded init that is gone
 * makes the container "stopped". */
int keel_container_read_state(struct keel_container_dir *c, struct keel_state **out,
                              struct keel_error **err);

#endif
