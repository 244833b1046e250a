/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "linux/terminal.h"
#include "spec/oci-config.h"
#include "util/cleanup.h"
#include "util/socket.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* ---- the pty pair ------------------------------------------------------- */

int keel_terminal_open(int ptmx_fd, const struct keel_console_size *size, int *master, int *slave,
                       struct keel_error **err)
{
        _cleanup_close_ int m = -1, s = -1;
        int unlock = 0, ptn;

        if (ioctl(ptmx_fd, TIOCGPTN, &ptn) < 0)
                return keel_error_set(err, errno, "ptmx fd is not a pty master (TIOCGPTN)");
        if (ioctl(ptmx_fd, TIOCSPTLCK, &unlock) < 0)
                return keel_error_set(err, errno, "unlock pty %d", ptn);
        /* Above 2 so that a caller with closed stdio never finds its master
         * turned into the container's stdin by a later dup2. */
        m = fcntl(ptmx_fd, F_DUPFD_CLOEXEC, 3);
        if (m < 0)
                return keel_error_set(err, errno, "duplicate pty %d master", ptn);
        /* The peer comes from the master itself, through the devpts instance
         * the master belongs to; a /dev/pts/N path could have been replaced
         * inside the container (CVE-2025-52565). */
        s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (s < 0) {
                if (errno == EINVAL || errno == ENOTTY)
                        return keel_error_set(err, errno,
                                              "open pty %d peer: TIOCGPTPEER needs Linux 4.13 or later",
                                              ptn);
                return keel_error_set(err, errno, "open pty %d peer (TIOCGPTPEER)", ptn);
        }
        if (size != NULL) {
                struct winsize ws = {
                        .ws_row = (unsigned short) size->height,
                        .ws_col = (unsigned short) size->width,
                };

                if (ioctl(m, TIOCSWINSZ, &ws) < 0)
                        return keel_error_set(err, errno, "set pty %d window size to %ux%u", ptn,
                                              size->height, size->width);
        }
        *master = take_fd(&m);
        *slave = take_fd(&s);
        return 0;
}

int keel_terminal_set_owner(int slave, uid_t uid, struct keel_error **err)
{
        if (fchown(slave, uid, (gid_t) -1) == 0 || errno == EINVAL || errno == EPERM ||
            errno == EROFS)
                return 0;
        return keel_error_set(err, errno, "process.terminal: give the terminal to uid %u",
                              (unsigned) uid);
}

int keel_terminal_become_controlling(int slave, struct keel_error **err)
{
        int fd;

        if (setsid() < 0) {
                int e = errno;

                /* Already leading a session of its own is as good as new. */
                if (e != EPERM || getsid(0) != getpid())
                        return keel_error_set(err, e, "setsid");
        }
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return keel_error_set(err, errno, "make the terminal the controlling terminal");
        for (fd = 0; fd <= 2; fd++) {
                if (fd == slave) {
                        /* dup2(fd, fd) would leave its close-on-exec flag set. */
                        int flags = fcntl(fd, F_GETFD);

                        if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                                return keel_error_set(err, errno, "clear close-on-exec on fd %d", fd);
                } else if (dup2(slave, fd) < 0) {
                        return keel_error_set(err, errno, "put the terminal on fd %d", fd);
                }
        }
        if (slave > 2)
                close(slave);
        return 0;
}

/* ---- the console socket ------------------------------------------------- */

