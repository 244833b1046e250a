#!/usr/bin/env bats
# containerd 1.6 (ctr and the runc v2 shim, `--runc-binary`) driving keel:
# run --rm with output and exit code, run -d with exec, ps, kill (SIGTERM,
# and SIGKILL to all), pause/resume, a terminal for run and exec, metrics,
# and the error a failing create shows the ctr user.  Every scenario also
# runs with crun, the reference, when crun can run here.
#
# Runs only with KEEL_ENGINE_TESTS=1 (it installs containerd from apt when
# it is missing); otherwise every test skips.  Needs root, a cgroup2 mount,
# busybox-static and script (bsdutils).  containerd-setup.sh starts a private
# containerd in a sandbox in setup_file and removes everything in
# teardown_file.
#
# Manual use: tests/engines/containerd-setup.sh, then
# /tmp/keel-containerd/bin/ctr run --rm --cpu-shares 0 --runc-binary
# /tmp/keel-containerd/runtime/keel localhost/keel-busybox:latest ctrd-x echo hi,
# and tests/engines/containerd-setup.sh teardown.

SETUP=$BATS_TEST_DIRNAME/containerd-setup.sh
IMG=localhost/keel-busybox:latest

enabled() {
        [ "${KEEL_ENGINE_TESTS:-}" = 1 ]
}

setup_file() {
        enabled || return 0
        export KEEL_CONTAINERD_DIR=${KEEL_CONTAINERD_DIR:-/tmp/keel-containerd-bats}
        "$SETUP" setup
}

teardown_file() {
        enabled || return 0
        "$SETUP" teardown
}

setup() {
        enabled || skip "engine tests run only with KEEL_ENGINE_TESTS=1"
        C=$KEEL_CONTAINERD_DIR/bin/ctr
}

# use RUNTIME: the runtime of this test (keel or crun); crun skips with the
# reason setup found when it cannot run here.
use() {
        local why
        RT=$1
        if [ "$RT" = crun ]; then
                why=$(cat "$KEEL_CONTAINERD_DIR/crun.status")
                [ "$why" = ok ] || skip "$why"
        fi
        ARGV=$KEEL_CONTAINERD_DIR/logs/$RT.argv
        : >"$ARGV"
        # ctr's default cpu.shares (1024) needs a cpu controller; the sandbox has none
        RUN=(run --cpu-shares 0 --runc-binary "$KEEL_CONTAINERD_DIR/runtime/$RT")
        ID=ctrd-$RT
}

teardown() {
        enabled || return 0
        [ -n "${ARGV:-}" ] || return 0
        if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
                echo "--- $RT calls ([pid] argv, [pid] rc):"
                cat "$ARGV"
        fi
        remove_containers
}

