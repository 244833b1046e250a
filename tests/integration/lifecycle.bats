#!/usr/bin/env bats
# The container lifecycle as engines drive it: create, start, state, kill,
# delete, run, list, hooks, stdio and the console, each command's success
# and error paths, and what a failure leaves behind.
#
# Proven against runc (Debian's 1.1.5):
#   KEEL=$PWD/tests/tools/runc-ref bats tests/integration/lifecycle.bats
# Tests marked "runc deviates" assert the OCI runtime spec where runc 1.1
# does not follow it; they fail against runc-ref and must pass with keel.
#
# Needs: bats, jq, busybox-static, util-linux, coreutils, bsdutils (script),
# python3 (tests/tools/console-recv.py); see tests/oci-validation/README.md.
#
# Error messages are checked loosely (assert_error REGEX): the status is 1
# and stderr holds a key word both runtimes use.  Wording seen (runc 1.1.5 |
# keel at 33bc8c8; keel prefixes "keel: <command>: ", runc logs
# 'time=... level=error msg="..."' and prefixes create's with "runc create failed: "):
#   missing container   container does not exist | container nope does not exist
#   duplicate id        container with given ID already exists | container c1 already exists
#   bad id              invalid container ID format; container id cannot be empty
#                       | container id "../x" must not start with '.'; container id must not be empty
#   start twice         cannot start an already running container | cannot start container c1: it is running
#   start stopped       cannot start a container that has stopped
#   delete running      cannot delete container c1 that is not stopped: running (both)
#   kill stopped        container not running | container c1 is not running
#   unknown signal      unknown signal "FOO" (both); 99: unable to signal init: invalid argument
#                       | signal 99 is out of range (signals are 1 to 64, and 0 to check that the process exists)
#   missing config      JSON specification file config.json not found
#                       | read DIR/config.json: open config.json: No such file or directory
#   malformed config    invalid character 'b' looking for beginning of object key string
#                       | config.json: invalid JSON: lexical error: invalid char in json text.
#   missing rootfs      invalid rootfs: stat DIR: no such file or directory
#                       | root.path: DIR: No such file or directory
#   failing hook        error running hook #0: error running hook: exit status 1, stdout: , stderr:
#   hook timeout        hook ran past specified timeout of 1.0s
#   tty without socket  cannot allocate tty if runc will detach without setting console socket

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
}

teardown() {
        lc_teardown
}

# A process that says when it ran (the file /out/ran) and then stays.
make_waiting_bundle() {
        make_bundle "${1:-$B}" /keel-checker --write /out/ran yes --sleep 60
        bind_out "${1:-$B}"
}

create_running() {      # ID [BUNDLE]: create + start, wait until it runs
        rk_ok create --bundle "${2:-$B}" "$1"
        rk_ok start "$1"
        wait_until 10 status_is "$1" running
}

# --- create, start, state -------------------------------------------------------

@test "create_leaves_the_init_waiting_without_running_args" {
        make_waiting_bundle
        rk_ok create --bundle "$B" "$C"
        run state_of "$C" .
        [ "$status" -eq 0 ]
        [ "$(jq -r .status <<<"$output")" = created ]
        [ "$(jq -r .id <<<"$output")" = "$C" ]
        [ "$(jq -r .bundle <<<"$output")" = "$B" ]
        [ -n "$(jq -r '.ociVersion // empty' <<<"$output")" ]
        pid=$(jq -r .pid <<<"$output")
        [ "$pid" -gt 0 ]
        pid_alive "$pid"
        sleep 0.5
        [ ! -e "$OUT/ran" ]
        [ "$(state_of "$C")" = created ]
}

@test "start_runs_the_process_and_state_says_running" {
        make_waiting_bundle
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk_ok start "$C"
        wait_until 10 [ -e "$OUT/ran" ]
        [ "$(state_of "$C")" = running ]
        [ "$(state_of "$C" .pid)" = "$pid" ]
}

@test "state_is_stopped_once_the_process_exits" {
        make_bundle "$B" /keel-checker --exit 0
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        pid_gone "$pid"
}

@test "state_json_has_the_absolute_bundle_and_the_annotations" {
        make_waiting_bundle
        config_set "$B" '.annotations = {"org.example.key": "value"}'
        cd "$TEST_DIR"
        rk_ok create --bundle bundle "$C"
        [ "$(state_of "$C" .bundle)" = "$B" ]
        [ "$(state_of "$C" '.annotations["org.example.key"]')" = value ]
}

@test "create_without_bundle_uses_the_current_directory" {
        make_waiting_bundle
        cd "$B"
        rk_ok create "$C"
        [ "$(state_of "$C" .bundle)" = "$B" ]
        [ "$(state_of "$C")" = created ]
}

@test "start_of_a_running_or_stopped_container_errors_and_changes_nothing" {
        make_waiting_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk start "$C"
        assert_error 'running|started|created'
        [ "$(state_of "$C")" = running ]
        [ "$(state_of "$C" .pid)" = "$pid" ]
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk start "$C"
        assert_error 'stopped|running|created'
        [ "$(state_of "$C")" = stopped ]
}

@test "commands_on_a_missing_container_error" {
        mkdir -p "$ROOT"
        for cmd in state start kill delete; do
                rk "$cmd" nope
                assert_error 'does not exist'
        done
        [ -z "$(state_root_entries)" ]
}

