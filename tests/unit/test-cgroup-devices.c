/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The device-rule compiler, checked three ways: the program's shape (what
 * the verifier insists on), its answers under a small interpreter compared
 * with a plain C reading of the rules, and, as root, the kernel's verifier. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/cgroup-devices.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define R_R BPF_DEVCG_ACC_READ
#define R_W BPF_DEVCG_ACC_WRITE
#define R_M BPF_DEVCG_ACC_MKNOD
#define BLK BPF_DEVCG_DEV_BLOCK
#define CHR BPF_DEVCG_DEV_CHAR
#define ANY -1

/* rule(allow, type, major, minor, access): ANY for a wildcard number. */
#define RULE(al, t, ma, mi, acc)                                                     \
        {                                                                            \
                .allow = (al), .type = (t), .has_major = (ma) != ANY, .major = (ma), \
                .has_minor = (mi) != ANY, .minor = (mi), .access = (acc)             \
        }

/* ---- the reference: the rules read directly ---------------------------- */

static int ref_access(const char *a)
{
        int bits = 0;

        if (a == NULL)
                return R_R | R_W | R_M;
        for (; *a; a++)
                bits |= *a == 'r' ? R_R : *a == 'w' ? R_W : R_M;
        return bits;
}

static bool ref_device_match(const struct keel_device_cgroup *r, int type, int64_t major,
                             int64_t minor)
{
        if (r->type == 'b' && type != BLK)
                return false;
        if (r->type == 'c' && type != CHR)
                return false;
        if (r->has_major && r->major != -1 && r->major != major)
                return false;
        if (r->has_minor && r->minor != -1 && r->minor != minor)
                return false;
        return true;
}

/* Each requested bit goes to the last rule that matches the device and
 * holds that bit; a request for no bit goes to the last matching rule. */
static int reference(const struct keel_device_cgroup *rules, size_t n, int type, int64_t major,
                     int64_t minor, int access)
{
        int bit;
        size_t i;

        if (access == 0) {
                for (i = n; i > 0; i--)
                        if (ref_device_match(&rules[i - 1], type, major, minor))
                                return rules[i - 1].allow;
                return 0;
        }
        for (bit = 1; bit <= 4; bit <<= 1) {
                int verdict = 0;

                if (!(access & bit))
                        continue;
                for (i = n; i > 0; i--) {
                        const struct keel_device_cgroup *r = &rules[i - 1];

                        if (ref_device_match(r, type, major, minor) &&
                            (ref_access(r->access) & bit)) {
                                verdict = r->allow;
                                break;
                        }
                }
                if (!verdict)
                        return 0;
        }
        return 1;
}

/* ---- the interpreter: just the instructions the compiler emits ---------- */

static const char *interpret(const struct bpf_insn *p, size_t n,
                             const struct bpf_cgroup_dev_ctx *ctx, int *ret)
{
        uint64_t reg[11] = { 0 };
        bool r0_set = false, r1_ctx = true;
        size_t pc = 0;

        while (pc < n) {
                const struct bpf_insn *in = &p[pc++];
                uint64_t *d = &reg[in->dst_reg];
                uint64_t s = reg[in->src_reg];

                switch (in->code) {
                case BPF_LDX | BPF_W | BPF_MEM:
                        if (in->src_reg != 1 || !r1_ctx)
                                return "load from something other than the context";
                        if (in->off == 0)
                                *d = ctx->access_type;
                        else if (in->off == 4)
                                *d = ctx->major;
                        else if (in->off == 8)
                                *d = ctx->minor;
                        else
                                return "load outside the context";
                        break;
                case BPF_ALU | BPF_MOV | BPF_X:
                        *d = (uint32_t) s;
                        break;
                case BPF_ALU | BPF_AND | BPF_K:
                        *d = (uint32_t) (*d & (uint32_t) in->imm);
                        break;
                case BPF_ALU | BPF_RSH | BPF_K:
                        *d = (uint32_t) *d >> in->imm;
                        break;
                case BPF_ALU | BPF_XOR | BPF_X:
                        *d = (uint32_t) (*d ^ s);
                        break;
                case BPF_ALU | BPF_OR | BPF_X:
                        *d = (uint32_t) (*d | s);
                        break;
                case BPF_ALU | BPF_XOR | BPF_K:
                        *d = (uint32_t) (*d ^ (uint32_t) in->imm);
                        break;
                case BPF_ALU64 | BPF_MOV | BPF_K:
                        *d = (uint64_t) (int64_t) in->imm;
                        break;
                case BPF_JMP | BPF_JNE | BPF_K:
                        if (*d != (uint64_t) (int64_t) in->imm)
                                pc += in->off;
                        break;
                case BPF_JMP | BPF_EXIT:
                        if (!r0_set)
                                return "exit with r0 unset";
                        *ret = (int) reg[0];
                        return NULL;
                default:
                        return "unknown instruction";
                }
                if (BPF_CLASS(in->code) != BPF_JMP) {
                        r0_set |= in->dst_reg == 0;
                        r1_ctx &= in->dst_reg != 1;
                }
        }
        return "ran off the end";
}

