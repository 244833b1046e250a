/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "linux/cgroup-resources.h"
#include "linux/cgroup-systemd.h"
#include "linux/cgroup.h"
#include "spec/json-write.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"
#include "util/fs.h"

#define UPDATE_MAX_SIZE (4u << 20)

static int check_can_update(const struct keel_state *st, struct keel_error **err)
{
        if (st->status == KEEL_STATUS_STOPPED)
                return keel_error_setq(err, EINVAL, "container %s is stopped", st->id);
        if (st->cgroup_path == NULL)
                return keel_error_setq(err, EINVAL, "container %s has no cgroup (--cgroup-manager "
                                       "disabled, or rootless without a delegated cgroup): "
                                       "nothing to update", st->id);
        return 0;
}

/* The stored config with linux.resources replaced by the merge of the old
 * and the new: the text to store, and its parse for the limits. */
static int merge_config(struct keel_container_dir *c, const char *resources, size_t len,
                        char **text, size_t *text_len, struct keel_config **cfg,
                        struct keel_error **err)
{
        _cleanup_free_ char *raw = NULL, *wrapped = NULL;
        yajl_val base = NULL, over = NULL, check = NULL;
        size_t raw_len;
        int ret;

        /* The new values are checked alone first, so an error names the
         * input rather than the merged config. */
        ret = keel_json_parse(resources, len, &check, err);
        if (ret == 0 && !YAJL_IS_OBJECT(check))
                ret = keel_error_setq(err, EINVAL, "resources: expected an object, got %s",
                                      keel_json_type_name(check));
        keel_json_free(check);
        if (ret < 0)
                return keel_error_prefix(err, "update");
        if (asprintf(&wrapped, "{\"linux\":{\"resources\":%.*s}}", (int) len, resources) < 0)
                return keel_error_set(err, ENOMEM, "update");
        ret = keel_read_file_at(c->dirfd, KEEL_CONFIG_COPY, KEEL_CONFIG_MAX_SIZE, &raw, &raw_len,
                                err);
        if (ret == 0)
                ret = keel_json_parse(raw, raw_len, &base, err);
        if (ret == 0)
                ret = keel_json_parse(wrapped, strlen(wrapped), &over, err);
        if (ret == 0)
                ret = keel_json_generate_merged(base, over, text, text_len, err);
        keel_json_free(base);
        keel_json_free(over);
        if (ret < 0)
                return ret;
        ret = keel_config_parse(*text, *text_len, cfg, err);
        if (ret < 0) {
                free(*text);
                *text = NULL;
                return keel_error_prefix(err, "update");
        }
        return 0;
}

static bool has_devices(const char *resources, size_t len)
{
        yajl_val v = NULL;
        bool has;

        if (keel_json_parse(resources, len, &v, NULL) < 0)
                return false;
        has = keel_json_lookup(v, "devices") != NULL;
        keel_json_free(v);
        return has;
}

/* The unit's properties follow the files, so that systemd does not put
 * the old limits back at its next daemon-reload. */
static int update_systemd_unit(const struct keel_state *st, const struct keel_resources *r,
                               struct keel_error **err)
{
        struct keel_cgroup_plan plan;
        struct keel_systemd_props props = { 0 };
        struct keel_systemd_unit u;
        int ret = keel_systemd_unit_from_path(st->cgroup_path, &u, err);

        if (ret < 0)
                return ret;
        ret = keel_cgroup_plan_resources(r, &plan, err);
        if (ret == 0) {
                ret = keel_systemd_props_from_plan(&plan, &props, err);
                keel_cgroup_plan_clear(&plan);
        }
        if (ret == 0)
                ret = keel_systemd_set_props(u.unit, &props, err);
        keel_systemd_props_clear(&props);
        keel_systemd_unit_clear(&u);
        return ret;
}

int keel_container_update(struct keel_store *store, const char *id, const char *resources,
                          size_t len, struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        _cleanup_config_ struct keel_config *cfg = NULL;
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_state_ struct keel_state *st = NULL;
        _cleanup_free_ char *text = NULL;
        const struct keel_resources *r;
        size_t text_len = 0;
        int ret;

        if (len > UPDATE_MAX_SIZE)
                return keel_error_setq(err, EFBIG, "update: resources larger than %u bytes",
                                       UPDATE_MAX_SIZE);
        /* Exclusive: two updates must not interleave their merges. */
        ret = keel_container_open_state(store, id, true, &c, &st, err);
        if (ret < 0)
                return ret;
        ret = check_can_update(st, err);
        if (ret == 0)
                ret = merge_config(c, resources, len, &text, &text_len, &cfg, err);
        if (ret == 0)
                ret = keel_state_open_cgroup(st, &cg, err);
        r = cfg && cfg->linux_cfg ? cfg->linux_cfg->resources : NULL;
        if (ret == 0 && has_devices(resources, len))
                ret = keel_cgroup_apply_devices(cg, r, NULL, err);
        if (ret == 0)
                ret = keel_cgroup_apply_resources(cg, r, err);
        if (ret == 0 && st->systemd_cgroup)
                ret = update_systemd_unit(st, r, err);
        /* Stored only once applied: the state never claims a limit the
         * cgroup does not have.  (A write that failed half way leaves the
         * earlier files changed, as runc does; the stored config keeps the
         * old values.) */
        if (ret == 0)
                ret = keel_write_file_atomic_at(c->dirfd, KEEL_CONFIG_COPY, text, text_len, 0600,
                                                err);
        if (ret < 0 && err && *err && strncmp((*err)->msg, "container ", 10) != 0)
                keel_error_prefix(err, "container %s", id);
        return ret;
}
