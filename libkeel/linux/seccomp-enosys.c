/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux/seccomp.h"
#include "linux/seccomp-filter.h"

/* ---- -ENOSYS for syscalls newer than the profile -------------------------- */

/* A profile names the syscalls its author knew.  One the kernel added
 * since (clone3, say) would get the default action, typically EPERM, and
 * libc, which falls back to the older call only on ENOSYS, would fail.
 * runc (libcontainer/seccomp/patchbpf) therefore puts a stub in front of
 * the program: per architecture of the profile, a syscall number above
 * the highest one the profile names (for any action, the default's
 * included; names unknown for that architecture ignored) returns ENOSYS.
 * Only when the default action denies: ALLOW, LOG and TRACE defaults get
 * no stub (a tracer handles new syscalls itself), nor does an ERRNO
 * default of ENOSYS, which already answers so.  Architectures are only
 * those the profile lists: without any, there is no stub (runc's too is
 * empty then).  An architecture without a named syscall above 0 gets no
 * section (runc's rule).  x32 shares x86_64's AUDIT_ARCH and is told
 * apart by bit 30 of the number; on s390 and s390x the kernel leaves a
 * number it does not know as 0 (the multiplexer): 0 gets ENOSYS there. */

#define X32_SYSCALL_BIT 0x40000000U
#define STUB_MAX_ARCHES 32

struct stub_arch {
        uint32_t audit;         /* AUDIT_ARCH_*, as seccomp_data.arch holds it */
        uint32_t max[2];        /* highest named number: [0] native, [1] x32 */
        bool has[2];
};

static bool default_denies(const struct keel_seccomp *s)
{
        switch (s->default_action) {
        case KEEL_SECCOMP_ACT_ALLOW:
        case KEEL_SECCOMP_ACT_LOG:
        case KEEL_SECCOMP_ACT_TRACE:
                return false;
        case KEEL_SECCOMP_ACT_ERRNO:
                return !(s->has_default_errno_ret && s->default_errno_ret == ENOSYS);
        default:
                return true;
        }
}

/* The highest number any entry names on arch token, 0 when none. */
static uint32_t highest_named(const struct keel_seccomp *s, uint32_t token)
{
        uint32_t max = 0;

        for (size_t i = 0; i < s->n_syscalls; i++)
                for (size_t j = 0; j < s->syscalls[i].n_names; j++) {
                        int nr = seccomp_syscall_resolve_name_arch(token, s->syscalls[i].names[j]);

                        /* Negative: unknown here, or a libseccomp pseudo-number. */
                        if (nr > 0 && (uint32_t) nr > max)
                                max = (uint32_t) nr;
                }
        return max;
}

/* The profile's architectures, grouped by AUDIT_ARCH, into a (*n of them). */
static int stub_arches(const struct keel_seccomp *s, struct stub_arch *a, size_t *n,
                       struct keel_error **err)
{
        *n = 0;
        for (size_t i = 0; i < s->n_architectures; i++) {
                uint32_t token, max;
                size_t k;
                int r = keel_seccomp_arch_token(s, i, &token, err);
                int mode = token == SCMP_ARCH_X32;
                uint32_t audit = mode ? SCMP_ARCH_X86_64 : token;

                if (r < 0)
                        return r;
                max = highest_named(s, token);
                if (max == 0)
                        continue;
                for (k = 0; k < *n && a[k].audit != audit; k++)
                        ;
                if (k == *n) {
                        if (*n == STUB_MAX_ARCHES)
                                return keel_error_setq(err, E2BIG, "linux.seccomp.architectures: "
                                                       "more than %d", STUB_MAX_ARCHES);
                        a[k] = (struct stub_arch){ .audit = audit };
                        (*n)++;
                }
                a[k].has[mode] = true;
                a[k].max[mode] = max;
        }
        return 0;
}

#define STMT(code, k) ((struct sock_filter) BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter) BPF_JUMP(code, k, jt, jf))

/* One architecture's section, into f (at most 8 instructions): load the
 * number; ENOSYS above the highest; else on to the filter, whose jump is
 * the second last instruction (its offset is for the caller to set). */
static size_t stub_section(const struct stub_arch *a, struct sock_filter *f)
{
        bool s390 = a->audit == SCMP_ARCH_S390 || a->audit == SCMP_ARCH_S390X;
        bool x86_64 = a->audit == SCMP_ARCH_X86_64;
        size_t body = 1 + s390 + (a->has[0] && a->has[1] ? 3 : x86_64 ? 2 : 1);
        size_t to_filter = body, enosys = body + 1, n = 0;

/* The offset of a jump at f[n] to f[t]. */
#define TO(t) ((uint8_t) ((t) - n - 1))
        f[n] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
        n++;
        if (s390) {
                f[n] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, TO(enosys), 0);
                n++;
        }
        if (a->has[0] && a->has[1]) {
                f[n] = JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, TO(n + 2), 0);
                n++;
                f[n] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max[0], TO(enosys), TO(to_filter));
                n++;
                f[n] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max[1], TO(enosys), 0);
                n++;
        } else if (x86_64) {
                /* Only one mode is listed: the other meets the filter. */
                if (a->has[0])
                        f[n] = JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, TO(to_filter), 0);
                else
                        f[n] = JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 0, TO(to_filter));
                n++;
                f[n] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max[a->has[1]], TO(enosys), 0);
                n++;
        } else {
                f[n] = JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max[0], TO(enosys), 0);
                n++;
        }
#undef TO
        f[n++] = STMT(BPF_JMP | BPF_JA, 0);
        f[n++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
        return n;
}

int keel_seccomp_enosys_stub(const struct keel_seccomp *s, struct sock_filter **out, size_t *n,
                             struct keel_error **err)
{
        struct stub_arch a[STUB_MAX_ARCHES];
        struct sock_filter sec[STUB_MAX_ARCHES][8], *prog;
        size_t n_arch, len[STUB_MAX_ARCHES], start[STUB_MAX_ARCHES], total, pc = 0;
        int r;

        *out = NULL;
        *n = 0;
        if (!default_denies(s))
                return 0;
        r = stub_arches(s, a, &n_arch, err);
        if (r < 0 || n_arch == 0)
                return r;
        total = 1 + 2 * n_arch + 1;
        for (size_t i = 0; i < n_arch; i++) {
                len[i] = stub_section(&a[i], sec[i]);
                start[i] = total;
                total += len[i];
        }
        prog = calloc(total, sizeof(*prog));
        if (prog == NULL)
                return keel_error_set(err, ENOMEM, "linux.seccomp: the -ENOSYS stub");
        /* Load the architecture and jump to its section; the architectures
         * the profile does not list go straight to the filter, which
         * checks them itself. */
        prog[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
        for (size_t i = 0; i < n_arch; i++) {
                prog[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, a[i].audit, 0, 1);
                pc++;
                prog[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t) (start[i] - pc - 1));
                pc++;
        }
        prog[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t) (total - pc - 1));
        pc++;
        for (size_t i = 0; i < n_arch; i++) {
                memcpy(prog + pc, sec[i], len[i] * sizeof(*prog));
                pc += len[i];
                /* The section's jump on to the filter, which follows the stub. */
                prog[pc - 2].k = (uint32_t) (total - (pc - 2) - 1);
        }
        *out = prog;
        *n = total;
        return 0;
}
