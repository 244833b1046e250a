/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_STORE_H
#define KEEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The state root (--root, default /run/keel): one directory per container,
 * named by its id, holding state.json and whatever the lifecycle needs.
 *
 * Concurrency: every command on a container holds an flock on the
 * container's directory for as long as it works on it.  A new container is
 * built under a hidden temporary name with the lock already held and then
 * renamed into place with RENAME_NOREPLACE, so two creates of one id cannot
 * both win and nobody ever sees a container directory without a lock
 * owner having written its state. */

/* Called with each stale reservation's directory (locked) before it is
 * removed: the lifecycle layer undoes what a killed create made outside
 * that directory (its cgroup, a surviving init). */
typedef void (*keel_sweep_fn)(int dirfd);

struct keel_store {
        int rootfd;
        char *root;
        keel_sweep_fn sweeper;  /* NULL: only the directory is removed */
};

struct keel_container_dir {
        int dirfd;          /* the container's directory; flock'd */
        char *id;
        char *tmp_name;     /* set until keel_store_publish() */
};

/* keel_id_validate, keel_store_open, keel_store_close[p], keel_store_list
 * and keel_strv_free are public: keel.h. */

/* Reserve a new container: a locked, hidden directory.  Nothing is visible
 * under the id until keel_store_publish(). */
int keel_store_reserve(struct keel_store *store, const char *id, struct keel_container_dir **out,
                       struct keel_error **err);
/* Make a reserved container visible under its id: EEXIST when the id is
 * taken ("container X already exists"). */
int keel_store_publish(struct keel_store *store, struct keel_container_dir *c, struct keel_error **err);

/* Open an existing container and take its lock (shared or exclusive,
 * waiting for it).  ENOENT: "container X does not exist". */
int keel_store_open_container(struct keel_store *store, const char *id, bool exclusive,
                              struct keel_container_dir **out, struct keel_error **err);

/* Remove the container's directory and everything in it (reserved or
 * published), then release the handle. */
int keel_store_remove(struct keel_store *store, struct keel_container_dir *c, struct keel_error **err);

/* Release the lock and the handle. */
void keel_container_dir_close(struct keel_container_dir *c);
static inline void keel_container_dir_closep(struct keel_container_dir **c)
{
        keel_container_dir_close(*c);
        *c = NULL;
}
#define _cleanup_container_dir_ __attribute__((cleanup(keel_container_dir_closep)))

/* In a child forked from a process holding store and c (c may be NULL):
 * close their fds, whose copies would otherwise keep the state root open
 * and hold the container's lock for as long as the child lives.  Nothing
 * is freed: the memory is the parent's copy. */
void keel_store_drop_in_child(struct keel_store *store, struct keel_container_dir *c);

/* Remove the reservations of creates that died (their lock is free). */
void keel_store_sweep(struct keel_store *store);

/* KEEL_DEVICE_PROGRAM in the state root: the kernel's id of the device
 * program (linux/cgroup-devices.h) the last successful create loaded, a
 * hint for the next create to attach that program rather than load the
 * same one again (keel_devices_reuse checks it is the same).  Read: 0 when
 * there is none or the file is not keel's (a regular file of this user,
 * KEEL_DEVICE_PROGRAM_MAGIC, the id).  Written once a create has
 * succeeded, best effort and in place (a killed create leaves no temporary
 * file): a failed create leaves nothing behind. */
#define KEEL_DEVICE_PROGRAM       ".device-program"
#define KEEL_DEVICE_PROGRAM_MAGIC "KEELDEV1"
uint32_t keel_store_device_program(struct keel_store *store);
void keel_store_set_device_program(struct keel_store *store, uint32_t id);

#endif
