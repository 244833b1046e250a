/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_STORE_H
#define KEEL_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "image/layout.h"

/* The layer store: each layer extracted once, under
 *   <state root>/.images/layers/sha256/<diff_id hex>/
 * (".images" is not a valid container id, so it never reads as one).  A
 * layer is extracted into .images/tmp/ and renamed into place only when
 * its blob digest, size and diff_id all matched: a directory under
 * layers/ is always complete.
 *
 * Which layers are in use is not counted but found: every container's
 * config copy (published or still being created) names its layers in the
 * KEEL_IMAGE_LAYERS_ANNOTATION annotation.  .images/lock orders the two:
 * unpack and the overlay mount of a create hold it shared, prune
 * exclusive. */

#define KEEL_IMAGE_STORE_DIR ".images"
/* The image's diff_ids, base layer first, separated by ','. */
#define KEEL_IMAGE_LAYERS_ANNOTATION "org.keel.image.layers"

struct keel_image_store {
        int dirfd;              /* .images */
        int lockfd;             /* .images/lock, flock'd */
        int layersfd;           /* .images/layers/sha256 */
        int tmpfd;              /* .images/tmp */
};

int keel_image_store_open(int state_rootfd, bool exclusive, struct keel_image_store **out,
                          struct keel_error **err);
void keel_image_store_close(struct keel_image_store *s);

/* Extract every layer of img that the store does not hold yet.  A failure
 * leaves no partial layer; layers fully verified before it stay. */
int keel_image_store_unpack(struct keel_image_store *s, const struct keel_image *img,
                            struct keel_error **err);

/* The annotation value for img. */
int keel_image_layers_value(const struct keel_image *img, char **out, struct keel_error **err);

/* Remove every layer no container in the state root names, leftovers of
 * interrupted unpacks, and the bundles create/run --image made for
 * containers that no longer exist.  Needs the store opened exclusive. */
int keel_image_store_prune(struct keel_image_store *s, int state_rootfd, size_t *removed,
                           struct keel_error **err);

/* For create, when a config names image layers: the container's writable
 * layer in its state directory (upper/, work/, and rootfs/ to mount the
 * overlay on).  prepare runs in the runtime: it checks the layers are in
 * the store, builds the directories and the overlay as a detached mount
 * (one "lowerdir+" per layer, Linux 6.8; older kernels get one page of
 * lowerdir for mount(2)), and holds the store's lock shared until free,
 * so prune cannot take a layer before the mount holds it.  enter runs in
 * the child that becomes the container (before it creates the
 * container's namespaces): it moves to a mount namespace of its own, a
 * slave of the host's, and attaches the overlay there.  The host never
 * sees the mount, so nothing is left to unmount: delete removes the state
 * directory, and the writable layer with it.
 *
 * Where overlayfs cannot be had (EPERM, EINVAL, ENODEV: no overlayfs, a
 * state root on a file system it refuses as upper dir, ...), prepare
 * warns "image: overlay unavailable (REASON): copying the layers into the
 * container's rootfs" and copies them into rootfs/ (image/copy.h); enter
 * then has nothing to do, and delete removes the copy with the state
 * directory. */
struct keel_image_rootfs {
        struct keel_image_store *store;
        char *data;             /* overlay options for mount(2), without lowerdir+ */
        char *layers_dir;       /* absolute: .images/layers/sha256/ */
        char *rootfs;           /* absolute: rootfs/ in the state dir */
        int mountfd;            /* the detached overlay, or -1 */
        bool copied;            /* rootfs/ holds a copy of the layers */
};

int keel_image_rootfs_prepare(int state_rootfd, int container_dirfd, const char *layers,
                              struct keel_image_rootfs **out, struct keel_error **err);
int keel_image_rootfs_enter(const struct keel_image_rootfs *r, struct keel_error **err);
void keel_image_rootfs_free(struct keel_image_rootfs *r);

#endif
