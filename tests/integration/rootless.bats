#!/usr/bin/env bats
# Rootless keel: an unprivileged user (made by this file, removed after)
# runs a bundle from `keel spec --rootless`: a user namespace mapping the
# user's own uid and gid to root, state under $XDG_RUNTIME_DIR/keel, the
# host's /sys bound (no network namespace), devices bound from the host,
# and no cgroup unless the user has a delegated cgroup v2 subtree (this
# host gives none).

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common
load image-layout

RL_USER=keel-rl

setup_file() {
        lc_setup_file
        if ! id "$RL_USER" >/dev/null 2>&1; then
                useradd -M -U -s /bin/sh "$RL_USER" || skip "cannot create a test user"
                touch "$BATS_FILE_TMPDIR/made-user"
        fi
}

teardown_file() {
        [ -e "$BATS_FILE_TMPDIR/made-user" ] && userdel "$RL_USER" 2>/dev/null
        return 0
}

setup() {
        lc_setup
        RL_UID=$(id -u "$RL_USER")
        RL_GID=$(id -g "$RL_USER")
        XDG=$TEST_DIR/xdg
        mkdir -p "$XDG" "$B"
        chmod 755 "$TEST_DIR"
        chown "$RL_USER:" "$XDG"
        chmod 700 "$XDG"
        make_rootfs "$B/rootfs"
        chown -R "$RL_USER:" "$B"
}

teardown() {
        # Whatever a failed test left, as the user (root's keel would not
        # look under the user's state root).
        for id in $(as_user "$KEEL" list -q 2>/dev/null); do
                as_user "$KEEL" delete --force "$id" >/dev/null 2>&1
        done
        lc_teardown
}

as_user() {
        runuser -u "$RL_USER" -- env XDG_RUNTIME_DIR="$XDG" "$@"
}

# urk ARGS: keel as the user, like rk (status, output, stderr).
urk() {
        status=0
        output=$(cd "$B" && as_user timeout 60 "$KEEL" "$@" 2>"$TEST_DIR/urk.err") || status=$?
        stderr=$(cat "$TEST_DIR/urk.err")
}

# The container's stdout outlives keel: a file, not urk's pipe (SIGPIPE).
urk_detach() {
        (cd "$B" && as_user "$KEEL" run --detach "$C" >"$TEST_DIR/ctr.out" 2>&1)
}

urk_ok() {
        urk "$@"
        if ((status != 0)); then
                echo "'$*' failed with status $status: $stderr" >&2
                return 1
        fi
}

rootless_bundle() {     # ARGS: the process
        (cd "$B" && as_user "$KEEL" spec --rootless) || return 1
        # jq 1.6 reads "--sleep" after --args as its own option: pass JSON.
        args=$(printf '%s\n' "$@" | jq -R . | jq -s -c .) || return 1
        ucfg '.process.terminal = false | .process.args = $a' --argjson a "$args"
}

ucfg() {                # FILTER [JQ-ARGS]: config_set, leaving the file the user's
        config_set "$B" "$@" && chown "$RL_USER:" "$B/config.json"
}

@test "rootless_run_maps_the_user_to_root" {
        rootless_bundle /keel-checker ids paths --path /proc/self/uid_map --path /proc/self/gid_map
        urk_ok run "$C"
        [ "$(checker_value "$output" uid)" = 0 ]
        [ "$(checker_value "$output" gid)" = 0 ]
        [[ $(checker_value "$output" path./proc/self/uid_map) == *"data=         0 $(printf '%10d' "$RL_UID")          1\x0a" ]]
        [[ $(checker_value "$output" path./proc/self/gid_map) == *"data=         0 $(printf '%10d' "$RL_GID")          1\x0a" ]]
        # The state root is the user's, and empty again.
        [ -d "$XDG/keel" ]
        [ "$(stat -c %U "$XDG/keel")" = "$RL_USER" ]
        [ -z "$(state_root_entries "$XDG/keel")" ]
}

