/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/extract.h"
#include "image/tar.h"
#include "tap.h"
#include "util/fs.h"

/* ---- building archives in memory ---------------------------------------- */

struct archive {
        unsigned char buf[1 << 16];
        size_t len, pos;
        size_t chunk;   /* the reader hands out at most this much per call */
};

static void octal(unsigned char *f, size_t len, unsigned long long v)
{
        char tmp[32];

        snprintf(tmp, sizeof(tmp), "%0*llo", (int) len - 1, v);
        memcpy(f, tmp, len - 1);
        f[len - 1] = '\0';
}

static void checksum(unsigned char *h)
{
        unsigned sum = 0;

        memset(h + 148, ' ', 8);
        for (int i = 0; i < 512; i++)
                sum += h[i];
        snprintf((char *) h + 148, 8, "%06o", sum);
        h[155] = ' ';
}

/* A ustar header for name with type and size; the caller may poke it
 * before add_header() checksums and appends it. */
static unsigned char *header(struct archive *a, const char *name, char type, size_t size)
{
        unsigned char *h = a->buf + a->len;

        memset(h, 0, 512);
        memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
        octal(h + 100, 8, 0644);
        octal(h + 108, 8, 0);
        octal(h + 116, 8, 0);
        octal(h + 124, 12, size);
        octal(h + 136, 12, 1700000000);
        h[156] = (unsigned char) type;
        memcpy(h + 257, "ustar\0" "00", 8);
        return h;
}

static void add_header(struct archive *a, unsigned char *h)
{
        checksum(h);
        a->len += 512;
}

static void add_data(struct archive *a, const void *data, size_t len)
{
        memcpy(a->buf + a->len, data, len);
        a->len += len;
        while (a->len % 512)
                a->buf[a->len++] = 0;
}

static void add_entry(struct archive *a, const char *name, char type, const char *data)
{
        size_t len = data ? strlen(data) : 0;

        add_header(a, header(a, name, type, len));
        if (len)
                add_data(a, data, len);
}

static void add_link(struct archive *a, const char *name, char type, const char *target)
{
        unsigned char *h = header(a, name, type, 0);

        memcpy(h + 157, target, strlen(target));
        add_header(a, h);
}

static void add_pax(struct archive *a, const char *records, size_t len)
{
        add_header(a, header(a, "PaxHeaders/x", 'x', len));
        add_data(a, records, len);
}

static void add_end(struct archive *a)
{
        memset(a->buf + a->len, 0, 1024);
        a->len += 1024;
}

static ssize_t mem_read(void *p, void *buf, size_t len, struct keel_error **err)
{
        struct archive *a = p;
        size_t n = a->len - a->pos;

        if (n > len)
                n = len;
        if (a->chunk && n > a->chunk)
                n = a->chunk;
        memcpy(buf, a->buf + a->pos, n);
        a->pos += n;
        return (ssize_t) n;
}

static struct keel_tar *open_tar(struct archive *a)
{
        struct keel_tar *t = NULL;

        a->pos = 0;
        keel_tar_new(mem_read, a, &t, NULL);
        return t;
}

/* The error of reading every entry, or 0. */
static int read_all(struct archive *a, char **msg)
{
        struct keel_tar *t = open_tar(a);
        struct keel_error *err = NULL;
        const struct keel_tar_entry *e;
        char buf[256];
        int r;

        while ((r = keel_tar_next(t, &e, &err)) > 0) {
                ssize_t n;

                while ((n = keel_tar_read(t, buf, sizeof(buf), &err)) > 0)
                        ;
                if (n < 0) {
                        r = (int) n;
                        break;
                }
        }
        if (msg)
                *msg = err ? strdup(err->msg) : NULL;
        keel_error_free(err);
        keel_tar_free(t);
        return r;
}

/* ---- the reader ---------------------------------------------------------- */

static void regular_file_and_data(void)
{
        static struct archive a;
        const struct keel_tar_entry *e = NULL;
        struct keel_tar *t;
        char buf[16] = { 0 };
        ssize_t n;

        a.len = 0;
        a.chunk = 7;    /* short reads from the source */
        add_entry(&a, "dir/", '5', NULL);
        add_entry(&a, "dir/hello", '0', "hello, world");
        add_end(&a);
        t = open_tar(&a);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->type == KEEL_TAR_DIR, "tar_directory_entry");
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->type == KEEL_TAR_REG && e->size == 12 &&
               strcmp(e->name, "dir/hello") == 0 && e->mode == 0644 && e->mtime == 1700000000,
               "tar_regular_file_header");
        n = keel_tar_read(t, buf, 5, NULL);
        n += keel_tar_read(t, buf + n, sizeof(buf) - 1 - (size_t) n, NULL);
        tap_is_str(buf, "hello, world", "tar_regular_file_data_across_short_reads");
        tap_ok(keel_tar_next(t, &e, NULL) == 0, "tar_end_after_zero_blocks");
        keel_tar_free(t);
        a.chunk = 0;
}

