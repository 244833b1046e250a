#!/usr/bin/env bats
# `keel features`: the runtime-spec features document, read by engines
# (containerd, CRI-O, podman) to learn what keel supports.

load helpers

@test "features_prints_the_spec_document" {
        run "$KEEL" features
        [ "$status" -eq 0 ]
        echo "$output" | jq -e . >/dev/null
        [ "$(echo "$output" | jq -r .ociVersionMin)" = "1.0.0" ]
        [ "$(echo "$output" | jq -r .ociVersionMax)" = "1.3.0" ]
}

@test "features_lists_hooks_and_namespaces" {
        run "$KEEL" features
        [ "$status" -eq 0 ]
        [ "$(echo "$output" | jq -r '.hooks | join(",")')" = \
          "prestart,createRuntime,createContainer,startContainer,poststart,poststop" ]
        [ "$(echo "$output" | jq '.linux.namespaces | length')" -eq 8 ]
        echo "$output" | jq -e '.linux.capabilities | index("CAP_SYS_ADMIN")' >/dev/null
}

@test "features_seccomp_and_cgroup" {
        run "$KEEL" features
        [ "$status" -eq 0 ]
        echo "$output" | jq -e '.linux.seccomp.enabled == true' >/dev/null
        echo "$output" | jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY")' >/dev/null
        echo "$output" | jq -e '.linux.cgroup.v2 == true and .linux.cgroup.v1 == false' >/dev/null
        # supportedFlags is a subset of knownFlags
        echo "$output" | jq -e '.linux.seccomp as $s | ($s.supportedFlags - $s.knownFlags) == []' >/dev/null
}

@test "features_does_not_claim_refused_fields" {
        run "$KEEL" features
        [ "$status" -eq 0 ]
        echo "$output" | jq -e '.linux.apparmor.enabled == false and .linux.selinux.enabled == false' >/dev/null
        echo "$output" | jq -e '.linux.mountExtensions.idmap.enabled == true and (.mountOptions | index("ridmap") != null)' >/dev/null
        for o in remount copy-symlink; do
                echo "$output" | jq -e --arg o "$o" '.mountOptions | index($o) == null' >/dev/null
        done
        echo "$output" | jq -e 'has("potentiallyUnsafeConfigAnnotations") | not' >/dev/null
}

@test "features_annotations_name_the_build" {
        run "$KEEL" features
        [ "$status" -eq 0 ]
        version=$("$KEEL" --version | sed -n 's/^keel version //p')
        [ "$(echo "$output" | jq -r '.annotations["org.keel.version"]')" = "$version" ]
        [[ "$(echo "$output" | jq -r '.annotations["org.keel.commit"]')" =~ ^([0-9a-f]+|unknown)$ ]]
        [[ "$(echo "$output" | jq -r '.annotations["io.github.seccomp.libseccomp.version"]')" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "features_takes_no_arguments" {
        run "$KEEL" features extra
        [ "$status" -eq 1 ]
        [[ "$output" == *'unexpected argument "extra"'* ]]
}

@test "features_help_shows_usage" {
        run "$KEEL" features --help
        [ "$status" -eq 0 ]
        [[ "$output" == *"Usage: keel features"* ]]
}