/* What the verifier's CFG check wants: jumps forward and in range, every
 * instruction reachable, no falling off the end. */
static const char *check_shape(const struct bpf_insn *p, size_t n)
{
        bool *reach = calloc(n + 1, sizeof(bool));
        const char *why = NULL;
        size_t i;

        if (reach == NULL)
                return "out of memory";
        reach[0] = true;
        for (i = 0; i < n && why == NULL; i++) {
                bool jmp = BPF_CLASS(p[i].code) == BPF_JMP,
                     exit = p[i].code == (BPF_JMP | BPF_EXIT);

                if (!reach[i])
                        why = "unreachable instruction";
                else if (jmp && !exit && (p[i].off < 0 || i + 1 + (size_t) p[i].off >= n))
                        why = "jump out of range or backwards";
                else if (!exit) {
                        reach[i + 1] = true;
                        if (jmp)
                                reach[i + 1 + (size_t) p[i].off] = true;
                }
        }
        if (why == NULL && reach[n])
                why = "falls off the end";
        free(reach);
        return why;
}

/* ---- running a rule list ----------------------------------------------- */

static const int64_t majors[] = { 0, 1, 4, 5, 8, 10, 136, 137, 4095 };
static const int64_t minors[] = { 0, 1, 2, 3, 5, 7, 8, 9, 11, 200, 1048575 };

/* Compare program and reference on every request of the grid; 0 on
 * agreement, else the number of disagreements (the first one is shown). */
static int compare_all(const char *name, const struct keel_device_cgroup *rules, size_t n,
                       struct bpf_insn **out, size_t *n_out)
{
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n_insns = 0, a, b;
        int type, access, bad = 0;
        const char *why;

        if (keel_devices_compile(rules, n, &insns, &n_insns, &err) < 0) {
                tap_diag("%s: compile: %s", name, err->msg);
                keel_error_free(err);
                return 1;
        }
        why = check_shape(insns, n_insns);
        if (why != NULL) {
                tap_diag("%s: %s", name, why);
                free(insns);
                return 1;
        }
        for (type = BLK; type <= CHR; type++)
                for (a = 0; a < ARRAY_SIZE(majors); a++)
                        for (b = 0; b < ARRAY_SIZE(minors); b++)
                                for (access = 0; access < 8; access++) {
                                        struct bpf_cgroup_dev_ctx ctx = {
                                                .access_type = (uint32_t) (access << 16 | type),
                                                .major = (uint32_t) majors[a],
                                                .minor = (uint32_t) minors[b],
                                        };
                                        int got = -1, want;

                                        why = interpret(insns, n_insns, &ctx, &got);
                                        want = reference(rules, n, type, majors[a], minors[b],
                                                         access);
                                        if (why == NULL && got == want)
                                                continue;
                                        if (bad++ == 0)
                                                tap_diag("%s: %c %lld:%lld access %d: got %d, "
                                                         "want %d %s", name,
                                                         type == BLK ? 'b' : 'c',
                                                         (long long) majors[a],
                                                         (long long) minors[b], access, got, want,
                                                         why ? why : "");
                                }
        if (out) {
                *out = insns;
                *n_out = n_insns;
        } else {
                free(insns);
        }
        return bad;
}

