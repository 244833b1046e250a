/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LIB_LOG_H
#define KEEL_LIB_LOG_H

/* The library never prints: warnings (a failed poststart hook, a
 * capability the kernel lacks) and debug notes go to a handler the
 * program installs once (the CLI's writes them to stderr and --log).
 * Without a handler they are dropped. */
enum keel_log_level { KEEL_LOG_WARNING, KEEL_LOG_DEBUG };
typedef void (*keel_log_handler)(enum keel_log_level level, const char *msg);

void keel_set_log_handler(keel_log_handler fn);
void keel_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void keel_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
