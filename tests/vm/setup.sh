#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# setup.sh: make sure the VM kit exists and print its directory.
#
# The kit is what run-in-vm.sh boots: Debian's kernel as an uncompressed
# vmlinux (qemu starts it through its PVH entry, skipping decompression under
# emulation) and base.cpio, an initramfs fragment holding the few modules
# needed to reach the host's root over 9p.  The kernel package is only
# downloaded and unpacked, never installed.
#
# Layout, under $KEEL_VM_KIT (default /var/cache/keel-vm):
#   debs/<pkg>_<version>_amd64.deb   kept: old kernel packages leave the mirror
#   <pkg>/vmlinux <pkg>/base.cpio <pkg>/kernel-version <pkg>/.kit-v1
# It is keyed by the kernel package name (linux-image-6.1.0-NN-amd64, what
# linux-image-amd64 depends on, or $KEEL_VM_KERNEL_PKG), so it is rebuilt
# only when Debian moves to a new ABI.  Progress goes to stderr.
set -euo pipefail

KIT=${KEEL_VM_KIT:-/var/cache/keel-vm}
# Bump when the kit's contents change, so an old cache is rebuilt.
STAMP=.kit-v2
MODULE_DIRS="drivers/virtio drivers/char/virtio_console.ko drivers/block/virtio_blk.ko
        net/9p fs/9p fs/netfs fs/fscache fs/overlayfs
        $(for m in net/ipv4/inet_diag net/ipv4/tcp_diag net/ipv4/udp_diag net/ipv4/raw_diag \
                net/unix/unix_diag net/netlink/netlink_diag net/packet/af_packet \
                net/packet/af_packet_diag lib/libcrc32c crypto/crc32c_generic \
                net/netfilter/nfnetlink net/netfilter/nf_tables net/netfilter/nf_conntrack \
                net/netfilter/nf_conntrack_netlink net/ipv4/netfilter/nf_defrag_ipv4 \
                net/ipv6/netfilter/nf_defrag_ipv6 net/netfilter/x_tables net/netfilter/nft_compat \
                net/netfilter/xt_mark drivers/net/tun drivers/net/veth; do echo "$m.ko*"; done)"
# What vm-init loads; each module pulls its dependencies through modules.dep.
# The second line is what criu needs (checkpoint cases, ../shared/vm/criu.md):
# the socket diag modules, nf_tables (crc32c_generic first: libcrc32c needs
# it and modprobe cannot tell), conntrack over netlink for a network
# namespace's dump, and a few it warns without.
MODULES="virtio_pci virtio_console virtio_blk 9pnet_virtio 9p overlay
        inet_diag tcp_diag udp_diag raw_diag unix_diag netlink_diag af_packet_diag
        crc32c_generic nf_tables nf_conntrack_netlink nft_compat xt_mark tun veth"

say() { echo "vm-kit: $*" >&2; }
die() { say "$*"; exit 1; }

# apt-cache takes seconds without a binary cache; its answer can only change
# with the package lists, so it is remembered until they do.
lists_stamp() {
        stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null | md5sum | cut -d' ' -f1
}

resolve_pkg() {
        local stamp pkg
        [ -n "${KEEL_VM_KERNEL_PKG:-}" ] && { echo "$KEEL_VM_KERNEL_PKG"; return; }
        stamp=$(lists_stamp)
        if [ -f "$KIT/.resolved" ] && [ "$(cut -d' ' -f1 "$KIT/.resolved")" = "$stamp" ]; then
                cut -d' ' -f2 "$KIT/.resolved"
                return
        fi
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
                awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
        [ -n "$pkg" ] && echo "$stamp $pkg" >"$KIT/.resolved"
        echo "$pkg"
}

# The newest complete kit, for a machine that cannot ask apt (offline).
newest_kit() {
        ls -dt "$KIT"/linux-image-*/"$STAMP" 2>/dev/null | head -1 | xargs -r dirname
}

