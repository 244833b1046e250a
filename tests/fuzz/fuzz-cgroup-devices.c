/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer harness: linux.resources.devices compiled to a cgroup device
 * program (keel_devices_compile), never loaded.
 *
 * Two input forms.  A '[' first byte: the devices array as JSON, parsed by
 * keel_config_parse as create reads it.  Anything else: raw rules, 12 bytes
 * each, reaching values the parser refuses (the compiler must refuse them
 * itself).  The program is then run here by a small eBPF interpreter on
 * devices around the rules' numbers and its verdicts compared with the
 * rules read as cgroup-devices.h describes them. */
#include "config.h"

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup-devices.h"
#include "spec/oci-config.h"

#define MAX_RULES 64
#define MAX_PROBES 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the rules, read directly -------------------------------------------- */

static int access_bits(const char *a)
{
        int bits = 0;

        if (a == NULL)
                return BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        for (; *a; a++)
                bits |= *a == 'r' ? BPF_DEVCG_ACC_READ
                      : *a == 'w' ? BPF_DEVCG_ACC_WRITE
                                  : BPF_DEVCG_ACC_MKNOD;
        return bits;
}

static bool number_matches(bool has, int64_t want, uint32_t got)
{
        return !has || want == -1 || want == (int64_t) got;
}

static bool rule_matches(const struct keel_device_cgroup *r, int type, uint32_t major,
                         uint32_t minor)
{
        if ((r->type == 'b' && type != BPF_DEVCG_DEV_BLOCK) ||
            (r->type == 'c' && type != BPF_DEVCG_DEV_CHAR))
                return false;
        return number_matches(r->has_major, r->major, major) &&
               number_matches(r->has_minor, r->minor, minor);
}

static int last_match(const struct keel_device_cgroup *rules, size_t n, int type,
                      uint32_t major, uint32_t minor, int bit)
{
        for (size_t i = n; i-- > 0;)
                if (rule_matches(&rules[i], type, major, minor) &&
                    (bit == 0 || (access_bits(rules[i].access) & bit)))
                        return rules[i].allow;
        return 0;
}

static int expected(const struct keel_device_cgroup *rules, size_t n, int type, uint32_t major,
                    uint32_t minor, int access)
{
        if (access == 0)
                return last_match(rules, n, type, major, minor, 0);
        for (int bit = 1; bit <= 4; bit <<= 1)
                if ((access & bit) && !last_match(rules, n, type, major, minor, bit))
                        return 0;
        return 1;
}

static bool rule_valid(const struct keel_device_cgroup *r)
{
        if (r->type != 'a' && r->type != 'b' && r->type != 'c')
                return false;
        if ((r->has_major && (r->major < -1 || r->major > INT32_MAX)) ||
            (r->has_minor && (r->minor < -1 || r->minor > INT32_MAX)))
                return false;
        return r->access == NULL || r->access[strspn(r->access, "rwm")] == '\0';
}

/* ---- the program, run ------------------------------------------------------ */

struct vm {
        uint64_t reg[11];
        uint16_t init;          /* registers written */
        uint16_t ctx;           /* registers holding the context pointer */
};

static uint64_t src_value(struct vm *m, const struct bpf_insn *in)
{
        if (BPF_SRC(in->code) == BPF_K)
                return (uint64_t) (int64_t) in->imm;
        if (!(m->init & (1u << in->src_reg)) || (m->ctx & (1u << in->src_reg)))
                abort();        /* the verifier refuses both */
        return m->reg[in->src_reg];
}

static uint64_t alu(uint8_t op, uint64_t d, uint64_t s, bool is64)
{
        unsigned int width = is64 ? 64 : 32;

        switch (op) {
        case BPF_ADD: return d + s;
        case BPF_SUB: return d - s;
        case BPF_MUL: return d * s;
        case BPF_OR: return d | s;
        case BPF_AND: return d & s;
        case BPF_XOR: return d ^ s;
        case BPF_MOV: return s;
        case BPF_NEG: return -d;
        case BPF_LSH: return (s & (width - 1)) == s ? d << s : (abort(), 0);
        case BPF_RSH:
                if ((s & (width - 1)) != s)
                        abort();
                return is64 ? d >> s : (uint32_t) d >> s;
        default: abort();
        }
}

static bool jump_taken(uint8_t op, uint64_t d, uint64_t s, bool is64)
{
        int64_t sd = is64 ? (int64_t) d : (int32_t) d, ss = is64 ? (int64_t) s : (int32_t) s;

        if (!is64) {
                d = (uint32_t) d;
                s = (uint32_t) s;
        }
        switch (op) {
        case BPF_JA: return true;
        case BPF_JEQ: return d == s;
        case BPF_JNE: return d != s;
        case BPF_JGT: return d > s;
        case BPF_JGE: return d >= s;
        case BPF_JLT: return d < s;
        case BPF_JLE: return d <= s;
        case BPF_JSET: return (d & s) != 0;
        case BPF_JSGT: return sd > ss;
        case BPF_JSGE: return sd >= ss;
        case BPF_JSLT: return sd < ss;
        case BPF_JSLE: return sd <= ss;
        default: abort();
        }
}

