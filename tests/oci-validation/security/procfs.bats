#!/usr/bin/env bats
# keel's own writes under /proc (sysctls) go through a private procfs, not
# through the container's /proc: a volume mounted over part of /proc (a
# sibling container controls its contents, CVE-2019-16884's class) must not
# receive them.

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

@test "sysctl_write_bypasses_a_volume_mounted_over_proc_sys" {
        mkdir -p "$TEST_DIR/vol"
        echo untouched >"$TEST_DIR/vol/domainname"
        make_bundle "$B" /keel-checker uts
        config_set "$B" '.mounts += [{destination: "/proc/sys/kernel", type: "bind", source: $v, options: ["rbind"]}]
                         | .linux.sysctl = {"kernel.domainname": "keel-sysctl"}' --arg v "$TEST_DIR/vol"
        rk_ok run --bundle "$B" "$C"
        # The volume's file was not written; the kernel's value was.
        [ "$(cat "$TEST_DIR/vol/domainname")" = untouched ]
        [ "$(checker_value "$(cat "$RK_OUT")" domainname)" = keel-sysctl ]
}

@test "oom_score_adj_is_applied_in_a_user_namespace" {
        # The container's root is host uid 100000: it must reach its rootfs.
        chmod 755 "$TEST_DIR"
        make_bundle "$B" /bin/cat /proc/self/oom_score_adj
        config_set "$B" '.linux.namespaces += [{type: "user"}]
                         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                         | .process.oomScoreAdj = 400'
        rk_ok run --bundle "$B" "$C"
        [ "$(cat "$RK_OUT")" = 400 ]
}

# in_runtime_ns FILE...: runs keel (run $B as $C) in new ipc, network and
# uts namespaces that stand for the runtime's own (thrown away after, so a
# runtime that wrongly writes there harms nothing), printing each FILE
# under /proc/sys before and after ("before FILE VALUE", "after FILE
# VALUE") to $TEST_DIR/values; rk's status, stdout and stderr as usual.
in_runtime_ns() {
        printf '#!/bin/sh\nexec unshare --ipc --net --uts -- sh -c '\''for f in %s; do echo "before $f $(cat /proc/sys/$f)"; done >>"%s"; "$0" "$@"; s=$?; for f in %s; do echo "after $f $(cat /proc/sys/$f)"; done >>"%s"; exit $s'\'' %q "$@"\n' \
                "$*" "$TEST_DIR/values" "$*" "$TEST_DIR/values" "$KEEL" >"$TEST_DIR/keel-ns"
        chmod 755 "$TEST_DIR/keel-ns"
        : >"$TEST_DIR/values"
        KEEL=$TEST_DIR/keel-ns rk run --bundle "$B" "$C"
}

# values_unchanged: every file read by in_runtime_ns kept its value.
values_unchanged() {
        local f
        cat "$TEST_DIR/values" >&2
        for f in $(awk '$1 == "before" { print $2 }' "$TEST_DIR/values"); do
                [ "$(awk -v f="$f" '$1 == "before" && $2 == f { $1 = $2 = ""; print }' "$TEST_DIR/values")" = \
                  "$(awk -v f="$f" '$1 == "after" && $2 == f { $1 = $2 = ""; print }' "$TEST_DIR/values")" ] ||
                        { echo "$f changed in the runtime's namespace" >&2; return 1; }
        done
        grep -q '^after ' "$TEST_DIR/values"
}

@test "sysctl_of_the_runtimes_ipc_namespace_is_refused" {
        # Without an ipc namespace of its own, the container shares the
        # runtime's: fs.mqueue.* and kernel.shm* would change the host's
        # values.  Fails on a runtime that writes them anyway.
        make_bundle "$B" /bin/true
        drop_ns ipc
        local key
        for key in fs.mqueue.queues_max kernel.shmmni; do
                config_set "$B" '.linux.sysctl = {($k): "300"}' --arg k "$key"
                leak_snapshot
                in_runtime_ns "${key//.//}"
                assert_error "linux.sysctl: \"$key\" is not allowed in the runtime's ipc namespace"
                values_unchanged
                assert_nothing_left "$C"
        done
}

@test "sysctl_of_the_runtimes_network_namespace_is_refused" {
        # No network namespace, or one joined by a path that names the
        # runtime's own: net.* would change the host's network stack.
        make_bundle "$B" /bin/true
        config_set "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
        drop_ns network
        leak_snapshot
        in_runtime_ns net/ipv4/ip_forward
        assert_error 'linux.sysctl: "net.ipv4.ip_forward" is not allowed in the runtime.s network namespace'
        values_unchanged
        assert_nothing_left "$C"
        set_ns network /proc/self/ns/net
        in_runtime_ns net/ipv4/ip_forward
        assert_error '"net.ipv4.ip_forward" is not allowed in the runtime.s network namespace \(the path names it\)'
        values_unchanged
        assert_nothing_left "$C"
}

