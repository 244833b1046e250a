/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib-log.h"
#include "linux/cgroup-resources.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define CGROUP_SMALL_FILE (64 * 1024)

/* ---- the conversions ----------------------------------------------------- */

/* v clamped to [lo, hi], then onto cgroup v2's weights [1, 10000], linearly,
 * as runc does. */
static uint64_t clamp_onto_weight(uint64_t v, uint64_t lo, uint64_t hi)
{
        if (v < lo)
                v = lo;
        if (v > hi)
                v = hi;
        return 1 + ((v - lo) * 9999) / (hi - lo);
}

uint64_t keel_cgroup_shares_to_weight(uint64_t shares)
{
        return clamp_onto_weight(shares, 2, 262144);
}

uint64_t keel_cgroup_blkio_to_io_weight(uint64_t weight)
{
        return clamp_onto_weight(weight, 10, 1000);
}

int keel_cgroup_swap_max(bool has_swap, int64_t swap, bool has_limit, int64_t limit,
                         int64_t *out, struct keel_error **err)
{
        if (!has_swap)
                swap = 0;
        if (!has_limit)
                limit = 0;
        /* An unlimited memory with swap left out means unlimited swap too:
         * cgroup v1 had one limit for both. */
        *out = 0;
        if (limit == -1 && swap == 0) {
                *out = -1;
                return 1;
        }
        if (swap == 0)
                return 0;
        if (swap == -1) {
                *out = -1;
                return 1;
        }
        if (swap < 0)
                return keel_error_setq(err, EINVAL, "linux.resources.memory.swap: %" PRId64
                                       " is not a limit (bytes, or -1)", swap);
        if (limit == 0 || limit == -1)
                return keel_error_setq(err, EINVAL,
                                       "linux.resources.memory.swap: a swap limit needs a "
                                       "memory limit (swap is memory+swap)");
        if (limit < 0)
                return keel_error_setq(err, EINVAL, "linux.resources.memory.limit: %" PRId64
                                       " is not a limit (bytes, or -1)", limit);
        if (swap < limit)
                return keel_error_setq(err, EINVAL,
                                       "linux.resources.memory.swap: %" PRId64 " is below "
                                       "memory.limit %" PRId64 " (swap is memory+swap)",
                                       swap, limit);
        *out = swap - limit;
        return 1;
}

/* ---- building the plan --------------------------------------------------- */

void keel_cgroup_plan_clear(struct keel_cgroup_plan *plan)
{
        for (size_t i = 0; i < plan->n; i++) {
                free(plan->w[i].file);
                free(plan->w[i].value);
                free(plan->w[i].field);
        }
        free(plan->w);
        memset(plan, 0, sizeof(*plan));
}

static int add(struct keel_cgroup_plan *p, struct keel_error **err, unsigned flags,
               const char *field, const char *file, const char *fmt, ...)
        __attribute__((format(printf, 6, 7)));

static int add(struct keel_cgroup_plan *p, struct keel_error **err, unsigned flags,
               const char *field, const char *file, const char *fmt, ...)
{
        struct keel_cgroup_write w = { .flags = flags };
        va_list ap;
        int r;

        if (p->n == p->cap) {
                size_t cap = p->cap ? p->cap * 2 : 16;
                struct keel_cgroup_write *v = reallocarray(p->w, cap, sizeof(*v));

                if (v == NULL)
                        return keel_error_set(err, ENOMEM, "cgroup settings");
                p->w = v;
                p->cap = cap;
        }
        va_start(ap, fmt);
        r = vasprintf(&w.value, fmt, ap);
        va_end(ap);
        w.file = strdup(file);
        w.field = strdup(field);
        if (r < 0 || w.file == NULL || w.field == NULL) {
                if (r >= 0)
                        free(w.value);
                free(w.file);
                free(w.field);
                return keel_error_set(err, ENOMEM, "cgroup settings");
        }
        p->w[p->n++] = w;
        return 0;
}

static int refuse(struct keel_error **err, const char *field, const char *why)
{
        return keel_error_setq(err, EOPNOTSUPP, "linux.resources.%s: %s", field, why);
}

