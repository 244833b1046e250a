# Shared setup for the integration tests: a private state root per test.
KEEL=${KEEL:-${KEEL_BUILDDIR:-$(cd "$(dirname "$BATS_TEST_FILENAME")/../.." && pwd)/build}/keel}

setup() {
        TEST_DIR=$(mktemp -d /tmp/keel-bats.XXXXXX)
        ROOT=$TEST_DIR/root
}

teardown() {
        rm -rf "$TEST_DIR"
}

# keel with the test's state root
k() {
        "$KEEL" --root "$ROOT" "$@"
}

# --- host leak checks shared by load.bats and robustness.bats -----------------
# (They set CG2 to the cgroup2 mount and C to the test's container id.)

# A failed test may leave cgroups (named $C or $C-*): kill and remove them,
# so the host is not littered when keel has a bug.
remove_cgroups_of_test() {
        local d i
        for d in "$CG2/keel/$C" "$CG2/keel/$C"-*; do
                [[ -d $d ]] || continue
                echo 1 >"$d/cgroup.kill" 2>/dev/null
                for ((i = 0; i < 50; i++)); do
                        rmdir "$d" 2>/dev/null && break
                        sleep 0.1
                done
        done
        return 0
}

# mounts_now: this namespace's mounts (point, type, source), sorted.
mounts_now() {
        awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 1), $(i + 2) }' /proc/self/mountinfo | sort
}

# no_test_procs: no process holds anything under $TEST_DIR (lifecycle's
# procs_in_test_dir).
no_test_procs() {
        [[ -z $(procs_in_test_dir) ]]
}
