/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "container.h"
#include "lib-log.h"
#include "linux/caps.h"
#include "linux/cgroup.h"
#include "linux/ns.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/lsm.h"
#include "linux/sched.h"
#include "linux/seccomp.h"
#include "linux/sync.h"
#include "linux/terminal.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"
#include "util/phase.h"
#include "util/signals.h"
#include "util/strv.h"

#define PROCESS_JSON_MAX (4u << 20)

/* Everything one exec owns. */
struct exec {
        const struct keel_exec_opts *o;
        struct keel_store *store;
        struct keel_container_dir *c;
        struct keel_state *st;
        struct keel_config *cfg;
        struct keel_process *own_proc;  /* from --process */
        struct keel_process *proc;      /* what runs: own_proc or cfg->process, adjusted */
        struct keel_cap_sets caps;
        struct keel_seccomp_filter *seccomp;   /* the container's profile applies to exec too */
        bool seccomp_cached;                   /* it came from the cache: not stored again */
        int seccomp_listener;
        struct keel_cgroup *cg;
        int ns_flags;
        int pidfd;                      /* the container's init */
        int sync_fd;
        pid_t stage1;
        pid_t pid;
        int console;
        int procfd;                     /* keel's own procfs (stage 1) */
        bool frozen;                    /* --ignore-paused into a paused container */
        struct keel_phases phases;      /* --debug */
};

/* runc's rule for exec flags: the container's process is the base; args,
 * cwd, user and tty replace, env and caps add. */
static int adjust_process(struct exec *ex, struct keel_error **err)
{
        const struct keel_exec_opts *o = ex->o;
        struct keel_process *p = ex->cfg->process;
        char **args;
        int r = 0;

        if (p == NULL)
                return keel_error_setq(err, EINVAL, "container %s has no process to base exec on", o->id);
        if (o->args == NULL || o->args[0] == NULL)
                return keel_error_setq(err, EINVAL, "exec needs a command or --process");
        if (keel_strv_dup(o->args, &args, &p->n_args) < 0)
                return keel_error_set(err, ENOMEM, "exec");
        keel_strv_free(p->args);
        p->args = args;
        if (o->cwd) {
                if (o->cwd[0] != '/')
                        return keel_error_setq(err, EINVAL, "--cwd %s: must be an absolute path", o->cwd);
                free(p->cwd);
                p->cwd = strdup(o->cwd);
                if (p->cwd == NULL)
                        return keel_error_set(err, ENOMEM, "exec");
        }
        for (size_t i = 0; o->env && o->env[i] && r == 0; i++)
                r = keel_strv_append(&p->env, &p->n_env, o->env[i]);
        if (o->has_user) {
                p->user.uid = o->uid;
                p->user.gid = o->gid;
        }
        if (o->n_additional_gids) {
                uint32_t *g = malloc(o->n_additional_gids * sizeof(uint32_t));

                if (g == NULL)
                        return keel_error_set(err, ENOMEM, "exec");
                memcpy(g, o->additional_gids, o->n_additional_gids * sizeof(uint32_t));
                free(p->user.additional_gids);
                p->user.additional_gids = g;
                p->user.n_additional_gids = o->n_additional_gids;
        }
        /* --cap adds to bounding, effective and permitted only: never to
         * inheritable or ambient (CVE-2022-29162). */
        if (o->caps && o->caps[0] && p->capabilities == NULL) {
                p->capabilities = calloc(1, sizeof(*p->capabilities));
                if (p->capabilities == NULL)
                        return keel_error_set(err, ENOMEM, "exec");
        }
        for (size_t i = 0; o->caps && o->caps[i] && r == 0; i++) {
                struct keel_capabilities *c = p->capabilities;

                r = keel_strv_append(&c->bounding, &c->n_bounding, o->caps[i]);
                if (r == 0)
                        r = keel_strv_append(&c->effective, &c->n_effective, o->caps[i]);
                if (r == 0)
                        r = keel_strv_append(&c->permitted, &c->n_permitted, o->caps[i]);
        }
        if (r < 0)
                return keel_error_set(err, ENOMEM, "exec");
        if (o->no_new_privs)
                p->no_new_privileges = true;
        if (o->apparmor) {
                free(p->apparmor_profile);
                p->apparmor_profile = strdup(o->apparmor);
                if (p->apparmor_profile == NULL)
                        return keel_error_set(err, ENOMEM, "exec");
        }
        if (o->process_label) {
                free(p->selinux_label);
                p->selinux_label = strdup(o->process_label);
                if (p->selinux_label == NULL)
                        return keel_error_set(err, ENOMEM, "exec");
        }
        p->terminal = o->tty;
        ex->proc = p;
        return 0;
}

