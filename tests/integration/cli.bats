#!/usr/bin/env bats
# The command line as engines and admins use it: global flags, dispatch,
# `spec`, `state`, `list` and their error paths.

load helpers

@test "version_names_keel_spec_and_libseccomp" {
        run "$KEEL" --version
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" =~ ^keel\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
        [[ "$output" == *"spec: 1.3.0"* ]]
        [[ "$output" =~ libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+ ]]
        [[ "$output" =~ commit:\ [0-9a-f]+|commit:\ unknown ]]
}

@test "help_lists_every_runc_command" {
        run "$KEEL" --help
        [ "$status" -eq 0 ]
        for c in checkpoint create delete events exec features kill list pause ps restore resume run spec start state update; do
                [[ "$output" == *"  $c "* ]] || { echo "missing $c"; false; }
        done
}

@test "no_command_is_an_error" {
        run "$KEEL"
        [ "$status" -eq 1 ]
        [[ "$output" == *"keel: no command given"* ]]
}

@test "unknown_command_is_an_error" {
        run "$KEEL" frobnicate
        [ "$status" -eq 1 ]
        [[ "$output" == *'keel: unknown command "frobnicate"'* ]]
}

@test "unknown_global_option_is_an_error" {
        run "$KEEL" --frob list
        [ "$status" -eq 1 ]
        [[ "$output" == *"keel: unknown global option --frob"* ]]
}

@test "global_option_without_value_is_an_error" {
        run "$KEEL" list --root
        [ "$status" -eq 1 ]
        run "$KEEL" --root
        [ "$status" -eq 1 ]
        [[ "$output" == *"option --root needs a value"* ]]
}

@test "bad_log_format_is_an_error" {
        run "$KEEL" --log-format xml list
        [ "$status" -eq 1 ]
        [[ "$output" == *'--log-format: unknown format "xml" (expected text or json)'* ]]
}

@test "bad_rootless_and_cgroup_manager_values_are_errors" {
        run "$KEEL" --rootless maybe list
        [ "$status" -eq 1 ]
        [[ "$output" == *'--rootless: unknown value "maybe"'* ]]
        run "$KEEL" --cgroup-manager foo list
        [ "$status" -eq 1 ]
        [[ "$output" == *'--cgroup-manager: unknown manager "foo"'* ]]
}

@test "engine_global_flags_are_accepted" {
        # conmon and containerd's shim put these before the command.
        run "$KEEL" --root "$ROOT" --log "$TEST_DIR/log" --log-format=json --cgroup-manager disabled --systemd-cgroup --debug --rootless=false list -q
        [ "$status" -eq 0 ]
        run "$KEEL" -root "$ROOT" list -q
        [ "$status" -eq 0 ]
}

@test "unimplemented_command_fails_clearly" {
        run k checkpoint c1
        [ "$status" -eq 1 ]
        [ "$output" = "keel: checkpoint: not implemented yet" ]
        [ ! -e "$ROOT/c1" ]
}

@test "error_goes_to_json_log_as_runc_writes_it" {
        run "$KEEL" --root "$ROOT" --log "$TEST_DIR/log.json" --log-format json state nope
        [ "$status" -eq 1 ]
        [ "$output" = "keel: state: container nope does not exist" ]
        run jq -r '.level + "|" + .msg' "$TEST_DIR/log.json"
        [ "$output" = "error|state: container nope does not exist" ]
        run jq -r '.time' "$TEST_DIR/log.json"
        [[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]]
}

@test "error_goes_to_text_log" {
        run "$KEEL" --root "$ROOT" --log "$TEST_DIR/log.txt" state nope
        [ "$status" -eq 1 ]
        grep -q "error: state: container nope does not exist" "$TEST_DIR/log.txt"
}

@test "unwritable_log_is_an_error" {
        run "$KEEL" --log /nonexistent/dir/log list
        [ "$status" -eq 1 ]
        [[ "$output" == *"open log /nonexistent/dir/log: No such file or directory"* ]]
}

