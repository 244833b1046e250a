/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_EXE_GUARD_H
#define KEEL_LINUX_EXE_GUARD_H

#include "error.h"

/* CVE-2019-5736's class: a keel process that enters a container (the init,
 * an exec helper) can be made to run its own binary there, when the
 * container's process is a script whose interpreter is /proc/self/exe: the
 * kernel resolves that link while keel execs, to keel's binary on the host.
 * The container then holds that file and writes it once keel has exited.
 *
 * keel_exe_guard makes the binary behind /proc/self/exe unwritable before a
 * command builds anything: if it is not already on a read-only mount or a
 * sealed memfd, keel re-executes itself (same pid, argv, environment and
 * inherited fds) from
 *   - a detached read-only bind mount of its binary (open_tree and
 *     mount_setattr: no copy; needs CAP_SYS_ADMIN), or else
 *   - a sealed memfd copy (write, grow, shrink and seal sealed).
 * Either way a write through /proc/<pid>/exe fails (EROFS, EPERM).
 *
 * Returns 0 when the binary is already unwritable; does not return when the
 * re-exec succeeds; returns -errno with a message when neither way works. */
int keel_exe_guard(char *const argv[], struct keel_error **err);

/* How the running binary is protected: "read-only mount", "sealed memfd",
 * or NULL when it is writable (for features and tests). */
const char *keel_exe_protection(void);

#endif
