/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The features document: parsed back, it says what keel recognises and
 * applies, and nothing that create refuses. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "linux/caps.h"
#include "spec/features.h"
#include "spec/oci-config.h"
#include "tap.h"

static const struct keel_features_info full_info = {
        .version = "9.8.7",
        .commit = "abcdef012345",
        .libseccomp_version = "2.5.4",
        .seccomp_flags = KEEL_SECCOMP_FLAG_LOG | KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV,
};

static char *doc_text;
static size_t doc_len;

static yajl_val generate(const struct keel_features_info *info)
{
        char errbuf[256];
        yajl_val v;

        free(doc_text);
        doc_text = NULL;
        if (keel_features_json(info, &doc_text, &doc_len, NULL) < 0)
                return NULL;
        v = yajl_tree_parse(doc_text, errbuf, sizeof(errbuf));
        if (v == NULL)
                tap_diag("parse: %s", errbuf);
        return v;
}

static yajl_val get(yajl_val root, const char *const *path, yajl_type type)
{
        return yajl_tree_get(root, (const char **) path, type);
}

static const char *get_str(yajl_val root, const char *const *path)
{
        return YAJL_GET_STRING(get(root, path, yajl_t_string));
}

/* -1: not a bool; else its value */
static int get_bool(yajl_val root, const char *const *path)
{
        yajl_val v = get(root, path, yajl_t_any);

        return YAJL_IS_TRUE(v) ? 1 : YAJL_IS_FALSE(v) ? 0 : -1;
}

static size_t array_len(yajl_val root, const char *const *path)
{
        yajl_val v = get(root, path, yajl_t_array);

        return v ? v->u.array.len : (size_t) -1;
}

static bool array_has(yajl_val root, const char *const *path, const char *s)
{
        yajl_val v = get(root, path, yajl_t_array);

        for (size_t i = 0; v && i < v->u.array.len; i++) {
                const char *e = YAJL_GET_STRING(v->u.array.values[i]);

                if (e != NULL && strcmp(e, s) == 0)
                        return true;
        }
        return false;
}

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void versions_and_hooks(yajl_val d)
{
        tap_is_str(get_str(d, P("ociVersionMin")), "1.0.0", "oci_version_min");
        tap_is_str(get_str(d, P("ociVersionMax")), "1.3.0", "oci_version_max_is_1_3_0");
        tap_is_int(array_len(d, P("hooks")), 6, "six_hook_kinds");
        tap_ok(array_has(d, P("hooks"), "prestart") && array_has(d, P("hooks"), "createRuntime") &&
                       array_has(d, P("hooks"), "poststop"),
               "hooks_are_spec_names");
}

static void mount_options_leave_out_refused(yajl_val d)
{
        tap_ok(array_has(d, P("mountOptions"), "rbind") && array_has(d, P("mountOptions"), "rro") &&
                       array_has(d, P("mountOptions"), "tmpcopyup"),
               "mount_options_listed");
        tap_ok(array_has(d, P("mountOptions"), "idmap") &&
                       array_has(d, P("mountOptions"), "ridmap"),
               "idmap_mount_options_listed");
        tap_ok(!array_has(d, P("mountOptions"), "remount") &&
                       !array_has(d, P("mountOptions"), "copy-symlink"),
               "refused_mount_options_are_not_claimed");
        tap_ok(!array_has(d, P("mountOptions"), "mode=755"), "no_filesystem_data_options");
}

static void linux_names(yajl_val d)
{
        tap_is_int(array_len(d, P("linux", "namespaces")), 8, "eight_namespaces");
        tap_ok(array_has(d, P("linux", "namespaces"), "time"), "time_namespace_listed");
        tap_ok(array_has(d, P("linux", "capabilities"), "CAP_CHECKPOINT_RESTORE") &&
                       array_has(d, P("linux", "capabilities"), "CAP_CHOWN"),
               "capabilities_listed");
        tap_is_str(keel_cap_name(0), "CAP_CHOWN", "cap_name_0");
        tap_ok(keel_cap_name(-1) == NULL && keel_cap_name(1000) == NULL, "cap_name_out_of_range");
}

static void cgroup_is_v2_only(yajl_val d)
{
        tap_is_int(get_bool(d, P("linux", "cgroup", "v2")), 1, "cgroup_v2");
        tap_is_int(get_bool(d, P("linux", "cgroup", "v1")), 0, "no_cgroup_v1");
#ifdef HAVE_SYSTEMD
        tap_is_int(get_bool(d, P("linux", "cgroup", "systemd")), 1, "the_systemd_driver");
#else
        tap_is_int(get_bool(d, P("linux", "cgroup", "systemd")), 0, "no_systemd_driver");
#endif
        tap_is_int(get_bool(d, P("linux", "cgroup", "rdma")), 1, "rdma_limits");
}

