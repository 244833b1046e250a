/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include "cli.h"

int cmd_pause(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        return keel_cli_id_command(g, argc, argv, keel_container_pause, err);
}

int cmd_resume(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        return keel_cli_id_command(g, argc, argv, keel_container_resume, err);
}
