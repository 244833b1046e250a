# SPDX-License-Identifier: LGPL-2.1-or-later
# The baseline for keel's resource cases, without keel: the VM's kernel
# enforces pids.max and memory.max on plain cgroups, and `dd bs=64M` (GNU's
# and busybox's, the one inside containers) really holds 64 MiB.

vm_plan 7

# --- pids.max ---
cg=$(cg_make vmt-pids)
echo 10 >"$cg/pids.max"
# A failed fork ends a dash or busybox shell: the loop runs in its own.
cg_run "$cg" sh -c 'i=0; while [ $i -lt 30 ]; do sleep 60 & i=$((i + 1)); echo $i >"$1"; done' \
        loop "$VMT_DIR/forked" 2>"$VMT_DIR/fork.err"
current=$(cat "$cg/pids.current")
vm_ok "pids_max_10_stops_a_loop_of_30_forks" test "$current" -le 10
vm_diag "pids.current $current after $(cat "$VMT_DIR/forked") of 30 forks: $(head -1 "$VMT_DIR/fork.err")"
refused=$(sed -n 's/^max //p' "$cg/pids.events")
vm_ok "pids_events_counts_the_refused_forks" test "${refused:-0}" -gt 0
cg_remove "$cg"

# --- memory.max ---
oom_kills() {           # CGDIR
        sed -n 's/^oom_kill //p' "$1/memory.events"
}

cg=$(cg_make vmt-mem)
echo 32M >"$cg/memory.max"
echo 0 >"$cg/memory.swap.max"
cg_run "$cg" /usr/bin/dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
vm_is "memory_max_32M_kills_a_64M_dd" 137 $?
vm_is "memory_events_counts_the_oom_kill" 1 "$(oom_kills "$cg")"
cg_run "$cg" busybox dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
vm_is "busybox_dd_is_killed_too" 137 $?
cg_remove "$cg"

# Control: with room, the same dd passes and its peak shows what it held.
cg=$(cg_make vmt-mem-control)
echo 128M >"$cg/memory.max"
cg_run "$cg" busybox dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
vm_is "dd_passes_under_memory_max_128M" 0 $?
peak=$(cat "$cg/memory.peak")
vm_ok "dd_held_64M" test "$peak" -ge $((64 * 1024 * 1024)) || vm_diag "memory.peak $peak"
cg_remove "$cg"
