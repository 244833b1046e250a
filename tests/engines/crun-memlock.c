/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LD_PRELOAD for crun 1.8 in the engine tests (tests/engines/engine-lib.sh). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/resource.h>

int setrlimit(__rlimit_resource_t what, const struct rlimit *rl)
{
        int (*next)(__rlimit_resource_t, const struct rlimit *) = dlsym(RTLD_NEXT, "setrlimit");
        struct rlimit cur;
        int ret = next(what, rl);

        if (ret < 0 && errno == EPERM && what == RLIMIT_MEMLOCK &&
            rl->rlim_cur == RLIM_INFINITY && getrlimit(RLIMIT_MEMLOCK, &cur) == 0) {
                cur.rlim_cur = cur.rlim_max;
                next(RLIMIT_MEMLOCK, &cur);
                return 0;
        }
        return ret;
}
