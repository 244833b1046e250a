/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

/* Compiling linux.seccomp: the profile to a BPF program with libseccomp,
 * and the seccomp(2) flags this kernel takes. */

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib-log.h"
#include "linux/seccomp.h"
#include "linux/seccomp-filter.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/syscall.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx != NULL)
                seccomp_release(*ctx);
}

static void filter_freep(struct keel_seccomp_filter **f)
{
        keel_seccomp_filter_free(*f);
}

#define _cleanup_scmp_ __attribute__((cleanup(seccomp_releasep)))
#define _cleanup_filter_ __attribute__((cleanup(filter_freep)))

/* ---- actions, operators, architectures ---------------------------------- */

static uint32_t scmp_action(enum keel_seccomp_action a, bool has_errno_ret, uint32_t errno_ret)
{
        uint32_t data = has_errno_ret ? errno_ret : EPERM;

        switch (a) {
        case KEEL_SECCOMP_ACT_KILL:
        case KEEL_SECCOMP_ACT_KILL_THREAD:
                return SCMP_ACT_KILL_THREAD;
        case KEEL_SECCOMP_ACT_KILL_PROCESS:
                return SCMP_ACT_KILL_PROCESS;
        case KEEL_SECCOMP_ACT_TRAP:
                return SCMP_ACT_TRAP;
        case KEEL_SECCOMP_ACT_ERRNO:
                return SCMP_ACT_ERRNO(data);
        case KEEL_SECCOMP_ACT_TRACE:
                return SCMP_ACT_TRACE(data);
        case KEEL_SECCOMP_ACT_LOG:
                return SCMP_ACT_LOG;
        case KEEL_SECCOMP_ACT_NOTIFY:
                return SCMP_ACT_NOTIFY;
        case KEEL_SECCOMP_ACT_ALLOW:
        default:
                return SCMP_ACT_ALLOW;
        }
}

static enum scmp_compare scmp_op(enum keel_seccomp_op op)
{
        static const enum scmp_compare ops[] = {
                [KEEL_SECCOMP_CMP_NE] = SCMP_CMP_NE, [KEEL_SECCOMP_CMP_LT] = SCMP_CMP_LT,
                [KEEL_SECCOMP_CMP_LE] = SCMP_CMP_LE, [KEEL_SECCOMP_CMP_EQ] = SCMP_CMP_EQ,
                [KEEL_SECCOMP_CMP_GE] = SCMP_CMP_GE, [KEEL_SECCOMP_CMP_GT] = SCMP_CMP_GT,
                [KEEL_SECCOMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
        };

        return (size_t) op < ARRAY_SIZE(ops) ? ops[op] : _SCMP_CMP_MIN;
}

/* libseccomp checks actions against the kernel too, but only says EINVAL;
 * asking the kernel ourselves lets the error name the action.  Each kind of
 * action is asked once (bit a of *asked). */
static int check_action(enum keel_seccomp_action a, uint32_t action, unsigned int *asked,
                        const char *field, struct keel_error **err)
{
        uint32_t ret = action & SECCOMP_RET_ACTION_FULL;

        if (*asked & (1U << a))
                return 0;
        *asked |= 1U << a;
        if (keel_seccomp(SECCOMP_GET_ACTION_AVAIL, 0, &ret) == 0)
                return 0;
        if (errno == EOPNOTSUPP)
                return keel_error_setq(err, EOPNOTSUPP, "%s: %s is not supported by this kernel",
                                       field, keel_seccomp_action_name(a));
        /* Before Linux 4.14 nothing can be asked: let the load decide. */
        keel_debug("%s: cannot ask the kernel about %s: %s", field, keel_seccomp_action_name(a),
                   strerror(errno));
        return 0;
}

/* "SCMP_ARCH_X86_64" is libseccomp's "x86_64"; resolving the name at run
 * time accepts whatever the installed libseccomp knows. */
int keel_seccomp_arch_token(const struct keel_seccomp *s, size_t i, uint32_t *token,
                            struct keel_error **err)
{
        const char *name = keel_seccomp_arch_name(s->architectures[i]);
        char lower[32] = "";
        size_t k;

