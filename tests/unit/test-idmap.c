/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Idmapped mounts (linux/idmap.h): which mounts get one, what is refused
 * before anything is cloned, and the user namespace that carries a
 * mapping.  Idmapping a host directory itself needs root. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "error.h"
#include "linux/idmap.h"
#include "tap.h"

#define HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"mounts\":["
#define MAP "[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"

static char tmpdir[] = "/tmp/keel-test-idmap-XXXXXX";

/* The config's text with each '@' replaced by tmpdir. */
static void expand(const char *tmpl, char *out, size_t size)
{
        size_t len = 0;

        for (; *tmpl && len + sizeof(tmpdir) < size; tmpl++) {
                if (*tmpl == '@') {
                        memcpy(out + len, tmpdir, sizeof(tmpdir) - 1);
                        len += sizeof(tmpdir) - 1;
                } else {
                        out[len++] = *tmpl;
                }
        }
        out[len] = '\0';
}

/* keel_idmap_prepare on json ('@': tmpdir): its return, message, fds. */
static int prepare(const char *json_tmpl, char **msg, int **fds, size_t *n)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_config *cfg = NULL;
        char json[2048];
        int r;

        expand(json_tmpl, json, sizeof(json));
        if (keel_config_parse(json, strlen(json), &cfg, &err) < 0) {
                tap_diag("parse %s: %s", json, err ? err->msg : "?");
                return -1000;
        }
        r = keel_idmap_prepare(cfg, tmpdir, NULL, fds, &err);
        if (msg != NULL)
                *msg = err ? strdup(err->msg) : NULL;
        *n = cfg->n_mounts;
        keel_config_free(cfg);
        return r;
}

static void refused(const char *json_tmpl, int want, const char *part, const char *name)
{
        char *msg = NULL;
        int *fds = (int *) 1;
        size_t n = 0;
        int r = prepare(json_tmpl, &msg, &fds, &n);
        bool ok = r == -want && msg && strstr(msg, part) && fds == NULL;

        tap_ok(ok, "%s", name);
        if (!ok)
                tap_diag("got %d '%s', want %d '%s'", r, msg ? msg : "(null)", -want, part);
        free(msg);
}

static void which_mounts(void)
{
        int *fds = (int *) 1;
        size_t n = 0;
        int r;

        r = prepare(HEAD "{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"@\","
                         "\"options\":[\"rbind\"]}]}",
                    NULL, &fds, &n);
        tap_ok(r == 0 && fds == NULL, "prepare_without_idmapped_mounts_makes_nothing");

        refused(HEAD "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
                     "\"options\":[\"idmap\"]}]}",
                ENOTSUP, "mounts[0]: idmap: keel idmaps bind mounts only",
                "idmap_of_a_tmpfs_is_refused");
        refused(HEAD "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"@\","
                     "\"uidMappings\":" MAP "}]}",
                EINVAL, "uidMappings and gidMappings go together",
                "idmap_uid_mappings_without_gid_mappings_are_refused");
        refused(HEAD "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"@\","
                     "\"options\":[\"bind\",\"idmap\"]}]}",
                EINVAL, "no user namespace mappings to take them from",
                "idmap_without_any_mapping_is_refused");
        refused(HEAD "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"@/missing\","
                     "\"options\":[\"bind\",\"idmap\"],\"uidMappings\":" MAP ",\"gidMappings\":" MAP
                     "}]}",
                ENOENT, "mounts[0]", "idmap_of_a_missing_source_is_refused");
}

static void mapping_userns(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_id_mapping m = { .container_id = 0,
                                     .host_id = (unsigned) geteuid(),
                                     .size = 1 };
        int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int fd = keel_idmap_userns(procfd, &m, 1, NULL, 0, &err);

        tap_ok(fd >= 0 && ioctl(fd, NS_GET_NSTYPE) == CLONE_NEWUSER,
               "idmap_userns_is_a_user_namespace");
        tap_ok(fd >= 0 && ioctl(fd, NS_GET_OWNER_UID, &m.container_id) == 0 &&
                       m.container_id == (unsigned) geteuid(),
               "idmap_userns_is_owned_by_the_caller");
        if (fd >= 0)
                close(fd);
        close(procfd);
}

static void host_directory(void)
{
        int *fds = NULL;
        size_t n = 0;
        char *msg = NULL;
        struct stat st;
        int r;

        if (geteuid() != 0) {
                tap_skip("idmap_of_a_host_directory_gives_a_detached_mount",
                         "needs root: idmapping a host file system needs CAP_SYS_ADMIN over it");
                tap_skip("idmap_fds_are_minus_1_for_plain_mounts",
                         "needs root: idmapping a host file system needs CAP_SYS_ADMIN over it");
                return;
        }
        r = prepare(HEAD "{\"destination\":\"/"
                         "a\",\"type\":\"bind\",\"source\":\"@\",\"options\":[\"bind\"]},"
                         "{\"destination\":\"/"
                         "d\",\"type\":\"bind\",\"source\":\"@\",\"options\":[\"bind\",\"idmap\"],"
                         "\"uidMappings\":" MAP ",\"gidMappings\":" MAP "}]}",
                    &msg, &fds, &n);
        tap_ok(r == 0 && fds && fds[1] >= 0 && fstat(fds[1], &st) == 0 && S_ISDIR(st.st_mode),
               "idmap_of_a_host_directory_gives_a_detached_mount");
        if (r < 0)
                tap_diag("%s", msg ? msg : "?");
        tap_ok(r == 0 && fds && fds[0] == -1, "idmap_fds_are_minus_1_for_plain_mounts");
        keel_idmap_close(fds, n);
        free(msg);
}

int main(void)
{
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 2;
        }
        which_mounts();
        mapping_userns();
        host_directory();
        rmdir(tmpdir);
        return tap_done();
}