download() {    # PKG: the .deb into $KIT/debs, refreshing apt's lists once if needed
        local pkg=$1
        ls "$KIT/debs/${pkg}"_*.deb >/dev/null 2>&1 && return
        mkdir -p "$KIT/debs"
        # The cache dir is root's; apt's _apt user could not write there.
        (cd "$KIT/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) && return
        say "apt-get download $pkg failed; refreshing the package lists"
        apt-get update -q >&2 || true
        (cd "$KIT/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
                die "cannot download $pkg"
}

extract_vmlinux() {     # VMLINUZ OUT: the xz payload of a bzImage, as an ELF file
        local off
        off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | head -1 | cut -d: -f1)
        [ -n "$off" ] || return 1
        tail -c +$((off + 1)) "$1" | xz -dc --single-stream >"$2" 2>/dev/null || true
        [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ]
}

build() {       # PKG: build $KIT/PKG in a scratch dir, then move it in place
        local pkg=$1 deb kver k pats p
        work=$(mktemp -d "$KIT/.build.XXXXXX")
        trap 'rm -rf "$work"' EXIT
        download "$pkg"
        deb=$(ls "$KIT/debs/${pkg}"_*.deb | tail -1)
        say "unpacking $(basename "$deb")"
        # Only the files the kit needs, not the 400 MB of the whole package.
        pats=("./boot/vmlinuz-*" "./boot/config-*" "./lib/modules/*/modules.builtin")
        for p in $MODULE_DIRS; do
                pats+=("./lib/modules/*/kernel/$p")
        done
        # tar complains about patterns that match nothing (a module built in):
        # what matters is that the kernel came out.
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards "${pats[@]}" 2>/dev/null ||
                true
        if [ -z "$(ls "$work"/boot/vmlinuz-* 2>/dev/null)" ]; then
                rm -f "$deb"    # a truncated download: fetch it again next time
                die "$deb: no kernel inside"
        fi
        kver=$(ls "$work/lib/modules")
        mkdir -p "$work/out"
        extract_vmlinux "$work/boot/vmlinuz-$kver" "$work/out/vmlinux" ||
                die "cannot extract an uncompressed vmlinux from vmlinuz-$kver"
        echo "$kver" >"$work/out/kernel-version"

        # base.cpio: /lib/modules/KVER with the modules flat and a modules.dep
        # made by busybox's depmod, so that "modprobe 9p" in the VM finds deps.
        k=$work/root/lib/modules/$kver
        mkdir -p "$k"
        find "$work/lib/modules/$kver/kernel" -name '*.ko*' -exec cp {} "$k/" \;
        for p in "$k"/*.ko.xz; do
                [ -e "$p" ] && xz -d "$p"
        done
        cp "$work/lib/modules/$kver/modules.builtin" "$k/"
        busybox depmod -b "$work/root" "$kver"
        for p in $MODULES; do
                grep -q "^$p.ko:" "$k/modules.dep" ||
                        grep -q "/${p//_/[-_]}.ko\$" "$k/modules.builtin" ||
                        die "module $p is neither in $pkg nor built in"
        done
        (cd "$work/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) \
                >"$work/out/base.cpio"
        echo $MODULES >"$work/out/modules"
        touch "$work/out/$STAMP"
        rm -rf "${KIT:?}/$pkg"
        mv "$work/out" "$KIT/$pkg"
        say "built $KIT/$pkg (kernel $kver, vmlinux $(stat -c %s "$KIT/$pkg/vmlinux") bytes)"
}

prune() {       # PKG: drop the kits and packages of older kernels
        local d
        for d in "$KIT"/linux-image-* "$KIT"/debs/linux-image-*.deb; do
                case ${d##*/} in
                "$1" | "$1"_*) ;;
                *) [ -e "$d" ] && say "removing ${d#$KIT/}" && rm -rf "$d" ;;
                esac
        done
        return 0
}

main() {
        local pkg kit
        command -v busybox >/dev/null || die "busybox missing: install busybox-static"
        command -v cpio >/dev/null || die "cpio missing: install cpio"
        command -v xz >/dev/null || die "xz missing: install xz-utils"
        mkdir -p "$KIT"
        # Two test runs on one machine build the kit once.
        exec 9>"$KIT/.lock"
        flock 9
        pkg=$(resolve_pkg)
        if [ -z "$pkg" ]; then
                kit=$(newest_kit)
                [ -n "$kit" ] && { echo "$kit"; return; }
                say "linux-image-amd64 is unknown to apt; running apt-get update"
                apt-get update -q >&2 || true
                pkg=$(resolve_pkg)
                [ -n "$pkg" ] || die "cannot find Debian's kernel package (linux-image-amd64)"
        fi
        if [ ! -e "$KIT/$pkg/$STAMP" ]; then
                build "$pkg"
                prune "$pkg"
        fi
        echo "$KIT/$pkg"
}

main "$@"
