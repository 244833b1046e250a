/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/criu.h"
#include "linux/criu-rpc.h"
#include "spec/oci-config.h"
#include "tap.h"

/* A config with a bind mount, a tmpfs, a cgroup mount and a network
 * namespace joined by path. */
static const char config[] =
        "{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\"},"
        "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"},"
        "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"vol\","
        "\"options\":[\"rbind\"]},{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
        "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}],"
        "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
        "{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]}}";

/* ---- reading a message back -------------------------------------------------- */

#define MAX_FIELDS 64

struct msg {
        struct keel_pb_field f[MAX_FIELDS];
        size_t n;
};

static int decode(const uint8_t *buf, size_t len, struct msg *m)
{
        size_t pos = 0;
        int ret;

        m->n = 0;
        while (m->n < MAX_FIELDS && (ret = keel_pb_next(buf, len, &pos, &m->f[m->n])) > 0)
                m->n++;
        return m->n < MAX_FIELDS ? ret : 0;
}

static const struct keel_pb_field *get(const struct msg *m, unsigned field)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->f[i].field == field)
                        return &m->f[i];
        return NULL;
}

static long long get_int(const struct msg *m, unsigned field)
{
        const struct keel_pb_field *f = get(m, field);

        return f && !f->is_bytes ? (long long) f->v : -1;
}

static bool has_string(const struct msg *m, unsigned field, const char *s)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->f[i].field == field && m->f[i].is_bytes && m->f[i].len == strlen(s) &&
                    memcmp(m->f[i].bytes, s, m->f[i].len) == 0)
                        return true;
        return false;
}

static bool has_string_prefix(const struct msg *m, unsigned field, const char *s)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->f[i].field == field && m->f[i].is_bytes && m->f[i].len >= strlen(s) &&
                    memcmp(m->f[i].bytes, s, strlen(s)) == 0)
                        return true;
        return false;
}

/* A repeated {1: key (string), 2: value} message with this key and value
 * (a string, or an int when ival >= 0). */
static bool has_pair(const struct msg *m, unsigned field, const char *key, const char *sval,
                     long long ival)
{
        for (size_t i = 0; i < m->n; i++) {
                struct msg sub;

                if (m->f[i].field != field || !m->f[i].is_bytes ||
                    decode(m->f[i].bytes, m->f[i].len, &sub) < 0)
                        continue;
                if (!has_string(&sub, 1, key))
                        continue;
                if (sval ? has_string(&sub, 2, sval) : get_int(&sub, 2) == ival)
                        return true;
        }
        return false;
}

/* The criu_opts of a criu_req, and its type. */
static long long opts_of(const struct keel_pb *req, struct msg *opts)
{
        struct msg r;
        const struct keel_pb_field *f;

        if (decode(req->buf, req->len, &r) < 0 || (f = get(&r, 2)) == NULL || !f->is_bytes ||
            decode(f->bytes, f->len, opts) < 0)
                return -1;
        return get_int(&r, 1);
}

/* ---- the tests ------------------------------------------------------------------ */

static void protocol_buffers(void)
{
        struct keel_pb m = { 0 }, sub = { 0 };
        struct msg d, s;

        keel_pb_uint(&m, 1, 300);
        keel_pb_int(&m, 2, -1);
        keel_pb_string(&m, 3, "abc");
        keel_pb_bool(&sub, 1, true);
        keel_pb_message(&m, 4, &sub);
        tap_ok(!m.failed, "pb: encodes");
        tap_is_int(m.buf[0], 0x08, "pb: a varint field's tag");
        tap_ok(m.buf[1] == 0xac && m.buf[2] == 0x02, "pb: 300 as a varint");
        tap_is_int(decode(m.buf, m.len, &d), 0, "pb: decodes");
        tap_is_int(d.n, 4, "pb: four fields");
        tap_ok(get_int(&d, 1) == 300 && get(&d, 2)->v == UINT64_MAX, "pb: 300 and -1 (int64)");
        tap_ok(has_string(&d, 3, "abc"), "pb: a string");
        tap_ok(decode(get(&d, 4)->bytes, get(&d, 4)->len, &s) == 0 && get_int(&s, 1) == 1,
               "pb: an embedded message");
        tap_ok(decode(m.buf, m.len - 1, &d) < 0, "pb: a truncated message is refused");
        keel_pb_free(&m);
        keel_pb_free(&sub);
}

