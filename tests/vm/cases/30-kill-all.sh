# SPDX-License-Identifier: LGPL-2.1-or-later
# keel kill --all signals every process in the container's cgroup, and
# delete --force leaves no cgroup.  The containers share the VM's pid
# namespace: there, the init's death does not take its children along, so
# only --all (or delete --force) can empty the cgroup.

vm_plan 8

procs_at_least() {      # CGDIR N
        [ "$(wc -l <"$1/cgroup.procs")" -ge "$2" ]
}

none_alive() {          # PID...: each gone or a zombie
        for _p in "$@"; do
                _st=$(sed 's/.*) //; s/ .*//' "/proc/$_p/stat" 2>/dev/null)
                [ -n "$_st" ] && [ "$_st" != Z ] && return 1
        done
        return 0
}

start_family() {        # ID: a container of four processes, running
        make_bundle "$VMT_DIR/$1" /bin/sh -c 'sleep 600 & sleep 600 & sleep 600 & wait'
        bundle_no_ns "$VMT_DIR/$1" pid
        k run --detach --bundle "$VMT_DIR/$1" "$1" >"$VMT_DIR/$1.out" 2>&1
        wait_until 10 status_is "$1" running
}

ID=vmh-killall
start_family $ID
cg=$(ctr_cgroup $ID)
vm_ok "the_container_has_four_processes" wait_until 10 procs_at_least "$cg" 4
pids=$(cat "$cg/cgroup.procs")
vm_ok "kill_all_succeeds" k kill --all $ID KILL
vm_ok "every_process_is_dead" wait_until 10 none_alive $pids
vm_ok "the_container_is_stopped" wait_until 10 status_is $ID stopped
vm_ok "delete_succeeds" k delete $ID
vm_ok "no_cgroup_after_delete" test ! -e "$cg"

ID=vmh-force
start_family $ID
cg=$(ctr_cgroup $ID)
wait_until 10 procs_at_least "$cg" 4
pids=$(cat "$cg/cgroup.procs")
k delete --force $ID
vm_ok "delete_force_of_a_running_container_removes_its_cgroup" test ! -e "$cg"
vm_ok "and_kills_every_process" wait_until 10 none_alive $pids
