/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/cleanup.h"

static const char image_options[] =
        "  unpack [--replace] oci:DIR[:TAG] BUNDLE\n"
        "                     extract the image's layers into the layer store (once) and write\n"
        "                     BUNDLE/config.json and an empty BUNDLE/rootfs for keel create/run;\n"
        "                     --replace overwrites a different BUNDLE/config.json\n"
        "  prune              remove the layers no container uses\n";

static int image_ref(const char *ref, const char **layout, struct keel_error **err)
{
        if (strncmp(ref, "oci:", 4) != 0 || ref[4] == '\0')
                return keel_error_set(err, 0, "image \"%s\": expected oci:DIR[:TAG]", ref);
        *layout = ref + 4;
        return 0;
}

/* Unpack ref's layers and write its bundle: the work of `image unpack`
 * and of create/run --image (r: the command given there, or NULL).  run/create
 * --image ... ID CMD...: CMD replaces the image's Cmd; --entrypoint ENTRY
 * replaces its Entrypoint and, without CMD, clears its Cmd (as `docker run
 * --entrypoint` does). */
static int unpack_to_bundle(struct keel_store *store, const char *ref, const struct keel_run_opts *r,
                            const char *bundle, bool replace, struct keel_error **err)
{
        struct keel_image_unpack_opts o = {
                .entrypoint = r ? r->entrypoint : NULL,
                .cmd = r ? r->cmd : NULL,
                .replace = replace,
        };
        const char *layout = NULL;
        int ret;

        ret = image_ref(ref, &layout, err);
        if (ret == 0)
                ret = keel_image_unpack(store, layout, &o, bundle, err);
        return ret;
}

int keel_cli_image_bundle(struct keel_globals *g, const struct keel_run_opts *r, const char *id,
                          const char **bundle, char **owned, struct keel_error **err)
{
        _cleanup_store_ struct keel_store *store = NULL;
        bool own_dir = *bundle == NULL;
        int ret;

        ret = keel_id_validate(id, err);
        if (ret == 0)
                ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0 && own_dir) {
                /* No --bundle: one of keel's own, replaced by each run of
                 * this id and removed by `image prune` once the id is gone. */
                ret = keel_image_bundle_path(store, id, owned, err);
                if (ret == 0)
                        *bundle = *owned;
        }
        if (ret == 0)
                ret = unpack_to_bundle(store, r->image, r, *bundle, own_dir, err);
        if (ret < 0)
                return keel_error_prefix(err, "image");
        return 0;
}

static int image_unpack(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "replace", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_store_ struct keel_store *store = NULL;
        bool replace = false;
        int c, ret;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:h", opts, NULL)) != -1) {
                switch (c) {
                case 'r':
                        replace = true;
                        break;
                case 'h':
                        keel_command_help(keel_find_command("image"), image_options);
                        return 1;
                default:
                        return keel_option_error(c, argv, err);
                }
        }
        ret = keel_want_args(argc, argv, optind, 2, "oci:DIR[:TAG] and a bundle directory", err);
        if (ret == 0)
                ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = unpack_to_bundle(store, argv[optind], NULL, argv[optind + 1], replace, err);
        return ret;
}

static int image_prune(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        _cleanup_store_ struct keel_store *store = NULL;
        size_t removed = 0;
        int ret;

        ret = keel_want_args(argc, argv, 1, 0, "no arguments", err);
        if (ret == 0)
                ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = keel_image_prune(store, &removed, err);
        if (ret == 0)
                printf("removed %zu layer%s\n", removed, removed == 1 ? "" : "s");
        return ret;
}

int cmd_image(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        int ret;

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                keel_command_help(keel_find_command("image"), image_options);
                return argc < 2 ? keel_error_set(err, 0, "missing subcommand (unpack or prune)") : 0;
        }
        if (strcmp(argv[1], "unpack") == 0)
                ret = image_unpack(g, argc - 1, argv + 1, err);
        else if (strcmp(argv[1], "prune") == 0)
                ret = image_prune(g, argc - 1, argv + 1, err);
        else
                return keel_error_set(err, 0, "unknown subcommand \"%s\" (expected unpack or prune)", argv[1]);
        return ret > 0 ? 0 : ret;
}
