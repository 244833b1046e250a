/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/sync.h"
#include "util/socket.h"

int keel_sync_pair(int fds[2], struct keel_error **err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return keel_error_set(err, errno, "socketpair");
        return 0;
}

int keel_sync_send(int sock, enum keel_sync_type type, int value, const char *text, int fd)
{
        struct keel_sync_msg msg = { .type = type, .value = value };
        size_t len = offsetof(struct keel_sync_msg, text);
        ssize_t n;

        if (text != NULL) {
                snprintf(msg.text, sizeof(msg.text), "%s", text);
                len += strlen(msg.text) + 1;
        }
        n = keel_send_fd(sock, fd, &msg, len);
        return n < 0 ? (int) n : 0;
}

int keel_sync_pass_creds(int sock, struct keel_error **err)
{
        int on = 1;

        if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
                return keel_error_set(err, errno, "SO_PASSCRED");
        return 0;
}

int keel_sync_recv(int sock, enum keel_sync_type want, struct keel_sync_msg *msg, int *fd,
                   struct keel_error **err)
{
        return keel_sync_recv_from(sock, want, msg, fd, NULL, err);
}

int keel_sync_recv_from(int sock, enum keel_sync_type want, struct keel_sync_msg *msg, int *fd,
                        pid_t *sender, struct keel_error **err)
{
        ssize_t n;

        memset(msg, 0, sizeof(*msg));
        n = keel_recv_fd(sock, msg, sizeof(*msg), fd, sender);
        if (n < 0)
                return keel_error_set(err, (int) -n, "read from container process");
        if (n == 0)
                return keel_error_setq(err, EPIPE, "container process exited during setup");
        if ((size_t) n < offsetof(struct keel_sync_msg, text))
                return keel_error_setq(err, EPROTO, "short message from container process");
        msg->text[sizeof(msg->text) - 1] = '\0';
        if (msg->type == KEEL_SYNC_ERROR) {
                if (fd && *fd >= 0) {
                        close(*fd);
                        *fd = -1;
                }
                /* The peer's message already carries its strerror text. */
                keel_error_set(err, 0, "%s", msg->text);
                if (err && *err)
                        (*err)->errnum = msg->value > 0 ? msg->value : 0;
                return msg->value > 0 ? -msg->value : -EINVAL;
        }
        if (want != 0 && msg->type != (uint32_t) want) {
                if (fd && *fd >= 0) {
                        close(*fd);
                        *fd = -1;
                }
                return keel_error_setq(err, EPROTO, "unexpected message %u from container process (wanted %u)",
                                      msg->type, (unsigned) want);
        }
        return 0;
}

void keel_sync_send_error(int sock, const struct keel_error *err)
{
        keel_sync_send(sock, KEEL_SYNC_ERROR, err ? err->errnum : EINVAL,
                       err && err->msg ? err->msg : "unknown error", -1);
}
