/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp filters loaded in children: each action and argument
 * comparison behaves in the kernel as the profile says, podman's profile
 * runs a shell, and loading without privilege says why it fails. */
#include "config.h"

#include "seccomp-test.h"


static int check_uname_eperm(void)
{
        struct utsname u;

        return fails_with(syscall(SYS_uname, &u), EPERM);
}

static int check_default_errno(void)
{
        return fails_with(syscall(SYS_getppid), E2BIG);
}

static int check_personality_ne(void)
{
        if (syscall(SYS_personality, 0xffffffffUL) < 0)
                return 1;
        return fails_with(syscall(SYS_personality, 0UL), EPERM) ? 2 : 0;
}

static int check_personality_ored(void)
{
        if (fails_with(syscall(SYS_personality, 0x0008UL), EDOM))
                return 1;
        if (fails_with(syscall(SYS_personality, 0x20000UL), EDOM))
                return 2;
        return syscall(SYS_personality, 0xffffffffUL) < 0 ? 3 : 0;
}

static int check_getpriority_anded(void)
{
        if (fails_with(syscall(SYS_getpriority, PRIO_PROCESS, 999999), EDOM))
                return 1;
        return syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0 ? 2 : 0;
}

/* runc's and crun's quirk: once two args share an index, the arg on
 * index 1 is a rule of its own too. */
static int check_getpriority_split(void)
{
        if (fails_with(syscall(SYS_getpriority, PRIO_PROCESS, 999999), EDOM))
                return 1;
        if (fails_with(syscall(SYS_getpriority, PRIO_PGRP, 0), EDOM))
                return 2;
        return syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0 ? 3 : 0;
}

static int check_masked_eq(void)
{
        if (fails_with(syscall(SYS_getpgid, 0x35), EDOM))
                return 1;
        if (syscall(SYS_getpgid, 0) < 0)
                return 2;
        /* 0x45 & 0xf0 is 0x40: not a match, so the kernel answers. */
        return syscall(SYS_getpgid, 0x45) < 0 && errno == EDOM ? 3 : 0;
}

static int check_uname_then_survive(void)
{
        struct utsname u;

        syscall(SYS_uname, &u);
        return 0;
}

static volatile sig_atomic_t trapped_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
        if (si->si_code == 1 /* SYS_SECCOMP */)
                trapped_nr = si->si_syscall;
}

static int check_trap(void)
{
        struct utsname u;

        syscall(SYS_uname, &u);
        return trapped_nr == SYS_uname ? 0 : 1;
}

static int check_allowed_with_log(void)
{
        struct utsname u;

        if (syscall(SYS_uname, &u) < 0)
                return 1;
        return fails_with(syscall(SYS_getpgid, 0x35), EDOM) ? 2 : 0;
}

/* podman's profile: bpf is ERRNO 1, an unlisted personality falls to the
 * default ERRNO 38 (ENOSYS), the rest of ordinary life works. */
static int check_podman_profile(void)
{
        struct utsname u;

        if (syscall(SYS_uname, &u) < 0 || syscall(SYS_getpid) <= 0)
                return 1;
        if (fails_with(syscall(SYS_bpf, -1, NULL, 0), EPERM))
                return 2;
        /* setns is in both the ALLOW and the ERRNO entry: libseccomp keeps
         * the first rule, as it does for runc and crun. */
        if (fails_with(syscall(SYS_setns, -1, 0), EBADF))
                return 5;
        if (syscall(SYS_personality, 0xffffffffUL) < 0)
                return 3;
        if (fails_with(syscall(SYS_personality, 0x0101UL), ENOSYS))
                return 4;
        return 0;
}

static void expect_sigsys(const char *action, const char *name)
{
        char json[256];
        struct keel_seccomp_filter *f;
        int status;

        snprintf(json, sizeof(json), ALLOW_BUT("{'names':['uname'],'action':'%s'}"), action);
        f = compile(json);
        status = f ? run_child(f, true, check_uname_then_survive) : -1;
        tap_ok(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS, "%s", name);
        keel_seccomp_filter_free(f);
}

