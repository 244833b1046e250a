/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_STRV_H
#define KEEL_UTIL_STRV_H

#include <stddef.h>

#include "keel.h"

/* NULL-terminated vectors of strings the vector owns (config.json arrays,
 * store listings, exec's adjusted args and env). */

/* keel_strv_free (each string and the vector) is public: keel.h. */
static inline void keel_strv_freep(char ***v)
{
        keel_strv_free(*v);
        *v = NULL;
}
#define _cleanup_strv_ __attribute__((cleanup(keel_strv_freep)))

/* A deep copy of src (NULL reads as empty); *n gets its length when n is
 * not NULL.  -ENOMEM. */
int keel_strv_dup(char *const *src, char ***out, size_t *n);

/* Append a copy of s to *v, which holds *n strings.  -ENOMEM leaves *v as
 * it was. */
int keel_strv_append(char ***v, size_t *n, const char *s);

#endif
