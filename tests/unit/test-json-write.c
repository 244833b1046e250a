/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "spec/json-write.h"
#include "spec/json.h"
#include "tap.h"

/* The document a step function writes, or NULL when take fails (*ret). */
static char *doc(const char *indent, unsigned flags, void (*fn)(struct keel_json_gen *g),
                 int *ret)
{
        struct keel_json_gen *g = keel_json_gen_new(indent, flags);
        char *out = NULL;
        int r;

        fn(g);
        r = keel_json_gen_take(g, false, &out, NULL);
        keel_json_gen_free(g);
        if (ret)
                *ret = r;
        return r == 0 ? out : NULL;
}

static const char tricky[] = "q\" b\\ nl\n tab\t cr\r bs\b ff\f c1\x01 c1f\x1f sl/ del\x7f \xc3\xbc";

static void gen_tricky(struct keel_json_gen *g)
{
        keel_json_gen_str(g, tricky);
}

static void test_escaper(void)
{
        char *out = doc(NULL, KEEL_JSON_GEN_UTF8, gen_tricky, NULL);
        struct keel_error *err = NULL;
        yajl_val v = NULL;

        /* One escaper: quote and backslash escaped, the named control
         * characters by name, the others as \u00XX, nothing else. */
        tap_is_str(out,
                   "\"q\\\" b\\\\ nl\\n tab\\t cr\\r bs\\b ff\\f c1\\u0001 c1f\\u001F sl/ "
                   "del\x7f \xc3\xbc\"",
                   "escaper_escapes_quote_backslash_and_control_characters_only");
        tap_ok(out != NULL && keel_json_parse(out, strlen(out), &v, &err) == 0 && v != NULL &&
                       YAJL_IS_STRING(v) && strcmp(v->u.string, tricky) == 0,
               "escaped_string_reads_back_as_written");
        keel_json_free(v);
        keel_error_free(err);
        free(out);
}

static void gen_bad_utf8(struct keel_json_gen *g)
{
        keel_json_gen_str(g, "bad \xff byte");
}

static void test_utf8(void)
{
        int r = 0;
        char *out = doc(NULL, KEEL_JSON_GEN_UTF8, gen_bad_utf8, &r);

        tap_ok(out == NULL && r == -EINVAL, "invalid_utf8_fails_the_document_when_checked");
        out = doc(NULL, 0, gen_bad_utf8, &r);
        tap_is_str(out, "\"bad \xff byte\"", "invalid_utf8_passes_through_when_not_checked");
        free(out);
}

static void gen_value_as_key(struct keel_json_gen *g)
{
        keel_json_gen_map_open(g);
        keel_json_gen_int(g, 1);                /* a key must be a string */
        keel_json_gen_str(g, "later");
        keel_json_gen_map_close(g);
}

static void gen_unclosed(struct keel_json_gen *g)
{
        keel_json_gen_array_open(g);
        keel_json_gen_int(g, 1);
}

static void gen_nothing(struct keel_json_gen *g)
{
}

static void test_failures_are_sticky(void)
{
        struct keel_json_gen *g = keel_json_gen_new(NULL, 0);
        int r = 0;

        tap_ok(keel_json_gen_map_open(g) && !keel_json_gen_int(g, 1) &&
                       !keel_json_gen_str(g, "k") && !keel_json_gen_map_close(g),
               "every_step_after_a_failure_fails");
        keel_json_gen_free(g);
        tap_ok(doc(NULL, 0, gen_value_as_key, &r) == NULL && r == -EINVAL,
               "failed_step_fails_take");
        tap_ok(doc(NULL, 0, gen_unclosed, &r) == NULL && r == -EINVAL,
               "unclosed_document_fails_take");
        tap_ok(doc(NULL, 0, gen_nothing, &r) == NULL && r == -EINVAL, "empty_document_fails_take");
}

