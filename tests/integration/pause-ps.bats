#!/usr/bin/env bats
# pause, resume and ps: the cgroup v2 freezer and the container's process
# list, and what kill and delete do to a paused container.
#
# Needs what lifecycle.bats needs (bats, jq, busybox-static, util-linux,
# coreutils), procps (ps) and a kernel with the cgroup v2 freezer (5.2+).
#
# Wording (keel; runc's differs, hence loose regexes):
#   pause stopped      container c1 is not running
#   pause twice        container c1 is already paused
#   resume unpaused    container c1 is not paused
#   no cgroup          container c1 has no cgroup: cannot pause

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
}

teardown() {
        lc_teardown
}

# A process that writes a growing counter to /out/count every 0.1 s.
make_counter_bundle() {
        make_bundle "$B" /bin/sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/out/count.new;
                mv /out/count.new /out/count; sleep 0.1; done'
        bind_out "$B"
}

make_sleeping_bundle() {
        make_bundle "$B" /keel-checker --sleep 60
}

create_running() {      # ID: create + start $B, wait until it runs
        rk_ok create --bundle "$B" "$1"
        rk_ok start "$1"
        wait_until 10 status_is "$1" running
}

count() {
        cat "$OUT/count" 2>/dev/null
}

counter_advances() {    # the counter moves within 2 s
        local before
        before=$(count)
        wait_until 2 eval '[ "$(count)" != "$before" ]'
}

cgroup_dir() {          # ID: the container's cgroup directory
        local mnt
        mnt=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
        echo "$mnt$(jq -r .cgroupPath "$ROOT/$1/state.json")"
}

# --- pause and resume ------------------------------------------------------------

@test "pause_freezes_the_processes_and_resume_thaws_them" {
        make_counter_bundle
        create_running "$C"
        wait_until 10 [ -s "$OUT/count" ]
        counter_advances
        rk_ok pause "$C"
        [ "$(state_of "$C")" = paused ]
        grep -qx 'frozen 1' "$(cgroup_dir "$C")/cgroup.events"
        # let a write that was under way finish, then the counter must stay put
        sleep 0.3
        frozen_at=$(count)
        sleep 1
        [ "$(count)" = "$frozen_at" ]
        rk list --format json
        [ "$(jq -r --arg c "$C" '.[] | select(.id == $c) | .status' <<<"$output")" = paused ]
        rk_ok resume "$C"
        [ "$(state_of "$C")" = running ]
        grep -qx 'frozen 0' "$(cgroup_dir "$C")/cgroup.events"
        counter_advances
}

@test "pause_twice_and_resume_of_a_running_container_error" {
        make_sleeping_bundle
        create_running "$C"
        rk resume "$C"
        assert_error 'not paused'
        [ "$(state_of "$C")" = running ]
        rk_ok pause "$C"
        rk pause "$C"
        assert_error 'already paused'
        [ "$(state_of "$C")" = paused ]
        rk_ok resume "$C"
        rk resume "$C"
        assert_error 'not paused'
        [ "$(state_of "$C")" = running ]
}

@test "pause_of_a_stopped_container_errors" {
        make_bundle "$B" /keel-checker --exit 0
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk pause "$C"
        assert_error 'is not running'
        rk resume "$C"
        assert_error 'not paused'
        [ "$(state_of "$C")" = stopped ]
}

@test "pause_of_a_missing_container_errors" {
        for cmd in pause resume ps; do
                rk "$cmd" nope
                assert_error 'does not exist'
        done
}

@test "pause_and_ps_of_a_container_without_a_cgroup_error" {
        make_sleeping_bundle
        rk_ok --cgroup-manager disabled create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" running
        rk pause "$C"
        assert_error 'has no cgroup'
        [ "$(state_of "$C")" = running ]
        rk ps --format json "$C"
        assert_error 'has no cgroup'
        rk ps "$C"
        assert_error 'has no cgroup'
}

@test "exec_into_a_paused_container_errors" {
        make_sleeping_bundle
        create_running "$C"
        rk_ok pause "$C"
        rk exec --detach "$C" /keel-checker --sleep 60
        assert_exec_error 'paused.*--ignore-paused'
        rk_ok resume "$C"
}

# --- kill and delete of a paused container -------------------------------------------

@test "kill_9_of_a_paused_container_stops_it" {
        make_sleeping_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk_ok pause "$C"
        rk_ok kill "$C" KILL
        wait_until 10 pid_gone "$pid"
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
}

@test "delete_of_a_paused_container_needs_force" {
        make_sleeping_bundle
        create_running "$C"
        rk_ok pause "$C"
        rk delete "$C"
        assert_error 'not stopped'
        [ "$(state_of "$C")" = paused ]
}

@test "delete_force_of_a_paused_container_leaves_nothing" {
        make_sleeping_bundle
        leak_snapshot
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk_ok exec --detach "$C" /keel-checker --sleep 60
        rk_ok pause "$C"
        rk_ok delete --force "$C"
        wait_until 10 pid_gone "$pid"
        rk state "$C"
        assert_error 'does not exist'
        assert_nothing_left "$C"
}

# --- ps ------------------------------------------------------------------------------

