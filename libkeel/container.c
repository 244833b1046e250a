/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
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
