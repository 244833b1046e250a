#!/usr/bin/env bats
# keel image unpack / prune and create/run --image: OCI image layouts built
# here (tar, gzip, zstd, sha256sum; no registry), good ones and hostile ones.
#
# Needs: bats, jq, busybox-static, gzip, zstd, coreutils, util-linux.

load helpers
load image-layout

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
        ln "$b/bin/busybox" "$b/bin/bb-hard"
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
        [ "$status" -eq 0 ]
        [ "$output" = v2 ]
        rm -rf "$TEST_DIR/img"
        std_image "cat /etc/motd" none
        run k run --image "oci:$TEST_DIR/img" img-raw
        [ "$status" -eq 0 ]
        [ "$output" = v2 ]
}

@test "image: two containers share the lower layers; each one's writes vanish with it" {
        std_image "echo \$0 > /etc/motd; sleep 1000"
        k run -d --image "oci:$TEST_DIR/img" img-one >/dev/null
        k run -d --image "oci:$TEST_DIR/img" img-two >/dev/null
        [ "$(layer_count)" -eq 2 ]
        p1=$(k state img-one | jq .pid)
        p2=$(k state img-two | jq .pid)
        # lowerdir+=LAYER once per layer (Linux 6.8), or one lowerdir=TOP:BASE.
        l1=$(grep ' / / .* - overlay ' /proc/$p1/mountinfo | grep -o 'lowerdir+*=[^,]*' | tr '\n' ' ')
        l2=$(grep ' / / .* - overlay ' /proc/$p2/mountinfo | grep -o 'lowerdir+*=[^,]*' | tr '\n' ' ')
        [ -n "$l1" ]
        [ "$l1" = "$l2" ]
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

# Overlayfs refuses an upper dir on overlayfs (keel inside a container):
# a real condition for the copied rootfs.  Everything runs in a private
# mount namespace that holds the overlay the state root lives on.
@test "image: without overlayfs the layers are copied into each container's rootfs" {
        std_image "sleep 1000"
        mkdir -p "$TEST_DIR/o/lower" "$TEST_DIR/o/upper" "$TEST_DIR/o/work" "$TEST_DIR/o/m"
        cat >"$TEST_DIR/copy.sh" <<-EOF
	set -eu
	mount -t overlay overlay -o lowerdir=$TEST_DIR/o/lower,upperdir=$TEST_DIR/o/upper,workdir=$TEST_DIR/o/work $TEST_DIR/o/m
	R=$TEST_DIR/o/m/root
	k() { "$KEEL" --root "\$R" "\$@"; }
	trap 'k delete -f imgb-copy1 2>/dev/null; k delete -f imgb-copy2 2>/dev/null' EXIT
	k run -d --image "oci:$TEST_DIR/img" imgb-copy1 2>$TEST_DIR/err1 >/dev/null
	k run -d --image "oci:$TEST_DIR/img" imgb-copy2 2>$TEST_DIR/err2 >/dev/null
	p1=\$(k state imgb-copy1 | jq .pid)
	p2=\$(k state imgb-copy2 | jq .pid)
	echo mine >/proc/\$p1/root/etc/motd
	echo "two: \$(cat /proc/\$p2/root/etc/motd)"
	echo "copy: \$(cat \$R/imgb-copy1/rootfs/etc/motd)"
	ls -A \$R/imgb-copy1
	grep -rqx mine \$R/.images/layers && echo "layer written"
	k delete -f imgb-copy1
	k delete -f imgb-copy2
	ls -A \$R | grep -vx '\.device-program'
	EOF
        run unshare -m --propagation private bash "$TEST_DIR/copy.sh"
        echo "$output"
        cat "$TEST_DIR/err1"
        [ "$status" -eq 0 ]
        # One notice per container, naming the reason.
        [ "$(wc -l <"$TEST_DIR/err1")" -eq 1 ]
        # (A warning record on stderr, as runc writes them: time="..." level=warning msg="...".)
        grep -q "^time=\"[^\"]*\" level=warning msg=\"image: overlay unavailable (overlay: filesystem on .*imgb-copy1/upper not supported as upperdir): copying the layers into the container's rootfs\"$" "$TEST_DIR/err1"
        grep -q "overlay unavailable" "$TEST_DIR/err2"
        [ "${lines[0]}" = "two: v2" ]           # the other container's copy is its own
        [ "${lines[1]}" = "copy: mine" ]        # the rootfs in the state dir is the copy
        [ "${lines[2]}" = config.json ]         # no upper/ nor work/
        [ "${lines[3]}" = rootfs ]
        [ "${lines[4]}" = state.json ]
        [ "${lines[5]}" = .images ]             # delete took each copy with its state dir
                                                # (and the hint of keel(8) FILES stays)
        [ "${#lines[@]}" -eq 6 ]
}

@test "image: the container sees the layers through the copy as through the overlay" {
        std_image "cat /etc/motd; ls /data; ls /etc; stat -c '%h %a' /bin/bb-hard; id -u; echo \$FOO"
        mkdir -p "$TEST_DIR/o/lower" "$TEST_DIR/o/upper" "$TEST_DIR/o/work" "$TEST_DIR/o/m"
        k run --image "oci:$TEST_DIR/img" imgb-viaovl >"$TEST_DIR/via-overlay"
        run unshare -m --propagation private sh -c "mount -t overlay overlay -o lowerdir=$TEST_DIR/o/lower,upperdir=$TEST_DIR/o/upper,workdir=$TEST_DIR/o/work $TEST_DIR/o/m && '$KEEL' --root $TEST_DIR/o/m/root run --image 'oci:$TEST_DIR/img' imgb-viacopy 2>/dev/null"
        echo "$output"
        [ "$status" -eq 0 ]
        [ "$output" = "$(cat "$TEST_DIR/via-overlay")" ]
        [ "${lines[0]}" = v2 ]
        [ "${lines[1]}" = new ]                 # opaque data/
        [ "${lines[2]}" = group ]               # deleteme whited out
        [ "${lines[5]}" = "2 755" ]             # the hard link kept
}

# layers_image OUT N CMD: a layout of N uncompressed layers (base: busybox;
# layer i adds /many/i and writes i to /top), made in one python3 process:
# a shell loop of ~10 processes per layer takes a minute here.
layers_image() {
        python3 - "$1" "$2" "$3" <<'PY'
import hashlib, io, json, os, sys, tarfile
out, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out + "/blobs/sha256")
def blob(data):
    h = hashlib.sha256(data).hexdigest()
    with open(f"{out}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
def layer(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data, mode in files:
            ti = tarfile.TarInfo(name)
            if data is None:
                ti.type, ti.mode = tarfile.DIRTYPE, 0o755
                t.addfile(ti)
            elif isinstance(data, str):
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, data, 0o777
                t.addfile(ti)
            else:
                ti.size, ti.mode = len(data), mode
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()
bb = open("/bin/busybox", "rb").read()
tars = [layer([("bin", None, 0), ("bin/busybox", bb, 0o755), ("bin/sh", "busybox", 0),
               ("bin/ls", "busybox", 0), ("bin/cat", "busybox", 0), ("bin/wc", "busybox", 0)])]
for i in range(1, n):
    tars.append(layer([("many", None, 0), (f"many/{i}", b"%d\n" % i, 0o644), ("top", b"%d\n" % i, 0o644)]))
mt = "application/vnd.oci.image.layer.v1.tar"
layers = [dict(mediaType=mt, **blob(t)) for t in tars]
diffs = ["sha256:" + hashlib.sha256(t).hexdigest() for t in tars]
cfg = blob(json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh", "-c", cmd]},
                       "rootfs": {"type": "layers", "diff_ids": diffs}}).encode())
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **cfg),
                       "layers": layers}).encode())
