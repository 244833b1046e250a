/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup placement: path rules and the resources check everywhere; the
 * real thing (create, enter, pids, device filter, kill, destroy) as root,
 * in a scratch cgroup keel-test-<pid> below the cgroup2 mount that is
 * removed at the end.  No v1 hierarchy is touched. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/cgroup-devices.h"
#include "linux/cgroup.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- linux.cgroupsPath ---------------------------------------------------- */

static void check_path(const char *in, const char *id, const char *want, const char *want_err,
                       const char *name)
{
        struct keel_error *err = NULL;
        char *out = NULL;
        int r = keel_cgroup_resolve_path(in, id, &out, &err);

        if (want != NULL) {
                tap_is_str(r == 0 ? out : (err ? err->msg : "?"), want, name);
        } else {
                tap_ok(r == -EINVAL && out == NULL, "%s", name);
                tap_is_str(err ? err->msg : NULL, want_err, name);
        }
        free(out);
        keel_error_free(err);
}

/* The parent of our own cgroup2 cgroup, read independently of keel. */
static char *own_parent(void)
{
        char line[4096], *res = NULL;
        FILE *f = fopen("/proc/self/cgroup", "re");

        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        char *own = line + 3, *slash;

                        own[strcspn(own, "\n")] = '\0';
                        slash = strrchr(own, '/');
                        if (slash == own)
                                slash[1] = '\0';
                        else if (slash)
                                *slash = '\0';
                        res = strdup(own);
                }
        if (f)
                fclose(f);
        return res;
}

static void test_resolve_path(void)
{
        char *parent = own_parent();
        char want[4200];

        check_path(NULL, "c1", "/keel/c1", NULL, "default_path_is_keel_id");
        check_path("/libpod_parent/libpod-abc", "c1", "/libpod_parent/libpod-abc", NULL,
                   "absolute_path_kept");
        check_path("//a/./b/", "c1", "/a/b", NULL, "absolute_path_normalised");
        check_path("/a/../b", "c1", NULL, "linux.cgroupsPath: \"/a/../b\" has a \"..\" component",
                   "dotdot_rejected");
        check_path("..", "c1", NULL, "linux.cgroupsPath: \"..\" has a \"..\" component",
                   "relative_dotdot_rejected");
        check_path("system.slice:docker:abc", "c1", NULL,
                   "linux.cgroupsPath: \"system.slice:docker:abc\" looks like a systemd path; "
                   "use --systemd-cgroup",
                   "systemd_path_rejected");
        check_path(":libpod:abc", "c1", NULL,
                   "linux.cgroupsPath: \":libpod:abc\" looks like a systemd path; "
                   "use --systemd-cgroup",
                   "systemd_path_without_slice_rejected");
        check_path("/", "c1", NULL,
                   "linux.cgroupsPath: \"/\" is the root cgroup; a container needs a cgroup "
                   "of its own",
                   "root_cgroup_rejected");
        check_path("/./", "c1", NULL,
                   "linux.cgroupsPath: \"/./\" is the root cgroup; a container needs a "
                   "cgroup of its own",
                   "root_cgroup_spelt_oddly_rejected");
        check_path(NULL, "a/b", NULL, "container id: \"a/b\" cannot name a cgroup",
                   "id_with_slash_rejected");
        check_path(NULL, "..", NULL, "container id: \"..\" cannot name a cgroup",
                   "id_dotdot_rejected");
        if (parent == NULL) {
                tap_skip("relative_path_below_parent_of_own_cgroup",
                         "no 0:: line in /proc/self/cgroup");
                return;
        }
        snprintf(want, sizeof(want), "%s/x/y", strcmp(parent, "/") == 0 ? "" : parent);
        check_path("x//y", "c1", want, NULL, "relative_path_below_parent_of_own_cgroup");
        tap_diag("own cgroup's parent here: %s", parent);
        free(parent);
}

/* ---- a process to place: it answers requests over a pipe --------------- */

struct child {
        pid_t pid;
        int cmd, res;
};

static int try_open(const char *path, int flags, bool read_one)
{
        int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        char c;

        if (fd < 0)
                return errno;
        if (read_one && read(fd, &c, 1) != 1) {
                close(fd);
                return errno ? errno : EIO;
        }
        close(fd);
        return 0;
}

