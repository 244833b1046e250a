# SPDX-License-Identifier: LGPL-2.1-or-later
# linux.resources.hugepageLimits enforced: with hugetlb.2MB.max at one page,
# a container can allocate one 2 MiB page on its hugetlbfs and not two
# (fallocate on hugetlbfs allocates, and charges, the pages); events
# counts the refusal.  vm-init reserves 16 pages.

vm_plan 5

ID=vmh-huge
B=$VMT_DIR/b
make_bundle "$B" /bin/sh -c 'fallocate -l 2097152 /hp/one && echo one-ok;
        fallocate -l 4194304 /hp/two && echo two-ok || echo two-refused; exit 0'
bundle_jq "$B" '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 2097152}]
        | .mounts += [{destination: "/hp", type: "hugetlbfs", source: "hugetlbfs",
                options: ["pagesize=2M"]}]'
mkdir -p "$B/rootfs/hp"
k create --bundle "$B" $ID >"$VMT_DIR/out" 2>&1
cg=$VMT_CG/keel/$ID
vm_is "hugetlb_2mb_max_is_written" 2097152 "$(cat "$cg/hugetlb.2MB.max" 2>&1)" ||
        vm_diag "create: $(cat "$VMT_DIR/out")"
k start $ID
wait_until 30 status_is $ID stopped
vm_ok "one_page_fits" grep -qx one-ok "$VMT_DIR/out"
vm_ok "two_pages_do_not" grep -qx two-refused "$VMT_DIR/out" || vm_diag "$(cat "$VMT_DIR/out")"
vm_ok "hugetlb_events_counts_the_refusal" \
        awk '$1 == "max" && $2 > 0 { f = 1 } END { exit !f }' "$cg/hugetlb.2MB.events"
k delete $ID
vm_ok "the_pages_are_free_again" test "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages)" = \
        "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)"
