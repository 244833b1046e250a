/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading and writing whole files: the CLI's own, libkeel's are internal. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

int keel_cli_write_all(int fd, const void *buf, size_t len)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = write(fd, p, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                len -= (size_t) n;
        }
        return 0;
}

int keel_cli_read_fd(int fd, size_t max_size, char **out, size_t *len, struct keel_error **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, cap = 0;

        for (;;) {
                ssize_t n;

                if (cap - size < 4096) {
                        size_t ncap = cap ? cap * 2 : 8192;
                        char *nbuf;

                        if (ncap > max_size + 1)
                                ncap = max_size + 1;
                        if (ncap <= size)
                                return keel_error_setq(err, EFBIG, "read: larger than %zu bytes",
                                                       max_size);
                        nbuf = realloc(buf, ncap + 1);
                        if (nbuf == NULL)
                                return keel_error_set(err, ENOMEM, "read");
                        buf = nbuf;
                        cap = ncap;
                }
                n = read(fd, buf + size, cap - size);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return keel_error_set(err, errno, "read");
                }
                if (n == 0)
                        break;
                size += (size_t) n;
                if (size > max_size)
                        return keel_error_setq(err, EFBIG, "read: larger than %zu bytes", max_size);
        }
        if (buf == NULL && (buf = malloc(1)) == NULL)
                return keel_error_set(err, ENOMEM, "read");
        buf[size] = '\0';
        *out = steal_pointer(&buf);
        if (len)
                *len = size;
        return 0;
}

int keel_cli_read_file(const char *path, size_t max_size, char **out, size_t *len,
                       struct keel_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int ret;

        if (fd < 0)
                return keel_error_set(err, errno, "open %s", path);
        ret = keel_cli_read_fd(fd, max_size, out, len, err);
        if (ret < 0)
                return keel_error_prefix(err, "%s", path);
        return 0;
}
