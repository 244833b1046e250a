/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>

#include "hooks.h"
#include "linux/init.h"
#include "linux/lsm.h"
#include "linux/mount-sources.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
#include "linux/sync.h"
#include "linux/sysctl.h"
#include "linux/terminal.h"
#include "store.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/phase.h"
#include "util/signals.h"

#define KEYCTL_JOIN_SESSION_KEYRING 1

/* What the init carries from one step to the next. */
struct init {
        struct keel_init_args *a;
        const struct keel_process *proc;
        struct keel_rootfs rootfs;
        int console_slave;
        int start_conn;                 /* start's connection, from wait_for_start on */
        int procfd;                     /* the trusted procfs (linux/procfs.h) */
        char *executable;
        struct keel_path_self self;     /* keel's pids: no mount source goes through them */
        struct keel_mount_sources sources;      /* what the runtime opened for us */
        struct keel_phase_text phases;  /* where our time goes, sent with READY */
};

static void __attribute__((noreturn)) die(int sock, struct keel_error *err)
{
        keel_sync_send_error(sock, err);
        _exit(1);
}

/* ---- the init's steps, in the order they run --------------------------- */

/* linux.netDevices: the runtime moves them (linux/netdev.h) through a
 * netlink socket of our network namespace, and we wait until they are in. */
static int receive_net_devices(struct init *in, struct keel_error **err)
{
        _cleanup_close_ int sock = -1;
        struct keel_sync_msg msg;

        sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (sock < 0)
                return keel_error_set(err, errno, "linux.netDevices: open a netlink socket");
        if (keel_sync_send(in->a->sync_fd, KEEL_SYNC_NET_DEVICES, 0, NULL, sock) < 0)
                return keel_error_set(err, errno, "sync with the runtime");
        closep(&sock);
        return keel_sync_recv(in->a->sync_fd, KEEL_SYNC_NET_DEVICES_DONE, &msg, NULL, err);
}

static int setup_network(struct init *in, struct keel_error **err)
{
        const struct keel_linux *lx = in->a->cfg->linux_cfg;
        int ret = 0;

        if (in->a->plan.new_flags & CLONE_NEWNET)
                ret = keel_ns_loopback_up(err);
        if (ret == 0 && lx != NULL && lx->n_net_devices > 0)
                ret = receive_net_devices(in, err);
        return ret;
}

static int setup_uts(struct init *in, struct keel_error **err)
{
        const struct keel_config *cfg = in->a->cfg;
        bool uts = keel_ns_plan_has(&in->a->plan, KEEL_NS_UTS);

        if ((cfg->hostname || cfg->domainname) && !uts)
                return keel_error_setq(err, EINVAL, "%s: needs a UTS namespace",
                                       cfg->hostname ? "hostname" : "domainname");
        if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
                return keel_error_set(err, errno, "hostname: set %s", cfg->hostname);
        if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
                return keel_error_set(err, errno, "domainname: set %s", cfg->domainname);
        return 0;
}

static int setup_keyring(struct init *in, struct keel_error **err)
{
        char name[KEEL_ID_MAX + 8];
        int r;

        if (in->a->no_new_keyring)
                return 0;
        /* The keyring gets the process's label, as runc gives it. */
        r = keel_selinux_set(in->procfd, "keycreate", in->proc->selinux_label,
                             "process.selinuxLabel", err);
        if (r < 0)
                return r;
        snprintf(name, sizeof(name), "_ses.%s", in->a->state->id);
        /* Kernels or seccomp profiles without keyrings: runc goes on too. */
        if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0 &&
            errno != ENOSYS && errno != EPERM && errno != EACCES)
                return keel_error_set(err, errno, "join session keyring");
        return 0;
}

/* Where a KEEL_SYNC_MOUNT_SOURCE message's fd goes, or NULL. */
static int *source_slot(struct keel_mount_sources *s, const struct keel_sync_msg *msg)
{
        if (msg->type != KEEL_SYNC_MOUNT_SOURCE)
                return NULL;
        if (msg->value == -1)
                return &s->root;
        if (msg->value == -2)
                return &s->root_mount;
        if (msg->value >= 0 && (size_t) msg->value < s->n)
                return &s->fds[msg->value];
        return NULL;
}

