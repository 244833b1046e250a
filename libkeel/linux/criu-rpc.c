/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/criu-rpc.h"
#include "util/cleanup.h"
#include "util/socket.h"

#define CRIU_OUTPUT_MAX 4096
#define RESP_MAX (64u << 10)

/* ---- protocol buffers ----------------------------------------------------- */

static void put(struct keel_pb *m, const void *p, size_t n)
{
        if (m->failed)
                return;
        if (m->len + n > m->cap) {
                size_t cap = (m->len + n) * 2 + 64;
                uint8_t *b = realloc(m->buf, cap);

                if (b == NULL) {
                        m->failed = true;
                        return;
                }
                m->buf = b;
                m->cap = cap;
        }
        memcpy(m->buf + m->len, p, n);
        m->len += n;
}

static void put_varint(struct keel_pb *m, uint64_t v)
{
        uint8_t b[10];
        size_t n = 0;

        do {
                b[n] = v & 0x7f;
                v >>= 7;
                if (v)
                        b[n] |= 0x80;
                n++;
        } while (v);
        put(m, b, n);
}

static void put_tag(struct keel_pb *m, unsigned field, unsigned wire)
{
        put_varint(m, ((uint64_t) field << 3) | wire);
}

void keel_pb_uint(struct keel_pb *m, unsigned field, uint64_t v)
{
        put_tag(m, field, 0);
        put_varint(m, v);
}

/* proto2 int32/int64: a negative value is its 64-bit two's complement. */
void keel_pb_int(struct keel_pb *m, unsigned field, int64_t v)
{
        keel_pb_uint(m, field, (uint64_t) v);
}

void keel_pb_bool(struct keel_pb *m, unsigned field, bool v)
{
        keel_pb_uint(m, field, v ? 1 : 0);
}

static void put_bytes(struct keel_pb *m, unsigned field, const void *p, size_t n)
{
        put_tag(m, field, 2);
        put_varint(m, n);
        put(m, p, n);
}

void keel_pb_string(struct keel_pb *m, unsigned field, const char *s)
{
        put_bytes(m, field, s, strlen(s));
}

void keel_pb_message(struct keel_pb *m, unsigned field, const struct keel_pb *sub)
{
        if (sub->failed)
                m->failed = true;
        else
                put_bytes(m, field, sub->buf, sub->len);
}

void keel_pb_free(struct keel_pb *m)
{
        free(m->buf);
        m->buf = NULL;
        m->len = m->cap = 0;
}

static int get_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *v)
{
        *v = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
                uint8_t b;

                if (*pos >= len)
                        return -EBADMSG;
                b = buf[(*pos)++];
                *v |= (uint64_t) (b & 0x7f) << shift;
                if (!(b & 0x80))
                        return 0;
        }
        return -EBADMSG;
}

int keel_pb_next(const uint8_t *buf, size_t len, size_t *pos, struct keel_pb_field *f)
{
        uint64_t tag, n;

        if (*pos >= len)
                return 0;
        if (get_varint(buf, len, pos, &tag) < 0)
                return -EBADMSG;
        f->field = (unsigned) (tag >> 3);
        f->is_bytes = false;
        switch (tag & 7) {
        case 0:
                return get_varint(buf, len, pos, &f->v) < 0 ? -EBADMSG : 1;
        case 2:
                if (get_varint(buf, len, pos, &n) < 0 || n > len - *pos)
                        return -EBADMSG;
                f->is_bytes = true;
                f->bytes = buf + *pos;
                f->len = (size_t) n;
                *pos += (size_t) n;
                return 1;
        case 1:
                n = 8;
                break;
        case 5:
                n = 4;
                break;
        default:
                return -EBADMSG;
        }
        if (n > len - *pos)
                return -EBADMSG;
        *pos += (size_t) n;
        f->v = 0;
        return 1;
}

/* ---- criu_resp -------------------------------------------------------------- */

struct resp {
        unsigned type;
        bool success;
        pid_t pid;                      /* restore.pid, or notify.pid */
        int cr_errno;
        char *errmsg;
        char *script;                   /* notify.script */
};

static char *dup_bytes(const struct keel_pb_field *f)
{
        char *s = malloc(f->len + 1);

        if (s) {
                memcpy(s, f->bytes, f->len);
                s[f->len] = '\0';
        }
        return s;
}

