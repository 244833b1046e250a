/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "linux/ns.h"
#include "linux/procfs.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"


int keel_ns_clone_flag(enum keel_namespace_type t)
{
        switch (t) {
        case KEEL_NS_MOUNT: return CLONE_NEWNS;
        case KEEL_NS_PID: return CLONE_NEWPID;
        case KEEL_NS_NETWORK: return CLONE_NEWNET;
        case KEEL_NS_UTS: return CLONE_NEWUTS;
        case KEEL_NS_IPC: return CLONE_NEWIPC;
        case KEEL_NS_USER: return CLONE_NEWUSER;
        case KEEL_NS_CGROUP: return CLONE_NEWCGROUP;
        case KEEL_NS_TIME: return CLONE_NEWTIME;
        default: return 0;
        }
}

int keel_ns_plan_open(const struct keel_linux *lx, struct keel_ns_plan *plan, struct keel_error **err)
{
        size_t i;

        plan->new_flags = 0;
        plan->join_flags = 0;
        for (i = 0; i < KEEL_NS__COUNT; i++)
                plan->join_fd[i] = -1;
        if (lx == NULL)
                return 0;
        for (i = 0; i < lx->n_namespaces; i++) {
                const struct keel_namespace *ns = &lx->namespaces[i];
                int fd, type;

                if (ns->path == NULL) {
                        plan->new_flags |= keel_ns_clone_flag(ns->type);
                        continue;
                }
                fd = open(ns->path, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        int e = errno;
                        keel_ns_plan_close(plan);
                        return keel_error_set(err, e, "linux.namespaces[%zu]: open %s", i, ns->path);
                }
                plan->join_fd[ns->type] = fd;
                plan->join_flags |= keel_ns_clone_flag(ns->type);
                type = ioctl(fd, NS_GET_NSTYPE);
                if (type != keel_ns_clone_flag(ns->type)) {
                        keel_ns_plan_close(plan);
                        return keel_error_setq(err, EINVAL, "linux.namespaces[%zu]: %s is not a %s namespace",
                                               i, ns->path, keel_namespace_type_name(ns->type));
                }
        }
        return 0;
}

void keel_ns_plan_close(struct keel_ns_plan *plan)
{
        for (size_t i = 0; i < KEEL_NS__COUNT; i++)
                closep(&plan->join_fd[i]);
}

bool keel_ns_plan_has(const struct keel_ns_plan *plan, enum keel_namespace_type t)
{
        return ((plan->new_flags | plan->join_flags) & keel_ns_clone_flag(t)) != 0;
}

static int join_one(struct keel_ns_plan *plan, enum keel_namespace_type t, struct keel_error **err)
{
        if (plan->join_fd[t] < 0)
                return 0;
        if (setns(plan->join_fd[t], keel_ns_clone_flag(t)) < 0)
                return keel_error_set(err, errno, "join %s namespace", keel_namespace_type_name(t));
        closep(&plan->join_fd[t]);
        return 0;
}

int keel_ns_join_user(struct keel_ns_plan *plan, struct keel_error **err)
{
        return join_one(plan, KEEL_NS_USER, err);
}