@test "rootless_container_runs_as_the_user_on_the_host_and_exec_joins_it" {
        rootless_bundle /keel-checker uts --sleep 60
        chmod 777 "$TEST_DIR"
        urk_detach
        urk_ok state "$C"
        pid=$(echo "$output" | jq -r .pid)
        grep -qE "^Uid:\s+$RL_UID\s+$RL_UID\s+$RL_UID\s+$RL_UID$" "/proc/$pid/status"
        urk_ok exec "$C" /keel-checker ids
        [ "$(checker_value "$output" uid)" = 0 ]
        urk exec "$C" /keel-checker --exit 7
        [ "$status" -eq 7 ]
        urk_ok kill "$C" KILL
        wait_until 10 pid_gone "$pid"
        urk_ok delete "$C"
        [ -z "$(state_root_entries "$XDG/keel")" ]
}

@test "rootless_keel_of_its_own_runs_from_a_sealed_memfd_copy_of_its_binary" {
        # A keel binary the user owns is the user's to write, and the
        # rootless container maps the user: the guard applies.  Without
        # CAP_SYS_ADMIN keel cannot bind its binary read-only
        # (linux/exe-guard.h): create re-executes it from a sealed memfd, so
        # the init waiting for start is not the user's writable file either.
        cp "$KEEL" "$TEST_DIR/keel-own"
        chown "$RL_USER:" "$TEST_DIR/keel-own"
        chmod 755 "$TEST_DIR"
        KEEL=$TEST_DIR/keel-own
        rootless_bundle /keel-checker uts
        (cd "$B" && as_user "$KEEL" create "$C")
        urk_ok state "$C"
        pid=$(echo "$output" | jq -r .pid)
        [[ $(readlink "/proc/$pid/exe") == "/memfd:keel (deleted)" ]]
        cmp "/proc/$pid/exe" "$KEEL"
        urk_ok delete --force "$C"
}

@test "rootless_keel_owned_by_root_is_not_re_executed" {
        # keel installed by root (root's file, mode 755): the rootless
        # container's user namespace maps the user, not root, so nothing in
        # it may write the binary (keel_exe_guard_needed_for_create) and
        # keel skips the memfd copy.  Fails on a keel that re-executes.
        [ "$(stat -c %u "$KEEL")" = 0 ]
        rootless_bundle /keel-checker uts
        (cd "$B" && as_user "$KEEL" create "$C")
        urk_ok state "$C"
        pid=$(echo "$output" | jq -r .pid)
        [ "$(readlink "/proc/$pid/exe")" = "$(realpath "$KEEL")" ]
        urk_ok delete --force "$C"
}

@test "rootless_run_image_copies_the_layers_into_a_user_namespace" {
        # An unprivileged keel cannot mount overlay outside a user namespace:
        # the layers are copied into the container's rootfs (with a warning),
        # and the bundle is keel spec --rootless's (the user mapped to root).
        local base=$TEST_DIR/base c
        mkdir -p "$base/bin" "$base/etc"
        cp /bin/busybox "$base/bin/"
        for c in sh cat id; do ln -s busybox "$base/bin/$c"; done
        echo from-the-image >"$base/etc/motd"
        make_layout "$TEST_DIR/img" gz '"Cmd":["/bin/sh","-c","cat /etc/motd; id -u; echo x >/etc/w"]' \
                "$(tar_of "$base")"
        chmod -R a+rX "$TEST_DIR/img"
        chmod 755 "$TEST_DIR"
        urk_ok run --image "oci:$TEST_DIR/img" "$C"
        [ "$(echo "$output" | sed -n 1p)" = from-the-image ]
        [ "$(echo "$output" | sed -n 2p)" = 0 ]
        [[ $stderr == *"overlay unavailable"*"copying the layers into the container's rootfs"* ]]
        # The container is gone with its copy; the user's layer store stays.
        [ "$(ls -A "$XDG/keel")" = .images ]
        [ -z "$(find "$XDG/keel/.images" -name w)" ]
}

