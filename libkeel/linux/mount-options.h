/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_MOUNT_OPTIONS_H
#define KEEL_LINUX_MOUNT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>

#include "error.h"

/* Flags newer than some libc headers. */
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

/* What an OCI mount's "options" array (config.md "Mounts", mount(8)'s
 * filesystem-independent options) asks of mount(2) and mount_setattr(2).
 * Pure translation: nothing here touches the system.
 *
 * Rules:
 *  - An option is matched exactly (case-sensitive), as runc and crun do.
 *  - For the same flag, a later option wins over an earlier one: "ro","rw"
 *    is read-write.  noatime, relatime and strictatime are one setting, so
 *    the last of them is the one left in flags; the recursive r*atime
 *    options likewise pick one MOUNT_ATTR_ atime mode (and put
 *    MOUNT_ATTR__ATIME in attr_clr, as mount_setattr(2) requires).
 *    ratime and rnostrictatime select relatime, rnorelatime strictatime.
 *  - A mount has one propagation type: the last of shared, slave, private,
 *    unbindable and their r-variants.
 *  - "bind" and "rbind" both put MS_BIND in flags; "rbind" adds MS_REC, and
 *    neither undoes the other.  "ridmap" implies "idmap".
 *  - "defaults" does nothing (runc hands it to the filesystem as data; the
 *    filesystem then rejects it).
 *  - Anything else is filesystem data ("mode=755", "size=64k", "lowerdir=...")
 *    and is joined with ',' into data in the order given; the filesystem
 *    validates it when mounted.  That includes "acl" (not MS_POSIXACL, see
 *    runc#3738) and crun's rsync/rasync/rdirsync/rmand/rnomand, which
 *    mount_setattr(2) cannot apply.
 *  - Rejected: an empty option, and an option holding a ',' outside double
 *    quotes or an unbalanced '"'.  runc would pass "mode=755,suid" through
 *    to the data string, where the kernel splits it and the filesystem sees
 *    two options; keel requires one array element per option so that what a
 *    config says is what gets mounted.  A quoted comma stays allowed, for
 *    SELinux contexts: context="system_u:object_r:container_file_t:s0:c1,c2".
 */
struct keel_mount_opts {
        unsigned long flags;        /* MS_* to set, including MS_BIND, MS_REC (rbind), MS_REMOUNT */
        unsigned long clear_flags;  /* MS_* explicitly cleared: "rw", "suid", "dev", "exec", ... */
        unsigned long propagation;  /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE, | MS_REC; 0 = none */
        uint64_t attr_set, attr_clr; /* MOUNT_ATTR_* for mount_setattr(..., AT_RECURSIVE) */
        bool bind, rbind;           /* "bind", "rbind" (rbind sets both) */
        bool idmap, ridmap;         /* "idmap", "ridmap" (ridmap sets both) */
        bool tmpcopyup;             /* crun: copy the mountpoint's contents into the new tmpfs */
        bool copy_symlink;          /* crun: a symlink source is recreated, not followed */
        char *data;                 /* filesystem data, "mode=755,size=65536k"; NULL when none */
};

/* Parse n options (options may be NULL when n is 0) into *out, which is
 * overwritten.  On error *out holds nothing to free. */
int keel_mount_opts_parse(const char *const *options, size_t n, struct keel_mount_opts *out,
                          struct keel_error **err);

/* Free what *o owns and zero it; safe on a zeroed or already cleared value. */
void keel_mount_opts_clear(struct keel_mount_opts *o);

/* linux.rootfsPropagation: "shared", "slave", "private", "unbindable" or
 * their r-variants to MS_* (| MS_REC).  NULL or "" means unset: *flags = 0. */
int keel_mount_propagation_parse(const char *name, unsigned long *flags, struct keel_error **err);

/* The i-th option name keel recognises (for `keel features`), NULL past
 * the end.  Names are in table order, not sorted. */
const char *keel_mount_opts_known(size_t i);

#endif
