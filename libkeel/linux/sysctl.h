/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_SYSCTL_H
#define KEEL_LINUX_SYSCTL_H

#include "error.h"
#include "linux/ns.h"
#include "spec/oci-config.h"

/* linux.sysctl.  Only what a kernel namespace of the container's own holds
 * may be written: a sysctl that is global, or that belongs to a namespace
 * the container shares with the runtime, would change the host.
 *
 *   kernel.msgmax msgmnb msgmni sem shmall shmmax shmmni shm_rmid_forced,
 *   fs.mqueue.*                    the ipc namespace
 *   net.*                          the network namespace
 *   kernel.domainname              the uts namespace (kernel.hostname is
 *                                  refused, as runc does: "hostname" sets it)
 *   user.*                         a new user namespace (the ucount limits
 *                                  of the namespace the writer is in)
 *
 * "Own" means new, or joined by a path that is not the runtime's own
 * namespace of that type.  Keys are dot-separated names; an empty
 * component, a '/' or a control character is refused before anything is
 * opened.  Everything else is refused by name. */

/* In the runtime, before anything is made; plan has the joined
 * namespaces open. */
int keel_sysctl_check(const struct keel_string_map *sysctl, const struct keel_ns_plan *plan,
                      struct keel_error **err);

/* In the init, in the container's namespaces: each value written through
 * the trusted procfs (linux/procfs.h) at sys/<key with '.' as '/'>. */
int keel_sysctl_apply(const struct keel_string_map *sysctl, int procfd, struct keel_error **err);

#endif
