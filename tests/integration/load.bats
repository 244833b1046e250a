#!/usr/bin/env bats
# Load and hostile input (issue #11): a hundred containers through their
# lifecycle at once, two creates racing for one id, state and list read
# during all of it; config.json files that are huge or deep, odd ids, a
# rootfs of symlinks pointing out.  docs/spec-notes/reliability.md lists
# what each test guarantees.

load helpers
load ../oci-validation/lib
load ../oci-validation/lifecycle/common

# Memory keel may use on any input (KB): far above what a bounded reader
# needs (~150 MB for a million env entries), far below what parsing a
# 100 MB config without a limit takes (several GB).
RSS_BOUND_KB=$((1024 * 1024))

setup_file() {
        lc_setup_file || return
        require_cmd /usr/bin/time time
}

setup() {
        lc_setup
        C=rob-$$-${BATS_TEST_NUMBER}
        CG2=$(cgroup2_mount)
}

teardown() {
        stop_observer
        lc_teardown
        remove_cgroups_of_test
}

# fast: bats' DEBUG trap costs a millisecond or more per command, which
# makes loops of hundreds of commands take minutes; off for the rest of the
# test.  A failure is then reported without its line: the tests say what
# failed.
fast() {
        trap - DEBUG
}

# assert_all_gone: nothing in the state root, no cgroup named $C or $C-*,
# no process of the test, the mount table as in $TEST_DIR/mounts.
assert_all_gone() {
        local left
        left=$(state_root_entries | head)
        [[ -z $left ]] || { echo "state root holds: $left" >&2; return 1; }
        left=$(compgen -G "$CG2/keel/$C*" || true)
        [[ -z $left ]] || { echo "cgroups left: $left" >&2; return 1; }
        if ! wait_until 10 no_test_procs; then
                echo "processes left:" >&2
                ps -o pid,stat,args -p "$(procs_in_test_dir | paste -sd,)" >&2
                return 1
        fi
        mounts_now | diff "$TEST_DIR/mounts" - >&2 || { echo "the mount table changed" >&2; return 1; }
}

# ---- state and list while everything changes ------------------------------

# observe IDS_FILE: until $TEST_DIR/stop exists, run list -f json and state
# of ten ids of IDS_FILE, and write to $TEST_DIR/broken every output that is
# not a well-formed container (valid JSON, its own id, a known status, a pid
# unless stopped) or an error other than "does not exist".
observe() {
        local ids=$1 id out err valid
        valid='(.status | IN("creating", "created", "running", "stopped", "paused")) and
                (.status == "stopped" or (.pid | type == "number" and . > 0))'
        while [[ ! -e $TEST_DIR/stop ]]; do
                out=$("$KEEL" --root "$ROOT" list -f json 2>"$TEST_DIR/obs.err" </dev/null) ||
                        echo "list failed: $(cat "$TEST_DIR/obs.err")" >>"$TEST_DIR/broken"
                jq -e "type == \"array\" and all(.[]; $valid)" <<<"$out" >/dev/null 2>&1 ||
                        echo "list: $out" >>"$TEST_DIR/broken"
                while read -r id; do
                        if out=$("$KEEL" --root "$ROOT" state "$id" 2>"$TEST_DIR/obs.err" </dev/null); then
                                jq -e --arg id "$id" ".id == \$id and $valid" <<<"$out" >/dev/null 2>&1 ||
                                        echo "state $id: $out" >>"$TEST_DIR/broken"
                        else
                                err=$(cat "$TEST_DIR/obs.err")
                                [[ $err == *"container $id does not exist"* ]] ||
                                        echo "state $id failed: $err" >>"$TEST_DIR/broken"
                        fi
                        [[ -e $TEST_DIR/stop ]] && break
                done < <(shuf -n 10 "$ids")
                echo x >>"$TEST_DIR/rounds"
        done
}

start_observer() {
        observe "$1" </dev/null >/dev/null 2>&1 &
        OBSERVER=$!
}

