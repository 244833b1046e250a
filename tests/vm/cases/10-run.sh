# SPDX-License-Identifier: LGPL-2.1-or-later
# keel run in a pure cgroup v2 VM: output and exit status come through, the
# container lives in its cgroup (/keel/<id> by default) while it runs, and
# the cgroup is gone once the container is deleted.

vm_plan 9

# Without a cgroup namespace the process sees its full cgroup path.
ID=vmh-run
B=$VMT_DIR/run
make_bundle "$B" /bin/sh -c 'echo hello from keel; cat /proc/self/cgroup; exit 3'
bundle_no_ns "$B" cgroup
k run --bundle "$B" $ID >"$VMT_DIR/run.out" 2>"$VMT_DIR/run.err"
rc=$?
vm_is "run_prints_the_process_output" "hello from keel" "$(sed -n 1p "$VMT_DIR/run.out")"
vm_is "run_exits_with_the_process_status" 3 "$rc" || vm_diag "stderr: $(cat "$VMT_DIR/run.err")"
vm_is "the_process_runs_in_cgroup_keel_id" "0::/keel/$ID" "$(sed -n 2p "$VMT_DIR/run.out")"
vm_ok "run_deletes_the_cgroup_after_the_process_exits" test ! -e "$VMT_CG/keel/$ID"

# Detached, with the default cgroup namespace: look from outside.
ID=vmh-detached
B=$VMT_DIR/detached
make_bundle "$B" /bin/sh -c 'cat /proc/self/cgroup; exec sleep 600'
k run --detach --bundle "$B" $ID >"$VMT_DIR/detached.out" 2>&1
vm_ok "detached_container_runs" wait_until 10 status_is $ID running
pid=$(ctr_pid $ID)
vm_is "its_cgroup_is_keel_id" "$VMT_CG/keel/$ID" "$(ctr_cgroup $ID)"
vm_ok "the_cgroup_holds_the_init" grep -qx "$pid" "$VMT_CG/keel/$ID/cgroup.procs"
wait_until 5 test -s "$VMT_DIR/detached.out"
vm_is "the_cgroup_namespace_hides_the_path" "0::/" "$(cat "$VMT_DIR/detached.out")"
k kill $ID KILL
wait_until 10 status_is $ID stopped
k delete $ID
vm_ok "delete_removes_the_cgroup" test ! -e "$VMT_CG/keel/$ID"