@test "commands_without_an_id_error" {
        mkdir -p "$ROOT"
        for cmd in state start kill delete create; do
                rk "$cmd"
                [ "$status" -eq 1 ] || { echo "$cmd: status $status"; false; }
                [ -n "$stderr" ]
        done
}

@test "state_of_a_deleted_container_errors" {
        make_bundle "$B" /keel-checker --exit 0
        rk_ok run --bundle "$B" "$C"
        rk state "$C"
        assert_error 'does not exist'
}

# --- kill -----------------------------------------------------------------------

# signal_case SIGNAL EXPECTED: a fresh container waiting for a signal gets
# SIGNAL through kill and reports EXPECTED.
signal_case() {
        local id=$C-$RK_N
        make_bundle "$B" /keel-checker --wait-signal
        rk_ok run --detach --bundle "$B" "$id"
        local out=$RK_OUT
        wait_until 10 file_has "$out" '^wait_signal: ready$'
        rk_ok kill "$id" "$1"
        wait_until 10 file_has "$out" '^signal: '
        grep -qx "signal: $2" "$out" || { echo "kill $1: $(grep '^signal' "$out")"; false; }
        wait_until 10 status_is "$id" stopped
        rk_ok delete "$id"
}

@test "kill_sends_signals_given_by_name_or_number" {
        signal_case USR1 SIGUSR1
        signal_case SIGUSR1 SIGUSR1
        signal_case 10 SIGUSR1
        signal_case TERM SIGTERM
        signal_case SIGTERM SIGTERM
        signal_case 15 SIGTERM
        signal_case SIGHUP SIGHUP
}

@test "kill_without_a_signal_sends_sigterm" {
        make_bundle "$B" /keel-checker --wait-signal
        rk_ok run --detach --bundle "$B" "$C"
        out=$RK_OUT
        wait_until 10 file_has "$out" '^wait_signal: ready$'
        rk_ok kill "$C"
        wait_until 10 file_has "$out" '^signal: '
        grep -qx 'signal: SIGTERM' "$out"
}

@test "kill_with_KILL_and_9_stops_the_container" {
        for sig in KILL 9 SIGKILL; do
                make_waiting_bundle
                create_running "$C"
                pid=$(state_of "$C" .pid)
                rk_ok kill "$C" "$sig"
                wait_until 10 status_is "$C" stopped
                pid_gone "$pid"
                rk_ok delete "$C"
        done
}

@test "kill_of_a_created_container_is_allowed" {
        # runtime.md: kill errors on a container that is neither created nor running.
        make_waiting_bundle
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        pid_gone "$pid"
        [ ! -e "$OUT/ran" ]
}

@test "kill_of_a_stopped_container_errors" {
        make_bundle "$B" /keel-checker --exit 0
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk kill "$C" KILL
        assert_error 'not running|stopped'
        [ "$(state_of "$C")" = stopped ]
}

@test "kill_with_an_unknown_signal_errors_and_changes_nothing" {
        make_waiting_bundle
        create_running "$C"
        pid=$(state_of "$C" .pid)
        for sig in FOO SIGFOO 99; do
                rk kill "$C" "$sig"
                assert_error 'signal|invalid'
        done
        [ "$(state_of "$C")" = running ]
        pid_alive "$pid"
}

# sleeps_of PID: the pids of PID's children running 'sleep 100'.
sleeps_of() {
        local c
        for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
                [[ $(tr '\0' ' ' <"/proc/$c/cmdline" 2>/dev/null) == "sleep 100 " ]] && echo "$c"
        done
        return 0
}

two_sleeps() {
        [ "$(sleeps_of "$1" | wc -l)" -eq 2 ]
}

@test "kill_all_signals_every_process_of_the_container" {
        # The init survives SIGUSR1 (a handler, which its children do not
        # inherit, unlike an ignored signal), so only --all kills the sleeps.
        make_bundle "$B" /bin/sh -c 'trap "true" USR1; sleep 100 & sleep 100 & while :; do sleep 1; done'
        create_running "$C"
        pid=$(state_of "$C" .pid)
        wait_until 10 two_sleeps "$pid"
        sleeps=$(sleeps_of "$pid")
        rk_ok kill "$C" USR1
        sleep 0.5
        for s in $sleeps; do pid_alive "$s"; done
        rk_ok kill --all "$C" USR1
        for s in $sleeps; do wait_until 10 pid_gone "$s"; done
        pid_alive "$pid"
        [ "$(state_of "$C")" = running ]
}

# --- delete ----------------------------------------------------------------------

@test "delete_of_a_running_container_needs_force" {
        make_waiting_bundle
        leak_snapshot
        create_running "$C"
        pid=$(state_of "$C" .pid)
        rk delete "$C"
        assert_error 'running|stopped'
        [ "$(state_of "$C")" = running ]
        pid_alive "$pid"
        rk_ok delete --force "$C"
        wait_until 10 pid_gone "$pid"
        rk state "$C"
        assert_error 'does not exist'
        assert_nothing_left "$C"
}

@test "delete_of_a_created_container_kills_it_and_removes_it" {
        # runc's behaviour, which engines rely on.  runtime.md (1.1+) says delete
        # of a container that is not stopped MUST error; runc, crun and this
        # test treat a never-started container as deletable without --force.
        make_waiting_bundle
        leak_snapshot
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk_ok delete "$C"
        wait_until 10 pid_gone "$pid"
        rk state "$C"
        assert_error 'does not exist'
        [ ! -e "$OUT/ran" ]
        assert_nothing_left "$C"
}

