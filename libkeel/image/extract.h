/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_EXTRACT_H
#define KEEL_IMAGE_EXTRACT_H

#include <stdbool.h>

#include "error.h"
#include "image/tar.h"

/* Unpacking one layer's tar into an empty directory, in overlayfs form.
 *
 * The archive is hostile.  Every name is resolved from the layer's dirfd
 * with the in-root helpers of util/path.h, so nothing is written outside
 * it whatever symlinks the archive made; absolute names, ".." components
 * and hard links whose target is absolute or climbs out are refused; an
 * existing entry is removed (never written through) before its
 * replacement is created.
 *
 * Whiteouts become what overlayfs reads: ".wh.NAME" a 0:0 character
 * device NAME (where overlayfs itself refuses that device, an empty file
 * NAME with trusted.overlay.whiteout=y in a directory with
 * trusted.overlay.whiteouts=y), ".wh..wh..opq" the xattr
 * trusted.overlay.opaque=y on its directory.  trusted.* xattrs carried by the archive itself are never
 * applied (a layer could otherwise fake overlay metadata); user.* and
 * security.capability are. */

struct keel_extract_opts {
        bool allow_devices;     /* create char/block devices (root in the initial user ns) */
        bool chown;             /* apply the archive's uid/gid (root) */
};

int keel_extract_layer(int layerfd, struct keel_tar *tar, const struct keel_extract_opts *o,
                       struct keel_error **err);

/* A layer name made safe to resolve in the layer: "./" and repeated '/'
 * dropped, "." removed; NULL with errno EINVAL for an absolute name or a
 * ".." component, or ENOMEM.  "" stands for the layer's root.  Exposed
 * for the tests. */
char *keel_extract_clean_name(const char *name);

#endif