/* The config's rules followed by keel's defaults, as apply_devices does. */
static struct keel_device_cgroup *with_defaults(const struct keel_device_cgroup *rules, size_t n,
                                                size_t *total)
{
        const struct keel_device_cgroup *defs;
        size_t nd = keel_devices_default_rules(&defs);
        struct keel_device_cgroup *all = calloc(n + nd, sizeof(*all));

        if (n)
                memcpy(all, rules, n * sizeof(*all));
        memcpy(all + n, defs, nd * sizeof(*all));
        *total = n + nd;
        return all;
}

/* One request through the program compiled from rules (+ defaults). */
static int decide(const struct keel_device_cgroup *rules, size_t n, bool defaults, int type,
                  int major, int minor, int access)
{
        struct keel_device_cgroup *all = NULL;
        struct bpf_insn *insns = NULL;
        size_t n_all = n, n_insns;
        int got = -1;

        if (defaults)
                rules = all = with_defaults(rules, n, &n_all);
        if (keel_devices_compile(rules, n_all, &insns, &n_insns, NULL) == 0) {
                struct bpf_cgroup_dev_ctx ctx = { (uint32_t) (access << 16 | type),
                                                  (uint32_t) major, (uint32_t) minor };

                if (interpret(insns, n_insns, &ctx, &got) != NULL)
                        got = -1;
        }
        free(insns);
        free(all);
        return got;
}

/* ---- scenarios ---------------------------------------------------------- */

struct scenario {
        const char *name;
        struct keel_device_cgroup rules[12];
        size_t n;
        bool defaults;
};

static const struct scenario scenarios[] = {
        { "empty_list_denies_everything", { { 0 } }, 0, false },
        { "empty_list_with_defaults", { { 0 } }, 0, true },
        { "engine_deny_all_with_defaults", { RULE(false, 'a', ANY, ANY, "rwm") }, 1, true },
        { "ctr_deny_all_and_allow_list",
          { RULE(false, 'a', ANY, ANY, "rwm"), RULE(true, 'c', 1, 3, "rwm"),
            RULE(true, 'c', 1, 8, "rwm"), RULE(true, 'c', 1, 7, "rwm"),
            RULE(true, 'c', 5, 0, "rwm"), RULE(true, 'c', 1, 5, "rwm"),
            RULE(true, 'c', 1, 9, "rwm"), RULE(true, 'c', 5, 1, "rwm"),
            RULE(true, 'c', 136, ANY, "rwm"), RULE(true, 'c', 5, 2, "rwm") },
          10, true },
        { "privileged_allow_all", { RULE(true, 'a', ANY, ANY, "rwm") }, 1, true },
        { "allow_all_then_deny_list",
          { RULE(true, 'a', ANY, ANY, "rwm"), RULE(false, 'c', 1, 3, "w"),
            RULE(false, 'b', 8, ANY, "rwm"), RULE(false, 'c', 10, ANY, "m"),
            RULE(false, 'a', 4, 1, "r") },
          5, false },
        { "wildcards",
          { RULE(false, 'a', ANY, ANY, "rwm"), RULE(true, 'c', ANY, 3, "r"),
            RULE(true, 'b', 8, ANY, "rw"), RULE(true, 'a', 5, ANY, "m"),
            RULE(true, 'a', ANY, 200, "w") },
          5, false },
        { "rw_is_not_rwm", { RULE(true, 'c', 1, 3, "rw"), RULE(true, 'b', 8, 0, "r") }, 2, false },
        { "last_match_wins_deny",
          { RULE(true, 'c', 1, 3, "rwm"), RULE(false, 'c', 1, 3, "rwm") }, 2, false },
        { "last_match_wins_allow",
          { RULE(false, 'c', 1, 3, "rwm"), RULE(true, 'c', 1, 3, "rwm") }, 2, false },
        { "later_deny_w_blocks_rdwr",
          { RULE(true, 'c', 1, 3, "rwm"), RULE(false, 'c', 1, 3, "w") }, 2, false },
        { "split_allows_add_up",
          { RULE(true, 'c', 1, 3, "r"), RULE(true, 'c', 1, 3, "w") }, 2, false },
        { "earlier_deny_only_covers_the_rest",
          { RULE(false, 'c', 1, ANY, "rw"), RULE(true, 'c', 1, 3, "r"),
            RULE(true, 'a', ANY, ANY, "m") },
          3, false },
        { "absent_access_is_rwm_empty_is_none",
          { RULE(true, 'c', 1, ANY, NULL), RULE(false, 'c', 1, 3, NULL),
            RULE(true, 'b', ANY, ANY, "") },
          3, false },
        { "partial_wildcard_rule_is_not_final",
          { RULE(true, 'a', ANY, ANY, "rw"), RULE(false, 'a', ANY, ANY, "m"),
            RULE(true, 'c', 1, 3, "m") },
          3, false },
        { "deny_all_last_hides_everything_before",
          { RULE(true, 'c', 1, 3, "rwm"), RULE(true, 'a', ANY, ANY, "rwm"),
            RULE(false, 'a', ANY, ANY, NULL) },
          3, false },
};

