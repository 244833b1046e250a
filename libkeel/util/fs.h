/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_FS_H
#define KEEL_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* keel_read_fd, keel_read_file_at (a whole file, at most max_size bytes,
 * NUL-terminated) and keel_write_all are public: keel.h. */

/* Write name in dirfd atomically: a temporary file in the same directory,
 * fsync'd, then renamed over name.  Readers see the old or the new file,
 * never a torn one. */
int keel_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
                              mode_t mode, struct keel_error **err);

/* Open name in dirfd (flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode for
 * O_CREAT) only as a regular file of this user: never through a symlink,
 * never waiting on a FIFO.  *st gets its fstat.  -1 otherwise, errno the
 * open's or EPERM (another kind of file, another owner).  For the files
 * keel keeps for itself in a state root, which it may find damaged. */
struct stat;
int keel_open_own_file_at(int dirfd, const char *name, int flags, mode_t mode, struct stat *st);

/* mkdir -p, each component created with mode. */
int keel_mkdir_p(const char *path, mode_t mode, struct keel_error **err);

/* Remove every entry below dirfd (not following symlinks, staying on one
 * file system), leaving dirfd itself. */
int keel_remove_tree_at(int dirfd, struct keel_error **err);

/* --pid-file: the pid in decimal, no newline (runc's format), written
 * atomically so a reader never sees an empty file. */
int keel_write_pid_file(const char *path, pid_t pid, struct keel_error **err);

#endif
