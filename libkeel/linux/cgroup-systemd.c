/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-bus.h>
#endif

#include "lib-log.h"
#include "linux/cgroup-systemd.h"
#include "util/cleanup.h"

#define PATH_ERR "linux.cgroupsPath: "
#define DEFAULT_SLICE "system.slice"
#define DEFAULT_PREFIX "keel"
#define UNIT_NAME_MAX 255
#define MOVE_TIMEOUT_MS 10000

/* ---- names (pure) --------------------------------------------------------- */

static bool unit_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ':' || c == '_' || c == '.' || c == '-' || c == '\\';
}

static bool unit_name_ok(const char *s)
{
        if (*s == '\0' || strlen(s) > UNIT_NAME_MAX)
                return false;
        for (; *s; s++)
                if (!unit_char_ok(*s))
                        return false;
        return true;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" -> "". */
static int expand_slice(const char *slice, char **out, struct keel_error **err)
{
        size_t len = strlen(slice), base = len - strlen(".slice");
        char *path, *p;

        if (len <= strlen(".slice") || strcmp(slice + base, ".slice") != 0 || strchr(slice, '/') ||
            !unit_name_ok(slice))
                return keel_error_setq(err, EINVAL, PATH_ERR "\"%s\" is not a slice name", slice);
        if (strcmp(slice, "-.slice") == 0) {
                *out = strdup("");
                return *out ? 0 : keel_error_set(err, ENOMEM, "slice");
        }
        if (slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--") != NULL)
                return keel_error_setq(err, EINVAL, PATH_ERR "\"%s\" is not a valid slice name "
                                       "(a \"-\" at either end or doubled)", slice);
        /* One "/PREFIX.slice" per dash-separated prefix, the whole name last. */
        path = p = malloc(len * len + 1);
        if (path == NULL)
                return keel_error_set(err, ENOMEM, "slice");
        for (size_t i = 0; i <= base; i++) {
                if (i < base && slice[i] != '-')
                        continue;
                p += sprintf(p, "/%.*s.slice", (int) i, slice);
        }
        *out = path;
        return 0;
}

int keel_systemd_unit_parse(const char *cgroups_path, const char *id, struct keel_systemd_unit *u,
                            struct keel_error **err)
{
        _cleanup_free_ char *copy = NULL, *slice_path = NULL;
        const char *slice = DEFAULT_SLICE, *prefix = DEFAULT_PREFIX, *name = id;
        int ret;

        memset(u, 0, sizeof(*u));
        if (cgroups_path != NULL && *cgroups_path != '\0') {
                char *c1, *c2;

                copy = strdup(cgroups_path);
                if (copy == NULL)
                        return keel_error_set(err, ENOMEM, "cgroup path");
                c1 = strchr(copy, ':');
                c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (c2 == NULL || strchr(c2 + 1, ':') != NULL)
                        return keel_error_setq(err, EINVAL, PATH_ERR "\"%s\" is not a systemd path "
                                               "(SLICE:PREFIX:NAME)", cgroups_path);
                *c1 = *c2 = '\0';
                slice = *copy ? copy : DEFAULT_SLICE;
                prefix = c1 + 1;
                name = c2 + 1;
                if (*name == '\0')
                        return keel_error_setq(err, EINVAL, PATH_ERR "\"%s\" has no NAME",
                                               cgroups_path);
        }
        ret = expand_slice(slice, &slice_path, err);
        if (ret < 0)
                return ret;
        if (strlen(name) > strlen(".slice") && strcmp(name + strlen(name) - 6, ".slice") == 0)
                return keel_error_setq(err, ENOTSUP, PATH_ERR "a slice (\"%s\") as the "
                                       "container's own unit is not supported", name);
        if (asprintf(&u->unit, "%s%s%s.scope", prefix, *prefix ? "-" : "", name) < 0) {
                u->unit = NULL;
                return keel_error_set(err, ENOMEM, "unit name");
        }
        if (!unit_name_ok(u->unit)) {
                ret = keel_error_setq(err, EINVAL, PATH_ERR "\"%s\" is not a valid unit name",
                                      u->unit);
                keel_systemd_unit_clear(u);
                return ret;
        }
        u->slice = strdup(slice);
        if (u->slice == NULL || asprintf(&u->path, "%s/%s", slice_path, u->unit) < 0) {
                u->path = NULL;
                keel_systemd_unit_clear(u);
                return keel_error_set(err, ENOMEM, "unit name");
        }
        return 0;
}

void keel_systemd_unit_clear(struct keel_systemd_unit *u)
{
        free(u->slice);
        free(u->unit);
        free(u->path);
        memset(u, 0, sizeof(*u));
}

int keel_systemd_unit_from_path(const char *path, struct keel_systemd_unit *u,
                                struct keel_error **err)
{
        const char *base = path ? strrchr(path, '/') : NULL;
        size_t len;

        memset(u, 0, sizeof(*u));
        if (base == NULL || (len = strlen(base + 1)) <= 6 || strcmp(base + 1 + len - 6, ".scope") != 0)
                return keel_error_setq(err, EINVAL, "cgroup %s is not a systemd scope",
                                       path ? path : "(none)");
        u->unit = strdup(base + 1);
        u->path = strdup(path);
        if (u->unit == NULL || u->path == NULL) {
                keel_systemd_unit_clear(u);
                return keel_error_set(err, ENOMEM, "unit name");
        }
        return 0;
}

/* ---- properties (pure) ---------------------------------------------------- */

static int parse_u64(const char *s, bool max_ok, uint64_t *out)
{
        char *end;

        if (max_ok && strcmp(s, "max") == 0) {
                *out = UINT64_MAX;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        *out = strtoull(s, &end, 10);
        return errno == 0 && *end == '\0' ? 0 : -EINVAL;
}

/* "0-3,8" -> bytes with bits 0..3 and 8 set. */
static int parse_mask(const char *s, uint8_t **mask, size_t *len)
{
        _cleanup_free_ uint8_t *m = NULL;
        size_t n = 0;

        while (*s) {
                unsigned long a, b;
                char *end;

                if (*s < '0' || *s > '9')
                        return -EINVAL;
                a = b = strtoul(s, &end, 10);
                if (*end == '-') {
                        if (end[1] < '0' || end[1] > '9')
                                return -EINVAL;
                        b = strtoul(end + 1, &end, 10);
                }
                if (b < a || b >= 8192 || (*end != ',' && *end != '\0'))
                        return -EINVAL;
                if (b / 8 + 1 > n) {
                        uint8_t *nm = realloc(m, b / 8 + 1);

                        if (nm == NULL)
                                return -ENOMEM;
                        memset(nm + n, 0, b / 8 + 1 - n);
                        m = nm;
                        n = b / 8 + 1;
                }
                for (unsigned long i = a; i <= b; i++)
                        m[i / 8] |= (uint8_t) (1u << (i % 8));
                s = *end ? end + 1 : end;
        }
        *mask = steal_pointer(&m);
        *len = n;
        return 0;
}

static int set_prop(struct keel_systemd_props *props, const char *name, uint64_t value,
                    uint8_t *mask, size_t mask_len)
{
        struct keel_systemd_prop *p = NULL;

        for (size_t i = 0; i < props->n; i++)
                if (strcmp(props->p[i].name, name) == 0)
                        p = &props->p[i];       /* a later write of the same file wins */
        if (p == NULL) {
                struct keel_systemd_prop *np = realloc(props->p, (props->n + 1) * sizeof(*np));

                if (np == NULL) {
                        free(mask);
                        return -ENOMEM;
                }
                props->p = np;
                p = &np[props->n++];
        } else {
                free(p->mask);
        }
        *p = (struct keel_systemd_prop) { .name = name, .value = value, .mask = mask,
                                          .mask_len = mask_len };
        return 0;
}

static const struct {
        const char *file, *prop;
} u64_files[] = {
        { "memory.max", "MemoryMax" },
        { "memory.low", "MemoryLow" },
        { "memory.high", "MemoryHigh" },
        { "memory.swap.max", "MemorySwapMax" },
        { "pids.max", "TasksMax" },
        { "cpu.weight", "CPUWeight" },
};

static int cpu_max_props(struct keel_systemd_props *props, const char *v)
{
        uint64_t quota = UINT64_MAX, period = 100000;
        char q[32];
        const char *sp = strchr(v, ' ');
        size_t ql = sp ? (size_t) (sp - v) : strlen(v);
        int r;

        if (ql == 0 || ql >= sizeof(q))
                return -EINVAL;
        memcpy(q, v, ql);
        q[ql] = '\0';
        if (parse_u64(q, true, &quota) < 0 || (sp && (parse_u64(sp + 1, false, &period) < 0 || period == 0)))
                return -EINVAL;
        /* systemd's quota is CPU time per second of wall time. */
        if (quota != UINT64_MAX)
                quota = quota > UINT64_MAX / 1000000 ? UINT64_MAX - 1 : quota * 1000000 / period;
        r = set_prop(props, "CPUQuotaPerSecUSec", quota, NULL, 0);
        if (r == 0 && sp != NULL)
                r = set_prop(props, "CPUQuotaPeriodUSec", period, NULL, 0);
        return r;
}

static int file_props(struct keel_systemd_props *props, const char *file, const char *v)
{
        uint8_t *mask = NULL;
        size_t len = 0;
        uint64_t n;
        int r;

        for (size_t i = 0; i < sizeof(u64_files) / sizeof(u64_files[0]); i++) {
                if (strcmp(file, u64_files[i].file) != 0)
                        continue;
                if (parse_u64(v, true, &n) < 0)
                        return -EINVAL;
                return set_prop(props, u64_files[i].prop, n, NULL, 0);
        }
        if (strcmp(file, "cpu.max") == 0)
                return cpu_max_props(props, v);
        if (strcmp(file, "io.weight") == 0) {
                /* Per-device weights ("MAJ:MIN W") only go to the file. */
                if (strncmp(v, "default ", 8) != 0)
                        return 0;
                if (parse_u64(v + 8, false, &n) < 0)
                        return -EINVAL;
                return set_prop(props, "IOWeight", n, NULL, 0);
        }
        if (strcmp(file, "cpuset.cpus") == 0 || strcmp(file, "cpuset.mems") == 0) {
                if (*v == '\0')
                        return 0;
                r = parse_mask(v, &mask, &len);
                if (r < 0)
                        return r;
                return set_prop(props, file[7] == 'c' ? "AllowedCPUs" : "AllowedMemoryNodes", 0,
                                mask, len);
        }
        return 0;
}

int keel_systemd_props_from_plan(const struct keel_cgroup_plan *plan,
                                 struct keel_systemd_props *props, struct keel_error **err)
{
        memset(props, 0, sizeof(*props));
        for (size_t i = 0; plan != NULL && i < plan->n; i++) {
                const struct keel_cgroup_write *w = &plan->w[i];
                int r = file_props(props, w->file, w->value);

                if (r < 0) {
                        keel_systemd_props_clear(props);
                        if (r == -ENOMEM)
                                return keel_error_set(err, ENOMEM, "systemd properties");
                        return keel_error_setq(err, EINVAL, "linux.resources.%s: %s \"%s\" has "
                                               "no systemd equivalent", w->field, w->file, w->value);
                }
        }
        return 0;
}

void keel_systemd_props_clear(struct keel_systemd_props *props)
{
        for (size_t i = 0; i < props->n; i++)
                free(props->p[i].mask);
        free(props->p);
        memset(props, 0, sizeof(*props));
}

/* ---- D-Bus ---------------------------------------------------------------- */

#ifdef HAVE_SYSTEMD

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define CALL_TIMEOUT_USEC (25 * 1000000ULL)

/* libsystemd's sd-bus, loaded on first use. */
struct sdbus {
        void *lib;
        sd_bus *bus;
        int (*open_system)(sd_bus **);
        int (*new_)(sd_bus **);
        int (*set_address)(sd_bus *, const char *);
        int (*start)(sd_bus *);
        sd_bus *(*flush_close_unref)(sd_bus *);
        int (*new_method_call)(sd_bus *, sd_bus_message **, const char *, const char *,
                               const char *, const char *);
        int (*append)(sd_bus_message *, const char *, ...);
        int (*append_array)(sd_bus_message *, char, const void *, size_t);
        int (*open_container)(sd_bus_message *, char, const char *);
        int (*close_container)(sd_bus_message *);
        int (*call)(sd_bus *, sd_bus_message *, uint64_t, sd_bus_error *, sd_bus_message **);
        sd_bus_message *(*message_unref)(sd_bus_message *);
        void (*error_free)(sd_bus_error *);
};

static int sdbus_load(struct sdbus *b, struct keel_error **err)
{
        static const char *const names[] = {
                "sd_bus_open_system", "sd_bus_new", "sd_bus_set_address", "sd_bus_start",
                "sd_bus_flush_close_unref", "sd_bus_message_new_method_call",
                "sd_bus_message_append", "sd_bus_message_append_array",
                "sd_bus_message_open_container", "sd_bus_message_close_container", "sd_bus_call",
                "sd_bus_message_unref", "sd_bus_error_free",
        };
        void **slots[] = {
                (void **) &b->open_system, (void **) &b->new_, (void **) &b->set_address,
                (void **) &b->start, (void **) &b->flush_close_unref,
                (void **) &b->new_method_call, (void **) &b->append, (void **) &b->append_array,
                (void **) &b->open_container, (void **) &b->close_container, (void **) &b->call,
                (void **) &b->message_unref, (void **) &b->error_free,
        };

        memset(b, 0, sizeof(*b));
        b->lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
        if (b->lib == NULL)
                return keel_error_setq(err, ENOTSUP, "systemd cgroup driver: cannot load "
                                       "libsystemd.so.0 (install libsystemd0)");
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                *slots[i] = dlsym(b->lib, names[i]);
                if (*slots[i] == NULL) {
                        dlclose(b->lib);
                        b->lib = NULL;
                        return keel_error_setq(err, ENOTSUP, "systemd cgroup driver: "
                                               "libsystemd.so.0 has no %s", names[i]);
                }
        }
        return 0;
}

/* The system bus, else systemd's own socket. */
static int sdbus_connect(struct sdbus *b, struct keel_error **err)
{
        int r = sdbus_load(b, err), r2;

        if (r < 0)
                return r;
        r = b->open_system(&b->bus);
        if (r >= 0)
                return 0;
        b->bus = NULL;
        r2 = b->new_(&b->bus);
        if (r2 >= 0)
                r2 = b->set_address(b->bus, "unix:path=/run/systemd/private");
        if (r2 >= 0)
                r2 = b->start(b->bus);
        if (r2 >= 0)
                return 0;
        if (b->bus != NULL)
                b->bus = b->flush_close_unref(b->bus);
        dlclose(b->lib);
        b->lib = NULL;
        return keel_error_setq(err, -r2, "systemd cgroup driver: no systemd to talk to (system "
                               "bus: %s; /run/systemd/private: %s)", strerror(-r), strerror(-r2));
}

static void sdbus_close(struct sdbus *b)
{
        if (b->bus != NULL)
                b->flush_close_unref(b->bus);
        if (b->lib != NULL)
                dlclose(b->lib);
        memset(b, 0, sizeof(*b));
}

static int append_props(struct sdbus *b, sd_bus_message *m, const struct keel_systemd_props *props)
{
        int r = 0;

        for (size_t i = 0; r >= 0 && props != NULL && i < props->n; i++) {
                const struct keel_systemd_prop *p = &props->p[i];

                if (p->mask == NULL) {
                        r = b->append(m, "(sv)", p->name, "t", p->value);
                        continue;
                }
                r = b->open_container(m, 'r', "sv");
                if (r >= 0)
                        r = b->append(m, "s", p->name);
                if (r >= 0)
                        r = b->open_container(m, 'v', "ay");
                if (r >= 0)
                        r = b->append_array(m, 'y', p->mask, p->mask_len);
                if (r >= 0)
                        r = b->close_container(m);
                if (r >= 0)
                        r = b->close_container(m);
        }
        return r;
}

/* Call a Manager method whose message build_args completes; the reply is
 * dropped.  Errors: "systemd: METHOD UNIT: the bus error's message";
 * -ENOENT when systemd has no such unit, -EEXIST when the unit to make
 * exists already. */
static int call_manager(struct sdbus *b, const char *method, const char *unit,
                        int (*build_args)(struct sdbus *, sd_bus_message *, const void *),
                        const void *ctx, struct keel_error **err)
{
        sd_bus_error e = SD_BUS_ERROR_NULL;
        sd_bus_message *m = NULL, *reply = NULL;
        int r;

        r = b->new_method_call(b->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, method);
        if (r >= 0)
                r = build_args(b, m, ctx);
        if (r < 0) {
                if (m != NULL)
                        b->message_unref(m);
                return keel_error_setq(err, -r, "systemd: %s %s: build the call: %s", method, unit,
                                       strerror(-r));
        }
        r = b->call(b->bus, m, CALL_TIMEOUT_USEC, &e, &reply);
        b->message_unref(m);
        if (reply != NULL)
                b->message_unref(reply);
        if (r < 0) {
                r = keel_error_setq(err, -r, "systemd: %s %s: %s", method, unit,
                                    e.message ? e.message : strerror(-r));
                if (e.name != NULL && strcmp(e.name, "org.freedesktop.systemd1.NoSuchUnit") == 0)
                        r = -ENOENT;
                if (e.name != NULL && strcmp(e.name, "org.freedesktop.systemd1.UnitExists") == 0)
                        r = -EEXIST;
                b->error_free(&e);
                return r;
        }
        return 0;
}

struct start_args {
        const struct keel_systemd_unit *u;
        pid_t pid;
        const char *description;
        const struct keel_systemd_props *props;
};

static int build_start(struct sdbus *b, sd_bus_message *m, const void *ctx)
{
        const struct start_args *a = ctx;
        int r = b->append(m, "ss", a->u->unit, "replace");

        if (r >= 0)
                r = b->open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = b->append(m, "(sv)(sv)(sv)(sv)", "Description", "s", a->description,
                              "Slice", "s", a->u->slice, "Delegate", "b", 1,
                              "PIDs", "au", 1, (uint32_t) a->pid);
        /* Ask for accounting, so systemd enables the controllers for the
         * scope even where the limits are written only to files. */
        if (r >= 0)
                r = b->append(m, "(sv)(sv)(sv)(sv)", "MemoryAccounting", "b", 1,
                              "TasksAccounting", "b", 1, "CPUAccounting", "b", 1,
                              "IOAccounting", "b", 1);
        if (r >= 0)
                r = append_props(b, m, a->props);
        if (r >= 0)
                r = b->close_container(m);
        if (r >= 0)
                r = b->append(m, "a(sa(sv))", 0);
        return r;
}

static bool pid_in_cgroup(pid_t pid, const char *path)
{
        char file[64], line[4096];
        bool in = false;
        FILE *f;

        snprintf(file, sizeof(file), "/proc/%d/cgroup", (int) pid);
        f = fopen(file, "re");
        if (f == NULL)
                return false;
        while (!in && fgets(line, sizeof(line), f) != NULL) {
                line[strcspn(line, "\n")] = '\0';
                in = strncmp(line, "0::", 3) == 0 && strcmp(line + 3, path) == 0;
        }
        fclose(f);
        return in;
}

int keel_systemd_start_scope(const struct keel_systemd_unit *u, pid_t pid, const char *description,
                             const struct keel_systemd_props *props, struct keel_error **err)
{
        struct start_args a = { .u = u, .pid = pid, .description = description, .props = props };
        struct timespec pause = { .tv_nsec = 1000000 };
        struct sdbus b;
        int r = sdbus_connect(&b, err);

        if (r < 0)
                return r;
        r = call_manager(&b, "StartTransientUnit", u->unit, build_start, &a, err);
        sdbus_close(&b);
        if (r < 0)
                return r;
        /* The job moves the pid; its completion signal would need a
         * subscription, the move itself is what keel waits for. */
        for (int ms = 0; ms < MOVE_TIMEOUT_MS; ms++) {
                if (pid_in_cgroup(pid, u->path))
                        return 0;
                nanosleep(&pause, NULL);
        }
        return keel_error_setq(err, ETIMEDOUT, "systemd: %s: did not move the init into %s",
                               u->unit, u->path);
}

struct props_args {
        const char *unit;
        const struct keel_systemd_props *props;
};

static int build_set(struct sdbus *b, sd_bus_message *m, const void *ctx)
{
        const struct props_args *a = ctx;
        int r = b->append(m, "sb", a->unit, 1);

        if (r >= 0)
                r = b->open_container(m, 'a', "(sv)");
        if (r >= 0)
                r = append_props(b, m, a->props);
        if (r >= 0)
                r = b->close_container(m);
        return r;
}

int keel_systemd_set_props(const char *unit, const struct keel_systemd_props *props,
                           struct keel_error **err)
{
        struct props_args a = { .unit = unit, .props = props };
        struct sdbus b;
        int r;

        if (props->n == 0)
                return 0;
        r = sdbus_connect(&b, err);
        if (r == 0)
                r = call_manager(&b, "SetUnitProperties", unit, build_set, &a, err);
        sdbus_close(&b);
        return r;
}

static int build_stop(struct sdbus *b, sd_bus_message *m, const void *ctx)
{
        return b->append(m, "ss", (const char *) ctx, "replace");
}

static int build_reset(struct sdbus *b, sd_bus_message *m, const void *ctx)
{
        return b->append(m, "s", (const char *) ctx);
}

int keel_systemd_stop_unit(const char *unit, struct keel_error **err)
{
        struct keel_error *ignored = NULL;
        struct sdbus b;
        int r;

        if (err == NULL)
                err = &ignored;
        r = sdbus_connect(&b, err);
        if (r < 0) {
                keel_error_free(ignored);
                return r;
        }
        r = call_manager(&b, "StopUnit", unit, build_stop, unit, err);
        if (r == -ENOENT) {
                keel_error_free(*err);
                *err = NULL;
                r = 0;
        } else if (r == 0) {
                r = 1;
        }
        /* A scope whose processes were killed may be left "failed". */
        if (r >= 0 && call_manager(&b, "ResetFailedUnit", unit, build_reset, unit, NULL) < 0)
                keel_debug("systemd: ResetFailedUnit %s failed (not failed, or gone)", unit);
        sdbus_close(&b);
        keel_error_free(ignored);
        return r;
}

#else /* !HAVE_SYSTEMD */

static int not_built(struct keel_error **err)
{
        return keel_error_setq(err, ENOTSUP, "systemd cgroup driver: keel was built without "
                               "libsystemd's headers (libsystemd-dev)");
}

int keel_systemd_start_scope(const struct keel_systemd_unit *u, pid_t pid, const char *description,
                             const struct keel_systemd_props *props, struct keel_error **err)
{
        (void) u, (void) pid, (void) description, (void) props;
        return not_built(err);
}

int keel_systemd_set_props(const char *unit, const struct keel_systemd_props *props,
                           struct keel_error **err)
{
        (void) unit, (void) props;
        return not_built(err);
}

int keel_systemd_stop_unit(const char *unit, struct keel_error **err)
{
        (void) unit;
        return not_built(err);
}

#endif
