/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image/tar.h"
#include "util/cleanup.h"

#define BLOCK 512

/* ustar header field offsets and sizes (POSIX.1-2001 "ustar Interchange
 * Format"); GNU's format shares the ones keel reads, minus the prefix. */
#define F_NAME 0, 100
#define F_MODE 100, 8
#define F_UID 108, 8
#define F_GID 116, 8
#define F_SIZE 124, 12
#define F_MTIME 136, 12
#define F_LINKNAME 157, 100
#define F_DEVMAJOR 329, 8
#define F_DEVMINOR 337, 8
#define F_PREFIX 345, 155
#define OFF_CHKSUM 148
#define OFF_TYPE 156
#define OFF_MAGIC 257

struct keel_tar {
        keel_tar_read_fn read_fn;
        void *ctx;
        uint64_t remaining;     /* data of the current entry not read yet */
        uint64_t padding;       /* zeros after it, up to the next block */
        bool done;
        struct keel_tar_entry e;
};

/* What pax and GNU headers said about the entry that follows them. */
struct pending {
        char *path, *linkpath, *gnu_name, *gnu_link;
        bool has_size, has_uid, has_gid, has_mtime;
        uint64_t size, uid, gid;
        int64_t mtime;
        struct keel_tar_xattr *xattrs;
        size_t n_xattrs;
};

static int bad(struct keel_error **err, const char *what)
{
        return keel_error_setq(err, EBADMSG, "tar: %s", what);
}

static void xattrs_free(struct keel_tar_xattr *x, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(x[i].name);
                free(x[i].value);
        }
        free(x);
}

static void entry_clear(struct keel_tar_entry *e)
{
        free(e->name);
        free(e->linkname);
        xattrs_free(e->xattrs, e->n_xattrs);
        memset(e, 0, sizeof(*e));
}

static void pending_clear(struct pending *p)
{
        free(p->path);
        free(p->linkpath);
        free(p->gnu_name);
        free(p->gnu_link);
        xattrs_free(p->xattrs, p->n_xattrs);
        memset(p, 0, sizeof(*p));
}

int keel_tar_new(keel_tar_read_fn read_fn, void *ctx, struct keel_tar **out, struct keel_error **err)
{
        struct keel_tar *t = calloc(1, sizeof(*t));

        if (t == NULL)
                return keel_error_set(err, ENOMEM, "tar");
        t->read_fn = read_fn;
        t->ctx = ctx;
        *out = t;
        return 0;
}

void keel_tar_free(struct keel_tar *t)
{
        if (t == NULL)
                return;
        entry_clear(&t->e);
        free(t);
}

/* Exactly len bytes, or an error: the archive never ends inside a block. */
static int read_full(struct keel_tar *t, void *buf, size_t len, struct keel_error **err)
{
        size_t got = 0;

        while (got < len) {
                ssize_t n = t->read_fn(t->ctx, (char *) buf + got, len - got, err);

                if (n < 0)
                        return (int) n;
                if (n == 0)
                        return bad(err, "archive is truncated");
                got += (size_t) n;
        }
        return 0;
}

static int skip(struct keel_tar *t, uint64_t n, struct keel_error **err)
{
        char buf[8192];

        while (n > 0) {
                size_t chunk = n < sizeof(buf) ? (size_t) n : sizeof(buf);
                int r = read_full(t, buf, chunk, err);

                if (r < 0)
                        return r;
                n -= chunk;
        }
        return 0;
}

/* An octal field (optionally space- or NUL-padded on either side) or a GNU
 * base-256 one (first byte 0x80; 0xff, a negative number, is refused). */
static int parse_number(const unsigned char *f, size_t len, uint64_t *out)
{
        uint64_t v = 0;
        size_t i = 0;

        if (f[0] == 0x80) {
                for (i = 1; i < len; i++) {
                        if (v >> 56)
                                return -ERANGE;
                        v = (v << 8) | f[i];
                }
                *out = v;
                return 0;
        }
        if (f[0] & 0x80)
                return -ERANGE;
        while (i < len && f[i] == ' ')
                i++;
        for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
                if (v >> 61)
                        return -ERANGE;
                v = (v << 3) | (uint64_t) (f[i] - '0');
        }
        for (; i < len; i++)
                if (f[i] != ' ' && f[i] != '\0')
                        return -EINVAL;
        *out = v;
        return 0;
}

