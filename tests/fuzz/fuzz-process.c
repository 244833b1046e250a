/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: the process object of `exec --process process.json`
 * (keel_process_parse), with the same error contract as fuzz-config. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fuzz-checks.h"
#include "spec/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
