/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linux/mount-sources.h"
#include "linux/mount.h"
#include "util/cleanup.h"
#include "util/path.h"

bool keel_mount_is_bind(const struct keel_mount *m)
{
        if (m->type != NULL && strcmp(m->type, "bind") == 0)
                return true;
        for (size_t i = 0; i < m->n_options; i++)
                if (strcmp(m->options[i], "bind") == 0 || strcmp(m->options[i], "rbind") == 0)
                        return true;
        return false;
}

char *keel_mount_source_path(const char *bundle, const struct keel_mount *m)
{
        char *path = NULL;

        if (m->source == NULL)
                return NULL;
        if (m->source[0] == '/')
                return strdup(m->source);
        if (asprintf(&path, "%s/%s", bundle, m->source) < 0)
                return NULL;
        return path;
}

bool keel_mount_source_in_rootfs(const char *rootfs, const char *source)
{
        size_t len = rootfs ? strlen(rootfs) : 0;

        return len > 0 && strncmp(source, rootfs, len) == 0 && source[len] == '/';
}

static bool is_idmapped(const struct keel_mount *m)
{
        if (m->n_uid_mappings || m->n_gid_mappings)
                return true;
        for (size_t i = 0; i < m->n_options; i++)
                if (strcmp(m->options[i], "idmap") == 0 || strcmp(m->options[i], "ridmap") == 0)
                        return true;
        return false;
}

/* *fd: mounts[i]'s source opened on the host, or -1 when it is not a
 * host path keel opens (not a bind mount, idmapped, below the rootfs). */
static int open_source(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                       int hostroot, const struct keel_path_self *self, size_t i, int *fd,
                       struct keel_error **err)
{
        const struct keel_mount *m = &cfg->mounts[i];
        _cleanup_free_ char *path = NULL;

        *fd = -1;
        if (!keel_mount_is_bind(m) || m->source == NULL || is_idmapped(m))
                return 0;
        path = keel_mount_source_path(bundle, m);
        if (path == NULL)
                return keel_error_set(err, ENOMEM, "mounts[%zu].source", i);
        if (keel_mount_source_in_rootfs(rootfs, path))
                return 0;
        *fd = keel_path_open_host(hostroot, path, self, O_PATH, err);
        if (*fd < 0)
                return keel_error_prefix(err, "mounts[%zu].source", i);
        return 0;
}

static int open_all(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                    int hostroot, const struct keel_path_self *self, struct keel_mount_sources *s,
                    struct keel_error **err)
{
        s->root = keel_path_open_host(hostroot, rootfs, self, O_PATH | O_DIRECTORY, err);
        if (s->root < 0)
                return keel_error_prefix(err, "root.path");
        s->root_mount = keel_mount_root_of(s->root);
        if (s->root_mount < 0)
                return keel_error_set(err, -s->root_mount, "root.path: the mount holding %s",
                                      rootfs);
        if (cfg->n_mounts == 0)
                return 0;
        s->fds = malloc(cfg->n_mounts * sizeof(*s->fds));
        if (s->fds == NULL)
                return keel_error_set(err, ENOMEM, "mounts");
        s->n = cfg->n_mounts;
        for (size_t i = 0; i < s->n; i++)
                s->fds[i] = -1;
        for (size_t i = 0; i < s->n; i++) {
                int r = open_source(cfg, bundle, rootfs, hostroot, self, i, &s->fds[i], err);

                if (r < 0)
                        return r;
        }
        return 0;
}

int keel_mount_sources_open(const struct keel_config *cfg, const char *bundle, const char *rootfs,
                            int hostroot, const struct keel_path_self *self,
                            struct keel_mount_sources *s, struct keel_error **err)
{
        int r;

        *s = (struct keel_mount_sources) KEEL_MOUNT_SOURCES_INIT;
        r = open_all(cfg, bundle, rootfs, hostroot, self, s, err);
        if (r < 0)
                keel_mount_sources_close(s);
        return r;
}

void keel_mount_sources_close(struct keel_mount_sources *s)
{
        closep(&s->root);
        closep(&s->root_mount);
        for (size_t i = 0; s->fds != NULL && i < s->n; i++)
                closep(&s->fds[i]);
        free(s->fds);
        s->fds = NULL;
        s->n = 0;
}
