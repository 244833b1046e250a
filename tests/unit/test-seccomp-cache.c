/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The cache of compiled seccomp programs (linux/seccomp-cache.c): what it
 * gives back is what the compiler gives, it answers only for the profile
 * it was stored under, and anything odd in its directory means "compile". */
#include "config.h"

#include "seccomp-test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "linux/seccomp-filter.h"

static char root[] = "/tmp/keel-test-seccomp-cache.XXXXXX";
static int rootfd = -1;

static bool same_filter(const struct keel_seccomp_filter *a, const struct keel_seccomp_filter *b)
{
        return a != NULL && b != NULL && a->n_insns == b->n_insns && a->flags == b->flags &&
               a->notify == b->notify &&
               memcmp(a->insns, b->insns, a->n_insns * sizeof(a->insns[0])) == 0;
}

/* Look cfg's profile up: *hit says whether the cache answered. */
static struct keel_seccomp_filter *lookup(const struct keel_config *cfg, bool *hit)
{
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;

        if (keel_seccomp_compile_cached(rootfd, cfg->linux_cfg->seccomp, &f, hit, &err) < 0) {
                tap_diag("compile: %s", err->msg);
                keel_error_free(err);
        }
        return f;
}

static char *entry_path(void)
{
        char *path = NULL;
        DIR *d;
        struct dirent *de;
        char dir[256];

        snprintf(dir, sizeof(dir), "%s/%s", root, KEEL_SECCOMP_CACHE_DIR);
        d = opendir(dir);
        if (d == NULL)
                return NULL;
        while ((de = readdir(d)) != NULL)
                if (de->d_name[0] != '.' && asprintf(&path, "%s/%s", dir, de->d_name) < 0)
                        path = NULL;
        closedir(d);
        return path;
}

static void test_round_trip(void)
{
        _cleanup_free_ char *json = read_data("podman-runc-run-d-config.json");
        struct keel_config *cfg = json ? parse(json) : NULL;
        struct keel_seccomp_filter *fresh = NULL, *first, *second;
        struct keel_error *err = NULL;
        bool hit1 = true, hit2 = false;

        if (cfg == NULL || cfg->linux_cfg == NULL || cfg->linux_cfg->seccomp == NULL) {
                tap_ok(0, "podman's profile read");
                keel_config_free(cfg);
                return;
        }
        if (keel_seccomp_compile(cfg->linux_cfg->seccomp, &fresh, &err) < 0)
                keel_error_free(err);
        first = lookup(cfg, &hit1);
        tap_ok(first != NULL && !hit1, "first_lookup_compiles");
        tap_ok(same_filter(first, fresh), "first_lookup_gives_the_compilers_program");
        tap_ok(entry_path() == NULL, "nothing_stored_by_a_lookup");

        keel_seccomp_cache_store(rootfd, cfg->linux_cfg->seccomp, first);
        second = lookup(cfg, &hit2);
        tap_ok(second != NULL && hit2, "stored_program_is_found");
        tap_ok(same_filter(second, fresh), "cached_program_is_the_compilers_program");
        keel_seccomp_filter_free(second);

        /* One errno of one rule changed: another key. */
        cfg->linux_cfg->seccomp->syscalls[0].errno_ret ^= 1;
        cfg->linux_cfg->seccomp->syscalls[0].has_errno_ret = true;
        second = lookup(cfg, &hit2);
        tap_ok(second != NULL && !hit2, "another_profile_misses");
        keel_seccomp_filter_free(second);

        keel_seccomp_filter_free(first);
        keel_seccomp_filter_free(fresh);
        keel_config_free(cfg);
}

/* A profile of its own, stored, then its entry damaged by f: the next
 * lookup must compile again and give the compiler's program. */
