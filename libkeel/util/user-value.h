/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_USER_VALUE_H
#define KEEL_UTIL_USER_VALUE_H

#include <stdbool.h>
#include <stddef.h>

/* Whether raw (a config.json) holds the JSON string "user" as a value: only
 * a user namespace of the container's own can make the binary guard
 * needless, and its type is that value (process.user is a key: a colon
 * follows).  Spelt with escapes the value is not seen, and the answer is
 * the safe one (the guard).  Freestanding: it also runs before libc is set
 * up (libkeel/linux/exe-guard-early.c). */
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

#endif
