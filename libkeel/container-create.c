/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "container.h"
#include "hooks.h"
#include "image/store.h"
#include "lib-log.h"
#include "linux/cgroup.h"
#include "linux/cgroup-resources.h"
#include "linux/cgroup-systemd.h"
#include "linux/idmap.h"
#include "linux/lsm.h"
#include "linux/init.h"
#include "linux/netdev.h"
#include "linux/process.h"
#include "linux/procfs.h"
#include "linux/mount-sources.h"
#include "linux/rootfs.h"
#include "linux/ptrace-guard.h"
#include "linux/seccomp.h"
#include "linux/sync.h"
#include "linux/sysctl.h"
#include "linux/terminal.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/phase.h"


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
        struct keel_cgroup *cg;
        struct keel_cgroup_plan limits; /* linux.resources as cgroup file writes */
        struct keel_init_args args;
        int sync_fd;
        int start_fd;
        pid_t stage1;
        pid_t init;
        int init_pidfd;
        int console;
        struct keel_image_rootfs *image;        /* the config names image layers */
        /* --systemd-cgroup: the scope systemd makes once the init exists */
        struct keel_systemd_unit unit;
        char *cg_mount;
        bool scope_requested;
        struct keel_phases phases;      /* --debug: where the time goes */
        struct keel_ptrace_guard guard; /* the init joins a pid namespace in use */
        struct keel_netdevs netdevs;    /* linux.netDevices moved in so far */
        int rootfs_mnt;                 /* no mount namespace: keel's bind of the rootfs */
        char *cgroup_root;              /* the cgroup2 hierarchy's host path, or NULL */
        int procfd;                     /* keel's own procfs (linux/procfs.h), or -1 */
};

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

/* Without CAP_SYS_ADMIN (keel run by a user) namespaces can only be made
 * inside a new user namespace, or by joining one: a config written for
 * root would fail at its first unshare with a bare EPERM. */
static bool can_make_namespaces(void)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2] = { { 0 } };

        if (syscall(SYS_capget, &h, d) < 0)
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

/* Socket activation passes through (runc does the same): the process gets
 * the fds after the preserved ones, and LISTEN_FDS/LISTEN_PID naming them. */
static int add_listen_env(struct keel_process *p, int n, struct keel_error **err)
{
        char **env;

        if (n <= 0)
                return 0;
        env = realloc(p->env, (p->n_env + 3) * sizeof(char *));
        if (env == NULL)
                return keel_error_set(err, ENOMEM, "LISTEN_FDS");
        p->env = env;
        env[p->n_env] = NULL;
        if (asprintf(&env[p->n_env], "LISTEN_FDS=%d", n) < 0)
                return keel_error_set(err, ENOMEM, "LISTEN_FDS");
        env[++p->n_env] = strdup("LISTEN_PID=1");
        if (env[p->n_env] == NULL)
                return keel_error_set(err, ENOMEM, "LISTEN_FDS");
        env[++p->n_env] = NULL;
        return 0;
}

static char *now_rfc3339(void)
{
        struct timespec ts;
        struct tm tm;
        char buf[64];
        char *out = NULL;
        size_t n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        if (asprintf(&out, "%.*s.%09ldZ", (int) n, buf, ts.tv_nsec) < 0)
                return NULL;
        return out;
}

/* root.path is resolved once, here: a symlink (root.path itself or on the
 * way) is followed, as crun does (runc refuses it), and what it led to is
 * the rootfs from then on (state's "rootfs", the init's bind), whatever
 * the link says later.  Never through keel's own /proc (util/path.h). */
static int resolve_root_path(struct create *cr, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid() }, .n = 1 };
        _cleanup_free_ char *joined = NULL;
        _cleanup_close_ int host = -1, fd = -1;
        char link[64];
        struct stat a, b;

        if (cr->cfg->root->path[0] == '/')
                joined = strdup(cr->cfg->root->path);
        else if (asprintf(&joined, "%s/%s", cr->bundle, cr->cfg->root->path) < 0)
                joined = NULL;
        if (joined == NULL)
                return keel_error_set(err, ENOMEM, "root.path");
        host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host < 0)
                return keel_error_set(err, errno, "open /");
        fd = keel_path_open_host(host, joined, &self, O_PATH | O_DIRECTORY, err);
        if (fd < 0)
                return keel_error_prefix(err, "root.path");
        /* Its name, as mountinfo and the hooks will show it. */
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        cr->rootfs = realpath(link, NULL);
        if (cr->rootfs == NULL || stat(cr->rootfs, &a) < 0 || fstat(fd, &b) < 0 ||
            a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                return keel_error_setq(err, ENOENT, "root.path: %s: cannot be named on the host",
                                       joined);
        return 0;
}

