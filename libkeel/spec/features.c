/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>

#include <yajl/yajl_gen.h>

#include "linux/caps.h"
#include "linux/criu.h"
#include "linux/lsm.h"
#include "linux/mount-options.h"
#include "spec/features.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"

#define OCI_VERSION_MIN "1.0.0"

/* The flags linux.seccomp.flags accepts, in the kernel's bit order. */
static const struct {
        unsigned int bit;
        const char *name;
} seccomp_flags[] = {
        { KEEL_SECCOMP_FLAG_TSYNC, "SECCOMP_FILTER_FLAG_TSYNC" },
        { KEEL_SECCOMP_FLAG_LOG, "SECCOMP_FILTER_FLAG_LOG" },
        { KEEL_SECCOMP_FLAG_SPEC_ALLOW, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" },
        { KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" },
};

/* Without a program the kernel checks the flags and then fails to copy the
 * program, so EFAULT means "flags accepted" and nothing gets installed.
 * WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
unsigned int keel_features_seccomp_flags(void)
{
        unsigned int supported = 0;

        for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++) {
                unsigned int flags = seccomp_flags[i].bit;

                if (flags == KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
                        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 &&
                    errno == EFAULT)
                        supported |= seccomp_flags[i].bit;
        }
        return supported;
}

void keel_features_probe(struct keel_features_info *info, const char *criu)
{
        /* Per thread: the string outlives the call without an owner. */
        static __thread char libseccomp[48];
        const struct scmp_version *sv = seccomp_version();

        info->seccomp_flags = keel_features_seccomp_flags();
        info->apparmor = keel_apparmor_enabled();
        info->selinux = keel_selinux_enabled();
        info->checkpoint = keel_criu_check(criu, NULL) == 0;
        if (sv != NULL) {
                snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", sv->major, sv->minor,
                         sv->micro);
                info->libseccomp_version = libseccomp;
        }
}

/* ---- name lists ----------------------------------------------------------- */

typedef const char *(*name_fn)(size_t i);

static const char *hook_name(size_t i)
{
        return i < KEEL_HOOK__COUNT ? keel_hook_kind_name((enum keel_hook_kind) i) : NULL;
}

static const char *namespace_name(size_t i)
{
        return keel_namespace_type_name((enum keel_namespace_type) i);
}

static const char *cap_name(size_t i)
{
        return i < 1024 ? keel_cap_name((int) i) : NULL;
}

static const char *action_name(size_t i)
{
        return keel_seccomp_action_name((enum keel_seccomp_action) i);
}

static const char *operator_name(size_t i)
{
        return keel_seccomp_op_name((enum keel_seccomp_op) i);
}

static const char *arch_name(size_t i)
{
        return keel_seccomp_arch_name((enum keel_seccomp_arch) i);
}

/* create refuses an architecture the linked libseccomp does not know
 * (SCMP_ARCH_LOONGARCH64 before 2.6, say), so only the known ones count. */
static bool libseccomp_knows(const char *arch)
{
        char lower[32];
        size_t k;

        arch += strlen("SCMP_ARCH_");
        for (k = 0; arch[k] && k < sizeof(lower) - 1; k++)
                lower[k] = (char) tolower((unsigned char) arch[k]);
        lower[k] = '\0';
        return seccomp_arch_resolve_name(lower) != 0;
}

/* ---- generation ----------------------------------------------------------- */

static bool gen_str(yajl_gen g, const char *s)
{
        return keel_json_gen_str(g, s) == yajl_gen_status_ok;
}

static bool gen_kv_str(yajl_gen g, const char *key, const char *value)
{
        return value == NULL || (gen_str(g, key) && gen_str(g, value));
}

static bool gen_kv_bool(yajl_gen g, const char *key, bool value)
{
        return gen_str(g, key) && yajl_gen_bool(g, value) == yajl_gen_status_ok;
}

static bool gen_key_open(yajl_gen g, const char *key)
{
        return gen_str(g, key) && yajl_gen_map_open(g) == yajl_gen_status_ok;
}

static bool gen_close(yajl_gen g)
{
        return yajl_gen_map_close(g) == yajl_gen_status_ok;
}

/* "key": {"enabled": value} */
static bool gen_enabled(yajl_gen g, const char *key, bool value)
{
        return gen_key_open(g, key) && gen_kv_bool(g, "enabled", value) && gen_close(g);
}

/* "key": [name(0), name(1), ... up to the first NULL], keeping only the
 * names keep() accepts when it is given. */
static bool gen_names_if(yajl_gen g, const char *key, name_fn name, bool (*keep)(const char *))
{
        const char *s;

        if (!gen_str(g, key) || yajl_gen_array_open(g) != yajl_gen_status_ok)
                return false;
        for (size_t i = 0; (s = name(i)) != NULL; i++)
                if ((keep == NULL || keep(s)) && !gen_str(g, s))
                        return false;
        return yajl_gen_array_close(g) == yajl_gen_status_ok;
}

static bool gen_names(yajl_gen g, const char *key, name_fn name)
{
        return gen_names_if(g, key, name, NULL);
}

/* Options the parser knows but create refuses (mount.c): listing them
 * would promise what the spec's "MUST recognize" asks and keel lacks. */
static bool mount_option_applied(const char *option)
{
        static const char *const refused[] = { "remount", "copy-symlink" };

        for (size_t i = 0; i < ARRAY_SIZE(refused); i++)
                if (strcmp(option, refused[i]) == 0)
                        return false;
        return true;
}

