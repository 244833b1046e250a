/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_UTIL_CLEANUP_H
#define KEEL_UTIL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Every resource has one owner; these attributes release it on every
 * return path (systemd's and crun's discipline). */

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
        *fd = -1;
}

static inline void fclosep(FILE **f)
{
        if (*f != NULL)
                fclose(*f);
        *f = NULL;
}

static inline void closedirp(DIR **d)
{
        if (*d != NULL)
                closedir(*d);
        *d = NULL;
}

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))
/* keel_error_freep, keel_store_closep and keel_state_freep are keel.h's,
 * which the user of these includes. */
#define _cleanup_error_ __attribute__((cleanup(keel_error_freep)))
#define _cleanup_store_ __attribute__((cleanup(keel_store_closep)))
#define _cleanup_state_ __attribute__((cleanup(keel_state_freep)))

/* Hand ownership to the caller: the cleanup attribute then sees NULL / -1. */
#define steal_pointer(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })
#define take_fd(fdp) ({ int _fd = *(fdp); *(fdp) = -1; _fd; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