static void unread_data_is_skipped(void)
{
        static struct archive a;
        const struct keel_tar_entry *e = NULL;
        struct keel_tar *t;

        a.len = 0;
        add_entry(&a, "big", '0', "0123456789012345678901234567890123456789");
        add_entry(&a, "next", '0', "x");
        add_end(&a);
        t = open_tar(&a);
        keel_tar_next(t, &e, NULL);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && strcmp(e->name, "next") == 0,
               "tar_unread_data_is_skipped");
        keel_tar_free(t);
}

static void ustar_prefix_and_links(void)
{
        static struct archive a;
        const struct keel_tar_entry *e = NULL;
        unsigned char *h;
        struct keel_tar *t;

        a.len = 0;
        h = header(&a, "file", '0', 0);
        memcpy(h + 345, "some/prefix", 11);
        add_header(&a, h);
        add_link(&a, "sym", '2', "/etc/passwd");
        add_link(&a, "hard", '1', "some/prefix/file");
        h = header(&a, "null", '3', 0);
        octal(h + 329, 8, 1);
        octal(h + 337, 8, 3);
        add_header(&a, h);
        add_end(&a);
        t = open_tar(&a);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && strcmp(e->name, "some/prefix/file") == 0,
               "tar_ustar_prefix_is_joined");
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->type == KEEL_TAR_SYMLINK &&
               strcmp(e->linkname, "/etc/passwd") == 0, "tar_symlink_target");
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->type == KEEL_TAR_HARDLINK &&
               strcmp(e->linkname, "some/prefix/file") == 0, "tar_hardlink_target");
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->type == KEEL_TAR_CHAR && e->devmajor == 1 &&
               e->devminor == 3, "tar_char_device_numbers");
        keel_tar_free(t);
}

static void pax_overrides(void)
{
        static struct archive a;
        static const char rec[] = "29 path=a/very/long/pax/name\n"
                                  "16 linkpath=tgt\n"
                                  "12 uid=4242\n"
                                  "27 SCHILY.xattr.user.k=v\x01z\n"
                                  "16 mtime=12.125\n";
        const struct keel_tar_entry *e = NULL;
        struct keel_tar *t;

        a.len = 0;
        add_pax(&a, rec, sizeof(rec) - 1);
        add_link(&a, "short", '2', "ignored");
        add_end(&a);
        t = open_tar(&a);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && strcmp(e->name, "a/very/long/pax/name") == 0 &&
               strcmp(e->linkname, "tgt") == 0, "tar_pax_path_and_linkpath_win");
        tap_ok(e && e->uid == 4242 && e->mtime == 12, "tar_pax_uid_and_fractional_mtime");
        tap_ok(e && e->n_xattrs == 1 && strcmp(e->xattrs[0].name, "user.k") == 0 &&
               e->xattrs[0].len == 3 && memcmp(e->xattrs[0].value, "v\x01z", 3) == 0,
               "tar_pax_xattr_binary_value");
        keel_tar_free(t);
}

static void pax_size_and_gnu_long_names(void)
{
        static struct archive a;
        static const char rec[] = "10 size=3\n";
        char longname[300];
        const struct keel_tar_entry *e = NULL;
        struct keel_tar *t;
        char buf[8] = { 0 };

        a.len = 0;
        add_pax(&a, rec, sizeof(rec) - 1);
        add_header(&a, header(&a, "sized", '0', 0));    /* header says 0 */
        add_data(&a, "abc", 3);
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        add_header(&a, header(&a, "././@LongLink", 'L', sizeof(longname)));
        add_data(&a, longname, sizeof(longname));
        add_header(&a, header(&a, "././@LongLink", 'K', 4));
        add_data(&a, "tgt", 4);
        add_link(&a, "cut", '2', "cut");
        add_end(&a);
        t = open_tar(&a);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->size == 3 && keel_tar_read(t, buf, 8, NULL) == 3 &&
               strcmp(buf, "abc") == 0, "tar_pax_size_wins_over_header");
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && strcmp(e->name, longname) == 0 &&
               strcmp(e->linkname, "tgt") == 0, "tar_gnu_long_name_and_long_link");
        keel_tar_free(t);
}

