# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by podman-setup.sh and containerd-setup.sh (sourced; $DIR is the
# sandbox directory).

# crun 1.8 raises RLIMIT_MEMLOCK to infinity before loading its device
# filter and gives up on EPERM; without CAP_SYS_RESOURCE (this CI's
# bounding set) that always fails.  crun >= 1.14 keeps the hard limit and
# goes on; this preload (crun-memlock.c) does the same for that one call.
build_crun_preload() {
        gcc -O2 -shared -fPIC -o "$DIR/runtime/memlock.so" \
                "$(dirname "${BASH_SOURCE[0]}")/crun-memlock.c" -ldl
}

# has_cap N: capability number N is in our bounding set
has_cap() {
        local bnd
        bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        (((0x$bnd >> $1) & 1))
}
