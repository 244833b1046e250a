#!/usr/bin/env bats
# The bash completion file knows every command keel has, every option each
# command's --help prints, and completes container ids from `keel list -q`.

load helpers
load ../oci-validation/lib

setup() {
        COMPLETION=$KEEL_SRCDIR/contrib/completion/keel
        TEST_DIR=$(mktemp -d /tmp/keel-compl.XXXXXX)
        mkdir -p "$TEST_DIR/bin"
        ln -s "$KEEL" "$TEST_DIR/bin/keel"
}

teardown() {
        rm -rf "$TEST_DIR"
}

# complete WORDS...: what the completion offers for the last word.
complete_words() {
        PATH=$TEST_DIR/bin:$PATH bash -c '
                source "$1"; shift
                COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
                _keel; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$@"
}

@test "completion_offers_every_command_of_keel_help" {
        want=$("$KEEL" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' | sort)
        got=$(complete_words keel "" | sort)
        [ "$want" = "$got" ]
}

@test "completion_offers_every_option_each_command_documents" {
        for cmd in create run delete kill exec list ps spec update events; do
                for opt in $("$KEEL" "$cmd" --help | grep -oE '^ +(-[a-z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
                        [ "$opt" = --help ] && continue
                        complete_words keel "$cmd" -- | grep -qx -- "$opt" ||
                                { echo "keel $cmd: $opt not completed" >&2; return 1; }
                done
        done
}

@test "completion_offers_container_ids" {
        make_bundle "$TEST_DIR/b" /keel-checker --sleep 60
        "$KEEL" --root "$TEST_DIR/root" create --bundle "$TEST_DIR/b" compl-one
        got=$(complete_words keel --root "$TEST_DIR/root" state "")
        "$KEEL" --root "$TEST_DIR/root" delete --force compl-one
        [ "$got" = compl-one ]
        [ -z "$(complete_words keel --root "$TEST_DIR/root" state "")" ]
}
