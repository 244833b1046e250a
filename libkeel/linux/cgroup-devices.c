/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/cgroup-devices.h"
#include "util/cleanup.h"

/* A char device, all access; minor -1: any. */
#define CHAR_RWM(ma, mi)                                                      \
        {                                                                     \
                .allow = true, .type = 'c', .has_major = true, .major = (ma), \
                .has_minor = (mi) >= 0, .minor = (mi), .access = "rwm"        \
        }

static const struct keel_device_cgroup default_rules[] = {
        { .allow = true, .type = 'c', .access = "m" },
        { .allow = true, .type = 'b', .access = "m" },
        CHAR_RWM(1, 3),    /* /dev/null */
        CHAR_RWM(1, 5),    /* /dev/zero */
        CHAR_RWM(1, 7),    /* /dev/full */
        CHAR_RWM(1, 8),    /* /dev/random */
        CHAR_RWM(1, 9),    /* /dev/urandom */
        CHAR_RWM(5, 0),    /* /dev/tty */
        CHAR_RWM(5, 1),    /* /dev/console */
        CHAR_RWM(5, 2),    /* /dev/ptmx */
        CHAR_RWM(136, -1), /* /dev/pts/N */
        CHAR_RWM(10, 200), /* /dev/net/tun: runc allows it to every container, and
                            * engines (Docker) rely on it; the node itself still
                            * takes mknod or a config entry */
};

size_t keel_devices_default_rules(const struct keel_device_cgroup **rules)
{
        *rules = default_rules;
        return ARRAY_SIZE(default_rules);
}

/* ---- the compiler --------------------------------------------------------
 * Registers while the rules run: r2 device type, r3 the access bits still
 * undecided, r4 major, r5 minor, r1 and r6 scratch.  Rules are emitted last
 * to first; each one is a block whose failed checks jump to the next block.
 *
 * A rule compares a copy of the type, major or minor, XORed with the value
 * it wants, with 0 (match_insns), never the register itself: a jump on r2
 * would teach the verifier r2's value on one side only, the paths reaching
 * the next block would then differ and be verified each on its own (the
 * default rules: 250 instructions processed, 28 states, 270 us per
 * BPF_PROG_LOAD here).  Compared through r6, which no later block reads,
 * every path reaches a block in the same state and is pruned there
 * (docs/performance.md, "Issue 20, step 2"). */

#define ACC_ALL       (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)
#define TO_NEXT_BLOCK INT16_MIN /* placeholder offset, patched per block */
#define MAX_BLOCK     18

#define INSN(c, d, s, o, i) \
        ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off)  INSN(BPF_LDX | BPF_W | BPF_MEM, dst, src, off, 0)
#define ALU32_K(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define ALU32_X(op, dst, src) INSN(BPF_ALU | (op) | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm)     INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define JNE_K(dst, imm, off)  INSN(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT_INSN()           INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct program {
        struct bpf_insn *insns;
        size_t n, cap;
};

static int program_append(struct program *p, const struct bpf_insn *insns, size_t n)
{
        if (p->cap - p->n < n) {
                size_t cap = p->cap ? p->cap * 2 : 64;
                struct bpf_insn *v;

                while (cap - p->n < n)
                        cap *= 2;
                v = realloc(p->insns, cap * sizeof(*v));
                if (v == NULL)
                        return -ENOMEM;
                p->insns = v;
                p->cap = cap;
        }
        memcpy(p->insns + p->n, insns, n * sizeof(*insns));
        p->n += n;
        return 0;
}

static int access_bits(const char *access, int32_t *bits)
{
        *bits = 0;
        if (access == NULL) {
                *bits = ACC_ALL;
                return 0;
        }
        for (; *access; access++) {
                if (*access == 'r')
                        *bits |= BPF_DEVCG_ACC_READ;
                else if (*access == 'w')
                        *bits |= BPF_DEVCG_ACC_WRITE;
                else if (*access == 'm')
                        *bits |= BPF_DEVCG_ACC_MKNOD;
                else
                        return -EINVAL;
        }
        return 0;
}

