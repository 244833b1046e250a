#!/usr/bin/env bats
# keel checkpoint and restore on this host: what keel says and refuses
# before criu runs.  The dump and restore themselves need a kernel criu
# 3.17 works on, so they are proven in the VM (tests/vm/cases/80-checkpoint.sh).
#
# criu_works: whether `criu check` passes here (it does not on kernels
# after 6.12 with criu 3.17: "kerndat_vdso_fill_symtable failed").  Every
# expectation below follows from it, so the tests hold on either kind of host.

load ../oci-validation/lib
load ../oci-validation/lifecycle/common

setup_file() {
        lc_setup_file
        require_cmd criu criu
}

setup() {
        lc_setup
}

teardown() {
        lc_teardown
}

criu_works() {
        criu check >/dev/null 2>&1
}

@test "checkpoint_help_answers_whether_criu_works" {
        # podman runs `RUNTIME checkpoint --help` and offers checkpointing
        # only when it exits 0.  Fails on a keel whose --help exits 0
        # where criu cannot run (podman then shows criu's failure late).
        rk checkpoint --help
        grep -q -- '--image-path' "$RK_OUT"
        if criu_works; then
                [ "$status" -eq 0 ]
        else
                [ "$status" -ne 0 ]
                grep -q 'criu check' "$RK_ERR"
        fi
        rk restore --help
        grep -q -- '--bundle' "$RK_OUT"
        if criu_works; then [ "$status" -eq 0 ]; else [ "$status" -ne 0 ]; fi
}

@test "features_says_whether_checkpoint_is_enabled" {
        local want=false
        criu_works && want=true
        run "$KEEL" features
        [ "$status" -eq 0 ]
        [ "$(jq -r '.annotations["org.keel.checkpoint.enabled"]' <<<"$output")" = "$want" ]
}

@test "checkpoint_where_criu_cannot_run_fails_at_once_and_the_container_runs_on" {
        criu_works && skip "criu works on this kernel: the VM suite covers the dump"
        make_bundle "$B" sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        rk checkpoint --image-path "$TEST_DIR/img" "$C"
        assert_error 'checkpoint: criu check'
        status_is "$C" running
        [ ! -e "$TEST_DIR/img" ]
        rk restore --detach --image-path "$TEST_DIR/img" --bundle "$B" "${C}r"
        assert_error 'restore: criu check'
        [ ! -e "$ROOT/${C}r" ]
}

@test "unsupported_criu_options_are_refused_by_name" {
        # Fails on a keel that accepts an option and ignores it.
        local opt
        for opt in --lazy-pages "--page-server 127.0.0.1:1" "--status-fd 3"; do
                # shellcheck disable=SC2086
                rk checkpoint $opt "$C"
                assert_error "${opt%% *}: not supported"
        done
        rk checkpoint --manage-cgroups-mode bogus "$C"
        assert_error '--manage-cgroups-mode: "bogus" is not one of soft, full, strict, ignore'
        rk checkpoint --empty-ns ipc "$C"
        assert_error '--empty-ns ipc: only "network" is supported'
        # Each command's own options only.
        rk restore --leave-running "$C"
        assert_error 'unknown option --leave-running'
        rk checkpoint --bundle "$B" "$C"
        assert_error 'unknown option --bundle'
}
