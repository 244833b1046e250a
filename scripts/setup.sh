#!/bin/bash
# The first command of the README: install build dependencies, build keel,
# make a demo bundle from busybox-static and show what keel does with it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${KEEL_BUILD_DIR:-$top/build}

"$top/scripts/deps.sh"
"$top/scripts/build.sh"

demo=${KEEL_DEMO_DIR:-/tmp/keel-demo}
rm -rf "$demo"
mkdir -p "$demo/rootfs/bin"
cp /bin/busybox "$demo/rootfs/bin/busybox"
for applet in sh echo cat ls hostname; do
        ln -s busybox "$demo/rootfs/bin/$applet"
done
"$build/keel" --version
"$build/keel" spec --bundle "$demo"
jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from $(hostname)"]' \
        "$demo/config.json" >"$demo/config.json.new"
mv "$demo/config.json.new" "$demo/config.json"
echo "demo bundle: $demo (process.args: $(jq -c .process.args "$demo/config.json"))"
# Run it: keel's state goes to a private root so the demo leaves nothing.
state=$(mktemp -d /tmp/keel-demo-state.XXXXXX)
trap 'rm -rf "$state"' EXIT
"$build/keel" --root "$state" run --bundle "$demo" "keel-demo-$$"
