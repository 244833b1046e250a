# SPDX-License-Identifier: LGPL-2.1-or-later
# keel pause and resume on the cgroup v2 freezer: a counter that a container
# writes to a bind-mounted file stops while paused and moves again after.

vm_plan 8

ID=vmh-pause
B=$VMT_DIR/b
OUT=$VMT_DIR/out
make_bundle "$B" /bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/n.new;
        mv /out/n.new /out/n; sleep 0.1; done'
bundle_bind "$B" "$OUT" /out

count() {
        cat "$OUT/n" 2>/dev/null
}

advances() {            # the counter moves within 3 s
        _from=$(count)
        wait_until 3 eval '[ "$(count)" != "$_from" ]'
}

k run --detach --bundle "$B" $ID >"$VMT_DIR/run.out" 2>&1
wait_until 10 test -s "$OUT/n"
vm_ok "the_counter_runs" advances
cg=$(ctr_cgroup $ID)

vm_ok "pause_succeeds" k pause $ID
vm_is "state_says_paused" paused "$(ctr_status $ID)"
vm_is "cgroup_freeze_is_1" 1 "$(cat "$cg/cgroup.freeze" 2>&1)"
vm_ok "the_cgroup_is_frozen" wait_until 5 grep -qx 'frozen 1' "$cg/cgroup.events"
# a write under way when the freezer hit may still land: settle, then watch
sleep 0.3
frozen_at=$(count)
sleep 1.5
vm_is "the_counter_stands_still" "$frozen_at" "$(count)"

k resume $ID
vm_ok "resume_moves_the_counter_again" advances
vm_is "state_says_running" running "$(ctr_status $ID)"

k kill $ID KILL
wait_until 10 status_is $ID stopped
k delete $ID
