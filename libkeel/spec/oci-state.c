/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec/json-write.h"
#include "spec/json.h"
#include "spec/oci-state.h"
#include "util/cleanup.h"

static const char *const status_names[] = {
        [KEEL_STATUS_CREATING] = "creating", [KEEL_STATUS_CREATED] = "created",
        [KEEL_STATUS_RUNNING] = "running",   [KEEL_STATUS_STOPPED] = "stopped",
        [KEEL_STATUS_PAUSED] = "paused",
};

const char *keel_status_name(enum keel_status s)
{
        return (size_t) s < ARRAY_SIZE(status_names) ? status_names[s] : NULL;
}

void keel_state_free(struct keel_state *st)
{
        if (st == NULL)
                return;
        free(st->oci_version);
        free(st->id);
        free(st->bundle);
        keel_strv_free(st->annotation_keys);
        keel_strv_free(st->annotation_values);
        free(st->rootfs);
        free(st->created);
        free(st->config_digest);
        free(st->cgroup_path);
        free(st);
}

/* ---- parsing ---------------------------------------------------------------- */

static bool digits(const char **s, size_t n)
{
        size_t i;

        for (i = 0; i < n; i++)
                if ((*s)[i] < '0' || (*s)[i] > '9')
                        return false;
        *s += n;
        return true;
}

/* RFC 3339 date-time: 2026-11-28T17:00:00.123456789Z or ...+02:00. */
static bool is_rfc3339(const char *s)
{
        if (!digits(&s, 4) || *s++ != '-' || !digits(&s, 2) || *s++ != '-' || !digits(&s, 2))
                return false;
        if (*s != 'T' && *s != 't')
                return false;
        s++;
        if (!digits(&s, 2) || *s++ != ':' || !digits(&s, 2) || *s++ != ':' || !digits(&s, 2))
                return false;
        if (*s == '.') {
                s++;
                if (*s < '0' || *s > '9')
                        return false;
                while (*s >= '0' && *s <= '9')
                        s++;
        }
        if (*s == 'Z' || *s == 'z')
                return s[1] == '\0';
        if (*s != '+' && *s != '-')
                return false;
        s++;
        return digits(&s, 2) && *s++ == ':' && digits(&s, 2) && *s == '\0';
}

