/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int keel_error_code(const struct keel_error *err)
{
        if (err == NULL || err->errnum <= 0)
                return -EINVAL;
        return -err->errnum;
}

static int error_setv(struct keel_error **err, int errnum, bool spell, const char *fmt, va_list ap)
{
        int ret = errnum > 0 ? -errnum : -EINVAL;
        struct keel_error *e;
        char *text = NULL;

        if (err == NULL || *err != NULL)
                return ret;

        e = calloc(1, sizeof(*e));
        if (e == NULL)
                return ret;
        e->errnum = errnum > 0 ? errnum : 0;

        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        if (text != NULL && errnum > 0 && spell) {
                char *full = NULL;
                if (asprintf(&full, "%s: %s", text, strerror(errnum)) >= 0) {
                        free(text);
                        text = full;
                }
        }
        e->msg = text != NULL ? text : strdup("out of memory while reporting an error");
        *err = e;
        return ret;
}

int keel_error_setv(struct keel_error **err, int errnum, const char *fmt, va_list ap)
{
        return error_setv(err, errnum, true, fmt, ap);
}

int keel_error_setq(struct keel_error **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        int ret;

        va_start(ap, fmt);
        ret = error_setv(err, errnum, false, fmt, ap);
        va_end(ap);
        return ret;
}

int keel_error_set(struct keel_error **err, int errnum, const char *fmt, ...)
{
        va_list ap;
        int ret;

        va_start(ap, fmt);
        ret = keel_error_setv(err, errnum, fmt, ap);
        va_end(ap);
        return ret;
}

int keel_error_prefix(struct keel_error **err, const char *fmt, ...)
{
        char *ctx = NULL, *full = NULL;
        va_list ap;

        if (err == NULL || *err == NULL)
                return -EINVAL;

        va_start(ap, fmt);
        if (vasprintf(&ctx, fmt, ap) < 0)
                ctx = NULL;
        va_end(ap);

        if (ctx != NULL && asprintf(&full, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "") >= 0) {
                free((*err)->msg);
                (*err)->msg = full;
        }
        free(ctx);
        return keel_error_code(*err);
}

void keel_error_free(struct keel_error *err)
{
        if (err == NULL)
                return;
        free(err->msg);
        free(err);
}

void keel_error_freep(struct keel_error **err)
{
        keel_error_free(*err);
        *err = NULL;
}
