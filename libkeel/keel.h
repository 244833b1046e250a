/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkeel: the public API of the keel OCI runtime library. */
#ifndef KEEL_H
#define KEEL_H

#include "error.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"
#include "store.h"

const char *keel_version(void);

#endif
