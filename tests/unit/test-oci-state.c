/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "spec/oci-state.h"
#include "util/cleanup.h"
#include "tap.h"

static char **strv(const char *a, const char *b)
{
        char **v = calloc(3, sizeof(*v));

        v[0] = strdup(a);
        v[1] = b ? strdup(b) : NULL;
        return v;
}

static struct keel_state *sample_state(void)
{
        struct keel_state *st = calloc(1, sizeof(*st));

        st->oci_version = strdup("1.3.0");
        st->id = strdup("web-1");
        st->status = KEEL_STATUS_RUNNING;
        st->pid = 4242;
        st->bundle = strdup("/var/lib/bundles/web \"1\"");
        st->annotation_keys = strv("com.example.a", "com.example.b");
        st->annotation_values = strv("x", "tab\there");
        st->n_annotations = 2;
        st->rootfs = strdup("/var/lib/bundles/web/rootfs");
        st->created = strdup("2026-11-28T17:00:00.123456789Z");
        st->owner_uid = 0;
        st->init_start_time = 18446744073709551615ull;
        st->config_digest = strdup("sha256:0123456789abcdef0123456789abcdef"
                                   "0123456789abcdef0123456789abcdef");
        st->cgroup_path = strdup("/sys/fs/cgroup/keel/web-1");
        st->systemd_cgroup = true;
        st->use_terminal = true;
        return st;
}

static void test_round_trip(void)
{
        struct keel_state *st = sample_state(), *back = NULL;
        struct keel_error *err = NULL;
        _cleanup_free_ char *json = NULL;
        size_t len = 0;
        int r;

        r = keel_state_to_json(st, true, &json, &len, &err);
        tap_ok(r == 0 && json != NULL && len == strlen(json), "private_json_is_rendered");
        if (r < 0) {
                tap_diag("%s", err->msg);
                keel_error_free(err);
                keel_state_free(st);
                return;
        }
        tap_ok(json[len - 1] == '}' && strchr(json, '\n') == NULL,
               "json_is_compact_without_newline");
        r = keel_state_parse(json, len, &back, &err);
        tap_ok(r == 0 && back != NULL, "private_json_parses_back");
        if (r < 0) {
                tap_diag("%s: %s", err->msg, json);
                keel_error_free(err);
                keel_state_free(st);
                return;
        }
        tap_is_str(back->oci_version, st->oci_version, "round_trip_oci_version");
        tap_is_str(back->id, st->id, "round_trip_id");
        tap_is_int(back->status, st->status, "round_trip_status");
        tap_is_int(back->pid, st->pid, "round_trip_pid");
        tap_is_str(back->bundle, st->bundle, "round_trip_bundle_with_quotes");
        tap_ok(back->n_annotations == 2 && strcmp(back->annotation_keys[1], "com.example.b") == 0 &&
               strcmp(back->annotation_values[1], "tab\there") == 0, "round_trip_annotations");
        tap_is_str(back->rootfs, st->rootfs, "round_trip_rootfs");
        tap_is_str(back->created, st->created, "round_trip_created");
        tap_is_int(back->owner_uid, st->owner_uid, "round_trip_owner_uid");
        tap_ok(back->init_start_time == st->init_start_time,
               "round_trip_init_start_time_full_range");
        tap_is_str(back->config_digest, st->config_digest, "round_trip_config_digest");
        tap_is_str(back->cgroup_path, st->cgroup_path, "round_trip_cgroup_path");
        tap_ok(back->systemd_cgroup && back->use_terminal, "round_trip_flags");
        keel_state_free(back);
        keel_state_free(st);
}

