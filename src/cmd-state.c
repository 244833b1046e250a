/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "util/cleanup.h"

int cmd_state(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        _cleanup_store_ struct keel_store *store = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        ret = keel_parse_id_only(argc, argv, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;

        ret = keel_store_open(g->root, false, &store, err);
        if (ret < 0) {
                /* No state root yet means no container either. */
                if (ret == -ENOENT) {
                        keel_error_free(*err);
                        *err = NULL;
                        ret = keel_id_validate(argv[optind], err);
                        if (ret == 0)
                                ret = keel_error_setq(err, ENOENT, "container %s does not exist", argv[optind]);
                }
                return ret;
        }
        ret = keel_container_state(store, argv[optind], &st, err);
        if (ret == 0) {
                /* The spec wants a pid only while the process exists. */
                if (st->status == KEEL_STATUS_STOPPED)
                        st->pid = 0;
                ret = keel_state_to_json_flags(st, KEEL_STATE_JSON_INDENT, &json, &len, err);
        }
        if (ret == 0)
                printf("%s\n", json);
        return ret;
}