static void child_loop(int cmd, int res)
{
        char c;

        while (read(cmd, &c, 1) == 1) {
                int r = c == 'n'   ? try_open("/dev/null", O_WRONLY, false)
                        : c == 'N' ? try_open("/dev/null", O_RDWR, false)
                        : c == 'z' ? try_open("/dev/zero", O_RDONLY, true)
                        : c == 'k' ? try_open("/dev/kmsg", O_RDONLY, false)
                                   : EINVAL;

                if (write(res, &r, sizeof(r)) != sizeof(r))
                        break;
        }
        _exit(0);
}

static int child_spawn(struct child *ch)
{
        int a[2], b[2];

        if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0)
                return -1;
        ch->pid = fork();
        if (ch->pid < 0)
                return -1;
        if (ch->pid == 0) {
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                close(a[1]);
                close(b[0]);
                child_loop(a[0], b[1]);
        }
        close(a[0]);
        close(b[1]);
        ch->cmd = a[1];
        ch->res = b[0];
        return 0;
}

/* What the child got (0 or an errno), -1 when it did not answer. */
static int child_ask(struct child *ch, char c)
{
        int r;

        if (write(ch->cmd, &c, 1) != 1 || read(ch->res, &r, sizeof(r)) != sizeof(r))
                return -1;
        return r;
}

/* How the child ended: the signal that killed it, 0 for a normal exit. */
static int child_reap(struct child *ch)
{
        int status;

        close(ch->cmd);
        close(ch->res);
        if (waitpid(ch->pid, &status, 0) != ch->pid)
                return -1;
        ch->pid = 0;
        return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

static void child_cleanup(struct child *ch)
{
        if (ch->pid > 0) {
                kill(ch->pid, SIGKILL);
                child_reap(ch);
        }
}

static char *cgroup_of(pid_t pid)
{
        char path[64], line[4096];
        char *res = NULL;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        f = fopen(path, "re");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        res = strdup(line + 3);
                }
        if (f)
                fclose(f);
        return res;
}

static bool exists(const char *mount, const char *path)
{
        char full[4096];
        struct stat st;

        snprintf(full, sizeof(full), "%s%s", mount, path);
        return stat(full, &st) == 0;
}

static int attached_programs(int cgfd)
{
        uint32_t ids[64];
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t) cgfd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uintptr_t) ids;
        attr.query.prog_cnt = 64;
        if (syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) < 0)
                return -errno;
        return (int) attr.query.prog_cnt;
}

/* ---- placement ---------------------------------------------------------- */

struct scratch {
        char *mount;
        char top[64], leaf[96], sub[128], busy[96];
        struct child a, b, c, d;
};

static void test_create_and_enter(struct scratch *s, struct keel_cgroup **out)
{
        struct keel_cgroup *cg = NULL, *again = NULL;
        struct keel_error *err = NULL;
        char *where;
        pid_t *pids = NULL;
        size_t n = 0;

        tap_ok(keel_cgroup_create(s->mount, s->leaf, &cg, &err) == 0 && cg->created &&
               cg->dirfd >= 0, "create_makes_the_cgroup_and_parents");
        if (cg == NULL) {
                tap_diag("%s", err ? err->msg : "?");
                keel_error_free(err);
                return;
        }
        tap_ok(keel_cgroup_create(s->mount, s->leaf, &again, NULL) == 0 && !again->created,
               "create_reuses_an_empty_cgroup");
        keel_cgroup_free(again);
        again = NULL;

        tap_ok(child_spawn(&s->a) == 0, "spawn_child");
        tap_ok(keel_cgroup_enter(cg, s->a.pid, &err) == 0, "enter_moves_the_child");
        where = cgroup_of(s->a.pid);
        tap_is_str(where, s->leaf, "child_is_in_the_cgroup");
        free(where);
        tap_ok(keel_cgroup_pids(cg, &pids, &n, NULL) == 0 && n == 1 && pids[0] == s->a.pid,
               "pids_lists_the_child");
        free(pids);

        tap_is_int(keel_cgroup_create(s->mount, s->leaf, &again, &err), -EBUSY,
                   "create_refuses_a_populated_cgroup");
        {
                char want[160];

                snprintf(want, sizeof(want), "cgroup %s is in use", s->leaf);
                tap_is_str(err ? err->msg : NULL, want, "populated_cgroup_message");
        }
        keel_error_freep(&err);
        keel_cgroup_free(again);
        *out = cg;
}

