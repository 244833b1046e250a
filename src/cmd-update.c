/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

#define RESOURCES_MAX (4u << 20)

/* runc's flags, each one spec field; kind says how its value reads. */
enum kind { BYTES, INT, UINT, CPUS };

struct flag {
        const char *name;
        const char *section;    /* "memory", "cpu", "pids", "blockIO" */
        const char *field;
        enum kind kind;
};

static const struct flag flags[] = {
        { "memory", "memory", "limit", BYTES },
        { "memory-reservation", "memory", "reservation", BYTES },
        { "memory-swap", "memory", "swap", BYTES },
        { "kernel-memory", "memory", "kernel", BYTES },
        { "kernel-memory-tcp", "memory", "kernelTCP", BYTES },
        { "cpu-share", "cpu", "shares", UINT },
        { "cpu-quota", "cpu", "quota", INT },
        { "cpu-period", "cpu", "period", UINT },
        { "cpu-burst", "cpu", "burst", UINT },
        { "cpu-rt-runtime", "cpu", "realtimeRuntime", INT },
        { "cpu-rt-period", "cpu", "realtimePeriod", UINT },
        { "cpuset-cpus", "cpu", "cpus", CPUS },
        { "cpuset-mems", "cpu", "mems", CPUS },
        { "cpu-idle", "cpu", "idle", INT },
        { "pids-limit", "pids", "limit", INT },
        { "blkio-weight", "blockIO", "weight", UINT },
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

enum { OPT_RESOURCES = 1000, OPT_L3, OPT_MB, OPT_FLAG0 = 2000 };

/* "512", "64k", "100m", "1g", "2GB" (powers of 1024, as runc reads them),
 * or -1 for unlimited. */
static int parse_bytes(const char *s, int64_t *out)
{
        static const char units[] = "kmgtp";
        char *end;
        long long v;
        const char *u;
        int shift = 0;

        if (strcmp(s, "-1") == 0) {
                *out = -1;
                return 0;
        }
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0)
                return -EINVAL;
        if (*end != '\0' && (u = strchr(units, tolower((unsigned char) *end))) != NULL) {
                shift = 10 * (int) (u - units + 1);
                end++;
        }
        if (*end == 'b' || *end == 'B')
                end++;
        if (*end != '\0' || (shift && v > (INT64_MAX >> shift)))
                return -EINVAL;
        *out = (int64_t) v << shift;
        return 0;
}

static int parse_int(const char *s, bool is_unsigned, int64_t *out)
{
        char *end;
        long long v;

        if (s[0] == '\0' || (is_unsigned && s[0] == '-'))
                return -EINVAL;
        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EINVAL;
        *out = v;
        return 0;
}

/* cpuset lists ("0-3,7"): checked here so the JSON needs no escaping. */
static bool is_cpu_list(const char *s)
{
        return s[0] != '\0' && strspn(s, "0123456789,-") == strlen(s);
}

struct json_buf {
        char *s;
        size_t len;
};