        if (name == NULL)
                return keel_error_setq(err, EINVAL, "linux.seccomp.architectures[%zu]: unknown", i);
        name += strlen("SCMP_ARCH_");
        for (k = 0; name[k] && k < sizeof(lower) - 1; k++)
                lower[k] = (char) tolower((unsigned char) name[k]);
        lower[k] = '\0';
        *token = seccomp_arch_resolve_name(lower);
        if (*token == 0) {
                const struct scmp_version *v = seccomp_version();

                return keel_error_setq(err, EOPNOTSUPP, "linux.seccomp.architectures[%zu]: "
                                       "%s is not known to libseccomp %u.%u.%u", i,
                                       keel_seccomp_arch_name(s->architectures[i]),
                                       v->major, v->minor, v->micro);
        }
        return 0;
}

static int add_architectures(scmp_filter_ctx ctx, const struct keel_seccomp *s,
                             struct keel_error **err)
{
        for (size_t i = 0; i < s->n_architectures; i++) {
                uint32_t token;
                int r = keel_seccomp_arch_token(s, i, &token, err);

                if (r < 0)
                        return r;
                r = seccomp_arch_add(ctx, token);
                if (r < 0 && r != -EEXIST)
                        return keel_error_set(err, -r, "linux.seccomp.architectures[%zu]: add %s",
                                              i, keel_seccomp_arch_name(s->architectures[i]));
        }
        return 0;
}

/* ---- rules --------------------------------------------------------------- */

static bool args_share_an_index(const struct keel_seccomp_syscall *sc)
{
        unsigned int seen = 0;

        for (size_t k = 0; k < sc->n_args; k++) {
                if (seen & (1U << sc->args[k].index))
                        return true;
                seen |= 1U << sc->args[k].index;
        }
        return false;
}

static struct scmp_arg_cmp arg_cmp(const struct keel_seccomp_arg *a)
{
        return (struct scmp_arg_cmp){
                .arg = a->index,
                .op = scmp_op(a->op),
                .datum_a = a->value,
                .datum_b = a->value_two,
        };
}

/* The rules of entry i for its name j, resolved to nr.  libseccomp refuses
 * two conditions on one argument in a rule; runc and crun then give each
 * arg a rule of its own (so they are ORed), and keel does the same:
 * profiles written for them rely on it. */
static int add_rules(scmp_filter_ctx ctx, uint32_t action, const struct keel_seccomp_syscall *sc,
                     size_t i, size_t j, int nr, struct keel_error **err)
{
        struct scmp_arg_cmp cmp[6];
        int r;

        for (size_t k = 0; k < sc->n_args; k++)
                if (sc->args[k].index >= ARRAY_SIZE(cmp))
                        return keel_error_setq(err, EINVAL, "linux.seccomp.syscalls[%zu].args[%zu]"
                                               ".index: %u is out of range (0 to 5)", i, k,
                                               sc->args[k].index);
        if (args_share_an_index(sc)) {
                for (size_t k = 0; k < sc->n_args; k++) {
                        cmp[0] = arg_cmp(&sc->args[k]);
                        r = seccomp_rule_add_array(ctx, action, nr, 1, cmp);
                        if (r < 0)
                                return keel_error_set(err, -r,
                                                      "linux.seccomp.syscalls[%zu].args[%zu]: rule for %s",
                                                      i, k, sc->names[j]);
                }
                return 0;
        }
        /* Distinct indexes 0..5: at most six. */
        for (size_t k = 0; k < sc->n_args; k++)
                cmp[k] = arg_cmp(&sc->args[k]);
        r = seccomp_rule_add_array(ctx, action, nr, (unsigned int) sc->n_args, cmp);
        if (r < 0 && sc->n_args > 0)
                return keel_error_set(err, -r, "linux.seccomp.syscalls[%zu].args: rule for %s", i,
                                      sc->names[j]);
        if (r < 0)
                return keel_error_set(err, -r,
                                      "linux.seccomp.syscalls[%zu].names[%zu]: rule for %s", i, j,
                                      sc->names[j]);
        return 0;
}

static int add_syscalls(scmp_filter_ctx ctx, const struct keel_seccomp *s, uint32_t def,
                        unsigned int *asked, size_t *n_rules, struct keel_error **err)
{
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct keel_seccomp_syscall *sc = &s->syscalls[i];
                uint32_t action = scmp_action(sc->action, sc->has_errno_ret, sc->errno_ret);
                char field[64];
                int r;

                if (action == def)
                        continue;
                snprintf(field, sizeof(field), "linux.seccomp.syscalls[%zu].action", i);
                r = check_action(sc->action, action, asked, field, err);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < sc->n_names; j++) {
                        int nr = seccomp_syscall_resolve_name(sc->names[j]);

                        if (nr == __NR_SCMP_ERROR) {
                                keel_debug("linux.seccomp.syscalls[%zu].names[%zu]: "
                                           "unknown syscall %s, skipped", i, j, sc->names[j]);
                                continue;
                        }
                        r = add_rules(ctx, action, sc, i, j, nr, err);
                        if (r < 0)
                                return r;
                        (*n_rules)++;
                }
        }
        return 0;
}

