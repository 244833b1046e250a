#!/usr/bin/env bats
# A runtime SIGKILLed half way through create: the next keel command on the
# same state root (create or list) removes what it left: the hidden state
# dir, the cgroup and the init.

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
        [[ -n ${HOOK_PID:-} ]] && kill -9 "$HOOK_PID" 2>/dev/null
        lc_teardown
}

# Start a create that blocks in its prestart hook (the hook writes its pid
# and sleeps), wait until the hook runs, then SIGKILL keel.
kill_create_in_prestart() {
        make_bundle "$B" /bin/true
        config_set "$B" '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "echo $$ >\($out)/hook.pid; exec sleep 60"]}]' \
                --arg out "$OUT"
        leak_snapshot
        "$KEEL" --root "$ROOT" create --bundle "$B" "$C" <"$TEST_DIR/tag" >"$TEST_DIR/c.out" 2>&1 &
        local keel_pid=$!
        wait_until 10 [ -s "$OUT/hook.pid" ]
        HOOK_PID=$(cat "$OUT/hook.pid")
        kill -9 "$keel_pid"
        wait "$keel_pid" || true
        # The create's leftovers exist before the sweep: the test can fail.
        [ -n "$(state_root_entries)" ]
        [ -n "$(cgroups_named "$C")" ]
        kill -9 "$HOOK_PID"
}

@test "list_after_a_killed_create_removes_its_dir_cgroup_and_init" {
        kill_create_in_prestart
        run "$KEEL" --root "$ROOT" list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        wait_until 10 [ -z "$(procs_in_test_dir)" ]
        assert_nothing_left "$C"
}

@test "create_after_a_killed_create_of_the_same_id_succeeds" {
        kill_create_in_prestart
        config_set "$B" 'del(.hooks)'
        rk_ok create --bundle "$B" "$C"
        [ "$(state_of "$C" .status)" = created ]
        rk_ok delete --force "$C"
        wait_until 10 [ -z "$(procs_in_test_dir)" ]
        assert_nothing_left "$C"
}
