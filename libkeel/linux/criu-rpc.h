/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CRIU_RPC_H
#define KEEL_LINUX_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* criu's RPC ("criu swrk FD"), as runc and libcriu speak it: protocol
 * buffers (proto2, /usr/include/criu/rpc.proto) over a SOCK_SEQPACKET
 * socket, one message a packet.  keel writes the few messages it needs by
 * hand: no libprotobuf-c, no libcriu. */

/* Where the caller's stdio is in criu (its own fds 0-2 are keel's pipe). */
#define KEEL_CRIU_CALLER_STDIO_FD 100

/* ---- protocol buffers, the part criu's messages use ---------------------- */

struct keel_pb {
        uint8_t *buf;
        size_t len, cap;
        bool failed;            /* out of memory: the message is unusable */
};

void keel_pb_uint(struct keel_pb *m, unsigned field, uint64_t v);     /* varint */
void keel_pb_int(struct keel_pb *m, unsigned field, int64_t v);       /* int32/int64 */
void keel_pb_bool(struct keel_pb *m, unsigned field, bool v);
void keel_pb_string(struct keel_pb *m, unsigned field, const char *s);
void keel_pb_message(struct keel_pb *m, unsigned field, const struct keel_pb *sub);
void keel_pb_free(struct keel_pb *m);

/* One field of an encoded message: a varint, or bytes (a string or an
 * embedded message) pointing into the message. */
struct keel_pb_field {
        unsigned field;
        bool is_bytes;
        uint64_t v;
        const uint8_t *bytes;
        size_t len;
};

/* The next field at *pos of buf (len bytes): 1 and *f set, 0 at the end,
 * -EBADMSG when the bytes are not protocol buffers. */
int keel_pb_next(const uint8_t *buf, size_t len, size_t *pos, struct keel_pb_field *f);

/* ---- criu's messages ------------------------------------------------------ */

enum keel_criu_req_type {
        KEEL_CRIU_DUMP = 1, KEEL_CRIU_RESTORE = 2, KEEL_CRIU_NOTIFY = 6, KEEL_CRIU_PRE_DUMP = 4,
};

/* criu_opts field numbers (rpc.proto). */
enum {
        CRIU_OPT_IMAGES_DIR_FD = 1, CRIU_OPT_PID = 2, CRIU_OPT_LEAVE_RUNNING = 3,
        CRIU_OPT_EXT_UNIX_SK = 4, CRIU_OPT_TCP_ESTABLISHED = 5, CRIU_OPT_SHELL_JOB = 7,
        CRIU_OPT_FILE_LOCKS = 8, CRIU_OPT_LOG_LEVEL = 9, CRIU_OPT_LOG_FILE = 10,
        CRIU_OPT_NOTIFY_SCRIPTS = 12, CRIU_OPT_ROOT = 13, CRIU_OPT_PARENT_IMG = 14,
        CRIU_OPT_TRACK_MEM = 15, CRIU_OPT_AUTO_DEDUP = 16, CRIU_OPT_WORK_DIR_FD = 17,
        CRIU_OPT_EXT_MNT = 23, CRIU_OPT_MANAGE_CGROUPS = 24, CRIU_OPT_CG_ROOT = 25,
        CRIU_OPT_RST_SIBLING = 26, CRIU_OPT_INHERIT_FD = 27, CRIU_OPT_MANAGE_CGROUPS_MODE = 34,
        CRIU_OPT_EXTERNAL = 37, CRIU_OPT_EMPTY_NS = 38, CRIU_OPT_FREEZE_CGROUP = 44,
        CRIU_OPT_ORPHAN_PTS_MASTER = 50, CRIU_OPT_LSM_PROFILE = 53,
        CRIU_OPT_LSM_MOUNT_CONTEXT = 63,
};

/* What criu answered a request with (the last, non-notify response). */
struct keel_criu_answer {
        bool success;
        pid_t restored_pid;             /* RESTORE */
        int cr_errno;
        char *cr_errmsg;                /* may be NULL */
        char *output;                   /* the last line criu printed, or NULL */
};

/* A notification ("setup-namespaces", "orphan-pts-master"...): pid is the
 * one criu names (the restored init), fd one it sent (the pty master of
 * orphan-pts-master) or -1; the callee owns fd whatever it returns.
 * Returning < 0 (with *err) fails the request. */
typedef int (*keel_criu_notify_fn)(void *data, const char *script, pid_t pid, int fd,
                                   struct keel_error **err);

/* Start `criu swrk` (setup runs in its child before the exec; the child's
 * stdio is /dev/null and a pipe keel reads, the caller's fds 0-2 are at
 * KEEL_CRIU_CALLER_STDIO_FD + 0..2),
 * send req, answer every notification through notify (success when it
 * returns 0), and return the final answer.  A criu that dies or says
 * nothing is an error naming its output. */
int keel_criu_rpc(const char *criu, const struct keel_pb *req,
                  int (*setup)(void *data, struct keel_error **err), void *setup_data,
                  keel_criu_notify_fn notify, void *notify_data,
                  struct keel_criu_answer *answer, struct keel_error **err);

void keel_criu_answer_clear(struct keel_criu_answer *a);

#endif
