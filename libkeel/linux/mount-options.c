/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "linux/mount-options.h"
#include "util/cleanup.h"

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#define MOUNT_ATTR_NOSUID 0x00000002
#define MOUNT_ATTR_NODEV 0x00000004
#define MOUNT_ATTR_NOEXEC 0x00000008
#define MOUNT_ATTR__ATIME 0x00000070
#define MOUNT_ATTR_RELATIME 0x00000000
#define MOUNT_ATTR_NOATIME 0x00000010
#define MOUNT_ATTR_STRICTATIME 0x00000020
#define MOUNT_ATTR_NODIRATIME 0x00000080
#endif
#ifndef MOUNT_ATTR_NOSYMFOLLOW
#define MOUNT_ATTR_NOSYMFOLLOW 0x00200000
#endif

/* The kernel treats noatime/relatime/strictatime as one choice. */
#define ATIME_FLAGS ((unsigned long) (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))

enum opt_kind {
        OPT_NOOP,
        OPT_FLAG,        /* value: MS_* set, or cleared when .clear */
        OPT_ATIME,       /* value: the one MS_* atime mode to keep */
        OPT_PROPAGATION, /* value: MS_SHARED... | MS_REC */
        OPT_ATTR,        /* value: MOUNT_ATTR_* set, or cleared when .clear */
        OPT_RATIME,      /* value: the MOUNT_ATTR_* atime mode for the whole tree */
        OPT_BIND,        /* value: MS_BIND, or MS_BIND | MS_REC */
        OPT_IDMAP,
        OPT_RIDMAP,
        OPT_TMPCOPYUP,
        OPT_COPY_SYMLINK,
};

struct mount_opt {
        const char *name;
        enum opt_kind kind;
        bool clear;
        uint64_t value;
};

