/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "commit.h"
#include "util/cleanup.h"

int cmd_features(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct keel_features_info info = {
                .version = PACKAGE_VERSION,
                .commit = KEEL_GIT_COMMIT,
        };
        _cleanup_free_ char *json = NULL;
        size_t len;
        int c, ret;

        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:h", opts, NULL)) != -1) {
                switch (c) {
                default:
                        return keel_option_default(c, argv, NULL, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 0, "no arguments", err);
        if (ret < 0)
                return ret;

        keel_features_probe(&info, g->criu);
        ret = keel_features_json(&info, &json, &len, err);
        if (ret < 0)
                return ret;
        if (fwrite(json, 1, len, stdout) != len || fflush(stdout) != 0)
                return keel_error_set(err, errno, "write the features document");
        return 0;
}