int keel_console_socket_send(const char *path, int master, struct keel_error **err)
{
        static const char payload[] = KEEL_CONSOLE_SOCKET_PAYLOAD;
        _cleanup_close_ int sock = -1, dirfd = -1;
        struct sockaddr_un addr;
        ssize_t n;
        int r;

        r = keel_unix_address(path, &addr, &dirfd);
        if (r < 0)
                return keel_error_set(err, -r, "console socket %s", path);
        sock = keel_unix_connect(&addr);
        if (sock < 0)
                return keel_error_set(err, -sock, "connect to console socket %s", path);
        /* One call: a stream socket carries the fd with the first data byte,
         * and the receivers read name and fd with a single recvmsg. */
        n = keel_send_fd(sock, master, payload, sizeof(payload) - 1);
        if (n < 0)
                return keel_error_set(err, (int) -n, "send the terminal to console socket %s",
                                      path);
        if ((size_t) n != sizeof(payload) - 1)
                return keel_error_setq(err, EIO, "send the terminal to console socket %s: short write",
                                       path);
        return 0;
}

int keel_console_socket_listen(const char *path, struct keel_error **err)
{
        _cleanup_close_ int dirfd = -1;
        struct sockaddr_un addr;
        int r, sock;

        r = keel_unix_address(path, &addr, &dirfd);
        if (r < 0)
                return keel_error_set(err, -r, "console socket %s", path);
        sock = keel_unix_listen(&addr, 1);
        if (sock < 0)
                return keel_error_set(err, -sock, "bind console socket %s", path);
        return sock;
}

int keel_console_socket_recv(int listen_fd, int *fd, struct keel_error **err)
{
        char data[4096];
        _cleanup_close_ int conn = -1, got = -1;
        ssize_t n;

        *fd = -1;
        do
                conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
        while (conn < 0 && errno == EINTR);
        if (conn < 0)
                return keel_error_set(err, errno, "accept on console socket");
        n = keel_recv_fd(conn, data, sizeof(data), &got, NULL);
        if (n < 0)
                return keel_error_set(err, (int) -n, "receive from console socket");
        if (got < 0)
                return keel_error_setq(err, EBADMSG,
                                       "console socket: the peer sent no file descriptor");
        *fd = take_fd(&got);
        return 0;
}

/* ---- the relay ---------------------------------------------------------- */

enum relay_step {
        RELAY_COPIED = 1,       /* data went through */
        RELAY_IDLE,             /* nothing to read now */
        RELAY_HANGUP,           /* every slave fd is closed */
};

struct relay {
        int master, in, out, stop;
        int size_src;           /* tty whose window size the master follows, or -1 */
        int sigfd;
        bool in_open;
        char last_in;           /* last byte read from in ('\n' before any) */
        bool raw;               /* in is in raw mode; saved_tio restores it */
        struct termios saved_tio;
        int master_flags;       /* to restore, -1 when untouched */
        bool mask_set;
        sigset_t old_mask;
        char pending[4096];     /* read from in, not yet taken by the master */
        size_t pending_off, pending_len;
};

