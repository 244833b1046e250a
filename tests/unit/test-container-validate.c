/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create's config checks (container-validate.c): what is refused before
 * anything is made, each refusal naming its field, and a config that
 * passes. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-create.h"
#include "error.h"
#include "tap.h"

#define HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
#define MAPS                                                                \
        "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]," \
        "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"
#define USERNS_MOUNTNS "\"namespaces\":[{\"type\":\"user\"},{\"type\":\"mount\"}]"

/* A config a user may create: its own user and mount namespaces. */
static const char good[] = HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                                "\"linux\":{" USERNS_MOUNTNS "," MAPS "}}";

static struct keel_config *parse(const char *json)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = NULL;

        if (keel_config_parse(json, strlen(json), &cfg, &err) < 0)
                tap_diag("parse %s: %s", json, err ? err->msg : "?");
        return cfg;
}

/* keel_create_check_config on json: its return, its message in *msg
 * (NULL: none), the number of cgroup writes planned in *n_limits. */
static int check_config(const char *json, const struct keel_create_opts *o, char **msg,
                        size_t *n_limits)
{
        static const struct keel_create_opts none;
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_cgroup_plan limits = { 0 };
        struct keel_config *cfg = parse(json);
        int r;

        if (cfg == NULL)
                return -1000;
        r = keel_create_check_config(cfg, o ? o : &none, &limits, &err);
        if (msg != NULL)
                *msg = err ? strdup(err->msg) : NULL;
        if (n_limits != NULL)
                *n_limits = limits.n;
        keel_cgroup_plan_clear(&limits);
        keel_config_free(cfg);
        return r;
}

/* A refusal: the errno (0: any, when it depends on the host) and a piece
 * of the message. */
static void refused(const char *json, const struct keel_create_opts *o, int want, const char *part,
                    const char *name)
{
        char *msg = NULL;
        int r = check_config(json, o, &msg, NULL);
        bool ok = (want ? r == -want : r < 0 && r != -1000) && msg && strstr(msg, part);

        tap_ok(ok, "%s", name);
        if (!ok)
                tap_diag("got %d '%s', want %d '%s'", r, msg ? msg : "(null)", -want, part);
        free(msg);
}

static void config_checks(void)
{
        size_t n = 99;
        char *msg = NULL;
        int r;

        r = check_config(good, NULL, &msg, &n);
        tap_ok(r == 0 && msg == NULL && n == 0,
               "config_with_user_and_mount_namespaces_is_accepted");
        free(msg);
        refused(HEAD "\"linux\":{" USERNS_MOUNTNS "," MAPS "}}", NULL, EINVAL,
                "process: required by create", "config_without_process_is_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]}}", NULL, EINVAL,
                "linux: required by create", "config_without_linux_is_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{\"namespaces\":[{\"type\":\"user\"}]," MAPS "}}",
                NULL, EINVAL, "a user namespace needs a mount namespace",
                "user_namespace_without_mount_namespace_is_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"maskedPaths\":[\"/proc/"
                     "kcore\"]}}",
                NULL, EINVAL, "linux.maskedPaths: needs a mount namespace",
                "masked_paths_without_mount_namespace_are_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"readonlyPaths\":[\"/proc/"
                     "sys\"]}}",
                NULL, EINVAL, "linux.readonlyPaths: needs a mount namespace",
                "readonly_paths_without_mount_namespace_are_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{" USERNS_MOUNTNS "," MAPS ",\"intelRdt\":{\"closID\":\"x\"}}}",
                NULL, 0, "linux.intelRdt", "intel_rdt_is_refused");
        refused(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{" USERNS_MOUNTNS "," MAPS ",\"personality\":{\"domain\":\"LINUX\","
                     "\"flags\":[\"MAGIC\"]}}}",
                NULL, EINVAL, "\"MAGIC\" is not a flag keel knows",
                "personality_flags_are_refused");
}

static void cgroup_limits(void)
{
        static const char json[] = HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                                        "\"linux\":{" USERNS_MOUNTNS "," MAPS
                                        ",\"resources\":{\"pids\":{\"limit\":10}}}}";
        struct keel_create_opts o = { .no_cgroup = true };
        size_t n = 0;
        int r;

        r = check_config(json, NULL, NULL, &n);
        tap_ok(r == 0 && n == 1, "config_resources_become_cgroup_writes");
        n = 99;
        r = check_config(json, &o, NULL, &n);
        tap_ok(r == 0 && n == 0, "config_resources_are_dropped_with_cgroup_manager_disabled");
}

/* Without CAP_SYS_ADMIN a config without a user namespace cannot work;
 * root checks it in a child that gave up its capabilities. */
static void rootless(void)
{
        static const char json[] = HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                                        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}";
        int status = 0;
        pid_t pid = fork();

        if (pid == 0) {
                char *msg = NULL;
                int r;

                if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
                        _exit(2);
                r = check_config(json, NULL, &msg, NULL);
                _exit(r == -EPERM && msg &&
                                      strstr(msg, "a rootless container needs a user namespace")
                              ? 0
                              : 1);
        }
        waitpid(pid, &status, 0);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "no_user_namespace_without_cap_sys_admin_is_refused");
        if (geteuid() != 0) {
                tap_skip("no_user_namespace_with_cap_sys_admin_is_accepted",
                         "needs root: CAP_SYS_ADMIN makes namespaces without a user namespace");
                return;
        }
        tap_ok(check_config(json, NULL, NULL, NULL) == 0,
               "no_user_namespace_with_cap_sys_admin_is_accepted");
}

