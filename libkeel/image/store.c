/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image/copy.h"
#include "image/decompress.h"
#include "image/extract.h"
#include "image/store.h"
#include "image/tar.h"
#include "lib-log.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* The mount(2) data page. */
#define MOUNT_DATA_MAX 4096

static int open_subdir(int dirfd, const char *name, struct keel_error **err)
{
        int fd;

        if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "create %s/%s", KEEL_IMAGE_STORE_DIR, name);
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return keel_error_set(err, errno, "open %s/%s", KEEL_IMAGE_STORE_DIR, name);
        return fd;
}

int keel_image_store_open(int state_rootfd, bool exclusive, struct keel_image_store **out,
                          struct keel_error **err)
{
        struct keel_image_store *s = calloc(1, sizeof(*s));
        _cleanup_close_ int layers = -1;
        int r = 0;

        if (s == NULL)
                return keel_error_set(err, ENOMEM, "image store");
        s->dirfd = s->lockfd = s->layersfd = s->tmpfd = -1;
        if (mkdirat(state_rootfd, KEEL_IMAGE_STORE_DIR, 0700) < 0 && errno != EEXIST)
                r = keel_error_set(err, errno, "create the image store");
        if (r == 0) {
                s->dirfd = openat(state_rootfd, KEEL_IMAGE_STORE_DIR,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (s->dirfd < 0)
                        r = keel_error_set(err, errno, "open the image store");
        }
        if (r == 0) {
                s->lockfd = openat(s->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (s->lockfd < 0 || flock(s->lockfd, exclusive ? LOCK_EX : LOCK_SH) < 0)
                        r = keel_error_set(err, errno, "lock the image store");
        }
        if (r == 0 && (layers = open_subdir(s->dirfd, "layers", err)) < 0)
                r = layers;
        if (r == 0 && (s->layersfd = open_subdir(layers, "sha256", err)) < 0)
                r = s->layersfd;
        if (r == 0 && (s->tmpfd = open_subdir(s->dirfd, "tmp", err)) < 0)
                r = s->tmpfd;
        if (r < 0) {
                keel_image_store_close(s);
                return r;
        }
        *out = s;
        return 0;
}

void keel_image_store_close(struct keel_image_store *s)
{
        if (s == NULL)
                return;
        closep(&s->tmpfd);
        closep(&s->layersfd);
        closep(&s->lockfd);
        closep(&s->dirfd);
        free(s);
}

/* Remove name in dirfd and everything below it. */
static int remove_tree(int dirfd, const char *name)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        if (keel_remove_tree_at(fd, NULL) < 0)
                return -EBUSY;
        return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static bool have_layer(struct keel_image_store *s, const char *hex)
{
        struct stat st;

        return fstatat(s->layersfd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/* The decompressed stream, hashed on its way to the tar reader: its
 * digest is the layer's diff_id. */
struct diff_reader {
        struct keel_decompress *d;
        struct keel_sha256 sha;
};

static ssize_t diff_read(void *p, void *buf, size_t len, struct keel_error **err)
{
        struct diff_reader *r = p;
        ssize_t n = keel_decompress_read(r->d, buf, len, err);

        if (n > 0)
                keel_sha256_update(&r->sha, buf, (size_t) n);
        return n;
}

/* Read what follows the tar's end (padding to the record size): the blob
 * digest and the diff_id cover it too. */
static int drain(struct diff_reader *r, struct keel_error **err)
{
        char buf[65536];
        ssize_t n;

        while ((n = diff_read(r, buf, sizeof(buf), err)) > 0)
                ;
        return (int) n;
}

/* A layer that fails to decompress or parse may just be a tampered blob:
 * read the blob to its end, and if its digest does not match, say that,
 * which is the cause, instead of whatever garbage the reader met first. */
static int blame_blob(struct keel_blob *blob, int r, struct keel_error **err)
{
        struct keel_error *berr = NULL;
        char buf[65536];
        ssize_t n;

        while ((n = keel_blob_read(blob, buf, sizeof(buf), &berr)) > 0)
                ;
        if (n < 0 && berr != NULL && berr->errnum == EBADMSG) {
                keel_error_free(*err);
                *err = berr;
                return -EBADMSG;
        }
        keel_error_free(berr);
        return r;
}

static int extract_verified(struct keel_image_store *s, int dirfd, int layerfd,
                            const struct keel_image_layer *l, struct keel_error **err)
{
        struct keel_extract_opts o = { .allow_devices = geteuid() == 0, .chown = geteuid() == 0 };
        struct diff_reader dr = { .d = NULL };
        struct keel_blob *blob = NULL;
        struct keel_tar *tar = NULL;
        char hex[KEEL_SHA256_HEX_LEN + 1];
        int r;

        keel_sha256_init(&dr.sha);
        r = keel_blob_open(dirfd, l->digest, l->size, &blob, err);
        if (r == 0)
                r = keel_decompress_new(l->compression, keel_blob_read, blob, &dr.d, err);
        if (r == 0)
                r = keel_tar_new(diff_read, &dr, &tar, err);
        if (r == 0)
                r = keel_extract_layer(layerfd, tar, &o, err);
        if (r == 0)
                r = drain(&dr, err);
        if (r < 0 && blob != NULL && err != NULL && *err != NULL)
                r = blame_blob(blob, r, err);
        if (r == 0) {
                keel_sha256_final_hex(&dr.sha, hex);
                if (strcmp(hex, l->diff_id + 7) != 0)
                        r = keel_error_setq(err, EBADMSG, "diff_id mismatch (content is sha256:%s)", hex);
        }
        keel_tar_free(tar);
        keel_decompress_free(dr.d);
        keel_blob_close(blob);
        return r;
}

static int unpack_layer(struct keel_image_store *s, int dirfd, const struct keel_image_layer *l,
                        struct keel_error **err)
{
        const char *hex = l->diff_id + 7;
        char tmp[KEEL_SHA256_HEX_LEN + 64];
        struct timespec ts;
        _cleanup_close_ int fd = -1;
        int r;

        if (have_layer(s, hex))
                return 0;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(tmp, sizeof(tmp), "%s.%d.%ld", hex, (int) getpid(), (long) ts.tv_nsec);
        if (mkdirat(s->tmpfd, tmp, 0755) < 0)
                return keel_error_set(err, errno, "create a layer directory");
        fd = openat(s->tmpfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                r = keel_error_set(err, errno, "open a layer directory");
        else
                r = extract_verified(s, dirfd, fd, l, err);
        /* Another unpack may have won the race to the same layer: fine. */
        if (r == 0 && renameat2(s->tmpfd, tmp, s->layersfd, hex, RENAME_NOREPLACE) < 0 &&
            errno != EEXIST)
                r = keel_error_set(err, errno, "store layer %s", l->diff_id);
        if (r < 0 || have_layer(s, hex))
                remove_tree(s->tmpfd, tmp);
        if (r < 0)
                return keel_error_prefix(err, "layer %s", l->digest);
        return 0;
}

int keel_image_store_unpack(struct keel_image_store *s, const struct keel_image *img,
                            struct keel_error **err)
{
        if (img->n_layers == 0)
                return keel_error_setq(err, EINVAL, "image has no layers");
        for (size_t i = 0; i < img->n_layers; i++) {
                int r = unpack_layer(s, img->dirfd, &img->layers[i], err);

                if (r < 0)
                        return r;
        }
        return 0;
}

int keel_image_layers_value(const struct keel_image *img, char **out, struct keel_error **err)
{
        char *v = malloc(img->n_layers * (KEEL_DIGEST_LEN + 1) + 1), *p = v;

        if (v == NULL)
                return keel_error_set(err, ENOMEM, "image layers");
        *p = '\0';
        for (size_t i = 0; i < img->n_layers; i++)
                p += sprintf(p, "%s%s", i ? "," : "", img->layers[i].diff_id);
        *out = v;
        return 0;
}

/* The diff_id hexes an annotation value names, checked: they become
 * paths.  NULL-terminated. */
static int split_layers(const char *value, char ***out, size_t *n, struct keel_error **err)
{
        _cleanup_free_ char *copy = strdup(value);
        char **v, *tok, *save = NULL;
        size_t count = 1;

        if (copy == NULL)
                return keel_error_set(err, ENOMEM, "image layers");
        for (const char *p = value; *p; p++)
                count += *p == ',';
        v = calloc(count + 1, sizeof(*v));
        if (v == NULL)
                return keel_error_set(err, ENOMEM, "image layers");
        *n = 0;
        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                if (!keel_digest_valid(tok) || (v[*n] = strdup(tok + 7)) == NULL) {
                        keel_strv_free(v);
                        return keel_error_setq(err, EINVAL, "annotation %s: \"%.80s\" is not a sha256 digest",
                                               KEEL_IMAGE_LAYERS_ANNOTATION, tok);
                }
                (*n)++;
        }
        if (*n == 0) {
                keel_strv_free(v);
                return keel_error_setq(err, EINVAL, "annotation %s: no layers", KEEL_IMAGE_LAYERS_ANNOTATION);
        }
        *out = v;
        return 0;
}

/* The layers named by the config copy in one state directory (published
 * or a create in progress), appended to *used. */
static int layers_of(int state_rootfd, const char *name, char ***used, size_t *n_used,
                     struct keel_error **err)
{
        _cleanup_free_ char *path = NULL, *data = NULL;
        yajl_val tree = NULL, ann, v;
        char **mine = NULL, **grown;
        size_t len, n = 0;
        int r;

        if (asprintf(&path, "%s/config.json", name) < 0)
                return keel_error_set(err, ENOMEM, "prune");
        r = keel_read_file_at(state_rootfd, path, 64u << 20, &data, &len, NULL);
        if (r == -ENOENT || r == -ENOTDIR)
                return 0;
        if (r == 0)
                r = keel_json_parse(data, len, &tree, err);
        else
                r = keel_error_set(err, -r, "read %s", path);
        if (r < 0)
                return r;
        ann = keel_json_lookup(tree, "annotations");
        v = ann && YAJL_IS_OBJECT(ann) ? keel_json_lookup(ann, KEEL_IMAGE_LAYERS_ANNOTATION) : NULL;
        if (v != NULL && YAJL_IS_STRING(v))
                r = split_layers(v->u.string, &mine, &n, err);
        keel_json_free(tree);
        if (r < 0 || n == 0)
                return r;
        grown = realloc(*used, (*n_used + n + 1) * sizeof(*grown));
        if (grown == NULL) {
                keel_strv_free(mine);
                return keel_error_set(err, ENOMEM, "prune");
        }
        memcpy(grown + *n_used, mine, n * sizeof(*mine));
        free(mine);
        *n_used += n;
        grown[*n_used] = NULL;
        *used = grown;
        return 0;
}

static int layers_in_use(int state_rootfd, char ***used, size_t *n_used, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd = openat(state_rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return keel_error_set(err, errno, "list the state root");
        }
        while ((de = readdir(dir)) != NULL) {
                int r;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    strcmp(de->d_name, KEEL_IMAGE_STORE_DIR) == 0)
                        continue;
                r = layers_of(state_rootfd, de->d_name, used, n_used, err);
                if (r < 0)
                        return keel_error_prefix(err, "%s", de->d_name);
        }
        return 0;
}

static bool listed(char **v, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(v[i], s) == 0)
                        return true;
        return false;
}

/* Every entry of dirfd for which keep() is false goes: first renamed into
 * tmp/ (so no half-removed layer is ever seen as complete), then removed. */
static int prune_dir(struct keel_image_store *s, int dirfd, char **used, size_t n_used,
                     size_t *removed, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return keel_error_set(err, errno, "list the image store");
        }
        while ((de = readdir(dir)) != NULL) {
                char doomed[NAME_MAX + 32];
                int r;

                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                if (dirfd == s->layersfd) {
                        if (listed(used, n_used, de->d_name))
                                continue;
                        snprintf(doomed, sizeof(doomed), "prune.%.200s.%d", de->d_name, (int) getpid());
                        if (renameat(dirfd, de->d_name, s->tmpfd, doomed) < 0)
                                return keel_error_set(err, errno, "prune layer %s", de->d_name);
                        (*removed)++;
                } else {
                        snprintf(doomed, sizeof(doomed), "%s", de->d_name);
                }
                r = remove_tree(s->tmpfd, doomed);
                if (r < 0)
                        return keel_error_set(err, -r, "remove %s/tmp/%s", KEEL_IMAGE_STORE_DIR, doomed);
        }
        return 0;
}

/* The bundles create/run --image wrote for containers that are gone. */
static int prune_bundles(struct keel_image_store *s, int state_rootfd, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = NULL;
        struct dirent *de;
        int fd = openat(s->dirfd, "bundles", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return errno == ENOENT ? 0 : keel_error_set(err, errno, "open %s/bundles",
                                                             KEEL_IMAGE_STORE_DIR);
        dir = fdopendir(fd);
        if (dir == NULL) {
                close(fd);
                return keel_error_set(err, errno, "open %s/bundles", KEEL_IMAGE_STORE_DIR);
        }
        while ((de = readdir(dir)) != NULL) {
                struct stat st;
                int r;

                if (de->d_name[0] == '.' || fstatat(state_rootfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                r = remove_tree(dirfd(dir), de->d_name);
                if (r < 0)
                        return keel_error_set(err, -r, "remove %s/bundles/%s", KEEL_IMAGE_STORE_DIR,
                                              de->d_name);
        }
        return 0;
}

int keel_image_store_prune(struct keel_image_store *s, int state_rootfd, size_t *removed,
                           struct keel_error **err)
{
        char **used = NULL;
        size_t n_used = 0;
        int r;

        *removed = 0;
        r = layers_in_use(state_rootfd, &used, &n_used, err);
        if (r == 0)
                r = prune_dir(s, s->layersfd, used, n_used, removed, err);
        /* Under the exclusive lock no unpack runs: tmp/ holds leftovers. */
        if (r == 0)
                r = prune_dir(s, s->tmpfd, NULL, 0, removed, err);
        if (r == 0)
                r = prune_bundles(s, state_rootfd, err);
        keel_strv_free(used);
        return r;
}

/* An image may name one layer twice (umoci writes the same diff again
 * when a change is undone and redone) and overlayfs refuses a lower dir
 * it already has (ELOOP).  The lower copy adds nothing: all it holds is
 * in the upper copy too, which overrides whatever lies between them.  So
 * only the top-most copy is kept. */
static void drop_repeated_layers(char **hexes, size_t *n)
{
        size_t kept = 0;

        for (size_t i = 0; i < *n; i++) {
                bool again = false;

                for (size_t j = i + 1; j < *n && !again; j++)
                        again = strcmp(hexes[i], hexes[j]) == 0;
                if (again)
                        free(hexes[i]);
                else
                        hexes[kept++] = hexes[i];
        }
        hexes[kept] = NULL;
        *n = kept;
}

/* For kernels without "lowerdir+" (before 6.8): all layers in one
 * lowerdir option of mount(2), which takes one page.  lowerdir lists the
 * top layer first; the image lists the base first.  Paths are relative
 * to the layers directory (the mounting child's cwd): short, so ~60
 * layers fit.  They cannot be /proc/self/fd paths: those name mounts of
 * the runtime's namespace, and overlayfs clones its layers from the
 * mounter's own. */
static int overlay_data(const char *cname, char **hexes, size_t n, char **out,
                        struct keel_error **err)
{
        char *data = malloc(MOUNT_DATA_MAX), *p = data;
        size_t left = MOUNT_DATA_MAX;
        int len;

        if (data == NULL)
                return keel_error_set(err, ENOMEM, "overlay");
        len = snprintf(p, left, "lowerdir=");
        for (size_t i = n; i-- > 0 && len >= 0 && (size_t) len < left;) {
                p += len;
                left -= (size_t) len;
                len = snprintf(p, left, "%s%s", hexes[i], i ? ":" : "");
        }
        if (len >= 0 && (size_t) len < left) {
                p += len;
                left -= (size_t) len;
                len = snprintf(p, left, ",upperdir=../../../%s/upper,workdir=../../../%s/work", cname, cname);
        }
        if (len < 0 || (size_t) len >= left) {
                free(data);
                return keel_error_setq(err, E2BIG,
                                       "%zu layers do not fit one overlay mount: this kernel has no "
                                       "\"lowerdir+\" (Linux 6.8), and mount(2) takes one page "
                                       "(%d bytes) of options", n, MOUNT_DATA_MAX);
        }
        *out = data;
        return 0;
}

static int make_container_dirs(int cdir, struct keel_error **err)
{
        static const struct { const char *name; mode_t mode; } dirs[] = {
                { "upper", 0755 }, { "work", 0700 }, { "rootfs", 0755 },
        };

        for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
                if (mkdirat(cdir, dirs[i].name, dirs[i].mode) < 0)
                        return keel_error_set(err, errno, "create %s in the container's state directory",
                                              dirs[i].name);
        return 0;
}

static char *fd_path(int fd, const char *name)
{
        char link[64], target[PATH_MAX];
        ssize_t n;
        char *out;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        n = readlink(link, target, sizeof(target) - 1);
        if (n < 0)
                return NULL;
        target[n] = '\0';
        if (asprintf(&out, "%s/%s", target, name) < 0)
                return NULL;
        return out;
}

enum overlay_outcome { OVERLAY_MOUNTED, OVERLAY_LEGACY, OVERLAY_UNAVAILABLE };

/* The last message the kernel logged on fs, the log drained; false when
 * there was none. */
static bool fs_last_message(int fs, char *buf, size_t size)
{
        char msg[256];
        bool any = false;
        ssize_t n;

        while (fs >= 0 && (n = read(fs, msg, sizeof(msg) - 1)) > 2) {
                msg[n] = '\0';
                msg[strcspn(msg, "\n")] = '\0';
                /* "e overlay: filesystem on ... not supported as upperdir" */
                snprintf(buf, size, "%s", msg + 2);
                any = true;
        }
        return any;
}

/* A path for fsconfig(), which takes at most 255 bytes of a value: the
 * absolute one, which /proc/self/mountinfo then shows, when it fits. */
static int fs_set_path(int fs, const char *key, const char *dir, int dirfd, const char *name)
{
        char path[256];
        int len = snprintf(path, sizeof(path), "%s%s", dir, name);

        if (len < 0 || (size_t) len >= sizeof(path))
                snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd, name);
        return fsconfig(fs, FSCONFIG_SET_STRING, key, path, 0) < 0 ? -errno : 0;
}

static bool copy_avoids(int e)
{
        return e == EPERM || e == EINVAL || e == ENODEV || e == EOPNOTSUPP || e == EACCES;
}

/* The overlay as a detached mount, built here in the runtime (in the
 * host's mount namespace, where the layers are); stage 1 only attaches
 * it in its own namespace.  One "lowerdir+" per layer (Linux 6.8), so
 * their number is not bounded by a page of mount options.  A file
 * system that parses options the pre-6.5 way takes any key: that is
 * tested first with one no overlayfs has.  Errors that a copied rootfs
 * avoids become OVERLAY_UNAVAILABLE with a reason. */
static int overlay_mount_fd(struct keel_image_rootfs *ir, int cdir, const char *cdir_path,
                            char **hexes, size_t n, char *reason, size_t size, struct keel_error **err)
{
        _cleanup_close_ int fs = fsopen("overlay", FSOPEN_CLOEXEC);
        const char *what = "open overlayfs";
        int r = fs < 0 ? -errno : 0;

        if (r == -ENOSYS)
                return OVERLAY_LEGACY;
        if (r == 0 && fsconfig(fs, FSCONFIG_SET_FLAG, "keel-probe-unknown-key", NULL, 0) == 0)
                return OVERLAY_LEGACY;
        fs_last_message(fs, reason, size);      /* drop what the probe logged */
        for (size_t i = n; r == 0 && i-- > 0;) {
                what = "lowerdir+";
                r = fs_set_path(fs, what, ir->layers_dir, ir->store->layersfd, hexes[i]);
                if (r == -EINVAL && i == n - 1)
                        return OVERLAY_LEGACY;
        }
        if (r == 0) {
                what = "upperdir";
                r = fs_set_path(fs, what, cdir_path, cdir, "upper");
        }
        if (r == 0) {
                what = "workdir";
                r = fs_set_path(fs, what, cdir_path, cdir, "work");
        }
        if (r == 0) {
                what = "create overlay";
                r = fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 ? -errno : 0;
        }
        if (r == 0) {
                what = "mount overlay";
                ir->mountfd = fsmount(fs, FSMOUNT_CLOEXEC, 0);
                r = ir->mountfd < 0 ? -errno : 0;
        }
        if (r == 0)
                return OVERLAY_MOUNTED;
        if (!fs_last_message(fs, reason, size))
                snprintf(reason, size, "%s: %s", what, strerror(-r));
        if (copy_avoids(-r))
                return OVERLAY_UNAVAILABLE;
        return keel_error_setq(err, -r, "image rootfs: %s", reason);
}

static int legacy_data(struct keel_image_rootfs *ir, char **hexes, size_t n, struct keel_error **err)
{
        /* .../<state root>/<container dir>/rootfs */
        char *end = strrchr(ir->rootfs, '/'), *start;
        int r;

        *end = '\0';
        start = strrchr(ir->rootfs, '/') + 1;
        r = overlay_data(start, hexes, n, &ir->data, err);
        *end = '/';
        return r;
}

/* No overlayfs: the container's rootfs/ gets a copy of its own. */
static int copy_rootfs(struct keel_image_rootfs *ir, int cdir, char **hexes, size_t n,
                       const char *reason, struct keel_error **err)
{
        _cleanup_close_ int rootfd = openat(cdir, "rootfs", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (rootfd < 0)
                return keel_error_set(err, errno, "image rootfs: open rootfs in the container's state directory");
        keel_warn("image: overlay unavailable (%s): copying the layers into the container's rootfs", reason);
        r = keel_image_copy_layers(ir->store->layersfd, hexes, n, rootfd, err);
        if (r < 0)
                return keel_error_prefix(err, "image rootfs: copy the layers");
        /* A failed overlay may have left work/work behind. */
        remove_tree(cdir, "upper");
        remove_tree(cdir, "work");
        ir->copied = true;
        return 0;
}

static int image_rootfs_build(struct keel_image_rootfs *ir, int cdir, char **hexes, size_t n,
                              struct keel_error **err)
{
        _cleanup_free_ char *cdir_path = NULL;
        char reason[256];
        int r;

        ir->rootfs = fd_path(cdir, "rootfs");
        ir->layers_dir = fd_path(ir->store->layersfd, "");
        cdir_path = fd_path(cdir, "");
        if (ir->rootfs == NULL || ir->layers_dir == NULL || cdir_path == NULL)
                return keel_error_set(err, ENOMEM, "image rootfs");
        r = overlay_mount_fd(ir, cdir, cdir_path, hexes, n, reason, sizeof(reason), err);
        if (r == OVERLAY_LEGACY)
                return legacy_data(ir, hexes, n, err);
        if (r == OVERLAY_UNAVAILABLE)
                return copy_rootfs(ir, cdir, hexes, n, reason, err);
        return r;
}

int keel_image_rootfs_prepare(int state_rootfd, int container_dirfd, const char *layers,
                              struct keel_image_rootfs **out, struct keel_error **err)
{
        struct keel_image_rootfs *ir = calloc(1, sizeof(*ir));
        char **hexes = NULL;
        size_t n = 0;
        int r;

        if (ir == NULL)
                return keel_error_set(err, ENOMEM, "image rootfs");
        ir->mountfd = -1;
        r = split_layers(layers, &hexes, &n, err);
        if (r == 0) {
                drop_repeated_layers(hexes, &n);
                r = keel_image_store_open(state_rootfd, false, &ir->store, err);
        }
        for (size_t i = 0; r == 0 && i < n; i++)
                if (!have_layer(ir->store, hexes[i]))
                        r = keel_error_setq(err, ENOENT,
                                            "layer sha256:%s is not in the image store (unpack the image again)",
                                            hexes[i]);
        if (r == 0)
                r = make_container_dirs(container_dirfd, err);
        if (r == 0)
                r = image_rootfs_build(ir, container_dirfd, hexes, n, err);
        keel_strv_free(hexes);
        if (r < 0) {
                keel_image_rootfs_free(ir);
                return r;
        }
        *out = ir;
        return 0;
}

int keel_image_rootfs_enter(const struct keel_image_rootfs *ir, struct keel_error **err)
{
        /* A plain directory, as any bundle's rootfs. */
        if (ir->copied)
                return 0;
        /* Slave: host mounts still reach us, ours never reach the host. */
        if (unshare(CLONE_NEWNS) < 0)
                return keel_error_set(err, errno, "image rootfs: new mount namespace");
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return keel_error_set(err, errno, "image rootfs: make / a slave");
        if (ir->mountfd >= 0) {
                if (move_mount(ir->mountfd, "", AT_FDCWD, ir->rootfs, MOVE_MOUNT_F_EMPTY_PATH) < 0)
                        return keel_error_set(err, errno, "image rootfs: attach the overlay on %s", ir->rootfs);
                return 0;
        }
        if (chdir(ir->layers_dir) < 0)
                return keel_error_set(err, errno, "image rootfs: %s", ir->layers_dir);
        if (mount("overlay", ir->rootfs, "overlay", 0, ir->data) < 0)
                return keel_error_set(err, errno, "image rootfs: mount overlay on %s", ir->rootfs);
        return 0;
}

void keel_image_rootfs_free(struct keel_image_rootfs *ir)
{
        if (ir == NULL)
                return;
        keel_image_store_close(ir->store);
        closep(&ir->mountfd);
        free(ir->data);
        free(ir->layers_dir);
        free(ir->rootfs);
        free(ir);
}
