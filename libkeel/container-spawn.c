/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container-create.h"
#include "hooks.h"
#include "lib-log.h"
#include "linux/idmap.h"
#include "linux/mount-sources.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/syscall.h"

/* ---- the init, once it exists ------------------------------------------- */

/* Stage 1 reported the init's pid: it is ours to place in the cgroup. */
static int adopt_init(struct create *cr, pid_t pid, struct keel_error **err)
{
        int status, ret;

        cr->init = pid;
        cr->init_pidfd = keel_pidfd_open(pid, 0);
        if (cr->init_pidfd < 0)
                return keel_error_set(err, errno, "open the init process");
        while (cr->stage1 > 0 && waitpid(cr->stage1, &status, 0) < 0 && errno == EINTR)
                ;
        cr->stage1 = 0;
        ret = keel_proc_start_time(pid, &cr->state->init_start_time);
        if (ret < 0)
                return keel_error_setq(err, -ret, "container init exited during setup");
        cr->state->pid = pid;
        ret = keel_create_cgroup_attach(&cr->cgroup, pid, cr->init_in_cgroup, err);
        if (ret == 0)
                ret = keel_create_record_state(cr, err);
        if (ret < 0)
                return ret;
        keel_phase(&cr->phases, "init forked and put in its cgroup");
        if (cr->sync_fd < 0)    /* restored: criu's, not ours to talk to */
                return 0;
        if (keel_sync_send(cr->sync_fd, KEEL_SYNC_CGROUP_JOINED, pid, NULL, -1) < 0)
                return keel_error_setq(err, EPIPE, "container init exited during setup");
        return 0;
}

/* ---- forking it --------------------------------------------------------- */

/* In the child of either fork: what only the runtime may hold goes, the
 * image's overlay is mounted, then stage 1 or (direct) the init proper. */
static void __attribute__((noreturn)) run_child(struct create *cr, int fds[2], bool direct)
{
        struct keel_error *cerr = NULL;

        /* What keel's caller leaked into it never reaches the container. */
        if (keel_process_close_inherited_fds(cr->args.preserve_fds, &cerr) < 0) {
                keel_sync_send_error(fds[1], cerr);
                _exit(EXIT_FAILURE);
        }
        close(fds[0]);
        if (cr->image != NULL) {
                if (keel_image_rootfs_enter(cr->image, &cerr) < 0) {
                        keel_sync_send_error(fds[1], cerr);
                        _exit(EXIT_FAILURE);
                }
                /* Its fds hold the store's lock: not for the init. */
                keel_image_rootfs_free(cr->image);
        }
        /* The container dir's fd carries its flock: a copy kept by the
         * init would hold the lock for the container's life. */
        keel_store_drop_in_child(cr->store, cr->c);
        keel_cgroup_drop_in_child(cr->cgroup.cg);
        if (direct)
                keel_init_direct(&cr->args);
        keel_init_stage1(&cr->args);
}

/* The cgroup the init is born in (keel_cgroup_fork), or NULL for a fork
 * and a move (or none, or systemd's placing).  with_stage1: stage 1 and
 * the init it forks live there together for a moment, which a
 * linux.resources.pids.limit of 1 would break. */
static struct keel_cgroup *birth_cgroup(const struct create *cr, bool with_stage1)
{
        const struct keel_resources *r = cr->cfg->linux_cfg ? cr->cfg->linux_cfg->resources : NULL;

        if (cr->cgroup.driver != KEEL_CREATE_CGROUP_CGROUPFS)
                return NULL;
        if (with_stage1 && r != NULL && r->pids != NULL && r->pids->limit == 1)
                return NULL;
        return cr->cgroup.cg;
}

/* keel_init_can_skip_stage1: the runtime makes the pid namespace and forks
 * the init into it itself.  Returns the init's pid. */
