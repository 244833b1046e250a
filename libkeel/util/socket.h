/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_SOCKET_H
#define KEEL_UTIL_SOCKET_H

/* Unix sockets: an address for a path of any length, connecting and
 * listening, and a message carrying one fd (SCM_RIGHTS).  Nothing here
 * allocates, so a child sharing the caller's memory (seccomp's hand-off
 * helper, a forked criu) may call it.  Failures return -errno (errno is
 * left set too); EINTR is retried. */

#include <stddef.h>
#include <sys/types.h>
#include <sys/un.h>

/* addr for path.  A path too long for sun_path (108 bytes) is reached
 * through an O_PATH fd of its directory, /proc/self/fd/N/name: that fd is
 * left in *dirfd for the caller to close once addr has been used (-1 when
 * none was needed).  -ENAMETOOLONG when even that does not fit. */
int keel_unix_address(const char *path, struct sockaddr_un *addr, int *dirfd);

/* addr for name in the directory dirfd (/proc/self/fd/<dirfd>/<name>), so
 * a socket in a deep state dir still fits. */
int keel_unix_address_at(int dirfd, const char *name, struct sockaddr_un *addr);

/* A SOCK_STREAM socket (close-on-exec) connected to addr, or bound to it
 * and listening: its fd, or -errno. */
int keel_unix_connect(const struct sockaddr_un *addr);
int keel_unix_listen(const struct sockaddr_un *addr, int backlog);

/* Send len bytes (at least one) with fd attached (nothing attached when fd
 * < 0) in one sendmsg(2), with MSG_NOSIGNAL: the bytes sent, or -errno.  A
 * stream socket may send fewer bytes; the fd goes with the first. */
ssize_t keel_send_fd(int sock, int fd, const void *data, size_t len);

/* Receive one message of at most len bytes (MSG_CMSG_CLOEXEC): the bytes
 * read (0: the peer closed), or -errno.  The first fd the message carries
 * goes to *fd (-1 when none; fd may be NULL), any other is closed.  With
 * sender not NULL, *sender gets the pid the kernel attached with
 * SO_PASSCRED (0 when none). */
ssize_t keel_recv_fd(int sock, void *data, size_t len, int *fd, pid_t *sender);

#endif
