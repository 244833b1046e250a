#!/usr/bin/env bats
# mounts (config.md, config-linux.md): bind, rbind, read-only and flagged
# binds, tmpfs, proc, sysfs, devpts, mqueue, cgroup, overlay, file binds,
# created targets, order, destinations resolved inside the rootfs; plus
# linux.maskedPaths and linux.readonlyPaths.  Seen from inside with the
# checker's mounts and paths sections.

load ../lib
load common

setup_file() { lc_setup_file; }
setup() {
	lc_setup
	SRC=$TEST_DIR/src
	mkdir -p "$SRC"
	echo hello >"$SRC/file"
}
teardown() { lc_teardown; }

# add_mount JSON_OBJECT: append a mount (a jq expression; $src is $SRC).
add_mount() {
	config_set "$B" ".mounts += [$1]" --arg src "$SRC" --arg t "$TEST_DIR"
}

# mount_has MOUNTPOINT FIELD WORD: WORD is one of the comma-separated items
# of field FIELD (3: mount options, 4: super options) of MOUNTPOINT's line.
mount_has() {
	local line
	line=$(mount_line "$1") || { echo "no mount at $1" >&2; return 1; }
	if ! tr ',' '\n' <<<"$(cut -d' ' -f"$2" <<<"$line")" | grep -qxF -- "$3"; then
		echo "$1: no '$3' in: $line" >&2
		return 1
	fi
}

# create_fails_cleanly: create of $B fails with a message and leaves nothing.
create_fails_cleanly() {
	leak_snapshot
	rk create --bundle "$B" "$C"
	[ "$status" -eq 1 ] || { echo "create: status $status" >&2; return 1; }
	[ -n "$stderr" ] || { echo "create failed silently" >&2; return 1; }
	assert_nothing_left "$C"
}

# --- bind mounts ---------------------------------------------------------------

@test "bind_mount_of_a_host_directory" {
	make_bundle "$B" /keel-checker mounts paths --path /mnt/src/file --write /mnt/src/new x
	add_mount '{destination: "/mnt/src", type: "bind", source: $src, options: ["bind"]}'
	run_checker
	mount_line /mnt/src
	assert_value path./mnt/src/file 'f 0:0 0644 0:0 rw size=6 data=hello\x0a'
	assert_value write./mnt/src/new ok
	[ "$(cat "$SRC/new")" = x ]
}

# run_with_submount BIND_OPTION: runs $B with $SRC bound at /mnt/src using
# BIND_OPTION, while $SRC/sub is a tmpfs: the runtime runs in a private
# mount namespace where that tmpfs exists.
run_with_submount() {
	make_bundle "$B" /keel-checker mounts paths --path /mnt/src/sub/in-sub
	add_mount "{destination: \"/mnt/src\", type: \"bind\", source: \$src, options: [\"$1\"]}"
	mkdir -p "$SRC/sub"
	status=0
	unshare --mount --propagation private -- /bin/sh -c '
		mount -t tmpfs -o size=1m keel-sub "$1" && echo in >"$1/in-sub" || exit 125
		shift
		exec "$@"' sh "$SRC/sub" timeout 60 "$KEEL" --root "$ROOT" run --bundle "$B" "$C" \
		<"$TEST_DIR/tag" >"$TEST_DIR/run.out" 2>"$TEST_DIR/run.err" || status=$?
	output=$(cat "$TEST_DIR/run.out")
	[ "$status" -eq 0 ] || { cat "$TEST_DIR/run.err" >&2; return 1; }
}

@test "bind_is_not_recursive" {
	run_with_submount bind
	[ -z "$(mount_line /mnt/src/sub)" ]
	assert_value path./mnt/src/sub/in-sub missing
}

@test "rbind_is_recursive" {
	run_with_submount rbind
	[[ $(mount_line /mnt/src/sub) == "/mnt/src/sub tmpfs "* ]]
	assert_value path./mnt/src/sub/in-sub 'f 0:0 0644 0:0 rw size=3 data=in\x0a'
}

