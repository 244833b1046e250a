/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

/* A Go-style duration as runc takes it: "5s", "250ms", "1m30s". */
static int parse_duration_ms(const char *s, long long *out)
{
        static const struct {
                const char *unit;
                double ms;
        } units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
                      { "s", 1000 },  { "m", 60000 }, { "h", 3600000 } };
        double total = 0;

        if (*s == '\0')
                return -EINVAL;
        while (*s) {
                char *end;
                double v = strtod(s, &end);
                size_t best = 0, which = 0;

                if (end == s || v < 0)
                        return -EINVAL;
                for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
                        size_t len = strlen(units[i].unit);

                        if (strncmp(end, units[i].unit, len) == 0 && len > best)
                                best = len, which = i;
                }
                if (best == 0)
                        return -EINVAL;
                total += v * units[which].ms;
                s = end + best;
        }
        if (total < 1 || total > 86400000.0 * 365)
                return -ERANGE;
        *out = (long long) total;
        return 0;
}

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int print_stats(struct keel_store *store, const char *id, struct keel_error **err)
{
        char *json = NULL;
        int ret = keel_container_stats(store, id, &json, err);

        if (ret == 0) {
                printf("%s\n", json);
                fflush(stdout);
        }
        free(json);
        return ret;
}

/* Print an "oom" event for each kill memory.events counts beyond *seen. */
static void report_ooms(const char *id, int events_fd, uint64_t *seen)
{
        uint64_t n;

        if (events_fd < 0 || keel_oom_kills_read(events_fd, &n) < 0)
                return;
        for (; *seen < n; (*seen)++)
                printf("{\"type\":\"oom\",\"id\":\"%s\"}\n", id);
        fflush(stdout);
}

/* Until the container stops: stats every interval, an "oom" event for each
 * process the OOM killer takes, as soon as memory.events says so. */
static int follow(struct keel_store *store, const char *id, long long interval,
                  struct keel_error **err)
{
        uint64_t ooms = 0;
        int fd = -1, events_fd = -1, ret;
        long long next;

        ret = keel_container_oom_watch(store, id, &fd, &events_fd, &ooms, err);
        if (ret < 0)
                return ret;
        ret = print_stats(store, id, err);
        next = now_ms() + interval;
        while (ret == 0) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                long long wait = next - now_ms();
                char buf[4096];

                if (wait > 0 && poll(&p, 1, (int) (wait > 60000 ? 60000 : wait)) > 0 &&
                    (p.revents & POLLIN)) {
                        while (read(fd, buf, sizeof(buf)) > 0)
                                ;
                        report_ooms(id, events_fd, &ooms);
                }
                if (now_ms() >= next) {
                        ret = print_stats(store, id, err);
                        next += interval;
                }
        }
        /* A kill that stopped the container still counts. */
        report_ooms(id, events_fd, &ooms);
        if (fd >= 0)
                close(fd);
        if (events_fd >= 0)
                close(events_fd);
        /* The container stopping ends the stream; that is not an error. */
        if (ret == -ESRCH) {
                keel_error_free(*err);
                *err = NULL;
                return 0;
        }
        return ret;
}

int cmd_events(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        enum { OPT_STATS = 1000, OPT_INTERVAL };
        static const struct option opts[] = {
                { "stats", no_argument, NULL, OPT_STATS },
                { "interval", required_argument, NULL, OPT_INTERVAL },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_store_ struct keel_store *store = NULL;
        long long interval = 5000;
        bool stats = false;
        int opt, ret;

        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, "+h", opts, NULL)) != -1) {
                switch (opt) {
                case 'h':
                        keel_command_help(keel_find_command(argv[0]),
                                          "  --stats          print the statistics once and exit\n"
                                          "  --interval D     statistics every D (default 5s)\n");
                        return 0;
                case OPT_STATS:
                        stats = true;
                        break;
                case OPT_INTERVAL:
                        if (parse_duration_ms(optarg, &interval) < 0)
                                return keel_error_setq(err, EINVAL, "--interval: \"%s\" is not "
                                                       "a duration like 5s or 500ms", optarg);
                        break;
                default:
                        return keel_option_error(opt, argv, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 1, "a container id", err);
        if (ret == 0)
                ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == 0)
                ret = stats ? print_stats(store, argv[optind], err)
                            : follow(store, argv[optind], interval, err);
        return ret;
}
