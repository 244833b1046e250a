/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_DEVICES_H
#define KEEL_LINUX_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "spec/oci-config.h"

/* The container's /dev, populated through fds resolved inside the rootfs
 * (config-linux.md "Default Devices" and "Devices", runtime-linux.md "Dev
 * symbolic links").  Nothing that the rootfs planted in /dev is followed:
 * an entry in the way that is not already the wanted device is replaced.
 *
 * Device nodes are made with mknod; in a user namespace (userns), or when
 * mknod is refused with EPERM, the host's node at the same path is
 * bind-mounted onto an empty file instead, as runc does.  FIFOs are always
 * made with mknod. */

/* Default devices (null, zero, full, random, urandom, tty; a linux.devices
 * entry at the same path replaces the default), linux.devices (lx may be
 * NULL), then the links fd, stdin, stdout, stderr, ptmx -> pts/ptmx and,
 * when the kernel has /proc/kcore, core. */
int keel_devices_setup(int rootfd, const struct keel_linux *lx, bool userns, struct keel_error **err);

/* process.terminal: the pty slave pty_fd bind-mounted onto /dev/console (an
 * empty file made for it).  pty_fd must belong to a devpts mounted in the
 * caller's mount namespace (the container's own /dev/pts). */
int keel_devices_bind_console(int rootfd, int pty_fd, struct keel_error **err);

#endif
