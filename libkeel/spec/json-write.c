/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "error.h"
#include "keel.h"
#include "spec/json-write.h"

/* yajl's generator does the writing (and the escaping); keel's wrapper
 * keeps a failure sticky, so a document is complete or reported. */
struct keel_json_gen {
        yajl_gen y;
        size_t depth;   /* objects and arrays open */
        bool wrote;     /* a top-level value was begun */
        bool failed;
};

struct keel_json_gen *keel_json_gen_new(const char *indent, unsigned flags)
{
        struct keel_json_gen *g = calloc(1, sizeof(*g));

        if (g == NULL)
                return NULL;
        g->y = yajl_gen_alloc(NULL);
        if (g->y == NULL) {
                free(g);
                return NULL;
        }
        if (flags & KEEL_JSON_GEN_UTF8)
                yajl_gen_config(g->y, yajl_gen_validate_utf8, 1);
        if (indent != NULL) {
                yajl_gen_config(g->y, yajl_gen_beautify, 1);
                yajl_gen_config(g->y, yajl_gen_indent_string, indent);
        }
        return g;
}

void keel_json_gen_free(struct keel_json_gen *g)
{
        if (g == NULL)
                return;
        yajl_gen_free(g->y);
        free(g);
}

/* Record the outcome of one step. */
static bool step(struct keel_json_gen *g, yajl_gen_status s)
{
        if (s != yajl_gen_status_ok)
                g->failed = true;
        g->wrote = true;
        return !g->failed;
}

#define STEP(g, call) ((g)->failed ? false : step((g), (call)))

bool keel_json_gen_map_open(struct keel_json_gen *g)
{
        return STEP(g, yajl_gen_map_open(g->y)) && ++g->depth;
}

bool keel_json_gen_map_close(struct keel_json_gen *g)
{
        return STEP(g, yajl_gen_map_close(g->y)) && g->depth-- > 0;
}

bool keel_json_gen_array_open(struct keel_json_gen *g)
{
        return STEP(g, yajl_gen_array_open(g->y)) && ++g->depth;
}

bool keel_json_gen_array_close(struct keel_json_gen *g)
{
        return STEP(g, yajl_gen_array_close(g->y)) && g->depth-- > 0;
}

bool keel_json_gen_str(struct keel_json_gen *g, const char *s)
{
        return STEP(g, yajl_gen_string(g->y, (const unsigned char *) s, strlen(s)));
}

bool keel_json_gen_int(struct keel_json_gen *g, long long v)
{
        return STEP(g, yajl_gen_integer(g->y, v));
}

/* yajl_gen_integer takes a long long: larger values go as number text. */
bool keel_json_gen_uint(struct keel_json_gen *g, uint64_t v)
{
        char num[32];
        int n = snprintf(num, sizeof(num), "%" PRIu64, v);

        return STEP(g, yajl_gen_number(g->y, num, (size_t) n));
}

bool keel_json_gen_double(struct keel_json_gen *g, double v)
{
        return STEP(g, yajl_gen_double(g->y, v));
}

bool keel_json_gen_bool(struct keel_json_gen *g, bool v)
{
        return STEP(g, yajl_gen_bool(g->y, v));
}

bool keel_json_gen_null(struct keel_json_gen *g)
{
        return STEP(g, yajl_gen_null(g->y));
}

bool keel_json_gen_kv_str(struct keel_json_gen *g, const char *key, const char *value)
{
        return value == NULL || (keel_json_gen_str(g, key) && keel_json_gen_str(g, value));
}

bool keel_json_gen_kv_int(struct keel_json_gen *g, const char *key, long long v)
{
        return keel_json_gen_str(g, key) && keel_json_gen_int(g, v);
}

bool keel_json_gen_kv_uint(struct keel_json_gen *g, const char *key, uint64_t v)
{
        return keel_json_gen_str(g, key) && keel_json_gen_uint(g, v);
}

bool keel_json_gen_kv_double(struct keel_json_gen *g, const char *key, double v)
{
        return keel_json_gen_str(g, key) && keel_json_gen_double(g, v);
}

bool keel_json_gen_kv_bool(struct keel_json_gen *g, const char *key, bool v)
{
        return keel_json_gen_str(g, key) && keel_json_gen_bool(g, v);
}

bool keel_json_gen_strv(struct keel_json_gen *g, const char *const *v)
{
        if (!keel_json_gen_array_open(g))
                return false;
        for (; *v != NULL; v++)
                if (!keel_json_gen_str(g, *v))
                        return false;
        return keel_json_gen_array_close(g);
}

bool keel_json_gen_kv_strv(struct keel_json_gen *g, const char *key, const char *const *v)
{
        return keel_json_gen_str(g, key) && keel_json_gen_strv(g, v);
}

bool keel_json_gen_key_map(struct keel_json_gen *g, const char *key)
{
        return keel_json_gen_str(g, key) && keel_json_gen_map_open(g);
}

