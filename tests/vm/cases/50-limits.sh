# SPDX-License-Identifier: LGPL-2.1-or-later
# linux.resources enforced, not just written: each limit is read back from
# the container's cgroup and then hit by the container.

vm_plan 27

cgdir() {               # ID: the container's cgroup (keel's default /keel/<id>)
        echo "$VMT_CG/keel/$1"
}

# --- pids: a fork loop stops at pids.max ------------------------------------------
ID=vmh-pids
B=$VMT_DIR/pids
make_bundle "$B" /bin/sh -c 'echo inside $(cat /sys/fs/cgroup/pids.max); n=0; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        sleep 30 & [ $? -eq 0 ] && n=$((n + 1)); done; echo started $n; kill $(jobs -p) 2>/dev/null; exit 0'
bundle_jq "$B" '.linux.resources.pids = {limit: 6}'
k create --bundle "$B" $ID >"$VMT_DIR/pids.out" 2>&1
vm_is "pids_max_is_written" 6 "$(cat "$(cgdir $ID)/pids.max" 2>&1)" ||
        vm_diag "create: $(cat "$VMT_DIR/pids.out")"
k start $ID
wait_until 60 status_is $ID stopped
# The container's /sys/fs/cgroup is its own cgroup (cgroup namespace).
vm_ok "the_container_sees_its_own_limit" grep -qx "inside 6" "$VMT_DIR/pids.out"
vm_ok "the_fork_loop_hit_pids_max" awk '$1 == "max" && $2 > 0 { f = 1 } END { exit !f }' \
        "$(cgdir $ID)/pids.events"
k delete $ID

# --- a user namespace's stage 1 and init: born in the cgroup, pids.limit kept -----
# Stage 1 (needed for the user namespace) is born in the container's cgroup
# and the init with it; with pids.limit 1 the two would not fit, and keel
# forks stage 1 outside instead.  Fails on a keel whose init misses its
# cgroup, or that cannot start a container whose limit is 1.
ID=vmh-userns
B=$VMT_DIR/userns
make_bundle "$B" /bin/sleep 30
bundle_jq "$B" '.linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.resources.pids = {limit: 4}'
chmod 755 "$VMT_DIR"
k create --bundle "$B" $ID >"$VMT_DIR/userns.out" 2>&1 || vm_diag "create: $(cat "$VMT_DIR/userns.out")"
pid=$(ctr_pid $ID)
vm_is "userns_init_is_alone_in_its_cgroup" "$pid" "$(cat "$(cgdir $ID)/cgroup.procs" 2>&1)"
k delete --force $ID
ID=vmh-userns1
B=$VMT_DIR/userns1
make_bundle "$B" /keel-checker uts
bundle_jq "$B" '.linux.namespaces += [{type: "user"}]
        | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
        | .linux.resources.pids = {limit: 1}'
k create --bundle "$B" $ID >"$VMT_DIR/userns1.out" 2>&1
vm_is "userns_with_pids_limit_1_is_created" created "$(ctr_status $ID)" ||
        vm_diag "create: $(cat "$VMT_DIR/userns1.out")"
pid=$(ctr_pid $ID)
vm_is "its_init_is_in_its_cgroup" "$pid" "$(cat "$(cgdir $ID)/cgroup.procs" 2>&1)"
k start $ID
wait_until 30 status_is $ID stopped
vm_ok "and_runs" grep -q "^hostname: " "$VMT_DIR/userns1.out"
k delete $ID

# --- memory: 64 MiB under memory.max = 32M is OOM-killed, and events says so ------
ID=vmh-oom
B=$VMT_DIR/oom
make_bundle "$B" /keel-checker uts --alloc 64
bundle_jq "$B" '.linux.resources.memory = {limit: 33554432, swap: 33554432}'
k create --bundle "$B" $ID >"$VMT_DIR/oom.err" 2>&1
vm_is "memory_max_is_written" 33554432 "$(cat "$(cgdir $ID)/memory.max" 2>&1)"
vm_is "memory_plus_swap_equal_to_memory_means_no_swap" 0 \
        "$(cat "$(cgdir $ID)/memory.swap.max" 2>&1)"
k events --interval 10s $ID >"$VMT_DIR/oom.events" 2>&1 &
events=$!
# Its first stats line comes once memory.events is watched.
wait_until 30 grep -q '"type":"stats"' "$VMT_DIR/oom.events"
k start $ID
wait_until 60 status_is $ID stopped
vm_ok "the_oom_killer_took_the_allocator" awk '$1 == "oom_kill" && $2 > 0 { f = 1 } END { exit !f }' \
        "$(cgdir $ID)/memory.events"
wait_until 30 grep -q '"type":"oom"' "$VMT_DIR/oom.events"
vm_ok "events_reported_the_oom" grep -q "{\"type\":\"oom\",\"id\":\"$ID\"}" "$VMT_DIR/oom.events"
wait $events
k delete $ID