static void base256_numbers(void)
{
        static struct archive a;
        const struct keel_tar_entry *e = NULL;
        unsigned char *h;
        struct keel_tar *t;

        a.len = 0;
        h = header(&a, "big-uid", '5', 0);
        memset(h + 108, 0, 8);
        h[108] = 0x80;
        h[113] = 0x01;  /* 0x01 << 16 */
        add_header(&a, h);
        add_end(&a);
        t = open_tar(&a);
        tap_ok(keel_tar_next(t, &e, NULL) == 1 && e->uid == 65536, "tar_base256_uid");
        keel_tar_free(t);
}

/* ---- hostile archives ---------------------------------------------------- */

static void expect_error(struct archive *a, const char *want, const char *name)
{
        char *msg = NULL;
        int r = read_all(a, &msg);

        tap_ok(r < 0 && msg && strstr(msg, want), "%s", name);
        if (!(r < 0 && msg && strstr(msg, want)))
                tap_diag("r=%d msg=%s", r, msg ? msg : "(none)");
        free(msg);
}

static void hostile_archives(void)
{
        static struct archive a;
        unsigned char *h;

        a.len = 0;
        add_entry(&a, "f", '0', "data");
        add_end(&a);
        a.buf[0] ^= 1;          /* the name changes, the checksum does not */
        expect_error(&a, "checksum", "tar_bad_checksum_is_refused");

        a.len = 0;
        add_entry(&a, "f", '0', "0123456789");
        a.len -= 512 - 4;       /* the data stops early */
        expect_error(&a, "truncated", "tar_truncated_data_is_refused");

        a.len = 0;
        add_entry(&a, "f", '0', NULL);
        a.len -= 100;           /* the header stops early */
        expect_error(&a, "truncated", "tar_truncated_header_is_refused");

        a.len = 0;
        h = header(&a, "huge", '0', 0);
        octal(h + 124, 12, 077777777777ULL);
        add_header(&a, h);
        add_data(&a, "x", 1);
        expect_error(&a, "truncated", "tar_header_size_beyond_the_stream_is_truncation_not_allocation");

        a.len = 0;
        add_header(&a, header(&a, "pax", 'x', 64u << 20));
        expect_error(&a, "too large", "tar_oversized_pax_header_is_refused_before_reading");

        a.len = 0;
        add_pax(&a, "99 path=x\n", 10);
        add_entry(&a, "f", '0', NULL);
        expect_error(&a, "malformed pax", "tar_pax_record_length_beyond_header_is_refused");

        a.len = 0;
        add_pax(&a, "8 path=x\n", 9);
        add_entry(&a, "f", '0', NULL);
        expect_error(&a, "malformed pax", "tar_pax_record_length_short_is_refused");

        a.len = 0;
        add_pax(&a, "15 path=a\0/etc\n", 15);
        add_entry(&a, "f", '0', NULL);
        expect_error(&a, "bad pax record", "tar_pax_path_with_nul_is_refused");

        a.len = 0;
        add_pax(&a, "13 size=-1x2\n", 13);
        add_entry(&a, "f", '0', NULL);
        expect_error(&a, "bad pax record", "tar_pax_bad_size_is_refused");

        a.len = 0;
        add_pax(&a, "22 GNU.sparse.major=1\n", 22);
        add_entry(&a, "f", '0', NULL);
        expect_error(&a, "sparse", "tar_sparse_file_is_refused");

        a.len = 0;
        add_entry(&a, "s", 'S', NULL);
        expect_error(&a, "unsupported entry type", "tar_unknown_type_is_refused");

        a.len = 0;
        h = header(&a, "f", '0', 0);
        memcpy(h + 100, "07x4", 4);
        add_header(&a, h);
        expect_error(&a, "bad number", "tar_non_octal_mode_is_refused");

        a.len = 0;
        add_entry(&a, "f", '0', "ok");  /* no end blocks */
        tap_ok(read_all(&a, NULL) == 0, "tar_stream_ending_on_a_block_boundary_is_accepted");
}

