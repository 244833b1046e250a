/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_ERROR_H
#define KEEL_ERROR_H

/* The error value and its calls are public: keel.h. */
#include "keel.h"

#define _cleanup_error_ __attribute__((cleanup(keel_error_freep)))

#endif
