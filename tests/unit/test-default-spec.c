/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "spec/default-spec.h"
#include "spec/oci-config.h"
#include "tap.h"

static const char *str_at(yajl_val root, const char **path)
{
        yajl_val v = yajl_tree_get(root, path, yajl_t_string);

        return v ? YAJL_GET_STRING(v) : NULL;
}

static int array_has(yajl_val root, const char **path, const char *key, const char *want)
{
        yajl_val arr = yajl_tree_get(root, path, yajl_t_array);
        size_t i;

        if (arr == NULL)
                return 0;
        for (i = 0; i < YAJL_GET_ARRAY(arr)->len; i++) {
                yajl_val el = YAJL_GET_ARRAY(arr)->values[i];
                const char *kp[] = { key, NULL };
                const char *s = key ? str_at(el, kp) : (YAJL_IS_STRING(el) ? YAJL_GET_STRING(el) : NULL);

                if (s && strcmp(s, want) == 0)
                        return 1;
        }
        return 0;
}

static void check(bool rootless)
{
        static const char *ver[] = { "ociVersion", NULL };
        static const char *ns[] = { "linux", "namespaces", NULL };
        static const char *inh[] = { "process", "capabilities", "inheritable", NULL };
        static const char *amb[] = { "process", "capabilities", "ambient", NULL };
        static const char *bnd[] = { "process", "capabilities", "bounding", NULL };
        static const char *uidmap[] = { "linux", "uidMappings", NULL };
        static const char *res[] = { "linux", "resources", NULL };
        static const char *mounts[] = { "mounts", NULL };
        const char *mode = rootless ? "rootless" : "default";
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;
        char *json = NULL, errbuf[256];
        yajl_val root;
        size_t len;
        int ret;

        ret = keel_default_spec_json(rootless, 1234, 5678, &json, &len, &err);
        tap_ok(ret == 0 && json != NULL, "%s_spec_is_generated", mode);
        if (ret < 0)
                return;
        root = yajl_tree_parse(json, errbuf, sizeof(errbuf));
        tap_ok(root != NULL, "%s_spec_is_valid_json", mode);
        tap_is_str(str_at(root, ver), KEEL_SPEC_VERSION, "spec_version_is_keel_s");
        tap_ok(yajl_tree_get(root, inh, yajl_t_any) == NULL, "%s_spec_has_no_inheritable_caps", mode);
        tap_ok(yajl_tree_get(root, amb, yajl_t_any) == NULL, "%s_spec_has_no_ambient_caps", mode);
        tap_ok(array_has(root, bnd, NULL, "CAP_KILL"), "%s_spec_bounding_has_cap_kill", mode);
        tap_ok(array_has(root, ns, "type", "network") == !rootless, "%s_spec_network_namespace", mode);
        tap_ok(array_has(root, ns, "type", "user") == rootless, "%s_spec_user_namespace", mode);
        tap_ok((yajl_tree_get(root, uidmap, yajl_t_array) != NULL) == rootless, "%s_spec_uid_mappings", mode);
        tap_ok((yajl_tree_get(root, res, yajl_t_object) != NULL) == !rootless, "%s_spec_resources", mode);
        tap_ok(array_has(root, mounts, "type", "sysfs") == !rootless, "%s_spec_sysfs_mount", mode);
        tap_ok(strstr(json, "gid=5") != NULL || rootless, "%s_spec_devpts_gid", mode);
        tap_ok(strstr(json, "gid=5") == NULL || !rootless, "%s_spec_has_no_gid_option", mode);
        if (rootless)
                tap_ok(strstr(json, "\"hostID\": 1234") != NULL, "rootless_spec_maps_caller_uid");

        /* What keel writes, keel must read. */
        ret = keel_config_parse(json, len, &cfg, &err);
        tap_ok(ret == 0, "%s_spec_parses_with_keel_config_parse", mode);
        if (ret < 0)
                tap_diag("%s", err->msg);
        keel_config_free(cfg);
        keel_error_free(err);
        yajl_tree_free(root);
        free(json);
}

int main(void)
{
        check(false);
        check(true);
        return tap_done();
}
