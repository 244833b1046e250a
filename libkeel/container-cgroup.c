/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container-create.h"
#include "lib-log.h"
#include "linux/cgroup.h"
#include "linux/cgroup-resources.h"
#include "linux/cgroup-systemd.h"
#include "util/cleanup.h"

/* ---- the cgroup a state records ----------------------------------------- */

int keel_state_open_cgroup(const struct keel_state *st, struct keel_cgroup **cg,
                           struct keel_error **err)
{
        _cleanup_free_ char *mount = NULL;
        int ret;

        *cg = NULL;
        if (st->cgroup_path == NULL)
                return 0;
        ret = keel_cgroup_find_mount(&mount, err);
        if (ret == 0)
                ret = keel_cgroup_open(mount, st->cgroup_path, cg, err);
        return ret;
}

bool keel_state_cgroup_frozen(const struct keel_state *st)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;

        if (keel_state_open_cgroup(st, &cg, NULL) < 0 || cg == NULL)
                return false;
        return keel_cgroup_read_frozen(cg, NULL) == 1;
}

int keel_state_cgroup_dir(const struct keel_state *st, char **dir, struct keel_error **err)
{
        _cleanup_free_ char *mount = NULL;
        int ret;

        *dir = NULL;
        if (st->cgroup_path == NULL)
                return 0;
        ret = keel_cgroup_find_mount(&mount, err);
        if (ret < 0)
                return ret;
        if (asprintf(dir, "%s/%s", mount, st->cgroup_path + (st->cgroup_path[0] == '/')) < 0) {
                *dir = NULL;
                return keel_error_set(err, ENOMEM, "cgroup path");
        }
        return 0;
}

/* ---- create: plan ------------------------------------------------------- */

/* --systemd-cgroup: only the names now; systemd makes the scope when it
 * can be given the init (attach). */
static int plan_systemd(struct keel_create_cgroup *g, const char *cgroups_path,
                        struct keel_state *st, struct keel_error **err)
{
        int ret;

        if (g->rootless)
                return keel_error_setq(err, ENOTSUP, "--systemd-cgroup: rootless keel cannot use "
                                       "the systemd cgroup driver yet; use --cgroup-manager "
                                       "cgroupfs");
        ret = keel_cgroup_find_mount(&g->mount, err);
        if (ret == 0)
                ret = keel_systemd_unit_parse(cgroups_path, g->id, &g->unit, err);
        if (ret < 0)
                return ret;
        st->cgroup_path = strdup(g->unit.path);
        if (st->cgroup_path == NULL)
                return keel_error_set(err, ENOMEM, "cgroup path");
        st->systemd_cgroup = true;
        g->driver = KEEL_CREATE_CGROUP_SYSTEMD;
        return 0;
}

/* Rootless, a cgroup is where the user may write: below the parent of the
 * cgroup keel runs in (a delegated subtree, "keel/<id>" by default), or
 * nowhere (prepare). */
static int plan_cgroupfs(struct keel_create_cgroup *g, const char *cgroups_path,
                         struct keel_state *st, struct keel_error **err)
{
        _cleanup_free_ char *rel = NULL;
        char *path = NULL;
        int ret;

        if (g->rootless && cgroups_path == NULL && asprintf(&rel, "keel/%s", g->id) < 0)
                return keel_error_set(err, ENOMEM, "cgroup path");
        ret = keel_cgroup_find_mount(&g->mount, err);
        if (ret == 0)
                ret = keel_cgroup_resolve_path(rel ? rel : cgroups_path, g->id, &path, err);
        if (ret < 0)
                return ret;
        st->cgroup_path = path;
        g->driver = KEEL_CREATE_CGROUP_CGROUPFS;
        return 0;
}

int keel_create_cgroup_plan(struct keel_create_cgroup *g, const struct keel_create_opts *o,
                            const struct keel_linux *lx, const struct keel_cgroup_plan *limits,
                            struct keel_state *st, struct keel_error **err)
{
        g->driver = KEEL_CREATE_CGROUP_NONE;
        g->id = o->id;
        g->rootless = o->rootless;
        g->resources = lx->resources;
        g->limits = limits;
        g->filter_at_attach = !o->restore;
        if (o->no_cgroup)
                return 0;
        if (o->systemd_cgroup)
                return plan_systemd(g, lx->cgroups_path, st, err);
        return plan_cgroupfs(g, lx->cgroups_path, st, err);
}

/* ---- create: prepare ---------------------------------------------------- */

/* Rootless keel may not write where the cgroup was to be.  Without one,
 * nothing can be limited, and nothing may claim to be. */
static int give_up_cgroup(struct keel_create_cgroup *g, struct keel_state *st,
                          struct keel_error **err)
{
        const char *why = (*err)->msg;

        if (g->limits->n > 0)
                return keel_error_prefix(err, "linux.resources.%s: rootless keel can only limit "
                                         "a container in a delegated cgroup v2 subtree",
                                         g->limits->w[0].field);
        keel_debug("rootless: no cgroup for %s (%s)", g->id, why);
        keel_error_free(*err);
        *err = NULL;
        free(st->cgroup_path);
        st->cgroup_path = NULL;
        g->driver = KEEL_CREATE_CGROUP_NONE;
        return 1;
}

/* A frozen cgroup (cgroup.freeze, or a frozen ancestor) would stop the
 * init at its first instruction, and create would wait for it forever:
 * refuse it, as runc does, before anything is written to it or placed in
 * it (abort leaves a cgroup it did not make as it was). */
