/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spec/config-parse.h"
#include "util/cleanup.h"

/* linux.resources: the cgroup limits. */

void keel_config_resources_free(struct keel_resources *r)
{
        size_t i;

        if (r == NULL)
                return;
        for (i = 0; i < r->n_devices; i++)
                free(r->devices[i].access);
        free(r->devices);
        free(r->memory);
        if (r->cpu != NULL) {
                free(r->cpu->cpus);
                free(r->cpu->mems);
                free(r->cpu);
        }
        free(r->pids);
        if (r->block_io != NULL) {
                free(r->block_io->weight_device);
                free(r->block_io->throttle_read_bps_device);
                free(r->block_io->throttle_write_bps_device);
                free(r->block_io->throttle_read_iops_device);
                free(r->block_io->throttle_write_iops_device);
                free(r->block_io);
        }
        for (i = 0; i < r->n_hugepage_limits; i++)
                free(r->hugepage_limits[i].page_size);
        free(r->hugepage_limits);
        if (r->network != NULL) {
                for (i = 0; i < r->network->n_priorities; i++)
                        free(r->network->priorities[i].name);
                free(r->network->priorities);
                free(r->network);
        }
        for (i = 0; i < r->n_rdma; i++)
                free(r->rdma[i].device);
        free(r->rdma);
        keel_string_map_clear(&r->unified);
        free(r);
}

/* A weight or share in [min, max], where runc and crun read 0 as "not set"
 * (and so does keel: *has stays false). */
static int opt_weight(yajl_val o, const char *key, uint64_t min, uint64_t max, path_t *p,
                      bool *has, uint64_t *out, err_t err)
{
        uint64_t v = 0;
        int r = keel_json_get_uint64(o, key, false, max, p, &v, err);

        if (r <= 0 || v == 0)
                return r;
        if (v < min)
                return keel_json_member_error(
                        p, key, err, "%llu is out of range (%llu to %llu, or 0 for not set)",
                        (unsigned long long) v, (unsigned long long) min, (unsigned long long) max);
        *has = true;
        *out = v;
        return 1;
}

/* blkio weights: 10..1000. */
static int opt_weight16(yajl_val o, const char *key, path_t *p, bool *has, uint16_t *out,
                        err_t err)
{
        uint64_t v = 0;
        int r = opt_weight(o, key, 10, 1000, p, has, &v, err);

        if (r > 0)
                *out = (uint16_t) v;
        return r;
}

static const char *const cgroup_device_type_names[] = { "a", "c", "b" };

static int parse_device_cgroup(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_device_cgroup *d = elem;
        char q[96];
        int type = 0, r;

        TRY(keel_json_get_bool(v, "allow", true, p, &d->allow, err));
        TRY(keel_json_get_enum(v, "type", false, cgroup_device_type_names,
                               ARRAY_SIZE(cgroup_device_type_names), p, &type, err));
        d->type = cgroup_device_type_names[type][0];
        OPT_INT64(v, "major", d, major, -1, KEEL_DEVICE_MAJOR_MAX);
        OPT_INT64(v, "minor", d, minor, -1, KEEL_DEVICE_MINOR_MAX);
        r = keel_json_get_string(v, "access", false, p, &d->access, err);
        if (r > 0 && d->access[strspn(d->access, "rwm")] != '\0')
                return keel_json_member_error(p, "access", err, "%s is not made of r, w and m",
                                              keel_json_quote(d->access, q, sizeof(q)));
        return r < 0 ? r : 0;
}

static int parse_memory(yajl_val o, path_t *p, struct keel_memory *m, err_t err)
{
        OPT_INT64(o, "limit", m, limit, -1, INT64_MAX);
        OPT_INT64(o, "reservation", m, reservation, -1, INT64_MAX);
        OPT_INT64(o, "swap", m, swap, -1, INT64_MAX);
        OPT_INT64(o, "kernel", m, kernel, -1, INT64_MAX);
        OPT_INT64(o, "kernelTCP", m, kernel_tcp, -1, INT64_MAX);
        OPT_UINT64(o, "swappiness", m, swappiness, 100);
        OPT_BOOL(o, "disableOOMKiller", m, disable_oom_killer);
        OPT_BOOL(o, "useHierarchy", m, use_hierarchy);
        OPT_BOOL(o, "checkBeforeUpdate", m, check_before_update);
        return 0;
}

static int parse_cpu(yajl_val o, path_t *p, struct keel_cpu *c, err_t err)
{
        /* cpu.shares spans 2..262144 in cgroup v1. */
        TRY(opt_weight(o, "shares", 2, 262144, p, &c->has_shares, &c->shares, err));
        OPT_INT64(o, "quota", c, quota, -1, INT64_MAX);
        OPT_UINT64(o, "burst", c, burst, UINT64_MAX);
        OPT_UINT64(o, "period", c, period, UINT64_MAX);
        OPT_INT64(o, "realtimeRuntime", c, realtime_runtime, -1, INT64_MAX);
        OPT_UINT64(o, "realtimePeriod", c, realtime_period, UINT64_MAX);
        TRY(keel_json_get_string(o, "cpus", false, p, &c->cpus, err));
        TRY(keel_json_get_string(o, "mems", false, p, &c->mems, err));
        TRY(keel_config_check_cpu_list("cpus", c->cpus, p, err));
        TRY(keel_config_check_cpu_list("mems", c->mems, p, err));
        OPT_INT64(o, "idle", c, idle, 0, 1);
        return 0;
}