static const char *mount_option_name(size_t i)
{
        return keel_mount_opts_known(i);
}

static bool gen_seccomp_flags(yajl_gen g, const char *key, unsigned int mask)
{
        if (!gen_str(g, key) || yajl_gen_array_open(g) != yajl_gen_status_ok)
                return false;
        for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++)
                if ((seccomp_flags[i].bit & mask) && !gen_str(g, seccomp_flags[i].name))
                        return false;
        return yajl_gen_array_close(g) == yajl_gen_status_ok;
}

static bool gen_seccomp(yajl_gen g, unsigned int supported)
{
        unsigned int known = 0;

        for (size_t i = 0; i < ARRAY_SIZE(seccomp_flags); i++)
                known |= seccomp_flags[i].bit;
        return gen_key_open(g, "seccomp") && gen_kv_bool(g, "enabled", true) &&
               gen_names(g, "actions", action_name) && gen_names(g, "operators", operator_name) &&
               gen_names_if(g, "archs", arch_name, libseccomp_knows) &&
               gen_seccomp_flags(g, "knownFlags", known) &&
               gen_seccomp_flags(g, "supportedFlags", supported & known) && gen_close(g);
}

/* cgroup v2 only; the systemd driver when built with libsystemd's
 * headers, for root only (config-linux notes). */
static bool gen_cgroup(yajl_gen g)
{
#ifdef HAVE_SYSTEMD
        const bool systemd = true;
#else
        const bool systemd = false;
#endif
        return gen_key_open(g, "cgroup") && gen_kv_bool(g, "v1", false) &&
               gen_kv_bool(g, "v2", true) && gen_kv_bool(g, "systemd", systemd) &&
               gen_kv_bool(g, "systemdUser", false) && gen_kv_bool(g, "rdma", true) &&
               gen_close(g);
}

static const char *mempolicy_mode(size_t i)
{
        return i <= KEEL_MPOL_WEIGHTED_INTERLEAVE ? keel_mempolicy_mode_name(i) : NULL;
}

static const char *mempolicy_flag(size_t i)
{
        static const char *const names[] = { "MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES",
                                             "MPOL_F_STATIC_NODES" };

        return i < ARRAY_SIZE(names) ? names[i] : NULL;
}

/* apparmor and selinux as this host has them (a label is refused
 * without its LSM); intelRdt is refused by create, hence false; netDevices
 * are moved in (linux/netdev.h).  memoryPolicy lists what set_mempolicy is
 * given. */
static bool gen_linux(yajl_gen g, const struct keel_features_info *info)
{
        return gen_key_open(g, "linux") && gen_names(g, "namespaces", namespace_name) &&
               gen_names(g, "capabilities", cap_name) && gen_cgroup(g) &&
               gen_seccomp(g, info->seccomp_flags) && gen_enabled(g, "apparmor", info->apparmor) &&
               gen_enabled(g, "selinux", info->selinux) && gen_enabled(g, "intelRdt", false) &&
               gen_key_open(g, "mountExtensions") && gen_enabled(g, "idmap", true) &&
               gen_close(g) && gen_enabled(g, "netDevices", true) &&
               gen_key_open(g, "memoryPolicy") && gen_names(g, "modes", mempolicy_mode) &&
               gen_names(g, "flags", mempolicy_flag) && gen_close(g) && gen_close(g);
}

/* Keys in sorted order, as runc (a Go map) prints them. */
static bool gen_annotations(yajl_gen g, const struct keel_features_info *info)
{
        if (!info->libseccomp_version && !info->commit && !info->version)
                return true;
        return gen_key_open(g, "annotations") &&
               gen_kv_str(g, "io.github.seccomp.libseccomp.version", info->libseccomp_version) &&
               gen_kv_str(g, "org.keel.checkpoint.enabled", info->checkpoint ? "true" : "false") &&
               gen_kv_str(g, "org.keel.commit", info->commit) &&
               gen_kv_str(g, "org.keel.version", info->version) && gen_close(g);
}

static bool gen_features(yajl_gen g, const struct keel_features_info *info)
{
        return yajl_gen_map_open(g) == yajl_gen_status_ok &&
               gen_kv_str(g, "ociVersionMin", OCI_VERSION_MIN) &&
               gen_kv_str(g, "ociVersionMax", KEEL_SPEC_VERSION) &&
               gen_names(g, "hooks", hook_name) &&
               gen_names_if(g, "mountOptions", mount_option_name, mount_option_applied) &&
               gen_linux(g, info) && gen_annotations(g, info) && gen_close(g);
}

static void gen_freep(yajl_gen *g)
{
        if (*g != NULL)
                yajl_gen_free(*g);
}

int keel_features_json(const struct keel_features_info *info, char **out, size_t *len,
                       struct keel_error **err)
{
        __attribute__((cleanup(gen_freep))) yajl_gen g = NULL;
        int ret;

        g = yajl_gen_alloc(NULL);
        if (g == NULL)
                return keel_error_set(err, ENOMEM, "generate features document");
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "    ");
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
        ret = gen_features(g, info) ? keel_json_gen_take(g, true, out, len) : -EINVAL;
        if (ret == -EINVAL)
                return keel_error_setq(err, EINVAL, "generate features document: invalid string");
        return ret < 0 ? keel_error_set(err, -ret, "generate features document") : 0;
}
