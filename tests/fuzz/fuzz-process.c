/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: the process object of `exec --process process.json`
 * (keel_process_parse), with the same error contract as fuzz-config. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "spec/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What execve and the init rely on without checking again. */
static void check_strv(char *const *v, size_t n)
{
        if (n > 0 && v == NULL)
                abort();
        if (v != NULL && v[n] != NULL)
                abort();
        for (size_t i = 0; i < n; i++)
                if (v[i] == NULL)
                        abort();
}

static void check_process(const struct keel_process *p)
{
        if (p->n_args == 0 || p->cwd == NULL || p->cwd[0] != '/')
                abort();
        check_strv(p->args, p->n_args);
        check_strv(p->env, p->n_env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct keel_process *proc = NULL;
        struct keel_error *err = NULL;
        int r;

        r = keel_process_parse((const char *) data, size, &proc, &err);
        if (r < 0) {
                if (err == NULL || err->msg == NULL || err->msg[0] == '\0' || proc != NULL)
                        abort();
                keel_error_free(err);
                return 0;
        }
        if (r != 0 || err != NULL || proc == NULL)
                abort();
        check_process(proc);
        keel_process_free(proc);
        return 0;
}
