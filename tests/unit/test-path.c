/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Path resolution inside a hostile root: openat2 and the userspace walk
 * must agree, and nothing may resolve or be created outside the root. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "tap.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/path.h"

static char tmpdir[] = "/tmp/keel-test-path-XXXXXX";
static int rootfd = -1;
static char escape_name[64];

static void put_file(const char *path, const char *content)
{
        int fd = openat(rootfd, path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, content, strlen(content)) < 0) {
                perror(path);
                exit(2);
        }
        close(fd);
}

static void put_link(const char *target, const char *path)
{
        if (symlinkat(target, rootfd, path) < 0) {
                perror(path);
                exit(2);
        }
}

static void put_dir(const char *path)
{
        if (mkdirat(rootfd, path, 0755) < 0) {
                perror(path);
                exit(2);
        }
}

static void build_root(void)
{
        char name[64];
        int i;

        put_dir("etc");
        put_file("etc/passwd", "container\n");
        put_link("/", "etclink");
        put_link("/etc", "abs-etc");
        put_link("../../../..", "up");
        put_link("loop2", "loop1");
        put_link("loop1", "loop2");
        put_link("self", "self");
        put_file("file", "x");
        put_dir("dir");
        put_dir("dir/sub");
        put_link("../etc", "dir/rel");
        put_link("/etc/passwd", "linkfile");
        put_link("/nonexistent", "dangling");
        put_link("/made-by-link", "dangling-file");
        put_link("../run/systemd/resolve/stub-resolv.conf", "etc/resolv.conf");
        put_link("/proc/self/root", "fake-magic");
        /* c0 -> c1 -> ... -> c39 -> file: forty symlinks, the most allowed. */
        for (i = 0; i < 40; i++) {
                char target[64];
                snprintf(name, sizeof(name), "c%d", i);
                if (i == 39)
                        snprintf(target, sizeof(target), "file");
                else
                        snprintf(target, sizeof(target), "c%d", i + 1);
                put_link(target, name);
        }
        put_link("c0", "c-1");
}

/* Where a resolution ended, for comparing answers: an errno or an inode. */
struct answer {
        int err;
        dev_t dev;
        ino_t ino;
        mode_t mode;
};

static struct answer answer_of(int fd)
{
        struct answer a = { 0 };
        struct stat st;

        if (fd < 0) {
                a.err = -fd;
                return a;
        }
        if (fstat(fd, &st) == 0) {
                a.dev = st.st_dev;
                a.ino = st.st_ino;
                a.mode = st.st_mode & S_IFMT;
        } else {
                a.err = errno;
        }
        close(fd);
        return a;
}

static struct answer answer_at(int dirfd, const char *path)
{
        struct answer a = { 0 };
        struct stat st;

        if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
                a.err = errno;
                return a;
        }
        a.dev = st.st_dev;
        a.ino = st.st_ino;
        a.mode = st.st_mode & S_IFMT;
        return a;
}

static int same(struct answer a, struct answer b)
{
        return a.err == b.err && a.dev == b.dev && a.ino == b.ino;
}

/* Resolve path in root both ways with flags; want is the entry (relative
 * to the real root directory) it must land on, or NULL with want_err. */
static void check_resolve(int root, const char *path, int flags, const char *want, int want_err)
{
        struct answer a2, fb, exp = { 0 };

        a2 = answer_of(keel_path_open_in_root(root, path, flags, 0, NULL));
        fb = answer_of(keel_path_open_in_root_fallback(root, path, flags, 0, NULL));
        if (want != NULL)
                exp = answer_at(root, want);
        else
                exp.err = want_err;
        tap_ok(same(a2, exp), "openat2: %s -> %s", path, want ? want : strerror(want_err));
        if (!same(a2, exp))
                tap_diag("got errno %d ino %lu, want errno %d ino %lu", a2.err,
                         (unsigned long) a2.ino, exp.err, (unsigned long) exp.ino);
        tap_ok(same(fb, exp), "fallback: %s -> %s", path, want ? want : strerror(want_err));
        if (!same(fb, exp))
                tap_diag("got errno %d ino %lu, want errno %d ino %lu", fb.err,
                         (unsigned long) fb.ino, exp.err, (unsigned long) exp.ino);
}