static pid_t fork_init_directly(struct create *cr, int fds[2], struct keel_error **err)
{
        _cleanup_close_ int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        pid_t pid;
        int e;

        if (own < 0)
                return keel_error_set(err, errno, "open /proc/self/ns/pid");
        if (unshare(CLONE_NEWPID) < 0)
                return keel_error_set(err, errno, "create namespaces");
        pid = keel_cgroup_fork(birth_cgroup(cr, false), &cr->init_in_cgroup);
        if (pid == 0) {
                close(own);
                run_child(cr, fds, true);
        }
        e = errno;
        /* The runtime's later children (hooks) stay in its pid namespace. */
        if (setns(own, CLONE_NEWPID) < 0) {
                e = errno;
                if (pid > 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                }
                return keel_error_set(err, e, "return to keel's pid namespace");
        }
        return pid < 0 ? keel_error_set(err, e, "fork the container init") : pid;
}

/* The init will be visible in a pid namespace that other processes share
 * before it has become the container's process: keel traces it from its
 * fork (linux/ptrace-guard.h).  Where keel may not trace (a Yama policy),
 * the create goes on as runc's and crun's do, with a warning. */
static void guard_init(struct create *cr)
{
        struct keel_error *gerr = NULL;

        if (keel_ptrace_guard_start(&cr->guard, cr->stage1, &gerr) < 0) {
                keel_warn("create %s: %s; a process of the pid namespace it joins holding "
                          "CAP_SYS_PTRACE could attach to the init during its setup",
                          cr->o->id, gerr ? gerr->msg : "ptrace failed");
                keel_error_free(gerr);
        }
        /* Stage 1 forks the init only after this. */
        keel_sync_send(cr->sync_fd, KEEL_SYNC_TRACED, 0, NULL, -1);
}

/* No mount namespace of the container's own: keel binds the rootfs in its
 * own namespace (linux/rootfs.h) and records the mount, so that delete, or
 * a sweep after a killed create, takes it away. */
static int bind_rootfs_here(struct create *cr, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid() }, .n = 1 };
        char buf[32];
        uint64_t id;
        int n, ret;

        ret = keel_rootfs_bind_for_runtime_ns(cr->rootfs, &self, &cr->rootfs_mnt, &id, err);
        if (ret < 0)
                return ret;
        n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long) id);
        return keel_write_file_atomic_at(cr->c->dirfd, KEEL_ROOTFS_MOUNT, buf, (size_t) n, 0600,
                                         err);
}

/* keel's own procfs (linux/procfs.h), opened here while keel's mount
 * namespace is its own, for the writes to files of keel's children: the
 * runtime's to stage 1's uid_map, gid_map and setgroups, stage 1's (or the
 * direct init's) to its own oom_score_adj and timens_offsets; and the
 * runtime's view of the init's root (send_mount_sources).  Only when one
 * of them will happen. */
static int open_own_procfs(struct create *cr, struct keel_error **err)
{
        const struct keel_ns_plan *plan = &cr->args.plan;

        cr->args.runtime_procfd = -1;
        if (!keel_ns_plan_has(plan, KEEL_NS_USER) && !(plan->new_flags & CLONE_NEWTIME) &&
            !cr->cfg->process->has_oom_score_adj)
                return 0;
        cr->procfd = keel_procfs_open_own(err);
        if (cr->procfd < 0)
                return cr->procfd;
        cr->args.runtime_procfd = cr->procfd;
        return 0;
}

