/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The systemd cgroup driver's pure parts: "SLICE:PREFIX:NAME" to unit,
 * slice and cgroup path (as systemd expands slices), and a resources plan
 * to the unit properties systemd would otherwise reset. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup-systemd.h"
#include "tap.h"

static void check_unit(const char *path, const char *id, const char *want_slice,
                       const char *want_unit, const char *want_path)
{
        struct keel_systemd_unit u;
        struct keel_error *err = NULL;
        int r = keel_systemd_unit_parse(path, id, &u, &err);

        char name[3][160];
        const char *shown = path == NULL ? "no cgroupsPath" : *path ? path : "empty cgroupsPath";

        if (r < 0)
                tap_diag("%s", err->msg);
        snprintf(name[0], sizeof(name[0]), "%s: its slice", shown);
        snprintf(name[1], sizeof(name[1]), "%s: its unit", shown);
        snprintf(name[2], sizeof(name[2]), "%s: its cgroup path", shown);
        tap_is_str(u.slice, want_slice, name[0]);
        tap_is_str(u.unit, want_unit, name[1]);
        tap_is_str(u.path, want_path, name[2]);
        keel_systemd_unit_clear(&u);
        keel_error_free(err);
}

static void check_unit_err(const char *path, const char *want)
{
        struct keel_systemd_unit u;
        struct keel_error *err = NULL;
        int r = keel_systemd_unit_parse(path, "c1", &u, &err);

        char name[160];

        snprintf(name, sizeof(name), "%s: the error says why", path);
        tap_ok(r < 0 && u.unit == NULL, "%s refused", path);
        tap_is_str(err ? err->msg : NULL, want, name);
        keel_error_free(err);
}

static void test_units(void)
{
        check_unit(NULL, "c1", "system.slice", "keel-c1.scope", "/system.slice/keel-c1.scope");
        check_unit("", "c1", "system.slice", "keel-c1.scope", "/system.slice/keel-c1.scope");
        check_unit("machine.slice:libpod:abc", "x", "machine.slice", "libpod-abc.scope",
                   "/machine.slice/libpod-abc.scope");
        check_unit(":docker:abc", "x", "system.slice", "docker-abc.scope",
                   "/system.slice/docker-abc.scope");
        check_unit("a-b-c.slice::n", "x", "a-b-c.slice", "n.scope",
                   "/a.slice/a-b.slice/a-b-c.slice/n.scope");
        check_unit("-.slice:p:n", "x", "-.slice", "p-n.scope", "/p-n.scope");
        check_unit_err("/abs/path", "linux.cgroupsPath: \"/abs/path\" is not a systemd path "
                       "(SLICE:PREFIX:NAME)");
        check_unit_err("a:b:c:d", "linux.cgroupsPath: \"a:b:c:d\" is not a systemd path "
                       "(SLICE:PREFIX:NAME)");
        check_unit_err("system:p:n", "linux.cgroupsPath: \"system\" is not a slice name");
        check_unit_err("a/b.slice:p:n", "linux.cgroupsPath: \"a/b.slice\" is not a slice name");
        check_unit_err("a--b.slice:p:n", "linux.cgroupsPath: \"a--b.slice\" is not a valid slice "
                       "name (a \"-\" at either end or doubled)");
        check_unit_err("-a.slice:p:n", "linux.cgroupsPath: \"-a.slice\" is not a valid slice "
                       "name (a \"-\" at either end or doubled)");
        check_unit_err("x.slice:p:", "linux.cgroupsPath: \"x.slice:p:\" has no NAME");
        check_unit_err("x.slice:p:sub.slice", "linux.cgroupsPath: a slice (\"sub.slice\") as "
                       "the container's own unit is not supported");
        check_unit_err("x.slice:p:a b", "linux.cgroupsPath: \"p-a b.scope\" is not a valid unit "
                       "name");
}