static int load_bundle(struct create *cr, struct keel_error **err)
{
        const char *b = cr->o->bundle ? cr->o->bundle : ".";
        _cleanup_close_ int bfd = -1;
        int ret;

        cr->bundle = realpath(b, NULL);
        if (cr->bundle == NULL)
                return keel_error_set(err, errno, "bundle %s", b);
        bfd = open(cr->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return keel_error_set(err, errno, "bundle %s", cr->bundle);
        if (cr->o->config_path != NULL) {
                /* crun's --config: the file replaces the bundle's config.json;
                 * root.path still starts from the bundle. */
                ret = keel_read_file_at(AT_FDCWD, cr->o->config_path, KEEL_CONFIG_MAX_SIZE,
                                        &cr->raw_config, &cr->raw_len, err);
                if (ret < 0)
                        return keel_error_prefix(err, "--config %s", cr->o->config_path);
        } else {
                ret = keel_read_file_at(bfd, "config.json", KEEL_CONFIG_MAX_SIZE, &cr->raw_config,
                                        &cr->raw_len, err);
                if (ret < 0)
                        return keel_error_prefix(err, "read %s/config.json", cr->bundle);
        }
        ret = keel_config_parse(cr->raw_config, cr->raw_len, &cr->cfg, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", cr->o->config_path ? cr->o->config_path
                                                                       : "config.json");
        ret = check_supported(cr->cfg, cr->o->no_cgroup, &cr->limits, err);
        if (ret == 0)
                ret = check_user_namespace(cr->cfg, err);
        if (ret == 0)
                ret = keel_netdev_check_config(cr->cfg->linux_cfg, cr->o->rootless, err);
        /* A missing device is refused before anything is made. */
        if (ret == 0)
                ret = keel_netdev_check_host(cr->cfg->linux_cfg, err);
        if (ret == 0)
                ret = add_listen_env(cr->cfg->process, cr->o->listen_fds, err);
        if (ret < 0)
                return ret;

        return resolve_root_path(cr, err);
}

static int make_state(struct create *cr, struct keel_error **err)
{
        const struct keel_string_map *ann = &cr->cfg->annotations;
        struct keel_state *st = calloc(1, sizeof(*st));

        cr->state = st;
        if (st == NULL)
                return keel_error_set(err, ENOMEM, "state");
        st->oci_version = strdup(cr->cfg->oci_version);
        st->id = strdup(cr->o->id);
        st->status = KEEL_STATUS_CREATING;
        st->bundle = strdup(cr->bundle);
        st->rootfs = strdup(cr->rootfs);
        st->created = now_rfc3339();
        st->owner_uid = getuid();
        st->use_terminal = cr->cfg->process->terminal;
        if (!st->oci_version || !st->id || !st->bundle || !st->rootfs || !st->created)
                return keel_error_set(err, ENOMEM, "state");
        if (ann->n > 0) {
                st->annotation_keys = calloc(ann->n + 1, sizeof(char *));
                st->annotation_values = calloc(ann->n + 1, sizeof(char *));
                if (!st->annotation_keys || !st->annotation_values)
                        return keel_error_set(err, ENOMEM, "state");
                for (size_t i = 0; i < ann->n; i++) {
                        st->annotation_keys[i] = strdup(ann->keys[i]);
                        st->annotation_values[i] = strdup(ann->values[i]);
                        if (!st->annotation_keys[i] || !st->annotation_values[i])
                                return keel_error_set(err, ENOMEM, "state");
                        st->n_annotations = i + 1;
                }
        }
        return 0;
}

/* Rootless, a cgroup is where the user may write: below the parent of the
 * cgroup keel runs in (a delegated subtree), or nowhere.  Without one,
 * nothing can be limited, and nothing may claim to be. */
static int rootless_without_cgroup(struct create *cr, struct keel_error **err)
{
        const char *why = (*err)->msg;

        if (cr->limits.n > 0)
                return keel_error_prefix(err, "linux.resources.%s: rootless keel can only limit "
                                         "a container in a delegated cgroup v2 subtree",
                                         cr->limits.w[0].field);
        keel_debug("rootless: no cgroup for %s (%s)", cr->o->id, why);
        keel_error_free(*err);
        *err = NULL;
        free(cr->state->cgroup_path);
        cr->state->cgroup_path = NULL;
        return keel_container_write_state(cr->c, cr->state, err);
}

/* --systemd-cgroup: only the names now; systemd makes the scope when it
 * can be given the init (adopt_init). */
static int plan_systemd_cgroup(struct create *cr, struct keel_error **err)
{
        int ret;

        if (cr->o->rootless)
                return keel_error_setq(err, ENOTSUP, "--systemd-cgroup: rootless keel cannot use "
                                       "the systemd cgroup driver yet; use --cgroup-manager "
                                       "cgroupfs");
        ret = keel_cgroup_find_mount(&cr->cg_mount, err);
        if (ret == 0)
                ret = keel_systemd_unit_parse(cr->cfg->linux_cfg->cgroups_path, cr->o->id,
                                              &cr->unit, err);
        if (ret < 0)
                return ret;
        cr->state->cgroup_path = strdup(cr->unit.path);
        if (cr->state->cgroup_path == NULL)
                return keel_error_set(err, ENOMEM, "cgroup path");
        cr->state->systemd_cgroup = true;
        /* Recorded first, as below: a sweeper finds the scope's cgroup. */
        return keel_container_write_state(cr->c, cr->state, err);
}

/* The init exists and waits: systemd puts it in a new delegated scope,
 * then keel fills that cgroup as it fills its own (filter, limits). */
static int start_systemd_scope(struct create *cr, pid_t pid, struct keel_error **err)
{
        const struct keel_resources *r = cr->cfg->linux_cfg->resources;
        struct keel_systemd_props props;
        _cleanup_free_ char *desc = NULL;
        int ret;

        if (asprintf(&desc, "keel container %s", cr->o->id) < 0)
                return keel_error_set(err, ENOMEM, "systemd scope");
        ret = keel_systemd_props_from_plan(&cr->limits, &props, err);
        if (ret < 0)
                return ret;
        cr->scope_requested = true;
        ret = keel_systemd_start_scope(&cr->unit, pid, desc, &props, err);
        keel_systemd_props_clear(&props);
        if (ret == 0)
                ret = keel_cgroup_open(cr->cg_mount, cr->unit.path, &cr->cg, err);
        if (ret == 0)
                ret = keel_cgroup_apply_devices(cr->cg, r, err);
        if (ret == 0)
                ret = keel_cgroup_apply_plan(cr->cg, &cr->limits, err);
        return ret;
}

/* A frozen cgroup (cgroup.freeze, or a frozen ancestor) would stop the
 * init at its first instruction, and create would wait for it forever:
 * refuse it, as runc does, before anything is written to it or placed in
 * it (create_abort leaves a cgroup it did not make as it was). */
static int check_not_frozen(struct create *cr, struct keel_error **err)
{
        int frozen = keel_cgroup_read_frozen(cr->cg, NULL);

        if (frozen == 1)
                return keel_error_setq(err, EBUSY, "linux.cgroupsPath: cgroup %s is frozen "
                                       "(cgroup.freeze, here or above): the container could "
                                       "not run; thaw it first", cr->cg->path);
        return 0;
}

static int make_cgroup(struct create *cr, struct keel_error **err)
{
        _cleanup_free_ char *mount = NULL, *path = NULL, *rel = NULL;
        const char *want = cr->cfg->linux_cfg->cgroups_path;
        int ret;

        if (cr->o->no_cgroup)
                return 0;
        if (cr->o->systemd_cgroup)
                return plan_systemd_cgroup(cr, err);
        if (cr->o->rootless && want == NULL && asprintf(&rel, "keel/%s", cr->o->id) < 0)
                return keel_error_set(err, ENOMEM, "cgroup path");
        ret = keel_cgroup_find_mount(&mount, err);
        if (ret == 0)
                ret = keel_cgroup_resolve_path(rel ? rel : want, cr->o->id, &path, err);
        if (ret == 0) {
                cr->state->cgroup_path = strdup(path);
                if (cr->state->cgroup_path == NULL)
                        ret = keel_error_set(err, ENOMEM, "cgroup path");
        }
        /* Recorded before the cgroup exists, so a sweeper finds it if this
         * create is killed from here on. */
        if (ret == 0)
                ret = keel_container_write_state(cr->c, cr->state, err);
        if (ret == 0)
                ret = keel_cgroup_create(mount, path, &cr->cg, err);
        if (cr->o->rootless && (ret == -EACCES || ret == -EPERM || ret == -EROFS))
                return rootless_without_cgroup(cr, err);
        if (ret == 0)
                ret = check_not_frozen(cr, err);
        /* The filter is in place before the init enters: never unfiltered.
         * Rootless, loading it takes privileges keel lacks; the user
         * namespace already keeps device nodes to what the user may open. */
        if (ret == 0 && !cr->o->rootless)
                ret = keel_cgroup_apply_devices(cr->cg, cr->cfg->linux_cfg->resources, err);
        /* Limits too: the init's first instruction runs under them. */
        if (ret == 0)
                ret = keel_cgroup_apply_plan(cr->cg, &cr->limits, err);
        return ret;
}

/* The start socket, bound in the state dir (through /proc/self/fd, so a
 * long --root still fits sockaddr_un) and handed to the init by fork.
 * While the init lives, start connects; once it is gone, connect fails:
 * a start that cannot hang on a dead container. */
static int make_start_socket(struct create *cr, struct keel_error **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", cr->c->dirfd,
                 KEEL_START_SOCKET);
        cr->start_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (cr->start_fd < 0)
                return keel_error_set(err, errno, "start socket");
        if (bind(cr->start_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || listen(cr->start_fd, 1) < 0)
                return keel_error_set(err, errno, "start socket");
        return 0;
}

/* An image's bundle: the rootfs is an overlay of the store's layers under
 * a writable layer in the state dir (image/store.h), mounted by stage 1. */
static int make_image_rootfs(struct create *cr, struct keel_error **err)
{
        const struct keel_string_map *ann = &cr->cfg->annotations;
        const struct keel_linux *lx = cr->cfg->linux_cfg;
        const char *layers = NULL;
        bool new_mountns = false;
        int ret;

        for (size_t i = 0; i < ann->n; i++)
                if (strcmp(ann->keys[i], KEEL_IMAGE_LAYERS_ANNOTATION) == 0)
                        layers = ann->values[i];
        if (layers == NULL)
                return 0;
        for (size_t i = 0; i < lx->n_namespaces; i++)
                new_mountns |= lx->namespaces[i].type == KEEL_NS_MOUNT && !lx->namespaces[i].path;
        if (!new_mountns)
                return keel_error_setq(err, EINVAL, "annotation %s: needs a new mount namespace",
                                       KEEL_IMAGE_LAYERS_ANNOTATION);
        ret = keel_image_rootfs_prepare(cr->store->rootfd, cr->c->dirfd, layers, &cr->image, err);
        if (ret < 0)
                return ret;
        free(cr->rootfs);
        cr->rootfs = strdup(cr->image->rootfs);
        return cr->rootfs ? 0 : keel_error_set(err, ENOMEM, "rootfs");
}

static int adopt_init(struct create *cr, pid_t pid, struct keel_error **err);

/* In the child of either fork: what only the runtime may hold goes, the
 * image's overlay is mounted, then stage 1 or (direct) the init proper. */
static void __attribute__((noreturn)) run_child(struct create *cr, int fds[2], bool direct)
{
        struct keel_error *cerr = NULL;

        /* What keel's caller leaked into it never reaches the container. */
        if (keel_process_close_inherited_fds(cr->args.preserve_fds, &cerr) < 0) {
                keel_sync_send_error(fds[1], cerr);
                _exit(EXIT_FAILURE);
        }
        /* The container dir's fd carries its flock: a copy kept by the
         * init would hold the lock for the container's life. */
        close(fds[0]);
        if (cr->image != NULL) {
                if (keel_image_rootfs_enter(cr->image, &cerr) < 0) {
                        keel_sync_send_error(fds[1], cerr);
                        _exit(EXIT_FAILURE);
                }
                /* Its fds hold the store's lock: not for the init. */
                keel_image_rootfs_free(cr->image);
        }
        close(cr->c->dirfd);
        close(cr->store->rootfd);
        if (cr->cg != NULL)
                close(cr->cg->dirfd);
        if (direct)
                keel_init_direct(&cr->args);
        keel_init_stage1(&cr->args);
}

/* keel_init_can_skip_stage1: the runtime makes the pid namespace and forks
 * the init into it itself.  Returns the init's pid. */
static pid_t fork_init_directly(struct create *cr, int fds[2], struct keel_error **err)
{
        _cleanup_close_ int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        pid_t pid;
        int e;

        if (own < 0)
                return keel_error_set(err, errno, "open /proc/self/ns/pid");
        if (unshare(CLONE_NEWPID) < 0)
                return keel_error_set(err, errno, "create namespaces");
        pid = fork();
        if (pid == 0) {
                close(own);
                run_child(cr, fds, true);
        }
        e = errno;
        /* The runtime's later children (hooks) stay in its pid namespace. */
        if (setns(own, CLONE_NEWPID) < 0) {
                e = errno;
                if (pid > 0) {
                        kill(pid, SIGKILL);
                        waitpid(pid, NULL, 0);
                }
                return keel_error_set(err, e, "return to keel's pid namespace");
        }
        return pid < 0 ? keel_error_set(err, e, "fork the container init") : pid;
}

/* The init will be visible in a pid namespace that other processes share
 * before it has become the container's process: keel traces it from its
 * fork (linux/ptrace-guard.h).  Where keel may not trace (a Yama policy),
 * the create goes on as runc's and crun's do, with a warning. */
static void guard_init(struct create *cr)
{
        struct keel_error *gerr = NULL;

        if (keel_ptrace_guard_start(&cr->guard, cr->stage1, &gerr) < 0) {
                keel_warn("create %s: %s; a process of the pid namespace it joins holding "
                          "CAP_SYS_PTRACE could attach to the init during its setup",
                          cr->o->id, gerr ? gerr->msg : "ptrace failed");
                keel_error_free(gerr);
        }
        /* Stage 1 forks the init only after this. */
        keel_sync_send(cr->sync_fd, KEEL_SYNC_TRACED, 0, NULL, -1);
}

/* The host path a cgroup mount binds when the kernel refuses to mount
 * cgroup2 (linux/mount.c, cgroup_fallback): the hierarchy keel uses, found now, before the
 * container's namespaces exist.  None found: the mount fails as it is. */
static void plan_cgroup_root(struct create *cr)
{
        struct keel_error *ignored = NULL;

        if (cr->cg != NULL)
                cr->cgroup_root = strdup(cr->cg->mount);
        else if (cr->cg_mount != NULL)
                cr->cgroup_root = strdup(cr->cg_mount);
        else if (keel_cgroup_find_mount(&cr->cgroup_root, &ignored) < 0)
                keel_error_free(ignored);
        cr->args.cgroup_root = cr->cgroup_root;
}

/* No mount namespace of the container's own: keel binds the rootfs in its
 * own namespace (linux/rootfs.h) and records the mount, so that delete, or
 * a sweep after a killed create, takes it away. */
static int bind_rootfs_here(struct create *cr, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid() }, .n = 1 };
        char buf[32];
        uint64_t id;
        int n, ret;

        ret = keel_rootfs_bind_for_runtime_ns(cr->rootfs, &self, &cr->rootfs_mnt, &id, err);
        if (ret < 0)
                return ret;
        n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long) id);
        return keel_write_file_atomic_at(cr->c->dirfd, KEEL_ROOTFS_MOUNT, buf, (size_t) n, 0600,
                                         err);
}