@test "delete_of_a_stopped_container_frees_its_id" {
        make_bundle "$B" /keel-checker --exit 0
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
        rk state "$C"
        assert_error 'does not exist'
        rk_ok create --bundle "$B" "$C"
        [ "$(state_of "$C")" = created ]
}

@test "delete_force_after_the_init_was_killed_from_outside" {
        make_waiting_bundle
        leak_snapshot
        create_running "$C"
        pid=$(state_of "$C" .pid)
        kill -KILL "$pid"
        wait_until 10 status_is "$C" stopped
        rk_ok delete --force "$C"
        rk state "$C"
        assert_error 'does not exist'
        assert_nothing_left "$C"
}

@test "delete_after_the_created_init_was_killed_from_outside" {
        make_waiting_bundle
        leak_snapshot
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        kill -KILL "$pid"
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
        assert_nothing_left "$C"
}

# --- ids and bundles ---------------------------------------------------------------

@test "second_create_with_the_same_id_errors_and_leaves_the_first_alone" {
        make_waiting_bundle
        make_waiting_bundle "$TEST_DIR/other"
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk create --bundle "$TEST_DIR/other" "$C"
        assert_error 'exist'
        [ "$(state_of "$C")" = created ]
        [ "$(state_of "$C" .pid)" = "$pid" ]
        [ "$(state_of "$C" .bundle)" = "$B" ]
        pid_alive "$pid"
        rk_ok start "$C"
        wait_until 10 [ -e "$OUT/ran" ]
}

@test "invalid_ids_are_refused_and_leave_nothing" {
        make_waiting_bundle
        leak_snapshot
        for id in ../x a/b '' . .. "$(printf 'a\nb')"; do
                rk create --bundle "$B" "$id"
                assert_error 'container id|invalid'
        done
        [ ! -e "$TEST_DIR/x" ]
        [ ! -e "$OUT/ran" ]
        assert_nothing_left
}

# create_fails_cleanly REGEX: create of $B as $C fails, saying REGEX, and leaves nothing.
create_fails_cleanly() {
        leak_snapshot
        rk create --bundle "$B" "$C"
        assert_error "$1"
        [ ! -e "$OUT/ran" ]
        assert_nothing_left "$C"
        rk state "$C"
        [ "$status" -eq 1 ]
}

@test "missing_rootfs_fails_create_and_leaves_nothing" {
        make_waiting_bundle
        rm -rf "$B/rootfs"
        create_fails_cleanly 'rootfs|no such file'
}

@test "missing_config_fails_create_and_leaves_nothing" {
        make_waiting_bundle
        rm "$B/config.json"
        create_fails_cleanly 'config'
}

@test "malformed_config_fails_create_and_leaves_nothing" {
        make_waiting_bundle
        echo '{"ociVersion": "1.0.0", "process": {bad' >"$B/config.json"
        create_fails_cleanly 'config|json|invalid|parse'
}

@test "missing_bundle_fails_create_and_leaves_nothing" {
        B=$TEST_DIR/nope
        create_fails_cleanly 'nope|no such file|bundle'
}

# --- run ------------------------------------------------------------------------

@test "run_returns_the_exit_code_and_removes_the_container" {
        make_bundle "$B" /keel-checker cwd --exit 7
        leak_snapshot
        rk run --bundle "$B" "$C"
        [ "$status" -eq 7 ]
        [ "$(checker_value "$output" cwd)" = / ]
        rk state "$C"
        assert_error 'does not exist'
        assert_nothing_left "$C"
}

@test "run_of_a_container_killed_by_a_signal_returns_128_plus_it" {
        make_bundle "$B" /bin/sleep 60
        timeout 60 "$KEEL" --root "$ROOT" run --bundle "$B" "$C" \
                <"$TEST_DIR/tag" >"$TEST_DIR/run.out" 2>&1 3>&- &
        runner=$!
        wait_until 10 status_is "$C" running
        kill -KILL "$(state_of "$C" .pid)"
        rc=0
        wait "$runner" || rc=$?
        [ "$rc" -eq 137 ]
}

@test "run_detach_returns_0_and_leaves_it_running" {
        make_waiting_bundle
        rk run --detach --bundle "$B" --pid-file "$TEST_DIR/pid" "$C"
        [ "$status" -eq 0 ]
        wait_until 10 [ -e "$OUT/ran" ]
        [ "$(state_of "$C")" = running ]
        [ "$(cat "$TEST_DIR/pid")" = "$(state_of "$C" .pid)" ]
}

@test "pid_file_holds_the_init_pid_after_create" {
        make_waiting_bundle
        rk_ok create --bundle "$B" --pid-file "$TEST_DIR/pid" "$C"
        [ "$(cat "$TEST_DIR/pid")" = "$(state_of "$C" .pid)" ]
        [ ! -e "$OUT/ran" ]
}

# --- list -----------------------------------------------------------------------

