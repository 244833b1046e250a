/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_CONFIG_PARSE_H
#define KEEL_SPEC_CONFIG_PARSE_H

/* config.json, read section by section: oci-config.c has the document
 * (root, mounts, hooks) and the checks every section uses,
 * config-process.c, config-linux.c, config-resources.c and
 * config-seccomp.c one section each, config-names.c the spellings.
 * Private to those files. */

#include "spec/config-names.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"

typedef struct keel_json_path path_t;
typedef struct keel_error **err_t;

/* Run parse on the sub-object key of o, with the path pushed, into a
 * freshly allocated struct stored in *out. */
#define SECTION(o, key, out, parse)                                                     \
        do {                                                                            \
                yajl_val _v = NULL;                                                     \
                int _r = keel_json_get_section((o), (key), sizeof(**(out)), p, &_v,    \
                                               (void **) (out), err);                  \
                if (_r > 0) {                                                           \
                        keel_json_path_push_key(p, (key));                              \
                        _r = parse(_v, p, *(out), err);                                 \
                        keel_json_path_pop(p);                                          \
                }                                                                       \
                if (_r < 0)                                                             \
                        return _r;                                                      \
        } while (0)

/* Member key of o into field of struct s, with its has_ flag or n_ count
 * (the models' conventions); a failure returns from the caller.  Like
 * SECTION, they use the caller's p and err. */
#define OPT_INT64(o, key, s, field, min, max) \
        TRY(keel_json_opt_int64((o), (key), (min), (max), p, &(s)->has_##field, &(s)->field, err))
#define OPT_UINT64(o, key, s, field, max) \
        TRY(keel_json_opt_uint64((o), (key), (max), p, &(s)->has_##field, &(s)->field, err))
#define OPT_UINT32(o, key, s, field) \
        TRY(keel_json_opt_uint32((o), (key), p, &(s)->has_##field, &(s)->field, err))
#define OPT_BOOL(o, key, s, field) \
        TRY(keel_json_opt_bool((o), (key), p, &(s)->has_##field, &(s)->field, err))
#define STRING_ARRAY(o, key, required, s, field)                                             \
        TRY(keel_json_get_string_array((o), (key), (required), p, &(s)->field, &(s)->n_##field, \
                                       err))
/* Member key of o spelled as one of table's names: its index into dst
 * (an enum). */
#define ENUM(o, key, required, table, dst)                                               \
        do {                                                                             \
                int _e;                                                                  \
                int _r = keel_json_get_enum((o), (key), (required), (table),            \
                                            ARRAY_SIZE(table), p, &_e, err);             \
                if (_r < 0)                                                              \
                        return _r;                                                       \
                if (_r > 0)                                                              \
                        (dst) = _e;                                                      \
        } while (0)
/* An optional array of objects, or an object of them (the key read by
 * parse too), each element read by parse. */
#define OBJECT_ARRAY(o, key, s, field, parse)                                                \
        TRY(keel_json_get_object_array((o), (key), false, sizeof(*(s)->field), (parse), p,    \
                                       (void **) &(s)->field, &(s)->n_##field, err))
#define OBJECT_MAP(o, key, s, field, parse)                                                  \
        TRY(keel_json_get_object_map((o), (key), sizeof(*(s)->field), (parse), p,            \
                                     (void **) &(s)->field, &(s)->n_##field, err))

/* Checks of values already read: "<path>.key: ... is not ..." errors. */
int keel_config_check_absolute(const char *key, const char *value, path_t *p, err_t err);
/* list: NULL-terminated, or NULL. */
int keel_config_check_absolute_list(const char *key, char **list, path_t *p, err_t err);
int keel_config_check_cpu_list(const char *key, const char *s, path_t *p, err_t err);

/* An element of mounts[].uidMappings and linux.uidMappings alike. */
int keel_config_parse_id_mapping(yajl_val v, path_t *p, void *elem, err_t err);

void keel_string_map_clear(struct keel_string_map *m);

/* The sections: parse o (an object, its key on the path) into a zeroed
 * struct; free what a (possibly failed) parse left. */
int keel_config_parse_process(yajl_val o, path_t *p, struct keel_process *proc, err_t err);
int keel_config_parse_linux(yajl_val o, path_t *p, struct keel_linux *l, err_t err);
void keel_config_linux_free(struct keel_linux *l);
int keel_config_parse_resources(yajl_val o, path_t *p, struct keel_resources *r, err_t err);
void keel_config_resources_free(struct keel_resources *r);
int keel_config_parse_seccomp(yajl_val o, path_t *p, struct keel_seccomp *s, err_t err);
void keel_config_seccomp_free(struct keel_seccomp *s);

#endif