/* keel's own procfs (linux/procfs.h), opened here while keel's mount
 * namespace is its own, for the writes to files of keel's children: the
 * runtime's to stage 1's uid_map, gid_map and setgroups, stage 1's (or the
 * direct init's) to its own oom_score_adj and timens_offsets; and the
 * runtime's view of the init's root (send_mount_sources).  Only when one
 * of them will happen. */
static int open_own_procfs(struct create *cr, struct keel_error **err)
{
        const struct keel_ns_plan *plan = &cr->args.plan;

        cr->args.runtime_procfd = -1;
        if (!keel_ns_plan_has(plan, KEEL_NS_USER) && !(plan->new_flags & CLONE_NEWTIME) &&
            !cr->cfg->process->has_oom_score_adj)
                return 0;
        cr->procfd = keel_procfs_open_own(err);
        if (cr->procfd < 0)
                return cr->procfd;
        cr->args.runtime_procfd = cr->procfd;
        return 0;
}

static int spawn_stage1(struct create *cr, struct keel_error **err)
{
        int fds[2];
        int ret;

        ret = keel_ns_plan_open(cr->cfg->linux_cfg, &cr->args.plan, err);
        if (ret == 0)
                ret = check_userns(cr->cfg, &cr->args.plan, err);
        /* With the joined namespaces open: is one of them the runtime's? */
        if (ret == 0)
                ret = cr->cfg->linux_cfg ? keel_sysctl_check(&cr->cfg->linux_cfg->sysctl,
                                                             &cr->args.plan, err) : 0;
        if (ret == 0)
                ret = keel_netdev_check_plan(cr->cfg->linux_cfg, &cr->args.plan, err);
        if (ret == 0)
                plan_cgroup_root(cr);
        if (ret == 0 && !keel_ns_plan_has(&cr->args.plan, KEEL_NS_MOUNT))
                ret = bind_rootfs_here(cr, err);
        if (ret == 0)
                ret = keel_caps_parse(cr->cfg->process->capabilities, &cr->args.caps, err);
        if (ret == 0 && cr->cfg->linux_cfg->seccomp)
                ret = keel_seccomp_compile(cr->cfg->linux_cfg->seccomp, &cr->args.seccomp, err);
        if (ret == 0 && cr->args.seccomp && keel_seccomp_filter_needs_notify(cr->args.seccomp))
                ret = keel_seccomp_listener_connect(cr->cfg->linux_cfg->seccomp->listener_path,
                                                    &cr->args.seccomp_listener, err);
        /* Made here, by root on the host: the init could not (idmap.h). */
        if (ret == 0)
                ret = keel_idmap_prepare(cr->cfg, cr->bundle, cr->rootfs, &cr->args.idmap_fds, err);
        if (ret == 0)
                ret = open_own_procfs(cr, err);
        if (ret == 0)
                ret = keel_sync_pair(fds, err);
        if (ret < 0) {
                keel_ns_plan_close(&cr->args.plan);
                return ret;
        }
        cr->args.cfg = cr->cfg;
        cr->args.bundle = cr->bundle;
        cr->args.rootfs = cr->rootfs;
        cr->args.state = cr->state;
        cr->args.start_fd = cr->start_fd;
        cr->args.preserve_fds = cr->o->preserve_fds + cr->o->listen_fds;
        cr->args.no_pivot = cr->o->no_pivot;
        cr->args.no_new_keyring = cr->o->no_new_keyring;
        cr->args.runtime_pid = getpid();
        /* Root on the host may open what a user namespace may not reach;
         * rootless keel has no more rights than the init. */
        cr->args.sources_from_runtime = keel_ns_plan_has(&cr->args.plan, KEEL_NS_USER) &&
                                        geteuid() == 0;
        cr->args.sync_fd = fds[1];

        if (keel_init_can_skip_stage1(&cr->args.plan)) {
                pid_t pid = fork_init_directly(cr, fds, err);

                close(fds[1]);
                keel_ns_plan_close(&cr->args.plan);
                closep(&cr->args.seccomp_listener);
                cr->sync_fd = fds[0];
                return pid < 0 ? (int) pid : adopt_init(cr, pid, err);
        }
        cr->stage1 = fork();
        if (cr->stage1 < 0) {
                ret = keel_error_set(err, errno, "fork");
                close(fds[0]);
                close(fds[1]);
                return ret;
        }
        if (cr->stage1 == 0)
                run_child(cr, fds, false);
        close(fds[1]);
        cr->sync_fd = fds[0];
        if (cr->args.plan.join_flags & CLONE_NEWPID)
                guard_init(cr);
        keel_ns_plan_close(&cr->args.plan);
        closep(&cr->args.seccomp_listener);
        return 0;
}

