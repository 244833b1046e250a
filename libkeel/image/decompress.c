/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "image/decompress.h"

#define IN_BUF (128u << 10)

/* zstd's stable streaming ABI (zstd.h, "Streaming decompression"), declared
 * here so that building keel needs no zstd headers. */
struct zstd_in { const void *src; size_t size; size_t pos; };
struct zstd_out { void *dst; size_t size; size_t pos; };

/* The functions keel takes from the two libraries, looked up per
 * decompressor (dlopen of a loaded library only counts a reference). */
struct zlib_fns {
        int (*inflateInit2_)(z_stream *, int, const char *, int);
        int (*inflate)(z_stream *, int);
        int (*inflateReset)(z_stream *);
        int (*inflateEnd)(z_stream *);
};

struct zstd_fns {
        void *(*create)(void);
        size_t (*init)(void *);
        size_t (*decompress)(void *, struct zstd_out *, struct zstd_in *);
        size_t (*free)(void *);
        unsigned (*is_error)(size_t);
        const char *(*error_name)(size_t);
};

struct keel_decompress {
        enum keel_compression c;
        keel_tar_read_fn src;
        void *src_ctx;
        void *lib;
        unsigned char *in;
        size_t in_len, in_pos;
        bool src_eof, end;
        bool frame_open;        /* zstd: inside a frame; gzip: inside a member */
        unsigned long frames;   /* frames (members) ended so far */
        struct zlib_fns z;
        z_stream zs;
        bool zs_init;
        struct zstd_fns zd;
        void *zds;
};

static int load(struct keel_decompress *d, const char *soname, const char *package,
                const char *const *names, void **slots, size_t n, struct keel_error **err)
{
        d->lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (d->lib == NULL)
                return keel_error_setq(err, ENOENT, "cannot load %s (install %s)", soname, package);
        for (size_t i = 0; i < n; i++) {
                slots[i] = dlsym(d->lib, names[i]);
                if (slots[i] == NULL)
                        return keel_error_setq(err, ENOENT, "%s has no %s", soname, names[i]);
        }
        return 0;
}

static int load_zlib(struct keel_decompress *d, struct keel_error **err)
{
        static const char *const names[] = { "inflateInit2_", "inflate", "inflateReset", "inflateEnd" };
        void *slots[4];
        int r = load(d, "libz.so.1", "zlib1g", names, slots, 4, err);

        if (r < 0)
                return r;
        *(void **) &d->z.inflateInit2_ = slots[0];
        *(void **) &d->z.inflate = slots[1];
        *(void **) &d->z.inflateReset = slots[2];
        *(void **) &d->z.inflateEnd = slots[3];
        /* 16 + MAX_WBITS: a gzip wrapper, not zlib's own. */
        if (d->z.inflateInit2_(&d->zs, 16 + MAX_WBITS, ZLIB_VERSION, (int) sizeof(z_stream)) != Z_OK)
                return keel_error_setq(err, ENOMEM, "gzip: cannot initialise zlib");
        d->zs_init = true;
        return 0;
}

static int load_zstd(struct keel_decompress *d, struct keel_error **err)
{
        static const char *const names[] = {
                "ZSTD_createDStream", "ZSTD_initDStream", "ZSTD_decompressStream",
                "ZSTD_freeDStream", "ZSTD_isError", "ZSTD_getErrorName",
        };
        void *slots[6];
        int r = load(d, "libzstd.so.1", "libzstd1", names, slots, 6, err);

        if (r < 0)
                return r;
        *(void **) &d->zd.create = slots[0];
        *(void **) &d->zd.init = slots[1];
        *(void **) &d->zd.decompress = slots[2];
        *(void **) &d->zd.free = slots[3];
        *(void **) &d->zd.is_error = slots[4];
        *(void **) &d->zd.error_name = slots[5];
        d->zds = d->zd.create();
        if (d->zds == NULL || d->zd.is_error(d->zd.init(d->zds)))
                return keel_error_setq(err, ENOMEM, "zstd: cannot initialise a stream");
        return 0;
}

int keel_decompress_new(enum keel_compression c, keel_tar_read_fn src, void *src_ctx,
                        struct keel_decompress **out, struct keel_error **err)
{
        struct keel_decompress *d = calloc(1, sizeof(*d));
        int r = 0;

