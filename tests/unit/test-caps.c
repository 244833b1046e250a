/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* process.capabilities: names to bit sets, unknown names, the kernel's last cap. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "linux/caps.h"
#include "tap.h"

static void known_names_map_to_kernel_numbers(void)
{
        tap_is_int(keel_cap_from_name("CAP_CHOWN"), CAP_CHOWN, "cap_chown_is_0");
        tap_is_int(keel_cap_from_name("CAP_KILL"), CAP_KILL, "cap_kill");
        tap_is_int(keel_cap_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN, "cap_sys_admin");
        tap_is_int(keel_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40, "cap_checkpoint_restore_is_40");
        tap_is_int(keel_cap_from_name("CAP_BPF"), 39, "cap_bpf_is_39");
}

static void unknown_and_odd_names_are_refused(void)
{
        tap_is_int(keel_cap_from_name("CAP_FOO"), -1, "unknown_name");
        tap_is_int(keel_cap_from_name("cap_kill"), -1, "names_are_case_sensitive");
        tap_is_int(keel_cap_from_name("KILL"), -1, "prefix_is_required");
        tap_is_int(keel_cap_from_name(""), -1, "empty_name");
        tap_is_int(keel_cap_from_name("CAP_KILL "), -1, "trailing_space");
}

static void sets_are_parsed_separately(void)
{
        char *bounding[] = { "CAP_KILL", "CAP_CHOWN", NULL };
        char *effective[] = { "CAP_KILL", NULL };
        char *ambient[] = { "CAP_NET_BIND_SERVICE", NULL };
        struct keel_capabilities c = {
                .bounding = bounding, .n_bounding = 2,
                .effective = effective, .n_effective = 1,
                .ambient = ambient, .n_ambient = 1,
        };
        struct keel_cap_sets s;
        struct keel_error *err = NULL;

        tap_ok(keel_caps_parse(&c, &s, &err) == 0, "parse_three_sets");
        tap_ok(s.bounding == ((1ULL << CAP_KILL) | (1ULL << CAP_CHOWN)), "bounding_bits");
        tap_ok(s.effective == (1ULL << CAP_KILL), "effective_bits");
        tap_ok(s.permitted == 0 && s.inheritable == 0, "absent_sets_are_empty");
        tap_ok(s.ambient == (1ULL << CAP_NET_BIND_SERVICE), "ambient_bits");
        keel_error_free(err);
}

static void unknown_name_error_names_the_set(void)
{
        char *permitted[] = { "CAP_KILL", "CAP_NOPE", NULL };
        struct keel_capabilities c = { .permitted = permitted, .n_permitted = 2 };
        struct keel_cap_sets s;
        struct keel_error *err = NULL;

        tap_ok(keel_caps_parse(&c, &s, &err) < 0, "unknown_cap_fails");
        tap_is_str(err ? err->msg : NULL,
                   "process.capabilities.permitted: unknown capability CAP_NOPE", "error_names_set_and_cap");
        keel_error_free(err);
}

static void no_capabilities_object_means_none(void)
{
        struct keel_cap_sets s;

        memset(&s, 0xff, sizeof(s));
        tap_ok(keel_caps_parse(NULL, &s, NULL) == 0 && s.bounding == 0 && s.effective == 0 &&
                       s.permitted == 0 && s.inheritable == 0 && s.ambient == 0,
               "null_capabilities_is_all_empty");
}

int main(void)
{
        known_names_map_to_kernel_numbers();
        unknown_and_odd_names_are_refused();
        sets_are_parsed_separately();
        unknown_name_error_names_the_set();
        no_capabilities_object_means_none();
        return tap_done();
}
