/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "keel.h"

const char *keel_version(void)
{
        return PACKAGE_VERSION;
}