static void test_scenarios(void)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
                const struct scenario *s = &scenarios[i];
                struct keel_device_cgroup *all = NULL;
                size_t n = s->n;
                const struct keel_device_cgroup *rules = s->rules;

                if (s->defaults)
                        rules = all = with_defaults(s->rules, s->n, &n);
                tap_ok(compare_all(s->name, rules, n, NULL, NULL) == 0, "%s", s->name);
                free(all);
        }
}

/* Fixed answers, so the reference itself is checked against intent. */
static void test_expectations(void)
{
        const struct keel_device_cgroup deny_all[] = { RULE(false, 'a', ANY, ANY, "rwm") };
        const struct keel_device_cgroup deny_w[] = { RULE(true, 'a', ANY, ANY, "rwm"),
                                                     RULE(false, 'c', 1, 3, "w") };
        const struct keel_device_cgroup split[] = { RULE(true, 'c', 1, 3, "r"),
                                                    RULE(true, 'c', 1, 3, "w") };
        const struct keel_device_cgroup rw[] = { RULE(true, 'c', 1, 3, "rw") };
        const struct keel_device_cgroup lmw[] = { RULE(true, 'c', 1, 3, "rwm"),
                                                  RULE(false, 'c', 1, ANY, "rwm"),
                                                  RULE(true, 'c', 1, 5, "r") };

        tap_ok(decide(deny_all, 1, true, CHR, 1, 3, R_R | R_W) == 1, "defaults_allow_dev_null_rw");
        tap_ok(decide(deny_all, 1, true, CHR, 1, 5, R_R) == 1, "defaults_allow_dev_zero");
        tap_ok(decide(deny_all, 1, true, CHR, 136, 7, R_R | R_W) == 1, "defaults_allow_pts");
        tap_ok(decide(deny_all, 1, true, CHR, 5, 2, R_R | R_W) == 1, "defaults_allow_ptmx");
        tap_ok(decide(deny_all, 1, true, CHR, 5, 1, R_W) == 1, "defaults_allow_console");
        tap_ok(decide(deny_all, 1, true, CHR, 1, 11, R_R) == 0, "defaults_deny_kmsg");
        tap_ok(decide(deny_all, 1, true, CHR, 10, 200, R_R | R_W) == 1, "defaults_allow_tun_as_runc");
        tap_ok(decide(deny_all, 1, true, CHR, 10, 229, R_R | R_W) == 0, "defaults_deny_fuse");
        tap_ok(decide(deny_all, 1, true, BLK, 8, 0, R_R) == 0, "defaults_deny_block_read");
        tap_ok(decide(deny_all, 1, true, BLK, 8, 0, R_M) == 1, "defaults_allow_block_mknod");
        tap_ok(decide(deny_all, 1, true, CHR, 4, 1, R_M) == 1, "defaults_allow_char_mknod");
        tap_ok(decide(deny_all, 1, true, CHR, 1, 3, 0) == 1,
               "no_access_bits_follow_last_matching_rule");
        tap_ok(decide(deny_all, 1, false, CHR, 1, 11, 0) == 0, "no_access_bits_denied_by_deny_all");
        tap_ok(decide(deny_all, 1, false, CHR, 1, 3, R_R) == 0,
               "without_defaults_deny_all_denies_null");
        tap_ok(decide(deny_w, 2, false, CHR, 1, 3, R_R | R_W) == 0, "deny_w_blocks_o_rdwr");
        tap_ok(decide(deny_w, 2, false, CHR, 1, 3, R_R) == 1, "deny_w_keeps_read");
        tap_ok(decide(deny_w, 2, false, CHR, 1, 5, R_R | R_W) == 1, "deny_w_only_on_its_device");
        tap_ok(decide(split, 2, false, CHR, 1, 3, R_R | R_W) == 1, "allow_r_plus_allow_w_is_rw");
        tap_ok(decide(rw, 1, false, CHR, 1, 3, R_R | R_W) == 1, "rw_allows_rdwr");
        tap_ok(decide(rw, 1, false, CHR, 1, 3, R_M) == 0, "rw_denies_mknod");
        tap_ok(decide(rw, 1, false, BLK, 1, 3, R_R) == 0, "char_rule_does_not_match_block");
        tap_ok(decide(lmw, 3, false, CHR, 1, 3, R_R) == 0, "later_wildcard_deny_wins");
        tap_ok(decide(lmw, 3, false, CHR, 1, 5, R_R) == 1, "even_later_allow_wins");
        tap_ok(decide(lmw, 3, false, CHR, 1, 5, R_R | R_W) == 0, "even_later_allow_covers_only_r");
}

