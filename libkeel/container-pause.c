/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "linux/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* How long the kernel gets to freeze or thaw every task of the cgroup. */
#define FREEZE_TIMEOUT_MS 5000
#define FREEZE_POLL_MS 10

static int write_freeze(struct keel_cgroup *cg, bool freeze, struct keel_error **err)
{
        _cleanup_close_ int fd = openat(cg->dirfd, "cgroup.freeze", O_WRONLY | O_CLOEXEC);
        int r;

        if (fd < 0 && errno == ENOENT)
                return keel_error_setq(err, ENOTSUP, "cgroup %s: no freezer (cgroup v2 freezing needs Linux 5.2)",
                                       cg->path);
        if (fd < 0)
                return keel_error_set(err, errno, "cgroup %s: open cgroup.freeze", cg->path);
        r = keel_write_all(fd, freeze ? "1" : "0", 1);
        if (r < 0)
                return keel_error_set(err, -r, "cgroup %s: write cgroup.freeze", cg->path);
        return 0;
}

/* Writing cgroup.freeze only asks: the kernel reports in cgroup.events
 * once every task has stopped (or may run again). */
static int wait_frozen(struct keel_cgroup *cg, bool freeze, struct keel_error **err)
{
        const struct timespec tick = { .tv_nsec = FREEZE_POLL_MS * 1000000L };
        int waited, ret;

        for (waited = 0; waited <= FREEZE_TIMEOUT_MS; waited += FREEZE_POLL_MS) {
                ret = keel_cgroup_read_frozen(cg, err);
                if (ret < 0)
                        return ret;
                if (ret == freeze)
                        return 0;
                nanosleep(&tick, NULL);
        }
        return keel_error_setq(err, ETIMEDOUT, "cgroup %s: not %s after %d s", cg->path,
                               freeze ? "frozen" : "thawed", FREEZE_TIMEOUT_MS / 1000);
}

static int set_frozen(struct keel_cgroup *cg, bool freeze, struct keel_error **err)
{
        int ret = write_freeze(cg, freeze, err);

        if (ret == 0)
                ret = wait_frozen(cg, freeze, err);
        /* A freeze that did not complete leaves some tasks stopped: thaw them
         * all rather than leave the container half paused. */
        if (ret < 0 && freeze)
                write_freeze(cg, false, NULL);
        return ret;
}

static int check_can_freeze(const struct keel_state *st, bool freeze, struct keel_error **err)
{
        if (freeze && st->status == KEEL_STATUS_PAUSED)
                return keel_error_setq(err, EINVAL, "container %s is already paused", st->id);
        if (!freeze && st->status != KEEL_STATUS_PAUSED)
                return keel_error_setq(err, EINVAL, "container %s is not paused", st->id);
        /* runc pauses a created container too: its init waits in the cgroup. */
        if (freeze && st->status != KEEL_STATUS_RUNNING && st->status != KEEL_STATUS_CREATED)
                return keel_error_setq(err, EINVAL, "container %s is not running", st->id);
        if (st->cgroup_path == NULL)
                return keel_error_setq(err, EINVAL, "container %s has no cgroup: cannot %s", st->id,
                                       freeze ? "pause" : "resume");
        return 0;
}

/* The lock is exclusive: a pause and a resume must not interleave their
 * write and wait, and delete must not remove the cgroup meanwhile. */
static int container_set_frozen(struct keel_store *store, const char *id, bool freeze,
                                struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        int ret;

        ret = keel_container_open_state(store, id, true, &c, &st, err);
        if (ret < 0)
                return ret;
        ret = check_can_freeze(st, freeze, err);
        if (ret < 0)
                return ret;
        ret = keel_state_open_cgroup(st, &cg, err);
        if (ret == 0)
                ret = set_frozen(cg, freeze, err);
        if (ret < 0)
                keel_error_prefix(err, "container %s", id);
        return ret;
}

int keel_container_pause(struct keel_store *store, const char *id, struct keel_error **err)
{
        return container_set_frozen(store, id, true, err);
}

int keel_container_resume(struct keel_store *store, const char *id, struct keel_error **err)
{
        return container_set_frozen(store, id, false, err);
}

int keel_container_open_cgroup(struct keel_store *store, const char *id, bool live,
                               const char *no_cgroup_why, struct keel_cgroup **cg,
                               struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        int ret;

        ret = keel_container_open_state(store, id, false, &c, &st, err);
        if (ret < 0)
                return ret;
        if (live && st->status == KEEL_STATUS_STOPPED)
                return keel_error_setq(err, ESRCH, "container %s is not running", id);
        if (st->cgroup_path == NULL)
                return keel_error_setq(err, EINVAL, "container %s has no cgroup%s", id,
                                       no_cgroup_why);
        return keel_state_open_cgroup(st, cg, err);
}

int keel_container_pids(struct keel_store *store, const char *id, pid_t **pids, size_t *n,
                        struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        int ret;

        *pids = NULL;
        *n = 0;
        ret = keel_container_open_cgroup(store, id, false, ": cannot list its processes", &cg, err);
        return ret < 0 ? ret : keel_cgroup_pids(cg, pids, n, err);
}
