#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-in-vm.sh CMD [ARG...]: run CMD as root in a throwaway VM with a pure
# cgroup v2 hierarchy, print its stdout and stderr, exit with its status.
#
# The VM is qemu (TCG: no KVM needed) booting Debian's kernel; its / is the
# host's / read-only over 9p with a tmpfs overlay on top, so host binaries and
# the build tree work unchanged and every write is thrown away.  The working
# directory is the current one; variables named KEEL or KEEL_* are passed in.
#
# Exit status: CMD's, or 124 when the VM ran past the timeout, 125 when it
# failed to boot or did not report a status (the console's tail on stderr).
#
# Knobs: KEEL_VM_KIT (the kit cache, see setup.sh), KEEL_VM_TIMEOUT (seconds,
# 900), KEEL_VM_SMP (2), KEEL_VM_MEM (1G), KEEL_VM_APPEND (more kernel
# arguments, e.g. loglevel=7), KEEL_VM_CONSOLE=1 (print the kernel console on
# stderr at the end), KEEL_VM_KEEP=1 (keep the scratch dir), KEEL_VM_INIT=systemd
# (systemd is the VM's pid 1 and runs CMD as a service: the systemd cgroup driver).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${KEEL_VM_TIMEOUT:-900}

if [ $# -eq 0 ]; then
        echo "usage: $0 CMD [ARG...]" >&2
        exit 2
fi
for tool in qemu-system-x86_64 cpio busybox; do
        command -v $tool >/dev/null || {
                echo "run-in-vm: $tool missing: run scripts/deps.sh" >&2
                exit 125
        }
done
kit=$("$HERE/setup.sh") || { echo "run-in-vm: no VM kit" >&2; exit 125; }

T=$(mktemp -d "${TMPDIR:-/tmp}/keel-vm.XXXXXX")
cleanup() {
        if [ "${KEEL_VM_KEEP:-0}" = 1 ]; then
                echo "run-in-vm: kept $T" >&2
        else
                rm -rf "$T"
        fi
}
trap cleanup EXIT

quote() {       # one word, single-quoted for sh
        printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# The per-run part of the initramfs, appended to the kit's base.cpio (the
# kernel unpacks concatenated archives in order): /init, busybox, the command.
mkdir -p "$T/ir/vm" "$T/ir/dev" "$T/ir/proc" "$T/ir/sys"
mkdir -p "$T/ir/bin" "$T/ir/sbin" "$T/ir/usr/bin" "$T/ir/usr/sbin"
cp "$HERE/vm-init" "$T/ir/init"
chmod 0755 "$T/ir/init"
cp "$(command -v busybox)" "$T/ir/bin/busybox"
cp "$kit/modules" "$T/ir/vm/modules"
echo "${KEEL_VM_INIT:-busybox}" >"$T/ir/vm/init-mode"
{
        echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        echo "export HOME=/root LANG=C.UTF-8 TERM=dumb KEEL_IN_VM=1"
        echo "export VM_CWD=$(quote "$PWD")"
        for v in $(compgen -v KEEL); do
                case $v in KEEL | KEEL_*) echo "export $v=$(quote "${!v}")" ;; esac
        done
} >"$T/ir/vm/env"
{
        printf 'exec'
        for a in "$@"; do printf ' %s' "$(quote "$a")"; done
        echo
} >"$T/ir/vm/cmd"
{
        cat "$kit/base.cpio"
        (cd "$T/ir" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
} >"$T/initrd"

# tsc=reliable: TCG's TSC is one steady virtual clock; trusting it keeps
# clock reads in the vDSO instead of trapping into HPET emulation.
# cryptomgr.notests: skip crypto self-tests, a noticeable part of the boot.
append="console=ttyS0 quiet panic=-1 8250.nr_uarts=1 tsc=reliable cryptomgr.notests"
append+=" ${KEEL_VM_APPEND:-}"
args=(-M q35 -accel tcg -smp "${KEEL_VM_SMP:-2}" -m "${KEEL_VM_MEM:-1G}"
        -nodefaults -no-user-config -display none -no-reboot
        -kernel "$kit/vmlinux" -initrd "$T/initrd" -append "$append"
        -chardev "file,id=con,path=$T/console" -serial chardev:con
        -device virtio-serial-pci,id=ser
        -chardev "file,id=out,path=$T/out" -device virtserialport,bus=ser.0,chardev=out,name=out
        -chardev "file,id=err,path=$T/err" -device virtserialport,bus=ser.0,chardev=err,name=err
        -chardev "file,id=rc,path=$T/rc" -device virtserialport,bus=ser.0,chardev=rc,name=rc
        -fsdev "local,id=root,path=/,security_model=none,readonly=on,multidevs=remap"
        -device virtio-9p-pci,fsdev=root,mount_tag=hostroot
        # an empty disk (/dev/vda, reads as zeros) for io.max tests
        -blockdev driver=null-co,node-name=disk,size=67108864,read-zeroes=on
        -device virtio-blk-pci,drive=disk)
# qboot: a minimal firmware that reaches the kernel faster than SeaBIOS
[ -e /usr/share/qemu/qboot.rom ] && args+=(-bios /usr/share/qemu/qboot.rom)

: >"$T/out"
: >"$T/err"
timeout -k 5 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" </dev/null >"$T/qemu.log" 2>&1 &
qemu=$!
# Stream the output while the VM runs; tail stops once qemu is gone.
tail -s 0.2 -n +1 -f --pid=$qemu "$T/out" &
tail_out=$!
tail -s 0.2 -n +1 -f --pid=$qemu "$T/err" >&2 &
tail_err=$!
interrupted=0
trap 'interrupted=1; kill $qemu 2>/dev/null' INT TERM HUP
wait $qemu
qrc=$?
while kill -0 $qemu 2>/dev/null; do
        wait $qemu
        qrc=$?
done
wait $tail_out $tail_err

[ "${KEEL_VM_CONSOLE:-0}" = 1 ] && cat "$T/console" >&2
if [ $interrupted = 1 ]; then
        echo "run-in-vm: interrupted, VM stopped" >&2
        exit 130
fi
rc=$(tr -dc 0-9 <"$T/rc" 2>/dev/null)
if [ -n "$rc" ] && [ "$rc" != 125 ]; then
        exit "$rc"
fi
if [ "$qrc" = 124 ]; then
        echo "run-in-vm: timeout: the VM ran past ${TIMEOUT}s" >&2
else
        echo "run-in-vm: the VM ended without an exit status (qemu: $qrc)" >&2
fi
cat "$T/qemu.log" >&2
echo "run-in-vm: console tail:" >&2
tail -n 80 "$T/console" >&2
[ "$qrc" = 124 ] && exit 124
exit 125
