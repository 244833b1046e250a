/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "linux/terminal.h"
#include "spec/oci-config.h"
#include "tap.h"

static char tmpdir[] = "/tmp/keel-test-terminal-XXXXXX";

static int open_ptmx(void)
{
        int fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);

        if (fd < 0) {
                perror("open /dev/ptmx");
                exit(1);
        }
        return fd;
}

/* A pty pair from the host's devpts, through the code under test. */
static void open_pair(const struct keel_console_size *size, int *master, int *slave)
{
        struct keel_error *err = NULL;
        int ptmx = open_ptmx();

        if (keel_terminal_open(ptmx, size, master, slave, &err) < 0) {
                fprintf(stderr, "keel_terminal_open: %s\n", err->msg);
                exit(1);
        }
        close(ptmx);
}

static int pty_number(int fd)
{
        int n = -1;

        return ioctl(fd, TIOCGPTN, &n) < 0 ? -1 : n;
}

/* Read from fd until buf holds needle, EOF, EIO or timeout_ms pass. */
static size_t read_until(int fd, char *buf, size_t cap, const char *needle, int timeout_ms)
{
        size_t len = 0;

        buf[0] = '\0';
        while (len + 1 < cap && strstr(buf, needle) == NULL) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, timeout_ms) <= 0)
                        break;
                n = read(fd, buf + len, cap - 1 - len);
                if (n <= 0)
                        break;
                len += (size_t) n;
                buf[len] = '\0';
        }
        return len;
}

static void read_all(int fd, char *buf, size_t cap)
{
        read_until(fd, buf, cap, "\x01never\x01", 5000);
}

