/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KEEL_LOG_H
#define KEEL_LOG_H

#include <stdbool.h>

/* Where keel's messages go.  Errors always reach stderr as one line
 * ("keel: create: ..."); with --log they are also written to the log file,
 * because containerd's shim and conmon read that file to show the error.
 * Warnings and debug lines go to the log file, or to stderr without one,
 * as runc writes them: JSON lines {"level","msg","time"} with --log-format
 * json, else text lines time="..." level=debug msg="...". */
int keel_log_open(const char *path, bool json, bool debug);
void keel_log_close(void);
void keel_log_error(const char *command, const char *msg);
void keel_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void keel_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
