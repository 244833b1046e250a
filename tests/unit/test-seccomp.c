/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "lib-log.h"
#include "linux/seccomp.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"
#include "util/cleanup.h"
#include "tap.h"

/* Every child and every wait is bounded: a broken filter must fail the
 * test, never hang it. */
#define CHILD_ALARM 10
#define POLL_MS 10000

static char log_buf[8192];

static void capture_log(enum keel_log_level level, const char *msg)
{
        size_t used = strlen(log_buf);

        snprintf(log_buf + used, sizeof(log_buf) - used, "%s\n", msg);
}

/* JSON written with ' for " to stay readable. */
#define SEC(x) "{'ociVersion':'1.3.0','root':{'path':'r'},'linux':{'seccomp':{" x "}}}"

static struct keel_config *parse(const char *json)
{
        _cleanup_free_ char *d = strdup(json);
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;

        for (char *c = d; *c; c++)
                if (*c == '\'')
                        *c = '"';
        if (keel_config_parse(d, strlen(d), &cfg, &err) < 0) {
                tap_diag("parse: %s", err->msg);
                keel_error_free(err);
        }
        return cfg;
}

/* Compile the profile in json; NULL (with *msg set when msg is given) on failure. */
static struct keel_seccomp_filter *compile_msg(const char *json, char **msg)
{
        struct keel_config *cfg = parse(json);
        struct keel_seccomp_filter *f = NULL;
        struct keel_error *err = NULL;

        if (msg != NULL)
                *msg = NULL;
        if (cfg == NULL || cfg->linux_cfg == NULL || cfg->linux_cfg->seccomp == NULL) {
                keel_config_free(cfg);
                return NULL;
        }
        if (keel_seccomp_compile(cfg->linux_cfg->seccomp, &f, &err) < 0) {
                if (msg != NULL)
                        *msg = strdup(err->msg);
                else
                        tap_diag("compile: %s", err->msg);
                keel_error_free(err);
        }
        keel_config_free(cfg);
        return f;
}

static struct keel_seccomp_filter *compile(const char *json)
{
        return compile_msg(json, NULL);
}

