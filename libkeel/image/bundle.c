/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/bundle.h"
#include "spec/default-spec.h"
#include "spec/json-write.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

static bool env_has(char **env, const char *entry)
{
        size_t klen = strcspn(entry, "=");

        for (; env && *env; env++)
                if (strncmp(*env, entry, klen) == 0 && (*env)[klen] == '=')
                        return true;
        return false;
}

/* The default env entries the image does not set, then the image's. */
static void gen_env(struct keel_json_gen *g, yajl_val defaults, char **env)
{
        keel_json_gen_array_open(g);
        for (size_t i = 0; defaults && i < defaults->u.array.len; i++)
                if (YAJL_IS_STRING(defaults->u.array.values[i]) &&
                    !env_has(env, defaults->u.array.values[i]->u.string))
                        keel_json_gen_str(g, defaults->u.array.values[i]->u.string);
        for (; env && *env; env++)
                keel_json_gen_str(g, *env);
        keel_json_gen_array_close(g);
}

static bool parse_id(const char *s, uint32_t *out)
{
        uint64_t v = 0;

        if (*s == '\0')
                return false;
        for (; *s; s++) {
                if (*s < '0' || *s > '9' || v > UINT32_MAX / 10)
                        return false;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        if (v >= UINT32_MAX)
                return false;
        *out = (uint32_t) v;
        return true;
}

/* A file of the image as the container will see it: from the top-most
 * layer that has it. */
static int image_file(struct keel_image_store *s, const struct keel_image *img, const char *path,
                      char **data)
{
        size_t len;

        for (size_t i = img->n_layers; i-- > 0;) {
                _cleanup_close_ int layer = openat(s->layersfd, img->layers[i].diff_id + 7,
                                                   O_PATH | O_DIRECTORY | O_CLOEXEC);
                _cleanup_close_ int fd = -1;
                struct stat st;

                if (layer < 0)
                        return -errno;
                fd = keel_path_open_in_root(layer, path, O_RDONLY | O_NOCTTY, 0, NULL);
                if (fd == -ENOENT)
                        continue;
                /* A whiteout (0:0 char device) hides it below. */
                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                        return -ENOENT;
                return keel_read_fd(fd, 16u << 20, data, &len, NULL);
        }
        return -ENOENT;
}

/* Field key_field of the first line of a passwd/group file whose name
 * (field 0) or, when numeric, id (field id_field) is key.  Returns the
 * numeric fields id_field and want in *id and *other. */
static bool db_lookup(char *data, const char *key, int id_field, int want, uint32_t *id,
                      uint32_t *other)
{
        char *save = NULL;

        for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *f[8] = { 0 }, *p = line;
                int n = 0;

                while (n < 8 && p) {
                        f[n++] = p;
                        p = strchr(p, ':');
                        if (p)
                                *p++ = '\0';
                }
                if (n <= id_field || n <= want ||
                    (strcmp(f[0], key) != 0 && strcmp(f[id_field], key) != 0))
                        continue;
                return parse_id(f[id_field], id) && (want < 0 || parse_id(f[want], other));
        }
        return false;
}

static int resolve_user(const struct keel_image *img, struct keel_image_store *s, uint32_t *uid,
                        uint32_t *gid, struct keel_error **err)
{
        _cleanup_free_ char *spec = strdup(img->config.user), *passwd = NULL, *group = NULL;
        char *grp;
        uint32_t dummy;
        bool numeric;

        if (spec == NULL)
                return keel_error_set(err, ENOMEM, "User");
        grp = strchr(spec, ':');
        if (grp != NULL)
                *grp++ = '\0';
        *uid = *gid = 0;
        numeric = parse_id(spec, uid);
        if (!numeric || grp == NULL) {
                /* A name, or a uid whose primary group passwd may give. */
                bool found = image_file(s, img, "/etc/passwd", &passwd) == 0 &&
                             db_lookup(passwd, spec, 2, 3, uid, gid);

                if (!found && !numeric)
                        return keel_error_setq(err, ENOENT, "User \"%s\": no such user in the image's /etc/passwd",
                                               img->config.user);
        }
        if (grp != NULL && !parse_id(grp, gid)) {
                if (image_file(s, img, "/etc/group", &group) < 0 || !db_lookup(group, grp, 2, -1, gid, &dummy))
                        return keel_error_setq(err, ENOENT, "User \"%s\": no such group in the image",
                                               img->config.user);
        }
        return 0;
}

struct image_process {
        const struct keel_image_config *c;
        uint32_t uid, gid;
};

