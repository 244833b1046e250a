/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "container.h"
#include "linux/cgroup.h"
#include "linux/criu.h"
#include "util/cleanup.h"

/* The container's cgroup directory (criu freezes it), or NULL without one. */
static int cgroup_dir(const struct keel_state *st, char **dir, struct keel_error **err)
{
        _cleanup_free_ char *mount = NULL;
        int ret;

        *dir = NULL;
        if (st->cgroup_path == NULL)
                return 0;
        ret = keel_cgroup_find_mount(&mount, err);
        if (ret < 0)
                return ret;
        if (asprintf(dir, "%s/%s", mount, st->cgroup_path + (st->cgroup_path[0] == '/')) < 0) {
                *dir = NULL;
                return keel_error_set(err, ENOMEM, "cgroup path");
        }
        return 0;
}

static int dump(struct keel_store *store, const char *id, const struct keel_criu_opts *o,
                struct keel_error **err)
{
        struct keel_container_dir *c = NULL;
        struct keel_state *st = NULL;
        struct keel_config *cfg = NULL;
        _cleanup_free_ char *cgdir = NULL;
        int ret;

        ret = keel_store_open_container(store, id, true, &c, err);
        if (ret == 0)
                ret = keel_container_read_state(c, &st, err);
        if (ret < 0)
                goto out;
        if (st->status != KEEL_STATUS_RUNNING && st->status != KEEL_STATUS_PAUSED) {
                ret = keel_error_setq(err, EINVAL, "cannot checkpoint container %s: it is %s", id,
                                      keel_status_name(st->status));
                goto out;
        }
        ret = keel_config_load(c->dirfd, KEEL_CONFIG_COPY, &cfg, err);
        if (ret == 0)
                ret = cgroup_dir(st, &cgdir, err);
        if (ret == 0) {
                struct keel_criu_dump d = { .pid = st->pid, .cfg = cfg, .cgroup_dir = cgdir,
                                            .terminal = st->use_terminal };

                ret = keel_criu_dump(o, &d, err);
        }
out:
        keel_config_free(cfg);
        keel_state_free(st);
        if (c != NULL)
                keel_container_dir_close(c);
        return ret;
}

int keel_container_checkpoint(struct keel_store *store, const char *id,
                              const struct keel_criu_opts *o, struct keel_error **err)
{
        int ret = keel_id_validate(id, err);

        if (ret == 0)
                ret = keel_criu_check(o->criu, err);
        if (ret == 0)
                ret = dump(store, id, o, err);
        if (ret < 0 || o->leave_running || o->pre_dump)
                return ret;
        /* criu killed the container's processes once they were dumped: what
         * is left goes, as runc's checkpoint destroys the container. */
        return keel_container_delete(store, id, true, err);
}