static char *read_data(const char *name)
{
        char path[4096];
        FILE *f;
        char *buf = NULL;
        size_t cap = 0;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
        f = fopen(path, "rb");
        if (f == NULL)
                return NULL;
        n = getdelim(&buf, &cap, '\0', f);
        fclose(f);
        if (n < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

/* ---- children --------------------------------------------------------------- */

/* Fork a child that loads f (after no_new_privs when nnp) and exits with
 * check()'s value; returns the child's wait status, or -1. */
static int run_child(const struct keel_seccomp_filter *f, bool nnp, int (*check)(void))
{
        int status = -1;
        pid_t pid;

        fflush(stdout);
        pid = fork();
        if (pid < 0)
                return -1;
        if (pid == 0) {
                struct keel_error *err = NULL;

                alarm(CHILD_ALARM);
                if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                if (keel_seccomp_load(f, NULL, NULL, &err) < 0) {
                        printf("# load: %s\n", err->msg);
                        fflush(stdout);
                        _exit(101);
                }
                /* Not _exit(): a sanitizer's exit path makes syscalls a
                 * deny-all profile refuses. */
                syscall(SYS_exit_group, check());
        }
        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return status;
}

static bool exited_ok(int status, const char *name)
{
        bool ok = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;

        tap_ok(ok, "%s", name);
        if (!ok && status != -1 && WIFEXITED(status))
                tap_diag("child exited %d", WEXITSTATUS(status));
        else if (!ok && status != -1 && WIFSIGNALED(status))
                tap_diag("child killed by signal %d", WTERMSIG(status));
        return ok;
}

/* Run check under the profile json with no_new_privs. */
static void behaves(const char *name, const char *json, int (*check)(void))
{
        struct keel_seccomp_filter *f = compile(json);

        if (f == NULL) {
                tap_ok(0, "%s", name);
                return;
        }
        exited_ok(run_child(f, true, check), name);
        keel_seccomp_filter_free(f);
}

static int fails_with(long r, int want)
{
        return r == -1 && errno == want ? 0 : 1;
}

static int check_uname_errno_42(void)
{
        struct utsname u;

        if (fails_with(syscall(SYS_uname, &u), 42))
                return 1;
        return syscall(SYS_getpid) > 0 ? 0 : 2;
}

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

/* A profile allowing everything but the entries in x. */
#define ALLOW_BUT(x) SEC("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[" x "]")
#define ARG(i, op, v) "{'index':" #i ",'value':" #v ",'op':'SCMP_CMP_" #op "'}"
#define MASKED(i, mask, v) \
        "{'index':" #i ",'value':" #mask ",'valueTwo':" #v ",'op':'SCMP_CMP_MASKED_EQ'}"
#define EDOM_WHEN(name, args) \
        "{'names':['" name "'],'action':'SCMP_ACT_ERRNO','errnoRet':33,'args':[" args "]}"

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

/* ---- compile ------------------------------------------------------------------ */

static void test_engine_profiles_compile(void)
{
        static const char *const files[] = {
                "podman-runc-run-d-config.json", "podman-runc-run-it-config.json",
                "podman-runc-slirp-config.json", "podman-crun-cgdisabled-config.json",
                "full-v1.3.json",
        };

        for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
                _cleanup_free_ char *json = read_data(files[i]);
                struct keel_config *cfg = NULL;
                struct keel_seccomp_filter *f = NULL;
                struct keel_error *err = NULL;
                bool notify = strcmp(files[i], "full-v1.3.json") == 0;
                int r = -1;

                if (json != NULL && keel_config_parse(json, strlen(json), &cfg, &err) == 0)
                        r = keel_seccomp_compile(cfg->linux_cfg->seccomp, &f, &err);
                tap_ok(r == 0 && keel_seccomp_filter_needs_notify(f) == notify, "%s_compiles",
                       files[i]);
                if (r < 0)
                        tap_diag("%s", err ? err->msg : "unreadable");
                keel_error_free(err);
                keel_seccomp_filter_free(f);
                keel_config_free(cfg);
        }
}

static bool starts_with(const char *s, const char *prefix)
{
        return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void expect_compile_error(const char *name, const char *json, const char *want_prefix)
{
        _cleanup_free_ char *msg = NULL;
        struct keel_seccomp_filter *f = compile_msg(json, &msg);
        bool ok = f == NULL && starts_with(msg, want_prefix);

        tap_ok(ok, "%s", name);
        if (!ok)
                tap_diag("got '%s', want '%s...'", msg ? msg : "(compiled)", want_prefix);
        keel_seccomp_filter_free(f);
}

static void test_compile_rules(void)
{
        _cleanup_free_ char *msg = NULL;
        struct keel_seccomp_filter *f;
        char *big, *p;

        log_buf[0] = '\0';
        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['uname',"
                        "'no_such_syscall'],'action':'SCMP_ACT_ERRNO'}]"));
        tap_ok(f != NULL, "unknown_syscall_name_is_skipped");
        tap_ok(strstr(log_buf, "linux.seccomp.syscalls[0].names[1]: "
                               "unknown syscall no_such_syscall, skipped") != NULL,
               "unknown_syscall_name_leaves_a_debug_note_naming_it");
        keel_seccomp_filter_free(f);

        /* libseccomp refuses a rule whose action is the default one. */
        f = compile(SEC("'defaultAction':'SCMP_ACT_ERRNO','syscalls':["
                        "{'names':['uname'],'action':'SCMP_ACT_ERRNO','errnoRet':1},"
                        "{'names':['getpid'],'action':'SCMP_ACT_ERRNO'},"
                        "{'names':['exit_group'],'action':'SCMP_ACT_ALLOW'}]"));
        tap_ok(f != NULL, "rule_with_the_default_action_is_skipped");
        keel_seccomp_filter_free(f);

        log_buf[0] = '\0';
        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW',"
                        "'flags':['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],'syscalls':["
                        "{'names':['uname'],'action':'SCMP_ACT_ERRNO','errnoRet':42}]"));
        tap_ok(f && strstr(log_buf, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored") != NULL,
               "wait_killable_recv_without_notify_is_dropped_with_a_note");
        if (f != NULL)
                exited_ok(run_child(f, true, check_uname_errno_42),
                          "wait_killable_recv_without_notify_still_loads");
        keel_seccomp_filter_free(f);

        /* libseccomp 2.6 knows LoongArch; 2.5 does not and must be named. */
        f = compile_msg(SEC("'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_X86_64',"
                            "'SCMP_ARCH_LOONGARCH64']"), &msg);
        tap_ok(f != NULL || starts_with(msg, "linux.seccomp.architectures[1]: "
                                             "SCMP_ARCH_LOONGARCH64 is not known to libseccomp"),
               "architecture_unknown_to_libseccomp_names_the_field");
        if (f == NULL && msg)
                tap_diag("%s", msg);
        keel_seccomp_filter_free(f);

        /* 5000 one-condition rules are far more than BPF_MAXINSNS. */
        big = malloc(5000 * 48 + 512);
        /* The args go where X is; the tail closes what ALLOW_BUT opened. */
        strcpy(big, ALLOW_BUT("{'names':['personality'],'action':'SCMP_ACT_ERRNO','args':[X"));
        p = strchr(big, 'X');
        for (int i = 0; i < 5000; i++)
                p += sprintf(p, "%s" ARG(0, EQ, %d), i ? "," : "", i);
        sprintf(p, "]}]}}}");
        expect_compile_error("profile_too_big_for_the_kernel_fails_at_compile", big,
                             "linux.seccomp: the profile compiles to ");
        free(big);
}

