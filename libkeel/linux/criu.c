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
#include "linux/criu-rpc.h"
#include "spec/json-write.h"
#include "spec/json.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define DESCRIPTORS_FILE "descriptors.json"
#define CRIU_OUTPUT_MAX 4096

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

/* Run argv (criu check), its stdout and stderr in out (at most
 * CRIU_OUTPUT_MAX bytes).  Returns criu's exit status. */
static int spawn_criu(char *const *argv, char *out, size_t out_size, struct keel_error **err)
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
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
                        _exit(127);
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
        int ret = spawn_criu(argv, out, sizeof(out), err);

        if (ret < 0)
                return ret;
        if (ret == 127)
                return keel_error_setq(err, ENOENT, "%s: not found (install criu)", argv[0]);
        if (ret != 0)
                return keel_error_setq(err, ENOTSUP, "criu check: %s", *out ? last_line(out)
                                                                           : "failed");
        return 0;
}

/* ---- the request ------------------------------------------------------------ */

/* Where criu finds what the request names by fd: its own fds, opened in
 * its child (criu_setup) in the mount namespace it works in (criu opens
 * them through /proc/<client>/fd, and the client is that child:
 * criu-rpc.c). */
#define IMAGES_DIR_FD 110
#define WORK_DIR_FD 111
#define NS_FD_BASE 200

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

/* criu_cg_mode of rpc.proto */
static unsigned cgroups_mode(const char *mode)
{
        if (mode == NULL || strcmp(mode, "soft") == 0)
                return 3;
        if (strcmp(mode, "full") == 0)
                return 4;
        if (strcmp(mode, "strict") == 0)
                return 5;
        return 0;       /* ignore */
}

/* The namespaces the container joined by path stay out of the images:
 * criu names them by inode on dump, by the key on restore (runc's keys). */
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

static void add_pair(struct keel_pb *opts, unsigned field, unsigned kf, const char *k,
                     unsigned vf, const char *v)
{
        struct keel_pb sub = { 0 };

        keel_pb_string(&sub, kf, k);
        keel_pb_string(&sub, vf, v);
        keel_pb_message(opts, field, &sub);
        keel_pb_free(&sub);
}

static void add_common(struct keel_pb *m, const struct keel_criu_opts *o,
                       const struct keel_criu_dirs *dirs, const char *log)
{
        keel_pb_int(m, CRIU_OPT_IMAGES_DIR_FD, dirs->images);
        keel_pb_int(m, CRIU_OPT_WORK_DIR_FD, dirs->work);
        keel_pb_int(m, CRIU_OPT_LOG_LEVEL, 4);
        keel_pb_string(m, CRIU_OPT_LOG_FILE, log);
        keel_pb_bool(m, CRIU_OPT_MANAGE_CGROUPS, true);
        keel_pb_uint(m, CRIU_OPT_MANAGE_CGROUPS_MODE, cgroups_mode(o->manage_cgroups_mode));
        if (o->tcp_established)
                keel_pb_bool(m, CRIU_OPT_TCP_ESTABLISHED, true);
        if (o->ext_unix_sk)
                keel_pb_bool(m, CRIU_OPT_EXT_UNIX_SK, true);
        if (o->shell_job)
                keel_pb_bool(m, CRIU_OPT_SHELL_JOB, true);
        if (o->file_locks)
                keel_pb_bool(m, CRIU_OPT_FILE_LOCKS, true);
        if (o->auto_dedup)
                keel_pb_bool(m, CRIU_OPT_AUTO_DEDUP, true);
        for (size_t i = 0; o->empty_ns && o->empty_ns[i]; i++)
                if (strcmp(o->empty_ns[i], "network") == 0)
                        keel_pb_uint(m, CRIU_OPT_EMPTY_NS, CLONE_NEWNET);
}

/* criu_req { type, opts } around opts. */
static int wrap_req(enum keel_criu_req_type type, struct keel_pb *opts, struct keel_pb *req,
                    struct keel_error **err)
{
        memset(req, 0, sizeof(*req));
        keel_pb_uint(req, 1, type);
        keel_pb_message(req, 2, opts);
        keel_pb_free(opts);
        if (req->failed) {
                keel_pb_free(req);
                return keel_error_set(err, ENOMEM, "criu request");
        }
        return 0;
}

int keel_criu_dump_req(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                       const struct keel_criu_dirs *dirs, const char stdio_keys[3][64],
                       struct keel_pb *req, struct keel_error **err)
{
        const struct keel_linux *lx = d->cfg->linux_cfg;
        struct keel_pb m = { 0 };

