/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/strv.h"

void keel_strv_free(char **v)
{
        char **p;

        if (v == NULL)
                return;
        for (p = v; *p; p++)
                free(*p);
        free(v);
}

int keel_strv_dup(char *const *src, char ***out, size_t *n)
{
        size_t i, len = 0;
        char **v;

        while (src && src[len])
                len++;
        v = calloc(len + 1, sizeof(char *));
        if (v == NULL)
                return -ENOMEM;
        for (i = 0; i < len; i++)
                if ((v[i] = strdup(src[i])) == NULL) {
                        keel_strv_free(v);
                        return -ENOMEM;
                }
        *out = v;
        if (n)
                *n = len;
        return 0;
}

int keel_strv_append(char ***v, size_t *n, const char *s)
{
        char *copy = strdup(s);
        char **nv;

        if (copy == NULL)
                return -ENOMEM;
        nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (nv == NULL) {
                free(copy);
                return -ENOMEM;
        }
        *v = nv;
        nv[(*n)++] = copy;
        nv[*n] = NULL;
        return 0;
}