/* ---- the -ENOSYS stub -------------------------------------------------------------- */

/* Classic BPF as the kernel runs a seccomp filter, enough for what
 * libseccomp and the stub emit; ~0 for anything else. */
static uint32_t bpf_run(const struct sock_filter *prog, size_t n, const struct seccomp_data *d)
{
        uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

        for (size_t pc = 0; pc < n; pc++) {
                const struct sock_filter *i = &prog[pc];
                uint32_t src = BPF_SRC(i->code) == BPF_X ? x : i->k;

                switch (BPF_CLASS(i->code)) {
                case BPF_LD:
                        if (BPF_MODE(i->code) == BPF_ABS && i->k + 4 <= sizeof(*d))
                                memcpy(&a, (const char *) d + i->k, 4);
                        else if (BPF_MODE(i->code) == BPF_IMM)
                                a = i->k;
                        else if (BPF_MODE(i->code) == BPF_MEM && i->k < BPF_MEMWORDS)
                                a = mem[i->k];
                        else
                                return ~0U;
                        break;
                case BPF_LDX:
                        x = BPF_MODE(i->code) == BPF_IMM ? i->k : mem[i->k % BPF_MEMWORDS];
                        break;
                case BPF_ST:
                        mem[i->k % BPF_MEMWORDS] = a;
                        break;
                case BPF_STX:
                        mem[i->k % BPF_MEMWORDS] = x;
                        break;
                case BPF_ALU:
                        switch (BPF_OP(i->code)) {
                        case BPF_AND: a &= src; break;
                        case BPF_OR: a |= src; break;
                        case BPF_ADD: a += src; break;
                        case BPF_SUB: a -= src; break;
                        case BPF_LSH: a <<= src; break;
                        case BPF_RSH: a >>= src; break;
                        default: return ~0U;
                        }
                        break;
                case BPF_JMP: {
                        bool t;

                        if (BPF_OP(i->code) == BPF_JA) {
                                pc += i->k;
                                continue;
                        }
                        switch (BPF_OP(i->code)) {
                        case BPF_JEQ: t = a == src; break;
                        case BPF_JGT: t = a > src; break;
                        case BPF_JGE: t = a >= src; break;
                        case BPF_JSET: t = (a & src) != 0; break;
                        default: return ~0U;
                        }
                        pc += t ? i->jt : i->jf;
                        break;
                }
                case BPF_RET:
                        return BPF_RVAL(i->code) == BPF_A ? a : i->k;
                case BPF_MISC:
                        if (BPF_MISCOP(i->code) == BPF_TAX)
                                x = a;
                        else
                                a = x;
                        break;
                default:
                        return ~0U;
                }
        }
        return ~0U;
}

#define AUDIT_I386 0x40000003U
#define AUDIT_X86_64 0xc000003eU
#define AUDIT_AARCH64 0xc00000b7U
#define AUDIT_S390X 0x80000016U
#define X32_BIT 0x40000000U
#define ENOSYS_RET (SECCOMP_RET_ERRNO | ENOSYS)

/* What the filter answers for syscall nr of arch. */
static uint32_t answer(const struct keel_seccomp_filter *f, uint32_t arch, uint32_t nr)
{
        struct seccomp_data d = { .nr = (int) nr, .arch = arch };
        size_t n;
        const struct sock_filter *prog = keel_seccomp_filter_program(f, &n);

        return bpf_run(prog, n, &d);
}

struct expect {
        uint32_t arch, nr, ret;
};