static bool checksum_ok(const unsigned char *h)
{
        uint64_t want;
        unsigned long usum = 0;
        long ssum = 0;
        int i;

        if (parse_number(h + OFF_CHKSUM, 8, &want) < 0)
                return false;
        for (i = 0; i < BLOCK; i++) {
                unsigned char c = (i >= OFF_CHKSUM && i < OFF_CHKSUM + 8) ? ' ' : h[i];

                usum += c;
                ssum += (signed char) c;
        }
        /* Some old tars summed signed chars; both are accepted. */
        return want == usum || (int64_t) want == ssum;
}

static bool all_zero(const unsigned char *h)
{
        for (int i = 0; i < BLOCK; i++)
                if (h[i] != 0)
                        return false;
        return true;
}

static char *field_str(const unsigned char *h, size_t off, size_t len)
{
        return strndup((const char *) h + off, strnlen((const char *) h + off, len));
}

static uint64_t padding_of(uint64_t size)
{
        return (BLOCK - size % BLOCK) % BLOCK;
}

/* The body of a pax or GNU long-name header, NUL-terminated. */
static int read_meta(struct keel_tar *t, uint64_t size, char **out, struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        int r;

        if (size > KEEL_TAR_MAX_META)
                return bad(err, "extended header too large");
        buf = malloc((size_t) size + 1);
        if (buf == NULL)
                return keel_error_set(err, ENOMEM, "tar");
        r = read_full(t, buf, (size_t) size, err);
        if (r == 0)
                r = skip(t, padding_of(size), err);
        if (r < 0)
                return r;
        buf[size] = '\0';
        *out = steal_pointer(&buf);
        return 0;
}

static int parse_decimal(const char *s, size_t len, bool allow_fraction, uint64_t *out)
{
        uint64_t v = 0;
        size_t i;

        if (len == 0)
                return -EINVAL;
        for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (i == 0)
                return -EINVAL;
        if (i < len && !(allow_fraction && s[i] == '.'))
                return -EINVAL;
        *out = v;
        return 0;
}

