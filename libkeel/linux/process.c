/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/process.h"
#include "linux/lsm.h"
#include "linux/sched.h"
#include "linux/seccomp.h"
#include "util/cleanup.h"
#include "util/syscall.h"
#include "util/fs.h"
#include "util/path.h"
#include "util/strv.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

int keel_process_set_rlimits(const struct keel_process *p, struct keel_error **err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                const struct keel_rlimit *r = &p->rlimits[i];
                struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };

                if (setrlimit(r->type, &rl) < 0)
                        return keel_error_set(err, errno, "process.rlimits[%zu]: set %s", i,
                                              keel_rlimit_name(r->type));
        }
        return 0;
}

int keel_process_create_cwd(const struct keel_process *p, struct keel_error **err)
{
        struct stat st;

        /* Anything but a missing path is for the chdir to report. */
        if (stat(p->cwd, &st) == 0 || errno != ENOENT)
                return 0;
        if (keel_mkdir_p(p->cwd, 0755, err) < 0)
                return keel_error_prefix(err, "process.cwd");
        return 0;
}

int keel_process_chdir(const struct keel_process *p, struct keel_error **err)
{
        char buf[PATH_MAX];

        if (chdir(p->cwd) < 0)
                return keel_error_set(err, errno, "process.cwd: chdir %s", p->cwd);
        if (getcwd(buf, sizeof(buf)) == NULL || buf[0] != '/')
                return keel_error_setq(err, EPERM, "process.cwd: %s is outside the container", p->cwd);
        return 0;
}

/* ---- HOME ------------------------------------------------------------------ */

/* The container's /etc/passwd is the container's to write: at most this
 * much of it is read, and longer lines are skipped (a real entry is a few
 * hundred bytes; a home directory is at most PATH_MAX). */
#define PASSWD_MAX_BYTES (16u << 20)
#define PASSWD_LINE_MAX (PATH_MAX + 1024)

static bool parse_uid(const char *s, size_t len, uid_t *out)
{
        uint64_t v = 0;

        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (uint64_t) (s[i] - '0');
                if (v > UINT32_MAX)
                        return false;
        }
        *out = (uid_t) v;
        return true;
}

/* "name:password:uid:gid:gecos:home:shell" (passwd(5)), surrounding white
 * space trimmed: the home field when the uid field is uid, "" when the
 * line has no home field (runc does the same), NULL when it is not uid's
 * entry.  A line whose uid is no decimal number is nobody's (runc reads
 * it as uid 0). */
static char *passwd_line_home(const char *line, size_t len, uid_t uid, bool *match)
{
        const char *field[7] = { 0 }, *end;
        size_t n = 0, flen[7] = { 0 };
        uid_t u;

        *match = false;
        while (len > 0 && isspace((unsigned char) line[0]))
                line++, len--;
        while (len > 0 && isspace((unsigned char) line[len - 1]))
                len--;
        if (len == 0 || memchr(line, '\0', len) != NULL)
                return NULL;
        for (end = line + len; n < 7; n++) {
                const char *colon = memchr(line, ':', (size_t) (end - line));

                field[n] = line;
                flen[n] = (size_t) ((colon ? colon : end) - line);
                if (colon == NULL) {
                        n++;
                        break;
                }
                line = colon + 1;
        }
        if (n < 3 || !parse_uid(field[2], flen[2], &u) || u != uid)
                return NULL;
        *match = true;
        return n > 5 ? strndup(field[5], flen[5]) : strdup("");
}

/* *home: the home directory of uid's first entry in the container's
 * /etc/passwd, resolved inside the container's root (a symlink cannot
 * lead out of it); NULL when there is no entry, or nothing readable as a
 * regular file there (a FIFO, a device, a directory): the caller then
 * uses "/", as runc does.  -ENOMEM is the only error. */
