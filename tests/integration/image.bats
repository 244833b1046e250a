#!/usr/bin/env bats
# keel image unpack / prune and create/run --image: OCI image layouts built
# here (tar, gzip, zstd, sha256sum; no registry), good ones and hostile ones.
#
# Needs: bats, jq, busybox-static, gzip, zstd, coreutils, util-linux.

load helpers

setup() {
        TEST_DIR=$(mktemp -d /tmp/keel-img-bats.XXXXXX)
        ROOT=$TEST_DIR/root
        LAYERS=$ROOT/.images/layers/sha256
        make_rootfs_dirs
}

teardown() {
        local id
        for id in $(k list -q 2>/dev/null); do k delete -f "$id" >/dev/null 2>&1 || true; done
        rm -rf "$TEST_DIR"
}

# base: busybox, users, files that the top layer changes; top: a modified
# file, a whiteout and an opaque directory.
make_rootfs_dirs() {
        local b=$TEST_DIR/base t=$TEST_DIR/top c
        mkdir -p "$b/bin" "$b/etc" "$b/data/old" "$b/tmp" "$t/etc" "$t/data"
        cp /bin/busybox "$b/bin/"
        for c in sh cat ls echo id pwd env touch sleep stat; do ln -s busybox "$b/bin/$c"; done
        printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/:/bin/sh\n' >"$b/etc/passwd"
        printf 'root:x:0:\napp:x:1001:\nstaff:x:50:\n' >"$b/etc/group"
        echo v1 >"$b/etc/motd"
        echo doomed >"$b/etc/deleteme"
        echo old >"$b/data/old/a"
        echo keep >"$b/data/keep"
        echo v2 >"$t/etc/motd"
        : >"$t/etc/.wh.deleteme"
        : >"$t/data/.wh..wh..opq"
        echo new >"$t/data/new"
}

# blob FILE DIR: move FILE into DIR's blobs, print its hex digest.
blob() {
        local h
        h=$(sha256sum "$1" | cut -d' ' -f1)
        mv "$1" "$2/blobs/sha256/$h"
        echo "$h"
}

# make_layout OUT gz|zst|none CONFIG-JSON-MEMBERS TARFILE...  (base first):
# TARFILEs are uncompressed layer tars.
make_layout() {
        local out=$1 comp=$2 cfg=$3 t c h size mt layers="" diffs="" m
        shift 3
        mkdir -p "$out/blobs/sha256"
        echo '{"imageLayoutVersion":"1.0.0"}' >"$out/oci-layout"
        for t in "$@"; do
                c=$(mktemp "$TEST_DIR/blob.XXXXXX")
                case $comp in
                gz) gzip -n -c "$t" >"$c"; mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
                zst) zstd -q -c "$t" >"$c"; mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
                none) cp "$t" "$c"; mt=application/vnd.oci.image.layer.v1.tar ;;
                esac
                size=$(stat -c %s "$c")
                h=$(blob "$c" "$out")
                layers+="${layers:+,}{\"mediaType\":\"$mt\",\"digest\":\"sha256:$h\",\"size\":$size}"
                diffs+="${diffs:+,}\"sha256:$(sha256sum "$t" | cut -d' ' -f1)\""
        done
        c=$(mktemp "$TEST_DIR/blob.XXXXXX")
        echo "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{$cfg},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$diffs]}}" >"$c"
        size=$(stat -c %s "$c")
        h=$(blob "$c" "$out")
        m=$(mktemp "$TEST_DIR/blob.XXXXXX")
        echo "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$h\",\"size\":$size},\"layers\":[$layers]}" >"$m"
        size=$(stat -c %s "$m")
        h=$(blob "$m" "$out")
        echo "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$h\",\"size\":$size,\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}" >"$out/index.json"
}

tar_of() {      # tar_of DIR -> path of an uncompressed layer tar
        local t
        t=$(mktemp "$TEST_DIR/layer.XXXXXX")
        tar -C "$1" --numeric-owner -cf "$t" .
        echo "$t"
}

# The standard two-layer image at $TEST_DIR/img, running CMD.
std_image() {
        make_layout "$TEST_DIR/img" "${2:-gz}" "\"Cmd\":[\"/bin/sh\",\"-c\",\"$1\"]" \
                "$(tar_of "$TEST_DIR/base")" "$(tar_of "$TEST_DIR/top")"
}