static void expect_answers(const char *name, const char *json, const struct expect *e, size_t n)
{
        struct keel_seccomp_filter *f = compile(json);
        bool ok = f != NULL;

        for (size_t i = 0; f != NULL && i < n; i++) {
                uint32_t got = answer(f, e[i].arch, e[i].nr);

                if (got != e[i].ret) {
                        tap_diag("arch %#x nr %#x: got %#x, want %#x", e[i].arch, e[i].nr, got,
                                 e[i].ret);
                        ok = false;
                }
        }
        tap_ok(ok, "%s", name);
        keel_seccomp_filter_free(f);
}

/* What the stub alone answers: FILTER when it falls through to the filter. */
#define FILTER 0xf11e0000U

static void expect_stub_answers(const char *name, const char *json, const struct expect *e,
                                size_t n)
{
        struct keel_config *cfg = parse(json);
        struct keel_error *err = NULL;
        struct sock_filter *stub = NULL, *prog = NULL;
        size_t len = 0;
        bool ok = cfg != NULL &&
                  keel_seccomp_enosys_stub(cfg->linux_cfg->seccomp, &stub, &len, &err) == 0 &&
                  len > 0 && (prog = calloc(len + 1, sizeof(*prog))) != NULL;

        if (ok) {
                memcpy(prog, stub, len * sizeof(*prog));
                prog[len] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, FILTER);
        }
        for (size_t i = 0; ok && i < n; i++) {
                struct seccomp_data d = { .nr = (int) e[i].nr, .arch = e[i].arch };
                uint32_t got = bpf_run(prog, len + 1, &d);

                if (got != e[i].ret) {
                        tap_diag("arch %#x nr %#x: got %#x, want %#x", e[i].arch, e[i].nr, got,
                                 e[i].ret);
                        ok = false;
                }
        }
        tap_ok(ok, "%s", name);
        if (err != NULL)
                tap_diag("%s", err->msg);
        keel_error_free(err);
        free(stub);
        free(prog);
        keel_config_free(cfg);
}

/* The three x86 ABIs: getpid is 39 on x86_64, 20 on i386, 39 | bit 30 on
 * x32; read is 0 and 3; write (1 and 4) is named by nobody. */
#define X86_PROFILE(def) \
        SEC("'defaultAction':'" def "','architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_X86'," \
            "'SCMP_ARCH_X32'],'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'}," \
            "{'names':['getpid'],'action':'SCMP_ACT_ERRNO','errnoRet':5}]")

