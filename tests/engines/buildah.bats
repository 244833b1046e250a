#!/usr/bin/env bats
# Buildah 1.28 running the RUN steps of a build through keel (`bud --runtime
# PATH --isolation oci`): a Containerfile FROM a local oci-archive: image
# whose RUN steps write files (with ENV and WORKDIR), use `--mount
# type=tmpfs`, remove a file of the base (a whiteout) and run as a non-root
# USER; a RUN step that fails fails the build with its exit code; a missing
# command fails it with the runtime's error; `buildah run` passes output and
# exit code on.  Every scenario also runs with crun, the reference, and the
# last test compares the layer each runtime's build made, file by file.
#
# Runs only with KEEL_ENGINE_TESTS=1 (it installs buildah and crun from apt
# when missing); otherwise every test skips.  Needs root, a cgroup2 mount,
# busybox-static, jq.  buildah-setup.sh builds the sandbox in setup_file and
# removes it in teardown_file.
#
# Environment: KEEL (the runtime, default build/keel), KEEL_BUILDAH_DIR (the
# sandbox's scratch directory, default /tmp/keel-buildah-bats).
#
# Manual use: tests/engines/buildah-setup.sh, then /tmp/keel-buildah/bin/buildah
# bud --runtime /tmp/keel-buildah/runtime/keel --isolation oci -f FILE DIR,
# and tests/engines/buildah-setup.sh teardown.

bats_require_minimum_version 1.5.0

SETUP=$BATS_TEST_DIRNAME/buildah-setup.sh

enabled() {
        [ "${KEEL_ENGINE_TESTS:-}" = 1 ]
}

setup_file() {
        enabled || return 0
        export KEEL_BUILDAH_DIR=${KEEL_BUILDAH_DIR:-/tmp/keel-buildah-bats}
        "$SETUP" setup
}

teardown_file() {
        enabled || return 0
        "$SETUP" teardown
}

setup() {
        enabled || skip "engine tests run only with KEEL_ENGINE_TESTS=1"
        B=$KEEL_BUILDAH_DIR/bin/buildah
        BASE=oci-archive:$KEEL_BUILDAH_DIR/image/busybox.tar
}

# use RUNTIME: the runtime of this test (keel or crun); crun skips with the
# reason setup found when it cannot run here.  RUNOPTS selects it.
use() {
        local why
        RT=$1
        if [ "$RT" = crun ]; then
                why=$(cat "$KEEL_BUILDAH_DIR/crun.status")
                [ "$why" = ok ] || skip "$why"
        fi
        RUNOPTS=(--runtime "$KEEL_BUILDAH_DIR/runtime/$RT" --isolation oci --network none)
        ARGV=$KEEL_BUILDAH_DIR/logs/$RT.argv
        CTX=$KEEL_BUILDAH_DIR/ctx-$RT
        : >"$ARGV"
        rm -rf "$CTX"
        mkdir -p "$CTX"
}

teardown() {
        enabled || return 0
        [ -n "${ARGV:-}" ] || return 0
        if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
                echo "--- the last command's output:"
                echo "${output:-}"
                echo "--- $RT calls ([pid] argv, [pid] rc):"
                cat "$ARGV"
        fi
        "$B" rm -a >/dev/null 2>&1 || true
}

called() {
        grep -Eq -- "$1" "$ARGV"
}

# Every runtime call exited 0, except calls matching the optional extended
# regex (the intended failures).
calls_exited_0() {      # [ALLOWED-TO-FAIL-ERE]
        awk -v allowed="${1:-}" '
                /^\[[0-9]+\] rc=/ {
                        if ($2 != "rc=0" && (allowed == "" || call[$1] !~ allowed)) {
                                print "failed (" $2 "): " call[$1]
                                bad = 1
                        }
                        next
                }
                { call[$1] = $0 }
                END { exit bad }' "$ARGV"
}

# The build's own layer (the last one) of IMAGE as an uncompressed tar: the
# image pushed to an OCI layout with no compression.
last_layer() {  # IMAGE OUT
        local d=$KEEL_BUILDAH_DIR/push-$RT m l
        rm -rf "$d"
        "$B" push -q --disable-compression "$1" "oci:$d" >/dev/null
        m=$(jq -r '.manifests[0].digest' "$d/index.json")
        l=$(jq -r '.layers[-1].digest' "$d/blobs/sha256/${m#sha256:}")
        cp "$d/blobs/sha256/${l#sha256:}" "$2"
        rm -rf "$d"
}

# A file of the layer tar, to stdout.
layer_file() { # LAYER PATH
        tar -xOf "$1" "$2"
}