json.dump({"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.manifest.v1+json", **man)]},
          open(out + "/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(out + "/oci-layout", "w"))
PY
}

@test "image: an image of 100 layers runs (more than one page of lowerdir)" {
        layers_image "$TEST_DIR/img" 100 'ls /many | wc -l; cat /top /many/1 /many/50'
        run k run --image "oci:$TEST_DIR/img" imgb-many
        echo "$output"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = 99 ]
        [ "${lines[1]}" = 99 ]                  # the top-most layer wins
        [ "${lines[2]}" = 1 ]
        [ "${lines[3]}" = 50 ]
        [ "$(layer_count)" -eq 100 ]
}

@test "image: create --image with --bundle writes the bundle there; prune keeps used layers" {
        std_image "cat /etc/motd"
        k create --image "oci:$TEST_DIR/img" --bundle "$TEST_DIR/b" img-cr
        [ -f "$TEST_DIR/b/config.json" ]
        [ -d "$TEST_DIR/b/rootfs" ]
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
        [ "$status" -eq 0 ]
        [ "$output" = v2 ]
        k image unpack "oci:$TEST_DIR/img:latest" "$TEST_DIR/b"      # the same config: fine
        echo '{}' >"$TEST_DIR/b/config.json"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ]
        [[ "$output" == *"differs from the image's"* ]]
        [ "$(cat "$TEST_DIR/b/config.json")" = '{}' ]
        run k image unpack "oci:$TEST_DIR/img:nosuchtag" "$TEST_DIR/c"
        [ "$status" -eq 1 ]
        [[ "$output" == *'no image tagged "nosuchtag"'* ]]
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
        [ ! -e "$ROOT/img-tamper" ]
        [ ! -e "$ROOT/.images/bundles/img-tamper" ]
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
        [ "$status" -eq 1 ]
        [[ "$output" == *"sha256:$layer"* ]]
        [ "$(layer_count)" -le 1 ]
        [ -z "$(ls -A "$ROOT/.images/tmp")" ]
        rm "$TEST_DIR/img/blobs/sha256/$layer"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ]
        [[ "$output" == *"blob sha256:$layer"*"No such file"* ]]
        cp "$TEST_DIR/saved" "$TEST_DIR/img/blobs/sha256/$layer"
        echo >>"$TEST_DIR/img/blobs/sha256/$layer"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ]
        [[ "$output" == *"larger than its descriptor's size"* ]]
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
        [ "$status" -eq 1 ]
        [[ "$output" == *"leaves the layer"* ]]
        assert_store_clean
        [ ! -e "$ROOT/../escape-img-bats" ]
        [ ! -e "$TEST_DIR/escape-img-bats" ]
        rm -rf "$TEST_DIR/img"
        t=$(mktemp "$TEST_DIR/layer.XXXXXX")
        tar -C "$TEST_DIR/evil" -cf "$t" -P --transform 's,^\./sub/f$,/tmp/escape-img-bats-abs,' ./sub/f
        make_layout "$TEST_DIR/img" gz '"Cmd":["true"]' "$t"
        run k image unpack "oci:$TEST_DIR/img" "$TEST_DIR/b"
        [ "$status" -eq 1 ]
        [[ "$output" == *"leaves the layer"* ]]
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

