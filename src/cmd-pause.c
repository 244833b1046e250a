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
        struct keel_store *store = NULL;
        int ret;

        ret = keel_parse_id_only(argc, argv, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
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
