/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_SECCOMP_FILTER_H
#define KEEL_LINUX_SECCOMP_FILTER_H

/* Private to seccomp*.c: the compiled program, which the compiler
 * (seccomp.c) makes, the -ENOSYS stub (seccomp-enosys.c) is put in front
 * of, and the loader (seccomp-load.c) installs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "linux/seccomp.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct keel_seccomp_filter {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned int flags;             /* for seccomp(2), NEW_LISTENER included */
        bool notify;
};

/* libseccomp's token for s->architectures[i] ("SCMP_ARCH_X86_64" is its
 * "x86_64"); errors name the field. */
int keel_seccomp_arch_token(const struct keel_seccomp *s, size_t i, uint32_t *token,
                            struct keel_error **err);

#endif
