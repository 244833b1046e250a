#!/usr/bin/env bats
# The command line as engines and admins use it: global flags, dispatch,
# `spec`, `state`, `list` and their error paths.

load helpers

bats_require_minimum_version 1.5.0

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
        # 3, as runc exits for a command it does not know.
        run "$KEEL" frobnicate
        [ "$status" -eq 3 ]
        [[ "$output" == *'keel: unknown command "frobnicate"'* ]]
        run "$KEEL" help frobnicate
        [ "$status" -eq 3 ]
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

@test "checkpoint_of_a_missing_container_fails_clearly" {
        # (It said "not implemented yet" before checkpoint came.)
        run k checkpoint c1
        [ "$status" -eq 1 ]
        [ "$output" = "keel: checkpoint: container c1 does not exist" ]
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

@test "error_goes_to_text_log_as_runc_writes_it" {
        # logrus' text form, runc's --log-format text:
        #   time="2026-12-07T05:08:23Z" level=error msg="container does not exist"
        run "$KEEL" --root "$ROOT" --log "$TEST_DIR/log.txt" state nope
        [ "$status" -eq 1 ]
        [ "$output" = "keel: state: container nope does not exist" ]
        run cat "$TEST_DIR/log.txt"
        [[ "$output" =~ ^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]+)?Z\"\ level=error\ msg=\"state:\ container\ nope\ does\ not\ exist\"$ ]]
}

@test "debug_lines_go_to_stderr_in_runcs_form_without_a_log" {
        # runc without --log writes its log lines to stderr, in the
        # --log-format it was given.
        run --separate-stderr "$KEEL" --root "$ROOT" --debug list -q
        [ "$status" -eq 0 ]
        [ -n "$stderr" ]
        while IFS= read -r l; do
                [[ $l =~ ^time=\"[^\"]+\"\ level=debug\ msg=\".*\"$ ]] || { echo "line: $l" >&2; false; }
        done <<<"$stderr"
        run --separate-stderr "$KEEL" --root "$ROOT" --debug --log-format json list -q
        [ "$status" -eq 0 ]
        jq -e -s 'length > 0 and all(.level == "debug" and (.msg | type) == "string" and (.time | type) == "string")' <<<"$stderr"
        # Without --debug, nothing.
        run --separate-stderr "$KEEL" --root "$ROOT" list -q
        [ -z "$stderr" ]
}

@test "text_log_quotes_values_as_logrus_does" {
        # A message with quotes, a backslash and a newline stays one line.
        printf '{' >"$TEST_DIR/bad.json"
        mkdir -p "$TEST_DIR/b\"q"
        run "$KEEL" --root "$ROOT" --log "$TEST_DIR/log.txt" create --bundle "$TEST_DIR/b\"q" c1
        [ "$status" -eq 1 ]
        [ "$(wc -l <"$TEST_DIR/log.txt")" -eq 1 ]
        grep -qF 'level=error msg="create: read '"$TEST_DIR"'/b\"q/config.json: ' "$TEST_DIR/log.txt"
}

@test "every_command_honours_debug" {
        # Each command says at debug level what it runs and how it ended,
        # in the log file when there is one.
        local cmd
        for cmd in "list" "state nope" "kill nope" "delete nope" "start nope" "pause nope" \
                "resume nope" "ps nope" "events --stats nope" "update nope" "exec nope true" \
                "features" "spec --bundle $TEST_DIR" "create --bundle $TEST_DIR/none c1" \
                "run --bundle $TEST_DIR/none c1"; do
                rm -f "$TEST_DIR/config.json" "$TEST_DIR/debug.log"
                # shellcheck disable=SC2086
                run "$KEEL" --root "$ROOT" --debug --log "$TEST_DIR/debug.log" $cmd
                grep -q "level=debug msg=\"${cmd%% *}: " "$TEST_DIR/debug.log" ||
                        { echo "keel $cmd: no debug line: $(cat "$TEST_DIR/debug.log")" >&2; false; }
        done
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

@test "spec_and_features_need_no_state_root" {
        # They touch no state: runc's work for a user without
        # XDG_RUNTIME_DIR (and without --root) too.
        command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
        chmod 755 "$TEST_DIR"
        mkdir "$TEST_DIR/b1" "$TEST_DIR/b2"
        chown 65534:65534 "$TEST_DIR/b1" "$TEST_DIR/b2"
        as_nobody() {
                setpriv --reuid=65534 --regid=65534 --clear-groups env -u XDG_RUNTIME_DIR "$@"
        }
        run as_nobody "$KEEL" spec --bundle "$TEST_DIR/b1"
        [ "$status" -eq 0 ]
        [ "$(jq -r .ociVersion "$TEST_DIR/b1/config.json")" = 1.3.0 ]
        run as_nobody "$KEEL" spec --rootless --bundle "$TEST_DIR/b2"
        [ "$status" -eq 0 ]
        [ "$(jq -r '.linux.uidMappings[0].hostID' "$TEST_DIR/b2/config.json")" = 65534 ]
        run as_nobody "$KEEL" features
        [ "$status" -eq 0 ]
        jq -e .ociVersionMax <<<"$output"
        # A command that keeps state still says what is missing.
        run as_nobody "$KEEL" list
        [ "$status" -eq 1 ]
        [[ "$output" == *"no state root: give --root DIR, or set XDG_RUNTIME_DIR"* ]]
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
