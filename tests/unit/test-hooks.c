/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"
#include "tap.h"

static char tmpdir[] = "/tmp/keel-test-hooks-XXXXXX";

static char *path_in_tmp(const char *name)
{
        static char bufs[8][512];
        static int next;
        char *b = bufs[next++ % 8];

        snprintf(b, sizeof(bufs[0]), "%s/%s", tmpdir, name);
        return b;
}

/* Write an executable shell script hook; returns its path. */
static const char *write_hook(const char *name, const char *body)
{
        const char *path = path_in_tmp(name);
        FILE *f = fopen(path, "w");

        if (f == NULL)
                abort();
        fprintf(f, "#!/bin/sh\n%s\n", body);
        fclose(f);
        chmod(path, 0755);
        return path;
}

static char *slurp(const char *path, size_t *len)
{
        FILE *f = fopen(path, "r");
        char *buf = NULL;
        size_t cap = 0, n = 0, r;

        if (f == NULL)
                return NULL;
        do {
                if (n + 4096 + 1 > cap) {
                        cap = (n + 4096 + 1) * 2;
                        buf = realloc(buf, cap);
                }
                r = fread(buf + n, 1, 4096, f);
                n += r;
        } while (r > 0);
        fclose(f);
        buf[n] = '\0';
        if (len != NULL)
                *len = n;
        return buf;
}

static double seconds_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double) (t1.tv_sec - t0->tv_sec) + (double) (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static int count_fds(void)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        int n = 0;

        while ((de = readdir(d)) != NULL)
                n += de->d_name[0] != '.';
        closedir(d);
        return n - 1; /* the DIR's own fd */
}