        if (d == NULL)
                return keel_error_set(err, ENOMEM, "decompress");
        d->c = c;
        d->src = src;
        d->src_ctx = src_ctx;
        if (c != KEEL_COMPRESSION_NONE) {
                d->in = malloc(IN_BUF);
                if (d->in == NULL)
                        r = keel_error_set(err, ENOMEM, "decompress");
        }
        if (r == 0 && c == KEEL_COMPRESSION_GZIP)
                r = load_zlib(d, err);
        else if (r == 0 && c == KEEL_COMPRESSION_ZSTD)
                r = load_zstd(d, err);
        if (r < 0) {
                keel_decompress_free(d);
                return r;
        }
        *out = d;
        return 0;
}

void keel_decompress_free(struct keel_decompress *d)
{
        if (d == NULL)
                return;
        if (d->zs_init)
                d->z.inflateEnd(&d->zs);
        if (d->zds != NULL)
                d->zd.free(d->zds);
        if (d->lib != NULL)
                dlclose(d->lib);
        free(d->in);
        free(d);
}

/* More compressed input when the buffer is used up; sets src_eof. */
static int fill(struct keel_decompress *d, struct keel_error **err)
{
        ssize_t n;

        if (d->in_pos < d->in_len || d->src_eof)
                return 0;
        n = d->src(d->src_ctx, d->in, IN_BUF, err);
        if (n < 0)
                return (int) n;
        d->in_len = (size_t) n;
        d->in_pos = 0;
        d->src_eof = n == 0;
        return 0;
}

static ssize_t read_gzip(struct keel_decompress *d, void *buf, size_t len, struct keel_error **err)
{
        for (;;) {
                int r = fill(d, err), zr;
                size_t produced;

                if (r < 0)
                        return r;
                if (d->src_eof && d->in_pos == d->in_len) {
                        if (d->frame_open || d->frames == 0)
                                return keel_error_setq(err, EBADMSG, "gzip: stream is truncated");
                        return 0;
                }
                d->zs.next_in = d->in + d->in_pos;
                d->zs.avail_in = (uInt) (d->in_len - d->in_pos);
                d->zs.next_out = buf;
                d->zs.avail_out = (uInt) (len > (1u << 30) ? (1u << 30) : len);
                produced = d->zs.avail_out;
                d->frame_open = true;
                zr = d->z.inflate(&d->zs, Z_NO_FLUSH);
                d->in_pos = d->in_len - d->zs.avail_in;
                produced -= d->zs.avail_out;
                if (zr == Z_STREAM_END) {
                        /* Several gzip members in a row are one stream (RFC 1952). */
                        d->frame_open = false;
                        d->frames++;
                        d->z.inflateReset(&d->zs);
                } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
                        return keel_error_setq(err, EBADMSG, "gzip: %s",
                                               d->zs.msg ? d->zs.msg : "corrupt stream");
                }
                if (produced > 0)
                        return (ssize_t) produced;
        }
}

static ssize_t read_zstd(struct keel_decompress *d, void *buf, size_t len, struct keel_error **err)
{
        for (;;) {
                struct zstd_out out = { .dst = buf, .size = len, .pos = 0 };
                struct zstd_in in;
                size_t zr, before;
                int r = fill(d, err);

                if (r < 0)
                        return r;
                if (d->src_eof && d->in_pos == d->in_len && !d->frame_open) {
                        if (d->frames == 0)
                                return keel_error_setq(err, EBADMSG, "zstd: stream is truncated");
                        return 0;
                }
                in = (struct zstd_in){ .src = d->in, .size = d->in_len, .pos = d->in_pos };
                before = in.pos;
                zr = d->zd.decompress(d->zds, &out, &in);
                if (d->zd.is_error(zr))
                        return keel_error_setq(err, EBADMSG, "zstd: %s", d->zd.error_name(zr));
                d->in_pos = in.pos;
                /* 0: a frame ended and everything it holds was flushed. */
                if (zr == 0 && (d->frame_open || in.pos > before))
                        d->frames++;
                d->frame_open = zr != 0;
                if (out.pos > 0)
                        return (ssize_t) out.pos;
                if (d->src_eof && d->in_pos == d->in_len && d->frame_open)
                        return keel_error_setq(err, EBADMSG, "zstd: stream is truncated");
        }
}

ssize_t keel_decompress_read(void *p, void *buf, size_t len, struct keel_error **err)
{
        struct keel_decompress *d = p;

        if (len == 0)
                return 0;
        switch (d->c) {
        case KEEL_COMPRESSION_GZIP:
                return read_gzip(d, buf, len, err);
        case KEEL_COMPRESSION_ZSTD:
                return read_zstd(d, buf, len, err);
        case KEEL_COMPRESSION_NONE:
        default:
                return d->src(d->src_ctx, buf, len, err);
        }
}
