#!/usr/bin/env bats
# linux.netDevices (config-linux.md "Network Devices"): a device of the
# runtime's network namespace moves into the container's, renamed to its
# `name`, with its permanent global addresses, and is set up there; then the
# namespace owns it (the spec: the runtime MUST NOT move it out before the
# namespace is deleted); refusals name the entry and move nothing; a create
# that fails puts every device back with its name and addresses.
#
# Never the host's interfaces: each test makes a network namespace of its
# own (a holder process) and runs keel inside it through a wrapper, so "the
# runtime's network namespace" is a throwaway one; the devices are veth
# pairs made there (this kernel has no dummy driver).  The tests use ip(8);
# inside the container busybox's ip applet reports what the process sees.

load ../lib
load common

setup_file() {
	lc_setup_file || return
	require_cmd ip iproute2 || return
	require_cmd nsenter util-linux
}

setup() {
	lc_setup
	REAL_KEEL=$KEEL
	start_holder --net
	NS=$HOLDER
	# Every ip(8) call and every keel below runs in NS: stop here when NS
	# is not a namespace of its own.
	if [[ $(stat -L -c %i "/proc/$NS/ns/net") == $(stat -L -c %i /proc/self/ns/net) ]]; then
		echo "the holder shares this shell's network namespace" >&2
		return 1
	fi
	printf '#!/bin/sh\nexec nsenter --net=/proc/%s/ns/net %q "$@"\n' "$NS" "$REAL_KEEL" \
		>"$TEST_DIR/keel-in-ns"
	chmod +x "$TEST_DIR/keel-in-ns"
	KEEL=$TEST_DIR/keel-in-ns
	in_ns ip link add vA type veth peer name vB
	in_ns ip link set vA mtu 1400
	in_ns ip addr add 10.123.0.1/24 dev vA
	# Host scope: stays behind when vA moves (only global addresses move).
	in_ns ip addr add 127.0.0.33/8 dev vA
	in_ns ip -6 addr add fd00:123::1/64 dev vA nodad
	in_ns ip link set vB up
	in_ns ip link set vA up
	VA_BEFORE=$(dev_print vA)
}

teardown() {
	lc_teardown
}

# in_ns CMD...: CMD in the test's network namespace (the runtime's).
in_ns() {
	nsenter --net="/proc/$NS/ns/net" "$@"
}

# dev_print NAME [PID]: NAME as the namespace of PID (default: the
# runtime's) has it: flags, mtu and hardware address, then its addresses
# (family, address, scope) but the IPv6 link-local one.  Status 1 when
# there is no NAME there.
dev_print() {
	local link
	link=$(nsenter --net="/proc/${2:-$NS}/ns/net" ip -o link show dev "$1" 2>/dev/null) || return 1
	sed -E 's/.*(<[^>]*>).* mtu ([0-9]+) .*link\/ether ([0-9a-f:]+) .*/\1 mtu \2 \3/' <<<"$link"
	nsenter --net="/proc/${2:-$NS}/ns/net" ip -o addr show dev "$1" |
		awk '$4 !~ /^fe80:/ { print $3, $4, $6 }' | sort
}

# assert_absent NAME: the runtime's namespace has no NAME.
assert_absent() {
	if in_ns ip link show dev "$1" >/dev/null 2>&1; then
		echo "$1 is in the runtime's network namespace:" >&2
		in_ns ip -o addr show dev "$1" >&2
		return 1
	fi
}

# assert_untouched: vA is in the runtime's namespace as setup left it.
assert_untouched() {
	wait_until 5 test "$(dev_print vA)" = "$VA_BEFORE" || {
		echo "vA before: $VA_BEFORE" >&2
		echo "vA now: $(dev_print vA)" >&2
		return 1
	}
}

# netlink_fds PID: the fds of PID that are netlink sockets (by inode, in
# /proc/PID/net/netlink).
netlink_fds() {
	local fd target
	for fd in "/proc/$1/fd/"*; do
		target=$(readlink "$fd") || continue
		[[ $target =~ ^socket:\[([0-9]+)\]$ ]] || continue
		awk -v i="${BASH_REMATCH[1]}" 'NR > 1 && $NF == i { found = 1 } END { exit !found }' \
			"/proc/$1/net/netlink" && echo "$fd"
	done
	return 0
}

# net_bundle DEVICES_JSON [PROCESS...]: $B with linux.netDevices.
net_bundle() {
	local devs=$1
	shift
	make_bundle "$B" "${@:-/keel-checker}"
	config_set "$B" '.linux.netDevices = $d' --argjson d "$devs"
}

