/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "image/layout.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define REF_NAME "org.opencontainers.image.ref.name"

struct keel_blob {
        int fd;
        char digest[KEEL_DIGEST_LEN + 1];
        uint64_t size, seen;
        struct keel_sha256 sha;
        char content[KEEL_SHA256_HEX_LEN + 1];  /* its digest, once read to the end */
        bool verified;
};

bool keel_digest_valid(const char *d)
{
        if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != KEEL_DIGEST_LEN)
                return false;
        for (d += 7; *d; d++)
                if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'f')))
                        return false;
        return true;
}

int keel_blob_open(int dirfd, const char *digest, uint64_t size, struct keel_blob **out,
                   struct keel_error **err)
{
        _cleanup_free_ struct keel_blob *b = NULL;
        char path[32 + KEEL_DIGEST_LEN];
        struct stat st;
        int fd;

        if (!keel_digest_valid(digest))
                return keel_error_setq(err, ENOTSUP, "digest \"%.80s\": only sha256 digests are supported",
                                       digest ? digest : "");
        snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
        fd = keel_path_open_in_root(dirfd, path, O_RDONLY | O_NOFOLLOW, 0, NULL);
        if (fd < 0)
                return keel_error_set(err, -fd, "blob %s", digest);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                return keel_error_setq(err, EBADMSG, "blob %s: not a regular file", digest);
        }
        b = calloc(1, sizeof(*b));
        if (b == NULL) {
                close(fd);
                return keel_error_set(err, ENOMEM, "blob");
        }
        b->fd = fd;
        b->size = size;
        strcpy(b->digest, digest);
        keel_sha256_init(&b->sha);
        *out = steal_pointer(&b);
        return 0;
}

void keel_blob_close(struct keel_blob *b)
{
        if (b == NULL)
                return;
        close(b->fd);
        free(b);
}

