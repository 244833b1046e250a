# SPDX-License-Identifier: LGPL-2.1-or-later
# The systemd cgroup driver, with systemd as the VM's pid 1: each container
# is a transient, delegated scope unit holding its init; the limits are in
# the cgroup files and in the unit's properties (so a daemon-reload keeps
# them); update changes both; exec and pause work in the scope; delete and
# a failed create leave no unit and no cgroup.

vm_plan 30

ID=vmsd-a
B=$VMT_DIR/b
UNIT=keel-$ID.scope
make_bundle "$B" /bin/sleep 1000
bundle_jq "$B" '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 20},
        cpu: {quota: 50000, period: 100000}}'

ks() {                  # keel with the systemd driver
        k --systemd-cgroup "$@"
}

prop() {                # UNIT PROPERTY: its value as systemctl shows it
        systemctl show -P "$2" "$1" 2>&1
}

unit_gone() {           # UNIT: systemd no longer has it loaded
        [ "$(prop "$1" LoadState)" = not-found ] || [ "$(prop "$1" ActiveState)" = inactive ]
}

vm_is "systemd_is_pid_1" systemd "$(cat /proc/1/comm)"
vm_ok "run_detached_with_the_systemd_driver" ks run --detach --bundle "$B" $ID
vm_is "the_scope_is_active" active "$(prop $UNIT ActiveState)"
vm_is "the_scope_is_delegated" yes "$(prop $UNIT Delegate)"
vm_is "the_scope_is_in_system_slice" /system.slice/$UNIT "$(prop $UNIT ControlGroup)"
pid=$(ctr_pid $ID)
vm_is "the_init_is_in_the_scope" "0::/system.slice/$UNIT" "$(cat /proc/$pid/cgroup)"
cg=$VMT_CG/system.slice/$UNIT
vm_is "memory_max_file" 67108864 "$(cat $cg/memory.max)"
vm_is "pids_max_file" 20 "$(cat $cg/pids.max)"
vm_is "cpu_max_file" "50000 100000" "$(cat $cg/cpu.max)"
vm_is "memory_max_property" 67108864 "$(prop $UNIT MemoryMax)"
vm_is "tasks_max_property" 20 "$(prop $UNIT TasksMax)"
systemctl daemon-reload
vm_is "limits_survive_a_daemon_reload" "67108864 20 50000 100000" \
        "$(cat $cg/memory.max) $(cat $cg/pids.max) $(cat $cg/cpu.max)"

vm_ok "update_memory" ks update --memory 128M --pids-limit 30 $ID
systemctl daemon-reload
vm_is "the_update_is_in_the_files_and_survives_a_reload" "134217728 30" \
        "$(cat $cg/memory.max) $(cat $cg/pids.max)"
vm_is "the_update_is_in_the_unit" "134217728 30" "$(prop $UNIT MemoryMax) $(prop $UNIT TasksMax)"

vm_is "exec_joins_the_scope" "0::/" "$(k exec $ID cat /proc/self/cgroup 2>&1)"
k pause $ID
vm_ok "pause_freezes_the_scope" wait_until 5 grep -qx 'frozen 1' $cg/cgroup.events
k resume $ID

k kill $ID KILL
wait_until 10 status_is $ID stopped
vm_ok "delete_succeeds" k delete $ID
vm_ok "delete_leaves_no_unit" wait_until 5 unit_gone $UNIT
vm_ok "delete_leaves_no_cgroup" wait_until 5 test ! -d $cg

# SLICE:PREFIX:NAME, a slice that does not exist yet (systemd makes it).
bundle_jq "$B" '.linux.cgroupsPath = "keeltest-sub.slice:vmsd:b" | del(.linux.resources)'
ks run --detach --bundle "$B" vmsd-b >/dev/null 2>&1
vm_is "a_custom_path_gives_that_unit_in_that_slice" \
        "/keeltest.slice/keeltest-sub.slice/vmsd-b.scope" "$(prop vmsd-b.scope ControlGroup)"
# A second container asking for the same unit is refused, and leaves nothing.
ks create --bundle "$B" vmsd-c >"$VMT_DIR/dup.out" 2>&1
vm_ok "the_same_unit_twice_is_refused_with_systemds_reason" \
        grep -q 'systemd: StartTransientUnit vmsd-b.scope: Unit vmsd-b.scope was already loaded' "$VMT_DIR/dup.out" ||
        vm_diag "$(cat "$VMT_DIR/dup.out")"
vm_is "the_refused_create_left_no_state" "" "$(ls "$VMT_ROOT" | grep vmsd-c)"
# ... and left the unit it was refused alone: its abort once stopped that
# unit, vmsd-b's scope (systemd sent its init SIGTERM; with the delete right
# after, the scope could stay "deactivating" until TimeoutStopSec).
vm_is "the_refused_create_left_the_other_scope_active" active "$(prop vmsd-b.scope ActiveState)"
ks delete --force vmsd-b

# A create that fails after the scope started (a limit file that does not
# exist) removes the unit again.
bundle_jq "$B" 'del(.linux.cgroupsPath) | .linux.resources = {unified: {"memory.nosuchfile": "1"}}'
ks create --bundle "$B" vmsd-d >"$VMT_DIR/fail.out" 2>&1
vm_ok "a_failing_create_says_why" grep -q 'memory.nosuchfile' "$VMT_DIR/fail.out" ||
        vm_diag "$(cat "$VMT_DIR/fail.out")"
vm_ok "a_failing_create_leaves_no_unit" wait_until 5 unit_gone keel-vmsd-d.scope
vm_is "a_failing_create_leaves_no_state" "" "$(ls "$VMT_ROOT")"

# delete --force of a scope systemd is already stopping: `systemctl stop`,
# with an init that ignores SIGTERM, leaves it "deactivating" until
# TimeoutStopSec (90 s).  delete kills what is left; the scope must then end
# at once, and its cgroup go.  (A delete that removed the cgroup before
# asking systemd to stop the unit could leave it deactivating.)
B2=$VMT_DIR/b2
make_bundle "$B2" /bin/sh -c 'trap "" TERM; while :; do sleep 1; done'
ks run --detach --bundle "$B2" vmsd-e >/dev/null 2>&1
systemctl stop --no-block keel-vmsd-e.scope
active_state_is() {     # UNIT STATE
        [ "$(prop "$1" ActiveState)" = "$2" ]
}
vm_ok "systemctl_stop_leaves_a_sigterm_ignoring_scope_deactivating" \
        wait_until 5 active_state_is keel-vmsd-e.scope deactivating ||
        vm_diag "$(prop keel-vmsd-e.scope ActiveState)"
ks delete --force vmsd-e
vm_ok "delete_force_ends_a_stopping_scope_at_once" wait_until 10 unit_gone keel-vmsd-e.scope ||
        vm_diag "$(prop keel-vmsd-e.scope ActiveState)/$(prop keel-vmsd-e.scope SubState)"
vm_ok "delete_force_of_a_stopping_scope_leaves_no_cgroup" \
        wait_until 10 test ! -d $VMT_CG/system.slice/keel-vmsd-e.scope
