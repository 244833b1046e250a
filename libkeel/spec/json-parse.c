/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "spec/json.h"
#include "util/cleanup.h"

/* ---- building the tree ------------------------------------------------
 * yajl_tree_parse() wants a NUL-terminated string, turns comments on and
 * has no depth limit, so keel builds the same yajl_val tree from yajl's
 * event parser, which takes a length and lets every event be refused. */

struct builder {
        yajl_val root;
        yajl_val stack[KEEL_JSON_MAX_DEPTH];    /* open objects and arrays */
        char *pending_key[KEEL_JSON_MAX_DEPTH]; /* key read, value not yet */
        size_t depth;
        int errnum;     /* set when a callback refused the document */
        char msg[KEEL_JSON_PATH_MAX + 128];
};

void keel_json_free(yajl_val v)
{
        size_t i;

        if (v == NULL)
                return;
        switch (v->type) {
        case yajl_t_string:
                free(v->u.string);
                break;
        case yajl_t_number:
                free(v->u.number.r);
                break;
        case yajl_t_object:
                for (i = 0; i < v->u.object.len; i++) {
                        free((char *) v->u.object.keys[i]);
                        keel_json_free(v->u.object.values[i]);
                }
                free(v->u.object.keys);
                free(v->u.object.values);
                break;
        case yajl_t_array:
                for (i = 0; i < v->u.array.len; i++)
                        keel_json_free(v->u.array.values[i]);
                free(v->u.array.values);
                break;
        default:
                break;
        }
        free(v);
}

/* Make room for element number len of an array whose capacity is the
 * smallest power of two holding its elements. */
static int grow(void **arr, size_t len, size_t elsize)
{
        void *n;

        if (len != 0 && (len & (len - 1)) != 0)
                return 0;
        if (len > SIZE_MAX / 2 / elsize)
                return -ENOMEM;
        n = realloc(*arr, (len ? len * 2 : 1) * elsize);
        if (n == NULL)
                return -ENOMEM;
        *arr = n;
        return 0;
}

/* The path of the position the next event fills (or, with last, of the
 * container that is open innermost). */
static void builder_path(const struct builder *b, bool last, struct keel_json_path *p)
{
        size_t d;

        keel_json_path_init(p);
        for (d = 0; d < b->depth; d++) {
                yajl_val c = b->stack[d];
                bool inner = d + 1 == b->depth;

                if (inner && last)
                        break;
                if (c->type == yajl_t_object) {
                        if (!inner)
                                keel_json_path_push_key(p, c->u.object.keys[c->u.object.len - 1]);
                        else if (b->pending_key[d] != NULL)
                                keel_json_path_push_key(p, b->pending_key[d]);
                } else {
                        keel_json_path_push_index(p, inner ? c->u.array.len : c->u.array.len - 1);
                }
        }
}

static int refuse(struct builder *b, int errnum, const struct keel_json_path *p, const char *what)
{
        b->errnum = errnum;
        if (p != NULL)
                snprintf(b->msg, sizeof(b->msg), "%s: %s", keel_json_path_str(p), what);
        else
                snprintf(b->msg, sizeof(b->msg), "%s", what);
        return 0;
}

static int builder_oom(struct builder *b, yajl_val v)
{
        keel_json_free(v);
        return refuse(b, ENOMEM, NULL, "out of memory");
}

static int builder_add(struct builder *b, yajl_val v)
{
        yajl_val parent;
        size_t d;

        if (b->depth == 0) {
                b->root = v;
                return 1;
        }
        d = b->depth - 1;
        parent = b->stack[d];
        if (parent->type == yajl_t_object) {
                size_t n = parent->u.object.len;

                if (grow((void **) &parent->u.object.keys, n, sizeof(char *)) < 0 ||
                    grow((void **) &parent->u.object.values, n, sizeof(yajl_val)) < 0)
                        return builder_oom(b, v);
                parent->u.object.keys[n] = steal_pointer(&b->pending_key[d]);
                parent->u.object.values[n] = v;
                parent->u.object.len = n + 1;
        } else {
                size_t n = parent->u.array.len;

                if (grow((void **) &parent->u.array.values, n, sizeof(yajl_val)) < 0)
                        return builder_oom(b, v);
                parent->u.array.values[n] = v;
                parent->u.array.len = n + 1;
        }
        return 1;
}

