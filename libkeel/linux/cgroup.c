/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "lib-log.h"
#include "linux/cgroup-devices.h"
#include "linux/cgroup.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/syscall.h"

#define CGROUP_FILE_MAX  (64 * 1024 * 1024) /* cgroup.procs of a huge cgroup */
#define CGROUP_MAX_DEPTH 512                /* sub-cgroups we follow below a container's */
#define RMDIR_TRIES      100                /* x 10 ms: about a second */
#define KILL_PASSES      100

static bool is_cgroup2(const char *path)
{
        struct statfs s;

        return statfs(path, &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC;
}

int keel_cgroup_find_mount(char **mount, struct keel_error **err)
{
        const char *found = NULL;

        if (is_cgroup2("/sys/fs/cgroup"))
                found = "/sys/fs/cgroup";
        else if (is_cgroup2("/sys/fs/cgroup/unified"))
                found = "/sys/fs/cgroup/unified";
        if (found == NULL)
                return keel_error_setq(err, ENOENT,
                                       "no cgroup v2 hierarchy mounted (keel needs cgroup v2)");
        *mount = strdup(found);
        if (*mount == NULL)
                return keel_error_set(err, ENOMEM, "find the cgroup2 mount");
        return 0;
}

/* ---- paths --------------------------------------------------------------- */

/* Append the components of in to the "/a/b" path being built at *w:
 * empty and "." components dropped, ".." refused. */
static int append_components(const char *in, char **w)
{
        while (*in) {
                size_t len;

                in += strspn(in, "/");
                len = strcspn(in, "/");
                if (len == 0)
                        break;
                if (len == 2 && in[0] == '.' && in[1] == '.')
                        return -EINVAL;
                if (!(len == 1 && in[0] == '.')) {
                        *(*w)++ = '/';
                        memcpy(*w, in, len);
                        *w += len;
                }
                in += len;
        }
        return 0;
}

/* base + rel, normalised; "/" when both are empty.  -EINVAL on "..". */
static int path_join_normal(const char *base, const char *rel, char **out)
{
        char *buf = malloc(strlen(base) + strlen(rel) + 3), *w = buf;

        if (buf == NULL)
                return -ENOMEM;
        if (append_components(base, &w) < 0 || append_components(rel, &w) < 0) {
                free(buf);
                return -EINVAL;
        }
        if (w == buf)
                *w++ = '/';
        *w = '\0';
        *out = buf;
        return 0;
}

static bool looks_like_systemd(const char *p)
{
        const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

        return p[0] != '/' && c2 != NULL && strchr(c2 + 1, ':') == NULL;
}

/* The parent of keel's own cgroup2 cgroup ("0::" in /proc/self/cgroup). */
static int own_cgroup_parent(char **out, struct keel_error **err)
{
        _cleanup_free_ char *text = NULL, *own = NULL;
        char *line, *next, *slash;
        int r;

        r = keel_read_file_at(AT_FDCWD, "/proc/self/cgroup", 1024 * 1024, &text, NULL, err);
        if (r < 0)
                return r;
        for (line = text; line != NULL; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (strncmp(line, "0::", 3) == 0)
                        break;
        }
        if (line == NULL)
                return keel_error_setq(err, ENOENT,
                                       "/proc/self/cgroup has no cgroup v2 entry (\"0::\")");
        /* Outside its cgroup namespace's root, a cgroup reads as "/../x". */
        r = path_join_normal(line + 3, "", &own);
        if (r == -EINVAL)
                return keel_error_setq(err, EINVAL,
                                       "keel's own cgroup \"%s\" is outside its cgroup namespace",
                                       line + 3);
        if (r < 0)
                return keel_error_set(err, -r, "read /proc/self/cgroup");
        slash = strrchr(own, '/');
        slash[slash == own ? 1 : 0] = '\0';
        *out = steal_pointer(&own);
        return 0;
}

int keel_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out,
                             struct keel_error **err)
{
        _cleanup_free_ char *base = NULL;
        int r;

