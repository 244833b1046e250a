/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec/config-parse.h"
#include "util/cleanup.h"

/* linux: namespaces, id mappings, devices, network devices and the rest of
 * the Linux section but its resources and seccomp. */

void keel_config_linux_free(struct keel_linux *l)
{
        size_t i;

        if (l == NULL)
                return;
        for (i = 0; i < l->n_namespaces; i++)
                free(l->namespaces[i].path);
        free(l->namespaces);
        free(l->uid_mappings);
        free(l->gid_mappings);
        free(l->time_offsets);
        for (i = 0; i < l->n_devices; i++)
                free(l->devices[i].path);
        free(l->devices);
        for (i = 0; i < l->n_net_devices; i++) {
                free(l->net_devices[i].host_name);
                free(l->net_devices[i].name);
        }
        free(l->net_devices);
        free(l->cgroups_path);
        keel_config_resources_free(l->resources);
        keel_config_seccomp_free(l->seccomp);
        keel_string_map_clear(&l->sysctl);
        keel_strv_free(l->masked_paths);
        keel_strv_free(l->readonly_paths);
        free(l->mount_label);
        if (l->intel_rdt != NULL) {
                free(l->intel_rdt->clos_id);
                keel_strv_free(l->intel_rdt->schemata);
                free(l->intel_rdt->l3_cache_schema);
                free(l->intel_rdt->mem_bw_schema);
                free(l->intel_rdt);
        }
        if (l->memory_policy != NULL) {
                free(l->memory_policy->nodes);
                free(l->memory_policy);
        }
        if (l->personality != NULL) {
                keel_strv_free(l->personality->flags);
                free(l->personality);
        }
        free(l);
}

static int parse_namespace(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_namespace *ns = elem;

        ENUM(v, "type", true, keel_namespace_names, ns->type);
        TRY(keel_json_get_string(v, "path", false, p, &ns->path, err));
        return keel_config_check_absolute("path", ns->path, p, err);
}

/* The spec: duplicated namespace types MUST be an error. */
static int check_namespaces_unique(const struct keel_linux *l, path_t *p, err_t err)
{
        unsigned seen = 0;
        size_t i;

        for (i = 0; i < l->n_namespaces; i++) {
                unsigned bit = 1u << l->namespaces[i].type;

                if (!(seen & bit)) {
                        seen |= bit;
                        continue;
                }
                return keel_json_element_error(p, "namespaces", i, "type", err,
                                               "duplicate namespace type \"%s\"",
                                               keel_namespace_names[l->namespaces[i].type]);
        }
        return 0;
}

static int parse_time_offset(yajl_val v, path_t *p, struct keel_time_offset *t, err_t err)
{
        uint64_t ns = 0;

        TRY(keel_json_get_int64(v, "secs", false, INT64_MIN, INT64_MAX, p, &t->secs, err));
        TRY(keel_json_get_uint64(v, "nanosecs", false, 999999999, p, &ns, err));
        t->nanosecs = (uint32_t) ns;
        return 0;
}

static const char *const clock_names[] = { "boottime", "monotonic" };

static int parse_time_offsets(yajl_val o, path_t *p, struct keel_time_offsets *t, err_t err)
{
        size_t i;
        int r = 0;

        for (i = 0; i < o->u.object.len && r >= 0; i++) {
                yajl_val v = o->u.object.values[i];
                yajl_val name;
                int clock;

                keel_json_path_push_key(p, o->u.object.keys[i]);
                /* Check the key with the enum reader's message. */
                name = &(struct yajl_val_s){ .type = yajl_t_string,
                                             .u.string = (char *) o->u.object.keys[i] };
                r = keel_json_value_enum(name, clock_names, ARRAY_SIZE(clock_names), p,
                                         &clock, err);
                if (r == 0)
                        r = keel_json_value_object(v, p, err);
                if (r == 0 && clock == 0) {
                        t->has_boottime = true;
                        r = parse_time_offset(v, p, &t->boottime, err);
                } else if (r == 0) {
                        t->has_monotonic = true;
                        r = parse_time_offset(v, p, &t->monotonic, err);
                }
                keel_json_path_pop(p);
        }
        return r;
}

