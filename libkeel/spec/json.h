/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_JSON_H
#define KEEL_SPEC_JSON_H

/* Reading JSON documents into typed values, with errors that name the JSON
 * path of the offending value: `linux.resources.devices[2].major: expected
 * integer, got string`.  Private to libkeel's spec/ models. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "error.h"
#include "util/strv.h"

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

/* base with over laid on top, as JSON text (*out malloc'd, *len its length):
 * an object in both is merged key by key, recursively; anything else in
 * over (a value, an array, null) replaces base's.  Keys keep base's order,
 * keys only over has follow.  over may be NULL. */
int keel_json_generate_merged(yajl_val base, yajl_val over, char **out, size_t *len,
                              struct keel_error **err);

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

/* Set *err to "<path>: <message>" and return -EINVAL. */
int keel_json_error(const struct keel_json_path *p, struct keel_error **err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

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

/* ---- writing ---------------------------------------------------------------- */

/* A C string as a JSON string (a key or a value). */
yajl_gen_status keel_json_gen_str(yajl_gen g, const char *s);

/* The document g holds, as a malloc'd NUL-terminated copy in *out (*len
 * its length, when len is not NULL); newline: make sure it ends with one
 * (a file).  -EINVAL when g holds no complete document (a generation step
 * failed), -ENOMEM.  g is left to the caller to free. */
int keel_json_gen_take(yajl_gen g, bool newline, char **out, size_t *len);

#endif
