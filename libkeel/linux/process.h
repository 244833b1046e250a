/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_PROCESS_H
#define KEEL_LINUX_PROCESS_H

#include <stdbool.h>

#include "error.h"
#include "spec/oci-config.h"

/* The parts of config.json "process" that the container's init applies to
 * itself, each a step of its own (see init.c for the order). */

int keel_process_set_rlimits(const struct keel_process *p, struct keel_error **err);

/* chdir to process.cwd inside the container (after pivot_root), creating it
 * when missing (create: the init, as runc does; exec does not), and check with getcwd() that the result is
 * inside the root (CVE-2024-21626: a leaked host directory fd reads as
 * "(unreachable)"). */
int keel_process_chdir(const struct keel_process *p, bool create, struct keel_error **err);

/* Switch to process.user: additionalGids, gid, uid, umask.  Capabilities
 * survive through PR_SET_KEEPCAPS; the caller sets them right after.
 * setgroups is skipped when the user namespace forbids it (allow_setgroups
 * false). */
int keel_process_set_user(const struct keel_process *p, bool allow_setgroups, struct keel_error **err);

/* The executable for process.args[0]: a path as given when it holds '/',
 * else the first executable regular file in the PATH of process.env (or
 * the default PATH).  Done before `start`, so a missing binary fails
 * `create`, as with runc.  *out must be freed. */
int keel_process_find_executable(const struct keel_process *p, char **out, struct keel_error **err);

/* Mark every fd from 3 + keep upward close-on-exec: nothing but stdio and
 * the fds the caller asked for reaches the container. */
int keel_process_close_fds(int keep, struct keel_error **err);

int keel_process_set_no_new_privs(const struct keel_process *p, struct keel_error **err);

#endif