static int append(struct json_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int append(struct json_buf *b, const char *fmt, ...)
{
        va_list ap;
        char *more;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&more, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -ENOMEM;
        char *s = realloc(b->s, b->len + (size_t) n + 1);
        if (s == NULL) {
                free(more);
                return -ENOMEM;
        }
        memcpy(s + b->len, more, (size_t) n + 1);
        b->s = s;
        b->len += (size_t) n;
        free(more);
        return 0;
}

static int check_value(const struct flag *f, const char *value, int64_t *v,
                       struct keel_error **err)
{
        if (f->kind == CPUS && !is_cpu_list(value))
                return keel_error_setq(err, EINVAL, "--%s: \"%s\" is not a cpu list like 0-3,7",
                                       f->name, value);
        if (f->kind == BYTES && parse_bytes(value, v) < 0)
                return keel_error_setq(err, EINVAL, "--%s: \"%s\" is not a size like 512m or -1",
                                       f->name, value);
        if ((f->kind == INT || f->kind == UINT) && parse_int(value, f->kind == UINT, v) < 0)
                return keel_error_setq(err, EINVAL, "--%s: \"%s\" is not %s", f->name, value,
                                       f->kind == UINT ? "a number" : "an integer");
        return 0;
}

/* The flags given, as a linux.resources object:
 * {"memory":{"limit":1048576},"pids":{"limit":10}}. */
static int flags_to_json(char **values, struct json_buf *out, struct keel_error **err)
{
        static const char *const sections[] = { "memory", "cpu", "pids", "blockIO" };
        const char *sep = "";
        int r = append(out, "{");

        for (size_t s = 0; r == 0 && s < sizeof(sections) / sizeof(sections[0]); s++) {
                const char *fsep = "";

                for (size_t i = 0; r == 0 && i < N_FLAGS; i++) {
                        const struct flag *f = &flags[i];
                        int64_t v = 0;

                        if (values[i] == NULL || strcmp(f->section, sections[s]) != 0)
                                continue;
                        r = check_value(f, values[i], &v, err);
                        if (r < 0)
                                return r;
                        if (fsep[0] == '\0') {
                                r = append(out, "%s\"%s\":{", sep, sections[s]);
                                sep = ",";
                        }
                        if (r == 0 && f->kind == CPUS)
                                r = append(out, "%s\"%s\":\"%s\"", fsep, f->field, values[i]);
                        else if (r == 0)
                                r = append(out, "%s\"%s\":%" PRId64, fsep, f->field, v);
                        fsep = ",";
                }
                if (r == 0 && fsep[0] != '\0')
                        r = append(out, "}");
        }
        if (r == 0)
                r = append(out, "}");
        return r < 0 ? keel_error_set(err, ENOMEM, "update") : 0;
}

int cmd_update(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        struct option opts[N_FLAGS + 5] = {
                { "resources", required_argument, NULL, 'r' },
                { "l3-cache-schema", required_argument, NULL, OPT_L3 },
                { "mem-bw-schema", required_argument, NULL, OPT_MB },
                { "help", no_argument, NULL, 'h' },
        };
        char *values[N_FLAGS] = { 0 };
        const char *file = NULL;
        _cleanup_store_ struct keel_store *store = NULL;
        struct json_buf json = { 0 };
        bool any_flag = false;
        int opt, ret;

        for (size_t i = 0; i < N_FLAGS; i++)
                opts[4 + i] = (struct option){ flags[i].name, required_argument, NULL,
                                               OPT_FLAG0 + (int) i };
        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, "+hr:", opts, NULL)) != -1) {
                if (opt == 'h') {
                        keel_command_help(keel_find_command(argv[0]),
                                          "  -r, --resources FILE   linux.resources JSON to merge "
                                          "(- for stdin)\n"
                                          "  --memory, --memory-reservation, --memory-swap,\n"
                                          "  --kernel-memory, --kernel-memory-tcp SIZE (512m, 1g, "
                                          "-1)\n"
                                          "  --cpu-share, --cpu-quota, --cpu-period, --cpu-burst,\n"
                                          "  --cpu-rt-runtime, --cpu-rt-period, --cpu-idle N\n"
                                          "  --cpuset-cpus, --cpuset-mems LIST\n"
                                          "  --pids-limit N   --blkio-weight N\n"
                                          "  --l3-cache-schema, --mem-bw-schema SCHEMA "
                                          "(linux.intelRdt: refused,\n"
                                          "                         keel does not support "
                                          "it)\n");
                        return 0;
                }
                if (opt == 'r') {
                        file = optarg;
                } else if (opt == OPT_L3 || opt == OPT_MB) {
                        return keel_intel_rdt_refused(opt == OPT_L3
                                                      ? "--l3-cache-schema: linux.intelRdt"
                                                      : "--mem-bw-schema: linux.intelRdt", err);
                } else if (opt >= OPT_FLAG0 && opt < OPT_FLAG0 + (int) N_FLAGS) {
                        values[opt - OPT_FLAG0] = optarg;
                        any_flag = true;
                } else {
                        return keel_option_error(opt, argv, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 1, "a container id", err);
        if (ret < 0)
                return ret;
        if (file && any_flag)
                return keel_error_setq(err, EINVAL, "--resources and the limit flags cannot be "
                                       "combined: put every change in the file");
        if (!file && !any_flag)
                return keel_error_setq(err, EINVAL, "nothing to update: give --resources FILE "
                                       "or a limit flag");
        if (file) {
                size_t len = 0;

                if (strcmp(file, "-") == 0)
                        ret = keel_read_fd(STDIN_FILENO, RESOURCES_MAX, &json.s, &len, err);
                else
                        ret = keel_read_file_at(AT_FDCWD, file, RESOURCES_MAX, &json.s, &len, err);
                json.len = len;
                if (ret < 0)
                        keel_error_prefix(err, "--resources %s", file);
        } else {
                ret = flags_to_json(values, &json, err);
        }
        if (ret == 0)
                ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == 0)
                ret = keel_container_update(store, argv[optind], json.s, json.len, err);
        free(json.s);
        return ret;
}
