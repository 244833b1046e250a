#!/usr/bin/env bats
# podman 4.3 with conmon, driving keel: run, exit codes, run -d with exec,
# logs, kill -s and stop, a tty, pause, top, --user, --cap-add/--cap-drop,
# --tmpfs, -v bind mounts, a seccomp profile, the device cgroup, a read-only
# root, inspect against the runtime's own state, limits the host cannot
# enforce, the errors of a failing create, and the same with
# --cgroups=disabled (keel gets --cgroup-manager disabled, makes no cgroup);
# an nproc above the 32768 podman runs with, conmon's cgroup under
# cgroups = "no-conmon", and checkpoint where criu cannot run.
# Every scenario also runs with crun, the reference, when crun can run here;
# where the two differ on purpose the scenario takes the expected text as an
# argument (docs/engines.md lists those differences).  The last test checks
# that keel's --help lists every flag podman passed during the file.
#
# Runs only with KEEL_ENGINE_TESTS=1 (it installs podman and crun from apt
# when missing and takes a while); otherwise every test skips.  Needs root,
# a cgroup2 mount, busybox-static, script (bsdutils), jq.  podman-setup.sh
# builds the sandbox in setup_file and removes it in teardown_file.
#
# Environment: KEEL (the runtime, default build/keel), KEEL_PODMAN_DIR (the
# sandbox's scratch directory, default /tmp/keel-podman-bats: give each
# concurrent run its own).
#
# Manual use: tests/engines/podman-setup.sh, then
# /tmp/keel-podman/bin/podman run --rm localhost/keel-busybox echo hi (add
# --runtime crun for the reference), and tests/engines/podman-setup.sh teardown.

bats_require_minimum_version 1.5.0

SETUP=$BATS_TEST_DIRNAME/podman-setup.sh
IMG=localhost/keel-busybox

enabled() {
        [ "${KEEL_ENGINE_TESTS:-}" = 1 ]
}

setup_file() {
        enabled || return 0
        export KEEL_PODMAN_DIR=${KEEL_PODMAN_DIR:-/tmp/keel-podman-bats}
        "$SETUP" setup
}

teardown_file() {
        enabled || return 0
        "$SETUP" teardown
}

setup() {
        enabled || skip "engine tests run only with KEEL_ENGINE_TESTS=1"
}

# use RUNTIME: the runtime of this test (keel or crun); crun skips with the
# reason setup found when it cannot run here.  P is podman with that runtime,
# N the prefix of this test's container names.
use() {
        local why
        RT=$1
        if [ "$RT" = crun ]; then
                why=$(cat "$KEEL_PODMAN_DIR/crun.status")
                [ "$why" = ok ] || skip "$why"
                STATE=(crun)
        else
                STATE=("$KEEL_PODMAN_DIR/runtime/keel.bin")
        fi
        P=("$KEEL_PODMAN_DIR/bin/podman" --runtime "$RT")
        N=pdm2-$RT
        ARGV=$KEEL_PODMAN_DIR/logs/$RT.argv
        : >"$ARGV"
}

teardown() {
        enabled || return 0
        [ -n "${ARGV:-}" ] || return 0
        if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
                echo "--- $RT calls ([pid] argv, [pid] rc):"
                cat "$ARGV"
        fi
        "${P[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
        rm -rf "$KEEL_PODMAN_DIR/vol-$RT"
}

# the runtime's argv log has a call matching the extended regex
called() {
        grep -Eq -- "$1" "$ARGV"
}

# (`! cmd` in the middle of a test does not fail it)
not_called() {
        ! grep -Eq -- "$1" "$ARGV"
}

# Every runtime call exited 0, except calls matching the optional extended
# regex (the intended failures).
calls_exited_0() {      # [ALLOWED-TO-FAIL-ERE]
        awk -v allowed="${1:-}" '
                /^\[[0-9]+\] rc=/ {
                        if ($2 != "rc=0" && (allowed == "" || call[$1] !~ allowed)) {
                                print "failed (" $2 "): " call[$1]
                                bad = 1
                        }
                        next
                }
                { call[$1] = $0 }
                END { exit bad }' "$ARGV"
}

# The container's cgroup directory on the host.
host_cgroup_dir() {     # NAME
        local pid base
        pid=$("${P[@]}" inspect -f '{{.State.Pid}}' "$1")
        base=/sys/fs/cgroup
        [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] && base=/sys/fs/cgroup/unified
        echo "$base$(sed -n 's/^0:://p' "/proc/$pid/cgroup")"
}

