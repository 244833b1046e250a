/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

/* The error value and its calls are public: keel.h. */
#include "keel.h"
#include "util/cleanup.h"   /* _cleanup_error_ */

#endif
