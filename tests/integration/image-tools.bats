#!/usr/bin/env bats
# keel run --image with image layouts made by the real tools: umoci (build
# layers from a rootfs) and skopeo (copy between layouts and formats).
# No registry: everything starts from busybox-static.
#
# Needs: bats, jq, busybox-static, umoci, skopeo, python3 (xattrs).

load helpers

setup() {
        command -v umoci >/dev/null || skip "umoci is not installed (scripts/deps.sh)"
        command -v skopeo >/dev/null || skip "skopeo is not installed (scripts/deps.sh)"
        TEST_DIR=$(mktemp -d /tmp/imgb-tools.XXXXXX)
        ROOT=$TEST_DIR/root
        LAYERS=$ROOT/.images/layers/sha256
        export TMPDIR=$TEST_DIR     # skopeo's and umoci's scratch files
}

teardown() {
        local id
        for id in $(k list -q 2>/dev/null); do k delete -f "$id" >/dev/null 2>&1 || true; done
        rm -rf "$TEST_DIR"
}

# layer IMAGE:TAG FUNCTION: one umoci layer made by FUNCTION, which edits
# $R (the unpacked rootfs).  umoci repacks against the manifest it
# unpacked, so every layer starts from a fresh unpack.
layer() {
        rm -rf "$TEST_DIR/bundle"
        umoci unpack --image "$1" "$TEST_DIR/bundle" >/dev/null
        R=$TEST_DIR/bundle/rootfs
        "$2"
        umoci repack --image "$1" "$TEST_DIR/bundle"
}

busybox_base() {
        local c
        mkdir -p "$R/bin" "$R/etc" "$R/data/old" "$R/tmp"
        cp /bin/busybox "$R/bin/"
        for c in sh cat ls echo id pwd stat readlink test; do ln -s busybox "$R/bin/$c"; done
        ln "$R/bin/busybox" "$R/bin/bb-hard"
        chmod 4755 "$R/bin/bb-hard"
        printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/:/bin/sh\n' >"$R/etc/passwd"
        printf 'root:x:0:\napp:x:1001:\n' >"$R/etc/group"
        echo v1 >"$R/etc/motd"
        echo doomed >"$R/etc/deleteme"
        echo old >"$R/data/old/a"
        echo keep >"$R/data/keep"
        install -o 1000 -g 1001 -m 0640 /dev/null "$R/etc/owned"
        mkfifo "$R/etc/fifo"
        python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.keel", b"yes")' "$R/etc/motd"
        # Longer than ustar's 100+155: a pax "path" record.
        LONG=$(printf 'd%.0s' {1..90})/$(printf 'e%.0s' {1..90})/$(printf 'f%.0s' {1..120})
        mkdir -p "$R/$(dirname "$LONG")"
        echo long >"$R/$LONG"
}

# The second layer: a modified file, a removed one, a directory replaced
# by a new one (umoci whites out its old entries), a mode change.
modify() {
        echo v2 >"$R/etc/motd"
        rm "$R/etc/deleteme"
        rm -rf "$R/data"
        mkdir "$R/data"
        echo new >"$R/data/new"
        chmod 0600 "$R/etc/passwd"
}

# A two-layer busybox image at $TEST_DIR/img, tags "base" (one layer, no
# command) and "latest" (two layers, running CMD).
umoci_image() {
        umoci init --layout "$TEST_DIR/img"
        umoci new --image "$TEST_DIR/img:base"
        layer "$TEST_DIR/img:base" busybox_base
        umoci config --image "$TEST_DIR/img:base" --tag latest
        layer "$TEST_DIR/img:latest" modify
        umoci config --image "$TEST_DIR/img:latest" --config.workingdir /data \
                --config.env FOO=bar --config.cmd /bin/sh --config.cmd -c --config.cmd "$1"
}

layer_count() {
        find "$LAYERS" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# What every image of this file shows when it runs SHOW.
SHOW='cat /etc/motd; ls /etc; ls /data; pwd; echo $FOO; stat -c "%a %u:%g" /etc/owned /etc/passwd /bin/bb-hard; stat -c %h /bin/busybox; test -p /etc/fifo && echo fifo; cat /d*/e*/f*'
check_show() {
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = v2 ]                  # modified in the upper layer
        [ "${lines[1]}" = fifo ]                # deleteme removed
        [ "${lines[2]}" = group ]
        [ "${lines[3]}" = motd ]
        [ "${lines[4]}" = owned ]
        [ "${lines[5]}" = passwd ]
        [ "${lines[6]}" = new ]                 # old data/ entries whited out
        [ "${lines[7]}" = /data ]
        [ "${lines[8]}" = bar ]
        [ "${lines[9]}" = "640 1000:1001" ]
        [ "${lines[10]}" = "600 0:0" ]
        [ "${lines[11]}" = "4755 0:0" ]         # setuid kept
        [ "${lines[12]}" = 2 ]                  # hard link kept
        [ "${lines[13]}" = fifo ]
        [ "${lines[14]}" = long ]
        [ "${#lines[@]}" -eq 15 ]
}