# stop_observer: stop it, and fail when it saw a broken container.
stop_observer() {
        [[ -n ${OBSERVER:-} ]] || return 0
        touch "$TEST_DIR/stop"
        wait "$OBSERVER" || true
        OBSERVER=
        echo "# the observer read list and state $(wc -l <"$TEST_DIR/rounds" 2>/dev/null || echo 0) times" >&3
        if [[ -s $TEST_DIR/broken ]]; then
                echo "state or list showed a broken container:" >&2
                sort "$TEST_DIR/broken" | uniq -c | head -20 >&2
                return 1
        fi
}

# in_parallel CMD IDS_FILE [ARG]: keel CMD ID [ARG] for every id, all at
# once (xargs -P), stdin the tag (the inits inherit it: the leak check
# finds them); fails listing the ids whose command failed and why.
in_parallel() {
        local cmd=$1 ids=$2 arg=${3:-}
        : >"$TEST_DIR/failed"
        # shellcheck disable=SC2016
        xargs -P 100 -I{} sh -c '
                "$KEEL" --root "$ROOT" $1 "$2" $3 <"$TEST_DIR/tag" >/dev/null 2>"$TEST_DIR/err.$2" ||
                        echo "$2: $(cat "$TEST_DIR/err.$2")" >>"$TEST_DIR/failed"' sh "$cmd" {} "$arg" <"$ids" || true
        if [[ -s $TEST_DIR/failed ]]; then
                echo "keel $cmd failed for $(wc -l <"$TEST_DIR/failed") containers:" >&2
                head -5 "$TEST_DIR/failed" >&2
                return 1
        fi
}

count_status() {
        "$KEEL" --root "$ROOT" list -f json </dev/null | jq --arg s "$1" 'map(select(.status == $s)) | length'
}

all_status() {
        [[ $(count_status "$1") == "$2" ]]
}

# expect_all STATUS N [SECONDS]: all N containers reach STATUS (in SECONDS).
expect_all() {
        wait_until "${3:-1}" all_status "$1" "$2" && return
        echo "expected $2 containers $1, list says:" >&2
        "$KEEL" --root "$ROOT" list -f json </dev/null | jq -r 'group_by(.status)[] | "\(length) \(.[0].status)"' >&2
        return 1
}

@test "hundred_containers_created_started_killed_deleted_at_once_all_succeed_and_leave_nothing" {
        local n=100
        fast
        make_bundle "$B" /bin/sleep 1000
        mounts_now >"$TEST_DIR/mounts"
        seq -f "$C-%g" "$n" >"$TEST_DIR/ids"
        export KEEL ROOT B TEST_DIR
        start_observer "$TEST_DIR/ids"
        in_parallel "create --bundle $B" "$TEST_DIR/ids"
        expect_all created "$n"
        in_parallel start "$TEST_DIR/ids"
        expect_all running "$n"
        # (SIGTERM would not do: the container's pid 1 ignores it.)
        in_parallel kill "$TEST_DIR/ids" KILL
        expect_all stopped "$n" 30
        in_parallel delete "$TEST_DIR/ids"
        stop_observer
        [[ $(wc -l <"$TEST_DIR/rounds") -gt 0 ]]
        assert_all_gone
}

