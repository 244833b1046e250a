/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_EARLY_GUARD_H
#define KEEL_EARLY_GUARD_H

/* src/early-guard.c: the binary guard's first step, before libc starts.
 * The bundle directory of a create or run spelt in the plain way (the
 * options it knows; no --config, no --image), or NULL: main decides. */
const char *keel_early_bundle(int argc, char *const argv[]);

#endif
