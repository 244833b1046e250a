/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_EXE_GUARD_EARLY_H
#define KEEL_LINUX_EXE_GUARD_EARLY_H

/* The binary guard's first step, before libc starts (exe-guard-early.c:
 * keel's entry point, linked into the keel binary only, not into the
 * library).  The bundle directory of a create or run spelt in the plain
 * way (the options it knows; no --config, no --image), or NULL: main
 * decides. */
const char *keel_early_bundle(int argc, char *const argv[]);

#endif