static int spawn_stage1(struct create *cr, struct keel_error **err)
{
        int fds[2];
        int ret;

        ret = keel_ns_plan_open(cr->cfg->linux_cfg, &cr->args.plan, err);
        if (ret == 0)
                ret = keel_create_check_plan(cr->cfg, &cr->args.plan, err);
        /* For a cgroup mount the kernel refuses (linux/mount.c binds this
         * hierarchy then): found now, before the namespaces exist. */
        if (ret == 0) {
                cr->cgroup_root = keel_create_cgroup_root(&cr->cgroup);
                cr->args.cgroup_root = cr->cgroup_root;
        }
        if (ret == 0 && !keel_ns_plan_has(&cr->args.plan, KEEL_NS_MOUNT))
                ret = bind_rootfs_here(cr, err);
        if (ret == 0)
                ret = keel_caps_parse(cr->cfg->process->capabilities, &cr->args.caps, err);
        if (ret == 0 && cr->cfg->linux_cfg->seccomp)
                ret = keel_seccomp_compile_cached(cr->store->rootfd, cr->cfg->linux_cfg->seccomp,
                                                  &cr->args.seccomp, &cr->seccomp_cached, err);
        if (ret == 0 && cr->args.seccomp && keel_seccomp_filter_needs_notify(cr->args.seccomp))
                ret = keel_seccomp_listener_connect(cr->cfg->linux_cfg->seccomp->listener_path,
                                                    &cr->args.seccomp_listener, err);
        /* Made here, by root on the host: the init could not (idmap.h). */
        if (ret == 0)
                ret = keel_idmap_prepare(cr->cfg, cr->bundle, cr->rootfs, &cr->args.idmap_fds, err);
        if (ret == 0)
                ret = open_own_procfs(cr, err);
        if (ret == 0)
                ret = keel_sync_pair(fds, err);
        if (ret < 0) {
                keel_ns_plan_close(&cr->args.plan);
                return ret;
        }
        cr->args.cfg = cr->cfg;
        cr->args.bundle = cr->bundle;
        cr->args.rootfs = cr->rootfs;
        cr->args.state = cr->state;
        cr->args.start_fd = cr->start_fd;
        cr->args.preserve_fds = cr->o->preserve_fds + cr->o->listen_fds;
        cr->args.no_pivot = cr->o->no_pivot;
        cr->args.no_new_keyring = cr->o->no_new_keyring;
        cr->args.runtime_pid = getpid();
        /* Root on the host may open what a user namespace may not reach;
         * rootless keel has no more rights than the init. */
        cr->args.sources_from_runtime = keel_ns_plan_has(&cr->args.plan, KEEL_NS_USER) &&
                                        geteuid() == 0;
        cr->args.sync_fd = fds[1];

        if (keel_init_can_skip_stage1(&cr->args.plan)) {
                pid_t pid = fork_init_directly(cr, fds, err);

                close(fds[1]);
                keel_ns_plan_close(&cr->args.plan);
                closep(&cr->args.seccomp_listener);
                cr->sync_fd = fds[0];
                return pid < 0 ? (int) pid : adopt_init(cr, pid, err);
        }
        /* Stage 1 is born in the container's cgroup where it can be, and
         * the init it forks with it. */
        cr->stage1 = keel_cgroup_fork(birth_cgroup(cr, true), &cr->init_in_cgroup);
        if (cr->stage1 < 0) {
                ret = keel_error_set(err, errno, "fork");
                close(fds[0]);
                close(fds[1]);
                return ret;
        }
        if (cr->stage1 == 0)
                run_child(cr, fds, false);
        close(fds[1]);
        cr->sync_fd = fds[0];
        if (cr->args.plan.join_flags & CLONE_NEWPID)
                guard_init(cr);
        keel_ns_plan_close(&cr->args.plan);
        closep(&cr->args.seccomp_listener);
        return 0;
}

/* ---- serving it (linux/sync.h) ------------------------------------------ */

static int run_hooks(struct create *cr, enum keel_hook_kind kind, enum keel_status status,
                     struct keel_error **err)
{
        const struct keel_hook_list *list = cr->cfg->hooks ? keel_hooks_get(cr->cfg->hooks, kind) : NULL;
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        if (list == NULL || list->n == 0)
                return 0;
        cr->state->status = status;
        ret = keel_state_to_json(cr->state, false, &json, &len, err);
        if (ret == 0)
                ret = keel_hooks_run_list_in(list, kind, cr->bundle, json, len, false, err);
        return ret;
}

/* The init is in its network namespace and sent a socket of it: the
 * devices move in before any hook runs (linux/netdev.h). */
static int move_net_devices(struct create *cr, int sock, struct keel_error **err)
{
        int ret = keel_netdev_move_in(&cr->netdevs, cr->cfg->linux_cfg, sock, err);

        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_NET_DEVICES_DONE, 0, NULL, -1) < 0)
                ret = keel_error_setq(err, EPIPE, "container init exited during setup");
        return ret;
}

