/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_TERMINAL_H
#define KEEL_LINUX_TERMINAL_H

#include <sys/types.h>

#include "error.h"

/* process.terminal: the container's pseudo-terminal, handing its master to
 * whoever listens on --console-socket, and relaying it for `keel run`. */

struct keel_console_size;

/* The text sent as regular data with the master over a console socket
 * (see keel_console_socket_send). */
#define KEEL_CONSOLE_SOCKET_PAYLOAD "/dev/ptmx"

/* Allocate a pty pair from ptmx_fd, an fd of the container's /dev/pts/ptmx
 * (or /dev/ptmx) that the caller opened O_RDWR|O_NOCTTY|O_CLOEXEC after
 * resolving it safely; it stays the caller's.  *master is a new fd for the
 * same master (>= 3, close-on-exec), *slave the peer obtained with
 * TIOCGPTPEER (O_RDWR|O_NOCTTY|O_CLOEXEC): never reopened by its
 * /dev/pts/N name, which a process in the container could swap
 * (CVE-2025-52565).  Kernels without TIOCGPTPEER (< 4.13) get an error, not
 * a by-name fallback.  With size, the window is set to size->height rows and
 * size->width columns (process.consoleSize). */
int keel_terminal_open(int ptmx_fd, const struct keel_console_size *size, int *master, int *slave,
                       struct keel_error **err);

/* Give the pty slave to the process's user (process.user.uid, as the
 * caller's user namespace maps it), as runc does, so that a non-root
 * process owns its terminal.  The group stays what devpts gave the slave
 * (its gid= option: 5, tty, in the default config).  As with runc, a
 * refusal the container's set-up may cause (EINVAL: uid unmapped; EPERM;
 * EROFS) leaves the owner as it is; anything else is an error. */
int keel_terminal_set_owner(int slave, uid_t uid, struct keel_error **err);

/* In the container's process just before exec: start a new session, make
 * slave its controlling terminal, and put it on fds 0, 1 and 2 (without
 * close-on-exec).  The slave fd itself is closed when it is above 2. */
int keel_terminal_become_controlling(int slave, struct keel_error **err);

/* Connect to the SOCK_STREAM unix socket at path (--console-socket) and send
 * master in one sendmsg(2): one SCM_RIGHTS message carrying exactly one fd,
 * with the 9 bytes "/dev/ptmx" (no NUL) as regular data.  That is what runc
 * sends (libcontainer/utils.SendRawFd with the pty's file name), and what
 * containerd's go-runc (which requires fewer than 4096 data bytes and
 * exactly CMSG_SPACE(sizeof(int)) bytes of control data) and conmon
 * (which reads the data as a name for its debug log) accept.  Paths longer
 * than sun_path are reached through /proc/self/fd. */
int keel_console_socket_send(const char *path, int master, struct keel_error **err);

/* The listening side, for tests and tools: a SOCK_STREAM unix socket bound at
 * path and listening (returns its fd), and accepting one connection on it to
 * receive one fd (close-on-exec).  Extra fds in the message are closed. */
int keel_console_socket_listen(const char *path, struct keel_error **err);
int keel_console_socket_recv(int listen_fd, int *fd, struct keel_error **err);

/* keel_terminal_relay (keel.h, public), for `keel run` with a terminal and
 * no --console-socket: copy keel's stdin to
 * master and master to keel's stdout until the container side hangs up (the
 * master reads EOF or EIO: every slave fd is closed) or stop_fd (if >= 0, e.g.
 * the init's pidfd) becomes readable; then what the master still holds is
 * copied out before returning 0.
 *
 * While it runs: a stdin that is a tty is in raw mode (restored before
 * returning, on every path); the window size of stdin's tty (else stdout's)
 * is copied to master at the start and again on each SIGWINCH, received
 * through a signalfd (SIGWINCH is blocked in the calling thread meanwhile;
 * a multithreaded caller must block it in its other threads); SIGPIPE is
 * blocked too, so a closed stdout is an -EPIPE error, not a killed keel.
 * master is made non-blocking and its flags restored at the end.
 *
 * At EOF on stdin (only possible when stdin is not a tty in raw mode: a
 * pipe, a file, /dev/null), the terminal's VEOF character (^D) is written
 * to master once the input before it is delivered, twice when that input
 * did not end in a newline, so that a program reading the terminal in
 * canonical mode sees end-of-file, like `cat` at a shell prompt.  runc
 * sends nothing, and `echo x | runc run` with a terminal leaves `cat`
 * waiting forever.
 *
 * The caller must hold no slave fd of its own, or the hangup never comes. */

/* The same, with in_fd and out_fd standing for stdin and stdout.  in_fd < 0
 * means no input. */
int keel_terminal_relay_fds(int master, int in_fd, int out_fd, int stop_fd, struct keel_error **err);

#endif
