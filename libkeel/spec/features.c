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

#include "linux/caps.h"
#include "linux/criu.h"
#include "linux/lsm.h"
#include "linux/mount-options.h"
#include "spec/features.h"
#include "spec/config-names.h"
#include "spec/json-write.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"

#define OCI_VERSION_MIN "1.0.0"

/* Without a program the kernel checks the flags and then fails to copy the
 * program, so EFAULT means "flags accepted" and nothing gets installed.
 * WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
unsigned int keel_features_seccomp_flags(void)
{
        unsigned int supported = 0;

        for (size_t i = 0; i < ARRAY_SIZE(keel_seccomp_flags); i++) {
                unsigned int flags = (unsigned int) keel_seccomp_flags[i].bit;

                if (flags == KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
                        flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 &&
                    errno == EFAULT)
                        supported |= keel_seccomp_flags[i].bit;
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

/* ---- generation -----------------------------------------------------------
 * The writer keeps a failure until keel_json_gen_take(): no step is checked. */

typedef struct keel_json_gen gen_t;

/* "key": {"enabled": value} */
static void gen_enabled(gen_t *g, const char *key, bool value)
{
        keel_json_gen_key_map(g, key);
        keel_json_gen_kv_bool(g, "enabled", value);
        keel_json_gen_map_close(g);
}

/* "key": [name(0), name(1), ... up to the first NULL], keeping only the
 * names keep() accepts when it is given. */
static void gen_names_if(gen_t *g, const char *key, name_fn name, bool (*keep)(const char *))
{
        const char *s;

        keel_json_gen_key_array(g, key);
        for (size_t i = 0; (s = name(i)) != NULL; i++)
                if (keep == NULL || keep(s))
                        keel_json_gen_str(g, s);
        keel_json_gen_array_close(g);
}

static void gen_names(gen_t *g, const char *key, name_fn name)
{
        gen_names_if(g, key, name, NULL);
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

static void gen_seccomp_flags(gen_t *g, const char *key, unsigned int mask)
{
        keel_json_gen_key_array(g, key);
        for (size_t i = 0; i < ARRAY_SIZE(keel_seccomp_flags); i++)
                if (keel_seccomp_flags[i].bit & mask)
                        keel_json_gen_str(g, keel_seccomp_flags[i].name);
        keel_json_gen_array_close(g);
}

static void gen_seccomp(gen_t *g, unsigned int supported)
{
        unsigned int known = 0;

        for (size_t i = 0; i < ARRAY_SIZE(keel_seccomp_flags); i++)
                known |= keel_seccomp_flags[i].bit;
        keel_json_gen_key_map(g, "seccomp");
        keel_json_gen_kv_bool(g, "enabled", true);
        gen_names(g, "actions", action_name);
        gen_names(g, "operators", operator_name);
        gen_names_if(g, "archs", arch_name, libseccomp_knows);
        gen_seccomp_flags(g, "knownFlags", known);
        gen_seccomp_flags(g, "supportedFlags", supported & known);
        keel_json_gen_map_close(g);
}

/* cgroup v2 only; the systemd driver when built with libsystemd's
 * headers, for root only (config-linux notes). */
static void gen_cgroup(gen_t *g)
{
#ifdef HAVE_SYSTEMD
        const bool systemd = true;
#else
        const bool systemd = false;
#endif
        keel_json_gen_key_map(g, "cgroup");
        keel_json_gen_kv_bool(g, "v1", false);
        keel_json_gen_kv_bool(g, "v2", true);
        keel_json_gen_kv_bool(g, "systemd", systemd);
        keel_json_gen_kv_bool(g, "systemdUser", false);
        keel_json_gen_kv_bool(g, "rdma", true);
        keel_json_gen_map_close(g);
}

static const char *mempolicy_mode(size_t i)
{
        return i <= KEEL_MPOL_WEIGHTED_INTERLEAVE ? keel_mempolicy_mode_name(i) : NULL;
}

static const char *mempolicy_flag(size_t i)
{
        return i < ARRAY_SIZE(keel_mempolicy_flags) ? keel_mempolicy_flags[i].name : NULL;
}

/* apparmor and selinux as this host has them (a label is refused
 * without its LSM); intelRdt is refused by create, hence false; netDevices
 * are moved in (linux/netdev.h).  memoryPolicy lists what set_mempolicy is
 * given. */
static void gen_linux(gen_t *g, const struct keel_features_info *info)
{
        keel_json_gen_key_map(g, "linux");
        gen_names(g, "namespaces", namespace_name);
        gen_names(g, "capabilities", cap_name);
        gen_cgroup(g);
        gen_seccomp(g, info->seccomp_flags);
        gen_enabled(g, "apparmor", info->apparmor);
        gen_enabled(g, "selinux", info->selinux);
        gen_enabled(g, "intelRdt", false);
        keel_json_gen_key_map(g, "mountExtensions");
        gen_enabled(g, "idmap", true);
        keel_json_gen_map_close(g);
        gen_enabled(g, "netDevices", true);
        keel_json_gen_key_map(g, "memoryPolicy");
        gen_names(g, "modes", mempolicy_mode);
        gen_names(g, "flags", mempolicy_flag);
        keel_json_gen_map_close(g);
        keel_json_gen_map_close(g);
}

/* Keys in sorted order, as runc (a Go map) prints them. */
static void gen_annotations(gen_t *g, const struct keel_features_info *info)
{
        if (!info->libseccomp_version && !info->commit && !info->version)
                return;
        keel_json_gen_key_map(g, "annotations");
        keel_json_gen_kv_str(g, "io.github.seccomp.libseccomp.version", info->libseccomp_version);
        keel_json_gen_kv_str(g, "org.keel.checkpoint.enabled", info->checkpoint ? "true" : "false");
        keel_json_gen_kv_str(g, "org.keel.commit", info->commit);
        keel_json_gen_kv_str(g, "org.keel.version", info->version);
        keel_json_gen_map_close(g);
}

static void gen_features(gen_t *g, const struct keel_features_info *info)
{
        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "ociVersionMin", OCI_VERSION_MIN);
        keel_json_gen_kv_str(g, "ociVersionMax", KEEL_SPEC_VERSION);
        gen_names(g, "hooks", hook_name);
        gen_names_if(g, "mountOptions", mount_option_name, mount_option_applied);
        gen_linux(g, info);
        gen_annotations(g, info);
        keel_json_gen_map_close(g);
}

int keel_features_json(const struct keel_features_info *info, char **out, size_t *len,
                       struct keel_error **err)
{
        _cleanup_json_gen_ gen_t *g = keel_json_gen_new("    ", KEEL_JSON_GEN_UTF8);
        int ret;

        if (g == NULL)
                return keel_error_set(err, ENOMEM, "generate features document");
        gen_features(g, info);
        ret = keel_json_gen_take(g, true, out, len);
        if (ret == -EINVAL)
                return keel_error_setq(err, EINVAL, "generate features document: invalid string");
        return ret < 0 ? keel_error_set(err, -ret, "generate features document") : 0;
}