static void seccomp_lists(yajl_val d)
{
        tap_is_int(get_bool(d, P("linux", "seccomp", "enabled")), 1, "seccomp_enabled");
        tap_ok(array_has(d, P("linux", "seccomp", "actions"), "SCMP_ACT_NOTIFY") &&
                       array_has(d, P("linux", "seccomp", "actions"), "SCMP_ACT_KILL_PROCESS"),
               "seccomp_actions");
        tap_is_int(array_len(d, P("linux", "seccomp", "operators")), 7, "seven_operators");
        tap_ok(array_has(d, P("linux", "seccomp", "archs"), "SCMP_ARCH_X86_64") &&
                       array_has(d, P("linux", "seccomp", "archs"), "SCMP_ARCH_RISCV64"),
               "seccomp_archs");
        tap_is_int(array_len(d, P("linux", "seccomp", "knownFlags")), 4, "four_known_flags");
        tap_is_int(array_len(d, P("linux", "seccomp", "supportedFlags")), 2,
                   "supported_flags_follow_info");
        tap_ok(array_has(d, P("linux", "seccomp", "supportedFlags"), "SECCOMP_FILTER_FLAG_LOG") &&
                       array_has(d, P("linux", "seccomp", "supportedFlags"),
                                 "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"),
               "supported_flags_named");
}

static void refused_features_are_disabled(yajl_val d)
{
        tap_is_int(get_bool(d, P("linux", "apparmor", "enabled")), 0, "apparmor_disabled");
        tap_is_int(get_bool(d, P("linux", "selinux", "enabled")), 0, "selinux_disabled");
        tap_is_int(get_bool(d, P("linux", "intelRdt", "enabled")), 0, "intel_rdt_disabled");
        tap_is_int(get_bool(d, P("linux", "mountExtensions", "idmap", "enabled")), 1,
                   "idmap_mounts_enabled");
        tap_is_int(get_bool(d, P("linux", "netDevices", "enabled")), 1, "net_devices_enabled");
        tap_ok(array_has(d, P("linux", "memoryPolicy", "modes"), "MPOL_BIND") &&
                       array_has(d, P("linux", "memoryPolicy", "flags"), "MPOL_F_STATIC_NODES"),
               "memory_policy_modes_and_flags");
        tap_ok(get(d, P("potentiallyUnsafeConfigAnnotations"), yajl_t_any) == NULL,
               "no_unsafe_annotations");
}

static void annotations_come_from_info(yajl_val d)
{
        tap_is_str(get_str(d, P("annotations", "org.keel.version")), "9.8.7", "version_annotation");
        tap_is_str(get_str(d, P("annotations", "org.keel.commit")), "abcdef012345",
                   "commit_annotation");
        tap_is_str(get_str(d, P("annotations", "io.github.seccomp.libseccomp.version")), "2.5.4",
                   "libseccomp_annotation");
}

static void looks_like_runc_output(void)
{
        tap_ok(doc_len > 2 && doc_text[doc_len - 1] == '\n' && doc_text[doc_len - 2] == '}',
               "ends_with_one_newline");
        tap_is_int(strlen(doc_text), doc_len, "len_matches");
        tap_ok(strstr(doc_text, "\n    \"ociVersionMin\": \"1.0.0\",\n") != NULL,
               "indented_with_four_spaces");
}

static void empty_info_leaves_out_annotations(void)
{
        struct keel_features_info info = { 0 };
        yajl_val d = generate(&info);

        tap_ok(d != NULL, "empty_info_generates");
        tap_ok(get(d, P("annotations"), yajl_t_any) == NULL, "no_annotations_without_info");
        tap_is_int(array_len(d, P("linux", "seccomp", "supportedFlags")), 0,
                   "no_supported_flags_without_info");
        yajl_tree_free(d);
}

static void probe_finds_only_known_flags(void)
{
        unsigned int known = KEEL_SECCOMP_FLAG_TSYNC | KEEL_SECCOMP_FLAG_LOG |
                             KEEL_SECCOMP_FLAG_SPEC_ALLOW | KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV;
        unsigned int got = keel_features_seccomp_flags();

        tap_ok((got & ~known) == 0, "probe_returns_known_bits_only");
        /* Every kernel keel supports (>= 5.x) has had TSYNC since 3.17. */
        tap_ok(got & KEEL_SECCOMP_FLAG_TSYNC, "probe_finds_tsync");
}

int main(void)
{
        yajl_val d = generate(&full_info);

        tap_ok(d != NULL, "document_parses_back");
        if (d != NULL) {
                versions_and_hooks(d);
                mount_options_leave_out_refused(d);
                linux_names(d);
                cgroup_is_v2_only(d);
                seccomp_lists(d);
                refused_features_are_disabled(d);
                annotations_come_from_info(d);
                looks_like_runc_output();
                yajl_tree_free(d);
        }
        empty_info_leaves_out_annotations();
        probe_finds_only_known_flags();
        free(doc_text);
        return tap_done();
}