/* In a user namespace we may not reach what the host's root can (a
 * bundle or a volume below a 0700 directory): the runtime opens root.path
 * and the bind sources in our mount namespace and hands them over. */
static int receive_mount_sources(struct init *in, struct keel_error **err)
{
        struct keel_mount_sources *s = &in->sources;
        int sock = in->a->sync_fd;
        struct keel_sync_msg msg;
        int fd, *slot, ret;

        s->n = in->a->cfg->n_mounts;
        s->fds = s->n ? malloc(s->n * sizeof(*s->fds)) : NULL;
        if (s->n && s->fds == NULL)
                return keel_error_set(err, ENOMEM, "mount sources");
        for (size_t i = 0; i < s->n; i++)
                s->fds[i] = -1;
        if (keel_sync_send(sock, KEEL_SYNC_MOUNT_SOURCES, 0, NULL, -1) < 0)
                return keel_error_set(err, errno, "sync with the runtime");
        for (;;) {
                ret = keel_sync_recv(sock, 0, &msg, &fd, err);
                if (ret < 0)
                        return ret;
                if (msg.type == KEEL_SYNC_MOUNT_SOURCES && fd < 0)
                        return 0;
                slot = fd >= 0 ? source_slot(s, &msg) : NULL;
                if (slot == NULL) {
                        if (fd >= 0)
                                close(fd);
                        return keel_error_setq(err, EPROTO, "unexpected message %u from the "
                                               "runtime", msg.type);
                }
                closep(slot);
                *slot = fd;
        }
}

static int setup_rootfs(struct init *in, struct keel_error **err)
{
        int ret = 0;

        in->self = (struct keel_path_self){
                .pids = { in->a->state->pid, in->a->runtime_pid, getpid() }, .n = 3,
        };
        in->rootfs.self = &in->self;
        if (in->a->sources_from_runtime) {
                ret = receive_mount_sources(in, err);
                in->rootfs.sources = &in->sources;
        }
        if (ret < 0)
                return ret;
        in->rootfs.cfg = in->a->cfg;
        in->rootfs.rootfs = in->a->rootfs;
        in->rootfs.bundle = in->a->bundle;
        in->rootfs.no_pivot = in->a->no_pivot;
        in->rootfs.userns = keel_ns_plan_has(&in->a->plan, KEEL_NS_USER);
        in->rootfs.rootfd = -1;
        in->rootfs.idmap_fds = in->a->idmap_fds;
        in->rootfs.cgroup_root = in->a->cgroup_root;
        in->rootfs.runtime_mountns = !keel_ns_plan_has(&in->a->plan, KEEL_NS_MOUNT);
        ret = keel_rootfs_prepare(&in->rootfs, err);
        if (ret == 0)
                ret = keel_rootfs_mount_all(&in->rootfs, err);
        /* Mounted: the host's directories are no business of the init's. */
        in->rootfs.sources = NULL;
        keel_mount_sources_close(&in->sources);
        if (ret == 0)
                ret = keel_rootfs_setup_dev(&in->rootfs, err);
        return ret;
}

/* process.terminal: a pty of the container's own devpts; the master goes to
 * the runtime (and on to --console-socket), the slave becomes /dev/console
 * and, at exec, the process's stdio. */
static int setup_console(struct init *in, struct keel_error **err)
{
        _cleanup_close_ int ptmx = -1, master = -1;
        int ret;

        if (!in->proc->terminal)
                return 0;
        ptmx = keel_path_open_in_root(in->rootfs.rootfd, "/dev/pts/ptmx",
                                      O_RDWR | O_NOCTTY | O_CLOEXEC, 0, NULL);
        if (ptmx < 0)
                ptmx = keel_path_open_in_root(in->rootfs.rootfd, "/dev/ptmx",
                                              O_RDWR | O_NOCTTY | O_CLOEXEC, 0, err);
        if (ptmx < 0)
                return keel_error_prefix(err, "process.terminal");
        ret = keel_terminal_open(ptmx, in->proc->console_size, &master, &in->console_slave, err);
        if (ret == 0)
                ret = keel_terminal_set_owner(in->console_slave, in->proc->user.uid, err);
        if (ret == 0)
                ret = keel_rootfs_bind_console(&in->rootfs, in->console_slave, err);
        if (ret == 0 && keel_sync_send(in->a->sync_fd, KEEL_SYNC_CONSOLE, 0, NULL, master) < 0)
                ret = keel_error_set(err, errno, "send the console to the runtime");
        return ret;
}

