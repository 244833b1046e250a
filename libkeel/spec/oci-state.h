/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_OCI_STATE_H
#define KEEL_SPEC_OCI_STATE_H

/* The container state: what `keel state` prints (runtime-spec "State",
 * plus the fields runc adds) and what keel keeps in its state.json. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum keel_status {
        KEEL_STATUS_CREATING,
        KEEL_STATUS_CREATED,
        KEEL_STATUS_RUNNING,
        KEEL_STATUS_STOPPED,
        KEEL_STATUS_PAUSED,
};
/* "creating", "created", "running", "stopped", "paused"; NULL if unknown. */
const char *keel_status_name(enum keel_status s);

struct keel_state {
        /* runtime-spec State */
        char *oci_version;              /* REQUIRED */
        char *id;                       /* REQUIRED */
        enum keel_status status;        /* REQUIRED */
        int pid;                        /* 0 when there is no process */
        char *bundle;                   /* REQUIRED, absolute */
        char **annotation_keys;         /* NULL-terminated, may be NULL */
        char **annotation_values;
        size_t n_annotations;

        /* keel's own, the first two also printed by `keel state` as runc does */
        char *rootfs;
        char *created;                  /* RFC 3339, UTC, nanoseconds:
                                         * 2026-11-28T17:00:00.123456789Z */
        uid_t owner_uid;
        unsigned long long init_start_time;     /* /proc/<pid>/stat field 22:
                                                 * a reused pid has another */
        char *config_digest;            /* "sha256:<64 hex>" of config.json as read */
        char *cgroup_path;
        bool systemd_cgroup;
        bool use_terminal;
};

/* Parse a state.json (keel's private form, or the public one `keel state`
 * prints: the private fields are optional).  Errors name the JSON path. */
int keel_state_parse(const char *data, size_t len, struct keel_state **out,
                     struct keel_error **err);

/* Render st as compact JSON, NUL-terminated, no trailing newline (*len
 * excludes the NUL).
 * private_fields=false: what `keel state` prints, as runc does: ociVersion,
 *   id, pid, status, bundle, rootfs, created, owner ("" for root, else the
 *   user name, or the uid when it has none), annotations (left out when
 *   empty).
 * private_fields=true: all of that plus ownerUid, initStartTime,
 *   configDigest, cgroupPath, systemdCgroup and useTerminal, for state.json.
 * Strings that are not valid UTF-8 are an error. */
int keel_state_to_json(const struct keel_state *st, bool private_fields, char **out, size_t *len,
                       struct keel_error **err);

/* The same, with flags: PRIVATE as private_fields=true; INDENT, indented
 * two spaces a level as runc's `state` prints it (still no trailing
 * newline); NAME_ROOT, owner "root" rather than "" for root, as runc's
 * `list --format json` has it. */
#define KEEL_STATE_JSON_PRIVATE 1u
#define KEEL_STATE_JSON_INDENT 2u
#define KEEL_STATE_JSON_NAME_ROOT 4u
int keel_state_to_json_flags(const struct keel_state *st, unsigned flags, char **out,
                             size_t *len, struct keel_error **err);

void keel_state_free(struct keel_state *st);
static inline void keel_state_freep(struct keel_state **st)
{
        keel_state_free(*st);
        *st = NULL;
}
#define _cleanup_state_ __attribute__((cleanup(keel_state_freep)))

#endif
