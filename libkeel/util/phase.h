/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_PHASE_H
#define KEEL_UTIL_PHASE_H

#include <time.h>

/* Where start-up time goes (`keel --debug`): each phase of a command logs,
 * at debug level, how long it took and the time since the command began:
 *   "create c1: phase cgroup made: 0.210 ms (1.873 ms in all)"
 * Reading the clock costs a vDSO call; nothing is logged without --debug. */
struct keel_phases {
        const char *what;               /* "create c1", owned by the caller */
        struct timespec begin, last;
};

void keel_phases_begin(struct keel_phases *p, const char *what);
void keel_phase(struct keel_phases *p, const char *done);

/* The same for a process that does not log (the container's init): its
 * phases go into text, "namespaces 0.681 ms, network 0.094 ms", which it
 * hands to one that does.  began: when the first phase began. */
struct keel_phase_text {
        struct timespec last;
        size_t len;
        char text[400];
};

void keel_phase_text_begin(struct keel_phase_text *p, const struct timespec *began);
void keel_phase_text_add(struct keel_phase_text *p, const char *done);

#endif
