/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <linux/capability.h>

#include "container-create.h"
#include "lib-log.h"
#include "linux/lsm.h"
#include "linux/netdev.h"
#include "linux/sysctl.h"
#include "util/syscall.h"

/* Without a mount namespace the container shares keel's (config-linux.md:
 * a type not listed is the runtime's).  Its rootfs and mounts are then
 * mounts in keel's namespace, below root.path (runc and crun do the same),
 * and some of the config cannot apply there. */
static int check_mount_namespace(const struct keel_linux *lx, struct keel_error **err)
{
        bool mountns = false, userns = false;

        for (size_t i = 0; i < lx->n_namespaces; i++) {
                mountns |= lx->namespaces[i].type == KEEL_NS_MOUNT;
                userns |= lx->namespaces[i].type == KEEL_NS_USER;
        }
        if (mountns)
                return 0;
        /* keel's mount namespace belongs to keel's user namespace: the
         * container's root could mount nothing there, not even its rootfs. */
        if (userns)
                return keel_error_setq(err, EINVAL, "linux.namespaces: a user namespace needs a "
                                       "mount namespace of its own (without one, the container "
                                       "shares keel's, in which it may mount nothing)");
        /* runc refuses them too: masks in a namespace the host shares are
         * mounts on the host, which the container could not be kept from. */
        if (lx->n_masked_paths || lx->n_readonly_paths)
                return keel_error_setq(err, EINVAL, "linux.%s: needs a mount namespace (without "
                                       "one the container shares keel's, where keel does not "
                                       "mask or remount paths)",
                                       lx->n_masked_paths ? "maskedPaths" : "readonlyPaths");
        return 0;
}

/* Fields keel parses but does not apply yet: refusing them beats running a
 * container that silently lacks what its config asked for. */
static int check_supported(const struct keel_config *cfg, bool no_cgroup,
                           struct keel_cgroup_plan *limits, struct keel_error **err)
{
        const struct keel_linux *lx = cfg->linux_cfg;
        const struct keel_process *p = cfg->process;
        int ret;

        if (p == NULL)
                return keel_error_setq(err, EINVAL, "process: required by create");
        if (lx == NULL)
                return keel_error_setq(err, EINVAL, "linux: required by create");
        ret = check_mount_namespace(lx, err);
        if (ret < 0)
                return ret;
        if (lx->intel_rdt)
                return keel_intel_rdt_refused("linux.intelRdt", err);
        if (lx->personality && lx->personality->n_flags > 0)
                return keel_error_setq(err, EINVAL, "linux.personality.flags: \"%s\" is not a "
                                       "flag keel knows (the spec defines none)",
                                       lx->personality->flags[0]);
        ret = keel_lsm_check(p, lx, err);
        if (ret < 0)
                return ret;
        ret = keel_cgroup_plan_resources(lx->resources, limits, err);
        if (ret == 0 && no_cgroup && limits->n > 0) {
                /* --cgroup-manager disabled: no cgroup, so no limit can apply
                 * (crun skips them too); say so rather than drop them unseen. */
                keel_warn("linux.resources.%s: ignored with --cgroup-manager disabled",
                          limits->w[0].field);
                keel_cgroup_plan_clear(limits);
        }
        return ret;
}

/* Without CAP_SYS_ADMIN (keel run by a user) namespaces can only be made
 * inside a new user namespace, or by joining one: a config written for
 * root would fail at its first unshare with a bare EPERM. */
static bool can_make_namespaces(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = { { 0 } };

        if (keel_capget(&h, d) < 0)
                return true;    /* let the kernel say it */
        return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

static int check_user_namespace(const struct keel_config *cfg, struct keel_error **err)
{
        const struct keel_linux *lx = cfg->linux_cfg;

        for (size_t i = 0; i < lx->n_namespaces; i++)
                if (lx->namespaces[i].type == KEEL_NS_USER)
                        return 0;
        if (can_make_namespaces())
                return 0;
        return keel_error_setq(err, EPERM, "linux.namespaces: no user namespace, and keel runs "
                               "as uid %u without CAP_SYS_ADMIN: a rootless container needs a "
                               "user namespace (write its config with keel spec --rootless)",
                               (unsigned) geteuid());
}

/* What a restored container cannot have: a terminal nobody takes (criu
 * makes a new pty master, which goes to --console-socket, as runc sends
 * it), and network devices to move in (not supported yet). */
static int check_restore(const struct keel_config *cfg, const struct keel_create_opts *o,
                         struct keel_error **err)
{
        if (cfg->process->terminal && !o->console_socket && !o->keep_console)
                return keel_error_setq(err, EINVAL, "process.terminal needs --console-socket "
                                       "when keel does not stay attached");
        if (cfg->linux_cfg->n_net_devices > 0)
                return keel_error_setq(err, ENOTSUP, "restore: linux.netDevices: moving devices "
                                       "into a restored container is not supported yet");
        return 0;
}

int keel_create_check_config(const struct keel_config *cfg, const struct keel_create_opts *o,
                             struct keel_cgroup_plan *limits, struct keel_error **err)
{
        int ret = check_supported(cfg, o->no_cgroup, limits, err);

        if (ret == 0)
                ret = check_user_namespace(cfg, err);
        if (ret == 0)
                ret = keel_netdev_check_config(cfg->linux_cfg, o->rootless, err);
        /* A missing device is refused before anything is made. */
        if (ret == 0)
                ret = keel_netdev_check_host(cfg->linux_cfg, err);
        if (ret == 0 && o->restore)
                ret = check_restore(cfg, o, err);
        return ret;
}

static int check_userns(const struct keel_config *cfg, const struct keel_ns_plan *plan,
                        struct keel_error **err)
{
        const struct keel_linux *lx = cfg->linux_cfg;
        bool maps = lx->n_uid_mappings || lx->n_gid_mappings;
        bool newuser = (plan->new_flags & keel_ns_clone_flag(KEEL_NS_USER)) != 0;

        if (maps && !newuser)
                return keel_error_setq(err, EINVAL,
                                       "linux.uidMappings: only valid with a new user namespace");
        if (newuser && (!lx->n_uid_mappings || !lx->n_gid_mappings))
                return keel_error_setq(err, EINVAL,
                                       "linux.namespaces: a new user namespace needs uidMappings and gidMappings");
        return 0;
}

int keel_create_check_plan(const struct keel_config *cfg, const struct keel_ns_plan *plan,
                           struct keel_error **err)
{
        int ret = check_userns(cfg, plan, err);

        /* With the joined namespaces open: is one of them the runtime's? */
        if (ret == 0)
                ret = keel_sysctl_check(&cfg->linux_cfg->sysctl, plan, err);
        if (ret == 0)
                ret = keel_netdev_check_plan(cfg->linux_cfg, plan, err);
        return ret;
}