/* File type bits the kernel would give each device type. */
static const uint32_t device_ifmt[] = {
        [KEEL_DEVICE_CHAR] = S_IFCHR, [KEEL_DEVICE_BLOCK] = S_IFBLK,
        [KEEL_DEVICE_UNBUFFERED] = S_IFCHR, [KEEL_DEVICE_FIFO] = S_IFIFO,
};

/* Engines (podman) put the file type bits into fileMode; accept them when
 * they agree with type and keep the permission bits. */
static int parse_device_mode(yajl_val v, path_t *p, struct keel_device *d, err_t err)
{
        uint64_t mode = 0;
        int r;

        r = keel_json_opt_uint64(v, "fileMode", S_IFMT | 07777, p, &d->has_file_mode, &mode, err);
        if (r <= 0)
                return r;
        if ((mode & S_IFMT) != 0 && (mode & S_IFMT) != device_ifmt[d->type])
                return keel_json_member_error(p, "fileMode", err,
                                              "file type bits 0%o do not match type \"%s\"",
                                              (unsigned) (mode & S_IFMT),
                                              keel_device_type_names[d->type]);
        d->file_mode = (uint32_t) (mode & 07777);
        return 0;
}

static int parse_device(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_device *d = elem;
        bool need_numbers;

        ENUM(v, "type", true, keel_device_type_names, d->type);
        TRY(keel_json_get_string(v, "path", true, p, &d->path, err));
        TRY(keel_config_check_absolute("path", d->path, p, err));
        need_numbers = d->type != KEEL_DEVICE_FIFO;
        TRY(keel_json_get_int64(v, "major", need_numbers, 0, KEEL_DEVICE_MAJOR_MAX, p, &d->major,
                                err));
        TRY(keel_json_get_int64(v, "minor", need_numbers, 0, KEEL_DEVICE_MINOR_MAX, p, &d->minor,
                                err));
        TRY(parse_device_mode(v, p, d, err));
        OPT_UINT32(v, "uid", d, uid);
        OPT_UINT32(v, "gid", d, gid);
        return 0;
}

/* What the kernel's dev_valid_name() accepts as an interface name. */
static bool is_ifname(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        return strpbrk(s, "/: \t\n\v\f\r") == NULL;
}

static int parse_net_device(const char *key, yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_net_device *nd = elem;
        char q[96];

        if (!is_ifname(key))
                return keel_json_error(p, err, "%s is not a valid interface name",
                                       keel_json_quote(key, q, sizeof(q)));
        nd->host_name = strdup(key);
        if (nd->host_name == NULL)
                return keel_json_oom(p, err);
        TRY(keel_json_get_string(v, "name", false, p, &nd->name, err));
        if (nd->name != NULL && !is_ifname(nd->name))
                return keel_json_member_error(p, "name", err, "%s is not a valid interface name",
                                              keel_json_quote(nd->name, q, sizeof(q)));
        return 0;
}

static int parse_intel_rdt(yajl_val o, path_t *p, struct keel_intel_rdt *rdt, err_t err)
{
        char q[96];

        TRY(keel_json_get_string(o, "closID", false, p, &rdt->clos_id, err));
        /* closID names a directory below the resctrl mount. */
        if (rdt->clos_id != NULL &&
            (rdt->clos_id[0] == '\0' || strchr(rdt->clos_id, '/') != NULL ||
             strcmp(rdt->clos_id, ".") == 0 || strcmp(rdt->clos_id, "..") == 0))
                return keel_json_member_error(p, "closID", err,
                                              "%s is not a valid resctrl group name",
                                              keel_json_quote(rdt->clos_id, q, sizeof(q)));
        STRING_ARRAY(o, "schemata", false, rdt, schemata);
        TRY(keel_json_get_string(o, "l3CacheSchema", false, p, &rdt->l3_cache_schema, err));
        TRY(keel_json_get_string(o, "memBwSchema", false, p, &rdt->mem_bw_schema, err));
        if (rdt->mem_bw_schema != NULL &&
            (strncmp(rdt->mem_bw_schema, "MB:", 3) != 0 || strchr(rdt->mem_bw_schema, '\n')))
                return keel_json_member_error(p, "memBwSchema", err,
                                              "%s must start with \"MB:\" and hold one line",
                                              keel_json_quote(rdt->mem_bw_schema, q, sizeof(q)));
        TRY(keel_json_get_bool(o, "enableMonitoring", false, p, &rdt->enable_monitoring, err));
        return 0;
}