layer_count() {
        find "$LAYERS" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# Nothing half-made: no layer, no leftover in the store's tmp/.
assert_store_clean() {
        [ "$(layer_count)" -eq 0 ]
        [ -z "$(ls -A "$ROOT/.images/tmp" 2>/dev/null)" ]
}

@test "image: run --image sees the upper layer's changes, whiteouts and opaque dirs" {
        make_layout "$TEST_DIR/img" gz \
                '"Entrypoint":["/bin/sh","-c"],"Cmd":["cat /etc/motd; ls /data; ls /etc; id; pwd; echo $FOO"],"Env":["FOO=bar"],"WorkingDir":"/data","User":"app:staff","Labels":{"org.example":"yes"}' \
                "$(tar_of "$TEST_DIR/base")" "$(tar_of "$TEST_DIR/top")"
        run k run --image "oci:$TEST_DIR/img:latest" img-see
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = v2 ]                  # the file the top layer modified
        [ "${lines[1]}" = new ]                 # opaque: data/keep and data/old hidden
        [ "${lines[2]}" = group ]               # deleteme whited out
        [ "${lines[3]}" = motd ]
        [ "${lines[4]}" = passwd ]
        [ "${lines[5]}" = "uid=1000(app) gid=50(staff)" ]
        [ "${lines[6]}" = /data ]
        [ "${lines[7]}" = bar ]
        [ "$(layer_count)" -eq 2 ]
        jq -e '.annotations["org.example"] == "yes"' "$ROOT/.images/bundles/img-see/config.json"
}

@test "image: zstd and uncompressed layers" {
        std_image "cat /etc/motd" zst
        run k run --image "oci:$TEST_DIR/img" img-zst
        [ "$status" -eq 0 ] && [ "$output" = v2 ]
        rm -rf "$TEST_DIR/img"
        std_image "cat /etc/motd" none
        run k run --image "oci:$TEST_DIR/img" img-raw
        [ "$status" -eq 0 ] && [ "$output" = v2 ]
}

@test "image: two containers share the lower layers; each one's writes vanish with it" {
        std_image "echo \$0 > /etc/motd; sleep 1000"
        k run -d --image "oci:$TEST_DIR/img" img-one >/dev/null
        k run -d --image "oci:$TEST_DIR/img" img-two >/dev/null
        [ "$(layer_count)" -eq 2 ]
        p1=$(k state img-one | jq .pid)
        p2=$(k state img-two | jq .pid)
        l1=$(grep ' / / .* - overlay ' /proc/$p1/mountinfo | grep -o 'lowerdir=[^,]*')
        l2=$(grep ' / / .* - overlay ' /proc/$p2/mountinfo | grep -o 'lowerdir=[^,]*')
        [ -n "$l1" ] && [ "$l1" = "$l2" ]
        # The host never sees the overlay.
        ! grep -q " overlay .*$ROOT" /proc/self/mountinfo
        echo changed >"/proc/$p1/root/tmp/mine"
        [ ! -e "/proc/$p2/root/tmp/mine" ]
        [ -e "$ROOT/img-one/upper/tmp/mine" ]
        k delete -f img-one
        [ ! -e "$ROOT/img-one" ]
        [ "$(layer_count)" -eq 2 ]              # delete removes the upper layer only
        ! grep -rq changed "$LAYERS"
        [ "$(cat /proc/$p2/root/etc/motd)" = "/bin/sh" ]
}

@test "image: create --image with --bundle writes the bundle there; prune keeps used layers" {
        std_image "cat /etc/motd"
        k create --image "oci:$TEST_DIR/img" --bundle "$TEST_DIR/b" img-cr
        [ -f "$TEST_DIR/b/config.json" ] && [ -d "$TEST_DIR/b/rootfs" ]
        run k image prune
        [ "$output" = "removed 0 layers" ]
        [ "$(layer_count)" -eq 2 ]
        k delete img-cr
        run k image prune
        [ "$output" = "removed 2 layers" ]
        [ "$(layer_count)" -eq 0 ]
}

@test "image: unpack writes a bundle that create and run use; a different config.json is kept" {
        std_image "cat /etc/motd"
        k image unpack "oci:$TEST_DIR/img:latest" "$TEST_DIR/b"
        run k run --bundle "$TEST_DIR/b" img-unp
        [ "$status" -eq 0 ] && [ "$output" = v2 ]
        k image unpack "oci:$TEST_DIR/img:latest" "$TEST_DIR/b"      # the same config: fine
        echo '{}' >"$TEST_DIR/b/config.json"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ] && [[ "$output" == *"differs from the image's"* ]]
        [ "$(cat "$TEST_DIR/b/config.json")" = '{}' ]
        run k image unpack "oci:$TEST_DIR/img:nosuchtag" "$TEST_DIR/c"
        [ "$status" -eq 1 ] && [[ "$output" == *'no image tagged "nosuchtag"'* ]]
}

@test "image: a tampered blob is refused and leaves nothing" {
        std_image "true"
        f=$(ls -S "$TEST_DIR/img/blobs/sha256/" | head -1)         # the busybox layer
        chmod u+w "$TEST_DIR/img/blobs/sha256/$f"
        # Flip every bit of byte 200 (a fixed byte might already be there).
        b=$(od -An -tu1 -j200 -N1 "$TEST_DIR/img/blobs/sha256/$f")
        printf "\\$(printf %03o $((b ^ 255)))" |
                dd of="$TEST_DIR/img/blobs/sha256/$f" bs=1 seek=200 conv=notrunc 2>/dev/null
        [ "$(sha256sum <"$TEST_DIR/img/blobs/sha256/$f" | cut -d' ' -f1)" != "$f" ]
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        echo "$output"
        [ "$status" -eq 1 ]
        [[ "$output" == *"sha256:$f"* ]]
        # Whatever the reader met first, the cause is named: the digest.
        [[ "$output" == *"digest mismatch"* ]]
        assert_store_clean
        [ ! -e "$TEST_DIR/b" ]
        run k run --image "oci:$TEST_DIR/img" img-tamper
        [ "$status" -eq 1 ]
        [ ! -e "$ROOT/img-tamper" ] && [ ! -e "$ROOT/.images/bundles/img-tamper" ]
}