static int wait_child(pid_t pid)
{
        int status;

        if (waitpid(pid, &status, 0) < 0)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static bool has_cloexec(int fd)
{
        int flags = fcntl(fd, F_GETFD);

        return flags >= 0 && (flags & FD_CLOEXEC);
}

static void terminal_open_gives_a_working_pair_through_tiocgptpeer(void)
{
        struct keel_console_size size = { .height = 33, .width = 101 };
        struct keel_error *err = NULL;
        struct winsize ws = { 0 };
        struct stat st;
        char buf[256];
        int ptmx = open_ptmx(), master = -1, slave = -1, n, ret;

        ret = keel_terminal_open(ptmx, &size, &master, &slave, &err);
        tap_is_int(ret, 0, "terminal_open succeeds on /dev/ptmx");
        close(ptmx);
        n = pty_number(master);
        tap_ok(n >= 0, "the master is a pty master (TIOCGPTN)");
        tap_ok(master > 2 && master != ptmx, "the master is a new fd above stdio");
        tap_ok(has_cloexec(master) && has_cloexec(slave), "master and slave are close-on-exec");
        tap_ok(isatty(slave), "the slave is a terminal");
        tap_ok(fstat(slave, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= 136 &&
               major(st.st_rdev) <= 143 && (int) ((major(st.st_rdev) - 136) * 256 + minor(st.st_rdev)) == n,
               "the slave is the master's peer /dev/pts/%d", n);
        tap_ok(ioctl(slave, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 33 && ws.ws_col == 101,
               "consoleSize is applied (33 rows, 101 columns)");

        tap_ok(write(master, "ping\n", 5) == 5, "write to the master");
        read_until(slave, buf, sizeof(buf), "\n", 2000);
        tap_is_str(buf, "ping\n", "the slave reads what the master wrote");
        tap_ok(write(slave, "pong\n", 5) == 5, "write to the slave");
        /* After the echo of "ping". */
        read_until(master, buf, sizeof(buf), "pong\r\n", 2000);
        tap_ok(strstr(buf, "pong\r\n") != NULL, "the master reads what the slave wrote");
        close(master);
        close(slave);
}

static void terminal_open_without_size_keeps_the_default(void)
{
        struct winsize ws = { .ws_row = 1 };
        int master, slave;

        open_pair(NULL, &master, &slave);
        tap_ok(ioctl(slave, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 0 && ws.ws_col == 0,
               "without consoleSize the window size is untouched (0x0)");
        close(master);
        close(slave);
}

static void terminal_open_refuses_what_is_not_a_ptmx(void)
{
        struct keel_error *err = NULL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC), master = -7, slave = -7, ret;

        ret = keel_terminal_open(null, NULL, &master, &slave, &err);
        tap_is_int(ret, -ENOTTY, "terminal_open on /dev/null fails with ENOTTY");
        tap_ok(err != NULL && strstr(err->msg, "ptmx") != NULL, "the error names ptmx: %s",
               err ? err->msg : "(none)");
        tap_ok(master == -7 && slave == -7, "nothing is returned on failure");
        keel_error_free(err);
        close(null);
}

static void console_socket_hands_over_a_working_master(void)
{
        struct keel_error *err = NULL;
        char path[PATH_MAX], buf[256];
        int master, slave, lfd, got = -1, ret;
        pid_t pid;

        snprintf(path, sizeof(path), "%s/console.sock", tmpdir);
        open_pair(NULL, &master, &slave);
        lfd = keel_console_socket_listen(path, &err);
        tap_ok(lfd >= 0, "listen on %s", path);

        pid = fork();
        if (pid == 0) {
                alarm(10);
                _exit(keel_console_socket_send(path, master, NULL) == 0 ? 0 : 1);
        }
        ret = keel_console_socket_recv(lfd, &got, &err);
        tap_is_int(ret, 0, "recv gets a fd");
        tap_is_int(wait_child(pid), 0, "send succeeds in another process");
        tap_is_int(pty_number(got), pty_number(master), "the received fd is the same pty master");
        tap_ok(has_cloexec(got), "the received fd is close-on-exec");
        close(master);
        tap_ok(write(slave, "through\n", 8) == 8, "write to the slave");
        read_until(got, buf, sizeof(buf), "\n", 2000);
        tap_is_str(buf, "through\r\n", "data written on the slave arrives on the received master");
        close(got);
        close(slave);
        close(lfd);
        unlink(path);
}

/* What containerd's go-runc checks: fewer than 4096 data bytes and control
 * data of exactly CMSG_SPACE(sizeof(int)) with one SCM_RIGHTS fd. */
static void console_socket_message_matches_runc(void)
{
        struct sockaddr_un addr = { .sun_family = AF_UNIX };
        char path[sizeof(addr.sun_path)], data[4096];
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } ctl;
        struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
                             .msg_controllen = sizeof(ctl.buf) };
        struct cmsghdr *c;
        int master, slave, lfd, conn, fd = -1, ret;
        ssize_t n;

        snprintf(path, sizeof(path), "%s/raw.sock", tmpdir);
        snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
        lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (lfd < 0 || bind(lfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0)
                abort();
        open_pair(NULL, &master, &slave);
        /* The backlog takes the connection and the message before accept. */
        ret = keel_console_socket_send(path, master, NULL);
        tap_is_int(ret, 0, "send to a plain listening socket");
        conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
        tap_is_int(n, 9, "9 data bytes");
        data[n > 0 ? n : 0] = '\0';
        tap_ok(n == 9 && memcmp(data, "/dev/ptmx", 9) == 0, "the data is \"/dev/ptmx\", as runc sends");
        tap_is_int(mh.msg_controllen, CMSG_SPACE(sizeof(int)), "control data is CMSG_SPACE(sizeof(int))");
        tap_ok(!(mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)), "nothing truncated");
        c = CMSG_FIRSTHDR(&mh);
        tap_ok(c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
               c->cmsg_len == CMSG_LEN(sizeof(int)) && CMSG_NXTHDR(&mh, c) == NULL,
               "one SCM_RIGHTS message with one fd");
        if (c != NULL)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        tap_is_int(pty_number(fd), pty_number(master), "it carries the master");
        tap_is_int(read(conn, data, 1), 0, "the sender closed after the one message");
        close(fd);
        close(conn);
        close(lfd);
        close(master);
        close(slave);
        unlink(path);
}

static void console_socket_send_to_a_missing_socket_fails(void)
{
        struct keel_error *err = NULL;
        char path[PATH_MAX];
        int ret;

        snprintf(path, sizeof(path), "%s/nobody.sock", tmpdir);
        ret = keel_console_socket_send(path, 0, &err);
        tap_is_int(ret, -ENOENT, "send to a missing socket fails with ENOENT");
        tap_ok(err != NULL && strstr(err->msg, path) != NULL, "the error names the path: %s",
               err ? err->msg : "(none)");
        keel_error_free(err);
}

static void console_socket_path_longer_than_sun_path_works(void)
{
        struct keel_error *err = NULL;
        char dir[PATH_MAX], path[PATH_MAX + 16];
        int master, slave, lfd, got = -1, ret;

        snprintf(dir, sizeof(dir), "%s/%0150d", tmpdir, 0);
        if (mkdir(dir, 0700) < 0)
                abort();
        snprintf(path, sizeof(path), "%s/console.sock", dir);
        open_pair(NULL, &master, &slave);
        lfd = keel_console_socket_listen(path, &err);
        tap_ok(lfd >= 0 && strlen(path) > sizeof(((struct sockaddr_un *) 0)->sun_path),
               "listen on a %zu-byte path", strlen(path));
        ret = keel_console_socket_send(path, master, &err);
        tap_is_int(ret, 0, "send to a path longer than sun_path");
        ret = keel_console_socket_recv(lfd, &got, &err);
        tap_ok(ret == 0 && pty_number(got) == pty_number(master), "the master arrives");
        close(got);
        close(lfd);
        close(master);
        close(slave);
        unlink(path);
        rmdir(dir);
}

enum {
        CT_OK = 1 << 0,
        CT_TTYNAME = 1 << 1,
        CT_SESSION = 1 << 2,
        CT_FOREGROUND = 1 << 3,
        CT_STDIO = 1 << 4,
        CT_NO_CLOEXEC = 1 << 5,
        CT_SLAVE_CLOSED = 1 << 6,
        CT_ALL = (1 << 7) - 1,
};

/* In a child: become_controlling, then report what holds as a bit mask. */
static int controlling_child(bool slave_on_stdin)
{
        char want[64];
        const char *name;
        int ptmx = open_ptmx(), master, slave, fd, bits = 0;

        /* TIOCGPTPEER takes the lowest free fd. */
        if (slave_on_stdin)
                close(0);
        if (keel_terminal_open(ptmx, NULL, &master, &slave, NULL) < 0)
                return 0;
        close(ptmx);
        if (slave_on_stdin && slave != 0)
                return 0;
        if (keel_terminal_become_controlling(slave, NULL) == 0)
                bits |= CT_OK;
        snprintf(want, sizeof(want), "/dev/pts/%d", pty_number(master));
        name = ttyname(0);
        if (name != NULL && strcmp(name, want) == 0)
                bits |= CT_TTYNAME;
        if (getsid(0) == getpid())
                bits |= CT_SESSION;
        if (tcgetpgrp(0) == getpgrp())
                bits |= CT_FOREGROUND;
        if (isatty(0) && isatty(1) && isatty(2))
                bits |= CT_STDIO;
        for (fd = 0; fd <= 2 && !has_cloexec(fd); fd++)
                ;
        if (fd == 3)
                bits |= CT_NO_CLOEXEC;
        if (slave <= 2 || (fcntl(slave, F_GETFD) < 0 && errno == EBADF))
                bits |= CT_SLAVE_CLOSED;
        return bits;
}

static void become_controlling_in(bool slave_on_stdin)
{
        const char *what = slave_on_stdin ? "slave on fd 0" : "slave above stdio";
        int pipefd[2], bits = -1;
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                abort();
        pid = fork();
        if (pid == 0) {
                alarm(10);
                close(pipefd[0]);
                bits = controlling_child(slave_on_stdin);
                _exit(write(pipefd[1], &bits, sizeof(bits)) == sizeof(bits) ? 0 : 1);
        }
        close(pipefd[1]);
        if (read(pipefd[0], &bits, sizeof(bits)) != sizeof(bits))
                bits = -1;
        close(pipefd[0]);
        tap_is_int(wait_child(pid), 0, "become_controlling child exits cleanly");
        tap_ok(bits > 0 && (bits & CT_OK), "%s: become_controlling succeeds", what);
        tap_ok(bits > 0 && (bits & CT_TTYNAME), "%s: ttyname(0) is the pty's /dev/pts name", what);
        tap_ok(bits > 0 && (bits & CT_SESSION), "%s: the process leads a new session", what);
        tap_ok(bits > 0 && (bits & CT_FOREGROUND), "%s: it is the terminal's foreground group", what);
        tap_ok(bits > 0 && (bits & CT_STDIO), "%s: fds 0, 1, 2 are the terminal", what);
        tap_ok(bits > 0 && (bits & CT_NO_CLOEXEC), "%s: fds 0, 1, 2 survive exec", what);
        tap_ok(bits > 0 && (bits & CT_SLAVE_CLOSED), "%s: the original slave fd is closed", what);
}

/* Fork a "container" holding the slave: it reads its terminal until EOF
 * when read_input is set, then writes reply (and what it read) and exits. */
static pid_t spawn_container(int master, int slave, bool read_input, const char *reply)
{
        pid_t pid = fork();

        if (pid == 0) {
                char in[256] = "";
                size_t len = 0;
                ssize_t n;

                alarm(10);
                close(master);
                while (read_input && len + 1 < sizeof(in) &&
                       (n = read(slave, in + len, sizeof(in) - 1 - len)) > 0)
                        len += (size_t) n;
                in[len] = '\0';
                if (dprintf(slave, "%s%s", reply, in) < 0)
                        _exit(1);
                _exit(0);
        }
        return pid;
}

static int relay_into(int master, int in, int stop, char *out, size_t cap, struct keel_error **err)
{
        int p[2], ret;

        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        ret = keel_terminal_relay_fds(master, in, p[1], stop, err);
        close(p[1]);
        read_all(p[0], out, cap);
        close(p[0]);
        return ret;
}

static void relay_copies_output_until_the_slave_closes(void)
{
        struct keel_error *err = NULL;
        char out[1024];
        int master, slave, flags, ret;
        pid_t pid;

        open_pair(NULL, &master, &slave);
        flags = fcntl(master, F_GETFL);
        pid = spawn_container(master, slave, false, "hello");
        close(slave);
        ret = relay_into(master, -1, -1, out, sizeof(out), &err);
        tap_is_int(ret, 0, "relay returns 0 when the slave side closes");
        tap_is_str(out, "hello", "the container's output reaches stdout");
        tap_is_int(fcntl(master, F_GETFL), flags, "the master's flags are restored");
        tap_is_int(wait_child(pid), 0, "the container exits");
        close(master);
}

static void relay_sends_eof_when_stdin_ends(const char *input, const char *want, const char *name)
{
        struct keel_error *err = NULL;
        char out[1024];
        int master, slave, in[2], ret;
        pid_t pid;

        open_pair(NULL, &master, &slave);
        if (pipe2(in, O_CLOEXEC) < 0 || write(in[1], input, strlen(input)) != (ssize_t) strlen(input))
                abort();
        close(in[1]);
        pid = spawn_container(master, slave, true, "got:");
        close(slave);
        ret = relay_into(master, in[0], -1, out, sizeof(out), &err);
        tap_is_int(ret, 0, "relay with piped stdin returns when the container exits");
        tap_ok(strstr(out, want) != NULL, "%s", name);
        if (strstr(out, want) == NULL)
                tap_diag("output: '%s'", out);
        tap_is_int(wait_child(pid), 0, "the container saw end-of-file and exited");
        close(in[0]);
        close(master);
}

static int pidfd_open(pid_t pid)
{
        return (int) syscall(SYS_pidfd_open, pid, 0);
}

static void relay_stops_on_stop_fd_and_drains(void)
{
        struct keel_error *err = NULL;
        char out[1024];
        int master, slave, exited[2], stop, ret;
        pid_t pid;

        open_pair(NULL, &master, &slave);
        /* Where pidfd_open is missing (valgrind), the end of a pipe that
         * only the child holds open tells the same. */
        if (pipe2(exited, O_CLOEXEC) < 0)
                abort();
        pid = spawn_container(master, slave, false, "bye\n");
        close(exited[1]);
        /* The slave stays open here, as a process left in the container
         * would hold it: no hangup comes, only the init's exit. */
        stop = pidfd_open(pid);
        if (stop < 0)
                tap_diag("pidfd_open: %s; using a pipe", strerror(errno));
        ret = relay_into(master, -1, stop >= 0 ? stop : exited[0], out, sizeof(out), &err);
        tap_is_int(ret, 0, "relay returns 0 when stop_fd becomes readable");
        tap_is_str(out, "bye\r\n", "what the container wrote before exiting is copied out");
        tap_is_int(wait_child(pid), 0, "the container exited");
        if (stop >= 0)
                close(stop);
        close(exited[0]);
        close(slave);
        close(master);
}

/* The "container" of the tty test: wait for a line from the relay, look at
 * keel's stdin tty, resize that tty, and report. */
static void tty_container(int cmaster, int cslave, int umaster, int uslave)
{
        struct winsize init = { 0 }, now = { 0 }, big = { .ws_row = 50, .ws_col = 132 };
        struct termios tio;
        char line[64];
        int i, raw;

        alarm(10);
        close(cmaster);
        read_until(cslave, line, sizeof(line), "\n", 5000);
        raw = tcgetattr(uslave, &tio) == 0 && !(tio.c_lflag & (ICANON | ECHO | ISIG));
        ioctl(cslave, TIOCGWINSZ, &init);
        ioctl(umaster, TIOCSWINSZ, &big);
        kill(getppid(), SIGWINCH);
        for (i = 0; i < 500; i++) {
                ioctl(cslave, TIOCGWINSZ, &now);
                if (now.ws_row == 50)
                        break;
                usleep(10000);
        }
        dprintf(cslave, "line=%.2s raw=%d init=%dx%d winch=%dx%d\n", line, raw, init.ws_row,
                init.ws_col, now.ws_row, now.ws_col);
        _exit(0);
}

static void relay_puts_a_tty_stdin_in_raw_mode_and_follows_its_size(void)
{
        struct winsize user = { .ws_row = 40, .ws_col = 120 };
        struct keel_error *err = NULL;
        struct termios before, after;
        sigset_t mask;
        char out[1024];
        int umaster, uslave, cmaster, cslave, ret;
        pid_t pid;

        open_pair(NULL, &umaster, &uslave);
        open_pair(NULL, &cmaster, &cslave);
        ioctl(umaster, TIOCSWINSZ, &user);
        tcgetattr(uslave, &before);
        pid = fork();
        if (pid == 0)
                tty_container(cmaster, cslave, umaster, uslave);
        close(cslave);
        /* The user types a line on keel's terminal. */
        if (write(umaster, "go\n", 3) != 3)
                abort();
        ret = relay_into(cmaster, uslave, -1, out, sizeof(out), &err);
        tap_is_int(ret, 0, "relay from a tty stdin returns when the container exits");
        tap_ok(strstr(out, "line=go") != NULL, "typed input reaches the container");
        tap_ok(strstr(out, "raw=1") != NULL, "stdin's tty is raw while relaying");
        tap_ok(strstr(out, "init=40x120") != NULL, "the initial window size is copied");
        tap_ok(strstr(out, "winch=50x132") != NULL, "SIGWINCH carries the new size over");
        if (strstr(out, "winch=50x132") == NULL)
                tap_diag("output: '%s'", out);
        tcgetattr(uslave, &after);
        tap_ok(after.c_lflag == before.c_lflag && after.c_iflag == before.c_iflag &&
               after.c_oflag == before.c_oflag, "stdin's terminal mode is restored");
        sigprocmask(SIG_BLOCK, NULL, &mask);
        tap_ok(!sigismember(&mask, SIGWINCH) && !sigismember(&mask, SIGPIPE),
               "SIGWINCH and SIGPIPE are unblocked again");
        tap_is_int(wait_child(pid), 0, "the container exits");
        close(cmaster);
        close(umaster);
        close(uslave);
}

static void relay_reports_a_closed_stdout_as_epipe(void)
{
        struct keel_error *err = NULL;
        sigset_t pending;
        int master, slave, p[2], ret;
        pid_t pid;

        open_pair(NULL, &master, &slave);
        if (pipe2(p, O_CLOEXEC) < 0)
                abort();
        close(p[0]);
        pid = spawn_container(master, slave, false, "x");
        close(slave);
        ret = keel_terminal_relay_fds(master, -1, p[1], -1, &err);
        tap_is_int(ret, -EPIPE, "relay into a closed pipe fails with EPIPE (and keel lives)");
        tap_ok(err != NULL, "with a message: %s", err ? err->msg : "(none)");
        sigpending(&pending);
        tap_ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE is left pending");
        keel_error_free(err);
        close(p[1]);
        wait_child(pid);
        close(master);
}

int main(void)
{
        /* No test may hang: the whole run is bounded. */
        alarm(60);
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        terminal_open_gives_a_working_pair_through_tiocgptpeer();
        terminal_open_without_size_keeps_the_default();
        terminal_open_refuses_what_is_not_a_ptmx();
        console_socket_hands_over_a_working_master();
        console_socket_message_matches_runc();
        console_socket_send_to_a_missing_socket_fails();
        console_socket_path_longer_than_sun_path_works();
        become_controlling_in(false);
        become_controlling_in(true);
        relay_copies_output_until_the_slave_closes();
        relay_sends_eof_when_stdin_ends("abc\n", "got:abc\r\n", "a line then EOF: the container reads it and EOF");
        relay_sends_eof_when_stdin_ends("xyz", "got:xyz", "a partial line then EOF: still EOF");
        relay_sends_eof_when_stdin_ends("", "got:", "empty stdin: EOF at once");
        relay_stops_on_stop_fd_and_drains();
        relay_puts_a_tty_stdin_in_raw_mode_and_follows_its_size();
        relay_reports_a_closed_stdout_as_epipe();
        rmdir(tmpdir);
        return tap_done();
}