static int check_not_frozen(struct keel_cgroup *cg, struct keel_error **err)
{
        if (keel_cgroup_read_frozen(cg, NULL) == 1)
                return keel_error_setq(err, EBUSY, "linux.cgroupsPath: cgroup %s is frozen "
                                       "(cgroup.freeze, here or above): the container could "
                                       "not run; thaw it first", cg->path);
        return 0;
}

static int prepare_cgroupfs(struct keel_create_cgroup *g, struct keel_state *st,
                            struct keel_error **err)
{
        int ret = keel_cgroup_create(g->mount, st->cgroup_path, &g->cg, err);

        if (g->rootless && (ret == -EACCES || ret == -EPERM || ret == -EROFS))
                return give_up_cgroup(g, st, err);
        if (ret == 0)
                ret = check_not_frozen(g->cg, err);
        /* Rootless, loading the filter takes privileges keel lacks; the
         * user namespace already keeps device nodes to what the user may
         * open.  A create loads it at attach (below); a restore now. */
        if (ret == 0 && !g->rootless && !g->filter_at_attach)
                ret = keel_cgroup_apply_devices(g->cg, g->resources, &g->prog, err);
        /* Limits too: the init's first instruction runs under them. */
        if (ret == 0)
                ret = keel_cgroup_apply_plan(g->cg, g->limits, err);
        return ret;
}

int keel_create_cgroup_prepare(struct keel_create_cgroup *g, struct keel_state *st,
                               struct keel_error **err)
{
        /* systemd's scope can only be made with the init in it (attach). */
        return g->driver == KEEL_CREATE_CGROUP_CGROUPFS ? prepare_cgroupfs(g, st, err) : 0;
}

/* ---- create: attach ----------------------------------------------------- */

/* The init exists and waits: systemd puts it in a new delegated scope,
 * then keel fills that cgroup as it fills its own (filter, limits). */
static int attach_systemd(struct keel_create_cgroup *g, pid_t pid, struct keel_error **err)
{
        struct keel_systemd_props props;
        _cleanup_free_ char *desc = NULL;
        int ret;

        if (asprintf(&desc, "keel container %s", g->id) < 0)
                return keel_error_set(err, ENOMEM, "systemd scope");
        ret = keel_systemd_props_from_plan(g->limits, &props, err);
        if (ret < 0)
                return ret;
        g->scope_requested = true;
        ret = keel_systemd_start_scope(&g->unit, pid, desc, &props, err);
        keel_systemd_props_clear(&props);
        /* A unit of that name was there before us (another container with
         * the same cgroupsPath): the abort must leave it alone, not stop
         * that container's scope. */
        if (ret == -EEXIST)
                g->scope_requested = false;
        if (ret == 0)
                ret = keel_cgroup_open(g->mount, g->unit.path, &g->cg, err);
        if (ret == 0)
                ret = keel_cgroup_apply_devices(g->cg, g->resources, &g->prog, err);
        if (ret == 0)
                ret = keel_cgroup_apply_plan(g->cg, g->limits, err);
        return ret;
}

/* The init exists and waits for the runtime's word (KEEL_SYNC_CGROUP_JOINED)
 * before it touches anything of the container: the device filter goes in
 * now, its verifier's time spent while the init makes its namespaces
 * (docs/performance.md), as the systemd driver's always went in then. */
static int attach_cgroupfs(struct keel_create_cgroup *g, pid_t pid, bool born_in,
                           struct keel_error **err)
{
        int ret = born_in ? 0 : keel_cgroup_enter(g->cg, pid, err);

        if (ret == 0 && !g->rootless && g->filter_at_attach)
                ret = keel_cgroup_apply_devices(g->cg, g->resources, &g->prog, err);
        return ret;
}

int keel_create_cgroup_attach(struct keel_create_cgroup *g, pid_t pid, bool born_in,
                              struct keel_error **err)
{
        switch (g->driver) {
        case KEEL_CREATE_CGROUP_CGROUPFS:
                return attach_cgroupfs(g, pid, born_in, err);
        case KEEL_CREATE_CGROUP_SYSTEMD:
                return attach_systemd(g, pid, err);
        default:
                return 0;
        }
}

/* ---- create: abort and release ------------------------------------------ */

void keel_create_cgroup_abort(struct keel_create_cgroup *g)
{
        if (g->cg != NULL) {
                keel_cgroup_kill(g->cg, SIGKILL, NULL);
                /* A cgroup that existed before us is left as it was found. */
                if (g->cg->created)
                        keel_cgroup_destroy(g->cg, NULL);
                else
                        keel_cgroup_free(g->cg);
                g->cg = NULL;
        }
        /* systemd removes the scope's cgroup with the unit. */
        if (g->scope_requested)
                keel_systemd_stop_unit(g->unit.unit, NULL);
}

void keel_create_cgroup_release(struct keel_create_cgroup *g)
{
        keel_cgroup_freep(&g->cg);
        keel_systemd_unit_clear(&g->unit);
        free(g->mount);
        g->mount = NULL;
}

char *keel_create_cgroup_root(const struct keel_create_cgroup *g)
{
        struct keel_error *ignored = NULL;
        char *root = NULL;

        if (g->mount != NULL)
                return strdup(g->mount);
        if (keel_cgroup_find_mount(&root, &ignored) < 0)
                keel_error_free(ignored);
        return root;
}
