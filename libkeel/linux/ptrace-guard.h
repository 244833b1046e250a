/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_PTRACE_GUARD_H
#define KEEL_LINUX_PTRACE_GUARD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* An init that joins a pid namespace other processes already live in (a
 * pod's) is visible there from its fork, while it still mounts the
 * container's root with keel's capabilities in a copy of the host's mount
 * namespace.  A process there holding CAP_SYS_PTRACE in keel's user
 * namespace could attach to it: the kernel lets CAP_SYS_PTRACE override
 * dumpability.  A process has one tracer, though.  The guard seizes stage 1
 * with PTRACE_O_TRACEFORK, so the kernel makes keel the init's tracer as it
 * creates it, before any other process can name it; keel resumes every
 * stop (passing signals on) and lets go once the init has become the
 * container's process (linux/init.c become_process).
 *
 *   keel_ptrace_guard_start(&g, stage1, err);   stage 1 waits for this
 *   poll g.sigfd with the sync socket; on input keel_ptrace_guard_serve(&g);
 *   keel_ptrace_guard_release(&g, err);         the init reported ready
 *   keel_ptrace_guard_end(&g);                  always: the signal mask back
 *
 * SIGCHLD is blocked in the calling thread from start to end, to be read
 * from sigfd. */
struct keel_ptrace_guard {
        pid_t stage1;
        pid_t child;            /* stage 1's fork (the init), once known */
        int sigfd;              /* SIGCHLD: a tracee stopped; -1 when inactive */
        sigset_t saved;         /* the caller's signal mask */
};

#define KEEL_PTRACE_GUARD_INIT { .sigfd = -1 }

/* Seize stage1.  An error leaves the guard inactive (sigfd -1). */
int keel_ptrace_guard_start(struct keel_ptrace_guard *g, pid_t stage1, struct keel_error **err);

/* Resume every tracee that stopped, handing signal-delivery stops their
 * signal back.  Never blocks. */
void keel_ptrace_guard_serve(struct keel_ptrace_guard *g);

/* Detach from the init (stopping it for that) and from stage 1. */
int keel_ptrace_guard_release(struct keel_ptrace_guard *g, struct keel_error **err);

/* Close sigfd and restore the signal mask (tracees still attached are let
 * go when keel exits, or die with it: PTRACE_O_EXITKILL). */
void keel_ptrace_guard_end(struct keel_ptrace_guard *g);

#endif