static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
        rng_state = rng_state * 1103515245u + 12345u;
        return (rng_state >> 16) % n;
}

static void random_rules(struct keel_device_cgroup *r, size_t n)
{
        static const char *const accesses[] = { "r",  "w",   "m",   "rw", "rm",
                                                "wm", "rwm", "mwr", "",   NULL };
        static const char types[] = { 'a', 'b', 'c' };
        size_t i;

        for (i = 0; i < n; i++) {
                r[i] = (struct keel_device_cgroup) { 0 };
                r[i].allow = rnd(2);
                r[i].type = types[rnd(3)];
                r[i].has_major = rnd(3) != 0;
                r[i].major = rnd(4) == 0 ? -1 : majors[rnd(ARRAY_SIZE(majors))];
                r[i].has_minor = rnd(3) != 0;
                r[i].minor = rnd(4) == 0 ? -1 : minors[rnd(ARRAY_SIZE(minors))];
                r[i].access = (char *) accesses[rnd(ARRAY_SIZE(accesses))];
        }
}

static void test_random(void)
{
        struct keel_device_cgroup rules[10];
        int round, bad = 0, bad_def = 0;

        for (round = 0; round < 300; round++) {
                struct keel_device_cgroup *all;
                size_t n = rnd(ARRAY_SIZE(rules) + 1), n_all;
                char name[32];

                random_rules(rules, n);
                snprintf(name, sizeof(name), "random %d", round);
                bad += compare_all(name, rules, n, NULL, NULL) != 0;
                all = with_defaults(rules, n, &n_all);
                bad_def += compare_all(name, all, n_all, NULL, NULL) != 0;
                free(all);
        }
        tap_ok(bad == 0, "random_rule_lists_match_the_reference (%d of 300 differ)", bad);
        tap_ok(bad_def == 0,
               "random_rule_lists_with_defaults_match_the_reference (%d of 300 differ)", bad_def);
}

static void test_rejects(void)
{
        const struct keel_device_cgroup bad_type[] = {
                { .allow = true, .type = 'x', .access = "r" }
        };
        const struct keel_device_cgroup bad_access[] = { RULE(true, 'c', 1, 3, "rx") };
        const struct keel_device_cgroup bad_major[] = { RULE(true, 'c', -2, 3, "r") };
        const struct keel_device_cgroup big_minor[] = { RULE(true, 'c', 1, 2147483648LL, "r") };
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n;

        tap_is_int(keel_devices_compile(bad_type, 1, &insns, &n, &err), -EINVAL,
                   "type_x_is_rejected");
        tap_is_str(err ? err->msg : NULL, "device rule 0: type 'x' is not a, b or c",
                   "type_x_message");
        keel_error_freep(&err);
        tap_is_int(keel_devices_compile(bad_access, 1, &insns, &n, &err), -EINVAL,
                   "access_x_is_rejected");
        tap_is_str(err ? err->msg : NULL, "device rule 0: access \"rx\" is not made of r, w and m",
                   "access_x_message");
        keel_error_freep(&err);
        tap_is_int(keel_devices_compile(bad_major, 1, &insns, &n, &err), -EINVAL,
                   "major_below_minus_one_is_rejected");
        keel_error_freep(&err);
        tap_is_int(keel_devices_compile(big_minor, 1, &insns, &n, &err), -EINVAL,
                   "minor_above_int32_is_rejected");
        keel_error_freep(&err);
}

