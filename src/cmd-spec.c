/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

static const char spec_options[] =
        "  -b, --bundle DIR   write DIR/config.json (default: the current directory)\n"
        "  --rootless         a config for an unprivileged user: user namespace mapping\n"
        "                     root to the caller, no network namespace, /sys bound\n";

int cmd_spec(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "rootless", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_free_ char *json = NULL;
        _cleanup_close_ int dirfd = -1, fd = -1;
        const char *bundle = ".";
        bool rootless = false;
        size_t len;
        int c, ret;

        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:b:h", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        bundle = optarg;
                        break;
                case 'r':
                        rootless = true;
                        break;
                default:
                        return keel_option_default(c, argv, spec_options, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 0, "no arguments", err);
        if (ret < 0)
                return ret;

        ret = keel_default_spec_json(rootless, geteuid(), getegid(), &json, &len, err);
        if (ret < 0)
                return ret;

        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return keel_error_set(err, errno, "bundle %s", bundle);
        fd = openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
                if (errno == EEXIST)
                        return keel_error_set(err, 0, "%s/config.json exists: remove it first", bundle);
                return keel_error_set(err, errno, "create %s/config.json", bundle);
        }
        ret = keel_write_all(fd, json, len);
        if (ret == 0)
                ret = keel_write_all(fd, "\n", 1);
        if (ret < 0) {
                unlinkat(dirfd, "config.json", 0);
                return keel_error_set(err, -ret, "write %s/config.json", bundle);
        }
        return 0;
}