static void test_enosys_stub(void)
{
        const uint32_t eperm = SECCOMP_RET_ERRNO | EPERM, five = SECCOMP_RET_ERRNO | 5;
        const struct expect per_arch[] = {
                { AUDIT_X86_64, 40, ENOSYS_RET },       /* above getpid */
                { AUDIT_X86_64, 435, ENOSYS_RET },      /* clone3 */
                { AUDIT_X86_64, 39, five },             /* named */
                { AUDIT_X86_64, 1, eperm },             /* below, unnamed: the default */
                { AUDIT_X86_64, 0, SECCOMP_RET_ALLOW },
                { AUDIT_X86_64, X32_BIT | 40, ENOSYS_RET },
                { AUDIT_X86_64, X32_BIT | 39, five },
                { AUDIT_X86_64, X32_BIT | 1, eperm },
                { AUDIT_I386, 21, ENOSYS_RET },
                { AUDIT_I386, 20, five },
                { AUDIT_I386, 4, eperm },
        };
        const struct expect no_stub_trace[] = {
                { AUDIT_X86_64, 435, SECCOMP_RET_TRACE | EPERM },
                { AUDIT_X86_64, 39, five },
        };
        const struct expect no_stub_log[] = { { AUDIT_X86_64, 435, SECCOMP_RET_LOG } };
        const struct expect kill_default[] = {
                { AUDIT_X86_64, 435, ENOSYS_RET },
                { AUDIT_X86_64, 1, SECCOMP_RET_KILL_PROCESS },
        };
        const struct expect no_arch[] = {
                { AUDIT_X86_64, 435, SECCOMP_RET_ERRNO | 7 },
        };
        const struct expect any_action_counts[] = {
                { AUDIT_X86_64, 435, SECCOMP_RET_ERRNO | 43 },  /* named, the default's */
                { AUDIT_X86_64, 436, ENOSYS_RET },
                { AUDIT_X86_64, 434, SECCOMP_RET_ERRNO | 43 },
        };
        const struct expect only_x86_64[] = {
                { AUDIT_X86_64, 40, ENOSYS_RET },
                { AUDIT_X86_64, 39, SECCOMP_RET_ALLOW },
        };
        /* The stub alone, FILTER where it hands over to the filter. */
        const struct expect s390x[] = {
                { AUDIT_S390X, 0, ENOSYS_RET },         /* what the kernel leaves of an unknown one */
                { AUDIT_S390X, 21, ENOSYS_RET },        /* above getpid (20) */
                { AUDIT_S390X, 20, FILTER },
                { AUDIT_S390X, 1, FILTER },
                { AUDIT_X86_64, 500, FILTER },
        };
        /* getpid: 172 on aarch64, 20 on s390x and i386, 39 on x32. */
        const struct expect four_arches[] = {
                { AUDIT_AARCH64, 173, ENOSYS_RET },
                { AUDIT_AARCH64, 172, FILTER },
                { AUDIT_AARCH64, 0, FILTER },
                { AUDIT_S390X, 21, ENOSYS_RET },
                { AUDIT_S390X, 0, ENOSYS_RET },
                { AUDIT_I386, 21, ENOSYS_RET },
                { AUDIT_I386, 0, FILTER },
                { AUDIT_X86_64, X32_BIT | 40, ENOSYS_RET },
                { AUDIT_X86_64, X32_BIT | 39, FILTER },
                { AUDIT_X86_64, 500, FILTER },          /* x86_64 numbers: not listed */
        };
        struct keel_seccomp_filter *f;

        expect_answers("enosys_above_the_highest_named_syscall_of_each_architecture",
                       X86_PROFILE("SCMP_ACT_ERRNO"), per_arch, ARRAY_SIZE(per_arch));
        expect_answers("no_enosys_stub_under_a_trace_default", X86_PROFILE("SCMP_ACT_TRACE"),
                       no_stub_trace, ARRAY_SIZE(no_stub_trace));
        expect_answers("no_enosys_stub_under_a_log_default", X86_PROFILE("SCMP_ACT_LOG"),
                       no_stub_log, ARRAY_SIZE(no_stub_log));
        expect_answers("enosys_stub_under_a_kill_default", X86_PROFILE("SCMP_ACT_KILL_PROCESS"),
                       kill_default, ARRAY_SIZE(kill_default));
        expect_answers("no_enosys_stub_without_architectures",
                       SEC("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':7,'syscalls':["
                           "{'names':['read'],'action':'SCMP_ACT_ALLOW'}]"),
                       no_arch, ARRAY_SIZE(no_arch));
        expect_answers("names_with_the_default_action_raise_the_highest_too",
                       SEC("'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':43,"
                           "'architectures':['SCMP_ARCH_X86_64'],'syscalls':["
                           "{'names':['read'],'action':'SCMP_ACT_ALLOW'},"
                           "{'names':['clone3','no_such_syscall'],'action':'SCMP_ACT_ERRNO',"
                           "'errnoRet':43}]"),
                       any_action_counts, ARRAY_SIZE(any_action_counts));
        expect_answers("x86_64_alone_leaves_x32_numbers_to_the_filter",
                       SEC("'defaultAction':'SCMP_ACT_ERRNO','architectures':['SCMP_ARCH_X86_64'],"
                           "'syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ALLOW'}]"),
                       only_x86_64, ARRAY_SIZE(only_x86_64));
        f = compile(SEC("'defaultAction':'SCMP_ACT_ERRNO','architectures':['SCMP_ARCH_X86_64'],"
                        "'syscalls':[{'names':['getpid'],'action':'SCMP_ACT_ALLOW'}]"));
        tap_ok(f != NULL && answer(f, AUDIT_X86_64, X32_BIT | 40) != ENOSYS_RET &&
                       answer(f, AUDIT_AARCH64, 500) != ENOSYS_RET,
               "architectures_outside_the_profile_meet_the_filter_not_the_stub");
        keel_seccomp_filter_free(f);
        expect_stub_answers("s390x_gets_enosys_for_0_the_number_of_an_unknown_syscall",
                            SEC("'defaultAction':'SCMP_ACT_ERRNO','architectures':"
                                "['SCMP_ARCH_S390X'],'syscalls':[{'names':['getpid'],"
                                "'action':'SCMP_ACT_ALLOW'}]"),
                            s390x, ARRAY_SIZE(s390x));
        expect_stub_answers("stub_sections_for_four_architectures_each_use_their_own_numbers",
                            SEC("'defaultAction':'SCMP_ACT_ERRNO','architectures':"
                                "['SCMP_ARCH_AARCH64','SCMP_ARCH_S390X','SCMP_ARCH_X86',"
                                "'SCMP_ARCH_X32'],'syscalls':[{'names':['getpid'],"
                                "'action':'SCMP_ACT_ALLOW'}]"),
                            four_arches, ARRAY_SIZE(four_arches));
}