static uint64_t load_ctx(const struct bpf_cgroup_dev_ctx *ctx, const struct bpf_insn *in)
{
        static const size_t sizes[] = { [BPF_W >> 3] = 4, [BPF_H >> 3] = 2, [BPF_B >> 3] = 1,
                                        [BPF_DW >> 3] = 8 };
        size_t sz = sizes[BPF_SIZE(in->code) >> 3];
        uint64_t v = 0;

        if (in->off < 0 || (size_t) in->off + sz > sizeof(*ctx) || in->off % sz != 0)
                abort();
        memcpy(&v, (const char *) ctx + in->off, sz);
        return v;
}

static int run(const struct bpf_insn *p, size_t n, const struct bpf_cgroup_dev_ctx *ctx)
{
        struct vm m = { .init = 1u << 1, .ctx = 1u << 1 };

        for (size_t pc = 0; pc < n; pc++) {
                const struct bpf_insn *in = &p[pc];
                uint8_t cls = BPF_CLASS(in->code);

                if (in->dst_reg > 10 || in->src_reg > 10)
                        abort();
                if (cls == BPF_ALU || cls == BPF_ALU64) {
                        bool is64 = cls == BPF_ALU64, mov = BPF_OP(in->code) == BPF_MOV;
                        uint64_t s = src_value(&m, in), d = m.reg[in->dst_reg], v;

                        if (in->dst_reg == 10)
                                abort();
                        if (!mov && (!(m.init & (1u << in->dst_reg)) ||
                                     (m.ctx & (1u << in->dst_reg))))
                                abort();
                        v = alu(BPF_OP(in->code), d, s, is64);
                        m.reg[in->dst_reg] = is64 ? v : (uint32_t) v;
                        m.init |= 1u << in->dst_reg;
                        m.ctx &= ~(1u << in->dst_reg);
                } else if (cls == BPF_LDX && BPF_MODE(in->code) == BPF_MEM) {
                        if (!(m.ctx & (1u << in->src_reg)) || in->dst_reg == 10)
                                abort();
                        m.reg[in->dst_reg] = load_ctx(ctx, in);
                        m.init |= 1u << in->dst_reg;
                        m.ctx &= ~(1u << in->dst_reg);
                } else if ((cls == BPF_JMP || cls == BPF_JMP32) && in->code == (BPF_JMP | BPF_EXIT)) {
                        if (!(m.init & 1u) || (m.ctx & 1u))
                                abort();
                        return (int) m.reg[0];
                } else if (cls == BPF_JMP || cls == BPF_JMP32) {
                        uint8_t op = BPF_OP(in->code);
                        bool taken = true;

                        if (op != BPF_JA) {
                                if (!(m.init & (1u << in->dst_reg)) || (m.ctx & (1u << in->dst_reg)))
                                        abort();
                                taken = jump_taken(op, m.reg[in->dst_reg], src_value(&m, in),
                                                   cls == BPF_JMP);
                        }
                        if (taken)
                                pc += (size_t) (int64_t) in->off;
                } else {
                        abort();        /* nothing the compiler should emit */
                }
        }
        abort();        /* ran off the end */
}

/* The verifier's CFG rules: jumps forward and in range, every instruction
 * reachable, the last one an exit or an unconditional jump back is absent. */
static void check_shape(const struct bpf_insn *p, size_t n)
{
        bool *reach = calloc(n + 1, 1);

        if (reach == NULL || n == 0)
                abort();
        reach[0] = true;
        for (size_t i = 0; i < n; i++) {
                uint8_t cls = BPF_CLASS(p[i].code);
                bool jmp = cls == BPF_JMP || cls == BPF_JMP32;

                if (!reach[i])
                        abort();
                if (p[i].code == (BPF_JMP | BPF_EXIT))
                        continue;
                if (jmp && (p[i].off < 0 || i + 1 + (size_t) p[i].off >= n))
                        abort();
                if (jmp)
                        reach[i + 1 + (size_t) p[i].off] = true;
                if (!(jmp && BPF_OP(p[i].code) == BPF_JA))
                        reach[i + 1] = true;
        }
        if (reach[n])
                abort();
        free(reach);
}

/* ---- inputs ---------------------------------------------------------------- */

static void add_probe(uint32_t *v, size_t *n, int64_t x)
{
        for (size_t i = 0; i < *n; i++)
                if (v[i] == (uint32_t) x)
                        return;
        if (*n < MAX_PROBES)
                v[(*n)++] = (uint32_t) x;
}