# show_net: a process that prints the container's links and addresses.
SHOW_NET=(/bin/busybox sh -c 'busybox ip -o link show; busybox ip -o addr show')

# seen_inside NAME: $output (busybox ip) has NAME up with vA's global
# addresses, mtu and hardware address, and not its host-scope one.
seen_inside() {
	local name=$1 mac
	mac=$(awk '{ print $4 }' <<<"${VA_BEFORE%%$'\n'*}")
	grep -qE "^[0-9]+: $1(@[^:]*)?: <([^>]*,)?UP[,>].* mtu 1400 .*link/ether $mac " <<<"$output" ||
		{ echo "no $name up, mtu 1400, $mac in: $output" >&2; return 1; }
	grep -qE "^[0-9]+: $name +inet 10\.123\.0\.1/24 scope global" <<<"$output" ||
		{ echo "no 10.123.0.1/24 on $name in: $output" >&2; return 1; }
	grep -qE "^[0-9]+: $name +inet6 fd00:123::1/64 scope global" <<<"$output" ||
		{ echo "no fd00:123::1/64 on $name in: $output" >&2; return 1; }
	if grep -q "127.0.0.33" <<<"$output"; then
		echo "the host-scope address moved too: $output" >&2
		return 1
	fi
}

@test "net_device_moves_in_with_its_global_addresses_and_is_up" {
	net_bundle '{"vA": {}}' "${SHOW_NET[@]}"
	rk_ok create --bundle "$B" "$C"
	local out=$RK_OUT pid
	pid=$(state_of "$C" .pid)
	assert_absent vA
	# vB, vA's peer, stays: it names vA as a link of another namespace.
	in_ns ip -o link show dev vB | grep -q 'vB@if'
	dev_print vA "$pid" | grep -q '^<.*UP'
	# The socket the init sent keel is not kept by the waiting init.
	[[ -z $(netlink_fds "$pid") ]] || { echo "netlink fds: $(netlink_fds "$pid")" >&2; return 1; }
	rk_ok start "$C"
	wait_until 10 status_is "$C" stopped
	output=$(cat "$out")
	seen_inside vA
	rk_ok delete "$C"
}

@test "net_device_is_renamed_to_its_name" {
	net_bundle '{"vA": {"name": "ctr0"}}' "${SHOW_NET[@]}"
	run_checker
	seen_inside ctr0
	if grep -qE '^[0-9]+: vA' <<<"$output"; then
		echo "vA kept its name inside: $output" >&2
		return 1
	fi
}

@test "net_device_name_template_gets_the_first_free_number" {
	net_bundle '{"vA": {"name": "eth%d"}}' "${SHOW_NET[@]}"
	run_checker
	seen_inside eth0
}

# With a new user namespace the container's network namespace belongs to
# it: keel (root outside) moves the device, the init's socket sets it up.
@test "net_device_moves_into_a_container_with_a_user_namespace" {
	chmod 755 "$TEST_DIR"
	net_bundle '{"vA": {"name": "ctr0"}}' "${SHOW_NET[@]}"
	config_set "$B" '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run_checker
	seen_inside ctr0
}

# The spec's "Namespace Lifecycle": the namespace owns the device; with a
# namespace of the container's own, the kernel destroys a virtual device
# (and its peer) when the last process leaves.  Not moved back, as runc 1.3
# and crun do.
@test "net_device_goes_with_the_containers_namespace_after_run" {
	net_bundle '{"vA": {"name": "ctr0"}}' "${SHOW_NET[@]}"
	run_checker
	seen_inside ctr0
	wait_until 5 assert_absent vA
	wait_until 5 assert_absent ctr0
	wait_until 5 assert_absent vB
}

@test "net_device_goes_with_the_namespace_when_the_process_exits_before_delete" {
	net_bundle '{"vA": {}}' /bin/busybox true
	leak_snapshot
	rk_ok create --bundle "$B" "$C"
	assert_absent vA
	rk_ok start "$C"
	wait_until 10 status_is "$C" stopped
	wait_until 5 assert_absent vB
	rk_ok delete "$C"
	assert_absent vA
	assert_nothing_left "$C"
}

@test "net_device_goes_with_the_namespace_at_delete_force" {
	net_bundle '{"vA": {}}' /bin/busybox sleep 60
	leak_snapshot
	rk_ok create --bundle "$B" "$C"
	rk_ok start "$C"
	status_is "$C" running
	rk_ok delete --force "$C"
	wait_until 5 assert_absent vB
	assert_absent vA
	assert_nothing_left "$C"
}

