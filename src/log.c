/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util/cleanup.h"

/* The CLI is one short-lived process: one log sink for its lifetime. */
static int log_fd = -1;
static bool log_json;
static bool log_debug;

int keel_log_open(const char *path, bool json, bool debug)
{
        log_json = json;
        log_debug = debug;
        if (path == NULL || *path == '\0')
                return 0;
        log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
        if (log_fd < 0)
                return -errno;
        return 0;
}

void keel_log_close(void)
{
        if (log_fd >= 0)
                close(log_fd);
        log_fd = -1;
}

static void format_time(char *buf, size_t size)
{
        struct timespec ts;
        struct tm tm;
        size_t n;

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, size - n, ".%09ldZ", ts.tv_nsec);
}

/* A value of runc's text lines (logrus' text formatter): bare when it is
 * one word of [A-Za-z0-9._/@^+-], else double-quoted with Go's escapes. */
static bool text_is_bare(const char *s)
{
        if (*s == '\0')
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || strchr("-._/@^+", *s) != NULL))
                        return false;
        return true;
}

static void text_value(FILE *f, const char *s)
{
        static const char named[] = "\a\b\f\n\r\t\v";
        static const char letters[] = "abfnrtv";

        if (text_is_bare(s)) {
                fputs(s, f);
                return;
        }
        fputc('"', f);
        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                const char *n = c != 0 ? strchr(named, c) : NULL;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (n != NULL)
                        fprintf(f, "\\%c", letters[n - named]);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static int json_line(const char *time, const char *level, const char *msg, char **line,
                     size_t *len)
{
        return keel_log_json_line(level, msg, time, line, len);
}

static int text_line(const char *time, const char *level, const char *msg, char **line,
                     size_t *len)
{
        FILE *f = open_memstream(line, len);

        if (f == NULL)
                return -errno;
        fprintf(f, "time=\"%s\" level=%s msg=", time, level);
        text_value(f, msg);
        fputc('\n', f);
        return fclose(f) == 0 ? 0 : -ENOMEM;
}

/* One line per record, as runc writes them: JSON {"level","msg","time"},
 * or the text form time="..." level=... msg="...".  Written with a single
 * write(2) so concurrent keel processes appending to one log do not
 * interleave. */
static void log_record(int fd, const char *level, const char *msg)
{
        _cleanup_free_ char *line = NULL;
        char timebuf[64];
        size_t len = 0;

        format_time(timebuf, sizeof(timebuf));
        if ((log_json ? json_line : text_line)(timebuf, level, msg, &line, &len) == 0)
                keel_write_all(fd, line, len);
}

void keel_log_error(const char *command, const char *msg)
{
        char *full = NULL;

        if (command != NULL && asprintf(&full, "%s: %s", command, msg) < 0)
                full = NULL;
        fprintf(stderr, "keel: %s\n", full ? full : msg);
        if (log_fd >= 0)
                log_record(log_fd, "error", full ? full : msg);
        free(full);
}

/* Without --log, runc writes its log lines to stderr: so does keel. */
static void log_vmsg(const char *level, const char *fmt, va_list ap)
{
        char *msg = NULL;

        if (vasprintf(&msg, fmt, ap) < 0)
                return;
        fflush(stderr);
        log_record(log_fd >= 0 ? log_fd : STDERR_FILENO, level, msg);
        free(msg);
}

void keel_log_warn(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_vmsg("warning", fmt, ap);
        va_end(ap);
}

void keel_log_debug(const char *fmt, ...)
{
        va_list ap;

        if (!log_debug)
                return;
        va_start(ap, fmt);
        log_vmsg("debug", fmt, ap);
        va_end(ap);
}
