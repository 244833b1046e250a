/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_JSON_H
#define KEEL_SPEC_JSON_H

/* Reading JSON documents into typed values, with errors that name the JSON
 * path of the offending value: `linux.resources.devices[2].major: expected
 * integer, got string`.  Private to libkeel's spec/ models (and image/).
 * json-parse.c builds the tree and keeps the paths, json-read.c reads
 * values out of it; writing is spec/json-write.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "error.h"
#include "util/strv.h"

/* Return from the calling function when expr fails. */
#define TRY(expr)                               \
        do {                                    \
                int _r = (expr);                \
                if (_r < 0)                     \
                        return _r;              \
        } while (0)

/* Deeper documents are rejected before anything recursive sees them. */
#define KEEL_JSON_MAX_DEPTH 256

/* Parse exactly len bytes (no NUL terminator needed) into a yajl tree.
 * Stricter than yajl_tree_parse(): no comments, no trailing garbage, valid
 * UTF-8, no nesting deeper than KEEL_JSON_MAX_DEPTH, no string holding
 * U+0000 (it would silently cut a C string short) and no object with the
 * same key twice (two readers could see two different values).  Numbers
 * keep their source text in u.number.r for the strict getters below.
 * Errors read `invalid JSON: <reason>`.  Free the tree with keel_json_free(). */
int keel_json_parse(const char *data, size_t len, yajl_val *out, struct keel_error **err);
void keel_json_free(yajl_val v);

/* A number's source text without a fraction or exponent. */
static inline bool keel_json_is_integer_text(const char *s)
{
        return strpbrk(s, ".eE") == NULL;
}

/* The path of the value being read, for error messages.  Object keys that
 * look like identifiers are appended as `.key`, others as `["key"]` with
 * control characters escaped; array indexes as `[i]`.  Very long paths are
 * cut with "..." (the path only ever ends up in a message). */
#define KEEL_JSON_PATH_MAX 512
struct keel_json_path {
        char buf[KEEL_JSON_PATH_MAX];
        size_t len;
        size_t depth;
        size_t marks[KEEL_JSON_MAX_DEPTH + 8];
};

void keel_json_path_init(struct keel_json_path *p);
void keel_json_path_push_key(struct keel_json_path *p, const char *key);
void keel_json_path_push_index(struct keel_json_path *p, size_t index);
void keel_json_path_pop(struct keel_json_path *p);
/* The current path; "(root)" for the document itself. */
const char *keel_json_path_str(const struct keel_json_path *p);

/* Parse data (as keel_json_parse) and read the object it must hold with
 * fn into *out, a zeroed allocation of size bytes.  On an error *out holds
 * what fn read so far (or NULL), for the caller to free. */
typedef int (*keel_json_document_fn)(yajl_val o, struct keel_json_path *p, void *out,
                                     struct keel_error **err);
int keel_json_read_document(const char *data, size_t len, size_t size, keel_json_document_fn fn,
                            void **out, struct keel_error **err);

/* Set *err to "<path>: <message>" and return -EINVAL, where path is p
 * with key, [index] and .field added (those not NULL or -1). */
int keel_json_error_at(const struct keel_json_path *p, const char *key, long index,
                       const char *field, struct keel_error **err, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));
/* An error about the value at p, about member key of the object at p
 * ("<path>.key: ..."), or about key[index] (and its .field). */
#define keel_json_error(p, err, ...) keel_json_error_at((p), NULL, -1, NULL, (err), __VA_ARGS__)
#define keel_json_member_error(p, key, err, ...) \
        keel_json_error_at((p), (key), -1, NULL, (err), __VA_ARGS__)
#define keel_json_element_error(p, key, index, field, err, ...) \
        keel_json_error_at((p), (key), (long) (index), (field), (err), __VA_ARGS__)
/* Out of memory while reading the value at p: -ENOMEM. */
int keel_json_oom(const struct keel_json_path *p, struct keel_error **err);

/* s quoted for a message: `"..."` with quotes, backslashes and control
 * characters escaped, cut with "..." when longer than fits in buf (which
 * should hold at least 16 bytes).  Returns buf. */
const char *keel_json_quote(const char *s, char *buf, size_t size);

/* "string", "integer", "number", "object", "array", "boolean" or "null". */
const char *keel_json_type_name(yajl_val v);

/* The member key of object obj, or NULL when obj has no such member or
 * its value is JSON null (an optional field set to null is absent). */
yajl_val keel_json_lookup(yajl_val obj, const char *key);

/* Value readers: the path already names v.  They fail with
 * "<path>: expected <type>, got <type>" or a range error. */
int keel_json_value_string(yajl_val v, const struct keel_json_path *p, char **out,
                           struct keel_error **err);
int keel_json_value_bool(yajl_val v, const struct keel_json_path *p, bool *out,
                         struct keel_error **err);
/* Integers are read from the number's source text: "1.5", "1e3" and
 * values outside [min, max] are errors, as is "-0" for an unsigned. */
int keel_json_value_int64(yajl_val v, int64_t min, int64_t max, const struct keel_json_path *p,
                          int64_t *out, struct keel_error **err);
int keel_json_value_uint64(yajl_val v, uint64_t max, const struct keel_json_path *p,
                           uint64_t *out, struct keel_error **err);
int keel_json_value_uint32(yajl_val v, const struct keel_json_path *p, uint32_t *out,
                           struct keel_error **err);
