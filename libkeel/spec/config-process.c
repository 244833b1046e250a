/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "spec/config-parse.h"

/* process: what runs in the container, and as whom. */

void keel_process_free(struct keel_process *p)
{
        if (p == NULL)
                return;
        free(p->console_size);
        free(p->user.additional_gids);
        free(p->user.username);
        keel_strv_free(p->args);
        free(p->command_line);
        keel_strv_free(p->env);
        free(p->cwd);
        if (p->capabilities != NULL) {
                keel_strv_free(p->capabilities->bounding);
                keel_strv_free(p->capabilities->effective);
                keel_strv_free(p->capabilities->inheritable);
                keel_strv_free(p->capabilities->permitted);
                keel_strv_free(p->capabilities->ambient);
                free(p->capabilities);
        }
        free(p->rlimits);
        free(p->apparmor_profile);
        free(p->selinux_label);
        free(p->io_priority);
        free(p->scheduler);
        if (p->exec_cpu_affinity != NULL) {
                free(p->exec_cpu_affinity->initial);
                free(p->exec_cpu_affinity->final);
                free(p->exec_cpu_affinity);
        }
        free(p);
}

static int read_gid(yajl_val v, size_t i, void *ctx, path_t *p, err_t err)
{
        uint32_t *gids = ctx;

        return keel_json_value_uint32(v, p, &gids[i], err);
}

static int parse_user(yajl_val o, path_t *p, struct keel_user *u, err_t err)
{
        yajl_val gids = NULL;
        uint64_t mask = 0, id;
        int r;

        /* 4294967295 is (uid_t) -1, which setresuid(2) reads as "leave
         * unchanged": the process would keep keel's root. */
        TRY(keel_json_get_uint64(o, "uid", true, UINT32_MAX - 1, p, &id, err));
        u->uid = (uint32_t) id;
        TRY(keel_json_get_uint64(o, "gid", true, UINT32_MAX - 1, p, &id, err));
        u->gid = (uint32_t) id;
        TRY(keel_json_opt_uint64(o, "umask", 0777, p, &u->has_umask, &mask, err));
        u->umask = (uint32_t) mask;
        TRY(keel_json_get_string(o, "username", false, p, &u->username, err));
        r = keel_json_get_array(o, "additionalGids", false, p, &gids, err);
        if (r <= 0)
                return r;
        u->additional_gids = calloc(gids->u.array.len ? gids->u.array.len : 1, sizeof(uint32_t));
        if (u->additional_gids == NULL)
                return keel_json_oom(p, err);
        u->n_additional_gids = gids->u.array.len;
        return keel_json_array_each(gids, "additionalGids", read_gid, u->additional_gids, p, err);
}

static int parse_capabilities(yajl_val o, path_t *p, struct keel_capabilities *c, err_t err)
{
        STRING_ARRAY(o, "bounding", false, c, bounding);
        STRING_ARRAY(o, "effective", false, c, effective);
        STRING_ARRAY(o, "inheritable", false, c, inheritable);
        STRING_ARRAY(o, "permitted", false, c, permitted);
        STRING_ARRAY(o, "ambient", false, c, ambient);
        return 0;
}

static int parse_rlimit(yajl_val v, path_t *p, void *elem, err_t err)
{
        struct keel_rlimit *rl = elem;

        ENUM(v, "type", true, keel_rlimit_names, rl->type);
        TRY(keel_json_get_uint64(v, "soft", true, UINT64_MAX, p, &rl->soft, err));
        TRY(keel_json_get_uint64(v, "hard", true, UINT64_MAX, p, &rl->hard, err));
        if (rl->soft > rl->hard)
                return keel_json_error(p, err, "soft limit %llu is above hard limit %llu",
                                       (unsigned long long) rl->soft,
                                       (unsigned long long) rl->hard);
        return 0;
}

/* The spec: duplicated rlimit types MUST be an error. */
static int check_rlimits_unique(struct keel_process *proc, path_t *p, err_t err)
{
        size_t i, j;

        for (i = 0; i < proc->n_rlimits; i++)
                for (j = 0; j < i; j++)
                        if (proc->rlimits[i].type == proc->rlimits[j].type)
                                return keel_json_element_error(
                                        p, "rlimits", i, "type", err, "duplicate rlimit %s",
                                        keel_rlimit_names[proc->rlimits[i].type]);
        return 0;
}