static yajl_val new_value(struct builder *b, yajl_type type)
{
        yajl_val v = calloc(1, sizeof(*v));

        if (v == NULL)
                refuse(b, ENOMEM, NULL, "out of memory");
        else
                v->type = type;
        return v;
}

static int on_null(void *ctx)
{
        yajl_val v = new_value(ctx, yajl_t_null);

        return v ? builder_add(ctx, v) : 0;
}

static int on_boolean(void *ctx, int value)
{
        yajl_val v = new_value(ctx, value ? yajl_t_true : yajl_t_false);

        return v ? builder_add(ctx, v) : 0;
}

static int on_number(void *ctx, const char *s, size_t len)
{
        yajl_val v = new_value(ctx, yajl_t_number);
        char *end;

        if (v == NULL)
                return 0;
        v->u.number.r = strndup(s, len);
        if (v->u.number.r == NULL) {
                free(v);
                return refuse(ctx, ENOMEM, NULL, "out of memory");
        }
        /* Fill i and d as yajl_tree does, for readers that use them. */
        errno = 0;
        v->u.number.i = strtoll(v->u.number.r, &end, 10);
        if (errno == 0 && *end == '\0' && keel_json_is_integer_text(v->u.number.r))
                v->u.number.flags |= YAJL_NUMBER_INT_VALID;
        errno = 0;
        v->u.number.d = strtod(v->u.number.r, &end);
        if (errno == 0 && *end == '\0')
                v->u.number.flags |= YAJL_NUMBER_DOUBLE_VALID;
        return builder_add(ctx, v);
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        yajl_val v;

        if (memchr(s, '\0', len) != NULL) {
                struct keel_json_path p;

                builder_path(b, false, &p);
                return refuse(b, EINVAL, &p, "string contains U+0000");
        }
        v = new_value(b, yajl_t_string);
        if (v == NULL)
                return 0;
        v->u.string = strndup((const char *) s, len);
        if (v->u.string == NULL) {
                free(v);
                return refuse(b, ENOMEM, NULL, "out of memory");
        }
        return builder_add(b, v);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        size_t d = b->depth - 1;

        if (memchr(s, '\0', len) != NULL) {
                struct keel_json_path p;

                builder_path(b, true, &p);
                return refuse(b, EINVAL, &p, "object key contains U+0000");
        }
        free(b->pending_key[d]);
        b->pending_key[d] = strndup((const char *) s, len);
        if (b->pending_key[d] == NULL)
                return refuse(b, ENOMEM, NULL, "out of memory");
        return 1;
}

static int open_container(struct builder *b, yajl_type type)
{
        yajl_val v;

        if (b->depth >= KEEL_JSON_MAX_DEPTH) {
                char what[64];

                snprintf(what, sizeof(what), "nesting deeper than %d levels", KEEL_JSON_MAX_DEPTH);
                return refuse(b, EINVAL, NULL, what);
        }
        v = new_value(b, type);
        if (v == NULL || !builder_add(b, v))
                return 0;
        b->stack[b->depth++] = v;
        return 1;
}

static int on_start_map(void *ctx)
{
        return open_container(ctx, yajl_t_object);
}

static int on_start_array(void *ctx)
{
        return open_container(ctx, yajl_t_array);
}