/* A limit in bytes: -1 is "max"; other negatives are refused. */
static int add_bytes(struct keel_cgroup_plan *p, const char *field, const char *file, int64_t v,
                     struct keel_error **err)
{
        if (v == -1)
                return add(p, err, 0, field, file, "max");
        if (v < 0)
                return keel_error_setq(err, EINVAL, "linux.resources.%s: %" PRId64
                                       " is not a limit (bytes, or -1)", field, v);
        return add(p, err, 0, field, file, "%" PRId64, v);
}

static int plan_memory(const struct keel_memory *m, struct keel_cgroup_plan *p,
                       struct keel_error **err)
{
        int64_t swap;
        int r, write_swap;

        if (m->has_swappiness)
                return refuse(err, "memory.swappiness", "cgroup v2 has no per-cgroup swappiness");
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                return refuse(err, "memory.disableOOMKiller",
                              "cgroup v2 cannot turn the OOM killer off");
        if (m->has_use_hierarchy && !m->use_hierarchy)
                return refuse(err, "memory.useHierarchy",
                              "cgroup v2 accounting is always hierarchical");
        if (m->has_kernel && m->kernel != 0)
                keel_warn("linux.resources.memory.kernel: ignored (no kernel memory limit in "
                          "cgroup v2; kernel memory counts in memory.max)");
        if (m->has_kernel_tcp && m->kernel_tcp != 0)
                keel_warn("linux.resources.memory.kernelTCP: ignored (no kernel TCP limit in "
                          "cgroup v2; it counts in memory.max)");
        write_swap = keel_cgroup_swap_max(m->has_swap, m->swap, m->has_limit, m->limit, &swap,
                                          err);
        if (write_swap < 0)
                return write_swap;
        if (m->has_reservation && m->reservation != 0) {
                r = add_bytes(p, "memory.reservation", "memory.low", m->reservation, err);
                if (r < 0)
                        return r;
        }
        if (m->has_limit && m->limit != 0) {
                r = add_bytes(p, "memory.limit", "memory.max", m->limit, err);
                if (r < 0)
                        return r;
                p->check_memory = m->has_check_before_update && m->check_before_update &&
                                  m->limit > 0;
                p->memory_limit = m->limit;
        }
        if (write_swap) {
                r = add_bytes(p, "memory.swap", "memory.swap.max", swap, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_cpu(const struct keel_cpu *c, struct keel_cgroup_plan *p, struct keel_error **err)
{
        bool has_quota = c->has_quota && c->quota != 0;
        bool has_period = c->has_period && c->period != 0;
        int r = 0;

        if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
            (c->has_realtime_period && c->realtime_period != 0))
                return refuse(err, c->has_realtime_runtime ? "cpu.realtimeRuntime"
                                                           : "cpu.realtimePeriod",
                              "cgroup v2 has no realtime cpu controller");
        if (c->has_burst && has_quota && c->quota > 0 && c->burst > (uint64_t) c->quota)
                return keel_error_setq(err, EINVAL, "linux.resources.cpu.burst: %" PRIu64
                                       " is above cpu.quota %" PRId64, c->burst, c->quota);
        if (c->has_shares && c->shares != 0)
                r = add(p, err, 0, "cpu.shares", "cpu.weight", "%" PRIu64,
                        keel_cgroup_shares_to_weight(c->shares));
        /* The burst must stay <= the quota at every step: tried before
         * cpu.max (a lower quota), and again after it (a higher one). */
        if (r == 0 && c->has_burst && has_quota)
                r = add(p, err, KEEL_CGW_TOLERATE_EINVAL, "cpu.burst", "cpu.max.burst",
                        "%" PRIu64, c->burst);
        if (r == 0 && (has_quota || has_period)) {
                char quota[32] = "max";

                if (has_quota && c->quota > 0)
                        snprintf(quota, sizeof(quota), "%" PRId64, c->quota);
                else if (has_quota && c->quota != -1)
                        return keel_error_setq(err, EINVAL, "linux.resources.cpu.quota: %" PRId64
                                               " is not a quota (microseconds, or -1)",
                                               c->quota);
                if (has_period)
                        r = add(p, err, 0, has_quota ? "cpu.quota" : "cpu.period", "cpu.max",
                                "%s %" PRIu64, quota, c->period);
                else
                        r = add(p, err, 0, "cpu.quota", "cpu.max", "%s", quota);
        }
        if (r == 0 && c->has_burst)
                r = add(p, err, 0, "cpu.burst", "cpu.max.burst", "%" PRIu64, c->burst);
        if (r == 0 && c->has_idle)
                r = add(p, err, 0, "cpu.idle", "cpu.idle", "%" PRId64, c->idle);
        if (r == 0 && c->cpus && c->cpus[0])
                r = add(p, err, 0, "cpu.cpus", "cpuset.cpus", "%s", c->cpus);
        if (r == 0 && c->mems && c->mems[0])
                r = add(p, err, 0, "cpu.mems", "cpuset.mems", "%s", c->mems);
        return r;
}

static int plan_throttle(const struct keel_throttle_device *v, size_t n, const char *field,
                         const char *key, struct keel_cgroup_plan *p, struct keel_error **err)
{
        for (size_t i = 0; i < n; i++) {
                int r;

                if (v[i].rate == 0)
                        r = add(p, err, 0, field, "io.max", "%" PRId64 ":%" PRId64 " %s=max",
                                v[i].major, v[i].minor, key);
                else
                        r = add(p, err, 0, field, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
                                v[i].major, v[i].minor, key, v[i].rate);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_block_io(const struct keel_block_io *b, struct keel_cgroup_plan *p,
                         struct keel_error **err)
{
        int r = 0;

        if (b->has_leaf_weight)
                return refuse(err, "blockIO.leafWeight", "cgroup v2 has no leaf weights");
        for (size_t i = 0; i < b->n_weight_device; i++)
                if (b->weight_device[i].has_leaf_weight)
                        return refuse(err, "blockIO.weightDevice.leafWeight",
                                      "cgroup v2 has no leaf weights");
        /* io.bfq.weight takes blkio's own scale; io.weight (iocost) its
         * own.  Both are written, so either scheduler sees the weight. */
        if (b->has_weight) {
                r = add(p, err, KEEL_CGW_OPTIONAL, "blockIO.weight", "io.bfq.weight",
                        "%u", (unsigned) b->weight);
                if (r == 0)
                        r = add(p, err, 0, "blockIO.weight", "io.weight", "default %" PRIu64,
                                keel_cgroup_blkio_to_io_weight(b->weight));
        }
        for (size_t i = 0; r == 0 && i < b->n_weight_device; i++) {
                const struct keel_weight_device *d = &b->weight_device[i];

                if (!d->has_weight)
                        continue;
                r = add(p, err, KEEL_CGW_OPTIONAL, "blockIO.weightDevice", "io.bfq.weight",
                        "%" PRId64 ":%" PRId64 " %u", d->major, d->minor, (unsigned) d->weight);
                if (r == 0)
                        r = add(p, err, 0, "blockIO.weightDevice", "io.weight",
                                "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                keel_cgroup_blkio_to_io_weight(d->weight));
        }
        if (r == 0)
                r = plan_throttle(b->throttle_read_bps_device, b->n_throttle_read_bps_device,
                                  "blockIO.throttleReadBpsDevice", "rbps", p, err);
        if (r == 0)
                r = plan_throttle(b->throttle_write_bps_device, b->n_throttle_write_bps_device,
                                  "blockIO.throttleWriteBpsDevice", "wbps", p, err);
        if (r == 0)
                r = plan_throttle(b->throttle_read_iops_device, b->n_throttle_read_iops_device,
                                  "blockIO.throttleReadIOPSDevice", "riops", p, err);
        if (r == 0)
                r = plan_throttle(b->throttle_write_iops_device, b->n_throttle_write_iops_device,
                                  "blockIO.throttleWriteIOPSDevice", "wiops", p, err);
        return r;
}

static int plan_hugetlb(const struct keel_hugepage_limit *v, size_t n, struct keel_cgroup_plan *p,
                        struct keel_error **err)
{
        for (size_t i = 0; i < n; i++) {
                char file[NAME_MAX + 1];
                int r;

                /* The parser checked the size's shape ("2MB"): it is safe in
                 * a file name. */
                snprintf(file, sizeof(file), "hugetlb.%s.max", v[i].page_size);
                r = add(p, err, 0, "hugepageLimits", file, "%" PRIu64, v[i].limit);
                if (r < 0)
                        return r;
                snprintf(file, sizeof(file), "hugetlb.%s.rsvd.max", v[i].page_size);
                r = add(p, err, KEEL_CGW_OPTIONAL, "hugepageLimits", file, "%" PRIu64,
                        v[i].limit);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int plan_rdma(const struct keel_rdma *v, size_t n, struct keel_cgroup_plan *p,
                     struct keel_error **err)
{
        for (size_t i = 0; i < n; i++) {
                char handles[32] = "max", objects[32] = "max";
                int r;

                if (strpbrk(v[i].device, " \t\n=") != NULL || v[i].device[0] == '\0')
                        return keel_error_setq(err, EINVAL, "linux.resources.rdma: \"%s\" is "
                                               "not a device name", v[i].device);
                if (v[i].has_hca_handles)
                        snprintf(handles, sizeof(handles), "%" PRIu32, v[i].hca_handles);
                if (v[i].has_hca_objects)
                        snprintf(objects, sizeof(objects), "%" PRIu32, v[i].hca_objects);
                r = add(p, err, 0, "rdma", "rdma.max", "%s hca_handle=%s hca_object=%s",
                        v[i].device, handles, objects);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Files a config may not write through `unified`: they move processes or
 * change what keel manages (the tree, the freezer, kill). */
static const char *const unified_refused[] = {
        "cgroup.procs", "cgroup.threads", "cgroup.subtree_control", "cgroup.kill",
        "cgroup.freeze", "cgroup.type",
};

static int check_unified_key(const char *key, struct keel_error **err)
{
        const char *dot = strchr(key, '.');

        if (key[0] == '\0' || strchr(key, '/') != NULL || strlen(key) > NAME_MAX ||
            dot == NULL || dot == key || key[0] == '.')
                return keel_error_setq(err, EINVAL, "linux.resources.unified: \"%s\" is not a "
                                       "cgroup file name like \"memory.high\"", key);
        for (size_t i = 0; i < sizeof(unified_refused) / sizeof(unified_refused[0]); i++)
                if (strcmp(key, unified_refused[i]) == 0)
                        return keel_error_setq(err, EPERM, "linux.resources.unified.%s: keel "
                                               "manages this file; a config may not write it",
                                               key);
        return 0;
}

int keel_cgroup_plan_resources(const struct keel_resources *r, struct keel_cgroup_plan *plan,
                               struct keel_error **err)
{
        int ret = 0;

        memset(plan, 0, sizeof(*plan));
        if (r == NULL)
                return 0;
        if (r->network && ((r->network->has_class_id && r->network->class_id != 0) ||
                           r->network->n_priorities > 0))
                return refuse(err, r->network->n_priorities > 0 ? "network.priorities"
                                                                : "network.classID",
                              "net_cls and net_prio exist in cgroup v1 only");
        if (r->memory)
                ret = plan_memory(r->memory, plan, err);
        if (ret == 0 && r->cpu)
                ret = plan_cpu(r->cpu, plan, err);
        if (ret == 0 && r->pids && r->pids->limit != 0)
                ret = r->pids->limit > 0
                              ? add(plan, err, 0, "pids.limit", "pids.max", "%" PRId64,
                                    r->pids->limit)
                              : add(plan, err, 0, "pids.limit", "pids.max", "max");
        if (ret == 0 && r->block_io)
                ret = plan_block_io(r->block_io, plan, err);
        if (ret == 0)
                ret = plan_hugetlb(r->hugepage_limits, r->n_hugepage_limits, plan, err);
        if (ret == 0)
                ret = plan_rdma(r->rdma, r->n_rdma, plan, err);
        for (size_t i = 0; ret == 0 && i < r->unified.n; i++) {
                _cleanup_free_ char *field = NULL;

                ret = check_unified_key(r->unified.keys[i], err);
                if (ret == 0 && asprintf(&field, "unified.%s", r->unified.keys[i]) < 0)
                        ret = keel_error_set(err, ENOMEM, "cgroup settings");
                if (ret == 0)
                        ret = add(plan, err, 0, field, r->unified.keys[i], "%s",
                                  r->unified.values[i]);
        }
        if (ret < 0)
                keel_cgroup_plan_clear(plan);
        return ret;
}

size_t keel_cgroup_plan_controllers(const struct keel_cgroup_plan *plan, char ***names,
                                    struct keel_error **err)
{
        char **v = NULL;
        size_t n = 0;

        *names = NULL;
        for (size_t i = 0; i < plan->n; i++) {
                const char *f = plan->w[i].file;
                size_t len = strcspn(f, ".");
                bool seen = false;

                if (strncmp(f, "cgroup.", 7) == 0)
                        continue;
                for (size_t j = 0; j < n && !seen; j++)
                        seen = strlen(v[j]) == len && strncmp(v[j], f, len) == 0;
                if (seen)
                        continue;
                char **nv = reallocarray(v, n + 2, sizeof(*v));
                if (nv == NULL || (nv[n] = strndup(f, len)) == NULL) {
                        v = nv ? nv : v;
                        for (size_t j = 0; j < n; j++)
                                free(v[j]);
                        free(v);
                        keel_error_set(err, ENOMEM, "cgroup controllers");
                        return (size_t) -1;
                }
                v = nv;
                v[++n] = NULL;
        }
        *names = v;
        return n;
}

/* ---- applying it ------------------------------------------------------------ */

static bool word_in(const char *list, const char *word)
{
        size_t len = strlen(word);

        for (const char *p = list; (p = strstr(p, word)) != NULL; p += len)
                if ((p == list || p[-1] == ' ' || p[-1] == '\n') &&
                    (p[len] == '\0' || p[len] == ' ' || p[len] == '\n'))
                        return true;
        return false;
}

static void chomp(char *s)
{
        size_t len = strlen(s);

        while (len > 0 && s[len - 1] == '\n')
                s[--len] = '\0';
}

/* One ancestor: the controllers must be there to hand down; hand them. */
static int enable_at(int dirfd, const char *where, char *const *names, size_t n,
                     struct keel_error **err)
{
        _cleanup_free_ char *have = NULL, *enabled = NULL;
        int r;

        r = keel_read_file_at(dirfd, "cgroup.controllers", CGROUP_SMALL_FILE, &have, NULL, err);
        if (r == 0)
                r = keel_read_file_at(dirfd, "cgroup.subtree_control", CGROUP_SMALL_FILE,
                                      &enabled, NULL, err);
        if (r < 0) {
                keel_error_prefix(err, "cgroup %s", where);
                return r;
        }
        chomp(have);
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = -1;
                char buf[NAME_MAX + 2];
                int len;

                if (!word_in(have, names[i]))
                        return keel_error_setq(err, ENOTSUP, "the cgroup v2 controller %s is not "
                                               "available in %s (it has: %s)", names[i], where,
                                               have[0] ? have : "none");
                if (word_in(enabled, names[i]))
                        continue;
                fd = openat(dirfd, "cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
                len = snprintf(buf, sizeof(buf), "+%s", names[i]);
                if (fd < 0 || (r = keel_write_all(fd, buf, (size_t) len)) < 0) {
                        int e = fd < 0 ? errno : -r;

                        if (e == EBUSY)
                                return keel_error_setq(err, EBUSY, "cannot enable the cgroup v2 "
                                                       "controller %s in %s: it holds processes "
                                                       "(cgroup v2 hands controllers only from "
                                                       "cgroups without processes)",
                                                       names[i], where);
                        return keel_error_set(err, e, "enable the cgroup v2 controller %s in %s",
                                              names[i], where);
                }
        }
        return 0;
}

int keel_cgroup_enable_controllers(struct keel_cgroup *cg, char *const *names, size_t n,
                                   struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *where = NULL;
        const char *p = cg->path;

        if (n == 0)
                return 0;
        fd = open(cg->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return keel_error_set(err, errno, "open %s", cg->mount);
        where = strdup(cg->mount);
        if (where == NULL)
                return keel_error_set(err, ENOMEM, "cgroup controllers");
        /* From the root down to the leaf's parent: the leaf holds the
         * container's processes, so its own subtree stays as it is. */
        for (;;) {
                size_t len;
                char name[NAME_MAX + 1];
                char *nw;
                int next, r;

                /* Every directory with a child on the way hands it down. */
                r = enable_at(fd, where, names, n, err);
                if (r < 0)
                        return r;
                p += strspn(p, "/");
                len = strcspn(p, "/");
                if (p[len + strspn(p + len, "/")] == '\0')
                        break; /* p is the leaf */
                if (len > NAME_MAX)
                        return keel_error_set(err, ENAMETOOLONG, "cgroup %s", cg->path);
                memcpy(name, p, len);
                name[len] = '\0';
                p += len;
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return keel_error_set(err, errno, "open cgroup %s/%s", where, name);
                close(fd);
                fd = next;
                if (asprintf(&nw, "%s/%s", where, name) < 0)
                        return keel_error_set(err, ENOMEM, "cgroup controllers");
                free(where);
                where = nw;
        }
        return 0;
}

static int check_memory_usage(struct keel_cgroup *cg, int64_t limit, struct keel_error **err)
{
        _cleanup_free_ char *current = NULL;
        int r;

        r = keel_read_file_at(cg->dirfd, "memory.current", CGROUP_SMALL_FILE, &current, NULL,
                              err);
        if (r < 0)
                return r;
        if ((int64_t) strtoull(current, NULL, 10) > limit)
                return keel_error_setq(err, EBUSY, "linux.resources.memory.limit: %" PRId64
                                       " is below the current usage %" PRIu64
                                       " (memory.checkBeforeUpdate)",
                                       limit, (uint64_t) strtoull(current, NULL, 10));
        return 0;
}

static int write_one(struct keel_cgroup *cg, const struct keel_cgroup_write *w,
                     struct keel_error **err)
{
        _cleanup_close_ int fd = openat(cg->dirfd, w->file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
        int r;

        if (fd < 0 && errno == ENOENT && (w->flags & KEEL_CGW_OPTIONAL))
                return 0;
        if (fd < 0 && errno == ENOENT)
                return keel_error_setq(err, ENOENT, "linux.resources.%s: cgroup %s has no file "
                                       "%s", w->field, cg->path, w->file);
        if (fd < 0)
                return keel_error_set(err, errno, "linux.resources.%s: open %s", w->field,
                                      w->file);
        /* One line per write(2): the kernel parses one entry per write
         * ("8:0 rbps=1\n8:16 rbps=2" for io.max is two). */
        for (const char *line = w->value; *line; line += strspn(line, "\n")) {
                size_t len = strcspn(line, "\n");

                r = keel_write_all(fd, line, len);
                if (r == -EINVAL && (w->flags & KEEL_CGW_TOLERATE_EINVAL))
                        return 0;
                if (r < 0)
                        return keel_error_set(err, -r, "linux.resources.%s: write \"%.*s\" to %s",
                                              w->field, (int) len, line, w->file);
                line += len;
        }
        return 0;
}

static const char *field_of_controller(const struct keel_cgroup_plan *plan, const char *name)
{
        size_t len = strlen(name);

        for (size_t i = 0; i < plan->n; i++)
                if (strncmp(plan->w[i].file, name, len) == 0 && plan->w[i].file[len] == '.')
                        return plan->w[i].field;
        return name;
}

int keel_cgroup_apply_plan(struct keel_cgroup *cg, const struct keel_cgroup_plan *plan,
                           struct keel_error **err)
{
        char **names = NULL;
        size_t n;
        int r = 0;

        if (plan->n == 0)
                return 0;
        n = keel_cgroup_plan_controllers(plan, &names, err);
        if (n == (size_t) -1)
                return -ENOMEM;
        /* One at a time, so that an error names the field that needs it. */
        for (size_t i = 0; i < n; i++) {
                r = keel_cgroup_enable_controllers(cg, &names[i], 1, err);
                if (r < 0) {
                        keel_error_prefix(err, "linux.resources.%s",
                                          field_of_controller(plan, names[i]));
                        break;
                }
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        if (r < 0)
                return r;
        if (plan->check_memory) {
                r = check_memory_usage(cg, plan->memory_limit, err);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < plan->n; i++) {
                r = write_one(cg, &plan->w[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int keel_cgroup_apply_resources(struct keel_cgroup *cg, const struct keel_resources *r,
                                struct keel_error **err)
{
        struct keel_cgroup_plan plan;
        int ret;

        ret = keel_cgroup_plan_resources(r, &plan, err);
        if (ret < 0)
                return ret;
        ret = keel_cgroup_apply_plan(cg, &plan, err);
        keel_cgroup_plan_clear(&plan);
        return ret;
}
