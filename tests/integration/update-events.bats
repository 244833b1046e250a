#!/usr/bin/env bats
# update and events on this host.  Its cgroup2 hierarchy (the unified mount
# of a hybrid host) has hugetlb and no other controller, so hugetlb is the
# limit these tests change live; memory, pids, cpu and io are proven in the
# VM suite (tests/vm).  Here: the merge, what is stored, the errors, and the
# JSON events prints.

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
        grep -qw hugetlb "$(cgroup2_mount)/cgroup.controllers" || skip "no hugetlb in cgroup2"
        make_bundle "$B" /keel-checker --sleep 60
        config_set "$B" '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 2097152}]'
}

teardown() {
        lc_teardown
}

cg_file() {
        cat "$(cgroup2_mount)/keel/$C/$1"
}

@test "update_resources_changes_the_limit_live_and_stores_it" {
        rk_ok create --bundle "$B" "$C"
        [ "$(cg_file hugetlb.2MB.max)" = 2097152 ]
        RK_STDIN=<(echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 8388608}]}') \
                rk_ok update --resources - "$C"
        [ "$(cg_file hugetlb.2MB.max)" = 8388608 ]
        # The stored config has the merge: devices kept, the limit replaced.
        jq -e '.linux.resources.hugepageLimits == [{pageSize: "2MB", limit: 8388608}]' \
                "$ROOT/$C/config.json"
        jq -e '.linux.resources.devices | length > 0' "$ROOT/$C/config.json"
        # From a file, a unified key: merged on top of what was stored.
        echo '{"unified": {"hugetlb.2MB.max": "4194304"}}' >"$TEST_DIR/res.json"
        rk_ok update -r "$TEST_DIR/res.json" "$C"
        [ "$(cg_file hugetlb.2MB.max)" = 4194304 ]
        jq -e '.linux.resources.hugepageLimits[0].limit == 8388608' "$ROOT/$C/config.json"
        rk_ok delete --force "$C"
}

@test "update_works_on_a_running_and_a_paused_container" {
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        RK_STDIN=<(echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 6291456}]}') \
                rk_ok update --resources - "$C"
        [ "$(cg_file hugetlb.2MB.max)" = 6291456 ]
        rk_ok pause "$C"
        echo '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}' >"$TEST_DIR/r.json"
        rk_ok update --resources "$TEST_DIR/r.json" "$C"
        [ "$(cg_file hugetlb.2MB.max)" = 4194304 ]
        rk_ok resume "$C"
        rk_ok delete --force "$C"
}

@test "a_refused_update_changes_nothing_and_says_why" {
        rk_ok create --bundle "$B" "$C"
        cp "$ROOT/$C/config.json" "$TEST_DIR/before.json"
        rk update "$C"
        assert_error 'nothing to update: give --resources FILE or a limit flag'
        rk update --pids-limit many "$C"
        assert_error '--pids-limit: "many" is not an integer'
        rk update --memory 12q "$C"
        assert_error '--memory: "12q" is not a size like 512m or -1'
        rk update --cpuset-cpus '0"}' "$C"
        assert_error '--cpuset-cpus: "0"}" is not a cpu list'
        rk update --l3-cache-schema L3:0=f "$C"
        assert_error 'linux.intelRdt: not supported on this host'
        echo '{}' >"$TEST_DIR/r.json"
        rk update --resources "$TEST_DIR/r.json" --pids-limit 3 "$C"
        assert_error '--resources and the limit flags cannot be combined'
        RK_STDIN=<(echo '[1, 2]') rk update --resources - "$C"
        assert_error 'resources: expected an object, got array'
        RK_STDIN=<(echo '{"pids": {"limit": "x"}}') rk update --resources - "$C"
        assert_error 'linux.resources.pids.limit: expected integer'
        RK_STDIN=<(echo '{"memory": {"swappiness": 1}}') rk update --resources - "$C"
        assert_error 'linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness'
        if ! grep -qw pids "$(cgroup2_mount)/cgroup.controllers"; then
                rk update --pids-limit 10 "$C"
                assert_error "linux.resources.pids.limit: the cgroup v2 controller pids is not available"
        fi
        cmp "$TEST_DIR/before.json" "$ROOT/$C/config.json"
        [ "$(cg_file hugetlb.2MB.max)" = 2097152 ]
        rk_ok delete --force "$C"
}

@test "update_needs_a_live_container_with_a_cgroup" {
        rk update --pids-limit 3 nosuch
        assert_error 'container nosuch does not exist'
        rk_ok --cgroup-manager disabled create --bundle "$B" "$C"
        rk update --pids-limit 3 "$C"
        assert_error "container $C has no cgroup"
        rk_ok delete --force "$C"
        rk_ok create --bundle "$B" "$C"
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk update --pids-limit 3 "$C"
        assert_error "container $C is stopped"
        rk_ok delete "$C"
}

@test "events_stats_prints_runc_shaped_json" {
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        rk_ok events --stats "$C"
        echo "$output" | jq -e --arg id "$C" '.type == "stats" and .id == $id'
        echo "$output" | jq -e '.data.cpu.usage.total | type == "number"'
        echo "$output" | jq -e '.data.cpu.throttling.periods | type == "number"'
        echo "$output" | jq -e '.data.hugetlb["2MB"].max == 2097152'
        # One line, as containerd reads it.
        [ "$(echo "$output" | wc -l)" -eq 1 ]
        rk_ok delete --force "$C"
}

@test "events_follows_until_the_container_stops" {
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        ( sleep 1.5; "$KEEL" --root "$ROOT" kill "$C" KILL ) &
        rk_ok events --interval 300ms "$C"
        wait
        n=$(echo "$output" | jq -s 'map(select(.type == "stats")) | length')
        [ "$n" -ge 3 ]
        rk_ok delete "$C"
}

@test "events_refuses_what_it_cannot_follow" {
        rk events --interval 0s "$C"
        assert_error '--interval: "0s" is not a duration'
        rk events --interval fast "$C"
        assert_error '--interval: "fast" is not a duration'
        rk_ok create --bundle "$B" "$C"
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk events --stats "$C"
        assert_error "container $C is not running"
        rk_ok delete "$C"
}
