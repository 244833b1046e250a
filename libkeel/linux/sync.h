/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_SYNC_H
#define KEEL_LINUX_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The runtime and the container's init talk over a SOCK_SEQPACKET
 * socketpair: fixed-size messages, each optionally carrying one fd.  A
 * closed peer reads as EPIPE ("the other side died"), never as a hang.
 *
 * create, in the order the messages go (R: the runtime, container-spawn.c;
 * S1: stage 1 and I: the init, linux/init.c; [..]: only when):
 *
 *   from  to  message              payload             the receiver
 *   R     S1  TRACED               -                   forks the init only now
 *                                                      [a pid namespace is joined:
 *                                                      R traces S1, ptrace-guard.h]
 *   S1    R   USERNS_READY         -                   writes S1's uid_map, gid_map
 *                                                      [a new user namespace]
 *   R     S1  USERNS_MAPPED        -                   becomes root in it
 *   S1    R   PID                  value: init's pid   adopts the init: pidfd, reaps
 *                                                      S1, puts the init in the
 *                                                      cgroup, records the state
 *                                                      [no S1 (keel_init_direct):
 *                                                      R forked the init itself]
 *   R     I   CGROUP_JOINED        value: init's pid   makes its cgroup namespace
 *                                  as R sees it
 *   I     R   NET_DEVICES          fd: NETLINK_ROUTE   moves linux.netDevices in
 *                                  socket of its       [linux.netDevices]
 *                                  network namespace
 *   R     I   NET_DEVICES_DONE     -                   goes on with its setup
 *   I     R   MOUNT_SOURCES        -                   opens root.path and the bind
 *                                                      sources in I's mount
 *                                                      namespace [a user namespace,
 *                                                      keel is root]
 *   R     I   MOUNT_SOURCE  (n x)  fd: a source;       keeps it for its mount
 *                                  value: index in
 *                                  mounts, -1 root.path,
 *                                  -2 the mount holding it
 *   R     I   MOUNT_SOURCES        -                   that was all: mounts
 *   I     R   CONSOLE              fd: pty master      sends it to --console-socket,
 *                                                      or keeps it (run)
 *                                                      [process.terminal]
 *   I     R   CREATE_RUNTIME       -                   runs prestart, createRuntime
 *                                                      hooks [there are some]
 *   R     I   CREATE_RUNTIME_DONE  -                   runs createContainer hooks,
 *                                                      pivots, ...
 *   I     R   READY                text: the init's    publishes the container (and
 *                                  phases and times    logs the text: --debug)
 *   R     I   READY                -                   waits for start
 *   any   any ERROR                value: errno,       fails with the peer's error
 *                                  text: message
 *
 * exec (container-exec.c; S1: exec's helper, in keel's pid namespace):
 *   R -> S1 CGROUP_JOINED (it is in the container's cgroup: join the
 *   namespaces); S1 -> R CONSOLE [--tty]; S1 -> R PID (the process it
 *   forked); then EOF once the process has executed (close-on-exec). */

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
