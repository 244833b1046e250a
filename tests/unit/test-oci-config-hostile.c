/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser on hostile input: rules between fields, and input
 * built to hurt a parser (deep nesting, NUL bytes, truncation). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "oci-config-test.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "util/cleanup.h"

static const struct bad_case rule_cases[] = {
        { "duplicate_namespace_is_rejected",
          L("'namespaces':[{'type':'pid'},{'type':'uts'},{'type':'pid','path':'/proc/1/ns/pid'}]"),
          "linux.namespaces[2].type: duplicate namespace type \"pid\"" },
        { "duplicate_rlimit_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
            "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]"),
          "process.rlimits[1].type: duplicate rlimit RLIMIT_NOFILE" },
        { "rlimit_soft_above_hard_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':2048,'hard':1024}]"),
          "process.rlimits[0]: soft limit 2048 is above hard limit 1024" },
        { "errno_ret_with_allow_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
          "linux.seccomp.syscalls[0].errnoRet: not allowed with action SCMP_ACT_ALLOW" },
        { "default_errno_ret_with_kill_is_rejected",
          L("'seccomp':{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}"),
          "linux.seccomp.defaultErrnoRet: not allowed with action SCMP_ACT_KILL" },
        { "listener_metadata_without_path_is_rejected", S("'listenerMetadata':'x'"),
          "linux.seccomp.listenerMetadata: not allowed without listenerPath" },
        { "notify_without_listener_path_is_rejected",
          S("'syscalls':[{'names':['mknod'],'action':'SCMP_ACT_NOTIFY'}]"),
          "linux.seccomp.listenerPath: required field missing (SCMP_ACT_NOTIFY is used)" },
        { "relative_cwd_is_rejected", "{" B ",'process':{'cwd':'tmp','args':['sh'],"
          "'user':{'uid':0,'gid':0}}}", "process.cwd: \"tmp\" is not an absolute path" },
        { "relative_hook_path_is_rejected", "{" B ",'hooks':{'prestart':[{'path':'hook'}]}}",
          "hooks.prestart[0].path: \"hook\" is not an absolute path" },
        { "namespace_type_net_is_not_network", L("'namespaces':[{'type':'net','path':'x'}]"),
          "linux.namespaces[0].type: unknown value \"net\" (expected one of: mount, pid, network, "
          "uts, ipc, user, cgroup, time)" },
        { "relative_namespace_path_is_rejected", L("'namespaces':[{'type':'network','path':'ns'}]"),
          "linux.namespaces[0].path: \"ns\" is not an absolute path" },
        { "relative_masked_path_is_rejected", L("'maskedPaths':['/proc/keys','proc/kcore']"),
          "linux.maskedPaths[1]: \"proc/kcore\" is not an absolute path" },
        { "relative_device_path_is_rejected", L("'devices':[{'type':'p','path':'fifo'}]"),
          "linux.devices[0].path: \"fifo\" is not an absolute path" },
        { "mem_bw_schema_without_mb_is_rejected", L("'intelRdt':{'memBwSchema':'L3:0=1'}"),
          "linux.intelRdt.memBwSchema: \"L3:0=1\" must start with \"MB:\" and hold one line" },
        { "clos_id_with_slash_is_rejected", L("'intelRdt':{'closID':'../../etc'}"),
          "linux.intelRdt.closID: \"../../etc\" is not a valid resctrl group name" },
        { "net_device_bad_name_is_rejected", L("'netDevices':{'eth/0':{}}"),
          "linux.netDevices[\"eth/0\"]: \"eth/0\" is not a valid interface name" },
        { "net_device_long_target_name_is_rejected",
          L("'netDevices':{'eth0':{'name':'a-very-long-ifname'}}"),
          "linux.netDevices.eth0.name: \"a-very-long-ifname\" is not a valid interface name" },
        { "hugepage_size_lowercase_is_rejected",
          R("'hugepageLimits':[{'pageSize':'2mb','limit':1}]"),
          "linux.resources.hugepageLimits[0].pageSize: \"2mb\" is not a page size like \"2MB\"" },
        { "device_rule_access_x_is_rejected", R("'devices':[{'allow':true,'access':'rwx'}]"),
          "linux.resources.devices[0].access: \"rwx\" is not made of r, w and m" },
        { "exec_cpu_affinity_letters_are_rejected", P(",'execCPUAffinity':{'initial':'a-b'}"),
          "process.execCPUAffinity.initial: \"a-b\" is not a list like \"0-3,7\"" },
        { "oci_version_2_is_rejected", "{'ociVersion':'2.0.0','root':{'path':'r'}}",
          "ociVersion: unsupported version \"2.0.0\" (keel supports 1.x)" },
        { "oci_version_0_is_rejected", "{'ociVersion':'0.5.0-dev','root':{'path':'r'}}",
          "ociVersion: unsupported version \"0.5.0-dev\" (keel supports 1.x)" },
        { "oci_version_two_parts_is_rejected", "{'ociVersion':'1.0','root':{'path':'r'}}",
          "ociVersion: \"1.0\" is not a SemVer version like 1.3.0" },
        { "oci_version_garbage_is_rejected", "{'ociVersion':'latest','root':{'path':'r'}}",
          "ociVersion: \"latest\" is not a SemVer version like 1.3.0" },
        { "oci_version_leading_zero_is_rejected", "{'ociVersion':'01.0.0','root':{'path':'r'}}",
          "ociVersion: \"01.0.0\" is not a SemVer version like 1.3.0" },
};

