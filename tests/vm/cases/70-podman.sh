# SPDX-License-Identifier: LGPL-2.1-or-later
# podman (rootful, conmon, cgroupfs) driving keel where cgroup v2 has every
# controller: --pids-limit stops a fork loop, --memory calls the OOM killer,
# and a detached container's limit is the same in podman inspect and in its
# cgroup.  The host's engine tests (tests/engines/podman.bats) can only see
# these limits refused.  podman's storage, run and state roots are on the
# VM's /run (tmpfs); keel runs under podman with its default root, /run/keel.

vm_plan 21

P=$VMT_DIR/podman
IMG=localhost/podvm-busybox
# The parent of the containers' cgroups (podman's --cgroup-parent): the
# oom_kill count of memory.events is hierarchical, so it outlives the
# --rm container whose cgroup had the limit.
PARENT=/podvm
KROOT=/run/keel

pm() {                  # podman with the case's private configuration
        CONTAINERS_CONF=$P/containers.conf CONTAINERS_STORAGE_CONF=$P/storage.conf \
                podman "$@"
}

# pm_setup: containers.conf and storage.conf under $P, and the image.
pm_setup() {
        mkdir -p "$P/cni" "$P/tmp" "$P/rootfs" || return 1
        cat >"$P/containers.conf" <<EOF
[containers]
netns = "none"
cgroupns = "private"
log_driver = "k8s-file"
# conmon stays in the case's cgroup: only the container is under $PARENT
cgroups = "no-conmon"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$P/events.log"
tmp_dir = "$P/libpod"
image_copy_tmp_dir = "$P/tmp"
runtime = "keel"
runtime_supports_json = ["crun", "runc", "keel"]

[engine.runtimes]
keel = ["$KEEL"]

[network]
network_backend = "cni"
network_config_dir = "$P/cni"
EOF
        # vfs: no overlay mounts to leave behind on the VM's /run
        cat >"$P/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$P/storage"
runroot = "$P/run"
EOF
        mkdir -p "$P/rootfs/bin" "$P/rootfs/etc" "$P/rootfs/tmp" "$P/rootfs/proc" \
                "$P/rootfs/sys" "$P/rootfs/dev" "$P/rootfs/root" || return 1
        cp /bin/busybox "$P/rootfs/bin/busybox" &&
                chroot "$P/rootfs" /bin/busybox --install -s /bin || return 1
        echo 'root:x:0:0:root:/root:/bin/sh' >"$P/rootfs/etc/passwd"
        echo 'root:x:0:' >"$P/rootfs/etc/group"
        chmod 1777 "$P/rootfs/tmp"
        tar -C "$P/rootfs" -cf "$P/rootfs.tar" . || return 1
        pm import -q --change 'CMD ["/bin/sh"]' "$P/rootfs.tar" "$IMG"
}

# pm_pid NAME: the init's pid of a running podman container (from keel's
# state, which podman keeps under keel's default root).
pm_pid() {
        _id=$(pm inspect -f '{{.Id}}' "$1" 2>/dev/null) || return 1
        "$KEEL" --root "$KROOT" state "$_id" 2>/dev/null | grep -o '"pid": *[0-9]*' |
                sed 's/.*: *//'
}

pid_cgroup() {          # PID: its cgroup directory, from /proc/PID/cgroup
        _cg=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
        [ -n "$_cg" ] && echo "$VMT_CG$_cg"
}

event_count() {         # FILE KEY: the value of KEY in a cgroup's *.events file
        awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "none" }' "$1" 2>/dev/null
}

no_child_cgroups() {    # DIR: no cgroup below DIR
        [ -z "$(find "$1" -mindepth 1 -type d 2>/dev/null)" ]
}

if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
        why="podman or conmon is not installed (scripts/deps.sh installs them)"
        for t in image_is_imported pids_run_exits_0 pids_max_is_10 forks_beyond_the_limit_fail \
                oom_run_exits_137 oom_memory_max_is_32m oom_kill_is_counted_in_the_container \
                oom_kill_is_counted_in_the_parent run_d_starts inspect_shows_64m \
                memory_max_is_64m rm_f_succeeds no_cgroup_is_left no_keel_state_is_left \
                podman_knows_no_container checkpoint_succeeds checkpointed_container_exited \
                restore_succeeds restored_container_runs the_restored_counter_continues \
                rm_f_after_restore; do
                vm_skip "$t" "$why"
        done
        return 0 2>/dev/null || exit 0
fi

vm_ok "image_is_imported" pm_setup

# --- --pids-limit 10: a fork loop stops at pids.max --------------------------------
# The loop runs in a shell of its own (a failed fork ends busybox sh) and
# records each started sleep; pid 1 then kills them with builtins only,
# writes how many started to a bind-mounted file and waits for SIGTERM while
# the cgroup is read from outside.
podman_pids_script='trap "exit 0" TERM
sh -c "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
        sleep 60 & echo \$! >>/tmp/pids; echo \$i >/tmp/n; done"
while read -r p; do kill $p; done </tmp/pids
wait
read -r n </tmp/n
echo "started $n" >/share/started
echo "started $n"
sleep 120 & wait'
mkdir -p "$VMT_DIR/share"
pm run --pull never --rm --name podvm-pids --cgroup-parent "$PARENT" --pids-limit 10 \
        -v "$VMT_DIR/share:/share" "$IMG" sh -c "$podman_pids_script" >"$VMT_DIR/pids.out" 2>&1 &
