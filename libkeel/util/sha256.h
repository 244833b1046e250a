/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_SHA256_H
#define KEEL_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4), for verifying OCI blob digests without linking a
 * crypto library into every container start. */

#define KEEL_SHA256_LEN 32
#define KEEL_SHA256_HEX_LEN 64

struct keel_sha256 {
        uint32_t h[8];
        uint64_t total;         /* bytes hashed so far */
        uint8_t block[64];
        size_t fill;            /* bytes waiting in block */
};

void keel_sha256_init(struct keel_sha256 *s);
void keel_sha256_update(struct keel_sha256 *s, const void *data, size_t len);
void keel_sha256_final(struct keel_sha256 *s, uint8_t out[KEEL_SHA256_LEN]);
/* The digest as 64 lowercase hex digits and a NUL. */
void keel_sha256_final_hex(struct keel_sha256 *s, char out[KEEL_SHA256_HEX_LEN + 1]);
/* A digest already final, the same way. */
void keel_sha256_hex(const uint8_t d[KEEL_SHA256_LEN], char out[KEEL_SHA256_HEX_LEN + 1]);

#endif
