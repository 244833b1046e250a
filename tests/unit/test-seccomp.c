/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp profiles compiled: the engines' profiles, the rules refused
 * with a message, and the -ENOSYS stub in front of the filter, run in a
 * BPF interpreter and in the kernel. */
#include "config.h"

#include "seccomp-test.h"

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

int main(void)
{
        alarm(120);
        keel_set_log_handler(capture_log);
        test_engine_profiles_compile();
        test_compile_rules();
        test_enosys_stub();
        test_enosys_stub_in_the_kernel();
        return tap_done();
}