/* The pid of criu_restore_resp (field 1) or the script and pid of
 * criu_notify (fields 1, 2). */
static int parse_sub(const struct keel_pb_field *outer, struct resp *r, bool notify)
{
        struct keel_pb_field f;
        size_t pos = 0;
        int ret;

        while ((ret = keel_pb_next(outer->bytes, outer->len, &pos, &f)) > 0) {
                if (notify && f.field == 1 && f.is_bytes) {
                        free(r->script);
                        r->script = dup_bytes(&f);
                } else if (f.field == (notify ? 2u : 1u) && !f.is_bytes) {
                        r->pid = (pid_t) f.v;
                }
        }
        return ret;
}

static int parse_resp(const uint8_t *buf, size_t len, struct resp *r)
{
        struct keel_pb_field f;
        size_t pos = 0;
        int ret;

        memset(r, 0, sizeof(*r));
        while ((ret = keel_pb_next(buf, len, &pos, &f)) > 0) {
                switch (f.field) {
                case 1: r->type = (unsigned) f.v; break;
                case 2: r->success = f.v != 0; break;
                case 4: if (f.is_bytes) ret = parse_sub(&f, r, false); break;
                case 5: if (f.is_bytes) ret = parse_sub(&f, r, true); break;
                case 7: r->cr_errno = (int) f.v; break;
                case 9:
                        if (f.is_bytes) {
                                free(r->errmsg);
                                r->errmsg = dup_bytes(&f);
                        }
                        break;
                default: break;
                }
                if (ret < 0)
                        break;
        }
        return ret;
}

static void resp_clear(struct resp *r)
{
        free(r->errmsg);
        free(r->script);
        memset(r, 0, sizeof(*r));
}

/* ---- the swrk session ------------------------------------------------------- */

/* The socket the child sends once criu is set up; -1 when it died first. */
static int recv_socket(int sock)
{
        char byte;
        int fd = -1;

        return keel_recv_fd(sock, &byte, 1, &fd, NULL) > 0 ? fd : -1;
}

static int recv_resp(int sock, struct resp *r, int *fd, struct keel_error **err)
{
        _cleanup_free_ uint8_t *buf = malloc(RESP_MAX);
        ssize_t n;

        *fd = -1;
        if (buf == NULL)
                return keel_error_set(err, ENOMEM, "criu");
        n = keel_recv_fd(sock, buf, RESP_MAX, fd, NULL);
        if (n < 0)
                return keel_error_set(err, (int) -n, "criu: read its answer");
        if (n == 0)
                return keel_error_setq(err, EPIPE, "criu: it closed the connection");
        if (parse_resp(buf, (size_t) n, r) < 0)
                return keel_error_setq(err, EBADMSG, "criu: an answer keel cannot read");
        return 0;
}

static int send_msg(int sock, const struct keel_pb *m, struct keel_error **err)
{
        if (m->failed)
                return keel_error_set(err, ENOMEM, "criu request");
        if (send(sock, m->buf, m->len, MSG_NOSIGNAL) != (ssize_t) m->len)
                return keel_error_set(err, errno, "criu: send the request");
        return 0;
}

static int answer_notify(int sock, bool ok, struct keel_error **err)
{
        struct keel_pb m = { 0 };
        int ret;

        keel_pb_uint(&m, 1, KEEL_CRIU_NOTIFY);
        keel_pb_bool(&m, 3, ok);
        ret = send_msg(sock, &m, err);
        keel_pb_free(&m);
        return ret;
}

/* The child: after setup, a socket pair of its own, one end for criu and
 * the other sent to keel over sock.  criu takes its client to be the
 * process that made the pair (SO_PEERCRED) and opens the fds a request
 * names (images_dir_fd, work_dir_fd) as that process's: its own, opened
 * in setup, in the mount namespace it works in. */