/* The state for hooks run here, in the container's namespaces: runtime.md
 * "State" wants the pid as the container sees it (1 in a new pid
 * namespace); the runtime's hooks get the pid keel sees. */
static int state_json(struct init *in, enum keel_status status, char **json, size_t *len,
                      struct keel_error **err)
{
        struct keel_state *st = in->a->state;
        int host_pid = st->pid;
        int ret;

        st->status = status;
        st->pid = getpid();
        ret = keel_state_to_json(st, false, json, len, err);
        st->pid = host_pid;
        return ret;
}

/* prestart and createRuntime run in the runtime; createContainer here, in
 * the container's namespaces, before pivot_root (config.md, "Lifecycle"),
 * in the rootfs as runc runs it (its own tests write ./lib/... there). */
static int run_create_hooks(struct init *in, struct keel_error **err)
{
        struct keel_hooks *h = in->a->cfg->hooks;
        _cleanup_free_ char *json = NULL;
        struct keel_sync_msg msg;
        char rootfs[64];
        size_t len;
        int ret;

        /* The runtime runs prestart and createRuntime hooks while we wait;
         * without any, the round trip is saved. */
        if (h != NULL && (h->prestart.n > 0 || h->create_runtime.n > 0)) {
                if (keel_sync_send(in->a->sync_fd, KEEL_SYNC_CREATE_RUNTIME, 0, NULL, -1) < 0)
                        return keel_error_set(err, errno, "sync with the runtime");
                ret = keel_sync_recv(in->a->sync_fd, KEEL_SYNC_CREATE_RUNTIME_DONE, &msg, NULL,
                                     err);
                if (ret < 0)
                        return ret;
        }
        if (h == NULL || h->create_container.n == 0)
                return 0;
        /* The rootfs mount itself, as root.path names it here: through our
         * fd, since a user namespace may not walk the bundle's parents. */
        snprintf(rootfs, sizeof(rootfs), "/proc/self/fd/%d", in->rootfs.rootfd);
        ret = state_json(in, KEEL_STATUS_CREATING, &json, &len, err);
        if (ret == 0)
                ret = keel_hooks_run_list_in(&h->create_container, KEEL_HOOK_CREATE_CONTAINER,
                                             rootfs, json, len, false, err);
        return ret;
}

static int apply_sysctl(struct init *in, struct keel_error **err)
{
        const struct keel_linux *lx = in->a->cfg->linux_cfg;

        return lx ? keel_sysctl_apply(&lx->sysctl, in->procfd, err) : 0;
}

/* Sysctls are written between pivot_root (they go to the container's
 * /proc) and the read-only remount of /proc/sys by readonlyPaths; a
 * missing process.cwd is made there too, before root.readonly applies. */
static int enter_rootfs(struct init *in, struct keel_error **err)
{
        int ret = keel_rootfs_pivot(&in->rootfs, err);

        if (ret == 0)
                ret = keel_process_create_cwd(in->proc, err);
        if (ret == 0)
                ret = apply_sysctl(in, err);
        if (ret == 0)
                ret = keel_rootfs_finish(&in->rootfs, err);
        keel_rootfs_clear(&in->rootfs);
        return ret;
}

static int prepare_process(struct init *in, struct keel_error **err)
{
        int ret = keel_process_chdir(in->proc, err);

        if (ret == 0)
                ret = keel_process_find_executable(in->proc, &in->executable, err);
        if (ret == 0)
                ret = keel_process_set_home(in->a->cfg->process, err);
        if (ret == 0)
                ret = keel_process_set_rlimits(in->proc, err);

        return ret;
}

/* Tell the runtime everything is ready; it answers once the container is
 * published.  No answer (the runtime died) means nobody will ever start
 * this container: exit rather than wait forever. */
