/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container-create.h"
#include "lib-log.h"
#include "linux/idmap.h"
#include "linux/rootfs.h"
#include "linux/seccomp.h"
#include "linux/sync.h"
#include "linux/exe-guard.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json-scan.h"
#include "util/path.h"
#include "util/phase.h"
#include "util/socket.h"
#include "util/syscall.h"

/* `create`, top to bottom (keel_container_create): the bundle is read and
 * checked (container-validate.c), the state dir reserved, the cgroup made
 * (container-cgroup.c), the init forked and served until it is ready, or
 * restored by criu (container-spawn.c), then the container is published.
 * A failure on the way undoes every earlier step (create_abort). */

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

/* The date by hand (days since 1970 to a civil date, in 400-year eras of
 * 146097 days, March-based years): glibc's gmtime_r and strftime call
 * tzset, which reads /etc/localtime (seven syscalls) for a UTC time that
 * needs no zone. */
static char *now_rfc3339(void)
{
        struct timespec ts;
        long long days, secs, era, doe, yoe, doy, mp, y;
        unsigned int m, d;
        char *out = NULL;

        clock_gettime(CLOCK_REALTIME, &ts);
        days = ts.tv_sec / 86400;
        secs = ts.tv_sec % 86400;
        if (secs < 0) {
                secs += 86400;
                days--;
        }
        days += 719468; /* from 1970-01-01 to 0000-03-01 */
        era = (days >= 0 ? days : days - 146096) / 146097;
        doe = days - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        d = (unsigned int) (doy - (153 * mp + 2) / 5 + 1);
        m = (unsigned int) (mp < 10 ? mp + 3 : mp - 9);
        y = yoe + era * 400 + (m <= 2);
        if (asprintf(&out, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600,
                     secs / 60 % 60, secs % 60, ts.tv_nsec) < 0)
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

/* The config.json create reads: the bundle's (bfd, named bundle in
 * errors), or crun's --config, a file that replaces it (root.path still
 * starts from the bundle). */
static int read_config(const struct keel_create_opts *o, int bfd, const char *bundle,
                       char **raw, size_t *len, struct keel_error **err)
{
        int ret;

        if (o->config_path != NULL) {
                ret = keel_read_file_at(AT_FDCWD, o->config_path, KEEL_CONFIG_MAX_SIZE, raw, len,
                                        err);
                return ret < 0 ? keel_error_prefix(err, "--config %s", o->config_path) : 0;
        }
        ret = keel_read_file_at(bfd, "config.json", KEEL_CONFIG_MAX_SIZE, raw, len, err);
        return ret < 0 ? keel_error_prefix(err, "read %s/config.json", bundle) : 0;
}

bool keel_exe_guard_needed_for_create(const struct keel_create_opts *o)
{
        const char *b = o->bundle ? o->bundle : ".";
        _cleanup_config_ struct keel_config *cfg = NULL;
        _cleanup_close_ int bfd = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;

        if (bfd < 0 || read_config(o, bfd, b, &raw, &len, NULL) < 0)
                return true;
        if (!keel_json_has_user_value(raw, len))
                return true;
        if (keel_config_parse(raw, len, &cfg, NULL) < 0)
                return true;
        return keel_exe_reachable_from(cfg);
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
        ret = read_config(cr->o, bfd, cr->bundle, &cr->raw_config, &cr->raw_len, err);
        if (ret < 0)
                return ret;
        ret = keel_config_parse(cr->raw_config, cr->raw_len, &cr->cfg, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", cr->o->config_path ? cr->o->config_path
                                                                       : "config.json");
        ret = keel_create_check_config(cr->cfg, cr->o, &cr->limits, err);
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

/* The start socket, bound in the state dir (through /proc/self/fd, so a
 * long --root still fits sockaddr_un) and handed to the init by fork.
 * While the init lives, start connects; once it is gone, connect fails:
 * a start that cannot hang on a dead container. */
static int make_start_socket(struct create *cr, struct keel_error **err)
{
        struct sockaddr_un sa;
        int fd = keel_unix_address_at(cr->c->dirfd, KEEL_START_SOCKET, &sa);

        if (fd == 0)
                fd = keel_unix_listen(&sa, 1);
        if (fd < 0)
                return keel_error_set(err, -fd, "start socket");
        cr->start_fd = fd;
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

int keel_create_record_state(struct create *cr, struct keel_error **err)
{
        return keel_container_write_state(cr->c, cr->state, err);
}

/* Named and recorded before it exists, so that a sweeper finds the cgroup
 * if this create is killed from here on (container-create.h). */
static int make_cgroup(struct create *cr, struct keel_error **err)
{
        int ret = keel_create_cgroup_plan(&cr->cgroup, cr->o, cr->cfg->linux_cfg, &cr->limits,
                                          cr->state, err);

        if (ret == 0 && cr->state->cgroup_path != NULL)
                ret = keel_create_record_state(cr, err);
        /* The device program the last create loaded may serve this one. */
        if (ret == 0 && cr->cgroup.driver != KEEL_CREATE_CGROUP_NONE && !cr->cgroup.rootless)
                cr->cgroup.prog.hint = keel_store_device_program(cr->store);
        if (ret == 0)
                ret = keel_create_cgroup_prepare(&cr->cgroup, cr->state, err);
        /* Rootless keel gave the cgroup up: the record says so too. */
        if (ret > 0)
                ret = keel_create_record_state(cr, err);
        return ret;
}

static int publish(struct create *cr, struct keel_error **err)
{
        int ret;

        cr->state->status = cr->o->restore ? KEEL_STATUS_RUNNING : KEEL_STATUS_CREATED;
        ret = keel_create_record_state(cr, err);
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
        keel_create_cgroup_abort(&cr->cgroup);
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
        keel_create_cgroup_release(&cr->cgroup);
        free(cr->cgroup_root);
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
                .args.runtime_procfd = -1,
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
                ret = keel_create_restore_init(&cr, err);
        } else if (ret == 0) {
                keel_phase(&cr.phases, "cgroup made, start socket bound");
                ret = keel_create_spawn_init(&cr, err);
        }
        if (ret == 0) {
                keel_phase(&cr.phases, "init ready (namespaces, rootfs, mounts, /dev, pivot_root, "
                           "process prepared)");
                ret = publish(&cr, err);
        }
        if (ret == 0) {
                keel_phase(&cr.phases, "state published");
                if (cr.args.seccomp != NULL && !cr.seccomp_cached)
                        keel_seccomp_cache_store(store->rootfd, cr.cfg->linux_cfg->seccomp,
                                                 cr.args.seccomp);
                if (cr.cgroup.prog.loaded != 0)
                        keel_store_set_device_program(store, cr.cgroup.prog.loaded);
        }
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