static int write_out(int fd, const char *buf, size_t len, struct keel_error **err)
{
        while (len > 0) {
                ssize_t n = write(fd, buf, len);

                if (n < 0) {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };

                        if (errno == EINTR)
                                continue;
                        /* A caller's stdout may be non-blocking. */
                        if (errno == EAGAIN && poll(&p, 1, -1) >= 0)
                                continue;
                        return keel_error_set(err, errno, "write the container's terminal output");
                }
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

static void relay_copy_size(struct relay *r)
{
        struct winsize ws;

        /* Best effort: a wrong window size garbles the display, nothing else. */
        if (r->size_src >= 0 && ioctl(r->size_src, TIOCGWINSZ, &ws) == 0)
                (void) ioctl(r->master, TIOCSWINSZ, &ws);
}

static int relay_setup(struct relay *r, struct keel_error **err)
{
        sigset_t block, winch;

        if (r->in >= 0 && fcntl(r->in, F_GETFD) < 0)
                r->in = -1;
        r->in_open = r->in >= 0;
        r->size_src = r->in >= 0 && isatty(r->in) ? r->in : isatty(r->out) ? r->out : -1;

        sigemptyset(&block);
        sigaddset(&block, SIGPIPE);
        sigemptyset(&winch);
        if (r->size_src >= 0) {
                sigaddset(&block, SIGWINCH);
                sigaddset(&winch, SIGWINCH);
        }
        if (pthread_sigmask(SIG_BLOCK, &block, &r->old_mask) != 0)
                return keel_error_setq(err, EINVAL, "block SIGWINCH and SIGPIPE");
        r->mask_set = true;
        if (r->size_src >= 0) {
                r->sigfd = signalfd(-1, &winch, SFD_NONBLOCK | SFD_CLOEXEC);
                if (r->sigfd < 0)
                        return keel_error_set(err, errno, "signalfd for SIGWINCH");
        }

        if (r->in >= 0 && isatty(r->in)) {
                struct termios raw;

                if (tcgetattr(r->in, &r->saved_tio) < 0)
                        return keel_error_set(err, errno, "get the terminal mode of stdin");
                raw = r->saved_tio;
                cfmakeraw(&raw);
                if (tcsetattr(r->in, TCSANOW, &raw) < 0)
                        return keel_error_set(err, errno, "put stdin's terminal in raw mode");
                r->raw = true;
        }
        relay_copy_size(r);

        r->master_flags = fcntl(r->master, F_GETFL);
        if (r->master_flags < 0 || fcntl(r->master, F_SETFL, r->master_flags | O_NONBLOCK) < 0) {
                int e = errno;

                r->master_flags = -1;
                return keel_error_set(err, e, "make the container's terminal non-blocking");
        }
        return 0;
}

static void relay_restore(struct relay *r)
{
        if (r->master_flags >= 0)
                (void) fcntl(r->master, F_SETFL, r->master_flags);
        if (r->raw)
                (void) tcsetattr(r->in, TCSANOW, &r->saved_tio);
        if (r->sigfd >= 0)
                close(r->sigfd);
        if (r->mask_set) {
                /* A SIGPIPE raised by a write to a closed stdout is pending;
                 * consume it so that unblocking does not kill the caller. */
                if (!sigismember(&r->old_mask, SIGPIPE)) {
                        sigset_t pipe_set;
                        struct timespec now = { 0, 0 };

                        sigemptyset(&pipe_set);
                        sigaddset(&pipe_set, SIGPIPE);
                        while (sigtimedwait(&pipe_set, NULL, &now) == SIGPIPE)
                                ;
                }
                (void) pthread_sigmask(SIG_SETMASK, &r->old_mask, NULL);
        }
}

/* Copy one chunk of the container's output. */
static int relay_output(struct relay *r, struct keel_error **err)
{
        char buf[8192];
        ssize_t n = read(r->master, buf, sizeof(buf));
        int ret;

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return RELAY_IDLE;
                if (errno == EIO)
                        return RELAY_HANGUP;
                return keel_error_set(err, errno, "read the container's terminal");
        }
        if (n == 0)
                return RELAY_HANGUP;
        ret = write_out(r->out, buf, (size_t) n, err);
        return ret < 0 ? ret : RELAY_COPIED;
}

/* The container has exited: copy what its terminal still holds.  Bounded,
 * because a process left behind could keep writing forever. */
static int relay_drain(struct relay *r, struct keel_error **err)
{
        int i, ret = RELAY_COPIED;

        for (i = 0; i < 256 && ret == RELAY_COPIED; i++)
                ret = relay_output(r, err);
        return ret < 0 ? ret : 0;
}

/* Input ended: queue VEOF so that a canonical-mode reader sees end-of-file.
 * After a partial line the first VEOF only hands that line over, so it
 * takes a second one. */
static void relay_queue_eof(struct relay *r)
{
        struct termios tio;
        cc_t veof;

        if (tcgetattr(r->master, &tio) < 0)
                return;
        veof = tio.c_cc[VEOF];
        if (veof == _POSIX_VDISABLE)
                return;
        r->pending_off = 0;
        r->pending_len = 0;
        r->pending[r->pending_len++] = (char) veof;
        if (r->last_in != '\n' && r->last_in != '\r')
                r->pending[r->pending_len++] = (char) veof;
}

