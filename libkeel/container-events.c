/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "container.h"
#include "linux/cgroup-stats.h"
#include "linux/cgroup.h"
#include "spec/json-write.h"
#include "util/cleanup.h"

/* The container's cgroup, for a container that still runs (created,
 * running or paused): events has nothing to say about a stopped one. */
static int open_live_cgroup(struct keel_store *store, const char *id, struct keel_cgroup **cg,
                            struct keel_error **err)
{
        return keel_container_open_cgroup(store, id, true,
                                          " (--cgroup-manager disabled, or rootless without a "
                                          "delegated cgroup): no statistics", cg, err);
}

int keel_container_stats(struct keel_store *store, const char *id, char **json,
                         struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_json_gen_ struct keel_json_gen *g = NULL;
        int ret;

        ret = open_live_cgroup(store, id, &cg, err);
        if (ret < 0)
                return ret;
        g = keel_json_gen_new(NULL, 0);
        if (g == NULL)
                return keel_error_set(err, ENOMEM, "stats");
        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "type", "stats");
        keel_json_gen_kv_str(g, "id", id);
        keel_json_gen_str(g, "data");
        keel_cgroup_stats_gen(cg, g);
        keel_json_gen_map_close(g);
        ret = keel_json_gen_take(g, false, json, NULL);
        return ret < 0 ? keel_error_set(err, -ret, "stats") : 0;
}

int keel_oom_kills_read(int events_fd, uint64_t *count)
{
        char buf[4096];
        ssize_t n = pread(events_fd, buf, sizeof(buf) - 1, 0);
        const char *p;

        if (n < 0)
                return -errno;
        buf[n] = '\0';
        for (p = buf; p != NULL; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, "oom_kill ", 9) == 0) {
                        *count = strtoull(p + 9, NULL, 10);
                        return 0;
                }
        *count = 0;
        return 0;
}

int keel_container_oom_watch(struct keel_store *store, const char *id, int *fd, int *events_fd,
                             uint64_t *count, struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_close_ int in = -1, ev = -1;
        char path[64];
        int ret;

        *fd = *events_fd = -1;
        *count = 0;
        ret = open_live_cgroup(store, id, &cg, err);
        if (ret < 0)
                return ret;
        ev = openat(cg->dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
        /* No memory controller in this cgroup: no OOM to report. */
        if (ev < 0)
                return 0;
        /* The watch goes on the file keel holds open, by its fd. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", ev);
        in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (in < 0 || inotify_add_watch(in, path, IN_MODIFY) < 0)
                return keel_error_set(err, errno, "watch memory.events of cgroup %s", cg->path);
        if (keel_oom_kills_read(ev, count) < 0)
                return keel_error_set(err, errno, "read memory.events");
        *fd = take_fd(&in);
        *events_fd = take_fd(&ev);
        return 0;
}