@test "host_global_sysctls_are_refused_by_name" {
        # fs.lease-break-time has no namespace: writing it changes the
        # host (as kernel.core_pattern would, which is root on the host).
        # Fails on a runtime that opens any sysctl it is given.
        local before
        before=$(cat /proc/sys/fs/lease-break-time)
        make_bundle "$B" /bin/true
        config_set "$B" '.linux.sysctl = {"fs.lease-break-time": ($v | tostring)}' \
                --argjson v "$((before + 7))"
        leak_snapshot
        rk run --bundle "$B" "$C"
        if [ "$(cat /proc/sys/fs/lease-break-time)" != "$before" ]; then
                echo "$before" >/proc/sys/fs/lease-break-time
                echo "the host's fs.lease-break-time was written" >&2
                return 1
        fi
        assert_error 'linux.sysctl: "fs.lease-break-time" is not in a separate kernel namespace'
        assert_nothing_left "$C"
        config_set "$B" '.linux.sysctl = {"kernel.version": "x"}'
        rk run --bundle "$B" "$C"
        assert_error '"kernel.version" is not in a separate kernel namespace'
        # kernel.hostname is namespaced, but "hostname" sets it (runc's rule).
        config_set "$B" '.linux.sysctl = {"kernel.hostname": "x"}'
        rk run --bundle "$B" "$C"
        assert_error '"kernel.hostname" is not allowed as it conflicts with the "hostname" field'
        assert_nothing_left "$C"
}

@test "malformed_sysctl_keys_are_refused_before_any_write" {
        make_bundle "$B" /bin/true
        local key
        for key in "net..ipv4.ip_forward" "net.ipv4/../../fs/lease-break-time" ".net.ipv4.ip_forward" \
                "net.ipv4.ip_forward." "" "net.ipv4.ip forward"; do
                config_set "$B" '.linux.sysctl = {($k): "1"}' --arg k "$key"
                leak_snapshot
                rk run --bundle "$B" "$C"
                assert_error "linux.sysctl: invalid key"
                assert_nothing_left "$C"
        done
}

@test "namespaced_sysctls_apply_in_the_containers_own_namespaces" {
        # Each written in the container's namespace, none in the runtime's.
        make_bundle "$B" /keel-checker sysctl --sysctl kernel.shmmni --sysctl fs.mqueue.msg_max \
                --sysctl net.ipv4.ip_forward --sysctl kernel.domainname
        config_set "$B" '.linux.sysctl = {"kernel.shmmni": "1000", "fs.mqueue.msg_max": "20",
                "net.ipv4.ip_forward": "1", "kernel.domainname": "keel-dom"}'
        in_runtime_ns kernel/shmmni fs/mqueue/msg_max net/ipv4/ip_forward kernel/domainname
        [ "$status" -eq 0 ] || { echo "$stderr" >&2; return 1; }
        [ "$(checker_value "$output" sysctl.kernel.shmmni)" = 1000 ]
        [ "$(checker_value "$output" sysctl.fs.mqueue.msg_max)" = 20 ]
        [ "$(checker_value "$output" sysctl.net.ipv4.ip_forward)" = 1 ]
        [ "$(checker_value "$output" sysctl.kernel.domainname)" = keel-dom ]
        values_unchanged
}

@test "user_sysctls_need_a_new_user_namespace" {
        # user.max_* are the limits of the user namespace the writer is in:
        # the container's own only when it has a new one.
        chmod 755 "$TEST_DIR"
        make_bundle "$B" /keel-checker sysctl --sysctl user.max_user_namespaces
        config_set "$B" '.linux.sysctl = {"user.max_user_namespaces": "7"}'
        leak_snapshot
        rk run --bundle "$B" "$C"
        assert_error '"user.max_user_namespaces" needs a new user namespace'
        assert_nothing_left "$C"
        config_set "$B" '.linux.namespaces += [{type: "user"}]
                         | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
                         | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
        local host
        host=$(cat /proc/sys/user/max_user_namespaces)
        rk_ok run --bundle "$B" "$C"
        [ "$(checker_value "$output" sysctl.user.max_user_namespaces)" = 7 ]
        [ "$(cat /proc/sys/user/max_user_namespaces)" = "$host" ]
}
