/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux/sync.h"

int keel_sync_pair(int fds[2], struct keel_error **err)
{
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return keel_error_set(err, errno, "socketpair");
        return 0;
}

int keel_sync_send(int sock, enum keel_sync_type type, int value, const char *text, int fd)
{
        struct keel_sync_msg msg = { .type = type, .value = value };
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov;
        struct msghdr mh = { 0 };
        size_t len = offsetof(struct keel_sync_msg, text);
        ssize_t n;

        if (text != NULL) {
                snprintf(msg.text, sizeof(msg.text), "%s", text);
                len += strlen(msg.text) + 1;
        }
        iov.iov_base = &msg;
        iov.iov_len = len;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        if (fd >= 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = ctl.buf;
                mh.msg_controllen = sizeof(ctl.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        return n < 0 ? -errno : 0;
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
        /* Room for an fd and credentials both, so that neither truncates
         * the other (a truncated SCM_RIGHTS would lose the fd). */
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
        struct msghdr mh = { 0 };
        struct cmsghdr *c;
        ssize_t n;

        if (fd)
                *fd = -1;
        if (sender)
                *sender = 0;
        memset(msg, 0, sizeof(*msg));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof(ctl.buf);
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return keel_error_set(err, errno, "read from container process");
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                        int got;

                        memcpy(&got, CMSG_DATA(c), sizeof(int));
                        if (fd && *fd < 0)
                                *fd = got;
                        else
                                close(got);
                } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
                           sender) {
                        struct ucred cred;

                        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                        *sender = cred.pid;
                }
        }
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
