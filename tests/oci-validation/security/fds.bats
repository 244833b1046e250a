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

# fds_of PID_EXPR: a script for the container's shell that prints "fd N
# TARGET" for each fd of the process PID_EXPR names (shell text).
fds_of() {
        printf 'for f in /proc/%s/fd/*; do echo "fd ${f##*/} $(readlink "$f")"; done' "$1"
}

# assert_only_stdio_preserved_and_sockets FILE N: the "fd" lines of FILE
# name 0, 1, 2, the N preserved fds 3.., and otherwise only sockets (keel's
# own: the start socket, the sync socket); never a leaked directory, file
# or namespace.
assert_only_stdio_preserved_and_sockets() {
        local n fd target rc=0
        grep -q '^fd 0 ' "$1" || { echo "no fd list in $1:" >&2; cat "$1" >&2; return 1; }
        while read -r _ fd target; do
                if ((fd < 3 + $2)); then
                        continue
                fi
                if [[ $target != socket:* ]]; then
                        echo "fd $fd -> $target reached the container's pid namespace" >&2
                        rc=1
                fi
        done < <(grep '^fd ' "$1")
        n=$(grep -c '^fd ' "$1")
        ((n <= 3 + $2 + 2)) || { echo "$n fds:" >&2; cat "$1" >&2; rc=1; }
        return $rc
}

@test "created_init_holds_no_fd_of_its_caller" {
        # A caller that leaks a directory fd into create (as engines have
        # done): the init waits for start in the container's pid namespace,
        # where a process with CAP_SYS_PTRACE reads /proc/1/fd/7 (the
        # host's root) or takes it with pidfd_getfd.  Fails on a runtime
        # whose init only marks such fds close-on-exec, or keeps its own
        # fd of the host's pid namespace.
        make_bundle "$B" /keel-checker
        : >"$TEST_DIR/leak"
        rk_ok create --preserve-fds 1 --bundle "$B" "$C" 3<"$TEST_DIR/tag" 7</ 8<"$TEST_DIR/leak"
        rk_ok exec --cap CAP_SYS_PTRACE "$C" /bin/sh -c "$(fds_of 1)"
        cat "$RK_OUT" >&2
        grep -q '^fd 3 ' "$RK_OUT"
        assert_only_stdio_preserved_and_sockets "$RK_OUT" 1
}

@test "exec_helper_holds_no_fd_of_its_caller" {
        # keel's exec process is in the container's pid namespace from its
        # fork to its execve.  strace holds it in setsid (just before its
        # execve) for 3 s while a process of the container with
        # CAP_SYS_PTRACE lists its fds.  Fails on a runtime whose helper
        # carries the fds its caller leaked until execve closes them.
        require_cmd strace strace
        make_bundle "$B" sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        : >"$TEST_DIR/leak"
        strace -f -qq -o /dev/null -e trace=setsid -e inject=setsid:delay_enter=3000000 \
                "$KEEL" --root "$ROOT" exec "$C" /bin/true 7</ 8<"$TEST_DIR/leak" \
                </dev/null >"$TEST_DIR/exec.out" 2>&1 &
        local tracer=$!
        HOLDERS+=("$tracer")
        # The helper runs keel's binary: its comm is keel.
        rk_ok exec --cap CAP_SYS_PTRACE "$C" /bin/sh -c '
                for i in $(seq 100); do
                        for p in /proc/[0-9]*; do
                                [ "$(cat $p/comm 2>/dev/null)" = keel ] || continue
                                '"$(fds_of '${p#/proc/}')"'
                                exit 0
                        done
                        sleep 0.05
                done
                echo "no exec helper seen"'
        wait "$tracer"
        cat "$RK_OUT" >&2
        assert_only_stdio_preserved_and_sockets "$RK_OUT" 0
}

@test "init_joining_a_pid_namespace_holds_no_fd_of_its_caller_during_setup" {
        # A pod: container 2 joins the pid namespace of container 1, so its
        # init is visible there from its fork, while it builds the rootfs.
        # strace holds that init in pivot_root for 3 s while container 1,
        # with CAP_SYS_PTRACE, lists its fds.  (Traced, keel cannot guard
        # the init with ptrace and says so: binary.bats.)  Fails on a
        # runtime whose stage 1 hands the fds its caller leaked to the init.
        require_cmd strace strace
        make_bundle "$B" sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        local pid b2=$TEST_DIR/bundle2
        pid=$(state_of "$C" .pid)
        make_bundle "$b2" /bin/true
        config_set "$b2" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
                --arg p "/proc/$pid/ns/pid"
        mkdir "$TEST_DIR/leakdir"
        : >"$TEST_DIR/leak"
        strace -f -qq -o /dev/null -e trace=pivot_root -e inject=pivot_root:delay_enter=3000000 \
                "$KEEL" --root "$ROOT" run --bundle "$b2" "${C}b" 7<"$TEST_DIR/leakdir" \
                8<"$TEST_DIR/leak" </dev/null >"$TEST_DIR/run.out" 2>&1 &
        local tracer=$!
        HOLDERS+=("$tracer")
        rk_ok exec --cap CAP_SYS_PTRACE "$C" /bin/sh -c '
                for i in $(seq 100); do
                        for p in /proc/[0-9]*; do
                                [ "$(cat $p/comm 2>/dev/null)" = keel ] || continue
                                '"$(fds_of '${p#/proc/}')"'
                                exit 0
                        done
                        sleep 0.05
                done
                echo "no init seen"'
        wait "$tracer"
        cat "$RK_OUT" >&2
        grep -q '^fd 0 ' "$RK_OUT"
        refute_fd_to "$RK_OUT" "$TEST_DIR/leakdir"
        refute_fd_to "$RK_OUT" "$TEST_DIR/leak"
}

# refute_fd_to FILE TARGET: no "fd N TARGET" line in FILE.
refute_fd_to() {
        if grep -qE "^fd [0-9]+ $2\$" "$1"; then
                echo "an fd to $2 reached the container's pid namespace" >&2
                return 1
        fi
}