# --- cpu: cpu.max throttles a busy loop; weight and cpuset as converted -----------
ID=vmh-cpu
B=$VMT_DIR/cpu
make_bundle "$B" /keel-checker uts --spin 2
bundle_jq "$B" '.linux.resources.cpu = {quota: 10000, period: 100000, shares: 1024, cpus: "0"}'
k create --bundle "$B" $ID >"$VMT_DIR/cpu.out" 2>&1
vm_is "cpu_max_is_quota_and_period" "10000 100000" "$(cat "$(cgdir $ID)/cpu.max" 2>&1)"
vm_is "cpu_shares_1024_is_weight_39" 39 "$(cat "$(cgdir $ID)/cpu.weight" 2>&1)"
vm_is "cpuset_cpus_is_written" 0 "$(cat "$(cgdir $ID)/cpuset.cpus" 2>&1)"
k start $ID
wait_until 90 status_is $ID stopped
vm_ok "the_busy_loop_was_throttled" awk '$1 == "nr_throttled" && $2 > 0 { f = 1 } END { exit !f }' \
        "$(cgdir $ID)/cpu.stat"
k delete $ID

# --- io.max: reads from the virtio disk at 1 MiB/s ----------------------------------
ID=vmh-io
B=$VMT_DIR/io
if [ -e /sys/block/vda/dev ]; then
        majmin=$(cat /sys/block/vda/dev)
        maj=${majmin%:*}
        min=${majmin#*:}
        # 3 MiB at 1 MiB/s: at least about 2 s however fast the disk is.
        make_bundle "$B" /bin/sh -c 'a=$(date +%s); dd if=/dev/vda of=/dev/null bs=64k count=48 2>/dev/null;
                b=$(date +%s); echo $((b - a))'
        bundle_jq "$B" '.linux.devices = [{path: "/dev/vda", type: "b", major: $M, minor: $m}]
                | .linux.resources.devices = [{allow: true, type: "b", major: $M, minor: $m, access: "r"}]
                | .linux.resources.blockIO = {throttleReadBpsDevice: [{major: $M, minor: $m, rate: 1048576}]}' \
                --argjson M "$maj" --argjson m "$min"
        k create --bundle "$B" $ID >"$VMT_DIR/io.err" 2>&1
        vm_is "io_max_is_written" "$majmin rbps=1048576 wbps=max riops=max wiops=max" \
                "$(grep "^$majmin " "$(cgdir $ID)/io.max" 2>&1)"
        k delete $ID
        k run --bundle "$B" $ID >"$VMT_DIR/io.out" 2>&1
        secs=$(tail -1 "$VMT_DIR/io.out")
        vm_ok "reading_3_mib_took_at_least_2_s" test "${secs:-0}" -ge 2
        vm_diag "3 MiB read in ${secs} s"
else
        vm_skip "io_max_is_written" "no virtio disk"
        vm_skip "reading_3_mib_took_at_least_2_s" "no virtio disk"
fi

# --- update: limits change live, and checkBeforeUpdate guards memory ---------------
ID=vmh-update
B=$VMT_DIR/update
make_bundle "$B" /keel-checker uts --alloc 16 --sleep 600
bundle_jq "$B" '.linux.resources = {pids: {limit: 10}, memory: {limit: 67108864, checkBeforeUpdate: true}}'
k run --detach --bundle "$B" $ID >"$VMT_DIR/update.out" 2>&1
wait_until 30 status_is $ID running
vm_ok "update_pids_limit" k update --pids-limit 20 $ID
vm_is "pids_max_changed_live" 20 "$(cat "$(cgdir $ID)/pids.max" 2>&1)"
vm_ok "update_memory_with_units" k update --memory 48m $ID
vm_is "memory_max_changed_live" 50331648 "$(cat "$(cgdir $ID)/memory.max" 2>&1)"
# 16 MiB are in use: 1 MiB is below, and checkBeforeUpdate refuses it.
wait_until 30 grep -q "alloc: 16 MiB" "$VMT_DIR/update.out" 2>/dev/null
if k update --memory 1m $ID 2>"$VMT_DIR/update.err"; then
        vm_fail "a_limit_below_usage_is_refused" "update --memory 1m succeeded"
else
        vm_ok "a_limit_below_usage_is_refused" grep -q "below the current usage" "$VMT_DIR/update.err"
fi
vm_is "the_refused_limit_was_not_written" 50331648 "$(cat "$(cgdir $ID)/memory.max" 2>&1)"
k events --stats $ID >"$VMT_DIR/update.stats" 2>&1
vm_ok "stats_report_memory_and_pids" jq -e '.data.memory.usage.limit == 50331648
        and .data.pids.limit == 20 and .data.memory.usage.usage > 0' "$VMT_DIR/update.stats"
k delete --force $ID

# --- unified: written as given; a missing file is an error and leaves nothing --------
ID=vmh-unified
B=$VMT_DIR/unified
make_bundle "$B" /bin/true
bundle_jq "$B" '.linux.resources.unified = {"memory.high": "40000000", "pids.max": "7"}'
k create --bundle "$B" $ID >"$VMT_DIR/unified.err" 2>&1
vm_is "unified_memory_high_is_written" 39997440 "$(cat "$(cgdir $ID)/memory.high" 2>&1)"
k delete --force $ID
bundle_jq "$B" '.linux.resources.unified = {"memory.nosuchfile": "1"}'
k create --bundle "$B" $ID >"$VMT_DIR/unified.err" 2>&1
vm_ok "a_missing_cgroup_file_is_a_clear_error" grep -q \
        "linux.resources.unified.memory.nosuchfile: cgroup /keel/$ID has no file" "$VMT_DIR/unified.err"
vm_ok "the_failed_create_left_no_cgroup" test ! -e "$(cgdir $ID)"