@test "read_only_bind_mount" {
	make_bundle "$B" /keel-checker mounts paths --path /mnt/src/file --write /mnt/src/new x
	add_mount '{destination: "/mnt/src", type: "bind", source: $src, options: ["bind", "ro"]}'
	run_checker
	mount_has /mnt/src 3 ro
	assert_value write./mnt/src/new 'errno 30 EROFS'
	assert_value path./mnt/src/file 'f 0:0 0644 0:0 r- size=6 data=hello\x0a'
	[ ! -e "$SRC/new" ]
	# The source stays writable on the host.
	echo more >>"$SRC/file"
}

@test "bind_mount_flags_nosuid_nodev_noexec" {
	make_bundle "$B" /keel-checker mounts
	add_mount '{destination: "/mnt/src", type: "bind", source: $src,
		options: ["rbind", "nosuid", "nodev", "noexec"]}'
	run_checker
	mount_has /mnt/src 3 nosuid
	mount_has /mnt/src 3 nodev
	mount_has /mnt/src 3 noexec
	mount_has /mnt/src 3 rw
}

@test "file_bind_mount_over_an_existing_file" {
	make_bundle "$B" /keel-checker mounts paths --path /etc/hosts
	add_mount '{destination: "/etc/hosts", type: "bind", source: ($src + "/file"), options: ["bind", "ro"]}'
	run_checker
	mount_line /etc/hosts
	assert_value path./etc/hosts 'f 0:0 0644 0:0 r- size=6 data=hello\x0a'
}

@test "file_bind_mount_creates_a_missing_target_file" {
	make_bundle "$B" /keel-checker mounts paths --path /etc/app/new.conf
	add_mount '{destination: "/etc/app/new.conf", type: "bind", source: ($src + "/file"), options: ["bind"]}'
	run_checker
	mount_line /etc/app/new.conf
	assert_value path./etc/app/new.conf 'f 0:0 0644 0:0 rw size=6 data=hello\x0a'
	[ -f "$B/rootfs/etc/app/new.conf" ]
}

@test "bad_bind_source_fails_create_and_leaves_nothing" {
	make_bundle "$B" /keel-checker
	add_mount '{destination: "/mnt/x", type: "bind", source: ($t + "/no-such-dir"), options: ["bind"]}'
	create_fails_cleanly
}

# --- other file systems ---------------------------------------------------------

@test "tmpfs_with_size_mode_and_flags" {
	make_bundle "$B" /keel-checker mounts paths --path /mnt/t
	add_mount '{destination: "/mnt/t", type: "tmpfs", source: "tmpfs",
		options: ["size=1m", "mode=0710", "nosuid", "nodev", "noexec"]}'
	run_checker
	[[ $(mount_line /mnt/t) == "/mnt/t tmpfs "* ]]
	mount_has /mnt/t 4 size=1024k
	mount_has /mnt/t 4 mode=710
	mount_has /mnt/t 3 nosuid
	mount_has /mnt/t 3 nodev
	mount_has /mnt/t 3 noexec
	[[ $(checker_value "$output" path./mnt/t) == "d 0:0 0710 0:0 rw entries=0" ]]
}

@test "default_proc_sysfs_devpts_mqueue_and_shm" {
	make_bundle "$B" /keel-checker mounts
	run_checker
	[[ $(mount_line /proc) == "/proc proc "* ]]
	[[ $(mount_line /sys) == "/sys sysfs "* ]]
	mount_has /sys 3 ro
	mount_has /sys 3 nosuid
	mount_has /sys 3 nodev
	mount_has /sys 3 noexec
	[[ $(mount_line /dev) == "/dev tmpfs "* ]]
	mount_has /dev 3 nosuid
	mount_has /dev 4 mode=755
	[[ $(mount_line /dev/pts) == "/dev/pts devpts "* ]]
	mount_has /dev/pts 4 gid=5
	mount_has /dev/pts 4 mode=620
	mount_has /dev/pts 4 ptmxmode=666
	mount_has /dev/pts 3 noexec
	[[ $(mount_line /dev/shm) == "/dev/shm tmpfs "* ]]
	mount_has /dev/shm 4 size=65536k
	[[ $(mount_line /dev/mqueue) == "/dev/mqueue mqueue "* ]]
	mount_has /dev/mqueue 3 nodev
}