        keel_pb_int(&m, CRIU_OPT_PID, d->pid);
        add_common(&m, o, dirs, o->pre_dump ? "pre-dump.log" : "dump.log");
        if (d->cgroup_dir)
                keel_pb_string(&m, CRIU_OPT_FREEZE_CGROUP, d->cgroup_dir);
        for (size_t i = 0; i < d->cfg->n_mounts; i++) {
                const struct keel_mount *mnt = &d->cfg->mounts[i];

                if (is_bind(mnt) || is_cgroup(mnt))
                        add_pair(&m, CRIU_OPT_EXT_MNT, 1, mnt->destination, 2, mnt->destination);
        }
        for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
                const struct keel_namespace *ns = &lx->namespaces[i];
                const char *key = external_ns_key(ns->type);
                char ext[96];
                struct stat st;

                if (ns->path == NULL || key == NULL)
                        continue;
                if (stat(ns->path, &st) < 0) {
                        keel_pb_free(&m);
                        return keel_error_set(err, errno, "linux.namespaces[%zu]: %s", i, ns->path);
                }
                snprintf(ext, sizeof(ext), "%s[%llu]:%s", criu_ns_name(ns->type),
                         (unsigned long long) st.st_ino, key);
                keel_pb_string(&m, CRIU_OPT_EXTERNAL, ext);
        }
        for (int fd = 0; fd < 3; fd++)
                if (strncmp(stdio_keys[fd], "file[", 5) == 0)
                        keel_pb_string(&m, CRIU_OPT_EXTERNAL, stdio_keys[fd]);
        /* The pty's master is the caller's: criu keeps the slave as an
         * orphan, and restore makes it a new master (runc does the same). */
        if (d->terminal)
                keel_pb_bool(&m, CRIU_OPT_ORPHAN_PTS_MASTER, true);
        if (o->pre_dump)
                keel_pb_bool(&m, CRIU_OPT_TRACK_MEM, true);
        if (o->parent_path)
                keel_pb_string(&m, CRIU_OPT_PARENT_IMG, o->parent_path);
        if (o->leave_running && !o->pre_dump)
                keel_pb_bool(&m, CRIU_OPT_LEAVE_RUNNING, true);
        return wrap_req(o->pre_dump ? KEEL_CRIU_PRE_DUMP : KEEL_CRIU_DUMP, &m, req, err);
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

static void add_inherit_fd(struct keel_pb *m, const char *key, int fd)
{
        struct keel_pb sub = { 0 };

        keel_pb_string(&sub, 1, key);
        keel_pb_int(&sub, 2, fd);
        keel_pb_message(m, CRIU_OPT_INHERIT_FD, &sub);
        keel_pb_free(&sub);
}

int keel_criu_restore_req(const struct keel_criu_opts *o, const struct keel_criu_restore *r,
                          const struct keel_criu_dirs *dirs, const char stdio_keys[3][64],
                          struct keel_pb *req, struct keel_error **err)
{
        const struct keel_linux *lx = r->cfg->linux_cfg;
        struct keel_pb m = { 0 };

        add_common(&m, o, dirs, "restore.log");
        keel_pb_string(&m, CRIU_OPT_ROOT, r->root_mnt);
        keel_pb_bool(&m, CRIU_OPT_RST_SIBLING, true);
        keel_pb_bool(&m, CRIU_OPT_NOTIFY_SCRIPTS, true);
        if (r->cfg->process->terminal)
                keel_pb_bool(&m, CRIU_OPT_ORPHAN_PTS_MASTER, true);
        if (r->cgroup_path) {
                struct keel_pb cg = { 0 };
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s%s", r->cgroup_path[0] == '/' ? "" : "/", r->cgroup_path) < 0)
                        path = NULL;
                keel_pb_string(&cg, 2, path ? path : "/");
                keel_pb_message(&m, CRIU_OPT_CG_ROOT, &cg);
                keel_pb_free(&cg);
        }
        if (o->lsm_profile)
                keel_pb_string(&m, CRIU_OPT_LSM_PROFILE, o->lsm_profile);
        if (o->lsm_mount_context)
                keel_pb_string(&m, CRIU_OPT_LSM_MOUNT_CONTEXT, o->lsm_mount_context);
        for (size_t i = 0; i < r->cfg->n_mounts; i++) {
                const struct keel_mount *mnt = &r->cfg->mounts[i];

                if (is_bind(mnt)) {
                        _cleanup_free_ char *src = mount_source(mnt, r->bundle);

                        if (src == NULL) {
                                keel_pb_free(&m);
                                return keel_error_setq(err, EINVAL, "mounts[%zu]: a bind mount "
                                                       "without a source", i);
                        }
                        add_pair(&m, CRIU_OPT_EXT_MNT, 1, mnt->destination, 2, src);
                } else if (is_cgroup(mnt) && r->cgroup_dir) {
                        add_pair(&m, CRIU_OPT_EXT_MNT, 1, mnt->destination, 2, r->cgroup_dir);
                }
        }
        for (size_t i = 0; lx && i < lx->n_namespaces; i++) {
                const struct keel_namespace *ns = &lx->namespaces[i];
                const char *key = external_ns_key(ns->type);

                if (ns->path != NULL && key != NULL)
                        add_inherit_fd(&m, key, NS_FD_BASE + (int) ns->type);
        }
        /* The init's stdio was the caller's: the restored process gets ours
         * in its place (runc does the same for pipes). */
        for (int fd = 0; fd < 3; fd++)
                if (stdio_keys[fd][0] != '\0')
                        add_inherit_fd(&m, stdio_keys[fd], KEEL_CRIU_CALLER_STDIO_FD + fd);
        return wrap_req(KEEL_CRIU_RESTORE, &m, req, err);
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

/* Is mount id mnt one of the process's own (in its mountinfo)? */
static bool mount_is_theirs(pid_t pid, unsigned long mnt)
{
        char path[64], line[512];
        unsigned long id;
        bool found = false;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int) pid);
        f = fopen(path, "re");
        while (f && !found && fgets(line, sizeof(line), f))
                found = sscanf(line, "%lu ", &id) == 1 && id == mnt;
        if (f)
                fclose(f);
        return found;
}