static int passwd_home(uid_t uid, char **home)
{
        _cleanup_close_ int rootfd = -1, fd = -1;
        char buf[PASSWD_LINE_MAX];
        size_t len = 0, total = 0;
        bool skipping = false, match = false;
        struct stat st;

        *home = NULL;
        rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd >= 0)
                fd = keel_path_open_in_root(rootfd, "/etc/passwd",
                                            O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0, NULL);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return 0;
        while (total < PASSWD_MAX_BYTES) {
                ssize_t n = read(fd, buf + len, sizeof(buf) - len);
                char *start = buf, *nl;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                total += (size_t) n;
                len += (size_t) n;
                while ((nl = memchr(start, '\n', len - (size_t) (start - buf))) != NULL) {
                        if (!skipping)
                                *home = passwd_line_home(start, (size_t) (nl - start), uid, &match);
                        if (match)
                                return *home ? 0 : -ENOMEM;
                        skipping = false;
                        start = nl + 1;
                }
                len -= (size_t) (start - buf);
                memmove(buf, start, len);
                if (len == sizeof(buf)) {
                        skipping = true;
                        len = 0;
                }
        }
        /* The last line, when it has no newline and the file was read whole. */
        if (!skipping && len > 0 && total < PASSWD_MAX_BYTES)
                *home = passwd_line_home(buf, len, uid, &match);
        return match && *home == NULL ? -ENOMEM : 0;
}

int keel_process_set_home(struct keel_process *p, struct keel_error **err)
{
        _cleanup_free_ char *home = NULL, *entry = NULL;
        char **empty = NULL;
        int r;

        for (size_t i = 0; i < p->n_env; i++) {
                if (strncmp(p->env[i], "HOME=", 5) != 0)
                        continue;
                if (p->env[i][5] != '\0')
                        return 0;
                empty = &p->env[i];
                break;
        }
        r = passwd_home(p->user.uid, &home);
        if (r == 0 && asprintf(&entry, "HOME=%s", home ? home : "/") < 0)
                r = -ENOMEM;
        if (r == 0 && empty != NULL) {
                free(*empty);
                *empty = steal_pointer(&entry);
        } else if (r == 0) {
                r = keel_strv_append(&p->env, &p->n_env, entry);
        }
        if (r < 0)
                return keel_error_set(err, -r, "process.env: HOME");
        return 0;
}

/* A user namespace whose gid_map an unprivileged process wrote has
 * setgroups denied: there is no group list to clear then.  procfd: a
 * procfs in which this thread is visible (exec's helper is not, in the
 * container's /proc). */
static bool setgroups_denied(int procfd)
{
        char buf[8] = "";
        int fd = procfd >= 0 ? openat(procfd, "thread-self/setgroups", O_RDONLY | O_CLOEXEC)
                             : open("/proc/thread-self/setgroups", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return false;
        if (read(fd, buf, sizeof(buf) - 1) < 0)
                buf[0] = '\0';
        close(fd);
        return strncmp(buf, "deny", 4) == 0;
}

int keel_process_set_user(const struct keel_process *p, bool allow_setgroups, int procfd,
                          struct keel_error **err)
{
        const struct keel_user *u = &p->user;

        if (allow_setgroups) {
                gid_t *groups = (gid_t *) u->additional_gids;

                if (setgroups(u->n_additional_gids, groups) < 0) {
                        int e = errno;
                        bool denied = e == EPERM && setgroups_denied(procfd);

                        if (!denied || u->n_additional_gids > 0)
                                return keel_error_set(err, e, "process.user.additionalGids: "
                                                      "setgroups%s", denied
                                                      ? " (denied in this user namespace: an "
                                                        "unprivileged keel maps its own gid only)"
                                                      : "");
                }
        }
        if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
                return keel_error_set(err, errno, "keep capabilities across setuid");
        /* Raw syscalls: glibc's wrappers would broadcast to all threads,
         * which a single-threaded init does not need. */
        if (keel_setresgid(u->gid, u->gid, u->gid) < 0)
                return keel_error_set(err, errno, "process.user.gid: setresgid %u", u->gid);
        if (keel_setresuid(u->uid, u->uid, u->uid) < 0)
                return keel_error_set(err, errno, "process.user.uid: setresuid %u", u->uid);
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return keel_error_set(err, errno, "reset PR_SET_KEEPCAPS");
        umask(u->has_umask ? u->umask : 022);
        return 0;
}

static const char *env_path(const struct keel_process *p)
{
        for (size_t i = 0; i < p->n_env; i++)
                if (strncmp(p->env[i], "PATH=", 5) == 0)
                        return p->env[i] + 5;
        return DEFAULT_PATH;
}

static bool is_executable_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The errno as Go and the kernel's man pages spell it ("no such file or
 * directory"): engines map a start failure to the exit status 127 or 126
 * by those lower-case words in the runtime's error (moby's
 * translateContainerdStartErr), and strerror capitalises them. */