# Each entry of the layer: type and mode, owner, size, name, link target,
# and the sha256 of a regular file's content ("-" otherwise).
layer_listing() {       # LAYER
        local sums
        # shellcheck disable=SC2016 # expanded by the shell tar starts
        sums=$(tar -xf "$1" --to-command='printf "%s %s\n" "$TAR_FILENAME" "$(sha256sum | cut -c1-64)"')
        tar --numeric-owner -tvf "$1" | awk -v sums="$sums" '
                BEGIN { n = split(sums, s, "\n"); for (i = 1; i <= n; i++) { split(s[i], f, " "); sum[f[1]] = f[2] } }
                {
                        name = $6; link = ""
                        for (i = 7; i <= NF; i++) link = link " " $i
                        print $1, $2, $3, name link, (name in sum ? sum[name] : "-")
                }'
}

# The Containerfile of the build the scenarios and the comparison share.
write_containerfile() {
        cat >"$CTX/Containerfile" <<EOF
FROM $BASE
ENV GREETING=hello
WORKDIR /work
RUN echo "\$GREETING from \$(pwd)" >greeting && mkdir -p /data && echo one >/data/one && chmod 640 /data/one && ln -s one /data/link
RUN --mount=type=tmpfs,target=/scratch sh -c 'echo tmp >/scratch/t && grep " /scratch " /proc/mounts >/work/tmpfs && ls /scratch >>/work/tmpfs'
RUN grep -E "^(CapEff|NoNewPrivs):" /proc/self/status >status && ls /sys/class/net >net && rm /bin/vi
USER nobody
RUN id >/tmp/id && touch /tmp/by-nobody && { touch /work/denied 2>/tmp/denied || true; }
EOF
}

# --- the scenarios, each run for keel and for crun ------------------------------

# Each RUN step is one container: create, start, state, delete.  What the
# steps wrote is in the build's layer; the tmpfs was mounted and is not.
bud_runs_each_run_step_through_the_runtime() {
        local layer=$KEEL_BUILDAH_DIR/layer-$RT.tar
        write_containerfile
        run "$B" bud "${RUNOPTS[@]}" --timestamp 0 -t "localhost/built-$RT" "$CTX"
        [ "$status" -eq 0 ]
        [ "$(grep -c ' create --bundle [^ ]* --pid-file ' "$ARGV")" = 4 ]
        [ "$(grep -c ' start buildah-' "$ARGV")" = 4 ]
        [ "$(grep -c ' delete buildah-' "$ARGV")" = 4 ]
        # no --root: the runtime's default state root
        # (`! grep` in the middle of a test does not fail it)
        # shellcheck disable=SC2143
        [ -z "$(grep -- ' --root ' "$ARGV")" ]
        calls_exited_0
        last_layer "localhost/built-$RT" "$layer"
        [ "$(layer_file "$layer" work/greeting)" = "hello from /work" ]
        [ "$(layer_file "$layer" data/one)" = one ]
        run layer_file "$layer" work/tmpfs
        [[ ${lines[0]} == "tmpfs /scratch tmpfs rw,"* ]]
        [ "${lines[1]}" = t ]
        [ "$(layer_file "$layer" work/net)" = lo ]
        # the whiteout of a file removed from the base
        tar -tf "$layer" | grep -qx 'bin/.wh.vi'
        # shellcheck disable=SC2143
        [ -z "$(tar -tf "$layer" | grep '^scratch/.')" ]
        # the non-root USER
        [ "$(layer_file "$layer" tmp/id)" = "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" ]
        [ "$(tar --numeric-owner -tvf "$layer" tmp/by-nobody | awk '{ print $2 }')" = 65534/65534 ]
        [[ $(layer_file "$layer" tmp/denied) == *"/work/denied: Permission denied" ]]
        [ "$(jq -r .process.user.uid "$KEEL_BUILDAH_DIR/logs/$RT-last-config.json")" = 65534 ]
        layer_listing "$layer" >"$KEEL_BUILDAH_DIR/listing-$RT.txt"
}

# The failing step's exit code is the build's; later steps never run and
# no image is made.
failing_run_step_fails_the_build_with_its_exit_code() {
        printf 'FROM %s\nRUN echo before\nRUN sh -c "echo failing >&2; exit 7"\nRUN echo never\n' \
                "$BASE" >"$CTX/Containerfile"
        run -7 "$B" bud "${RUNOPTS[@]}" -t "localhost/fails-$RT" "$CTX"
        [[ $output == *before* ]]
        [[ $output == *failing* ]]
        [[ $output == *'Error: building at STEP "RUN sh -c "echo failing >&2; exit 7"": while running runtime: exit status 7'* ]]
        [[ $output != *never* ]]
        [ "$(grep -c ' create --bundle ' "$ARGV")" = 2 ]
        calls_exited_0
        run "$B" images -q "localhost/fails-$RT"
        [ "$status" -ne 0 ]
        run "$B" containers -q
        [ -z "$output" ]
}