@test "cgroup_mount_is_read_only" {
	# cgroup2 on a cgroup2 host; on a hybrid host the runtime may mount a
	# tmpfs with the v1 hierarchies under it.  Either way nothing is writable.
	make_bundle "$B" /keel-checker mounts
	add_mount '{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
		options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
	run_checker
	line=$(mount_line /sys/fs/cgroup)
	[[ $line == "/sys/fs/cgroup cgroup2 "* || $line == "/sys/fs/cgroup tmpfs "* ]]
	while read -r m; do
		mount_has "$m" 3 ro
	done < <(checker_values "$output" mount | cut -d' ' -f1 | grep '^/sys/fs/cgroup')
}

@test "cgroup2_mount" {
	make_bundle "$B" /keel-checker mounts
	add_mount '{destination: "/sys/fs/cgroup", type: "cgroup2", source: "cgroup2",
		options: ["nosuid", "noexec", "nodev"]}'
	run_checker
	[[ $(mount_line /sys/fs/cgroup) == "/sys/fs/cgroup cgroup2 "* ]]
	mount_has /sys/fs/cgroup 3 nosuid
}

@test "overlay_mount_merges_lower_and_upper" {
	make_bundle "$B" /keel-checker mounts paths --path /mnt/ov/from-lower --write /mnt/ov/new x
	mkdir -p "$TEST_DIR/lower" "$TEST_DIR/upper" "$TEST_DIR/work"
	echo low >"$TEST_DIR/lower/from-lower"
	add_mount '{destination: "/mnt/ov", type: "overlay", source: "overlay",
		options: ["lowerdir=" + $t + "/lower", "upperdir=" + $t + "/upper", "workdir=" + $t + "/work"]}'
	run_checker
	[[ $(mount_line /mnt/ov) == "/mnt/ov overlay "* ]]
	assert_value path./mnt/ov/from-lower 'f 0:0 0644 0:0 rw size=4 data=low\x0a'
	assert_value write./mnt/ov/new ok
	[ "$(cat "$TEST_DIR/upper/new")" = x ]
	[ ! -e "$TEST_DIR/lower/new" ]
}

# --- targets and order -------------------------------------------------------------

@test "missing_target_directories_are_created" {
	make_bundle "$B" /keel-checker mounts
	add_mount '{destination: "/mnt/a/b/c", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}'
	run_checker
	[[ $(mount_line /mnt/a/b/c) == "/mnt/a/b/c tmpfs "* ]]
	[ -d "$B/rootfs/mnt/a/b/c" ]
}

@test "mounts_are_made_in_order" {
	# The bind's target only exists inside the tmpfs mounted before it.
	make_bundle "$B" /keel-checker mounts paths --path /mnt/x/sub/file
	add_mount '{destination: "/mnt/x", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}'
	add_mount '{destination: "/mnt/x/sub", type: "bind", source: $src, options: ["bind"]}'
	run_checker
	order=$(checker_values "$output" mount | cut -d' ' -f1 | grep '^/mnt/x' | tr '\n' ' ')
	[ "$order" = "/mnt/x /mnt/x/sub " ]
	assert_value path./mnt/x/sub/file 'f 0:0 0644 0:0 rw size=6 data=hello\x0a'
	[ ! -e "$B/rootfs/mnt/x/sub" ]
}

@test "a_later_mount_on_the_same_destination_is_on_top" {
	make_bundle "$B" /keel-checker mounts
	add_mount '{destination: "/mnt/y", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}'
	add_mount '{destination: "/mnt/y", type: "tmpfs", source: "tmpfs", options: ["size=2m"]}'
	run_checker
	mount_has /mnt/y 4 size=2048k
}

