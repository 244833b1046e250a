/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_SYNC_H
#define KEEL_LINUX_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The runtime and the container's init talk over a SOCK_SEQPACKET
 * socketpair: fixed-size messages, each optionally carrying one fd.  A
 * closed peer reads as EPIPE ("the other side died"), never as a hang. */

enum keel_sync_type {
        KEEL_SYNC_PID = 1,          /* child -> runtime: value = pid of the init */
        KEEL_SYNC_USERNS_READY,     /* child -> runtime: write my id maps */
        KEEL_SYNC_USERNS_MAPPED,    /* runtime -> child */
        KEEL_SYNC_CGROUP_JOINED,    /* runtime -> init: you are in the container's cgroup */
        KEEL_SYNC_CREATE_RUNTIME,   /* init -> runtime: namespaces exist, run createRuntime hooks */
        KEEL_SYNC_CREATE_RUNTIME_DONE,
        KEEL_SYNC_CONSOLE,          /* init -> runtime: fd = pty master */
        KEEL_SYNC_READY,            /* init -> runtime: set up, waiting for start */
        KEEL_SYNC_ERROR,            /* either way: value = errno, text = message */
        KEEL_SYNC_TRACED,           /* runtime -> stage 1: fork on (linux/ptrace-guard.h) */
        KEEL_SYNC_NET_DEVICES,      /* init -> runtime: fd = NETLINK_ROUTE socket of the
                                     * container's network namespace: move linux.netDevices */
        KEEL_SYNC_NET_DEVICES_DONE, /* runtime -> init: they are in */
        KEEL_SYNC_MOUNT_SOURCES,    /* init -> runtime: open my mount sources; runtime ->
                                     * init: that was all of them */
        KEEL_SYNC_MOUNT_SOURCE,     /* runtime -> init: fd = a source (mount-sources.h),
                                     * value = its index in mounts, -1 root.path, -2 the
                                     * mount holding it */
};

struct keel_sync_msg {
        uint32_t type;
        int32_t value;
        char text[4000];
};

int keel_sync_pair(int fds[2], struct keel_error **err);

/* Send a message (text may be NULL), with fd >= 0 attached. */
int keel_sync_send(int sock, enum keel_sync_type type, int value, const char *text, int fd);

/* Receive one message; *fd gets an attached fd or -1.  A KEEL_SYNC_ERROR
 * from the peer becomes an error carrying the peer's message.  When want
 * is non-zero, any other type is a protocol error. */
int keel_sync_recv(int sock, enum keel_sync_type want, struct keel_sync_msg *msg, int *fd,
                   struct keel_error **err);

/* The same, for a socket on which keel_sync_pass_creds was called: *sender
 * gets the pid (in the receiver's pid namespace) the kernel vouches sent
 * the message, or 0 when it carried no credentials.  A runtime whose peer
 * forks a process it cannot trust (exec's helper, once it is visible in
 * the container) tells its own child's messages from forged ones. */
int keel_sync_recv_from(int sock, enum keel_sync_type want, struct keel_sync_msg *msg, int *fd,
                        pid_t *sender, struct keel_error **err);

/* Ask the kernel to attach the sender's credentials to every message this
 * end receives (SO_PASSCRED). */
int keel_sync_pass_creds(int sock, struct keel_error **err);

/* Report err to the peer as KEEL_SYNC_ERROR (best effort). */
void keel_sync_send_error(int sock, const struct keel_error *err);

#endif