/* The init, in a user namespace, asks for root.path and its bind
 * sources (linux/mount-sources.h): opened with keel's rights but in the init's
 * mount namespace, through /proc/<init>/root. */
static int send_mount_sources(struct create *cr, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid(), cr->init, cr->stage1 }, .n = 3 };
        struct keel_mount_sources s = KEEL_MOUNT_SOURCES_INIT;
        _cleanup_close_ int root = -1;
        char path[64];
        int ret;

        snprintf(path, sizeof(path), "%d/root", (int) cr->init);
        root = openat(cr->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return keel_error_set(err, errno, "open the container's mount namespace "
                                      "(/proc/%s)", path);
        ret = keel_mount_sources_open(cr->cfg, cr->bundle, cr->rootfs, root, &self, &s, err);
        if (ret < 0)
                return ret;
        if (keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, -1, NULL, s.root) < 0 ||
            keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, -2, NULL, s.root_mount) < 0)
                ret = -1;
        for (size_t i = 0; ret == 0 && i < s.n; i++)
                if (s.fds[i] >= 0 &&
                    keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, (int) i, NULL, s.fds[i]) < 0)
                        ret = -1;
        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCES, 0, NULL, -1) < 0)
                ret = -1;
        keel_mount_sources_close(&s);
        if (ret < 0)
                return keel_error_setq(err, EPIPE, "container process exited during setup");
        return 0;
}

static int take_console(struct create *cr, int fd, struct keel_error **err)
{
        int ret = 0;

        if (cr->o->console_socket != NULL)
                ret = keel_console_socket_send(cr->o->console_socket, fd, err);
        else if (cr->o->keep_console) {
                cr->console = fd;
                return 0;
        } else
                ret = keel_error_setq(err, EINVAL,
                                      "process.terminal needs --console-socket when keel does not stay attached");
        close(fd);
        return ret;
}

/* Until the init or stage 1 has something to say, resuming them when
 * traced (ptrace-guard.h): a tracee waits in its stops for keel. */
static int wait_for_init(struct create *cr, struct keel_error **err)
{
        struct pollfd p[2] = {
                { .fd = cr->sync_fd, .events = POLLIN },
                { .fd = cr->guard.sigfd, .events = POLLIN },
        };

        if (cr->guard.sigfd < 0)
                return 0;
        for (;;) {
                keel_ptrace_guard_serve(&cr->guard);
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "wait for the container init");
                if (p[0].revents)
                        return 0;
        }
}

/* Serve the container side until it reports ready. */
static int talk_to_init(struct create *cr, struct keel_error **err)
{
        struct keel_sync_msg msg;
        int fd, ret;

        for (;;) {
                ret = wait_for_init(cr, err);
                if (ret == 0)
                        ret = keel_sync_recv(cr->sync_fd, 0, &msg, &fd, err);
                if (ret < 0)
                        return ret;
                switch (msg.type) {
                case KEEL_SYNC_USERNS_READY:
                        ret = keel_ns_write_id_maps(cr->procfd, cr->stage1, cr->cfg->linux_cfg, err);
                        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_USERNS_MAPPED, 0, NULL, -1) < 0)
                                ret = keel_error_setq(err, EPIPE, "container process exited during setup");
                        break;
                case KEEL_SYNC_PID:
                        ret = adopt_init(cr, msg.value, err);
                        break;
                case KEEL_SYNC_MOUNT_SOURCES:
                        ret = send_mount_sources(cr, err);
                        break;
                case KEEL_SYNC_CONSOLE:
                        ret = fd >= 0 ? take_console(cr, fd, err)
                                      : keel_error_setq(err, EPROTO, "console message without a pty");
                        break;
                case KEEL_SYNC_NET_DEVICES:
                        ret = fd >= 0 ? move_net_devices(cr, fd, err)
                                      : keel_error_setq(err, EPROTO, "network devices message without a socket");
                        break;
                case KEEL_SYNC_CREATE_RUNTIME:
                        ret = run_hooks(cr, KEEL_HOOK_PRESTART, KEEL_STATUS_CREATING, err);
                        if (ret == 0)
                                ret = run_hooks(cr, KEEL_HOOK_CREATE_RUNTIME, KEEL_STATUS_CREATING, err);
                        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_CREATE_RUNTIME_DONE, 0, NULL, -1) < 0)
                                ret = keel_error_setq(err, EPIPE, "container process exited during setup");
                        break;
                case KEEL_SYNC_READY:
                        if (msg.text[0] != '\0')
                                keel_debug("%s: the init's phases: %s", cr->phases.what, msg.text);
                        /* The init is the container's process now. */
                        ret = keel_ptrace_guard_release(&cr->guard, err);
                        keel_ptrace_guard_end(&cr->guard);
                        return ret;
                default:
                        if (fd >= 0)
                                close(fd);
                        ret = keel_error_setq(err, EPROTO, "unexpected message %u from the container",
                                              msg.type);
                }
                if (ret < 0)
                        return ret;
        }
}