static void test_behaviour(void)
{
        struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

        behaves("errno_ret_is_what_the_syscall_returns",
                ALLOW_BUT("{'names':['uname'],'action':'SCMP_ACT_ERRNO','errnoRet':42}"),
                check_uname_errno_42);
        behaves("errno_without_errno_ret_is_eperm",
                ALLOW_BUT("{'names':['uname'],'action':'SCMP_ACT_ERRNO'}"), check_uname_eperm);
        behaves("default_errno_ret_applies_to_unlisted_syscalls",
                SEC("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':7,'syscalls':[{'names':"
                    "['exit_group','exit','rt_sigreturn'],'action':'SCMP_ACT_ALLOW'}]"),
                check_default_errno);
        behaves("arg_ne_allows_only_the_other_value",
                ALLOW_BUT("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':["
                          ARG(0, NE, 4294967295) "]}"),
                check_personality_ne);
        behaves("args_sharing_an_index_are_ored",
                ALLOW_BUT(EDOM_WHEN("personality", ARG(0, EQ, 8) "," ARG(0, EQ, 131072))),
                check_personality_ored);
        behaves("args_on_distinct_indexes_are_anded",
                ALLOW_BUT(EDOM_WHEN("getpriority", ARG(0, EQ, 0) "," ARG(1, EQ, 999999))),
                check_getpriority_anded);
        behaves("args_split_by_a_shared_index_are_all_ored_like_runc",
                ALLOW_BUT(EDOM_WHEN("getpriority",
                                    ARG(0, EQ, 1) "," ARG(0, EQ, 2) "," ARG(1, EQ, 999999))),
                check_getpriority_split);
        behaves("masked_eq_masks_with_value_and_compares_value_two",
                ALLOW_BUT(EDOM_WHEN("getpgid", MASKED(0, 240, 48))), check_masked_eq);
        behaves("log_flag_and_log_default_load_and_filter",
                SEC("'defaultAction':'SCMP_ACT_LOG','flags':['SECCOMP_FILTER_FLAG_LOG',"
                    "'SECCOMP_FILTER_FLAG_SPEC_ALLOW','SECCOMP_FILTER_FLAG_TSYNC'],"
                    "'syscalls':[" EDOM_WHEN("getpgid", MASKED(0, 240, 48)) "]"),
                check_allowed_with_log);
        expect_sigsys("SCMP_ACT_KILL_PROCESS", "kill_process_kills_with_sigsys");
        expect_sigsys("SCMP_ACT_KILL", "kill_is_kill_thread_and_kills_a_single_thread_with_sigsys");
        sigaction(SIGSYS, &sa, NULL);
        behaves("trap_sends_sigsys_naming_the_syscall",
                ALLOW_BUT("{'names':['uname'],'action':'SCMP_ACT_TRAP'}"), check_trap);
        signal(SIGSYS, SIG_DFL);
}

static void test_podman_profile_runs(void)
{
        _cleanup_free_ char *json = read_data("podman-runc-run-d-config.json");
        struct keel_config *cfg = NULL;
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;

        if (json != NULL && keel_config_parse(json, strlen(json), &cfg, &err) == 0)
                keel_seccomp_compile(cfg->linux_cfg->seccomp, &f, &err);
        if (f == NULL) {
                tap_ok(0, "podman_profile_filters_as_its_entries_say");
                tap_diag("%s", err ? err->msg : "no profile");
                keel_error_free(err);
                keel_config_free(cfg);
                return;
        }
        exited_ok(run_child(f, true, check_podman_profile),
                  "podman_profile_filters_as_its_entries_say");
        /* podman leaves noNewPrivileges unset: the init loads as root. */
        if (geteuid() == 0)
                exited_ok(run_child(f, false, check_podman_profile),
                          "podman_profile_loads_without_no_new_privs_as_root");
        else
                tap_skip("podman_profile_loads_without_no_new_privs_as_root",
                         "needs root (CAP_SYS_ADMIN)");
        keel_seccomp_filter_free(f);
        keel_config_free(cfg);
}

/* A task without no_new_privs and without CAP_SYS_ADMIN gets EACCES, and
 * the message says why. */
static void test_load_without_privilege(void)
{
        struct keel_seccomp_filter *f;
        int status = -1;
        pid_t pid;

        /* As a user, the process is the unprivileged task already, unless
         * it inherited no_new_privs (setpriv --nnp, a sandbox). */
        if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
                tap_skip("load_without_nnp_or_cap_sys_admin_says_why",
                         "no_new_privs is set already (inherited)");
                return;
        }
        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW'"));
        fflush(stdout);
        pid = f ? fork() : -1;
        if (pid == 0) {
                struct keel_error *err = NULL;
                int r;

                alarm(CHILD_ALARM);
                if (geteuid() == 0 && setresuid(65534, 65534, 65534) < 0)
                        _exit(2);
                r = keel_seccomp_load(f, NULL, NULL, &err);
                if (r == -EACCES && strstr(err->msg, "(no no_new_privs and no CAP_SYS_ADMIN)"))
                        _exit(0);
                printf("# load: %d %s\n", r, err ? err->msg : "(no error)");
                fflush(stdout);
                _exit(1);
        }
        if (pid > 0)
                waitpid(pid, &status, 0);
        exited_ok(status, "load_without_nnp_or_cap_sys_admin_says_why");
        keel_seccomp_filter_free(f);
}

int main(void)
{
        alarm(120);
        keel_set_log_handler(capture_log);
        test_behaviour();
        test_podman_profile_runs();
        test_load_without_privilege();
        return tap_done();
}
