#!/bin/bash
# Configure (once) and build keel in build/ (out of tree). Extra arguments go
# to configure, e.g. scripts/build.sh --enable-asan.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILD_DIR:-$top/build}

cd "$top"
if [ ! -x configure ]; then
        ./autogen.sh >autogen.out 2>&1 || { cat autogen.out; exit 1; }
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ $# -gt 0 ]; then
        "$top/configure" -q "$@"
fi
make -j"$(nproc)" >/dev/null
echo "built: $build/keel"