/* -1 (or absent) is "any"; the context's numbers are u32 and the jump's
 * immediate is sign-extended, so only 0..INT32_MAX compare exactly. */
static int device_number(bool has, int64_t v, int32_t *out)
{
        if (!has || v == -1) {
                *out = -1;
                return 0;
        }
        if (v < 0 || v > INT32_MAX)
                return -ERANGE;
        *out = (int32_t) v;
        return 0;
}

static int rule_check(const struct keel_device_cgroup *r, size_t idx, int32_t *acc,
                      int32_t *major, int32_t *minor, struct keel_error **err)
{
        if (r->type != 'a' && r->type != 'b' && r->type != 'c')
                return keel_error_setq(err, EINVAL, "device rule %zu: type '%c' is not a, b or c",
                                       idx, r->type);
        if (access_bits(r->access, acc) < 0)
                return keel_error_setq(err, EINVAL,
                                       "device rule %zu: access \"%s\" is not made of r, w and m",
                                       idx, r->access);
        if (device_number(r->has_major, r->major, major) < 0 ||
            device_number(r->has_minor, r->minor, minor) < 0)
                return keel_error_setq(err, EINVAL, "device rule %zu: major or minor out of range",
                                       idx);
        return 0;
}

/* r6 |= reg ^ value (r6 = reg ^ value for the first): r6 is 0 when every
 * number the rule names matches; r0 is scratch. */
static size_t match_insns(struct bpf_insn *b, bool first, int reg, int32_t value)
{
        if (first) {
                b[0] = ALU32_X(BPF_MOV, BPF_REG_6, reg);
                b[1] = ALU32_K(BPF_XOR, BPF_REG_6, value);
                return 2;
        }
        b[0] = ALU32_X(BPF_MOV, BPF_REG_0, reg);
        b[1] = ALU32_K(BPF_XOR, BPF_REG_0, value);
        b[2] = ALU32_X(BPF_OR, BPF_REG_6, BPF_REG_0);
        return 3;
}

/* Build one rule's block; *unconditional is set when it decides every
 * request, so nothing after it can run. */
static int rule_block(const struct keel_device_cgroup *r, size_t idx, struct bpf_insn *b,
                      size_t *len, bool *unconditional, struct keel_error **err)
{
        int32_t acc, major, minor;
        size_t n = 0, i;
        int ret;

        ret = rule_check(r, idx, &acc, &major, &minor, err);
        if (ret < 0)
                return ret;

        if (r->type != 'a')
                n += match_insns(b + n, n == 0, BPF_REG_2,
                                 r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
        if (major >= 0)
                n += match_insns(b + n, n == 0, BPF_REG_4, major);
        if (minor >= 0)
                n += match_insns(b + n, n == 0, BPF_REG_5, minor);
        if (n > 0)
                b[n++] = JNE_K(BPF_REG_6, 0, TO_NEXT_BLOCK);
        *unconditional = n == 0 && acc == ACC_ALL;
        if (acc != ACC_ALL) {
                /* r1 = the undecided bits this rule speaks for; a rule holding
                 * none of them is skipped, unless the request asked for none. */
                b[n++] = ALU32_X(BPF_MOV, BPF_REG_1, BPF_REG_3);
                b[n++] = ALU32_K(BPF_AND, BPF_REG_1, acc);
                b[n++] = JNE_K(BPF_REG_1, 0, 1);
                b[n++] = JNE_K(BPF_REG_3, 0, TO_NEXT_BLOCK);
                if (r->allow) {
                        /* Those bits are granted; earlier rules decide the rest. */
                        b[n++] = ALU32_X(BPF_XOR, BPF_REG_3, BPF_REG_1);
                        b[n++] = JNE_K(BPF_REG_3, 0, TO_NEXT_BLOCK);
                }
        }
        b[n++] = MOV64_K(BPF_REG_0, r->allow ? 1 : 0);
        b[n++] = EXIT_INSN();
        for (i = 0; i < n; i++)
                if (b[i].off == TO_NEXT_BLOCK)
                        b[i].off = (int16_t) (n - i - 1);
        *len = n;
        return 0;
}

int keel_devices_compile(const struct keel_device_cgroup *rules, size_t n, struct bpf_insn **insns,
                         size_t *n_insns, struct keel_error **err)
{
        const struct bpf_insn prologue[] = {
                LDX_W(BPF_REG_2, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, access_type)),
                ALU32_X(BPF_MOV, BPF_REG_3, BPF_REG_2),
                ALU32_K(BPF_AND, BPF_REG_2, 0xffff),
                ALU32_K(BPF_RSH, BPF_REG_3, 16),
                LDX_W(BPF_REG_4, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, major)),
                LDX_W(BPF_REG_5, BPF_REG_1, offsetof(struct bpf_cgroup_dev_ctx, minor)),
        };
        const struct bpf_insn deny[] = { MOV64_K(BPF_REG_0, 0), EXIT_INSN() };
        struct program p = { 0 };
        bool done = false;
        size_t i;
        int r;

        /* Every rule, also those an unconditional rule hides: the list
         * is refused as a whole, as the header promises. */
        for (i = 0; i < n; i++) {
                int32_t acc, major, minor;

                r = rule_check(&rules[i], i, &acc, &major, &minor, err);
                if (r < 0)
                        return r;
        }
        r = program_append(&p, prologue, ARRAY_SIZE(prologue));
        for (i = n; r == 0 && i > 0 && !done; i--) {
                struct bpf_insn block[MAX_BLOCK];
                size_t len = 0;

                r = rule_block(&rules[i - 1], i - 1, block, &len, &done, err);
                if (r == 0)
                        r = program_append(&p, block, len);
        }
        if (r == 0 && !done)
                r = program_append(&p, deny, ARRAY_SIZE(deny));
        if (r < 0) {
                free(p.insns);
                return r == -ENOMEM ? keel_error_set(err, ENOMEM, "compile device rules") : r;
        }
        *insns = p.insns;
        *n_insns = p.n;
        return 0;
}