static unsigned long fd_mount_id(pid_t pid, int fd)
{
        char path[64], line[128];
        unsigned long mnt = 0;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int) pid, fd);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "mnt_id: %lu", &mnt) == 1)
                        break;
        if (f)
                fclose(f);
        return mnt;
}

static void read_stdio(pid_t pid, struct stdio_info *si)
{
        for (int fd = 0; fd < 3; fd++) {
                char path[64];
                unsigned long mnt;
                struct stat st;
                ssize_t n;

                snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int) pid, fd);
                n = readlink(path, si->target[fd], sizeof(si->target[fd]) - 1);
                si->target[fd][n > 0 ? n : 0] = '\0';
                si->key[fd][0] = '\0';
                if (strncmp(si->target[fd], "pipe:", 5) == 0) {
                        snprintf(si->key[fd], sizeof(si->key[fd]), "%s", si->target[fd]);
                        continue;
                }
                /* A file on one of the container's mounts (its terminal, a
                 * log in a volume) is criu's to dump; one on a mount the
                 * container does not have is the caller's. */
                if (si->target[fd][0] != '/' || stat(path, &st) < 0)
                        continue;
                mnt = fd_mount_id(pid, fd);
                if (mnt > 0 && !mount_is_theirs(pid, mnt))
                        snprintf(si->key[fd], sizeof(si->key[fd]), "file[%lx:%llx]", mnt,
                                 (unsigned long long) st.st_ino);
        }
}

static int write_stdio(const char *image_path, const struct stdio_info *si,
                       struct keel_error **err)
{
        _cleanup_json_gen_ struct keel_json_gen *g = keel_json_gen_new(NULL, 0);
        _cleanup_free_ char *json = NULL, *keys = NULL;
        _cleanup_close_ int dfd = -1;
        const char *targets[] = { si->target[0], si->target[1], si->target[2], NULL };
        size_t len;
        int ret;

        if (g == NULL || !keel_json_gen_strv(g, targets) ||
            keel_json_gen_take(g, false, &json, &len) < 0 ||
            asprintf(&keys, "%s\n%s\n%s\n", si->key[0], si->key[1], si->key[2]) < 0)
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

struct child_setup {
        const struct keel_criu_opts *o;
        const struct keel_config *cfg;
        const struct keel_criu_restore *r;      /* NULL: a dump */
};

static int open_at_fd(const char *path, int flags, int fd, const char *what,
                      struct keel_error **err)
{
        int f = open(path, flags);

