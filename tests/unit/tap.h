/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A minimal TAP producer for the unit tests: each check is one test point,
 * automake's tap-driver.sh counts them. */
#ifndef KEEL_TESTS_TAP_H
#define KEEL_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failed;

static inline void tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tap_ok(int cond, const char *fmt, ...)
{
        va_list ap;

        tap_count++;
        if (!cond)
                tap_failed++;
        printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

/* A point that cannot run here, and why: automake's tap-driver counts
 * "ok N - name # SKIP reason" as a skip, and the log keeps the reason. */
static inline void tap_skip(const char *name, const char *why)
{
        tap_count++;
        printf("ok %d - %s # SKIP %s\n", tap_count, name, why);
        fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline void tap_diag(const char *fmt, ...)
{
        va_list ap;

        fputs("# ", stdout);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

#define tap_is_str(got, want, name)                                                     \
        do {                                                                            \
                const char *_g = (got), *_w = (want);                                   \
                int _ok = (_g == NULL && _w == NULL) || (_g && _w && strcmp(_g, _w) == 0); \
                tap_ok(_ok, "%s", name);                                                \
                if (!_ok)                                                               \
                        tap_diag("got '%s', want '%s'", _g ? _g : "(null)", _w ? _w : "(null)"); \
        } while (0)

#define tap_is_int(got, want, name)                                                     \
        do {                                                                            \
                long long _g = (long long) (got), _w = (long long) (want);              \
                tap_ok(_g == _w, "%s", name);                                           \
                if (_g != _w)                                                           \
                        tap_diag("got %lld, want %lld", _g, _w);                        \
        } while (0)

/* Print the plan and return the exit status for main(). */
static inline int tap_done(void)
{
        printf("1..%d\n", tap_count);
        return tap_failed ? 1 : 0;
}

#endif