static void test_resolution(void)
{
        check_resolve(rootfd, "/etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "etc/passwd", O_RDONLY, "etc/passwd", 0);
        check_resolve(rootfd, "/etclink/etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/abs-etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/up/etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "../../../etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/dir/../../etc/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/dir/rel/passwd", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/linkfile", O_PATH, "etc/passwd", 0);
        check_resolve(rootfd, "/", O_PATH, ".", 0);
        check_resolve(rootfd, "/..", O_PATH | O_DIRECTORY, ".", 0);
        check_resolve(rootfd, "/dir/sub/", O_PATH, "dir/sub", 0);
        check_resolve(rootfd, "/etclink", O_PATH | O_DIRECTORY, ".", 0);
        check_resolve(rootfd, "/loop1", O_PATH, NULL, ELOOP);
        check_resolve(rootfd, "/loop1/x", O_PATH, NULL, ELOOP);
        check_resolve(rootfd, "/self", O_PATH, NULL, ELOOP);
        check_resolve(rootfd, "/c0", O_PATH, "file", 0);
        check_resolve(rootfd, "/c-1", O_PATH, NULL, ELOOP);
        check_resolve(rootfd, "/file/x", O_PATH, NULL, ENOTDIR);
        check_resolve(rootfd, "/file/", O_PATH, NULL, ENOTDIR);
        check_resolve(rootfd, "/linkfile/", O_PATH, NULL, ENOTDIR);
        check_resolve(rootfd, "/file", O_PATH | O_DIRECTORY, NULL, ENOTDIR);
        check_resolve(rootfd, "/dangling", O_PATH, NULL, ENOENT);
        check_resolve(rootfd, "/fake-magic", O_PATH, NULL, ENOENT);
        check_resolve(rootfd, "/missing/x", O_PATH, NULL, ENOENT);
        check_resolve(rootfd, "/linkfile", O_PATH | O_NOFOLLOW, "linkfile", 0);
        check_resolve(rootfd, "/linkfile", O_RDONLY | O_NOFOLLOW, NULL, ELOOP);
        check_resolve(rootfd, "/abs-etc", O_PATH | O_NOFOLLOW | O_DIRECTORY, NULL, ENOTDIR);
        check_resolve(rootfd, "/abs-etc/", O_PATH | O_NOFOLLOW, "etc", 0);
        check_resolve(rootfd, "/linkfile", O_CREAT | O_EXCL | O_WRONLY, NULL, EEXIST);
        check_resolve(rootfd, "/", O_CREAT | O_WRONLY, NULL, EISDIR);
}

/* procfs magic links are refused even when the root is the host's "/". */
static void test_magic_links(void)
{
        _cleanup_close_ int host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);

        check_resolve(host, "/proc/self/exe", O_PATH, NULL, ELOOP);
        check_resolve(host, "/proc/self/fd/0", O_PATH, NULL, ELOOP);
        check_resolve(host, "/proc/self/root/etc", O_PATH, NULL, ELOOP);
        check_resolve(host, "/proc/thread-self/cwd", O_PATH, NULL, ELOOP);
        check_resolve(host, "/proc/self/status", O_PATH, "proc/self/status", 0);
        check_resolve(self, "cwd/x", O_PATH, NULL, ELOOP);
        check_resolve(self, "ns/mnt", O_PATH, NULL, ELOOP);
        check_resolve(self, "ns/mnt", O_PATH | O_NOFOLLOW, "ns/mnt", 0);
        check_resolve(self, "../../../stat", O_PATH, "stat", 0);
}

