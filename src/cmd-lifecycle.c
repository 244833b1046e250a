/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/cleanup.h"

/* Commands that take only a container id and a few flags. */
static int parse_id(int argc, char **argv, const char *shortopts, const struct option *opts,
                    const char *help, bool *flag, int flag_opt, struct keel_error **err)
{
        int opt;

        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, shortopts, opts, NULL)) != -1) {
                if (opt == 'h') {
                        keel_command_help(keel_find_command(argv[0]), help);
                        return 1;
                }
                if (opt == flag_opt && flag != NULL) {
                        *flag = true;
                        continue;
                }
                return keel_option_error(opt, argv, err);
        }
        return 0;
}

int cmd_start(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        return keel_cli_id_command(g, argc, argv, keel_container_start, err);
}

int cmd_kill(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_store_ struct keel_store *store = NULL;
        bool all = false;
        int sig = 15, ret;

        ret = parse_id(argc, argv, "+ah", opts, "  -a, --all   signal every process of the container\n",
                       &all, 'a', err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        if (argc - optind == 2) {
                ret = keel_signal_parse(argv[optind + 1], &sig, err);
                if (ret < 0)
                        return ret;
        } else {
                ret = keel_want_args(argc, argv, optind, 1, "a container id and a signal", err);
                if (ret < 0)
                        return ret;
        }
        ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == 0)
                ret = keel_container_kill(store, argv[optind], sig, all, err);
        return ret;
}

int cmd_delete(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_store_ struct keel_store *store = NULL;
        bool force = false;
        int ret;

        ret = parse_id(argc, argv, "+fh", opts, "  -f, --force   kill a running container first\n",
                       &force, 'f', err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        ret = keel_want_args(argc, argv, optind, 1, "a container id", err);
        if (ret < 0)
                return ret;
        ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == -ENOENT && force) {
                keel_error_free(*err);
                *err = NULL;
                return 0;
        }
        if (ret == 0)
                ret = keel_container_delete(store, argv[optind], force, err);
        return ret;
}
