#!/usr/bin/env bats
# The command line as callers parse it, with containers (keel issue 18,
# items 6-11 and 17-20): exit statuses (runc's), the words engines map to
# 126/127, kill 0, create --config, a frozen cgroup, --debug on exec,
# state's indented JSON, and a rootless user given a root config.
#
# Proven against runc (Debian's 1.1.5) where runc has the behaviour:
#   KEEL=$PWD/tests/tools/runc-ref bats tests/integration/cli-runtime.bats
# runc fails, by design, the tests of --config (crun's option), of the hint
# for a rootless user, and of exec --debug's lines (runc logs its nsexec
# steps); the frozen-cgroup tests freeze a cgroup that runc-ref's private
# view of /sys/fs/cgroup does not show (runc refuses one too: "container's
# cgroup unexpectedly frozen").
#
# Needs what lifecycle.bats needs (bats, jq, busybox-static, util-linux,
# coreutils).

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common

bats_require_minimum_version 1.5.0

setup_file() {
        lc_setup_file
}

setup() {
        lc_setup
        FROZEN=
}

teardown() {
        # A frozen cgroup this test made: empty it (a runtime that hung in
        # it left its processes there), thaw it, remove it.
        local d i
        if [[ -n $FROZEN && -d $FROZEN ]]; then
                for d in "$FROZEN"/*/ "$FROZEN"; do
                        [[ -d $d ]] || continue
                        echo 1 >"$d/cgroup.kill" 2>/dev/null
                        echo 0 >"$d/cgroup.freeze" 2>/dev/null
                done
                for d in "$FROZEN"/*/ "$FROZEN"; do
                        [[ -d $d ]] || continue
                        for ((i = 0; i < 50; i++)); do
                                rmdir "$d" 2>/dev/null && break
                                sleep 0.1
                        done
                done
        fi
        lc_teardown
}

sleeping_container() {  # run $C detached: the checker, sleeping
        make_bundle "$B" /keel-checker --sleep 60
        rk_ok run --detach --bundle "$B" "$C"
}

# --- item 6: exec --process without "user" -----------------------------------

