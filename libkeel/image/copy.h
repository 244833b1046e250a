/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_COPY_H
#define KEEL_IMAGE_COPY_H

#include <stddef.h>

#include "error.h"

/* The layers of an image without overlayfs: each layer of the store
 * (layersfd/<hex>, in overlayfs form) applied in turn, base first, onto
 * rootfd, an empty directory of the container's own.  A 0:0 character
 * device deletes what it names, a directory with trusted.overlay.opaque=y
 * is emptied before the layer's entries go in, a layer's entry replaces
 * whatever an earlier one left there (a directory merges with a
 * directory).  Owners, modes, times, xattrs (but overlayfs' own) and the
 * hard links inside one layer are kept.  Nothing in rootfd is followed:
 * every directory is opened O_NOFOLLOW from its parent's fd. */
int keel_image_copy_layers(int layersfd, char *const *hexes, size_t n, int rootfd,
                           struct keel_error **err);

#endif