static int cmp_keys(const void *a, const void *b)
{
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* The duplicate key of obj, or NULL. */
static const char *find_duplicate_key(yajl_val obj, int *errnum)
{
        size_t n = obj->u.object.len, i, j;
        _cleanup_free_ const char **sorted = NULL;
        const char *dup = NULL;

        *errnum = 0;
        if (n <= 8) {
                for (i = 0; i < n; i++)
                        for (j = i + 1; j < n; j++)
                                if (strcmp(obj->u.object.keys[i], obj->u.object.keys[j]) == 0)
                                        return obj->u.object.keys[i];
                return NULL;
        }
        sorted = malloc(n * sizeof(*sorted));
        if (sorted == NULL) {
                *errnum = ENOMEM;
                return NULL;
        }
        memcpy(sorted, obj->u.object.keys, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_keys);
        for (i = 1; i < n && dup == NULL; i++)
                if (strcmp(sorted[i - 1], sorted[i]) == 0)
                        dup = sorted[i];
        return dup;
}

static int on_end_map(void *ctx)
{
        struct builder *b = ctx;
        const char *dup;
        int errnum;

        dup = find_duplicate_key(b->stack[b->depth - 1], &errnum);
        if (errnum != 0)
                return refuse(b, errnum, NULL, "out of memory");
        if (dup != NULL) {
                struct keel_json_path p;

                builder_path(b, true, &p);
                keel_json_path_push_key(&p, dup);
                return refuse(b, EINVAL, &p, "key appears more than once");
        }
        b->depth--;
        return 1;
}

static int on_end_array(void *ctx)
{
        struct builder *b = ctx;

        b->depth--;
        return 1;
}

static const yajl_callbacks builder_callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_boolean,
        .yajl_number = on_number,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_map_key,
        .yajl_end_map = on_end_map,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end_array,
};

static void builder_discard(struct builder *b)
{
        size_t d;

        for (d = 0; d < KEEL_JSON_MAX_DEPTH; d++)
                free(b->pending_key[d]);
        /* Every open container hangs below root already. */
        keel_json_free(b->root);
        b->root = NULL;
}

int keel_json_parse(const char *data, size_t len, yajl_val *out, struct keel_error **err)
{
        _cleanup_free_ struct builder *b = calloc(1, sizeof(*b));
        yajl_handle h;
        yajl_status st;
        int ret = 0;

        if (b == NULL)
                return keel_error_set(err, ENOMEM, "parse JSON");
        h = yajl_alloc(&builder_callbacks, NULL, b);
        if (h == NULL)
                return keel_error_set(err, ENOMEM, "parse JSON");

        st = yajl_parse(h, (const unsigned char *) data, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        if (b->errnum == ENOMEM) {
                ret = keel_error_set(err, ENOMEM, "parse JSON");
        } else if (st == yajl_status_client_canceled || b->errnum != 0) {
                ret = keel_error_set(err, 0, "invalid JSON: %s", b->msg);
        } else if (st != yajl_status_ok) {
                unsigned char *e = yajl_get_error(h, 0, (const unsigned char *) data, len);
                size_t n = e ? strcspn((const char *) e, "\n") : 0;

                ret = keel_error_set(err, 0, "invalid JSON: %.*s", (int) n,
                                     e ? (const char *) e : "parse error");
                if (e != NULL)
                        yajl_free_error(h, e);
        }
        yajl_free(h);
        if (ret < 0) {
                builder_discard(b);
                return ret;
        }
        *out = steal_pointer(&b->root);
        return 0;
}

/* ---- paths ------------------------------------------------------------ */

void keel_json_path_init(struct keel_json_path *p)
{
        p->len = 0;
        p->depth = 0;
        p->buf[0] = '\0';
}

/* Keep room for "..." and the NUL; once cut, nothing more is appended. */
#define PATH_LIMIT (KEEL_JSON_PATH_MAX - 4)

static void path_append(struct keel_json_path *p, const char *s, size_t n)
{
        if (p->len > PATH_LIMIT)
                return;
        if (n > PATH_LIMIT - p->len) {
                memcpy(p->buf + p->len, s, PATH_LIMIT - p->len);
                memcpy(p->buf + PATH_LIMIT, "...", 4);
                p->len = PATH_LIMIT + 3;
                return;
        }
        memcpy(p->buf + p->len, s, n);
        p->len += n;
        p->buf[p->len] = '\0';
}

static void path_mark(struct keel_json_path *p)
{
        if (p->depth < sizeof(p->marks) / sizeof(p->marks[0]))
                p->marks[p->depth] = p->len;
        p->depth++;
}

static bool is_identifier(const char *s)
{
        const char *c;

        if (*s == '\0' || (*s >= '0' && *s <= '9'))
                return false;
        for (c = s; *c; c++)
                if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                      (*c >= '0' && *c <= '9') || *c == '_'))
                        return false;
        return true;
}

