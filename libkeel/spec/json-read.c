/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/json.h"
#include "util/cleanup.h"

/* Reading a parsed tree into C values: value readers check the type and
 * the range of one value, member readers find a key of an object first. */

/* ---- typed readers ------------------------------------------------------ */

const char *keel_json_type_name(yajl_val v)
{
        if (v == NULL)
                return "null";
        switch (v->type) {
        case yajl_t_string:
                return "string";
        case yajl_t_number:
                if (v->u.number.r != NULL && keel_json_is_integer_text(v->u.number.r))
                        return "integer";
                return "number";
        case yajl_t_object:
                return "object";
        case yajl_t_array:
                return "array";
        case yajl_t_true:
        case yajl_t_false:
                return "boolean";
        default:
                return "null";
        }
}

static int type_error(yajl_val v, const char *want, const struct keel_json_path *p,
                      struct keel_error **err)
{
        return keel_json_error(p, err, "expected %s, got %s", want, keel_json_type_name(v));
}

yajl_val keel_json_lookup(yajl_val obj, const char *key)
{
        size_t i;

        if (obj == NULL || obj->type != yajl_t_object)
                return NULL;
        for (i = 0; i < obj->u.object.len; i++) {
                if (strcmp(obj->u.object.keys[i], key) == 0) {
                        yajl_val v = obj->u.object.values[i];
                        return v != NULL && v->type == yajl_t_null ? NULL : v;
                }
        }
        return NULL;
}

int keel_json_value_string(yajl_val v, const struct keel_json_path *p, char **out,
                           struct keel_error **err)
{
        char *s;

        if (v == NULL || v->type != yajl_t_string)
                return type_error(v, "string", p, err);
        s = strdup(v->u.string);
        if (s == NULL)
                return keel_json_oom(p, err);
        free(*out);
        *out = s;
        return 0;
}

int keel_json_value_bool(yajl_val v, const struct keel_json_path *p, bool *out,
                         struct keel_error **err)
{
        if (v == NULL || (v->type != yajl_t_true && v->type != yajl_t_false))
                return type_error(v, "boolean", p, err);
        *out = v->type == yajl_t_true;
        return 0;
}

/* Split an integer's source text into sign and magnitude.  -EDOM when it
 * is not an integer at all, -ERANGE when the magnitude passes UINT64_MAX. */