static void test_defaults_list(void)
{
        const struct keel_device_cgroup *d;
        size_t n = keel_devices_default_rules(&d), i;
        char buf[512] = "";

        for (i = 0; i < n; i++) {
                char one[40];

                snprintf(one, sizeof(one), "%s%c %lld:%lld %s", i ? ", " : "", d[i].type,
                         d[i].has_major ? (long long) d[i].major : -1LL,
                         d[i].has_minor ? (long long) d[i].minor : -1LL, d[i].access);
                strcat(buf, one);
        }
        tap_is_str(buf,
                   "c -1:-1 m, b -1:-1 m, c 1:3 rwm, c 1:5 rwm, c 1:7 rwm, c 1:8 rwm, c 1:9 rwm, "
                   "c 5:0 rwm, c 5:1 rwm, c 5:2 rwm, c 136:-1 rwm, c 10:200 rwm",
                   "default_rules_are_runcs_list");
}

/* ---- the kernel's verifier (root only) --------------------------------- */

static void load_one(const char *name, const struct keel_device_cgroup *rules, size_t n, bool *skip)
{
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n_insns;
        int fd = -1, r;

        if (*skip) {
                tap_skip(name, "bpf() not permitted");
                return;
        }
        r = keel_devices_compile(rules, n, &insns, &n_insns, &err);
        if (r == 0)
                r = keel_devices_load(insns, n_insns, &fd, &err);
        if (r == -EPERM) {
                *skip = true;
                tap_skip(name, "bpf() not permitted");
        } else {
                tap_ok(r == 0 && fd >= 0, "%s", name);
                if (err)
                        tap_diag("%s", err->msg);
        }
        if (fd >= 0)
                close(fd);
        keel_error_free(err);
        free(insns);
}

/* The verifier's effort on an engine's list (deny all, then keel's
 * defaults): every path must reach a rule's block in the same state and be
 * pruned there, so the instructions it processes stay under twice the
 * program's length.  Comparing r2, r4 and r5 themselves (the compiler
 * before) made it process 250 for 75 and cost 270 us per load. */
static void test_verifier_effort(bool skip)
{
        const struct keel_device_cgroup deny_all = { .allow = false, .type = 'a', .access = "rwm" };
        static char log[64 * 1024];
        struct keel_device_cgroup *all;
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        union bpf_attr attr;
        size_t n, n_insns;
        const char *p;
        long processed = -1;
        int fd;

        if (skip) {
                tap_skip("verifier_processes_the_defaults_under_twice_their_length",
                         "bpf() not permitted");
                return;
        }
        all = with_defaults(&deny_all, 1, &n);
        if (keel_devices_compile(all, n, &insns, &n_insns, &err) < 0) {
                tap_ok(0, "verifier_processes_the_defaults_under_twice_their_length");
                tap_diag("compile: %s", err->msg);
                keel_error_free(err);
                free(all);
                return;
        }
        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = (uintptr_t) insns;
        attr.insn_cnt = (uint32_t) n_insns;
        attr.license = (uintptr_t) "LGPL-2.1-or-later";
        attr.log_level = 4; /* BPF_LOG_STATS: "processed N insns" */
        attr.log_buf = (uintptr_t) log;
        attr.log_size = sizeof(log);
        fd = (int) syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
        p = strstr(log, "processed ");
        if (p != NULL)
                processed = strtol(p + 10, NULL, 10);
        tap_ok(fd >= 0 && processed > 0 && processed < 2 * (long) n_insns,
               "verifier_processes_the_defaults_under_twice_their_length");
        tap_diag("%zu instructions, verifier: %s", n_insns, p != NULL ? p : log);
        if (fd >= 0)
                close(fd);
        free(insns);
        free(all);
}