/* ---- loading and attaching ---------------------------------------------- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int) syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The verifier's reason: the last line of its log before the statistics
 * ("processed N insns ...") it prints at the end. */
static const char *verifier_reason(char *log)
{
        char *line = NULL, *p = log, *next;

        for (; *p; p = next) {
                next = p + strcspn(p, "\n");
                if (*next)
                        *next++ = '\0';
                if (*p && strncmp(p, "processed ", 10) != 0 &&
                    strncmp(p, "verification time", 17) != 0)
                        line = p;
        }
        return line ? line : "no reason given";
}

int keel_devices_load(const struct bpf_insn *insns, size_t n_insns, int *prog_fd,
                      struct keel_error **err)
{
        const size_t log_size = 64 * 1024;
        _cleanup_free_ char *log = NULL;
        union bpf_attr attr;
        int fd, saved;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) n_insns;
        attr.license = (uintptr_t) "LGPL-2.1-or-later";
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0) {
                *prog_fd = fd;
                return 0;
        }
        saved = errno;
        if (saved != EINVAL && saved != EACCES)
                return keel_error_set(err, saved, "load the device filter (bpf BPF_PROG_LOAD)");

        /* The verifier said no: load again to get its reason. */
        log = calloc(1, log_size);
        if (log == NULL)
                return keel_error_set(err, saved, "load the device filter (bpf BPF_PROG_LOAD)");
        attr.log_level = 1;
        attr.log_buf = (uintptr_t) log;
        attr.log_size = (uint32_t) log_size;
        fd = sys_bpf(BPF_PROG_LOAD, &attr);
        if (fd >= 0) {
                *prog_fd = fd;
                return 0;
        }
        return keel_error_setq(err, saved,
                               "load the device filter: the BPF verifier refused it: %s",
                               verifier_reason(log));
}