@test "spec_writes_a_default_config" {
        run "$KEEL" spec --bundle "$TEST_DIR"
        [ "$status" -eq 0 ]
        [ "$(jq -r .ociVersion "$TEST_DIR/config.json")" = "1.3.0" ]
        [ "$(jq -r '.root.path' "$TEST_DIR/config.json")" = "rootfs" ]
        [ "$(jq -r '.process.args[0]' "$TEST_DIR/config.json")" = "sh" ]
        [ "$(jq -r '.linux.namespaces | map(.type) | join(",")' "$TEST_DIR/config.json")" = "pid,network,ipc,uts,mount,cgroup" ]
        [ "$(jq -r '.process.capabilities | keys | join(",")' "$TEST_DIR/config.json")" = "bounding,effective,permitted" ]
}

@test "spec_writes_into_the_current_directory_by_default" {
        cd "$TEST_DIR"
        run "$KEEL" spec
        [ "$status" -eq 0 ]
        [ -f "$TEST_DIR/config.json" ]
}

@test "spec_refuses_to_overwrite_config" {
        echo '{"keep":"me"}' >"$TEST_DIR/config.json"
        run "$KEEL" spec -b "$TEST_DIR"
        [ "$status" -eq 1 ]
        [[ "$output" == *"config.json exists: remove it first"* ]]
        [ "$(cat "$TEST_DIR/config.json")" = '{"keep":"me"}' ]
}

@test "spec_into_missing_bundle_is_an_error" {
        run "$KEEL" spec --bundle "$TEST_DIR/missing"
        [ "$status" -eq 1 ]
        [[ "$output" == *"bundle $TEST_DIR/missing: No such file or directory"* ]]
}

@test "spec_rootless_maps_the_caller" {
        run "$KEEL" spec --rootless --bundle "$TEST_DIR"
        [ "$status" -eq 0 ]
        [ "$(jq -r '.linux.uidMappings[0].hostID' "$TEST_DIR/config.json")" = "$(id -u)" ]
        [ "$(jq -r '.linux.namespaces | map(.type) | index("network")' "$TEST_DIR/config.json")" = "null" ]
        [ "$(jq -r '.linux.namespaces | map(.type) | index("user") != null' "$TEST_DIR/config.json")" = "true" ]
        [ "$(jq -r '.mounts[] | select(.destination == "/sys") | .type' "$TEST_DIR/config.json")" = "none" ]
}

@test "spec_rejects_stray_arguments" {
        run "$KEEL" spec --bundle "$TEST_DIR" extra
        [ "$status" -eq 1 ]
        [[ "$output" == *'unexpected argument "extra"'* ]]
        [ ! -e "$TEST_DIR/config.json" ]
}

@test "command_help_prints_usage" {
        run "$KEEL" spec --help
        [ "$status" -eq 0 ]
        [[ "$output" == *"Usage: keel spec"* ]]
        run "$KEEL" help state
        [ "$status" -eq 0 ]
        [[ "$output" == *"Usage: keel state <container-id>"* ]]
}

@test "state_of_missing_container_is_an_error" {
        mkdir -p "$ROOT"
        run k state nope
        [ "$status" -eq 1 ]
        [ "$output" = "keel: state: container nope does not exist" ]
}

@test "state_without_state_root_is_an_error" {
        run k state nope
        [ "$status" -eq 1 ]
        [[ "$output" == *"container nope does not exist"* ]]
        [ ! -e "$ROOT" ]
}

@test "state_rejects_hostile_ids" {
        mkdir -p "$ROOT"
        for id in ../x . .. a/b '' "$(printf 'a\nb')"; do
                run k state "$id"
                [ "$status" -eq 1 ]
                [[ "$output" == *"container id"* ]] || { echo "id '$id': $output"; false; }
        done
}

@test "state_needs_exactly_one_id" {
        run k state
        [ "$status" -eq 1 ]
        [[ "$output" == *"missing a container id"* ]]
        run k state a b
        [ "$status" -eq 1 ]
        [[ "$output" == *'unexpected argument "b"'* ]]
}

@test "list_of_empty_root" {
        run k list
        [ "$status" -eq 0 ]
        [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
        [ "${#lines[@]}" -eq 1 ]
        run k list --format json
        [ "$status" -eq 0 ]
        [ "$output" = "[]" ]
        run k list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
        [ ! -e "$ROOT" ]
}

@test "list_bad_format_is_an_error" {
        run k list --format yaml
        [ "$status" -eq 1 ]
        [[ "$output" == *'--format: unknown format "yaml"'* ]]
}
