/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The public image calls (keel.h), over image/: an image layout to a bundle,
 * through the layer store; the store's pruning. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "image/bundle.h"
#include "image/layout.h"
#include "image/store.h"
#include "store.h"
#include "util/cleanup.h"
#include "util/strv.h"

#define BUNDLES_DIR KEEL_IMAGE_STORE_DIR "/bundles"

/* --entrypoint ENTRY replaces the image's Entrypoint and, without CMD,
 * clears its Cmd (as `docker run --entrypoint` does); CMD replaces its Cmd. */
static int override_process(struct keel_image_config *c, const struct keel_image_unpack_opts *o,
                            struct keel_error **err)
{
        char **v = NULL;
        size_t n = 0;

        if (o == NULL || (o->cmd == NULL && o->entrypoint == NULL))
                return 0;
        if (o->entrypoint != NULL) {
                if (keel_strv_append(&v, &n, o->entrypoint) < 0)
                        return keel_error_set(err, ENOMEM, "--entrypoint");
                keel_strv_free(c->entrypoint);
                c->entrypoint = v;
                c->n_entrypoint = n;
                keel_strv_free(c->cmd);
                c->cmd = NULL;
                c->n_cmd = 0;
        }
        if (o->cmd != NULL) {
                if (keel_strv_dup(o->cmd, &v, &n) < 0)
                        return keel_error_set(err, ENOMEM, "command");
                keel_strv_free(c->cmd);
                c->cmd = v;
                c->n_cmd = n;
        }
        return 0;
}

int keel_image_unpack(struct keel_store *store, const char *layout,
                      const struct keel_image_unpack_opts *o, const char *bundle,
                      struct keel_error **err)
{
        struct keel_image_store *is = NULL;
        struct keel_image *img = NULL;
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        ret = keel_image_open(layout, &img, err);
        if (ret == 0)
                ret = override_process(&img->config, o, err);
        if (ret == 0)
                ret = keel_image_store_open(store->rootfd, false, &is, err);
        if (ret == 0)
                ret = keel_image_store_unpack(is, img, err);
        if (ret == 0)
                ret = keel_image_config_json(img, is, &json, &len, err);
        if (ret == 0)
                ret = keel_image_write_bundle(bundle, json, len, o != NULL && o->replace, err);
        keel_image_store_close(is);
        keel_image_free(img);
        return ret;
}

int keel_image_bundle_path(struct keel_store *store, const char *id, char **path,
                           struct keel_error **err)
{
        if (asprintf(path, "%s/%s/%s", store->root, BUNDLES_DIR, id) < 0) {
                *path = NULL;
                return keel_error_set(err, ENOMEM, "bundle");
        }
        return 0;
}

int keel_image_prune(struct keel_store *store, size_t *removed, struct keel_error **err)
{
        struct keel_image_store *is = NULL;
        int ret;

        ret = keel_image_store_open(store->rootfd, true, &is, err);
        if (ret == 0)
                ret = keel_image_store_prune(is, store->rootfd, removed, err);
        keel_image_store_close(is);
        return ret;
}
