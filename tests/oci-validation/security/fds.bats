#!/usr/bin/env bats
# CVE-2024-21626's class: no fd of keel or of its caller reaches the
# container beyond stdio and what --preserve-fds names, and a cwd that
# resolves outside the container (through a leaked fd) is refused.

load ../lib
load ../lifecycle/common

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
}

teardown() {
        lc_teardown
}

@test "exec_passes_only_stdio_and_preserved_fds" {
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok exec "$C" /keel-checker fds 5<"$TEST_DIR/tag"
        [ "$(grep -c '^fd\.' "$RK_OUT")" -eq 3 ]
        rk_ok exec --preserve-fds 1 "$C" /keel-checker fds 3<"$TEST_DIR/tag" 4<"$TEST_DIR/tag"
        [ "$(checker_value "$(cat "$RK_OUT")" fd.3)" = "$TEST_DIR/tag" ]
        ! checker_value "$(cat "$RK_OUT")" fd.4
}

@test "cwd_through_a_leaked_host_directory_fd_is_refused" {
        make_bundle "$B" /keel-checker cwd
        config_set "$B" '.process.cwd = "/proc/self/fd/7"'
        mkdir "$TEST_DIR/hostdir"
        rk create --bundle "$B" "$C" 7<"$TEST_DIR/hostdir"
        assert_error 'process.cwd'
        [ ! -e "$ROOT/$C" ]
}

@test "exec_cwd_through_a_leaked_host_directory_fd_is_refused" {
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        mkdir "$TEST_DIR/hostdir"
        rk exec --cwd /proc/self/fd/7 "$C" /keel-checker cwd 7<"$TEST_DIR/hostdir"
        assert_exec_error 'process.cwd'
}