# Two creates of one id at once, ten times: one wins, the other says the
# id exists and leaves nothing (no hidden dir, no process, no change to the
# winner: its init lives, alone in its cgroup).
@test "two_creates_of_one_id_at_once_exactly_one_wins_and_the_loser_leaves_nothing" {
        local r rc1 rc2 p1 p2 st loser procs
        local -a bad=()
        fast
        make_bundle "$B" /bin/sleep 1000
        mounts_now >"$TEST_DIR/mounts"
        echo "$C" >"$TEST_DIR/ids"
        start_observer "$TEST_DIR/ids"
        for ((r = 0; r < 10; r++)); do
                rc1=0 rc2=0
                "$KEEL" --root "$ROOT" create --bundle "$B" "$C" <"$TEST_DIR/tag" >/dev/null 2>"$TEST_DIR/e1" &
                p1=$!
                "$KEEL" --root "$ROOT" create --bundle "$B" "$C" <"$TEST_DIR/tag" >/dev/null 2>"$TEST_DIR/e2" &
                p2=$!
                wait "$p1" || rc1=$?
                wait "$p2" || rc2=$?
                if ! { ((rc1 == 0 && rc2 == 1)) || ((rc1 == 1 && rc2 == 0)); }; then
                        bad+=("round $r: statuses $rc1 and $rc2: $(cat "$TEST_DIR/e1" "$TEST_DIR/e2")")
                else
                        loser=$TEST_DIR/e$((rc1 == 0 ? 2 : 1))
                        grep -q "container $C already exists" "$loser" ||
                                bad+=("round $r: the loser said: $(cat "$loser")")
                fi
                [[ $(state_root_entries) == "$C" ]] || bad+=("round $r: the state root holds $(state_root_entries)")
                st=$(state_of "$C" '"\(.status) \(.pid)"') || st="unreadable"
                procs=$(paste -sd' ' "$CG2/keel/$C/cgroup.procs" 2>/dev/null) || procs=none
                if [[ $st != "created ${procs:-none}" ]]; then
                        bad+=("round $r: the winner (status, init) is $st, its cgroup holds [$procs]")
                fi
                "$KEEL" --root "$ROOT" delete --force "$C" </dev/null
        done
        if ((${#bad[@]} > 0)); then
                echo "${#bad[@]} problems in 10 rounds:" >&2
                printf '  %s\n' "${bad[@]}" >&2
        fi
        stop_observer
        assert_all_gone
        ((${#bad[@]} == 0))
}

# ---- hostile bundles ---------------------------------------------------------

# keel_rss ARGS...: rk ARGS, and RSS_KB its peak resident memory.
keel_rss() {
        local t=$TEST_DIR/rss
        RK_N=$((RK_N + 1))
        status=0
        /usr/bin/time -f %M -o "$t" "$KEEL" --root "$ROOT" "$@" <"$TEST_DIR/tag" \
                >"$TEST_DIR/out.$RK_N" 2>"$TEST_DIR/err.$RK_N" || status=$?
        output=$(cat "$TEST_DIR/out.$RK_N")
        stderr=$(cat "$TEST_DIR/err.$RK_N")
        RSS_KB=$(tail -n 1 "$t")
        echo "# keel $1: status $status, peak RSS ${RSS_KB} KB" >&3
        if ((RSS_KB >= RSS_BOUND_KB)); then
                echo "keel $1 used ${RSS_KB} KB (bound ${RSS_BOUND_KB} KB)" >&2
                return 1
        fi
}

# config_with_array KEY_PATH FIRST LINE N LAST: $B/config.json whose array
# at jq path KEY_PATH becomes the JSON text FIRST, LINE N times (an entry
# and a comma, one a line), then LAST; written as text: jq would take long.
config_with_array() {
        local key=$1 first=$2 line=$3 n=$4 last=$5 cfg
        cfg=$(jq -c "$key = [\"@@\"]" "$B/config.json")
        {
                printf '%s%s\n' "${cfg%%\"@@\"*}" "$first"
                yes "$line" | head -n "$n"
                printf '%s' "$last"
                printf '%s\n' "${cfg#*\"@@\"}"
        } >"$B/config.new"
        mv "$B/config.new" "$B/config.json"
}

@test "config_of_100_MB_is_refused_with_bounded_memory" {
        make_bundle "$B" /bin/true
        mounts_now >"$TEST_DIR/mounts"
        # 20 million env entries: an unlimited reader holds 100 MB of text
        # and a tree of 20 million nodes.
        config_with_array .process.env '' '"a",' 20000000 '"PATH=/bin"'
        (($(stat -c %s "$B/config.json") > 100000000))
        keel_rss create --bundle "$B" "$C"
        assert_error "config.json.*(larger than|too large)"
        assert_all_gone
}

@test "config_nested_100000_deep_is_refused_with_bounded_memory" {
        make_bundle "$B" /bin/true
        mounts_now >"$TEST_DIR/mounts"
        {
                printf '{"ociVersion": "1.3.0", "annotations": {"a": '
                head -c 100000 /dev/zero | tr '\0' '['
                head -c 100000 /dev/zero | tr '\0' ']'
                printf '}}\n'
        } >"$B/config.json"
        keel_rss create --bundle "$B" "$C"
        assert_error "config.json.*nest"
        assert_all_gone
}

@test "a_million_env_entries_create_with_bounded_memory_and_start_fails_clearly" {
        make_bundle "$B" /bin/true
        mounts_now >"$TEST_DIR/mounts"
        config_with_array .process.env '' '"E=v",' 1000000 '"PATH=/bin"'
        keel_rss create --bundle "$B" "$C"
        ((status == 0)) || { echo "create failed: $stderr" >&2; return 1; }
        keel_rss start "$C"
        # execve refuses an environment that size; start says so.
        assert_error "Argument list too long"
        keel_rss delete --force "$C"
        ((status == 0))
        assert_all_gone
}

# All 100000 valid would take the kernel to its mount limit (fs.mount-max,
# ~25 s here); the first one failing still makes keel read, check and plan
# them all.
@test "hundred_thousand_mounts_are_read_with_bounded_memory_and_fail_clearly" {
        make_bundle "$B" /bin/true
        mounts_now >"$TEST_DIR/mounts"
        config_with_array .mounts \
                "{\"destination\": \"/m0\", \"type\": \"bind\", \"source\": \"$TEST_DIR/no-such-source\", \"options\": [\"bind\"]}," \
                '{"destination": "/tmp/m", "type": "tmpfs", "source": "tmpfs"},' 99999 \
                '{"destination": "/tmp/n", "type": "tmpfs", "source": "tmpfs"}'
        (($(jq '.mounts | length' "$B/config.json") == 100001))
        keel_rss create --bundle "$B" "$C"
        assert_error "no-such-source"
        assert_all_gone
}

# Ids with bytes that would name another path, a hidden entry, or garble a
# listing: refused by every command, with the id's problem named, and
# nothing made or removed outside the state root.
@test "odd_ids_are_refused_by_every_command_and_touch_nothing" {
        local id cmd victim=$TEST_DIR/victim
        local -a ids=($'rob\nx' "rob/x" ".." "../victim" "$(printf 'r%.0s' {1..300})"
                "rob-ünï" ".rob-hidden" "")
        make_bundle "$B" /bin/true
        mounts_now >"$TEST_DIR/mounts"
        # What a runtime that joined the id to --root would find and delete.
        mkdir -p "$victim"
        rk_ok create --bundle "$B" "$C"
        cp "$ROOT/$C/state.json" "$ROOT/$C/config.json" "$victim/"
        rk_ok delete --force "$C"
        fast
        for id in "${ids[@]}"; do
                rk create --bundle "$B" "$id"
                assert_error "container id" || { echo "create of id '$id'" >&2; return 1; }
                for cmd in state "delete --force"; do
                        # shellcheck disable=SC2086
                        rk $cmd "$id"
                        assert_error "container id" || { echo "keel $cmd '$id'" >&2; return 1; }
                done
                rk exec "$id" /bin/true
                assert_exec_error "container id" || { echo "keel exec '$id'" >&2; return 1; }
                [[ -z $(state_root_entries) ]] || { echo "id '$id' left: $(state_root_entries)" >&2; return 1; }
        done
        [[ -f $victim/state.json && -f $victim/config.json ]]
        for id in "rob-ünï" ".rob-hidden" "r"; do
                [[ -z $(compgen -G "$CG2/keel/$id*") ]] || { echo "a cgroup for '$id' exists" >&2; return 1; }
        done
        assert_all_gone
}

# ---- a rootfs of symlinks pointing out -------------------------------------

# victim_listing: every file under $TEST_DIR/victim with its type, mode,
# owner, size and times.
victim_listing() {
        find "$TEST_DIR/victim" -printf '%P %y %m %U:%G %s %T@ %C@\n' | sort
}

# hostile_rootfs NAME...: in $B/rootfs, each NAME (a path) becomes a symlink
# to $TEST_DIR/victim/NAME, absolute for even positions, through enough
# '..' to climb out of the rootfs for odd ones.
hostile_rootfs() {
        local name i=0 up
        for name in "$@"; do
                mkdir -p "$TEST_DIR/victim/$name"
                rm -rf "${B:?}/rootfs/$name"
                mkdir -p "$(dirname "$B/rootfs/$name")"
                if ((i++ % 2)); then
                        up=$(printf '../%.0s' {1..40})
                        ln -s "$up${TEST_DIR#/}/victim/$name" "$B/rootfs/$name"
                else
                        ln -s "$TEST_DIR/victim/$name" "$B/rootfs/$name"
                fi
        done
}

# Every place keel mounts on, creates in or writes to is a symlink to a host
# directory; the config asks for mounts, devices, masked and read-only
# paths below them.  Whether keel refuses a case or builds the container,
# no host file is made, changed or mounted on, and nothing is left.
@test "a_rootfs_of_symlinks_pointing_out_touches_no_host_file" {
        local case before
        fast
        mounts_now >"$TEST_DIR/mounts"
        for case in proc sys dev dev-unmounted dev-subdirs tmp etc mnt; do
                rm -rf "$B" "$TEST_DIR/victim"
                make_bundle "$B" /bin/sleep 1000
                case $case in
                proc) hostile_rootfs proc ;;
                sys) hostile_rootfs sys ;;
                dev) hostile_rootfs dev ;;
                dev-unmounted)
                        # No tmpfs on /dev: keel makes the device nodes and links itself.
                        config_set "$B" '.mounts |= map(select(.destination | startswith("/dev") | not))
                                | .linux.devices = [{path: "/dev/rob-null", type: "c", major: 1, minor: 3}]'
                        hostile_rootfs dev ;;
                dev-subdirs)
                        config_set "$B" '.mounts |= map(select(.destination != "/dev"))'
                        hostile_rootfs dev/pts dev/shm dev/mqueue ;;
                tmp)
                        config_set "$B" '.mounts += [{destination: "/tmp/a/b", type: "tmpfs", source: "tmpfs"}]'
                        hostile_rootfs tmp ;;
                etc)
                        config_set "$B" '.mounts += [{destination: "/etc/out", type: "bind", source: $o, options: ["rbind"]}]
                                | .linux.maskedPaths += ["/etc/secret", "/etc/dir"]
                                | .linux.readonlyPaths += ["/etc"]' --arg o "$OUT"
                        hostile_rootfs etc
                        echo secret >"$TEST_DIR/victim/etc/secret"
                        mkdir "$TEST_DIR/victim/etc/dir" ;;
                mnt)
                        config_set "$B" '.mounts += [{destination: "/mnt/out", type: "bind", source: $o, options: ["rbind"]}]
                                | .linux.readonlyPaths += ["/mnt"]' --arg o "$OUT"
                        hostile_rootfs mnt ;;
                esac
                before=$(victim_listing)
                rk create --bundle "$B" "$C"
                echo "# $case: create status $status ${stderr:+($stderr)}" >&3
                if ((status == 0)); then
                        rk_ok start "$C"
                        rk_ok delete --force "$C"
                elif [[ -z $stderr ]]; then
                        echo "$case: create failed without a message" >&2
                        return 1
                fi
                if [[ $(victim_listing) != "$before" ]]; then
                        echo "$case: host files changed:" >&2
                        diff <(echo "$before") <(victim_listing) >&2
                        return 1
                fi
                [[ $(cat "$TEST_DIR/victim/etc/secret" 2>/dev/null || echo secret) == secret ]]
                assert_all_gone
        done
}