static int set_string(char **dst, const char *value, size_t len)
{
        char *s;

        /* A NUL inside would make the C string say less than the archive. */
        if (memchr(value, '\0', len) != NULL)
                return -EINVAL;
        s = strndup(value, len);
        if (s == NULL)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int add_xattr(struct pending *p, const char *name, const char *value, size_t len)
{
        struct keel_tar_xattr *x;

        if (p->n_xattrs >= KEEL_TAR_MAX_XATTRS)
                return -E2BIG;
        if (*name == '\0')
                return -EINVAL;
        x = realloc(p->xattrs, (p->n_xattrs + 1) * sizeof(*x));
        if (x == NULL)
                return -ENOMEM;
        p->xattrs = x;
        x = &p->xattrs[p->n_xattrs];
        x->name = strdup(name);
        x->value = malloc(len + 1);
        x->len = len;
        if (x->name == NULL || x->value == NULL) {
                free(x->name);
                free(x->value);
                return -ENOMEM;
        }
        memcpy(x->value, value, len);
        x->value[len] = '\0';
        p->n_xattrs++;
        return 0;
}

static int pax_record(struct pending *p, const char *key, const char *value, size_t len)
{
        if (strcmp(key, "path") == 0)
                return set_string(&p->path, value, len);
        if (strcmp(key, "linkpath") == 0)
                return set_string(&p->linkpath, value, len);
        if (strcmp(key, "size") == 0) {
                p->has_size = true;
                return parse_decimal(value, len, false, &p->size);
        }
        if (strcmp(key, "uid") == 0) {
                p->has_uid = true;
                return parse_decimal(value, len, false, &p->uid);
        }
        if (strcmp(key, "gid") == 0) {
                p->has_gid = true;
                return parse_decimal(value, len, false, &p->gid);
        }
        if (strcmp(key, "mtime") == 0) {
                uint64_t v = 0;
                bool neg = len > 0 && value[0] == '-';
                int r = parse_decimal(value + neg, len - neg, true, &v);

                if (r == 0 && v > INT64_MAX)
                        r = -ERANGE;
                p->has_mtime = r == 0;
                p->mtime = neg ? -(int64_t) v : (int64_t) v;
                return r;
        }
        if (strncmp(key, "SCHILY.xattr.", 13) == 0)
                return add_xattr(p, key + 13, value, len);
        /* Sparse files would need holes punched where the map says. */
        if (strncmp(key, "GNU.sparse.", 11) == 0)
                return -ENOTSUP;
        return 0;       /* atime, ctime, uname, gname, comment, charset, ... */
}

/* Records are "<length> <key>=<value>\n", the length counting the whole
 * record (POSIX pax "extended header"). */
static int parse_pax(struct pending *p, char *buf, size_t size, struct keel_error **err)
{
        size_t off = 0;

        while (off < size) {
                char *rec = buf + off, *sp, *eq;
                uint64_t len;
                int r;

                sp = memchr(rec, ' ', size - off);
                if (sp == NULL || parse_decimal(rec, (size_t) (sp - rec), false, &len) < 0 ||
                    len > size - off || len < (uint64_t) (sp - rec) + 3 || rec[len - 1] != '\n')
                        return bad(err, "malformed pax record");
                rec[len - 1] = '\0';
                eq = memchr(sp + 1, '=', (size_t) (rec + len - 1 - (sp + 1)));
                if (eq == NULL || eq == sp + 1)
                        return bad(err, "malformed pax record");
                *eq = '\0';
                r = pax_record(p, sp + 1, eq + 1, (size_t) (rec + len - 1 - (eq + 1)));
                if (r == -ENOTSUP)
                        return keel_error_setq(err, ENOTSUP, "tar: sparse files are not supported");
                if (r == -ENOMEM)
                        return keel_error_set(err, ENOMEM, "tar");
                if (r < 0)
                        return keel_error_setq(err, EBADMSG, "tar: bad pax record %s", sp + 1);
                off += len;
        }
        return 0;
}

static int entry_type(char flag, enum keel_tar_type *type)
{
        switch (flag) {
        case '0': case '\0': case '7':
                *type = KEEL_TAR_REG;
                return 0;
        case '1':
                *type = KEEL_TAR_HARDLINK;
                return 0;
        case '2':
                *type = KEEL_TAR_SYMLINK;
                return 0;
        case '3':
                *type = KEEL_TAR_CHAR;
                return 0;
        case '4':
                *type = KEEL_TAR_BLOCK;
                return 0;
        case '5':
                *type = KEEL_TAR_DIR;
                return 0;
        case '6':
                *type = KEEL_TAR_FIFO;
                return 0;
        default:
                return -ENOTSUP;
        }
}

/* "prefix/name" in ustar, the name field alone in GNU and v7 archives. */
static char *header_name(const unsigned char *h)
{
        _cleanup_free_ char *name = field_str(h, F_NAME), *prefix = NULL;
        char *joined;

        if (name == NULL || memcmp(h + OFF_MAGIC, "ustar\0", 6) != 0 || h[345] == '\0')
                return steal_pointer(&name);
        prefix = field_str(h, F_PREFIX);
        if (prefix == NULL || asprintf(&joined, "%s/%s", prefix, name) < 0)
                return NULL;
        return joined;
}

static int header_numbers(const unsigned char *h, struct keel_tar_entry *e, uint64_t *size)
{
        uint64_t mode, uid, gid, mtime, major, minor;

        if (parse_number(h + 100, 8, &mode) < 0 || parse_number(h + 108, 8, &uid) < 0 ||
            parse_number(h + 116, 8, &gid) < 0 || parse_number(h + 124, 12, size) < 0 ||
            parse_number(h + 136, 12, &mtime) < 0 || parse_number(h + 329, 8, &major) < 0 ||
            parse_number(h + 337, 8, &minor) < 0)
                return -EINVAL;
        if (uid > UINT32_MAX - 1 || gid > UINT32_MAX - 1 || major > UINT32_MAX || minor > UINT32_MAX ||
            mtime > INT64_MAX)
                return -ERANGE;
        e->mode = (mode_t) (mode & 07777);
        e->uid = (uid_t) uid;
        e->gid = (gid_t) gid;
        e->mtime = (int64_t) mtime;
        e->devmajor = (unsigned) major;
        e->devminor = (unsigned) minor;
        return 0;
}

/* Build the entry from its header and what extended headers said. */
static int make_entry(struct keel_tar *t, const unsigned char *h, struct pending *p,
                      struct keel_error **err)
{
        struct keel_tar_entry *e = &t->e;
        uint64_t size;

        if (entry_type((char) h[OFF_TYPE], &e->type) < 0)
                return keel_error_setq(err, ENOTSUP, "tar: unsupported entry type '%c'", h[OFF_TYPE]);
        if (header_numbers(h, e, &size) < 0)
                return bad(err, "bad number in header");
        e->name = p->path ? steal_pointer(&p->path) : p->gnu_name ? steal_pointer(&p->gnu_name) : header_name(h);
        if (e->type == KEEL_TAR_HARDLINK || e->type == KEEL_TAR_SYMLINK)
                e->linkname = p->linkpath ? steal_pointer(&p->linkpath)
                              : p->gnu_link ? steal_pointer(&p->gnu_link) : field_str(h, F_LINKNAME);
        if (e->name == NULL || ((e->type == KEEL_TAR_HARDLINK || e->type == KEEL_TAR_SYMLINK) && e->linkname == NULL))
                return keel_error_set(err, ENOMEM, "tar");
        if (*e->name == '\0')
                return bad(err, "entry without a name");
        if (p->has_size)
                size = p->size;
        if (p->has_uid || p->has_gid) {
                if ((p->has_uid && p->uid > UINT32_MAX - 1) || (p->has_gid && p->gid > UINT32_MAX - 1))
                        return bad(err, "uid or gid out of range");
                e->uid = p->has_uid ? (uid_t) p->uid : e->uid;
                e->gid = p->has_gid ? (gid_t) p->gid : e->gid;
        }
        if (p->has_mtime)
                e->mtime = p->mtime;
        e->xattrs = steal_pointer(&p->xattrs);
        e->n_xattrs = p->n_xattrs;
        p->n_xattrs = 0;
        /* Only regular files carry data; the size field of other types is
         * not trusted to mean anything (as Go's archive/tar does). */
        e->size = e->type == KEEL_TAR_REG ? size : 0;
        t->remaining = e->size;
        t->padding = padding_of(e->size);
        return 0;
}

/* A header that describes the next one: pax 'x' and 'g', GNU 'L' and 'K'.
 * Returns 1 when h was one (and consumed its body), 0 when it was not. */
static int meta_header(struct keel_tar *t, const unsigned char *h, struct pending *p,
                       struct keel_error **err)
{
        char flag = (char) h[OFF_TYPE];
        _cleanup_free_ char *body = NULL;
        uint64_t size;
        int r;

        if (flag != 'x' && flag != 'g' && flag != 'L' && flag != 'K')
                return 0;
        if (parse_number(h + 124, 12, &size) < 0)
                return bad(err, "bad number in header");
        if (flag == 'g') {      /* global pax defaults: nothing keel uses */
                r = skip(t, size + padding_of(size), err);
                return r < 0 ? r : 1;
        }
        r = read_meta(t, size, &body, err);
        if (r == 0 && flag == 'x')
                r = parse_pax(p, body, (size_t) size, err);
        if (r < 0 || flag == 'x')
                return r < 0 ? r : 1;
        /* GNU long names are NUL-terminated inside their body. */
        if (strlen(body) == 0)
                return bad(err, "empty GNU long name");
        if (flag == 'L') {
                free(p->gnu_name);
                p->gnu_name = steal_pointer(&body);
        } else {
                free(p->gnu_link);
                p->gnu_link = steal_pointer(&body);
        }
        return 1;
}

int keel_tar_next(struct keel_tar *t, const struct keel_tar_entry **entry, struct keel_error **err)
{
        struct pending p = { 0 };
        unsigned char h[BLOCK];
        bool meta = false;
        int r;

        entry_clear(&t->e);
        if (t->done)
                return 0;
        r = skip(t, t->remaining + t->padding, err);
        t->remaining = t->padding = 0;
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = t->read_fn(t->ctx, h, 1, err);

                /* A stream that ends on a block boundary without the two
                 * zero blocks is accepted, as GNU tar and Go's reader do. */
                if (n == 0 && !meta) {
                        t->done = true;
                        return 0;
                }
                r = n < 0 ? (int) n : n == 0 ? bad(err, "archive is truncated") : read_full(t, h + 1, BLOCK - 1, err);
                if (r < 0)
                        break;
                if (all_zero(h)) {
                        t->done = true;
                        pending_clear(&p);
                        return 0;
                }
                if (!checksum_ok(h)) {
                        r = bad(err, "header checksum mismatch");
                        break;
                }
                r = meta_header(t, h, &p, err);
                if (r < 0)
                        break;
                meta |= r == 1;
                if (r == 0) {
                        r = make_entry(t, h, &p, err);
                        break;
                }
        }
        pending_clear(&p);
        if (r < 0) {
                /* An archive that failed once is not read any further. */
                t->done = true;
                entry_clear(&t->e);
                return r;
        }
        *entry = &t->e;
        return 1;
}

ssize_t keel_tar_read(struct keel_tar *t, void *buf, size_t len, struct keel_error **err)
{
        ssize_t n;

        if (t->remaining == 0)
                return 0;
        if (len > t->remaining)
                len = (size_t) t->remaining;
        n = t->read_fn(t->ctx, buf, len, err);
        if (n == 0)
                return bad(err, "archive is truncated");
        if (n > 0)
                t->remaining -= (uint64_t) n;
        return n;
}
