/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec/config-parse.h"
#include "util/fs.h"
#include "util/json-scan.h"

/* The document: ociVersion, root, mounts, hooks, hostname, annotations;
 * process and linux are read by spec/config-*.c. */

const char *keel_string_map_get(const struct keel_string_map *map, const char *key)
{
        size_t i;

        for (i = 0; i < map->n; i++)
                if (strcmp(map->keys[i], key) == 0)
                        return map->values[i];
        return NULL;
}

const struct keel_hook_list *keel_hooks_get(const struct keel_hooks *h, enum keel_hook_kind k)
{
        switch (k) {
        case KEEL_HOOK_PRESTART:
                return &h->prestart;
        case KEEL_HOOK_CREATE_RUNTIME:
                return &h->create_runtime;
        case KEEL_HOOK_CREATE_CONTAINER:
                return &h->create_container;
        case KEEL_HOOK_START_CONTAINER:
                return &h->start_container;
        case KEEL_HOOK_POSTSTART:
                return &h->poststart;
        case KEEL_HOOK_POSTSTOP:
                return &h->poststop;
        default:
                return NULL;
        }
}

/* ---- freeing ------------------------------------------------------------- */

void keel_string_map_clear(struct keel_string_map *m)
{
        keel_strv_free(m->keys);
        keel_strv_free(m->values);
        m->keys = m->values = NULL;
        m->n = 0;
}

static void mount_clear(struct keel_mount *m)
{
        free(m->destination);
        free(m->source);
        free(m->type);
        keel_strv_free(m->options);
        free(m->uid_mappings);
        free(m->gid_mappings);
}

static void hooks_free(struct keel_hooks *h)
{
        size_t k, i;

        if (h == NULL)
                return;
        for (k = 0; k < KEEL_HOOK__COUNT; k++) {
                const struct keel_hook_list *l = keel_hooks_get(h, k);

                for (i = 0; i < l->n; i++) {
                        free(l->hooks[i].path);
                        keel_strv_free(l->hooks[i].args);
                        keel_strv_free(l->hooks[i].env);
                }
                free(l->hooks);
        }
        free(h);
}

void keel_config_free(struct keel_config *cfg)
{
        size_t i;

        if (cfg == NULL)
                return;
        free(cfg->oci_version);
        if (cfg->root != NULL) {
                free(cfg->root->path);
                free(cfg->root);
        }
        for (i = 0; i < cfg->n_mounts; i++)
                mount_clear(&cfg->mounts[i]);
        free(cfg->mounts);
        keel_process_free(cfg->process);
        free(cfg->hostname);
        free(cfg->domainname);
        hooks_free(cfg->hooks);
        keel_string_map_clear(&cfg->annotations);
        keel_config_linux_free(cfg->linux_cfg);
        free(cfg);
}

/* ---- checks every section uses ---------------------------------------------- */

int keel_config_check_absolute(const char *key, const char *value, path_t *p, err_t err)
{
        char q[96];

        if (value == NULL || value[0] == '/')
                return 0;
        return keel_json_member_error(p, key, err, "%s is not an absolute path",
                                      keel_json_quote(value, q, sizeof(q)));
}

int keel_config_check_absolute_list(const char *key, char **list, path_t *p, err_t err)
{
        char q[96];
        size_t i;

        for (i = 0; list != NULL && list[i] != NULL; i++)
                if (list[i][0] != '/')
                        return keel_json_element_error(p, key, i, NULL, err,
                                                       "%s is not an absolute path",
                                                       keel_json_quote(list[i], q, sizeof(q)));
        return 0;
}

int keel_config_check_cpu_list(const char *key, const char *s, path_t *p, err_t err)
{
        char q[96];

        if (s == NULL || s[strspn(s, "0123456789, -")] == '\0')
                return 0;
        return keel_json_member_error(p, key, err, "%s is not a list like \"0-3,7\"",
                                      keel_json_quote(s, q, sizeof(q)));
}

/* ---- ociVersion, root, mounts, hooks ------------------------------------------ */

static bool is_semver_number(const char **s)
{
        const char *c = *s;

        if (*c < '0' || *c > '9')
                return false;
        if (*c == '0' && c[1] >= '0' && c[1] <= '9')
                return false;
        while (*c >= '0' && *c <= '9')
                c++;
        *s = c;
        return true;
}

/* SemVer 2.0.0: MAJOR.MINOR.PATCH, then a pre-release or build suffix;
 * *major_end gets the end of MAJOR. */
static bool is_semver(const char *v, const char **major_end)
{
        const char *c = v;

        if (!is_semver_number(&c))
                return false;
        *major_end = c;
        if (*c++ != '.' || !is_semver_number(&c) || *c++ != '.' || !is_semver_number(&c))
                return false;
        if (*c == '-' || *c == '+') {
                if (c[1] == '\0')
                        return false;
                for (c++; *c; c++)
                        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                              (*c >= 'A' && *c <= 'Z') || *c == '.' || *c == '-' || *c == '+'))
                                return false;
        }
        return *c == '\0';
}

/* ociVersion is SemVer 2.0.0; configs of another major version are not
 * ones keel understands. */
