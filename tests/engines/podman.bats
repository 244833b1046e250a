#!/usr/bin/env bats
# podman 4.3 with conmon, driving keel: run, exit codes, exec, stop, a tty,
# pause, top, the device cgroup and a read-only root, in podman's two cgroup
# modes (cgroupfs, and --cgroups=disabled, where keel gets
# --cgroup-manager disabled and makes no cgroup).
#
# Runs only with KEEL_ENGINE_TESTS=1 (it installs podman from apt when it is
# missing and takes a while); otherwise every test skips.  Needs root, a
# cgroup2 mount, busybox-static and script (bsdutils).  podman-setup.sh builds
# the sandbox in setup_file and removes it in teardown_file.
#
# Manual use: tests/engines/podman-setup.sh, then
# /tmp/keel-podman/bin/podman run --rm localhost/keel-busybox echo hi, and
# tests/engines/podman-setup.sh teardown.

SETUP=$BATS_TEST_DIRNAME/podman-setup.sh
IMG=localhost/keel-busybox

enabled() {
        [ "${KEEL_ENGINE_TESTS:-}" = 1 ]
}

setup_file() {
        enabled || return 0
        export KEEL_PODMAN_DIR=${KEEL_PODMAN_DIR:-/tmp/keel-podman-bats}
        "$SETUP" setup
}

teardown_file() {
        enabled || return 0
        "$SETUP" teardown
}

setup() {
        enabled || skip "engine tests run only with KEEL_ENGINE_TESTS=1"
        P=$KEEL_PODMAN_DIR/bin/podman
        ARGV=$KEEL_PODMAN_DIR/logs/keel.argv
        : >"$ARGV"
}

teardown() {
        enabled || return 0
        if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
                echo "--- keel calls (argv, rc):"
                cat "$ARGV"
        fi
        "$P" rm -a -f -t 0 >/dev/null 2>&1 || true
}

# the argv log has a keel call matching the extended regex
keel_called() {
        grep -Eq -- "$1" "$ARGV"
}

# (`! cmd` in the middle of a test does not fail it)
keel_not_called() {
        ! grep -Eq -- "$1" "$ARGV"
}

