/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_DECOMPRESS_H
#define KEEL_IMAGE_DECOMPRESS_H

#include <sys/types.h>

#include "error.h"
#include "image/tar.h"

/* Streaming gzip and zstd decompression of layer blobs.  libz.so.1 and
 * libzstd.so.1 are loaded with dlopen() when a layer needs them, so the
 * keel binary links neither and `create`/`run` of a plain bundle never
 * loads them. */

enum keel_compression {
        KEEL_COMPRESSION_NONE,
        KEEL_COMPRESSION_GZIP,
        KEEL_COMPRESSION_ZSTD,
};

struct keel_decompress;

/* A reader of the decompressed stream of src (a keel_tar_read_fn, so
 * readers chain: blob file -> digest -> decompress -> tar).  Fails with
 * "cannot load libzstd.so.1 (install libzstd1)" when the library is
 * missing. */
int keel_decompress_new(enum keel_compression c, keel_tar_read_fn src, void *src_ctx,
                        struct keel_decompress **out, struct keel_error **err);
/* keel_tar_read_fn over a struct keel_decompress: 0 only at the clean end
 * of the last compressed frame; a truncated or corrupt stream is EBADMSG. */
ssize_t keel_decompress_read(void *d, void *buf, size_t len, struct keel_error **err);
void keel_decompress_free(struct keel_decompress *d);

#endif
