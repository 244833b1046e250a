# SPDX-License-Identifier: LGPL-2.1-or-later
# The VM gives what the resource cases rely on: a pure cgroup v2 hierarchy
# at /sys/fs/cgroup with the controllers keel applies available to children.

CONTROLLERS="memory pids cpu io cpuset hugetlb"
vm_plan 5

vm_is "cgroup2_is_mounted_at_sys_fs_cgroup" cgroup2 \
        "$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)"

missing=""
for c in $CONTROLLERS; do
        grep -qw "$c" "$VMT_CG/cgroup.controllers" || missing="$missing $c"
done
vm_is "root_has_memory_pids_cpu_io_cpuset_hugetlb" "" "$missing"

missing=""
for c in $CONTROLLERS; do
        grep -qw "$c" "$VMT_CG/cgroup.subtree_control" || missing="$missing $c"
done
vm_is "controllers_are_enabled_for_children" "" "$missing"

# hugetlb limits need pages to charge: vm-init reserves 2 MiB pages.
vm_ok "hugepages_are_reserved" test "$(cat /proc/sys/vm/nr_hugepages)" -gt 0
# io.max needs a real block device: run-in-vm.sh attaches an empty disk.
vm_ok "a_block_device_for_io_limits" test -b /dev/vda
vm_diag "controllers: $(cat "$VMT_CG/cgroup.controllers"); memory $(awk '/MemTotal/ { print $2 " kB" }' /proc/meminfo)"