# The runtime's own `state` of a podman container, run in the sandbox
# (podman passes no --root: each runtime's default state root, on the
# sandbox's /run).
runtime_state() {       # NAME
        local id
        id=$("${P[@]}" inspect -f '{{.Id}}' "$1")
        "$KEEL_PODMAN_DIR/bin/nsrun" "${STATE[@]}" state "$id"
}

# The CapEff mask of a container run with the podman run options given.
capeff() {      # [RUN-OPTION...]
        # shellcheck disable=SC2016 # awk's field
        "${P[@]}" run --rm "$@" "$IMG" awk '/^CapEff:/ { print $2 }' /proc/self/status
}

# FLAG's line in the options of `keel [COMMAND] --help` ("global": keel's own)
help_line() {   # COMMAND FLAG
        local cmd=$1
        [ "$cmd" = global ] && cmd=
        # shellcheck disable=SC2086 # no command: keel's own help
        "$KEEL_PODMAN_DIR/runtime/keel.bin" $cmd --help | grep -E -- "^ +(-[a-zA-Z], )?$2([ ,]|$)"
}

# The flag is followed by a value in the argv (its help names one: `--root DIR`).
takes_value() { # COMMAND FLAG
        [[ $(help_line "$1" "$2") =~ ^\ *(-[a-zA-Z],\ )?--[a-z-]+\ [A-Z] ]]
}

# Every distinct "COMMAND FLAG" pair in a runtime argv log ("global FLAG" for
# the options before the command).  Flags after the container id belong to
# the process (exec's inline command) and are not the runtime's.
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

# --- the scenarios, each run for keel and for crun ------------------------------

run_prints_hello() {
        run "${P[@]}" run --rm "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        called ' create --bundle '
        called ' start '
        called ' delete --force '
        calls_exited_0
}

run_passes_the_exit_code_on() {
        run "${P[@]}" run --rm "$IMG" sh -c 'exit 3'
        [ "$status" -eq 3 ]
}

detached_container_exec_stop_with_sigterm_and_rm() {
        run "${P[@]}" run -d --name "$N-d" "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        [ "$status" -eq 0 ]
        run "${P[@]}" exec "$N-d" echo exec-ok
        [ "$status" -eq 0 ]
        [ "$output" = exec-ok ]
        called ' exec --pid-file .* --process .* --detach '
        [ "$("${P[@]}" inspect -f '{{.State.Status}}' "$N-d")" = running ]
        # SIGTERM must reach the trap: a SIGKILL after the timeout would be 137
        SECONDS=0
        run "${P[@]}" stop -t 20 "$N-d"
        [ "$status" -eq 0 ]
        [ "$SECONDS" -lt 15 ]
        called ' kill [0-9a-f]{64} 15$'
        [ "$("${P[@]}" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$N-d")" = "exited 0" ]
        run "${P[@]}" rm "$N-d"
        [ "$status" -eq 0 ]
        run "${P[@]}" container exists "$N-d"
        [ "$status" -eq 1 ]
        calls_exited_0
}

# conmon keeps stdout and stderr in the k8s-file log, before and after exit
logs_of_a_detached_container() {
        "${P[@]}" run -d --name "$N-l" "$IMG" sh -c 'echo to-stdout; echo to-stderr >&2; sleep 1000'
        for _ in $(seq 50); do
                [[ $("${P[@]}" logs "$N-l" 2>&1) == *to-stderr* ]] && break
                sleep 0.1
        done
        run "${P[@]}" logs "$N-l"
        [ "$status" -eq 0 ]
        [[ $output == *to-stdout* ]]
        [[ $output == *to-stderr* ]]
        "${P[@]}" stop -t 0 "$N-l"
        run "${P[@]}" logs "$N-l"
        [[ $output == *to-stdout*to-stderr* ]]
        calls_exited_0
}