static int report_ready(struct init *in, struct keel_error **err)
{
        struct keel_sync_msg msg;
        int ret;

        if (keel_sync_send(in->a->sync_fd, KEEL_SYNC_READY, 0, in->phases.text, -1) < 0)
                return keel_error_set(err, errno, "sync with the runtime");
        ret = keel_sync_recv(in->a->sync_fd, KEEL_SYNC_READY, &msg, NULL, err);
        return ret;
}

/* ---- after `start` ----------------------------------------------------- */

/* After start connected, failures go back to it (start then fails, as the
 * spec wants for startContainer hooks); the container's stderr too. */
static void __attribute__((noreturn)) fail_late(struct init *in, struct keel_error *err)
{
        const char *msg = err && err->msg ? err->msg : "failed";

        if (in->start_conn >= 0)
                keel_write_all(in->start_conn, msg, strlen(msg));
        dprintf(STDERR_FILENO, "keel: init: %s\n", msg);
        _exit(127);
}

static void wait_for_start(struct init *in)
{
        char c;
        ssize_t n;

        do
                in->start_conn = accept4(in->a->start_fd, NULL, NULL, SOCK_CLOEXEC);
        while (in->start_conn < 0 && errno == EINTR);
        if (in->start_conn < 0)
                _exit(1);
        do
                n = read(in->start_conn, &c, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1)
                _exit(1);
        close(in->a->start_fd);
}

static int run_start_hooks(struct init *in, struct keel_error **err)
{
        struct keel_hooks *h = in->a->cfg->hooks;
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        if (h == NULL || h->start_container.n == 0)
                return 0;
        ret = state_json(in, KEEL_STATUS_CREATED, &json, &len, err);
        if (ret == 0)
                ret = keel_hooks_run_list(&h->start_container, KEEL_HOOK_START_CONTAINER, json, len,
                                          false, err);
        return ret;
}

static int setup_stdio(struct init *in, struct keel_error **err)
{
        if (in->console_slave >= 0)
                return keel_terminal_become_controlling(in->console_slave, err);
        if (setsid() < 0)
                return keel_error_set(err, errno, "setsid");
        return 0;
}

/* The process's identity and seccomp filter, before anything of the
 * container can see us: an `exec` into the created container, or a sibling
 * joining our pid namespace, meets a process with the container's own
 * user, capabilities and filter (as runc's init, which takes them before
 * its exec fifo), not keel with every capability while it waits for
 * start.  The trusted procfs is unmasked: it goes with them. */
static int become_process(struct init *in, struct keel_error **err)
{
        const struct keel_seccomp *sc = in->a->cfg->linux_cfg->seccomp;
        /* All the init keeps while it waits: its talk with create, and the
         * socket start connects to. */
        int needed[] = { in->a->sync_fd, in->a->start_fd };
        struct keel_become b = {
                .proc = in->proc,
                .caps = &in->a->caps,
                .seccomp = in->a->seccomp,
                .seccomp_listener = &in->a->seccomp_listener,
                .state = in->a->state,
                .listener_metadata = sc ? sc->listener_metadata : NULL,
                .keep_fds = in->a->preserve_fds,
                .keep_open = needed,
                .n_keep_open = 2,
                .lx = in->a->cfg->linux_cfg,
                .procfd = in->procfd,
        };
        int ret;

        in->a->state->status = KEEL_STATUS_CREATING;
        ret = keel_process_become(&b, err);
        closep(&in->procfd);
        return ret;
}