static void test_sub_cgroup(struct scratch *s, struct keel_cgroup *cg)
{
        struct keel_cgroup *sub = NULL;
        pid_t *pids = NULL;
        size_t n = 0;

        tap_ok(keel_cgroup_create(s->mount, s->sub, &sub, NULL) == 0, "create_sub_cgroup");
        tap_ok(sub && child_spawn(&s->b) == 0 && keel_cgroup_enter(sub, s->b.pid, NULL) == 0,
               "enter_sub_cgroup");
        tap_ok(keel_cgroup_pids(cg, &pids, &n, NULL) == 0 && n == 2 &&
               ((pids[0] == s->a.pid && pids[1] == s->b.pid) ||
                (pids[0] == s->b.pid && pids[1] == s->a.pid)), "pids_include_sub_cgroups");
        free(pids);
        keel_cgroup_free(sub);
}

static void test_devices(struct scratch *s, struct keel_cgroup *cg)
{
        const struct keel_device_cgroup deny_all[] = {
                { .allow = false, .type = 'a', .access = "rwm" }
        };
        const struct keel_device_cgroup no_null_w[] = {
                { .allow = true, .type = 'a', .access = "rwm" },
                { .allow = false, .type = 'c', .has_major = true, .major = 1, .has_minor = true,
                  .minor = 3, .access = "w" }
        };
        struct keel_resources res = { .devices = (struct keel_device_cgroup *) deny_all,
                                      .n_devices = 1 };
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n_insns;
        int prog = -1;

        struct keel_devices_prog shared = { 0 };

        tap_ok(keel_cgroup_apply_devices(cg, &res, &shared, &err) == 0 && shared.loaded != 0,
               "apply_devices_deny_all");
        if (err)
                tap_diag("%s", err->msg);
        keel_error_freep(&err);
        tap_is_int(child_ask(&s->a, 'N'), 0, "deny_all_still_allows_dev_null_rdwr");
        tap_is_int(child_ask(&s->a, 'z'), 0, "deny_all_still_allows_dev_zero_read");
        tap_is_int(child_ask(&s->a, 'k'), EPERM, "deny_all_denies_dev_kmsg");
        tap_is_int(child_ask(&s->b, 'k'), EPERM, "sub_cgroup_is_filtered_too");
        tap_is_int(attached_programs(cg->dirfd), 1, "one_program_attached");

        /* The same rules again, the program named as the hint: it is
         * taken, and the cgroup that holds it already keeps it. */
        shared.hint = shared.loaded;
        tap_ok(keel_cgroup_apply_devices(cg, &res, &shared, &err) == 0 && shared.loaded == 0,
               "apply_devices_takes_the_hinted_program_already_attached");
        if (err)
                tap_diag("%s", err->msg);
        keel_error_freep(&err);
        tap_is_int(attached_programs(cg->dirfd), 1, "the_shared_program_is_attached_once");
        tap_is_int(child_ask(&s->a, 'k'), EPERM, "the_shared_program_still_denies_dev_kmsg");

        tap_ok(keel_devices_compile(no_null_w, 2, &insns, &n_insns, NULL) == 0 &&
               keel_devices_load(insns, n_insns, &prog, NULL) == 0 &&
               keel_devices_attach(cg->dirfd, prog, &err) == 0,
               "attach_a_filter_denying_dev_null_writes");
        if (err)
                tap_diag("%s", err->msg);
        keel_error_freep(&err);
        free(insns);
        if (prog >= 0)
                close(prog);
        tap_is_int(attached_programs(cg->dirfd), 1, "attach_replaces_the_old_program");
        tap_is_int(child_ask(&s->a, 'n'), EPERM, "dev_null_write_is_denied");
        tap_is_int(child_ask(&s->a, 'N'), EPERM, "dev_null_rdwr_is_denied");
        tap_is_int(child_ask(&s->a, 'z'), 0, "dev_zero_read_works");
        tap_is_int(child_ask(&s->a, 'k'), 0, "dev_kmsg_read_works_again");
        tap_is_int(child_ask(&s->b, 'n'), EPERM, "sub_cgroup_child_denied_too");
        tap_is_int(try_open("/dev/null", O_WRONLY, false), 0, "outside_the_cgroup_nothing_changed");
}