# The process traps the signal and says so before exiting with its number.
kill_s_delivers_the_signal() {
        "${P[@]}" run -d --name "$N-k" "$IMG" sh -c \
                'trap "echo got-usr1; exit 10" USR1; echo ready; while :; do sleep 0.1; done'
        for _ in $(seq 50); do
                [[ $("${P[@]}" logs "$N-k") == *ready* ]] && break
                sleep 0.1
        done
        run "${P[@]}" kill -s USR1 "$N-k"
        [ "$status" -eq 0 ]
        called ' kill [0-9a-f]{64} 10$'
        # a signal that never arrives leaves the trap waiting
        run timeout 20 "${P[@]}" wait "$N-k"
        [ "$output" = 10 ]
        run "${P[@]}" logs "$N-k"
        [[ $output == *got-usr1* ]]
        calls_exited_0
}

exec_as_nobody_in_tmp_with_env() {
        "${P[@]}" run -d --name "$N-u" "$IMG" sleep 1000
        # shellcheck disable=SC2016 # expanded in the container
        run "${P[@]}" exec -u nobody -w /tmp -e X=1 "$N-u" sh -c 'echo "$X $(id -u):$(id -g) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "1 65534:65534 /tmp" ]
}

# podman resolves a name from the image's /etc/passwd (and its groups) into
# process.user; numbers need no entry.
run_as_user() {
        # shellcheck disable=SC2016 # expanded in the container
        run "${P[@]}" run --rm --user 65534:65534 "$IMG" sh -c 'echo $(id -u):$(id -g):$(id -G)'
        [ "$status" -eq 0 ]
        [ "$output" = 65534:65534:65534 ]
        run "${P[@]}" run --rm --user nobody "$IMG" id
        [ "$status" -eq 0 ]
        [ "$output" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
        [ "$(jq -c '.process.user | [.uid, .gid, .additionalGids]' \
                "$KEEL_PODMAN_DIR/logs/$RT-last-config.json")" = '[65534,65534,[65534]]' ]
        # shellcheck disable=SC2016 # expanded in the container
        run "${P[@]}" run --rm --user 1234:4321 "$IMG" sh -c 'echo $(id -u):$(id -g)'
        [ "$output" = 1234:4321 ]
        # the effective set of a non-root user is empty
        [ "$(capeff --user 1234)" = 0000000000000000 ]
        calls_exited_0
}

cap_add_and_cap_drop() {
        local def
        def=$(capeff)
        [ -n "$def" ]
        # CAP_CHOWN is bit 0 of podman's default set
        (( (0x$def & 1) == 1 ))
        [ "$(capeff --cap-drop CHOWN)" = "$(printf '%016x' $((0x$def & ~1)))" ]
        # CAP_SYS_ADMIN is bit 21, not in the default set
        (( ((0x$def >> 21) & 1) == 0 ))
        [ "$(capeff --cap-add SYS_ADMIN)" = "$(printf '%016x' $((0x$def | 1 << 21)))" ]
        # all of them gone but CAP_NET_RAW (bit 13), in every set but the ambient one
        run "${P[@]}" run --rm --cap-drop all --cap-add NET_RAW "$IMG" grep ^Cap /proc/self/status
        [ "${lines[0]}" = "CapInh:	0000000000000000" ]
        [ "${lines[1]}" = "CapPrm:	0000000000002000" ]
        [ "${lines[2]}" = "CapEff:	0000000000002000" ]
        [ "${lines[3]}" = "CapBnd:	0000000000002000" ]
        [ "${lines[4]}" = "CapAmb:	0000000000000000" ]
        # and it works: dropped CHOWN refuses chown
        run "${P[@]}" run --rm --cap-drop CHOWN "$IMG" sh -c 'touch /tmp/f; chown 1 /tmp/f'
        [ "$status" -ne 0 ]
        [[ $output == *"Operation not permitted"* ]]
        calls_exited_0
}

tmpfs_mount_with_options() {
        run "${P[@]}" run --rm --tmpfs /scratch:size=1m,mode=0700,noexec "$IMG" sh -c '
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
        local v=$KEEL_PODMAN_DIR/vol-$RT
        mkdir -p "$v/rw" "$v/ro"
        echo from-host >"$v/ro/f"
        run "${P[@]}" run --rm -v "$v/rw:/rw" -v "$v/ro:/ro:ro" "$IMG" sh -c '
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

# mkdir fails with the profile's errno (EXDEV), other calls pass.
seccomp_profile_sets_the_errno() {
        local prof=$KEEL_PODMAN_DIR/seccomp-mkdir.json
        cat >"$prof" <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 18}]}