# A namespace joined by path (as engines pass a pod's): runc 1.3 moves the
# device there too, and leaves it there when the container is deleted.
@test "net_device_stays_in_a_joined_namespace_after_delete" {
	local ns=$NS
	start_holder --net
	local pod=$HOLDER
	NS=$ns
	net_bundle '{"vA": {"name": "ctr0"}}' "${SHOW_NET[@]}"
	set_ns network "/proc/$pod/ns/net"
	run_checker
	seen_inside ctr0
	assert_absent vA
	# Still in the pod's namespace, up, with its address; its peer lives.
	dev_print ctr0 "$pod" | grep -q '^<.*UP'
	dev_print ctr0 "$pod" | grep -qx 'inet 10.123.0.1/24 global'
	in_ns ip link show dev vB >/dev/null
}

# ---- refusals: by name, before anything moves -------------------------------

@test "missing_net_device_is_refused_by_name" {
	net_bundle '{"vA": {"name": "ctr0"}, "nope0": {}}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["nope0"\]: no such device in the runtime.s network namespace'
	assert_untouched
	assert_nothing_left "$C"
}

@test "net_devices_without_a_network_namespace_are_refused" {
	net_bundle '{"vA": {}}'
	drop_ns network
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices: only a container with a network namespace of its own'
	assert_untouched
	assert_nothing_left "$C"
}

@test "net_devices_into_the_runtimes_own_namespace_are_refused" {
	net_bundle '{"vA": {}}'
	set_ns network "/proc/$NS/ns/net"
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error "linux\.netDevices: the network namespace linux\.namespaces joins is the runtime.s own"
	assert_untouched
	assert_nothing_left "$C"
}

@test "net_device_name_taken_in_the_container_is_refused" {
	net_bundle '{"vA": {"name": "lo"}}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["vA"\]: "lo" already exists in the container.s network namespace'
	assert_untouched
	assert_nothing_left "$C"
}

@test "net_device_name_taken_in_a_joined_namespace_is_refused" {
	local ns=$NS pod before
	start_holder --net
	pod=$HOLDER
	NS=$ns
	nsenter --net="/proc/$pod/ns/net" ip link add x0 type veth peer name x1
	before=$(dev_print x0 "$pod")
	net_bundle '{"vA": {"name": "x0"}}'
	set_ns network "/proc/$pod/ns/net"
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["vA"\]: "x0" already exists in the container.s network namespace'
	assert_untouched
	[[ $(dev_print x0 "$pod") == "$before" ]]
	assert_nothing_left "$C"
}

@test "two_net_devices_with_one_name_are_refused" {
	in_ns ip link add vC type veth peer name vD
	net_bundle '{"vA": {"name": "x0"}, "vC": {"name": "x0"}}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["vC"\]: "x0" is also the name of linux\.netDevices\["vA"\]'
	assert_untouched
	in_ns ip link show dev vC >/dev/null
	assert_nothing_left "$C"
}

@test "net_device_name_with_a_bad_template_is_refused" {
	net_bundle '{"vA": {"name": "eth%s"}}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["vA"\]\.name: "eth%s" is not a name template'
	assert_untouched
	assert_nothing_left "$C"
}

@test "rootless_keel_refuses_net_devices" {
	net_bundle '{"vA": {}}'
	leak_snapshot
	rk --rootless true create --bundle "$B" "$C"
	assert_error 'linux\.netDevices: rootless keel cannot move network devices'
	assert_untouched
	assert_nothing_left "$C"
}

# ---- a create that fails puts the devices back --------------------------------

# lo cannot leave its namespace: the second move fails after vA moved.
@test "failed_move_puts_back_the_devices_moved_before" {
	net_bundle '{"vA": {"name": "ctr0"}, "lo": {"name": "lo2"}}'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'linux\.netDevices\["lo"\]: move to the container.s network namespace: Invalid argument'
	assert_untouched
	in_ns ip link show dev lo >/dev/null
	assert_nothing_left "$C"
}

# The devices are in; then the init fails on a mount: vA comes back with its
# name, its addresses (the host-scope one too), mtu and up state.
@test "create_failing_after_the_move_puts_the_devices_back" {
	net_bundle '{"vA": {"name": "ctr0"}}'
	config_set "$B" '.mounts += [{destination: "/mnt", type: "bind",
		source: "/nonexistent-keel-netdev", options: ["rbind"]}]'
	leak_snapshot
	rk create --bundle "$B" "$C"
	assert_error 'nonexistent-keel-netdev'
	assert_untouched
	assert_nothing_left "$C"
}

@test "features_enable_net_devices" {
	rk_ok features
	[[ $(jq -r .linux.netDevices.enabled <<<"$output") == true ]]
}