        if (f < 0 || dup2(f, fd) < 0)
                return keel_error_set(err, errno, "%s %s", what, path);
        close(f);
        return 0;
}

/* In criu's child, before the exec: what the request names by fd; for a
 * restore, first a mount namespace of its own where
 * the rootfs is bound on root_mnt (criu wants the root as a mount point),
 * so nothing of it reaches the host's mounts. */
static int criu_setup(void *data, struct keel_error **err)
{
        const struct child_setup *c = data;
        const struct keel_linux *lx = c->cfg->linux_cfg;
        const struct keel_criu_restore *r = c->r;
        int ret;

        if (r != NULL) {
                if (unshare(CLONE_NEWNS) < 0)
                        return keel_error_set(err, errno, "criu: new mount namespace");
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        return keel_error_set(err, errno, "criu: make / private");
        }
        ret = open_at_fd(c->o->image_path, O_RDONLY | O_DIRECTORY, IMAGES_DIR_FD, "--image-path",
                         err);
        if (ret == 0)
                ret = open_at_fd(c->o->work_path ? c->o->work_path : c->o->image_path,
                                 O_RDONLY | O_DIRECTORY, WORK_DIR_FD, "--work-path", err);
        for (size_t i = 0; ret == 0 && r && lx && i < lx->n_namespaces; i++) {
                const struct keel_namespace *ns = &lx->namespaces[i];

                if (ns->path != NULL && external_ns_key(ns->type) != NULL)
                        ret = open_at_fd(ns->path, O_RDONLY, NS_FD_BASE + (int) ns->type,
                                         "linux.namespaces: open", err);
        }
        if (ret < 0 || r == NULL)
                return ret;
        if (r->enter_rootfs && r->enter_rootfs(r->enter_data, err) < 0)
                return -1;
        if (mount(r->rootfs, r->root_mnt, NULL, MS_BIND | MS_REC, NULL) < 0)
                return keel_error_set(err, errno, "criu: bind %s on %s", r->rootfs, r->root_mnt);
        return 0;
}

/* criu said no: its message, or the first error of its log. */
static int criu_failed(const char *what, const struct keel_criu_answer *a, const char *work,
                       const char *log, struct keel_error **err)
{
        _cleanup_free_ char *line = first_error_line(work, log);

        if (line != NULL)
                return keel_error_setq(err, EIO, "%s failed (%s/%s): %s", what, work, log, line);
        if (a->cr_errmsg || a->output)
                return keel_error_setq(err, EIO, "%s failed (%s/%s): %s", what, work, log,
                                       a->cr_errmsg ? a->cr_errmsg : a->output);
        return keel_error_setq(err, EIO, "%s failed (no log%s%s)", what,
                               a->cr_errno > 0 ? "; " : "",
                               a->cr_errno > 0 ? strerror(a->cr_errno) : "");
}

int keel_criu_dump(const struct keel_criu_opts *o, const struct keel_criu_dump *d,
                   struct keel_error **err)
{
        const char *work = o->work_path ? o->work_path : o->image_path;
        struct child_setup c = { .o = o, .cfg = d->cfg };
        struct keel_criu_dirs dirs = { IMAGES_DIR_FD, WORK_DIR_FD };
        struct keel_criu_answer a;
        struct keel_pb req = { 0 };
        struct stdio_info si;
        int ret;

        if (mkdir(o->image_path, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "--image-path %s", o->image_path);
        if (mkdir(work, 0700) < 0 && errno != EEXIST)
                return keel_error_set(err, errno, "--work-path %s", work);
        read_stdio(d->pid, &si);
        ret = write_stdio(o->image_path, &si, err);
        if (ret == 0)
                ret = keel_criu_dump_req(o, d, &dirs, (const char (*)[64]) si.key, &req, err);
        if (ret == 0)
                ret = keel_criu_rpc(criu_binary(o->criu), &req, criu_setup, &c, NULL, NULL, &a, err);
        keel_pb_free(&req);
        if (ret < 0)
                return ret;
        if (ret == 0 && !a.success)
                ret = criu_failed(o->pre_dump ? "criu pre-dump" : "criu dump", &a, work,
                                  o->pre_dump ? "pre-dump.log" : "dump.log", err);
        keel_criu_answer_clear(&a);
        return ret;
}

int keel_criu_restore(const struct keel_criu_opts *o, const struct keel_criu_restore *r, pid_t *pid,
                      struct keel_error **err)
{
        const char *work = o->work_path ? o->work_path : o->image_path;
        struct child_setup c = { .o = o, .cfg = r->cfg, .r = r };
        struct keel_criu_dirs dirs = { IMAGES_DIR_FD, WORK_DIR_FD };
        struct keel_criu_answer a;
        struct keel_pb req = { 0 };
        char keys[3][64];
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
                ret = keel_criu_restore_req(o, r, &dirs, (const char (*)[64]) keys, &req, err);
        if (ret == 0)
                ret = keel_criu_rpc(criu_binary(o->criu), &req, criu_setup, &c, r->notify,
                                    r->notify_data, &a, err);
        keel_pb_free(&req);
        if (ret < 0)
                return ret;
        if (ret == 0 && !a.success)
                ret = criu_failed("criu restore", &a, work, "restore.log", err);
        if (ret == 0 && a.restored_pid <= 0)
                ret = keel_error_setq(err, EPROTO, "criu restore: no pid in its answer");
        if (ret == 0)
                *pid = a.restored_pid;
        keel_criu_answer_clear(&a);
        return ret;
}