EOF
        run "${P[@]}" run --rm --security-opt "seccomp=$prof" "$IMG" sh -c 'touch /tmp/f && echo touch-ok; mkdir /tmp/d'
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = touch-ok ]
        [ "${lines[1]}" = "mkdir: can't create directory '/tmp/d': Invalid cross-device link" ]
        run "${P[@]}" run --rm "$IMG" sh -c 'mkdir /tmp/d && echo mkdir-ok'
        [ "$output" = mkdir-ok ]
        calls_exited_0
}

# podman's view (its own state, from conmon) and the runtime's agree on the
# status and the pid, and the container is gone from the runtime after rm.
inspect_agrees_with_runtime_state() {
        local pid st
        "${P[@]}" run -d --name "$N-s" "$IMG" sleep 1000
        pid=$("${P[@]}" inspect -f '{{.State.Pid}}' "$N-s")
        [ "$("${P[@]}" inspect -f '{{.State.Status}} {{.OCIRuntime}}' "$N-s")" = "running $RT" ]
        st=$(runtime_state "$N-s")
        [ "$(jq -r '"\(.status) \(.pid)"' <<<"$st")" = "running $pid" ]
        [ "$(readlink "/proc/$pid/exe")" = /bin/busybox ]
        "${P[@]}" pause "$N-s"
        [ "$("${P[@]}" inspect -f '{{.State.Status}} {{.State.Pid}}' "$N-s")" = "paused $pid" ]
        [ "$(runtime_state "$N-s" | jq -r .status)" = paused ]
        "${P[@]}" unpause "$N-s"
        [ "$(runtime_state "$N-s" | jq -r .status)" = running ]
        "${P[@]}" stop -t 0 "$N-s"
        [ "$("${P[@]}" inspect -f '{{.State.Status}}' "$N-s")" = exited ]
        # podman's cleanup deleted it from the runtime
        called ' delete --force [0-9a-f]{64}$'
        run runtime_state "$N-s"
        [ "$status" -ne 0 ]
        calls_exited_0
}

# The sandbox's cgroup2 has no pids or memory controller: the runtime must
# refuse the limit (podman shows its message and exits 126 or 127), not run
# the container without it.  Enforcement is tested in the VM suite.
limits_that_cannot_be_applied_are_refused() {  # PIDS-ERROR MEMORY-STATUS MEMORY-ERROR
        run -126 "${P[@]}" run --rm --pids-limit 100 "$IMG" echo ran
        [[ $output == "Error: $1"* ]]
        run "-$2" "${P[@]}" run --rm --memory 64m "$IMG" echo ran
        [[ $output == "Error: $3"* ]]
        [[ $output != *ran* ]]
        run "${P[@]}" ps -aq
        [ -z "$output" ]
        calls_exited_0 ' create --bundle '
}

# The runtime's error reaches the podman user through conmon's --log file.
# podman checks --user itself: a bad one never reaches the runtime.
failing_create_shows_the_runtime_error() {     # MISSING-COMMAND-ERROR RLIMIT-ERROR
        run -127 "${P[@]}" run --rm "$IMG" /nonexistent
        [ "$output" = "Error: $1: OCI runtime attempted to invoke a command that was not found" ]
        run "${P[@]}" run --rm --ulimit nofile=4000000:4000000 "$IMG" true
        [ "$status" -eq 126 ]
        [ "$output" = "Error: $2: OCI permission denied" ]
        calls_exited_0 ' create --bundle '
        : >"$ARGV"
        run "${P[@]}" run --rm --user nosuchuser "$IMG" true
        [ "$status" -eq 126 ]
        [ "$output" = "Error: unable to find user nosuchuser: no matching entries in passwd file" ]
        run "${P[@]}" run --rm --user 4294967295 "$IMG" true
        [ "$status" -eq 126 ]
        [ "$output" = "Error: uids and gids must be in range 0-2147483647" ]
        not_called ' create '
        run "${P[@]}" ps -aq
        [ -z "$output" ]
}

# The sleep before exit: conmon sometimes loses a tty's last output when the
# process exits right after writing it (seen with runc too, about 1 in 20).
run_it_gets_a_terminal_through_the_console_socket() {
        run script -qec "${P[*]} run -it --rm $IMG sh -c 'tty; echo tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == */dev/pts/0* ]]
        [[ $output == *tty-ok* ]]
        called ' create .*--console-socket '
}

exec_it_gets_a_terminal() {
        "${P[@]}" run -d --name "$N-t" "$IMG" sleep 1000
        run script -qec "${P[*]} exec -it $N-t sh -c 'tty; echo exec-tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == */dev/pts/* ]]
        [[ $output == *exec-tty-ok* ]]
}

