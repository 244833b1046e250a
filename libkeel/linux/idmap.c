/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/idmap.h"
#include "linux/mount-options.h"
#include "linux/mount-sources.h"
#include "linux/mount.h"
#include "linux/ns.h"
#include "linux/procfs.h"
#include "util/cleanup.h"
#include "util/path.h"

int keel_idmap_userns(int procfd, const struct keel_id_mapping *uid, size_t n_uid,
                      const struct keel_id_mapping *gid, size_t n_gid, struct keel_error **err)
{
        int ready[2], go[2], ret, fd = -1, status;
        char path[64], c = 0;
        pid_t pid;

        if (pipe2(ready, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "idmap: pipe");
        if (pipe2(go, O_CLOEXEC) < 0) {
                ret = keel_error_set(err, errno, "idmap: pipe");
                close(ready[0]);
                close(ready[1]);
                return ret;
        }
        pid = fork();
        if (pid == 0) {
                /* Holds the namespace until keel has its fd; nothing else. */
                close(ready[0]);
                close(go[1]);
                c = unshare(CLONE_NEWUSER) == 0 ? 'u' : 'e';
                if (write(ready[1], &c, 1) == 1)
                        (void) !read(go[0], &c, 1);
                _exit(0);
        }
        close(ready[1]);
        close(go[0]);
        if (pid < 0) {
                ret = keel_error_set(err, errno, "idmap: fork");
        } else if (read(ready[0], &c, 1) != 1 || c != 'u') {
                ret = keel_error_setq(err, EPERM, "idmap: the helper could not create a user "
                                      "namespace");
        } else {
                /* The helper is keel's child, in keel's pid namespace: its
                 * files through keel's own procfs (procfs.h). */
                ret = keel_ns_write_id_map(procfd, pid, "uid_map", uid, n_uid, "idmap", err);
                if (ret == 0)
                        ret = keel_ns_write_id_map(procfd, pid, "gid_map", gid, n_gid, "idmap",
                                                   err);
                if (ret == 0) {
                        snprintf(path, sizeof(path), "%d/ns/user", (int) pid);
                        fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
                        if (fd < 0)
                                ret = keel_error_set(err, errno, "idmap: open /proc/%s", path);
                }
        }
        close(ready[0]);
        close(go[1]); /* the helper reads EOF and exits */
        if (pid > 0)
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                        ;
        return ret < 0 ? ret : fd;
}

void keel_idmap_close(int *fds, size_t n)
{
        if (fds == NULL)
                return;
        for (size_t i = 0; i < n; i++)
                if (fds[i] >= 0)
                        close(fds[i]);
        free(fds);
}

/* The mapping for mounts[i]: its own, else the container's. */
static int pick_maps(const struct keel_config *cfg, const struct keel_mount *m, size_t i,
                     const struct keel_id_mapping **uid, size_t *nu,
                     const struct keel_id_mapping **gid, size_t *ng, struct keel_error **err)
{
        const struct keel_linux *lx = cfg->linux_cfg;

        if (!m->n_uid_mappings != !m->n_gid_mappings)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: uidMappings and gidMappings "
                                       "go together", i);
        if (m->n_uid_mappings) {
                *uid = m->uid_mappings, *nu = m->n_uid_mappings;
                *gid = m->gid_mappings, *ng = m->n_gid_mappings;
                return 0;
        }
        if (lx == NULL || !lx->n_uid_mappings || !lx->n_gid_mappings)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: idmap: no uidMappings and "
                                       "gidMappings on the mount, and no user namespace "
                                       "mappings to take them from", i);
        *uid = lx->uid_mappings, *nu = lx->n_uid_mappings;
        *gid = lx->gid_mappings, *ng = lx->n_gid_mappings;
        return 0;
}

/* The source, as mount.c resolves it: inside the rootfs when it is below
 * it, else on the host but never through keel's own /proc. */
