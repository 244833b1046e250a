/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_PATH_H
#define KEEL_UTIL_PATH_H

#include <sys/types.h>

#include "error.h"

/* Resolving a path inside a container root: the one place that does it.
 *
 * The root is hostile: any component may be a symlink (absolute, relative,
 * looping, or a procfs magic link), and another process may swap entries
 * while we walk.  Every lookup therefore starts from rootfd and treats it
 * as "/": absolute symlinks restart at rootfd, ".." stops at rootfd, magic
 * links are refused (ELOOP), and at most KEEL_PATH_MAX_SYMLINKS symlinks
 * are followed.  Mounts inside the root are crossed.
 *
 * Paths are container paths ("/dev/null", "etc/hostname"); both absolute
 * and relative paths start at rootfd.  Functions return a new O_CLOEXEC fd
 * or -errno; err (which may be NULL for probes) names the container path:
 * "mkdir /proc in the rootfs: Not a directory". */

#define KEEL_PATH_MAX_SYMLINKS 40

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS), or the userspace walk
 * below when openat2 is unavailable (ENOSYS) or filtered (EPERM).  flags
 * and mode are openat(2)'s: O_NOFOLLOW leaves a final symlink unfollowed,
 * O_CREAT creates the final component (following a final symlink in the
 * root, as openat2 does, unless O_EXCL). */
int keel_path_open_in_root(int rootfd, const char *path, int flags, mode_t mode,
                           struct keel_error **err);

/* The userspace walk, one component at a time with O_PATH|O_NOFOLLOW,
 * giving the same answers as openat2 for the same tree.  Unlike openat2
 * it cannot notice a directory being renamed out of the root while it
 * walks through it (a ".." from there would leave the root).  Exposed for
 * the tests; callers use keel_path_open_in_root. */
int keel_path_open_in_root_fallback(int rootfd, const char *path, int flags, mode_t mode,
                                    struct keel_error **err);

/* keel's processes: their /proc directories are keel's, never a mount
 * source's (CVE-2024-21626's class: /proc/self/fd/N of a runtime hands
 * out its private fds, /proc/self/root its view of the host). */
struct keel_path_self {
        pid_t pids[4];
        size_t n;
};

/* Resolve an absolute host path (a mount source, root.path) from rootfd
 * as "/" ("/" itself, or /proc/<init>/root for the init's mount
 * namespace): symlinks and magic links are followed as the kernel
 * follows them, but no step may enter the /proc directory of a process in
 * self, by pid or as "self" or "thread-self", in any procfs instance, nor
 * land in a procfs directory through a magic link (whose it is cannot be
 * told).  Refused paths fail with EPERM: "/dev/fd/5: leads into
 * /proc/self, which is keel's own process, not the caller's (refused)".
 * flags are openat(2)'s (O_PATH, O_DIRECTORY...); a final symlink is
 * followed. */
int keel_path_open_host(int rootfd, const char *path, const struct keel_path_self *self, int flags,
                        struct keel_error **err);

/* mkdir -p inside the root: each missing component is created with
 * mkdirat() in its resolved parent; existing symlinks are followed inside
 * the root, and a dangling one gets its target created inside the root
 * (as runc's securejoin does).  Returns an O_PATH|O_DIRECTORY fd of the
 * final directory.  A non-directory in the way is ENOTDIR. */
int keel_path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct keel_error **err);

/* The parents as keel_path_mkdir_in_root, then an empty regular file
 * (O_CREAT|O_EXCL|O_NOFOLLOW, so nothing is written through a symlink)
 * when nothing is there.  Whatever is there is accepted unless it is a
 * directory (EISDIR); a final symlink is followed inside the root, and
 * when it dangles its target is created there (a dangling
 * /etc/resolv.conf is common in images).  Returns an O_PATH fd of the
 * file. */
int keel_path_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct keel_error **err);

/* A lexically clean absolute form of a container path: repeated and
 * trailing '/' dropped, "." removed, ".." applied (never above "/").
 * "" and NULL give NULL with errno EINVAL; NULL with ENOMEM otherwise. */
char *keel_path_clean(const char *path);

/* Split a clean path (from keel_path_clean) into its parent directory and
 * last component: "/dev/net/tun" -> "/dev/net", "tun".  "/" has no last
 * component: -EINVAL.  Both outputs are malloc'd. */
int keel_path_split(const char *clean, char **dir, char **base);

#endif