static int exec_error(struct keel_error **err, int e, const char *name, const char *why)
{
        char text[128];

        snprintf(text, sizeof(text), "%s", why ? why : strerror(e));
        if (text[0] >= 'A' && text[0] <= 'Z' && (text[1] < 'A' || text[1] > 'Z'))
                text[0] = (char) (text[0] - 'A' + 'a');
        return keel_error_setq(err, e, "process.args[0]: exec \"%s\": %s", name, text);
}

int keel_process_find_executable(const struct keel_process *p, char **out, struct keel_error **err)
{
        const char *name = p->args[0];
        const char *dirs;

        if (strchr(name, '/') != NULL) {
                struct stat st;

                if (stat(name, &st) < 0)
                        return exec_error(err, errno, name, NULL);
                /* moby reads "permission denied" as 126, as for a file
                 * without an x bit. */
                if (S_ISDIR(st.st_mode))
                        return exec_error(err, EACCES, name, "is a directory: permission denied");
                if (!S_ISREG(st.st_mode) || access(name, X_OK) < 0)
                        return exec_error(err, EACCES, name, NULL);
                *out = strdup(name);
                return *out ? 0 : keel_error_set(err, ENOMEM, "process.args[0]");
        }
        dirs = env_path(p);
        while (*dirs) {
                const char *end = strchrnul(dirs, ':');
                _cleanup_free_ char *cand = NULL;
                int dlen = (int) (end - dirs);

                if (asprintf(&cand, "%.*s/%s", dlen, dlen ? dirs : ".", name) < 0)
                        return keel_error_set(err, ENOMEM, "process.args[0]");
                if (is_executable_file(cand)) {
                        *out = cand;
                        cand = NULL;
                        return 0;
                }
                dirs = *end ? end + 1 : end;
        }
        return exec_error(err, ENOENT, name, "executable file not found in $PATH");
}

static bool fd_in(int fd, const int *set, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (set[i] == fd)
                        return true;
        return false;
}

/* One fd at a time, as procfs lists them: where close_range is missing
 * (before Linux 5.9) or refused (a seccomp profile), and to pick the fds
 * that are not close-on-exec.  procfd: a procfs that shows this thread,
 * or -1 for /proc. */
