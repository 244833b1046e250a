/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: config.json, as `create` reads it (keel_config_parse).
 * Beyond ASan/UBSan/LSan, the error contract is checked: a failure returns
 * a negative errno with a message and no config, a success returns a
 * config and no error (the CLI dereferences whichever it gets). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-checks.h"
#include "spec/oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int r;

        r = keel_config_parse((const char *) data, size, &cfg, &err);
        if (r < 0) {
                if (err == NULL || err->msg == NULL || err->msg[0] == '\0' || cfg != NULL)
                        abort();
                keel_error_free(err);
                return 0;
        }
        if (r != 0 || err != NULL || cfg == NULL || cfg->oci_version == NULL || cfg->root == NULL)
                abort();
        if (cfg->process != NULL)
                check_process(cfg->process);
        for (size_t i = 0; i < cfg->n_mounts; i++) {
                if (cfg->mounts[i].destination == NULL)
                        abort();
                check_strv(cfg->mounts[i].options, cfg->mounts[i].n_options);
        }
        keel_config_free(cfg);
        return 0;
}