static void clean_names(void)
{
        char *s;

        s = keel_extract_clean_name("./usr//bin/./sh");
        tap_is_str(s, "usr/bin/sh", "extract_clean_name_drops_dot_and_slashes");
        free(s);
        s = keel_extract_clean_name("./");
        tap_is_str(s, "", "extract_clean_name_root_is_empty");
        free(s);
        tap_ok(keel_extract_clean_name("/etc/passwd") == NULL && errno == EINVAL,
               "extract_absolute_name_is_refused");
        tap_ok(keel_extract_clean_name("a/../../etc") == NULL && errno == EINVAL,
               "extract_dotdot_name_is_refused");
        tap_ok(keel_extract_clean_name("..") == NULL, "extract_bare_dotdot_is_refused");
        s = keel_extract_clean_name("a/..b/c..");
        tap_is_str(s, "a/..b/c..", "extract_dots_inside_names_are_kept");
        free(s);
}

/* ---- extraction ---------------------------------------------------------- */

static char layer_dir[64];

static int extract(struct archive *a, bool devices, char **msg)
{
        struct keel_extract_opts o = { .allow_devices = devices, .chown = false };
        struct keel_error *err = NULL;
        struct keel_tar *t = open_tar(a);
        int fd, r;

        snprintf(layer_dir, sizeof(layer_dir), "/tmp/img-unit.XXXXXX");
        if (mkdtemp(layer_dir) == NULL)
                return -errno;
        fd = open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        r = keel_extract_layer(fd, t, &o, &err);
        if (msg)
                *msg = err ? strdup(err->msg) : NULL;
        keel_error_free(err);
        keel_tar_free(t);
        close(fd);
        return r;
}

static void drop_layer(void)
{
        int fd = open(layer_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        keel_remove_tree_at(fd, NULL);
        close(fd);
        rmdir(layer_dir);
}

static bool exists_in_layer(const char *path, struct stat *st)
{
        char full[512];
        struct stat dummy;

        snprintf(full, sizeof(full), "%s/%s", layer_dir, path);
        return lstat(full, st ? st : &dummy) == 0;
}

static void symlinks_never_lead_out(void)
{
        static struct archive a;
        char escape[64], host[80];
        struct stat st;
        int r;

        snprintf(escape, sizeof(escape), "keel-unit-escape-%d", (int) getpid());
        a.len = 0;
        add_link(&a, "abs", '2', "/tmp");
        snprintf(host, sizeof(host), "abs/%s", escape);
        add_entry(&a, host, '0', "through an absolute symlink");
        add_link(&a, "rel", '2', "../../../../../../../../tmp");
        snprintf(host, sizeof(host), "rel/%s.2", escape);
        add_entry(&a, host, '0', "through a climbing symlink");
        add_link(&a, "passwd", '2', "/etc/passwd");
        add_entry(&a, "passwd", '0', "replaces the symlink");
        add_end(&a);
        r = extract(&a, false, NULL);
        tap_ok(r == 0, "extract_symlink_archive_succeeds");
        snprintf(host, sizeof(host), "/tmp/%s", escape);
        tap_ok(lstat(host, &st) < 0, "extract_absolute_symlink_then_file_stays_in_the_layer");
        snprintf(host, sizeof(host), "tmp/%s", escape);
        tap_ok(exists_in_layer(host, NULL), "extract_file_through_symlink_lands_inside_the_layer");
        snprintf(host, sizeof(host), "/tmp/%s.2", escape);
        tap_ok(lstat(host, &st) < 0, "extract_climbing_symlink_then_file_stays_in_the_layer");
        tap_ok(exists_in_layer("passwd", &st) && S_ISREG(st.st_mode) && st.st_size == 20,
               "extract_file_replaces_a_symlink_instead_of_writing_through_it");
        drop_layer();
}

static void names_and_links_out_are_refused(void)
{
        static struct archive a;
        char *msg = NULL;
        struct stat st, host;
        int r;

        a.len = 0;
        add_entry(&a, "../evil", '0', "x");
        add_end(&a);
        r = extract(&a, false, &msg);
        tap_ok(r < 0 && msg && strstr(msg, "leaves the layer"), "extract_dotdot_entry_is_refused");
        free(msg);
        drop_layer();

        a.len = 0;
        add_entry(&a, "/etc/evil", '0', "x");
        add_end(&a);
        tap_ok(extract(&a, false, NULL) < 0, "extract_absolute_entry_is_refused");
        drop_layer();

        a.len = 0;
        add_link(&a, "h", '1', "../../../etc/passwd");
        add_end(&a);
        r = extract(&a, false, &msg);
        tap_ok(r < 0 && msg && strstr(msg, "outside the layer"), "extract_hardlink_out_of_the_layer_is_refused");
        free(msg);
        drop_layer();

        a.len = 0;
        add_link(&a, "etcdir", '2', "/etc");
        add_link(&a, "h", '1', "etcdir/passwd");
        add_end(&a);
        r = extract(&a, false, NULL);
        stat("/etc/passwd", &host);
        tap_ok(r < 0 && !(exists_in_layer("h", &st) && st.st_ino == host.st_ino),
               "extract_hardlink_through_symlink_never_reaches_the_host");
        drop_layer();

        a.len = 0;
        add_entry(&a, "real", '0', "content");
        add_link(&a, "alias", '1', "./real");
        add_end(&a);
        r = extract(&a, false, NULL);
        tap_ok(r == 0 && exists_in_layer("alias", &st) && st.st_nlink == 2,
               "extract_hardlink_inside_the_layer_is_made");
        drop_layer();
}

/* Only root may set a trusted.* xattr or make a device node: as a user
 * those points are skipped by name, the rest of the archive still runs. */
#define NEEDS_SYS_ADMIN "needs root: trusted.* xattrs need CAP_SYS_ADMIN"
#define NEEDS_MKNOD "needs root: mknod of a device node needs CAP_MKNOD"

static void whiteouts_and_xattrs(void)
{
        static struct archive a;
        static const char rec[] = "41 SCHILY.xattr.trusted.overlay.opaque=y\n";
        char val[8] = { 0 }, path[128];
        struct stat st;
        int r;

        a.len = 0;
        add_entry(&a, "etc/.wh.gone", '0', NULL);
        add_pax(&a, rec, sizeof(rec) - 1);
        add_entry(&a, "faked/", '5', NULL);
        add_entry(&a, "fifo", '6', NULL);
        add_end(&a);
        r = extract(&a, false, NULL);
        tap_ok(r == 0 && exists_in_layer("faked", NULL), "extract_whiteout_archive_succeeds");
        tap_ok(exists_in_layer("etc/gone", &st) && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0),
               "extract_whiteout_becomes_a_0_0_char_device");
        tap_ok(!exists_in_layer("etc/.wh.gone", NULL), "extract_whiteout_file_itself_is_not_written");
        snprintf(path, sizeof(path), "%s/faked", layer_dir);
        tap_ok(getxattr(path, "trusted.overlay.opaque", val, sizeof(val)) < 0,
               "extract_trusted_xattr_from_the_archive_is_not_applied");
        tap_ok(exists_in_layer("fifo", &st) && S_ISFIFO(st.st_mode), "extract_fifo_is_made");
        drop_layer();

        if (geteuid() != 0) {
                tap_skip("extract_opaque_marker_becomes_the_overlay_xattr", NEEDS_SYS_ADMIN);
                return;
        }
        a.len = 0;
        add_entry(&a, "data/", '5', NULL);
        add_entry(&a, "data/.wh..wh..opq", '0', NULL);
        add_end(&a);
        r = extract(&a, false, NULL);
        snprintf(path, sizeof(path), "%s/data", layer_dir);
        tap_ok(r == 0 && getxattr(path, "trusted.overlay.opaque", val, sizeof(val)) == 1 &&
               val[0] == 'y', "extract_opaque_marker_becomes_the_overlay_xattr");
        drop_layer();
}