ssize_t keel_blob_read(void *p, void *buf, size_t len, struct keel_error **err)
{
        struct keel_blob *b = p;
        ssize_t n;

        if (b->verified)
                return 0;
        do
                n = read(b->fd, buf, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return keel_error_set(err, errno, "read blob %s", b->digest);
        b->seen += (uint64_t) n;
        if (b->seen > b->size)
                return keel_error_setq(err, EBADMSG, "blob %s: larger than its descriptor's size %llu",
                                       b->digest, (unsigned long long) b->size);
        if (n > 0) {
                keel_sha256_update(&b->sha, buf, (size_t) n);
                return n;
        }
        if (b->seen != b->size)
                return keel_error_setq(err, EBADMSG, "blob %s: %llu bytes, its descriptor says %llu",
                                       b->digest, (unsigned long long) b->seen,
                                       (unsigned long long) b->size);
        if (b->content[0] == '\0')     /* read again after a mismatch: same answer */
                keel_sha256_final_hex(&b->sha, b->content);
        if (strcmp(b->content, b->digest + 7) != 0)
                return keel_error_setq(err, EBADMSG, "blob %s: digest mismatch (content is sha256:%s)",
                                       b->digest, b->content);
        b->verified = true;
        return 0;
}

/* A small blob (index, manifest, config), whole and verified. */
static int read_blob(int dirfd, const char *digest, uint64_t size, char **out, size_t *len,
                     struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        struct keel_blob *b = NULL;
        size_t got = 0;
        ssize_t n;
        int r;

        if (size > KEEL_IMAGE_META_MAX)
                return keel_error_setq(err, EFBIG, "blob %s: %llu bytes is too large for metadata",
                                       digest, (unsigned long long) size);
        r = keel_blob_open(dirfd, digest, size, &b, err);
        if (r < 0)
                return r;
        buf = malloc((size_t) size + 1);
        if (buf == NULL) {
                keel_blob_close(b);
                return keel_error_set(err, ENOMEM, "blob");
        }
        /* One byte of room more than the size, so an overlong blob shows. */
        while ((n = keel_blob_read(b, buf + got, (size_t) size + 1 - got, err)) > 0)
                got += (size_t) n;
        keel_blob_close(b);
        if (n < 0)
                return (int) n;
        buf[got] = '\0';
        *out = steal_pointer(&buf);
        *len = got;
        return 0;
}

static int parse_blob(int dirfd, const char *digest, uint64_t size, yajl_val *tree,
                      struct keel_error **err)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r = read_blob(dirfd, digest, size, &data, &len, err);

        if (r == 0)
                r = keel_json_parse(data, len, tree, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", digest);
        return 0;
}

struct desc {
        char *media_type, *digest, *ref_name, *os, *arch;
        uint64_t size;
};

static void desc_clear(struct desc *d)
{
        free(d->media_type);
        free(d->digest);
        free(d->ref_name);
        free(d->os);
        free(d->arch);
        memset(d, 0, sizeof(*d));
}

static int parse_desc(yajl_val v, struct keel_json_path *p, struct desc *d, struct keel_error **err)
{
        yajl_val ann = NULL, plat = NULL;
        int r;

        r = keel_json_value_object(v, p, err);
        if (r == 0)
                r = keel_json_get_string(v, "mediaType", false, p, &d->media_type, err);
        if (r >= 0)
                r = keel_json_get_string(v, "digest", true, p, &d->digest, err);
        if (r >= 0)
                r = keel_json_get_uint64(v, "size", true, INT64_MAX, p, &d->size, err);
        if (r >= 0)
                r = keel_json_get_object(v, "annotations", false, p, &ann, err);
        if (r > 0)
                r = keel_json_get_string(ann, REF_NAME, false, p, &d->ref_name, err);
        if (r >= 0)
                r = keel_json_get_object(v, "platform", false, p, &plat, err);
        if (r > 0)
                r = keel_json_get_string(plat, "os", false, p, &d->os, err);
        if (r >= 0 && plat != NULL)
                r = keel_json_get_string(plat, "architecture", false, p, &d->arch, err);
        if (r >= 0 && !keel_digest_valid(d->digest)) {
                keel_json_path_push_key(p, "digest");
                r = keel_json_error(p, err, "only sha256 digests are supported");
                keel_json_path_pop(p);
        }
        return r < 0 ? r : 0;
}

/* Go's names for the machine keel runs on (image-spec "platform"). */
static const char *host_arch(void)
{
        static const char *const map[][2] = {
                { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "i686", "386" },
                { "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
                { "armv7l", "arm" },
        };
        struct utsname u;

        if (uname(&u) == 0)
                for (size_t i = 0; i < ARRAY_SIZE(map); i++)
                        if (strcmp(u.machine, map[i][0]) == 0)
                                return map[i][1];
        return "amd64";
}

static bool for_host(const struct desc *d)
{
        return d->os && d->arch && strcmp(d->os, "linux") == 0 && strcmp(d->arch, host_arch()) == 0;
}

/* "latest, v2, (untagged)": the tags of an index's manifests, for an
 * error that asks for one. */
static void list_tags(yajl_val arr, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < arr->u.array.len && len + 1 < size; i++) {
                yajl_val ann = keel_json_lookup(arr->u.array.values[i], "annotations");
                yajl_val name = ann ? keel_json_lookup(ann, "org.opencontainers.image.ref.name")
                                    : NULL;
                int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "",
                                 name && YAJL_IS_STRING(name) ? name->u.string : "(untagged)");

                if (n < 0 || (size_t) n >= size - len) {
                        snprintf(buf + (size > 4 ? size - 4 : 0), 4, "...");
                        break;
                }
                len += (size_t) n;
        }
}

/* The one entry of an index's "manifests" that tag (or, without a tag,
 * the host's platform) selects. */
static int pick(yajl_val index, const char *tag, const char *where, struct desc *out,
                struct keel_error **err)
{
        struct keel_json_path p;
        yajl_val arr = NULL;
        size_t i, matches = 0, first = 0, n;
        int r;

