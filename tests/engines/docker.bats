#!/usr/bin/env bats
# Docker 20.10 (dockerd, containerd 1.6 and its runc v2 shim) driving keel,
# registered in daemon.json as a runtime and as the default runtime: run,
# exit codes, a terminal, run -d with exec (-u -w -e), logs, stop (TERM,
# --stop-signal, KILL after the timeout), kill -s, pause/unpause, top,
# inspect against the runtime's state, restart, rm -f, --user,
# --cap-add/--cap-drop, --read-only, --tmpfs, -v (rw, ro, :slave), seccomp
# and no-new-privileges, --privileged, --init, --network none and docker's
# bridge (its prestart hook), the device cgroup, limits the host cannot
# enforce, and the errors of a failing create as the docker user sees them.
# Every scenario also runs with runc, the reference (docker's own runtime),
# through the same daemon.  The last test checks that keel's --help lists
# every flag the shim passed during the file.
#
# Runs only with KEEL_ENGINE_TESTS=1 (it installs docker.io from apt when
# missing); otherwise every test skips.  Needs root, a cgroup2 mount,
# busybox-static, script (bsdutils), jq.  docker-setup.sh starts containerd
# and dockerd in a sandbox in setup_file (one daemon for the whole file) and
# removes everything in teardown_file.
#
# Environment: KEEL (the runtime, default build/keel), KEEL_DOCKER_DIR (the
# sandbox's scratch directory, default /tmp/keel-docker-bats).
#
# Manual use: tests/engines/docker-setup.sh, then
# /tmp/keel-docker/bin/docker run --rm --network none localhost/keel-busybox
# echo hi (add --runtime runc-ref for the reference), and
# tests/engines/docker-setup.sh teardown.

bats_require_minimum_version 1.5.0

SETUP=$BATS_TEST_DIRNAME/docker-setup.sh
IMG=localhost/keel-busybox

enabled() {
        [ "${KEEL_ENGINE_TESTS:-}" = 1 ]
}

setup_file() {
        enabled || return 0
        export KEEL_DOCKER_DIR=${KEEL_DOCKER_DIR:-/tmp/keel-docker-bats}
        "$SETUP" setup
}

teardown_file() {
        enabled || return 0
        "$SETUP" teardown
}

setup() {
        enabled || skip "engine tests run only with KEEL_ENGINE_TESTS=1"
        D=$KEEL_DOCKER_DIR/bin/docker
}

# use RUNTIME: the runtime of this test (keel or runc); runc skips with the
# reason setup found when it cannot run here.  R is `docker run` with that
# runtime and no network; N the prefix of this test's container names.
use() {
        local why
        RT=$1
        if [ "$RT" = runc ]; then
                why=$(cat "$KEEL_DOCKER_DIR/runc.status")
                [ "$why" = ok ] || skip "$why"
                DRT=runc-ref
                STATE=(runc)
        else
                DRT=keel
                STATE=("$KEEL_DOCKER_DIR/runtime/keel.bin")
        fi
        R=("$D" run --runtime "$DRT" --network none)
        N=dk-$RT
        ARGV=$KEEL_DOCKER_DIR/logs/$RT.argv
        : >"$ARGV"
}

teardown() {
        enabled || return 0
        [ -n "${ARGV:-}" ] || return 0
        if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
                echo "--- the last command's output:"
                echo "${output:-}"
                [ -z "${stderr:-}" ] || { echo "--- its stderr:"; echo "$stderr"; }
                echo "--- $RT calls ([pid] argv, [pid] rc):"
                cat "$ARGV"
        fi
        local c
        for c in $("$D" ps -aq --filter "name=^$N"); do
                "$D" rm -f "$c" >/dev/null 2>&1 || true
        done
        rm -rf "$KEEL_DOCKER_DIR/vol-$RT"
}

# the runtime's argv log has a call matching the extended regex
called() {
        grep -Eq -- "$1" "$ARGV"
}

not_called() {
        ! grep -Eq -- "$1" "$ARGV"
}

# Every runtime call finished and exited 0, except calls matching the
# optional extended regex (the intended failures).  The shim's cleanup calls
# may come after docker returned: they get a moment to finish.
calls_exited_0() {      # [ALLOWED-TO-FAIL-ERE]
        for _ in $(seq 20); do
                check_calls "${1:-}" >/dev/null && return 0
                sleep 0.1
        done
        check_calls "${1:-}"
}

check_calls() {
        [ -s "$ARGV" ] || { echo "no runtime call logged"; return 1; }
        awk -v allowed="$1" '
                /^\[[0-9]+\] rc=/ {
                        done[$1] = 1
                        if ($2 != "rc=0" && (allowed == "" || call[$1] !~ allowed)) {
                                print "failed (" $2 "): " call[$1]
                                bad = 1
                        }
                        next
                }
                { call[$1] = $0; delete done[$1] }
                END {
                        for (p in call)
                                if (!(p in done)) {
                                        print "unfinished: " call[p]
                                        bad = 1
                                }
                        exit bad
                }' "$ARGV"
}

field() {       # NAME GO-TEMPLATE
        "$D" inspect -f "$2" "$1"
}