#if defined(__x86_64__) && defined(SYS_clone3)
/* In the kernel: clone3 (435) is above the profile's highest name. */
static int check_clone3_enosys(void)
{
        if (fails_with(syscall(SYS_clone3, NULL, 0), ENOSYS))
                return 1;
        return fails_with(syscall(SYS_getppid), EPERM) ? 2 : 0;
}
#endif

static void test_enosys_stub_in_the_kernel(void)
{
#if defined(__x86_64__) && defined(SYS_clone3)
        behaves("a_syscall_newer_than_the_profile_fails_with_enosys",
                SEC("'defaultAction':'SCMP_ACT_ERRNO','architectures':['SCMP_ARCH_X86_64'],"
                    "'syscalls':[{'names':['exit_group','exit','rt_sigreturn'],"
                    "'action':'SCMP_ACT_ALLOW'}]"),
                check_clone3_enosys);
#else
        tap_skip("a_syscall_newer_than_the_profile_fails_with_enosys", "x86_64 only");
#endif
}

/* ---- the container process state ---------------------------------------------- */

static struct keel_state test_state(pid_t pid)
{
        static char *keys[] = { "k", NULL }, *values[] = { "v", NULL };

        return (struct keel_state){
                .oci_version = "1.3.0", .id = "ctr", .status = KEEL_STATUS_CREATED, .pid = pid,
                .bundle = "/bundle", .annotation_keys = keys, .annotation_values = values,
                .n_annotations = 1, .rootfs = "/bundle/rootfs", .created = "2026-01-01T00:00:00Z",
        };
}

static const char *str_at(yajl_val v, const char *key)
{
        yajl_val m = keel_json_lookup(v, key);

        return m && YAJL_IS_STRING(m) ? YAJL_GET_STRING(m) : NULL;
}

static bool str_eq(const char *a, const char *b)
{
        return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool int_is(yajl_val v, long long want)
{
        return v != NULL && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == want;
}

/* Check a container process state as the agent sees it. */
static bool state_is_right(const char *json, size_t len, pid_t pid, const char *metadata)
{
        yajl_val v = NULL, fds, st;
        struct keel_error *err = NULL;
        bool ok;

        if (keel_json_parse(json, len, &v, &err) < 0) {
                tap_diag("%s", err->msg);
                keel_error_free(err);
                return false;
        }
        fds = keel_json_lookup(v, "fds");
        st = keel_json_lookup(v, "state");
        ok = str_eq(str_at(v, "ociVersion"), "1.3.0") &&
             fds && YAJL_IS_ARRAY(fds) && fds->u.array.len == 1 &&
             YAJL_IS_STRING(fds->u.array.values[0]) &&
             str_eq(fds->u.array.values[0]->u.string, "seccompFd") &&
             int_is(keel_json_lookup(v, "pid"), pid) &&
             (metadata ? str_eq(str_at(v, "metadata"), metadata)
                       : keel_json_lookup(v, "metadata") == NULL) &&
             st && str_eq(str_at(st, "id"), "ctr") && str_eq(str_at(st, "status"), "created") &&
             int_is(keel_json_lookup(st, "pid"), pid);
        if (!ok)
                tap_diag("state: %.*s", (int) len, json);
        keel_json_free(v);
        return ok;
}

static void test_process_state(void)
{
        struct keel_state st = test_state(4422);
        struct keel_error *err = NULL;
        char *json = NULL;

        keel_container_process_state_json(&st, "a \"quoted\"\nline\\", &json, &err);
        tap_ok(json && state_is_right(json, strlen(json), 4422, "a \"quoted\"\nline\\"),
               "process_state_holds_fds_pid_metadata_and_state");
        free(json);
        json = NULL;
        keel_container_process_state_json(&st, NULL, &json, &err);
        tap_ok(json && state_is_right(json, strlen(json), 4422, NULL),
               "process_state_without_metadata_leaves_it_out");
        free(json);
        keel_error_free(err);
}

/* ---- notify ---------------------------------------------------------------------- */

struct agent {
        char dir[48];
        char path[64];
        int listen_fd;
};

static int agent_start(struct agent *a)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        strcpy(a->dir, "/tmp/keel-test-seccomp-XXXXXX");
        if (mkdtemp(a->dir) == NULL)
                return -1;
        snprintf(a->path, sizeof(a->path), "%s/agent.sock", a->dir);
        memcpy(sa.sun_path, a->path, sizeof(a->path));
        a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (a->listen_fd < 0 || bind(a->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(a->listen_fd, 4) < 0)
                return -1;
        return 0;
}

static void agent_stop(struct agent *a)
{
        if (a->listen_fd >= 0)
                close(a->listen_fd);
        unlink(a->path);
        rmdir(a->dir);
}

static bool wait_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, POLL_MS) == 1;
}