/* The ids of the device programs attached to the cgroup itself. */
static int query_attached(int cgroup_fd, uint32_t **ids, uint32_t *n, struct keel_error **err)
{
        _cleanup_free_ uint32_t *v = NULL;
        uint32_t cap = 64;

        for (;;) {
                union bpf_attr attr;
                uint32_t *nv = realloc(v, cap * sizeof(*v));

                if (nv == NULL)
                        return keel_error_set(err, ENOMEM, "list the cgroup's device filters");
                v = nv;
                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t) cgroup_fd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = (uintptr_t) v;
                attr.query.prog_cnt = cap;
                if (sys_bpf(BPF_PROG_QUERY, &attr) == 0) {
                        *n = attr.query.prog_cnt;
                        *ids = steal_pointer(&v);
                        return 0;
                }
                if (errno != ENOSPC || cap >= 65536)
                        return keel_error_set(
                                err, errno,
                                "list the cgroup's device filters (bpf BPF_PROG_QUERY)");
                cap *= 2;
        }
}

static int detach_by_id(int cgroup_fd, uint32_t id, struct keel_error **err)
{
        _cleanup_close_ int fd = -1;
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return errno == ENOENT ? 0
                                       : keel_error_set(err, errno, "open device filter %u", id);
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t) cgroup_fd;
        attr.attach_bpf_fd = (uint32_t) fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
                return keel_error_set(err, errno, "detach the old device filter %u", id);
        return 0;
}

int keel_devices_attach(int cgroup_fd, int prog_fd, struct keel_error **err)
{
        _cleanup_free_ uint32_t *old = NULL;
        union bpf_attr attr;
        uint32_t n_old = 0, i, self;
        int r;

        r = query_attached(cgroup_fd, &old, &n_old, err);
        if (r < 0)
                return r;
        /* A shared program (keel_devices_reuse) may be attached here
         * already, left by a container that had this cgroup before: the
         * kernel refuses to attach one program twice, and it stays.  A new
         * cgroup holds none: no need to ask the program's id. */
        self = n_old > 0 ? keel_devices_prog_id(prog_fd) : 0;
        for (i = 0; i < n_old && (self == 0 || old[i] != self); i++)
                ;
        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t) cgroup_fd;
        attr.attach_bpf_fd = (uint32_t) prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        if (i == n_old && sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
                return keel_error_set(err, errno, "attach the device filter (bpf BPF_PROG_ATTACH)");
        for (i = 0; i < n_old; i++) {
                if (self != 0 && old[i] == self)
                        continue;
                r = detach_by_id(cgroup_fd, old[i], err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- sharing a loaded program ------------------------------------------- */

/* BPF_OBJ_GET_INFO_BY_FD into *info, which says what to fill beyond the
 * fixed fields (xlated_prog_insns and its length). */
static int prog_info(int prog_fd, struct bpf_prog_info *info)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.info.bpf_fd = (uint32_t) prog_fd;
        attr.info.info_len = sizeof(*info);
        attr.info.info = (uintptr_t) info;
        return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr);
}

int keel_devices_reuse(uint32_t id, const struct bpf_insn *insns, size_t n_insns, int *prog_fd)
{
        _cleanup_free_ struct bpf_insn *held = NULL;
        _cleanup_close_ int fd = -1;
        struct bpf_prog_info info;
        union bpf_attr attr;

        if (id == 0 || n_insns == 0 || n_insns > UINT32_MAX / sizeof(*insns) - 1)
                return -1;
        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return -1;
        /* One instruction more than ours: a longer program shows as longer. */
        held = calloc(n_insns + 1, sizeof(*held));
        if (held == NULL)
                return -1;
        memset(&info, 0, sizeof(info));
        info.xlated_prog_len = (uint32_t) ((n_insns + 1) * sizeof(*held));
        info.xlated_prog_insns = (uintptr_t) held;
        if (prog_info(fd, &info) < 0 || info.type != BPF_PROG_TYPE_CGROUP_DEVICE ||
            info.xlated_prog_len != n_insns * sizeof(*held) ||
            memcmp(held, insns, n_insns * sizeof(*held)) != 0)
                return -1;
        *prog_fd = take_fd(&fd);
        return 0;
}

uint32_t keel_devices_prog_id(int prog_fd)
{
        struct bpf_prog_info info;

        memset(&info, 0, sizeof(info));
        return prog_info(prog_fd, &info) == 0 ? info.id : 0;
}