static void test_public_output(void)
{
        struct keel_state *st = sample_state(), *back = NULL;
        struct keel_error *err = NULL;
        static const char *const private_keys[] = {
                "ownerUid", "initStartTime", "configDigest", "cgroupPath", "systemdCgroup",
                "useTerminal",
        };
        char *json = NULL;
        size_t len = 0, i;
        int r;

        free(st->bundle);
        st->bundle = strdup("/b");
        r = keel_state_to_json(st, false, &json, &len, &err);
        tap_ok(r == 0, "public_json_is_rendered");
        for (i = 0; r == 0 && i < ARRAY_SIZE(private_keys); i++)
                tap_ok(strstr(json, private_keys[i]) == NULL, "public_json_lacks_%s",
                       private_keys[i]);
        tap_is_str(json,
                   "{\"ociVersion\":\"1.3.0\",\"id\":\"web-1\",\"pid\":4242,\"status\":\"running\","
                   "\"bundle\":\"/b\",\"rootfs\":\"/var/lib/bundles/web/rootfs\","
                   "\"created\":\"2026-11-28T17:00:00.123456789Z\",\"owner\":\"\","
                   "\"annotations\":{\"com.example.a\":\"x\",\"com.example.b\":\"tab\\there\"}}",
                   "public_json_is_what_runc_prints");
        r = keel_state_parse(json, len, &back, &err);
        tap_ok(r == 0 && back && back->cgroup_path == NULL && back->init_start_time == 0,
               "public_json_parses_with_private_fields_unset");
        keel_state_free(back);
        free(json);
        json = NULL;

        /* No annotations: the key is left out; a uid without a passwd entry
         * is printed as the number. */
        keel_state_free(st);
        st = sample_state();
        st->n_annotations = 0;
        st->owner_uid = 3999999999u;
        r = keel_state_to_json(st, false, &json, &len, &err);
        tap_ok(r == 0 && strstr(json, "annotations") == NULL,
               "public_json_omits_empty_annotations");
        tap_ok(r == 0 && strstr(json, "\"owner\":\"3999999999\"") != NULL,
               "public_owner_without_passwd_entry_is_the_uid");
        free(json);
        keel_state_free(st);
        keel_error_free(err);
}

static void test_render_errors(void)
{
        struct keel_state *st = sample_state();
        struct keel_error *err = NULL;
        char *json = NULL;
        int r;

        free(st->id);
        st->id = strdup("bad\xff");
        r = keel_state_to_json(st, true, &json, NULL, &err);
        tap_ok(r == -EINVAL && json == NULL && err != NULL, "invalid_utf8_is_not_rendered");
        keel_error_free(err);
        err = NULL;

        free(st->id);
        st->id = strdup("ok");
        st->status = (enum keel_status) 42;
        r = keel_state_to_json(st, true, &json, NULL, &err);
        tap_ok(r == -EINVAL && err && strcmp(err->msg, "state: unknown status 42") == 0,
               "unknown_status_is_not_rendered");
        keel_error_free(err);
        keel_state_free(st);
}

static void test_status_names(void)
{
        tap_is_str(keel_status_name(KEEL_STATUS_CREATING), "creating", "status_name_creating");
        tap_is_str(keel_status_name(KEEL_STATUS_CREATED), "created", "status_name_created");
        tap_is_str(keel_status_name(KEEL_STATUS_RUNNING), "running", "status_name_running");
        tap_is_str(keel_status_name(KEEL_STATUS_STOPPED), "stopped", "status_name_stopped");
        tap_is_str(keel_status_name(KEEL_STATUS_PAUSED), "paused", "status_name_paused");
        tap_ok(keel_status_name((enum keel_status) 99) == NULL, "status_name_unknown_is_null");
}

#define BASE "'ociVersion':'1.3.0','id':'c1','bundle':'/b'"

