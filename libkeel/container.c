/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "hooks.h"
#include "linux/cgroup.h"
#include "lib-log.h"
#include "linux/cgroup-systemd.h"
#include "linux/exe-guard.h"
#include "linux/rootfs.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"
#include "util/phase.h"
#include "util/socket.h"

int keel_proc_start_time(pid_t pid, unsigned long long *start)
{
        _cleanup_free_ char *buf = NULL;
        char path[64];
        const char *p;
        int field;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
        if (keel_read_file_at(AT_FDCWD, path, 4096, &buf, NULL, NULL) < 0)
                return -ESRCH;
        /* comm (field 2) may hold spaces and parentheses: count from the last ')'. */
        p = strrchr(buf, ')');
        if (p == NULL)
                return -EIO;
        /* A zombie has exited: the container is stopped even before its
         * reaper (often not keel) collects it. */
        if (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X'))
                return -ESRCH;
        for (field = 2; field < 22 && p != NULL; field++)
                p = strchr(p + 1, ' ');
        if (p == NULL || sscanf(p + 1, "%llu", start) != 1)
                return -EIO;
        return 0;
}

#define RESCTRL_MOUNT "/sys/fs/resctrl"
#define RESCTRL_MAGIC 0x7655821

int keel_intel_rdt_refused(const char *field, struct keel_error **err)
{
        struct statfs sf;

        if (statfs(RESCTRL_MOUNT, &sf) < 0 || sf.f_type != RESCTRL_MAGIC)
                return keel_error_setq(err, ENOTSUP, "%s: not supported on this host: no resctrl "
                                       "file system at " RESCTRL_MOUNT " (Intel RDT needs a CPU "
                                       "with it and `mount -t resctrl resctrl " RESCTRL_MOUNT "`), "
                                       "and keel does not apply intelRdt yet", field);
        return keel_error_setq(err, ENOTSUP, "%s: not supported yet: keel does not apply intelRdt "
                               "(resctrl is mounted at " RESCTRL_MOUNT ")", field);
}

bool keel_state_init_alive(const struct keel_state *st)
{
        unsigned long long start;

        if (st->pid <= 0)
                return false;
        if (keel_proc_start_time(st->pid, &start) < 0)
                return false;
        return start == st->init_start_time;
}

int keel_container_read_state(struct keel_container_dir *c, struct keel_state **out,
                              struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        struct keel_state *st = NULL;
        size_t len;
        int ret;

        ret = keel_read_file_at(c->dirfd, KEEL_STATE_FILE, KEEL_STATE_MAX_SIZE, &buf, &len, err);
        if (ret < 0)
                return keel_error_prefix(err, "container %s", c->id);
        ret = keel_state_parse(buf, len, &st, err);
        if (ret < 0)
                return keel_error_prefix(err, "container %s: %s", c->id, KEEL_STATE_FILE);
        if (st->status != KEEL_STATUS_CREATING && st->status != KEEL_STATUS_STOPPED &&
            !keel_state_init_alive(st))
                st->status = KEEL_STATUS_STOPPED;
        else if ((st->status == KEEL_STATUS_CREATED || st->status == KEEL_STATUS_RUNNING) &&
                 keel_state_cgroup_frozen(st))
                st->status = KEEL_STATUS_PAUSED;
        *out = st;
        return 0;
}

int keel_container_state(struct keel_store *store, const char *id, struct keel_state **out,
                         struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        int ret;

        ret = keel_store_open_container(store, id, false, &c, err);
        if (ret < 0)
                return ret;
        ret = keel_container_read_state(c, out, err);
        /* -ENOENT says the container does not exist: one whose state.json
         * is missing exists, damaged. */
        if (ret == -ENOENT) {
                if (err != NULL && *err != NULL)
                        (*err)->errnum = EIO;
                ret = -EIO;
        }
        return ret;
}

/* A container without a mount namespace of its own left its rootfs bind
 * (and every mount below it) in keel's namespace: detach it, when it is
 * still the mount create recorded. */
static void unbind_rootfs(int dirfd, const struct keel_state *st)
{
        _cleanup_free_ char *buf = NULL;
        unsigned long long id;
        size_t len;

        if (st->rootfs == NULL ||
            keel_read_file_at(dirfd, KEEL_ROOTFS_MOUNT, 64, &buf, &len, NULL) < 0 ||
            sscanf(buf, "%llu", &id) != 1)
                return;
        keel_rootfs_unbind(st->rootfs, (uint64_t) id);
}

/* ---- sweeping killed creates ------------------------------------------- */

/* A create records its state (status "creating", the cgroup path) in its
 * reservation before it makes the cgroup, so what it made can be found. */
static void sweep_dir(int dirfd)
{
        _cleanup_free_ char *buf = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        struct keel_cgroup *cg = NULL;
        size_t len;

        if (keel_read_file_at(dirfd, KEEL_STATE_FILE, KEEL_STATE_MAX_SIZE, &buf, &len, NULL) < 0 ||
            keel_state_parse(buf, len, &st, NULL) < 0)
                return;
        if (st->pid > 0) {
                _cleanup_close_ int fd = keel_state_open_init(st, NULL);

                if (fd >= 0)
                        keel_pidfd_send_signal(fd, SIGKILL, NULL, 0);
        }
        if (keel_state_open_cgroup(st, &cg, NULL) == 0 && cg != NULL) {
                keel_cgroup_kill(cg, SIGKILL, NULL);
                keel_cgroup_destroy(cg, NULL);
        }
        unbind_rootfs(dirfd, st);
}

void keel_container_sweep(struct keel_store *store)
{
        store->sweeper = sweep_dir;
        keel_store_sweep(store);
}

/* ---- start, kill, delete ----------------------------------------------- */


int keel_container_write_state(struct keel_container_dir *c, const struct keel_state *st,
                               struct keel_error **err)
{
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        ret = keel_state_to_json(st, true, &json, &len, err);
        if (ret == 0)
                ret = keel_write_file_atomic_at(c->dirfd, KEEL_STATE_FILE, json, len, 0600, err);
        return ret;
}

/* The config copy, if it may hold a key named key (NULL: any); *cfg NULL
 * when it surely does not. */
static int load_config_copy(struct keel_container_dir *c, const char *key,
                            struct keel_config **cfg, struct keel_error **err)
{
        int ret = keel_config_load_if_key(c->dirfd, KEEL_CONFIG_COPY, key, cfg, err);

        if (ret < 0)
                return keel_error_prefix(err, "container %s", c->id);
        return 0;
}

static int run_hook_kind(struct keel_container_dir *c, struct keel_state *st, enum keel_hook_kind kind,
                         struct keel_error **err)
{
        _cleanup_config_ struct keel_config *cfg = NULL;
        _cleanup_free_ char *json = NULL;
        const struct keel_hook_list *list;
        struct stat sb;
        const char *cwd;
        size_t len;
        int ret;

        /* Most configs have no hooks of this kind: not parsed for them. */
        ret = load_config_copy(c, keel_hook_kind_name(kind), &cfg, err);
        if (ret < 0 || cfg == NULL)
                return ret;
        list = cfg->hooks ? keel_hooks_get(cfg->hooks, kind) : NULL;
        if (list == NULL || list->n == 0)
                return 0;
        /* In the bundle, as create's hooks (runtime.md); an engine may have
         * removed it before delete: then "/". */
        cwd = st->bundle != NULL && stat(st->bundle, &sb) == 0 && S_ISDIR(sb.st_mode)
                      ? st->bundle : "/";
        ret = keel_state_to_json(st, false, &json, &len, err);
        if (ret == 0)
                ret = keel_hooks_run_list_in(list, kind, cwd, json, len, true, err);
        return ret;
}

int keel_container_open_state(struct keel_store *store, const char *id, bool exclusive,
                              struct keel_container_dir **c, struct keel_state **st,
                              struct keel_error **err)
{
        int ret = keel_store_open_container(store, id, exclusive, c, err);

        if (ret < 0)
                return ret;
        ret = keel_container_read_state(*c, st, err);
        if (ret < 0)
                keel_container_dir_closep(c);
        return ret;
}

static int connect_start_socket(struct keel_container_dir *c, struct keel_error **err)
{
        struct sockaddr_un sa;
        int fd = keel_unix_address_at(c->dirfd, KEEL_START_SOCKET, &sa);

        if (fd == 0)
                fd = keel_unix_connect(&sa);
        if (fd == -ECONNREFUSED || fd == -ENOENT)
                return keel_error_setq(err, ESRCH, "cannot start container %s: its init is gone", c->id);
        if (fd < 0)
                return keel_error_set(err, -fd, "container %s: connect to the init", c->id);
        return fd;
}

/* Release the init and wait until it has executed the process (EOF) or
 * reported why it could not (a message). */
static int release_init(struct keel_container_dir *c, struct keel_error **err)
{
        _cleanup_close_ int fd = connect_start_socket(c, err);
        char msg[4096];
        size_t len = 0;
        ssize_t n;

        if (fd < 0)
                return fd;
        if (write(fd, "s", 1) != 1)
                return keel_error_set(err, errno, "container %s: release the init", c->id);
        while (len < sizeof(msg) - 1) {
                n = read(fd, msg + len, sizeof(msg) - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += n;
        }
        if (len == 0)
                return 0;
        msg[len] = '\0';
        return keel_error_setq(err, EIO, "container %s: %s", c->id, msg);
}

int keel_container_start(struct keel_store *store, const char *id, struct keel_error **err)
{
        struct keel_phases phases;
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        int ret;

        ret = keel_container_open_state(store, id, true, &c, &st, err);
        if (ret < 0)
                return ret;
        if (st->status != KEEL_STATUS_CREATED)
                return keel_error_setq(err, EINVAL, "cannot start container %s: it is %s", id,
                                       keel_status_name(st->status));
        keel_phases_begin(&phases, "start");
        ret = release_init(c, err);
        if (ret == 0)
                keel_phase(&phases, "the init exec'd the process");
        unlinkat(c->dirfd, KEEL_START_SOCKET, 0);
        /* Even a failed start leaves a process that is running or gone;
         * never "created" again. */
        st->status = ret == 0 ? KEEL_STATUS_RUNNING : KEEL_STATUS_STOPPED;
        if (keel_container_write_state(c, st, ret == 0 ? err : NULL) < 0 && ret == 0)
                ret = -EIO;
        if (ret == 0)
                ret = run_hook_kind(c, st, KEEL_HOOK_POSTSTART, err);
        return ret;
}

/* A pidfd for the init that is certainly the recorded process: the start
 * time is checked after the pidfd pins the pid, so a reused pid fails. */
int keel_state_open_init(const struct keel_state *st, struct keel_error **err)
{
        unsigned long long start;
        int fd;

        fd = keel_pidfd_open(st->pid, 0);
        if (fd < 0)
                return keel_error_setq(err, ESRCH, "container %s is not running", st->id);
        if (keel_proc_start_time(st->pid, &start) < 0 || start != st->init_start_time) {
                close(fd);
                return keel_error_setq(err, ESRCH, "container %s is not running", st->id);
        }
        return fd;
}

int keel_container_kill(struct keel_store *store, const char *id, int sig, bool all,
                        struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        _cleanup_close_ int pidfd = -1;
        int ret;

        ret = keel_container_open_state(store, id, false, &c, &st, err);
        if (ret < 0)
                return ret;
        if (st->status == KEEL_STATUS_STOPPED)
                return keel_error_setq(err, ESRCH, "container %s is not running", id);
        if (all && st->cgroup_path != NULL) {
                ret = keel_state_open_cgroup(st, &cg, err);
                return ret < 0 ? ret : keel_cgroup_kill(cg, sig, err);
        }
        pidfd = keel_state_open_init(st, err);
        if (pidfd < 0)
                return pidfd;
        if (keel_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
                return keel_error_set(err, errno, "container %s: send signal %d", id, sig);
        return 0;
}

/* The container's processes are dead: systemd stops the scope and removes
 * its cgroup, and forgets a "failed" state.  Returns whether systemd had
 * the unit (keel_systemd_stop_unit); false also when it could not be asked. */
static bool stop_systemd_unit(const struct keel_state *st)
{
        struct keel_error *err = NULL;
        struct keel_systemd_unit u;
        int r = keel_systemd_unit_from_path(st->cgroup_path, &u, &err);

        if (r == 0)
                r = keel_systemd_stop_unit(u.unit, &err);
        if (r < 0)
                keel_warn("delete %s: %s", st->id, err ? err->msg : "systemd unit");
        keel_error_free(err);
        keel_systemd_unit_clear(&u);
        return r > 0;
}

/* SIGKILL the init and everything in the cgroup, and wait until they are gone. */
static int stop_container(const struct keel_state *st, struct keel_cgroup *cg, struct keel_error **err)
{
        _cleanup_close_ int pidfd = keel_state_open_init(st, NULL);

        if (cg != NULL)
                keel_cgroup_kill(cg, SIGKILL, NULL);
        if (pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };

                keel_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
                if (poll(&p, 1, 10000) == 0)
                        return keel_error_setq(err, ETIMEDOUT, "container %s: init did not die after SIGKILL",
                                               st->id);
        }
        return 0;
}

/* delete --force of a container whose state cannot be read: its cgroup is
 * still found (from the config copy, or keel's default path) and emptied,
 * so no init and no cgroup outlive the state dir. */
static void remove_orphan_cgroup(struct keel_container_dir *c)
{
        _cleanup_config_ struct keel_config *cfg = NULL;
        _cleanup_free_ char *path = NULL;
        struct keel_cgroup *cg = NULL;
        const char *want = NULL;

        if (keel_config_load(c->dirfd, KEEL_CONFIG_COPY, &cfg, NULL) == 0 && cfg->linux_cfg)
                want = cfg->linux_cfg->cgroups_path;
        if (keel_cgroup_resolve_path(want, c->id, &path, NULL) < 0)
                return;
        if (keel_state_open_cgroup(&(struct keel_state){ .cgroup_path = path }, &cg, NULL) == 0 &&
            cg != NULL) {
                keel_cgroup_kill(cg, SIGKILL, NULL);
                keel_cgroup_destroy(cg, NULL);
        }
}

int keel_container_delete(struct keel_store *store, const char *id, bool force,
                          struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        bool systemd_removes_cgroup;
        int ret;

        ret = keel_store_open_container(store, id, true, &c, err);
        if (ret == -ENOENT && force) {
                keel_error_free(*err);
                *err = NULL;
                return 0;
        }
        if (ret < 0)
                return ret;
        ret = keel_container_read_state(c, &st, err);
        if (ret < 0) {
                /* A state dir without a readable state is debris: force clears it. */
                if (force) {
                        keel_error_free(*err);
                        *err = NULL;
                        remove_orphan_cgroup(c);
                        return keel_store_remove(store, steal_pointer(&c), err);
                }
                return ret;
        }
        if ((st->status == KEEL_STATUS_RUNNING || st->status == KEEL_STATUS_PAUSED) && !force)
                return keel_error_setq(err, EBUSY, "cannot delete container %s that is not stopped: %s", id,
                                       keel_status_name(st->status));
        if (keel_state_open_cgroup(st, &cg, NULL) < 0)
                cg = NULL;
        if (st->status != KEEL_STATUS_STOPPED) {
                ret = stop_container(st, cg, err);
                if (ret < 0)
                        return ret;
        }
        st->status = KEEL_STATUS_STOPPED;
        unbind_rootfs(c->dirfd, st);
        run_hook_kind(c, st, KEEL_HOOK_POSTSTOP, NULL);
        /* A scope's cgroup is systemd's to remove, once cgroup.events says
         * it is empty.  Removed before, a scope systemd was already stopping
         * (systemctl stop; an init that ignores SIGTERM) could miss that and
         * stay "deactivating" until its stop timeout.  runc too stops the
         * unit before it removes what is left; keel removes the cgroup only
         * when systemd has no unit for it. */
        systemd_removes_cgroup = st->systemd_cgroup && stop_systemd_unit(st);
        if (cg != NULL && !systemd_removes_cgroup) {
                ret = keel_cgroup_destroy(steal_pointer(&cg), err);
                if (ret < 0)
                        return ret;
        }
        return keel_store_remove(store, steal_pointer(&c), err);
}

bool keel_exe_guard_needed_for_container(struct keel_store *store, const char *id)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_config_ struct keel_config *cfg = NULL;

        if (keel_id_validate(id, NULL) < 0 || keel_store_open_container(store, id, false, &c, NULL) < 0)
                return true;
        if (keel_config_load(c->dirfd, KEEL_CONFIG_COPY, &cfg, NULL) < 0)
                return true;
        return keel_exe_reachable_from(cfg);
}