static void device_nodes(void)
{
        static struct archive a;
        unsigned char *h;
        struct stat st;
        char *msg = NULL;
        int r;

        a.len = 0;
        h = header(&a, "null", '3', 0);
        octal(h + 329, 8, 1);
        octal(h + 337, 8, 3);
        add_header(&a, h);
        add_end(&a);
        r = extract(&a, false, &msg);
        tap_ok(r < 0 && msg && strstr(msg, "device nodes"), "extract_device_node_refused_unless_allowed");
        free(msg);
        drop_layer();
        if (geteuid() != 0) {
                tap_skip("extract_device_node_made_when_allowed", NEEDS_MKNOD);
                return;
        }
        r = extract(&a, true, NULL);
        tap_ok(r == 0 && exists_in_layer("null", &st) && S_ISCHR(st.st_mode) &&
               st.st_rdev == makedev(1, 3), "extract_device_node_made_when_allowed");
        drop_layer();
}

int main(void)
{
        regular_file_and_data();
        unread_data_is_skipped();
        ustar_prefix_and_links();
        pax_overrides();
        pax_size_and_gnu_long_names();
        base256_numbers();
        hostile_archives();
        clean_names();
        symlinks_never_lead_out();
        names_and_links_out_are_refused();
        whiteouts_and_xattrs();
        device_nodes();
        return tap_done();
}
