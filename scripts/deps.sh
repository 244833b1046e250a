#!/bin/bash
# Install what keel needs to build and test, from Debian's packages.
# Idempotent: apt is asked only for what is missing.
set -euo pipefail

packages=(
        # build
        build-essential autoconf automake libtool pkg-config
        libyajl-dev libseccomp-dev libcap-dev libselinux1-dev libsystemd-dev
        zlib1g-dev      # zlib.h for the image layer reader (libz is dlopen()ed, not linked)
        # tests: rootfs, bundle editing, bats, namespace tools, capsh
        busybox-static jq bats util-linux bsdutils libcap2-bin procps python3
        # tests: keel under a tracer (binary.bats: the ptrace guard's fallback)
        strace
        # tests: rootless keel maps subordinate ids through newuidmap/newgidmap
        uidmap
        # tests: image layouts (gzip/zstd layers, the libraries keel dlopen()s)
        gzip zstd libzstd1 zlib1g
        # tests: image layouts made by the real tools (tests/integration/image-tools.bats)
        umoci skopeo
        # tests/vm: qemu boots Debian's kernel; cpio and xz build the VM's kit
        qemu-system-x86 cpio xz-utils
        # checkpoint/restore (the VM runs the host's criu: the host kernel is too
        # new for criu 3.17, Debian 12's kernel in the VM is not)
        criu
        # tests/vm: apparmor_parser loads the AppArmor profiles the VM cases use
        apparmor
        # engine tests, and tests/vm/cases/70-podman.sh (the VM runs the host's podman)
        podman conmon crun
        # engine tests: Docker 20.10 (dockerd, its client, containerd and runc, the
        # reference; docker-init for --init) and Buildah 1.28 (tests/engines/docker.bats,
        # buildah.bats); their services are not started (policy-rc.d below)
        docker.io buildah
        # scripts/test.sh's robustness runs: libFuzzer (clang), memcheck
        clang libclang-rt-14-dev valgrind
        # tests/vm/selinux.vm: the reference policy and load_policy for the VM,
        # which boots with SELinux (the host keeps its LSM)
        selinux-policy-default policycoreutils selinux-utils
)

missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        echo "deps: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Packages with services (apparmor, containerd) must not start them here.
        made_policy=
        if [ ! -e /usr/sbin/policy-rc.d ]; then
                printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
                chmod 755 /usr/sbin/policy-rc.d
                made_policy=1
        fi
        status=0
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || status=$?
        if [ -n "$made_policy" ]; then
                rm -f /usr/sbin/policy-rc.d
        fi
        exit $status
fi