static int load_process(struct exec *ex, struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int ret;

        if (ex->o->process_path == NULL)
                return adjust_process(ex, err);
        ret = keel_read_file_at(AT_FDCWD, ex->o->process_path, PROCESS_JSON_MAX, &buf, &len, err);
        if (ret < 0)
                return keel_error_prefix(err, "read %s", ex->o->process_path);
        ret = keel_process_parse(buf, len, &ex->own_proc, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", ex->o->process_path);
        ex->proc = ex->own_proc;
        return 0;
}

static int check_process(const struct keel_process *p, struct keel_error **err)
{
        if (p->exec_cpu_affinity) {
                const struct keel_exec_cpu_affinity *a = p->exec_cpu_affinity;
                cpu_set_t set;

                if ((a->initial && keel_cpu_list_parse(a->initial, &set,
                                                       "process.execCPUAffinity.initial", err) < 0) ||
                    (a->final && keel_cpu_list_parse(a->final, &set,
                                                     "process.execCPUAffinity.final", err) < 0))
                        return -EINVAL;
        }
        return keel_lsm_check(p, NULL, err);
}

/* exec --cgroup SUB: an existing sub-cgroup of the container's (runc's
 * "[controller:]path"; cgroup v2 has one tree, so a controller prefix
 * names nothing and is refused). */
static int sub_cgroup_path(const char *base, const char *sub, char **out,
                           struct keel_error **err)
{
        const char *p;

        if (sub == NULL) {
                *out = strdup(base);
                return *out ? 0 : keel_error_set(err, ENOMEM, "cgroup path");
        }
        if (sub[0] == '\0' || sub[0] == '/' || strchr(sub, ':') != NULL)
                return keel_error_setq(err, EINVAL, "--cgroup %s: not a path below the "
                                       "container's cgroup (cgroup v2: no controller prefix)", sub);
        for (p = sub; *p; p += strcspn(p, "/"), p += strspn(p, "/"))
                if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
                        return keel_error_setq(err, EINVAL, "--cgroup %s: \"..\" leaves the "
                                               "container's cgroup", sub);
        if (asprintf(out, "%s/%s", base, sub) < 0)
                return keel_error_set(err, ENOMEM, "cgroup path");
        return 0;
}

static int open_container(struct exec *ex, struct keel_error **err)
{
        const struct keel_linux *lx;
        int ret;

        ret = keel_container_open_state(ex->store, ex->o->id, false, &ex->c, &ex->st, err);
        if (ret < 0)
                return ret;
        if (ex->st->status == KEEL_STATUS_PAUSED && !ex->o->ignore_paused)
                return keel_error_setq(err, EINVAL, "cannot exec in container %s: it is paused "
                                       "(--ignore-paused runs the process once it is resumed)",
                                       ex->o->id);
        ex->frozen = ex->st->status == KEEL_STATUS_PAUSED;
        if (ex->st->status != KEEL_STATUS_RUNNING && ex->st->status != KEEL_STATUS_CREATED &&
            !ex->frozen)
                return keel_error_setq(err, EINVAL, "cannot exec in container %s: it is %s", ex->o->id,
                                       keel_status_name(ex->st->status));
        ret = keel_config_load(ex->c->dirfd, KEEL_CONFIG_COPY, &ex->cfg, err);
        if (ret < 0)
                return keel_error_prefix(err, "container %s", ex->o->id);
        ex->pidfd = keel_state_open_init(ex->st, err);
        if (ex->pidfd < 0)
                return ex->pidfd;
        lx = ex->cfg->linux_cfg;
        for (size_t i = 0; lx && i < lx->n_namespaces; i++)
                ex->ns_flags |= keel_ns_clone_flag(lx->namespaces[i].type);
        if (ex->o->sub_cgroup && (ex->st->cgroup_path == NULL || ex->o->no_cgroup))
                return keel_error_setq(err, EINVAL, "--cgroup %s: container %s has no cgroup",
                                       ex->o->sub_cgroup, ex->o->id);
        if (ex->st->cgroup_path && !ex->o->no_cgroup) {
                _cleanup_free_ char *mount = NULL, *path = NULL;

                ret = sub_cgroup_path(ex->st->cgroup_path, ex->o->sub_cgroup, &path, err);
                if (ret == 0)
                        ret = keel_cgroup_find_mount(&mount, err);
                if (ret == 0)
                        ret = keel_cgroup_open(mount, path, &ex->cg, err);
                if (ret < 0)
                        return ex->o->sub_cgroup ? keel_error_prefix(err, "--cgroup %s",
                                                                     ex->o->sub_cgroup)
                                                 : ret;
        }
        return 0;
}

/* ---- the child: stage 1 joins, stage 2 becomes the process ------------- */

static void __attribute__((noreturn)) child_die(int sock, struct keel_error *err)
{
        keel_sync_send_error(sock, err);
        _exit(1);
}

/* The container's devpts, opened from inside its mount namespace; a
 * rootfs that replaced /dev/pts/ptmx with something else is refused. */
static int open_container_pty(struct exec *ex, int sock, int *slave, struct keel_error **err)
{
        _cleanup_close_ int ptmx = -1, master = -1;
        struct statfs sfs;
        int ret;

        ptmx = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
        if (ptmx < 0)
                return keel_error_set(err, errno, "process.terminal: open /dev/pts/ptmx");
        if (fstatfs(ptmx, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC)
                return keel_error_setq(err, EPERM, "process.terminal: /dev/pts/ptmx is not on a devpts");
        ret = keel_terminal_open(ptmx, ex->proc->console_size, &master, slave, err);
        if (ret == 0)
                ret = keel_terminal_set_owner(*slave, ex->proc->user.uid, err);
        if (ret == 0 && keel_sync_send(sock, KEEL_SYNC_CONSOLE, 0, NULL, master) < 0)
                ret = keel_error_set(err, errno, "send the console to keel");
        return ret;
}

/* The only steps taken inside the container's pid namespace, where its
 * processes can see (and, with CAP_SYS_PTRACE, attach to) this one: it
 * already is the process in all but its binary. */
static void __attribute__((noreturn)) exec_stage2(struct exec *ex, int sock, const char *path,
                                                  int slave)
{
        struct keel_error *err = NULL;

        if (slave >= 0 ? keel_terminal_become_controlling(slave, &err) < 0 : setsid() < 0) {
                if (err == NULL)
                        keel_error_set(&err, errno, "setsid");
                child_die(sock, err);
        }
        execve(path, ex->proc->args, ex->proc->env ? ex->proc->env : (char *[]){ NULL });
        keel_error_set(&err, errno, "exec %s", path);
        child_die(sock, err);
}

/* keel's own procfs (linux/procfs.h), opened before the container's mount
 * namespace is joined: the one the container cannot have replaced (for
 * the LSM labels), and one that shows stage 1 (the container's does not:
 * stage 1 stays outside its pid namespace). */
static int open_host_proc(struct exec *ex, struct keel_error **err)
{
        ex->procfd = keel_procfs_open_own(err);
        return ex->procfd < 0 ? keel_error_prefix(err, "exec") : 0;
}

/* A container without a mount namespace of its own shares keel's: its
 * root is the init's chroot (linux/rootfs.h), which no setns gives. */
static int enter_init_root(struct exec *ex, struct keel_error **err)
{
        _cleanup_close_ int root = -1;
        char path[32];

        snprintf(path, sizeof(path), "%d/root", (int) ex->st->pid);
        root = openat(ex->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return keel_error_set(err, errno, "enter the root of container %s", ex->o->id);
        /* Still the init the pidfd names: its pid was not reused meanwhile. */
        if (keel_pidfd_send_signal(ex->pidfd, 0, NULL, 0) < 0)
                return keel_error_setq(err, ESRCH, "container %s: its init is gone", ex->o->id);
        if (fchdir(root) < 0 || chroot(".") < 0)
                return keel_error_set(err, errno, "enter the root of container %s", ex->o->id);
        return 0;
}

/* sock and slave (or -1) are all the process keeps of keel's until execve. */
static int become(struct exec *ex, int sock, int slave, struct keel_error **err)
{
        int needed[] = { sock, slave };
        struct keel_become b = {
                .proc = ex->proc,
                .caps = &ex->caps,
                .seccomp = ex->seccomp,
                .seccomp_listener = &ex->seccomp_listener,
                .state = ex->st,
                .listener_metadata = ex->cfg->linux_cfg && ex->cfg->linux_cfg->seccomp
                                             ? ex->cfg->linux_cfg->seccomp->listener_metadata
                                             : NULL,
                .keep_fds = ex->o->preserve_fds,
                .keep_open = needed,
                .n_keep_open = 2,
                .lx = ex->cfg->linux_cfg,
                .affinity_final = ex->proc->exec_cpu_affinity
                                          ? ex->proc->exec_cpu_affinity->final
                                          : NULL,
                .procfd = ex->procfd,
        };
        int ret = keel_process_become(&b, err);

        closep(&ex->procfd);
        return ret;
}

/* Stage 1 stays in keel's pid namespace, where the container cannot see
 * it, and does everything that needs keel's privileges there: it joins
 * the cgroup and the namespaces, opens the pty, and becomes the process
 * (user, capabilities, labels, seccomp).  Only then does it fork into the
 * container's pid namespace.  A seccomp profile therefore has to allow
 * the fork (clone) and the setsid/execve that follow, as every engine's
 * default profile does. */
static void __attribute__((noreturn)) exec_stage1(struct exec *ex, int sock)
{
        struct keel_error *err = NULL;
        struct keel_sync_msg msg;
        _cleanup_free_ char *path = NULL;
        int slave = -1;
        pid_t pid;

        keel_signals_reset();   /* the exec process starts as runc starts it */
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (keel_process_close_inherited_fds(ex->o->preserve_fds, &err) < 0)
                child_die(sock, err);
        /* The container's lock and host directories stay outside. */
        keel_store_drop_in_child(ex->store, ex->c);
        keel_cgroup_drop_in_child(ex->cg);
        if (open_host_proc(ex, &err) < 0)
                child_die(sock, err);
        /* keel puts us in the container's cgroup before anything runs. */
        if (keel_sync_recv(sock, KEEL_SYNC_CGROUP_JOINED, &msg, NULL, &err) < 0)
                _exit(1);
        /* One setns through the init's pidfd joins all its namespaces at
         * once; pid and time apply to our children. */
        if (setns(ex->pidfd, ex->ns_flags) < 0) {
                keel_error_set(&err, errno, "join the namespaces of container %s", ex->o->id);
                child_die(sock, err);
        }
        if (!(ex->ns_flags & CLONE_NEWNS) && enter_init_root(ex, &err) < 0)
                child_die(sock, err);
        close(ex->pidfd);
        if (keel_process_chdir(ex->proc, &err) < 0 ||
            keel_process_find_executable(ex->proc, &path, &err) < 0 ||
            keel_process_set_home(ex->proc, &err) < 0 ||
            keel_process_set_rlimits(ex->proc, &err) < 0)
                child_die(sock, err);
        if (ex->proc->terminal && open_container_pty(ex, sock, &slave, &err) < 0)
                child_die(sock, err);
        if (become(ex, sock, slave, &err) < 0)
                child_die(sock, err);
        pid = fork();
        if (pid < 0) {
                keel_error_set(&err, errno, "fork the exec process%s", errno == EPERM ||
                               errno == EACCES || errno == ENOSYS
                                       ? " (does the seccomp profile allow clone?)" : "");
                child_die(sock, err);
        }
        if (pid == 0)
                exec_stage2(ex, sock, path, slave);
        if (keel_sync_send(sock, KEEL_SYNC_PID, pid, NULL, -1) < 0)
                kill(pid, SIGKILL);
        _exit(0);
}

/* ---- the runtime's side ------------------------------------------------ */

/* exec --ignore-paused into a paused container: the helper freezes as
 * soon as it is placed in the cgroup, and exec waits until someone resumes
 * the container (runc does the same).  resume takes the container's lock,
 * so it is released now, before the fork: a copy of the locked fd in the
 * frozen helper would hold the lock as well.  What the lock guarded (a
 * delete racing with this exec) can then only make the exec fail: delete
 * kills the cgroup's processes, the helper with them. */
static void unlock_for_frozen_cgroup(struct exec *ex)
{
        if (!ex->frozen)
                return;
        closep(&ex->c->dirfd);
        keel_debug("exec %s: the container is paused: its lock is released, and the process "
                   "runs once the container is resumed", ex->o->id);
}

static int spawn(struct exec *ex, struct keel_error **err)
{
        bool in_cgroup;
        int fds[2], ret;

        const struct keel_seccomp *sc = ex->cfg->linux_cfg ? ex->cfg->linux_cfg->seccomp : NULL;

        ret = keel_caps_parse(ex->proc->capabilities, &ex->caps, err);
        if (ret == 0 && sc)
                ret = keel_seccomp_compile_cached(ex->store->rootfd, sc, &ex->seccomp,
                                                  &ex->seccomp_cached, err);
        if (ret == 0 && ex->seccomp && keel_seccomp_filter_needs_notify(ex->seccomp))
                ret = keel_seccomp_listener_connect(sc->listener_path, &ex->seccomp_listener, err);
        /* execCPUAffinity.initial: keel's own, inherited by stage 1 before
         * it joins the container's cgroup (whose cpuset then narrows it). */
        if (ret == 0 && ex->proc->exec_cpu_affinity)
                ret = keel_affinity_apply(ex->proc->exec_cpu_affinity->initial,
                                          "process.execCPUAffinity.initial", err);
        if (ret == 0)
                ret = keel_sync_pair(fds, err);
        if (ret < 0)
                return ret;
        /* The exec process, once forked, is in reach of the container:
         * what only stage 1 may say is checked against its pid. */
        ret = keel_sync_pass_creds(fds[0], err);
        if (ret < 0) {
                close(fds[0]);
                close(fds[1]);
                return ret;
        }
        unlock_for_frozen_cgroup(ex);
        /* Born in the container's cgroup where the kernel can, else moved
         * there below. */
        ex->stage1 = keel_cgroup_fork(ex->cg, &in_cgroup);
        if (ex->stage1 < 0) {
                ret = keel_error_set(err, errno, "fork");
                close(fds[0]);
                close(fds[1]);
                return ret;
        }
        if (ex->stage1 == 0) {
                close(fds[0]);
                exec_stage1(ex, fds[1]);
        }
        close(fds[1]);
        closep(&ex->seccomp_listener);
        ex->sync_fd = fds[0];
        if (ex->cg && !in_cgroup) {
                ret = keel_cgroup_enter(ex->cg, ex->stage1, err);
                if (ret < 0)
                        return ret;
        }
        if (keel_sync_send(ex->sync_fd, KEEL_SYNC_CGROUP_JOINED, 0, NULL, -1) < 0)
                return keel_error_setq(err, EPIPE, "exec process exited during setup");
        return 0;
}

static void adopt(struct exec *ex, pid_t pid)
{
        int status;

        ex->pid = pid;
        while (waitpid(ex->stage1, &status, 0) < 0 && errno == EINTR)
                ;
        ex->stage1 = 0;
}

/* Until the sync socket reads EOF: it is close-on-exec, so EOF after
 * stage 1 told the pid means execve succeeded.  The pid and the console
 * come from stage 1 only: the exec process may be under the container's
 * control before its execve, and must not make keel report (and write to
 * --pid-file) a pid of its choosing. */
static int talk_to_child(struct exec *ex, struct keel_error **err)
{
        struct keel_sync_msg msg;
        pid_t sender;
        int fd, ret;

        for (;;) {
                ret = keel_sync_recv_from(ex->sync_fd, 0, &msg, &fd, &sender, err);
                if (ret == -EPIPE && ex->pid > 0 && err && *err && (*err)->errnum == EPIPE) {
                        keel_error_free(*err);
                        *err = NULL;
                        return 0;
                }
                if (ret < 0)
                        return ret;
                if ((msg.type == KEEL_SYNC_PID || msg.type == KEEL_SYNC_CONSOLE) &&
                    (ex->stage1 <= 0 || sender != ex->stage1)) {
                        ret = keel_error_setq(err, EPROTO, "message %u from pid %d, not from "
                                              "keel's exec helper", msg.type, (int) sender);
                } else if (msg.type == KEEL_SYNC_PID) {
                        adopt(ex, msg.value);
                } else if (msg.type == KEEL_SYNC_CONSOLE && fd >= 0) {
                        if (ex->o->console_socket) {
                                ret = keel_console_socket_send(ex->o->console_socket, fd, err);
                                close(fd);
                                fd = -1;
                        } else if (ex->o->keep_console) {
                                ex->console = fd;
                                fd = -1;
                        } else {
                                ret = keel_error_setq(err, EINVAL, "--tty needs --console-socket with --detach");
                        }
                } else {
                        ret = keel_error_setq(err, EPROTO, "unexpected message %u from the exec process",
                                              msg.type);
                }
                if (fd >= 0)
                        close(fd);
                if (ret < 0)
                        return ret;
        }
}

static void exec_release(struct exec *ex, bool failed)
{
        int status;

        if (failed && ex->stage1 > 0) {
                kill(ex->stage1, SIGKILL);
                waitpid(ex->stage1, &status, 0);
        }
        if (failed && ex->pid > 0)
                kill(ex->pid, SIGKILL);
        closep(&ex->sync_fd);
        closep(&ex->pidfd);
        closep(&ex->console);
        closep(&ex->seccomp_listener);
        keel_seccomp_filter_free(ex->seccomp);
        if (ex->cg)
                keel_cgroup_free(ex->cg);
        keel_process_free(ex->own_proc);
        keel_config_free(ex->cfg);
        keel_state_free(ex->st);
        if (ex->c)
                keel_container_dir_close(ex->c);
}

int keel_container_exec(struct keel_store *store, const struct keel_exec_opts *o,
                        struct keel_exec_result *out, struct keel_error **err)
{
        struct exec ex = { .o = o, .store = store, .pidfd = -1, .sync_fd = -1, .console = -1,
                            .procfd = -1, .seccomp_listener = -1 };
        _cleanup_free_ char *what = NULL;
        int ret;

        if (asprintf(&what, "exec %s", o->id) < 0)
                what = NULL;
        keel_phases_begin(&ex.phases, what ? what : "exec");
        ret = keel_id_validate(o->id, err);
        if (ret == 0)
                ret = open_container(&ex, err);
        if (ret == 0) {
                keel_phase(&ex.phases, "container state, config and cgroup opened");
                ret = load_process(&ex, err);
        }
        if (ret == 0)
                ret = check_process(ex.proc, err);
        if (ret == 0 && ex.proc->terminal && !o->console_socket && !o->keep_console)
                ret = keel_error_setq(err, EINVAL, "--tty needs --console-socket with --detach");
        if (ret == 0) {
                keel_phase(&ex.phases, "process prepared");
                ret = spawn(&ex, err);
        }
        if (ret == 0) {
                keel_phase(&ex.phases, "helper forked and placed in the container's cgroup");
                ret = talk_to_child(&ex, err);
        }
        if (ret == 0) {
                keel_debug("exec %s: process %d executed %s", o->id, (int) ex.pid,
                           ex.proc->args[0]);
                keel_phase(&ex.phases, "process executed");
                if (ex.seccomp != NULL && !ex.seccomp_cached)
                        keel_seccomp_cache_store(store->rootfd, ex.cfg->linux_cfg->seccomp,
                                                 ex.seccomp);
        }
        if (ret == 0 && o->pid_file)
                ret = keel_write_pid_file(o->pid_file, ex.pid, err);
        if (ret == 0 && out) {
                out->pid = ex.pid;
                out->console_master = ex.console;
                ex.console = -1;
        }
        exec_release(&ex, ret < 0);
        return ret;
}
