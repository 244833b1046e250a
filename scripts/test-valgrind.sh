#!/bin/bash
# keel's CLI commands under valgrind's memcheck: no invalid read or write, no
# use of uninitialised memory, no definite or indirect leak, on the success
# paths and on the error paths.  Ends with one line "N passed, N failed".
#
#   scripts/test-valgrind.sh [KEEL]        (default: build/keel)
#
# valgrind 3.19 (Debian 12) does not know pidfd_open (syscall 434): create,
# run, start, exec, kill and delete of a live container stop there, so they
# are checked under ASan instead (scripts/test-asan.sh).  Here keel itself
# (not under valgrind) makes the container the other commands look at, and
# the error paths of create, start, kill and delete run under valgrind: they
# fail before any pidfd.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
KEEL=${1:-${KEEL:-$top/build/keel}}

# create re-executes keel from a read-only copy of its binary (the
# CVE-2019-5736 guard), through open_tree or a memfd, neither of which
# valgrind 3.19 can follow; a binary already on a read-only mount is used as
# it is.  So: a private mount namespace where keel's copy is read-only.
if [ -z "${KEEL_VG_PRIVATE:-}" ]; then
        exec unshare -m --propagation private env KEEL_VG_PRIVATE=1 KEEL="$KEEL" "$0"
fi
ro=$(mktemp -d /tmp/keel-valgrind-bin.XXXXXX)
cp "$KEEL" "$ro/keel"
mount --bind -o ro "$ro" "$ro" || { echo "0 passed, 1 failed"; exit 1; }
KEEL=$ro/keel

work=$(mktemp -d /tmp/keel-valgrind.XXXXXX)
root=$work/root
id=vg-$$
passed=0
failed=0

cleanup() {
        "$KEEL" --root "$root" delete --force "$id" >/dev/null 2>&1
        rm -rf "$work"
        umount "$ro" && rm -rf "$ro"
}
trap cleanup EXIT

command -v valgrind >/dev/null || { echo "valgrind missing"; echo "0 passed, 1 failed"; exit 1; }
# A static keel has no loader through which memcheck replaces malloc: its
# leak check would find nothing, whatever leaks.
if ! readelf -l "$KEEL" 2>/dev/null | grep -q 'program interpreter'; then
        echo "$KEEL is static: valgrind needs a dynamic keel (configure --disable-static-keel)"
        echo "0 passed, 1 failed"
        exit 1
fi

# check WANT-STATUS ARGS...: keel ARGS under memcheck exits WANT-STATUS
# (0 or 1) and valgrind reports nothing.
check() {
        local want=$1 rc log=$work/vg.log
        shift
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
                --show-leak-kinds=definite,indirect --log-file="$log" \
                "$KEEL" --root "$root" "$@" >"$work/out" 2>"$work/err" </dev/null
        rc=$?
        # "==PID==" lines are memcheck's findings; "--PID--" lines are its
        # notes (a syscall it does not model, e.g. seccomp() for features).
        if [ "$rc" = "$want" ] && ! grep -q '^==' "$log"; then
                passed=$((passed + 1))
                echo "ok: keel $* (exit $rc)"
        else
                failed=$((failed + 1))
                echo "FAIL: keel $* (exit $rc, want $want)"
                sed 's/^/  /' "$work/err" | head -5
                grep '^==' "$log" | sed 's/^/  /' | head -40
        fi
}

# A bundle: busybox, a sleeping process.
b=$work/bundle
mkdir -p "$b/rootfs/bin"
cp "$(command -v busybox)" "$b/rootfs/bin/busybox"
ln -s busybox "$b/rootfs/bin/sh"
ln -s busybox "$b/rootfs/bin/sleep"
(cd "$b" && "$KEEL" spec) || { echo "0 passed, 1 failed"; exit 1; }
jq '.process.args = ["/bin/sleep", "1000"] | .process.terminal = false' "$b/config.json" >"$b/c" &&
        mv "$b/c" "$b/config.json"

mkdir -p "$work/spec" "$work/spec-rootless"
check 0 spec --bundle "$work/spec"
check 0 spec --rootless --bundle "$work/spec-rootless"
check 0 features
check 0 list
check 1 state "$id"
check 1 delete "$id"
check 1 kill "$id" KILL
check 1 start "$id"
# create's error paths: each fails before keel forks anything.
check 1 create --bundle "$work/nonexistent" "$id"
check 1 create --bundle "$b" "../$id"
cp -r "$b" "$work/bad-json"
printf '{"ociVersion": "1.0.2", "process": ' >"$work/bad-json/config.json"
check 1 create --bundle "$work/bad-json" "$id"
cp -r "$b" "$work/bad-field"
jq '.linux.namespaces += [{type: "nosuch"}]' "$b/config.json" >"$work/bad-field/config.json"
check 1 create --bundle "$work/bad-field" "$id"
cp -r "$b" "$work/bad-caps"
jq '.process.capabilities.bounding += ["CAP_NOSUCH"]' "$b/config.json" >"$work/bad-caps/config.json"
check 1 create --bundle "$work/bad-caps" "$id"

# A live container, made by keel itself; the commands that read it.
if "$KEEL" --root "$root" run --detach --bundle "$b" "$id" >/dev/null 2>"$work/run.err"; then
        check 0 state "$id"
        check 0 list --format json
        check 0 list
        check 0 ps "$id"
        check 0 events --stats "$id"
        check 0 pause "$id"
        check 0 resume "$id"
        check 1 create --bundle "$b" "$id"             # the id exists
        check 1 delete "$id"                           # running
        check 1 update --memory nonsense "$id"
else
        failed=$((failed + 1))
        echo "FAIL: keel run --detach (without valgrind): $(cat "$work/run.err")"
fi
echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
