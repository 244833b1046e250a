# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Helpers for the VM cases (tests/vm/cases/*.sh), sourced by suite.sh before
# each case; they run inside the VM, as root, under busybox sh.  README.md
# beside this file says how to write a case.
#
# Under emulation every exec of a dynamically linked program costs 0.1 to
# 0.7 s (jq is the worst), a busybox applet a few ms: busybox sh runs its
# applets (cat, grep, sed, awk, sleep, ...) in preference to the host's, and
# these helpers call jq only to build bundles, never while polling.
#
# A case first says how many tests it prints (vm_plan N), then prints its
# results on stdout as "ok - NAME" or "not ok - NAME", with diagnostics as
# "# ..." lines; suite.sh numbers them and writes the plan.  A case does
# not stop at a failed check (no set -e): later checks still report, and
# every wait has a deadline.
#
# What a case gets:
#   VMT_CASE   the case's name (10-run)
#   VMT_DIR    a fresh directory on tmpfs for the case's bundles and files
#   VMT_ROOT   keel's state root for the case (k uses it; suite.sh force-
#              deletes whatever is left there after the case)
#   VMT_CG     the cgroup v2 mount, /sys/fs/cgroup
#   KEEL KEEL_CHECKER KEEL_SRCDIR KEEL_BUILDDIR   as in the host's make check

VMT_CG=/sys/fs/cgroup
: "${VMT_CASE:=case}"
: "${VMT_DIR:=/run/keel-vm/$VMT_CASE}"
: "${VMT_ROOT:=$VMT_DIR/state}"
mkdir -p "$VMT_DIR"

# --- results -------------------------------------------------------------------

vm_plan() {             # N: the case prints N tests (suite.sh checks the count)
        echo "plan $1"
}

vm_diag() {             # TEXT...: each TEXT (and each of its lines) a diagnostic line
        printf '%s\n' "$@" | sed 's/^/# /'
}

# progress LINE: to the VM's console too, which the host shows when the VM
# runs past its deadline: where a hung case got to.
progress() {
        echo "[$VMT_CASE] $*" >/dev/console 2>/dev/null || true
}

vm_pass() {             # NAME
        echo "ok - $1"
        progress "ok - $1"
}