static void test_kernel_load(void)
{
        struct keel_device_cgroup big[2000];
        const struct bpf_insn no_r0[] = { { .code = BPF_JMP | BPF_EXIT } };
        struct keel_error *err = NULL;
        bool skip = geteuid() != 0;
        char name[80];
        size_t i;
        int fd = -1, r;

        for (i = 0; i < ARRAY_SIZE(scenarios); i++) {
                struct keel_device_cgroup *all = NULL;
                const struct keel_device_cgroup *rules = scenarios[i].rules;
                size_t n = scenarios[i].n;

                if (scenarios[i].defaults)
                        rules = all = with_defaults(rules, n, &n);
                snprintf(name, sizeof(name), "verifier_accepts_%s", scenarios[i].name);
                load_one(name, rules, n, &skip);
                free(all);
        }
        random_rules(big, ARRAY_SIZE(big));
        load_one("verifier_accepts_2000_random_rules", big, ARRAY_SIZE(big), &skip);
        test_verifier_effort(skip);

        if (skip) {
                tap_skip("verifier_refusal_is_reported", "bpf() not permitted");
                return;
        }
        r = keel_devices_load(no_r0, 1, &fd, &err);
        tap_ok(r < 0 && err && strstr(err->msg, "the BPF verifier refused it: ") &&
               strstr(err->msg, "R0"), "verifier_refusal_is_reported");
        if (err)
                tap_diag("%s", err->msg);
        keel_error_free(err);
}

/* keel_devices_reuse: a program is taken only when the kernel holds it as a
 * device program with exactly the instructions asked for.  Fails on a
 * reuse that trusts the id alone, or that never takes the same program. */
static void test_reuse(bool skip)
{
        const struct keel_device_cgroup deny_all = { .allow = false, .type = 'a', .access = "rwm" };
        const struct keel_device_cgroup kmsg = { .allow = true, .type = 'c', .has_major = true,
                                                 .major = 1, .has_minor = true, .minor = 11,
                                                 .access = "r" };
        const char *names[] = { "reuse_takes_the_same_program", "reuse_refuses_other_instructions",
                                "reuse_refuses_a_longer_or_shorter_program",
                                "reuse_refuses_an_id_of_no_program" };
        struct keel_device_cgroup *a, *b;
        struct bpf_insn *ia = NULL, *ib = NULL, *longer;
        struct keel_error *err = NULL;
        size_t na, nb, n_ia, n_ib, i;
        int fd = -1, again = -1, other = -1;
        uint32_t id;

        if (skip) {
                for (i = 0; i < ARRAY_SIZE(names); i++)
                        tap_skip(names[i], "bpf() not permitted");
                return;
        }
        a = with_defaults(&deny_all, 1, &na);
        b = with_defaults(&kmsg, 1, &nb);
        if (keel_devices_compile(a, na, &ia, &n_ia, &err) < 0 ||
            keel_devices_compile(b, nb, &ib, &n_ib, &err) < 0 ||
            keel_devices_load(ia, n_ia, &fd, &err) < 0) {
                for (i = 0; i < ARRAY_SIZE(names); i++)
                        tap_ok(0, "%s", names[i]);
                tap_diag("%s", err ? err->msg : "?");
                goto out;
        }
        id = keel_devices_prog_id(fd);
        tap_ok(id != 0 && keel_devices_reuse(id, ia, n_ia, &again) == 0 &&
               keel_devices_prog_id(again) == id, "%s", names[0]);
        tap_ok(keel_devices_reuse(id, ib, n_ib, &other) < 0 && other < 0, "%s", names[1]);
        /* ia without its last instruction, and ia with one more. */
        longer = calloc(n_ia + 1, sizeof(*longer));
        if (longer != NULL) {
                memcpy(longer, ia, n_ia * sizeof(*ia));
                longer[n_ia] = ia[n_ia - 1];
        }
        tap_ok(longer != NULL && keel_devices_reuse(id, ia, n_ia - 1, &other) < 0 &&
               keel_devices_reuse(id, longer, n_ia + 1, &other) < 0 && other < 0, "%s", names[2]);
        free(longer);
        tap_ok(keel_devices_reuse(0, ia, n_ia, &other) < 0 &&
               keel_devices_reuse(UINT32_MAX, ia, n_ia, &other) < 0 && other < 0, "%s", names[3]);
out:
        if (fd >= 0)
                close(fd);
        if (again >= 0)
                close(again);
        keel_error_free(err);
        free(ia);
        free(ib);
        free(a);
        free(b);
}

int main(void)
{
        test_defaults_list();
        test_scenarios();
        test_expectations();
        test_random();
        test_rejects();
        test_kernel_load();
        test_reuse(geteuid() != 0);
        return tap_done();
}
