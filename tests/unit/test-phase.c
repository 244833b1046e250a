/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util/phase.h: the phases of a process that does not log (the init's,
 * sent with READY), as text. */
#include "config.h"

#include <regex.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/phase.h"

static bool matches(const char *text, const char *pattern)
{
        regex_t re;
        bool ok;

        if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
                return false;
        ok = regexec(&re, text, 0, NULL, 0) == 0;
        regfree(&re);
        return ok;
}

static void phases_in_order(void)
{
        struct keel_phase_text p;
        struct timespec began;

        clock_gettime(CLOCK_MONOTONIC, &began);
        keel_phase_text_begin(&p, &began);
        tap_ok(p.text[0] == '\0' && p.len == 0, "no_phase_no_text");
        keel_phase_text_add(&p, "namespaces");
        tap_ok(matches(p.text, "^namespaces [0-9]+\\.[0-9]{3} ms$"), "one_phase: %s", p.text);
        keel_phase_text_add(&p, "network");
        tap_ok(matches(p.text, "^namespaces [0-9]+\\.[0-9]{3} ms, network [0-9]+\\.[0-9]{3} ms$"),
               "two_phases_in_order: %s", p.text);
        tap_ok(p.len == strlen(p.text), "len_is_the_text_length");
}

/* The time of a phase runs from the end of the one before, the first's
 * from began. */
static void the_first_phase_counts_from_began(void)
{
        struct keel_phase_text p;
        struct timespec began;

        clock_gettime(CLOCK_MONOTONIC, &began);
        began.tv_sec -= 2;
        keel_phase_text_begin(&p, &began);
        keel_phase_text_add(&p, "a");
        tap_ok(matches(p.text, "^a 2[0-9]{3}\\.[0-9]{3} ms$"), "two_seconds_ago: %s", p.text);
        /* Counted from began, b would be 2 s too; under a second says it
         * is not, however slow the machine (ASan, load). */
        keel_phase_text_add(&p, "b");
        tap_ok(matches(p.text, ", b [0-9]{1,3}\\.[0-9]{3} ms$"), "the_next_from_the_first: %s", p.text);
}

/* More phases than the text holds: it keeps the ones that fitted, whole. */
static void too_many_phases(void)
{
        struct keel_phase_text p;
        struct timespec began;
        char name[64];

        clock_gettime(CLOCK_MONOTONIC, &began);
        keel_phase_text_begin(&p, &began);
        memset(name, 'x', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        for (int i = 0; i < 20; i++)
                keel_phase_text_add(&p, name);
        tap_ok(p.len == strlen(p.text) && p.len < sizeof(p.text), "the_text_stays_in_bounds");
        tap_ok(matches(p.text, "^(x{63} [0-9]+\\.[0-9]{3} ms, )*x{63} [0-9]+\\.[0-9]{3} ms$"),
               "only_whole_phases: %s", p.text);
        keel_phase_text_add(&p, "z");
        tap_ok(matches(p.text, ", z [0-9]+\\.[0-9]{3} ms$"), "a_short_one_still_fits: %s", p.text);
}

int main(void)
{
        phases_in_order();
        the_first_phase_counts_from_began();
        too_many_phases();
        return tap_done();
}
