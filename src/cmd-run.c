/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

int cmd_run(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        struct keel_created created = { .pid = 0, .console_master = -1 };
        struct keel_run_opts r = { .detach = false };
        _cleanup_free_ char *bundle = NULL;
        struct keel_create_opts o;
        _cleanup_close_ int sigfd = -1;
        _cleanup_store_ struct keel_store *store = NULL;
        int ret, code = 0;

        ret = keel_parse_create_opts(g, argc, argv, true, &o, &r, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        ret = keel_cli_create_guard(g, &o, &r, err);
        if (ret < 0)
                return ret;
        o.keep_console = !r.detach && o.console_socket == NULL;
        if (r.image != NULL) {
                ret = keel_cli_image_bundle(g, &r, o.id, &o.bundle, &bundle, err);
                if (ret < 0)
                        return ret;
        }

        if (!r.detach) {
                ret = keel_cli_prepare_wait(&sigfd, err);
                if (ret < 0)
                        return ret;
        }

        ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = keel_container_create(store, &o, &created, err);
        if (ret == 0)
                ret = keel_container_start(store, o.id, err);
        if (ret < 0 || r.detach) {
                if (ret < 0 && created.pid > 0)
                        keel_container_delete(store, o.id, true, NULL);
                closep(&created.console_master);
                return ret;
        }
        code = keel_cli_attach(&created, sigfd, err);
        if (code < 0)
                ret = code;
        else if (!r.keep)
                ret = keel_container_delete(store, o.id, true, err);
        return ret < 0 ? ret : code;
}