static int no_children_left(void)
{
        return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

/* Wait up to secs for pid (reparented to us, the subreaper) to end. */
static int reap_within(pid_t pid, double secs, int *status)
{
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (seconds_since(&t0) < secs) {
                pid_t w = waitpid(pid, status, WNOHANG);

                if (w == pid)
                        return 1;
                if (w < 0)
                        return 0;
                usleep(10000);
        }
        return 0;
}

static void state_reaches_stdin(void)
{
        const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\"}";
        char *out = path_in_tmp("state.out");
        char *const args[] = { "hook", out, NULL };
        struct keel_hook_exec h = {
                .path = write_hook("state.sh", "/bin/cat > \"$1\""),
                .args = args,
        };
        struct keel_error *err = NULL;
        char *got;
        int ret = keel_hook_run(&h, state, strlen(state), "prestart", &err);

        tap_ok(ret == 0, "hook_succeeds_with_status_0");
        if (err)
                tap_diag("%s", err->msg);
        got = slurp(out, NULL);
        tap_is_str(got, state, "hook_reads_state_on_stdin");
        free(got);
        keel_error_free(err);
}

static void large_state_is_read_whole(void)
{
        size_t len = 1024 * 1024, got_len = 0, i;
        char *state = malloc(len), *got;
        char *out = path_in_tmp("large.out");
        char *const args[] = { "hook", out, NULL };
        struct keel_hook_exec h = {
                .path = write_hook("large.sh", "/bin/cat > \"$1\""),
                .args = args,
        };
        int ret;

        for (i = 0; i < len; i++)
                state[i] = (char) ('a' + i % 26);
        ret = keel_hook_run(&h, state, len, "prestart", NULL);
        got = slurp(out, &got_len);
        tap_ok(ret == 0 && got_len == len && memcmp(got, state, len) == 0,
               "hook_reads_1MiB_state_whole");
        free(got);
        free(state);
}

static void argv_is_exact(void)
{
        char script[600], *got;
        char *out = path_in_tmp("argv.out");
        char *const args[] = { "my-argv0", "-c", script, "x", "two words", "", NULL };
        struct keel_hook_exec h = { .path = "/bin/sh", .args = args };
        int ret;

        snprintf(script, sizeof(script), "/usr/bin/tr '\\0' '\\n' < /proc/$$/cmdline > '%s'", out);
        ret = keel_hook_run(&h, NULL, 0, "createRuntime", NULL);
        got = slurp(out, NULL);
        {
                char want[800];

                snprintf(want, sizeof(want), "my-argv0\n-c\n%s\nx\ntwo words\n\n", script);
                tap_ok(ret == 0 && got != NULL && strcmp(got, want) == 0,
                       "hook_argv_is_args_exactly_with_argv0");
                if (got && strcmp(got, want) != 0)
                        tap_diag("got '%s'", got);
        }
        free(got);
}

static void argv_defaults_to_path(void)
{
        char cmd[600], *got, want[64];
        char *out = path_in_tmp("argv0.out");
        struct keel_hook_exec h = { .path = "/bin/sh" };
        int ret;

        /* No args: sh runs as argv { "/bin/sh" } and reads its commands
         * from stdin, which is the "state". */
        snprintf(cmd, sizeof(cmd), "/usr/bin/tr '\\0' '\\n' < /proc/$$/cmdline > '%s'\n", out);
        ret = keel_hook_run(&h, cmd, strlen(cmd), "poststop", NULL);
        got = slurp(out, NULL);
        snprintf(want, sizeof(want), "/bin/sh\n");
        tap_ok(ret == 0 && got != NULL && strcmp(got, want) == 0, "hook_without_args_gets_path_as_argv0");
        free(got);
}

static void env_is_exact(void)
{
        char *out = path_in_tmp("env.out");
        char *const args[] = { "hook", out, NULL };
        char *const env[] = { "A=1", "B=two words", "EMPTY=", NULL };
        const char *hook = write_hook("env.sh", "/bin/cat /proc/$$/environ > \"$1\"");
        struct keel_hook_exec h = { .path = hook, .args = args, .env = env };
        size_t len = 0;
        char *got;
        int ret;

        setenv("KEEL_TEST_MUST_NOT_LEAK", "1", 1);
        ret = keel_hook_run(&h, NULL, 0, "prestart", NULL);
        got = slurp(out, &len);
        tap_ok(ret == 0 && len == sizeof("A=1\0B=two words\0EMPTY=") &&
               memcmp(got, "A=1\0B=two words\0EMPTY=", len) == 0, "hook_env_is_env_exactly");
        free(got);

        h.env = NULL;
        ret = keel_hook_run(&h, NULL, 0, "prestart", NULL);
        got = slurp(out, &len);
        tap_ok(ret == 0 && got != NULL && len == 0, "hook_without_env_gets_empty_environment");
        free(got);
        unsetenv("KEEL_TEST_MUST_NOT_LEAK");
}

static void cwd_is_entered(void)
{
        char *out = path_in_tmp("cwd.out"), *got, want[600], *missing = path_in_tmp("no-such-dir");
        char *const args[] = { "hook", out, NULL };
        const char *hook = write_hook("cwd.sh", "pwd > \"$1\"");
        struct keel_hook_exec h = { .path = hook, .args = args, .cwd = tmpdir };
        struct keel_error *err = NULL;
        int ret;

        ret = keel_hook_run(&h, NULL, 0, "prestart", NULL);
        got = slurp(out, NULL);
        snprintf(want, sizeof(want), "%s\n", tmpdir);
        tap_ok(ret == 0 && got != NULL && strcmp(got, want) == 0, "hook_starts_in_its_cwd");
        free(got);

        h.cwd = missing;
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        snprintf(want, sizeof(want), "prestart hook %s: working directory %s: No such file or "
                 "directory", hook, missing);
        tap_ok(ret == -ENOENT && err != NULL, "hook_with_a_missing_cwd_fails");
        tap_is_str(err ? err->msg : NULL, want, "hook_missing_cwd_message_names_it");
        keel_error_free(err);
}

static void failure_messages(void)
{
        struct keel_hook_exec h = { 0 };
        struct keel_error *err = NULL;
        char want[1024];
        int ret;

        h.path = write_hook("exit3.sh", "exit 3");
        ret = keel_hook_run(&h, "{}", 2, "prestart", &err);
        snprintf(want, sizeof(want), "prestart hook %s: exited with status 3", h.path);
        tap_ok(ret < 0, "hook_exit_3_fails");
        tap_is_str(err ? err->msg : NULL, want, "hook_exit_status_is_reported");
        keel_error_free(err);

        err = NULL;
        h.path = write_hook("exit3-output.sh", "echo starting\necho 'no bridge br0' >&2\nexit 3");
        keel_hook_run(&h, "{}", 2, "createRuntime", &err);
        snprintf(want, sizeof(want),
                 "createRuntime hook %s: exited with status 3, output: starting\nno bridge br0", h.path);
        tap_is_str(err ? err->msg : NULL, want, "hook_failure_ends_with_its_stdout_and_stderr");
        keel_error_free(err);

        err = NULL;
        h.path = write_hook("term.sh", "kill -TERM $$");
        keel_hook_run(&h, NULL, 0, "poststop", &err);
        snprintf(want, sizeof(want), "poststop hook %s: killed by signal SIGTERM", h.path);
        tap_is_str(err ? err->msg : NULL, want, "hook_killed_by_signal_names_it");
        keel_error_free(err);

        err = NULL;
        h.path = "/nonexistent/keel-hook";
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        tap_is_int(ret, -ENOENT, "missing_hook_returns_enoent");
        tap_is_str(err ? err->msg : NULL,
                   "prestart hook /nonexistent/keel-hook: execute: No such file or directory",
                   "missing_hook_message_names_it");
        keel_error_free(err);
        tap_ok(no_children_left(), "missing_hook_leaves_no_zombie");

        err = NULL;
        h.path = path_in_tmp("not-executable");
        fclose(fopen(h.path, "w"));
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        snprintf(want, sizeof(want), "prestart hook %s: execute: Permission denied", h.path);
        tap_is_int(ret, -EACCES, "non_executable_hook_returns_eacces");
        tap_is_str(err ? err->msg : NULL, want, "non_executable_hook_message");
        keel_error_free(err);

        err = NULL;
        h.path = "bin/hook";
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        tap_is_str(err ? err->msg : NULL, "prestart hook bin/hook: path must be absolute",
                   "relative_hook_path_is_rejected");
        keel_error_free(err);

        err = NULL;
        h.path = NULL;
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        tap_is_str(err ? err->msg : NULL, "prestart hook: path must not be empty",
                   "hook_without_path_is_rejected");
        keel_error_free(err);

        err = NULL;
        h.path = "/bin/true";
        h.timeout = -1;
        ret = keel_hook_run(&h, NULL, 0, "prestart", &err);
        tap_is_str(err ? err->msg : NULL,
                   "prestart hook /bin/true: timeout -1 must be greater than zero",
                   "negative_timeout_is_rejected");
        keel_error_free(err);

        err = NULL;
        h.path = write_hook("exit4.sh", "exit 4");
        h.timeout = 0;
        keel_hook_run(&h, NULL, 0, NULL, &err);
        snprintf(want, sizeof(want), "hook %s: exited with status 4", h.path);
        tap_is_str(err ? err->msg : NULL, want, "hook_without_kind_is_named_hook");
        keel_error_free(err);
}

static void output_is_bounded(void)
{
        struct keel_hook_exec h = {
                .path = write_hook("noisy.sh",
                                   "i=0; while [ $i -lt 2000 ]; do echo xxxxxxxxxxxxxxxxxxx; i=$((i+1)); done\n"
                                   "echo last line >&2; exit 1"),
        };
        struct keel_error *err = NULL;
        const char *tail;

        keel_hook_run(&h, NULL, 0, "prestart", &err);
        tail = err ? strstr(err->msg, ", output: ...") : NULL;
        tap_ok(tail != NULL, "long_output_is_marked_truncated");
        tap_ok(tail != NULL && strlen(tail + strlen(", output: ...")) < 4096 &&
               strcmp(tail + strlen(tail) - strlen("xxx\nlast line"), "xxx\nlast line") == 0,
               "long_output_keeps_its_last_4KiB");
        keel_error_free(err);
}

static void timeout_kills_the_hook_and_its_children(void)
{
        char *pidfile = path_in_tmp("timeout.pids");
        char *const args[] = { "hook", pidfile, NULL };
        struct keel_hook_exec h = {
                .path = write_hook("timeout.sh",
                                   "/bin/sleep 10 &\necho $$ $! > \"$1\"\nwait"),
                .args = args,
                .timeout = 1,
        };
        struct keel_error *err = NULL;
        struct timespec t0;
        char want[512], *pids;
        int hook_pid = 0, sleep_pid = 0, status = 0, ret;
        double took;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        ret = keel_hook_run(&h, "{}", 2, "prestart", &err);
        took = seconds_since(&t0);
        snprintf(want, sizeof(want), "prestart hook %s: timed out after 1 s", h.path);
        tap_ok(ret < 0, "hook_past_timeout_fails");
        tap_is_str(err ? err->msg : NULL, want, "hook_timeout_message");
        tap_ok(took >= 0.9 && took < 4, "hook_timeout_fires_after_about_1s (%.2f s)", took);
        keel_error_free(err);

        pids = slurp(pidfile, NULL);
        if (pids == NULL || sscanf(pids, "%d %d", &hook_pid, &sleep_pid) != 2)
                tap_diag("no pids from the hook");
        free(pids);
        tap_ok(hook_pid > 0 && kill(hook_pid, 0) < 0 && errno == ESRCH,
               "timed_out_hook_is_reaped");
        /* We are a subreaper: the killed sleep comes back to us. */
        tap_ok(sleep_pid > 0 && reap_within(sleep_pid, 2, &status) && WIFSIGNALED(status) &&
               WTERMSIG(status) == SIGKILL, "timed_out_hooks_child_is_killed_too");
        tap_ok(no_children_left(), "timeout_leaves_no_process");
}

static void hook_leaving_a_daemon_returns_at_once(void)
{
        char *pidfile = path_in_tmp("daemon.pid");
        char *const args[] = { "hook", pidfile, NULL };
        struct keel_hook_exec h = {
                .path = write_hook("daemon.sh", "/bin/sleep 5 &\necho $! > \"$1\"\nexit 0"),
                .args = args,
        };
        struct timespec t0;
        char *pid_text;
        int ret, daemon = 0;
        double took;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        ret = keel_hook_run(&h, NULL, 0, "poststart", NULL);
        took = seconds_since(&t0);
        tap_ok(ret == 0 && took < 2,
               "hook_exit_does_not_wait_for_a_child_holding_its_output (%.2f s)", took);
        pid_text = slurp(pidfile, NULL);
        if (pid_text != NULL)
                daemon = atoi(pid_text);
        free(pid_text);
        tap_ok(daemon > 0 && kill(daemon, 0) == 0, "successful_hooks_children_are_left_alone");
        if (daemon > 0) {
                kill(daemon, SIGKILL);
                reap_within(daemon, 2, NULL);
        }
}

static void hook_not_reading_stdin_is_harmless(void)
{
        size_t len = 1024 * 1024;
        char *state = calloc(1, len);
        struct keel_hook_exec h = { .path = write_hook("noread.sh", "exit 0") };
        sigset_t mask, pending;
        int ret;

        memset(state, 'x', len);
        ret = keel_hook_run(&h, state, len, "prestart", NULL);
        tap_ok(ret == 0, "hook_ignoring_1MiB_stdin_succeeds_and_keel_survives");

        h.path = write_hook("closein.sh", "exec 0<&-\n/bin/sleep 0.3\nexit 0");
        ret = keel_hook_run(&h, state, len, "prestart", NULL);
        tap_ok(ret == 0, "hook_closing_stdin_early_succeeds");

        h.path = write_hook("partial.sh", "/usr/bin/head -c 10 > /dev/null\nexit 0");
        ret = keel_hook_run(&h, state, len, "prestart", NULL);
        tap_ok(ret == 0, "hook_reading_part_of_stdin_succeeds");

        sigprocmask(SIG_SETMASK, NULL, &mask);
        sigpending(&pending);
        tap_ok(!sigismember(&mask, SIGPIPE), "sigpipe_mask_is_restored");
        tap_ok(!sigismember(&pending, SIGPIPE), "no_sigpipe_is_left_pending");
        free(state);
}

static void only_stdio_reaches_the_hook(void)
{
        char script[600], *got;
        char *out = path_in_tmp("fds.out");
        char *const args[] = { "sh", "-c", script, NULL };
        struct keel_hook_exec h = { .path = "/bin/sh", .args = args };
        int leak1 = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
        int leak2[2];
        int ret;

        if (pipe(leak2) < 0)
                abort();
        snprintf(script, sizeof(script), "/bin/ls /proc/self/fd > '%s'", out);
        ret = keel_hook_run(&h, "{}", 2, "prestart", NULL);
        got = slurp(out, NULL);
        /* 0-2, and 3 for ls's own reading of /proc/self/fd. */
        tap_ok(ret == 0 && got != NULL && strcmp(got, "0\n1\n2\n3\n") == 0,
               "hook_sees_only_fds_0_1_2");
        if (got && strcmp(got, "0\n1\n2\n3\n") != 0)
                tap_diag("hook saw fds: %s", got);
        free(got);
        close(leak1);
        close(leak2[0]);
        close(leak2[1]);
}

int main(void)
{
        struct rlimit no_core = { 0, 0 };
        int fds_before, fds_after;

        setvbuf(stdout, NULL, _IOLBF, 0);
        if (mkdtemp(tmpdir) == NULL) {
                perror("mkdtemp");
                return 1;
        }
        setrlimit(RLIMIT_CORE, &no_core);
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        fds_before = count_fds();

        state_reaches_stdin();
        large_state_is_read_whole();
        argv_is_exact();
        argv_defaults_to_path();
        env_is_exact();
        cwd_is_entered();
        failure_messages();
        output_is_bounded();
        timeout_kills_the_hook_and_its_children();
        hook_leaving_a_daemon_returns_at_once();
        hook_not_reading_stdin_is_harmless();
        only_stdio_reaches_the_hook();

        fds_after = count_fds();
        tap_is_int(fds_after, fds_before, "running_hooks_leaks_no_fd_in_keel");
        tap_ok(no_children_left(), "no_hook_process_is_left");

        {
                char cmd[600];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
                if (system(cmd) != 0)
                        tap_diag("could not remove %s", tmpdir);
        }
        return tap_done();
}