        if (cgroups_path == NULL) {
                if (id == NULL || *id == '\0' || strchr(id, '/') || strcmp(id, ".") == 0 ||
                    strcmp(id, "..") == 0)
                        return keel_error_setq(err, EINVAL,
                                               "container id: \"%s\" cannot name a cgroup",
                                               id ? id : "");
                r = path_join_normal("/keel", id, out);
                return r < 0 ? keel_error_set(err, -r, "cgroup path for %s", id) : 0;
        }
        if (looks_like_systemd(cgroups_path))
                return keel_error_setq(err, EINVAL,
                                       "linux.cgroupsPath: \"%s\" looks like a systemd path; "
                                       "use --systemd-cgroup",
                                       cgroups_path);
        if (cgroups_path[0] != '/') {
                r = own_cgroup_parent(&base, err);
                if (r < 0) {
                        keel_error_prefix(err, "linux.cgroupsPath: relative path \"%s\"",
                                          cgroups_path);
                        return r;
                }
        }
        r = path_join_normal(base ? base : "/", cgroups_path, out);
        if (r == -EINVAL)
                return keel_error_setq(err, EINVAL,
                                       "linux.cgroupsPath: \"%s\" has a \"..\" component",
                                       cgroups_path);
        if (r < 0)
                return keel_error_set(err, -r, "linux.cgroupsPath");
        if (strcmp(*out, "/") == 0) {
                free(*out);
                *out = NULL;
                return keel_error_setq(err, EINVAL,
                                       "linux.cgroupsPath: \"%s\" is the root cgroup; "
                                       "a container needs a cgroup of its own",
                                       cgroups_path);
        }
        return 0;
}

/* ---- the cgroup object --------------------------------------------------- */

void keel_cgroup_free(struct keel_cgroup *cg)
{
        if (cg == NULL)
                return;
        if (cg->dirfd >= 0)
                close(cg->dirfd);
        free(cg->mount);
        free(cg->path);
        free(cg);
}

void keel_cgroup_freep(struct keel_cgroup **cg)
{
        keel_cgroup_free(*cg);
        *cg = NULL;
}

void keel_cgroup_drop_in_child(struct keel_cgroup *cg)
{
        if (cg != NULL)
                closep(&cg->dirfd);
}

int keel_cgroup_read_frozen(struct keel_cgroup *cg, struct keel_error **err)
{
        _cleanup_free_ char *events = NULL;
        const char *p;
        int ret;

        ret = keel_read_file_at(cg->dirfd, "cgroup.events", 64 * 1024, &events, NULL, err);
        if (ret < 0)
                return keel_error_prefix(err, "cgroup %s", cg->path);
        for (p = events; p != NULL; p = strchr(p, '\n')) {
                if (*p == '\n')
                        p++;
                if (strncmp(p, "frozen ", 7) == 0)
                        return p[7] == '1';
        }
        return keel_error_setq(err, ENOTSUP, "cgroup %s: no freezer (cgroup v2 freezing needs Linux 5.2)",
                               cg->path);
}

static int cgroup_new(const char *mount, const char *path, struct keel_cgroup **out,
                      struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = calloc(1, sizeof(*cg));
        int r;

        if (cg == NULL)
                return keel_error_set(err, ENOMEM, "cgroup %s", path);
        cg->dirfd = -1;
        cg->mount = strdup(mount);
        if (cg->mount == NULL)
                return keel_error_set(err, ENOMEM, "cgroup %s", path);
        r = path_join_normal("/", path, &cg->path);
        if (r == -ENOMEM)
                return keel_error_set(err, ENOMEM, "cgroup %s", path);
        if (r < 0 || path[0] != '/' || strcmp(cg->path, "/") == 0)
                return keel_error_setq(err, EINVAL,
                                       "cgroup path \"%s\" is not a sub-cgroup path like /keel/c1",
                                       path);
        *out = steal_pointer(&cg);
        return 0;
}

