/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The lists of linux/sched.h: process.execCPUAffinity ("0-3,7") and
 * linux.memoryPolicy.nodes, parsed into the masks the kernel takes. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "linux/sched.h"
#include "tap.h"

static int cpus(const char *list, cpu_set_t *set, char **msg)
{
        _cleanup_error_ struct keel_error *err = NULL;
        int r = keel_cpu_list_parse(list, set, "process.execCPUAffinity.initial", &err);

        if (msg != NULL)
                *msg = err ? strdup(err->msg) : NULL;
        return r;
}

static void cpu_lists(void)
{
        cpu_set_t set;
        char *msg = NULL;
        int r;

        r = cpus("0-3,7", &set, NULL);
        tap_ok(r == 0 && CPU_COUNT(&set) == 5 && CPU_ISSET(0, &set) && CPU_ISSET(3, &set) &&
                       CPU_ISSET(7, &set) && !CPU_ISSET(4, &set),
               "cpu_list_range_and_single_cpu");
        r = cpus("5", &set, NULL);
        tap_ok(r == 0 && CPU_COUNT(&set) == 1 && CPU_ISSET(5, &set), "cpu_list_single_cpu");
        r = cpus("2-2", &set, NULL);
        tap_ok(r == 0 && CPU_COUNT(&set) == 1 && CPU_ISSET(2, &set), "cpu_list_range_of_one");
        CPU_ZERO(&set);
        CPU_SET(9, &set);
        r = cpus("1", &set, NULL);
        tap_ok(r == 0 && !CPU_ISSET(9, &set), "cpu_list_clears_the_set_first");
        tap_ok(cpus("", &set, NULL) == -EINVAL, "cpu_list_empty_is_refused");
        tap_ok(cpus("3-1", &set, NULL) == -EINVAL, "cpu_list_backwards_range_is_refused");
        tap_ok(cpus("1,", &set, NULL) == -EINVAL, "cpu_list_trailing_comma_is_refused");
        tap_ok(cpus("1-", &set, NULL) == -EINVAL, "cpu_list_open_range_is_refused");
        tap_ok(cpus("-1", &set, NULL) == -EINVAL, "cpu_list_negative_is_refused");
        tap_ok(cpus("1 2", &set, NULL) == -EINVAL, "cpu_list_space_is_refused");
        tap_ok(cpus("a", &set, NULL) == -EINVAL, "cpu_list_word_is_refused");
        r = cpus("0-1024", &set, &msg);
        tap_ok(r == -EINVAL && msg && strstr(msg, "process.execCPUAffinity.initial") &&
                       strstr(msg, "below 1024"),
               "cpu_list_past_cpu_setsize_is_refused_naming_field");
        free(msg);
        r = cpus("1023", &set, NULL);
        tap_ok(r == 0 && CPU_ISSET(1023, &set), "cpu_list_last_cpu_of_the_set");
}

static void node_lists(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        unsigned long mask[2] = { ~0UL, ~0UL }, max = 0;
        int r;

        r = keel_node_list_parse("0,2", mask, 2, &max, &err);
        tap_ok(r == 0 && mask[0] == 5 && mask[1] == 0, "node_list_sets_the_bits");
        tap_is_int(max, 3, "node_list_max_node_is_highest_plus_one");
        r = keel_node_list_parse("64-65", mask, 2, &max, &err);
        tap_ok(r == 0 && mask[0] == 0 && mask[1] == 3 && max == 66,
               "node_list_reaches_the_second_word");
        keel_error_free(err);
        err = NULL;
        r = keel_node_list_parse("128", mask, 2, &max, &err);
        tap_ok(r == -EINVAL && err && strstr(err->msg, "linux.memoryPolicy.nodes"),
               "node_list_past_the_mask_is_refused_naming_field");
        keel_error_free(err);
        err = NULL;
        r = keel_node_list_parse("", mask, 2, &max, &err);
        tap_ok(r == -EINVAL && max == 0, "node_list_empty_is_refused");
}

int main(void)
{
        cpu_lists();
        node_lists();
        return tap_done();
}