static const struct mount_opt mount_opt_table[] = {
        { "defaults", OPT_NOOP, false, 0 },

        { "ro", OPT_FLAG, false, MS_RDONLY },
        { "rw", OPT_FLAG, true, MS_RDONLY },
        { "nosuid", OPT_FLAG, false, MS_NOSUID },
        { "suid", OPT_FLAG, true, MS_NOSUID },
        { "nodev", OPT_FLAG, false, MS_NODEV },
        { "dev", OPT_FLAG, true, MS_NODEV },
        { "noexec", OPT_FLAG, false, MS_NOEXEC },
        { "exec", OPT_FLAG, true, MS_NOEXEC },
        { "sync", OPT_FLAG, false, MS_SYNCHRONOUS },
        { "async", OPT_FLAG, true, MS_SYNCHRONOUS },
        { "dirsync", OPT_FLAG, false, MS_DIRSYNC },
        { "mand", OPT_FLAG, false, MS_MANDLOCK },
        { "nomand", OPT_FLAG, true, MS_MANDLOCK },
        { "nodiratime", OPT_FLAG, false, MS_NODIRATIME },
        { "diratime", OPT_FLAG, true, MS_NODIRATIME },
        { "noatime", OPT_ATIME, false, MS_NOATIME },
        { "atime", OPT_FLAG, true, MS_NOATIME },
        { "relatime", OPT_ATIME, false, MS_RELATIME },
        { "norelatime", OPT_FLAG, true, MS_RELATIME },
        { "strictatime", OPT_ATIME, false, MS_STRICTATIME },
        { "nostrictatime", OPT_FLAG, true, MS_STRICTATIME },
        { "lazytime", OPT_FLAG, false, MS_LAZYTIME },
        { "nolazytime", OPT_FLAG, true, MS_LAZYTIME },
        { "iversion", OPT_FLAG, false, MS_I_VERSION },
        { "noiversion", OPT_FLAG, true, MS_I_VERSION },
        { "silent", OPT_FLAG, false, MS_SILENT },
        { "loud", OPT_FLAG, true, MS_SILENT },
        { "nosymfollow", OPT_FLAG, false, MS_NOSYMFOLLOW },
        { "symfollow", OPT_FLAG, true, MS_NOSYMFOLLOW },
        { "remount", OPT_FLAG, false, MS_REMOUNT },

        { "bind", OPT_BIND, false, MS_BIND },
        { "rbind", OPT_BIND, false, MS_BIND | MS_REC },

        { "shared", OPT_PROPAGATION, false, MS_SHARED },
        { "rshared", OPT_PROPAGATION, false, MS_SHARED | MS_REC },
        { "slave", OPT_PROPAGATION, false, MS_SLAVE },
        { "rslave", OPT_PROPAGATION, false, MS_SLAVE | MS_REC },
        { "private", OPT_PROPAGATION, false, MS_PRIVATE },
        { "rprivate", OPT_PROPAGATION, false, MS_PRIVATE | MS_REC },
        { "unbindable", OPT_PROPAGATION, false, MS_UNBINDABLE },
        { "runbindable", OPT_PROPAGATION, false, MS_UNBINDABLE | MS_REC },

        { "rro", OPT_ATTR, false, MOUNT_ATTR_RDONLY },
        { "rrw", OPT_ATTR, true, MOUNT_ATTR_RDONLY },
        { "rnosuid", OPT_ATTR, false, MOUNT_ATTR_NOSUID },
        { "rsuid", OPT_ATTR, true, MOUNT_ATTR_NOSUID },
        { "rnodev", OPT_ATTR, false, MOUNT_ATTR_NODEV },
        { "rdev", OPT_ATTR, true, MOUNT_ATTR_NODEV },
        { "rnoexec", OPT_ATTR, false, MOUNT_ATTR_NOEXEC },
        { "rexec", OPT_ATTR, true, MOUNT_ATTR_NOEXEC },
        { "rnodiratime", OPT_ATTR, false, MOUNT_ATTR_NODIRATIME },
        { "rdiratime", OPT_ATTR, true, MOUNT_ATTR_NODIRATIME },
        { "rnosymfollow", OPT_ATTR, false, MOUNT_ATTR_NOSYMFOLLOW },
        { "rsymfollow", OPT_ATTR, true, MOUNT_ATTR_NOSYMFOLLOW },
        { "rrelatime", OPT_RATIME, false, MOUNT_ATTR_RELATIME },
        { "rnorelatime", OPT_RATIME, false, MOUNT_ATTR_STRICTATIME },
        { "rnoatime", OPT_RATIME, false, MOUNT_ATTR_NOATIME },
        { "ratime", OPT_RATIME, false, MOUNT_ATTR_RELATIME },
        { "rstrictatime", OPT_RATIME, false, MOUNT_ATTR_STRICTATIME },
        { "rnostrictatime", OPT_RATIME, false, MOUNT_ATTR_RELATIME },

        { "idmap", OPT_IDMAP, false, 0 },
        { "ridmap", OPT_RIDMAP, false, 0 },
        { "tmpcopyup", OPT_TMPCOPYUP, false, 0 },
        { "copy-symlink", OPT_COPY_SYMLINK, false, 0 },
};

static const struct mount_opt *mount_opt_lookup(const char *name)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(mount_opt_table); i++)
                if (strcmp(mount_opt_table[i].name, name) == 0)
                        return &mount_opt_table[i];
        return NULL;
}

const char *keel_mount_opts_known(size_t i)
{
        return i < ARRAY_SIZE(mount_opt_table) ? mount_opt_table[i].name : NULL;
}

/* The data argument is split on ',' by the kernel (and by the LSMs, which
 * honour double quotes), so one array element must stay one option. */
static int check_option(const char *opt, size_t index, struct keel_error **err)
{
        bool quoted = false;
        const char *p;

        if (opt == NULL || *opt == '\0')
                return keel_error_set(err, 0, "mount option at index %zu is empty", index);
        for (p = opt; *p != '\0'; p++) {
                if (*p == '"')
                        quoted = !quoted;
                else if (*p == ',' && !quoted)
                        return keel_error_set(err, 0,
                                              "mount option \"%s\" contains ',': give each option "
                                              "as its own element of \"options\"", opt);
        }
        if (quoted)
                return keel_error_set(err, 0, "mount option %s has an unbalanced '\"'", opt);
        return 0;
}

