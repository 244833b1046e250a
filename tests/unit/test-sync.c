/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The runtime <-> init messages (linux/sync.h) over a real socketpair:
 * every message of the table arrives as sent, fds travel with them, and
 * what goes wrong (the peer's error, an unexpected message, a dead peer)
 * becomes an error that says so. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "linux/sync.h"
#include "tap.h"

/* The table of sync.h, with a payload each message could carry. */
static const struct {
        enum keel_sync_type type;
        const char *name;
        int value;
} messages[] = {
        { KEEL_SYNC_TRACED, "TRACED", 0 },
        { KEEL_SYNC_USERNS_READY, "USERNS_READY", 0 },
        { KEEL_SYNC_USERNS_MAPPED, "USERNS_MAPPED", 0 },
        { KEEL_SYNC_PID, "PID", 4242 },
        { KEEL_SYNC_CGROUP_JOINED, "CGROUP_JOINED", 4243 },
        { KEEL_SYNC_NET_DEVICES, "NET_DEVICES", 0 },
        { KEEL_SYNC_NET_DEVICES_DONE, "NET_DEVICES_DONE", 0 },
        { KEEL_SYNC_MOUNT_SOURCES, "MOUNT_SOURCES", 0 },
        { KEEL_SYNC_MOUNT_SOURCE, "MOUNT_SOURCE", -2 },
        { KEEL_SYNC_CONSOLE, "CONSOLE", 0 },
        { KEEL_SYNC_CREATE_RUNTIME, "CREATE_RUNTIME", 0 },
        { KEEL_SYNC_CREATE_RUNTIME_DONE, "CREATE_RUNTIME_DONE", 0 },
        { KEEL_SYNC_READY, "READY", 0 },
};

static int pair(int sv[2])
{
        _cleanup_error_ struct keel_error *err = NULL;

        if (keel_sync_pair(sv, &err) < 0) {
                tap_diag("socketpair: %s", err ? err->msg : "?");
                return -1;
        }
        return 0;
}

static void every_message_of_the_table_round_trips(void)
{
        int sv[2];

        if (pair(sv) < 0) {
                tap_ok(0, "sync_pair_is_made");
                return;
        }
        for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
                _cleanup_error_ struct keel_error *err = NULL;
                struct keel_sync_msg msg;
                int fd = 7, ok;

                ok = keel_sync_send(sv[0], messages[i].type, messages[i].value, NULL, -1) == 0 &&
                     keel_sync_recv(sv[1], messages[i].type, &msg, &fd, &err) == 0 &&
                     msg.type == (uint32_t) messages[i].type && msg.value == messages[i].value &&
                     fd == -1 && msg.text[0] == '\0';
                tap_ok(ok, "sync_%s_round_trips_with_its_value", messages[i].name);
        }
        close(sv[0]);
        close(sv[1]);
}

static void text_and_fd_travel(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_sync_msg msg;
        char long_text[5000], buf[8] = { 0 };
        int sv[2], p[2], fd = -1, r;

        if (pair(sv) < 0 || pipe2(p, O_CLOEXEC) < 0) {
                tap_ok(0, "sync_setup");
                return;
        }
        r = keel_sync_send(sv[0], KEEL_SYNC_CONSOLE, 0, "a text", p[1]);
        r = r == 0 ? keel_sync_recv(sv[1], KEEL_SYNC_CONSOLE, &msg, &fd, &err) : r;
        tap_ok(r == 0 && strcmp(msg.text, "a text") == 0, "sync_text_arrives");
        tap_ok(fd >= 0 && fd != p[1] && write(fd, "x", 1) == 1 && read(p[0], buf, 1) == 1 &&
                       buf[0] == 'x',
               "sync_attached_fd_arrives_and_works");
        tap_ok(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC), "sync_received_fd_is_close_on_exec");
        if (fd >= 0)
                close(fd);

        memset(long_text, 'a', sizeof(long_text) - 1);
        long_text[sizeof(long_text) - 1] = '\0';
        r = keel_sync_send(sv[0], KEEL_SYNC_READY, 0, long_text, -1);
        r = r == 0 ? keel_sync_recv(sv[1], KEEL_SYNC_READY, &msg, NULL, &err) : r;
        tap_ok(r == 0 && strlen(msg.text) == sizeof(msg.text) - 1,
               "sync_text_longer_than_the_message_is_cut_and_terminated");

        r = keel_sync_send(sv[0], KEEL_SYNC_PID, 99, NULL, -1);
        r = r == 0 ? keel_sync_recv(sv[1], 0, &msg, &fd, &err) : r;
        tap_ok(r == 0 && msg.type == KEEL_SYNC_PID && msg.value == 99,
               "sync_recv_wanting_0_takes_any_message");
        close(sv[0]);
        close(sv[1]);
        close(p[0]);
        close(p[1]);
}

