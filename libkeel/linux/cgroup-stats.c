/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux/cgroup-stats.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define STAT_FILE_MAX (256 * 1024)

static void kv_u64(yajl_gen g, const char *k, uint64_t v)
{
        char buf[32];
        int n = snprintf(buf, sizeof(buf), "%" PRIu64, v);

        keel_json_gen_str(g, k);
        yajl_gen_number(g, buf, (size_t) n);
}

/* A file's content, or NULL when the cgroup does not have it (the
 * controller is not enabled for it). */
static char *read_opt(int dirfd, const char *file)
{
        char *s = NULL;

        if (keel_read_file_at(dirfd, file, STAT_FILE_MAX, &s, NULL, NULL) < 0)
                return NULL;
        return s;
}

/* A single number; "max" reads as max_value. */
static bool read_u64(int dirfd, const char *file, uint64_t max_value, uint64_t *out)
{
        _cleanup_free_ char *s = read_opt(dirfd, file);

        if (s == NULL)
                return false;
        *out = strncmp(s, "max", 3) == 0 ? max_value : strtoull(s, NULL, 10);
        return true;
}

/* The value of "name N" in a flat keyed file (cpu.stat, memory.events). */
static bool keyed(const char *text, const char *name, uint64_t *out)
{
        size_t len = strlen(name);

        for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
                if (strncmp(p, name, len) == 0 && p[len] == ' ') {
                        *out = strtoull(p + len + 1, NULL, 10);
                        return true;
                }
        return false;
}

static uint64_t keyed_or0(const char *text, const char *name)
{
        uint64_t v = 0;

        if (text)
                keyed(text, name, &v);
        return v;
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=0" lines of *.pressure. */
static void gen_psi(yajl_gen g, int dirfd, const char *file)
{
        _cleanup_free_ char *s = read_opt(dirfd, file);

        if (s == NULL)
                return;
        keel_json_gen_str(g, "psi");
        yajl_gen_map_open(g);
        for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
                char kind[8];
                double a10, a60, a300;
                unsigned long long total;

                if (sscanf(line, "%7s avg10=%lf avg60=%lf avg300=%lf total=%llu", kind, &a10, &a60,
                           &a300, &total) != 5)
                        continue;
                keel_json_gen_str(g, kind);
                yajl_gen_map_open(g);
                keel_json_gen_str(g, "avg10");
                yajl_gen_double(g, a10);
                keel_json_gen_str(g, "avg60");
                yajl_gen_double(g, a60);
                keel_json_gen_str(g, "avg300");
                yajl_gen_double(g, a300);
                kv_u64(g, "total", total);
                yajl_gen_map_close(g);
        }
        yajl_gen_map_close(g);
}

static void gen_cpu(yajl_gen g, int dirfd)
{
        _cleanup_free_ char *st = read_opt(dirfd, "cpu.stat");

        if (st == NULL)
                return;
        /* cgroup v2 counts microseconds; runc's shape has nanoseconds. */
        keel_json_gen_str(g, "cpu");
        yajl_gen_map_open(g);
        keel_json_gen_str(g, "usage");
        yajl_gen_map_open(g);
        kv_u64(g, "total", keyed_or0(st, "usage_usec") * 1000);
        kv_u64(g, "kernel", keyed_or0(st, "system_usec") * 1000);
        kv_u64(g, "user", keyed_or0(st, "user_usec") * 1000);
        yajl_gen_map_close(g);
        keel_json_gen_str(g, "throttling");
        yajl_gen_map_open(g);
        kv_u64(g, "periods", keyed_or0(st, "nr_periods"));
        kv_u64(g, "throttled_periods", keyed_or0(st, "nr_throttled"));
        kv_u64(g, "throttled_time", keyed_or0(st, "throttled_usec") * 1000);
        yajl_gen_map_close(g);
        gen_psi(g, dirfd, "cpu.pressure");
        yajl_gen_map_close(g);
}

static void gen_memory(yajl_gen g, int dirfd)
{
        _cleanup_free_ char *st = read_opt(dirfd, "memory.stat");
        _cleanup_free_ char *ev = read_opt(dirfd, "memory.events");
        uint64_t usage = 0, limit = UINT64_MAX, peak = 0, swap = 0, swap_limit = UINT64_MAX;
        bool has_swap;

        if (st == NULL)
                return;
        read_u64(dirfd, "memory.current", UINT64_MAX, &usage);
        read_u64(dirfd, "memory.max", UINT64_MAX, &limit);
        read_u64(dirfd, "memory.peak", UINT64_MAX, &peak);
        has_swap = read_u64(dirfd, "memory.swap.current", UINT64_MAX, &swap);
        read_u64(dirfd, "memory.swap.max", UINT64_MAX, &swap_limit);
        keel_json_gen_str(g, "memory");
        yajl_gen_map_open(g);
        kv_u64(g, "cache", keyed_or0(st, "file"));
        keel_json_gen_str(g, "usage");
        yajl_gen_map_open(g);
        kv_u64(g, "usage", usage);
        kv_u64(g, "max", peak);
        kv_u64(g, "limit", limit);
        kv_u64(g, "failcnt", keyed_or0(ev, "max"));
        yajl_gen_map_close(g);
        if (has_swap) {
                /* runc reports memory+swap here, as cgroup v1 did. */
                keel_json_gen_str(g, "swap");
                yajl_gen_map_open(g);
                kv_u64(g, "usage", swap + usage);
                kv_u64(g, "limit", swap_limit == UINT64_MAX || limit == UINT64_MAX
                                           ? UINT64_MAX
                                           : swap_limit + limit);
                yajl_gen_map_close(g);
        }
        keel_json_gen_str(g, "raw");
        yajl_gen_map_open(g);
        for (char *line = strtok(st, "\n"); line; line = strtok(NULL, "\n")) {
                char *sp = strchr(line, ' ');

                if (sp == NULL)
                        continue;
                *sp = '\0';
                kv_u64(g, line, strtoull(sp + 1, NULL, 10));
        }
        yajl_gen_map_close(g);
        gen_psi(g, dirfd, "memory.pressure");
        yajl_gen_map_close(g);
}