static int parse_pids(yajl_val o, path_t *p, struct keel_pids *pids, err_t err)
{
        return keel_json_get_int64(o, "limit", true, -1, INT64_MAX, p, &pids->limit, err);
}

static int parse_weight_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_weight_device *w = elem;

        TRY(keel_json_get_int64(v, "major", true, 0, KEEL_DEVICE_MAJOR_MAX, p, &w->major, err));
        TRY(keel_json_get_int64(v, "minor", true, 0, KEEL_DEVICE_MINOR_MAX, p, &w->minor, err));
        TRY(opt_weight16(v, "weight", p, &w->has_weight, &w->weight, err));
        TRY(opt_weight16(v, "leafWeight", p, &w->has_leaf_weight, &w->leaf_weight, err));
        if (!w->has_weight && !w->has_leaf_weight)
                return keel_json_error(p, err, "needs weight or leafWeight");
        return 0;
}

static int parse_throttle_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_throttle_device *t = elem;

        TRY(keel_json_get_int64(v, "major", true, 0, KEEL_DEVICE_MAJOR_MAX, p, &t->major, err));
        TRY(keel_json_get_int64(v, "minor", true, 0, KEEL_DEVICE_MINOR_MAX, p, &t->minor, err));
        TRY(keel_json_get_uint64(v, "rate", true, UINT64_MAX, p, &t->rate, err));
        return 0;
}

static int parse_block_io(yajl_val o, path_t *p, struct keel_block_io *b, err_t err)
{
        TRY(opt_weight16(o, "weight", p, &b->has_weight, &b->weight, err));
        TRY(opt_weight16(o, "leafWeight", p, &b->has_leaf_weight, &b->leaf_weight, err));
        OBJECT_ARRAY(o, "weightDevice", b, weight_device, parse_weight_device);
        OBJECT_ARRAY(o, "throttleReadBpsDevice", b, throttle_read_bps_device,
                     parse_throttle_device);
        OBJECT_ARRAY(o, "throttleWriteBpsDevice", b, throttle_write_bps_device,
                     parse_throttle_device);
        OBJECT_ARRAY(o, "throttleReadIOPSDevice", b, throttle_read_iops_device,
                     parse_throttle_device);
        OBJECT_ARRAY(o, "throttleWriteIOPSDevice", b, throttle_write_iops_device,
                     parse_throttle_device);
        return 0;
}

static int parse_hugepage_limit(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_hugepage_limit *h = elem;
        const char *s;
        char q[96];

        TRY(keel_json_get_string(v, "pageSize", true, p, &h->page_size, err));
        TRY(keel_json_get_uint64(v, "limit", true, UINT64_MAX, p, &h->limit, err));
        s = h->page_size;
        if (*s >= '1' && *s <= '9') {
                s += strspn(s, "0123456789");
                if (strchr("KMG", *s) != NULL && *s != '\0' && strcmp(s + 1, "B") == 0)
                        return 0;
        }
        return keel_json_member_error(p, "pageSize", err, "%s is not a page size like \"2MB\"",
                                      keel_json_quote(h->page_size, q, sizeof(q)));
}

static int parse_interface_priority(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_interface_priority *ip = elem;

        TRY(keel_json_get_string(v, "name", true, p, &ip->name, err));
        TRY(keel_json_get_uint32(v, "priority", true, p, &ip->priority, err));
        return 0;
}

static int parse_network(yajl_val o, path_t *p, struct keel_network *n, err_t err)
{
        OPT_UINT32(o, "classID", n, class_id);
        OBJECT_ARRAY(o, "priorities", n, priorities, parse_interface_priority);
        return 0;
}

static int parse_rdma(const char *key, yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_rdma *r = elem;

        r->device = strdup(key);
        if (r->device == NULL)
                return keel_json_oom(p, err);
        OPT_UINT32(v, "hcaHandles", r, hca_handles);
        OPT_UINT32(v, "hcaObjects", r, hca_objects);
        if (!r->has_hca_handles && !r->has_hca_objects)
                return keel_json_error(p, err, "needs hcaHandles or hcaObjects");
        return 0;
}

int keel_config_parse_resources(yajl_val o, path_t *p, struct keel_resources *r, err_t err)
{
        OBJECT_ARRAY(o, "devices", r, devices, parse_device_cgroup);
        SECTION(o, "memory", &r->memory, parse_memory);
        SECTION(o, "cpu", &r->cpu, parse_cpu);
        SECTION(o, "pids", &r->pids, parse_pids);
        SECTION(o, "blockIO", &r->block_io, parse_block_io);
        OBJECT_ARRAY(o, "hugepageLimits", r, hugepage_limits, parse_hugepage_limit);
        SECTION(o, "network", &r->network, parse_network);
        OBJECT_MAP(o, "rdma", r, rdma, parse_rdma);
        TRY(keel_json_get_string_map(o, "unified", false, p, &r->unified.keys,
                                     &r->unified.values, &r->unified.n, err));
        return 0;
}
