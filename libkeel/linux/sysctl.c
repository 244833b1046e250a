/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "linux/procfs.h"
#include "linux/sysctl.h"
#include "util/cleanup.h"

static const char *const ipc_keys[] = {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
        "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

static bool has_prefix(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_ipc_key(const char *key)
{
        for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
                if (strcmp(key, ipc_keys[i]) == 0)
                        return true;
        return has_prefix(key, "fs.mqueue.");
}

static bool valid_key(const char *key)
{
        const char *c;

        if (key[0] == '\0' || key[0] == '.')
                return false;
        for (c = key; *c; c++)
                if (*c == '/' || (unsigned char) *c <= ' ' || *c == 0x7f ||
                    (*c == '.' && (c[1] == '.' || c[1] == '\0')))
                        return false;
        return true;
}

/* Is the namespace joined at fd the runtime's own one of that type? */
static bool is_runtime_ns(int fd, const char *name)
{
        char path[64];
        struct stat a, b;

        snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
        return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

/* Does the container have a namespace of type t that is not the
 * runtime's?  When not, *why says so, to go before the type's name, and
 * *how after it. */
static bool owns_ns(const struct keel_ns_plan *plan, enum keel_namespace_type t, const char **why,
                    const char **how)
{
        static const char *const proc_name[KEEL_NS__COUNT] = {
                [KEEL_NS_IPC] = "ipc", [KEEL_NS_NETWORK] = "net", [KEEL_NS_UTS] = "uts",
                [KEEL_NS_USER] = "user",
        };

        *how = "";
        if (plan->new_flags & keel_ns_clone_flag(t))
                return true;
        /* A joined user namespace's limits are its owner's to set. */
        if (t == KEEL_NS_USER) {
                *why = "needs a new";
                return false;
        }
        *why = "is not allowed in the runtime's";
        if (plan->join_fd[t] < 0)
                return false;
        if (is_runtime_ns(plan->join_fd[t], proc_name[t])) {
                *how = " (the path names it)";
                return false;
        }
        return true;
}

static int check_one(const char *key, const struct keel_ns_plan *plan, struct keel_error **err)
{
        enum keel_namespace_type t;
        const char *why, *how;

        if (!valid_key(key))
                return keel_error_setq(err, EINVAL, "linux.sysctl: invalid key \"%s\"", key);
        if (strcmp(key, "kernel.hostname") == 0)
                return keel_error_setq(err, EINVAL, "linux.sysctl: \"%s\" is not allowed as it "
                                       "conflicts with the \"hostname\" field", key);
        if (is_ipc_key(key))
                t = KEEL_NS_IPC;
        else if (has_prefix(key, "net."))
                t = KEEL_NS_NETWORK;
        else if (strcmp(key, "kernel.domainname") == 0)
                t = KEEL_NS_UTS;
        else if (has_prefix(key, "user."))
                t = KEEL_NS_USER;
        else
                return keel_error_setq(err, EPERM, "linux.sysctl: \"%s\" is not in a separate "
                                       "kernel namespace (only ipc, net, uts and user sysctls "
                                       "are namespaced)", key);
        if (!owns_ns(plan, t, &why, &how))
                return keel_error_setq(err, EPERM, "linux.sysctl: \"%s\" %s %s namespace%s",
                                       key, why, keel_namespace_type_name(t), how);
        return 0;
}

int keel_sysctl_check(const struct keel_string_map *sysctl, const struct keel_ns_plan *plan,
                      struct keel_error **err)
{
        for (size_t i = 0; i < sysctl->n; i++) {
                int ret = check_one(sysctl->keys[i], plan, err);

                if (ret < 0)
                        return ret;
        }
        return 0;
}

int keel_sysctl_apply(const struct keel_string_map *sysctl, int procfd, struct keel_error **err)
{
        for (size_t i = 0; i < sysctl->n; i++) {
                _cleanup_free_ char *path = NULL;
                int ret;

                if (asprintf(&path, "sys/%s", sysctl->keys[i]) < 0)
                        return keel_error_set(err, ENOMEM, "linux.sysctl");
                for (char *c = path + 4; *c; c++)
                        if (*c == '.')
                                *c = '/';
                ret = keel_procfs_write(procfd, path, sysctl->values[i], "linux.sysctl", err);
                if (ret < 0)
                        return ret;
        }
        return 0;
}
