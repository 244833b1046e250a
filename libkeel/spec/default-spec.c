/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spec/default-spec.h"
#include "spec/json-write.h"
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

static void gen_process(struct keel_json_gen *g)
{
        static const char *const args[] = { "sh", NULL };
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL
        };

        keel_json_gen_key_map(g, "process");
        keel_json_gen_kv_bool(g, "terminal", true);
        keel_json_gen_key_map(g, "user");
        keel_json_gen_kv_int(g, "uid", 0);
        keel_json_gen_kv_int(g, "gid", 0);
        keel_json_gen_map_close(g);
        keel_json_gen_kv_strv(g, "args", args);
        keel_json_gen_kv_strv(g, "env", env);
        keel_json_gen_kv_str(g, "cwd", "/");
        keel_json_gen_key_map(g, "capabilities");
        keel_json_gen_kv_strv(g, "bounding", default_caps);
        keel_json_gen_kv_strv(g, "effective", default_caps);
        keel_json_gen_kv_strv(g, "permitted", default_caps);
        keel_json_gen_map_close(g);
        keel_json_gen_key_array(g, "rlimits");
        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "type", "RLIMIT_NOFILE");
        keel_json_gen_kv_int(g, "hard", 1024);
        keel_json_gen_kv_int(g, "soft", 1024);
        keel_json_gen_map_close(g);
        keel_json_gen_array_close(g);
        keel_json_gen_kv_bool(g, "noNewPrivileges", true);
        keel_json_gen_map_close(g);
}

static void gen_mount(struct keel_json_gen *g, const struct default_mount *m, bool rootless)
{
        const char *const *o;

        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "destination", m->destination);
        keel_json_gen_kv_str(g, "type", m->type);
        keel_json_gen_kv_str(g, "source", m->source);
        if (m->options[0] != NULL) {
                keel_json_gen_key_array(g, "options");
                for (o = m->options; *o; o++) {
                        /* Without a mapping for them, uid=/gid= cannot work rootless. */
                        if (rootless && (strncmp(*o, "uid=", 4) == 0 || strncmp(*o, "gid=", 4) == 0))
                                continue;
                        keel_json_gen_str(g, *o);
                }
                keel_json_gen_array_close(g);
        }
        keel_json_gen_map_close(g);
}

static void gen_id_mapping(struct keel_json_gen *g, const char *key, unsigned id)
{
        keel_json_gen_key_array(g, key);
        keel_json_gen_map_open(g);
        keel_json_gen_kv_int(g, "containerID", 0);
        keel_json_gen_kv_int(g, "hostID", id);
        keel_json_gen_kv_int(g, "size", 1);
        keel_json_gen_map_close(g);
        keel_json_gen_array_close(g);
}

static void gen_linux(struct keel_json_gen *g, bool rootless, uid_t uid, gid_t gid)
{
        const char *const *ns;

        keel_json_gen_key_map(g, "linux");
        if (rootless) {
                gen_id_mapping(g, "uidMappings", uid);
                gen_id_mapping(g, "gidMappings", gid);
        } else {
                keel_json_gen_key_map(g, "resources");
                keel_json_gen_key_array(g, "devices");
                keel_json_gen_map_open(g);
                keel_json_gen_kv_bool(g, "allow", false);
                keel_json_gen_kv_str(g, "access", "rwm");
                keel_json_gen_map_close(g);
                keel_json_gen_array_close(g);
                keel_json_gen_map_close(g);
        }
        keel_json_gen_key_array(g, "namespaces");
        for (ns = default_namespaces; *ns; ns++) {
                if (rootless && strcmp(*ns, "network") == 0)
                        continue;
                keel_json_gen_map_open(g);
                keel_json_gen_kv_str(g, "type", *ns);
                keel_json_gen_map_close(g);
        }
        if (rootless) {
                keel_json_gen_map_open(g);
                keel_json_gen_kv_str(g, "type", "user");
                keel_json_gen_map_close(g);
        }
        keel_json_gen_array_close(g);
        keel_json_gen_kv_strv(g, "maskedPaths", masked_paths);
        keel_json_gen_kv_strv(g, "readonlyPaths", readonly_paths);
        keel_json_gen_map_close(g);
}

int keel_default_spec_json(bool rootless, uid_t uid, gid_t gid, char **out, size_t *len,
                           struct keel_error **err)
{
        struct keel_json_gen *g;
        size_t i;
        int ret;

        g = keel_json_gen_new("\t", 0);
        if (g == NULL)
                return keel_error_set(err, ENOMEM, "generate default spec");

        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "ociVersion", KEEL_SPEC_VERSION);
        gen_process(g);
        keel_json_gen_key_map(g, "root");
        keel_json_gen_kv_str(g, "path", "rootfs");
        keel_json_gen_kv_bool(g, "readonly", true);
        keel_json_gen_map_close(g);
        keel_json_gen_kv_str(g, "hostname", "keel");
        keel_json_gen_key_array(g, "mounts");
        for (i = 0; i < ARRAY_SIZE(default_mounts); i++) {
                const struct default_mount *m = &default_mounts[i];

                if (rootless && strcmp(m->destination, "/sys") == 0)
                        m = &rootless_sys;
                gen_mount(g, m, rootless);
        }
        keel_json_gen_array_close(g);
        gen_linux(g, rootless, uid, gid);
        keel_json_gen_map_close(g);

        ret = keel_json_gen_take(g, false, out, len);
        keel_json_gen_free(g);
        return ret < 0 ? keel_error_set(err, -ret, "generate default spec") : 0;
}
