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
#include "spec/json-write.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define STAT_FILE_MAX (256 * 1024)

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
static void gen_psi(struct keel_json_gen *g, int dirfd, const char *file)
{
        _cleanup_free_ char *s = read_opt(dirfd, file);

        if (s == NULL)
                return;
        keel_json_gen_key_map(g, "psi");
        for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
                char kind[8];
                double a10, a60, a300;
                unsigned long long total;

                if (sscanf(line, "%7s avg10=%lf avg60=%lf avg300=%lf total=%llu", kind, &a10, &a60,
                           &a300, &total) != 5)
                        continue;
                keel_json_gen_key_map(g, kind);
                keel_json_gen_kv_double(g, "avg10", a10);
                keel_json_gen_kv_double(g, "avg60", a60);
                keel_json_gen_kv_double(g, "avg300", a300);
                keel_json_gen_kv_uint(g, "total", total);
                keel_json_gen_map_close(g);
        }
        keel_json_gen_map_close(g);
}

static void gen_cpu(struct keel_json_gen *g, int dirfd)
{
        _cleanup_free_ char *st = read_opt(dirfd, "cpu.stat");

        if (st == NULL)
                return;
        /* cgroup v2 counts microseconds; runc's shape has nanoseconds. */
        keel_json_gen_key_map(g, "cpu");
        keel_json_gen_key_map(g, "usage");
        keel_json_gen_kv_uint(g, "total", keyed_or0(st, "usage_usec") * 1000);
        keel_json_gen_kv_uint(g, "kernel", keyed_or0(st, "system_usec") * 1000);
        keel_json_gen_kv_uint(g, "user", keyed_or0(st, "user_usec") * 1000);
        keel_json_gen_map_close(g);
        keel_json_gen_key_map(g, "throttling");
        keel_json_gen_kv_uint(g, "periods", keyed_or0(st, "nr_periods"));
        keel_json_gen_kv_uint(g, "throttled_periods", keyed_or0(st, "nr_throttled"));
        keel_json_gen_kv_uint(g, "throttled_time", keyed_or0(st, "throttled_usec") * 1000);
        keel_json_gen_map_close(g);
        gen_psi(g, dirfd, "cpu.pressure");
        keel_json_gen_map_close(g);
}

static void gen_memory(struct keel_json_gen *g, int dirfd)
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
        keel_json_gen_key_map(g, "memory");
        keel_json_gen_kv_uint(g, "cache", keyed_or0(st, "file"));
        keel_json_gen_key_map(g, "usage");
        keel_json_gen_kv_uint(g, "usage", usage);
        keel_json_gen_kv_uint(g, "max", peak);
        keel_json_gen_kv_uint(g, "limit", limit);
        keel_json_gen_kv_uint(g, "failcnt", keyed_or0(ev, "max"));
        keel_json_gen_map_close(g);
        if (has_swap) {
                /* runc reports memory+swap here, as cgroup v1 did. */
                keel_json_gen_key_map(g, "swap");
                keel_json_gen_kv_uint(g, "usage", swap + usage);
                keel_json_gen_kv_uint(g, "limit", swap_limit == UINT64_MAX || limit == UINT64_MAX
                                                          ? UINT64_MAX
                                                          : swap_limit + limit);
                keel_json_gen_map_close(g);
        }
        keel_json_gen_key_map(g, "raw");
        for (char *line = strtok(st, "\n"); line; line = strtok(NULL, "\n")) {
                char *sp = strchr(line, ' ');

                if (sp == NULL)
                        continue;
                *sp = '\0';
                keel_json_gen_kv_uint(g, line, strtoull(sp + 1, NULL, 10));
        }
        keel_json_gen_map_close(g);
        gen_psi(g, dirfd, "memory.pressure");
        keel_json_gen_map_close(g);
}

static void gen_pids(struct keel_json_gen *g, int dirfd)
{
        uint64_t current, limit = 0;

        if (!read_u64(dirfd, "pids.current", 0, &current))
                return;
        read_u64(dirfd, "pids.max", 0, &limit); /* "max": 0, as runc says unlimited */
        keel_json_gen_key_map(g, "pids");
        keel_json_gen_kv_uint(g, "current", current);
        keel_json_gen_kv_uint(g, "limit", limit);
        keel_json_gen_map_close(g);
}

static void gen_io_entries(struct keel_json_gen *g, const char *io, const char *name,
                           const char *rkey, const char *wkey)
{
        keel_json_gen_key_array(g, name);
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
                        keel_json_gen_map_open(g);
                        keel_json_gen_kv_uint(g, "major", maj);
                        keel_json_gen_kv_uint(g, "minor", min);
                        keel_json_gen_kv_str(g, "op", i == 0 ? "Read" : "Write");
                        keel_json_gen_kv_uint(g, "value", i == 0 ? r : w);
                        keel_json_gen_map_close(g);
                }
        }
        keel_json_gen_array_close(g);
}

static void gen_blkio(struct keel_json_gen *g, int dirfd)
{
        _cleanup_free_ char *io = read_opt(dirfd, "io.stat");

        if (io == NULL)
                return;
        keel_json_gen_key_map(g, "blkio");
        gen_io_entries(g, io, "ioServiceBytesRecursive", "rbytes=", "wbytes=");
        gen_io_entries(g, io, "ioServicedRecursive", "rios=", "wios=");
        gen_psi(g, dirfd, "io.pressure");
        keel_json_gen_map_close(g);
}

static void gen_hugetlb(struct keel_json_gen *g, int dirfd)
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
                        keel_json_gen_key_map(g, "hugetlb");
                        open = true;
                }
                keel_json_gen_key_map(g, sizes[i]);
                keel_json_gen_kv_uint(g, "usage", usage);
                keel_json_gen_kv_uint(g, "max", max);
                keel_json_gen_kv_uint(g, "failcnt", keyed_or0(ev, "max"));
                keel_json_gen_map_close(g);
        }
        if (open)
                keel_json_gen_map_close(g);
}

void keel_cgroup_stats_gen(struct keel_cgroup *cg, struct keel_json_gen *g)
{
        keel_json_gen_map_open(g);
        gen_cpu(g, cg->dirfd);
        gen_memory(g, cg->dirfd);
        gen_pids(g, cg->dirfd);
        gen_blkio(g, cg->dirfd);
        gen_hugetlb(g, cg->dirfd);
        keel_json_gen_map_close(g);
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
