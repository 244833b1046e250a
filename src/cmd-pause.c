/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"

static int run_freeze_command(struct keel_globals *g, int argc, char **argv,
                              int (*op)(struct keel_store *, const char *, struct keel_error **),
                              struct keel_error **err)
{
        static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
        struct keel_store *store = NULL;
        int opt, ret;

        opterr = 0;
        opt = getopt_long_only(argc, argv, "+h", opts, NULL);
        if (opt != -1)
                return keel_option_default(opt, argv, NULL, err);
        ret = keel_want_args(argc, argv, optind, 1, "a container id", err);
        if (ret == 0)
                ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == 0)
                ret = op(store, argv[optind], err);
        keel_store_close(store);
        return ret;
}

int cmd_pause(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        return run_freeze_command(g, argc, argv, keel_container_pause, err);
}

int cmd_resume(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        return run_freeze_command(g, argc, argv, keel_container_resume, err);
}