static bool is_sha256_digest(const char *s)
{
        if (strncmp(s, "sha256:", 7) != 0)
                return false;
        s += 7;
        return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int field_error(struct keel_json_path *p, const char *key, const char *value,
                       const char *what, struct keel_error **err)
{
        char q[96];
        int r;

        keel_json_path_push_key(p, key);
        r = keel_json_error(p, err, "%s %s", keel_json_quote(value, q, sizeof(q)), what);
        keel_json_path_pop(p);
        return r;
}

static int parse_spec_fields(yajl_val o, struct keel_json_path *p, struct keel_state *st,
                             struct keel_error **err)
{
        int64_t pid = 0;
        int status, r;

        TRY(keel_json_get_string(o, "ociVersion", true, p, &st->oci_version, err));
        TRY(keel_json_get_string(o, "id", true, p, &st->id, err));
        if (st->id[0] == '\0')
                return field_error(p, "id", st->id, "is not a container id", err);
        TRY(keel_json_get_enum(o, "status", true, status_names, ARRAY_SIZE(status_names), p,
                               &status, err));
        st->status = status;
        r = keel_json_get_int64(o, "pid", false, 0, INT_MAX, p, &pid, err);
        TRY(r);
        st->pid = (int) pid;
        /* The spec: pid is REQUIRED while the container process exists. */
        if (st->pid == 0 &&
            (st->status == KEEL_STATUS_CREATED || st->status == KEEL_STATUS_RUNNING ||
             st->status == KEEL_STATUS_PAUSED)) {
                keel_json_path_push_key(p, "pid");
                r = keel_json_error(p, err, "a process id is required when status is \"%s\"",
                                    status_names[st->status]);
                keel_json_path_pop(p);
                return r;
        }
        TRY(keel_json_get_string(o, "bundle", true, p, &st->bundle, err));
        if (st->bundle[0] != '/')
                return field_error(p, "bundle", st->bundle, "is not an absolute path", err);
        TRY(keel_json_get_string_map(o, "annotations", false, p, &st->annotation_keys,
                                     &st->annotation_values, &st->n_annotations, err));
        return 0;
}

static int parse_keel_fields(yajl_val o, struct keel_json_path *p, struct keel_state *st,
                             struct keel_error **err)
{
        uint32_t owner = 0;
        uint64_t start = 0;

        TRY(keel_json_get_string(o, "rootfs", false, p, &st->rootfs, err));
        TRY(keel_json_get_string(o, "created", false, p, &st->created, err));
        if (st->created != NULL && !is_rfc3339(st->created))
                return field_error(p, "created", st->created, "is not an RFC 3339 time", err);
        TRY(keel_json_get_uint32(o, "ownerUid", false, p, &owner, err));
        st->owner_uid = (uid_t) owner;
        TRY(keel_json_get_uint64(o, "initStartTime", false, UINT64_MAX, p, &start, err));
        st->init_start_time = start;
        TRY(keel_json_get_string(o, "configDigest", false, p, &st->config_digest, err));
        if (st->config_digest != NULL && !is_sha256_digest(st->config_digest))
                return field_error(p, "configDigest", st->config_digest,
                                   "is not a sha256:<hex> digest", err);
        TRY(keel_json_get_string(o, "cgroupPath", false, p, &st->cgroup_path, err));
        TRY(keel_json_get_bool(o, "systemdCgroup", false, p, &st->systemd_cgroup, err));
        TRY(keel_json_get_bool(o, "useTerminal", false, p, &st->use_terminal, err));
        return 0;
}

static int parse_state(yajl_val o, struct keel_json_path *p, void *out, struct keel_error **err)
{
        TRY(parse_spec_fields(o, p, out, err));
        return parse_keel_fields(o, p, out, err);
}

int keel_state_parse(const char *data, size_t len, struct keel_state **out,
                     struct keel_error **err)
{
        int r = keel_json_read_document(data, len, sizeof(**out), parse_state, (void **) out, err);

        if (r < 0)
                keel_state_free(steal_pointer(out));
        return r;
}

/* ---- generating -------------------------------------------------------------- */

static const char *or_empty(const char *s)
{
        return s != NULL ? s : "";
}

/* runc's state prints "" for root, its list the name; keel prints the
 * user name otherwise. */
static void owner_name(uid_t uid, bool name_root, char *buf, size_t size)
{
        struct passwd pw, *res = NULL;
        char pwbuf[4096];

        if (uid == 0 && !name_root) {
                buf[0] = '\0';
                return;
        }
        if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
                snprintf(buf, size, "%s", res->pw_name);
        else
                snprintf(buf, size, "%u", (unsigned) uid);
}

/* "created" is left out when unknown: "" would not read back as a time. */
static bool gen_public(struct keel_json_gen *g, const struct keel_state *st, bool name_root)
{
        char owner[256];

        owner_name(st->owner_uid, name_root, owner, sizeof(owner));
        return keel_json_gen_kv_str(g, "ociVersion", or_empty(st->oci_version)) &&
               keel_json_gen_kv_str(g, "id", or_empty(st->id)) &&
               keel_json_gen_kv_int(g, "pid", st->pid) &&
               keel_json_gen_kv_str(g, "status", or_empty(keel_status_name(st->status))) &&
               keel_json_gen_kv_str(g, "bundle", or_empty(st->bundle)) &&
               keel_json_gen_kv_str(g, "rootfs", or_empty(st->rootfs)) &&
               keel_json_gen_kv_str(g, "created", st->created) &&
               keel_json_gen_kv_str(g, "owner", owner);
}

static bool gen_annotations(struct keel_json_gen *g, const struct keel_state *st)
{
        size_t i;

        if (st->n_annotations == 0)
                return true;
        if (!keel_json_gen_key_map(g, "annotations"))
                return false;
        for (i = 0; i < st->n_annotations; i++)
                if (!keel_json_gen_kv_str(g, st->annotation_keys[i],
                                          or_empty(st->annotation_values[i])))
                        return false;
        return keel_json_gen_map_close(g);
}

static bool gen_private(struct keel_json_gen *g, const struct keel_state *st)
{
        return keel_json_gen_kv_uint(g, "ownerUid", st->owner_uid) &&
               keel_json_gen_kv_uint(g, "initStartTime", st->init_start_time) &&
               keel_json_gen_kv_str(g, "configDigest", st->config_digest) &&
               keel_json_gen_kv_str(g, "cgroupPath", st->cgroup_path) &&
               keel_json_gen_kv_bool(g, "systemdCgroup", st->systemd_cgroup) &&
               keel_json_gen_kv_bool(g, "useTerminal", st->use_terminal);
}

static bool gen_state(struct keel_json_gen *g, const struct keel_state *st, unsigned flags)
{
        return keel_json_gen_map_open(g) &&
               gen_public(g, st, flags & KEEL_STATE_JSON_NAME_ROOT) && gen_annotations(g, st) &&
               (!(flags & KEEL_STATE_JSON_PRIVATE) || gen_private(g, st)) &&
               keel_json_gen_map_close(g);
}

/* Write a document with gen, as keel_state_to_json_flags() and
 * keel_container_process_state_json() describe their results. */
static int render(const struct keel_state *st, const char *indent,
                  bool (*gen)(struct keel_json_gen *g, const struct keel_state *st,
                              const void *arg),
                  const void *arg, char **out, size_t *len, struct keel_error **err)
{
        _cleanup_json_gen_ struct keel_json_gen *g = NULL;
        int ret;

        if (keel_status_name(st->status) == NULL)
                return keel_error_set(err, 0, "state: unknown status %d", (int) st->status);
        g = keel_json_gen_new(indent, KEEL_JSON_GEN_UTF8);
        if (g == NULL)
                return keel_error_set(err, ENOMEM, "state");
        gen(g, st, arg);
        ret = keel_json_gen_take(g, false, out, len);
        if (ret == -EINVAL)
                return keel_error_set(err, 0, "state: cannot render as JSON (invalid UTF-8?)");
        if (ret == 0 && indent != NULL && *len > 0 && (*out)[*len - 1] == '\n')
                (*out)[--*len] = '\0';
        return ret < 0 ? keel_error_set(err, -ret, "state") : 0;
}

static bool gen_state_doc(struct keel_json_gen *g, const struct keel_state *st, const void *arg)
{
        return gen_state(g, st, *(const unsigned *) arg);
}

int keel_state_to_json_flags(const struct keel_state *st, unsigned flags, char **out,
                             size_t *len, struct keel_error **err)
{
        return render(st, (flags & KEEL_STATE_JSON_INDENT) ? "  " : NULL, gen_state_doc, &flags,
                      out, len, err);
}

int keel_state_to_json(const struct keel_state *st, bool private_fields, char **out, size_t *len,
                       struct keel_error **err)
{
        return keel_state_to_json_flags(st, private_fields ? KEEL_STATE_JSON_PRIVATE : 0, out,
                                        len, err);
}

/* config-linux.md, "The Container Process State". */
static bool gen_process_state(struct keel_json_gen *g, const struct keel_state *st,
                              const void *metadata)
{
        return keel_json_gen_map_open(g) &&
               keel_json_gen_kv_str(g, "ociVersion", or_empty(st->oci_version)) &&
               keel_json_gen_key_array(g, "fds") && keel_json_gen_str(g, "seccompFd") &&
               keel_json_gen_array_close(g) && keel_json_gen_kv_int(g, "pid", st->pid) &&
               keel_json_gen_kv_str(g, "metadata", metadata) && keel_json_gen_str(g, "state") &&
               gen_state(g, st, 0) && keel_json_gen_map_close(g);
}

int keel_container_process_state_json(const struct keel_state *st, const char *metadata,
                                      char **out, struct keel_error **err)
{
        size_t len;

        *out = NULL;
        return render(st, NULL, gen_process_state, metadata, out, &len, err);
}