@test "image: a command after the id replaces the image's Cmd; --entrypoint its Entrypoint" {
        # As `podman run IMAGE CMD...` and `--entrypoint`: trying another
        # command needs no edited config.  Fails on a keel that takes only
        # an id after --image.
        make_layout "$TEST_DIR/img" gz '"Entrypoint":["/bin/echo","entry"],"Cmd":["from-cmd"]' \
                "$(tar_of "$TEST_DIR/base")" "$(tar_of "$TEST_DIR/top")"
        run k run --image "oci:$TEST_DIR/img" imgc-default
        [ "$status" -eq 0 ]
        [ "$output" = "entry from-cmd" ]
        run k run --image "oci:$TEST_DIR/img" imgc-cmd -- mine too
        [ "$status" -eq 0 ]
        [ "$output" = "entry mine too" ]
        run k run --image "oci:$TEST_DIR/img" imgc-nodash mine
        [ "$output" = "entry mine" ]
        # --entrypoint drops the image's Cmd too, as docker's does.
        run k run --image "oci:$TEST_DIR/img" --entrypoint /bin/cat imgc-entry
        [ "$status" -eq 0 ]
        [ "$output" = "" ]
        run k run --image "oci:$TEST_DIR/img" --entrypoint /bin/cat imgc-entry2 /etc/motd
        [ "$output" = v2 ]
        # create too; the bundle's config.json says so.
        # (Not through bats' run: the created init holds its stdout.)
        k create --image "oci:$TEST_DIR/img" --bundle "$TEST_DIR/b" imgc-create /bin/sh -c 'echo hi' \
                </dev/null >/dev/null 2>&1
        [ "$(jq -c .process.args "$TEST_DIR/b/config.json")" = '["/bin/echo","entry","/bin/sh","-c","echo hi"]' ]
        k delete imgc-create
        # Without --image, more than an id is still an error.
        run k run --bundle "$TEST_DIR/b" imgc-x extra
        [ "$status" -eq 1 ]
        run k run --bundle "$TEST_DIR/b" --entrypoint /bin/sh imgc-y
        [ "$status" -eq 1 ]
        [[ "$output" == *"--entrypoint: only with --image"* ]]
}
