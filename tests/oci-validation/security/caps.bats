#!/usr/bin/env bats
# Capabilities exactly as configured (CVE-2022-29162, CVE-2022-27650: a
# runtime that put capabilities in the inheritable set let a non-root
# process gain them by executing a file with inheritable file
# capabilities), and ids parsed strictly (CVE-2026-30892's class: an id
# read leniently, "0x0", "1e3" or one that wraps to -1, became root).

load ../lib
load ../lifecycle/common

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
        C=sec-$$-${BATS_TEST_NUMBER:-0}
}

teardown() {
        lc_teardown
}

# cap_set NAME: the checker's cap_NAME_names value in $output.
cap_set() {
        checker_value "$output" "cap_$1_names"
}

# has_cap SET CAP: CAP is in the checker's SET (bnd, eff, prm, inh, amb).
has_cap() {
        [[ " $(cap_set "$1") " == *" $2 "* ]]
}

# caps_are SET NAMES...: the checker's SET holds exactly NAMES (sorted).
caps_are() {
        local set=$1 want
        shift
        want=$(printf '%s\n' "$@" | LC_ALL=C sort | paste -sd' ')
        if [ "$(cap_set "$set")" != "$want" ]; then
                echo "cap_$set: want '$want', got '$(cap_set "$set")'" >&2
                return 1
        fi
}

@test "init_gets_each_of_the_five_sets_exactly_as_configured" {
        # Five different sets, so that a runtime that fills one from
        # another (permitted or inheritable from bounding, ambient from
        # inheritable) fails.  Root's execve would raise permitted to
        # bounding plus inheritable (a binary without file capabilities
        # counts as having them all); with noNewPrivileges the kernel keeps
        # it to what keel set, so it shows.  Effective is root's permitted
        # after execve, whatever keel set.
        make_bundle "$B" /keel-checker caps
        config_set "$B" '.process.capabilities = {
                bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID"],
                permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"],
                effective: ["CAP_KILL", "CAP_NET_RAW"],
                inheritable: ["CAP_KILL", "CAP_CHOWN"],
                ambient: ["CAP_KILL"]}
                | .process.noNewPrivileges = true'
        rk_ok run --bundle "$B" "$C"
        caps_are bnd CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETUID
        caps_are inh CAP_CHOWN CAP_KILL
        caps_are amb CAP_KILL
        caps_are prm CAP_CHOWN CAP_KILL CAP_NET_RAW
        caps_are eff CAP_CHOWN CAP_KILL CAP_NET_RAW
}

@test "a_non_root_user_keeps_exactly_its_ambient_capabilities" {
        # Across the switch to process.user (PR_SET_KEEPCAPS) and its
        # execve, a non-root process keeps what ambient holds and nothing
        # else (permitted and effective become ambient).  Fails on a runtime that loses the capabilities at setuid,
        # or that gives a non-root user its permitted set without ambient.
        make_bundle "$B" /keel-checker caps ids
        config_set "$B" '.process.user = {uid: 1000, gid: 1000}
                | .process.capabilities = {
                bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
                permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
                effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW"],
                inheritable: ["CAP_NET_BIND_SERVICE"],
                ambient: ["CAP_NET_BIND_SERVICE"]}'
        rk_ok run --bundle "$B" "$C"
        [ "$(checker_value "$output" uid)" = 1000 ]
        caps_are bnd CAP_KILL CAP_NET_BIND_SERVICE CAP_NET_RAW
        caps_are inh CAP_NET_BIND_SERVICE
        caps_are prm CAP_NET_BIND_SERVICE
        caps_are eff CAP_NET_BIND_SERVICE
        caps_are amb CAP_NET_BIND_SERVICE
}

@test "exec_process_json_gets_its_own_five_sets" {
        # exec --process: the process.json's capabilities, not the
        # container's (without noNewPrivileges, root's permitted and
        # effective after execve are bounding plus inheritable).
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        jq -n '{args: ["/keel-checker", "caps"], cwd: "/", user: {uid: 0, gid: 0},
                capabilities: {bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"], permitted: ["CAP_SYS_ADMIN"],
                effective: ["CAP_SYS_ADMIN"], inheritable: ["CAP_CHOWN"], ambient: []}}' \
                >"$TEST_DIR/process.json"
        rk_ok exec --process "$TEST_DIR/process.json" "$C"
        caps_are bnd CAP_CHOWN CAP_SYS_ADMIN
        caps_are inh CAP_CHOWN
        caps_are prm CAP_CHOWN CAP_SYS_ADMIN
        caps_are eff CAP_CHOWN CAP_SYS_ADMIN
        [ "$(checker_value "$output" cap_amb)" = 0000000000000000 ]
}

@test "an_unknown_capability_fails_create_naming_it_and_leaves_nothing" {
        make_bundle "$B" /bin/true
        config_set "$B" '.process.capabilities.effective += ["CAP_NO_SUCH_THING"]'
        leak_snapshot
        rk create --bundle "$B" "$C"
        assert_error 'process.capabilities.effective: unknown capability CAP_NO_SUCH_THING'
        assert_nothing_left "$C"
}

@test "exec_cap_adds_to_bounding_effective_permitted_only" {
        # Fails on a runtime that also adds --cap to inheritable or ambient.
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok exec --cap CAP_SYS_ADMIN --cap CAP_NET_RAW "$C" /keel-checker caps
        has_cap bnd CAP_SYS_ADMIN && has_cap eff CAP_SYS_ADMIN && has_cap prm CAP_SYS_ADMIN
        has_cap bnd CAP_NET_RAW && has_cap eff CAP_NET_RAW && has_cap prm CAP_NET_RAW
        [ "$(checker_value "$output" cap_inh)" = 0000000000000000 ]
        [ "$(checker_value "$output" cap_amb)" = 0000000000000000 ]
}