bool keel_json_gen_key_array(struct keel_json_gen *g, const char *key)
{
        return keel_json_gen_str(g, key) && keel_json_gen_array_open(g);
}

int keel_json_gen_take(struct keel_json_gen *g, bool newline, char **out, size_t *len)
{
        const unsigned char *buf;
        size_t n;
        char *copy;

        if (g->failed || !g->wrote || g->depth != 0 ||
            yajl_gen_get_buf(g->y, &buf, &n) != yajl_gen_status_ok)
                return -EINVAL;
        copy = malloc(n + 2);
        if (copy == NULL)
                return -ENOMEM;
        memcpy(copy, buf, n);
        if (newline && (n == 0 || copy[n - 1] != '\n'))
                copy[n++] = '\n';
        copy[n] = '\0';
        *out = copy;
        if (len)
                *len = n;
        return 0;
}

/* ---- parsed trees ------------------------------------------------------------ */

static const struct yajl_val_s *object_get(const struct yajl_val_s *o, const char *key)
{
        if (o == NULL || !YAJL_IS_OBJECT(o))
                return NULL;
        for (size_t i = 0; i < o->u.object.len; i++)
                if (strcmp(o->u.object.keys[i], key) == 0)
                        return o->u.object.values[i];
        return NULL;
}

static bool gen_merged(struct keel_json_gen *g, const struct yajl_val_s *base,
                       const struct yajl_val_s *over);

/* The object base, with the members of over (NULL: none) laid on top. */
static bool gen_object(struct keel_json_gen *g, const struct yajl_val_s *base,
                       const struct yajl_val_s *over)
{
        size_t i;

        if (!keel_json_gen_map_open(g))
                return false;
        for (i = 0; i < base->u.object.len; i++)
                if (!keel_json_gen_str(g, base->u.object.keys[i]) ||
                    !gen_merged(g, base->u.object.values[i],
                                object_get(over, base->u.object.keys[i])))
                        return false;
        for (i = 0; over != NULL && i < over->u.object.len; i++) {
                if (object_get(base, over->u.object.keys[i]) != NULL)
                        continue;
                if (!keel_json_gen_str(g, over->u.object.keys[i]) ||
                    !gen_merged(g, NULL, over->u.object.values[i]))
                        return false;
        }
        return keel_json_gen_map_close(g);
}

static bool gen_merged(struct keel_json_gen *g, const struct yajl_val_s *base,
                       const struct yajl_val_s *over)
{
        const struct yajl_val_s *v = over ? over : base;

        if (over && base && YAJL_IS_OBJECT(over) && YAJL_IS_OBJECT(base))
                return gen_object(g, base, over);
        switch (v->type) {
        case yajl_t_string:
                return keel_json_gen_str(g, v->u.string);
        case yajl_t_number:
                return STEP(g, yajl_gen_number(g->y, v->u.number.r, strlen(v->u.number.r)));
        case yajl_t_true:
        case yajl_t_false:
                return keel_json_gen_bool(g, v->type == yajl_t_true);
        case yajl_t_null:
                return keel_json_gen_null(g);
        case yajl_t_array:
                if (!keel_json_gen_array_open(g))
                        return false;
                for (size_t i = 0; i < v->u.array.len; i++)
                        if (!gen_merged(g, NULL, v->u.array.values[i]))
                                return false;
                return keel_json_gen_array_close(g);
        case yajl_t_object:
                return gen_object(g, v, NULL);
        default:
                g->failed = true;
                return false;
        }
}

bool keel_json_gen_tree(struct keel_json_gen *g, const struct yajl_val_s *v)
{
        return gen_merged(g, NULL, v);
}

int keel_json_generate_merged(const struct yajl_val_s *base, const struct yajl_val_s *over,
                              char **out, size_t *len, struct keel_error **err)
{
        struct keel_json_gen *g = keel_json_gen_new(NULL, KEEL_JSON_GEN_UTF8);
        int ret;

        if (g == NULL)
                return keel_error_set(err, ENOMEM, "JSON");
        gen_merged(g, base, over);
        ret = keel_json_gen_take(g, false, out, len);
        keel_json_gen_free(g);
        if (ret == -EINVAL)
                return keel_error_setq(err, EINVAL, "cannot write JSON");
        return ret < 0 ? keel_error_set(err, -ret, "JSON") : 0;
}

int keel_log_json_line(const char *level, const char *msg, const char *time, char **out,
                       size_t *len)
{
        _cleanup_json_gen_ struct keel_json_gen *g = NULL;

        if (level == NULL || msg == NULL || time == NULL)
                return -EINVAL;
        g = keel_json_gen_new(NULL, 0);
        if (g == NULL)
                return -ENOMEM;
        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "level", level);
        keel_json_gen_kv_str(g, "msg", msg);
        keel_json_gen_kv_str(g, "time", time);
        keel_json_gen_map_close(g);
        return keel_json_gen_take(g, true, out, len);
}
