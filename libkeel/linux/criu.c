/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/criu.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define DESCRIPTORS_FILE "descriptors.json"
#define CRIU_OUTPUT_MAX 4096
/* keel's own stdio, as criu sees it: its fds 0-2 carry its output to keel. */
#define CALLER_STDIO_FD 100

/* Where criu's log lines are worth quoting: its first error. */
static char *first_error_line(const char *work, const char *log)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *line, *end;

        if (asprintf(&path, "%s/%s", work, log) < 0 ||
            keel_read_file_at(AT_FDCWD, path, 8u << 20, &text, NULL, NULL) < 0)
                return NULL;
        for (line = text; line && *line; line = end ? end + 1 : NULL) {
                end = strchr(line, '\n');
                if (end)
                        *end = '\0';
                if (strstr(line, "Error (") != NULL)
                        return strdup(line);
        }
        return NULL;
}

static const char *criu_binary(const char *criu)
{
        return criu && *criu ? criu : "criu";
}

/* Run argv (criu), its stdout and stderr in out (at most
 * CRIU_OUTPUT_MAX bytes); keel's stdio is at CALLER_STDIO_FD + 0..2 in
 * criu.  setup, when set, runs in the child first.  Returns criu's exit
 * status. */
static int spawn_criu(char *const *argv, int (*setup)(void *, struct keel_error **), void *data,
                      char *out, size_t out_size, struct keel_error **err)
{
        int pipefd[2], status;
        size_t len = 0;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "criu: pipe");
        pid = fork();
        if (pid < 0) {
                int e = errno;

                close(pipefd[0]);
                close(pipefd[1]);
                return keel_error_set(err, e, "criu: fork");
        }
        if (pid == 0) {
                struct keel_error *cerr = NULL;
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                for (int fd = 0; fd < 3; fd++)
                        if (dup2(fd, CALLER_STDIO_FD + fd) < 0 && errno != EBADF)
                                _exit(127);
                if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
                        _exit(127);
                if (setup && setup(data, &cerr) < 0) {
                        dprintf(2, "keel: %s\n", cerr && cerr->msg ? cerr->msg : "criu setup failed");
                        _exit(126);
                }
                execvp(argv[0], argv);
                dprintf(2, "keel: exec %s: %s\n", argv[0], strerror(errno));
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                char buf[512];
                ssize_t n = read(pipefd[0], buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (len + 1 < out_size) {
                        size_t take = (size_t) n < out_size - 1 - len ? (size_t) n : out_size - 1 - len;

                        memcpy(out + len, buf, take);
                        len += take;
                }
        }
        out[len] = '\0';
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return keel_error_set(err, errno, "criu: wait");
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

/* The last non-empty line of criu's own output, for an error. */
static const char *last_line(char *out)
{
        char *end = out + strlen(out);

        while (end > out && (end[-1] == '\n' || end[-1] == ' '))
                *--end = '\0';
        while (end > out && end[-1] != '\n')
                end--;
        return end;
}

int keel_criu_check(const char *criu, struct keel_error **err)
{
        char *argv[] = { (char *) criu_binary(criu), "check", NULL };
        char out[CRIU_OUTPUT_MAX];
        int ret = spawn_criu(argv, NULL, NULL, out, sizeof(out), err);

        if (ret < 0)
                return ret;
        if (ret == 127)
                return keel_error_setq(err, ENOENT, "%s: not found (install criu)", argv[0]);
        if (ret != 0)
                return keel_error_setq(err, ENOTSUP, "criu check: %s", *out ? last_line(out)
                                                                           : "failed");
        return 0;
}

/* ---- arguments ---------------------------------------------------------- */

struct args {
        char **v;
        size_t n;
        int failed;
};

static void add(struct args *a, const char *s)
{
        if (!a->failed && keel_strv_append(&a->v, &a->n, s) < 0)
                a->failed = -ENOMEM;
}

static void addf(struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct args *a, const char *fmt, ...)
{
        _cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                a->failed = -ENOMEM;
        else
                add(a, s);
}

static int finish(struct args *a, char ***argv, struct keel_error **err)
{
        if (a->failed || a->v == NULL) {
                keel_strv_free(a->v);
                return keel_error_set(err, ENOMEM, "criu arguments");
        }
        *argv = a->v;
        return 0;
}

static bool has_option(const struct keel_mount *m, const char *opt)
{
        for (size_t i = 0; i < m->n_options; i++)
                if (strcmp(m->options[i], opt) == 0)
                        return true;
        return false;
}

static bool is_bind(const struct keel_mount *m)
{
        return (m->type && strcmp(m->type, "bind") == 0) || has_option(m, "bind") ||
               has_option(m, "rbind");
}

static bool is_cgroup(const struct keel_mount *m)
{
        return m->type && (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0);
}

static void add_common(struct args *a, const struct keel_criu_opts *o)
{
        const char *work = o->work_path ? o->work_path : o->image_path;

        addf(a, "--images-dir=%s", o->image_path);
        addf(a, "--work-dir=%s", work);
        add(a, "-v4");
        addf(a, "--manage-cgroups=%s", o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft");
        if (o->tcp_established)
                add(a, "--tcp-established");
        if (o->ext_unix_sk)
                add(a, "--ext-unix-sk");
        if (o->shell_job)
                add(a, "--shell-job");
        if (o->file_locks)
                add(a, "--file-locks");
        if (o->auto_dedup)
                add(a, "--auto-dedup");
        for (size_t i = 0; o->empty_ns && o->empty_ns[i]; i++)
                if (strcmp(o->empty_ns[i], "network") == 0)
                        add(a, "--empty-ns=net");
}

/* The namespaces the container joined by path stay out of the images:
 * criu names them by inode on dump (the key restore uses). */
static const char *external_ns_key(enum keel_namespace_type t)
{
        switch (t) {
        case KEEL_NS_NETWORK: return "extRootNetNS";
        case KEEL_NS_PID: return "extRootPidNS";
        default: return NULL;
        }
}

static const char *criu_ns_name(enum keel_namespace_type t)
{
        return t == KEEL_NS_NETWORK ? "net" : t == KEEL_NS_PID ? "pid" : NULL;
}

/* At restore, the joined namespace is handed to criu as an inherited fd
 * of this number (restore_setup opens it there). */
static int external_ns_fd(enum keel_namespace_type t)
{
        return 200 + (int) t;
}

int keel_criu_dump_args(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                        const char stdio_keys[3][64], char ***argv, struct keel_error **err)
{
        const struct keel_linux *lx = d->cfg->linux_cfg;
        struct args a = { 0 };

        add(&a, criu_binary(o->criu));
        add(&a, o->pre_dump ? "pre-dump" : "dump");
        addf(&a, "--tree=%d", (int) d->pid);
        add(&a, o->pre_dump ? "--log-file=pre-dump.log" : "--log-file=dump.log");
        add_common(&a, o);
        if (d->cgroup_dir)
                addf(&a, "--freeze-cgroup=%s", d->cgroup_dir);
        for (size_t i = 0; i < d->cfg->n_mounts; i++) {
                const struct keel_mount *m = &d->cfg->mounts[i];

                if (is_bind(m) || is_cgroup(m))
                        addf(&a, "--ext-mount-map=%s:%s", m->destination, m->destination);
        }
        for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
                const struct keel_namespace *ns = &lx->namespaces[i];
                const char *key = external_ns_key(ns->type);
                struct stat st;

                if (ns->path == NULL || key == NULL)
                        continue;
                if (stat(ns->path, &st) < 0) {
                        keel_strv_free(a.v);
                        return keel_error_set(err, errno, "linux.namespaces[%zu]: %s", i, ns->path);
                }
                addf(&a, "--external=%s[%llu]:%s", criu_ns_name(ns->type),
                     (unsigned long long) st.st_ino, key);
        }
        for (int fd = 0; fd < 3; fd++)
                if (strncmp(stdio_keys[fd], "file[", 5) == 0)
                        addf(&a, "--external=%s", stdio_keys[fd]);
        if (o->pre_dump)
                add(&a, "--track-mem");
        if (o->parent_path)
                addf(&a, "--prev-images-dir=%s", o->parent_path);
        if (o->leave_running && !o->pre_dump)
                add(&a, "--leave-running");
        return finish(&a, argv, err);
}

static char *mount_source(const struct keel_mount *m, const char *bundle)
{
        char *s = NULL;

        if (m->source == NULL)
                return NULL;
        if (m->source[0] == '/')
                return strdup(m->source);
        if (asprintf(&s, "%s/%s", bundle, m->source) < 0)
                return NULL;
        return s;
}

int keel_criu_restore_args(const struct keel_criu_opts *o, const struct keel_criu_restore *r,
                           const char stdio_keys[3][64], char ***argv, struct keel_error **err)
{
        struct args a = { 0 };

        add(&a, criu_binary(o->criu));
        add(&a, "restore");
        add(&a, "--log-file=restore.log");
        add_common(&a, o);
        addf(&a, "--root=%s", r->root_mnt);
        add(&a, "--restore-detached");
        add(&a, "--restore-sibling");
        addf(&a, "--pidfile=%s", r->pid_file);
        if (o->lsm_profile)
                addf(&a, "--lsm-profile=%s", o->lsm_profile);
        if (o->lsm_mount_context)
                addf(&a, "--lsm-mount-context=%s", o->lsm_mount_context);
        if (r->cgroup_path)
                addf(&a, "--cgroup-root=%s%s", r->cgroup_path[0] == '/' ? "" : "/", r->cgroup_path);
        for (size_t i = 0; i < r->cfg->n_mounts; i++) {
                const struct keel_mount *m = &r->cfg->mounts[i];

                if (is_bind(m)) {
                        _cleanup_free_ char *src = mount_source(m, r->bundle);

                        if (src == NULL) {
                                keel_strv_free(a.v);
                                return keel_error_setq(err, EINVAL, "mounts[%zu]: a bind mount "
                                                       "without a source", i);
                        }
                        addf(&a, "--ext-mount-map=%s:%s", m->destination, src);
                } else if (is_cgroup(m) && r->cgroup_dir) {
                        addf(&a, "--ext-mount-map=%s:%s", m->destination, r->cgroup_dir);
                }
        }
        for (size_t i = 0; r->cfg->linux_cfg && i < r->cfg->linux_cfg->n_namespaces; i++) {
                const struct keel_namespace *ns = &r->cfg->linux_cfg->namespaces[i];
                const char *key = external_ns_key(ns->type);

                if (ns->path != NULL && key != NULL)
                        addf(&a, "--inherit-fd=fd[%d]:%s", external_ns_fd(ns->type), key);
        }
        /* The init's stdio was the caller's: the restored process gets
         * ours in its place (runc does the same for pipes). */
        for (int fd = 0; fd < 3; fd++)
                if (stdio_keys[fd][0] != '\0')
                        addf(&a, "--inherit-fd=fd[%d]:%s", CALLER_STDIO_FD + fd, stdio_keys[fd]);
        return finish(&a, argv, err);
}

/* ---- the init's stdio ----------------------------------------------------- */

/* descriptors.json: the targets of the init's fds 0, 1 and 2 ("pipe:[123]",
 * "/dev/null"), as runc records them.  STDIO_KEYS_FILE: criu's key for each
 * (a pipe's own, or the "file[MNT:INODE]" keel marks external: a file
 * outside the container's mounts, such as the caller's /dev/null or log),
 * one a line; restore hands its own stdio to the restored process in
 * their place. */
#define STDIO_KEYS_FILE "keel-stdio-keys"

struct stdio_info {
        char target[3][PATH_MAX];
        char key[3][64];
};

static void read_stdio(pid_t pid, struct stdio_info *si)
{
        for (int fd = 0; fd < 3; fd++) {
                char path[64], line[128];
                unsigned long mnt = 0;
                struct stat st;
                FILE *f;
                ssize_t n;

                snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int) pid, fd);
                n = readlink(path, si->target[fd], sizeof(si->target[fd]) - 1);
                si->target[fd][n > 0 ? n : 0] = '\0';
                si->key[fd][0] = '\0';
                if (strncmp(si->target[fd], "pipe:", 5) == 0) {
                        snprintf(si->key[fd], sizeof(si->key[fd]), "%s", si->target[fd]);
                        continue;
                }
                if (si->target[fd][0] != '/' || stat(path, &st) < 0)
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int) pid, fd);
                f = fopen(path, "re");
                while (f && fgets(line, sizeof(line), f))
                        if (sscanf(line, "mnt_id: %lu", &mnt) == 1)
                                break;
                if (f)
                        fclose(f);
                if (mnt > 0)
                        snprintf(si->key[fd], sizeof(si->key[fd]), "file[%lx:%llx]", mnt,
                                 (unsigned long long) st.st_ino);
        }
}

