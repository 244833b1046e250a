/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* linux/ns.h without entering anything: the CLONE_NEW* of each type, the
 * plan made of linux.namespaces (new ones as flags, joined ones as fds
 * checked for their type) and an id map written to a child's user
 * namespace, which a user may do for its own id. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "linux/ns.h"
#include "spec/oci-config.h"
#include "tap.h"

static struct keel_config *parse(const char *json)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = NULL;

        if (keel_config_parse(json, strlen(json), &cfg, &err) < 0) {
                tap_diag("parse %s: %s", json, err ? err->msg : "?");
                return NULL;
        }
        return cfg;
}

static void clone_flags(void)
{
        static const struct {
                enum keel_namespace_type t;
                int flag;
        } want[] = {
                { KEEL_NS_MOUNT, CLONE_NEWNS },      { KEEL_NS_PID, CLONE_NEWPID },
                { KEEL_NS_NETWORK, CLONE_NEWNET },   { KEEL_NS_UTS, CLONE_NEWUTS },
                { KEEL_NS_IPC, CLONE_NEWIPC },       { KEEL_NS_USER, CLONE_NEWUSER },
                { KEEL_NS_CGROUP, CLONE_NEWCGROUP }, { KEEL_NS_TIME, CLONE_NEWTIME },
        };

        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
                tap_ok(keel_ns_clone_flag(want[i].t) == want[i].flag, "clone_flag_of_%s",
                       keel_namespace_type_name(want[i].t));
        tap_is_int(keel_ns_clone_flag(KEEL_NS__COUNT), 0, "clone_flag_of_no_type_is_0");
}

static int plan_of(const char *json, struct keel_ns_plan *plan, char **msg)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = parse(json);
        int r;

        if (cfg == NULL)
                return -1000;
        r = keel_ns_plan_open(cfg->linux_cfg, plan, &err);
        if (msg != NULL)
                *msg = err ? strdup(err->msg) : NULL;
        keel_config_free(cfg);
        return r;
}

static bool no_fds(const struct keel_ns_plan *plan)
{
        for (size_t i = 0; i < KEEL_NS__COUNT; i++)
                if (plan->join_fd[i] != -1)
                        return false;
        return true;
}

static void plans(void)
{
        struct keel_ns_plan plan;
        char *msg = NULL;
        int r;

        tap_ok(keel_ns_plan_open(NULL, &plan, NULL) == 0 && plan.new_flags == 0 &&
                       plan.join_flags == 0 && no_fds(&plan),
               "plan_without_linux_is_empty");

        r = plan_of("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "["
                    "{\"type\":\"mount\"},{\"type\":\"pid\"},{\"type\":\"user\"}]}}",
                    &plan, NULL);
        tap_ok(r == 0 && plan.new_flags == (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER) &&
                       plan.join_flags == 0 && no_fds(&plan),
               "plan_new_namespaces_are_unshare_flags");
        tap_ok(keel_ns_plan_has(&plan, KEEL_NS_PID) && !keel_ns_plan_has(&plan, KEEL_NS_NETWORK),
               "plan_has_says_which_types_are_in");
        keel_ns_plan_close(&plan);

        r = plan_of("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "["
                    "{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]}}",
                    &plan, NULL);
        tap_ok(r == 0 && plan.new_flags == CLONE_NEWNS && plan.join_flags == CLONE_NEWNET &&
                       plan.join_fd[KEEL_NS_NETWORK] >= 0,
               "plan_joined_namespace_is_an_open_fd");
        tap_ok(keel_ns_plan_has(&plan, KEEL_NS_NETWORK), "plan_has_counts_a_joined_type");
        keel_ns_plan_close(&plan);
        tap_ok(no_fds(&plan), "plan_close_closes_every_fd");

        r = plan_of("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "["
                    "{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"},"
                    "{\"type\":\"uts\",\"path\":\"/proc/self/ns/ipc\"}]}}",
                    &plan, &msg);
        tap_ok(r == -EINVAL && msg &&
                       strstr(msg, "linux.namespaces[1]: /proc/self/ns/ipc is not a uts"),
               "plan_path_of_another_type_is_refused");
        tap_ok(no_fds(&plan), "plan_refused_closes_what_it_opened");
        free(msg);

        r = plan_of("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "["
                    "{\"type\":\"uts\",\"path\":\"/nonexistent/ns/uts\"}]}}",
                    &plan, &msg);
        tap_ok(r == -ENOENT && msg && strstr(msg, "linux.namespaces[0]: open /nonexistent/ns/uts"),
               "plan_missing_path_is_refused_naming_it");
        free(msg);

        r = plan_of("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"linux\":{\"namespaces\":"
                    "["
                    "{\"type\":\"uts\",\"path\":\"/etc/hostname\"}]}}",
                    &plan, &msg);
        tap_ok(r == -EINVAL && msg && strstr(msg, "is not a uts namespace"),
               "plan_path_that_is_no_namespace_is_refused");
        free(msg);
}

/* A child in a new user namespace of its own, waiting for its map. */
static void id_maps(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_id_mapping m = { .container_id = 0,
                                     .host_id = (unsigned) geteuid(),
                                     .size = 1 };
        char path[64], buf[128] = "", c = 0;
        int ready[2], go[2], procfd, fd, r, status;
        unsigned a = 9, b = 9, n = 9;
        pid_t pid;

        tap_ok(keel_ns_write_id_map(-1, 1, "uid_map", NULL, 0, "linux.uidMappings", NULL) == 0,
               "write_id_map_of_no_ranges_writes_nothing");
        procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (procfd < 0 || pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0) {
                tap_ok(0, "write_id_map_setup");
                return;
        }
        pid = fork();
        if (pid == 0) {
                close(ready[0]);
                close(go[1]);
                c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'e';
                if (write(ready[1], &c, 1) == 1)
                        (void) !read(go[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(go[0]);
        if (read(ready[0], &c, 1) != 1 || c != 'u') {
                tap_skip("write_id_map_writes_the_map_in_one_go",
                         "unprivileged user namespaces are off (user.max_user_namespaces)");
        } else {
                r = keel_ns_write_id_map(procfd, pid, "uid_map", &m, 1, "linux.uidMappings", &err);
                snprintf(path, sizeof(path), "/proc/%d/uid_map", (int) pid);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) !read(fd, buf, sizeof(buf) - 1);
                        close(fd);
                }
                tap_ok(r == 0 && sscanf(buf, "%u %u %u", &a, &b, &n) == 3 && a == 0 &&
                               b == (unsigned) geteuid() && n == 1,
                       "write_id_map_writes_the_map_in_one_go");
        }
        close(go[1]);
        waitpid(pid, &status, 0);
        close(ready[0]);
        keel_error_free(err);
        err = NULL;
        r = keel_ns_write_id_map(procfd, pid, "uid_map", &m, 1, "linux.uidMappings", &err);
        tap_ok(r < 0 && err && strstr(err->msg, "linux.uidMappings"),
               "write_id_map_of_a_gone_process_names_the_field");
        close(procfd);
}

int main(void)
{
        clone_flags();
        plans();
        id_maps();
        return tap_done();
}