static int run_hooks(struct create *cr, enum keel_hook_kind kind, enum keel_status status,
                     struct keel_error **err)
{
        const struct keel_hook_list *list = cr->cfg->hooks ? keel_hooks_get(cr->cfg->hooks, kind) : NULL;
        _cleanup_free_ char *json = NULL;
        size_t len;
        int ret;

        if (list == NULL || list->n == 0)
                return 0;
        cr->state->status = status;
        ret = keel_state_to_json(cr->state, false, &json, &len, err);
        if (ret == 0)
                ret = keel_hooks_run_list_in(list, kind, cr->bundle, json, len, false, err);
        return ret;
}

static int take_console(struct create *cr, int fd, struct keel_error **err);

/* criu's notifications during a restore: the namespaces exist and the
 * restored init waits to resume (prestart and createRuntime hooks run
 * then, as runc runs prestart), and a container with a terminal gets a
 * new pty master (to --console-socket, as runc does). */
static int restore_notify(void *data, const char *script, pid_t pid, int fd,
                          struct keel_error **err)
{
        struct create *cr = data;
        int ret = 0;

        if (strcmp(script, "orphan-pts-master") == 0)
                return fd >= 0 ? take_console(cr, fd, err)
                               : keel_error_setq(err, EPROTO, "criu: orphan-pts-master without a pty");
        if (fd >= 0)
                close(fd);
        if (strcmp(script, "setup-namespaces") == 0 && pid > 0) {
                cr->state->pid = pid;
                ret = run_hooks(cr, KEEL_HOOK_PRESTART, KEEL_STATUS_CREATING, err);
                if (ret == 0)
                        ret = run_hooks(cr, KEEL_HOOK_CREATE_RUNTIME, KEEL_STATUS_CREATING, err);
        }
        return ret;
}

