/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_FEATURES_H
#define KEEL_SPEC_FEATURES_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* The features document (runtime-spec features.md, features-linux.md) that
 * `keel features` prints.  It lists what keel recognises *and applies*: a
 * config field that `create` refuses as "not supported yet" is reported as
 * enabled false or left out, so an engine never relies on it. */

/* What the library cannot know by itself: the CLI's build identity and what
 * the running kernel accepts.  A NULL string leaves its annotation out. */
struct keel_features_info {
        const char *version;            /* annotation "org.keel.version" */
        const char *commit;             /* annotation "org.keel.commit" */
        const char *libseccomp_version; /* annotation "io.github.seccomp.libseccomp.version" */
        unsigned int seccomp_flags;     /* KEEL_SECCOMP_FLAG_* for supportedFlags */
        bool apparmor;                  /* the host has AppArmor: profiles are applied */
        bool selinux;                   /* SELinux is enabled (labels can be applied) */
        bool checkpoint;                /* criu runs here: annotation
                                         * "org.keel.checkpoint.enabled" (runc's is
                                         * "org.opencontainers.runc.checkpoint.enabled") */
};

/* The KEEL_SECCOMP_FLAG_* bits the running kernel takes in
 * seccomp(SECCOMP_SET_MODE_FILTER): the document's supportedFlags.  Asks
 * the kernel without installing anything. */
unsigned int keel_features_seccomp_flags(void);

/* The document as indented JSON (4 spaces, as runc prints it), with a
 * trailing newline; *out is NUL-terminated and must be freed. */
int keel_features_json(const struct keel_features_info *info, char **out, size_t *len,
                       struct keel_error **err);

#endif
