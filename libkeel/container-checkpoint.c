/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "container.h"
#include "linux/cgroup.h"
#include "linux/criu.h"
#include "util/cleanup.h"

static int dump(struct keel_store *store, const char *id, const struct keel_criu_opts *o,
                struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        _cleanup_config_ struct keel_config *cfg = NULL;
        _cleanup_free_ char *cgdir = NULL;
        int ret;

        ret = keel_container_open_state(store, id, true, &c, &st, err);
        if (ret < 0)
                return ret;
        if (st->status != KEEL_STATUS_RUNNING && st->status != KEEL_STATUS_PAUSED)
                return keel_error_setq(err, EINVAL, "cannot checkpoint container %s: it is %s", id,
                                       keel_status_name(st->status));
        ret = keel_config_load(c->dirfd, KEEL_CONFIG_COPY, &cfg, err);
        if (ret == 0)
                ret = keel_state_cgroup_dir(st, &cgdir, err);
        if (ret == 0) {
                struct keel_criu_dump d = { .pid = st->pid, .cfg = cfg, .cgroup_dir = cgdir,
                                            .terminal = st->use_terminal };

                ret = keel_criu_dump(o, &d, err);
        }
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
