#!/usr/bin/env bats
# /dev is populated through a dirfd of the rootfs's /dev: the rootfs may
# ship /dev/null, /dev/ptmx or /dev/console as symlinks to host files, as
# regular files or as FIFOs; keel replaces them, never follows them, never
# blocks on them (CVE-2026-41579, 2026-47766).  The console is the peer of
# the pty master keel opened, not a /dev/pts/N looked up again by path
# (CVE-2025-52565), and maskedPaths are masked with a /dev/null proven to
# be the null device (CVE-2025-31133).
#
# The host files the fakes point at are mode 0600 with known contents:
# each test checks they are byte for byte and mode for mode unchanged.

load ../lib
load ../lifecycle/common

setup_file() {
        lc_setup_file || return
        require_cmd python3 python3
}

setup() {
        lc_setup
        C=sec-$$-${BATS_TEST_NUMBER:-0}
}

teardown() {
        lc_teardown
}

# no_dev_tmpfs: the rootfs's own /dev is used (no tmpfs on /dev), devpts
# still at /dev/pts.
no_dev_tmpfs() {
        config_set "$B" '.mounts |= map(select(.destination != "/dev"))'
}

# host_file NAME: $TEST_DIR/NAME, a host file only root can read or write,
# holding "host NAME".
host_file() {
        echo "host $1" >"$TEST_DIR/$1"
        chmod 0600 "$TEST_DIR/$1"
}

# host_file_unchanged NAME: as host_file left it.
host_file_unchanged() {
        local f=$TEST_DIR/$1
        if [[ ! -f $f || -L $f || $(cat "$f") != "host $1" || $(stat -c %a:%u:%h "$f") != 600:0:1 ]]; then
                echo "host file $f changed: $(stat -c '%F %a %u %h' "$f" 2>&1) '$(cat "$f" 2>&1)'" >&2
                return 1
        fi
}

# start_console_recv: tests/tools/console-recv.py listening on
# $TEST_DIR/sock, writing what the console shows to $TEST_DIR/tty.
start_console_recv() {
        timeout 60 "$KEEL_SRCDIR/tests/tools/console-recv.py" "$TEST_DIR/sock" "$TEST_DIR/tty" \
                </dev/null >"$TEST_DIR/recv.log" 2>&1 3>&- &
        RECV_PID=$!
        wait_until 10 [ -e "$TEST_DIR/sock.ready" ]
}

@test "dev_nodes_replace_symlinks_to_host_files" {
        # Every default node, and ptmx, is a symlink to a host file: each
        # becomes the device (ptmx the link to pts/ptmx), and the host files
        # keep their mode, owner and contents.  Fails on a runtime that
        # creates or chmods/chowns the nodes by path (following the
        # symlink: the host file turns 0666).
        local d
        make_bundle "$B" /keel-checker devices --dev /dev/null --dev /dev/zero --dev /dev/tty \
                --dev /dev/ptmx --write /dev/null x --write /dev/zero x
        no_dev_tmpfs
        for d in null zero full random urandom tty ptmx; do
                host_file "$d"
                ln -s "$TEST_DIR/$d" "$B/rootfs/dev/$d"
        done
        rk run --bundle "$B" "$C"
        for d in null zero full random urandom tty ptmx; do
                host_file_unchanged "$d"
        done
        ((status == 0)) || { echo "run failed: $stderr" >&2; return 1; }
        assert_gone "$C"
        [[ $(checker_value "$output" dev./dev/null) == "c 1:3 0666 "* ]]
        [[ $(checker_value "$output" dev./dev/zero) == "c 1:5 0666 "* ]]
        [[ $(checker_value "$output" dev./dev/tty) == "c 5:0 0666 "* ]]
        [[ $(checker_value "$output" dev./dev/ptmx) == "l "* ]]
}

@test "dev_nodes_replace_regular_files_and_fifos" {
        # The rootfs's /dev/null is a regular file (a hard link, on the
        # bundle's file system, could be any host file), /dev/zero a FIFO
        # (whoever opens it for writing without a reader blocks).
        make_bundle "$B" /keel-checker devices --dev /dev/null --dev /dev/zero --write /dev/null x
        no_dev_tmpfs
        echo rootfs-null >"$B/rootfs/dev/null"
        mkfifo "$B/rootfs/dev/zero"
        run_checker
        [[ $(checker_value "$output" dev./dev/null) == "c 1:3 0666 "* ]]
        [[ $(checker_value "$output" dev./dev/zero) == "c 1:5 0666 "* ]]
}

