/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: a mount's "options" array (keel_mount_opts_parse) and
 * linux.rootfsPropagation (keel_mount_propagation_parse).  The input is the
 * array, one option per line.  What mount(2) and mount_setattr(2) will be
 * given is checked against the header's rules, read independently here:
 * which options are refused, the data string, the propagation, and flags
 * that cannot be both set and cleared. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "linux/mount-options.h"

#ifndef MOUNT_ATTR__ATIME
#define MOUNT_ATTR__ATIME 0x00000070
#endif

#define MAX_OPTIONS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An option of the array must not split into two in mount(2)'s data. */
static bool option_acceptable(const char *opt)
{
        bool quoted = false;

        if (*opt == '\0')
                return false;
        for (; *opt; opt++) {
                if (*opt == '"')
                        quoted = !quoted;
                else if (*opt == ',' && !quoted)
                        return false;
        }
        return !quoted;
}

static bool known_option(const char *opt)
{
        const char *name;

        for (size_t i = 0; (name = keel_mount_opts_known(i)) != NULL; i++)
                if (strcmp(name, opt) == 0)
                        return true;
        return false;
}

/* The filesystem data the options should give: the unknown ones, joined. */
static char *expected_data(char **opts, size_t n)
{
        size_t total = 1, used = 0;
        char *s;

        for (size_t i = 0; i < n; i++)
                total += strlen(opts[i]) + 1;
        s = calloc(1, total);
        if (s == NULL)
                abort();
        for (size_t i = 0; i < n; i++) {
                if (known_option(opts[i]))
                        continue;
                if (used > 0)
                        s[used++] = ',';
                strcpy(s + used, opts[i]);
                used += strlen(opts[i]);
        }
        return s;
}

/* The propagation the options should give: the last one that is one. */
static unsigned long expected_propagation(char **opts, size_t n)
{
        unsigned long last = 0;

        for (size_t i = 0; i < n; i++) {
                struct keel_error *err = NULL;
                unsigned long flags = 0;

                if (keel_mount_propagation_parse(opts[i], &flags, &err) == 0)
                        last = flags;
                else if (err == NULL || flags != 0)
                        abort();
                keel_error_free(err);
        }
        return last;
}

static void check_result(const struct keel_mount_opts *o, char **opts, size_t n)
{
        const unsigned long atime = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
        char *want = expected_data(opts, n);

        if (o->flags & o->clear_flags)
                abort();
        if (__builtin_popcountl(o->flags & atime) > 1)
                abort();
        if ((o->attr_set & o->attr_clr) & ~(uint64_t) MOUNT_ATTR__ATIME)
                abort();
        if ((o->attr_set & MOUNT_ATTR__ATIME) &&
            (o->attr_clr & MOUNT_ATTR__ATIME) != MOUNT_ATTR__ATIME)
                abort();
        if ((o->rbind && !o->bind) || (o->ridmap && !o->idmap) ||
            o->bind != !!(o->flags & MS_BIND) || o->rbind != !!(o->flags & MS_REC))
                abort();
        if (o->propagation != expected_propagation(opts, n))
                abort();
        if (want[0] == '\0' ? o->data != NULL : o->data == NULL || strcmp(o->data, want) != 0)
                abort();
        free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *copy = malloc(size + 1), *opts[MAX_OPTIONS];
        struct keel_mount_opts o;
        struct keel_error *err = NULL;
        bool acceptable = true;
        size_t n = 0;
        int r;

        if (copy == NULL)
                abort();
        memcpy(copy, data, size);
        copy[size] = '\0';
        /* One option per line; a NUL ends the line's C string early. */
        for (char *line = copy; line != NULL && n < MAX_OPTIONS; n++) {
                char *nl = memchr(line, '\n', (size_t) (copy + size - line));

                if (nl != NULL)
                        *nl = '\0';
                opts[n] = line;
                acceptable &= option_acceptable(line);
                line = nl != NULL ? nl + 1 : NULL;
        }
        memset(&o, 0xa5, sizeof(o));
        r = keel_mount_opts_parse((const char *const *) opts, n, &o, &err);
        if ((r == 0) != acceptable)
                abort();
        if (r < 0) {
                if (err == NULL || err->msg == NULL || o.data != NULL || o.flags != 0)
                        abort();
                keel_error_free(err);
        } else {
                if (err != NULL)
                        abort();
                check_result(&o, opts, n);
        }
        keel_mount_opts_clear(&o);
        keel_mount_opts_clear(&o);
        if (o.data != NULL || o.flags != 0)
                abort();
        free(copy);
        return 0;
}
