/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: state.json (keel_state_parse), as every command that
 * names a container reads it.  A state keel accepts must also render
 * (keel_state_to_json, both forms) and the private form must read back
 * into the same rendering: state.json is written by keel_state_to_json and
 * read by keel_state_parse, so a state that does not survive the round trip
 * is a container no later command can see. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "spec/oci-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct keel_state *parse_or_die(const char *data, size_t size, bool must)
{
        struct keel_state *st = NULL;
        struct keel_error *err = NULL;
        int r;

        r = keel_state_parse(data, size, &st, &err);
        if (r < 0) {
                if (must || err == NULL || err->msg == NULL || st != NULL)
                        abort();
                keel_error_free(err);
                return NULL;
        }
        if (r != 0 || err != NULL || st == NULL || st->id == NULL || st->bundle == NULL)
                abort();
        return st;
}

static char *render_or_die(const struct keel_state *st, bool private_fields, size_t *len)
{
        struct keel_error *err = NULL;
        char *out = NULL;

        if (keel_state_to_json(st, private_fields, &out, len, &err) < 0 || out == NULL ||
            strlen(out) != *len)
                abort();
        return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct keel_state *st, *again;
        char *first, *second, *pub;
        size_t n1, n2, np;

        st = parse_or_die((const char *) data, size, false);
        if (st == NULL)
                return 0;
        pub = render_or_die(st, false, &np);
        first = render_or_die(st, true, &n1);
        again = parse_or_die(first, n1, true);
        second = render_or_die(again, true, &n2);
        if (n1 != n2 || memcmp(first, second, n1) != 0)
                abort();
        free(pub);
        free(first);
        free(second);
        keel_state_free(again);
        keel_state_free(st);
        return 0;
}