static int relay_input(struct relay *r, struct keel_error **err)
{
        ssize_t n = read(r->in, r->pending, sizeof(r->pending));

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                /* A hung-up tty reads as EIO: the input is over all the same. */
                if (errno != EIO)
                        return keel_error_set(err, errno, "read stdin");
                n = 0;
        }
        if (n == 0) {
                r->in_open = false;
                relay_queue_eof(r);
                return 0;
        }
        r->pending_off = 0;
        r->pending_len = (size_t) n;
        r->last_in = r->pending[n - 1];
        return 0;
}

static int relay_flush_input(struct relay *r, struct keel_error **err)
{
        ssize_t n = write(r->master, r->pending + r->pending_off, r->pending_len - r->pending_off);

        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                /* EIO: the slave is gone and the output side is about to see
                 * the hangup; the input has no reader left. */
                if (errno != EIO)
                        return keel_error_set(err, errno, "write to the container's terminal");
                n = (ssize_t) (r->pending_len - r->pending_off);
        }
        r->pending_off += (size_t) n;
        if (r->pending_off == r->pending_len)
                r->pending_off = r->pending_len = 0;
        return 0;
}

static void relay_take_winch(struct relay *r)
{
        struct signalfd_siginfo si;

        while (read(r->sigfd, &si, sizeof(si)) == (ssize_t) sizeof(si))
                ;
        relay_copy_size(r);
}

enum { P_MASTER, P_IN, P_SIG, P_STOP, P_COUNT };

static int relay_loop(struct relay *r, struct keel_error **err)
{
        for (;;) {
                bool have_input = r->pending_len > 0;
                struct pollfd p[P_COUNT] = {
                        [P_MASTER] = { .fd = r->master, .events = POLLIN | (have_input ? POLLOUT : 0) },
                        [P_IN] = { .fd = r->in_open && !have_input ? r->in : -1, .events = POLLIN },
                        [P_SIG] = { .fd = r->sigfd, .events = POLLIN },
                        [P_STOP] = { .fd = r->stop, .events = POLLIN },
                };
                int ret;

                if (poll(p, P_COUNT, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        return keel_error_set(err, errno, "poll the container's terminal");
                }
                if ((p[P_MASTER].revents | p[P_IN].revents | p[P_STOP].revents) & POLLNVAL)
                        return keel_error_setq(err, EBADF, "terminal relay: a file descriptor is not open");
                if (p[P_STOP].revents)
                        return relay_drain(r, err);
                if (p[P_SIG].revents)
                        relay_take_winch(r);
                if (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)) {
                        ret = relay_output(r, err);
                        if (ret < 0)
                                return ret;
                        if (ret == RELAY_HANGUP)
                                return 0;
                }
                if (p[P_MASTER].revents & POLLOUT) {
                        ret = relay_flush_input(r, err);
                        if (ret < 0)
                                return ret;
                }
                if (p[P_IN].revents) {
                        ret = relay_input(r, err);
                        if (ret < 0)
                                return ret;
                }
        }
}

int keel_terminal_relay_fds(int master, int in_fd, int out_fd, int stop_fd, struct keel_error **err)
{
        struct relay r = {
                .master = master,
                .in = in_fd,
                .out = out_fd,
                .stop = stop_fd,
                .size_src = -1,
                .sigfd = -1,
                .last_in = '\n',
                .master_flags = -1,
        };
        int ret;

        ret = relay_setup(&r, err);
        if (ret == 0)
                ret = relay_loop(&r, err);
        relay_restore(&r);
        return ret;
}

int keel_terminal_relay(int master, int stop_fd, struct keel_error **err)
{
        return keel_terminal_relay_fds(master, STDIN_FILENO, STDOUT_FILENO, stop_fd, err);
}