@test "image-tools: umoci: busybox, then a layer that modifies, removes and replaces files" {
        umoci_image "$SHOW"
        run k run --image "oci:$TEST_DIR/img:latest" imgb-umoci
        check_show
        [ "$(layer_count)" -eq 2 ]
        # The pax xattr record reached the layer; the container sees it.
        python3 -c 'import os, sys; assert any(os.getxattr(p, "user.keel") == b"yes" for p in sys.argv[1:] if "user.keel" in os.listxattr(p))' \
                "$LAYERS"/*/etc/motd
}

@test "image-tools: umoci: an index with two tags; :TAG picks one, no tag asks for one" {
        umoci_image "cat /etc/motd"
        [ "$(jq '.manifests | length' "$TEST_DIR/img/index.json")" -eq 2 ]
        run k run --image "oci:$TEST_DIR/img:latest" imgb-tag
        [ "$status" -eq 0 ]
        [ "$output" = v2 ]
        run k run --image "oci:$TEST_DIR/img" imgb-notag
        echo "$output"
        [ "$status" -eq 1 ]
        # It names the tags to choose from (not "none is for this platform").
        [[ "$output" == *"the layout holds 2 images ("*"latest"*"base"*"); name one with oci:DIR:TAG"* ||
           "$output" == *"the layout holds 2 images ("*"base"*"latest"*"); name one with oci:DIR:TAG"* ]]
        [[ "$output" != *"platform"* ]]
        # "base" has no command: refused by name, not run.
        run k run --image "oci:$TEST_DIR/img:base" imgb-base
        [ "$status" -eq 1 ]
        [[ "$output" == *"neither Entrypoint nor Cmd"* ]]
        [ ! -e "$ROOT/imgb-base" ]
}

add_x() {
        mkdir -p "$R/x"
        echo same >"$R/x/f"
        touch -d @1000000000 "$R/x/f" "$R/x" "$R"
}

del_x() {
        rm "$R/x/f"
        touch -d @1000000001 "$R/x" "$R"
}

@test "image-tools: umoci: the same layer twice (added, removed, added again) runs" {
        umoci init --layout "$TEST_DIR/img"
        umoci new --image "$TEST_DIR/img:t"
        layer "$TEST_DIR/img:t" busybox_base
        layer "$TEST_DIR/img:t" add_x
        layer "$TEST_DIR/img:t" del_x
        layer "$TEST_DIR/img:t" add_x
        umoci config --image "$TEST_DIR/img:t" --config.cmd /bin/sh --config.cmd -c --config.cmd 'cat /x/f'
        m=$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json" | cut -d: -f2)
        # umoci wrote byte-identical layers: one diff_id twice.
        [ "$(jq -r '.layers[1].digest' "$TEST_DIR/img/blobs/sha256/$m")" = \
          "$(jq -r '.layers[3].digest' "$TEST_DIR/img/blobs/sha256/$m")" ]
        run k run --image "oci:$TEST_DIR/img:t" imgb-twice
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = same ]
        [ "$(layer_count)" -eq 3 ]
}

@test "image-tools: skopeo copy oci: to oci: (gzip), a second tag into the same layout" {
        umoci_image "$SHOW"
        skopeo copy -q "oci:$TEST_DIR/img:latest" "oci:$TEST_DIR/copy:v1"
        skopeo copy -q "oci:$TEST_DIR/img:latest" "oci:$TEST_DIR/copy:v2"
        [ "$(jq '.manifests | length' "$TEST_DIR/copy/index.json")" -eq 2 ]
        run k run --image "oci:$TEST_DIR/copy:v1" imgb-sk1
        check_show
        run k run --image "oci:$TEST_DIR/copy:v2" imgb-sk2
        check_show
        [ "$(layer_count)" -eq 2 ]
}

@test "image-tools: skopeo copy --dest-compress-format zstd" {
        umoci_image "$SHOW"
        skopeo copy -q --dest-compress-format zstd "oci:$TEST_DIR/img:latest" "oci:$TEST_DIR/z:z"
        m=$(jq -r '.manifests[0].digest' "$TEST_DIR/z/index.json" | cut -d: -f2)
        [ "$(jq -r '.layers[].mediaType' "$TEST_DIR/z/blobs/sha256/$m" | sort -u)" = \
          application/vnd.oci.image.layer.v1.tar+zstd ]
        run k run --image "oci:$TEST_DIR/z:z" imgb-zstd
        check_show
}

@test "image-tools: skopeo dir: to oci:, Docker v2s2 media types, uncompressed layers" {
        umoci_image "$SHOW"
        skopeo copy -q "oci:$TEST_DIR/img:latest" "dir:$TEST_DIR/d"
        skopeo copy -q "dir:$TEST_DIR/d" "oci:$TEST_DIR/fromdir:x"
        run k run --image "oci:$TEST_DIR/fromdir:x" imgb-dir
        check_show
        skopeo copy -q --format v2s2 "oci:$TEST_DIR/img:latest" "oci:$TEST_DIR/docker:d"
        m=$(jq -r '.manifests[0].digest' "$TEST_DIR/docker/index.json" | cut -d: -f2)
        [ "$(jq -r .mediaType "$TEST_DIR/docker/blobs/sha256/$m")" = \
          application/vnd.docker.distribution.manifest.v2+json ]
        run k run --image "oci:$TEST_DIR/docker:d" imgb-docker
        check_show
        skopeo copy -q --dest-decompress "oci:$TEST_DIR/img:latest" "dir:$TEST_DIR/raw"
        skopeo copy -q --dest-oci-accept-uncompressed-layers "dir:$TEST_DIR/raw" "oci:$TEST_DIR/raw-oci:r"
        m=$(jq -r '.manifests[0].digest' "$TEST_DIR/raw-oci/index.json" | cut -d: -f2)
        [ "$(jq -r '.layers[].mediaType' "$TEST_DIR/raw-oci/blobs/sha256/$m" | sort -u)" = \
          application/vnd.oci.image.layer.v1.tar ]
        run k run --image "oci:$TEST_DIR/raw-oci:r" imgb-raw
        check_show
        # Every one of these is the same two layers (the diff_ids).
        [ "$(layer_count)" -eq 2 ]
}
