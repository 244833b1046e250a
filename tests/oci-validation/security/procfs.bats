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
