/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cli.h"

int cmd_unimplemented(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        int i;

        for (i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        keel_command_help(keel_find_command(argv[0]), NULL);
                        return 0;
                }
        }
        return keel_error_set(err, 0, "not implemented yet");
}