int keel_create_spawn_init(struct create *cr, struct keel_error **err)
{
        int ret = spawn_stage1(cr, err);

        return ret < 0 ? ret : talk_to_init(cr, err);
}

/* ---- restored by criu instead ------------------------------------------- */

/* criu's notifications during a restore: the namespaces exist and the
 * restored init waits to resume (prestart and createRuntime hooks run
 * then, as runc runs prestart), and a container with a terminal gets a
 * new pty master (to --console-socket, as runc does). */
static int restore_notify(void *data, const char *script, pid_t pid, int fd,
                          struct keel_error **err)
{
        struct create *cr = data;
        int ret = 0;

        if (strcmp(script, "orphan-pts-master") == 0)
                return fd >= 0 ? take_console(cr, fd, err)
                               : keel_error_setq(err, EPROTO, "criu: orphan-pts-master without a pty");
        if (fd >= 0)
                close(fd);
        if (strcmp(script, "setup-namespaces") == 0 && pid > 0) {
                cr->state->pid = pid;
                ret = run_hooks(cr, KEEL_HOOK_PRESTART, KEEL_STATUS_CREATING, err);
                if (ret == 0)
                        ret = run_hooks(cr, KEEL_HOOK_CREATE_RUNTIME, KEEL_STATUS_CREATING, err);
        }
        return ret;
}

static int enter_image_rootfs(void *image, struct keel_error **err)
{
        return keel_image_rootfs_enter(image, err);
}

/* restore: criu brings the init back from the images, as keel's child,
 * in the container's cgroup; keel adopts it as create adopts its init. */
int keel_create_restore_init(struct create *cr, struct keel_error **err)
{
        _cleanup_free_ char *root_mnt = NULL, *cgdir = NULL;
        struct keel_criu_restore r = {
                .cfg = cr->cfg, .bundle = cr->bundle, .rootfs = cr->rootfs,
                .enter_rootfs = cr->image ? enter_image_rootfs : NULL, .enter_data = cr->image,
                .notify = restore_notify, .notify_data = cr,
        };
        pid_t pid;
        int ret;

        if (asprintf(&root_mnt, "%s/%s/criu-root", cr->store->root, cr->c->tmp_name) < 0)
                return keel_error_set(err, ENOMEM, "restore");
        if (mkdir(root_mnt, 0700) < 0)
                return keel_error_set(err, errno, "restore: mkdir %s", root_mnt);
        /* criu puts the processes back in a cgroup keel made (systemd's
         * scope is made once the init exists, as for create). */
        if (cr->cgroup.cg != NULL) {
                ret = keel_state_cgroup_dir(cr->state, &cgdir, err);
                if (ret < 0)
                        return ret;
        }
        r.root_mnt = root_mnt;
        r.cgroup_path = cr->cgroup.cg ? cr->state->cgroup_path : NULL;
        r.cgroup_dir = cgdir;
        ret = keel_criu_restore(cr->o->restore, &r, &pid, err);
        rmdir(root_mnt);
        return ret == 0 ? adopt_init(cr, pid, err) : ret;
}
