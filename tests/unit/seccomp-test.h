/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the seccomp tests (test-seccomp*.c) share: profiles written with '
 * for ", compiled from a config, and children that load a filter and
 * report a check in their exit status. */
#ifndef KEEL_TESTS_SECCOMP_TEST_H
#define KEEL_TESTS_SECCOMP_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "lib-log.h"
#include "linux/seccomp.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"
#include "util/cleanup.h"
#include "tap.h"

/* Every child and every wait is bounded: a broken filter must fail the
 * test, never hang it. */
#define CHILD_ALARM 10
#define POLL_MS 10000

static char log_buf[8192];

static inline void capture_log(enum keel_log_level level, const char *msg)
{
        size_t used = strlen(log_buf);

        snprintf(log_buf + used, sizeof(log_buf) - used, "%s\n", msg);
}

/* JSON written with ' for " to stay readable. */
#define SEC(x) "{'ociVersion':'1.3.0','root':{'path':'r'},'linux':{'seccomp':{" x "}}}"

static inline struct keel_config *parse(const char *json)
{
        _cleanup_free_ char *d = strdup(json);
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;

        for (char *c = d; *c; c++)
                if (*c == '\'')
                        *c = '"';
        if (keel_config_parse(d, strlen(d), &cfg, &err) < 0) {
                tap_diag("parse: %s", err->msg);
                keel_error_free(err);
        }
        return cfg;
}

/* Compile the profile in json; NULL (with *msg set when msg is given) on failure. */
static inline struct keel_seccomp_filter *compile_msg(const char *json, char **msg)
{
        struct keel_config *cfg = parse(json);
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;

        if (msg != NULL)
                *msg = NULL;
        if (cfg == NULL || cfg->linux_cfg == NULL || cfg->linux_cfg->seccomp == NULL) {
                keel_config_free(cfg);
                return NULL;
        }
        if (keel_seccomp_compile(cfg->linux_cfg->seccomp, &f, &err) < 0) {
                if (msg != NULL)
                        *msg = strdup(err->msg);
                else
                        tap_diag("compile: %s", err->msg);
                keel_error_free(err);
        }
        keel_config_free(cfg);
        return f;
}

static inline struct keel_seccomp_filter *compile(const char *json)
{
        return compile_msg(json, NULL);
}

static inline char *read_data(const char *name)
{
        char path[4096];
        FILE *f;
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
        f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        n = getdelim(&buf, &cap, '\0', f);
        fclose(f);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- children --------------------------------------------------------------- */

/* Fork a child that loads f (after no_new_privs when nnp) and exits with
 * check()'s value; returns the child's wait status, or -1. */
static inline int run_child(const struct keel_seccomp_filter *f, bool nnp, int (*check)(void))
{
        int status = -1;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct keel_error *err = NULL;

                alarm(CHILD_ALARM);
                if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                if (keel_seccomp_load(f, NULL, NULL, &err) < 0) {
                        printf("# load: %s\n", err->msg);
                        fflush(stdout);
                        _exit(101);
                }
                /* Not _exit(): a sanitizer's exit path makes syscalls a
                 * deny-all profile refuses. */
                syscall(SYS_exit_group, check());
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return status;
}

static inline bool exited_ok(int status, const char *name)
{
        bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

        tap_ok(ok, "%s", name);
        if (!ok && status != -1 && WIFEXITED(status))
                tap_diag("child exited %d", WEXITSTATUS(status));
        else if (!ok && status != -1 && WIFSIGNALED(status))
                tap_diag("child killed by signal %d", WTERMSIG(status));
        return ok;
}

/* Run check under the profile json with no_new_privs. */
static inline void behaves(const char *name, const char *json, int (*check)(void))
{
        struct keel_seccomp_filter *f = compile(json);

        if (f == NULL) {
                tap_ok(0, "%s", name);
                return;
        }
        exited_ok(run_child(f, true, check), name);
        keel_seccomp_filter_free(f);
}

static inline int fails_with(long r, int want)
{
        return r == -1 && errno == want ? 0 : 1;
}

/* A profile allowing everything but the entries in x. */
#define ALLOW_BUT(x) SEC("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[" x "]")
#define ARG(i, op, v) "{'index':" #i ",'value':" #v ",'op':'SCMP_CMP_" #op "'}"
#define MASKED(i, mask, v) \
        "{'index':" #i ",'value':" #mask ",'valueTwo':" #v ",'op':'SCMP_CMP_MASKED_EQ'}"
#define EDOM_WHEN(name, args) \
        "{'names':['" name "'],'action':'SCMP_ACT_ERRNO','errnoRet':33,'args':[" args "]}"

static inline int check_uname_errno_42(void)
{
        struct utsname u;

        if (fails_with(syscall(SYS_uname, &u), 42))
                return 1;
        return syscall(SYS_getpid) > 0 ? 0 : 2;
}

static inline bool starts_with(const char *s, const char *prefix)
{
        return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

#endif