static void failures_say_what_happened(void)
{
        struct keel_sync_msg msg;
        int sv[2], p[2], fd = 7, r;

        if (pair(sv) < 0 || pipe2(p, O_CLOEXEC) < 0) {
                tap_ok(0, "sync_setup");
                return;
        }
        {
                _cleanup_error_ struct keel_error *err = NULL;
                _cleanup_error_ struct keel_error *sent = NULL;

                keel_error_setq(&sent, EACCES, "mount proc on /proc: Permission denied");
                keel_sync_send_error(sv[0], sent);
                r = keel_sync_recv(sv[1], KEEL_SYNC_READY, &msg, NULL, &err);
                tap_ok(r == -EACCES && err && strcmp(err->msg, sent->msg) == 0 &&
                               err->errnum == EACCES,
                       "sync_peer_error_becomes_its_errno_and_message");
        }
        {
                _cleanup_error_ struct keel_error *err = NULL;

                keel_sync_send(sv[0], KEEL_SYNC_ERROR, 0, "no errno", -1);
                r = keel_sync_recv(sv[1], KEEL_SYNC_READY, &msg, NULL, &err);
                tap_ok(r == -EINVAL && err && strcmp(err->msg, "no errno") == 0,
                       "sync_peer_error_without_errno_is_einval");
        }
        {
                _cleanup_error_ struct keel_error *err = NULL;

                keel_sync_send(sv[0], KEEL_SYNC_READY, 0, NULL, p[1]);
                r = keel_sync_recv(sv[1], KEEL_SYNC_PID, &msg, &fd, &err);
                tap_ok(r == -EPROTO && err && strstr(err->msg, "unexpected message") != NULL,
                       "sync_unexpected_message_is_a_protocol_error");
                tap_is_int(fd, -1, "sync_fd_of_an_unexpected_message_is_closed");
        }
        {
                _cleanup_error_ struct keel_error *err = NULL;

                r = (int) send(sv[0], "ab", 2, 0);
                r = r == 2 ? keel_sync_recv(sv[1], 0, &msg, NULL, &err) : 0;
                tap_ok(r == -EPROTO && err && strstr(err->msg, "short message") != NULL,
                       "sync_short_message_is_a_protocol_error");
        }
        {
                _cleanup_error_ struct keel_error *err = NULL;

                close(sv[0]);
                r = keel_sync_recv(sv[1], KEEL_SYNC_READY, &msg, NULL, &err);
                tap_ok(r == -EPIPE && err && strstr(err->msg, "exited during setup") != NULL,
                       "sync_closed_peer_reads_as_epipe");
        }
        close(sv[1]);
        close(p[0]);
        close(p[1]);
}

static void sender_is_vouched_for(void)
{
        _cleanup_error_ struct keel_error *err = NULL;
        struct keel_sync_msg msg;
        pid_t sender = -1;
        int sv[2], r;

        if (pair(sv) < 0) {
                tap_ok(0, "sync_setup");
                return;
        }
        keel_sync_send(sv[0], KEEL_SYNC_PID, 1, NULL, -1);
        r = keel_sync_recv_from(sv[1], KEEL_SYNC_PID, &msg, NULL, &sender, &err);
        tap_ok(r == 0 && sender == 0, "sync_sender_is_0_without_pass_creds");
        r = keel_sync_pass_creds(sv[1], &err);
        if (r == 0)
                r = keel_sync_send(sv[0], KEEL_SYNC_PID, 1, NULL, -1);
        if (r == 0)
                r = keel_sync_recv_from(sv[1], KEEL_SYNC_PID, &msg, NULL, &sender, &err);
        tap_ok(r == 0 && sender == getpid(), "sync_sender_is_the_sending_pid_with_pass_creds");
        close(sv[0]);
        close(sv[1]);
}

int main(void)
{
        every_message_of_the_table_round_trips();
        text_and_fd_travel();
        failures_say_what_happened();
        sender_is_vouched_for();
        return tap_done();
}