run=$!
# until the container says how many started, or podman run has ended
started_or_gone() {
        test -s "$VMT_DIR/share/started" || ! kill -0 $run 2>/dev/null
}
wait_until 60 started_or_gone
pid=$(pm_pid podvm-pids)
cg=$(pid_cgroup "${pid:-0}")
vm_is "pids_max_is_10" 10 "$(cat "${cg:-/nonexistent}/pids.max" 2>&1)" ||
        vm_diag "pid ${pid:-none}, cgroup ${cg:-none}"
started=$(sed -n 's/^started //p' "$VMT_DIR/share/started" 2>/dev/null)
maxev=$(event_count "${cg:-/nonexistent}/pids.events" max)
if [ -n "$started" ] && [ "$started" -lt 12 ] && [ "$maxev" != none ] && [ "$maxev" -gt 0 ]; then
        vm_pass "forks_beyond_the_limit_fail"
else
        vm_fail "forks_beyond_the_limit_fail" \
                "started: ${started:-none} of 12, pids.events max: $maxev" \
                "podman run's output: $(cat "$VMT_DIR/pids.out")" \
                "podman logs: $(pm logs podvm-pids 2>&1)"
fi
vm_diag "fork loop: $started of 12 started under pids.max 10"
[ -n "$pid" ] && kill -TERM "$pid"
wait $run
vm_is "pids_run_exits_0" 0 $? || vm_diag "$(cat "$VMT_DIR/pids.out")"

# --- --memory 32m: 64 MiB is OOM-killed ---------------------------------------------
# dd holds its 64 MiB block in memory; the shell (pid 1) survives the kill,
# copies its cgroup's memory.max and memory.events (its own cgroup:
# cgroupns private) to a bind-mounted directory and exits with dd's status.
pm run --pull never --rm --name podvm-oom --cgroup-parent "$PARENT" --memory 32m \
        -v "$VMT_DIR/share:/share" "$IMG" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1; s=$?
                cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.events >/share/oom; exit $s' \
        >"$VMT_DIR/oom.out" 2>&1
vm_is "oom_run_exits_137" 137 $? || vm_diag "$(cat "$VMT_DIR/oom.out")"
vm_is "oom_memory_max_is_32m" 33554432 "$(head -n 1 "$VMT_DIR/share/oom" 2>&1)"
n=$(event_count "$VMT_DIR/share/oom" oom_kill)
vm_ok "oom_kill_is_counted_in_the_container" test "$n" != none -a "$n" -gt 0 ||
        vm_diag "$(cat "$VMT_DIR/share/oom" "$VMT_DIR/oom.out" 2>&1)"
n=$(event_count "$VMT_CG$PARENT/memory.events" oom_kill)
vm_ok "oom_kill_is_counted_in_the_parent" test "$n" != none -a "$n" -gt 0

# --- run -d --memory 64m: inspect and memory.max agree; rm leaves nothing -----------
pm run --pull never -d --name podvm-mem --cgroup-parent "$PARENT" --memory 64m "$IMG" sleep 600 \
        >"$VMT_DIR/mem.out" 2>&1
vm_ok "run_d_starts" test $? = 0 || vm_diag "$(cat "$VMT_DIR/mem.out")"
vm_is "inspect_shows_64m" 67108864 "$(pm inspect -f '{{.HostConfig.Memory}}' podvm-mem 2>&1)"
pid=$(pm_pid podvm-mem)
cg=$(pid_cgroup "${pid:-0}")
vm_is "memory_max_is_64m" 67108864 "$(cat "${cg:-/nonexistent}/memory.max" 2>&1)" ||
        vm_diag "pid ${pid:-none}, cgroup ${cg:-none}"
vm_ok "rm_f_succeeds" pm rm -f -t 0 podvm-mem
vm_ok "no_cgroup_is_left" no_child_cgroups "$VMT_CG$PARENT"
vm_is "no_keel_state_is_left" "" "$("$KEEL" --root "$KROOT" list -q 2>&1)"
vm_is "podman_knows_no_container" "" "$(pm ps -a -q 2>&1)"

# --- podman container checkpoint and restore, through keel and criu -----------------
# podman checkpoints only when `keel checkpoint --help` exits 0 (criu works
# here); the counter goes on from where it was after the restore.
pm run --pull never -d --name podvm-cr --cgroup-parent "$PARENT" "$IMG" sh -c \
        'i=0; while :; do i=$((i + 1)); echo $i; sleep 0.2; done' >"$VMT_DIR/cr.out" 2>&1
sleep 2
vm_ok "checkpoint_succeeds" pm container checkpoint podvm-cr
vm_is "checkpointed_container_exited" exited "$(pm inspect -f '{{.State.Status}}' podvm-cr 2>&1)"
before=$(pm logs podvm-cr 2>/dev/null | tail -n 1)
vm_ok "restore_succeeds" pm container restore podvm-cr
vm_is "restored_container_runs" running "$(pm inspect -f '{{.State.Status}}' podvm-cr 2>&1)"
sleep 1
after=$(pm logs podvm-cr 2>/dev/null | tail -n 1)
vm_ok "the_restored_counter_continues" test "${after:-0}" -gt "${before:-0}" ||
        vm_diag "before the checkpoint: ${before:-none}, after the restore: ${after:-none}"
vm_ok "rm_f_after_restore" pm rm -f -t 0 podvm-cr

# Whatever a failed check left: podman's containers, keel's state, the parent.
pm rm -a -f -t 0 >/dev/null 2>&1
for id in $("$KEEL" --root "$KROOT" list -q 2>/dev/null); do
        "$KEEL" --root "$KROOT" delete --force "$id" >/dev/null 2>&1
done
find "$VMT_CG$PARENT" -mindepth 1 -depth -type d 2>/dev/null | while read -r c; do
        cg_remove "$c"
done
rmdir "$VMT_CG$PARENT" 2>/dev/null
