/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_FS_H
#define KEEL_UTIL_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file (at most max_size bytes) relative to dirfd.  The
 * buffer is NUL-terminated for convenience; *len excludes the NUL. */
int keel_read_file_at(int dirfd, const char *path, size_t max_size, char **out, size_t *len,
                      struct keel_error **err);
int keel_read_fd(int fd, size_t max_size, char **out, size_t *len, struct keel_error **err);

/* Write name in dirfd atomically: a temporary file in the same directory,
 * fsync'd, then renamed over name.  Readers see the old or the new file,
 * never a torn one. */
int keel_write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len,
                              mode_t mode, struct keel_error **err);

/* Write all of buf to fd, retrying short writes and EINTR. */
int keel_write_all(int fd, const void *buf, size_t len);

/* mkdir -p, each component created with mode. */
int keel_mkdir_p(const char *path, mode_t mode, struct keel_error **err);

/* Remove every entry below dirfd (not following symlinks, staying on one
 * file system), leaving dirfd itself. */
int keel_remove_tree_at(int dirfd, struct keel_error **err);

/* --pid-file: the pid in decimal, no newline (runc's format), written
 * atomically so a reader never sees an empty file. */
int keel_write_pid_file(const char *path, pid_t pid, struct keel_error **err);

#endif