# The container's cgroup directory on the host.
host_cgroup_dir() {     # NAME
        local pid base
        pid=$("$P" inspect -f '{{.State.Pid}}' "$1")
        base=/sys/fs/cgroup
        [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && base=/sys/fs/cgroup/unified
        echo "$base$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

# --- cgroupfs mode (the configured default) ------------------------------------

@test "run_prints_hello_through_keel" {
        run "$P" run --rm "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        keel_called ' create --bundle '
        keel_called ' start '
        keel_called ' delete --force '
        keel_not_called 'rc=[1-9]'
}

@test "run_passes_the_exit_code_on" {
        run "$P" run --rm "$IMG" sh -c 'exit 3'
        [ "$status" -eq 3 ]
}

@test "detached_container_exec_stop_with_sigterm_and_rm" {
        run "$P" run -d --name t-d "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        [ "$status" -eq 0 ]
        run "$P" exec t-d echo exec-ok
        [ "$status" -eq 0 ]
        [ "$output" = exec-ok ]
        keel_called ' exec --pid-file .* --process .* --detach '
        [ "$("$P" inspect -f '{{.State.Status}}' t-d)" = running ]
        # SIGTERM must reach the trap: a SIGKILL after the timeout would be 137
        SECONDS=0
        run "$P" stop -t 20 t-d
        [ "$status" -eq 0 ]
        [ "$SECONDS" -lt 15 ]
        keel_called ' kill [0-9a-f]{64} 15$'
        [ "$("$P" inspect -f '{{.State.Status}} {{.State.ExitCode}}' t-d)" = "exited 0" ]
        run "$P" rm t-d
        [ "$status" -eq 0 ]
        run "$P" container exists t-d
        [ "$status" -eq 1 ]
}

@test "exec_as_nobody_in_tmp_with_env" {
        "$P" run -d --name t-u "$IMG" sleep 1000
        run "$P" exec -u nobody -w /tmp -e X=1 t-u sh -c 'echo "$X $(id -u):$(id -g) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "1 65534:65534 /tmp" ]
}

# The sleep before exit: conmon sometimes loses a tty's last output when the
# process exits right after writing it (seen with runc too, about 1 in 20).
@test "run_it_gets_a_terminal_through_the_console_socket" {
        run script -qec "$P run -it --rm $IMG sh -c 'tty; echo tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == */dev/pts/0* ]]
        [[ $output == *tty-ok* ]]
        keel_called ' create .*--console-socket '
}

@test "exec_it_gets_a_terminal" {
        "$P" run -d --name t-t "$IMG" sleep 1000
        run script -qec "$P exec -it t-t sh -c 'tty; echo exec-tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == */dev/pts/* ]]
        [[ $output == *exec-tty-ok* ]]
}

@test "pause_freezes_the_cgroup_and_unpause_thaws_it" {
        "$P" run -d --name t-p "$IMG" sleep 1000
        cg=$(host_cgroup_dir t-p)
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$P" pause t-p
        [ "$status" -eq 0 ]
        keel_called ' pause [0-9a-f]{64}$'
        [ "$("$P" inspect -f '{{.State.Status}}' t-p)" = paused ]
        grep -qx 'frozen 1' "$cg/cgroup.events"
        run "$P" unpause t-p
        [ "$status" -eq 0 ]
        keel_called ' resume [0-9a-f]{64}$'
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$P" exec t-p echo thawed
        [ "$output" = thawed ]
}

@test "top_lists_the_container_processes" {
        "$P" run -d --name t-top "$IMG" sleep 1000
        run "$P" top t-top pid comm args
        [ "$status" -eq 0 ]
        [[ $output == *"sleep 1000"* ]]
}

@test "device_cgroup_denies_a_device_not_in_the_list" {
        [ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
        # /dev/net/tun (10:200) opens without a capability, so only the
        # device cgroup stands in the way (with --cgroups=disabled it opens).
        # mknod is allowed ("c *:* m"), /dev/zero is in the list.
        run "$P" run --rm --cap-add MKNOD "$IMG" sh -c \
                'head -c1 /dev/zero | wc -c; mknod /tmp/d c 10 200 && echo mknod-ok && exec 3</tmp/d && echo opened'
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = 1 ]
        [ "${lines[1]}" = mknod-ok ]
        [[ $output == *"can't open /tmp/d: Operation not permitted"* ]]
        [[ $output != *opened* ]]
}

@test "read_only_root_with_writable_tmp" {
        run "$P" run --rm --read-only "$IMG" sh -c 'touch /x'
        [ "$status" -ne 0 ]
        [[ $output == *"Read-only file system"* ]]
        run "$P" run --rm --read-only "$IMG" sh -c 'touch /tmp/x && echo tmp-ok'
        [ "$status" -eq 0 ]
        [ "$output" = tmp-ok ]
}

# --- --cgroups=disabled ------------------------------------------------------------

@test "cgroups_disabled_run_and_exit_code" {
        run "$P" run --rm --cgroups=disabled "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        keel_called '--cgroup-manager disabled create '
        run "$P" run --rm --cgroups=disabled "$IMG" sh -c 'exit 3'
        [ "$status" -eq 3 ]
}

@test "cgroups_disabled_exec_and_stop" {
        "$P" run -d --cgroups=disabled --name t-n "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        run "$P" exec -u nobody -w /tmp -e X=1 t-n sh -c 'echo "$X $(id -u) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "1 65534 /tmp" ]
        keel_called '--cgroup-manager disabled exec '
        run "$P" stop -t 20 t-n
        [ "$status" -eq 0 ]
        [ "$("$P" inspect -f '{{.State.ExitCode}}' t-n)" = 0 ]
}

@test "cgroups_disabled_run_it" {
        run script -qec "$P run -it --rm --cgroups=disabled $IMG sh -c 'tty; echo tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == *tty-ok* ]]
}