/* names[i] is the spelling of value i; NULL entries are skipped.  Unknown
 * spellings fail with `unknown value "x" (expected one of: a, b, c)`. */
int keel_json_value_enum(yajl_val v, const char *const *names, size_t n_names,
                         const struct keel_json_path *p, int *out, struct keel_error **err);
int keel_json_value_object(yajl_val v, const struct keel_json_path *p, struct keel_error **err);
int keel_json_value_array(yajl_val v, const struct keel_json_path *p, struct keel_error **err);

/* Member readers: look key up in obj (which must be an object), push it on
 * the path while reading and pop it again.  They return 1 when the member
 * was present and *out was set, 0 when it is absent or null (*out is left
 * alone), or a negative errno.  With required, absence is the error
 * "<path>.key: required field missing". */
int keel_json_get_string(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         char **out, struct keel_error **err);
int keel_json_get_bool(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                       bool *out, struct keel_error **err);
int keel_json_get_int64(yajl_val obj, const char *key, bool required, int64_t min, int64_t max,
                        struct keel_json_path *p, int64_t *out, struct keel_error **err);
int keel_json_get_uint64(yajl_val obj, const char *key, bool required, uint64_t max,
                         struct keel_json_path *p, uint64_t *out, struct keel_error **err);
int keel_json_get_uint32(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         uint32_t *out, struct keel_error **err);
int keel_json_get_enum(yajl_val obj, const char *key, bool required, const char *const *names,
                       size_t n_names, struct keel_json_path *p, int *out,
                       struct keel_error **err);
/* An array of strings, stored NULL-terminated (ready for execve) with its
 * count in *n. */
int keel_json_get_string_array(yajl_val obj, const char *key, bool required,
                               struct keel_json_path *p, char ***out, size_t *n,
                               struct keel_error **err);
/* An object whose values are all strings, as parallel key and value arrays
 * in document order. */
int keel_json_get_string_map(yajl_val obj, const char *key, bool required,
                             struct keel_json_path *p, char ***keys, char ***values, size_t *n,
                             struct keel_error **err);
/* Presence and type of a nested object or array; *out points into the tree. */
int keel_json_get_object(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                         yajl_val *out, struct keel_error **err);
int keel_json_get_array(yajl_val obj, const char *key, bool required, struct keel_json_path *p,
                        yajl_val *out, struct keel_error **err);

/* Optional members whose presence goes to *has (the has_<name> flags of
 * the models): otherwise as the keel_json_get_* above. */
int keel_json_opt_int64(yajl_val obj, const char *key, int64_t min, int64_t max,
                        struct keel_json_path *p, bool *has, int64_t *out, struct keel_error **err);
int keel_json_opt_uint64(yajl_val obj, const char *key, uint64_t max, struct keel_json_path *p,
                         bool *has, uint64_t *out, struct keel_error **err);
int keel_json_opt_uint32(yajl_val obj, const char *key, struct keel_json_path *p, bool *has,
                         uint32_t *out, struct keel_error **err);
int keel_json_opt_bool(yajl_val obj, const char *key, struct keel_json_path *p, bool *has,
                       bool *out, struct keel_error **err);
/* An integer in [min, max] stored as an int. */
int keel_json_get_int(yajl_val obj, const char *key, bool required, int min, int max,
                      struct keel_json_path *p, int *out, struct keel_error **err);

/* An optional object member read into a struct: 1 with *out a zeroed
 * allocation of size bytes and *v the member's JSON, 0 when absent. */
int keel_json_get_section(yajl_val obj, const char *key, size_t size, struct keel_json_path *p,
                          yajl_val *v, void **out, struct keel_error **err);

/* Readers of one element (v is an object, the path names it) into elem. */
typedef int (*keel_json_elem_fn)(yajl_val v, struct keel_json_path *p, void *elem,
                                 struct keel_error **err);
typedef int (*keel_json_entry_fn)(const char *key, yajl_val v, struct keel_json_path *p,
                                  void *elem, struct keel_error **err);

/* An array of objects, each read by fn into an element of elsize bytes of
 * a calloc'd array.  *out and *n are set before the elements are read, so
 * a failure leaves zeroed elements the free functions handle. */
int keel_json_get_object_array(yajl_val obj, const char *key, bool required, size_t elsize,
                               keel_json_elem_fn fn, struct keel_json_path *p, void **out,
                               size_t *n, struct keel_error **err);
/* An object mapping names to objects, read like an array of them: fn also
 * gets the name. */
int keel_json_get_object_map(yajl_val obj, const char *key, size_t elsize,
                             keel_json_entry_fn fn, struct keel_json_path *p, void **out,
                             size_t *n, struct keel_error **err);

/* Call fn on every element of arr (the value of member key), with
 * key[i] on the path; stops at the first error. */
typedef int (*keel_json_each_fn)(yajl_val v, size_t i, void *ctx, struct keel_json_path *p,
                                 struct keel_error **err);
int keel_json_array_each(yajl_val arr, const char *key, keel_json_each_fn fn, void *ctx,
                         struct keel_json_path *p, struct keel_error **err);

/* A flag's spelling and its bit. */
struct keel_json_flag {
        const char *name;
        uint64_t bit;
};
/* An optional array of flag names, ORed into *out (at most 64 names). */
int keel_json_get_flags(yajl_val obj, const char *key, const struct keel_json_flag *flags,
                        size_t n, struct keel_json_path *p, uint64_t *out, struct keel_error **err);

#endif
