/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_JSON_WRITE_H
#define KEEL_SPEC_JSON_WRITE_H

/* Writing JSON: every document keel writes (config.json templates, state,
 * features, the stats of `events`, the seccomp notify state, the CLI's JSON
 * log lines) goes through one generator, so strings are escaped in one
 * place: `"` and `\` with a backslash, \b \f \n \r \t by name, the other
 * control characters as \u00XX; nothing else is touched.
 *
 * A failed step (a string that is not UTF-8 where that is checked, a value
 * where a key belongs, no memory) makes the generator fail for good: every
 * later call does nothing and returns false, and keel_json_gen_take()
 * reports it.  Callers may chain steps with && or ignore the results and
 * look at the end only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct keel_json_gen;
struct yajl_val_s;

/* Check that every string is UTF-8 (documents built from user input that
 * must read back). */
#define KEEL_JSON_GEN_UTF8 0x1

/* indent: NULL writes the document on one line; else one member or
 * element a line, indented by indent per level.  NULL when out of memory. */
struct keel_json_gen *keel_json_gen_new(const char *indent, unsigned flags);
void keel_json_gen_free(struct keel_json_gen *g);

static inline void keel_json_gen_freep(struct keel_json_gen **g)
{
        keel_json_gen_free(*g);
}
#define _cleanup_json_gen_ __attribute__((cleanup(keel_json_gen_freep)))

bool keel_json_gen_map_open(struct keel_json_gen *g);
bool keel_json_gen_map_close(struct keel_json_gen *g);
bool keel_json_gen_array_open(struct keel_json_gen *g);
bool keel_json_gen_array_close(struct keel_json_gen *g);

/* A C string as a JSON string: an object key or a value. */
bool keel_json_gen_str(struct keel_json_gen *g, const char *s);
bool keel_json_gen_int(struct keel_json_gen *g, long long v);
bool keel_json_gen_uint(struct keel_json_gen *g, uint64_t v);
bool keel_json_gen_double(struct keel_json_gen *g, double v);
bool keel_json_gen_bool(struct keel_json_gen *g, bool v);
bool keel_json_gen_null(struct keel_json_gen *g);
/* A NULL-terminated array of strings. */
bool keel_json_gen_strv(struct keel_json_gen *g, const char *const *v);
/* A value of a parsed tree (spec/json.h), as it was read: numbers keep
 * their source text. */
bool keel_json_gen_tree(struct keel_json_gen *g, const struct yajl_val_s *v);

/* A member of the open object: key, then the value.  kv_str leaves the
 * member out when value is NULL; kv_strv writes a NULL-terminated array. */
bool keel_json_gen_kv_str(struct keel_json_gen *g, const char *key, const char *value);
bool keel_json_gen_kv_int(struct keel_json_gen *g, const char *key, long long v);
bool keel_json_gen_kv_uint(struct keel_json_gen *g, const char *key, uint64_t v);
bool keel_json_gen_kv_double(struct keel_json_gen *g, const char *key, double v);
bool keel_json_gen_kv_bool(struct keel_json_gen *g, const char *key, bool v);
bool keel_json_gen_kv_strv(struct keel_json_gen *g, const char *key, const char *const *v);
/* key, then an object or array opened as its value. */
bool keel_json_gen_key_map(struct keel_json_gen *g, const char *key);
bool keel_json_gen_key_array(struct keel_json_gen *g, const char *key);

/* The document g holds, as a malloc'd NUL-terminated copy in *out (*len
 * its length, when len is not NULL); newline: make sure it ends with one
 * (a file).  -EINVAL when a step failed or the document is not complete,
 * -ENOMEM.  g is left to the caller to free. */
int keel_json_gen_take(struct keel_json_gen *g, bool newline, char **out, size_t *len);

/* base with over laid on top, as JSON text (*out malloc'd, *len its length):
 * an object in both is merged key by key, recursively; anything else in
 * over (a value, an array, null) replaces base's.  Keys keep base's order,
 * keys only over has follow.  over may be NULL.  Errors as
 * keel_json_gen_take()'s, set in *err. */
struct keel_error;
int keel_json_generate_merged(const struct yajl_val_s *base, const struct yajl_val_s *over,
                              char **out, size_t *len, struct keel_error **err);

#endif