static void gen_pids(yajl_gen g, int dirfd)
{
        uint64_t current, limit = 0;

        if (!read_u64(dirfd, "pids.current", 0, &current))
                return;
        read_u64(dirfd, "pids.max", 0, &limit); /* "max": 0, as runc says unlimited */
        keel_json_gen_str(g, "pids");
        yajl_gen_map_open(g);
        kv_u64(g, "current", current);
        kv_u64(g, "limit", limit);
        yajl_gen_map_close(g);
}

static void gen_io_entries(yajl_gen g, const char *io, const char *name, const char *rkey,
                           const char *wkey)
{
        keel_json_gen_str(g, name);
        yajl_gen_array_open(g);
        for (const char *p = io; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                unsigned maj, min;
                char line[1024];
                size_t len = strcspn(p, "\n");
                uint64_t r = 0, w = 0;

                if (len >= sizeof(line) || sscanf(p, "%u:%u", &maj, &min) != 2)
                        continue;
                memcpy(line, p, len);
                line[len] = '\0';
                for (char *t = strchr(line, ' '); t; t = strchr(t + 1, ' ')) {
                        if (strncmp(t + 1, rkey, strlen(rkey)) == 0)
                                r = strtoull(t + 1 + strlen(rkey), NULL, 10);
                        else if (strncmp(t + 1, wkey, strlen(wkey)) == 0)
                                w = strtoull(t + 1 + strlen(wkey), NULL, 10);
                }
                for (int i = 0; i < 2; i++) {
                        yajl_gen_map_open(g);
                        kv_u64(g, "major", maj);
                        kv_u64(g, "minor", min);
                        keel_json_gen_str(g, "op");
                        keel_json_gen_str(g, i == 0 ? "Read" : "Write");
                        kv_u64(g, "value", i == 0 ? r : w);
                        yajl_gen_map_close(g);
                }
        }
        yajl_gen_array_close(g);
}

static void gen_blkio(yajl_gen g, int dirfd)
{
        _cleanup_free_ char *io = read_opt(dirfd, "io.stat");

        if (io == NULL)
                return;
        keel_json_gen_str(g, "blkio");
        yajl_gen_map_open(g);
        gen_io_entries(g, io, "ioServiceBytesRecursive", "rbytes=", "wbytes=");
        gen_io_entries(g, io, "ioServicedRecursive", "rios=", "wios=");
        gen_psi(g, dirfd, "io.pressure");
        yajl_gen_map_close(g);
}

static void gen_hugetlb(yajl_gen g, int dirfd)
{
        static const char *const sizes[] = { "64KB", "2MB", "32MB", "512MB", "1GB", "16GB" };
        bool open = false;

        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
                char file[64];
                uint64_t usage, max = 0;
                _cleanup_free_ char *ev = NULL;

                snprintf(file, sizeof(file), "hugetlb.%s.current", sizes[i]);
                if (!read_u64(dirfd, file, 0, &usage))
                        continue;
                snprintf(file, sizeof(file), "hugetlb.%s.max", sizes[i]);
                read_u64(dirfd, file, UINT64_MAX, &max);
                snprintf(file, sizeof(file), "hugetlb.%s.events", sizes[i]);
                ev = read_opt(dirfd, file);
                if (!open) {
                        keel_json_gen_str(g, "hugetlb");
                        yajl_gen_map_open(g);
                        open = true;
                }
                keel_json_gen_str(g, sizes[i]);
                yajl_gen_map_open(g);
                kv_u64(g, "usage", usage);
                kv_u64(g, "max", max);
                kv_u64(g, "failcnt", keyed_or0(ev, "max"));
                yajl_gen_map_close(g);
        }
        if (open)
                yajl_gen_map_close(g);
}

void keel_cgroup_stats_gen(struct keel_cgroup *cg, yajl_gen g)
{
        yajl_gen_map_open(g);
        gen_cpu(g, cg->dirfd);
        gen_memory(g, cg->dirfd);
        gen_pids(g, cg->dirfd);
        gen_blkio(g, cg->dirfd);
        gen_hugetlb(g, cg->dirfd);
        yajl_gen_map_close(g);
}

int keel_cgroup_oom_kills(struct keel_cgroup *cg, uint64_t *count, struct keel_error **err)
{
        _cleanup_free_ char *ev = NULL;
        int r;

        r = keel_read_file_at(cg->dirfd, "memory.events", STAT_FILE_MAX, &ev, NULL, err);
        if (r < 0)
                return r;
        *count = keyed_or0(ev, "oom_kill");
        return 0;
}