        keel_json_path_init(&p);
        r = keel_json_get_array(index, "manifests", true, &p, &arr, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", where);
        n = arr->u.array.len;
        for (int pass = 0; pass < 2 && matches != 1; pass++) {
                matches = 0;
                for (i = 0; i < n; i++) {
                        struct desc d = { 0 };
                        bool ok;

                        keel_json_path_push_key(&p, "manifests");
                        keel_json_path_push_index(&p, i);
                        r = parse_desc(arr->u.array.values[i], &p, &d, err);
                        keel_json_path_pop(&p);
                        keel_json_path_pop(&p);
                        if (r < 0) {
                                desc_clear(&d);
                                return keel_error_prefix(err, "%s", where);
                        }
                        ok = tag ? d.ref_name && strcmp(d.ref_name, tag) == 0 : true;
                        /* Second pass: several candidates, keep the host's. */
                        if (pass == 1)
                                ok = ok && for_host(&d);
                        if (ok && matches++ == 0) {
                                desc_clear(out);
                                *out = d;
                        } else {
                                desc_clear(&d);
                        }
                }
                if (pass == 0)
                        first = matches;
                if (matches == 0)
                        break;
        }
        if (matches == 1)
                return 0;
        desc_clear(out);
        if (matches == 0 && tag)
                return keel_error_setq(err, ENOENT, "%s: no image tagged \"%s\"", where, tag);
        if (first == 0)
                return keel_error_setq(err, ENOENT, "%s: no images", where);
        if (tag == NULL) {
                char tags[512];

                list_tags(arr, tags, sizeof(tags));
                return keel_error_setq(err, EINVAL, "%s: the layout holds %zu images (%s); name "
                                       "one with oci:DIR:TAG", where, first, tags);
        }
        return keel_error_setq(err, EINVAL, "%s: %zu images are tagged \"%s\"%s", where, first,
                               tag, matches == 0 ? " and none is for this platform"
                                                 : "; keel cannot tell them apart");
}

static bool is_index_type(const char *mt)
{
        return mt && (strcmp(mt, MT_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

static int layer_compression(const char *mt, enum keel_compression *c)
{
        static const char *const prefixes[] = {
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.nondistributable.v1.tar",
                "application/vnd.docker.image.rootfs.diff.tar",
                "application/vnd.docker.image.rootfs.foreign.diff.tar",
        };

        if (mt == NULL)
                return -EINVAL;
        for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
                size_t len = strlen(prefixes[i]);
                const char *rest = mt + len;

                if (strncmp(mt, prefixes[i], len) != 0)
                        continue;
                if (*rest == '\0') {
                        *c = KEEL_COMPRESSION_NONE;
                        return 0;
                }
                if (strcmp(rest, "+gzip") == 0 || strcmp(rest, ".gzip") == 0) {
                        *c = KEEL_COMPRESSION_GZIP;
                        return 0;
                }
                if (strcmp(rest, "+zstd") == 0) {
                        *c = KEEL_COMPRESSION_ZSTD;
                        return 0;
                }
        }
        return -ENOTSUP;
}

static int parse_layers(struct keel_image *img, yajl_val manifest, struct keel_error **err)
{
        struct keel_json_path p;
        yajl_val arr = NULL;
        int r;

        keel_json_path_init(&p);
        r = keel_json_get_array(manifest, "layers", true, &p, &arr, err);
        if (r < 0)
                return r;
        img->layers = calloc(arr->u.array.len + 1, sizeof(*img->layers));
        if (img->layers == NULL)
                return keel_error_set(err, ENOMEM, "manifest");
        for (size_t i = 0; i < arr->u.array.len; i++) {
                struct keel_image_layer *l = &img->layers[i];
                struct desc d = { 0 };

                keel_json_path_push_key(&p, "layers");
                keel_json_path_push_index(&p, i);
                r = parse_desc(arr->u.array.values[i], &p, &d, err);
                if (r == 0 && layer_compression(d.media_type, &l->compression) < 0)
                        r = keel_json_error(&p, err, "unsupported layer media type \"%.100s\"",
                                            d.media_type ? d.media_type : "");
                keel_json_path_pop(&p);
                keel_json_path_pop(&p);
                if (r == 0) {
                        strcpy(l->digest, d.digest);
                        l->size = d.size;
                        img->n_layers = i + 1;
                }
                desc_clear(&d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_exec_config(struct keel_image_config *c, yajl_val cfg, struct keel_json_path *p,
                             struct keel_error **err)
{
        yajl_val ec = NULL;
        int r;

        r = keel_json_get_object(cfg, "config", false, p, &ec, err);
        if (r <= 0)
                return r;
        keel_json_path_push_key(p, "config");
        r = keel_json_get_string_array(ec, "Entrypoint", false, p, &c->entrypoint, &c->n_entrypoint, err);
        if (r >= 0)
                r = keel_json_get_string_array(ec, "Cmd", false, p, &c->cmd, &c->n_cmd, err);
        if (r >= 0)
                r = keel_json_get_string_array(ec, "Env", false, p, &c->env, &c->n_env, err);
        if (r >= 0)
                r = keel_json_get_string(ec, "WorkingDir", false, p, &c->working_dir, err);
        if (r >= 0)
                r = keel_json_get_string(ec, "User", false, p, &c->user, err);
        if (r >= 0)
                r = keel_json_get_string_map(ec, "Labels", false, p, &c->label_keys, &c->label_values,
                                             &c->n_labels, err);
        keel_json_path_pop(p);
        return r < 0 ? r : 0;
}

static int parse_config(struct keel_image *img, yajl_val cfg, struct keel_error **err)
{
        struct keel_json_path p;
        yajl_val rootfs = NULL, ids = NULL;
        int r;

        keel_json_path_init(&p);
        r = keel_json_get_object(cfg, "rootfs", true, &p, &rootfs, err);
        if (r < 0)
                return r;
        keel_json_path_push_key(&p, "rootfs");
        r = keel_json_get_array(rootfs, "diff_ids", true, &p, &ids, err);
        if (r >= 0 && ids->u.array.len != img->n_layers)
                r = keel_json_error(&p, err, "%zu diff_ids for %zu layers", ids->u.array.len,
                                    img->n_layers);
        for (size_t i = 0; r >= 0 && i < img->n_layers; i++) {
                yajl_val v = ids->u.array.values[i];

                keel_json_path_push_key(&p, "diff_ids");
                keel_json_path_push_index(&p, i);
                if (!YAJL_IS_STRING(v) || !keel_digest_valid(v->u.string))
                        r = keel_json_error(&p, err, "expected a sha256 digest");
                else
                        strcpy(img->layers[i].diff_id, v->u.string);
                keel_json_path_pop(&p);
                keel_json_path_pop(&p);
        }
        keel_json_path_pop(&p);
        if (r >= 0)
                r = parse_exec_config(&img->config, cfg, &p, err);
        return r < 0 ? r : 0;
}

static int read_layout_json(int dirfd, const char *name, yajl_val *tree, struct keel_error **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int fd = keel_path_open_in_root(dirfd, name, O_RDONLY, 0, err);
        size_t len;
        int r;

        if (fd < 0)
                return fd;
        r = keel_read_fd(fd, KEEL_IMAGE_META_MAX, &data, &len, err);
        if (r == 0)
                r = keel_json_parse(data, len, tree, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", name);
        return 0;
}

static int check_layout_file(int dirfd, struct keel_error **err)
{
        yajl_val tree = NULL;
        struct keel_json_path p;
        _cleanup_free_ char *version = NULL;
        int r = read_layout_json(dirfd, "oci-layout", &tree, err);

        if (r < 0)
                return r;
        keel_json_path_init(&p);
        r = keel_json_get_string(tree, "imageLayoutVersion", true, &p, &version, err);
        keel_json_free(tree);
        if (r < 0)
                return keel_error_prefix(err, "oci-layout");
        if (strncmp(version, "1.", 2) != 0)
                return keel_error_setq(err, ENOTSUP, "oci-layout: unsupported imageLayoutVersion %.20s",
                                       version);
        return 0;
}

/* index.json, then nested indexes, down to one manifest descriptor. */
static int find_manifest(int dirfd, const char *tag, struct desc *d, struct keel_error **err)
{
        yajl_val index = NULL;
        int r, depth;

        r = read_layout_json(dirfd, "index.json", &index, err);
        if (r == 0)
                r = pick(index, tag, "index.json", d, err);
        keel_json_free(index);
        for (depth = 0; r == 0 && is_index_type(d->media_type); depth++) {
                _cleanup_free_ char *where = strdup(d->digest);

                if (depth == 4 || where == NULL)
                        return keel_error_setq(err, ELOOP, "%s: image indexes nested too deep", d->digest);
                r = parse_blob(dirfd, d->digest, d->size, &index, err);
                if (r == 0)
                        r = pick(index, NULL, where, d, err);
                keel_json_free(index);
        }
        if (r == 0 && d->media_type && strcmp(d->media_type, MT_MANIFEST) != 0 &&
            strcmp(d->media_type, MT_DOCKER_MANIFEST) != 0)
                return keel_error_setq(err, ENOTSUP, "%s: unsupported manifest media type \"%.100s\"",
                                       d->digest, d->media_type);
        return r;
}

static int load_manifest(struct keel_image *img, const struct desc *md, struct keel_error **err)
{
        yajl_val manifest = NULL, config = NULL, cfgdesc = NULL;
        struct desc cd = { 0 };
        struct keel_json_path p;
        int r;

        r = parse_blob(img->dirfd, md->digest, md->size, &manifest, err);
        if (r < 0)
                return r;
        keel_json_path_init(&p);
        r = keel_json_get_object(manifest, "config", true, &p, &cfgdesc, err);
        if (r >= 0) {
                keel_json_path_push_key(&p, "config");
                r = parse_desc(cfgdesc, &p, &cd, err);
                keel_json_path_pop(&p);
        }
        if (r >= 0 && cd.media_type && strcmp(cd.media_type, MT_CONFIG) != 0 &&
            strcmp(cd.media_type, MT_DOCKER_CONFIG) != 0)
                r = keel_error_setq(err, ENOTSUP, "config: unsupported media type \"%.100s\"", cd.media_type);
        if (r >= 0)
                r = parse_layers(img, manifest, err);
        keel_json_free(manifest);
        if (r < 0) {
                desc_clear(&cd);
                return keel_error_prefix(err, "manifest %s", md->digest);
        }
        r = parse_blob(img->dirfd, cd.digest, cd.size, &config, err);
        if (r == 0) {
                r = parse_config(img, config, err);
                if (r < 0)
                        keel_error_prefix(err, "config %s", cd.digest);
        }
        keel_json_free(config);
        desc_clear(&cd);
        return r;
}

int keel_image_open(const char *ref, struct keel_image **out, struct keel_error **err)
{
        _cleanup_free_ char *dir = strdup(ref);
        struct keel_image *img;
        struct desc md = { 0 };
        char *colon, *tag = NULL;
        int r;

        if (dir == NULL)
                return keel_error_set(err, ENOMEM, "image");
        colon = strrchr(dir, ':');
        if (colon != NULL && strchr(colon, '/') == NULL) {
                *colon = '\0';
                tag = colon + 1;
                if (*tag == '\0')
                        return keel_error_setq(err, EINVAL, "%s: empty tag", ref);
        }
        img = calloc(1, sizeof(*img));
        if (img == NULL)
                return keel_error_set(err, ENOMEM, "image");
        img->dirfd = open(*dir ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (img->dirfd < 0)
                r = keel_error_set(err, errno, "image layout %s", dir);
        else
                r = check_layout_file(img->dirfd, err);
        if (r == 0)
                r = find_manifest(img->dirfd, tag, &md, err);
        if (r == 0) {
                strcpy(img->manifest_digest, md.digest);
                r = load_manifest(img, &md, err);
        }
        desc_clear(&md);
        if (r < 0) {
                keel_image_free(img);
                return keel_error_prefix(err, "image %s", ref);
        }
        *out = img;
        return 0;
}

void keel_image_free(struct keel_image *img)
{
        struct keel_image_config *c;

        if (img == NULL)
                return;
        c = &img->config;
        keel_strv_free(c->entrypoint);
        keel_strv_free(c->cmd);
        keel_strv_free(c->env);
        keel_strv_free(c->label_keys);
        keel_strv_free(c->label_values);
        free(c->working_dir);
        free(c->user);
        free(img->layers);
        if (img->dirfd >= 0)
                close(img->dirfd);
        free(img);
}
