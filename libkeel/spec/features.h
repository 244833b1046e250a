/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_FEATURES_H
#define KEEL_SPEC_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The features document (runtime-spec features.md, features-linux.md) that
 * `keel features` prints.  It lists what keel recognises *and applies*: a
 * config field that `create` refuses as "not supported yet" is reported as
 * enabled false or left out, so an engine never relies on it. */

/* struct keel_features_info, keel_features_probe and keel_features_json
 * are public: keel.h. */

/* The KEEL_SECCOMP_FLAG_* bits the running kernel takes in
 * seccomp(SECCOMP_SET_MODE_FILTER): the document's supportedFlags.  Asks
 * the kernel without installing anything. */
unsigned int keel_features_seccomp_flags(void);

#endif