static void dump_request(struct keel_config *cfg)
{
        const char keys[3][64] = { "file[1f:2a]", "pipe:[77]", "" };
        struct keel_criu_opts o = { .image_path = "/img", .leave_running = true,
                                    .tcp_established = true };
        struct keel_criu_dump d = { .pid = 42, .cfg = cfg, .cgroup_dir = "/sys/fs/cgroup/keel/c",
                                    .terminal = true };
        struct keel_criu_dirs dirs = { 7, 8 };
        struct keel_pb req = { 0 };
        struct msg m;

        tap_is_int(keel_criu_dump_req(&o, &d, &dirs, keys, &req, NULL), 0, "dump: request built");
        tap_is_int(opts_of(&req, &m), 1, "dump: a DUMP request");
        tap_is_int(get_int(&m, CRIU_OPT_PID), 42, "dump: the init's tree");
        tap_ok(get_int(&m, CRIU_OPT_IMAGES_DIR_FD) == 7 && get_int(&m, CRIU_OPT_WORK_DIR_FD) == 8,
               "dump: the directories by keel's fds");
        tap_ok(has_string(&m, CRIU_OPT_LOG_FILE, "dump.log"), "dump: its log");
        tap_ok(has_string(&m, CRIU_OPT_FREEZE_CGROUP, "/sys/fs/cgroup/keel/c"),
               "dump: criu freezes the cgroup");
        tap_is_int(get_int(&m, CRIU_OPT_MANAGE_CGROUPS_MODE), 3, "dump: cgroups soft by default");
        tap_ok(has_pair(&m, CRIU_OPT_EXT_MNT, "/data", "/data", -1), "dump: a bind mount is external");
        tap_ok(has_pair(&m, CRIU_OPT_EXT_MNT, "/sys/fs/cgroup", "/sys/fs/cgroup", -1),
               "dump: a cgroup mount is external");
        tap_ok(!has_pair(&m, CRIU_OPT_EXT_MNT, "/tmp", "/tmp", -1), "dump: a tmpfs is dumped");
        tap_ok(has_string_prefix(&m, CRIU_OPT_EXTERNAL, "net[") &&
               has_string(&m, CRIU_OPT_EXTERNAL, "file[1f:2a]"),
               "dump: the joined netns and a stdio file are external");
        tap_ok(!has_string_prefix(&m, CRIU_OPT_EXTERNAL, "pipe"), "dump: a stdio pipe is not marked");
        tap_ok(get_int(&m, CRIU_OPT_ORPHAN_PTS_MASTER) == 1, "dump: a terminal's master is an orphan");
        tap_ok(get_int(&m, CRIU_OPT_LEAVE_RUNNING) == 1 && get_int(&m, CRIU_OPT_TCP_ESTABLISHED) == 1,
               "dump: the caller's options");
        keel_pb_free(&req);

        o.pre_dump = true;
        o.parent_path = "../parent";
        tap_is_int(keel_criu_dump_req(&o, &d, &dirs, keys, &req, NULL), 0, "pre-dump: request built");
        tap_is_int(opts_of(&req, &m), 4, "pre-dump: a PRE_DUMP request");
        tap_ok(get_int(&m, CRIU_OPT_TRACK_MEM) == 1 &&
               has_string(&m, CRIU_OPT_PARENT_IMG, "../parent"),
               "pre-dump: tracks memory against the parent (relative to the images, as given)");
        tap_ok(get(&m, CRIU_OPT_LEAVE_RUNNING) == NULL, "pre-dump: no leave_running (it always does)");
        keel_pb_free(&req);
}

static void restore_request(struct keel_config *cfg)
{
        const char keys[3][64] = { "file[1f:2a]", "pipe:[77]", "" };
        struct keel_criu_opts o = { .image_path = "/img", .work_path = "/work",
                                    .manage_cgroups_mode = "full", .lsm_profile = "selinux:x" };
        struct keel_criu_restore r = { .cfg = cfg, .bundle = "/b", .rootfs = "/b/rootfs",
                                       .root_mnt = "/s/criu-root", .cgroup_path = "keel/c",
                                       .cgroup_dir = "/sys/fs/cgroup/keel/c" };
        struct keel_criu_dirs dirs = { 7, 8 };
        struct keel_pb req = { 0 }, cg = { 0 };
        struct msg m;

        tap_is_int(keel_criu_restore_req(&o, &r, &dirs, keys, &req, NULL), 0, "restore: request built");
        tap_is_int(opts_of(&req, &m), 2, "restore: a RESTORE request");
        tap_ok(has_string(&m, CRIU_OPT_ROOT, "/s/criu-root"), "restore: the bound rootfs is the root");
        tap_ok(get_int(&m, CRIU_OPT_RST_SIBLING) == 1, "restore: the init becomes keel's child");
        tap_ok(get_int(&m, CRIU_OPT_NOTIFY_SCRIPTS) == 1, "restore: keel hears setup-namespaces");
        tap_ok(get_int(&m, CRIU_OPT_ORPHAN_PTS_MASTER) == 1, "restore: a new master for the terminal");
        tap_is_int(get_int(&m, CRIU_OPT_MANAGE_CGROUPS_MODE), 4, "restore: the caller's cgroup mode");
        keel_pb_string(&cg, 2, "/keel/c");
        tap_ok(get(&m, CRIU_OPT_CG_ROOT) && get(&m, CRIU_OPT_CG_ROOT)->len == cg.len &&
               memcmp(get(&m, CRIU_OPT_CG_ROOT)->bytes, cg.buf, cg.len) == 0,
               "restore: into the container's cgroup");
        keel_pb_free(&cg);
        tap_ok(has_pair(&m, CRIU_OPT_EXT_MNT, "/data", "/b/vol", -1),
               "restore: a relative bind source is the bundle's");
        tap_ok(has_pair(&m, CRIU_OPT_EXT_MNT, "/sys/fs/cgroup", "/sys/fs/cgroup/keel/c", -1),
               "restore: the cgroup mount is the container's cgroup");
        tap_ok(has_pair(&m, CRIU_OPT_INHERIT_FD, "file[1f:2a]", NULL, KEEL_CRIU_CALLER_STDIO_FD) &&
               has_pair(&m, CRIU_OPT_INHERIT_FD, "pipe:[77]", NULL, KEEL_CRIU_CALLER_STDIO_FD + 1),
               "restore: keel's stdio in place of the dumped one");
        tap_ok(has_pair(&m, CRIU_OPT_INHERIT_FD, "extRootNetNS", NULL, 200 + KEEL_NS_NETWORK),
               "restore: the joined netns handed over");
        tap_ok(has_string(&m, CRIU_OPT_LSM_PROFILE, "selinux:x"), "restore: the LSM profile passed on");
        keel_pb_free(&req);
}

int main(void)
{
        struct keel_config *cfg = NULL;

        protocol_buffers();
        if (keel_config_parse(config, strlen(config), &cfg, NULL) < 0) {
                tap_ok(0, "config parses");
                return tap_done();
        }
        dump_request(cfg);
        restore_request(cfg);
        keel_config_free(cfg);
        return tap_done();
}
