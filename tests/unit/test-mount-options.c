/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "linux/mount-options.h"
#include "tap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ATIME_ALL 0x70 /* MOUNT_ATTR__ATIME */

enum {
        B_BIND = 1,
        B_RBIND = 2,
        B_IDMAP = 4,
        B_RIDMAP = 8,
        B_TMPCOPYUP = 16,
        B_COPY_SYMLINK = 32,
};

struct single_case {
        const char *name;
        unsigned long flags, clear_flags, propagation;
        uint64_t attr_set, attr_clr;
        unsigned bools;
};

/* Every option keel knows, alone: what it turns into. */
static const struct single_case singles[] = {
        { "defaults", 0, 0, 0, 0, 0, 0 },
        { "ro", MS_RDONLY, 0, 0, 0, 0, 0 },
        { "rw", 0, MS_RDONLY, 0, 0, 0, 0 },
        { "nosuid", MS_NOSUID, 0, 0, 0, 0, 0 },
        { "suid", 0, MS_NOSUID, 0, 0, 0, 0 },
        { "nodev", MS_NODEV, 0, 0, 0, 0, 0 },
        { "dev", 0, MS_NODEV, 0, 0, 0, 0 },
        { "noexec", MS_NOEXEC, 0, 0, 0, 0, 0 },
        { "exec", 0, MS_NOEXEC, 0, 0, 0, 0 },
        { "sync", MS_SYNCHRONOUS, 0, 0, 0, 0, 0 },
        { "async", 0, MS_SYNCHRONOUS, 0, 0, 0, 0 },
        { "dirsync", MS_DIRSYNC, 0, 0, 0, 0, 0 },
        { "mand", MS_MANDLOCK, 0, 0, 0, 0, 0 },
        { "nomand", 0, MS_MANDLOCK, 0, 0, 0, 0 },
        { "nodiratime", MS_NODIRATIME, 0, 0, 0, 0, 0 },
        { "diratime", 0, MS_NODIRATIME, 0, 0, 0, 0 },
        { "noatime", MS_NOATIME, 0, 0, 0, 0, 0 },
        { "atime", 0, MS_NOATIME, 0, 0, 0, 0 },
        { "relatime", MS_RELATIME, 0, 0, 0, 0, 0 },
        { "norelatime", 0, MS_RELATIME, 0, 0, 0, 0 },
        { "strictatime", MS_STRICTATIME, 0, 0, 0, 0, 0 },
        { "nostrictatime", 0, MS_STRICTATIME, 0, 0, 0, 0 },
        { "lazytime", MS_LAZYTIME, 0, 0, 0, 0, 0 },
        { "nolazytime", 0, MS_LAZYTIME, 0, 0, 0, 0 },
        { "iversion", MS_I_VERSION, 0, 0, 0, 0, 0 },
        { "noiversion", 0, MS_I_VERSION, 0, 0, 0, 0 },
        { "silent", MS_SILENT, 0, 0, 0, 0, 0 },
        { "loud", 0, MS_SILENT, 0, 0, 0, 0 },
        { "nosymfollow", MS_NOSYMFOLLOW, 0, 0, 0, 0, 0 },
        { "symfollow", 0, MS_NOSYMFOLLOW, 0, 0, 0, 0 },
        { "remount", MS_REMOUNT, 0, 0, 0, 0, 0 },
        { "bind", MS_BIND, 0, 0, 0, 0, B_BIND },
        { "rbind", MS_BIND | MS_REC, 0, 0, 0, 0, B_BIND | B_RBIND },
        { "shared", 0, 0, MS_SHARED, 0, 0, 0 },
        { "rshared", 0, 0, MS_SHARED | MS_REC, 0, 0, 0 },
        { "slave", 0, 0, MS_SLAVE, 0, 0, 0 },
        { "rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0, 0 },
        { "private", 0, 0, MS_PRIVATE, 0, 0, 0 },
        { "rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0, 0 },
        { "unbindable", 0, 0, MS_UNBINDABLE, 0, 0, 0 },
        { "runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, 0 },
        { "rro", 0, 0, 0, MOUNT_ATTR_RDONLY, 0, 0 },
        { "rrw", 0, 0, 0, 0, MOUNT_ATTR_RDONLY, 0 },
        { "rnosuid", 0, 0, 0, MOUNT_ATTR_NOSUID, 0, 0 },
        { "rsuid", 0, 0, 0, 0, MOUNT_ATTR_NOSUID, 0 },
        { "rnodev", 0, 0, 0, MOUNT_ATTR_NODEV, 0, 0 },
        { "rdev", 0, 0, 0, 0, MOUNT_ATTR_NODEV, 0 },
        { "rnoexec", 0, 0, 0, MOUNT_ATTR_NOEXEC, 0, 0 },
        { "rexec", 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, 0 },
        { "rnodiratime", 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0, 0 },
        { "rdiratime", 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0 },
        { "rnosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, 0 },
        { "rsymfollow", 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0 },
        { "rrelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME_ALL, 0 },
        { "rnorelatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME_ALL, 0 },
        { "rnoatime", 0, 0, 0, MOUNT_ATTR_NOATIME, ATIME_ALL, 0 },
        { "ratime", 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME_ALL, 0 },
        { "rstrictatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME_ALL, 0 },
        { "rnostrictatime", 0, 0, 0, MOUNT_ATTR_RELATIME, ATIME_ALL, 0 },
        { "idmap", 0, 0, 0, 0, 0, B_IDMAP },
        { "ridmap", 0, 0, 0, 0, 0, B_IDMAP | B_RIDMAP },
        { "tmpcopyup", 0, 0, 0, 0, 0, B_TMPCOPYUP },
        { "copy-symlink", 0, 0, 0, 0, 0, B_COPY_SYMLINK },
};

static unsigned bools_of(const struct keel_mount_opts *o)
{
        return (o->bind ? B_BIND : 0) | (o->rbind ? B_RBIND : 0) | (o->idmap ? B_IDMAP : 0) |
               (o->ridmap ? B_RIDMAP : 0) | (o->tmpcopyup ? B_TMPCOPYUP : 0) |
               (o->copy_symlink ? B_COPY_SYMLINK : 0);
}

static int same(const struct keel_mount_opts *o, const struct single_case *c)
{
        return o->flags == c->flags && o->clear_flags == c->clear_flags &&
               o->propagation == c->propagation && o->attr_set == c->attr_set &&
               o->attr_clr == c->attr_clr && bools_of(o) == c->bools && o->data == NULL;
}

static void every_known_option_maps_as_documented(void)
{
        size_t i, known = 0;

        for (i = 0; i < ARRAY_SIZE(singles); i++) {
                struct keel_mount_opts o;
                struct keel_error *err = NULL;
                const char *opt = singles[i].name;
                int ret = keel_mount_opts_parse(&opt, 1, &o, &err);

                tap_ok(ret == 0 && same(&o, &singles[i]), "option_%s_maps_to_its_flags", opt);
                if (ret == 0 && !same(&o, &singles[i]))
                        tap_diag("flags %#lx clear %#lx prop %#lx set %#llx clr %#llx bools %#x data %s",
                                 o.flags, o.clear_flags, o.propagation,
                                 (unsigned long long) o.attr_set, (unsigned long long) o.attr_clr,
                                 bools_of(&o), o.data ? o.data : "(null)");
                keel_mount_opts_clear(&o);
                keel_error_free(err);
        }

        /* The test table and the library's table list the same names. */
        while (keel_mount_opts_known(known) != NULL) {
                const char *name = keel_mount_opts_known(known);
                int found = 0;

                for (i = 0; i < ARRAY_SIZE(singles); i++)
                        found |= strcmp(singles[i].name, name) == 0;
                if (!found)
                        tap_diag("known option %s has no test case", name);
                known++;
        }
        tap_is_int(known, ARRAY_SIZE(singles), "known_options_are_all_tested");
}

struct seq_case {
        const char *what;
        const char *opts[6];
        unsigned long flags, clear_flags, propagation;
        uint64_t attr_set, attr_clr;
        const char *data;
};

static const struct seq_case sequences[] = {
        { "ro_then_rw_is_rw", { "ro", "rw" }, 0, MS_RDONLY, 0, 0, 0, NULL },
        { "rw_then_ro_is_ro", { "rw", "ro" }, MS_RDONLY, 0, 0, 0, 0, NULL },
        { "nosuid_then_suid_is_suid", { "nosuid", "suid" }, 0, MS_NOSUID, 0, 0, 0, NULL },
        { "exec_then_noexec_is_noexec", { "exec", "noexec" }, MS_NOEXEC, 0, 0, 0, 0, NULL },
        { "noatime_then_strictatime_keeps_strictatime_only", { "noatime", "strictatime" },
          MS_STRICTATIME, 0, 0, 0, 0, NULL },
        { "strictatime_then_noatime_keeps_noatime_only", { "strictatime", "noatime" },
          MS_NOATIME, 0, 0, 0, 0, NULL },
        { "relatime_then_norelatime_clears_relatime", { "relatime", "norelatime" },
          0, MS_RELATIME, 0, 0, 0, NULL },
        { "private_then_rshared_is_rshared", { "private", "rshared" },
          0, 0, MS_SHARED | MS_REC, 0, 0, NULL },
        { "rslave_then_private_is_private", { "rslave", "private" }, 0, 0, MS_PRIVATE, 0, 0, NULL },
        { "rro_then_rrw_clears_rdonly", { "rro", "rrw" }, 0, 0, 0, 0, MOUNT_ATTR_RDONLY, NULL },
        { "rrw_then_rro_sets_rdonly", { "rrw", "rro" }, 0, 0, 0, MOUNT_ATTR_RDONLY, 0, NULL },
        { "rnoatime_then_rstrictatime_picks_one_atime_mode", { "rnoatime", "rstrictatime" },
          0, 0, 0, MOUNT_ATTR_STRICTATIME, ATIME_ALL, NULL },
        { "rnoatime_then_ratime_is_relatime", { "rnoatime", "ratime" },
          0, 0, 0, MOUNT_ATTR_RELATIME, ATIME_ALL, NULL },
        { "recursive_attrs_combine", { "rro", "rnosuid", "rnodev", "rnoexec" },
          0, 0, 0, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, 0,
          NULL },
        { "recursive_and_plain_flags_are_independent", { "ro", "rrw" },
          MS_RDONLY, 0, 0, 0, MOUNT_ATTR_RDONLY, NULL },
        { "rbind_then_bind_stays_recursive", { "rbind", "bind" }, MS_BIND | MS_REC, 0, 0, 0, 0, NULL },
        { "spec_tmpfs_example", { "nosuid", "strictatime", "mode=755", "size=65536k" },
          MS_NOSUID | MS_STRICTATIME, 0, 0, 0, 0, "mode=755,size=65536k" },
        { "spec_bind_example", { "rbind", "rw" }, MS_BIND | MS_REC, MS_RDONLY, 0, 0, 0, NULL },
        { "devpts_data_keeps_order", { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" },
          MS_NOSUID | MS_NOEXEC, 0, 0, 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5" },
        { "unknown_option_goes_to_data", { "acl" }, 0, 0, 0, 0, 0, "acl" },
        { "crun_only_recursive_flag_goes_to_data", { "rsync", "ro" }, MS_RDONLY, 0, 0, 0, 0, "rsync" },
        { "option_match_is_case_sensitive", { "RO" }, 0, 0, 0, 0, 0, "RO" },
        { "quoted_comma_in_selinux_context_is_one_option",
          { "context=\"system_u:object_r:container_file_t:s0:c1,c2\"", "ro" },
          MS_RDONLY, 0, 0, 0, 0, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"" },
};

static void options_combine_in_order(void)
{
        size_t i;

        for (i = 0; i < ARRAY_SIZE(sequences); i++) {
                const struct seq_case *c = &sequences[i];
                char name[128];
                struct keel_mount_opts o;
                struct keel_error *err = NULL;
                size_t n = 0;
                int ret;

                while (n < ARRAY_SIZE(c->opts) && c->opts[n] != NULL)
                        n++;
                ret = keel_mount_opts_parse(c->opts, n, &o, &err);
                tap_ok(ret == 0 && o.flags == c->flags && o.clear_flags == c->clear_flags &&
                       o.propagation == c->propagation && o.attr_set == c->attr_set &&
                       o.attr_clr == c->attr_clr, "%s", c->what);
                if (ret != 0)
                        tap_diag("error: %s", err ? err->msg : "(none)");
                snprintf(name, sizeof(name), "data_of_%s", c->what);
                if (ret == 0)
                        tap_is_str(o.data, c->data, name);
                keel_mount_opts_clear(&o);
                keel_error_free(err);
        }
}

struct reject_case {
        const char *what;
        const char *opts[3];
        const char *msg;
};

static const struct reject_case rejects[] = {
        { "empty_option_is_rejected", { "ro", "" }, "mount option at index 1 is empty" },
        { "comma_smuggling_a_flag_is_rejected", { "mode=755,suid" },
          "mount option \"mode=755,suid\" contains ',': give each option as its own element of "
          "\"options\"" },
        { "trailing_comma_is_rejected", { "ro," },
          "mount option \"ro,\" contains ',': give each option as its own element of \"options\"" },
        { "comma_after_closed_quote_is_rejected", { "context=\"a,b\",rw" },
          "mount option \"context=\"a,b\",rw\" contains ',': give each option as its own element of "
          "\"options\"" },
        { "unbalanced_quote_is_rejected", { "context=\"a:b" },
          "mount option context=\"a:b has an unbalanced '\"'" },
};

static void bad_options_are_rejected(void)
{
        struct keel_mount_opts o;
        struct keel_error *err = NULL;
        size_t i;
        int ret;

        for (i = 0; i < ARRAY_SIZE(rejects); i++) {
                const struct reject_case *c = &rejects[i];
                char name[128];
                size_t n = 0;

                err = NULL;
                while (n < ARRAY_SIZE(c->opts) && c->opts[n] != NULL)
                        n++;
                ret = keel_mount_opts_parse(c->opts, n, &o, &err);
                tap_ok(ret == -EINVAL && o.data == NULL, "%s", c->what);
                snprintf(name, sizeof(name), "%s_message", c->what);
                tap_is_str(err ? err->msg : NULL, c->msg, name);
                keel_error_free(err);
        }

        err = NULL;
        ret = keel_mount_opts_parse(NULL, 2, &o, &err);
        tap_ok(ret == -EINVAL && err != NULL, "null_array_with_count_is_rejected");
        keel_error_free(err);

        /* A failure after data was collected leaves nothing to free. */
        {
                const char *opts[] = { "mode=755", "size=1k", "" };

                err = NULL;
                ret = keel_mount_opts_parse(opts, 3, &o, &err);
                tap_ok(ret == -EINVAL && o.data == NULL && o.flags == 0,
                       "failure_after_data_leaves_output_empty");
                keel_error_free(err);
        }
}

static void no_options_give_empty_result(void)
{
        struct keel_mount_opts o;
        int ret = keel_mount_opts_parse(NULL, 0, &o, NULL);

        tap_ok(ret == 0 && o.flags == 0 && o.clear_flags == 0 && o.propagation == 0 &&
               o.attr_set == 0 && o.attr_clr == 0 && bools_of(&o) == 0 && o.data == NULL,
               "no_options_give_empty_result");
        keel_mount_opts_clear(&o);
        keel_mount_opts_clear(&o);
        keel_mount_opts_clear(NULL);
        tap_ok(o.data == NULL, "clear_is_idempotent");
}

static void rootfs_propagation_names(void)
{
        static const struct {
                const char *name;
                unsigned long want;
        } good[] = {
                { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
                { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
                { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
                { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
        };
        static const char *const bad[] = { "ro", "bind", "Shared", "rshared ", "foo" };
        unsigned long flags;
        size_t i;
        int ret;

        for (i = 0; i < ARRAY_SIZE(good); i++) {
                flags = 123;
                ret = keel_mount_propagation_parse(good[i].name, &flags, NULL);
                tap_ok(ret == 0 && flags == good[i].want, "rootfs_propagation_%s", good[i].name);
        }
        flags = 123;
        tap_ok(keel_mount_propagation_parse(NULL, &flags, NULL) == 0 && flags == 0,
               "rootfs_propagation_unset_is_zero");
        flags = 123;
        tap_ok(keel_mount_propagation_parse("", &flags, NULL) == 0 && flags == 0,
               "rootfs_propagation_empty_is_unset");
        for (i = 0; i < ARRAY_SIZE(bad); i++) {
                struct keel_error *err = NULL;

                ret = keel_mount_propagation_parse(bad[i], &flags, &err);
                tap_ok(ret == -EINVAL && flags == 0, "rootfs_propagation_rejects \"%s\"", bad[i]);
                keel_error_free(err);
        }
        {
                struct keel_error *err = NULL;

                keel_mount_propagation_parse("foo", &flags, &err);
                tap_is_str(err ? err->msg : NULL,
                           "unknown mount propagation \"foo\" (expected shared, slave, private, "
                           "unbindable, or rshared, rslave, rprivate, runbindable)",
                           "rootfs_propagation_error_names_the_choices");
                keel_error_free(err);
        }
}

int main(void)
{
        every_known_option_maps_as_documented();
        options_combine_in_order();
        bad_options_are_rejected();
        no_options_give_empty_result();
        rootfs_propagation_names();
        return tap_done();
}