static int enter_image_rootfs(void *image, struct keel_error **err)
{
        return keel_image_rootfs_enter(image, err);
}

/* restore: criu brings the init back from the images, as keel's child,
 * in the container's cgroup; keel adopts it as create adopts its init. */
static int restore_init(struct create *cr, struct keel_error **err)
{
        _cleanup_free_ char *root_mnt = NULL, *cgdir = NULL;
        struct keel_criu_restore r = {
                .cfg = cr->cfg, .bundle = cr->bundle, .rootfs = cr->rootfs,
                .enter_rootfs = cr->image ? enter_image_rootfs : NULL, .enter_data = cr->image,
                .notify = restore_notify, .notify_data = cr,
        };
        pid_t pid;
        int ret;

        if (cr->cfg->process->terminal && !cr->o->console_socket && !cr->o->keep_console)
                return keel_error_setq(err, EINVAL, "process.terminal needs --console-socket "
                                       "when keel does not stay attached");
        if (cr->cfg->linux_cfg && cr->cfg->linux_cfg->n_net_devices > 0)
                return keel_error_setq(err, ENOTSUP, "restore: linux.netDevices: moving devices "
                                       "into a restored container is not supported yet");
        if (asprintf(&root_mnt, "%s/%s/criu-root", cr->store->root, cr->c->tmp_name) < 0)
                return keel_error_set(err, ENOMEM, "restore");
        if (mkdir(root_mnt, 0700) < 0)
                return keel_error_set(err, errno, "restore: mkdir %s", root_mnt);
        if (cr->cg != NULL && cr->cg_mount == NULL) {
                ret = keel_cgroup_find_mount(&cr->cg_mount, err);
                if (ret < 0)
                        return ret;
        }
        if (cr->cg != NULL && asprintf(&cgdir, "%s/%s", cr->cg_mount,
                                       cr->state->cgroup_path + (cr->state->cgroup_path[0] == '/')) < 0)
                return keel_error_set(err, ENOMEM, "restore");
        r.root_mnt = root_mnt;
        r.cgroup_path = cr->cg ? cr->state->cgroup_path : NULL;
        r.cgroup_dir = cgdir;
        ret = keel_criu_restore(cr->o->restore, &r, &pid, err);
        rmdir(root_mnt);
        return ret == 0 ? adopt_init(cr, pid, err) : ret;
}

