/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CAPS_H
#define KEEL_LINUX_CAPS_H

#include "error.h"
#include "spec/oci-config.h"

/* process.capabilities as five bit sets over capability numbers. */
struct keel_cap_sets {
        unsigned long long bounding, effective, inheritable, permitted, ambient;
};

/* Capability name ("CAP_KILL") to number; -1 when keel does not know it. */
int keel_cap_from_name(const char *name);

/* The name of capability i ("CAP_CHOWN" for 0), NULL past the last one
 * keel knows: what `keel features` lists. */
const char *keel_cap_name(int i);

/* Translate the config's names.  An unknown name is an error naming it
 * ("process.capabilities.bounding: unknown capability CAP_FOO"); a known
 * capability the running kernel lacks is dropped (as runc does). */
int keel_caps_parse(const struct keel_capabilities *c, struct keel_cap_sets *out,
                    struct keel_error **err);

/* Drop from the bounding set everything not in sets->bounding.  Needs
 * CAP_SETPCAP, so it comes before the switch to process.user. */
int keel_caps_apply_bounding(const struct keel_cap_sets *sets, struct keel_error **err);

/* Set effective, permitted, inheritable and raise the ambient ones: after
 * the switch to process.user, which PR_SET_KEEPCAPS survived. */
int keel_caps_apply(const struct keel_cap_sets *sets, struct keel_error **err);

#endif