/* check_host PATH WANT_ERR: keel_path_open_host from "/" with this process
 * as keel; on success the fd is the same file as stat(WANT) */
static void check_host(const char *path, const char *want, int want_err)
{
        _cleanup_close_ int host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct keel_path_self self = { .pids = { getpid(), getppid() }, .n = 2 };
        struct keel_error *err = NULL;
        struct stat a, b;
        int fd = keel_path_open_host(host, path, &self, O_PATH, &err);

        if (want_err != 0) {
                tap_ok(fd == -want_err && err != NULL, "host %s fails with errno %d", path,
                       want_err);
                if (fd >= 0 || fd != -want_err)
                        tap_diag("got %d", fd);
        } else {
                tap_ok(fd >= 0 && fstat(fd, &a) == 0 && stat(want, &b) == 0 &&
                       a.st_dev == b.st_dev && a.st_ino == b.st_ino, "host %s is %s", path, want);
                if (fd < 0)
                        tap_diag("error: %s", err ? err->msg : "(none)");
        }
        if (fd >= 0)
                close(fd);
        keel_error_free(err);
}

/* Mount sources: nothing through keel's own /proc directory, by any name;
 * other processes' magic links are followed. */
static void test_host_paths(void)
{
        char path[PATH_MAX + 64], link[PATH_MAX], want[PATH_MAX];
        struct keel_error *err = NULL;
        int host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), fd;
        struct keel_path_self self = { .pids = { getpid() }, .n = 1 };
        pid_t child;

        check_host("/proc/self/fd/0", NULL, EPERM);
        check_host("/proc/self", NULL, EPERM);
        check_host("/proc/thread-self/ns", NULL, EPERM);
        check_host("/proc/self/root/tmp", NULL, EPERM);
        check_host("/dev/fd/0", NULL, EPERM);
        check_host("/proc/../proc/./self/cwd", NULL, EPERM);
        snprintf(path, sizeof(path), "/proc/%d/fd/0", (int) getpid());
        check_host(path, NULL, EPERM);
        snprintf(path, sizeof(path), "/proc/%d/root/tmp", (int) getppid());
        check_host(path, NULL, EPERM);
        /* a symlink on the host leading there */
        snprintf(link, sizeof(link), "%s/to-self-fd", tmpdir);
        symlink("/proc/self/fd", link);
        snprintf(path, sizeof(path), "%s/0", link);
        check_host(path, NULL, EPERM);
        snprintf(link, sizeof(link), "%s/to-proc", tmpdir);
        symlink("../../proc", link);
        snprintf(path, sizeof(path), "%s/self/environ", link);
        check_host(path, NULL, EPERM);
        /* what is not keel's resolves as the kernel resolves it */
        check_host("/proc/sys", "/proc/sys", 0);
        check_host("/proc/1/..", "/proc", 0);
        snprintf(path, sizeof(path), "%s/to-proc/sys/kernel", tmpdir);
        check_host(path, "/proc/sys/kernel", 0);
        /* the child starts with /proc as its working directory */
        fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || chdir("/proc") < 0)
                abort();
        child = fork();
        if (child == 0) {
                pause();
                _exit(0);
        }
        if (fchdir(fd) < 0)
                abort();
        close(fd);
        snprintf(path, sizeof(path), "/proc/%d/root%s", (int) child, tmpdir);
        check_host(path, tmpdir, 0);
        snprintf(path, sizeof(path), "/proc/%d/ns/net", (int) child);
        check_host(path, "/proc/self/ns/net", 0);
        /* a magic link that lands in a procfs directory: whose is it? */
        snprintf(path, sizeof(path), "/proc/%d/cwd/sys", (int) child);
        check_host(path, NULL, EPERM);
        /* another process's own /proc directory is not keel's */
        snprintf(want, sizeof(want), "/proc/%d/task", (int) child);
        fd = keel_path_open_host(host, want, &self, O_PATH, &err);
        tap_ok(fd >= 0, "host /proc/<child>/task is another process's");
        if (fd >= 0)
                close(fd);
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        fd = keel_path_open_host(host, "/dev/fd/0", &self, O_PATH, &err);
        tap_is_str(err ? err->msg : NULL, "/dev/fd/0: leads into /proc/self, which is keel's own "
                   "process, not the caller's (refused)", "host refusal names the path and step");
        keel_error_free(err);
        err = NULL;
        fd = keel_path_open_host(host, "relative", &self, O_PATH, &err);
        tap_ok(fd == -EINVAL && err != NULL, "host path must be absolute");
        keel_error_free(err);
        close(host);
}