pause_freezes_the_cgroup_and_unpause_thaws_it() {
        local cg
        "${P[@]}" run -d --name "$N-p" "$IMG" sleep 1000
        cg=$(host_cgroup_dir "$N-p")
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "${P[@]}" pause "$N-p"
        [ "$status" -eq 0 ]
        called ' pause [0-9a-f]{64}$'
        [ "$("${P[@]}" inspect -f '{{.State.Status}}' "$N-p")" = paused ]
        grep -qx 'frozen 1' "$cg/cgroup.events"
        run "${P[@]}" unpause "$N-p"
        [ "$status" -eq 0 ]
        called ' resume [0-9a-f]{64}$'
        grep -qx 'frozen 0' "$cg/cgroup.events"
        run "${P[@]}" exec "$N-p" echo thawed
        [ "$output" = thawed ]
}

top_lists_the_container_processes() {
        "${P[@]}" run -d --name "$N-top" "$IMG" sleep 1000
        run "${P[@]}" top "$N-top" pid comm args
        [ "$status" -eq 0 ]
        [[ $output == *"sleep 1000"* ]]
}

device_cgroup_denies_a_device_not_in_the_list() {
        [ -c /dev/fuse ] || skip "no /dev/fuse on this host"
        # /dev/fuse (10:229) opens without a capability, so only the device
        # cgroup stands in the way (with --cgroups=disabled it opens).  (Not
        # /dev/net/tun: runc's defaults, and keel's, allow it.)
        # mknod is allowed ("c *:* m"), /dev/zero is in the list.
        run "${P[@]}" run --rm --cap-add MKNOD "$IMG" sh -c \
                'head -c1 /dev/zero | wc -c; mknod /tmp/d c 10 229 && echo mknod-ok && exec 3<>/tmp/d && echo opened'
        [ "$status" -eq 1 ]
        [ "${lines[0]}" = 1 ]
        [ "${lines[1]}" = mknod-ok ]
        # (busybox sh says "create" for <>, which opens read-write)
        [[ $output == *"can't create /tmp/d: Operation not permitted"* ]]
        [[ $output != *opened* ]]
}

read_only_root_with_writable_tmp() {
        run "${P[@]}" run --rm --read-only "$IMG" sh -c 'touch /x'
        [ "$status" -ne 0 ]
        [[ $output == *"Read-only file system"* ]]
        run "${P[@]}" run --rm --read-only "$IMG" sh -c 'touch /tmp/x && echo tmp-ok'
        [ "$status" -eq 0 ]
        [ "$output" = tmp-ok ]
}

cgroups_disabled_run_and_exit_code() {
        run "${P[@]}" run --rm --cgroups=disabled "$IMG" echo hello
        [ "$status" -eq 0 ]
        [ "$output" = hello ]
        called '--cgroup-manager disabled create '
        run "${P[@]}" run --rm --cgroups=disabled "$IMG" sh -c 'exit 3'
        [ "$status" -eq 3 ]
}

cgroups_disabled_exec_and_stop() {
        "${P[@]}" run -d --cgroups=disabled --name "$N-n" "$IMG" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
        # shellcheck disable=SC2016 # expanded in the container
        run "${P[@]}" exec -u nobody -w /tmp -e X=1 "$N-n" sh -c 'echo "$X $(id -u) $PWD"'
        [ "$status" -eq 0 ]
        [ "$output" = "1 65534 /tmp" ]
        called '--cgroup-manager disabled exec '
        run "${P[@]}" stop -t 20 "$N-n"
        [ "$status" -eq 0 ]
        [ "$("${P[@]}" inspect -f '{{.State.ExitCode}}' "$N-n")" = 0 ]
}

cgroups_disabled_run_it() {
        run script -qec "${P[*]} run -it --rm --cgroups=disabled $IMG sh -c 'tty; echo tty-ok; sleep 0.3'" /dev/null
        [ "$status" -eq 0 ]
        [[ $output == *tty-ok* ]]
}