@test "list_shows_created_running_and_stopped_containers" {
        make_waiting_bundle
        make_bundle "$TEST_DIR/quick" /keel-checker --exit 0
        rk_ok create --bundle "$B" "$C-a"
        create_running "$C-b"
        rk_ok create --bundle "$TEST_DIR/quick" "$C-c"
        rk_ok start "$C-c"
        wait_until 10 status_is "$C-c" stopped

        rk_ok list
        [[ "${lines[0]}" =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER$ ]]
        [ "${#lines[@]}" -eq 4 ]
        [[ "$output" =~ (^|$'\n')"$C-a"\ +[0-9]+\ +created\ +"$B"\  ]]
        [[ "$output" =~ (^|$'\n')"$C-b"\ +[0-9]+\ +running\ +"$B"\  ]]
        [[ "$output" =~ (^|$'\n')"$C-c"\ +[0-9]+\ +stopped\ +"$TEST_DIR/quick"\  ]]

        rk_ok list -q
        [ "$(sort <<<"$output")" = "$(printf '%s\n' "$C-a" "$C-b" "$C-c")" ]

        rk_ok list --format json
        [ "$(jq -r 'sort_by(.id) | map(.id + " " + .status) | join(",")' <<<"$output")" = "$C-a created,$C-b running,$C-c stopped" ]
        [ "$(jq -r --arg id "$C-b" '.[] | select(.id == $id) | .pid' <<<"$output")" = "$(state_of "$C-b" .pid)" ]
        [ "$(jq -r --arg id "$C-a" '.[] | select(.id == $id) | .bundle' <<<"$output")" = "$B" ]
}

# --- hooks ---------------------------------------------------------------------------

# make_hook: $TEST_DIR/hook, and /hook in the rootfs for startContainer:
# 'hook KIND LOG' appends "KIND STATUS PID ID" read from the state on stdin
# (with sed: the rootfs has no jq).
make_hook() {
        local rootfs=${1:-$B}/rootfs
        cat >"$TEST_DIR/hook" <<'EOF'
#!/bin/sh
state=$(cat)
field() {
        printf '%s\n' "$state" | sed -n "s/.*\"$1\": *\"\{0,1\}\([^\",}]*\).*/\1/p" | head -n 1
}
echo "$1 $(field status) $(field pid) $(field id)" >>"$2"
EOF
        chmod 755 "$TEST_DIR/hook"
        cp "$TEST_DIR/hook" "$rootfs/hook"
}

# set_hooks KIND...: one logging hook of each KIND, in $OUT/hooks.
set_hooks() {
        local kind filter=.
        for kind in "$@"; do
                if [[ $kind == startContainer ]]; then
                        filter+=" | .hooks.$kind += [{path: \"/hook\", args: [\"hook\", \"$kind\", \"/out/hooks\"], env: \$env}]"
                else
                        filter+=" | .hooks.$kind += [{path: \$h, args: [\"hook\", \"$kind\", \$log], env: \$env}]"
                fi
        done
        config_set "$B" "$filter" --arg h "$TEST_DIR/hook" --arg log "$OUT/hooks" \
                --argjson env '["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]'
}

@test "create_runs_prestart_createRuntime_createContainer_in_order" {
        # Steps 3-5 of runtime.md's lifecycle, inside create: the state says
        # "creating"; hooks in the container namespace see the pid there (1).
        make_waiting_bundle
        make_hook
        set_hooks prestart createRuntime createContainer
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        diff -u - "$OUT/hooks" <<EOF
prestart creating $pid $C
createRuntime creating $pid $C
createContainer creating 1 $C
EOF
        [ ! -e "$OUT/ran" ]
}

@test "start_runs_startContainer_in_the_container_before_the_process" {
        make_bundle "$B" /bin/sh -c 'cat /out/hooks >/out/seen; exec /keel-checker --sleep 60'
        bind_out
        make_hook
        set_hooks startContainer
        rk_ok create --bundle "$B" "$C"
        [ ! -e "$OUT/hooks" ]
        rk_ok start "$C"
        wait_until 10 [ -s "$OUT/seen" ]
        [ "$(cat "$OUT/seen")" = "startContainer created 1 $C" ]
        [ "$(cat "$OUT/hooks")" = "startContainer created 1 $C" ]
}

@test "all_six_hooks_run_once_in_order_with_the_status_of_their_stage" {
        # runc deviates: runc 1.1 runs poststart during create (status
        # "created"), before startContainer.  config.md: poststart runs after
        # the user process is executed, before start returns: "running".
        make_waiting_bundle
        make_hook
        set_hooks prestart createRuntime createContainer startContainer poststart poststop
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        diff -u - "$OUT/hooks" <<EOF
prestart creating $pid $C
createRuntime creating $pid $C
createContainer creating 1 $C
EOF
        rk_ok start "$C"
        wait_until 10 [ -e "$OUT/ran" ]
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
        # poststop runs after the container is gone: no pid to report.
        sed -i 's/^\(poststop stopped\) [0-9]* /\1  /' "$OUT/hooks"
        diff -u - "$OUT/hooks" <<EOF
prestart creating $pid $C
createRuntime creating $pid $C
createContainer creating 1 $C
startContainer created 1 $C
poststart running $pid $C
poststop stopped  $C
EOF
}

@test "poststop_runs_once_on_delete" {
        make_bundle "$B" /keel-checker --exit 0
        make_hook
        set_hooks poststop
        rk_ok run --bundle "$B" "$C-run"
        [ "$(grep -c "^poststop stopped .* $C-run\$" "$OUT/hooks")" -eq 1 ]
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        [ "$(grep -c " $C\$" "$OUT/hooks")" -eq 0 ]
        rk_ok delete "$C"
        [ "$(grep -c "^poststop stopped .* $C\$" "$OUT/hooks")" -eq 1 ]
}