static void __attribute__((noreturn)) stage2(struct keel_init_args *a)
{
        struct init in = { .a = a, .proc = a->cfg->process, .console_slave = -1, .start_conn = -1,
                           .procfd = -1, .sources = KEEL_MOUNT_SOURCES_INIT };
        struct keel_error *err = NULL;
        struct keel_sync_msg msg;
        int sock = a->sync_fd;

        /* Nothing of keel's caller or of keel's relay reaches the container:
         * its hooks, and the process at execve, start as runc starts them. */
        keel_signals_reset();
        keel_phase_text_begin(&in.phases, &a->began);
        keel_phase_text_add(&in.phases, "namespaces");

        /* The runtime puts us in the container's cgroup and tells our pid as
         * its pid namespace sees it; a new cgroup namespace must be made
         * after that, so that its root is the container's cgroup. */
        if (keel_sync_recv(sock, KEEL_SYNC_CGROUP_JOINED, &msg, NULL, &err) < 0)
                _exit(1);
        a->state->pid = msg.value;
        if ((a->plan.new_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0) {
                keel_error_set(&err, errno, "create cgroup namespace");
                die(sock, err);
        }
        keel_phase_text_add(&in.phases, "in the cgroup");

        in.procfd = keel_procfs_open(&err);
        if (in.procfd < 0 || setup_network(&in, &err) < 0)
                die(sock, err);
        keel_phase_text_add(&in.phases, "network");
        if (setup_uts(&in, &err) < 0 || setup_keyring(&in, &err) < 0 ||
            setup_rootfs(&in, &err) < 0)
                die(sock, err);
        keel_phase_text_add(&in.phases, "mounts and /dev");
        if (setup_console(&in, &err) < 0 || run_create_hooks(&in, &err) < 0 ||
            enter_rootfs(&in, &err) < 0)
                die(sock, err);
        keel_phase_text_add(&in.phases, "pivot_root, masked and read-only paths");
        if (prepare_process(&in, &err) < 0 || setup_stdio(&in, &err) < 0 ||
            become_process(&in, &err) < 0)
                die(sock, err);
        keel_phase_text_add(&in.phases, "process prepared");
        if (report_ready(&in, &err) < 0)
                die(sock, err);
        close(sock);

        /* With a terminal, the pty is our stdio before create returns: an
         * engine that reads create's stdout until EOF (containerd's shim)
         * must not wait on an init that still holds it until start. */
        wait_for_start(&in);
        if (run_start_hooks(&in, &err) < 0)
                fail_late(&in, err);
        execve(in.executable, in.proc->args, in.proc->env ? in.proc->env : (char *[]){ NULL });
        keel_error_set(&err, errno, "exec %s", in.executable);
        fail_late(&in, err);
}

/* ---- stage 1 ----------------------------------------------------------- */

/* Written by stage 1 (or the direct init) while still in keel's user and
 * mount namespaces, through keel's own procfs (procfd, linux/procfs.h):
 * the file is ours, and the procfs one the container cannot have touched.
 * Its "self" names us in it, whatever pid namespace we are in. */
static int set_oom_score_adj(int procfd, const struct keel_process *p, struct keel_error **err)
{
        char buf[16], path[32];
        pid_t self;

        if (!p->has_oom_score_adj)
                return 0;
        if (keel_procfs_self(procfd, &self, err) < 0)
                return keel_error_prefix(err, "process.oomScoreAdj");
        snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
        snprintf(path, sizeof(path), "%d/oom_score_adj", (int) self);
        return keel_procfs_write(procfd, path, buf, "process.oomScoreAdj", err);
}

static int become_userns_root(int sock, struct keel_error **err)
{
        struct keel_sync_msg msg;
        int ret;

        if (unshare(CLONE_NEWUSER) < 0)
                return keel_error_set(err, errno, "create user namespace");
        if (keel_sync_send(sock, KEEL_SYNC_USERNS_READY, 0, NULL, -1) < 0)
                return keel_error_set(err, errno, "sync with the runtime");
        ret = keel_sync_recv(sock, KEEL_SYNC_USERNS_MAPPED, &msg, NULL, err);
        if (ret < 0)
                return ret;
        if (keel_setresgid(0, 0, 0) < 0 || keel_setresuid(0, 0, 0) < 0)
                return keel_error_set(err, errno, "become root in the user namespace");
        return 0;
}

bool keel_init_can_skip_stage1(const struct keel_ns_plan *plan)
{
        /* A pid, time or user namespace applies to children only or
         * changes who we are: joined, it takes stage 1.  The others the
         * init joins itself (keel_init_direct), as stage 1 would. */
        return geteuid() == 0 && (plan->new_flags & CLONE_NEWPID) &&
               !(plan->new_flags & (CLONE_NEWUSER | CLONE_NEWTIME)) &&
               !(plan->join_flags & (CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWTIME));
}

void keel_init_direct(struct keel_init_args *a)
{
        struct keel_error *err = NULL;
        int sock = a->sync_fd;

        /* No PR_SET_PDEATHSIG: the runtime is our parent and exits once the
         * container is created; a runtime that dies before closes the sync
         * socket, and stage 2 leaves on that. */
        clock_gettime(CLOCK_MONOTONIC, &a->began);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (set_oom_score_adj(a->runtime_procfd, a->cfg->process, &err) < 0)
                die(sock, err);
        /* keel's /proc is not for the container's process. */
        closep(&a->runtime_procfd);
        /* Joined ones first (a pod's network, ipc, uts), then the new. */
        if (keel_ns_join_others(&a->plan, &err) < 0)
                die(sock, err);
        if (unshare(a->plan.new_flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP | CLONE_NEWPID)) < 0) {
                keel_error_set(&err, errno, "create namespaces");
                die(sock, err);
        }
        stage2(a);
}

