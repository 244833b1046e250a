/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_LSM_H
#define KEEL_LINUX_LSM_H

#include <stdbool.h>

#include "error.h"
#include "spec/oci-config.h"

/* Security labels, written to the process's own attr files through a
 * trusted procfs fd (never through the container's /proc):
 *   process.apparmorProfile  an AppArmor exec transition;
 *   process.selinuxLabel     the SELinux context the process gets at its
 *                            execve (attr/exec), and its session keyring's
 *                            (attr/keycreate) before keel makes it;
 *   linux.mountLabel         context= on the tmpfs and devpts file systems keel
 *                            mounts for the container (mount.h).
 * A configured label on a host without its LSM is an error, as the spec
 * asks: a container must not run unconfined because its profile could not
 * be applied.  Absent labels cost nothing (no libselinux). */

bool keel_apparmor_enabled(void);
bool keel_selinux_enabled(void);

/* Check the labels of a process (and linux.mountLabel, lx may be NULL)
 * before anything is created: "process.apparmorProfile: AppArmor is not
 * enabled on this host". */
int keel_lsm_check(const struct keel_process *p, const struct keel_linux *lx,
                   struct keel_error **err);

/* Ask for the profile at the next execve: "exec PROFILE" to
 * thread-self/attr/apparmor/exec (or the older attr/exec) below procfd, a
 * procfs the container cannot have replaced.  profile NULL or "": nothing. */
int keel_apparmor_exec(int procfd, const char *profile, struct keel_error **err);

/* Write label to thread-self/attr/FILE below procfd ("exec" or
 * "keycreate"); field names the config field in errors.  label NULL or
 * "": nothing. */
int keel_selinux_set(int procfd, const char *file, const char *label, const char *field,
                     struct keel_error **err);

#endif