@test "image: a blob whose content matches another digest, a missing blob, a wrong size" {
        std_image "true"
        cfg=$(jq -r '.manifests[0].digest' "$TEST_DIR/img/index.json" | cut -d: -f2)
        layer=$(jq -r '.layers[1].digest' "$TEST_DIR/img/blobs/sha256/$cfg" | cut -d: -f2)
        cp "$TEST_DIR/img/blobs/sha256/$layer" "$TEST_DIR/saved"
        # Swap the top layer's bytes for the base layer's: right size check aside, wrong digest.
        base=$(jq -r '.layers[0].digest' "$TEST_DIR/img/blobs/sha256/$cfg" | cut -d: -f2)
        cp "$TEST_DIR/img/blobs/sha256/$base" "$TEST_DIR/img/blobs/sha256/$layer"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ] && [[ "$output" == *"sha256:$layer"* ]]
        [ "$(layer_count)" -le 1 ] && [ -z "$(ls -A "$ROOT/.images/tmp")" ]
        rm "$TEST_DIR/img/blobs/sha256/$layer"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ] && [[ "$output" == *"blob sha256:$layer"*"No such file"* ]]
        cp "$TEST_DIR/saved" "$TEST_DIR/img/blobs/sha256/$layer"
        echo >>"$TEST_DIR/img/blobs/sha256/$layer"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ] && [[ "$output" == *"larger than its descriptor's size"* ]]
        [ ! -e "$TEST_DIR/b" ]
}

@test "image: a layer with ../ or an absolute name is refused, nothing partial is left" {
        mkdir -p "$TEST_DIR/evil/sub"
        echo x >"$TEST_DIR/evil/sub/f"
        t=$(mktemp "$TEST_DIR/layer.XXXXXX")
        tar -C "$TEST_DIR/evil" -cf "$t" --transform 's,^\./sub/f$,../../escape-img-bats,' -P ./sub ./sub/f
        tar -tvf "$t" | grep -q '\.\./\.\./escape-img-bats'
        make_layout "$TEST_DIR/img" gz '"Cmd":["true"]' "$t"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        echo "$output"
        [ "$status" -eq 1 ] && [[ "$output" == *"leaves the layer"* ]]
        assert_store_clean
        [ ! -e "$ROOT/../escape-img-bats" ] && [ ! -e "$TEST_DIR/escape-img-bats" ]
        rm -rf "$TEST_DIR/img"
        t=$(mktemp "$TEST_DIR/layer.XXXXXX")
        tar -C "$TEST_DIR/evil" -cf "$t" -P --transform 's,^\./sub/f$,/tmp/escape-img-bats-abs,' ./sub/f
        make_layout "$TEST_DIR/img" gz '"Cmd":["true"]' "$t"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ] && [[ "$output" == *"leaves the layer"* ]]
        assert_store_clean
        [ ! -e /tmp/escape-img-bats-abs ]
}

@test "image: an absolute symlink then a file through it stays inside the layer" {
        mkdir -p "$TEST_DIR/sl"
        ln -s "$TEST_DIR/hostdir" "$TEST_DIR/sl/link"
        mkdir -p "$TEST_DIR/hostdir"
        t=$(mktemp "$TEST_DIR/layer.XXXXXX")
        tar -C "$TEST_DIR/sl" -cf "$t" ./link
        # A second member "link/planted", as a hostile producer would write it.
        mkdir -p "$TEST_DIR/sl2/link-src" && echo planted >"$TEST_DIR/sl2/link-src/planted"
        tar -C "$TEST_DIR/sl2" -rf "$t" --transform 's,^\./link-src,./link,' ./link-src/planted
        make_layout "$TEST_DIR/img" gz '"Cmd":["true"]' "$t"
        k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ ! -e "$TEST_DIR/hostdir/planted" ]
        [ "$(cat "$LAYERS"/*"$TEST_DIR/hostdir/planted")" = planted ]
}

@test "image: without libzstd.so.1 a zstd layer fails with a clear message" {
        std_image "true" zst
        lib=$(ldconfig -p | awk '/libzstd.so.1 / { print $NF; exit }')
        [ -n "$lib" ]
        run unshare -m --propagation private sh -c "mount --bind /dev/null '$lib' && '$KEEL' --root '$ROOT' image unpack 'oci:$TEST_DIR/img' '$TEST_DIR/b'"
        echo "$output"
        [ "$status" -eq 1 ]
        [[ "$output" == "keel: image: "*": cannot load libzstd.so.1 (install libzstd1)" ]]
        assert_store_clean
}

@test "image: the keel binary links neither zlib nor zstd" {
        ! ldd "$KEEL" | grep -Eq 'libz\.|libzstd'
}