static void check_program(const struct keel_device_cgroup *rules, size_t n,
                          const struct bpf_insn *p, size_t n_insns)
{
        uint32_t majors[MAX_PROBES], minors[MAX_PROBES];
        size_t n_ma = 0, n_mi = 0;

        check_shape(p, n_insns);
        add_probe(majors, &n_ma, 0);
        add_probe(minors, &n_mi, 0);
        add_probe(majors, &n_ma, UINT32_MAX);
        add_probe(minors, &n_mi, UINT32_MAX);
        for (size_t i = 0; i < n; i++) {
                if (rules[i].has_major && rules[i].major >= 0) {
                        add_probe(majors, &n_ma, rules[i].major);
                        add_probe(majors, &n_ma, rules[i].major + 1);
                }
                if (rules[i].has_minor && rules[i].minor >= 0) {
                        add_probe(minors, &n_mi, rules[i].minor);
                        add_probe(minors, &n_mi, rules[i].minor + 1);
                }
        }
        for (int type = BPF_DEVCG_DEV_BLOCK; type <= BPF_DEVCG_DEV_CHAR; type++)
                for (size_t a = 0; a < n_ma; a++)
                        for (size_t b = 0; b < n_mi; b++)
                                for (int access = 0; access < 8; access++) {
                                        struct bpf_cgroup_dev_ctx ctx = {
                                                .access_type = (uint32_t) (access << 16 | type),
                                                .major = majors[a],
                                                .minor = minors[b],
                                        };
                                        int want = expected(rules, n, type, majors[a], minors[b],
                                                            access);

                                        if (run(p, n_insns, &ctx) != want)
                                                abort();
                                }
}

/* A rule for every device and every access: no rule before it is read. */
static bool decides_everything(const struct keel_device_cgroup *r)
{
        const int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;

        return r->type == 'a' && (!r->has_major || r->major == -1) &&
               (!r->has_minor || r->minor == -1) && rule_valid(r) &&
               (access_bits(r->access) & all) == all;
}

static void compile_and_check(const struct keel_device_cgroup *rules, size_t n)
{
        struct keel_error *err = NULL;
        struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        bool all_valid = true, read_valid = true, shadowed = false;
        int r;

        for (size_t i = n; i-- > 0;) {
                bool ok = rule_valid(&rules[i]);

                all_valid &= ok;
                read_valid &= ok || shadowed;
                shadowed |= decides_everything(&rules[i]);
        }
        r = keel_devices_compile(rules, n, &insns, &n_insns, &err);
        /* Known (test-fuzz-regressions.c, devices_invalid_rule_before_catch_all):
         * an invalid rule before one that decides everything is not refused
         * today, so such a list may go either way. */
        if ((r == 0 && !read_valid) || (r < 0 && all_valid))
                abort();
        if (r < 0) {
                if (err == NULL || err->msg == NULL)
                        abort();
                keel_error_free(err);
                return;
        }
        check_program(rules, n, insns, n_insns);
        free(insns);
}

static void from_json(const uint8_t *data, size_t size)
{
        static const char head[] = "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},"
                                   "\"linux\":{\"resources\":{\"devices\":";
        static const char tail[] = "}}}";
        size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;
        char *doc = malloc(len);
        struct keel_config *cfg = NULL;
        struct keel_error *err = NULL;

        if (doc == NULL)
                abort();
        memcpy(doc, head, sizeof(head) - 1);
        memcpy(doc + sizeof(head) - 1, data, size);
        memcpy(doc + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
        if (keel_config_parse(doc, len, &cfg, &err) < 0) {
                keel_error_free(err);
        } else {
                const struct keel_resources *res =
                        cfg->linux_cfg != NULL ? cfg->linux_cfg->resources : NULL;

                if (res != NULL && res->n_devices <= MAX_RULES)
                        compile_and_check(res->devices, res->n_devices);
                keel_config_free(cfg);
        }
        free(doc);
}

/* 12 bytes a rule: flags, type, major (le32), minor (le32), access bits.
 * flags: 1 allow, 2 has major, 4 has minor, 8 access absent, 16 major
 * beyond 32 bits, 32 minor beyond 32 bits.  The type byte is 'a', 'b' or
 * 'c' for 0..2 and itself otherwise; access bits 1 r, 2 w, 4 m, 8 a
 * letter that is none of them. */
static void from_raw(const uint8_t *data, size_t size)
{
        struct keel_device_cgroup rules[MAX_RULES];
        char access[MAX_RULES][5];
        size_t n = 0;

        for (; size >= 12 && n < MAX_RULES; data += 12, size -= 12, n++) {
                struct keel_device_cgroup *r = &rules[n];
                int32_t major, minor;
                char *a = access[n];

                memcpy(&major, data + 2, 4);
                memcpy(&minor, data + 6, 4);
                r->allow = data[0] & 1;
                r->has_major = data[0] & 2;
                r->has_minor = data[0] & 4;
                r->type = data[1] < 3 ? "abc"[data[1]] : (char) data[1];
                r->major = major + ((data[0] & 16) ? INT64_C(1) << 32 : 0);
                r->minor = minor + ((data[0] & 32) ? INT64_C(1) << 32 : 0);
                if (data[10] & 1)
                        *a++ = 'r';
                if (data[10] & 2)
                        *a++ = 'w';
                if (data[10] & 4)
                        *a++ = 'm';
                if (data[10] & 8)
                        *a++ = (char) data[11];
                *a = '\0';
                r->access = (data[0] & 8) ? NULL : access[n];
        }
        compile_and_check(rules, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size > 0 && data[0] == '[')
                from_json(data, size);
        else
                from_raw(data, size);
        return 0;
}
