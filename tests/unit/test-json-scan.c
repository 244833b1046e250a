/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* util/json-scan.h: questions answered from a JSON text's bytes.  Each may
 * err on one side only: "has a user value" may miss an escaped value (the
 * binary guard stays), "may hold a key" may say yes for nothing (the
 * config is parsed); a wrong answer on the other side is what these catch. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "tap.h"
#include "util/json-scan.h"

static bool user_value(const char *json)
{
        return keel_json_has_user_value(json, strlen(json));
}

static void user_values(void)
{
        tap_ok(!user_value("{\"process\":{\"user\":{\"uid\":0}}}"), "a_user_key_is_not_a_value");
        tap_ok(!user_value("{\"process\":{\"user\" \n\t:{}}}"),
               "a_user_key_before_spaces_is_not_a_value");
        tap_ok(user_value("{\"namespaces\":[{\"type\":\"user\"}]}"),
               "the_user_namespace_type_is_a_value");
        tap_ok(user_value("[\"user\" ]"), "a_value_followed_by_spaces");
        tap_ok(user_value("\"user\""), "a_value_at_the_very_end");
        tap_ok(user_value("{\"user\":1,\"t\":\"user\"}"), "a_value_after_a_key_of_the_same_word");
        tap_ok(!user_value("{\"type\":\"\\u0075ser\"}"), "an_escaped_value_is_not_seen");
        tap_ok(!user_value("{\"type\":\"users\"}"), "a_longer_word_is_not_the_value");
        tap_ok(!user_value("\"use"), "a_truncated_word");
        tap_ok(!user_value(""), "an_empty_config");
}

static bool may_hold(const char *json, const char *key)
{
        return keel_json_may_hold_key(json, strlen(json), key);
}

static void keys(void)
{
        tap_ok(may_hold("{\"hooks\":{\"poststart\":[]}}", "poststart"), "a_key_spelt_plainly");
        tap_ok(!may_hold("{\"hooks\":{\"prestart\":[]}}", "poststart"), "another_key_only");
        tap_ok(!may_hold("{\"hooks\":{\"poststarts\":[]}}", "poststart"), "a_longer_key");
        tap_ok(!may_hold("{\"hooks\":{\"apoststart\":[]}}", "poststart"), "a_key_ending_in_it");
        tap_ok(!may_hold("{\"poststar", "poststart"), "a_truncated_text");
        tap_ok(may_hold("{\"x\":\"poststart\"}", "poststart"), "a_value_of_that_word_counts_too");
        tap_ok(may_hold("{\"post\\u0073tart\":[]}", "poststart"), "a_key_spelt_with_escapes");
        tap_ok(may_hold("{\"a\":\"\\n\"}", "poststart"), "any_escape_in_the_text");
        tap_ok(may_hold("\"poststart\"", "poststart"), "the_key_at_the_very_end");
        tap_ok(!may_hold("", "poststart"), "an_empty_text");
}

int main(void)
{
        user_values();
        keys();
        return tap_done();
}