static void test_kill(struct scratch *s, struct keel_cgroup *cg)
{
        struct keel_error *err = NULL;
        pid_t *pids = NULL;
        size_t n = 1;

        tap_ok(keel_cgroup_kill(cg, SIGTERM, &err) == 0, "kill_sigterm_walks_the_processes");
        tap_is_int(child_reap(&s->a), SIGTERM, "child_got_sigterm");
        tap_is_int(child_reap(&s->b), SIGTERM, "sub_cgroup_child_got_sigterm");

        tap_ok(child_spawn(&s->c) == 0 && keel_cgroup_enter(cg, s->c.pid, NULL) == 0,
               "enter_another_child");
        tap_ok(keel_cgroup_kill(cg, SIGKILL, &err) == 0, "kill_sigkill_uses_cgroup_kill");
        tap_is_int(child_reap(&s->c), SIGKILL, "child_got_sigkill");
        tap_ok(keel_cgroup_pids(cg, &pids, &n, NULL) == 0 && n == 0, "cgroup_is_empty_after_kill");
        free(pids);
        keel_error_free(err);
}

static void test_destroy(struct scratch *s, struct keel_cgroup *cg)
{
        struct keel_cgroup *busy = NULL, *gone = NULL;
        struct keel_error *err = NULL;

        tap_ok(keel_cgroup_destroy(cg, &err) == 0, "destroy_removes_the_cgroup");
        if (err)
                tap_diag("%s", err->msg);
        keel_error_freep(&err);
        tap_ok(!exists(s->mount, s->leaf) && !exists(s->mount, s->sub),
               "leaf_and_sub_cgroup_are_gone");
        tap_ok(exists(s->mount, s->top), "parent_is_left_alone");
        tap_is_int(keel_cgroup_open(s->mount, s->leaf, &gone, &err), -ENOENT,
                   "open_missing_is_enoent");
        keel_error_freep(&err);

        /* A cgroup with a live process cannot go: EBUSY after the retries. */
        tap_ok(keel_cgroup_create(s->mount, s->busy, &busy, NULL) == 0 && child_spawn(&s->d) == 0 &&
               keel_cgroup_enter(busy, s->d.pid, NULL) == 0, "enter_busy_cgroup");
        tap_is_int(keel_cgroup_destroy(busy, &err), -EBUSY, "destroy_of_a_populated_cgroup_fails");
        keel_error_freep(&err);
        child_cleanup(&s->d);
        busy = NULL;
        tap_ok(keel_cgroup_open(s->mount, s->busy, &busy, NULL) == 0 &&
               keel_cgroup_destroy(busy, NULL) == 0, "destroy_after_the_process_is_gone");
}

static void test_placement(void)
{
        struct scratch s = { 0 };
        struct keel_cgroup *cg = NULL, *top = NULL;

        if (geteuid() != 0 || keel_cgroup_find_mount(&s.mount, NULL) < 0) {
                tap_skip("placement", geteuid() != 0 ? "needs root" : "no cgroup2 mount");
                return;
        }
        tap_diag("cgroup2 mount: %s", s.mount);
        snprintf(s.top, sizeof(s.top), "/keel-test-%d", (int) getpid());
        snprintf(s.leaf, sizeof(s.leaf), "%s/c1", s.top);
        snprintf(s.sub, sizeof(s.sub), "%s/sub", s.leaf);
        snprintf(s.busy, sizeof(s.busy), "%s/busy", s.top);

        test_create_and_enter(&s, &cg);
        if (cg != NULL) {
                test_sub_cgroup(&s, cg);
                test_devices(&s, cg);
                test_kill(&s, cg);
                test_destroy(&s, cg);
        }
        child_cleanup(&s.a);
        child_cleanup(&s.b);
        child_cleanup(&s.c);
        child_cleanup(&s.d);
        if (keel_cgroup_open(s.mount, s.top, &top, NULL) == 0)
                keel_cgroup_destroy(top, NULL);
        tap_ok(!exists(s.mount, s.top), "nothing_left_behind");
        free(s.mount);
}

int main(void)
{
        test_resolve_path();
        test_placement();
        return tap_done();
}
