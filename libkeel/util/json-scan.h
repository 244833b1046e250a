/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_JSON_SCAN_H
#define KEEL_UTIL_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* Questions answered from a JSON text's bytes, without parsing it (a
 * config.json with a seccomp profile is tens of KiB: parsing it costs a
 * tenth of a millisecond or more).  Each errs on one side only, named below.
 * Freestanding: they also run before libc is set up
 * (linux/exe-guard-early.c). */

/* Whether raw (a config.json) holds the JSON string "user" as a value: only
 * a user namespace of the container's own can make the binary guard
 * needless, and its type is that value (process.user is a key: a colon
 * follows).  Spelt with escapes the value is not seen, and the answer is
 * the safe one (the guard). */
static inline bool keel_json_has_user_value(const char *raw, size_t len)
{
        static const char word[] = "\"user\"";
        const size_t n = sizeof(word) - 1;

        for (size_t i = 0; i + n <= len; i++) {
                size_t j = 0, k;

                while (j < n && raw[i + j] == word[j])
                        j++;
                if (j < n)
                        continue;
                k = i + n;
                while (k < len && (raw[k] == ' ' || raw[k] == '\t' || raw[k] == '\n' ||
                                   raw[k] == '\r'))
                        k++;
                if (k == len || raw[k] != ':')
                        return true;
                i = k;
        }
        return false;
}

/* Whether raw may hold an object key named key: false only when it surely
 * does not.  A key is a JSON string: without escapes in the text, it is
 * spelt there as it is, quotes included; a text with any escape ("\u...",
 * or any backslash) may spell it otherwise, and the answer is true. */
static inline bool keel_json_may_hold_key(const char *raw, size_t len, const char *key)
{
        size_t n = 0;

        while (key[n] != '\0')
                n++;
        for (size_t i = 0; i < len; i++) {
                size_t j = 0;

                if (raw[i] == '\\')
                        return true;
                if (raw[i] != '"' || i + n + 2 > len)
                        continue;
                while (j < n && raw[i + 1 + j] == key[j])
                        j++;
                if (j == n && raw[i + 1 + n] == '"')
                        return true;
        }
        return false;
}

#endif
