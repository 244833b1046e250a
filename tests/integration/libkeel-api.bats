#!/usr/bin/env bats
# libkeel as a program embedding it sees it: installed (make install into
# a staging directory), found with pkg-config, its face keel.h alone and
# fewer than 80 exported symbols; a small program built against it runs a
# busybox container through create, state, start and delete.

load helpers
source "$KEEL_SRCDIR/tests/oci-validation/lib.bash"

setup_file() {
        DEST=$BATS_FILE_TMPDIR/dest
        export DEST
        # The staging install, without the make check that runs us: its
        # MAKEFLAGS (jobserver, command-line variables) are not ours.
        local log=$BATS_FILE_TMPDIR/install.log
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
                make -s -C "$KEEL_BUILDDIR" install DESTDIR="$DEST" >"$log" 2>&1 ||
                { cat "$log" >&2; return 1; }
}

# The installed file named NAME (one match, or fail).
installed() {
        local found
        found=$(find "$DEST" -name "$1" \( -type f -o -type l \))
        [ -n "$found" ] && [ "$(echo "$found" | wc -l)" -eq 1 ] || {
                echo "installed $1: ${found:-none}" >&2
                return 1
        }
        echo "$found"
}

# pkg-config for the staged libkeel: the .pc names the final prefix, the
# sysroot puts it under $DEST.
staged_pkg_config() {
        local pc
        pc=$(installed libkeel.pc) || return
        PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config "$@"
}

@test "libkeel: keel.h is the only header installed" {
        run find "$DEST" -name '*.h'
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | wc -l)" -eq 1 ]
        [[ $output == */keel/keel.h ]]
}

@test "libkeel: fewer than 80 exported symbols, each declared KEEL_PUBLIC in keel.h" {
        local so exported declared
        so=$(installed libkeel.so)
        exported=$(nm -D --defined-only "$so" | awk '{ print $3 }' | sort)
        echo "exported: $(echo "$exported" | wc -l)"
        [ "$(echo "$exported" | wc -l)" -lt 80 ]
        # Both ways: what keel.h promises is there, and nothing else is.
        declared=$(grep -oE '^KEEL_PUBLIC [^(]*\bkeel_[a-z0-9_]+\(' "$KEEL_SRCDIR/libkeel/keel.h" |
                grep -oE 'keel_[a-z0-9_]+\($' | tr -d '(' | sort)
        [ "$(echo "$declared" | wc -l)" -gt 30 ]
        diff <(echo "$declared") <(echo "$exported")
}

@test "libkeel: the CLI's sources use only keel.h and util/cleanup.h of the library" {
        local inc includes bad=""
        includes=$(grep -ohE '^#include "[^"]+"' "$KEEL_SRCDIR"/src/*.[ch] | cut -d'"' -f2)
        for inc in $(echo "$includes" | sort -u); do
                case $inc in
                keel.h | util/cleanup.h) ;;                     # the library's, allowed
                config.h | commit.h) ;;                         # the build's
                *) [ -f "$KEEL_SRCDIR/src/$inc" ] || bad+=" $inc" ;;  # src/'s own
                esac
        done
        [ -z "$bad" ] || { echo "src/ includes library internals:$bad"; return 1; }
}

@test "libkeel: pkg-config names the library and its private dependencies" {
        run staged_pkg_config --cflags --libs libkeel
        [ "$status" -eq 0 ]
        [[ $output == *"-I$DEST/"*"/keel"* ]]
        [[ $output == *-lkeel* ]]
        run staged_pkg_config --print-requires-private libkeel
        [ "$status" -eq 0 ]
        [[ $output == *yajl* && $output == *libseccomp* && $output == *libcap* ]]
}

@test "libkeel: a program built against the installed library runs a container" {
        local prog=$BATS_FILE_TMPDIR/embed libdir
        cat >"$prog.c" <<'EOF'
/* create, state, start, wait, state, delete: argv ROOT BUNDLE ID */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <keel.h>

static int fail(const char *what, struct keel_error *err)
{
        fprintf(stderr, "%s: %s\n", what, err ? err->msg : "(no message)");
        keel_error_free(err);
        return 1;
}

static int print_state(struct keel_store *store, const char *id)
{
        struct keel_error *err = NULL;
        struct keel_state *st = NULL;

        if (keel_container_state(store, id, &st, &err) < 0)
                return fail("state", err);
        printf("state %s %s\n", st->id, keel_status_name(st->status));
        keel_state_free(st);
        return 0;
}

int main(int argc, char **argv)
{
        struct keel_create_opts o = { .id = argv[3], .bundle = argv[2] };
        struct keel_created created = { .pid = 0, .console_master = -1 };
        struct keel_store *store = NULL;
        struct keel_state *st = NULL;
        struct keel_error *err = NULL;
        int status, ret;

        if (argc != 4)
                return 2;
        setvbuf(stdout, NULL, _IONBF, 0);       /* in order with the container's */
        printf("libkeel %s\n", keel_version());
        /* The init may be forked by a helper: adopt it to wait for it. */
        if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
                return 1;
        if (keel_store_open(argv[1], true, &store, &err) < 0)
                return fail("open store", err);
        if (keel_container_create(store, &o, &created, &err) < 0)
                return fail("create", err);
        if (print_state(store, o.id) != 0)
                return 1;
        if (keel_container_start(store, o.id, &err) < 0)
                return fail("start", err);
        while (waitpid(created.pid, &status, 0) < 0)
                if (errno != EINTR)
                        return fail("waitpid", NULL);
        printf("exit %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        if (print_state(store, o.id) != 0)
                return 1;
        if (keel_container_delete(store, o.id, false, &err) < 0)
                return fail("delete", err);
        ret = keel_container_state(store, o.id, &st, &err);
        printf("after delete %s: %s\n", ret == -ENOENT ? "ENOENT" : "?", err ? err->msg : "");
        keel_error_free(err);
        keel_state_free(st);
        keel_store_close(store);
        return 0;
}
EOF
        run staged_pkg_config --cflags --libs libkeel
        [ "$status" -eq 0 ]
        # shellcheck disable=SC2086
        ${CC:-cc} -Wall -Wextra -Werror -o "$prog" "$prog.c" $output

        make_bundle "$TEST_DIR/bundle" sh -c 'echo hello from the container; exit 7'
        libdir=$(dirname "$(installed libkeel.so)")
        run env LD_LIBRARY_PATH="$libdir" "$prog" "$ROOT" "$TEST_DIR/bundle" api-test
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = "libkeel $("$KEEL" --version | sed -n 's/^keel version //p')" ]
        [ "${lines[1]}" = "state api-test created" ]
        [ "${lines[2]}" = "hello from the container" ]
        [ "${lines[3]}" = "exit 7" ]
        [ "${lines[4]}" = "state api-test stopped" ]
        [ "${lines[5]}" = "after delete ENOENT: container api-test does not exist" ]
        # The program used the installed library, not the build tree's.
        LD_LIBRARY_PATH="$libdir" ldd "$prog" | grep -F "$libdir/libkeel.so"
        # Nothing left behind: no state, and keel agrees.
        run k list -q
        [ "$status" -eq 0 ]
        [ -z "$output" ]
}