int keel_ns_join_others(struct keel_ns_plan *plan, struct keel_error **err)
{
        static const enum keel_namespace_type order[] = {
                KEEL_NS_IPC, KEEL_NS_UTS, KEEL_NS_NETWORK, KEEL_NS_PID,
                KEEL_NS_CGROUP, KEEL_NS_TIME, KEEL_NS_MOUNT,
        };
        int ret;

        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
                ret = join_one(plan, order[i], err);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

int keel_ns_write_time_offsets(int procfd, const struct keel_time_offsets *t,
                               struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        char buf[128], path[32];
        pid_t self;
        int n = 0;

        if (t == NULL || (!t->has_monotonic && !t->has_boottime))
                return 0;
        if (t->has_monotonic)
                n += snprintf(buf + n, sizeof(buf) - n, "monotonic %lld %u\n",
                              (long long) t->monotonic.secs, t->monotonic.nanosecs);
        if (t->has_boottime)
                n += snprintf(buf + n, sizeof(buf) - n, "boottime %lld %u\n",
                              (long long) t->boottime.secs, t->boottime.nanosecs);
        /* Stage 1's own file, through keel's procfs (procfs.h): the /proc
         * of a mount namespace joined by path is the container's, which
         * could redirect the write and may not even show stage 1. */
        if (keel_procfs_self(procfd, &self, err) < 0)
                return keel_error_prefix(err, "linux.timeOffsets");
        snprintf(path, sizeof(path), "%d/timens_offsets", (int) self);
        fd = keel_procfs_open_file(procfd, path, O_WRONLY, "linux.timeOffsets", err);
        if (fd < 0)
                return fd;
        /* One write per clock: the kernel parses a single line per call. */
        for (char *line = buf, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                if (write(fd, line, nl - line + 1) < 0)
                        return keel_error_set(err, errno, "linux.timeOffsets: write %.*s",
                                              (int) (nl - line), line);
        }
        return 0;
}

int keel_ns_loopback_up(struct keel_error **err)
{
        _cleanup_close_ int sock = -1;
        struct ifreq ifr;

        sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return keel_error_set(err, errno, "bring up lo: socket");
        memset(&ifr, 0, sizeof(ifr));
        strcpy(ifr.ifr_name, "lo");
        if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
                return keel_error_set(err, errno, "bring up lo");
        if (ifr.ifr_flags & IFF_UP)
                return 0;
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
                return keel_error_set(err, errno, "bring up lo");
        return 0;
}

int keel_ns_write_id_map(int procfd, pid_t pid, const char *file,
                         const struct keel_id_mapping *m, size_t n, const char *field,
                         struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_close_ int fd = -1;
        size_t len = 0;
        char path[64];

        if (n == 0)
                return 0;
        buf = malloc(n * 40 + 1);
        if (buf == NULL)
                return keel_error_set(err, ENOMEM, "%s", field);
        for (size_t i = 0; i < n; i++)
                len += sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
        snprintf(path, sizeof(path), "%d/%s", (int) pid, file);
        fd = keel_procfs_open_file(procfd, path, O_WRONLY, field, err);
        if (fd < 0)
                return fd;
        /* The kernel takes the whole map in one write, or nothing. */
        if (write(fd, buf, len) != (ssize_t) len)
                return keel_error_set(err, errno, "%s: write /proc/%s", field, path);
        return 0;
}

/* An unprivileged keel may map its own id alone (user_namespaces(7)). */
static bool only_own_id(const struct keel_id_mapping *m, size_t n, unsigned id)
{
        return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

/* Any other mapping goes through the setuid helpers of Debian's uidmap
 * package, which check it against /etc/subuid and /etc/subgid. */
static int run_id_helper(const char *tool, pid_t pid, const struct keel_id_mapping *m, size_t n,
                         const char *field, struct keel_error **err)
{
        char *argv[3 * 8 + 3] = { NULL };
        char buf[16 * (3 * 8 + 1)];
        size_t a = 0, used = 0;
        int status;
        pid_t child;

        /* 8: what the helpers (and older kernels' maps) accept in one go */
        if (n > 8)
                return keel_error_setq(err, E2BIG, "%s: at most 8 ranges", field);
        argv[a++] = (char *) tool;
        argv[a++] = buf + used;
        used += (size_t) sprintf(buf + used, "%d", (int) pid) + 1;
        for (size_t i = 0; i < n; i++) {
                argv[a++] = buf + used;
                used += (size_t) sprintf(buf + used, "%u", m[i].container_id) + 1;
                argv[a++] = buf + used;
                used += (size_t) sprintf(buf + used, "%u", m[i].host_id) + 1;
                argv[a++] = buf + used;
                used += (size_t) sprintf(buf + used, "%u", m[i].size) + 1;
        }
        child = fork();
        if (child == 0) {
                execvp(tool, argv);
                _exit(errno == ENOENT ? 127 : 126);
        }
        if (child < 0)
                return keel_error_set(err, errno, "%s: fork %s", field, tool);
        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return keel_error_setq(err, EPERM, "%s: an unprivileged user maps ids other than "
                                       "its own through %s (Debian package uidmap), which is "
                                       "not installed", field, tool);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return keel_error_setq(err, EPERM, "%s: %s refused the mapping (are the ranges "
                                       "in /etc/sub%cid?)", field, tool, tool[3] == 'u' ? 'u' : 'g');
        return 0;
}

static int deny_setgroups(int procfd, pid_t pid, struct keel_error **err)
{
        char path[32];

        snprintf(path, sizeof(path), "%d/setgroups", (int) pid);
        return keel_procfs_write(procfd, path, "deny", "linux.gidMappings", err);
}

/* Written by the runtime, outside the new user namespace, into stage 1's
 * files: through keel's own procfs (procfs.h), in whose pid namespace
 * stage 1 has the pid fork returned, opened before anything of the
 * container existed.  The uidmap helpers write the files themselves. */
int keel_ns_write_id_maps(int procfd, pid_t pid, const struct keel_linux *lx,
                          struct keel_error **err)
{
        int ret;

        if (geteuid() == 0) {
                ret = keel_ns_write_id_map(procfd, pid, "uid_map", lx->uid_mappings,
                                           lx->n_uid_mappings, "linux.uidMappings", err);
                if (ret == 0)
                        ret = keel_ns_write_id_map(procfd, pid, "gid_map", lx->gid_mappings,
                                                   lx->n_gid_mappings, "linux.gidMappings", err);
                return ret;
        }
        if (only_own_id(lx->uid_mappings, lx->n_uid_mappings, geteuid()))
                ret = keel_ns_write_id_map(procfd, pid, "uid_map", lx->uid_mappings,
                                           lx->n_uid_mappings, "linux.uidMappings", err);
        else
                ret = run_id_helper("newuidmap", pid, lx->uid_mappings, lx->n_uid_mappings,
                                    "linux.uidMappings", err);
        if (ret < 0)
                return ret;
        /* Without setgroups denied, the kernel refuses an unprivileged
         * gid_map (a process could drop groups that deny it access). */
        if (only_own_id(lx->gid_mappings, lx->n_gid_mappings, getegid())) {
                ret = deny_setgroups(procfd, pid, err);
                if (ret == 0)
                        ret = keel_ns_write_id_map(procfd, pid, "gid_map", lx->gid_mappings,
                                                   lx->n_gid_mappings, "linux.gidMappings", err);
                return ret;
        }
        return run_id_helper("newgidmap", pid, lx->gid_mappings, lx->n_gid_mappings,
                             "linux.gidMappings", err);
}
