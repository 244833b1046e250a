/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_IMAGE_TAR_H
#define KEEL_IMAGE_TAR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* A streaming reader of tar archives as image layers carry them: ustar,
 * pax extended headers (path, linkpath, size, uid, gid, mtime,
 * SCHILY.xattr.*) and GNU long names ('L', 'K').  The archive is hostile:
 * every header's checksum is checked, numbers are parsed strictly (octal
 * or GNU base-256), extended records are size-limited, a truncated archive
 * is an error, and nothing is ever allocated from a size the archive
 * states beyond KEEL_TAR_MAX_META.  Names are returned as written; the
 * caller decides what a safe name is. */

#define KEEL_TAR_MAX_META (1u << 20)    /* a pax header or GNU long name */
#define KEEL_TAR_MAX_XATTRS 128

enum keel_tar_type {
        KEEL_TAR_REG,
        KEEL_TAR_HARDLINK,
        KEEL_TAR_SYMLINK,
        KEEL_TAR_CHAR,
        KEEL_TAR_BLOCK,
        KEEL_TAR_DIR,
        KEEL_TAR_FIFO,
};

struct keel_tar_xattr {
        char *name;
        char *value;
        size_t len;
};

struct keel_tar_entry {
        enum keel_tar_type type;
        char *name;
        char *linkname;         /* hard and symbolic links; NULL otherwise */
        mode_t mode;            /* permission bits (07777) only */
        uid_t uid;
        gid_t gid;
        uint64_t size;          /* bytes of data that follow (regular files only) */
        unsigned int devmajor, devminor;
        int64_t mtime;
        struct keel_tar_xattr *xattrs;
        size_t n_xattrs;
};

/* Where the archive comes from: up to len bytes into buf; 0 at the end of
 * the stream, -errno on failure (with *err set). */
typedef ssize_t (*keel_tar_read_fn)(void *ctx, void *buf, size_t len, struct keel_error **err);

struct keel_tar;

int keel_tar_new(keel_tar_read_fn read_fn, void *ctx, struct keel_tar **out, struct keel_error **err);
void keel_tar_free(struct keel_tar *t);

/* The next entry (1; valid until the next call), or 0 at the end of the
 * archive.  Unread data of the previous entry is skipped. */
int keel_tar_next(struct keel_tar *t, const struct keel_tar_entry **entry, struct keel_error **err);

/* Up to len bytes of the current entry's data; 0 when it is all read. */
ssize_t keel_tar_read(struct keel_tar *t, void *buf, size_t len, struct keel_error **err);

#endif