/* Stage 1 reported the init's pid: it is ours to place in the cgroup. */
static int adopt_init(struct create *cr, pid_t pid, struct keel_error **err)
{
        int status, ret;

        cr->init = pid;
        cr->init_pidfd = keel_pidfd_open(pid, 0);
        if (cr->init_pidfd < 0)
                return keel_error_set(err, errno, "open the init process");
        while (cr->stage1 > 0 && waitpid(cr->stage1, &status, 0) < 0 && errno == EINTR)
                ;
        cr->stage1 = 0;
        ret = keel_proc_start_time(pid, &cr->state->init_start_time);
        if (ret < 0)
                return keel_error_setq(err, -ret, "container init exited during setup");
        cr->state->pid = pid;
        if (cr->unit.unit != NULL) {
                ret = start_systemd_scope(cr, pid, err);
                if (ret < 0)
                        return ret;
        } else if (cr->cg != NULL) {
                ret = keel_cgroup_enter(cr->cg, pid, err);
                if (ret < 0)
                        return ret;
        }
        ret = keel_container_write_state(cr->c, cr->state, err);
        if (ret < 0)
                return ret;
        keel_phase(&cr->phases, "init forked and put in its cgroup");
        if (cr->sync_fd < 0)    /* restored: criu's, not ours to talk to */
                return 0;
        if (keel_sync_send(cr->sync_fd, KEEL_SYNC_CGROUP_JOINED, pid, NULL, -1) < 0)
                return keel_error_setq(err, EPIPE, "container init exited during setup");
        return 0;
}

/* The init is in its network namespace and sent a socket of it: the
 * devices move in before any hook runs (linux/netdev.h). */
static int move_net_devices(struct create *cr, int sock, struct keel_error **err)
{
        int ret = keel_netdev_move_in(&cr->netdevs, cr->cfg->linux_cfg, sock, err);

        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_NET_DEVICES_DONE, 0, NULL, -1) < 0)
                ret = keel_error_setq(err, EPIPE, "container init exited during setup");
        return ret;
}

/* The init, in a user namespace, asks for root.path and its bind
 * sources (linux/mount-sources.h): opened with keel's rights but in the init's
 * mount namespace, through /proc/<init>/root. */
