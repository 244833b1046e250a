# SPDX-License-Identifier: LGPL-2.1-or-later
# process.apparmorProfile (create and exec --apparmor) on a kernel with
# AppArmor: the profile confines the process (its own attr/current names
# it, and a path the profile denies is refused), a profile the kernel does
# not know makes create fail naming the field, and a mount over the init's
# attr directory does not redirect keel's write (CVE-2019-16884's class).

vm_plan 7

if ! command -v apparmor_parser >/dev/null || [ ! -e /sys/module/apparmor/parameters/enabled ]; then
        for t in profile_is_applied a_capability_the_profile_lacks_is_refused features_says_enabled \
                exec_apparmor_applies unknown_profile_fails_create nothing_runs_unconfined \
                attr_mount_does_not_redirect_the_profile; do
                vm_skip "$t" "no AppArmor (apparmor_parser or the kernel's)"
        done
        return 0 2>/dev/null || exit 0
fi
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
cat >"$VMT_DIR/keel-test.prof" <<'P'
abi <abi/3.0>,
profile keel-test flags=(attach_disconnected,mediate_deleted) {
  file,
  capability,
  mount,
  umount,
  signal,
  ptrace,
  unix,
  network,
  pivot_root,
}
profile keel-test-nocap flags=(attach_disconnected,mediate_deleted) {
  file,
  signal,
  unix,
}
P
apparmor_parser -r "$VMT_DIR/keel-test.prof" >"$VMT_DIR/parser.out" 2>&1 ||
        vm_diag "apparmor_parser: $(cat "$VMT_DIR/parser.out")"

ID=vmh-aa
B=$VMT_DIR/aa
make_bundle "$B" /bin/sh -c 'cat /proc/self/attr/current; echo; hostname aa-test && echo allowed || echo refused'
bundle_jq "$B" '.process.apparmorProfile = "keel-test"
        | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
        | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
        | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
k run --bundle "$B" $ID >"$VMT_DIR/aa.out" 2>&1
vm_ok "profile_is_applied" grep -q "^keel-test (enforce)" "$VMT_DIR/aa.out" ||
        vm_diag "$(cat "$VMT_DIR/aa.out")"
# The same container under a profile without capabilities: root's
# CAP_SYS_ADMIN in its uts namespace no longer lets it set the hostname.
bundle_jq "$B" '.process.apparmorProfile = "keel-test-nocap"'
k run --bundle "$B" $ID >"$VMT_DIR/aa-nocap.out" 2>&1
vm_ok "a_capability_the_profile_lacks_is_refused" sh -c "grep -qx allowed '$VMT_DIR/aa.out' && grep -qx refused '$VMT_DIR/aa-nocap.out'" ||
        vm_diag "$(cat "$VMT_DIR/aa.out" "$VMT_DIR/aa-nocap.out")"
"$KEEL" features >"$VMT_DIR/features.json" 2>&1
vm_ok "features_says_enabled" jq -e '.linux.apparmor.enabled == true' "$VMT_DIR/features.json"

# exec --apparmor into an unconfined container.
ID=vmh-aa-exec
B=$VMT_DIR/aa-exec
make_bundle "$B" /bin/sleep 600
k run --detach --bundle "$B" $ID >"$VMT_DIR/aa-exec.run" 2>&1
k exec --apparmor keel-test $ID /bin/cat /proc/self/attr/current >"$VMT_DIR/aa-exec.out" 2>&1
vm_ok "exec_apparmor_applies" grep -q "^keel-test (enforce)" "$VMT_DIR/aa-exec.out" ||
        vm_diag "$(cat "$VMT_DIR/aa-exec.out")"
k delete --force $ID

# A profile the kernel has not loaded: the init takes it before create
# returns (as it takes its user and capabilities), so create fails and
# nothing is left to start.
ID=vmh-aa-none
B=$VMT_DIR/aa-none
make_bundle "$B" /bin/true
bundle_jq "$B" '.process.apparmorProfile = "no-such-profile"'
k create --bundle "$B" $ID >"$VMT_DIR/aa-none.out" 2>&1
vm_ok "unknown_profile_fails_create" grep -q "process.apparmorProfile: no-such-profile" \
        "$VMT_DIR/aa-none.out"
vm_is "nothing_runs_unconfined" "" "$(ctr_status $ID)"
k delete --force $ID 2>/dev/null

# tmpfs over the init's own attr directories (pid 1 in its pid namespace:
# /proc/1/attr, where self leads, and its thread's, where thread-self does),
# mounted before keel sets the label: a runtime writing "exec keel-test" by
# path into the container's /proc writes a file of that tmpfs, and the
# process runs unconfined.  keel writes through a procfs of its own.
ID=vmh-aa-redirect
B=$VMT_DIR/aa-redirect
make_bundle "$B" /bin/sleep 600
bundle_jq "$B" '.process.apparmorProfile = "keel-test"
        | .mounts += [{destination: "/proc/1/attr", type: "tmpfs", source: "tmpfs"},
                     {destination: "/proc/1/task/1/attr", type: "tmpfs", source: "tmpfs"}]'
k run --detach --bundle "$B" $ID >"$VMT_DIR/aa-redirect.out" 2>&1
pid=$(ctr_pid $ID)
vm_ok "attr_mount_does_not_redirect_the_profile" grep -q "^keel-test (enforce)" \
        "/proc/${pid:-0}/attr/current" ||
        vm_diag "$(cat "$VMT_DIR/aa-redirect.out" "/proc/${pid:-0}/attr/current" 2>&1)"
k delete --force $ID
