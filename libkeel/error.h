/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

#include <stdarg.h>

/* An error value: the errno that caused it (0 when none applies) and a
 * message that says what was being done and to what.  Library functions
 * never print; they fill one of these and return a negative errno. */
struct keel_error {
        int errnum;
        char *msg;
};

/* Set *err (if err is non-NULL and *err is still NULL) and return
 * -errnum, or -EINVAL when errnum is 0.  When errnum is non-zero its
 * strerror text is appended: "open config.json: No such file or directory". */
int keel_error_set(struct keel_error **err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int keel_error_setv(struct keel_error **err, int errnum, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));

/* Like keel_error_set, but the message is complete on its own: the errno is
 * kept as the error's code and not spelled out ("container x does not exist"). */
int keel_error_setq(struct keel_error **err, int errnum, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prepend "context: " to an existing error and return its negative errno. */
int keel_error_prefix(struct keel_error **err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The negative errno an error stands for (-EINVAL when it has none). */
int keel_error_code(const struct keel_error *err);

void keel_error_free(struct keel_error *err);
void keel_error_freep(struct keel_error **err);
#define _cleanup_error_ __attribute__((cleanup(keel_error_freep)))

#endif