@test "poststart_and_poststop_keys_spelt_with_escapes_still_run" {
        # start and delete parse the config copy only when its text may
        # hold their hook kind's key (util/json-scan.h): a key spelt with
        # JSON escapes ("post\u0073tart") is not there as it is, and must
        # still count.  Fails on a keel whose look-up misses such a key.
        make_waiting_bundle
        make_hook
        set_hooks poststart poststop
        python3 - "$B/config.json" <<'PY'
import json, sys
path = sys.argv[1]
text = json.dumps(json.load(open(path)), indent=1)
assert '"poststart"' in text and '"poststop"' in text
text = text.replace('"poststart"', '"post\\u0073tart"').replace('"poststop"', '"post\\u0073top"')
open(path, "w").write(text)
PY
        ! grep -q '"poststart"\|"poststop"' "$B/config.json"
        create_running "$C"
        wait_until 10 grep -q "^poststart running .* $C\$" "$OUT/hooks"
        rk_ok delete --force "$C"
        [ "$(grep -c "^poststop stopped .* $C\$" "$OUT/hooks")" -eq 1 ]
}

@test "poststop_runs_on_delete_force_of_a_running_container" {
        make_waiting_bundle
        make_hook
        set_hooks poststop
        create_running "$C"
        rk_ok delete --force "$C"
        [ "$(grep -c "^poststop stopped .* $C\$" "$OUT/hooks")" -eq 1 ]
}

# make_pwd_hook: $TEST_DIR/pwd-hook and /pwd-hook in the rootfs: 'pwd-hook
# KIND LOG' appends "KIND <working directory>" to LOG.
make_pwd_hook() {
        printf '#!/bin/sh\necho "$1 $(pwd)" >>"$2"\n' >"$TEST_DIR/pwd-hook"
        chmod 755 "$TEST_DIR/pwd-hook"
        cp "$TEST_DIR/pwd-hook" "$B/rootfs/pwd-hook"
        config_set "$B" '.process.cwd = "/tmp"
                | .hooks = ({} | (.prestart, .createRuntime, .createContainer, .poststart,
                        .poststop) = [{path: $h, args: ["pwd-hook", "KIND", $log]}])
                | .hooks |= with_entries(.key as $k
                        | .value[0].args |= map(if . == "KIND" then $k else . end))
                | .hooks.startContainer = [{path: "/pwd-hook",
                        args: ["pwd-hook", "startContainer", "/out/hooks"]}]' \
                --arg h "$TEST_DIR/pwd-hook" --arg log "$OUT/hooks"
}

@test "each_hook_kind_runs_in_its_working_directory" {
        # runc deviates: runc 1.1 runs poststart during create, and its
        # delete keeps its caller's directory for poststop.  Measured on
        # runc 1.1.5: the runtime's hooks in the bundle (runc changes to
        # it), createContainer in the rootfs (its own hooks test writes
        # ./lib/... there), startContainer in process.cwd; poststop in the
        # bundle as with runc run and crun delete.  keel runs from elsewhere.
        make_waiting_bundle
        make_pwd_hook
        mkdir -p "$TEST_DIR/elsewhere"
        cd "$TEST_DIR/elsewhere"
        create_running "$C"
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
        diff -u - "$OUT/hooks" <<EOF
prestart $B
createRuntime $B
createContainer $B/rootfs
startContainer /tmp
poststart $B
poststop $B
EOF
}

@test "create_container_hook_writes_relative_paths_into_the_rootfs" {
        # runc's hooks test: a createContainer hook that writes ./lib/...
        # finds it inside the container.
        make_bundle "$B" /keel-checker paths --path /lib/hook-wrote
        config_set "$B" '.hooks.createContainer = [{path: "/bin/sh",
                args: ["sh", "-c", "mkdir -p lib && echo here >lib/hook-wrote"]}]'
        cd "$TEST_DIR"
        run_checker
        assert_value path./lib/hook-wrote 'f 0:0 0644 0:0 rw size=5 data=here\x0a'
}

@test "poststop_runs_in_the_root_directory_when_the_bundle_is_gone" {
        make_waiting_bundle
        make_pwd_hook
        create_running "$C"
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        mv "$B" "$TEST_DIR/moved"
        rk_ok delete "$C"
        [ "$(grep ^poststop "$OUT/hooks")" = "poststop /" ]
}

# failing_hook_case KIND: a KIND hook that exits 1 makes create fail and leave nothing.
failing_hook_case() {
        make_waiting_bundle
        config_set "$B" ".hooks.$1 = [{path: \"/bin/false\"}]"
        create_fails_cleanly 'hook'
}

@test "failing_prestart_hook_fails_create_and_leaves_nothing" {
        failing_hook_case prestart
}

@test "failing_createRuntime_hook_fails_create_and_leaves_nothing" {
        failing_hook_case createRuntime
}

@test "failing_createContainer_hook_fails_create_and_leaves_nothing" {
        failing_hook_case createContainer
}

@test "failing_startContainer_hook_fails_start_and_stops_the_container" {
        # runc deviates: runc 1.1's start returns 0, the init fails afterwards.
        # runtime.md step 7: generate an error, stop the container (step 12).
        make_waiting_bundle
        config_set "$B" '.hooks.startContainer = [{path: "/bin/false"}]'
        rk_ok create --bundle "$B" "$C"
        pid=$(state_of "$C" .pid)
        rk start "$C"
        assert_error 'hook'
        wait_until 10 pid_gone "$pid"
        [ ! -e "$OUT/ran" ]
        run state_of "$C"
        [ "$status" -ne 0 ] || [ "$output" = stopped ]
}