# --- destinations through symlinks -------------------------------------------------

@test "absolute_symlink_destination_is_resolved_inside_the_rootfs" {
	# /evil -> $TEST_DIR/host-target, a real directory on the host.
	make_bundle "$B" /keel-checker mounts --write /evil/x x
	mkdir -p "$TEST_DIR/host-target"
	ln -s "$TEST_DIR/host-target" "$B/rootfs/evil"
	add_mount '{destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}'
	run_checker
	[[ $(mount_line "$TEST_DIR/host-target") == "$TEST_DIR/host-target tmpfs "* ]]
	assert_value write./evil/x ok
	[ -z "$(ls -A "$TEST_DIR/host-target")" ]
	[ -d "$B/rootfs$TEST_DIR/host-target" ]
}

@test "relative_symlink_destination_cannot_climb_out_of_the_rootfs" {
	make_bundle "$B" /keel-checker mounts
	mkdir -p "$TEST_DIR/host-target"
	ln -s "../../../../../../../../../..$TEST_DIR/host-target" "$B/rootfs/mnt/evil"
	add_mount '{destination: "/mnt/evil/newfile", type: "bind", source: ($src + "/file"), options: ["bind"]}'
	run_checker
	mount_line "$TEST_DIR/host-target/newfile"
	[ ! -e "$TEST_DIR/host-target/newfile" ]
	[ -f "$B/rootfs$TEST_DIR/host-target/newfile" ]
}

# --- maskedPaths and readonlyPaths --------------------------------------------------

@test "masked_file_reads_as_dev_null" {
	make_bundle "$B" /keel-checker paths --path /etc/secret --path /proc/timer_list
	echo password >"$B/rootfs/etc/secret"
	config_set "$B" '.linux.maskedPaths += ["/etc/secret"]'
	run_checker
	assert_value path./etc/secret 'c 1:3 0666 0:0 rw -'
	assert_value path./proc/timer_list 'c 1:3 0666 0:0 rw -'
}

@test "masked_directory_is_an_empty_read_only_dir" {
	make_bundle "$B" /keel-checker mounts paths --path /secretdir --write /secretdir/x x
	mkdir "$B/rootfs/secretdir"
	echo password >"$B/rootfs/secretdir/key"
	config_set "$B" '.linux.maskedPaths += ["/secretdir"]'
	run_checker
	[[ $(checker_value "$output" path./secretdir) =~ ^d\ .*\ r-\ entries=0$ ]]
	mount_has /secretdir 3 ro
	[ "$(checker_value "$output" write./secretdir/x)" != ok ]
}

@test "missing_masked_and_readonly_paths_are_skipped" {
	make_bundle "$B" /keel-checker paths --path /no/such/path
	config_set "$B" '.linux.maskedPaths += ["/no/such/path"] | .linux.readonlyPaths += ["/no/such/ro"]'
	run_checker
	assert_value path./no/such/path missing
}

@test "readonly_paths_are_read_only" {
	make_bundle "$B" /keel-checker mounts paths --path /data --path /etc/ro.conf \
		--write /data/x x --write /etc/ro.conf y --write /etc/rw.conf z
	mkdir "$B/rootfs/data"
	echo keep >"$B/rootfs/etc/ro.conf"
	config_set "$B" '.linux.readonlyPaths += ["/data", "/etc/ro.conf"]'
	run_checker
	[[ $(checker_value "$output" path./data) =~ ^d\ .*\ r-\ entries=0$ ]]
	[[ $(checker_value "$output" path./etc/ro.conf) =~ ^f\ .*\ r-\ size=5\ data=keep ]]
	assert_value write./data/x 'errno 30 EROFS'
	assert_value write./etc/ro.conf 'errno 30 EROFS'
	assert_value write./etc/rw.conf ok
	mount_has /proc/sys 3 ro
	[ "$(cat "$B/rootfs/etc/ro.conf")" = keep ]
}