static int write_stdio(const char *image_path, const struct stdio_info *si,
                       struct keel_error **err)
{
        yajl_gen g = yajl_gen_alloc(NULL);
        _cleanup_free_ char *json = NULL, *keys = NULL;
        _cleanup_close_ int dfd = -1;
        bool ok = g != NULL && yajl_gen_array_open(g) == yajl_gen_status_ok;
        size_t len;
        int ret;

        for (int fd = 0; fd < 3 && ok; fd++)
                ok = keel_json_gen_str(g, si->target[fd]) == yajl_gen_status_ok;
        ok = ok && yajl_gen_array_close(g) == yajl_gen_status_ok &&
             keel_json_gen_take(g, false, &json, &len) == 0;
        if (g != NULL)
                yajl_gen_free(g);
        if (!ok || asprintf(&keys, "%s\n%s\n%s\n", si->key[0], si->key[1], si->key[2]) < 0)
                return keel_error_set(err, ENOMEM, DESCRIPTORS_FILE);
        dfd = open(image_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return keel_error_set(err, errno, "--image-path %s", image_path);
        ret = keel_write_file_atomic_at(dfd, DESCRIPTORS_FILE, json, len, 0600, err);
        if (ret == 0)
                ret = keel_write_file_atomic_at(dfd, STDIO_KEYS_FILE, keys, strlen(keys), 0600, err);
        return ret;
}

static int read_descriptor_pipes(const char *path, char keys[3][64], struct keel_error **err)
{
        _cleanup_free_ char *text = NULL;
        yajl_val v = NULL;
        size_t len;
        int ret;

        ret = keel_read_file_at(AT_FDCWD, path, 1u << 20, &text, &len, err);
        if (ret < 0)
                return keel_error_prefix(err, "checkpoint images");
        ret = keel_json_parse(text, len, &v, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", path);
        if (!YAJL_IS_ARRAY(v)) {
                keel_json_free(v);
                return keel_error_setq(err, EINVAL, "%s: expected an array", path);
        }
        for (size_t i = 0; i < v->u.array.len && i < 3; i++) {
                yajl_val s = v->u.array.values[i];

                if (YAJL_IS_STRING(s) && strncmp(s->u.string, "pipe:", 5) == 0)
                        snprintf(keys[i], sizeof(keys[i]), "%s", s->u.string);
        }
        keel_json_free(v);
        return 0;
}

/* The keys of the dumped stdio, three strings (empty: nothing to hand
 * over); images without keel's file (runc's) give their pipes. */
static int read_stdio_keys(const char *image_path, char keys[3][64], struct keel_error **err)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *line, *end;
        int fd = 0, ret;

        memset(keys, 0, 3 * sizeof(keys[0]));
        if (asprintf(&path, "%s/%s", image_path, STDIO_KEYS_FILE) < 0)
                return keel_error_set(err, ENOMEM, STDIO_KEYS_FILE);
        ret = keel_read_file_at(AT_FDCWD, path, 4096, &text, NULL, NULL);
        if (ret < 0) {
                free(path);
                path = NULL;
                if (asprintf(&path, "%s/%s", image_path, DESCRIPTORS_FILE) < 0)
                        return keel_error_set(err, ENOMEM, DESCRIPTORS_FILE);
                return read_descriptor_pipes(path, keys, err);
        }
        for (line = text; fd < 3 && line && *line; line = end ? end + 1 : NULL, fd++) {
                end = strchr(line, '\n');
                if (end)
                        *end = '\0';
                snprintf(keys[fd], sizeof(keys[fd]), "%s", line);
        }
        return 0;
}

/* ---- dump and restore ---------------------------------------------------- */

static int criu_failed(const char *what, int status, const char *work, const char *log,
                       char *out, struct keel_error **err)
{
        _cleanup_free_ char *line = first_error_line(work, log);

        if (status == 127)
                return keel_error_setq(err, ENOENT, "%s: %s", what, *out ? last_line(out)
                                                                       : "criu not found");
        if (line != NULL)
                return keel_error_setq(err, EIO, "%s failed (%s/%s): %s", what, work, log, line);
        return keel_error_setq(err, EIO, "%s failed (%s/%s): %s", what, work, log,
                               *out ? last_line(out) : "no error logged");
}

int keel_criu_dump(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                   struct keel_error **err)
{
        const char *work = o->work_path ? o->work_path : o->image_path;
        char out[CRIU_OUTPUT_MAX];
        struct stdio_info si;
        char **argv = NULL;
        int ret;

        if (mkdir(o->image_path, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "--image-path %s", o->image_path);
        if (mkdir(work, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "--work-path %s", work);
        read_stdio(d->pid, &si);
        ret = write_stdio(o->image_path, &si, err);
        if (ret == 0)
                ret = keel_criu_dump_args(o, d, (const char (*)[64]) si.key, &argv, err);
        if (ret < 0)
                return ret;
        ret = spawn_criu(argv, NULL, NULL, out, sizeof(out), err);
        keel_strv_free(argv);
        if (ret > 0)
                ret = criu_failed(o->pre_dump ? "criu pre-dump" : "criu dump", ret, work,
                                  o->pre_dump ? "pre-dump.log" : "dump.log", out, err);
        return ret;
}

/* In criu's child, before the exec: a mount namespace of its own, where the
 * rootfs is bound on root_mnt (criu wants the root as a mount point). */
static int restore_setup(void *data, struct keel_error **err)
{
        const struct keel_criu_restore *r = data;

        if (unshare(CLONE_NEWNS) < 0)
                return keel_error_set(err, errno, "criu: new mount namespace");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return keel_error_set(err, errno, "criu: make / private");
        for (size_t i = 0; r->cfg->linux_cfg && i < r->cfg->linux_cfg->n_namespaces; i++) {
                const struct keel_namespace *ns = &r->cfg->linux_cfg->namespaces[i];
                int fd;

                if (ns->path == NULL || external_ns_key(ns->type) == NULL)
                        continue;
                fd = open(ns->path, O_RDONLY);
                if (fd < 0 || dup2(fd, external_ns_fd(ns->type)) < 0)
                        return keel_error_set(err, errno, "linux.namespaces[%zu]: open %s", i,
                                              ns->path);
                close(fd);
        }
        if (r->enter_rootfs && r->enter_rootfs(r->enter_data, err) < 0)
                return -1;
        if (mount(r->rootfs, r->root_mnt, NULL, MS_BIND | MS_REC, NULL) < 0)
                return keel_error_set(err, errno, "criu: bind %s on %s", r->rootfs, r->root_mnt);
        return 0;
}

static int read_pid_file(const char *path, pid_t *pid, struct keel_error **err)
{
        _cleanup_free_ char *text = NULL;
        char *end;
        long v;
        int ret = keel_read_file_at(AT_FDCWD, path, 64, &text, NULL, err);

        if (ret < 0)
                return keel_error_prefix(err, "criu restore: its pid file");
        v = strtol(text, &end, 10);
        if (v <= 0 || (*end && *end != '\n'))
                return keel_error_setq(err, EINVAL, "criu restore: pid file %s: \"%s\"", path, text);
        *pid = (pid_t) v;
        return 0;
}

int keel_criu_restore(const struct keel_criu_opts *o, const struct keel_criu_restore *r, pid_t *pid,
                      struct keel_error **err)
{
        const char *work = o->work_path ? o->work_path : o->image_path;
        char out[CRIU_OUTPUT_MAX];
        char keys[3][64];
        char **argv = NULL;
        int ret;

        if (mkdir(work, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "--work-path %s", work);
        ret = read_stdio_keys(o->image_path, keys, err);
        /* criu puts a file's offset back: ours must take one. */
        for (int fd = 0; fd < 3 && ret == 0; fd++)
                if (strncmp(keys[fd], "file[", 5) == 0 && lseek(fd, 0, SEEK_CUR) < 0)
                        ret = keel_error_setq(err, EINVAL, "the container's fd %d was a "
                                              "file when it was checkpointed: give restore a "
                                              "file (or /dev/null) there, not a %s", fd,
                                              errno == ESPIPE ? "pipe or terminal" : "closed fd");
        if (ret == 0)
                ret = keel_criu_restore_args(o, r, (const char (*)[64]) keys, &argv, err);
        if (ret < 0)
                return ret;
        ret = spawn_criu(argv, restore_setup, (void *) r, out, sizeof(out), err);
        keel_strv_free(argv);
        if (ret > 0)
                return criu_failed("criu restore", ret, work, "restore.log", out, err);
        if (ret < 0)
                return ret;
        return read_pid_file(r->pid_file, pid, err);
}