@test "rootless_writes_in_a_bind_mount_belong_to_the_user" {
        mkdir -p "$TEST_DIR/vol"
        chown "$RL_USER:" "$TEST_DIR/vol"
        rootless_bundle /keel-checker --write /vol/made yes
        ucfg '.mounts += [{destination: "/vol", type: "bind", source: $s,
                options: ["rbind", "rw"]}]' --arg s "$TEST_DIR/vol"
        mkdir -p "$B/rootfs/vol"
        urk_ok run "$C"
        [ "$(stat -c %u:%g "$TEST_DIR/vol/made")" = "$RL_UID:$RL_GID" ]
}

@test "rootless_without_a_delegated_cgroup_has_none_and_says_so" {
        rootless_bundle /keel-checker uts --sleep 60
        chmod 777 "$TEST_DIR"
        urk_detach
        urk pause "$C"
        assert_error "container $C has no cgroup"
        [ -z "$(cgroups_named "$C")" ]
        urk_ok delete --force "$C"
        # A limit cannot be honoured: create fails and leaves nothing.
        ucfg '.linux.resources.pids = {limit: 10}'
        urk create "$C"
        assert_error "linux.resources.pids.limit: rootless keel can only limit a container in a delegated cgroup v2 subtree"
        [ -z "$(state_root_entries "$XDG/keel")" ]
        [ -z "$(cgroups_named "$C")" ]
}

@test "rootless_mapping_other_ids_goes_through_newuidmap" {
        # With subordinate ids in /etc/subuid and /etc/subgid (useradd gave
        # some) and Debian's uidmap installed, a range maps through the
        # setuid helpers; without them, create says what is missing.
        rootless_bundle /keel-checker ids paths --path /proc/self/uid_map
        sub=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid 2>/dev/null)
        subg=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid 2>/dev/null)
        if [ -z "$sub" ] || [ -z "$subg" ] || ! command -v newuidmap >/dev/null; then
                ucfg '.linux.uidMappings += [{containerID: 1, hostID: 200000, size: 1000}]'
                urk create "$C"
                assert_error 'linux.uidMappings: (an unprivileged user maps ids other than its own through newuidmap|newuidmap refused the mapping)'
                [ -z "$(state_root_entries "$XDG/keel")" ]
                return
        fi
        ucfg '.linux.uidMappings += [{containerID: 1, hostID: $s, size: 1000}]
                | .linux.gidMappings += [{containerID: 1, hostID: $g, size: 1000}]' \
                --argjson s "$sub" --argjson g "$subg"
        urk_ok run "$C"
        map=$(checker_value "$output" path./proc/self/uid_map)
        # (the checker shows the first bytes of the file)
        [[ $map == *"data=         0 $(printf '%10d' "$RL_UID")          1\x0a         1 $(printf '%10d' "$sub")"* ]]
        # A range outside the user's subordinate ids is refused.
        ucfg '.linux.uidMappings[1].hostID = 1'
        urk create "$C"
        assert_error 'linux.uidMappings: newuidmap refused the mapping'
        [ -z "$(state_root_entries "$XDG/keel")" ]
}

@test "rootless_needs_a_state_root" {
        status=0
        stderr=$(runuser -u "$RL_USER" -- env -u XDG_RUNTIME_DIR "$KEEL" list 2>&1 >/dev/null) || status=$?
        assert_error 'no state root: give --root DIR, or set XDG_RUNTIME_DIR'
}

@test "rootless_false_as_a_user_tries_the_root_path_and_fails_clearly" {
        rootless_bundle /keel-checker ids
        urk --rootless false create "$C"
        assert_error 'cgroup'
        [ -z "$(state_root_entries "$XDG/keel")" ]
}