@test "failing_poststart_hook_only_warns" {
        # runc deviates: runc 1.1 runs poststart in create and fails it.
        # runtime.md step 9: log a warning, the lifecycle goes on.
        make_waiting_bundle
        make_hook
        config_set "$B" '.hooks.poststart = [{path: "/bin/false"}]'
        set_hooks poststart
        rk_ok create --bundle "$B" "$C"
        rk start "$C"
        [ "$status" -eq 0 ]
        grep -qi hook <<<"$stderr"
        wait_until 10 [ -e "$OUT/ran" ]
        [ "$(state_of "$C")" = running ]
        grep -q "^poststart running " "$OUT/hooks"
}

@test "failing_poststop_hook_only_warns" {
        make_bundle "$B" /keel-checker --exit 0
        config_set "$B" '.hooks.poststop = [{path: "/bin/false"}]'
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk delete "$C"
        [ "$status" -eq 0 ]
        grep -qi hook <<<"$stderr"
        rk state "$C"
        assert_error 'does not exist'
}

@test "poststop_hooks_after_a_failing_one_still_run" {
        # runc deviates: runc 1.1 stops at the first failing poststop hook.
        # runtime.md step 13: the remaining hooks run as if it had succeeded.
        make_bundle "$B" /keel-checker --exit 0
        make_hook
        config_set "$B" '.hooks.poststop = [{path: "/bin/false"}]'
        set_hooks poststop
        rk_ok create --bundle "$B" "$C"
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk delete "$C"
        [ "$status" -eq 0 ]
        grep -q "^poststop stopped " "$OUT/hooks"
}

@test "hook_gets_its_args_and_exactly_its_env" {
        make_waiting_bundle
        config_set "$B" '.hooks.createRuntime = [{path: "/bin/sh",
                args: ["custom-argv0", "-c", "cat /proc/$$/environ >\"$0/env\"; cat /proc/$$/cmdline >\"$0/cmdline\"; cat >\"$0/stdin\"", $o],
                env: ["A=1", "B=two words"]}]' --arg o "$OUT"
        rk_ok create --bundle "$B" "$C"
        [ "$(tr '\0' '\n' <"$OUT/env")" = "$(printf 'A=1\nB=two words')" ]
        [ "$(tr '\0' '\n' <"$OUT/cmdline" | head -n 1)" = custom-argv0 ]
        [ "$(jq -r .id "$OUT/stdin")" = "$C" ]
        [ "$(jq -r .bundle "$OUT/stdin")" = "$B" ]
        [ "$(jq -r .pid "$OUT/stdin")" = "$(state_of "$C" .pid)" ]
        [ -n "$(jq -r .ociVersion "$OUT/stdin")" ]
}

@test "hook_past_its_timeout_fails_create_and_is_killed" {
        make_waiting_bundle
        # A copy of sleep under $TEST_DIR: assert_nothing_left sees it if it survives.
        cp "$(command -v sleep)" "$TEST_DIR/slow-hook"
        config_set "$B" '.hooks.createRuntime = [{path: $p, args: ["slow-hook", "30"], timeout: 1}]' \
                --arg p "$TEST_DIR/slow-hook"
        leak_snapshot
        SECONDS=0
        rk create --bundle "$B" "$C"
        [ "$SECONDS" -lt 20 ]
        assert_error 'hook|timeout|timed out'
        assert_nothing_left "$C"
}

# --- stdio, fds, console ----------------------------------------------------------

@test "stdio_is_inherited_and_no_other_fd_reaches_the_container" {
        make_bundle "$B" /keel-checker fds
        echo input >"$TEST_DIR/stdin"
        exec 7>"$TEST_DIR/leak"
        RK_STDIN=$TEST_DIR/stdin rk_ok create --bundle "$B" "$C"
        exec 7>&-
        out=$RK_OUT err=$RK_ERR
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        diff -u - "$out" <<EOF
fd.0: $TEST_DIR/stdin
fd.1: $out
fd.2: $err
EOF
}

@test "preserve_fds_passes_fd_3_and_no_further" {
        make_bundle "$B" /keel-checker fds
        echo three >"$TEST_DIR/three"
        rk_ok create --preserve-fds 1 --bundle "$B" "$C" 3<"$TEST_DIR/three" 4>"$TEST_DIR/four"
        out=$RK_OUT
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        [ "$(checker_value "$(cat "$out")" fd.3)" = "$TEST_DIR/three" ]
        [ -z "$(checker_value "$(cat "$out")" fd.4)" ]
}

@test "listen_fds_are_passed_with_LISTEN_FDS_and_LISTEN_PID_1" {
        # systemd socket activation: LISTEN_PID names the runtime's own pid.
        make_bundle "$B" /keel-checker env fds
        rc=0
        timeout 60 bash -c 'LISTEN_PID=$$ LISTEN_FDS=2 exec "$@"' sh \
                "$KEEL" --root "$ROOT" run --detach --bundle "$B" "$C" \
                3<"$TEST_DIR/tag" 4>"$TEST_DIR/four" 5>"$TEST_DIR/five" \
                <"$TEST_DIR/tag" >"$TEST_DIR/c.out" 2>"$TEST_DIR/c.err" || rc=$?
        [ "$rc" -eq 0 ]
        wait_until 10 status_is "$C" stopped
        o=$(cat "$TEST_DIR/c.out")
        [ "$(checker_value "$o" fd.3)" = "$TEST_DIR/tag" ]
        [ "$(checker_value "$o" fd.4)" = "$TEST_DIR/four" ]
        [ -z "$(checker_value "$o" fd.5)" ]
        checker_values "$o" env | grep -qx 'LISTEN_FDS=2'
        checker_values "$o" env | grep -qx 'LISTEN_PID=1'
}

