/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_MOUNT_SOURCES_H
#define KEEL_LINUX_MOUNT_SOURCES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec/oci-config.h"
#include "util/path.h"

/* The host side of a container's mounts: root.path and every bind source
 * that is not the container's own (below the rootfs) or idmapped, opened
 * (O_PATH) by keel_path_open_host from hostroot as "/".  The runtime does
 * it for an init in a user namespace, from /proc/<init>/root: the init,
 * root of that namespace only, may not reach a directory of the host
 * (a 0700 parent), but mounts what keel hands it.  The fds are in the
 * init's mount namespace, so that what it clones from them keeps the
 * locks the kernel put on mounts copied into a less privileged
 * namespace. */
struct keel_mount_sources {
        int root;               /* root.path, or -1 */
        int root_mount;         /* the root of the mount holding root.path, or -1 */
        int *fds;               /* per mount: the bind source, or -1; NULL: none */
        size_t n;
};
#define KEEL_MOUNT_SOURCES_INIT { .root = -1, .root_mount = -1 }

/* A bind mount's source as a host path: absolute, or joined to bundle;
 * NULL on ENOMEM. */
char *keel_mount_source_path(const char *bundle, const struct keel_mount *m);

/* Is the host path source below rootfs (canonical), so the container's
 * own, to be resolved inside the rootfs? */
bool keel_mount_source_in_rootfs(const char *rootfs, const char *source);

/* Is m a bind mount (type "bind", or a bind/rbind option)? */
bool keel_mount_is_bind(const struct keel_mount *m);

int keel_mount_sources_open(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                            int hostroot, const struct keel_path_self *self,
                            struct keel_mount_sources *s, struct keel_error **err);
void keel_mount_sources_close(struct keel_mount_sources *s);

#endif