wait_status() { # NAME STATUS
        for _ in $(seq 100); do
                [ "$(field "$1" '{{.State.Status}}')" = "$2" ] && return 0
                sleep 0.1
        done
        echo "$1 is $(field "$1" '{{.State.Status}}'), not $2"
        return 1
}

wait_log() {    # NAME TEXT
        for _ in $(seq 100); do
                [[ $("$D" logs "$1" 2>&1) == *"$2"* ]] && return 0
                sleep 0.1
        done
        echo "no \"$2\" in the log of $1"
        return 1
}

# The container's cgroup directory on the host.
host_cgroup_dir() {     # NAME
        local pid base
        pid=$(field "$1" '{{.State.Pid}}')
        base=/sys/fs/cgroup
        [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && base=/sys/fs/cgroup/unified
        echo "$base$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

# The runtime's own `state` of a docker container, run in the sandbox with
# the --root the shim passes (dockerd's exec root).
runtime_state() {       # NAME
        local id root
        id=$(field "$1" '{{.Id}}')
        root=$(grep -m1 -o -- '--root [^ ]*' "$KEEL_DOCKER_DIR/logs/$RT-all.argv")
        root=${root#--root }
        "$KEEL_DOCKER_DIR/bin/nsrun" "${STATE[@]}" --root "$root" state "$id"
}

# The CapEff mask of a container run with the docker run options given.
capeff() {      # [RUN-OPTION...]
        # shellcheck disable=SC2016 # awk's field
        "${R[@]}" --rm "$@" "$IMG" awk '/^CapEff:/ { print $2 }' /proc/self/status
}

# FLAG's line in the options of `keel [COMMAND] --help` ("global": keel's own)
help_line() {   # COMMAND FLAG
        local cmd=$1
        [ "$cmd" = global ] && cmd=
        # shellcheck disable=SC2086 # no command: keel's own help
        "$KEEL_DOCKER_DIR/runtime/keel.bin" $cmd --help | grep -E -- "^ +(-[a-zA-Z], )?$2([ ,]|$)"
}

# The flag is followed by a value in the argv (its help names one: `--root DIR`).
takes_value() { # COMMAND FLAG
        [[ $(help_line "$1" "$2") =~ ^\ *(-[a-zA-Z],\ )?--[a-z-]+\ [A-Z] ]]
}

# Every distinct "COMMAND FLAG" pair in a runtime argv log ("global FLAG" for
# the options before the command).
argv_flags() {  # LOG
        local line rest cmd a skip args
        while IFS= read -r line; do
                [[ $line == *"] rc="* ]] && continue
                rest=${line#* }
                rest=${rest#* }
                eval "args=($rest)"
                cmd=global
                skip=
                for a in "${args[@]}"; do
                        if [ -n "$skip" ]; then
                                skip=
                        elif [[ $a == -* ]]; then
                                echo "$cmd ${a%%=*}"
                                [[ $a == *=* ]] || ! takes_value "$cmd" "$a" || skip=1
                        elif [ "$cmd" = global ]; then
                                cmd=$a
                        else
                                break
                        fi
                done
        done <"$1" | sort -u
}

# --- the scenarios, each run for keel and for runc ------------------------------

run_rm_prints_hello_and_leaves_nothing() {
        run "${R[@]}" --rm "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        called ' create --bundle [^ ]+ --pid-file '
        called ' start [0-9a-f]{64}$'
        called ' delete [0-9a-f]{64}$'
        calls_exited_0
        run "$D" ps -aq
        [ -z "$output" ]
}

run_passes_the_exit_code_on() {
        run "${R[@]}" --rm "$IMG" sh -c 'exit 3'
        [ "$status" -eq 3 ]
        # killed by a signal (docker kill: SIGKILL): 128 + its number
        "${R[@]}" -d --name "$N-x" "$IMG" sleep 1000
        run "$D" kill "$N-x"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 9$'
        run timeout 20 "$D" wait "$N-x"
        [ "$output" = 137 ]
        calls_exited_0
}

# The byte before the tty's name comes from docker's attach, for runc too.
run_it_gets_a_terminal() {
        run script -qec "${R[*]} -it --rm $IMG sh -c 'tty; echo tty-ok; exit 4'" /dev/null
        [ "$status" -eq 4 ]
        [[ $output == */dev/pts/0* ]]
        [[ $output == *tty-ok* ]]
        called ' create .*--console-socket '
        calls_exited_0
}

detached_container_exec_with_user_workdir_and_env() {
        "${R[@]}" -d --name "$N-e" "$IMG" sleep 1000
        run "$D" exec "$N-e" echo exec-ok
        [ "$status" -eq 0 ]
        [ "$output" = exec-ok ]
        called ' exec --process [^ ]+ --detach --pid-file '
        # shellcheck disable=SC2016 # expanded in the container
        run "$D" exec -u nobody -w /tmp -e X=1 "$N-e" sh -c 'echo "$X $(id -u):$(id -g) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "1 65534:65534 /tmp" ]
        [ "$(jq -c '[.user.uid, .cwd, (.env | index("X=1") != null)]' \
                "$KEEL_DOCKER_DIR/logs/$RT-last-process.json")" = '[65534,"/tmp",true]' ]
        run "$D" exec "$N-e" sh -c 'exit 5'
        [ "$status" -eq 5 ]
        run script -qec "$D exec -it $N-e sh -c 'tty; echo exec-tty-ok'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == */dev/pts/* ]]
        [[ $output == *exec-tty-ok* ]]
        called ' exec .*--console-socket '
        calls_exited_0
}

# json-file keeps both streams, before and after the container exits.
logs_of_a_detached_container() {
        "${R[@]}" -d --name "$N-l" "$IMG" sh -c 'echo to-stdout; echo to-stderr >&2; sleep 1000'
        wait_log "$N-l" to-stderr
        run --separate-stderr "$D" logs "$N-l"
        [ "$output" = to-stdout ]
        [ "$stderr" = to-stderr ]
        "$D" stop -t 0 "$N-l"
        [ "$(field "$N-l" '{{.State.Status}}')" = exited ]
        : >"$ARGV"
        run --separate-stderr "$D" logs "$N-l"
        [ "$output" = to-stdout ]
        [ "$stderr" = to-stderr ]
        # logs, inspect and wait make no runtime call
        "$D" inspect "$N-l" >/dev/null
        [ "$("$D" wait "$N-l")" = 137 ]
        [ ! -s "$ARGV" ]
}

# stop sends SIGTERM (the trap exits 0), or the --stop-signal; a process that
# ignores it gets SIGKILL after the timeout.
stop_sends_sigterm_or_the_stop_signal_then_sigkill() {
        "${R[@]}" -d --name "$N-s" "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        SECONDS=0
        run "$D" stop -t 20 "$N-s"
        [ "$status" -eq 0 ]
        [ "$SECONDS" -lt 15 ]
        called ' kill [0-9a-f]{64} 15$'
        [ "$(field "$N-s" '{{.State.Status}} {{.State.ExitCode}}')" = "exited 0" ]

        : >"$ARGV"
        "${R[@]}" -d --name "$N-u" --stop-signal USR1 "$IMG" sh -c \
                'trap "echo got-usr1; exit 10" USR1; echo ready; while :; do sleep 0.1; done'
        wait_log "$N-u" ready
        run "$D" stop -t 20 "$N-u"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 10$'
        [ "$(field "$N-u" '{{.State.ExitCode}}')" = 10 ]
        [[ $("$D" logs "$N-u") == *got-usr1* ]]

        : >"$ARGV"
        "${R[@]}" -d --name "$N-k" "$IMG" sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done'
        wait_log "$N-k" ready
        run "$D" stop -t 1 "$N-k"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 15$'
        called ' kill [0-9a-f]{64} 9$'
        [ "$(field "$N-k" '{{.State.ExitCode}}')" = 137 ]
        calls_exited_0
}

# The process traps the signal and says so before exiting with its number.
kill_s_delivers_the_signal() {
        "${R[@]}" -d --name "$N-k" "$IMG" sh -c \
                'trap "echo got-usr1; exit 10" USR1; echo ready; while :; do sleep 0.1; done'
        wait_log "$N-k" ready
        run "$D" kill -s USR1 "$N-k"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 10$'
        # a signal that never arrives leaves the trap waiting
        run timeout 20 "$D" wait "$N-k"
        [ "$output" = 10 ]
        [[ $("$D" logs "$N-k") == *got-usr1* ]]
        calls_exited_0
}

pause_freezes_the_cgroup_and_unpause_thaws_it() {
        local cg
        "${R[@]}" -d --name "$N-p" "$IMG" sleep 1000
        cg=$(host_cgroup_dir "$N-p")
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$D" pause "$N-p"
        [ "$status" -eq 0 ]
        called ' pause [0-9a-f]{64}$'
        [ "$(field "$N-p" '{{.State.Status}}')" = paused ]
        grep -qx 'frozen 1' "$cg/cgroup.events"
        run "$D" unpause "$N-p"
        [ "$status" -eq 0 ]
        called ' resume [0-9a-f]{64}$'
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "$D" exec "$N-p" echo thawed
        [ "$output" = thawed ]
        calls_exited_0
}

# docker top asks the shim for the pids, and the shim asks the runtime (ps).
top_lists_the_container_processes() {
        "${R[@]}" -d --name "$N-t" "$IMG" sh -c 'sleep 1000 & sleep 2000'
        run "$D" top "$N-t"
        [ "$status" -eq 0 ]
        [[ $output == *"sleep 1000"* ]]
        [[ $output == *"sleep 2000"* ]]
        called ' ps --format json [0-9a-f]{64}$'
        calls_exited_0
}

# docker's view and the runtime's agree on the status and the pid while
# running and paused; after rm the runtime no longer knows the container.
inspect_agrees_with_runtime_state() {
        local pid st
        "${R[@]}" -d --name "$N-i" "$IMG" sleep 1000
        pid=$(field "$N-i" '{{.State.Pid}}')
        [ "$(field "$N-i" '{{.State.Status}} {{.HostConfig.Runtime}}')" = "running $DRT" ]
        st=$(runtime_state "$N-i")
        [ "$(jq -r '"\(.status) \(.pid)"' <<<"$st")" = "running $pid" ]
        [ "$(readlink "/proc/$pid/exe")" = /bin/busybox ]
        "$D" pause "$N-i"
        [ "$(runtime_state "$N-i" | jq -r .status)" = paused ]
        "$D" unpause "$N-i"
        [ "$(runtime_state "$N-i" | jq -r .status)" = running ]
        "$D" stop -t 0 "$N-i"
        [ "$(field "$N-i" '{{.State.Status}}')" = exited ]
        run runtime_state "$N-i"
        [ "$status" -ne 0 ]
        calls_exited_0
}

# restart stops the container (SIGTERM to the trap) and runs it again: a new
# process, the runtime called again for the same id.
restart_runs_a_new_process() {
        local pid1 pid2
        "${R[@]}" -d --name "$N-r" "$IMG" sh -c 'echo started; trap "exit 0" TERM; while :; do sleep 0.1; done'
        pid1=$(field "$N-r" '{{.State.Pid}}')
        : >"$ARGV"
        run "$D" restart -t 20 "$N-r"
        [ "$status" -eq 0 ]
        wait_status "$N-r" running
        pid2=$(field "$N-r" '{{.State.Pid}}')
        [ "$pid1" != "$pid2" ]
        called ' kill [0-9a-f]{64} 15$'
        called ' delete [0-9a-f]{64}$'
        called ' create --bundle '
        called ' start [0-9a-f]{64}$'
        [ "$(runtime_state "$N-r" | jq -r '"\(.status) \(.pid)"')" = "running $pid2" ]
        [ "$("$D" logs "$N-r" | grep -c started)" = 2 ]
        calls_exited_0
}

# rm -f of a running container: SIGKILL through the runtime, then nothing
# is left: not in docker, not in the runtime, no cgroup.
rm_f_removes_a_running_container() {
        local cg
        "${R[@]}" -d --name "$N-f" "$IMG" sleep 1000
        cg=$(host_cgroup_dir "$N-f")
        [ -d "$cg" ]
        : >"$ARGV"
        run "$D" rm -f "$N-f"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 9$'
        run "$D" ps -aq --filter "name=^$N-f"
        [ -z "$output" ]
        for _ in $(seq 20); do
                [ -d "$cg" ] || break
                sleep 0.1
        done
        [ ! -d "$cg" ]
        calls_exited_0
}

# docker resolves a name from the image's /etc/passwd (and its groups) into
# process.user; numbers need no entry.
run_as_user() {
        # shellcheck disable=SC2016 # expanded in the container
        run "${R[@]}" --rm --user 65534:65534 "$IMG" sh -c 'echo $(id -u):$(id -g):$(id -G)'
        [ "$status" -eq 0 ]
        [ "$output" = 65534:65534:65534 ]
        run "${R[@]}" --rm --user nobody "$IMG" id
        [ "$status" -eq 0 ]
        [ "$output" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
        [ "$(jq -c '.process.user | [.uid, .gid]' \
                "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = '[65534,65534]' ]
        # shellcheck disable=SC2016 # expanded in the container
        run "${R[@]}" --rm --user 1234:4321 "$IMG" sh -c 'echo $(id -u):$(id -g)'
        [ "$output" = 1234:4321 ]
        # the effective set of a non-root user is empty
        [ "$(capeff --user 1234)" = 0000000000000000 ]
        calls_exited_0
}

cap_add_and_cap_drop() {
        local def
        def=$(capeff)
        # docker's default set
        [ "$def" = 00000000a80425fb ]
        [ "$(capeff --cap-drop CHOWN)" = 00000000a80425fa ]
        # CAP_SYS_ADMIN is bit 21
        [ "$(capeff --cap-add SYS_ADMIN)" = "$(printf '%016x' $((0x$def | 1 << 21)))" ]
        # all of them gone but CAP_NET_RAW (bit 13), in every set but the ambient one
        run "${R[@]}" --rm --cap-drop all --cap-add NET_RAW "$IMG" grep ^Cap /proc/self/status
        [ "${lines[0]}" = "CapInh:	0000000000000000" ]
        [ "${lines[1]}" = "CapPrm:	0000000000002000" ]
        [ "${lines[2]}" = "CapEff:	0000000000002000" ]
        [ "${lines[3]}" = "CapBnd:	0000000000002000" ]
        [ "${lines[4]}" = "CapAmb:	0000000000000000" ]
        # and it works: dropped CHOWN refuses chown
        run "${R[@]}" --rm --cap-drop CHOWN "$IMG" sh -c 'touch /tmp/f; chown 1 /tmp/f'
        [ "$status" -ne 0 ]
        [[ $output == *"Operation not permitted"* ]]
        calls_exited_0
}

# --read-only: / refuses writes; a --tmpfs mount is writable, with its options.
read_only_root_and_tmpfs_with_options() {
        run "${R[@]}" --rm --read-only "$IMG" touch /x
        [ "$status" -ne 0 ]
        [[ $output == *"Read-only file system"* ]]
        run "${R[@]}" --rm --read-only --tmpfs /scratch:size=1m,mode=0700,noexec "$IMG" sh -c '
                exec 2>&1
                grep " /scratch " /proc/mounts; stat -c %a /scratch
                printf "#!/bin/sh\necho ran\n" >/scratch/x && chmod +x /scratch/x
                /scratch/x
                dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>&1 | grep -o "No space left on device"'
        [ "$status" -eq 0 ]
        [[ ${lines[0]} == "tmpfs /scratch tmpfs rw,"*noexec* ]]
        [[ ${lines[0]} == *size=1024k* ]]
        [[ ${lines[0]} == *mode=700* ]]
        [ "${lines[1]}" = 700 ]
        [[ ${lines[2]} == *"/scratch/x: Permission denied" ]]
        [ "${lines[3]}" = "No space left on device" ]
        calls_exited_0
}

bind_mounts_rw_and_ro() {
        local v=$KEEL_DOCKER_DIR/vol-$RT
        mkdir -p "$v/rw" "$v/ro"
        echo from-host >"$v/ro/f"
        run "${R[@]}" --rm -v "$v/rw:/rw" -v "$v/ro:/ro:ro" "$IMG" sh -c '
                exec 2>&1
                echo from-container >/rw/f && echo rw-ok
                cat /ro/f
                echo x >/ro/g'
        [ "$status" -ne 0 ]
        [ "${lines[0]}" = rw-ok ]
        [ "${lines[1]}" = from-host ]
        [[ ${lines[2]} == *"can't create /ro/g: Read-only file system" ]]
        [ "$(cat "$v/rw/f")" = from-container ]
        [ ! -e "$v/ro/g" ]
        calls_exited_0
}

# -v SRC:DST:slave: a mount made under SRC after the container started
# appears inside; under a plain -v (rprivate) it does not.  docker wants the
# source on a shared mount and then asks for rootfsPropagation "rslave".
bind_mount_with_slave_propagation() {
        local v=$KEEL_DOCKER_DIR/vol-$RT ns=$KEEL_DOCKER_DIR/bin/nsrun
        mkdir -p "$v"
        "$ns" mount --bind "$v" "$v"
        "$ns" mount --make-shared "$v"
        run "${R[@]}" -d --name "$N-v" -v "$v:/slave:slave" -v "$v:/private" "$IMG" sleep 1000
        [ "$status" -eq 0 ]
        [ "$(jq -r .linux.rootfsPropagation "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = rslave ]
        mkdir "$v/sub"
        "$ns" mount -t tmpfs -o size=1m keel-prop "$v/sub"
        run "$D" exec "$N-v" grep keel-prop /proc/mounts
        "$ns" umount "$v/sub"
        "$ns" umount "$v"
        [ "${#lines[@]}" -eq 1 ]
        [[ ${lines[0]} == "keel-prop /slave/sub tmpfs "* ]]
        calls_exited_0
}

# A profile whose rule makes mkdir fail with errnoRet 18 (EXDEV), other
# calls pass; unconfined leaves seccomp off; no-new-privileges sets the bit.
seccomp_profile_and_no_new_privileges() {
        local prof=$KEEL_DOCKER_DIR/seccomp-mkdir.json
        cat >"$prof" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}
EOF
        run "${R[@]}" --rm --security-opt "seccomp=$prof" "$IMG" sh -c 'exec 2>&1; touch /tmp/f && echo touch-ok; mkdir /tmp/d'
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = touch-ok ]
        [ "${lines[1]}" = "mkdir: can't create directory '/tmp/d': Invalid cross-device link" ]
        run "${R[@]}" --rm "$IMG" sh -c 'mkdir /tmp/d && echo mkdir-ok; grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status'
        [ "${lines[0]}" = mkdir-ok ]
        [ "${lines[1]}" = "NoNewPrivs:	0" ]
        [ "${lines[2]}" = "Seccomp:	2" ]
        run "${R[@]}" --rm --security-opt seccomp=unconfined "$IMG" grep ^Seccomp: /proc/self/status
        [ "$output" = "Seccomp:	0" ]
        run "${R[@]}" --rm --security-opt no-new-privileges "$IMG" grep ^NoNewPrivs: /proc/self/status
        [ "$output" = "NoNewPrivs:	1" ]
        [ "$(jq -r .process.noNewPrivileges "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = true ]
        calls_exited_0
}

# --privileged asks for every capability docker knows.  Where the host's
# bounding set lacks one (CI's has no CAP_SYS_RESOURCE) no runtime can give
# it: create fails and docker shows why.  Otherwise: every capability, no
# seccomp, the host's devices, no masked /proc paths.
privileged() {
        local bnd missing cfg=$KEEL_DOCKER_DIR/logs/$RT-last-config.json
        bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        run "${R[@]}" --rm --privileged "$IMG" sh -c \
                'grep -E "^(CapEff|CapBnd|Seccomp):" /proc/self/status | cut -f2; grep -c " /proc/kcore " /proc/mounts; ls /dev | wc -l'
        [ "$(jq -r '.process.capabilities.bounding | length' "$cfg")" -ge 38 ]
        [ "$(jq -r '.linux.seccomp // "none"' "$cfg")" = none ]
        # shellcheck disable=SC2020 # one name a line
        missing=$(jq -r '.process.capabilities.bounding[] | ascii_downcase' "$cfg" |
                grep -vwFf <(capsh --decode="$bnd" | tr '=,' '\n\n') || true)
        if [ -n "$missing" ]; then
                echo "not in the bounding set here:" "$missing"
                [ "$status" -eq 125 ]
                [[ ${output,,} == *"oci runtime create failed"*"operation not permitted"* ]]
                run "$D" ps -aq
                [ -z "$output" ]
                calls_exited_0 ' create --bundle '
                return
        fi
        # every capability asked for is effective (and only those are bounding)
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "${lines[1]}" ]
        [ "$(capsh --decode="${lines[0]}" | tr , '\n' | wc -l)" = "$(jq -r '.process.capabilities.bounding | length' "$cfg")" ]
        [ "${lines[2]}" = 0 ]
        # no masked /proc file, the host's devices
        [ "${lines[3]}" = 0 ]
        [ "${lines[4]}" -gt 20 ]
        calls_exited_0
}

# --init: docker-init (tini) is pid 1, the command its child; the command's
# exit code passes through.
init_runs_docker_init_as_pid_1() {
        run "${R[@]}" --rm --init "$IMG" sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; exit 7'
        [ "$status" -eq 7 ]
        [[ ${lines[0]} == "/sbin/docker-init -- sh -c "* ]]
        calls_exited_0
}

# --network none: only lo.  docker's bridge (docker0, made in the sandbox's
# network namespace): eth0 with an address, moved in by dockerd when the
# runtime runs the prestart hook docker puts in config.json.
network_none_and_the_default_bridge() {
        run "${R[@]}" --rm "$IMG" ls /sys/class/net
        [ "$output" = lo ]
        run "$D" run --rm --runtime "$DRT" "$IMG" sh -c 'ls /sys/class/net; ip -4 -o addr show eth0'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = eth0 ]
        [ "${lines[1]}" = lo ]
        [[ ${lines[2]} == *"inet 172.17."* ]]
        [ "$(jq -r '.hooks.prestart[0].args[0]' "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = libnetwork-setkey ]
        calls_exited_0
}

# docker lists the devices a container may use, after a rule denying all;
# the runtime adds its defaults (runc's: mknod of any device, the standard
# devices, /dev/pts, and /dev/net/tun).  /dev/fuse (10:229) opens without a
# capability and docker denies it by name: only the device cgroup stands in
# the way of the mknod'ed node.
device_cgroup_denies_a_device_not_in_the_list() {
        run "${R[@]}" --rm "$IMG" sh -c \
                'exec 2>&1; head -c1 /dev/zero | wc -c; mknod /tmp/d c 10 229 && echo mknod-ok && exec 3</tmp/d && echo opened'
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = 1 ]
        [ "${lines[1]}" = mknod-ok ]
        [ "${lines[2]}" = "sh: can't open /tmp/d: Operation not permitted" ]
        [ "$(jq -c '.linux.resources.devices[] | select(.major == 10 and .minor == 229)' \
                "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = '{"allow":false,"type":"c","major":10,"minor":229,"access":"rwm"}' ]
        calls_exited_0
}

# runc 1.1 (and again from 1.2.1) allows /dev/net/tun (10:200) by default:
# under docker a container may mknod it and open it (the tun driver then
# wants CAP_NET_ADMIN only for TUNSETIFF).
device_cgroup_allows_tun_by_default() {
        [ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
        run "${R[@]}" --rm "$IMG" sh -c \
                'exec 2>&1; mknod /tmp/t c 10 200 && echo mknod-ok && exec 3<>/tmp/t && echo opened'
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = mknod-ok ]
        [ "${lines[1]}" = opened ]
        calls_exited_0
}

# The sandbox's cgroup2 has no controller: dockerd itself drops --memory and
# --pids-limit with a warning (the runtime never sees them) and refuses
# --cpus; no runtime is asked.  Limits are enforced in the VM suite.
limits_docker_cannot_apply_are_dropped_or_refused_by_docker() {
        run "${R[@]}" --rm --memory 64m "$IMG" echo ran
        [ "$status" -eq 0 ]
        [[ $output == *"WARNING: Your kernel does not support memory limit capabilities or the cgroup is not mounted. Limitation discarded."* ]]
        [[ $output == *ran ]]
        [ "$(jq -c '.linux.resources.memory' "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = '{}' ]
        run "${R[@]}" --rm --pids-limit 10 "$IMG" echo ran
        [ "$status" -eq 0 ]
        [[ $output == *"PIDs limit discarded."* ]]
        [ "$(jq -c '.linux.resources.pids' "$KEEL_DOCKER_DIR/logs/$RT-last-config.json")" = null ]
        : >"$ARGV"
        run -125 "${R[@]}" --rm --cpus 1 "$IMG" echo ran
        [[ $output == *"NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted"* ]]
        not_called ' create '
}

# docker's CLI turns the daemon's error into an exit code by its text:
# "no such file or directory" or "executable file not found" 127,
# "permission denied" 126, anything else 125.  With runc, create fails.
missing_command_exits_127() {
        run -127 "${R[@]}" --rm "$IMG" /nonexistent
        [[ $output == *"OCI runtime create failed: "*/nonexistent* ]]
        [[ ${output,,} == *"no such file or directory"* ]]
        run -127 "${R[@]}" --rm "$IMG" nonexistent-command
        [[ ${output,,} == *"executable file not found"* || ${output,,} == *"no such file or directory"* ]]
        run "$D" ps -aq
        [ -z "$output" ]
        calls_exited_0 ' create --bundle '
}

non_executable_command_exits_126() {
        run -126 "${R[@]}" --rm "$IMG" /etc/passwd
        [[ $output == *"OCI runtime create failed: "*/etc/passwd* ]]
        [[ ${output,,} == *"permission denied"* ]]
        # create failed: nothing was started
        not_called ' start '
        run "$D" ps -aq
        [ -z "$output" ]
        calls_exited_0 ' create --bundle '
}

# An rlimit above the hard limit (no CAP_SYS_RESOURCE here): create fails
# with the runtime's reason, shown by docker (exit 125).
rlimit_above_the_hard_limit_is_refused() {
        local hard
        hard=$(ulimit -Hn)
        [ "$hard" != unlimited ] || skip "no hard limit on open files"
        [ "$hard" -lt 4000000 ] || skip "the hard limit on open files is above 4000000"
        run -125 "${R[@]}" --rm --ulimit nofile=4000000:4000000 "$IMG" true
        [[ $output == *"OCI runtime create failed: "* ]]
        [[ ${output,,} == *"rlimit"*"operation not permitted"* ]]
        run "$D" ps -aq
        [ -z "$output" ]
        calls_exited_0 ' create --bundle '
}

# --- keel ------------------------------------------------------------------------

# daemon.json's "default-runtime": keel runs a container given no --runtime.
@test "keel: keel_is_the_default_runtime" {
        use keel
        : >"$KEEL_DOCKER_DIR/logs/runc.argv"
        [ "$("$D" info -f '{{.DefaultRuntime}}')" = keel ]
        run "$D" run --rm --network none --name "$N-default" "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        called ' create --bundle '
        [ ! -s "$KEEL_DOCKER_DIR/logs/runc.argv" ]
        calls_exited_0
}

@test "keel: run_rm_prints_hello_and_leaves_nothing" {
        use keel
        run_rm_prints_hello_and_leaves_nothing
}

@test "keel: run_passes_the_exit_code_on" {
        use keel
        run_passes_the_exit_code_on
}

@test "keel: run_it_gets_a_terminal" {
        use keel
        run_it_gets_a_terminal
}

@test "keel: detached_container_exec_with_user_workdir_and_env" {
        use keel
        detached_container_exec_with_user_workdir_and_env
}

@test "keel: logs_of_a_detached_container" {
        use keel
        logs_of_a_detached_container
}

@test "keel: stop_sends_sigterm_or_the_stop_signal_then_sigkill" {
        use keel
        stop_sends_sigterm_or_the_stop_signal_then_sigkill
}

@test "keel: kill_s_delivers_the_signal" {
        use keel
        kill_s_delivers_the_signal
}

@test "keel: pause_freezes_the_cgroup_and_unpause_thaws_it" {
        use keel
        pause_freezes_the_cgroup_and_unpause_thaws_it
}

@test "keel: top_lists_the_container_processes" {
        use keel
        top_lists_the_container_processes
}

@test "keel: inspect_agrees_with_runtime_state" {
        use keel
        inspect_agrees_with_runtime_state
}

@test "keel: restart_runs_a_new_process" {
        use keel
        restart_runs_a_new_process
}

@test "keel: rm_f_removes_a_running_container" {
        use keel
        rm_f_removes_a_running_container
}

@test "keel: run_as_user" {
        use keel
        run_as_user
}

@test "keel: cap_add_and_cap_drop" {
        use keel
        cap_add_and_cap_drop
}

@test "keel: read_only_root_and_tmpfs_with_options" {
        use keel
        read_only_root_and_tmpfs_with_options
}

@test "keel: bind_mounts_rw_and_ro" {
        use keel
        bind_mounts_rw_and_ro
}

@test "keel: bind_mount_with_slave_propagation" {
        use keel
        bind_mount_with_slave_propagation
}

@test "keel: seccomp_profile_and_no_new_privileges" {
        use keel
        seccomp_profile_and_no_new_privileges
}

@test "keel: privileged" {
        use keel
        privileged
}

@test "keel: init_runs_docker_init_as_pid_1" {
        use keel
        init_runs_docker_init_as_pid_1
}

@test "keel: network_none_and_the_default_bridge" {
        use keel
        network_none_and_the_default_bridge
}

@test "keel: device_cgroup_denies_a_device_not_in_the_list" {
        use keel
        device_cgroup_denies_a_device_not_in_the_list
}

@test "keel: device_cgroup_allows_tun_by_default" {
        use keel
        device_cgroup_allows_tun_by_default
}

@test "keel: limits_docker_cannot_apply_are_dropped_or_refused_by_docker" {
        use keel
        limits_docker_cannot_apply_are_dropped_or_refused_by_docker
}

@test "keel: missing_command_exits_127" {
        use keel
        missing_command_exits_127
}

@test "keel: non_executable_command_exits_126" {
        use keel
        non_executable_command_exits_126
}

@test "keel: rlimit_above_the_hard_limit_is_refused" {
        use keel
        rlimit_above_the_hard_limit_is_refused
}

# --- runc, the reference ----------------------------------------------------------

@test "runc: run_rm_prints_hello_and_leaves_nothing" {
        use runc
        run_rm_prints_hello_and_leaves_nothing
}

@test "runc: run_passes_the_exit_code_on" {
        use runc
        run_passes_the_exit_code_on
}

@test "runc: run_it_gets_a_terminal" {
        use runc
        run_it_gets_a_terminal
}

@test "runc: detached_container_exec_with_user_workdir_and_env" {
        use runc
        detached_container_exec_with_user_workdir_and_env
}

@test "runc: logs_of_a_detached_container" {
        use runc
        logs_of_a_detached_container
}

@test "runc: stop_sends_sigterm_or_the_stop_signal_then_sigkill" {
        use runc
        stop_sends_sigterm_or_the_stop_signal_then_sigkill
}

@test "runc: kill_s_delivers_the_signal" {
        use runc
        kill_s_delivers_the_signal
}

@test "runc: pause_freezes_the_cgroup_and_unpause_thaws_it" {
        use runc
        pause_freezes_the_cgroup_and_unpause_thaws_it
}

@test "runc: top_lists_the_container_processes" {
        use runc
        top_lists_the_container_processes
}

@test "runc: inspect_agrees_with_runtime_state" {
        use runc
        inspect_agrees_with_runtime_state
}

@test "runc: restart_runs_a_new_process" {
        use runc
        restart_runs_a_new_process
}

@test "runc: rm_f_removes_a_running_container" {
        use runc
        rm_f_removes_a_running_container
}

@test "runc: run_as_user" {
        use runc
        run_as_user
}

@test "runc: cap_add_and_cap_drop" {
        use runc
        cap_add_and_cap_drop
}

@test "runc: read_only_root_and_tmpfs_with_options" {
        use runc
        read_only_root_and_tmpfs_with_options
}

@test "runc: bind_mounts_rw_and_ro" {
        use runc
        bind_mounts_rw_and_ro
}

@test "runc: bind_mount_with_slave_propagation" {
        use runc
        bind_mount_with_slave_propagation
}

@test "runc: seccomp_profile_and_no_new_privileges" {
        use runc
        seccomp_profile_and_no_new_privileges
}

@test "runc: privileged" {
        use runc
        privileged
}

@test "runc: init_runs_docker_init_as_pid_1" {
        use runc
        init_runs_docker_init_as_pid_1
}

@test "runc: network_none_and_the_default_bridge" {
        use runc
        network_none_and_the_default_bridge
}

@test "runc: device_cgroup_denies_a_device_not_in_the_list" {
        use runc
        device_cgroup_denies_a_device_not_in_the_list
}

@test "runc: device_cgroup_allows_tun_by_default" {
        use runc
        device_cgroup_allows_tun_by_default
}

@test "runc: limits_docker_cannot_apply_are_dropped_or_refused_by_docker" {
        use runc
        limits_docker_cannot_apply_are_dropped_or_refused_by_docker
}

@test "runc: missing_command_exits_127" {
        use runc
        missing_command_exits_127
}

@test "runc: non_executable_command_exits_126" {
        use runc
        non_executable_command_exits_126
}

@test "runc: rlimit_above_the_hard_limit_is_refused" {
        use runc
        rlimit_above_the_hard_limit_is_refused
}

# --- every flag the shim passed keel during this file --------------------------------

# Last: it reads the calls of every keel test above (logs/keel-all.argv).  A
# flag keel's --help does not list for that command would be one keel may
# ignore.
@test "keel: every_flag_docker_passed_is_in_keels_help" {
        local pair bad=0
        use keel
        # on its own (a filtered run) it still has calls to read
        "${R[@]}" --rm "$IMG" true
        argv_flags "$KEEL_DOCKER_DIR/logs/keel-all.argv" >"$KEEL_DOCKER_DIR/logs/keel-flags.txt"
        grep -qx 'create --bundle' "$KEEL_DOCKER_DIR/logs/keel-flags.txt"
        grep -qx 'global --log-format' "$KEEL_DOCKER_DIR/logs/keel-flags.txt"
        while read -r pair; do
                echo "docker passed: $pair"
                if [ -z "$(help_line "${pair%% *}" "${pair#* }")" ]; then
                        echo "  not in keel ${pair%% *} --help"
                        bad=1
                fi
        done <"$KEEL_DOCKER_DIR/logs/keel-flags.txt"
        [ "$bad" = 0 ]
}