static int data_append(char **data, size_t *len, const char *opt)
{
        size_t add = strlen(opt) + (*len > 0 ? 1 : 0);
        char *grown = realloc(*data, *len + add + 1);

        if (grown == NULL)
                return -ENOMEM;
        if (*len > 0)
                grown[(*len)++] = ',';
        strcpy(grown + *len, opt);
        *len += strlen(opt);
        *data = grown;
        return 0;
}

static void apply_option(const struct mount_opt *m, struct keel_mount_opts *o)
{
        switch (m->kind) {
        case OPT_NOOP:
                break;
        case OPT_FLAG:
                if (m->clear) {
                        o->flags &= ~m->value;
                        o->clear_flags |= m->value;
                } else {
                        o->flags |= m->value;
                        o->clear_flags &= ~m->value;
                }
                break;
        case OPT_ATIME:
                o->flags = (o->flags & ~ATIME_FLAGS) | m->value;
                o->clear_flags &= ~m->value;
                break;
        case OPT_PROPAGATION:
                o->propagation = m->value;
                break;
        case OPT_ATTR:
                if (m->clear) {
                        o->attr_set &= ~m->value;
                        o->attr_clr |= m->value;
                } else {
                        o->attr_set |= m->value;
                        o->attr_clr &= ~m->value;
                }
                break;
        case OPT_RATIME:
                /* mount_setattr(2): an atime mode in attr_set is only
                 * accepted with all of MOUNT_ATTR__ATIME in attr_clr. */
                o->attr_set = (o->attr_set & ~(uint64_t) MOUNT_ATTR__ATIME) | m->value;
                o->attr_clr |= MOUNT_ATTR__ATIME;
                break;
        case OPT_BIND:
                o->flags |= m->value;
                o->bind = true;
                if (m->value & MS_REC)
                        o->rbind = true;
                break;
        case OPT_IDMAP:
                o->idmap = true;
                break;
        case OPT_RIDMAP:
                o->idmap = true;
                o->ridmap = true;
                break;
        case OPT_TMPCOPYUP:
                o->tmpcopyup = true;
                break;
        case OPT_COPY_SYMLINK:
                o->copy_symlink = true;
                break;
        }
}

int keel_mount_opts_parse(const char *const *options, size_t n, struct keel_mount_opts *out,
                          struct keel_error **err)
{
        struct keel_mount_opts o = { 0 };
        _cleanup_free_ char *data = NULL;
        size_t data_len = 0, i;
        int ret;

        memset(out, 0, sizeof(*out));
        if (n > 0 && options == NULL)
                return keel_error_set(err, 0, "parse mount options: %zu options but no array", n);

        for (i = 0; i < n; i++) {
                const struct mount_opt *m;

                ret = check_option(options[i], i, err);
                if (ret < 0)
                        return ret;
                m = mount_opt_lookup(options[i]);
                if (m != NULL) {
                        apply_option(m, &o);
                        continue;
                }
                if (data_append(&data, &data_len, options[i]) < 0)
                        return keel_error_set(err, ENOMEM, "collect mount data option \"%s\"",
                                              options[i]);
        }
        o.data = steal_pointer(&data);
        *out = o;
        return 0;
}

void keel_mount_opts_clear(struct keel_mount_opts *o)
{
        if (o == NULL)
                return;
        free(o->data);
        memset(o, 0, sizeof(*o));
}

int keel_mount_propagation_parse(const char *name, unsigned long *flags, struct keel_error **err)
{
        const struct mount_opt *m;

        *flags = 0;
        if (name == NULL || *name == '\0')
                return 0;
        m = mount_opt_lookup(name);
        if (m == NULL || m->kind != OPT_PROPAGATION)
                return keel_error_set(err, 0,
                                      "unknown mount propagation \"%s\" (expected shared, slave, "
                                      "private, unbindable, or rshared, rslave, rprivate, "
                                      "runbindable)", name);
        *flags = m->value;
        return 0;
}
