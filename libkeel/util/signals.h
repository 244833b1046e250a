/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_SIGNALS_H
#define KEEL_UTIL_SIGNALS_H

#include "error.h"

/* Linux signal numbers as the kernel sees them, so they mean the same in
 * every container whatever its libc.  The real-time names follow glibc,
 * bash, util-linux kill(1) and crun: SIGRTMIN is 34 (glibc keeps 32 and 33
 * for itself), SIGRTMAX is 64. */
#define KEEL_SIGNAL_MAX 64
#define KEEL_SIGRTMIN 34
#define KEEL_SIGRTMAX 64

/* keel_signal_parse (`keel kill`'s signals, as runc takes them and a
 * little stricter: numbers 0 to 64, names with or without SIG in any case,
 * the aliases IOT, CLD and POLL, and RTMIN+n/RTMAX-n as crun does; 32 and
 * 33 as numbers only) and keel_signal_name are public: keel.h. */

/* Every signal back to its default action and none blocked, as a new
 * program expects and as runc and crun start the container's process.
 * keel's caller may have ignored signals (nohup, a shell's trap '', an
 * engine), and an attached `run` or `exec` blocks the ones it relays;
 * both would reach the container's process through fork and execve.
 * glibc keeps 32 and 33 to itself and never ignores them: they are left
 * as they are.  Async-signal-safe; cannot fail. */
void keel_signals_reset(void);

#endif