static int send_mount_sources(struct create *cr, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid(), cr->init, cr->stage1 }, .n = 3 };
        struct keel_mount_sources s = KEEL_MOUNT_SOURCES_INIT;
        _cleanup_close_ int root = -1;
        char path[64];
        int ret;

        snprintf(path, sizeof(path), "%d/root", (int) cr->init);
        root = openat(cr->procfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return keel_error_set(err, errno, "open the container's mount namespace "
                                      "(/proc/%s)", path);
        ret = keel_mount_sources_open(cr->cfg, cr->bundle, cr->rootfs, root, &self, &s, err);
        if (ret < 0)
                return ret;
        if (keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, -1, NULL, s.root) < 0 ||
            keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, -2, NULL, s.root_mount) < 0)
                ret = -1;
        for (size_t i = 0; ret == 0 && i < s.n; i++)
                if (s.fds[i] >= 0 &&
                    keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCE, (int) i, NULL, s.fds[i]) < 0)
                        ret = -1;
        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_MOUNT_SOURCES, 0, NULL, -1) < 0)
                ret = -1;
        keel_mount_sources_close(&s);
        if (ret < 0)
                return keel_error_setq(err, EPIPE, "container process exited during setup");
        return 0;
}

static int take_console(struct create *cr, int fd, struct keel_error **err)
{
        int ret = 0;

        if (cr->o->console_socket != NULL)
                ret = keel_console_socket_send(cr->o->console_socket, fd, err);
        else if (cr->o->keep_console) {
                cr->console = fd;
                return 0;
        } else
                ret = keel_error_setq(err, EINVAL,
                                      "process.terminal needs --console-socket when keel does not stay attached");
        close(fd);
        return ret;
}

/* Until the init or stage 1 has something to say, resuming them when
 * traced (ptrace-guard.h): a tracee waits in its stops for keel. */
static int wait_for_init(struct create *cr, struct keel_error **err)
{
        struct pollfd p[2] = {
                { .fd = cr->sync_fd, .events = POLLIN },
                { .fd = cr->guard.sigfd, .events = POLLIN },
        };

        if (cr->guard.sigfd < 0)
                return 0;
        for (;;) {
                keel_ptrace_guard_serve(&cr->guard);
                if (poll(p, 2, -1) < 0 && errno != EINTR)
                        return keel_error_set(err, errno, "wait for the container init");
                if (p[0].revents)
                        return 0;
        }
}

/* Serve the container side until it reports ready. */
static int talk_to_init(struct create *cr, struct keel_error **err)
{
        struct keel_sync_msg msg;
        int fd, ret;

        for (;;) {
                ret = wait_for_init(cr, err);
                if (ret == 0)
                        ret = keel_sync_recv(cr->sync_fd, 0, &msg, &fd, err);
                if (ret < 0)
                        return ret;
                switch (msg.type) {
                case KEEL_SYNC_USERNS_READY:
                        ret = keel_ns_write_id_maps(cr->procfd, cr->stage1, cr->cfg->linux_cfg, err);
                        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_USERNS_MAPPED, 0, NULL, -1) < 0)
                                ret = keel_error_setq(err, EPIPE, "container process exited during setup");
                        break;
                case KEEL_SYNC_PID:
                        ret = adopt_init(cr, msg.value, err);
                        break;
                case KEEL_SYNC_MOUNT_SOURCES:
                        ret = send_mount_sources(cr, err);
                        break;
                case KEEL_SYNC_CONSOLE:
                        ret = fd >= 0 ? take_console(cr, fd, err)
                                      : keel_error_setq(err, EPROTO, "console message without a pty");
                        break;
                case KEEL_SYNC_NET_DEVICES:
                        ret = fd >= 0 ? move_net_devices(cr, fd, err)
                                      : keel_error_setq(err, EPROTO, "network devices message without a socket");
                        break;
                case KEEL_SYNC_CREATE_RUNTIME:
                        ret = run_hooks(cr, KEEL_HOOK_PRESTART, KEEL_STATUS_CREATING, err);
                        if (ret == 0)
                                ret = run_hooks(cr, KEEL_HOOK_CREATE_RUNTIME, KEEL_STATUS_CREATING, err);
                        if (ret == 0 && keel_sync_send(cr->sync_fd, KEEL_SYNC_CREATE_RUNTIME_DONE, 0, NULL, -1) < 0)
                                ret = keel_error_setq(err, EPIPE, "container process exited during setup");
                        break;
                case KEEL_SYNC_READY:
                        /* The init is the container's process now. */
                        ret = keel_ptrace_guard_release(&cr->guard, err);
                        keel_ptrace_guard_end(&cr->guard);
                        return ret;
                default:
                        if (fd >= 0)
                                close(fd);
                        ret = keel_error_setq(err, EPROTO, "unexpected message %u from the container",
                                              msg.type);
                }
                if (ret < 0)
                        return ret;
        }
}

static int publish(struct create *cr, struct keel_error **err)
{
        int ret;

        cr->state->status = cr->o->restore ? KEEL_STATUS_RUNNING : KEEL_STATUS_CREATED;
        ret = keel_container_write_state(cr->c, cr->state, err);
        if (ret == 0)
                ret = keel_store_publish(cr->store, cr->c, err);
        if (ret == 0 && cr->o->pid_file)
                ret = keel_write_pid_file(cr->o->pid_file, cr->init, err);
        return ret;
}

/* Undo a create that failed: the network devices go back, the init and
 * stage 1 die, the cgroup and the state directory go.  Mounts went with the
 * init's mount namespace. */
