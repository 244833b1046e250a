/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_STRV_H
#define KEEL_UTIL_STRV_H

#include <stddef.h>

/* NULL-terminated vectors of strings the vector owns (config.json arrays,
 * store listings, exec's adjusted args and env). */

/* Free each string and the vector; NULL is nothing.  (Also declared in the
 * public store.h, for keel_store_list's callers.) */
void keel_strv_free(char **v);

/* A deep copy of src (NULL reads as empty); *n gets its length when n is
 * not NULL.  -ENOMEM. */
int keel_strv_dup(char *const *src, char ***out, size_t *n);

/* Append a copy of s to *v, which holds *n strings.  -ENOMEM leaves *v as
 * it was. */
int keel_strv_append(char ***v, size_t *n, const char *s);

#endif
