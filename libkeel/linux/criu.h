/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CRIU_H
#define KEEL_LINUX_CRIU_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "linux/criu-rpc.h"
#include "spec/oci-config.h"

/* Checkpoint and restore through the criu binary (criu(8)), over its RPC
 * (criu swrk, linux/criu-rpc.h) as runc drives it: the container's root and
 * bind mounts are external mounts, the cgroup is criu's to freeze and
 * restore, namespaces the container joined by path stay external, and the
 * init's stdio (descriptors.json, as runc writes it, and criu's keys for
 * it in keel-stdio-keys) is replaced by the restoring keel's. */

/* struct keel_criu_opts (the options the caller chose, shared by dump and
 * restore) and keel_criu_check are public: keel.h. */

/* What the dump needs of the container. */
struct keel_criu_dump {
        pid_t pid;                      /* the init, in keel's pid namespace */
        const struct keel_config *cfg;
        const char *cgroup_dir;         /* the container's cgroup directory, or NULL */
        bool terminal;                  /* process.terminal: the pty master is outside */
};

/* criu dump (or pre-dump) of the container: descriptors.json first, then
 * criu; its log is WORK/dump.log, whose first error line the error quotes. */
int keel_criu_dump(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                   struct keel_error **err);

/* What the restore needs.  criu runs in a private mount namespace of its
 * own, where the rootfs is bound on root_mnt (a directory keel made):
 * criu wants a mount point, and nothing of it reaches the host's mounts.
 * enter_rootfs, when set, runs first in that namespace (an image's
 * overlay is mounted there). */
struct keel_criu_restore {
        const struct keel_config *cfg;
        const char *bundle;
        const char *rootfs;
        const char *root_mnt;
        const char *cgroup_path;        /* relative to the cgroup2 mount, or NULL */
        const char *cgroup_dir;         /* its directory, for the cgroup mount */
        int (*enter_rootfs)(void *data, struct keel_error **err);
        void *enter_data;
        /* criu's notifications: "setup-namespaces" (the restored init's pid,
         * before it resumes: prestart hooks), "orphan-pts-master" (the new
         * pty master of a container with a terminal). */
        keel_criu_notify_fn notify;
        void *notify_data;
};

/* criu restore, rst_sibling: the restored init is the caller's child.
 * *pid: its pid. */
int keel_criu_restore(const struct keel_criu_opts *o, const struct keel_criu_restore *r, pid_t *pid,
                      struct keel_error **err);

/* The fds criu finds the image and work directories at. */
struct keel_criu_dirs {
        int images, work;
};

/* The requests (criu_req), for the tests; *req is the caller's
 * (keel_pb_free).  stdio_keys: criu's key of each of the init's fds 0-2
 * ("pipe:[N]", "file[MNT:INODE]", or "" for none). */
int keel_criu_dump_req(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                       const struct keel_criu_dirs *dirs, const char stdio_keys[3][64],
                       struct keel_pb *req, struct keel_error **err);
int keel_criu_restore_req(const struct keel_criu_opts *o, const struct keel_criu_restore *r,
                          const struct keel_criu_dirs *dirs, const char stdio_keys[3][64],
                          struct keel_pb *req, struct keel_error **err);

#endif