@test "ps_json_lists_the_init_and_an_exec_process" {
        make_sleeping_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk_ok ps --format json "$C"
        [ "$(jq -c . <<<"$output")" = "[$pid]" ]
        rk_ok exec --detach --pid-file "$TEST_DIR/exec.pid" "$C" /keel-checker --sleep 60
        epid=$(cat "$TEST_DIR/exec.pid")
        rk_ok ps --format json "$C"
        [ "$(jq length <<<"$output")" -eq 2 ]
        jq -e --argjson p "$pid" 'index($p) != null' <<<"$output"
        jq -e --argjson p "$epid" 'index($p) != null' <<<"$output"
}

@test "ps_table_shows_the_header_and_only_the_container_processes" {
        make_sleeping_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk_ok ps "$C"
        [[ ${lines[0]} =~ PID ]]
        [ "${#lines[@]}" -eq 2 ]
        [ "$(awk 'NR == 2 { print $2 }' <<<"$output")" = "$pid" ]
        rk_ok ps "$C" -- -o pid,comm
        [ "$(awk 'NR == 1 { print $1 }' <<<"$output")" = PID ]
        [ "${#lines[@]}" -eq 2 ]
        [ "$(awk 'NR == 2 { print $1 }' <<<"$output")" = "$pid" ]
        [ "$(awk 'NR == 2 { print $2 }' <<<"$output")" = keel-checker ]
}

@test "ps_of_a_paused_container_still_lists_it" {
        make_sleeping_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk_ok pause "$C"
        rk_ok ps --format json "$C"
        [ "$(jq -c . <<<"$output")" = "[$pid]" ]
        rk_ok resume "$C"
}

@test "ps_errors_on_bad_options" {
        make_sleeping_bundle
        create_running "$C"
        rk ps --format xml "$C"
        assert_error 'format'
        rk ps --format json "$C" -o pid
        assert_error 'table'
        rk ps "$C" -- -o comm
        assert_error 'PID'
        rk ps
        assert_error 'container id'
}

@test "a_paused_created_container_resumes_to_created_and_can_start" {
        make_counter_bundle
        rk_ok create --bundle "$B" "$C"
        rk_ok pause "$C"
        [ "$(state_of "$C")" = paused ]
        rk start "$C"
        assert_error 'paused'
        rk_ok resume "$C"
        [ "$(state_of "$C")" = created ]
        rk_ok start "$C"
        wait_until 10 [ -s "$OUT/count" ]
        counter_advances
}

@test "exec_ignore_paused_runs_the_process_once_the_container_is_resumed" {
        # runc's --ignore-paused: the new process joins the frozen cgroup
        # and runs once the container is resumed; exec waits until then (as
        # runc's does) without holding the lock resume needs.  Fails on a
        # keel that refuses the flag, or whose exec keeps resume out.
        make_sleeping_bundle
        bind_out "$B"
        create_running "$C"
        rk_ok pause "$C"
        timeout 60 "$KEEL" --root "$ROOT" exec --ignore-paused --detach "$C" /bin/touch /out/ran \
                <"$TEST_DIR/tag" >"$TEST_DIR/exec.out" 2>"$TEST_DIR/exec.err" &
        local pid=$! st=0 procs
        procs=$(cgroup_dir "$C")/cgroup.procs
        # keel's helper is in the container's cgroup, frozen there.
        wait_until 10 eval '[ "$(wc -l <"$procs")" -ge 2 ]' || { cat "$TEST_DIR/exec.err" >&2; false; }
        sleep 0.5
        [ ! -e "$OUT/ran" ]
        pid_alive "$pid"
        [ "$(state_of "$C")" = paused ]
        rk_ok resume "$C"
        wait "$pid" || st=$?
        [ "$st" -eq 0 ] || { echo "exec: status $st: $(cat "$TEST_DIR/exec.err")" >&2; false; }
        wait_until 10 [ -e "$OUT/ran" ]
        [ "$(state_of "$C")" = running ]
        # Running: the flag changes nothing.
        rk_ok exec --ignore-paused "$C" /keel-checker --exit 0
        rk_ok delete --force "$C"
}

@test "exec_cgroup_joins_an_existing_sub_cgroup" {
        make_sleeping_bundle
        rk_ok run --detach --bundle "$B" "$C"
        cg=$(cgroup2_mount)/keel/$C
        mkdir "$cg/sub"
        rk_ok exec --cgroup sub "$C" /keel-checker cgroup
        # From inside its cgroup namespace, rooted at the container's cgroup.
        echo "$output" | grep -q '^cgroup: 0::/sub$'
        rk exec --cgroup nosuch "$C" /keel-checker cgroup
        assert_exec_error '--cgroup nosuch: cgroup /keel/.*/nosuch does not exist'
        rk exec --cgroup ../x "$C" /keel-checker cgroup
        assert_exec_error '--cgroup ../x: ".." leaves the container'
        rk exec --cgroup memory:sub "$C" /keel-checker cgroup
        assert_exec_error '--cgroup memory:sub: not a path below'
        rk_ok delete --force "$C"
        [ ! -e "$cg" ]
}