# podman 4.3 (rootful) lowers its own hard RLIMIT_NPROC to 32768 when it
# starts; conmon and the runtime inherit it.  Without CAP_SYS_RESOURCE no
# runtime can raise a hard limit, so an nproc above 32768 (in --ulimit or
# default_ulimits) fails every run, whatever the host's own limit.
nproc_above_32768_fails_every_run() {  # RUNTIME-ERROR
        local hn bnd
        bnd=$(awk '/^CapBnd:/ { print $2 }' /proc/self/status)
        (((0x$bnd >> 24) & 1)) && skip "CAP_SYS_RESOURCE is in the bounding set: a runtime may raise the limit"
        # the nofile of containers.conf: --ulimit replaces default_ulimits
        hn=$(ulimit -Hn)
        [ "$hn" = unlimited ] && hn=1048576
        "${P[@]}" run -d --name "$N-np" --ulimit "nofile=$hn:$hn" --ulimit nproc=32768:32768 "$IMG" sleep 1000
        grep -Eq '^Max processes +32768 +32768 ' \
                "/proc/$("${P[@]}" inspect -f '{{.State.ConmonPid}}' "$N-np")/limits"
        run "${P[@]}" exec "$N-np" grep 'Max processes' /proc/self/limits
        [[ $output == "Max processes"*" 32768 "*" 32768 "* ]]
        run -126 "${P[@]}" run --rm --ulimit "nofile=$hn:$hn" --ulimit nproc=32769:32769 "$IMG" true
        [ "$output" = "Error: $1: OCI permission denied" ]
        calls_exited_0 ' create --bundle '
}

# cgroups = "no-conmon" (containers.conf; podman run --cgroups=no-conmon):
# podman makes no cgroup for conmon, which stays in the cgroup of the podman
# process that started it (here the sandbox's leaf "launch"); the container
# still gets its own cgroup, made by the runtime from linux.cgroupsPath.
# The runtime is not told: no call differs.
conmon_stays_in_the_callers_cgroup() {
        local conmon pid
        "${P[@]}" run -d --name "$N-cg" "$IMG" sleep 1000
        conmon=$("${P[@]}" inspect -f '{{.State.ConmonPid}}' "$N-cg")
        pid=$("${P[@]}" inspect -f '{{.State.Pid}}' "$N-cg")
        [ "$(sed -n 's/^0:://p' "/proc/$conmon/cgroup")" = "/$(basename "$KEEL_PODMAN_DIR")/launch" ]
        [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = \
                "/$(basename "$KEEL_PODMAN_DIR")/libpod_parent/libpod-$("${P[@]}" inspect -f '{{.Id}}' "$N-cg")" ]
        [ "$(jq -r .linux.cgroupsPath "$KEEL_PODMAN_DIR/logs/$RT-last-config.json")" = \
                "/libpod_parent/libpod-$("${P[@]}" inspect -f '{{.Id}}' "$N-cg")" ]
        calls_exited_0
}

# podman checkpoints only when `RUNTIME checkpoint --help` exits 0, which
# keel's does only where criu works (crun 1.8.1 here is built without criu).
# Where it does not, podman refuses and the container runs on.  Where criu
# works, checkpoint and restore through keel are tested in the VM
# (tests/vm/cases/70-podman.sh).
checkpoint_where_criu_cannot_run_is_refused_by_podman() {
        "$KEEL_PODMAN_DIR/bin/nsrun" "${STATE[@]}" checkpoint --help >/dev/null 2>&1 &&
                skip "criu works here: podman's checkpoint is tested in tests/vm/cases/70-podman.sh"
        "${P[@]}" run -d --name "$N-ck" "$IMG" sleep 1000
        run -125 "${P[@]}" container checkpoint "$N-ck"
        [ "$output" = "Error: configured runtime does not support checkpoint/restore" ]
        [ "$("${P[@]}" inspect -f '{{.State.Status}}' "$N-ck")" = running ]
        # podman's probe, and no checkpoint asked for
        called ' checkpoint --help$'
        not_called ' checkpoint .*[0-9a-f]{64}'
        calls_exited_0 ' checkpoint --help$'
}

# --- keel ------------------------------------------------------------------------

@test "keel: run_prints_hello" {
        use keel
        run_prints_hello
}

@test "keel: run_passes_the_exit_code_on" {
        use keel
        run_passes_the_exit_code_on
}

@test "keel: detached_container_exec_stop_with_sigterm_and_rm" {
        use keel
        detached_container_exec_stop_with_sigterm_and_rm
}

@test "keel: logs_of_a_detached_container" {
        use keel
        logs_of_a_detached_container
}

