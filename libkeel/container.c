/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "hooks.h"
#include "linux/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

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
        *out = st;
        return 0;
}

/* ---- start, kill, delete ----------------------------------------------- */

#define CONFIG_COPY "config.json"
#define EXEC_FIFO "exec.fifo"

static int write_state(struct keel_container_dir *c, const struct keel_state *st, struct keel_error **err)
{
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        ret = keel_state_to_json(st, true, &json, &len, err);
        if (ret == 0)
                ret = keel_write_file_atomic_at(c->dirfd, KEEL_STATE_FILE, json, len, 0600, err);
        return ret;
}

static int load_config_copy(struct keel_container_dir *c, struct keel_config **cfg, struct keel_error **err)
{
        int ret = keel_config_load(c->dirfd, CONFIG_COPY, cfg, err);

        if (ret < 0)
                return keel_error_prefix(err, "container %s", c->id);
        return 0;
}

static int run_hook_kind(struct keel_container_dir *c, struct keel_state *st, enum keel_hook_kind kind,
                         struct keel_error **err)
{
        struct keel_config *cfg = NULL;
        _cleanup_free_ char *json = NULL;
        const struct keel_hook_list *list;
        size_t len;
        int ret;

        ret = load_config_copy(c, &cfg, err);
        if (ret < 0)
                return ret;
        list = cfg->hooks ? keel_hooks_get(cfg->hooks, kind) : NULL;
        if (list != NULL && list->n > 0) {
                ret = keel_state_to_json(st, false, &json, &len, err);
                if (ret == 0)
                        ret = keel_hooks_run_list(list, kind, json, len, true, err);
        }
        keel_config_free(cfg);
        return ret;
}

static int open_state(struct keel_store *store, const char *id, bool exclusive,
                      struct keel_container_dir **c, struct keel_state **st, struct keel_error **err)
{
        int ret = keel_store_open_container(store, id, exclusive, c, err);

        if (ret < 0)
                return ret;
        ret = keel_container_read_state(*c, st, err);
        if (ret < 0) {
                keel_container_dir_close(*c);
                *c = NULL;
        }
        return ret;
}

int keel_container_start(struct keel_store *store, const char *id, struct keel_error **err)
{
        struct keel_container_dir *c = NULL;
        struct keel_state *st = NULL;
        _cleanup_close_ int fifo = -1;
        int ret;

        ret = open_state(store, id, true, &c, &st, err);
        if (ret < 0)
                return ret;
        if (st->status != KEEL_STATUS_CREATED) {
                ret = keel_error_setq(err, EINVAL, "cannot start container %s: it is %s", id,
                                      keel_status_name(st->status));
                goto out;
        }
        fifo = openat(c->dirfd, EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fifo < 0) {
                ret = errno == ENXIO ? keel_error_setq(err, ESRCH, "cannot start container %s: its init is gone", id)
                                     : keel_error_set(err, errno, "container %s: open the exec fifo", id);
                goto out;
        }
        if (write(fifo, "0", 1) != 1) {
                ret = keel_error_set(err, errno, "container %s: release the init", id);
                goto out;
        }
        unlinkat(c->dirfd, EXEC_FIFO, 0);
        st->status = KEEL_STATUS_RUNNING;
        ret = write_state(c, st, err);
        if (ret == 0)
                ret = run_hook_kind(c, st, KEEL_HOOK_POSTSTART, err);
out:
        keel_state_free(st);
        keel_container_dir_close(c);
        return ret;
}

/* A pidfd for the init that is certainly the recorded process: the start
 * time is checked after the pidfd pins the pid, so a reused pid fails. */
static int open_init(const struct keel_state *st, struct keel_error **err)
{
        unsigned long long start;
        int fd;

        fd = (int) syscall(SYS_pidfd_open, st->pid, 0);
        if (fd < 0)
                return keel_error_setq(err, ESRCH, "container %s is not running", st->id);
        if (keel_proc_start_time(st->pid, &start) < 0 || start != st->init_start_time) {
                close(fd);
                return keel_error_setq(err, ESRCH, "container %s is not running", st->id);
        }
        return fd;
}

static int open_cgroup(const struct keel_state *st, struct keel_cgroup **cg, struct keel_error **err)
{
        _cleanup_free_ char *mount = NULL;
        int ret;

        *cg = NULL;
        if (st->cgroup_path == NULL)
                return 0;
        ret = keel_cgroup_find_mount(&mount, err);
        if (ret == 0)
                ret = keel_cgroup_open(mount, st->cgroup_path, cg, err);
        return ret;
}

int keel_container_kill(struct keel_store *store, const char *id, int sig, bool all,
                        struct keel_error **err)
{
        struct keel_container_dir *c = NULL;
        struct keel_cgroup *cg = NULL;
        struct keel_state *st = NULL;
        _cleanup_close_ int pidfd = -1;
        int ret;

        ret = open_state(store, id, false, &c, &st, err);
        if (ret < 0)
                return ret;
        if (st->status == KEEL_STATUS_STOPPED) {
                ret = keel_error_setq(err, ESRCH, "container %s is not running", id);
                goto out;
        }
        if (all && st->cgroup_path != NULL) {
                ret = open_cgroup(st, &cg, err);
                if (ret == 0)
                        ret = keel_cgroup_kill(cg, sig, err);
                goto out;
        }
        pidfd = open_init(st, err);
        if (pidfd < 0) {
                ret = pidfd;
                goto out;
        }
        if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
                ret = keel_error_set(err, errno, "container %s: send signal %d", id, sig);
out:
        if (cg != NULL)
                keel_cgroup_free(cg);
        keel_state_free(st);
        keel_container_dir_close(c);
        return ret;
}

/* SIGKILL the init and everything in the cgroup, and wait until they are gone. */
static int stop_container(const struct keel_state *st, struct keel_cgroup *cg, struct keel_error **err)
{
        _cleanup_close_ int pidfd = open_init(st, NULL);

        if (cg != NULL)
                keel_cgroup_kill(cg, SIGKILL, NULL);
        if (pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };

                syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
                if (poll(&p, 1, 10000) == 0)
                        return keel_error_setq(err, ETIMEDOUT, "container %s: init did not die after SIGKILL",
                                               st->id);
        }
        return 0;
}

int keel_container_delete(struct keel_store *store, const char *id, bool force,
                          struct keel_error **err)
{
        struct keel_container_dir *c = NULL;
        struct keel_cgroup *cg = NULL;
        struct keel_state *st = NULL;
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
                        return keel_store_remove(store, c, err);
                }
                keel_container_dir_close(c);
                return ret;
        }
        if (st->status == KEEL_STATUS_RUNNING && !force) {
                ret = keel_error_setq(err, EBUSY, "cannot delete container %s that is not stopped: running", id);
                goto out;
        }
        if (open_cgroup(st, &cg, NULL) < 0)
                cg = NULL;
        if (st->status != KEEL_STATUS_STOPPED) {
                ret = stop_container(st, cg, err);
                if (ret < 0)
                        goto out;
        }
        st->status = KEEL_STATUS_STOPPED;
        run_hook_kind(c, st, KEEL_HOOK_POSTSTOP, NULL);
        if (cg != NULL) {
                ret = keel_cgroup_destroy(cg, err);
                cg = NULL;
                if (ret < 0)
                        goto out;
        }
        ret = keel_store_remove(store, c, err);
        c = NULL;
out:
        if (cg != NULL)
                keel_cgroup_free(cg);
        keel_state_free(st);
        if (c != NULL)
                keel_container_dir_close(c);
        return ret;
}