static void restore(void)
{
        static const struct keel_criu_opts criu;
        static const char tty[] =
                HEAD "\"process\":{\"terminal\":true,\"cwd\":\"/\",\"args\":[\"sh\"]},"
                     "\"linux\":{" USERNS_MOUNTNS "," MAPS "}}";
        struct keel_create_opts o = { .restore = &criu };

        refused(tty, &o, EINVAL, "process.terminal needs --console-socket",
                "restore_terminal_without_console_socket_is_refused");
        o.console_socket = "/run/console.sock";
        tap_is_int(check_config(tty, &o, NULL, NULL), 0,
                   "restore_terminal_with_console_socket_is_accepted");
        o.console_socket = NULL;
        tap_is_int(check_config(tty, NULL, NULL, NULL), 0,
                   "create_terminal_without_console_socket_is_left_to_create");
}

static int check_plan(const char *json, int new_flags, char **msg)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = parse(json);
        struct keel_ns_plan plan = { .new_flags = new_flags };
        int r;

        if (cfg == NULL)
                return -1000;
        for (size_t i = 0; i < KEEL_NS__COUNT; i++)
                plan.join_fd[i] = -1;
        r = keel_create_check_plan(cfg, &plan, &err);
        if (msg != NULL)
                *msg = err ? strdup(err->msg) : NULL;
        keel_config_free(cfg);
        return r;
}

static void plan_checks(void)
{
        char *msg = NULL;
        int r;

        tap_is_int(check_plan(good, CLONE_NEWUSER | CLONE_NEWNS, NULL), 0,
                   "plan_new_user_namespace_with_mappings_is_accepted");
        r = check_plan(good, CLONE_NEWNS, &msg);
        tap_ok(r == -EINVAL && msg && strstr(msg, "only valid with a new user namespace"),
               "plan_mappings_without_new_user_namespace_are_refused");
        free(msg);
        r = check_plan(HEAD "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]},"
                            "\"linux\":{" USERNS_MOUNTNS "}}",
                       CLONE_NEWUSER | CLONE_NEWNS, &msg);
        tap_ok(r == -EINVAL && msg && strstr(msg, "needs uidMappings and gidMappings"),
               "plan_new_user_namespace_without_mappings_is_refused");
        free(msg);
}

int main(void)
{
        config_checks();
        cgroup_limits();
        rootless();
        restore();
        plan_checks();
        return tap_done();
}
