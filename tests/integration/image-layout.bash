# Build OCI image layouts in tests (tar, gzip, zstd, sha256sum; no registry).
# Loaded by image.bats and rootless.bats; temporary files go in $TEST_DIR.

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
