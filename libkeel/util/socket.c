/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/socket.h"

int keel_unix_address_at(int dirfd, const char *name, struct sockaddr_un *addr)
{
        int n;

        memset(addr, 0, sizeof(*addr));
        addr->sun_family = AF_UNIX;
        n = snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", dirfd, name);
        return n < 0 || (size_t) n >= sizeof(addr->sun_path) ? -ENAMETOOLONG : 0;
}

int keel_unix_address(const char *path, struct sockaddr_un *addr, int *dirfd)
{
        char dir[PATH_MAX];
        const char *slash;
        size_t len = strlen(path);

        memset(addr, 0, sizeof(*addr));
        addr->sun_family = AF_UNIX;
        *dirfd = -1;
        if (len == 0)
                return -EINVAL;
        if (len < sizeof(addr->sun_path)) {
                memcpy(addr->sun_path, path, len + 1);
                return 0;
        }
        slash = strrchr(path, '/');
        if (slash == NULL || (size_t) (slash - path) >= sizeof(dir))
                return -ENAMETOOLONG;
        if (slash == path)
                strcpy(dir, "/");
        else
                snprintf(dir, sizeof(dir), "%.*s", (int) (slash - path), path);
        *dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (*dirfd < 0)
                return -errno;
        return keel_unix_address_at(*dirfd, slash + 1, addr);
}

static int unix_socket(void)
{
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        return fd < 0 ? -errno : fd;
}

/* Close fd keeping errno, and return -errno. */
static int fail_close(int fd)
{
        int e = errno;

        close(fd);
        errno = e;
        return -e;
}

int keel_unix_connect(const struct sockaddr_un *addr)
{
        int fd = unix_socket(), r;

        if (fd < 0)
                return fd;
        do
                r = connect(fd, (const struct sockaddr *) addr, sizeof(*addr));
        while (r < 0 && errno == EINTR);
        return r < 0 ? fail_close(fd) : fd;
}

int keel_unix_listen(const struct sockaddr_un *addr, int backlog)
{
        int fd = unix_socket();

        if (fd < 0)
                return fd;
        if (bind(fd, (const struct sockaddr *) addr, sizeof(*addr)) < 0 || listen(fd, backlog) < 0)
                return fail_close(fd);
        return fd;
}

ssize_t keel_send_fd(int sock, int fd, const void *data, size_t len)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

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
        return n < 0 ? -errno : n;
}

/* Keep the first fd of the message's SCM_RIGHTS in *keep, close the others;
 * the sender's pid to *sender. */
static void take_control(struct msghdr *mh, int *keep, pid_t *sender)
{
        struct cmsghdr *c;

        for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_RIGHTS) {
                        size_t i, nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        for (i = 0; i < nfds; i++) {
                                int fd;

                                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                                if (*keep < 0)
                                        *keep = fd;
                                else
                                        close(fd);
                        }
                } else if (c->cmsg_type == SCM_CREDENTIALS && sender != NULL) {
                        struct ucred cred;

                        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                        *sender = cred.pid;
                }
        }
}

ssize_t keel_recv_fd(int sock, void *data, size_t len, int *fd, pid_t *sender)
{
        /* Room for a few fds and credentials both, so that neither
         * truncates the other (a truncated SCM_RIGHTS would lose the fd). */
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(8 * sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
        } ctl;
        struct iovec iov = { .iov_base = data, .iov_len = len };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = ctl.buf,
                .msg_controllen = sizeof(ctl.buf),
        };
        int got = -1;
        ssize_t n;

        if (fd != NULL)
                *fd = -1;
        if (sender != NULL)
                *sender = 0;
        do
                n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        take_control(&mh, &got, sender);
        if (fd != NULL)
                *fd = got;
        else if (got >= 0)
                close(got);
        return n;
}