static int parse_scheduler(yajl_val o, path_t *p, struct keel_scheduler *s, err_t err)
{
        int r;

        ENUM(o, "policy", true, keel_sched_policy_names, s->policy);
        r = keel_json_get_int(o, "nice", false, -20, 19, p, &s->nice, err);
        if (r < 0)
                return r;
        s->has_nice = r > 0;
        r = keel_json_get_int(o, "priority", false, 0, 99, p, &s->priority, err);
        if (r < 0)
                return r;
        s->has_priority = r > 0;
        TRY(keel_json_get_flags(o, "flags", keel_sched_flags, ARRAY_SIZE(keel_sched_flags), p,
                                &s->flags, err));
        OPT_UINT64(o, "runtime", s, runtime, UINT64_MAX);
        OPT_UINT64(o, "deadline", s, deadline, UINT64_MAX);
        OPT_UINT64(o, "period", s, period, UINT64_MAX);
        return 0;
}

static int parse_io_priority(yajl_val o, path_t *p, struct keel_io_priority *io, err_t err)
{
        ENUM(o, "class", true, keel_ioprio_class_names, io->ioprio_class);
        TRY(keel_json_get_int(o, "priority", false, 0, 7, p, &io->priority, err));
        return 0;
}

static int parse_exec_cpu_affinity(yajl_val o, path_t *p, struct keel_exec_cpu_affinity *a,
                                   err_t err)
{
        TRY(keel_json_get_string(o, "initial", false, p, &a->initial, err));
        TRY(keel_json_get_string(o, "final", false, p, &a->final, err));
        TRY(keel_config_check_cpu_list("initial", a->initial, p, err));
        TRY(keel_config_check_cpu_list("final", a->final, p, err));
        return 0;
}

static int parse_console_size(yajl_val o, path_t *p, struct keel_console_size *c, err_t err)
{
        uint64_t h = 0, w = 0;

        TRY(keel_json_get_uint64(o, "height", true, UINT16_MAX, p, &h, err));
        TRY(keel_json_get_uint64(o, "width", true, UINT16_MAX, p, &w, err));
        c->height = (unsigned int) h;
        c->width = (unsigned int) w;
        return 0;
}

int keel_config_parse_process(yajl_val o, path_t *p, struct keel_process *proc, err_t err)
{
        yajl_val user = NULL;
        int r;

        TRY(keel_json_get_bool(o, "terminal", false, p, &proc->terminal, err));
        SECTION(o, "consoleSize", &proc->console_size, parse_console_size);
        /* config.md lists no "user" among process's fields and the schema
         * requires only cwd; uid and gid are REQUIRED inside a user.  Without
         * one the process runs as uid 0, gid 0 (runc and crun do the same,
         * and runc's exec --process files often leave it out). */
        r = keel_json_get_object(o, "user", false, p, &user, err);
        TRY(r);
        if (r > 0) {
                keel_json_path_push_key(p, "user");
                r = parse_user(user, p, &proc->user, err);
                keel_json_path_pop(p);
                TRY(r);
        }
        STRING_ARRAY(o, "args", true, proc, args);
        if (proc->n_args == 0)
                return keel_json_member_error(p, "args", err, "must hold at least one entry");
        TRY(keel_json_get_string(o, "commandLine", false, p, &proc->command_line, err));
        STRING_ARRAY(o, "env", false, proc, env);
        TRY(keel_json_get_string(o, "cwd", true, p, &proc->cwd, err));
        TRY(keel_config_check_absolute("cwd", proc->cwd, p, err));
        SECTION(o, "capabilities", &proc->capabilities, parse_capabilities);
        OBJECT_ARRAY(o, "rlimits", proc, rlimits, parse_rlimit);
        TRY(check_rlimits_unique(proc, p, err));
        TRY(keel_json_get_bool(o, "noNewPrivileges", false, p, &proc->no_new_privileges, err));
        TRY(keel_json_get_string(o, "apparmorProfile", false, p, &proc->apparmor_profile, err));
        r = keel_json_get_int(o, "oomScoreAdj", false, -1000, 1000, p, &proc->oom_score_adj, err);
        TRY(r);
        proc->has_oom_score_adj = r > 0;
        TRY(keel_json_get_string(o, "selinuxLabel", false, p, &proc->selinux_label, err));
        SECTION(o, "ioPriority", &proc->io_priority, parse_io_priority);
        SECTION(o, "scheduler", &proc->scheduler, parse_scheduler);
        SECTION(o, "execCPUAffinity", &proc->exec_cpu_affinity, parse_exec_cpu_affinity);
        return 0;
}

static int parse_process_document(yajl_val o, path_t *p, void *out, err_t err)
{
        return keel_config_parse_process(o, p, out, err);
}

int keel_process_parse(const char *data, size_t len, struct keel_process **out,
                       struct keel_error **err)
{
        int r = keel_json_read_document(data, len, sizeof(**out), parse_process_document,
                                        (void **) out, err);

        if (r < 0)
                keel_process_free(steal_pointer(out));
        return r;
}
