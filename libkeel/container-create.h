/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_CONTAINER_CREATE_H
#define KEEL_CONTAINER_CREATE_H

/* The parts of `create`, private to container-create.c (the sequence),
 * container-validate.c (the config checks), container-cgroup.c (the
 * container's cgroup) and container-spawn.c (the init: forked, or
 * restored by criu, and served until it is ready). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"
#include "image/store.h"
#include "linux/cgroup.h"
#include "linux/cgroup-resources.h"
#include "linux/cgroup-systemd.h"
#include "linux/init.h"
#include "linux/netdev.h"
#include "linux/ns.h"
#include "linux/ptrace-guard.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"
#include "store.h"
#include "util/phase.h"

/* ---- the config checks (container-validate.c) --------------------------- */

/* Everything refused before anything is made, right after config.json is
 * parsed: what keel does not apply (refusing beats running a container that
 * silently lacks it), what this keel cannot do (no user namespace without
 * CAP_SYS_ADMIN, network devices that are not there), and what restore
 * cannot do.  *limits gets linux.resources as cgroup file writes (empty
 * with --cgroup-manager disabled, with a warning when that drops some). */
int keel_create_check_config(const struct keel_config *cfg, const struct keel_create_opts *o,
                             struct keel_cgroup_plan *limits, struct keel_error **err);

/* The checks that need the namespaces opened (a joined one may be the
 * runtime's): id mappings, sysctls, network devices. */
int keel_create_check_plan(const struct keel_config *cfg, const struct keel_ns_plan *plan,
                           struct keel_error **err);

/* ---- the container's cgroup (container-cgroup.c) ------------------------ */

/* One of three strategies, chosen by the options:
 *   none:     --cgroup-manager disabled, or rootless keel where it may not
 *             write (no delegated subtree): no cgroup, so no limit;
 *   cgroupfs: keel makes the cgroup and writes its limits before the init
 *             exists, which is born in it (or moved in); the device filter
 *             goes in at attach, while the init makes its namespaces and
 *             before it is told to go on (a restore: at prepare, before
 *             criu resumes anything);
 *   systemd:  --systemd-cgroup: systemd makes a scope for the init once it
 *             exists, and keel fills that cgroup then.
 * In create's order: plan names the cgroup (st->cgroup_path and
 * st->systemd_cgroup) and touches nothing; the caller records the state,
 * so that a sweep after a killed create finds what prepare makes; prepare
 * makes it; attach puts the init in (born_in: it was born there) and
 * completes it; abort undoes what was made. */
enum keel_create_cgroup_driver {
        KEEL_CREATE_CGROUP_NONE,
        KEEL_CREATE_CGROUP_CGROUPFS,
        KEEL_CREATE_CGROUP_SYSTEMD,
};

struct keel_create_cgroup {
        enum keel_create_cgroup_driver driver;
        const char *id;
        bool rootless;
        const struct keel_resources *resources; /* linux.resources (the device rules) */
        const struct keel_cgroup_plan *limits;  /* and its limits, as file writes */
        char *mount;                            /* the cgroup2 mount, once found */
        struct keel_cgroup *cg;                 /* made (cgroupfs) or attached (systemd) */
        struct keel_systemd_unit unit;          /* systemd: the scope's names */
        bool scope_requested;                   /* systemd: asked to make it */
        bool filter_at_attach;                  /* cgroupfs: device filter at attach */
        struct keel_devices_prog prog;          /* the store's hint, what was loaded */
};

int keel_create_cgroup_plan(struct keel_create_cgroup *g, const struct keel_create_opts *o,
                            const struct keel_linux *lx, const struct keel_cgroup_plan *limits,
                            struct keel_state *st, struct keel_error **err);
/* Returns 1 when rootless keel gave the cgroup up (st->cgroup_path is
 * NULL again): the state must be recorded again. */
int keel_create_cgroup_prepare(struct keel_create_cgroup *g, struct keel_state *st,
                               struct keel_error **err);
int keel_create_cgroup_attach(struct keel_create_cgroup *g, pid_t pid, bool born_in,
                              struct keel_error **err);
void keel_create_cgroup_abort(struct keel_create_cgroup *g);
void keel_create_cgroup_release(struct keel_create_cgroup *g);

/* The host path of the cgroup2 hierarchy, for a cgroup mount the kernel
 * refuses to make (linux/mount.c binds it then), or NULL when none is
 * found. */
char *keel_create_cgroup_root(const struct keel_create_cgroup *g);

/* ---- one create --------------------------------------------------------- */

/* Everything one create owns, released in reverse by create_abort(). */
struct create {
        const struct keel_create_opts *o;
        struct keel_store *store;
        struct keel_config *cfg;
        char *raw_config;
        size_t raw_len;
        char *bundle, *rootfs;
        struct keel_state *state;
        struct keel_container_dir *c;
        struct keel_create_cgroup cgroup;
        struct keel_cgroup_plan limits; /* linux.resources as cgroup file writes */
        struct keel_init_args args;
        bool seccomp_cached;            /* args.seccomp came from the cache: not stored again */
        int sync_fd;
        int start_fd;
        pid_t stage1;
        pid_t init;
        int init_pidfd;
        bool init_in_cgroup;            /* born there (clone3): no attach */
        int console;
        struct keel_image_rootfs *image;        /* the config names image layers */
        struct keel_phases phases;      /* --debug: where the time goes */
        struct keel_ptrace_guard guard; /* the init joins a pid namespace in use */
        struct keel_netdevs netdevs;    /* linux.netDevices moved in so far */
        int rootfs_mnt;                 /* no mount namespace: keel's bind of the rootfs */
        char *cgroup_root;              /* the cgroup2 hierarchy's host path, or NULL */
        int procfd;                     /* keel's own procfs (linux/procfs.h), or -1 */
};

/* Write cr->state as the container's state.json: the one place create
 * records it (container-create.c). */
int keel_create_record_state(struct create *cr, struct keel_error **err);

/* ---- the init (container-spawn.c) --------------------------------------- */

/* Fork the init (through stage 1, or directly into its pid namespace) and
 * serve it, in the order of linux/sync.h's table, until it reports ready. */
int keel_create_spawn_init(struct create *cr, struct keel_error **err);

/* restore: criu brings the init back from the images, as keel's child, in
 * the container's cgroup; keel adopts it as create adopts its init. */
int keel_create_restore_init(struct create *cr, struct keel_error **err);

#endif