static void create_abort(struct create *cr)
{
        int status;

        /* While keel's socket holds the namespace, whatever the init did. */
        keel_netdev_move_back(&cr->netdevs);

        if (cr->stage1 > 0) {
                kill(cr->stage1, SIGKILL);
                while (waitpid(cr->stage1, &status, 0) < 0 && errno == EINTR)
                        ;
        }
        if (cr->init_pidfd >= 0) {
                struct pollfd p = { .fd = cr->init_pidfd, .events = POLLIN };

                keel_pidfd_send_signal(cr->init_pidfd, SIGKILL, NULL, 0);
                poll(&p, 1, 5000);
                /* keel run is the init's subreaper: reap it here. */
                waitpid(cr->init, &status, WNOHANG);
        }
        /* Mounts went with the init's mount namespace, unless it had none. */
        if (cr->rootfs_mnt >= 0)
                keel_rootfs_unbind_fd(cr->rootfs_mnt);
        if (cr->cg != NULL) {
                keel_cgroup_kill(cr->cg, SIGKILL, NULL);
                /* A cgroup that existed before us is left as it was found. */
                if (cr->cg->created)
                        keel_cgroup_destroy(cr->cg, NULL);
                else
                        keel_cgroup_free(cr->cg);
                cr->cg = NULL;
        }
        /* systemd removes the scope's cgroup with the unit. */
        if (cr->scope_requested)
                keel_systemd_stop_unit(cr->unit.unit, NULL);
        if (cr->c != NULL) {
                keel_store_remove(cr->store, cr->c, NULL);
                cr->c = NULL;
        }
}

static void create_release(struct create *cr)
{
        closep(&cr->sync_fd);
        closep(&cr->start_fd);
        closep(&cr->args.seccomp_listener);
        keel_seccomp_filter_free(cr->args.seccomp);
        keel_cgroup_plan_clear(&cr->limits);
        if (cr->cfg != NULL)
                keel_idmap_close(cr->args.idmap_fds, cr->cfg->n_mounts);
        closep(&cr->init_pidfd);
        closep(&cr->procfd);
        closep(&cr->console);
        keel_netdev_release(&cr->netdevs);
        closep(&cr->rootfs_mnt);
        keel_image_rootfs_free(cr->image);
        keel_systemd_unit_clear(&cr->unit);
        free(cr->cg_mount);
        free(cr->cgroup_root);
        if (cr->cg != NULL)
                keel_cgroup_free(cr->cg);
        if (cr->c != NULL)
                keel_container_dir_close(cr->c);
        keel_state_free(cr->state);
        keel_config_free(cr->cfg);
        free(cr->raw_config);
        free(cr->bundle);
        free(cr->rootfs);
}

int keel_container_create(struct keel_store *store, const struct keel_create_opts *o,
                          struct keel_created *out, struct keel_error **err)
{
        struct create cr = {
                .o = o, .store = store, .sync_fd = -1, .start_fd = -1, .args.seccomp_listener = -1,
                .init_pidfd = -1, .console = -1, .guard = KEEL_PTRACE_GUARD_INIT,
                .netdevs = KEEL_NETDEVS_INIT, .rootfs_mnt = -1, .procfd = -1,
        };
        _cleanup_free_ char *what = NULL;
        int ret;

        if (asprintf(&what, "create %s", o->id) < 0)
                what = NULL;
        keel_phases_begin(&cr.phases, what ? what : "create");
        keel_container_sweep(store);
        ret = keel_id_validate(o->id, err);
        if (ret == 0)
                ret = load_bundle(&cr, err);
        if (ret == 0) {
                keel_phase(&cr.phases, "config.json read and checked");
                ret = make_state(&cr, err);
        }
        if (ret == 0)
                ret = keel_store_reserve(store, o->id, &cr.c, err);
        if (ret == 0)
                ret = keel_write_file_atomic_at(cr.c->dirfd, KEEL_CONFIG_COPY, cr.raw_config, cr.raw_len,
                                                0600, err);
        if (ret == 0)
                ret = make_image_rootfs(&cr, err);
        if (ret == 0) {
                keel_phase(&cr.phases, "state dir reserved, config copied");
                ret = make_cgroup(&cr, err);
        }
        if (ret == 0 && !o->restore)
                ret = make_start_socket(&cr, err);
        if (ret == 0 && o->restore) {
                keel_phase(&cr.phases, "cgroup made");
                ret = restore_init(&cr, err);
        } else if (ret == 0) {
                keel_phase(&cr.phases, "cgroup made, start socket bound");
                ret = spawn_stage1(&cr, err);
        }
        if (ret == 0 && !o->restore)
                ret = talk_to_init(&cr, err);
        if (ret == 0) {
                keel_phase(&cr.phases, "init ready (namespaces, rootfs, mounts, /dev, pivot_root, "
                           "process prepared)");
                ret = publish(&cr, err);
        }
        if (ret == 0)
                keel_phase(&cr.phases, "state published");
        if (ret < 0) {
                create_abort(&cr);
                keel_ptrace_guard_end(&cr.guard);
                create_release(&cr);
                return ret;
        }
        /* The init may be gone already (a failing startContainer setup):
         * the container then reads as stopped, which is the truth. */
        if (cr.sync_fd >= 0)
                keel_sync_send(cr.sync_fd, KEEL_SYNC_READY, 0, NULL, -1);
        if (out != NULL) {
                out->pid = cr.init;
                out->console_master = cr.console;
                cr.console = -1;
        }
        create_release(&cr);
        return 0;
}