vm_fail() {             # NAME [WHY...]
        echo "not ok - $1"
        progress "not ok - $1"
        shift
        [ $# -eq 0 ] || vm_diag "$@"
        return 1
}

vm_skip() {             # NAME WHY
        echo "ok - $1 # SKIP $2"
}

# vm_ok NAME CMD [ARG...]: one test, passing when CMD exits 0; otherwise the
# command, its status and its output become diagnostics.  Returns CMD's status.
vm_ok() {
        _name=$1
        shift
        "$@" >"$VMT_DIR/.vm_ok.out" 2>&1
        _rc=$?
        if [ $_rc -eq 0 ]; then
                vm_pass "$_name"
        else
                echo "not ok - $_name"
                vm_diag "command: $* (exit status $_rc)"
                sed -n '1,40s/^/#   /p' "$VMT_DIR/.vm_ok.out"
        fi
        return $_rc
}

# vm_is NAME WANT GOT: one test, passing when the two strings are equal.
vm_is() {
        if [ "$2" = "$3" ]; then
                vm_pass "$1"
        else
                vm_fail "$1" "want: $2" "got:  $3"
        fi
}

# --- waiting ---------------------------------------------------------------------

_now_cs() {             # sets _now: the VM's uptime in 1/100 s, without a fork
        read -r _up _ </proc/uptime
        _now=${_up%.*}${_up#*.}
}

# wait_until SECONDS CMD [ARG...]: poll CMD (every 0.1 s) until it succeeds;
# status 1 when the deadline passes first.  The deadline is wall time, not a
# number of tries: one try of a slow CMD can take a second here.
wait_until() {
        _now_cs
        _deadline=$((_now + $1 * 100))
        shift
        while ! "$@" >/dev/null 2>&1; do
                _now_cs
                [ "$_now" -lt "$_deadline" ] || return 1
                sleep 0.1
        done
}

# --- keel and its containers ------------------------------------------------------

k() {                   # keel with the case's state root
        progress "keel $*"
        "$KEEL" --root "$VMT_ROOT" "$@"
}

# state_field ID FIELD: a string or number field of `keel state ID`.
state_field() {
        k state "$1" 2>/dev/null | grep -o "\"$2\": *[^,}]*" | sed 's/^[^:]*: *//; s/"//g'
}

ctr_status() {          # ID: created, running, paused or stopped (empty if unknown)
        state_field "$1" status
}

ctr_pid() {             # ID: the init's pid as keel reports it
        state_field "$1" pid
}

# ctr_cgroup ID: the absolute cgroup directory of a running container, read
# from its init's /proc/PID/cgroup (the VM's own view: no cgroup namespace).
ctr_cgroup() {
        _pid=$(ctr_pid "$1")
        [ -n "$_pid" ] && [ "$_pid" != 0 ] || return 1
        _cg=$(sed -n 's/^0:://p' "/proc/$_pid/cgroup") || return 1
        [ -n "$_cg" ] && echo "$VMT_CG$_cg"
}

status_is() {           # ID STATUS: for wait_until
        [ "$(ctr_status "$1")" = "$2" ]
}

# --- bundles ---------------------------------------------------------------------

# The rootfs every bundle copies: busybox-static with its applets as
# symlinks, the checker at /keel-checker.  Built once per VM.
_rootfs_template() {
        _t=/run/keel-vm/rootfs-template
        if [ ! -d "$_t" ]; then
                mkdir -p "$_t.new/bin" "$_t.new/proc" "$_t.new/sys" "$_t.new/dev" \
                        "$_t.new/tmp" "$_t.new/etc" "$_t.new/root" "$_t.new/out" || return 1
                cp /bin/busybox "$_t.new/bin/busybox" || return 1
                # One exec instead of 400 ln; inside the chroot the links
                # point at /bin/busybox, where the container finds it.
                chroot "$_t.new" /bin/busybox --install -s /bin || return 1
                if [ -n "${KEEL_CHECKER:-}" ] && [ -x "$KEEL_CHECKER" ]; then
                        cp "$KEEL_CHECKER" "$_t.new/keel-checker" || return 1
                fi
                echo 'root:x:0:0:root:/root:/bin/sh' >"$_t.new/etc/passwd"
                echo 'root:x:0:' >"$_t.new/etc/group"
                chmod 1777 "$_t.new/tmp"
                mv "$_t.new" "$_t" || return 1
        fi
        echo "$_t"
}

# make_bundle DIR CMD [ARG...]: a bundle in DIR whose process runs CMD, from
# `keel spec` with no terminal and a writable rootfs.
make_bundle() {
        _b=$1
        shift
        _tpl=$(_rootfs_template) || return 1
        mkdir -p "$_b" && rm -rf "$_b/rootfs" && cp -a "$_tpl" "$_b/rootfs" || return 1
        rm -f "$_b/config.json"
        "$KEEL" spec --bundle "$_b" || return 1
        # NUL-separated through a file: jq 1.6 would take "-c" or "--x"
        # after --args for its own options.
        printf '%s\0' "$@" >"$_b/.args"
        bundle_jq "$_b" '.process.terminal = false | .root.readonly = false
                | .process.args = ($a | split("\u0000") | .[:-1])' --rawfile a "$_b/.args" ||
                return 1
        rm -f "$_b/.args"
}

# bundle_jq DIR FILTER [JQ-ARG...]: edit DIR/config.json with jq; JQ-ARGs
# come after the filter (--arg n v, --argjson n v, --args a b ...).
bundle_jq() {
        _b=$1
        _f=$2
        shift 2
        jq "$_f" "$_b/config.json" "$@" >"$_b/config.json.new" &&
                mv "$_b/config.json.new" "$_b/config.json"
}

# bundle_bind DIR HOSTDIR CTRDIR: bind-mount HOSTDIR read-write at CTRDIR.
bundle_bind() {
        mkdir -p "$2" "$1/rootfs$3" &&
                bundle_jq "$1" '.mounts += [{destination: $d, type: "bind", source: $s,
                        options: ["rbind", "rw"]}]' --arg s "$2" --arg d "$3"
}

# bundle_no_ns DIR TYPE: drop a namespace (pid, cgroup, ...) from the config.
bundle_no_ns() {
        bundle_jq "$1" '.linux.namespaces |= map(select(.type != $t))' --arg t "$2"
}

# --- raw cgroups (no keel) ---------------------------------------------------------

cg_make() {             # NAME: a fresh child of the root cgroup; prints its path
        _c=$VMT_CG/$1
        [ -d "$_c" ] && cg_remove "$_c"
        mkdir "$_c" && echo "$_c"
}

# cg_run CGDIR CMD [ARG...]: run CMD inside CGDIR (in the foreground).
cg_run() {
        sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' cg_run "$@"
}

cg_remove() {           # CGDIR: kill what is inside, then remove it
        [ -d "$1" ] || return 0
        echo 1 >"$1/cgroup.kill"
        wait_until 5 cg_empty "$1"
        rmdir "$1"
}

cg_empty() {            # CGDIR: no process left inside
        [ -z "$(cat "$1/cgroup.procs")" ]
}
