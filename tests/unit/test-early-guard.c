/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The binary guard's first step (libkeel/linux/exe-guard-early.c): which command lines it
 * takes as a plain create or run, and which it leaves to main.  Leaving one
 * to main is always safe (main decides as before); taking one it should
 * not, or reading the wrong bundle, is what these catch.  (The "user" value
 * rule it shares with libkeel: test-json-scan.) */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux/exe-guard-early.h"
#include "tap.h"

struct line {
        const char *name;
        const char *argv[16];
        const char *bundle;     /* NULL: left to main */
};

static const struct line lines[] = {
        { "plain_run_in_the_current_directory", { "keel", "run", "c1" }, "." },
        { "create_with_bundle", { "keel", "create", "--bundle", "/b", "c1" }, "/b" },
        { "short_bundle", { "keel", "create", "-b", "/b", "c1" }, "/b" },
        { "bundle_with_equals", { "keel", "run", "--bundle=/b", "c1" }, "/b" },
        { "containerd_shim_spelling",
          { "runc", "--root", "/run/containerd/runc/k8s.io", "--log", "/x/log.json",
            "--log-format", "json", "create", "--bundle", "/b", "--pid-file", "/b/init.pid",
            "c1" }, "/b" },
        { "podman_conmon_spelling",
          { "crun", "--systemd-cgroup", "--root=/run/crun", "create", "--bundle", "/b",
            "--pid-file", "/p", "--no-new-keyring", "--console-socket=/s", "c1" }, "/b" },
        { "debug_and_cgroup_manager", { "keel", "--debug", "--cgroup-manager", "disabled",
                                        "--rootless", "false", "--criu", "/c", "run", "-d",
                                        "--keep", "c1" }, "." },
        { "double_dash_ends_the_options", { "keel", "run", "-b", "/b", "--", "-c1" }, "/b" },
        { "last_bundle_wins", { "keel", "run", "-b", "/a", "--bundle", "/b", "c1" }, "/b" },
        { "exec_is_left_to_main", { "keel", "exec", "c1", "/bin/true" }, NULL },
        { "restore_is_left_to_main", { "keel", "restore", "c1" }, NULL },
        { "state_is_left_to_main", { "keel", "state", "c1" }, NULL },
        { "no_command", { "keel", "--debug" }, NULL },
        { "no_container_id", { "keel", "run", "--bundle", "/b" }, NULL },
        { "bundle_without_its_value", { "keel", "run", "--bundle" }, NULL },
        { "global_without_its_value", { "keel", "--root" }, NULL },
        { "empty_bundle", { "keel", "run", "--bundle", "", "c1" }, NULL },
        { "config_file_is_left_to_main", { "keel", "run", "--config", "/f", "c1" }, NULL },
        { "short_config_is_left_to_main", { "keel", "run", "-f", "/f", "c1" }, NULL },
        { "image_is_left_to_main", { "keel", "run", "--image", "oci:/l", "c1" }, NULL },
        { "help_is_left_to_main", { "keel", "run", "--help" }, NULL },
        { "unknown_global_option", { "keel", "--frobnicate", "run", "c1" }, NULL },
        { "single_dash_global_spelling", { "keel", "-root", "/r", "run", "c1" }, NULL },
        { "abbreviated_option", { "keel", "run", "--bun", "/b", "c1" }, NULL },
        { "glued_short_bundle", { "keel", "run", "-b/b", "c1" }, NULL },
        { "detach_is_run_only", { "keel", "create", "--detach", "c1" }, NULL },
        { "global_option_after_the_command", { "keel", "run", "--root", "/r", "c1" }, NULL },
        { "bundle_word_as_another_value", { "keel", "run", "--pid-file", "--bundle", "c1" }, "." },
};

static void command_lines(void)
{
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
                const struct line *l = &lines[i];
                int argc = 0;
                const char *got;

                while (l->argv[argc] != NULL)
                        argc++;
                got = keel_early_bundle(argc, (char *const *) l->argv);
                if (l->bundle == NULL)
                        tap_ok(got == NULL, "%s (got %s)", l->name, got ? got : "NULL");
                else
                        tap_ok(got != NULL && strcmp(got, l->bundle) == 0, "%s (got %s)",
                               l->name, got ? got : "NULL");
        }
}

/* It runs before libc is set up: the only symbol it may need from elsewhere
 * is _start (a memset the compiler made of a loop, or a stack protector's
 * __stack_chk_fail, would crash keel at its first instruction). */
static void calls_nothing_but_start(void)
{
        FILE *f = popen("nm -u " EARLY_ARCHIVE " 2>&1", "r");
        char line[256];
        int start = 0, other = 0;

        if (f == NULL) {
                tap_skip("the_early_object_calls_nothing_but_start", "cannot run nm");
                return;
        }
        while (fgets(line, sizeof(line), f) != NULL) {
                if (strstr(line, " U _start\n") != NULL)
                        start++;
                else if (strstr(line, " U ") != NULL || strstr(line, "nm:") != NULL) {
                        tap_diag("%s", line);
                        other++;
                }
        }
        pclose(f);
        tap_ok(start == 1 && other == 0, "the_early_object_calls_nothing_but_start");
}

int main(void)
{
        command_lines();
        calls_nothing_but_start();
        return tap_done();
}