static void test_create(void)
{
        struct answer a;
        char buf[64] = "";
        int fd;

        fd = keel_path_open_in_root(rootfd, "/etclink/created-a", O_CREAT | O_WRONLY, 0600, NULL);
        tap_ok(fd >= 0 && faccessat(rootfd, "created-a", F_OK, 0) == 0,
               "openat2: O_CREAT through an absolute symlink creates inside the root");
        if (fd >= 0)
                close(fd);
        fd = keel_path_open_in_root_fallback(rootfd, "/etclink/created-b", O_CREAT | O_WRONLY, 0600,
                                             NULL);
        tap_ok(fd >= 0 && faccessat(rootfd, "created-b", F_OK, 0) == 0,
               "fallback: O_CREAT through an absolute symlink creates inside the root");
        if (fd >= 0)
                close(fd);
        put_link("/created-c", "create-link");
        fd = keel_path_open_in_root_fallback(rootfd, "/create-link", O_CREAT | O_WRONLY, 0600, NULL);
        a = answer_at(rootfd, "created-c");
        tap_ok(fd >= 0 && a.err == 0 && a.mode == S_IFREG,
               "fallback: O_CREAT on a dangling symlink creates its target in the root");
        if (fd >= 0)
                close(fd);
        fd = keel_path_open_in_root_fallback(rootfd, "/linkfile", O_RDONLY, 0, NULL);
        if (fd >= 0) {
                ssize_t n = read(fd, buf, sizeof(buf) - 1);
                buf[n > 0 ? n : 0] = '\0';
                close(fd);
        }
        tap_is_str(buf, "container\n", "fallback: reads the root's file, not the host's");
}

static void test_mkdir(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        char host_path[128];
        struct answer a;
        int fd;

        fd = keel_path_mkdir_in_root(rootfd, "/a/b/c", 0755, NULL);
        a = answer_of(fd);
        tap_ok(same(a, answer_at(rootfd, "a/b/c")) && a.mode == S_IFDIR, "mkdir -p /a/b/c");

        fd = keel_path_mkdir_in_root(rootfd, "/a/b/c", 0755, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "a/b/c")), "mkdir of an existing dir");

        snprintf(host_path, sizeof(host_path), "/etclink/%s/x", escape_name);
        fd = keel_path_mkdir_in_root(rootfd, host_path, 0755, NULL);
        snprintf(host_path, sizeof(host_path), "%s/x", escape_name);
        tap_ok(same(answer_of(fd), answer_at(rootfd, host_path)),
               "mkdir through an absolute symlink to / stays in the root");
        snprintf(host_path, sizeof(host_path), "/%s", escape_name);
        tap_ok(access(host_path, F_OK) < 0, "nothing was created on the host");

        fd = keel_path_mkdir_in_root(rootfd, "/up/x/y", 0755, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "x/y")), "mkdir through ../../.. is clamped");

        fd = keel_path_mkdir_in_root(rootfd, "/dir/rel/made", 0755, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "etc/made")), "mkdir through a relative symlink");

        fd = keel_path_mkdir_in_root(rootfd, "/file/sub", 0755, &err);
        tap_is_int(fd, -ENOTDIR, "mkdir under a file: ENOTDIR");
        tap_is_str(err ? err->msg : NULL, "mkdir /file/sub in the rootfs: Not a directory",
                   "mkdir error names the container path");

        fd = keel_path_mkdir_in_root(rootfd, "/dangling/x", 0755, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "nonexistent/x")),
               "mkdir under a dangling symlink creates its target in the root");
        tap_ok(access("/nonexistent", F_OK) < 0, "the dangling target was not created on the host");
        tap_is_int(keel_path_mkdir_in_root(rootfd, "/loop1/x", 0755, NULL), -ELOOP,
                   "mkdir under a symlink loop: ELOOP");
        tap_is_int(keel_path_mkdir_in_root(rootfd, "/linkfile", 0755, NULL), -ENOTDIR,
                   "mkdir over a symlink to a file: ENOTDIR");
        fd = keel_path_mkdir_in_root(rootfd, "/", 0755, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, ".")), "mkdir / is the root");
}

