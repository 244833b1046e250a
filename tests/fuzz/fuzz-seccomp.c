/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: linux.seccomp, parsed and compiled to BPF
 * (keel_seccomp_compile) as `create` does, never loaded.  The input is the
 * seccomp object; it is put into the smallest config that holds it.
 * Checked after every input: no filter got installed on this process (the
 * compile step only probes the kernel with an empty program), and no fd was
 * left open (the program passes through a memfd). */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "linux/seccomp.h"
#include "spec/oci-config.h"

static const char head[] = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"linux\":{\"seccomp\":";
static const char tail[] = "}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The lowest free fd: it moves when an fd leaks. */
static int lowest_free_fd(void)
{
        int fd = dup(STDERR_FILENO);

        if (fd < 0)
                abort();
        close(fd);
        return fd;
}

static void compile(const struct keel_seccomp *s)
{
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;
        int r;

        r = keel_seccomp_compile(s, &f, &err);
        if (r < 0) {
                if (err == NULL || err->msg == NULL || f != NULL)
                        abort();
                keel_error_free(err);
                return;
        }
        if (err != NULL || f == NULL)
                abort();
        keel_seccomp_filter_needs_notify(f);
        keel_seccomp_filter_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
        char *doc = malloc(len);
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int before = lowest_free_fd();

        if (doc == NULL)
                abort();
        memcpy(doc, head, sizeof(head) - 1);
        memcpy(doc + sizeof(head) - 1, data, size);
        memcpy(doc + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
        if (keel_config_parse(doc, len, &cfg, &err) < 0) {
                keel_error_free(err);
        } else {
                if (cfg->linux_cfg != NULL && cfg->linux_cfg->seccomp != NULL)
                        compile(cfg->linux_cfg->seccomp);
                keel_config_free(cfg);
        }
        free(doc);
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0)
                abort();
        if (lowest_free_fd() != before)
                abort();
        return 0;
}
