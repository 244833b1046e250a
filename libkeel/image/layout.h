/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_LAYOUT_H
#define KEEL_IMAGE_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "image/decompress.h"
#include "util/sha256.h"

/* Reading an OCI image layout (image-spec v1.1 "image-layout.md"):
 * oci-layout, index.json, then manifest -> config -> layers, every blob
 * checked against its descriptor's sha256 digest and size.  Only sha256
 * digests are accepted; they are also what makes a blob's path
 * (blobs/sha256/<hex>) safe to build. */

#define KEEL_IMAGE_META_MAX (4u << 20)         /* index, manifest, config */
#define KEEL_DIGEST_LEN (7 + KEEL_SHA256_HEX_LEN)  /* "sha256:" + hex */

struct keel_image_layer {
        char digest[KEEL_DIGEST_LEN + 1];       /* of the blob, as stored */
        char diff_id[KEEL_DIGEST_LEN + 1];      /* of the uncompressed tar (config rootfs.diff_ids) */
        uint64_t size;
        enum keel_compression compression;
};

/* The fields of the image config keel turns into a runtime config. */
struct keel_image_config {
        char **entrypoint, **cmd, **env;        /* NULL-terminated, or NULL */
        size_t n_entrypoint, n_cmd, n_env;
        char *working_dir, *user;
        char **label_keys, **label_values;
        size_t n_labels;
};

struct keel_image {
        int dirfd;                              /* the layout directory */
        char manifest_digest[KEEL_DIGEST_LEN + 1];
        struct keel_image_layer *layers;        /* base layer first */
        size_t n_layers;
        struct keel_image_config config;
};

/* ref is "DIR" or "DIR:TAG" (TAG matches org.opencontainers.image.ref.name;
 * the part after the last ':' is a tag when it holds no '/').  Without a
 * tag the index must hold exactly one manifest.  A nested image index is
 * resolved to the host's platform (linux/amd64 on x86-64). */
int keel_image_open(const char *ref, struct keel_image **out, struct keel_error **err);
void keel_image_free(struct keel_image *img);

/* "sha256:" and 64 lowercase hex digits. */
bool keel_digest_valid(const char *digest);

/* A blob, read through its digest: a keel_tar_read_fn whose last read (the
 * 0 at the end) fails with EBADMSG when the bytes do not match the
 * descriptor's digest and size.  Reading past the stated size is refused
 * as soon as it happens. */
struct keel_blob;
int keel_blob_open(int dirfd, const char *digest, uint64_t size, struct keel_blob **out,
                   struct keel_error **err);
ssize_t keel_blob_read(void *blob, void *buf, size_t len, struct keel_error **err);
void keel_blob_close(struct keel_blob *b);

#endif
