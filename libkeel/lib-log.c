/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "lib-log.h"

static keel_log_handler handler;

void keel_set_log_handler(keel_log_handler fn)
{
        handler = fn;
}

static void emit(enum keel_log_level level, const char *fmt, va_list ap)
{
        char *msg = NULL;

        if (handler == NULL || vasprintf(&msg, fmt, ap) < 0)
                return;
        handler(level, msg);
        free(msg);
}

void keel_warn(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        emit(KEEL_LOG_WARNING, fmt, ap);
        va_end(ap);
}

void keel_debug(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        emit(KEEL_LOG_DEBUG, fmt, ap);
        va_end(ap);
}
