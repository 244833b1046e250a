/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "util/cleanup.h"

static const char list_options[] =
        "  -f, --format FMT   table (default) or json\n"
        "  -q, --quiet        print only the container ids\n";

enum list_format { LIST_TABLE, LIST_JSON, LIST_QUIET };

static void print_row(const struct keel_state *st)
{
        struct passwd *pw = getpwuid(st->owner_uid);
        char owner[32];

        if (pw == NULL)
                snprintf(owner, sizeof(owner), "#%u", (unsigned) st->owner_uid);
        printf("%-12s %-8d %-10s %-40s %-32s %s\n", st->id,
               st->status == KEEL_STATUS_STOPPED ? 0 : st->pid, keel_status_name(st->status),
               st->bundle ? st->bundle : "", st->created ? st->created : "", pw ? pw->pw_name : owner);
}

int cmd_list(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        enum list_format format = LIST_TABLE;
        _cleanup_store_ struct keel_store *store = NULL;
        char **ids = NULL;
        bool first = true;
        size_t i, n = 0;
        int c, ret;

        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:f:qh", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                format = format == LIST_QUIET ? LIST_QUIET : LIST_JSON;
                        else if (strcmp(optarg, "table") != 0)
                                return keel_error_set(err, 0, "--format: unknown format \"%s\" (expected table or json)", optarg);
                        break;
                case 'q':
                        format = LIST_QUIET;
                        break;
                default:
                        return keel_option_default(c, argv, list_options, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 0, "no arguments", err);
        if (ret < 0)
                return ret;

        ret = keel_store_open(g->root, false, &store, err);
        if (ret == -ENOENT) {
                /* No state root: no containers. */
                keel_error_free(*err);
                *err = NULL;
        } else if (ret < 0) {
                return ret;
        } else {
                keel_container_sweep(store);
                ret = keel_store_list(store, &ids, &n, err);
                if (ret < 0)
                        return ret;
        }

        if (format == LIST_TABLE)
                printf("%-12s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        else if (format == LIST_JSON)
                fputc('[', stdout);
        for (i = 0; i < n; i++) {
                _cleanup_state_ struct keel_state *st = NULL;
                struct keel_error *rerr = NULL;
                _cleanup_free_ char *json = NULL;
                size_t len;

                /* A container deleted meanwhile is simply not listed; one
                 * whose state cannot be read is named on stderr, and the
                 * others are still listed (runc does so). */
                ret = keel_container_state(store, ids[i], &st, &rerr);
                if (ret == -ENOENT) {
                        keel_error_free(rerr);
                        continue;
                }
                if (ret < 0) {
                        keel_log_warn("list: %s", rerr->msg);
                        keel_error_free(rerr);
                } else {
                        if (st->status == KEEL_STATUS_STOPPED)
                                st->pid = 0;
                        if (format == LIST_QUIET) {
                                printf("%s\n", st->id);
                        } else if (format == LIST_TABLE) {
                                print_row(st);
                        } else if (keel_state_to_json_flags(st, KEEL_STATE_JSON_NAME_ROOT, &json,
                                                            &len, NULL) == 0) {
                                printf("%s%s", first ? "" : ",", json);
                                first = false;
                        }
                }
        }
        if (format == LIST_JSON)
                fputs("]\n", stdout);
        keel_strv_free(ids);
        return 0;
}
