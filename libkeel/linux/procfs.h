/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_PROCFS_H
#define KEEL_LINUX_PROCFS_H

#include "error.h"

/* One trusted procfs for the init's own writes under /proc (sysctls,
 * oom_score_adj): a fresh instance from fsopen("proc"), never attached to
 * any path the container can reach, checked to be procfs.  Writes through
 * the container's /proc could be redirected by a hostile rootfs or a
 * racing process (CVE-2019-16884, CVE-2025-52881).
 *
 * Open it early in the init, while the mount namespace still shows a fully
 * visible /proc: in a user namespace the kernel refuses a new procfs once
 * parts of /proc are masked. */
int keel_procfs_open(struct keel_error **err);

/* Write value to path, relative to the procfs root ("sys/net/ipv4/ip_forward",
 * "1/oom_score_adj"), without following any symlink or leaving procfs.
 * what names the config field in errors. */
int keel_procfs_write(int procfd, const char *path, const char *value, const char *what,
                      struct keel_error **err);

#endif