# create fails: buildah shows the runtime's error.
missing_command_fails_the_build_with_the_runtime_error() {       # RUNTIME-ERROR
        printf 'FROM %s\nRUN ["/nonexistent"]\n' "$BASE" >"$CTX/Containerfile"
        run -1 "$B" bud "${RUNOPTS[@]}" "$CTX"
        [[ $output == *"creating container for [/nonexistent]: $1"* ]]
        [[ $output == *'Error: building at STEP "RUN /nonexistent": while running runtime: exit status 1'* ]]
        calls_exited_0 ' create --bundle '
}

buildah_run_passes_output_and_exit_code_on() {
        local c
        c=$("$B" from -q "$BASE")
        run "$B" run "${RUNOPTS[@]}" "$c" -- sh -c 'echo out; echo err >&2; exit 3'
        [ "$status" -eq 3 ]
        [[ $output == *out* ]]
        [[ $output == *err* ]]
        # shellcheck disable=SC2016 # expanded in the container
        run "$B" run "${RUNOPTS[@]}" --user 65534:65534 "$c" -- sh -c 'echo $(id -u):$(id -g)'
        [ "$status" -eq 0 ]
        [ "$output" = 65534:65534 ]
        calls_exited_0
}

# --- keel ------------------------------------------------------------------------

@test "keel: bud_runs_each_run_step_through_the_runtime" {
        use keel
        bud_runs_each_run_step_through_the_runtime
}

@test "keel: failing_run_step_fails_the_build_with_its_exit_code" {
        use keel
        failing_run_step_fails_the_build_with_its_exit_code
}

@test "keel: missing_command_fails_the_build_with_the_runtime_error" {
        use keel
        missing_command_fails_the_build_with_the_runtime_error \
                'keel: create: process.args[0]: exec "/nonexistent": no such file or directory'
}

@test "keel: buildah_run_passes_output_and_exit_code_on" {
        use keel
        buildah_run_passes_output_and_exit_code_on
}

# --- crun, the reference -----------------------------------------------------------

@test "crun: bud_runs_each_run_step_through_the_runtime" {
        use crun
        bud_runs_each_run_step_through_the_runtime
}

@test "crun: failing_run_step_fails_the_build_with_its_exit_code" {
        use crun
        failing_run_step_fails_the_build_with_its_exit_code
}

@test "crun: missing_command_fails_the_build_with_the_runtime_error" {
        use crun
        # shellcheck disable=SC2016 # crun's text, quoted
        missing_command_fails_the_build_with_the_runtime_error \
                'executable file `/nonexistent` not found in $PATH: No such file or directory'
}

@test "crun: buildah_run_passes_output_and_exit_code_on" {
        use crun
        buildah_run_passes_output_and_exit_code_on
}

# --- the layers of the same build, keel against crun ---------------------------------

# Every file the RUN steps left (content, owner, mode, links, whiteouts) is
# the same.  The exception: the empty file the runtime makes as the mount
# point of buildah's /etc/hostname when the image has none (and of
# /etc/hosts and /etc/resolv.conf with a network), whose mode each runtime
# picks: keel 0644, crun 0700, runc 0755.
@test "keel: the_layer_is_crun_s_but_for_the_mount_points_modes" {
        local rt
        for rt in keel crun; do
                use "$rt"
                [ -s "$KEEL_BUILDAH_DIR/listing-$rt.txt" ] || bud_runs_each_run_step_through_the_runtime
        done
        cat "$KEEL_BUILDAH_DIR/listing-keel.txt"
        diff "$KEEL_BUILDAH_DIR/listing-keel.txt" "$KEEL_BUILDAH_DIR/listing-crun.txt" || true
        for rt in keel crun; do
                awk '$4 ~ /^etc\/(hostname|hosts|resolv\.conf)$/ { $1 = substr($1, 1, 1) } { print }' \
                        "$KEEL_BUILDAH_DIR/listing-$rt.txt" >"$KEEL_BUILDAH_DIR/listing-$rt.cmp"
        done
        diff "$KEEL_BUILDAH_DIR/listing-keel.cmp" "$KEEL_BUILDAH_DIR/listing-crun.cmp"
        # and the build did leave files to compare
        [ "$(wc -l <"$KEEL_BUILDAH_DIR/listing-keel.cmp")" -ge 15 ]
}