static int open_mount(const char *mount, struct keel_error **err)
{
        _cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct statfs s;

        if (fd < 0)
                return keel_error_set(err, errno, "open the cgroup2 mount %s", mount);
        if (fstatfs(fd, &s) < 0)
                return keel_error_set(err, errno, "statfs %s", mount);
        if (s.f_type != CGROUP2_SUPER_MAGIC)
                return keel_error_setq(err, ENOTDIR, "%s is not a cgroup2 mount", mount);
        return take_fd(&fd);
}

static int is_populated(int dirfd, const char *path, struct keel_error **err)
{
        _cleanup_free_ char *events = NULL;
        const char *p;
        int r;

        r = keel_read_file_at(dirfd, "cgroup.events", 64 * 1024, &events, NULL, err);
        if (r < 0) {
                keel_error_prefix(err, "cgroup %s", path);
                return r;
        }
        for (p = events; p != NULL; p = p ? p + 1 : NULL) {
                if (strncmp(p, "populated ", 10) == 0)
                        return p[10] == '1';
                p = strchr(p, '\n');
        }
        return keel_error_setq(err, EINVAL, "cgroup %s: cgroup.events has no \"populated\" line",
                               path);
}

/* mkdir -p below the mount, one component at a time from fds (the kernel
 * resolves nothing but names in directories keel holds open). */
static int make_path(int mountfd, const char *path, bool *created, struct keel_error **err)
{
        _cleanup_close_ int fd = dup(mountfd);
        const char *p = path;

        if (fd < 0)
                return keel_error_set(err, errno, "create cgroup %s", path);
        while (*(p += strspn(p, "/"))) {
                size_t len = strcspn(p, "/");
                char name[NAME_MAX + 1];
                int next;

                if (len > NAME_MAX)
                        return keel_error_set(err, ENAMETOOLONG, "create cgroup %s", path);
                memcpy(name, p, len);
                name[len] = '\0';
                p += len;
                *created = mkdirat(fd, name, 0755) == 0;
                if (!*created && errno != EEXIST)
                        return keel_error_set(err, errno, "create cgroup %s", path);
                next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (next < 0)
                        return keel_error_set(err, errno, "open cgroup %s", path);
                close(fd);
                fd = next;
        }
        return take_fd(&fd);
}

/* A new cgroup object for mount+path (not open yet), and the mount's fd. */
static int cgroup_at_mount(const char *mount, const char *path, struct keel_cgroup **cg,
                           struct keel_error **err)
{
        int r = cgroup_new(mount, path, cg, err);

        return r < 0 ? r : open_mount(mount, err);
}

int keel_cgroup_create(const char *mount, const char *path, struct keel_cgroup **out,
                       struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_close_ int mountfd = cgroup_at_mount(mount, path, &cg, err);
        int r;

        if (mountfd < 0)
                return mountfd;
        cg->dirfd = make_path(mountfd, cg->path, &cg->created, err);
        if (cg->dirfd < 0)
                return cg->dirfd;
        if (!cg->created) {
                r = is_populated(cg->dirfd, cg->path, err);
                if (r < 0)
                        return r;
                if (r > 0)
                        return keel_error_setq(err, EBUSY, "cgroup %s is in use", cg->path);
        }
        *out = steal_pointer(&cg);
        return 0;
}

int keel_cgroup_open(const char *mount, const char *path, struct keel_cgroup **out,
                     struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *cg = NULL;
        _cleanup_close_ int mountfd = cgroup_at_mount(mount, path, &cg, err);

        if (mountfd < 0)
                return mountfd;
        cg->dirfd = openat(mountfd, cg->path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cg->dirfd < 0 && errno == ENOENT)
                return keel_error_setq(err, ENOENT, "cgroup %s does not exist", cg->path);
        if (cg->dirfd < 0)
                return keel_error_set(err, errno, "open cgroup %s", cg->path);
        *out = steal_pointer(&cg);
        return 0;
}

