/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: the tar reader of image layers (keel_tar_next,
 * keel_tar_read), fed a hostile archive.
 *
 * The first input byte steers the harness: bit 0 set, the header checksums
 * are recomputed before reading (so mutations get past the checksum check),
 * bits 1-7 give the most bytes one read callback returns (0: no limit), so
 * short reads are exercised.  The rest is the archive.  Checked: every
 * entry holds what tar.h promises (a name, a link name exactly for links,
 * permission bits only, data only for regular files, at most
 * KEEL_TAR_MAX_XATTRS xattrs), a regular file yields exactly its size, and
 * a failure carries a message. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/tar.h"

#define BLOCK 512
#define MAX_ENTRIES 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct source {
        const uint8_t *data;
        size_t size, pos, chunk;
};

static ssize_t source_read(void *ctx, void *buf, size_t len, struct keel_error **err)
{
        struct source *s = ctx;
        size_t n = s->size - s->pos;

        if (n > len)
                n = len;
        if (s->chunk != 0 && n > s->chunk)
                n = s->chunk;
        memcpy(buf, s->data + s->pos, n);
        s->pos += n;
        return (ssize_t) n;
}

/* The size field as ustar writes it (octal); anything else counts as 0. */
static uint64_t header_size(const uint8_t *h)
{
        uint64_t v = 0;

        for (int i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
                v = v * 8 + (uint64_t) (h[i] - '0');
        return v;
}

/* Walk the archive as a plain ustar reader would and give every header it
 * meets a valid checksum. */
static void fix_checksums(uint8_t *a, size_t size)
{
        size_t off = 0;

        while (off + BLOCK <= size) {
                uint8_t *h = a + off;
                unsigned int sum = 0;
                uint64_t skip;

                memset(h + 148, ' ', 8);
                for (int i = 0; i < BLOCK; i++)
                        sum += h[i];
                snprintf((char *) h + 148, 8, "%06o", sum & 0777777);
                skip = (header_size(h) + BLOCK - 1) / BLOCK * BLOCK;
                if (skip > size)
                        break;
                off += BLOCK + (size_t) skip;
        }
}

static void check_entry(const struct keel_tar_entry *e)
{
        bool link = e->type == KEEL_TAR_HARDLINK || e->type == KEEL_TAR_SYMLINK;

        if (e->name == NULL || link != (e->linkname != NULL) || (e->mode & ~07777u) != 0)
                abort();
        if (e->type != KEEL_TAR_REG && e->size != 0)
                abort();
        if (e->n_xattrs > KEEL_TAR_MAX_XATTRS || (e->n_xattrs > 0 && e->xattrs == NULL))
                abort();
        for (size_t i = 0; i < e->n_xattrs; i++)
                if (e->xattrs[i].name == NULL || (e->xattrs[i].len > 0 && e->xattrs[i].value == NULL))
                        abort();
}

/* Read the entry's data, or only part of it to leave the rest to be
 * skipped by the next keel_tar_next. */
static int read_data(struct keel_tar *t, const struct keel_tar_entry *e, bool partial)
{
        struct keel_error *err = NULL;
        uint64_t total = 0;
        char buf[4096];
        ssize_t n;

        while ((n = keel_tar_read(t, buf, sizeof(buf), &err)) > 0) {
                total += (uint64_t) n;
                if (partial)
                        return 0;
        }
        if (n < 0) {
                if (err == NULL || err->msg == NULL)
                        abort();
                keel_error_free(err);
                return -1;
        }
        if (total != e->size)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct source src = { 0 };
        struct keel_error *err = NULL;
        struct keel_tar *t = NULL;
        uint8_t *copy;
        int r = 1;

        if (size < 1)
                return 0;
        copy = malloc(size);
        if (copy == NULL)
                abort();
        memcpy(copy, data + 1, size - 1);
        if (data[0] & 1)
                fix_checksums(copy, size - 1);
        src = (struct source){ .data = copy, .size = size - 1, .chunk = data[0] >> 1 };
        if (keel_tar_new(source_read, &src, &t, &err) < 0)
                abort();
        for (size_t i = 0; i < MAX_ENTRIES; i++) {
                const struct keel_tar_entry *e = NULL;

                r = keel_tar_next(t, &e, &err);
                if (r <= 0)
                        break;
                check_entry(e);
                if (read_data(t, e, i % 2) < 0)
                        break;
        }
        if (r < 0) {
                if (err == NULL || err->msg == NULL)
                        abort();
                keel_error_free(err);
        } else if (err != NULL) {
                abort();
        }
        keel_tar_free(t);
        free(copy);
        return 0;
}
