/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Checks shared by the config and process harnesses: what execve and the
 * init rely on without checking again. */
#ifndef KEEL_FUZZ_CHECKS_H
#define KEEL_FUZZ_CHECKS_H

#include <stdlib.h>

#include "spec/oci-config.h"

static inline void check_strv(char *const *v, size_t n)
{
        if (n > 0 && v == NULL)
                abort();
        if (v != NULL && v[n] != NULL)
                abort();
        for (size_t i = 0; i < n; i++)
                if (v[i] == NULL)
                        abort();
}

static inline void check_process(const struct keel_process *p)
{
        if (p->n_args == 0 || p->cwd == NULL || p->cwd[0] != '/')
                abort();
        check_strv(p->args, p->n_args);
        check_strv(p->env, p->n_env);
}

#endif