static void test_mkfile(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *content = NULL;
        struct answer a;
        size_t len;
        int fd;

        fd = keel_path_mkfile_in_root(rootfd, "/new/dir/f", 0644, NULL);
        a = answer_of(fd);
        tap_ok(same(a, answer_at(rootfd, "new/dir/f")) && a.mode == S_IFREG, "mkfile creates parents and file");

        fd = keel_path_mkfile_in_root(rootfd, "/linkfile", 0644, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "etc/passwd")),
               "mkfile on a symlink resolves it in the root");
        keel_read_file_at(rootfd, "etc/passwd", 4096, &content, &len, NULL);
        tap_is_str(content, "container\n", "mkfile leaves an existing file untouched");

        fd = keel_path_mkfile_in_root(rootfd, "/etclink/escfile", 0644, NULL);
        tap_ok(same(answer_of(fd), answer_at(rootfd, "escfile")), "mkfile through a symlink to / stays in the root");

        tap_is_int(keel_path_mkfile_in_root(rootfd, "/dir", 0644, &err), -EISDIR, "mkfile on a directory: EISDIR");
        tap_is_str(err ? err->msg : NULL, "create /dir in the rootfs: Is a directory", "mkfile error names the path");
        tap_is_int(keel_path_mkfile_in_root(rootfd, "/file/x", 0644, NULL), -ENOTDIR, "mkfile under a file: ENOTDIR");
        fd = keel_path_mkfile_in_root(rootfd, "/etc/resolv.conf", 0644, NULL);
        a = answer_of(fd);
        tap_ok(same(a, answer_at(rootfd, "run/systemd/resolve/stub-resolv.conf")) && a.mode == S_IFREG,
               "mkfile on a dangling relative symlink creates its target in the root");
        fd = keel_path_mkfile_in_root(rootfd, "/dangling-file", 0644, NULL);
        a = answer_of(fd);
        tap_ok(same(a, answer_at(rootfd, "made-by-link")) && a.mode == S_IFREG,
               "mkfile on a dangling absolute symlink creates its target in the root");
        tap_ok(access("/made-by-link", F_OK) < 0, "the dangling target was not created on the host");
        tap_is_int(keel_path_mkfile_in_root(rootfd, "/loop1", 0644, NULL), -ELOOP, "mkfile on a loop: ELOOP");
}

/* Hosts that filter openat2 (seccomp profiles written before it existed
 * answer ENOSYS or EPERM): every helper must still work, through the walk. */
