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