static const struct bad_case hostile_cases[] = {
        { "not_json_is_rejected", "hello",
          "invalid JSON: lexical error: invalid char in json text." },
        { "truncated_json_is_rejected", "{'ociVersion':'1.3.0','root':{'pa",
          "invalid JSON: parse error: premature EOF" },
        { "trailing_garbage_is_rejected", "{" B "} {}",
          "invalid JSON: parse error: trailing garbage" },
        { "comments_are_rejected", "{" B "/* hi */}",
          "invalid JSON: lexical error: probable comment found in input text, comments are not "
          "enabled." },
        { "escaped_nul_in_string_is_rejected", "{" B ",'hostname':'a\\u0000b'}",
          "invalid JSON: hostname: string contains U+0000" },
        { "escaped_nul_in_key_is_rejected", "{" B ",'linux':{'sysctl':{'a\\u0000b':'1'}}}",
          "invalid JSON: linux.sysctl: object key contains U+0000" },
        { "duplicate_key_is_rejected", "{" B ",'process':{'cwd':'/','cwd':'/etc'}}",
          "invalid JSON: process.cwd: key appears more than once" },
        { "duplicate_key_in_big_object_is_rejected",
          "{" B ",'annotations':{'a':'','b':'','c':'','d':'','e':'','f':'','g':'','h':'','i':'',"
          "'j':'','e':''}}", "invalid JSON: annotations.e: key appears more than once" },
        { "invalid_utf8_is_rejected", "{" B ",'hostname':'\xff'}",
          "invalid JSON: lexical error: invalid bytes in UTF8 string." },
        { "raw_control_char_in_string_is_rejected", "{" B ",'hostname':'a\x01'}",
          "invalid JSON: lexical error: invalid character inside string." },
};

/* ---- hostile input that needs building ---------------------------------------- */

static char *nested(size_t depth, const char *prefix, const char *suffix)
{
        size_t pl = strlen(prefix), sl = strlen(suffix);
        char *s = malloc(pl + 2 * depth + sl + 1), *c = s;

        memcpy(c, prefix, pl);
        c += pl;
        memset(c, '[', depth);
        c += depth;
        memset(c, ']', depth);
        c += depth;
        memcpy(c, suffix, sl + 1);
        return s;
}

static void test_hostile_input(void)
{
        char *json, *deep, big[3000], key[2001];
        const char ok_nul[] = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"}}\0garbage";
        struct keel_config *cfg;

        expect_error("empty_input_is_rejected", "", 0, "invalid JSON: parse error: premature EOF");
        expect_error("whitespace_input_is_rejected", " \n", 2,
                     "invalid JSON: parse error: premature EOF");
        expect_error("nul_byte_inside_is_rejected", "{\"ociVersion\"\0:1}", 17,
                     "invalid JSON: lexical error: invalid char in json text.");
        expect_error("nul_byte_in_string_is_rejected", "{\"ociVersion\":\"1\0\"}", 19,
                     "invalid JSON: lexical error: invalid character inside string.");

        /* Only len bytes count: what follows is never read. */
        cfg = parse_ok(ok_nul, strlen(ok_nul), "input_is_read_up_to_len_only");
        keel_config_free(cfg);
        /* Exactly sized, no terminator: ASan catches any read past the end. */
        json = malloc(strlen(ok_nul));
        memcpy(json, ok_nul, strlen(ok_nul));
        cfg = parse_ok(json, strlen(ok_nul), "input_without_terminator_parses");
        keel_config_free(cfg);
        free(json);
        json = malloc(strlen(ok_nul) - 1);
        memcpy(json, ok_nul, strlen(ok_nul) - 1);
        expect_error("truncated_unterminated_input_is_rejected", json, strlen(ok_nul) - 1,
                     "invalid JSON: parse error: premature EOF");
        free(json);

        deep = nested(10000, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        expect_error("nesting_10000_deep_is_rejected", deep, strlen(deep),
                     "invalid JSON: nesting deeper than 256 levels");
        free(deep);
        deep = nested(255, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        cfg = parse_ok(deep, strlen(deep), "nesting_256_deep_is_accepted");
        keel_config_free(cfg);
        free(deep);
        deep = nested(256, "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"x\":", "}");
        expect_error("nesting_257_deep_is_rejected", deep, strlen(deep),
                     "invalid JSON: nesting deeper than 256 levels");
        free(deep);

        json = dq("{" B ",'hostname':'a\\u0001b\\u007f'}");
        cfg = parse_ok(json, strlen(json), "escaped_control_chars_are_valid_json");
        tap_ok(cfg && strcmp(cfg->hostname, "a\x01" "b\x7f") == 0,
               "escaped_control_chars_are_kept");
        keel_config_free(cfg);
        free(json);

        /* A 2000-byte key: the path in the message is cut, not overflowed. */
        memset(key, 'k', sizeof(key) - 1);
        key[sizeof(key) - 1] = '\0';
        snprintf(big, sizeof(big), "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
                 "\"annotations\":{\"a.%s\":1}}", key);
        {
                struct keel_error *err = NULL;
                int r = keel_config_parse(big, strlen(big), &cfg, &err);

                tap_ok(r == -EINVAL && err && strncmp(err->msg, "annotations[\"a.kkk", 18) == 0 &&
                       strstr(err->msg, "...: expected string, got integer") != NULL &&
                       strlen(err->msg) < KEEL_JSON_PATH_MAX + 64, "long_path_is_cut_in_message");
                keel_error_free(err);
        }
}

int main(void)
{
        run_cases(rule_cases, ARRAY_SIZE(rule_cases));
        run_cases(hostile_cases, ARRAY_SIZE(hostile_cases));
        test_hostile_input();
        return tap_done();
}