@test "keel: kill_s_delivers_the_signal" {
        use keel
        kill_s_delivers_the_signal
}

@test "keel: exec_as_nobody_in_tmp_with_env" {
        use keel
        exec_as_nobody_in_tmp_with_env
}

@test "keel: run_as_user" {
        use keel
        run_as_user
}

@test "keel: cap_add_and_cap_drop" {
        use keel
        cap_add_and_cap_drop
}

@test "keel: tmpfs_mount_with_options" {
        use keel
        tmpfs_mount_with_options
}

@test "keel: bind_mounts_rw_and_ro" {
        use keel
        bind_mounts_rw_and_ro
}

@test "keel: seccomp_profile_sets_the_errno" {
        use keel
        seccomp_profile_sets_the_errno
}

@test "keel: inspect_agrees_with_runtime_state" {
        use keel
        inspect_agrees_with_runtime_state
}

@test "keel: limits_that_cannot_be_applied_are_refused" {
        use keel
        limits_that_cannot_be_applied_are_refused \
                'OCI runtime error: keel: create: linux.resources.pids.limit: the cgroup v2 controller pids is not available in /sys/fs/cgroup' \
                126 \
                'OCI runtime error: keel: create: linux.resources.memory.limit: the cgroup v2 controller memory is not available in /sys/fs/cgroup'
}

@test "keel: failing_create_shows_the_runtime_error" {
        use keel
        failing_create_shows_the_runtime_error \
                'keel: create: process.args[0]: exec "/nonexistent": no such file or directory' \
                'keel: create: process.rlimits[0]: set RLIMIT_NOFILE: Operation not permitted'
}

@test "keel: run_it_gets_a_terminal_through_the_console_socket" {
        use keel
        run_it_gets_a_terminal_through_the_console_socket
}

@test "keel: exec_it_gets_a_terminal" {
        use keel
        exec_it_gets_a_terminal
}

@test "keel: pause_freezes_the_cgroup_and_unpause_thaws_it" {
        use keel
        pause_freezes_the_cgroup_and_unpause_thaws_it
}

@test "keel: top_lists_the_container_processes" {
        use keel
        top_lists_the_container_processes
}

@test "keel: device_cgroup_denies_a_device_not_in_the_list" {
        use keel
        device_cgroup_denies_a_device_not_in_the_list
}

@test "keel: read_only_root_with_writable_tmp" {
        use keel
        read_only_root_with_writable_tmp
}

@test "keel: cgroups_disabled_run_and_exit_code" {
        use keel
        cgroups_disabled_run_and_exit_code
}

@test "keel: cgroups_disabled_exec_and_stop" {
        use keel
        cgroups_disabled_exec_and_stop
}

@test "keel: cgroups_disabled_run_it" {
        use keel
        cgroups_disabled_run_it
}

@test "keel: nproc_above_32768_fails_every_run" {
        use keel
        nproc_above_32768_fails_every_run 'keel: create: process.rlimits[1]: set RLIMIT_NPROC: Operation not permitted'
}

@test "keel: conmon_stays_in_the_callers_cgroup" {
        use keel
        conmon_stays_in_the_callers_cgroup
}

@test "keel: checkpoint_where_criu_cannot_run_is_refused_by_podman" {
        use keel
        checkpoint_where_criu_cannot_run_is_refused_by_podman
}

# --- crun, the reference -----------------------------------------------------------

@test "crun: run_prints_hello" {
        use crun
        run_prints_hello
}

@test "crun: run_passes_the_exit_code_on" {
        use crun
        run_passes_the_exit_code_on
}

@test "crun: detached_container_exec_stop_with_sigterm_and_rm" {
        use crun
        detached_container_exec_stop_with_sigterm_and_rm
}

@test "crun: logs_of_a_detached_container" {
        use crun
        logs_of_a_detached_container
}

@test "crun: kill_s_delivers_the_signal" {
        use crun
        kill_s_delivers_the_signal
}

@test "crun: exec_as_nobody_in_tmp_with_env" {
        use crun
        exec_as_nobody_in_tmp_with_env
}

@test "crun: run_as_user" {
        use crun
        run_as_user
}

@test "crun: cap_add_and_cap_drop" {
        use crun
        cap_add_and_cap_drop
}

@test "crun: tmpfs_mount_with_options" {
        use crun
        tmpfs_mount_with_options
}

