/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the fuzzers (tests/fuzz) found, one test each, named for the
 * behaviour. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup-devices.h"
#include "spec/oci-state.h"
#include "tap.h"

/* fuzz-state: a state.json without "created" rendered "created":"", which
 * keel_state_parse refuses, so the state could not be read back. */
static void state_without_created_reads_back(void)
{
        static const char doc[] =
                "{\"ociVersion\":\"1.0.2\",\"id\":\"x\",\"status\":\"creating\",\"bundle\":\"/\"}";
        struct keel_state *st = NULL, *back = NULL;
        struct keel_error *err = NULL;
        char *json = NULL;
        size_t len = 0;

        tap_ok(keel_state_parse(doc, strlen(doc), &st, &err) == 0,
               "state_without_created_parses");
        tap_ok(st != NULL && keel_state_to_json(st, true, &json, &len, &err) == 0,
               "state_without_created_renders");
        tap_ok(json != NULL && strstr(json, "\"created\"") == NULL,
               "state_without_created_renders_no_created");
        tap_ok(json != NULL && keel_state_parse(json, len, &back, &err) == 0,
               "state_without_created_reads_back");
        if (err != NULL)
                tap_diag("%s", err->msg);
        keel_error_free(err);
        keel_state_free(back);
        keel_state_free(st);
        free(json);
}

/* fuzz-cgroup-devices: the compiler reads the rules from the last one and
 * stops at a rule that decides every request; the rules before it are
 * never checked, so an invalid one is accepted (the header promises
 * -EINVAL for any rule the kernel could never see). */
static void devices_invalid_rule_before_catch_all(void)
{
        const struct keel_device_cgroup rules[] = {
                { .allow = false, .type = 'x', .access = "rwm" },
                { .allow = true, .type = 'a', .access = "rwm" },
        };
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n = 0;
        int r;

        r = keel_devices_compile(rules, 2, &insns, &n, &err);
        tap_ok(r == -EINVAL, "devices_invalid_rule_before_catch_all_is_refused");
        keel_error_free(err);
        free(insns);
}

int main(void)
{
        state_without_created_reads_back();
        devices_invalid_rule_before_catch_all();
        return tap_done();
}
