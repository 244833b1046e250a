/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/socket.h"
#include "tap.h"

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        if (d == NULL)
                return -1;
        while (readdir(d) != NULL)
                n++;
        closedir(d);
        return n;
}

/* A pipe's write end sent over a socketpair arrives as a working fd,
 * close-on-exec, with the data. */
static void test_fd_round_trip(void)
{
        int sv[2], p[2], got = -1, flags;
        char buf[16] = { 0 }, c = 0;
        pid_t sender = -1;
        ssize_t n;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0 ||
            pipe2(p, O_CLOEXEC) < 0) {
                tap_ok(0, "setup: %s", strerror(errno));
                return;
        }
        tap_is_int(keel_send_fd(sv[0], p[1], "hello", 5), 5, "send_fd_sends_the_data");
        n = keel_recv_fd(sv[1], buf, sizeof(buf), &got, &sender);
        tap_ok(n == 5 && memcmp(buf, "hello", 5) == 0 && got >= 0 && got != p[1],
               "recv_fd_gets_the_data_and_a_new_fd");
        flags = got >= 0 ? fcntl(got, F_GETFD) : -1;
        tap_ok(flags >= 0 && (flags & FD_CLOEXEC), "received_fd_is_close_on_exec");
        tap_ok(got >= 0 && write(got, "x", 1) == 1 && read(p[0], &c, 1) == 1 && c == 'x',
               "received_fd_is_the_pipe_sent");
        tap_is_int(sender, 0, "no_credentials_without_passcred");

        /* Without an fd: the message alone; with SO_PASSCRED, the sender. */
        setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &(int){ 1 }, sizeof(int));
        if (got >= 0)
                close(got);
        got = 0;
        tap_is_int(keel_send_fd(sv[0], -1, "plain", 5), 5, "send_without_fd");
        n = keel_recv_fd(sv[1], buf, sizeof(buf), &got, &sender);
        tap_ok(n == 5 && got == -1, "recv_without_fd_gives_minus_one");
        tap_is_int(sender, getpid(), "passcred_names_the_sender");

        /* An fd nobody asked for is closed, not leaked. */
        n = count_fds();
        keel_send_fd(sv[0], p[1], "z", 1);
        keel_recv_fd(sv[1], buf, sizeof(buf), NULL, NULL);
        tap_is_int(count_fds(), n, "unwanted_fd_is_closed");

        close(sv[0]);
        tap_is_int(keel_recv_fd(sv[1], buf, sizeof(buf), &got, NULL), 0, "closed_peer_reads_0");
        tap_is_int(keel_send_fd(sv[1], -1, "x", 1), -EPIPE, "send_to_closed_peer_is_epipe");
        close(sv[1]);
        close(p[0]);
        close(p[1]);
}

/* Listen, connect and pass an fd at path; dirfd tells whether the
 * /proc/self/fd fallback was used. */
static void round_trip_at(const char *path, bool long_path, const char *name)
{
        struct sockaddr_un addr;
        int lfd = -1, cfd = -1, afd = -1, dirfd = -1, got = -1, r;
        char byte = 0;

        r = keel_unix_address(path, &addr, &dirfd);
        tap_ok(r == 0 && (long_path ? dirfd >= 0 : dirfd == -1), "%s: address", name);
        if (r == 0)
                lfd = keel_unix_listen(&addr, 1);
        if (dirfd >= 0)
                close(dirfd);
        r = keel_unix_address(path, &addr, &dirfd);
        if (r == 0 && lfd >= 0)
                cfd = keel_unix_connect(&addr);
        if (dirfd >= 0)
                close(dirfd);
        if (cfd >= 0)
                afd = accept(lfd, NULL, NULL);
        tap_ok(lfd >= 0 && cfd >= 0 && afd >= 0, "%s: listen_and_connect", name);
        tap_ok(afd >= 0 && keel_send_fd(cfd, STDIN_FILENO, "!", 1) == 1 &&
                       keel_recv_fd(afd, &byte, 1, &got, NULL) == 1 && byte == '!' && got >= 0,
               "%s: fd_passes", name);
        if (got >= 0)
                close(got);
        if (afd >= 0)
                close(afd);
        if (cfd >= 0)
                close(cfd);
        if (lfd >= 0)
                close(lfd);
        unlink(path);
}

static void test_addresses(void)
{
        char dir[] = "/tmp/keel-test-socket-XXXXXX";
        char deep[512], path[1024], tooname[200];
        struct sockaddr_un addr;
        int dfd, r, dirfd = -1;
        size_t n;

        if (mkdtemp(dir) == NULL) {
                tap_ok(0, "mkdtemp: %s", strerror(errno));
                return;
        }
        snprintf(path, sizeof(path), "%s/s.sock", dir);
        round_trip_at(path, false, "short_path");

        /* A directory path longer than sun_path holds. */
        snprintf(deep, sizeof(deep), "%s", dir);
        while (strlen(deep) < 150 && strlen(deep) < sizeof(deep) - 64) {
                n = strlen(deep);
                snprintf(deep + n, sizeof(deep) - n, "/%s", "a-rather-long-directory-name");
                mkdir(deep, 0700);
        }
        snprintf(path, sizeof(path), "%s/s.sock", deep);
        tap_ok(strlen(path) >= sizeof(addr.sun_path), "long_path_is_longer_than_sun_path");
        round_trip_at(path, true, "long_path_through_proc_self_fd");

        /* The name alone cannot fit. */
        memset(tooname, 'n', sizeof(tooname) - 1);
        tooname[sizeof(tooname) - 1] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, tooname);
        r = keel_unix_address(path, &addr, &dirfd);
        tap_is_int(r, -ENAMETOOLONG, "name_too_long_for_the_fallback");
        if (dirfd >= 0)
                close(dirfd);
        tap_is_int(keel_unix_address("", &addr, &dirfd), -EINVAL, "empty_path_is_einval");

        /* In a directory by fd. */
        dfd = open(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
        r = keel_unix_address_at(dfd, "at.sock", &addr);
        tap_ok(r == 0 && strncmp(addr.sun_path, "/proc/self/fd/", 14) == 0,
               "address_at_names_the_dirfd");
        r = keel_unix_listen(&addr, 1);
        snprintf(path, sizeof(path), "%s/at.sock", deep);
        tap_ok(r >= 0 && access(path, F_OK) == 0, "listen_at_binds_in_the_directory");
        if (r >= 0)
                close(r);
        unlink(path);
        close(dfd);

        snprintf(path, sizeof(path), "%s/none.sock", dir);
        keel_unix_address(path, &addr, &dirfd);
        tap_is_int(keel_unix_connect(&addr), -ENOENT, "connect_to_nothing_is_enoent");

        /* Remove the tree, deepest first. */
        while (strcmp(deep, dir) != 0) {
                rmdir(deep);
                *strrchr(deep, '/') = '\0';
        }
        rmdir(dir);
}

int main(void)
{
        test_fd_round_trip();
        test_addresses();
        return tap_done();
}
