# Helpers for keel's conformance tests; source from a .bats file:
#   load lib            (or: source "$KEEL_SRCDIR/tests/oci-validation/lib.bash")
# README.md beside this file says how to write a case.

KEEL_SRCDIR=${KEEL_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [[ -z ${KEEL_BUILDDIR:-} ]]; then
	if [[ -x $KEEL_SRCDIR/build/keel-checker ]]; then
		KEEL_BUILDDIR=$KEEL_SRCDIR/build
	else
		KEEL_BUILDDIR=$KEEL_SRCDIR
	fi
fi
KEEL=${KEEL:-$KEEL_BUILDDIR/keel}
KEEL_CHECKER=${KEEL_CHECKER:-$KEEL_BUILDDIR/keel-checker}
KEEL_BUSYBOX=${KEEL_BUSYBOX:-/bin/busybox}

# Applets linked into every rootfs; the ones busybox lacks are skipped.
KEEL_ROOTFS_APPLETS=(sh ash ls cat echo true false sleep id mount umount ps env
	hostname mkdir touch stat grep sed head tail wc readlink test '[' kill printf
	chmod chown ln rm mv cp uname dd pwd sync nproc find xargs tr cut sort uniq
	mkfifo mknod whoami tee date setsid timeout)

lib_die() {
	echo "lib.bash: $*" >&2
	return 1
}

# require_cmd CMD PACKAGE: fail (not skip) when a tool the harness needs is missing.
require_cmd() {
	command -v "$1" >/dev/null 2>&1 ||
		lib_die "$1 not found: install the Debian package '$2'"
}

# --- rootfs ------------------------------------------------------------------

_rootfs_cache_dir() {
	echo "${KEEL_ROOTFS_CACHE:-${BATS_RUN_TMPDIR:-${TMPDIR:-/tmp}}/keel-rootfs-template}"
}

_check_busybox() {
	[[ -x $KEEL_BUSYBOX ]] ||
		lib_die "$KEEL_BUSYBOX missing: install the Debian package 'busybox-static'" || return
	# The dynamic 'busybox' package installs the same path; a rootfs has no libc.
	if LC_ALL=C ldd "$KEEL_BUSYBOX" 2>&1 | grep -q '=>'; then
		lib_die "$KEEL_BUSYBOX is dynamically linked: install 'busybox-static' instead of 'busybox'"
		return
	fi
}

_build_rootfs_template() {
	local dir=$1 applet d

	for d in bin sbin usr/bin usr/sbin proc sys dev tmp etc root home mnt run var/tmp; do
		mkdir -p "$dir/$d" || return
	done
	chmod 1777 "$dir/tmp" "$dir/var/tmp"
	chmod 0700 "$dir/root"
	cp "$KEEL_BUSYBOX" "$dir/bin/busybox" || return
	local available
	available=" $("$KEEL_BUSYBOX" --list | tr '\n' ' ') "
	for applet in "${KEEL_ROOTFS_APPLETS[@]}"; do
		[[ $available == *" $applet "* ]] && ln -s busybox "$dir/bin/$applet"
	done
	cat >"$dir/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$dir/etc/group" <<-'EOF'
		root:x:0:
		nobody:x:65534:
	EOF
	# Engines bind-mount over these; they must exist as files.
	: >"$dir/etc/hosts"
	: >"$dir/etc/hostname"
	: >"$dir/etc/resolv.conf"
	cp "$KEEL_CHECKER" "$dir/keel-checker" || return
	chmod 0755 "$dir/keel-checker"
}

# The template is built once per run (per bats run: BATS_RUN_TMPDIR) and
# rebuilt when the checker or busybox it holds differ from the current ones.
_rootfs_template() {
	local cache tmp
	cache=$(_rootfs_cache_dir)
	if [[ -d $cache ]] && cmp -s "$KEEL_CHECKER" "$cache/keel-checker" &&
		cmp -s "$KEEL_BUSYBOX" "$cache/bin/busybox"; then
		echo "$cache"
		return
	fi
	rm -rf "$cache"
	mkdir -p "$(dirname "$cache")"
	tmp=$(mktemp -d "$cache.XXXXXX") || return
	if ! _build_rootfs_template "$tmp"; then
		rm -rf "$tmp"
		lib_die "building the rootfs template failed"
		return
	fi
	chmod 0755 "$tmp"
	# A concurrent run may have won the race; its template is as good.
	mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	echo "$cache"
}

# make_rootfs DIR: a busybox-static rootfs with the checker at /keel-checker.
make_rootfs() {
	local dir=$1 template
	[[ -n $dir ]] || lib_die "make_rootfs: no directory given" || return
	[[ -x $KEEL_CHECKER ]] ||
		lib_die "checker not found at $KEEL_CHECKER: run 'make keel-checker' or set KEEL_CHECKER" || return
	_check_busybox || return
	template=$(_rootfs_template) || return
	mkdir -p "$dir" && cp -a "$template/." "$dir/"
}

# --- bundle and config.json --------------------------------------------------------

# The default config: runc's 'spec' defaults, except a writable root, PATH as
# the only env entry and no cgroup mount (add them with config_set).
default_config() {
	cat <<-'EOF'
	{
	  "ociVersion": "1.3.0",
	  "process": {
	    "terminal": false,
	    "user": { "uid": 0, "gid": 0 },
	    "args": [ "/keel-checker" ],
	    "env": [ "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ],
	    "cwd": "/",
	    "capabilities": {
	      "bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
	      "effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
	      "permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
	    },
	    "rlimits": [ { "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 } ],
	    "noNewPrivileges": true
	  },
	  "root": { "path": "rootfs", "readonly": false },
	  "hostname": "keel-test",
	  "mounts": [
	    { "destination": "/proc", "type": "proc", "source": "proc" },
	    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
	      "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
	    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
	      "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" ] },
	    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
	      "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
	    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
	      "options": [ "nosuid", "noexec", "nodev" ] },
	    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
	      "options": [ "nosuid", "noexec", "nodev", "ro" ] }
	  ],
	  "linux": {
	    "resources": { "devices": [ { "allow": false, "access": "rwm" } ] },
	    "namespaces": [
	      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
	      { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" }
	    ],
	    "maskedPaths": [
	      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"
	    ],
	    "readonlyPaths": [
	      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
	    ]
	  }
	}
	EOF
}

# make_bundle DIR [ARGS...]: DIR/rootfs plus DIR/config.json whose
# process.args are ARGS (default: /keel-checker).
make_bundle() {
	local dir=$1
	shift
	[[ -n $dir ]] || lib_die "make_bundle: no directory given" || return
	require_cmd jq jq || return
	make_rootfs "$dir/rootfs" || return
	# Named --arg values, not --args: jq 1.6 would parse '--exit' in ARGS as
	# its own option.
	local -a named=()
	local i=0 arg
	for arg in "$@"; do
		named+=(--arg "$(printf 'a%05d' "$i")" "$arg")
		i=$((i + 1))
	done
	default_config | jq "${named[@]}" \
		'if $ARGS.named == {} then . else
			.process.args = ($ARGS.named | to_entries | sort_by(.key) | map(.value)) end' \
		>"$dir/config.json"
}

# config_set DIR JQ_FILTER [JQ_OPTIONS...]: edit DIR/config.json in place.
# JQ_OPTIONS (--arg N V, --argjson N JSON) go before the filter; a failing
# filter leaves the file as it was.
config_set() {
	local dir=$1 filter=$2 tmp
	shift 2
	require_cmd jq jq || return
	[[ -f $dir/config.json ]] || lib_die "config_set: $dir/config.json missing" || return
	tmp=$(mktemp "$dir/.config.json.XXXXXX") || return
	if ! jq "$@" "$filter" "$dir/config.json" >"$tmp"; then
		rm -f "$tmp"
		lib_die "config_set: jq filter failed: $filter"
		return
	fi
	mv "$tmp" "$dir/config.json"
}

# config_get DIR JQ_FILTER: raw value from DIR/config.json.
config_get() {
	jq -r "$2" "$1/config.json"
}

# --- checker output --------------------------------------------------------------

# checker_value OUTPUT KEY: the value of the first 'KEY: value' line (an empty
# value prints nothing); status 1 when no line has KEY.
checker_value() {
	local line
	while IFS= read -r line; do
		if [[ $line == "$2: "* ]]; then
			printf '%s\n' "${line#"$2: "}"
			return 0
		elif [[ $line == "$2:" ]]; then
			echo
			return 0
		fi
	done <<<"$1"
	return 1
}

# checker_values OUTPUT KEY: the values of every 'KEY: value' line, in order
# (for the repeating keys: mount, env, cgroup).
checker_values() {
	local line found=1
	while IFS= read -r line; do
		if [[ $line == "$2: "* ]]; then
			printf '%s\n' "${line#"$2: "}"
			found=0
		fi
	done <<<"$1"
	return $found
}

# --- running a bundle without a runtime ------------------------------------------------

# run_in_chroot BUNDLE [CHECKER_ARGS...]: a stand-in for a runtime, to test
# the checker and bundles before keel runs containers.  In new mount (private),
# pid, uts and ipc namespaces: sets the config's hostname, mounts proc at
# rootfs/proc, chroots into rootfs, changes to process.cwd, switches to
# process.user.uid/gid and runs /keel-checker CHECKER_ARGS (or process.args
# when no CHECKER_ARGS) with exactly process.env.
# RUN_WRAPPER=(cmd args...), set as a separate statement (bash cannot pass an
# array in a command's environment), runs between the namespace setup and the
# chroot: prlimit --nofile=10:20, setpriv --no-new-privs,
# capsh --drop=cap_chown --shell=/usr/bin/env --.
run_in_chroot() {
	local bundle=$1 rootfs hostname cwd uid gid
	local -a env args
	shift
	require_cmd jq jq && require_cmd unshare util-linux || return
	[[ -f $bundle/config.json ]] || lib_die "run_in_chroot: $bundle/config.json missing" || return
	rootfs=$(jq -r '.root.path // "rootfs"' "$bundle/config.json")
	[[ $rootfs == /* ]] || rootfs=$bundle/$rootfs
	hostname=$(jq -r '.hostname // empty' "$bundle/config.json")
	cwd=$(jq -r '.process.cwd // "/"' "$bundle/config.json")
	uid=$(jq -r '.process.user.uid // 0' "$bundle/config.json")
	gid=$(jq -r '.process.user.gid // 0' "$bundle/config.json")
	mapfile -t env < <(jq -r '.process.env // [] | .[]' "$bundle/config.json")
	if (($#)); then
		args=(/keel-checker "$@")
	else
		mapfile -t args < <(jq -r '.process.args[]' "$bundle/config.json")
	fi
	# --kill-child: nothing outlives a killed test.  The shell (pid 1 of the
	# new pid namespace) mounts that namespace's proc inside the private
	# mount namespace and execs the chain, so the checker ends up as pid 1;
	# the last unshare only chroots, chdirs and switches ids, which leaves
	# RUN_WRAPPER free to drop every capability but CAP_SYS_CHROOT.
	unshare --mount --propagation private --uts --ipc --pid --fork --kill-child -- \
		/bin/sh -c '
			hostname=$1 rootfs=$2; shift 2
			if [ -n "$hostname" ]; then
				hostname "$hostname" || exit 125
			fi
			mount -t proc -o nosuid,nodev,noexec proc "$rootfs/proc" || exit 125
			exec "$@"' sh "$hostname" "$rootfs" \
		"${RUN_WRAPPER[@]}" \
		env -i "${env[@]}" \
		unshare --root="$rootfs" --wd="$cwd" --setgid="$gid" --setuid="$uid" -- \
		"${args[@]}"
}

# --- leak checks ------------------------------------------------------------------

# snapshot_host STATE_FILE [-d DIR]... [-p PID]... [-c COMM_REGEX]
# Records what a leak would add to: mounts of this mount namespace, processes
# whose comm matches COMM_REGEX (default ^keel), entries under each DIR (state
# roots, cgroup dirs; two levels deep; not a state root's caches) and the
# open fds of each PID.
snapshot_host() {
	local file=$1
	shift
	[[ -n $file ]] || lib_die "snapshot_host: no state file given" || return
	printf 'args' >"$file"
	printf ' %q' "$@" >>"$file"
	echo >>"$file"
	_snapshot_append "$file" "$@"
}

# Both snapshots go through this one redirection, so the fd bash saves while
# it is in place is the same in both and never shows as a leak.
_snapshot_append() {
	local file=$1
	shift
	_snapshot_lines "$@" >>"$file"
}

_snapshot_lines() {
	local comm_re='^keel' opt pid comm
	local -a dirs=() pids=()
	OPTIND=1
	while getopts 'd:p:c:' opt; do
		case $opt in
		d) dirs+=("$OPTARG") ;;
		p) pids+=("$OPTARG") ;;
		c) comm_re=$OPTARG ;;
		*) lib_die "snapshot_host: usage: STATE_FILE [-d DIR]... [-p PID]... [-c COMM_REGEX]" || return ;;
		esac
	done
	# mountpoint + fstype + source: mount ids change on remount, these don't.
	awk '{ for (i = 7; $i != "-"; i++); print "mount", $5, $(i + 1), $(i + 2) }' \
		/proc/self/mountinfo | sort
	for pid in /proc/[0-9]*; do
		comm=$(cat "$pid/comm" 2>/dev/null) || continue
		[[ $comm =~ $comm_re ]] && echo "proc ${pid#/proc/} $comm"
	done | sort
	# Not the caches a state root keeps for all its containers (.seccomp,
	# .device-program: keel(8), FILES): no container's leftover.
	for opt in "${dirs[@]}"; do
		[[ -d $opt ]] && find "$opt" -mindepth 1 -maxdepth 2 \
			\( -path "$opt/.seccomp" -o -path "$opt/.device-program" \) -prune \
			-o -printf 'path %p\n' | sort
	done
	for pid in "${pids[@]}"; do
		for opt in /proc/"$pid"/fd/*; do
			[[ -e $opt || -L $opt ]] && echo "fd $pid ${opt##*/}"
		done | sort -n -k3
	done
}

# assert_no_leak STATE_FILE: fails, listing them, when mounts, processes,
# paths or fds exist now that did not at snapshot_host time.  Things that
# went away are fine.
assert_no_leak() {
	local file=$1 args now leaked
	[[ -f $file ]] || lib_die "assert_no_leak: $file missing (call snapshot_host first)" || return
	args=$(head -n1 "$file")
	args=${args#args}
	now=$(mktemp "${TMPDIR:-/tmp}/keel-snapshot.XXXXXX") || return
	: >"$now"
	eval "_snapshot_append \"\$now\" $args" || { rm -f "$now"; return 1; }
	leaked=$(LC_ALL=C comm -13 <(tail -n +2 "$file" | LC_ALL=C sort) <(LC_ALL=C sort "$now"))
	rm -f "$now"
	if [[ -n $leaked ]]; then
		echo "leaked since snapshot:" >&2
		sed 's/^/  /' <<<"$leaked" >&2
		return 1
	fi
}