void keel_init_stage1(struct keel_init_args *a)
{
        struct keel_error *err = NULL;
        int sock = a->sync_fd;
        int flags = a->plan.new_flags;
        pid_t pid;

        clock_gettime(CLOCK_MONOTONIC, &a->began);
        /* Until stage 2 exists, a runtime that dies takes us with it.  Not
         * dumpable until execve: no process of the container may open our
         * /proc/<pid>/exe (keel's binary) or our memory (CVE-2019-5736).
         * An unprivileged keel writes our id maps as the same user, which
         * needs us dumpable until then; no container process exists yet. */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (geteuid() == 0)
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* Joining a pid namespace with processes in it: the runtime
         * becomes our tracer first, and so the init's from its fork. */
        if ((a->plan.join_flags & CLONE_NEWPID) &&
            keel_sync_recv(sock, KEEL_SYNC_TRACED, &(struct keel_sync_msg){ 0 }, NULL, &err) < 0)
                _exit(1);

        /* oom_score_adj is inherited by the init.  Written here, still in
         * keel's user and mount namespaces: later, the non-dumpable init's
         * /proc files belong to a root its user namespace may not map. */
        if (set_oom_score_adj(a->runtime_procfd, a->cfg->process, &err) < 0)
                die(sock, err);
        if (keel_ns_join_user(&a->plan, &err) < 0)
                die(sock, err);
        if ((flags & CLONE_NEWUSER) && become_userns_root(sock, &err) < 0)
                die(sock, err);
        /* A joined user namespace: setns keeps our host ids, which it may
         * not map (files we create would fail with EOVERFLOW); become its
         * root, as a new one makes us. */
        if (!(flags & CLONE_NEWUSER) && keel_ns_plan_has(&a->plan, KEEL_NS_USER) &&
            (keel_setresgid(0, 0, 0) < 0 || keel_setresuid(0, 0, 0) < 0)) {
                keel_error_set(&err, errno, "linux.namespaces: become root in the joined user "
                               "namespace (does it map uid and gid 0?)");
                die(sock, err);
        }
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (keel_ns_join_others(&a->plan, &err) < 0)
                die(sock, err);
        if (unshare(flags & ~(CLONE_NEWUSER | CLONE_NEWCGROUP)) < 0) {
                keel_error_set(&err, errno, "create namespaces");
                die(sock, err);
        }
        if ((flags & CLONE_NEWTIME) && a->cfg->linux_cfg &&
            keel_ns_write_time_offsets(a->runtime_procfd, a->cfg->linux_cfg->time_offsets,
                                       &err) < 0)
                die(sock, err);
        /* keel's /proc is not for the init. */
        closep(&a->runtime_procfd);

        pid = fork();
        if (pid < 0) {
                keel_error_set(&err, errno, "fork the container init");
                die(sock, err);
        }
        if (pid == 0)
                stage2(a);
        if (keel_sync_send(sock, KEEL_SYNC_PID, pid, NULL, -1) < 0)
                kill(pid, SIGKILL);
        _exit(0);
}
