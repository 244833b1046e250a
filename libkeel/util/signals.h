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

/* Parse a signal for `keel kill`, as runc does and a little stricter:
 *  - a decimal number, 0 to 64 ("9", "09"); 0 is kill(2)'s existence
 *    check, which engines send to ask whether the container still runs;
 *  - a name, with or without the SIG prefix, in any case ("KILL", "SIGKILL",
 *    "kill", "SigTerm"; runc upper-cases too), including the aliases IOT,
 *    CLD and POLL;
 *  - a real-time signal as RTMIN, RTMIN+n, RTMAX-n, RTMAX (with or
 *    without SIG), which runc does not know and crun does.
 * Rejected with -EINVAL: "" ; numbers above 64 (runc leaves those to
 * kill(2)'s EINVAL); a sign ("-9", "+9"), spaces or trailing junk ("9x");
 * unknown names; 32 and 33 are accepted as numbers only. */
int keel_signal_parse(const char *s, int *signo, struct keel_error **err);

/* "SIGKILL", "SIGRTMIN+3", "SIGRTMAX-1"; NULL for 0, 32, 33 and numbers
 * outside 1..64.  The string is static. */
const char *keel_signal_name(int signo);

/* Every signal back to its default action and none blocked, as a new
 * program expects and as runc and crun start the container's process.
 * keel's caller may have ignored signals (nohup, a shell's trap '', an
 * engine), and an attached `run` or `exec` blocks the ones it relays;
 * both would reach the container's process through fork and execve.
 * glibc keeps 32 and 33 to itself and never ignores them: they are left
 * as they are.  Async-signal-safe; cannot fail. */
void keel_signals_reset(void);

#endif
