/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_OCI_STATE_H
#define KEEL_SPEC_OCI_STATE_H

/* The container state (struct keel_state, its parser and its JSON forms)
 * is public: keel.h. */
#include "keel.h"

#endif
