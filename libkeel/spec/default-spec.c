/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

#include "spec/default-spec.h"
#include "spec/json.h"
#include "util/cleanup.h"

struct default_mount {
        const char *destination, *type, *source;
        const char *options[8];
};

static const struct default_mount default_mounts[] = {
        { "/proc", "proc", "proc", { NULL } },
        { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
        { "/dev/pts", "devpts", "devpts",
          { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
        { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
        { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
        { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
        { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

static const struct default_mount rootless_sys = {
        "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL }
};

static const char *const default_caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
static const char *const default_namespaces[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
static const char *const masked_paths[] = {
        "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
        "/proc/scsi", NULL
};
static const char *const readonly_paths[] = {
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL
};

static void gen_kv_str(yajl_gen g, const char *k, const char *v)
{
        keel_json_gen_str(g, k);
        keel_json_gen_str(g, v);
}

static void gen_kv_int(yajl_gen g, const char *k, long long v)
{
        keel_json_gen_str(g, k);
        yajl_gen_integer(g, v);
}

static void gen_kv_bool(yajl_gen g, const char *k, bool v)
{
        keel_json_gen_str(g, k);
        yajl_gen_bool(g, v);
}

static void gen_strv(yajl_gen g, const char *k, const char *const *v)
{
        keel_json_gen_str(g, k);
        yajl_gen_array_open(g);
        for (; *v; v++)
                keel_json_gen_str(g, *v);
        yajl_gen_array_close(g);
}

static void gen_process(yajl_gen g)
{
        static const char *const args[] = { "sh", NULL };
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL
        };

        keel_json_gen_str(g, "process");
        yajl_gen_map_open(g);
        gen_kv_bool(g, "terminal", true);
        keel_json_gen_str(g, "user");
        yajl_gen_map_open(g);
        gen_kv_int(g, "uid", 0);
        gen_kv_int(g, "gid", 0);
        yajl_gen_map_close(g);
        gen_strv(g, "args", args);
        gen_strv(g, "env", env);
        gen_kv_str(g, "cwd", "/");
        keel_json_gen_str(g, "capabilities");
        yajl_gen_map_open(g);
        gen_strv(g, "bounding", default_caps);
        gen_strv(g, "effective", default_caps);
        gen_strv(g, "permitted", default_caps);
        yajl_gen_map_close(g);
        keel_json_gen_str(g, "rlimits");
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_kv_str(g, "type", "RLIMIT_NOFILE");
        gen_kv_int(g, "hard", 1024);
        gen_kv_int(g, "soft", 1024);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
        gen_kv_bool(g, "noNewPrivileges", true);
        yajl_gen_map_close(g);
}

static void gen_mount(yajl_gen g, const struct default_mount *m, bool rootless)
{
        const char *const *o;

        yajl_gen_map_open(g);
        gen_kv_str(g, "destination", m->destination);
        gen_kv_str(g, "type", m->type);
        gen_kv_str(g, "source", m->source);
        if (m->options[0] != NULL) {
                keel_json_gen_str(g, "options");
                yajl_gen_array_open(g);
                for (o = m->options; *o; o++) {
                        /* Without a mapping for them, uid=/gid= cannot work rootless. */
                        if (rootless && (strncmp(*o, "uid=", 4) == 0 || strncmp(*o, "gid=", 4) == 0))
                                continue;
                        keel_json_gen_str(g, *o);
                }
                yajl_gen_array_close(g);
        }
        yajl_gen_map_close(g);
}

static void gen_id_mapping(yajl_gen g, const char *key, unsigned id)
{
        keel_json_gen_str(g, key);
        yajl_gen_array_open(g);
        yajl_gen_map_open(g);
        gen_kv_int(g, "containerID", 0);
        gen_kv_int(g, "hostID", id);
        gen_kv_int(g, "size", 1);
        yajl_gen_map_close(g);
        yajl_gen_array_close(g);
}

static void gen_linux(yajl_gen g, bool rootless, uid_t uid, gid_t gid)
{
        const char *const *ns;

        keel_json_gen_str(g, "linux");
        yajl_gen_map_open(g);
        if (rootless) {
                gen_id_mapping(g, "uidMappings", uid);
                gen_id_mapping(g, "gidMappings", gid);
        } else {
                keel_json_gen_str(g, "resources");
                yajl_gen_map_open(g);
                keel_json_gen_str(g, "devices");
                yajl_gen_array_open(g);
                yajl_gen_map_open(g);
                gen_kv_bool(g, "allow", false);
                gen_kv_str(g, "access", "rwm");
                yajl_gen_map_close(g);
                yajl_gen_array_close(g);
                yajl_gen_map_close(g);
        }
        keel_json_gen_str(g, "namespaces");
        yajl_gen_array_open(g);
        for (ns = default_namespaces; *ns; ns++) {
                if (rootless && strcmp(*ns, "network") == 0)
                        continue;
                yajl_gen_map_open(g);
                gen_kv_str(g, "type", *ns);
                yajl_gen_map_close(g);
        }
        if (rootless) {
                yajl_gen_map_open(g);
                gen_kv_str(g, "type", "user");
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        gen_strv(g, "maskedPaths", masked_paths);
        gen_strv(g, "readonlyPaths", readonly_paths);
        yajl_gen_map_close(g);
}

int keel_default_spec_json(bool rootless, uid_t uid, gid_t gid, char **out, size_t *len,
                           struct keel_error **err)
{
        yajl_gen g;
        size_t i;
        int ret;

        g = yajl_gen_alloc(NULL);
        if (g == NULL)
                return keel_error_set(err, ENOMEM, "generate default spec");
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "\t");

        yajl_gen_map_open(g);
        gen_kv_str(g, "ociVersion", KEEL_SPEC_VERSION);
        gen_process(g);
        keel_json_gen_str(g, "root");
        yajl_gen_map_open(g);
        gen_kv_str(g, "path", "rootfs");
        gen_kv_bool(g, "readonly", true);
        yajl_gen_map_close(g);
        gen_kv_str(g, "hostname", "keel");
        keel_json_gen_str(g, "mounts");
        yajl_gen_array_open(g);
        for (i = 0; i < ARRAY_SIZE(default_mounts); i++) {
                const struct default_mount *m = &default_mounts[i];

                if (rootless && strcmp(m->destination, "/sys") == 0)
                        m = &rootless_sys;
                gen_mount(g, m, rootless);
        }
        yajl_gen_array_close(g);
        gen_linux(g, rootless, uid, gid);
        yajl_gen_map_close(g);

        ret = keel_json_gen_take(g, false, out, len);
        yajl_gen_free(g);
        return ret < 0 ? keel_error_set(err, -ret, "generate default spec") : 0;
}
