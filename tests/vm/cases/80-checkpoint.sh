# SPDX-License-Identifier: LGPL-2.1-or-later
# keel checkpoint and restore through criu (the VM's kernel runs criu 3.17;
# the host's 6.18 does not): a counter writing to a bind-mounted volume is
# dumped and restored and continues from its count, in its cgroup with its
# limits; --leave-running; a failed dump leaves the container running; a
# failed restore leaves nothing; what keel refuses, it refuses by name.

vm_plan 31

if ! criu check >/dev/null 2>&1; then
        i=0
        while [ $i -lt 31 ]; do
                vm_skip "checkpoint_$i" "criu check fails in this VM: $(criu check 2>&1 | tail -1)"
                i=$((i + 1))
        done
        return 0
fi

ID=vmh-cr
B=$VMT_DIR/b
OUT=$VMT_DIR/out
IMG=$VMT_DIR/img
make_bundle "$B" /bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/n.new;
        mv /out/n.new /out/n; sleep 0.1; done'
bundle_bind "$B" "$OUT" /out
bundle_jq "$B" '.linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'

count() {
        cat "$OUT/n" 2>/dev/null
}

advances() {            # the counter moves within 3 s
        _from=$(count)
        wait_until 3 eval '[ "$(count)" != "$_from" ]'
}

vm_ok "checkpoint_help_exits_0_where_criu_works" k checkpoint --help
k checkpoint --image-path "$VMT_DIR/x" nosuch >"$VMT_DIR/nosuch.out" 2>&1
vm_ok "checkpoint_of_a_missing_container_says_so" grep -q "container nosuch does not exist" \
        "$VMT_DIR/nosuch.out"
vm_ok "restore_help_exits_0_where_criu_works" k restore --help

k run --detach --bundle "$B" $ID </dev/null >"$VMT_DIR/run.out" 2>&1
wait_until 10 test -s "$OUT/n"
vm_ok "the_counter_runs" advances

# A dump that criu refuses (no such parent images): the container stays.
k checkpoint --image-path "$VMT_DIR/bad" --parent-path "$VMT_DIR/none" $ID \
        >"$VMT_DIR/bad.out" 2>&1
vm_is "a_failed_dump_fails" 1 "$?"
vm_ok "it_names_criu_and_its_log" grep -q "criu dump failed ($VMT_DIR/bad/dump.log)" "$VMT_DIR/bad.out" ||
        vm_diag "$(cat "$VMT_DIR/bad.out")"
vm_is "the_container_still_runs" running "$(ctr_status $ID)"
vm_ok "and_still_counts" advances

vm_ok "checkpoint_succeeds" k checkpoint --image-path "$IMG" $ID
dumped=$(count)
vm_ok "the_container_is_gone_after_the_dump" test ! -e "$VMT_ROOT/$ID"
vm_ok "its_cgroup_is_gone" test ! -e "$VMT_CG/keel/$ID"
sleep 0.5
vm_is "nothing_counts_while_dumped" "$dumped" "$(count)"
vm_ok "descriptors_json_lists_the_stdio" grep -q '"/dev/null"' "$IMG/descriptors.json"

k restore --detach --image-path "$IMG" --bundle "$B" --pid-file "$VMT_DIR/pid" $ID \
        </dev/null >"$VMT_DIR/restore.out" 2>&1
vm_is "restore_succeeds" 0 "$?" || vm_diag "$(cat "$VMT_DIR/restore.out")"
vm_is "state_says_running" running "$(ctr_status $ID)"
vm_is "the_pid_file_names_the_restored_init" "$(ctr_pid $ID)" "$(cat "$VMT_DIR/pid" 2>&1)"
vm_ok "the_counter_continues_from_its_count" wait_until 3 eval '[ "$(count)" -gt "$dumped" ]'
vm_is "in_the_containers_cgroup" "$VMT_CG/keel/$ID" "$(ctr_cgroup $ID)"
vm_is "with_its_memory_limit" 67108864 "$(cat "$VMT_CG/keel/$ID/memory.max" 2>&1)"
vm_is "and_its_pids_limit" 50 "$(cat "$VMT_CG/keel/$ID/pids.max" 2>&1)"

vm_ok "checkpoint_leave_running_succeeds" k checkpoint --leave-running --image-path "$IMG.2" $ID
vm_ok "and_the_container_keeps_counting" advances
k restore --detach --image-path "$IMG.2" --bundle "$B" $ID </dev/null >"$VMT_DIR/dup.out" 2>&1
vm_ok "restore_refuses_an_id_in_use" grep -q "container $ID already exists" "$VMT_DIR/dup.out"
k delete --force $ID

# A container with a terminal: its pty master is the caller's; criu keeps
# the slave as an orphan and restore sends a new master to --console-socket,
# through which the restored shell still answers.
RECV="python3 $KEEL_SRCDIR/tests/tools/console-recv.py"
T=$VMT_DIR/tty
make_bundle "$T" /bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/t.new;
        mv /out/t.new /out/t; [ -t 0 ] && echo tty >/out/isatty; sleep 0.1; done'
bundle_bind "$T" "$OUT" /out
bundle_jq "$T" '.process.terminal = true'
$RECV "$VMT_DIR/sock1" "$VMT_DIR/console1" </dev/null >/dev/null 2>&1 &
wait_until 20 test -e "$VMT_DIR/sock1.ready"
k run --detach --console-socket "$VMT_DIR/sock1" --bundle "$T" ${ID}t </dev/null \
        >"$VMT_DIR/trun.out" 2>&1
wait_until 10 test -s "$OUT/t"
vm_ok "checkpoint_with_a_terminal_succeeds" k checkpoint --image-path "$IMG.t" ${ID}t
tdumped=$(cat "$OUT/t")
rm -f "$OUT/isatty"
$RECV "$VMT_DIR/sock2" "$VMT_DIR/console2" </dev/null >/dev/null 2>&1 &
wait_until 20 test -e "$VMT_DIR/sock2.ready"
k restore --detach --console-socket "$VMT_DIR/sock2" --image-path "$IMG.t" --bundle "$T" ${ID}t \
        </dev/null >"$VMT_DIR/trestore.out" 2>&1
vm_is "restore_with_a_terminal_succeeds" 0 "$?" || vm_diag "$(cat "$VMT_DIR/trestore.out")"
vm_ok "the_console_socket_gets_a_pty_master" wait_until 10 grep -qx "isatty 1" "$VMT_DIR/console2.fd"
vm_ok "the_restored_process_counts_on" wait_until 5 eval '[ "$(cat "$OUT/t")" -gt "$tdumped" ]'
vm_ok "its_stdin_is_still_a_terminal" wait_until 5 test -e "$OUT/isatty"
k delete --force ${ID}t
vm_ok "delete_leaves_nothing_of_it" test ! -e "$VMT_ROOT/${ID}t" -a ! -e "$VMT_CG/keel/${ID}t"

# A restore that fails (no images) leaves no state and no cgroup.
k restore --detach --image-path "$VMT_DIR/none" --bundle "$B" $ID </dev/null \
        >"$VMT_DIR/none.out" 2>&1
vm_is "a_failed_restore_fails" 1 "$?"
vm_ok "and_leaves_nothing" test ! -e "$VMT_ROOT/$ID" -a ! -e "$VMT_CG/keel/$ID"