@test "console_replaces_a_symlink_or_fifo_and_is_the_pty" {
        # /dev/console a symlink to a host file, then a FIFO: with
        # process.terminal the console becomes the pty (136:N), the host
        # file is untouched, and create does not block on the FIFO.  Fails
        # on a runtime that opens or mounts onto /dev/console by path.
        local kind
        for kind in symlink fifo; do
                make_bundle "$B" /keel-checker devices --dev /dev/console
                no_dev_tmpfs
                config_set "$B" '.process.terminal = true'
                host_file console
                if [[ $kind == symlink ]]; then
                        ln -s "$TEST_DIR/console" "$B/rootfs/dev/console"
                else
                        mkfifo "$B/rootfs/dev/console"
                fi
                start_console_recv
                rk_ok create --console-socket "$TEST_DIR/sock" --bundle "$B" "$C"
                rk_ok start "$C"
                wait "$RECV_PID"
                tr -d '\r' <"$TEST_DIR/tty" >"$TEST_DIR/out.$kind"
                host_file_unchanged console
                grep -qE '^dev\./dev/console: c 136:[0-9]+ ' "$TEST_DIR/out.$kind"
                rk_ok delete "$C"
                rm -rf "$B" "$TEST_DIR/sock" "$TEST_DIR/sock.ready" "$TEST_DIR/tty"
        done
}

@test "console_peer_is_not_reopened_by_path" {
        # CVE-2025-52565: /dev/pts is a volume holding a real ptmx node
        # (c 5:2; the kernel serves it from the devpts mounted on "pts"
        # beside it) and, for every pty number, a symlink to a host file.
        # keel binds the peer it got from TIOCGPTPEER on /dev/console; a
        # runtime that looks up "/dev/pts/<N>" again binds the host file
        # there instead, and the container's writes to /dev/console land in
        # it.
        local n
        mkdir "$TEST_DIR/pts"
        mknod -m 0666 "$TEST_DIR/pts/ptmx" c 5 2
        host_file target
        for n in $(seq 0 63); do
                ln -s "$TEST_DIR/target" "$TEST_DIR/pts/$n"
        done
        make_bundle "$B" /bin/sh -c 'echo pwned >/dev/console; exec /keel-checker devices --dev /dev/console'
        config_set "$B" '.process.terminal = true
                         | .mounts |= map(if .destination == "/dev/pts" then
                                ({destination: "/dev/pts", type: "bind", source: $p, options: ["rbind", "rw"]},
                                 . + {destination: "/dev/pts/pts"})
                                else . end)' --arg p "$TEST_DIR/pts"
        start_console_recv
        rk_ok create --console-socket "$TEST_DIR/sock" --bundle "$B" "$C"
        rk_ok start "$C"
        wait "$RECV_PID"
        host_file_unchanged target
        tr -d '\r' <"$TEST_DIR/tty" >"$TEST_DIR/console.out"
        grep -qx 'pwned' "$TEST_DIR/console.out"
        grep -qE '^dev\./dev/console: c 136:[0-9]+ ' "$TEST_DIR/console.out"
}

@test "masked_paths_refuse_a_fake_dev_null" {
        # CVE-2025-31133: /dev is a volume (used as it is) whose null is a
        # symlink to a file the container can write and the host sees, a
        # symlink to a host path, a regular file, or a FIFO.  keel must
        # refuse to mask with it (or mask with a real null device): the
        # masked path never becomes a writable host file.  Fails on a
        # runtime that binds whatever /dev/null is over the masked paths.
        local kind
        mkdir "$TEST_DIR/vol"
        for kind in volume-symlink host-symlink regular fifo; do
                host_file target
                cp "$TEST_DIR/target" "$TEST_DIR/vol/target"
                mkdir "$TEST_DIR/dev"
                case $kind in
                volume-symlink) ln -s /vol/target "$TEST_DIR/dev/null" ;;
                host-symlink) ln -s "$TEST_DIR/target" "$TEST_DIR/dev/null" ;;
                regular) echo fake >"$TEST_DIR/dev/null" ;;
                fifo) mkfifo "$TEST_DIR/dev/null" ;;
                esac
                make_bundle "$B" /keel-checker paths --path /etc/masked --write /etc/masked pwned
                echo secret >"$B/rootfs/etc/masked"
                config_set "$B" '.mounts |= map(select(.destination | test("^/dev(/|$)") | not))
                                 | .mounts += [{destination: "/dev", type: "bind", source: $d, options: ["rbind"]},
                                               {destination: "/vol", type: "bind", source: $v, options: ["rbind"]}]
                                 | .linux.maskedPaths = ["/etc/masked"]' \
                        --arg d "$TEST_DIR/dev" --arg v "$TEST_DIR/vol"
                rk run --bundle "$B" "$C"
                if ((status == 0)); then
                        if [[ $(checker_value "$output" path./etc/masked) != "c 1:3 "* ]]; then
                                echo "$kind: the masked path is $(checker_value "$output" path./etc/masked)" >&2
                                return 1
                        fi
                else
                        assert_error 'maskedPaths'
                fi
                host_file_unchanged target
                [ "$(cat "$TEST_DIR/vol/target")" = "host target" ]
                [ "$(cat "$B/rootfs/etc/masked")" = secret ]
                [ ! -e "$ROOT/$C" ]
                rm -rf "$B" "$TEST_DIR/dev"
        done
}
