/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/sha256.h"

static void hex_of(const void *data, size_t len, char out[KEEL_SHA256_HEX_LEN + 1])
{
        struct keel_sha256 s;

        keel_sha256_init(&s);
        keel_sha256_update(&s, data, len);
        keel_sha256_final_hex(&s, out);
}

static void known_vectors(void)
{
        static const char v448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        char hex[KEEL_SHA256_HEX_LEN + 1];

        hex_of("", 0, hex);
        tap_is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                   "sha256_empty_message");
        hex_of("abc", 3, hex);
        tap_is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                   "sha256_abc");
        hex_of(v448, strlen(v448), hex);
        tap_is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                   "sha256_448_bit_message");
}

static void million_a(void)
{
        char hex[KEEL_SHA256_HEX_LEN + 1], chunk[1000];
        struct keel_sha256 s;
        int i;

        memset(chunk, 'a', sizeof(chunk));
        keel_sha256_init(&s);
        for (i = 0; i < 1000; i++)
                keel_sha256_update(&s, chunk, sizeof(chunk));
        keel_sha256_final_hex(&s, hex);
        tap_is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
                   "sha256_one_million_a");
}

/* Lengths around the padding boundary (55: length fits in the block, 56:
 * it needs one more), checked against sha256sum. */
static void padding_boundaries(void)
{
        static const struct { size_t n; const char *hex; } v[] = {
                { 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
                { 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
                { 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
                { 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
                { 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
        };
        char buf[128], hex[KEEL_SHA256_HEX_LEN + 1];
        size_t i;

        memset(buf, 'a', sizeof(buf));
        for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
                hex_of(buf, v[i].n, hex);
                tap_ok(strcmp(hex, v[i].hex) == 0, "sha256_padding_boundary_%zu_bytes", v[i].n);
        }
}

/* Feeding a message in pieces of every size gives the one-shot digest. */
static void split_updates_match(void)
{
        static const char msg[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
                                  "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        char whole[KEEL_SHA256_HEX_LEN + 1], part[KEEL_SHA256_HEX_LEN + 1];
        size_t len = strlen(msg), step, off;
        int all = 1;

        hex_of(msg, len, whole);
        for (step = 1; step <= len; step++) {
                struct keel_sha256 s;

                keel_sha256_init(&s);
                for (off = 0; off < len; off += step)
                        keel_sha256_update(&s, msg + off, len - off < step ? len - off : step);
                keel_sha256_final_hex(&s, part);
                all &= strcmp(whole, part) == 0;
        }
        tap_ok(all, "sha256_split_updates_match_one_shot");
}

int main(void)
{
        known_vectors();
        million_a();
        padding_boundaries();
        split_updates_match();
        return tap_done();
}