/* Accept one connection, take the fd from the first message and read the
 * state up to EOF (the runtime closes after one state). */
static int agent_receive(struct agent *a, char *buf, size_t size, size_t *len)
{
        union {
                char b[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
                              .msg_controllen = sizeof(u.b) };
        _cleanup_close_ int conn = -1;
        struct cmsghdr *c;
        int fd = -1;
        ssize_t n;

        if (!wait_readable(a->listen_fd))
                return -1;
        conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0 || !wait_readable(conn))
                return -1;
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -1;
        c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        *len = (size_t) n;
        while (*len < size && wait_readable(conn) && (n = read(conn, buf + *len, size - *len)) > 0)
                *len += (size_t) n;
        return fd;
}

/* Answer the child's getppid with 4242. */
static bool agent_answer(int notify_fd, pid_t child)
{
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        if (!wait_readable(notify_fd))
                return false;
        memset(&req, 0, sizeof(req));
        if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return false;
        if (req.data.nr != SYS_getppid || req.pid != (__u32) child) {
                tap_diag("notified of syscall %d by pid %u", req.data.nr, req.pid);
                return false;
        }
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        resp.val = 4242;
        return ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
}

/* The agent's side of one notify test: receive, check, answer, reap. */
static void agent_serve(struct agent *a, pid_t child, const char *metadata, const char *name)
{
        char buf[8192];
        size_t len = 0;
        int fd = agent_receive(a, buf, sizeof(buf), &len);
        int status = -1;

        tap_ok(fd >= 0 && state_is_right(buf, len, child, metadata), "%s_sends_the_fd_and_state",
               name);
        tap_ok(fd >= 0 && agent_answer(fd, child), "%s_notification_is_answered", name);
        if (fd >= 0)
                close(fd);
        if (waitpid(child, &status, 0) < 0)
                status = -1;
        exited_ok(status, name);
}

/* The child sends the fd itself: only getppid is notified. */
static void test_notify_sent_by_caller(void)
{
        struct keel_seccomp_filter *f;
        struct agent a = { .listen_fd = -1 };
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'}]"));
        if (f == NULL || agent_start(&a) < 0) {
                tap_ok(0, "notify_sent_by_caller");
                keel_seccomp_filter_free(f);
                agent_stop(&a);
                return;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_state st = test_state(getpid());
                struct keel_error *err = NULL;
                char *json = NULL;
                int fd = -1;

                alarm(CHILD_ALARM);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    keel_container_process_state_json(&st, NULL, &json, &err) < 0 ||
                    keel_seccomp_load(f, NULL, &fd, &err) < 0 || fd < 0 ||
                    keel_seccomp_send_listener(a.path, fd, json, &err) < 0) {
                        printf("# child: %s\n", err ? err->msg : "no notify fd");
                        fflush(stdout);
                        _exit(1);
                }
                close(fd);
                _exit(syscall(SYS_getppid) == 4242 ? 0 : 2);
        }
        if (pid > 0)
                agent_serve(&a, pid, NULL, "notify_sent_by_caller");
        else
                tap_ok(0, "notify_sent_by_caller");
        agent_stop(&a);
        keel_seccomp_filter_free(f);
}

/* keel's path: the socket is connected before the load and the fd goes out
 * through the helper, while the profile denies the init every way to send
 * it.  All four flags on, with a listener. */
