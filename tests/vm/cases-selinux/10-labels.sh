# SPDX-License-Identifier: LGPL-2.1-or-later
# SELinux labels, in a VM booted with security=selinux enforcing=0 and
# Debian's reference policy loaded: process.selinuxLabel is the init's
# context after its execve (and its session keyring's), exec --process-label
# and the config's label for exec, linux.mountLabel on a tmpfs, and a tmpfs
# over the init's own attr directory that does not catch keel's write
# (CVE-2019-16884's class).  Permissive mode still performs the transitions,
# and that is what is checked.

vm_plan 9

B=$VMT_DIR/b
LABEL=system_u:system_r:initrc_t:s0
MLABEL=system_u:object_r:tmp_t:s0

load_policy -i >"$VMT_DIR/lp.out" 2>&1
vm_ok "selinux_is_enabled_with_a_policy" test -e /sys/fs/selinux/enforce
vm_is "features_reports_selinux" true \
        "$("$KEEL" features | jq -r .linux.selinux.enabled)"

make_bundle "$B" /bin/sh -c 'cat /proc/self/attr/current; echo; sleep 100'
bundle_jq "$B" '.process.selinuxLabel = $l | .linux.mountLabel = $m
        | .mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}]' \
        --arg l "$LABEL" --arg m "$MLABEL"
mkdir -p "$B/rootfs/scratch"
k run --detach --bundle "$B" vmse-a >"$VMT_DIR/a.out" 2>&1
wait_until 10 test -s "$VMT_DIR/a.out"
vm_is "the_init_runs_with_process_selinux_label" "$LABEL" "$(head -1 "$VMT_DIR/a.out" | tr -d '\0')"
pid=$(ctr_pid vmse-a)
vm_is "the_host_sees_the_same_context" "$LABEL" "$(tr -d '\0' <"/proc/$pid/attr/current")"
vm_is "the_tmpfs_has_linux_mount_label" "$MLABEL" \
        "$(/usr/bin/stat -c %C "/proc/$pid/root/scratch")"
vm_is "exec_gets_the_configs_label" "$LABEL" \
        "$(k exec vmse-a cat /proc/self/attr/current | tr -d '\0')"
vm_is "exec_process_label_overrides_it" "system_u:system_r:kernel_t:s0" \
        "$(k exec --process-label system_u:system_r:kernel_t:s0 vmse-a cat /proc/self/attr/current | tr -d '\0')"
k delete --force vmse-a

# A context the policy does not know fails the create, naming the field.
bundle_jq "$B" '.process.selinuxLabel = "system_u:system_r:no_such_type_t:s0"'
k create --bundle "$B" vmse-b >"$VMT_DIR/b.out" 2>&1
vm_ok "an_unknown_context_fails_naming_the_field" \
        grep -q 'process.selinuxLabel: system_u:system_r:no_such_type_t:s0: Invalid argument' "$VMT_DIR/b.out" ||
        vm_diag "$(cat "$VMT_DIR/b.out")"

# tmpfs over /proc/1/attr and /proc/1/task/1/attr (the init's, in its pid
# namespace, where self and thread-self lead), mounted
# before keel writes attr/exec: a runtime writing by path into the
# container's /proc would write a file of that tmpfs and leave the process
# in keel's own context.  keel writes through a procfs of its own.
bundle_jq "$B" '.process.selinuxLabel = $l
        | .mounts += [{destination: "/proc/1/attr", type: "tmpfs", source: "tmpfs"},
                     {destination: "/proc/1/task/1/attr", type: "tmpfs", source: "tmpfs"}]' --arg l "$LABEL"
k run --detach --bundle "$B" vmse-c >"$VMT_DIR/c.out" 2>&1
pid=$(ctr_pid vmse-c)
vm_is "an_attr_mount_does_not_redirect_the_label" "$LABEL" \
        "$(tr -d '\0' <"/proc/${pid:-0}/attr/current" 2>&1)" || vm_diag "$(cat "$VMT_DIR/c.out")"
k delete --force vmse-c