static int open_source(const char *rootfs, const char *source, size_t i, struct keel_error **err)
{
        struct keel_path_self self = { .pids = { getpid() }, .n = 1 };
        _cleanup_close_ int dir = -1;
        int fd;

        if (rootfs != NULL && keel_mount_source_in_rootfs(rootfs, source)) {
                dir = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
                fd = dir < 0 ? -errno : keel_path_open_in_root(dir, source + strlen(rootfs) + 1,
                                                               O_PATH, 0, NULL);
                if (fd < 0)
                        return keel_error_set(err, -fd, "mounts[%zu]: idmap: %s", i, source);
                return fd;
        }
        dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return keel_error_set(err, errno, "open /");
        fd = keel_path_open_host(dir, source, &self, O_PATH, err);
        if (fd < 0)
                return keel_error_prefix(err, "mounts[%zu].source", i);
        return fd;
}

static int idmap_one(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                     size_t i, const struct keel_mount_opts *o, int *procfd, int *out,
                     struct keel_error **err)
{
        const struct keel_mount *m = &cfg->mounts[i];
        const struct keel_id_mapping *uid = NULL, *gid = NULL;
        _cleanup_free_ char *source = NULL;
        _cleanup_close_ int userns = -1, mnt = -1, src = -1;
        struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };
        size_t nu = 0, ng = 0;
        int r;

        if (!o->bind && !(m->type && strcmp(m->type, "bind") == 0))
                return keel_error_setq(err, ENOTSUP, "mounts[%zu]: idmap: keel idmaps bind "
                                       "mounts only", i);
        if (m->source == NULL)
                return keel_error_setq(err, EINVAL, "mounts[%zu]: source: required for a bind "
                                       "mount", i);
        r = pick_maps(cfg, m, i, &uid, &nu, &gid, &ng, err);
        if (r < 0)
                return r;
        source = keel_mount_source_path(bundle, m);
        if (source == NULL)
                return keel_error_set(err, ENOMEM, "mounts[%zu]", i);
        src = open_source(rootfs, source, i, err);
        if (src < 0)
                return src;
        if (*procfd < 0)
                *procfd = keel_procfs_open_own(err);
        if (*procfd < 0)
                return *procfd;
        userns = keel_idmap_userns(*procfd, uid, nu, gid, ng, err);
        if (userns < 0)
                return keel_error_prefix(err, "mounts[%zu]", i);
        mnt = keel_mount_clone(src, "", o->rbind);
        if (mnt < 0)
                return keel_error_set(err, -mnt, "mounts[%zu]: idmap: bind %s", i, m->source);
        attr.userns_fd = (uint64_t) userns;
        if (mount_setattr(mnt, "", AT_EMPTY_PATH | (o->ridmap ? AT_RECURSIVE : 0), &attr,
                          sizeof(attr)) < 0)
                return keel_error_set(err, errno, "mounts[%zu]: idmap %s (the file system must "
                                      "support idmapped mounts)", i, m->source);
        *out = take_fd(&mnt);
        return 0;
}

int keel_idmap_prepare(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                       int **fds, struct keel_error **err)
{
        _cleanup_close_ int procfd = -1;
        int *v = NULL;
        int r = 0;

        *fds = NULL;
        for (size_t i = 0; r == 0 && i < cfg->n_mounts; i++) {
                const struct keel_mount *m = &cfg->mounts[i];
                struct keel_mount_opts o;

                r = keel_mount_opts_parse((const char *const *) m->options, m->n_options, &o, err);
                if (r < 0) {
                        keel_error_prefix(err, "mounts[%zu]: options", i);
                        break;
                }
                if (o.idmap || m->n_uid_mappings || m->n_gid_mappings) {
                        if (v == NULL) {
                                v = malloc(cfg->n_mounts * sizeof(*v));
                                if (v == NULL)
                                        r = keel_error_set(err, ENOMEM, "idmap");
                                for (size_t j = 0; v && j < cfg->n_mounts; j++)
                                        v[j] = -1;
                        }
                        if (r == 0)
                                r = idmap_one(cfg, bundle, rootfs, i, &o, &procfd, &v[i], err);
                }
                keel_mount_opts_clear(&o);
        }
        if (r < 0) {
                keel_idmap_close(v, cfg->n_mounts);
                return r;
        }
        *fds = v;
        return 0;
}
