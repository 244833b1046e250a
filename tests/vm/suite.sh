#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# suite.sh: run the VM cases (cases/*.sh, in name order) and print TAP.
# Runs inside the VM (tests/vm/cgroup.vm boots one for the whole suite),
# under busybox sh, and so do the cases: see lib.sh for why.
#
# Each case runs in its own shell with lib.sh sourced, under a deadline
# (KEEL_VM_CASE_TIMEOUT seconds, 180), and declares how many tests it prints
# (vm_plan N): a case that dies early or hangs is reported, never silently
# short.  After each case, whatever it left in its state root is force-
# deleted and one more test says whether anything was left: a state entry or
# a cgroup under /keel (or a systemd scope of cases-systemd).
# KEEL_VM_CASES="10-run 20-pause" runs only those; KEEL_VM_SUITE=cases-systemd
# runs that directory instead of cases/ (systemd.vm, with systemd as pid 1).
# Exit status: 0 when every test passed.

HERE=$(cd "$(dirname "$0")" && pwd)
CASE_TIMEOUT=${KEEL_VM_CASE_TIMEOUT:-180}
WORK=/run/keel-vm
mkdir -p "$WORK"
n=0
failed=0

uptime_s() {
        cut -d' ' -f1 /proc/uptime
}

# number CASE FILE: the case's output as numbered TAP; also writes
# "EMITTED FAILED PLANNED" to $WORK/counts.
number() {
        awk -v n="$n" -v counts="$WORK/counts" '
                /^plan [0-9]+$/ { planned = $2; next }
                /^(not )?ok( |$)/ {
                        n++; emitted++
                        if ($1 == "not") { failed++; sub(/^not ok/, "not ok " n) }
                        else sub(/^ok/, "ok " n)
                        print; next
                }
                /^#/ { print; next }
                { print "# " $0 }
                END { print emitted + 0, failed + 0, planned + 0 >counts }
        ' "$2"
}

result() {              # OK|NOTOK NAME [DIAG...]
        n=$((n + 1))
        if [ "$1" = OK ]; then
                echo "ok $n - $2"
        else
                failed=$((failed + 1))
                echo "not ok $n - $2"
        fi
        shift 2
        for d in "$@"; do
                echo "# $d"
        done
}

# leftovers CASE: force-delete what the case left, say what it was.
leftovers() {
        root=$WORK/$1/state
        left=""
        for id in $(ls "$root" 2>/dev/null); do
                left="$left state:$id"
                "$KEEL" --root "$root" delete --force "$id" >/dev/null 2>&1
        done
        for cg in $(find /sys/fs/cgroup/keel -mindepth 1 -type d 2>/dev/null); do
                left="$left cgroup:${cg#/sys/fs/cgroup}"
                echo 1 >"$cg/cgroup.kill" 2>/dev/null
                sleep 0.2
                rmdir "$cg" 2>/dev/null
        done
        # The systemd driver's scopes (cases-systemd): keel-vmsd-*.scope
        # and vmsd-*.scope.  A stopped scope that systemd has not collected
        # yet (a loaded host) is listed as inactive: that one is gone.
        if [ -d /run/systemd/system ]; then
                for u in $(timeout 30 systemctl list-units --all --plain --no-legend '*vmsd-*.scope' |
                        awk '{ print $1 }'); do
                        # A scope whose processes are gone is stopped by
                        # systemd after the fact: "deactivating" for a
                        # while on a loaded VM.  Give it 10 s to finish.
                        for _ in $(seq 50); do
                                state=$(timeout 30 systemctl show -P ActiveState "$u" 2>/dev/null)
                                [ "$state" = deactivating ] || break
                                sleep 0.2
                        done
                        [ "$state" = inactive ] && continue
                        # What systemd waits for: the processes still in
                        # the unit's cgroup, or that cgroup being gone.
                        cg=/sys/fs/cgroup$(timeout 30 systemctl show -P ControlGroup "$u" 2>/dev/null)
                        if [ -f "$cg/cgroup.procs" ]; then
                                procs="procs: $(tr '\n' ' ' <"$cg/cgroup.procs")"
                        else
                                procs="no cgroup"
                        fi
                        left="$left unit:$u($state, $(timeout 30 systemctl show -P SubState "$u" 2>/dev/null), $procs)"
                        timeout 30 systemctl stop "$u" >/dev/null 2>&1
                done
        fi
        if [ -z "$left" ]; then
                result OK "$1: nothing left behind"
        else
                result NOTOK "$1: nothing left behind" "left:$left"
        fi
}

run_case() {            # FILE
        name=$(basename "$1" .sh)
        out=$WORK/$name.tap
        rm -rf "${WORK:?}/$name"
        start=$(uptime_s)
        # A case that outlives its deadline and the kill (a process stuck in
        # the kernel): what every process waits on, on the console.
        (
                sleep $((CASE_TIMEOUT + 20))
                echo "[$name] watchdog: still running after $((CASE_TIMEOUT + 20)) s"
                ps -eo pid,ppid,stat,wchan:32,args 2>&1 || ps 2>&1
        ) >/dev/console 2>&1 &
        watchdog=$!
        VMT_CASE=$name VMT_DIR=$WORK/$name VMT_ROOT=$WORK/$name/state \
                /usr/bin/timeout -k 5 "$CASE_TIMEOUT" busybox sh -c '. "$1"; . "$2"' case \
                "$HERE/lib.sh" "$1" \
                >"$out" 2>&1
        rc=$?
        kill "$watchdog" 2>/dev/null
        number "$name" "$out"
        read -r emitted nfail planned <"$WORK/counts"
        n=$((n + emitted))
        failed=$((failed + nfail))
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
                result NOTOK "$name: finished within ${CASE_TIMEOUT}s" "killed at the deadline"
        elif [ "$planned" = 0 ]; then
                result NOTOK "$name: declares its tests" "the case did not call vm_plan"
        elif [ "$emitted" != "$planned" ]; then
                result NOTOK "$name: ran all its tests" "ran $emitted of $planned (exit $rc)"
        fi
        leftovers "$name"
        echo "# $name: $(awk -v a="$start" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s"
}

suite_start=$(uptime_s)
echo "# kernel $(uname -r), $(nproc) CPUs, VM up for ${suite_start} s when the suite started"
for f in "$HERE/${KEEL_VM_SUITE:-cases}"/*.sh; do
        if [ -n "${KEEL_VM_CASES:-}" ]; then
                case " $KEEL_VM_CASES " in
                *" $(basename "$f" .sh) "*) ;;
                *) continue ;;
                esac
        fi
        run_case "$f"
done
echo "1..$n"
echo "# suite: $(awk -v a="$suite_start" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }') s, $failed failed"
[ "$failed" = 0 ]