static void test_unit_from_path(void)
{
        struct keel_systemd_unit u;
        struct keel_error *err = NULL;

        tap_ok(keel_systemd_unit_from_path("/system.slice/keel-c1.scope", &u, &err) == 0,
               "unit from a scope path");
        tap_is_str(u.unit, "keel-c1.scope", "its unit");
        keel_systemd_unit_clear(&u);
        tap_ok(keel_systemd_unit_from_path("/keel/c1", &u, &err) < 0, "a cgroupfs path is no unit");
        keel_error_free(err);
}

/* The properties as "Name=value" ("Name=[hex bytes]" for masks). */
static char *props_text(const struct keel_systemd_props *p)
{
        char *s = calloc(1, 4096);

        for (size_t i = 0; s && i < p->n; i++) {
                char *e = s + strlen(s);

                if (p->p[i].mask == NULL) {
                        if (p->p[i].value == UINT64_MAX)
                                sprintf(e, "%s=inf;", p->p[i].name);
                        else
                                sprintf(e, "%s=%llu;", p->p[i].name, (unsigned long long) p->p[i].value);
                        continue;
                }
                e += sprintf(e, "%s=[", p->p[i].name);
                for (size_t j = 0; j < p->p[i].mask_len; j++)
                        e += sprintf(e, "%s%02x", j ? " " : "", p->p[i].mask[j]);
                strcat(e, "];");
        }
        return s;
}

static void add(struct keel_cgroup_plan *plan, const char *file, const char *value)
{
        plan->w = realloc(plan->w, (plan->n + 1) * sizeof(*plan->w));
        plan->w[plan->n++] = (struct keel_cgroup_write) { .file = strdup(file),
                                                          .value = strdup(value),
                                                          .field = strdup(file) };
}

static void test_props(void)
{
        struct keel_cgroup_plan plan = { 0 };
        struct keel_systemd_props props;
        struct keel_error *err = NULL;
        char *got;

        add(&plan, "memory.swap.max", "0");             /* the ordering pair: last one wins */
        add(&plan, "memory.max", "67108864");
        add(&plan, "memory.swap.max", "max");
        add(&plan, "memory.low", "max");
        add(&plan, "pids.max", "20");
        add(&plan, "cpu.weight", "39");
        add(&plan, "cpu.max", "50000 100000");
        add(&plan, "io.weight", "default 500");
        add(&plan, "io.weight", "8:0 200");             /* per device: the file only */
        add(&plan, "cpuset.cpus", "0-1,9");
        add(&plan, "cpuset.mems", "0");
        add(&plan, "hugetlb.2MB.max", "2097152");       /* not systemd's: the file only */
        tap_ok(keel_systemd_props_from_plan(&plan, &props, &err) == 0, "a plan converts");
        got = props_text(&props);
        tap_is_str(got, "MemorySwapMax=inf;MemoryMax=67108864;MemoryLow=inf;TasksMax=20;"
                   "CPUWeight=39;CPUQuotaPerSecUSec=500000;CPUQuotaPeriodUSec=100000;"
                   "IOWeight=500;AllowedCPUs=[03 02];AllowedMemoryNodes=[01];", "properties");
        free(got);
        keel_systemd_props_clear(&props);
        keel_cgroup_plan_clear(&plan);

        add(&plan, "cpu.max", "max");
        tap_ok(keel_systemd_props_from_plan(&plan, &props, &err) == 0, "cpu.max max converts");
        got = props_text(&props);
        tap_is_str(got, "CPUQuotaPerSecUSec=inf;", "no quota, no period");
        free(got);
        keel_systemd_props_clear(&props);
        keel_cgroup_plan_clear(&plan);

        add(&plan, "pids.max", "lots");
        tap_ok(keel_systemd_props_from_plan(&plan, &props, &err) < 0, "a bad value fails");
        tap_is_str(err ? err->msg : NULL, "linux.resources.pids.max: pids.max \"lots\" has no "
                   "systemd equivalent", "the error names the field");
        keel_error_free(err);
        keel_cgroup_plan_clear(&plan);
}

int main(void)
{
        test_units();
        test_unit_from_path();
        test_props();
        return tap_done();
}