static void damaged(const char *name, void (*damage)(const char *path))
{
        struct keel_config *cfg = parse(SEC("'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                                            "{'names':['mkdir'],'action':'SCMP_ACT_ERRNO'}]"));
        struct keel_seccomp_filter *f = NULL, *again;
        _cleanup_free_ char *path = NULL;
        bool hit = true;
        char cmd[512];

        snprintf(cmd, sizeof(cmd), "rm -f %s/%s/*", root, KEEL_SECCOMP_CACHE_DIR);
        if (system(cmd) != 0)
                tap_diag("%s failed", cmd);
        f = lookup(cfg, &hit);
        keel_seccomp_cache_store(rootfd, cfg->linux_cfg->seccomp, f);
        path = entry_path();
        if (path != NULL)
                damage(path);
        again = lookup(cfg, &hit);
        tap_ok(path != NULL && again != NULL && !hit && same_filter(again, f), "%s", name);
        keel_seccomp_filter_free(again);
        keel_seccomp_filter_free(f);
        keel_config_free(cfg);
}

static void truncate_entry(const char *path)
{
        struct stat st;

        if (stat(path, &st) == 0 && truncate(path, st.st_size - 8) < 0)
                tap_diag("truncate %s: %s", path, strerror(errno));
}

static void flip_a_key_byte(const char *path)
{
        int fd = open(path, O_RDWR);
        unsigned char c;

        /* The key follows the 8-byte magic. */
        if (fd >= 0 && pread(fd, &c, 1, 8) == 1) {
                c ^= 0xff;
                if (pwrite(fd, &c, 1, 8) != 1)
                        tap_diag("pwrite: %s", strerror(errno));
        }
        if (fd >= 0)
                close(fd);
}

static void group_writable_dir(const char *path)
{
        char dir[256];

        (void) path;
        snprintf(dir, sizeof(dir), "%s/%s", root, KEEL_SECCOMP_CACHE_DIR);
        chmod(dir, 0770);
}

static void entry_becomes_a_symlink(const char *path)
{
        char target[300];

        snprintf(target, sizeof(target), "%s.real", path);
        if (rename(path, target) < 0 || symlink(target, path) < 0)
                tap_diag("symlink %s: %s", path, strerror(errno));
}

static void entry_becomes_a_fifo(const char *path)
{
        if (unlink(path) < 0 || mkfifo(path, 0600) < 0)
                tap_diag("mkfifo %s: %s", path, strerror(errno));
}

/* A create killed while it stored an entry leaves keel_write_file_atomic_at's
 * temporary file: the next store removes it, and only the dead writer's. */
static void test_dead_writers_temporary(void)
{
        struct keel_config *cfg = parse(SEC("'defaultAction':'SCMP_ACT_ALLOW','syscalls':["
                                            "{'names':['rmdir'],'action':'SCMP_ACT_ERRNO'}]"));
        struct keel_seccomp_filter *f = NULL;
        char dead[300], alive[300];
        bool hit = true;
        pid_t pid;
        int fd;

        /* A pid that was ours and is free now. */
        pid = fork();
        if (pid == 0)
                _exit(0);
        waitpid(pid, NULL, 0);
        snprintf(dead, sizeof(dead), "%s/%s/.%064d.tmp-%d", root, KEEL_SECCOMP_CACHE_DIR, 0,
                 (int) pid);
        snprintf(alive, sizeof(alive), "%s/%s/.%064d.tmp-%d", root, KEEL_SECCOMP_CACHE_DIR, 1,
                 (int) getpid());
        fd = open(dead, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
        fd = open(alive, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
        f = lookup(cfg, &hit);
        keel_seccomp_cache_store(rootfd, cfg->linux_cfg->seccomp, f);
        tap_ok(access(dead, F_OK) < 0 && errno == ENOENT && access(alive, F_OK) == 0,
               "a_dead_writers_temporary_file_is_removed_at_the_next_store");
        unlink(alive);
        keel_seccomp_filter_free(f);
        keel_config_free(cfg);
}

static void test_no_root(void)
{
        struct keel_config *cfg = parse(SEC("'defaultAction':'SCMP_ACT_ALLOW'"));
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;
        bool hit = true;
        int r;

        r = keel_seccomp_compile_cached(-1, cfg->linux_cfg->seccomp, &f, &hit, &err);
        tap_ok(r == 0 && f != NULL && !hit, "no_state_root_compiles");
        keel_seccomp_cache_store(-1, cfg->linux_cfg->seccomp, f);
        keel_error_free(err);
        keel_seccomp_filter_free(f);
        keel_config_free(cfg);
}

int main(void)
{
        char cmd[300];

        if (mkdtemp(root) == NULL || (rootfd = open(root, O_RDONLY | O_DIRECTORY)) < 0) {
                tap_ok(0, "temporary state root");
                return tap_done();
        }
        test_round_trip();
        damaged("truncated_entry_is_compiled_again", truncate_entry);
        damaged("entry_under_another_key_is_compiled_again", flip_a_key_byte);
        damaged("entry_behind_a_symlink_is_compiled_again", entry_becomes_a_symlink);
        /* A read that waits on the FIFO dies of the alarm: the test fails. */
        alarm(20);
        damaged("entry_replaced_by_a_fifo_is_compiled_again", entry_becomes_a_fifo);
        alarm(0);
        test_dead_writers_temporary();
        damaged("group_writable_directory_is_not_used", group_writable_dir);
        test_no_root();
        close(rootfd);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        if (system(cmd) != 0)
                tap_diag("%s failed", cmd);
        return tap_done();
}