static int split_integer(const char *s, bool *neg, uint64_t *mag)
{
        uint64_t m = 0;

        *neg = *s == '-';
        if (*neg)
                s++;
        if (*s == '\0' || !keel_json_is_integer_text(s))
                return -EDOM;
        for (; *s; s++) {
                unsigned d;

                if (*s < '0' || *s > '9')
                        return -EDOM;
                d = (unsigned) (*s - '0');
                if (m > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                m = m * 10 + d;
        }
        *mag = m;
        return 0;
}

static int number_text(yajl_val v, const char *want, const struct keel_json_path *p,
                       const char **text, struct keel_error **err)
{
        if (v == NULL || v->type != yajl_t_number || v->u.number.r == NULL)
                return type_error(v, want, p, err);
        if (!keel_json_is_integer_text(v->u.number.r))
                return keel_json_error(p, err, "expected %s, got %.40s%s", want, v->u.number.r,
                                       strlen(v->u.number.r) > 40 ? "..." : "");
        *text = v->u.number.r;
        return 0;
}

static int range_error(const char *text, const char *min, const char *max,
                       const struct keel_json_path *p, struct keel_error **err)
{
        return keel_json_error(p, err, "%.40s%s is out of range (%s to %s)", text,
                               strlen(text) > 40 ? "..." : "", min, max);
}

int keel_json_value_int64(yajl_val v, int64_t min, int64_t max, const struct keel_json_path *p,
                          int64_t *out, struct keel_error **err)
{
        char smin[32], smax[32];
        const char *text;
        uint64_t mag;
        int64_t val;
        bool neg;
        int r;

        r = number_text(v, "integer", p, &text, err);
        if (r < 0)
                return r;
        snprintf(smin, sizeof(smin), "%" PRId64, min);
        snprintf(smax, sizeof(smax), "%" PRId64, max);
        r = split_integer(text, &neg, &mag);
        if (r == -EDOM)
                return type_error(v, "integer", p, err);
        if (r < 0 || (!neg && mag > (uint64_t) INT64_MAX) ||
            (neg && mag > (uint64_t) INT64_MAX + 1))
                return range_error(text, smin, smax, p, err);
        if (neg)
                val = mag == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
        else
                val = (int64_t) mag;
        if (val < min || val > max)
                return range_error(text, smin, smax, p, err);
        *out = val;
        return 0;
}

int keel_json_value_uint64(yajl_val v, uint64_t max, const struct keel_json_path *p,
                           uint64_t *out, struct keel_error **err)
{
        const char *text;
        char smax[32];
        uint64_t mag;
        bool neg;
        int r;

        r = number_text(v, "integer", p, &text, err);
        if (r < 0)
                return r;
        snprintf(smax, sizeof(smax), "%" PRIu64, max);
        r = split_integer(text, &neg, &mag);
        if (r == -EDOM)
                return type_error(v, "integer", p, err);
        if (r < 0 || neg || mag > max)
                return range_error(text, "0", smax, p, err);
        *out = mag;
        return 0;
}

int keel_json_value_uint32(yajl_val v, const struct keel_json_path *p, uint32_t *out,
                           struct keel_error **err)
{
        uint64_t u;
        int r = keel_json_value_uint64(v, UINT32_MAX, p, &u, err);

        if (r == 0)
                *out = (uint32_t) u;
        return r;
}

int keel_json_value_enum(yajl_val v, const char *const *names, size_t n_names,
                         const struct keel_json_path *p, int *out, struct keel_error **err)
{
        char list[1024], quoted[96];
        size_t i, used = 0;
        bool first = true;

        if (v == NULL || v->type != yajl_t_string)
                return type_error(v, "string", p, err);
        for (i = 0; i < n_names; i++) {
                if (names[i] != NULL && strcmp(names[i], v->u.string) == 0) {
                        *out = (int) i;
                        return 0;
                }
        }
        list[0] = '\0';
        for (i = 0; i < n_names; i++) {
                int n;

                if (names[i] == NULL)
                        continue;
                n = snprintf(list + used, sizeof(list) - used, "%s%s", first ? "" : ", ", names[i]);
                if (n < 0 || (size_t) n >= sizeof(list) - used)
                        break;
                used += (size_t) n;
                first = false;
        }
        return keel_json_error(p, err, "unknown value %s (expected one of: %s)",
                               keel_json_quote(v->u.string, quoted, sizeof(quoted)), list);
}

int keel_json_value_object(yajl_val v, const struct keel_json_path *p, struct keel_error **err)
{
        if (v == NULL || v->type != yajl_t_object)
                return type_error(v, "object", p, err);
        return 0;
}

int keel_json_value_array(yajl_val v, const struct keel_json_path *p, struct keel_error **err)
{
        if (v == NULL || v->type != yajl_t_array)
                return type_error(v, "array", p, err);
        return 0;
}

/* ---- member readers --------------------------------------------------------- */

/* Push key and find its value: 1 and *v when present, 0 when absent (the
 * key is popped again), an error when absent but required. */
static int member_begin(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                        yajl_val *v, struct keel_error **err)
{
        keel_json_path_push_key(p, key);
        *v = keel_json_lookup(obj, key);
        if (*v != NULL)
                return 1;
        if (required) {
                int r = keel_json_error(p, err, "required field missing");
                keel_json_path_pop(p);
                return r;
        }
        keel_json_path_pop(p);
        return 0;
}

/* Pop the key again and turn a reader's 0 into "present". */
static int member_end(struct keel_json_path *p, int r)
{
        keel_json_path_pop(p);
        return r < 0 ? r : 1;
}

/* The body of every member reader: the value reader call runs on the
 * member's value v, with its key on the path. */
#define READ_MEMBER(call)                                                       \
        do {                                                                    \
                yajl_val v;                                                     \
                int r_ = member_begin(obj, key, required, p, &v, err);          \
                return r_ <= 0 ? r_ : member_end(p, (call));                    \
        } while (0)

static int value_object_ref(yajl_val v, const struct keel_json_path *p, yajl_val *out,
                            struct keel_error **err)
{
        int r = keel_json_value_object(v, p, err);

        if (r == 0)
                *out = v;
        return r;
}

static int value_array_ref(yajl_val v, const struct keel_json_path *p, yajl_val *out,
                           struct keel_error **err)
{
        int r = keel_json_value_array(v, p, err);

        if (r == 0)
                *out = v;
        return r;
}

static int value_string_array(yajl_val arr, struct keel_json_path *p, char ***out, size_t *n,
                              struct keel_error **err)
{
        _cleanup_strv_ char **v = NULL;
        size_t len, i;
        int r = keel_json_value_array(arr, p, err);

        if (r < 0)
                return r;
        len = arr->u.array.len;
        v = calloc(len + 1, sizeof(*v));
        if (v == NULL)
                return keel_json_oom(p, err);
        for (i = 0; i < len; i++) {
                keel_json_path_push_index(p, i);
                r = keel_json_value_string(arr->u.array.values[i], p, &v[i], err);
                keel_json_path_pop(p);
                if (r < 0)
                        return r;
        }
        keel_strv_free(*out);
        *out = steal_pointer(&v);
        *n = len;
        return 0;
}

static int value_string_map(yajl_val o, struct keel_json_path *p, char ***keys, char ***values,
                            size_t *n, struct keel_error **err)
{
        _cleanup_strv_ char **k = NULL, **v = NULL;
        size_t len, i;
        int r = keel_json_value_object(o, p, err);

        if (r < 0)
                return r;
        len = o->u.object.len;
        k = calloc(len + 1, sizeof(*k));
        v = calloc(len + 1, sizeof(*v));
        /* Both NULL-terminated at the first slot not filled, on every
         * return. */
        if (k == NULL || v == NULL)
                return keel_json_oom(p, err);
        for (i = 0; i < len; i++) {
                keel_json_path_push_key(p, o->u.object.keys[i]);
                r = keel_json_value_string(o->u.object.values[i], p, &v[i], err);
                keel_json_path_pop(p);
                if (r < 0)
                        return r;
                k[i] = strdup(o->u.object.keys[i]);
                if (k[i] == NULL)
                        return keel_json_oom(p, err);
        }
        keel_strv_free(*keys);
        keel_strv_free(*values);
        *keys = steal_pointer(&k);
        *values = steal_pointer(&v);
        *n = len;
        return 0;
}

int keel_json_get_string(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         char **out, struct keel_error **err)
{
        READ_MEMBER(keel_json_value_string(v, p, out, err));
}

int keel_json_get_bool(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                       bool *out, struct keel_error **err)
{
        READ_MEMBER(keel_json_value_bool(v, p, out, err));
}

int keel_json_get_int64(yajl_val obj, const char *key, bool required, int64_t min, int64_t max,
                        struct keel_json_path *p, int64_t *out, struct keel_error **err)
{
        READ_MEMBER(keel_json_value_int64(v, min, max, p, out, err));
}

int keel_json_get_uint64(yajl_val obj, const char *key, bool required, uint64_t max,
                         struct keel_json_path *p, uint64_t *out, struct keel_error **err)
{
        READ_MEMBER(keel_json_value_uint64(v, max, p, out, err));
}

int keel_json_get_uint32(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         uint32_t *out, struct keel_error **err)
{
        READ_MEMBER(keel_json_value_uint32(v, p, out, err));
}

int keel_json_get_enum(yajl_val obj, const char *key, bool required, const char *const *names,
                       size_t n_names, struct keel_json_path *p, int *out,
                       struct keel_error **err)
{
        READ_MEMBER(keel_json_value_enum(v, names, n_names, p, out, err));
}

int keel_json_get_object(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         yajl_val *out, struct keel_error **err)
{
        READ_MEMBER(value_object_ref(v, p, out, err));
}

int keel_json_get_array(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                        yajl_val *out, struct keel_error **err)
{
        READ_MEMBER(value_array_ref(v, p, out, err));
}

int keel_json_get_string_array(yajl_val obj, const char *key, bool required,
                               struct keel_json_path *p, char ***out, size_t *n,
                               struct keel_error **err)
{
        READ_MEMBER(value_string_array(v, p, out, n, err));
}

int keel_json_get_string_map(yajl_val obj, const char *key, bool required,
                             struct keel_json_path *p, char ***keys, char ***values, size_t *n,
                             struct keel_error **err)
{
        READ_MEMBER(value_string_map(v, p, keys, values, n, err));
}

/* ---- readers built on them -------------------------------------------------- */

static int present(int r, bool *has)
{
        if (r > 0)
                *has = true;
        return r;
}

int keel_json_opt_int64(yajl_val obj, const char *key, int64_t min, int64_t max,
                        struct keel_json_path *p, bool *has, int64_t *out, struct keel_error **err)
{
        return present(keel_json_get_int64(obj, key, false, min, max, p, out, err), has);
}

int keel_json_opt_uint64(yajl_val obj, const char *key, uint64_t max, struct keel_json_path *p,
                         bool *has, uint64_t *out, struct keel_error **err)
{
        return present(keel_json_get_uint64(obj, key, false, max, p, out, err), has);
}

int keel_json_opt_uint32(yajl_val obj, const char *key, struct keel_json_path *p, bool *has,
                         uint32_t *out, struct keel_error **err)
{
        return present(keel_json_get_uint32(obj, key, false, p, out, err), has);
}

int keel_json_opt_bool(yajl_val obj, const char *key, struct keel_json_path *p, bool *has,
                       bool *out, struct keel_error **err)
{
        return present(keel_json_get_bool(obj, key, false, p, out, err), has);
}

int keel_json_get_int(yajl_val obj, const char *key, bool required, int min, int max,
                      struct keel_json_path *p, int *out, struct keel_error **err)
{
        int64_t v;
        int r = keel_json_get_int64(obj, key, required, min, max, p, &v, err);

        if (r > 0)
                *out = (int) v;
        return r;
}

int keel_json_get_section(yajl_val obj, const char *key, size_t size, struct keel_json_path *p,
                          yajl_val *v, void **out, struct keel_error **err)
{
        int r = keel_json_get_object(obj, key, false, p, v, err);

        if (r <= 0)
                return r;
        *out = calloc(1, size);
        if (*out == NULL)
                return keel_json_oom(p, err);
        return 1;
}

/* The objects of array or object c, each read into an element of elsize
 * bytes: by fn for an array, by entry_fn (which also gets the key) for an
 * object.  *out and *n are set before the elements are read, so a failure
 * leaves zeroed elements the free functions handle. */
static int read_objects(yajl_val c, const char *key, size_t elsize, keel_json_elem_fn fn,
                        keel_json_entry_fn entry_fn, struct keel_json_path *p, void **out,
                        size_t *n, struct keel_error **err)
{
        bool map = c->type == yajl_t_object;
        size_t len = map ? c->u.object.len : c->u.array.len, i;
        char *items = calloc(len ? len : 1, elsize);
        int r = 0;

        if (items == NULL)
                return keel_json_oom(p, err);
        *out = items;
        *n = len;
        keel_json_path_push_key(p, key);
        for (i = 0; i < len && r >= 0; i++) {
                yajl_val v = map ? c->u.object.values[i] : c->u.array.values[i];
                void *elem = items + i * elsize;

                if (map)
                        keel_json_path_push_key(p, c->u.object.keys[i]);
                else
                        keel_json_path_push_index(p, i);
                r = keel_json_value_object(v, p, err);
                if (r == 0)
                        r = map ? entry_fn(c->u.object.keys[i], v, p, elem, err)
                                : fn(v, p, elem, err);
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r < 0 ? r : 1;
}

int keel_json_get_object_array(yajl_val obj, const char *key, bool required, size_t elsize,
                               keel_json_elem_fn fn, struct keel_json_path *p, void **out,
                               size_t *n, struct keel_error **err)
{
        yajl_val arr = NULL;
        int r = keel_json_get_array(obj, key, required, p, &arr, err);

        return r <= 0 ? r : read_objects(arr, key, elsize, fn, NULL, p, out, n, err);
}

int keel_json_get_object_map(yajl_val obj, const char *key, size_t elsize,
                             keel_json_entry_fn fn, struct keel_json_path *p, void **out,
                             size_t *n, struct keel_error **err)
{
        yajl_val map = NULL;
        int r = keel_json_get_object(obj, key, false, p, &map, err);

        return r <= 0 ? r : read_objects(map, key, elsize, NULL, fn, p, out, n, err);
}

int keel_json_array_each(yajl_val arr, const char *key, keel_json_each_fn fn, void *ctx,
                         struct keel_json_path *p, struct keel_error **err)
{
        size_t i;
        int r = 0;

        keel_json_path_push_key(p, key);
        for (i = 0; i < arr->u.array.len && r >= 0; i++) {
                keel_json_path_push_index(p, i);
                r = fn(arr->u.array.values[i], i, ctx, p, err);
                keel_json_path_pop(p);
        }
        keel_json_path_pop(p);
        return r;
}

struct flags_read {
        const struct keel_json_flag *flags;
        size_t n;
        uint64_t *out;
};

static int read_flag(yajl_val v, size_t i, void *ctx, struct keel_json_path *p,
                     struct keel_error **err)
{
        struct flags_read *f = ctx;
        const char *names[64];
        size_t k;
        int idx, r;

        for (k = 0; k < f->n && k < ARRAY_SIZE(names); k++)
                names[k] = f->flags[k].name;
        r = keel_json_value_enum(v, names, k, p, &idx, err);
        if (r == 0)
                *f->out |= f->flags[idx].bit;
        return r;
}

int keel_json_get_flags(yajl_val obj, const char *key, const struct keel_json_flag *flags,
                        size_t n, struct keel_json_path *p, uint64_t *out, struct keel_error **err)
{
        struct flags_read f = { .flags = flags, .n = n, .out = out };
        yajl_val arr = NULL;
        int r = keel_json_get_array(obj, key, false, p, &arr, err);

        if (r > 0)
                r = keel_json_array_each(arr, key, read_flag, &f, p, err);
        return r < 0 ? r : (arr != NULL);
}

int keel_json_read_document(const char *data, size_t len, size_t size, keel_json_document_fn fn,
                            void **out, struct keel_error **err)
{
        struct keel_json_path p;
        yajl_val tree = NULL;
        int r;

        *out = calloc(1, size);
        if (*out == NULL)
                return keel_error_set(err, ENOMEM, "parse JSON");
        r = keel_json_parse(data, len, &tree, err);
        if (r < 0)
                return r;
        keel_json_path_init(&p);
        r = keel_json_value_object(tree, &p, err);
        if (r == 0)
                r = fn(tree, &p, *out, err);
        keel_json_free(tree);
        return r;
}
