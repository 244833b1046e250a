/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "error.h"
#include "tap.h"

static void error_with_errno_appends_strerror(void)
{
        struct keel_error *err = NULL;
        int ret = keel_error_set(&err, ENOENT, "open %s", "config.json");

        tap_is_int(ret, -ENOENT, "error_with_errno_returns_negative_errno");
        tap_is_str(err->msg, "open config.json: No such file or directory", "error_with_errno_appends_strerror");
        keel_error_free(err);
}

static void error_without_errno_is_einval_and_plain(void)
{
        struct keel_error *err = NULL;
        int ret = keel_error_set(&err, 0, "container id must not be empty");

        tap_is_int(ret, -EINVAL, "error_without_errno_returns_einval");
        tap_is_str(err->msg, "container id must not be empty", "error_without_errno_has_no_suffix");
        tap_is_int(keel_error_code(err), -EINVAL, "error_code_of_plain_error_is_einval");
        keel_error_free(err);
}

static void first_error_wins(void)
{
        struct keel_error *err = NULL;

        keel_error_set(&err, EPERM, "first");
        keel_error_set(&err, EIO, "second");
        tap_is_str(err->msg, "first: Operation not permitted", "first_error_is_kept");
        tap_is_int(keel_error_code(err), -EPERM, "first_error_code_is_kept");
        keel_error_free(err);
}

static void prefix_adds_context(void)
{
        struct keel_error *err = NULL;
        int ret;

        keel_error_set(&err, EACCES, "mount proc on /proc");
        ret = keel_error_prefix(&err, "container %s", "c1");
        tap_is_int(ret, -EACCES, "prefix_returns_the_errno");
        tap_is_str(err->msg, "container c1: mount proc on /proc: Permission denied", "prefix_adds_context");
        keel_error_free(err);
}

static void null_err_is_allowed(void)
{
        tap_is_int(keel_error_set(NULL, EBUSY, "ignored"), -EBUSY, "null_error_pointer_still_returns_code");
        tap_is_int(keel_error_prefix(NULL, "x"), -EINVAL, "prefix_on_null_is_einval");
}

int main(void)
{
        error_with_errno_appends_strerror();
        error_without_errno_is_einval_and_plain();
        first_error_wins();
        prefix_adds_context();
        null_err_is_allowed();
        return tap_done();
}