@test "exec_cap_leaves_configured_inheritable_and_ambient_as_they_are" {
        # The config's own inheritable/ambient entries stay exactly those.
        make_bundle "$B" /keel-checker --sleep 60
        config_set "$B" '.process.capabilities.inheritable = ["CAP_KILL"]
                         | .process.capabilities.ambient = ["CAP_KILL"]'
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok exec --cap CAP_SYS_ADMIN "$C" /keel-checker caps
        has_cap eff CAP_SYS_ADMIN
        [ "$(cap_set inh)" = CAP_KILL ]
        [ "$(cap_set amb)" = CAP_KILL ]
}

@test "exec_cap_as_non_root_gives_nothing_ambient" {
        # The attack's user: a non-root exec keeps no capability across its
        # execve unless ambient holds it; --cap must not put it there.
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok exec --user 1000:1000 --cap CAP_NET_RAW "$C" /keel-checker caps ids
        [ "$(checker_value "$output" uid)" = 1000 ]
        [ "$(checker_value "$output" cap_inh)" = 0000000000000000 ]
        [ "$(checker_value "$output" cap_amb)" = 0000000000000000 ]
        [ "$(checker_value "$output" cap_eff)" = 0000000000000000 ]
}

@test "spec_template_has_empty_inheritable_and_ambient" {
        local mode
        for mode in "" --rootless; do
                mkdir -p "$TEST_DIR/spec$mode"
                (cd "$TEST_DIR/spec$mode" && "$KEEL" spec $mode) || return
                jq -e '(.process.capabilities.inheritable // []) == [] and
                       (.process.capabilities.ambient // []) == [] and
                       (.process.capabilities.bounding | length) > 0' \
                        "$TEST_DIR/spec$mode/config.json" >/dev/null
        done
}

@test "exec_user_accepts_plain_numbers" {
        # The control for the refusals below.
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        rk_ok exec --user 1000:1001 "$C" /keel-checker ids
        [ "$(checker_value "$output" uid)" = 1000 ]
        [ "$(checker_value "$output" gid)" = 1001 ]
        rk_ok exec --user 4294967294 "$C" /keel-checker ids
        [ "$(checker_value "$output" uid)" = 4294967294 ]
}

@test "exec_user_refuses_anything_but_decimal_uid_gid" {
        # Each of these is a number to strtol(base 0), atoi or sscanf, and
        # several are 0 (root) or -1 (setresuid's "leave unchanged": still
        # root).  Fails on a runtime that runs any of them.
        local v
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        for v in 0x0 0x3e8 1e3 " 1" "1 " -1 +1 4294967295 4294967296 18446744073709551615 \
                1:2:3 1: :1 : "" 1.0 1000x 0x0:0 1000:0x0 "1000:-1" "1000:4294967295"; do
                rk exec --user "$v" "$C" /keel-checker ids
                # 255: exec failed before its process ran (runc's status).
                if ((status != 255)) || ! grep -qiE -- '--user' <<<"$stderr"; then
                        echo "--user '$v': status $status, stderr: $stderr, output: $output" >&2
                        return 1
                fi
        done
}

@test "process_user_refuses_non_integers_and_out_of_range" {
        # config.json's ids: an exponent, a fraction, a string, a negative
        # number or one past 32 bits is an error naming the field.
        local v f
        make_bundle "$B" /keel-checker ids
        cp "$B/config.json" "$TEST_DIR/config.orig"
        for f in uid gid; do
                for v in 1e3 1E0 1.5 1000.0 '"0"' '"1000"' -1 -0 4294967296 18446744073709551616 null true; do
                        # As text: jq would rewrite 1e3 as 1000.
                        jq --arg f "$f" '.process.user[$f] = "@V@"' "$TEST_DIR/config.orig" |
                                sed "s/\"@V@\"/$v/" >"$B/config.json"
                        grep -qF -- "\"$f\": $v" "$B/config.json"
                        rk create --bundle "$B" "$C"
                        if ((status != 1)) || ! grep -q "process.user.$f" <<<"$stderr"; then
                                echo "process.user.$f = $v: status $status, stderr: $stderr" >&2
                                return 1
                        fi
                        [ ! -e "$ROOT/$C" ]
                done
        done
}

@test "process_user_uid_4294967295_does_not_run_as_root" {
        # 4294967295 is (uid_t) -1: setresuid(-1, -1, -1) changes nothing,
        # so a runtime that passes it on runs the process as root.  It can
        # never be a process's id: refuse it (or at least never run as 0).
        local f
        for f in uid gid; do
                make_bundle "$B" /keel-checker ids
                config_set "$B" '.process.user[$f] = 4294967295' --arg f "$f"
                rk run --bundle "$B" "$C"
                if ((status == 0)); then
                        echo "process.user.$f = 4294967295 ran: $(grep -E '^(uid|gid):' <<<"$output" | tr '\n' ' ')" >&2
                        return 1
                fi
                assert_error "process.user.$f"
                rm -rf "$B"
        done
}

@test "exec_process_json_uid_4294967295_does_not_run_as_root" {
        # The same through exec --process (process.json is parsed by the
        # same code as config.json's process).
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
        jq '.process | .args = ["/keel-checker", "ids"] | .user.uid = 4294967295' \
                "$B/config.json" >"$TEST_DIR/process.json"
        rk exec --process "$TEST_DIR/process.json" "$C"
        if ((status == 0)); then
                echo "exec ran: $(grep -E '^(uid|euid):' <<<"$output" | tr '\n' ' ')" >&2
                return 1
        fi
        assert_exec_error 'user.uid'
}
