/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LIB_LOG_H
#define KEEL_LIB_LOG_H

/* The library never prints: warnings and debug notes go to the handler the
 * program installed with keel_set_log_handler (keel.h), or nowhere. */
#include "keel.h"

void keel_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void keel_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