static int check_oci_version(const char *v, path_t *p, err_t err)
{
        const char *major_end;
        char q[96];

        if (!is_semver(v, &major_end))
                return keel_json_member_error(p, "ociVersion", err,
                                              "%s is not a SemVer version like 1.3.0",
                                              keel_json_quote(v, q, sizeof(q)));
        if (major_end - v != 1 || v[0] != '1')
                return keel_json_member_error(p, "ociVersion", err,
                                              "unsupported version %s (keel supports 1.x)",
                                              keel_json_quote(v, q, sizeof(q)));
        return 0;
}

int keel_config_parse_id_mapping(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_id_mapping *m = elem;

        TRY(keel_json_get_uint32(v, "containerID", true, p, &m->container_id, err));
        TRY(keel_json_get_uint32(v, "hostID", true, p, &m->host_id, err));
        TRY(keel_json_get_uint32(v, "size", true, p, &m->size, err));
        return 0;
}

static int parse_mount(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_mount *m = elem;

        TRY(keel_json_get_string(v, "destination", true, p, &m->destination, err));
        TRY(keel_json_get_string(v, "source", false, p, &m->source, err));
        TRY(keel_json_get_string(v, "type", false, p, &m->type, err));
        STRING_ARRAY(v, "options", false, m, options);
        OBJECT_ARRAY(v, "uidMappings", m, uid_mappings, keel_config_parse_id_mapping);
        OBJECT_ARRAY(v, "gidMappings", m, gid_mappings, keel_config_parse_id_mapping);
        return 0;
}

static int parse_hook(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_hook *h = elem;
        int r;

        TRY(keel_json_get_string(v, "path", true, p, &h->path, err));
        TRY(keel_config_check_absolute("path", h->path, p, err));
        STRING_ARRAY(v, "args", false, h, args);
        STRING_ARRAY(v, "env", false, h, env);
        r = keel_json_get_int(v, "timeout", false, 1, INT32_MAX, p, &h->timeout, err);
        if (r > 0)
                h->has_timeout = true;
        return r < 0 ? r : 0;
}

static int parse_hooks(yajl_val o, path_t *p, struct keel_hooks *h, err_t err)
{
        size_t k;

        for (k = 0; k < KEEL_HOOK__COUNT; k++) {
                struct keel_hook_list *l = (struct keel_hook_list *) keel_hooks_get(h, k);

                TRY(keel_json_get_object_array(o, keel_hook_names[k], false, sizeof(*l->hooks),
                                               parse_hook, p, (void **) &l->hooks, &l->n, err));
        }
        return 0;
}

/* ---- the document ------------------------------------------------------------ */

static int parse_root(yajl_val o, path_t *p, struct keel_root *root, err_t err)
{
        TRY(keel_json_get_string(o, "path", true, p, &root->path, err));
        TRY(keel_json_get_bool(o, "readonly", false, p, &root->readonly, err));
        return 0;
}

static int parse_config(yajl_val o, path_t *p, void *out, err_t err)
{
        struct keel_config *cfg = out;

        TRY(keel_json_get_string(o, "ociVersion", true, p, &cfg->oci_version, err));
        TRY(check_oci_version(cfg->oci_version, p, err));
        /* REQUIRED on every platform but Windows. */
        TRY(keel_json_get_object(o, "root", true, p, &(yajl_val){ NULL }, err));
        SECTION(o, "root", &cfg->root, parse_root);
        OBJECT_ARRAY(o, "mounts", cfg, mounts, parse_mount);
        SECTION(o, "process", &cfg->process, keel_config_parse_process);
        TRY(keel_json_get_string(o, "hostname", false, p, &cfg->hostname, err));
        TRY(keel_json_get_string(o, "domainname", false, p, &cfg->domainname, err));
        SECTION(o, "hooks", &cfg->hooks, parse_hooks);
        TRY(keel_json_get_string_map(o, "annotations", false, p, &cfg->annotations.keys,
                                     &cfg->annotations.values, &cfg->annotations.n, err));
        SECTION(o, "linux", &cfg->linux_cfg, keel_config_parse_linux);
        return 0;
}

int keel_config_parse(const char *data, size_t len, struct keel_config **out,
                      struct keel_error **err)
{
        int r = keel_json_read_document(data, len, sizeof(**out), parse_config, (void **) out, err);

        if (r < 0)
                keel_config_free(steal_pointer(out));
        return r;
}

int keel_config_load(int dirfd, const char *path, struct keel_config **out,
                     struct keel_error **err)
{
        return keel_config_load_if_key(dirfd, path, NULL, out, err);
}

int keel_config_load_if_key(int dirfd, const char *path, const char *key,
                            struct keel_config **out, struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len;
        int r;

        /* O_NONBLOCK: a FIFO planted as config.json must not hang us. */
        fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return keel_error_set(err, errno, "open %s", path);
        if (fstat(fd, &st) < 0)
                return keel_error_set(err, errno, "stat %s", path);
        if (!S_ISREG(st.st_mode))
                return keel_error_set(err, 0, "open %s: not a regular file", path);
        r = keel_read_fd(fd, KEEL_CONFIG_MAX_SIZE, &buf, &len, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", path);
        if (key != NULL && !keel_json_may_hold_key(buf, len, key)) {
                *out = NULL;
                return 0;
        }
        r = keel_config_parse(buf, len, out, err);
        if (r < 0)
                return keel_error_prefix(err, "%s", path);
        return 0;
}