static void gen_process(struct keel_json_gen *g, yajl_val proc, const struct image_process *ip)
{
        const struct keel_image_config *c = ip->c;

        keel_json_gen_map_open(g);
        for (size_t i = 0; i < proc->u.object.len; i++) {
                const char *k = proc->u.object.keys[i];
                yajl_val v = proc->u.object.values[i];

                keel_json_gen_str(g, k);
                if (strcmp(k, "terminal") == 0) {
                        keel_json_gen_bool(g, false);
                } else if (strcmp(k, "user") == 0) {
                        keel_json_gen_map_open(g);
                        keel_json_gen_kv_int(g, "uid", ip->uid);
                        keel_json_gen_kv_int(g, "gid", ip->gid);
                        keel_json_gen_map_close(g);
                } else if (strcmp(k, "args") == 0) {
                        keel_json_gen_array_open(g);
                        for (size_t j = 0; j < c->n_entrypoint; j++)
                                keel_json_gen_str(g, c->entrypoint[j]);
                        for (size_t j = 0; j < c->n_cmd; j++)
                                keel_json_gen_str(g, c->cmd[j]);
                        keel_json_gen_array_close(g);
                } else if (strcmp(k, "env") == 0) {
                        gen_env(g, YAJL_IS_ARRAY(v) ? v : NULL, c->env);
                } else if (strcmp(k, "cwd") == 0 && c->working_dir && *c->working_dir) {
                        keel_json_gen_str(g, c->working_dir);
                } else {
                        keel_json_gen_tree(g, v);
                }
        }
        keel_json_gen_map_close(g);
}

static void gen_root(struct keel_json_gen *g, yajl_val root)
{
        keel_json_gen_map_open(g);
        for (size_t i = 0; i < root->u.object.len; i++) {
                keel_json_gen_str(g, root->u.object.keys[i]);
                if (strcmp(root->u.object.keys[i], "readonly") == 0)
                        keel_json_gen_bool(g, false);        /* writes go to the upper layer */
                else
                        keel_json_gen_tree(g, root->u.object.values[i]);
        }
        keel_json_gen_map_close(g);
}

static void gen_config(struct keel_json_gen *g, yajl_val spec, const struct image_process *ip,
                       const char *layers)
{
        const struct keel_image_config *c = ip->c;

        keel_json_gen_map_open(g);
        for (size_t i = 0; i < spec->u.object.len; i++) {
                const char *k = spec->u.object.keys[i];
                yajl_val v = spec->u.object.values[i];

                if (strcmp(k, "annotations") == 0)
                        continue;
                keel_json_gen_str(g, k);
                if (strcmp(k, "process") == 0 && YAJL_IS_OBJECT(v))
                        gen_process(g, v, ip);
                else if (strcmp(k, "root") == 0 && YAJL_IS_OBJECT(v))
                        gen_root(g, v);
                else
                        keel_json_gen_tree(g, v);
        }
        keel_json_gen_key_map(g, "annotations");
        for (size_t i = 0; i < c->n_labels; i++) {
                if (strcmp(c->label_keys[i], KEEL_IMAGE_LAYERS_ANNOTATION) == 0)
                        continue;
                keel_json_gen_kv_str(g, c->label_keys[i], c->label_values[i]);
        }
        keel_json_gen_kv_str(g, KEEL_IMAGE_LAYERS_ANNOTATION, layers);
        keel_json_gen_map_close(g);
        keel_json_gen_map_close(g);
}

int keel_image_config_json(const struct keel_image *img, struct keel_image_store *s, char **out,
                           size_t *len, struct keel_error **err)
{
        struct image_process ip = { .c = &img->config };
        _cleanup_free_ char *def = NULL, *layers = NULL;
        yajl_val spec = NULL;
        struct keel_json_gen *g;
        size_t def_len;
        int r;

        if (img->config.n_entrypoint + img->config.n_cmd == 0)
                return keel_error_setq(err, EINVAL, "the image config has neither Entrypoint nor Cmd");
        r = img->config.user && *img->config.user ? resolve_user(img, s, &ip.uid, &ip.gid, err) : 0;
        if (r == 0)
                r = keel_image_layers_value(img, &layers, err);
        /* An unprivileged keel gets `keel spec --rootless`'s base: a user
         * namespace mapping the user to root, as a rootless bundle has. */
        if (r == 0)
                r = keel_default_spec_json(geteuid() != 0, geteuid(), getegid(), &def, &def_len,
                                           err);
        if (r == 0)
                r = keel_json_parse(def, def_len, &spec, err);
        if (r < 0)
                return r;
        g = keel_json_gen_new("    ", 0);
        if (g == NULL) {
                keel_json_free(spec);
                return keel_error_set(err, ENOMEM, "config.json");
        }
        gen_config(g, spec, &ip, layers);
        keel_json_free(spec);
        r = keel_json_gen_take(g, true, out, len);
        keel_json_gen_free(g);
        return r < 0 ? keel_error_set(err, -r, "config.json") : 0;
}

static bool same_file(int dirfd, const char *name, const char *json, size_t len)
{
        _cleanup_free_ char *old = NULL;
        size_t old_len;

        return keel_read_file_at(dirfd, name, len + 1, &old, &old_len, NULL) == 0 && old_len == len &&
               memcmp(old, json, len) == 0;
}

int keel_image_write_bundle(const char *bundle, const char *json, size_t len, bool replace,
                            struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        int r;

        r = keel_mkdir_p(bundle, 0755, err);
        if (r < 0)
                return r;
        fd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return keel_error_set(err, errno, "bundle %s", bundle);
        if (!replace && faccessat(fd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0 &&
            !same_file(fd, "config.json", json, len))
                return keel_error_setq(err, EEXIST, "%s/config.json exists and differs from the image's; "
                                       "remove it or use another bundle", bundle);
        if (mkdirat(fd, "rootfs", 0755) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "create %s/rootfs", bundle);
        return keel_write_file_atomic_at(fd, "config.json", json, len, 0644, err);
}