/* Append s escaped for a double-quoted message string. */
static void path_append_escaped(struct keel_json_path *p, const char *s)
{
        const unsigned char *c;

        for (c = (const unsigned char *) s; *c && p->len <= PATH_LIMIT; c++) {
                char esc[8];

                if (*c == '"' || *c == '\\') {
                        esc[0] = '\\';
                        esc[1] = (char) *c;
                        path_append(p, esc, 2);
                } else if (*c < 0x20 || *c == 0x7f) {
                        snprintf(esc, sizeof(esc), "\\x%02x", *c);
                        path_append(p, esc, 4);
                } else {
                        path_append(p, (const char *) c, 1);
                }
        }
}

void keel_json_path_push_key(struct keel_json_path *p, const char *key)
{
        path_mark(p);
        if (is_identifier(key)) {
                if (p->len > 0)
                        path_append(p, ".", 1);
                path_append(p, key, strlen(key));
        } else {
                path_append(p, "[\"", 2);
                path_append_escaped(p, key);
                path_append(p, "\"]", 2);
        }
}

void keel_json_path_push_index(struct keel_json_path *p, size_t index)
{
        char buf[32];
        int n;

        path_mark(p);
        n = snprintf(buf, sizeof(buf), "[%zu]", index);
        path_append(p, buf, (size_t) n);
}

void keel_json_path_pop(struct keel_json_path *p)
{
        if (p->depth == 0)
                return;
        p->depth--;
        if (p->depth < sizeof(p->marks) / sizeof(p->marks[0])) {
                p->len = p->marks[p->depth];
                p->buf[p->len] = '\0';
        }
}

const char *keel_json_path_str(const struct keel_json_path *p)
{
        return p->len > 0 ? p->buf : "(root)";
}

int keel_json_error_at(const struct keel_json_path *p, const char *key, long index,
                       const char *field, struct keel_error **err, const char *fmt, ...)
{
        struct keel_json_path at = *p;
        va_list ap;

        if (err == NULL || *err != NULL)
                return -EINVAL;
        if (key != NULL)
                keel_json_path_push_key(&at, key);
        if (index >= 0)
                keel_json_path_push_index(&at, (size_t) index);
        if (field != NULL)
                keel_json_path_push_key(&at, field);
        va_start(ap, fmt);
        keel_error_setv(err, 0, fmt, ap);
        va_end(ap);
        keel_error_prefix(err, "%s", keel_json_path_str(&at));
        return -EINVAL;
}

int keel_json_oom(const struct keel_json_path *p, struct keel_error **err)
{
        return keel_error_set(err, ENOMEM, "%s", keel_json_path_str(p));
}

const char *keel_json_quote(const char *s, char *buf, size_t size)
{
        struct keel_json_path tmp;
        size_t room;

        /* Reuse the path escaper, then cut to what buf holds. */
        keel_json_path_init(&tmp);
        path_append(&tmp, "\"", 1);
        path_append_escaped(&tmp, s);
        path_append(&tmp, "\"", 1);
        if (size == 0)
                return buf;
        room = size - 1;
        if (tmp.len <= room) {
                memcpy(buf, tmp.buf, tmp.len + 1);
        } else if (room >= 4) {
                memcpy(buf, tmp.buf, room - 3);
                memcpy(buf + room - 3, "...", 4);
        } else {
                buf[0] = '\0';
        }
        return buf;
}
