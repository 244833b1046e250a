/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_SPEC_DEFAULT_SPEC_H
#define KEEL_SPEC_DEFAULT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The config.json `keel spec` writes: runc's default template with keel's
 * name and spec version.  With rootless, the changes runc's `spec
 * --rootless` makes: a user namespace mapping root to uid/gid, no network
 * namespace, /sys bound from the host, no uid=/gid= mount options and no
 * resources.  Capability sets other than bounding, effective and permitted
 * stay empty (CVE-2022-29162). */
int keel_default_spec_json(bool rootless, uid_t uid, gid_t gid, char **out, size_t *len,
                           struct keel_error **err);

#endif