static const struct {
        const char *name;
        const char *json;
        const char *want;
} bad_states[] = {
        { "state_not_json_is_rejected", "state",
          "invalid JSON: lexical error: invalid char in json text." },
        { "state_empty_is_rejected", "", "invalid JSON: parse error: premature EOF" },
        { "state_array_is_rejected", "[]", "(root): expected object, got array" },
        { "state_without_id_is_rejected", "{'ociVersion':'1.3.0','status':'stopped','bundle':'/b'}",
          "id: required field missing" },
        { "state_with_empty_id_is_rejected", "{'ociVersion':'1','id':'','status':'stopped'}",
          "id: \"\" is not a container id" },
        { "state_without_status_is_rejected", "{" BASE "}", "status: required field missing" },
        { "state_unknown_status_is_rejected", "{" BASE ",'status':'exited'}",
          "status: unknown value \"exited\" (expected one of: creating, created, running, stopped, "
          "paused)" },
        { "state_running_without_pid_is_rejected", "{" BASE ",'status':'running'}",
          "pid: a process id is required when status is \"running\"" },
        { "state_negative_pid_is_rejected", "{" BASE ",'status':'created','pid':-5}",
          "pid: -5 is out of range (0 to 2147483647)" },
        { "state_pid_string_is_rejected", "{" BASE ",'status':'created','pid':'5'}",
          "pid: expected integer, got string" },
        { "state_relative_bundle_is_rejected",
          "{'ociVersion':'1.3.0','id':'c1','status':'stopped','bundle':'b'}",
          "bundle: \"b\" is not an absolute path" },
        { "state_bad_created_is_rejected", "{" BASE ",'status':'stopped','created':'yesterday'}",
          "created: \"yesterday\" is not an RFC 3339 time" },
        { "state_bad_digest_is_rejected", "{" BASE ",'status':'stopped','configDigest':'md5:00'}",
          "configDigest: \"md5:00\" is not a sha256:<hex> digest" },
        { "state_owner_uid_string_is_rejected", "{" BASE ",'status':'stopped','ownerUid':'0'}",
          "ownerUid: expected integer, got string" },
        { "state_negative_start_time_is_rejected",
          "{" BASE ",'status':'stopped','initStartTime':-1}",
          "initStartTime: -1 is out of range (0 to 18446744073709551615)" },
        { "state_annotation_number_is_rejected",
          "{" BASE ",'status':'stopped','annotations':{'a':1}}",
          "annotations.a: expected string, got integer" },
        { "state_truncated_is_rejected", "{" BASE ",'status':'stop",
          "invalid JSON: parse error: premature EOF" },
};

static void test_bad_states(void)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(bad_states); i++) {
                struct keel_state *st = NULL;
                struct keel_error *err = NULL;
                char *json = strdup(bad_states[i].json), *c;
                const char *got;
                int r, ok;

                for (c = json; *c; c++)
                        if (*c == '\'')
                                *c = '"';
                r = keel_state_parse(json, strlen(json), &st, &err);
                got = err && err->msg ? err->msg : "(no error)";
                ok = r == -EINVAL && st == NULL && strcmp(got, bad_states[i].want) == 0;
                tap_ok(ok, "%s", bad_states[i].name);
                if (!ok)
                        tap_diag("got '%s', want '%s'", got, bad_states[i].want);
                keel_state_free(st);
                keel_error_free(err);
                free(json);
        }
}

static void test_good_states(void)
{
        static const char *const good[] = {
                "{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"creating\",\"bundle\":\"/b\"}",
                "{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"stopped\",\"pid\":0,"
                "\"bundle\":\"/b\",\"created\":\"2026-01-02T03:04:05+01:00\"}",
                "{\"ociVersion\":\"1.0.2\",\"id\":\"c\",\"status\":\"paused\",\"pid\":7,"
                "\"bundle\":\"/b\",\"created\":\"2026-01-02T03:04:05Z\",\"unknown\":[1]}",
        };
        size_t i;

        for (i = 0; i < ARRAY_SIZE(good); i++) {
                struct keel_state *st = NULL;
                struct keel_error *err = NULL;
                int r = keel_state_parse(good[i], strlen(good[i]), &st, &err);

                tap_ok(r == 0 && st != NULL, "good_state_%zu_parses", i);
                if (r < 0)
                        tap_diag("%s", err->msg);
                keel_state_free(st);
                keel_error_free(err);
        }
}

int main(void)
{
        test_round_trip();
        test_public_output();
        test_render_errors();
        test_status_names();
        test_bad_states();
        test_good_states();
        return tap_done();
}