# start_console_recv [INPUT]: console-recv.py listening on $TEST_DIR/sock,
# writing what it reads to $TEST_DIR/tty; fd 3 (bats' own) closed for it.
start_console_recv() {
        local recv=$KEEL_SRCDIR/tests/tools/console-recv.py
        require_cmd python3 python3
        timeout 60 "$recv" "$TEST_DIR/sock" "$TEST_DIR/tty" "$@" \
                </dev/null >"$TEST_DIR/recv.log" 2>&1 3>&- &
        RECV_PID=$!
        wait_until 10 [ -e "$TEST_DIR/sock.ready" ]
}

@test "terminal_master_is_sent_over_the_console_socket" {
        make_bundle "$B" /bin/sh -c 'read line; echo "got $line"; exec /keel-checker tty fds'
        config_set "$B" '.process.terminal = true'
        start_console_recv $'hello\n'
        rk_ok create --console-socket "$TEST_DIR/sock" --bundle "$B" "$C"
        rk_ok start "$C"
        wait "$RECV_PID"
        grep -qx 'isatty 1' "$TEST_DIR/tty.fd"
        tr -d '\r' <"$TEST_DIR/tty" >"$TEST_DIR/tty.txt"
        grep -qx 'got hello' "$TEST_DIR/tty.txt"
        o=$(cat "$TEST_DIR/tty.txt")
        [[ "$(checker_value "$o" tty)" =~ ^1\ 1\ 1\ /dev/pts/[0-9]+$ ]]
        pts=$(checker_value "$o" tty | cut -d' ' -f4)
        [ "$(checker_value "$o" fd.0)" = "$pts" ]
        [ "$(checker_value "$o" fd.1)" = "$pts" ]
        [ "$(checker_value "$o" fd.2)" = "$pts" ]
        [ -z "$(checker_value "$o" fd.3)" ]
}

@test "terminal_without_console_socket_on_create_errors_and_leaves_nothing" {
        make_waiting_bundle
        config_set "$B" '.process.terminal = true'
        create_fails_cleanly 'console|tty|terminal'
}

@test "run_with_a_terminal_relays_it" {
        require_cmd script bsdutils
        make_bundle "$B" /keel-checker tty --exit 3
        config_set "$B" '.process.terminal = true'
        # script gives the runtime a controlling terminal to relay.
        run timeout 60 script -qec "$(printf '%q ' "$KEEL" --root "$ROOT" run --bundle "$B" "$C")" /dev/null </dev/null
        [ "$status" -eq 3 ]
        [[ "$(tr -d '\r' <<<"$output")" =~ tty:\ 1\ 1\ 1\ /dev/pts/[0-9]+ ]]
}

# --- leaks ---------------------------------------------------------------------

@test "fifty_creates_and_deletes_leave_nothing" {
        make_waiting_bundle
        leak_snapshot
        mounts=$(wc -l </proc/self/mountinfo)
        for i in $(seq 50); do
                rk_ok create --bundle "$B" "$C-$i"
                if ((i % 2)); then
                        rk_ok delete "$C-$i"
                else
                        rk_ok start "$C-$i"
                        rk_ok delete --force "$C-$i"
                fi
        done
        [ -z "$(state_root_entries)" ]
        [ "$(wc -l </proc/self/mountinfo)" -eq "$mounts" ]
        assert_nothing_left "$C-"
}

@test "a_limit_whose_controller_is_missing_fails_naming_it_and_leaves_nothing" {
        # This hybrid host's cgroup2 hierarchy has no pids controller (it is
        # bound to a v1 hierarchy): create names the field and the
        # controller, and removes the cgroup it made.  With --cgroup-manager
        # disabled (podman --cgroups=disabled) there is no cgroup to limit,
        # as with crun, and keel warns instead of dropping it unseen.
        grep -qw pids "$(cgroup2_mount)/cgroup.controllers" && skip "this host's cgroup2 has pids"
        make_bundle "$B" /bin/true
        config_set "$B" '.linux.resources.pids = {limit: 2048}'
        leak_snapshot
        rk create --bundle "$B" "$C"
        assert_error "linux.resources.pids.limit: the cgroup v2 controller pids is not available in $(cgroup2_mount) .it has: "
        assert_nothing_left "$C"
        [ -z "$(cgroups_named "$C")" ]
        rk_ok --cgroup-manager disabled --log "$TEST_DIR/log" create --bundle "$B" "$C"
        grep -q 'linux.resources.pids.limit: ignored with --cgroup-manager disabled' "$TEST_DIR/log"
        [ -z "$(cgroups_named "$C")" ]
        rk_ok delete --force "$C"
}

