/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_OCI_STATE_H
#define KEEL_SPEC_OCI_STATE_H

/* The container state (struct keel_state, its parser and its JSON forms)
 * is public: keel.h. */
#include "keel.h"

/* The container process state (config-linux.md "The Container Process
 * State") a seccomp agent receives with the notify fd: {"ociVersion",
 * "fds": ["seccompFd"], "pid", "metadata" (left out when NULL), "state"},
 * compact; pid and ociVersion taken from st, which must hold the init's
 * pid as the runtime sees it.  *out must be freed. */
int keel_container_process_state_json(const struct keel_state *st, const char *metadata,
                                      char **out, struct keel_error **err);

#endif
