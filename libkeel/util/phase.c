/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>

#include "lib-log.h"
#include "util/phase.h"

static double ms_between(const struct timespec *a, const struct timespec *b)
{
        return (double) (b->tv_sec - a->tv_sec) * 1e3 + (double) (b->tv_nsec - a->tv_nsec) / 1e6;
}

void keel_phases_begin(struct keel_phases *p, const char *what)
{
        p->what = what;
        clock_gettime(CLOCK_MONOTONIC, &p->begin);
        p->last = p->begin;
}

void keel_phase(struct keel_phases *p, const char *done)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        keel_debug("%s: phase %s: %.3f ms (%.3f ms in all)", p->what, done,
                   ms_between(&p->last, &now), ms_between(&p->begin, &now));
        p->last = now;
}

void keel_phase_text_begin(struct keel_phase_text *p, const struct timespec *began)
{
        p->last = *began;
        p->len = 0;
        p->text[0] = '\0';
}

void keel_phase_text_add(struct keel_phase_text *p, const char *done)
{
        size_t room = sizeof(p->text) - p->len;
        struct timespec now;
        int n;

        clock_gettime(CLOCK_MONOTONIC, &now);
        n = snprintf(p->text + p->len, room, "%s%s %.3f ms", p->len ? ", " : "", done,
                     ms_between(&p->last, &now));
        /* Too long: the text ends with the last phase that fitted. */
        if (n > 0 && (size_t) n < room)
                p->len += (size_t) n;
        else
                p->text[p->len] = '\0';
        p->last = now;
}
