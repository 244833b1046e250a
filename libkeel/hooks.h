/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_HOOKS_H
#define KEEL_HOOKS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* One entry of config.json "hooks" (config.md, "POSIX-platform Hooks"). */
struct keel_hook_exec {
        const char *path;   /* absolute, resolved in the runtime's mount namespace */
        char *const *args;  /* NULL-terminated; args[0] is argv[0]; NULL or empty: { path } */
        char *const *env;   /* NULL-terminated; NULL: an empty environment */
        int timeout;        /* seconds; 0 = none */
        const char *cwd;    /* the hook's working directory; NULL: keel's */
};

/* Run one hook and wait for it.
 *
 * The hook is executed (fork + execve, no $PATH search, no shell) with
 * exactly the given args and env: nothing of keel's environment leaks in
 * (runc, through Go's exec.Cmd, hands a hook without "env" its own
 * environment; keel follows the spec's "same semantics as environ").  Its
 * working directory is h->cwd, opened before the fork (a directory that
 * cannot be opened fails the hook: "prestart hook /path: working directory
 * /b: No such file or directory"), or keel's without one.  stdin_data (the container state JSON) is
 * written to the hook's stdin, a pipe, which is then closed; a hook that
 * does not read it is fine: keel stops writing when the hook exits or
 * closes stdin, and SIGPIPE is blocked in the calling thread meanwhile
 * (and any SIGPIPE this raised is consumed), never ignored process-wide.
 * The hook's fds are 0, 1 and 2 only: every other fd is marked close-on-
 * exec in the child (close_range, or /proc/self/fd when that is missing).
 * Signal dispositions and the signal mask are reset to defaults.
 *
 * Output: like runc, keel captures the hook's stdout and stderr (here one
 * pipe, so they interleave as written) and prints nothing; when the hook
 * fails, the last 4 KiB of that output end the error message.  On
 * success it is discarded.
 *
 * The hook runs in a process group of its own.  After `timeout` seconds
 * that whole group gets SIGKILL (so a shell hook's `sleep` does not
 * outlive it), the hook is reaped, and the error is
 *   "prestart hook /path: timed out after N s".
 * Other failures:
 *   "prestart hook /path: exited with status 3"
 *   "prestart hook /path: killed by signal SIGSEGV (core dumped)"
 *   "prestart hook /path: execute: No such file or directory"
 * each followed by ", output: <tail>" when the hook wrote anything.
 * Processes a hook leaves behind after exiting successfully (a daemon it
 * started) are its business and are not killed.  keel_hook_run never
 * leaves the hook unreaped; it waits for its own child by pid, so the
 * caller must not reap children it did not start, nor set SIGCHLD to
 * SIG_IGN.
 *
 * hook_kind ("prestart", "createRuntime", ...) only names the hook in
 * messages.  Returns 0 when the hook exited with status 0. */
int keel_hook_run(const struct keel_hook_exec *h, const char *stdin_data, size_t stdin_len,
                  const char *hook_kind, struct keel_error **err);

/* Run every hook of a config.json hook list in order, stopping at the
 * first that fails (prestart, createRuntime, createContainer,
 * startContainer: the spec makes that failure the operation's).  With
 * warn_only, a failure is reported through keel_warn() and the rest still
 * run (poststart, poststop). */
struct keel_hook_list;
enum keel_hook_kind;
int keel_hooks_run_list(const struct keel_hook_list *list, int kind, const char *state,
                        size_t state_len, bool warn_only, struct keel_error **err);

/* The same, each hook started in the directory cwd (runtime.md's table of
 * where each kind runs: the bundle for the runtime's hooks, the rootfs
 * for createContainer). */
int keel_hooks_run_list_in(const struct keel_hook_list *list, int kind, const char *cwd,
                           const char *state, size_t state_len, bool warn_only,
                           struct keel_error **err);

#endif
