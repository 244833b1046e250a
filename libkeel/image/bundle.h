/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_BUNDLE_H
#define KEEL_IMAGE_BUNDLE_H

#include <stddef.h>

#include "error.h"
#include "image/layout.h"
#include "image/store.h"

/* The config.json of an image's bundle: keel's default spec (`keel spec`)
 * with the image config applied (image-spec "config.md" -> runtime-spec):
 * Entrypoint + Cmd -> process.args, Env merged over the default env,
 * WorkingDir -> process.cwd, User -> process.user (numeric, or a name
 * looked up in the image's /etc/passwd and /etc/group), Labels ->
 * annotations, plus the KEEL_IMAGE_LAYERS_ANNOTATION naming the layers.
 * root.path is "rootfs" (an empty directory the overlay is mounted on),
 * writable; process.terminal is false.  ExposedPorts, Volumes,
 * StopSignal and Healthcheck are ignored. */
int keel_image_config_json(const struct keel_image *img, struct keel_image_store *s, char **out,
                           size_t *len, struct keel_error **err);

/* Write config.json (atomically) and an empty rootfs/ into bundle, making
 * bundle when missing.  An existing config.json is replaced only when
 * replace is set or it is identical (so the same image runs again). */
int keel_image_write_bundle(const char *bundle, const char *json, size_t len, bool replace,
                            struct keel_error **err);

#endif