int keel_cgroup_enter(struct keel_cgroup *cg, pid_t pid, struct keel_error **err)
{
        _cleanup_close_ int fd = openat(cg->dirfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
        char buf[32];
        int n, r;

        if (fd < 0)
                return keel_error_set(err, errno, "join cgroup %s: open cgroup.procs", cg->path);
        n = snprintf(buf, sizeof(buf), "%d\n", (int) pid);
        r = keel_write_all(fd, buf, (size_t) n);
        if (r < 0)
                return keel_error_set(err, -r, "move pid %d into cgroup %s", (int) pid, cg->path);
        return 0;
}

pid_t keel_cgroup_fork(struct keel_cgroup *cg, bool *born_in)
{
        pid_t pid = cg != NULL ? keel_fork_into_cgroup(cg->dirfd) : -1;

        *born_in = pid >= 0;
        return pid >= 0 ? pid : fork();
}

/* ---- walking the processes ----------------------------------------------- */

struct pid_set {
        pid_t *v;
        size_t n, cap;
};

static int pid_cmp(const void *a, const void *b)
{
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return x < y ? -1 : x > y;
}

/* Sorted, each pid once (cgroup.procs may repeat a pid that moved). */
static void pid_set_sort(struct pid_set *s)
{
        size_t i, w = 0;

        if (s->n == 0)
                return;
        qsort(s->v, s->n, sizeof(*s->v), pid_cmp);
        for (i = 1; i < s->n; i++)
                if (s->v[i] != s->v[w])
                        s->v[++w] = s->v[i];
        s->n = w + 1;
}

static bool pid_set_has(const struct pid_set *sorted, pid_t pid)
{
        return sorted->n > 0 && bsearch(&pid, sorted->v, sorted->n, sizeof(pid), pid_cmp) != NULL;
}

static int pid_set_add(struct pid_set *s, pid_t pid)
{
        if (s->n == s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 16;
                pid_t *v = realloc(s->v, cap * sizeof(*v));

                if (v == NULL)
                        return -ENOMEM;
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = pid;
        return 0;
}

/* Pids outside keel's pid namespace read as 0: never add those, kill(0)
 * would signal keel's own process group. */
static int read_procs(int dirfd, struct pid_set *s, struct keel_error **err)
{
        _cleanup_free_ char *text = NULL;
        char *p, *end;
        int r;

        r = keel_read_file_at(dirfd, "cgroup.procs", CGROUP_FILE_MAX, &text, NULL, err);
        if (r < 0)
                return r;
        for (p = text; *p; p = end) {
                long v = strtol(p, &end, 10);

                if (end == p)
                        break;
                if (v > 0 && pid_set_add(s, (pid_t) v) < 0)
                        return keel_error_set(err, ENOMEM, "read cgroup.procs");
        }
        return 0;
}

/* The names of dirfd's sub-cgroups, read before descending so that only one
 * fd per level stays open. */
static int list_children(int dirfd, char ***names, size_t *n, struct keel_error **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        *names = NULL;
        *n = 0;
        if (fd < 0 || (d = fdopendir(fd)) == NULL) {
                if (fd >= 0)
                        close(fd);
                return keel_error_set(err, errno, "list sub-cgroups");
        }
        while ((errno = 0, de = readdir(d)) != NULL) {
                char **v;

                if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                        continue;
                v = realloc(*names, (*n + 1) * sizeof(*v));
                if (v == NULL || (v[*n] = strdup(de->d_name)) == NULL) {
                        if (v)
                                *names = v;
                        return keel_error_set(err, ENOMEM, "list sub-cgroups");
                }
                *names = v;
                (*n)++;
        }
        return errno ? keel_error_set(err, errno, "list sub-cgroups") : 0;
}

static void free_names(char **names, size_t n)
{
        while (n > 0)
                free(names[--n]);
        free(names);
}

/* Depth first below dirfd: visit(dir) for dirfd and each sub-cgroup before
 * its children, after_child(parent, name) for each sub-cgroup once its own
 * subtree is done (so removal goes deepest first).  Either may be NULL. */
typedef int (*cgroup_visit_fn)(int dirfd, void *data, struct keel_error **err);
typedef int (*cgroup_child_fn)(int parentfd, const char *name, void *data, struct keel_error **err);

static int walk(int dirfd, int depth, cgroup_visit_fn visit, cgroup_child_fn after_child,
                void *data, struct keel_error **err)
{
        char **names = NULL;
        size_t n = 0, i;
        int r;

        if (depth > CGROUP_MAX_DEPTH)
                return keel_error_setq(err, ELOOP, "sub-cgroups nested deeper than %d levels",
                                       CGROUP_MAX_DEPTH);
        r = visit ? visit(dirfd, data, err) : 0;
        if (r == 0)
                r = list_children(dirfd, &names, &n, err);
        for (i = 0; r == 0 && i < n; i++) {
                _cleanup_close_ int sub =
                        openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                if (sub < 0 && errno == ENOENT)
                        continue;
                if (sub < 0) {
                        r = keel_error_set(err, errno, "open sub-cgroup %s", names[i]);
                        break;
                }
                r = walk(sub, depth + 1, visit, after_child, data, err);
                if (r == 0 && after_child)
                        r = after_child(dirfd, names[i], data, err);
        }
        free_names(names, n);
        return r;
}

static int collect_procs(int dirfd, void *data, struct keel_error **err)
{
        int r = read_procs(dirfd, data, err);

        /* A sub-cgroup removed while we walk reads as ENOENT or ENODEV. */
        if (r == -ENOENT || r == -ENODEV) {
                if (err)
                        keel_error_freep(err);
                return 0;
        }
        return r;
}

static int all_pids(struct keel_cgroup *cg, struct pid_set *s, struct keel_error **err)
{
        int r = walk(cg->dirfd, 0, collect_procs, NULL, s, err);

        if (r < 0)
                keel_error_prefix(err, "list the processes of cgroup %s", cg->path);
        pid_set_sort(s);
        return r;
}

int keel_cgroup_pids(struct keel_cgroup *cg, pid_t **pids, size_t *n, struct keel_error **err)
{
        struct pid_set s = { 0 };
        int r = all_pids(cg, &s, err);

        if (r < 0) {
                free(s.v);
                return r;
        }
        *pids = s.v;
        *n = s.n;
        return 0;
}

/* ---- kill ----------------------------------------------------------------- */

/* 1 when cgroup.kill did it, 0 when the kernel has no cgroup.kill. */
static int kill_by_file(struct keel_cgroup *cg, struct keel_error **err)
{
        _cleanup_close_ int fd = openat(cg->dirfd, "cgroup.kill", O_WRONLY | O_CLOEXEC);
        int r;

        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0)
                return keel_error_set(err, errno, "kill cgroup %s: open cgroup.kill", cg->path);
        r = keel_write_all(fd, "1", 1);
        if (r < 0)
                return keel_error_set(err, -r, "kill cgroup %s: write cgroup.kill", cg->path);
        return 1;
}

/* Signal the pids of now (sorted) that are not in done (sorted), and add
 * them to done. */
static int signal_new(const struct pid_set *now, struct pid_set *done, int sig, size_t *fresh,
                      struct keel_error **err)
{
        size_t i, before = done->n;
        int r = 0;

        for (i = 0; i < now->n && r == 0; i++) {
                if (pid_set_has(done, now->v[i]))
                        continue;
                if (kill(now->v[i], sig) < 0 && errno != ESRCH)
                        r = keel_error_set(err, errno, "send signal %d to pid %d", sig,
                                           (int) now->v[i]);
                else if (pid_set_add(done, now->v[i]) < 0)
                        r = keel_error_set(err, ENOMEM, "kill");
        }
        *fresh = done->n - before;
        pid_set_sort(done);
        return r;
}

int keel_cgroup_kill(struct keel_cgroup *cg, int sig, struct keel_error **err)
{
        struct pid_set done = { 0 };
        int pass, r = 0;

        if (sig == SIGKILL) {
                r = kill_by_file(cg, err);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        for (pass = 0; r == 0 && pass < KILL_PASSES; pass++) {
                struct pid_set now = { 0 };
                size_t fresh = 0;

                r = all_pids(cg, &now, err);
                if (r == 0)
                        r = signal_new(&now, &done, sig, &fresh, err);
                free(now.v);
                if (sig != SIGKILL || fresh == 0)
                        break;
        }
        free(done.v);
        return r;
}

/* ---- destroy -------------------------------------------------------------- */

static int rmdir_retry(int parentfd, const char *name, const char *what, struct keel_error **err)
{
        const struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
        int i, e = 0;

        for (i = 0; i < RMDIR_TRIES; i++) {
                if (unlinkat(parentfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                e = errno;
                if (e != EBUSY)
                        break;
                nanosleep(&tick, NULL);
        }
        return keel_error_set(err, e, "remove %s%s", what, name);
}

static int remove_child(int parentfd, const char *name, void *data, struct keel_error **err)
{
        return rmdir_retry(parentfd, name, "sub-cgroup ", err);
}

int keel_cgroup_destroy(struct keel_cgroup *cg, struct keel_error **err)
{
        _cleanup_cgroup_ struct keel_cgroup *owned = cg;
        _cleanup_close_ int mountfd = -1;
        int r;

        if (cg == NULL)
                return 0;
        if (cg->dirfd >= 0) {
                r = walk(cg->dirfd, 0, NULL, remove_child, NULL, err);
                if (r < 0) {
                        keel_error_prefix(err, "remove cgroup %s", cg->path);
                        return r;
                }
        }
        mountfd = open_mount(cg->mount, err);
        if (mountfd < 0)
                return mountfd;
        return rmdir_retry(mountfd, cg->path + 1, "cgroup /", err);
}

/* ---- resources ------------------------------------------------------------ */

int keel_cgroup_apply_devices(struct keel_cgroup *cg, const struct keel_resources *r,
                              struct keel_devices_prog *p, struct keel_error **err)
{
        const struct keel_device_cgroup *defaults;
        _cleanup_free_ struct keel_device_cgroup *rules = NULL;
        _cleanup_free_ struct bpf_insn *insns = NULL;
        _cleanup_close_ int prog = -1;
        size_t n_user = r ? r->n_devices : 0, n_def, n_insns;
        int ret;

        n_def = keel_devices_default_rules(&defaults);
        rules = calloc(n_user + n_def, sizeof(*rules));
        if (rules == NULL)
                return keel_error_set(err, ENOMEM, "device filter");
        if (n_user > 0)
                memcpy(rules, r->devices, n_user * sizeof(*rules));
        memcpy(rules + n_user, defaults, n_def * sizeof(*rules));
        ret = keel_devices_compile(rules, n_user + n_def, &insns, &n_insns, err);
        if (ret < 0) {
                keel_error_prefix(err, "linux.resources.devices");
                return ret;
        }
        if (p != NULL && keel_devices_reuse(p->hint, insns, n_insns, &prog) == 0) {
                keel_debug("cgroup %s: device program %u attached, the one an earlier create "
                           "loaded (the same instructions)", cg->path, p->hint);
                p->loaded = 0;
                ret = 0;
        } else {
                ret = keel_devices_load(insns, n_insns, &prog, err);
                if (ret == 0 && p != NULL) {
                        p->loaded = keel_devices_prog_id(prog);
                        keel_debug("cgroup %s: device program loaded as %u", cg->path, p->loaded);
                }
        }
        if (ret == 0)
                ret = keel_devices_attach(cg->dirfd, prog, err);
        if (ret < 0)
                keel_error_prefix(err, "cgroup %s", cg->path);
        return ret;
}