static void gen_members(struct keel_json_gen *g)
{
        static const char *const list[] = { "a", "b", NULL };

        keel_json_gen_map_open(g);
        keel_json_gen_kv_str(g, "s", "x");
        keel_json_gen_kv_str(g, "absent", NULL);
        keel_json_gen_kv_int(g, "i", -5);
        keel_json_gen_kv_uint(g, "u", UINT64_MAX);
        keel_json_gen_kv_bool(g, "b", true);
        keel_json_gen_kv_double(g, "d", 0.5);
        keel_json_gen_kv_strv(g, "l", list);
        keel_json_gen_key_map(g, "m");
        keel_json_gen_map_close(g);
        keel_json_gen_key_array(g, "e");
        keel_json_gen_null(g);
        keel_json_gen_array_close(g);
        keel_json_gen_map_close(g);
}

static void gen_small(struct keel_json_gen *g)
{
        keel_json_gen_map_open(g);
        keel_json_gen_kv_int(g, "a", 1);
        keel_json_gen_key_array(g, "b");
        keel_json_gen_str(g, "c");
        keel_json_gen_array_close(g);
        keel_json_gen_map_close(g);
}

static void test_members(void)
{
        char *out = doc(NULL, 0, gen_members, NULL);

        tap_is_str(out,
                   "{\"s\":\"x\",\"i\":-5,\"u\":18446744073709551615,\"b\":true,\"d\":0.5,"
                   "\"l\":[\"a\",\"b\"],\"m\":{},\"e\":[null]}",
                   "kv_helpers_write_key_and_value_and_leave_out_a_null_string");
        free(out);
        out = doc("  ", 0, gen_small, NULL);
        tap_is_str(out, "{\n  \"a\": 1,\n  \"b\": [\n    \"c\"\n  ]\n}\n",
                   "indent_writes_a_member_a_line");
        free(out);
}

static void test_take_newline(void)
{
        struct keel_json_gen *g = keel_json_gen_new(NULL, 0);
        char *out = NULL;
        size_t len = 0;

        keel_json_gen_int(g, 7);
        tap_ok(keel_json_gen_take(g, true, &out, &len) == 0 && strcmp(out, "7\n") == 0 && len == 2,
               "take_with_newline_ends_the_text_with_one");
        free(out);
        keel_json_gen_free(g);
}

static yajl_val parse(const char *s)
{
        yajl_val v = NULL;

        keel_json_parse(s, strlen(s), &v, NULL);
        return v;
}

static void test_merged(void)
{
        yajl_val base = parse("{\"a\":1,\"b\":{\"c\":2,\"d\":[3,4.50]},\"s\":\"x\"}");
        yajl_val over = parse("{\"b\":{\"c\":5,\"e\":true},\"f\":null,\"s\":[1]}");
        struct keel_error *err = NULL;
        char *out = NULL;
        size_t len = 0;
        yajl_val tree = parse("{\"k\":[1e3,\"v\",false,{}]}");
        struct keel_json_gen *g = keel_json_gen_new(NULL, 0);

        tap_ok(keel_json_generate_merged(base, over, &out, &len, &err) == 0 &&
                       strcmp(out, "{\"a\":1,\"b\":{\"c\":5,\"d\":[3,4.50],\"e\":true},"
                                   "\"s\":[1],\"f\":null}") == 0 &&
                       len == strlen(out),
               "merged_lays_over_on_base_key_by_key");
        free(out);
        out = NULL;
        tap_ok(keel_json_generate_merged(base, NULL, &out, &len, &err) == 0 &&
                       strcmp(out, "{\"a\":1,\"b\":{\"c\":2,\"d\":[3,4.50]},\"s\":\"x\"}") == 0,
               "merged_without_over_is_base_as_read");
        free(out);
        out = NULL;
        tap_ok(keel_json_gen_tree(g, tree) && keel_json_gen_take(g, false, &out, NULL) == 0 &&
                       strcmp(out, "{\"k\":[1e3,\"v\",false,{}]}") == 0,
               "tree_keeps_number_text");
        free(out);
        keel_json_gen_free(g);
        keel_json_free(base);
        keel_json_free(over);
        keel_json_free(tree);
        keel_error_free(err);
}

int main(void)
{
        test_escaper();
        test_utf8();
        test_failures_are_sticky();
        test_members();
        test_take_newline();
        test_merged();
        return tap_done();
}
