/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_EXE_GUARD_H
#define KEEL_LINUX_EXE_GUARD_H

#include <stdbool.h>

#include "error.h"

/* keel_exe_guard (keel.h, public) makes the binary behind /proc/self/exe
 * unwritable before a command builds anything (CVE-2019-5736's class: a
 * keel process that enters a container can be made to run its own binary
 * there, when the container's process is a script whose interpreter is
 * /proc/self/exe; the container then holds that file and writes it once
 * keel has exited).  If it is not already on a read-only mount or a sealed
 * memfd, keel re-executes itself (same pid, argv, environment and
 * inherited fds) from
 *   - a detached read-only bind mount of its binary (open_tree and
 *     mount_setattr: no copy; needs CAP_SYS_ADMIN), or else
 *   - a sealed memfd copy (write, grow, shrink and seal sealed).
 * Either way a write through /proc/<pid>/exe fails (EROFS, EPERM). */

/* Set for the re-executed keel only: it must find its binary protected,
 * or something is wrong and it stops rather than re-execute forever.  The
 * value is KEEL_EXE_GUARD_EARLY when exe-guard-early.c re-executed keel,
 * before libc started. */
#define KEEL_EXE_GUARD_ENV "_KEEL_EXE_GUARDED"
#define KEEL_EXE_GUARD_EARLY "early"

/* The seals that make a memfd copy of the binary unwritable: the guard
 * adds them, and a binary running from a memfd that has them all is
 * protected already (exe-guard.c, exe-guard-early.c). */
#define KEEL_EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* How the running binary is protected: "read-only mount", "sealed memfd",
 * or NULL when it is writable (for features and tests). */
const char *keel_exe_protection(void);

/* The rule behind keel_exe_guard_needed_for_create (keel.h): can a process
 * of a container made from cfg write the binary behind /proc/self/exe? */
struct keel_config;
bool keel_exe_reachable_from(const struct keel_config *cfg);

#endif