@test "the_systemd_cgroup_driver_without_systemd_fails_clearly_and_leaves_nothing" {
        # The driver itself runs in the VM suite (tests/vm/systemd.vm, with
        # systemd as pid 1); this host has no systemd to ask for a scope.
        [ -e /run/systemd/private ] && skip "systemd runs here"
        make_bundle "$B" /bin/true
        rk --systemd-cgroup create --bundle "$B" "$C"
        assert_error 'systemd cgroup driver: no systemd to talk to \(system bus: .*; /run/systemd/private: No such file or directory\)'
        rk --cgroup-manager systemd run --bundle "$B" "$C"
        assert_error 'systemd cgroup driver: no systemd to talk to'
        [ -z "$(state_root_entries)" ]
        [ -z "$(cgroups_named "$C")" ]
        # A path in cgroupfs form is not a systemd one, and the reverse.
        config_set "$B" '.linux.cgroupsPath = "/keel-test/x"'
        rk --systemd-cgroup create --bundle "$B" "$C"
        assert_error 'linux.cgroupsPath: "/keel-test/x" is not a systemd path \(SLICE:PREFIX:NAME\)'
        config_set "$B" '.linux.cgroupsPath = "system.slice:keel:x"'
        rk create --bundle "$B" "$C"
        assert_error 'linux.cgroupsPath: "system.slice:keel:x" looks like a systemd path; use --systemd-cgroup'
        [ -z "$(state_root_entries)" ]
}

@test "what_cgroup_v2_cannot_do_is_refused_naming_the_field" {
        make_bundle "$B" /bin/true
        config_set "$B" '.linux.resources.memory = {limit: 33554432, swappiness: 10}'
        rk create --bundle "$B" "$C"
        assert_error 'linux.resources.memory.swappiness: cgroup v2 has no per-cgroup swappiness'
        config_set "$B" '.linux.resources = {cpu: {realtimeRuntime: 1000}}'
        rk create --bundle "$B" "$C"
        assert_error 'linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime cpu controller'
        config_set "$B" '.linux.resources = {unified: {"../../cgroup.procs": "1"}}'
        rk create --bundle "$B" "$C"
        assert_error 'linux.resources.unified: "../../cgroup.procs" is not a cgroup file name'
        config_set "$B" '.linux.resources = {memory: {limit: 1000000, swap: 10}}'
        rk create --bundle "$B" "$C"
        assert_error 'linux.resources.memory.swap: 10 is below memory.limit 1000000'
        [ -z "$(state_root_entries)" ]
}

@test "a_hugetlb_limit_is_written_to_the_containers_cgroup" {
        # hugetlb is the one controller this host's cgroup2 has.
        grep -qw hugetlb "$(cgroup2_mount)/cgroup.controllers" || skip "no hugetlb in cgroup2"
        [ -e "$(cgroup2_mount)/cgroup.subtree_control" ] || skip "no cgroup2"
        make_waiting_bundle
        config_set "$B" '.linux.resources.hugepageLimits = [{pageSize: "2MB", limit: 4194304}]'
        config_set "$B" '.linux.resources.unified = {"hugetlb.2MB.max": "6291456"}'
        rk_ok create --bundle "$B" "$C"
        [ -n "$(cgroups_named "$C")" ]
        dir=$(cgroups_named "$C")
        # unified is written last: it wins over hugepageLimits.
        [ "$(cat "$dir/hugetlb.2MB.max")" = 6291456 ]
        if [ -e "$dir/hugetlb.2MB.rsvd.max" ]; then
                [ "$(cat "$dir/hugetlb.2MB.rsvd.max")" = 4194304 ]
        fi
        rk_ok delete --force "$C"
        [ -z "$(cgroups_named "$C")" ]
}

@test "debug_log_says_how_long_each_start_up_phase_took" {
        # Issue #10's trace: with --debug, create and start log each phase
        # with its duration and the running total, in order.
        make_bundle "$B" /bin/true
        rk_ok --debug run --bundle "$B" "$C"
        grep 'phase' "$RK_ERR" | sed 's/^/# /' >&3
        local want=("create $C: phase config.json read and checked: "
                "create $C: phase state dir reserved, config copied: "
                "create $C: phase cgroup made, start socket bound: "
                "create $C: phase init forked and put in its cgroup: "
                "create $C: phase init ready "
                "create $C: phase state published: "
                "start: phase the init exec'd the process: ")
        # runc's text form: time="..." level=debug msg="...".
        mapfile -t got < <(grep -o 'level=debug msg=".*phase .*"$' "$RK_ERR" |
                sed 's/^level=debug msg="//; s/"$//')
        [ "${#got[@]}" -eq "${#want[@]}" ]
        for i in "${!want[@]}"; do
                [[ ${got[i]} == "${want[i]}"* ]] || { echo "phase $i: ${got[i]}" >&2; return 1; }
                [[ ${got[i]} =~ [0-9]+\.[0-9]{3}\ ms\ \([0-9]+\.[0-9]{3}\ ms\ in\ all\)$ ]]
        done
        # The init's own steps, which it times and sends with READY, in
        # the order it takes them.
        local steps=(namespaces "in the cgroup" network "mounts and /dev"
                "pivot_root, masked and read-only paths" "process prepared")
        local line re=""
        line=$(grep -o "level=debug msg=\"create $C: the init's phases: .*\"$" "$RK_ERR")
        for i in "${!steps[@]}"; do
                re+="${re:+, }${steps[i]} [0-9]+\.[0-9]{3} ms"
        done
        [[ $line =~ phases:\ ${re}\"$ ]] || { echo "init phases: $line" >&2; return 1; }
        # Without --debug, nothing.
        rk_ok run --bundle "$B" "$C"
        ! grep -q phase "$RK_ERR"
}