static void __attribute__((noreturn)) exec_swrk(const char *criu, int sock, int out,
                                                int (*setup)(void *, struct keel_error **),
                                                void *data)
{
        struct keel_error *cerr = NULL;
        char fdnum[16];
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int sp[2];

        for (int fd = 0; fd < 3; fd++)
                if (dup2(fd, KEEL_CRIU_CALLER_STDIO_FD + fd) < 0 && errno != EBADF)
                        _exit(127);
        if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                _exit(127);
        if (setup && setup(data, &cerr) < 0) {
                dprintf(2, "keel: %s\n", cerr && cerr->msg ? cerr->msg : "criu setup failed");
                _exit(126);
        }
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0 ||
            keel_send_fd(sock, sp[0], "", 1) != 1) {
                dprintf(2, "keel: criu: socket: %s\n", strerror(errno));
                _exit(127);
        }
        close(sock);
        close(sp[0]);
        if (fcntl(sp[1], F_SETFD, 0) < 0)
                _exit(127);
        snprintf(fdnum, sizeof(fdnum), "%d", sp[1]);
        execlp(criu, criu, "swrk", fdnum, (char *) NULL);
        dprintf(2, "keel: exec %s: %s\n", criu, strerror(errno));
        _exit(127);
}

/* What criu printed on its stdio (exec failures, setup errors), at most
 * CRIU_OUTPUT_MAX bytes, its last line kept. */
static void read_output(int fd, char *out, size_t size)
{
        size_t len = 0;
        char *end;

        for (;;) {
                ssize_t n = read(fd, out + len, size - 1 - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0 || (len += (size_t) n) >= size - 1)
                        break;
        }
        out[len] = '\0';
        end = out + len;
        while (end > out && (end[-1] == '\n' || end[-1] == ' '))
                *--end = '\0';
        while (end > out && end[-1] != '\n')
                end--;
        memmove(out, end, strlen(end) + 1);
}

static int session(int sock, const struct keel_pb *req, keel_criu_notify_fn notify, void *data,
                   struct keel_criu_answer *answer, struct keel_error **err)
{
        int ret = send_msg(sock, req, err);

        while (ret == 0) {
                struct resp r;
                int fd;

                ret = recv_resp(sock, &r, &fd, err);
                if (ret < 0)
                        break;
                if (r.type == KEEL_CRIU_NOTIFY) {
                        int nret = notify ? notify(data, r.script ? r.script : "", r.pid, fd, err)
                                          : 0;

                        if (notify == NULL)
                                closep(&fd);
                        ret = answer_notify(sock, nret == 0, err);
                        resp_clear(&r);
                        if (ret == 0 && nret < 0)
                                ret = nret;     /* criu aborts and answers: not awaited */
                        continue;
                }
                closep(&fd);
                answer->success = r.success;
                answer->restored_pid = r.pid;
                answer->cr_errno = r.cr_errno;
                answer->cr_errmsg = r.errmsg;
                r.errmsg = NULL;
                resp_clear(&r);
                break;
        }
        return ret;
}

int keel_criu_rpc(const char *criu, const struct keel_pb *req,
                  int (*setup)(void *data, struct keel_error **err), void *setup_data,
                  keel_criu_notify_fn notify, void *notify_data,
                  struct keel_criu_answer *answer, struct keel_error **err)
{
        char out[CRIU_OUTPUT_MAX];
        int sv[2], pipefd[2], status, ret, conn;
        pid_t pid;

        memset(answer, 0, sizeof(*answer));
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return keel_error_set(err, errno, "criu: socketpair");
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                ret = keel_error_set(err, errno, "criu: pipe");
                close(sv[0]);
                close(sv[1]);
                return ret;
        }
        pid = fork();
        if (pid == 0)
                exec_swrk(criu, sv[1], pipefd[1], setup, setup_data);
        close(sv[1]);
        close(pipefd[1]);
        if (pid < 0) {
                ret = keel_error_set(err, errno, "criu: fork");
                close(sv[0]);
                close(pipefd[0]);
                return ret;
        }
        conn = recv_socket(sv[0]);
        close(sv[0]);
        if (conn < 0)
                ret = keel_error_setq(err, EPIPE, "criu: it did not start");
        else
                ret = session(conn, req, notify, notify_data, answer, err);
        closep(&conn);
        read_output(pipefd[0], out, sizeof(out));
        close(pipefd[0]);
        if (*out)
                answer->output = strdup(out);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret < 0 && err && *err && (*err)->errnum == EPIPE && *out) {
                keel_error_free(*err);
                *err = NULL;
                ret = keel_error_setq(err, EIO, "criu: %s", out);
        }
        return ret;
}

void keel_criu_answer_clear(struct keel_criu_answer *a)
{
        free(a->cr_errmsg);
        free(a->output);
        memset(a, 0, sizeof(*a));
}
