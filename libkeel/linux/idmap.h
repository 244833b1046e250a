/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_IDMAP_H
#define KEEL_LINUX_IDMAP_H

#include <stddef.h>

#include "error.h"
#include "spec/oci-config.h"

/* Idmapped bind mounts (mounts[].uidMappings/gidMappings, options "idmap"
 * and "ridmap"), made by the runtime before the container exists.
 *
 * The kernel lets only a process privileged over the source's superblock
 * (the initial user namespace, for a host file system) idmap a mount, and
 * only while the mount is detached; the init, already inside the
 * container's user namespace, could do neither.  So keel, still root on
 * the host, clones each source tree (open_tree), idmaps it through a user
 * namespace holding the mapping (mount_setattr MOUNT_ATTR_IDMAP), and hands
 * the detached mount to the init, which only attaches it in the rootfs.
 *
 * The source is resolved as every bind source is (linux/mount.c): inside
 * the rootfs (canonical host path rootfs) when it is below it, else on the
 * host and never through keel's own /proc.
 *
 * The mapping is the mount's own uid/gidMappings, or with none, the
 * container's (linux.uidMappings/gidMappings): files owned on disk by an id
 * the mapping's containerID column names appear as its hostID.  Mappings
 * without an idmap option count as "idmap" (the spec says the option SHOULD
 * be there so that older runtimes cannot ignore the field). */

/* One detached, idmapped mount per idmapped entry of cfg->mounts:
 * (*fds)[i] is the mount for mounts[i], or -1.  *fds is NULL when no mount
 * is idmapped (nothing to free); otherwise close with keel_idmap_close(). */
int keel_idmap_prepare(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                       int **fds, struct keel_error **err);
void keel_idmap_close(int *fds, size_t n);

/* A user namespace with these maps (a child unshares it, keel writes the
 * maps through procfd, keel's own procfs (linux/procfs.h), the child
 * exits): its fd, or -errno with *err set. */
int keel_idmap_userns(int procfd, const struct keel_id_mapping *uid, size_t n_uid,
                      const struct keel_id_mapping *gid, size_t n_gid, struct keel_error **err);

#endif