static void filtered_child(int out)
{
        struct sock_filter filter[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = ARRAY_SIZE(filter), .filter = filter };
        char line[128];
        int fd, ok;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                _exit(1);
        ok = syscall(SYS_openat2, rootfd, "/", NULL, 0) < 0 && errno == ENOSYS;
        snprintf(line, sizeof(line), "%d openat2 is filtered\n", ok);
        keel_write_all(out, line, strlen(line));

        fd = keel_path_open_in_root(rootfd, "/up/etc/passwd", O_PATH, 0, NULL);
        ok = same(answer_of(fd), answer_at(rootfd, "etc/passwd"));
        snprintf(line, sizeof(line), "%d open_in_root falls back to the walk\n", ok);
        keel_write_all(out, line, strlen(line));

        fd = keel_path_mkdir_in_root(rootfd, "/etclink/filtered/dir", 0755, NULL);
        ok = same(answer_of(fd), answer_at(rootfd, "filtered/dir"));
        snprintf(line, sizeof(line), "%d mkdir_in_root without openat2\n", ok);
        keel_write_all(out, line, strlen(line));

        fd = keel_path_mkfile_in_root(rootfd, "/up/filtered/file", 0644, NULL);
        ok = same(answer_of(fd), answer_at(rootfd, "filtered/file"));
        snprintf(line, sizeof(line), "%d mkfile_in_root without openat2\n", ok);
        keel_write_all(out, line, strlen(line));

        ok = keel_path_open_in_root(rootfd, "/proc/self/exe", O_PATH, 0, NULL) == -ENOENT;
        snprintf(line, sizeof(line), "%d absolute paths start at the root without openat2\n", ok);
        keel_write_all(out, line, strlen(line));
        _exit(0);
}

static void test_filtered_openat2(void)
{
        _cleanup_fclose_ FILE *in = NULL;
        char line[128];
        int pfd[2], status = 0;
        pid_t pid;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return;
        pid = fork();
        if (pid == 0) {
                close(pfd[0]);
                filtered_child(pfd[1]);
        }
        close(pfd[1]);
        in = fdopen(pfd[0], "r");
        while (in != NULL && fgets(line, sizeof(line), in) != NULL) {
                line[strcspn(line, "\n")] = '\0';
                tap_ok(line[0] == '1', "openat2 filtered: %s", line + 2);
        }
        waitpid(pid, &status, 0);
        tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "openat2 filtered: child exited cleanly");
}

static void check_clean(const char *in, const char *want)
{
        _cleanup_free_ char *got = keel_path_clean(in);
        char name[128];

        snprintf(name, sizeof(name), "clean '%s'", in);
        tap_is_str(got, want, name);
}

static void test_clean(void)
{
        _cleanup_free_ char *dir = NULL, *base = NULL;

        check_clean("/", "/");
        check_clean("//a/./b/../c/", "/a/c");
        check_clean("../../x", "/x");
        check_clean("a", "/a");
        check_clean("/..", "/");
        check_clean("/proc/", "/proc");
        tap_ok(keel_path_clean("") == NULL, "clean '' fails");
        tap_ok(keel_path_split("/dev/net/tun", &dir, &base) == 0 && strcmp(dir, "/dev/net") == 0 &&
               strcmp(base, "tun") == 0, "split /dev/net/tun");
        free(dir);
        free(base);
        dir = base = NULL;
        tap_ok(keel_path_split("/null", &dir, &base) == 0 && strcmp(dir, "/") == 0 &&
               strcmp(base, "null") == 0, "split /null");
        tap_is_int(keel_path_split("/", &dir, &base), -EINVAL, "split / fails");
}

int main(void)
{
        _cleanup_close_ int tmpfd = -1;

        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 2;
        }
        snprintf(escape_name, sizeof(escape_name), "keel-test-path-escape-%d", (int) getpid());
        tmpfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        mkdirat(tmpfd, "root", 0755);
        rootfd = openat(tmpfd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0) {
                perror("root");
                return 2;
        }
        build_root();

        test_resolution();
        test_magic_links();
        test_host_paths();
        test_create();
        test_mkdir();
        test_mkfile();
        test_filtered_openat2();
        test_clean();

        keel_remove_tree_at(tmpfd, NULL);
        rmdir(tmpdir);
        return tap_done();
}