@test "crun: bind_mounts_rw_and_ro" {
        use crun
        bind_mounts_rw_and_ro
}

@test "crun: seccomp_profile_sets_the_errno" {
        use crun
        seccomp_profile_sets_the_errno
}

@test "crun: inspect_agrees_with_runtime_state" {
        use crun
        inspect_agrees_with_runtime_state
}

# crun names the controller but not the field for pids, and for memory only
# the file it could not open (podman then calls it a missing command, 127).
@test "crun: limits_that_cannot_be_applied_are_refused" {
        use crun
        # shellcheck disable=SC2016 # crun's text, quoted
        limits_that_cannot_be_applied_are_refused \
                'OCI runtime error: crun: the requested cgroup controller `pids` is not available' \
                127 \
                'crun: opening file `memory.max` for writing: No such file or directory'
}

@test "crun: failing_create_shows_the_runtime_error" {
        use crun
        # shellcheck disable=SC2016 # crun's text, quoted
        failing_create_shows_the_runtime_error \
                'crun: executable file `/nonexistent` not found in $PATH: No such file or directory' \
                'crun: setrlimit `RLIMIT_NOFILE`: Operation not permitted'
}

@test "crun: run_it_gets_a_terminal_through_the_console_socket" {
        use crun
        run_it_gets_a_terminal_through_the_console_socket
}

@test "crun: exec_it_gets_a_terminal" {
        use crun
        exec_it_gets_a_terminal
}

@test "crun: pause_freezes_the_cgroup_and_unpause_thaws_it" {
        use crun
        pause_freezes_the_cgroup_and_unpause_thaws_it
}

@test "crun: top_lists_the_container_processes" {
        use crun
        top_lists_the_container_processes
}

@test "crun: device_cgroup_denies_a_device_not_in_the_list" {
        use crun
        device_cgroup_denies_a_device_not_in_the_list
}

@test "crun: read_only_root_with_writable_tmp" {
        use crun
        read_only_root_with_writable_tmp
}

@test "crun: cgroups_disabled_run_and_exit_code" {
        use crun
        cgroups_disabled_run_and_exit_code
}

@test "crun: cgroups_disabled_exec_and_stop" {
        use crun
        cgroups_disabled_exec_and_stop
}

@test "crun: cgroups_disabled_run_it" {
        use crun
        cgroups_disabled_run_it
}

@test "crun: nproc_above_32768_fails_every_run" {
        use crun
        # shellcheck disable=SC2016 # crun's text, quoted
        nproc_above_32768_fails_every_run 'crun: setrlimit `RLIMIT_NPROC`: Operation not permitted'
}

@test "crun: conmon_stays_in_the_callers_cgroup" {
        use crun
        conmon_stays_in_the_callers_cgroup
}

@test "crun: checkpoint_where_criu_cannot_run_is_refused_by_podman" {
        use crun
        checkpoint_where_criu_cannot_run_is_refused_by_podman
}

# --- every flag podman sent keel during this file ------------------------------------

# Last: it reads the calls of every keel test above (logs/keel-all.argv).  A
# flag keel's --help does not list for that command would be one keel may
# ignore.
@test "keel: every_flag_podman_passed_is_in_keels_help" {
        local pair bad=0
        use keel
        # on its own (a filtered run) it still has calls to read
        "${P[@]}" run --rm "$IMG" true
        argv_flags "$KEEL_PODMAN_DIR/logs/keel-all.argv" >"$KEEL_PODMAN_DIR/logs/keel-flags.txt"
        grep -qx 'create --bundle' "$KEEL_PODMAN_DIR/logs/keel-flags.txt"
        grep -qx 'global --log-format' "$KEEL_PODMAN_DIR/logs/keel-flags.txt"
        while read -r pair; do
                echo "podman passed: $pair"
                if [ "${pair#* }" = --help ]; then
                        # podman's probe for checkpoint support: the help itself
                        "$KEEL_PODMAN_DIR/runtime/keel.bin" "${pair%% *}" --help 2>/dev/null |
                                grep -q "^Usage: keel ${pair%% *} " || { echo "  no help for ${pair%% *}"; bad=1; }
                elif [ -z "$(help_line "${pair%% *}" "${pair#* }")" ]; then
                        echo "  not in keel ${pair%% *} --help"
                        bad=1
                fi
        done <"$KEEL_PODMAN_DIR/logs/keel-flags.txt"
        [ "$bad" = 0 ]
}