static int parse_memory_policy(yajl_val o, path_t *p, struct keel_memory_policy *m, err_t err)
{
        uint64_t flags = 0;

        ENUM(o, "mode", true, keel_mempolicy_mode_names, m->mode);
        TRY(keel_json_get_string(o, "nodes", false, p, &m->nodes, err));
        TRY(keel_config_check_cpu_list("nodes", m->nodes, p, err));
        TRY(keel_json_get_flags(o, "flags", keel_mempolicy_flags, ARRAY_SIZE(keel_mempolicy_flags),
                                p, &flags, err));
        m->flags = (unsigned int) flags;
        return 0;
}

static int parse_personality(yajl_val o, path_t *p, struct keel_personality *pers, err_t err)
{
        ENUM(o, "domain", true, keel_personality_names, pers->domain);
        STRING_ARRAY(o, "flags", false, pers, flags);
        return 0;
}

int keel_config_parse_linux(yajl_val o, path_t *p, struct keel_linux *l, err_t err)
{
        int r, prop;

        OBJECT_ARRAY(o, "namespaces", l, namespaces, parse_namespace);
        TRY(check_namespaces_unique(l, p, err));
        OBJECT_ARRAY(o, "uidMappings", l, uid_mappings, keel_config_parse_id_mapping);
        OBJECT_ARRAY(o, "gidMappings", l, gid_mappings, keel_config_parse_id_mapping);
        SECTION(o, "timeOffsets", &l->time_offsets, parse_time_offsets);
        OBJECT_ARRAY(o, "devices", l, devices, parse_device);
        OBJECT_MAP(o, "netDevices", l, net_devices, parse_net_device);
        TRY(keel_json_get_string(o, "cgroupsPath", false, p, &l->cgroups_path, err));
        SECTION(o, "resources", &l->resources, keel_config_parse_resources);
        r = keel_json_get_enum(o, "rootfsPropagation", false, keel_propagation_names,
                               ARRAY_SIZE(keel_propagation_names), p, &prop, err);
        TRY(r);
        l->has_rootfs_propagation = r > 0;
        l->rootfs_propagation = r > 0 ? prop : KEEL_PROPAGATION_PRIVATE;
        SECTION(o, "seccomp", &l->seccomp, keel_config_parse_seccomp);
        TRY(keel_json_get_string_map(o, "sysctl", false, p, &l->sysctl.keys, &l->sysctl.values,
                                     &l->sysctl.n, err));
        STRING_ARRAY(o, "maskedPaths", false, l, masked_paths);
        TRY(keel_config_check_absolute_list("maskedPaths", l->masked_paths, p, err));
        STRING_ARRAY(o, "readonlyPaths", false, l, readonly_paths);
        TRY(keel_config_check_absolute_list("readonlyPaths", l->readonly_paths, p, err));
        TRY(keel_json_get_string(o, "mountLabel", false, p, &l->mount_label, err));
        SECTION(o, "intelRdt", &l->intel_rdt, parse_intel_rdt);
        SECTION(o, "memoryPolicy", &l->memory_policy, parse_memory_policy);
        SECTION(o, "personality", &l->personality, parse_personality);
        return 0;
}