static void test_notify_sent_by_helper(void)
{
        struct keel_seccomp_filter *f;
        struct agent a = { .listen_fd = -1 };
        const char *metadata = "MKNOD=/dev/null \"x\"";
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'flags':['SECCOMP_FILTER_FLAG_TSYNC','SECCOMP_FILTER_FLAG_LOG',"
                        "'SECCOMP_FILTER_FLAG_SPEC_ALLOW',"
                        "'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'},"
                        "{'names':['sendmsg','sendto','sendmmsg','write','connect','socket'],"
                        "'action':'SCMP_ACT_ERRNO','errnoRet':13}]"));
        if (f == NULL || agent_start(&a) < 0) {
                tap_ok(0, "notify_sent_by_helper");
                keel_seccomp_filter_free(f);
                agent_stop(&a);
                return;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_state st = test_state(getpid());
                struct keel_seccomp_listener l = { .sock = -1 };
                struct keel_error *err = NULL;
                char *json = NULL;
                int sv[2];

                alarm(CHILD_ALARM);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
                    keel_container_process_state_json(&st, metadata, &json, &err) < 0 ||
                    keel_seccomp_listener_connect(a.path, &l.sock, &err) < 0)
                        _exit(1);
                l.state = json;
                if (keel_seccomp_load(f, &l, NULL, &err) < 0) {
                        printf("# load: %s\n", err->msg);
                        fflush(stdout);
                        _exit(2);
                }
                /* The filter does deny the init what the helper did, and
                 * the helper closed the socket for it. */
                if (send(sv[0], "x", 1, MSG_NOSIGNAL) != -1 || errno != EACCES)
                        _exit(3);
                if (fcntl(l.sock, F_GETFD) != -1 || errno != EBADF)
                        _exit(5);
                _exit(syscall(SYS_getppid) == 4242 ? 0 : 4);
        }
        if (pid > 0)
                agent_serve(&a, pid, metadata, "notify_sent_by_helper");
        else
                tap_ok(0, "notify_sent_by_helper");
        agent_stop(&a);
        keel_seccomp_filter_free(f);
}

/* A send that fails is an error of the load (the spec wants one), and the
 * helper does not linger. */
static void test_notify_send_failure(void)
{
        struct keel_seccomp_filter *f;
        int status = -1, sv[2];
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'}]"));
        if (f == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                tap_ok(0, "notify_send_failure_fails_the_load");
                keel_seccomp_filter_free(f);
                return;
        }
        close(sv[1]);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_seccomp_listener l = { .sock = sv[0], .state = "{}" };
                struct keel_error *err = NULL;
                int r;

                alarm(CHILD_ALARM);
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                r = keel_seccomp_load(f, &l, NULL, &err);
                if (r == -EPIPE && strstr(err->msg, "linux.seccomp.listenerPath") != NULL)
                        _exit(0);
                printf("# load: %d %s\n", r, err ? err->msg : "(no error)");
                fflush(stdout);
                _exit(1);
        }
        close(sv[0]);
        if (pid > 0)
                waitpid(pid, &status, 0);
        exited_ok(status, "notify_send_failure_fails_the_load");
        keel_seccomp_filter_free(f);
}

static void test_listener_errors(void)
{
        struct keel_error *err = NULL;
        char longpath[200];
        int sock = -1;
        int r;

        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        r = keel_seccomp_listener_connect(longpath, &sock, &err);
        tap_ok(r == -ENAMETOOLONG && sock == -1 &&
               starts_with(err->msg, "linux.seccomp.listenerPath: "),
               "listener_path_too_long_names_the_field");
        keel_error_free(err);
        err = NULL;
        r = keel_seccomp_listener_connect("/nonexistent/keel-agent.sock", &sock, &err);
        tap_is_str(err ? err->msg : NULL,
                   "linux.seccomp.listenerPath: connect to /nonexistent/keel-agent.sock: "
                   "No such file or directory",
                   "listener_not_listening_is_an_error_naming_the_field");
        keel_error_free(err);
}

int main(void)
{
        alarm(120);
        keel_set_log_handler(capture_log);
        test_engine_profiles_compile();
        test_compile_rules();
        test_process_state();
        test_listener_errors();
        test_behaviour();
        test_enosys_stub();
        test_enosys_stub_in_the_kernel();
        test_podman_profile_runs();
        test_load_without_privilege();
        test_notify_sent_by_caller();
        test_notify_sent_by_helper();
        test_notify_send_failure();
        return tap_done();
}