static int prepend_enosys_stub(const struct keel_seccomp *s, struct keel_seccomp_filter *f,
                               struct keel_error **err)
{
        _cleanup_free_ struct sock_filter *stub = NULL;
        struct sock_filter *prog;
        size_t n;
        int r = keel_seccomp_enosys_stub(s, &stub, &n, err);

        if (r < 0 || n == 0)
                return r;
        if (n + f->n_insns > BPF_MAXINSNS)
                return keel_error_setq(err, E2BIG, "linux.seccomp: the profile compiles to %zu BPF "
                                       "instructions, the kernel takes at most %d",
                                       n + f->n_insns, BPF_MAXINSNS);
        prog = realloc(stub, (n + f->n_insns) * sizeof(*prog));
        if (prog == NULL)
                return keel_error_set(err, ENOMEM, "linux.seccomp: the -ENOSYS stub");
        stub = NULL;
        memcpy(prog + n, f->insns, f->n_insns * sizeof(*prog));
        free(f->insns);
        f->insns = prog;
        f->n_insns += n;
        return 0;
}

/* ---- the program and its flags ------------------------------------------- */

static int export_bpf(scmp_filter_ctx ctx, struct keel_seccomp_filter *f, struct keel_error **err)
{
        _cleanup_close_ int fd = memfd_create("keel-seccomp", MFD_CLOEXEC);
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        if (fd < 0)
                return keel_error_set(err, errno, "linux.seccomp: memfd for the BPF program");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return keel_error_set(err, -r, "linux.seccomp: export the BPF program");
        if (fstat(fd, &st) < 0)
                return keel_error_set(err, errno, "linux.seccomp: stat the BPF program");
        if (st.st_size <= 0 || st.st_size % (off_t) sizeof(struct sock_filter) != 0)
                return keel_error_setq(err, EINVAL,
                                       "linux.seccomp: libseccomp exported %lld bytes of BPF",
                                       (long long) st.st_size);
        /* Said here rather than as EINVAL from the load, after `start`. */
        if ((size_t) st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return keel_error_setq(err, E2BIG, "linux.seccomp: the profile compiles to %zu BPF "
                                       "instructions, the kernel takes at most %d",
                                       (size_t) st.st_size / sizeof(struct sock_filter),
                                       BPF_MAXINSNS);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return keel_error_set(err, errno, "linux.seccomp: rewind the BPF program");
        r = keel_read_fd(fd, (size_t) st.st_size, &buf, &len, err);
        if (r < 0)
                return keel_error_prefix(err, "linux.seccomp: read the BPF program");
        if (len != (size_t) st.st_size)
                return keel_error_setq(err, EIO, "linux.seccomp: short read of the BPF program");
        f->insns = (struct sock_filter *) (void *) steal_pointer(&buf);
        f->n_insns = len / sizeof(struct sock_filter);
        return 0;
}

/* With no program the kernel checks the flags, then fails to copy the
 * program: EFAULT means it took the flags (libseccomp probes the same way). */
static bool kernel_takes_flags(unsigned int flags)
{
        return keel_seccomp(SECCOMP_SET_MODE_FILTER, flags, NULL) < 0 && errno == EFAULT;
}

static int probe_flags(const struct keel_seccomp *s, struct keel_seccomp_filter *f,
                       struct keel_error **err)
{
        static const struct {
                unsigned int bit;
                const char *name;
        } known[] = {
                { KEEL_SECCOMP_FLAG_TSYNC, "SECCOMP_FILTER_FLAG_TSYNC" },
                { KEEL_SECCOMP_FLAG_LOG, "SECCOMP_FILTER_FLAG_LOG" },
                { KEEL_SECCOMP_FLAG_SPEC_ALLOW, "SECCOMP_FILTER_FLAG_SPEC_ALLOW" },
                { KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" },
        };
        unsigned int flags = f->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;

        if (!kernel_takes_flags(flags))
                return keel_error_set(err, errno, "linux.seccomp: %s",
                                      f->notify ? "seccomp user notification is not available"
                                                : "seccomp filters are not available");
        for (size_t i = 0; i < ARRAY_SIZE(known); i++) {
                unsigned int bit = known[i].bit;

                if (!(s->flags & bit))
                        continue;
                if (bit == KEEL_SECCOMP_FLAG_WAIT_KILLABLE_RECV && !f->notify) {
                        keel_debug("linux.seccomp.flags: %s ignored: "
                                   "the profile has no SCMP_ACT_NOTIFY", known[i].name);
                        continue;
                }
                /* The kernel refuses TSYNC with a listener unless a TSYNC
                 * failure is told apart from the listener fd. */
                if (bit == KEEL_SECCOMP_FLAG_TSYNC && f->notify)
                        bit |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
                if (kernel_takes_flags(flags | bit))
                        flags |= bit;
                else
                        keel_debug("linux.seccomp.flags: %s ignored: not supported by this kernel",
                                   known[i].name);
        }
        f->flags = flags;
        return 0;
}

static bool profile_uses_notify(const struct keel_seccomp *s)
{
        if (s->default_action == KEEL_SECCOMP_ACT_NOTIFY)
                return true;
        for (size_t i = 0; i < s->n_syscalls; i++)
                if (s->syscalls[i].action == KEEL_SECCOMP_ACT_NOTIFY)
                        return true;
        return false;
}

int keel_seccomp_compile(const struct keel_seccomp *s, struct keel_seccomp_filter **out,
                         struct keel_error **err)
{
        _cleanup_filter_ struct keel_seccomp_filter *f = NULL;
        _cleanup_scmp_ scmp_filter_ctx ctx = NULL;
        unsigned int asked = 0;
        size_t n_rules = 0;
        uint32_t def;
        int r;

        *out = NULL;
        def = scmp_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret);
        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return keel_error_set(err, ENOMEM, "linux.seccomp");
        f->notify = profile_uses_notify(s);
        r = check_action(s->default_action, def, &asked, "linux.seccomp.defaultAction", err);
        if (r < 0)
                return r;
        ctx = seccomp_init(def);
        if (ctx == NULL)
                return keel_error_setq(err, EINVAL,
                                       "linux.seccomp.defaultAction: libseccomp refuses %s",
                                       keel_seccomp_action_name(s->default_action));
        /* keel sets no_new_privs itself, from process.noNewPrivileges. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
        if (r < 0)
                return keel_error_set(err, -r, "linux.seccomp: libseccomp no_new_privs attribute");
        r = add_architectures(ctx, s, err);
        if (r == 0)
                r = add_syscalls(ctx, s, def, &asked, &n_rules, err);
        if (r < 0)
                return r;
        /* A binary tree beats a linear list on long profiles; libseccomp up
         * to 2.5.4 builds a broken tree for a filter without rules (runc). */
        if (n_rules > 32) {
                r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
                if (r < 0)
                        keel_debug("linux.seccomp: no binary tree optimization: %s", strerror(-r));
        }
        r = export_bpf(ctx, f, err);
        if (r == 0)
                r = prepend_enosys_stub(s, f, err);
        if (r == 0)
                r = probe_flags(s, f, err);
        if (r < 0)
                return r;
        keel_debug("linux.seccomp: %zu rules, %zu BPF instructions, seccomp(2) flags %#x", n_rules,
                   f->n_insns, f->flags);
        *out = steal_pointer(&f);
        return 0;
}

bool keel_seccomp_filter_needs_notify(const struct keel_seccomp_filter *f)
{
        return f != NULL && f->notify;
}

const struct sock_filter *keel_seccomp_filter_program(const struct keel_seccomp_filter *f,
                                                      size_t *n)
{
        *n = f->n_insns;
        return f->insns;
}

void keel_seccomp_filter_free(struct keel_seccomp_filter *f)
{
        if (f == NULL)
                return;
        free(f->insns);
        free(f);
}
