/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>

#include "spec/config-parse.h"
#include "util/cleanup.h"

/* linux.seccomp. */

void keel_config_seccomp_free(struct keel_seccomp *s)
{
        size_t i;

        if (s == NULL)
                return;
        free(s->architectures);
        free(s->listener_path);
        free(s->listener_metadata);
        for (i = 0; i < s->n_syscalls; i++) {
                keel_strv_free(s->syscalls[i].names);
                free(s->syscalls[i].args);
        }
        free(s->syscalls);
        free(s);
}

static bool action_takes_errno(enum keel_seccomp_action a)
{
        return a == KEEL_SECCOMP_ACT_ERRNO || a == KEEL_SECCOMP_ACT_TRACE;
}

/* errnoRet only means something for actions that return a value; the spec
 * wants an error otherwise.  SECCOMP_RET_DATA holds 16 bits. */
static int get_errno_ret(yajl_val o, const char *key, enum keel_seccomp_action action,
                         path_t *p, bool *has, uint32_t *out, err_t err)
{
        uint64_t v = 0;
        int r = keel_json_opt_uint64(o, key, UINT16_MAX, p, has, &v, err);

        if (r <= 0)
                return r;
        *out = (uint32_t) v;
        if (!action_takes_errno(action))
                return keel_json_member_error(p, key, err, "not allowed with action %s",
                                              keel_seccomp_action_names[action]);
        return 0;
}

static int parse_seccomp_arg(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_seccomp_arg *a = elem;
        uint64_t idx = 0;

        TRY(keel_json_get_uint64(v, "index", true, 5, p, &idx, err));
        a->index = (uint32_t) idx;
        TRY(keel_json_get_uint64(v, "value", true, UINT64_MAX, p, &a->value, err));
        OPT_UINT64(v, "valueTwo", a, value_two, UINT64_MAX);
        ENUM(v, "op", true, keel_seccomp_op_names, a->op);
        return 0;
}

static int parse_syscall(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_seccomp_syscall *s = elem;

        STRING_ARRAY(v, "names", true, s, names);
        if (s->n_names == 0)
                return keel_json_member_error(p, "names", err, "must hold at least one entry");
        ENUM(v, "action", true, keel_seccomp_action_names, s->action);
        TRY(get_errno_ret(v, "errnoRet", s->action, p, &s->has_errno_ret, &s->errno_ret, err));
        OBJECT_ARRAY(v, "args", s, args, parse_seccomp_arg);
        return 0;
}

static int read_arch(yajl_val v, size_t i, void *ctx, path_t *p, err_t err)
{
        enum keel_seccomp_arch *archs = ctx;
        int arch;
        int r = keel_json_value_enum(v, keel_seccomp_arch_names,
                                     ARRAY_SIZE(keel_seccomp_arch_names), p, &arch, err);

        if (r == 0)
                archs[i] = arch;
        return r;
}

static int parse_architectures(yajl_val o, path_t *p, struct keel_seccomp *s, err_t err)
{
        yajl_val arr = NULL;
        int r;

        r = keel_json_get_array(o, "architectures", false, p, &arr, err);
        if (r <= 0)
                return r;
        s->architectures = calloc(arr->u.array.len ? arr->u.array.len : 1,
                                  sizeof(*s->architectures));
        if (s->architectures == NULL)
                return keel_json_oom(p, err);
        s->n_architectures = arr->u.array.len;
        return keel_json_array_each(arr, "architectures", read_arch, s->architectures, p, err);
}

int keel_config_parse_seccomp(yajl_val o, path_t *p, struct keel_seccomp *s, err_t err)
{
        uint64_t flags = 0;
        bool notify;
        size_t i;

        ENUM(o, "defaultAction", true, keel_seccomp_action_names, s->default_action);
        TRY(get_errno_ret(o, "defaultErrnoRet", s->default_action, p, &s->has_default_errno_ret,
                          &s->default_errno_ret, err));
        TRY(parse_architectures(o, p, s, err));
        TRY(keel_json_get_flags(o, "flags", keel_seccomp_flags, ARRAY_SIZE(keel_seccomp_flags), p,
                                &flags, err));
        s->flags = (unsigned int) flags;
        TRY(keel_json_get_string(o, "listenerPath", false, p, &s->listener_path, err));
        TRY(keel_json_get_string(o, "listenerMetadata", false, p, &s->listener_metadata, err));
        if (s->listener_metadata != NULL && s->listener_path == NULL)
                return keel_json_member_error(p, "listenerMetadata", err, "%s",
                                              "not allowed without listenerPath");
        OBJECT_ARRAY(o, "syscalls", s, syscalls, parse_syscall);
        notify = s->default_action == KEEL_SECCOMP_ACT_NOTIFY;
        for (i = 0; i < s->n_syscalls; i++)
                notify = notify || s->syscalls[i].action == KEEL_SECCOMP_ACT_NOTIFY;
        if (notify && s->listener_path == NULL)
                return keel_json_member_error(p, "listenerPath", err, "%s",
                                              "required field missing (SCMP_ACT_NOTIFY is used)");
        return 0;
}