@test "exec_process_file_without_user_runs_as_uid_0_gid_0" {
        # runc's rule: a process.json without "user" runs as 0:0 (the
        # container's own process here is 1000:1000, which must not leak
        # into it).
        make_bundle "$B" /keel-checker --sleep 60
        config_set "$B" '.process.user = {uid: 1000, gid: 1000}'
        rk_ok run --detach --bundle "$B" "$C"
        jq '.process | del(.user) | .args = ["/keel-checker", "ids"]' "$B/config.json" >"$TEST_DIR/p.json"
        rk exec --process "$TEST_DIR/p.json" "$C"
        [ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
        assert_value uid 0
        assert_value gid 0
        assert_value groups ""
}

@test "config_without_user_runs_as_uid_0_gid_0" {
        # config.md lists no "user" among process's fields (uid and gid are
        # REQUIRED inside one); runc and crun run such a config as 0:0.
        make_bundle "$B" /keel-checker ids
        config_set "$B" 'del(.process.user)'
        run_checker
        assert_value uid 0
        assert_value gid 0
}

# --- item 7: kill 0 ------------------------------------------------------------

@test "kill_0_checks_that_the_container_runs" {
        # Signal 0 is kill(2)'s existence check; engines send it.  runc:
        # 0 on a running container, "container not running" (1) on a
        # stopped one.
        sleeping_container
        rk_ok kill "$C" 0
        [ "$(state_of "$C")" = running ]
        rk_ok kill --all "$C" 0
        [ "$(state_of "$C")" = running ]
        rk_ok kill "$C" KILL
        wait_until 10 status_is "$C" stopped
        rk kill "$C" 0
        assert_error 'not running'
}

# --- item 8: exit statuses and the words engines map to 127/126 ------------------

@test "exec_failures_exit_255_and_the_process_status_passes_through" {
        # runc exits 255 when exec fails before the process runs, so that a
        # caller tells that from a process that exited 1; a command line it
        # cannot parse exits 1.
        sleeping_container
        rk exec "$C" /bin/sh -c 'exit 1'
        [ "$status" -eq 1 ]
        [ -z "$stderr" ]
        rk exec "$C" /bin/sh -c 'exit 7'
        [ "$status" -eq 7 ]
        rk exec nosuch-"$C" /bin/true
        assert_exec_error 'does not exist'
        rk exec "$C" /nonexistent
        assert_exec_error 'no such file or directory'
        rk exec --user abc "$C" /bin/true
        assert_exec_error 'user|uid'
        rk exec --env NOEQUALS "$C" /bin/true
        assert_exec_error 'env'
        rk exec --frobnicate "$C" /bin/true
        assert_error 'unknown option|not defined'
        rk exec
        assert_error 'container id|argument'
}

# exec_words ARGS0 WORDS STATUS: exec of ARGS0 fails with status STATUS and
# stderr holds WORDS (case-sensitive, as the docker CLI matches them) and
# ARGS0 itself (older moby wants the command named).
exec_words() {
        rk exec "$C" "$1"
        if ((status != $3)) || ! grep -qF -- "$2" <<<"$stderr" || ! grep -qF -- "$1" <<<"$stderr"; then
                echo "exec $1: status $status, stderr: $stderr" >&2
                return 1
        fi
}

@test "exec_of_a_missing_or_non_executable_binary_says_what_engines_map_to_127_or_126" {
        sleeping_container
        exec_words /nonexistent 'no such file or directory' 255
        exec_words nonexistentcmd 'executable file not found' 255
        exec_words /etc/passwd 'permission denied' 255
        exec_words /bin 'permission denied' 255
}

# create_fails_with ARGS0 WORDS: create of a bundle whose process.args[0]
# is ARGS0 fails (status 1, at create, not start) saying WORDS and ARGS0,
# and leaves nothing.
create_fails_with() {
        make_bundle "$B" "$1"
        leak_snapshot
        rk create --bundle "$B" "$C"
        if ((status != 1)) || ! grep -qF -- "$2" <<<"$stderr" || ! grep -qF -- "$1" <<<"$stderr"; then
                echo "create with args[0] $1: status $status, stderr: $stderr" >&2
                return 1
        fi
        assert_nothing_left "$C"
}

@test "missing_args0_fails_create_with_no_such_file_or_directory" {
        create_fails_with /nonexistent 'no such file or directory'
}

@test "args0_not_in_path_fails_create_with_executable_file_not_found" {
        create_fails_with nonexistentcmd 'executable file not found'
}

@test "non_executable_args0_fails_create_with_permission_denied" {
        # runc fails create here too; a runtime that only fails at start
        # leaves the engine a container that can never run.
        create_fails_with /etc/passwd 'permission denied'
        create_fails_with /bin 'permission denied'
}

# --- item 9: --config ----------------------------------------------------------

@test "create_config_reads_the_config_from_outside_the_bundle" {
        # crun's --config FILE: the file replaces the bundle's config.json
        # (relative to the current directory); root.path still starts from
        # the bundle.  runc has no such option.
        make_bundle "$B" /keel-checker ids
        mkdir "$TEST_DIR/elsewhere"
        config_set "$B" '.process.user = {uid: 65534, gid: 65534}'
        mv "$B/config.json" "$TEST_DIR/elsewhere/my-config.json"
        cd "$TEST_DIR/elsewhere"
        rk_ok create --config my-config.json --bundle "$B" "$C"
        cd - >/dev/null
        [ "$(state_of "$C" .rootfs)" = "$B/rootfs" ]
        [ "$(state_of "$C" .bundle)" = "$B" ]
        rk_ok start "$C"
        wait_until 10 status_is "$C" stopped
        rk_ok delete "$C"
        # run, with -f and an absolute path.
        cp "$TEST_DIR/elsewhere/my-config.json" "$TEST_DIR/c2.json"
        rk_ok run -f "$TEST_DIR/c2.json" --bundle "$B" "$C"
        assert_value uid 65534
        assert_gone "$C"
}

@test "create_config_of_a_missing_file_fails_clearly_and_leaves_nothing" {
        make_bundle "$B" /keel-checker ids
        leak_snapshot
        rk create --config "$TEST_DIR/missing.json" --bundle "$B" "$C"
        assert_error "--config $TEST_DIR/missing.json: .*No such file or directory"
        rk run --config "$TEST_DIR/missing.json" --bundle "$B" "$C"
        assert_error "--config $TEST_DIR/missing.json"
        # A config that does not parse names the file.
        echo '{' >"$TEST_DIR/broken.json"
        rk create --config "$TEST_DIR/broken.json" --bundle "$B" "$C"
        assert_error "$TEST_DIR/broken.json: "
        assert_nothing_left "$C"
}

# --- item 11: a frozen cgroup ------------------------------------------------------

# frozen_cgroup NAME: a cgroup made for this test below the cgroup2 mount,
# frozen; sets FROZEN (teardown thaws and removes it).
frozen_cgroup() {
        FROZEN=$(cgroup2_mount)/$1
        mkdir "$FROZEN"
        echo 1 >"$FROZEN/cgroup.freeze"
        wait_until 5 grep -qx 'frozen 1' "$FROZEN/cgroup.events"
}

# run_d_refused: `run -d` of $B fails (within 20 s: the bug was a hang with
# keel's own stage frozen in the cgroup) saying the cgroup is frozen.
run_d_refused() {
        status=0
        timeout 20 "$KEEL" --root "$ROOT" run -d --bundle "$B" "$C" <"$TEST_DIR/tag" \
                >"$TEST_DIR/frz.out" 2>"$TEST_DIR/frz.err" || status=$?
        stderr=$(cat "$TEST_DIR/frz.err")
        assert_error 'frozen'
}

@test "a_frozen_cgroup_is_refused_and_left_as_found" {
        # runc: "container's cgroup unexpectedly frozen".  The cgroup is
        # the caller's: still there, still frozen, still empty.
        frozen_cgroup "keel-frz-$C"
        make_bundle "$B" /keel-checker --sleep 60
        config_set "$B" '.linux.cgroupsPath = $p' --arg p "/keel-frz-$C"
        leak_snapshot
        run_d_refused
        [ -d "$FROZEN" ]
        [ "$(cat "$FROZEN/cgroup.freeze")" = 1 ]
        [ -z "$(cat "$FROZEN/cgroup.procs")" ]
        assert_no_leak "$TEST_DIR/snapshot"
        [ -z "$(procs_in_test_dir)" ]
}

@test "a_new_cgroup_below_a_frozen_one_is_refused_and_removed" {
        frozen_cgroup "keel-frzp-$C"
        make_bundle "$B" /keel-checker --sleep 60
        config_set "$B" '.linux.cgroupsPath = $p' --arg p "/keel-frzp-$C/child"
        leak_snapshot
        run_d_refused
        [ ! -e "$FROZEN/child" ]
        [ "$(cat "$FROZEN/cgroup.freeze")" = 1 ]
        assert_no_leak "$TEST_DIR/snapshot"
        [ -z "$(procs_in_test_dir)" ]
}

# --- item 17: --debug on exec ----------------------------------------------------

@test "exec_honours_debug_in_runcs_text_and_json_forms" {
        sleeping_container
        rk_ok --debug exec "$C" /bin/true
        grep -qE '^time="[^"]+" level=debug msg="exec '"$C"': ' "$RK_ERR" ||
                { cat "$RK_ERR" >&2; false; }
        # Every line of stderr is a log line.
        ! grep -vE '^time="[^"]+" level=debug msg=".*"$' "$RK_ERR"
        rk_ok --debug --log "$TEST_DIR/exec.log" --log-format json exec "$C" /bin/true
        [ ! -s "$RK_ERR" ]
        jq -e -s 'length > 0 and all(.level == "debug")' "$TEST_DIR/exec.log"
        jq -e -s --arg c "$C" 'any(.msg | startswith("exec \($c): process "))' "$TEST_DIR/exec.log"
        # Without --debug, nothing.
        rk_ok exec "$C" /bin/true
        [ ! -s "$RK_ERR" ]
}

# --- item 18: state and list ------------------------------------------------------

@test "state_prints_indented_json_and_list_json_names_the_owner" {
        # runc's state: json.MarshalIndent, two spaces; its list --format
        # json names the owner as the table does.
        sleeping_container
        rk_ok state "$C"
        [ "${lines[0]}" = "{" ]
        [[ ${lines[1]} =~ ^\ \ \"ociVersion\":\ \"[0-9][^\"]*\",$ ]]
        [ "${lines[-1]}" = "}" ]
        [ "$(jq -r .id <<<"$output")" = "$C" ]
        rk_ok list --format json
        [ "$(jq -r --arg c "$C" '.[] | select(.id == $c) | .owner' <<<"$output")" = root ]
        rk_ok list
        [[ "$output" == *" root"* ]]
}

# --- item 20: a user without a user namespace -------------------------------------

@test "a_user_with_a_root_config_is_told_to_use_a_user_namespace" {
        # Not "create namespaces: Operation not permitted": what to do.
        command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
        make_bundle "$B" /keel-checker ids
        chmod 755 "$TEST_DIR"
        mkdir "$TEST_DIR/ustate"
        chown 65534:65534 "$TEST_DIR/ustate"
        leak_snapshot
        status=0
        setpriv --reuid=65534 --regid=65534 --clear-groups timeout 20 "$KEEL" \
                --root "$TEST_DIR/ustate" run --bundle "$B" "$C" <"$TEST_DIR/tag" \
                >"$TEST_DIR/u.out" 2>"$TEST_DIR/u.err" || status=$?
        stderr=$(cat "$TEST_DIR/u.err")
        assert_error 'user namespace.*keel spec --rootless'
        [ -z "$(state_root_entries "$TEST_DIR/ustate")" ]
        assert_nothing_left "$C"
}

@test "intel_rdt_is_refused_naming_what_is_missing" {
        # keel does not apply linux.intelRdt: create says so, and says
        # whether this host has the resctrl file system it would need.
        # Fails on a keel that ignores the field or gives a bare "not
        # supported".
        make_bundle "$B" /keel-checker
        config_set "$B" '.linux.intelRdt = {closID: "keel", l3CacheSchema: "L3:0=f"}'
        leak_snapshot
        rk create --bundle "$B" "$C"
        if [ "$(stat -f -c %T /sys/fs/resctrl 2>/dev/null)" = resctrl ]; then
                assert_error 'linux.intelRdt: not supported yet: keel does not apply intelRdt'
        else
                assert_error 'linux.intelRdt: not supported on this host: no resctrl file system at /sys/fs/resctrl .*keel does not apply intelRdt yet'
        fi
        assert_nothing_left "$C"
}