# Leaves no task or container of this test behind, even a create that hangs.
remove_containers() {
        local c pids
        for c in $("$C" container ls -q | grep "^$ID"); do
                "$C" task kill -a -s KILL "$c" >/dev/null 2>&1 || true
                # a create that never returned: its init is in the cgroup
                pids=$(cat "$(cgroup_dir_of_id "$c")/cgroup.procs" 2>/dev/null || true)
                # shellcheck disable=SC2086 # one pid a word
                [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
                for _ in $(seq 50); do
                        "$C" task delete -f "$c" >/dev/null 2>&1 || break
                        sleep 0.1
                done
                "$C" container delete "$c" >/dev/null 2>&1 || true
        done
}

cgroup_dir_of_id() {
        local base=/sys/fs/cgroup
        [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && base=/sys/fs/cgroup/unified
        echo "$base/$(basename "$KEEL_CONTAINERD_DIR")/default/$1"
}

# the PID or STATUS column of `ctr task ls` for a task
task_field() {          # ID pid|status
        "$C" task ls | awk -v id="$1" -v col="$2" '$1 == id { print (col == "pid" ? $2 : $3) }'
}

wait_status() {         # ID STATUS
        for _ in $(seq 50); do
                [ "$(task_field "$1" status)" = "$2" ] && return 0
                sleep 0.1
        done
        echo "task $1 is $(task_field "$1" status), not $2"
        return 1
}

# the runtime's argv log has a call matching the extended regex
called() {
        grep -Eq -- "$1" "$ARGV"
}

# Every runtime call finished and exited 0, except calls matching the
# optional extended regex (the intended failures).  Calls made after ctr
# returned (the shim's cleanup) get a moment to finish.
calls_exited_0() {      # [ALLOWED-TO-FAIL-ERE]
        for _ in $(seq 20); do
                check_calls "${1:-}" >/dev/null && return 0
                sleep 0.1
        done
        check_calls "${1:-}"
}

check_calls() {
        [ -s "$ARGV" ] || { echo "no runtime call logged"; return 1; }
        awk -v allowed="$1" '
                /^\[[0-9]+\] rc=/ {
                        done[$1] = 1
                        if ($2 != "rc=0" && (allowed == "" || call[$1] !~ allowed)) {
                                print "failed (" $2 "): " call[$1]
                                bad = 1
                        }
                        next
                }
                { call[$1] = $0; delete done[$1] }
                END {
                        for (p in call)
                                if (!(p in done)) {
                                        print "unfinished: " call[p]
                                        bad = 1
                                }
                        exit bad
                }' "$ARGV"
}

# --- the scenarios, each run for keel and for crun ------------------------------

run_rm_prints_output_and_passes_the_exit_code() {
        run "$C" "${RUN[@]}" --rm "$IMG" "$ID-a" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        run "$C" "${RUN[@]}" --rm "$IMG" "$ID-b" sh -c 'exit 3'
        [ "$status" -eq 3 ]
        called " create --bundle .* --pid-file .*/init.pid $ID-a$"
        called " start $ID-a$"
        called " delete $ID-a$"
        run "$C" container ls -q
        [[ $output != *"$ID"* ]]
        calls_exited_0
}

detached_exec_ps_and_sigterm() {
        local pid
        run "$C" "${RUN[@]}" -d "$IMG" "$ID-d" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done'
        [ "$status" -eq 0 ]
        [ "$(task_field "$ID-d" status)" = RUNNING ]
        run "$C" task exec --exec-id e1 "$ID-d" echo exec-ok
        [ "$status" -eq 0 ]
        [ "$output" = exec-ok ]
        run "$C" task exec --exec-id e2 "$ID-d" sh -c 'exit 4'
        [ "$status" -eq 4 ]
        # shellcheck disable=SC2016 # expanded in the container
        run "$C" task exec --exec-id e3 --user 65534 --cwd /tmp "$ID-d" \
                sh -c 'echo "$(id -u):$(id -g) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "65534:65534 /tmp" ]
        called " exec --process [^ ]+ --detach --pid-file [^ ]+/e1.pid $ID-d$"
        pid=$(task_field "$ID-d" pid)
        run "$C" task ps "$ID-d"
        [ "$status" -eq 0 ]
        [[ $output == *"$pid "* ]]
        called " ps --format json $ID-d$"
        # ctr task kill sends SIGTERM; the trap's exit code proves it arrived
        run "$C" task kill "$ID-d"
        [ "$status" -eq 0 ]
        called " kill $ID-d 15$"
        wait_status "$ID-d" STOPPED
        run "$C" task delete "$ID-d"
        [ "$status" -eq 0 ]
        [[ $output == *"exit with non-zero exit code 7"* ]]
        called " delete $ID-d$"
        run "$C" container delete "$ID-d"
        [ "$status" -eq 0 ]
        calls_exited_0
}

kill_all_with_sigkill() {
        local cg
        "$C" "${RUN[@]}" -d "$IMG" "$ID-k" sh -c 'sleep 1000 & sleep 1000'
        cg=$(cgroup_dir_of_id "$ID-k")
        for _ in $(seq 50); do
                [ "$(wc -l <"$cg/cgroup.procs")" -ge 2 ] && break
                sleep 0.1
        done
        [ "$(wc -l <"$cg/cgroup.procs")" -ge 2 ]
        run "$C" task kill -a -s KILL "$ID-k"
        [ "$status" -eq 0 ]
        called " kill --all $ID-k 9$"
        wait_status "$ID-k" STOPPED
        [ ! -s "$cg/cgroup.procs" ]
        run "$C" task delete "$ID-k"
        [ "$status" -eq 0 ]
        [[ $output == *"exit with non-zero exit code 137"* ]]
        "$C" container delete "$ID-k"
        # delete removed the container's cgroup
        [ ! -d "$cg" ]
        calls_exited_0
}

pause_freezes_and_resume_thaws() {
        local cg
        "$C" "${RUN[@]}" -d "$IMG" "$ID-p" sleep 1000
        cg=$(cgroup_dir_of_id "$ID-p")
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$C" task pause "$ID-p"
        [ "$status" -eq 0 ]
        called " pause $ID-p$"
        [ "$(task_field "$ID-p" status)" = PAUSED ]
        grep -qx 'frozen 1' "$cg/cgroup.events"
        run "$C" task resume "$ID-p"
        [ "$status" -eq 0 ]
        called " resume $ID-p$"
        [ "$(task_field "$ID-p" status)" = RUNNING ]
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$C" task exec --exec-id e1 "$ID-p" echo thawed
        [ "$output" = thawed ]
        calls_exited_0
}

# The shim hands the runtime a console socket.  timeout: a runtime that never
# finishes create leaves ctr waiting forever.
run_t_gets_a_terminal() {
        run timeout 10 script -qec "$C ${RUN[*]} -t --rm $IMG $ID-t sh -c 'tty; echo tty-ok'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == *"/dev/pts/0"* ]]
        [[ $output == *tty-ok* ]]
        called " create --bundle .* --console-socket [^ ]+ $ID-t$"
        calls_exited_0
}

exec_t_gets_a_terminal() {
        "$C" "${RUN[@]}" -d "$IMG" "$ID-e" sleep 1000
        run timeout 10 script -qec "$C task exec -t --exec-id t1 $ID-e sh -c 'tty; echo exec-tty-ok; exit 5'" /dev/null
        [ "$status" -eq 5 ]
        [[ $output == *"/dev/pts/"* ]]
        [[ $output == *exec-tty-ok* ]]
        called " exec --process [^ ]+ --console-socket [^ ]+ --detach --pid-file [^ ]+ $ID-e$"
        calls_exited_0
}

# The shim reads the cgroup of the task's pid itself (no runtime call).  The
# sandbox's cgroup has no controllers, so every value is 0 for any runtime:
# this checks the task is in its own cgroup and the shim reads it, not the
# numbers.
metrics_are_read_from_the_cgroup() {
        local pid
        "$C" "${RUN[@]}" -d "$IMG" "$ID-m" sleep 1000
        calls_exited_0
        pid=$(task_field "$ID-m" pid)
        grep -qx "$pid" "$(cgroup_dir_of_id "$ID-m")/cgroup.procs"
        : >"$ARGV"
        run "$C" task metrics "$ID-m"
        [ "$status" -eq 0 ]
        [[ ${lines[1]} == "$ID-m "* ]]
        [[ $output == *"pids.current "* ]]
        [[ $output == *"cpu.usage_usec "* ]]
        run "$C" task metrics --format json "$ID-m"
        [ "$status" -eq 0 ]
        [[ $output == *'"pids":'* ]]
        [ ! -s "$ARGV" ]
}

# The runtime's error reaches the ctr user through the shim's log.json.
failing_create_shows_the_runtime_error() {      # MISSING-COMMAND-ERROR NO-CPU-CONTROLLER-ERROR
        run "$C" "${RUN[@]}" --rm "$IMG" "$ID-f" /nonexistent
        [ "$status" -eq 1 ]
        [[ $output == "ctr: failed to create shim task: OCI runtime create failed: $1"* ]]
        # ctr's default cpu.shares, with no cpu controller
        run "$C" run --rm --runc-binary "$KEEL_CONTAINERD_DIR/runtime/$RT" "$IMG" "$ID-g" true
        [ "$status" -eq 1 ]
        [[ $output == "ctr: failed to create shim task: OCI runtime create failed: $2"* ]]
        run "$C" container ls -q
        [[ $output != *"$ID"* ]]
        calls_exited_0 " create --bundle "
}

# --- keel ------------------------------------------------------------------------

@test "keel: run_rm_prints_output_and_passes_the_exit_code" {
        use keel
        run_rm_prints_output_and_passes_the_exit_code
}

@test "keel: detached_exec_ps_and_sigterm" {
        use keel
        detached_exec_ps_and_sigterm
}

@test "keel: kill_all_with_sigkill" {
        use keel
        kill_all_with_sigkill
}

@test "keel: pause_freezes_and_resume_thaws" {
        use keel
        pause_freezes_and_resume_thaws
}

@test "keel: run_t_gets_a_terminal" {
        use keel
        run_t_gets_a_terminal
}

@test "keel: exec_t_gets_a_terminal" {
        use keel
        exec_t_gets_a_terminal
}

@test "keel: metrics_are_read_from_the_cgroup" {
        use keel
        metrics_are_read_from_the_cgroup
}

@test "keel: failing_create_shows_the_runtime_error" {
        use keel
        failing_create_shows_the_runtime_error \
                'create: process.args[0]: exec "/nonexistent": no such file or directory' \
                'create: linux.resources.cpu.shares: '
}

# --- crun, the reference -----------------------------------------------------------

@test "crun: run_rm_prints_output_and_passes_the_exit_code" {
        use crun
        run_rm_prints_output_and_passes_the_exit_code
}

@test "crun: detached_exec_ps_and_sigterm" {
        use crun
        detached_exec_ps_and_sigterm
}

@test "crun: kill_all_with_sigkill" {
        use crun
        kill_all_with_sigkill
}

@test "crun: pause_freezes_and_resume_thaws" {
        use crun
        pause_freezes_and_resume_thaws
}

@test "crun: run_t_gets_a_terminal" {
        use crun
        run_t_gets_a_terminal
}

@test "crun: exec_t_gets_a_terminal" {
        use crun
        exec_t_gets_a_terminal
}

@test "crun: metrics_are_read_from_the_cgroup" {
        use crun
        metrics_are_read_from_the_cgroup
}

@test "crun: failing_create_shows_the_runtime_error" {
        use crun
        # shellcheck disable=SC2016 # crun's text, quoted
        failing_create_shows_the_runtime_error \
                'executable file `/nonexistent` not found in $PATH' \
                'the requested cgroup controller `cpu` is not available'
}