static int close_fds_listed(int procfd, unsigned int first, const int *also, size_t n_also,
                            bool only_inherited, struct keel_error **err)
{
        int dfd = openat(procfd >= 0 ? procfd : AT_FDCWD, procfd >= 0 ? "thread-self/fd"
                                                                       : "/proc/thread-self/fd",
                         O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        struct dirent *e;

        if (d == NULL) {
                int saved = errno;

                if (dfd >= 0)
                        close(dfd);
                return keel_error_set(err, saved, "list open fds");
        }
        while ((e = readdir(d)) != NULL) {
                int fd = atoi(e->d_name);
                int flags;

                if (e->d_name[0] == '.' || fd < (int) first || fd == dfd ||
                    fd_in(fd, also, n_also))
                        continue;
                if (only_inherited && ((flags = fcntl(fd, F_GETFD)) < 0 || (flags & FD_CLOEXEC)))
                        continue;
                close(fd);
        }
        return 0;
}

int keel_process_close_fds(int keep, const int *also, size_t n_also, int procfd,
                           struct keel_error **err)
{
        unsigned int first = 3 + (keep > 0 ? keep : 0);
        unsigned int lo = first;
        int kept[8];
        size_t n = 0;

        /* The fds to keep, above first, in ascending order: close the gaps. */
        for (size_t i = 0; i < n_also; i++) {
                size_t j;

                if (also[i] < (int) first || fd_in(also[i], kept, n))
                        continue;
                if (n == sizeof(kept) / sizeof(kept[0]))
                        return keel_error_setq(err, EINVAL, "close fds: too many to keep");
                for (j = n++; j > 0 && kept[j - 1] > also[i]; j--)
                        kept[j] = kept[j - 1];
                kept[j] = also[i];
        }
        for (size_t i = 0; i <= n; i++) {
                unsigned int hi = i < n ? (unsigned int) kept[i] - 1 : ~0U;

                if (lo <= hi && keel_close_range(lo, hi, 0) < 0)
                        return close_fds_listed(procfd, first, kept, n, false, err);
                if (i < n)
                        lo = (unsigned int) kept[i] + 1;
        }
        return 0;
}

int keel_process_close_inherited_fds(int keep, struct keel_error **err)
{
        return close_fds_listed(-1, 3 + (keep > 0 ? keep : 0), NULL, 0, true, err);
}

int keel_process_set_no_new_privs(const struct keel_process *p, struct keel_error **err)
{
        if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return keel_error_set(err, errno, "process.noNewPrivileges");
        return 0;
}

static int load_seccomp(struct keel_become *b, struct keel_error **err)
{
        _cleanup_free_ char *json = NULL;
        struct keel_seccomp_listener l;
        int ret;

        if (b->seccomp == NULL)
                return 0;
        if (*b->seccomp_listener < 0)
                return keel_seccomp_load(b->seccomp, NULL, NULL, err);
        ret = keel_container_process_state_json(b->state, b->listener_metadata, &json, err);
        if (ret < 0)
                return ret;
        l.sock = *b->seccomp_listener;
        l.state = json;
        *b->seccomp_listener = -1;      /* keel_seccomp_load closes it */
        return keel_seccomp_load(b->seccomp, &l, NULL, err);
}

/* What keel itself still uses after this point: the caller's fds, the
 * listener socket (loaded last with no_new_privs) and the procfs (closed
 * by the caller). */
static int close_all_but_needed(struct keel_become *b, struct keel_error **err)
{
        int also[6];
        size_t n = 0;

        if (b->n_keep_open > 4)
                return keel_error_setq(err, EINVAL, "close fds: too many to keep");
        for (size_t i = 0; i < b->n_keep_open; i++)
                also[n++] = b->keep_open[i];
        also[n++] = *b->seccomp_listener;
        also[n++] = b->procfd;
        return keel_process_close_fds(b->keep_fds, also, n, b->procfd, err);
}

int keel_process_become(struct keel_become *b, struct keel_error **err)
{
        bool nnp = b->proc->no_new_privileges;
        int ret;

        /* While keel still holds its capabilities (sched.h). */
        ret = keel_sched_apply(b->proc, err);
        if (ret == 0 && b->lx)
                ret = keel_personality_apply(b->lx->personality, err);
        if (ret == 0 && b->lx)
                ret = keel_mempolicy_apply(b->lx->memory_policy, err);
        if (ret == 0 && b->proc->apparmor_profile && *b->proc->apparmor_profile)
                ret = b->procfd >= 0 ? keel_apparmor_exec(b->procfd, b->proc->apparmor_profile, err)
                                     : keel_error_setq(err, EBADF, "process.apparmorProfile: "
                                                       "no trusted procfs");
        if (ret == 0)
                ret = keel_selinux_set(b->procfd, "exec", b->proc->selinux_label,
                                       "process.selinuxLabel", err);
        if (ret == 0)
                ret = keel_caps_apply_bounding(b->caps, err);

        if (ret == 0 && !nnp)
                ret = load_seccomp(b, err);
        if (ret == 0)
                ret = keel_process_set_user(b->proc, true, b->procfd, err);
        if (ret == 0)
                ret = keel_caps_apply(b->caps, err);
        if (ret == 0)
                ret = keel_process_set_no_new_privs(b->proc, err);
        if (ret == 0)
                ret = close_all_but_needed(b, err);
        if (ret == 0)
                ret = keel_affinity_apply(b->affinity_final, "process.execCPUAffinity.final", err);
        /* The user switch made us dumpable again where fs.suid_dumpable is
         * 1; we still run keel's binary until execve. */
        if (ret == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                ret = keel_error_set(err, errno, "PR_SET_DUMPABLE");
        if (ret == 0 && nnp)
                ret = load_seccomp(b, err);
        return ret;
}
