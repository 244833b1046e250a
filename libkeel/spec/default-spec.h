/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_DEFAULT_SPEC_H
#define KEEL_SPEC_DEFAULT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* keel_default_spec_json, the config.json `keel spec` writes, is public:
 * keel.h. */

#endif
