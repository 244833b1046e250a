/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/sched.h"

/* The kernel's struct sched_attr (VER1); glibc 2.36 has no wrapper. */
struct sched_attr_v1 {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
        uint32_t sched_util_min;
        uint32_t sched_util_max;
};

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

static int bad_list(const char *list, unsigned long limit, const char *field,
                    struct keel_error **err)
{
        return keel_error_setq(err, EINVAL, "%s: \"%s\" is not a list like 0-3,7 (each below %lu)",
                               field, list, limit);
}

/* "0-3,7": ranges and single numbers, each below limit. */
static int parse_list(const char *list, unsigned long limit, void (*set)(unsigned long, void *),
                      void *data, const char *field, struct keel_error **err)
{
        const char *p = list;

        if (list == NULL || *list == '\0')
                return keel_error_setq(err, EINVAL, "%s: an empty list", field);
        while (*p) {
                char *end;
                unsigned long a, b;

                if (*p < '0' || *p > '9')
                        return bad_list(list, limit, field, err);
                a = strtoul(p, &end, 10);
                b = a;
                if (*end == '-') {
                        p = end + 1;
                        if (*p < '0' || *p > '9')
                                return bad_list(list, limit, field, err);
                        b = strtoul(p, &end, 10);
                }
                if (a > b || b >= limit)
                        return bad_list(list, limit, field, err);
                for (unsigned long i = a; i <= b; i++)
                        set(i, data);
                p = end;
                if (*p == ',' && p[1] != '\0')
                        p++;
                else if (*p != '\0')
                        return bad_list(list, limit, field, err);
        }
        return 0;
}

static void set_cpu(unsigned long i, void *data)
{
        CPU_SET(i, (cpu_set_t *) data);
}

int keel_cpu_list_parse(const char *list, cpu_set_t *set, const char *field,
                        struct keel_error **err)
{
        CPU_ZERO(set);
        return parse_list(list, CPU_SETSIZE, set_cpu, set, field, err);
}

struct node_mask {
        unsigned long *mask;
        unsigned long max;
};

static void set_node(unsigned long i, void *data)
{
        struct node_mask *m = data;

        m->mask[i / (8 * sizeof(unsigned long))] |= 1UL << (i % (8 * sizeof(unsigned long)));
        if (i + 1 > m->max)
                m->max = i + 1;
}

int keel_node_list_parse(const char *list, unsigned long *mask, size_t n_words,
                         unsigned long *max_node, struct keel_error **err)
{
        struct node_mask m = { .mask = mask };
        int r;

        memset(mask, 0, n_words * sizeof(*mask));
        r = parse_list(list, n_words * 8 * sizeof(unsigned long), set_node, &m,
                       "linux.memoryPolicy.nodes", err);
        *max_node = m.max;
        return r;
}

int keel_sched_apply(const struct keel_process *p, struct keel_error **err)
{
        const struct keel_scheduler *s = p->scheduler;

        if (s != NULL) {
                struct sched_attr_v1 a = {
                        .size = sizeof(a),
                        .sched_policy = (uint32_t) s->policy,
                        .sched_flags = s->flags,
                        .sched_nice = s->has_nice ? s->nice : 0,
                        .sched_priority = s->has_priority ? (uint32_t) s->priority : 0,
                        .sched_runtime = s->has_runtime ? s->runtime : 0,
                        .sched_deadline = s->has_deadline ? s->deadline : 0,
                        .sched_period = s->has_period ? s->period : 0,
                };

                if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
                        return keel_error_set(err, errno, "process.scheduler: sched_setattr %s",
                                              keel_sched_policy_name(s->policy));
        }
        if (p->io_priority != NULL) {
                int value = ((int) p->io_priority->ioprio_class << IOPRIO_CLASS_SHIFT) |
                            p->io_priority->priority;

                if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, value) < 0)
                        return keel_error_set(err, errno, "process.ioPriority: ioprio_set %s %d",
                                              keel_ioprio_class_name(p->io_priority->ioprio_class),
                                              p->io_priority->priority);
        }
        return 0;
}

int keel_affinity_apply(const char *list, const char *field, struct keel_error **err)
{
        cpu_set_t set;
        int r;

        if (list == NULL)
                return 0;
        r = keel_cpu_list_parse(list, &set, field, err);
        if (r == 0 && sched_setaffinity(0, sizeof(set), &set) < 0)
                r = keel_error_set(err, errno, "%s: sched_setaffinity %s", field, list);
        return r;
}

int keel_personality_apply(const struct keel_personality *p, struct keel_error **err)
{
        unsigned long persona;

        if (p == NULL)
                return 0;
        /* The spec defines no flags yet; the parser accepts none. */
        persona = p->domain == KEEL_PERSONALITY_LINUX32 ? PER_LINUX32 : PER_LINUX;
        if (personality(persona) < 0)
                return keel_error_set(err, errno, "linux.personality: %s",
                                      keel_personality_domain_name(p->domain));
        return 0;
}

int keel_mempolicy_apply(const struct keel_memory_policy *m, struct keel_error **err)
{
        unsigned long mask[1024 / (8 * sizeof(unsigned long))];
        unsigned long max_node = 0;
        int r;

        if (m == NULL)
                return 0;
        memset(mask, 0, sizeof(mask));
        if (m->nodes != NULL && *m->nodes != '\0') {
                r = keel_node_list_parse(m->nodes, mask, sizeof(mask) / sizeof(mask[0]),
                                         &max_node, err);
                if (r < 0)
                        return r;
        }
        /* maxnode counts bits and the kernel drops the last one. */
        if (syscall(SYS_set_mempolicy, (int) m->mode | (int) m->flags,
                    max_node ? mask : NULL, max_node ? max_node + 1 : 0) < 0)
                return keel_error_set(err, errno, "linux.memoryPolicy: set_mempolicy %s%s%s",
                                      keel_mempolicy_mode_name(m->mode), m->nodes ? " " : "",
                                      m->nodes ? m->nodes : "");
        return 0;
}
