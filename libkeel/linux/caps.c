/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "linux/caps.h"
#include "util/fs.h"

static const char *const cap_names[] = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};
#define N_CAPS ((int) (sizeof(cap_names) / sizeof(cap_names[0])))

int keel_cap_from_name(const char *name)
{
        for (int i = 0; i < N_CAPS; i++)
                if (strcmp(cap_names[i], name) == 0)
                        return i;
        return -1;
}

const char *keel_cap_name(int i)
{
        return i >= 0 && i < N_CAPS ? cap_names[i] : NULL;
}

static int last_cap(void)
{
        char *buf = NULL;
        int last = N_CAPS - 1;

        if (keel_read_file_at(-100 /* AT_FDCWD */, "/proc/sys/kernel/cap_last_cap", 64, &buf, NULL,
                              NULL) == 0) {
                last = atoi(buf);
                free(buf);
        }
        return last;
}

static int parse_set(char **names, size_t n, const char *field, int last,
                     unsigned long long *out, struct keel_error **err)
{
        *out = 0;
        for (size_t i = 0; i < n; i++) {
                int cap = keel_cap_from_name(names[i]);

                if (cap < 0)
                        return keel_error_setq(err, EINVAL, "process.capabilities.%s: unknown capability %s",
                                               field, names[i]);
                if (cap <= last)
                        *out |= 1ULL << cap;
        }
        return 0;
}

int keel_caps_parse(const struct keel_capabilities *c, struct keel_cap_sets *out,
                    struct keel_error **err)
{
        int last = last_cap();
        int ret;

        memset(out, 0, sizeof(*out));
        if (c == NULL)
                return 0;
        ret = parse_set(c->bounding, c->n_bounding, "bounding", last, &out->bounding, err);
        if (ret == 0)
                ret = parse_set(c->effective, c->n_effective, "effective", last, &out->effective, err);
        if (ret == 0)
                ret = parse_set(c->inheritable, c->n_inheritable, "inheritable", last,
                                &out->inheritable, err);
        if (ret == 0)
                ret = parse_set(c->permitted, c->n_permitted, "permitted", last, &out->permitted, err);
        if (ret == 0)
                ret = parse_set(c->ambient, c->n_ambient, "ambient", last, &out->ambient, err);
        return ret;
}

int keel_caps_apply_bounding(const struct keel_cap_sets *sets, struct keel_error **err)
{
        int last = last_cap();

        for (int cap = 0; cap <= last && cap < 64; cap++) {
                if (sets->bounding & (1ULL << cap))
                        continue;
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                        return keel_error_set(err, errno, "drop %s from the bounding set",
                                              cap < N_CAPS ? cap_names[cap] : "capability");
        }
        return 0;
}

int keel_caps_apply(const struct keel_cap_sets *sets, struct keel_error **err)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2];

        for (int i = 0; i < 2; i++) {
                data[i].effective = (uint32_t) (sets->effective >> (32 * i));
                data[i].permitted = (uint32_t) (sets->permitted >> (32 * i));
                data[i].inheritable = (uint32_t) (sets->inheritable >> (32 * i));
        }
        if (syscall(SYS_capset, &hdr, data) < 0)
                return keel_error_set(err, errno, "set capabilities");
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return keel_error_set(err, errno, "clear ambient capabilities");
        for (int cap = 0; cap < 64; cap++) {
                if (!(sets->ambient & (1ULL << cap)))
                        continue;
                /* The kernel refuses an ambient cap that is not both permitted
                 * and inheritable; runc ignores that failure too. */
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
                        return keel_error_set(err, errno, "raise ambient %s",
                                              cap < N_CAPS ? cap_names[cap] : "capability");
        }
        return 0;
}
