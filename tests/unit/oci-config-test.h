/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the config parser's tests (test-oci-config*.c) share: parsing that
 * must succeed or fail with one exact message, and the table of bad
 * input, written with ' for " to stay readable. */
#ifndef KEEL_TESTS_OCI_CONFIG_TEST_H
#define KEEL_TESTS_OCI_CONFIG_TEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "spec/oci-config.h"
#include "tap.h"

#ifdef TEST_DATA_DIR
static inline char *read_data(const char *name, size_t *len)
{
        char path[4096];
        FILE *f;
        char *buf;
        long n;

        snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
        f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t) n + 1);
        if (buf != NULL && fread(buf, 1, (size_t) n, f) != (size_t) n) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        if (buf != NULL) {
                buf[n] = '\0';
                *len = (size_t) n;
        }
        return buf;
}
#endif

/* The bad-input table writes JSON with ' for " to stay readable. */
static inline char *dq(const char *s)
{
        char *d = strdup(s), *c;

        for (c = d; *c; c++)
                if (*c == '\'')
                        *c = '"';
        return d;
}

static inline struct keel_config *parse_ok(const char *json, size_t len, const char *name)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int r = keel_config_parse(json, len, &cfg, &err);

        tap_ok(r == 0 && cfg != NULL, "%s", name);
        if (r < 0)
                tap_diag("error: %s", err && err->msg ? err->msg : "(none)");
        keel_error_free(err);
        return cfg;
}

static inline void expect_error(const char *name, const char *json, size_t len, const char *want)
{
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        int r = keel_config_parse(json, len, &cfg, &err);
        const char *got = err && err->msg ? err->msg : "(no error)";
        int ok = r == -EINVAL && cfg == NULL && strcmp(got, want) == 0;

        tap_ok(ok, "%s", name);
        if (!ok)
                tap_diag("ret %d, got '%s', want '%s'", r, got, want);
        keel_config_free(cfg);
        keel_error_free(err);
}

#define B "'ociVersion':'1.3.0','root':{'path':'r'}"
#define P(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0}" x "}}"
#define U(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{'uid':0,'gid':0" x "}}}"
#define UO(x) "{" B ",'process':{'cwd':'/','args':['sh'],'user':{" x "}}}"
#define L(x) "{" B ",'linux':{" x "}}"
#define R(x) L("'resources':{" x "}")
#define S(x) L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," x "}")

struct bad_case {
        const char *name;
        const char *json;
        const char *want;
};

static inline void run_cases(const struct bad_case *cases, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++) {
                char *json = dq(cases[i].json);

                expect_error(cases[i].name, json, strlen(json), cases[i].want);
                free(json);
        }
}

#endif
