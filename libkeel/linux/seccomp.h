/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* With -I libkeel this file shadows the kernel's <linux/seccomp.h>, which
 * libseccomp's <seccomp.h> includes: pass every such include on to the
 * kernel's header.  Outside the guard, so that it happens even when this
 * file was first reached relative to its includer's directory. */
#include_next <linux/seccomp.h>

#ifndef KEEL_LINUX_SECCOMP_H
#define KEEL_LINUX_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>

#include "error.h"
#include "spec/oci-config.h"
#include "spec/oci-state.h"

/* linux.seccomp (config-linux.md "Seccomp").
 *
 * The runtime compiles the profile with libseccomp into a classic BPF
 * program before it forks the init, so that every mistake is an error of
 * `create` naming the field; the init then loads the finished program with
 * one seccomp(2) call and runs no libseccomp code.
 *
 * Where the calls go:
 *
 *   runtime, `create`, before forking:
 *     keel_seccomp_compile(cfg->linux_cfg->seccomp, &f, err);
 *     if (keel_seccomp_filter_needs_notify(f))
 *             keel_seccomp_listener_connect(seccomp->listener_path, &sock, err);
 *   The socket is connected on the host side because listenerPath is a
 *   host path, out of the init's reach once it has pivoted.  The agent is
 *   thus known to be listening by the end of `create`.
 *
 *   init (before it reports ready to `create`) and exec's helper (before
 *   it forks into the container's pid namespace), in this order:
 *     keel_caps_apply_bounding()
 *     if (!process.noNewPrivileges) keel_seccomp_load()    (A)
 *     keel_process_set_user()
 *     keel_caps_apply()
 *     keel_process_set_no_new_privs()
 *     keel_process_close_fds()
 *     if (process.noNewPrivileges) keel_seccomp_load()     (B)
 *   then the init reports ready, waits for `start`, runs the
 *   startContainer hooks and execs; exec's helper forks, and its child
 *   calls setsid (and TIOCSCTTY, dup2 with a terminal) and execs.
 *
 *   The kernel lets a task without no_new_privs install a filter only if it
 *   has CAP_SYS_ADMIN in its user namespace (else EACCES).  The switch to a
 *   non-root process.user clears the effective set and the configured
 *   capabilities rarely hold CAP_SYS_ADMIN, so without noNewPrivileges the
 *   filter goes in (A), while keel is still root with every capability;
 *   with it, in (B).  Either way it is in place before any process of the
 *   container can see the init or the exec process: one holding
 *   CAP_SYS_PTRACE could otherwise attach to it and exec anything
 *   unfiltered.  The profile must then allow what follows (setgroups,
 *   setresgid, setresuid, prctl, capset, close_range; sendmsg, recvmsg,
 *   accept4, read, write, close, execve for the init and its hooks; clone,
 *   setsid, ioctl, dup2 for exec: the engines' profiles do).  runc
 *   (standard_init_linux.go) loads at the same two points, before its
 *   exec fifo.  A failure fails `create` (or `exec`).
 *
 * For a profile using SCMP_ACT_NOTIFY the init passes a listener (the
 * connected socket and the container process state to send, made with
 * keel_container_process_state_json before the load) and keel_seccomp_load
 * sends the notify fd itself.  It does so from a helper process cloned before the
 * filter exists and sharing the init's fd table (crun's approach): the init
 * cannot be trusted to send anything once the filter is in place, since the
 * profile may deny or notify sendmsg, and a notified syscall would wait for
 * an agent that does not have the fd yet. */

struct keel_seccomp_filter;     /* the exported BPF program and the seccomp(2) flags */

/* Compile s.  Errors name the field: "linux.seccomp.architectures[2]: ...",
 * "linux.seccomp.syscalls[3].names[1]: ...".  As in runc and crun:
 *  - a name libseccomp does not know for any architecture is skipped with a
 *    keel_debug() note (engines send profiles listing syscalls this kernel
 *    or architecture lacks);
 *  - an entry whose action (with its errno) equals the default action is
 *    skipped (libseccomp refuses such rules);
 *  - the args of an entry are ANDed in one rule, except when two args share
 *    an index: then each arg becomes a rule of its own, so they are ORed
 *    (and args on other indexes stop being ANDed with them);
 *  - SCMP_CMP_MASKED_EQ matches (arg & value) == valueTwo;
 *  - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD; errnoRet and defaultErrnoRet
 *    default to EPERM for SCMP_ACT_ERRNO and SCMP_ACT_TRACE;
 *  - as runc (not crun) does, a syscall numbered above the highest one the
 *    profile names for a listed architecture gets ENOSYS when the default
 *    action denies (keel_seccomp_enosys_stub).
 * Each action is checked against the kernel (SECCOMP_GET_ACTION_AVAIL).
 * The flags are probed once here: one the kernel lacks is dropped with a
 * debug note, as is SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV in a profile
 * without SCMP_ACT_NOTIFY (the kernel refuses it without a listener).  No
 * flag is added that the profile does not ask for (crun adds SPEC_ALLOW to
 * a profile without flags; runc does not). */
int keel_seccomp_compile(const struct keel_seccomp *s, struct keel_seccomp_filter **out,
                         struct keel_error **err);

/* keel_seccomp_compile through a cache of finished programs, in the
 * directory KEEL_SECCOMP_CACHE_DIR of the state root rootfd (rootfd < 0: no
 * cache); *from_cache says where *out came from.  keel_seccomp_cache_store
 * adds a compiled program (best effort, the directory made 0700 on first
 * use): create and exec call it once they have succeeded, so that a failed
 * command leaves nothing behind.  libseccomp takes milliseconds on an
 * engine's profile (podman's, 434 names for three architectures: 16 ms
 * here), and engines send the same profile to every container; crun keeps
 * such a cache too.  An entry is named by the SHA-256 of everything the
 * program depends on: every field of the profile keel_seccomp_compile reads,
 * keel's version and binary (device, inode, size, mtime of /proc/self/exe:
 * a rebuilt keel misses), libseccomp's version and the kernel (uname: its
 * actions and flags are probed).  An entry that does not check out (magic,
 * key, sizes, owner; a FIFO is not waited on) is compiled again and
 * replaced; a directory holding 256 entries takes no more; a store removes
 * the temporary files of writers that died (a create killed while it
 * stored).  From the cache, the compiler's debug notes
 * (skipped names) are not repeated.  When you add a field to struct
 * keel_seccomp, hash it in seccomp-cache.c. */
#define KEEL_SECCOMP_CACHE_DIR ".seccomp"
int keel_seccomp_compile_cached(int rootfd, const struct keel_seccomp *s,
                                struct keel_seccomp_filter **out, bool *from_cache,
                                struct keel_error **err);
void keel_seccomp_cache_store(int rootfd, const struct keel_seccomp *s,
                              const struct keel_seccomp_filter *f);

/* Does the profile use SCMP_ACT_NOTIFY (then listenerPath gets the fd)? */
bool keel_seccomp_filter_needs_notify(const struct keel_seccomp_filter *f);

void keel_seccomp_filter_free(struct keel_seccomp_filter *f);

/* The stub keel_seccomp_compile puts in front of the program (see
 * "-ENOSYS for syscalls newer than the profile" in seccomp-enosys.c): *n
 * instructions (none when the profile needs no stub, *out NULL then);
 * falling off its end means "run the filter".  Pure; exposed for the unit
 * tests, which check it on architectures libseccomp will not mix into one
 * filter.  *out must be freed. */
int keel_seccomp_enosys_stub(const struct keel_seccomp *s, struct sock_filter **out, size_t *n,
                             struct keel_error **err);

/* The finished program, -ENOSYS stub included (for the unit tests, which
 * run it on made-up syscalls of other architectures). */
const struct sock_filter *keel_seccomp_filter_program(const struct keel_seccomp_filter *f,
                                                      size_t *n);

/* Connect to listenerPath: an AF_UNIX SOCK_STREAM socket, O_CLOEXEC. */
int keel_seccomp_listener_connect(const char *path, int *sock, struct keel_error **err);

/* What keel_seccomp_load sends to the agent: sock from
 * keel_seccomp_listener_connect, state from keel_container_process_state_json
 * (spec/oci-state.h). */
struct keel_seccomp_listener {
        int sock;
        const char *state;
};

/* Install f on the calling thread (see above for where).  When f uses
 * SCMP_ACT_NOTIFY:
 *  - with listener: the notify fd is sent over listener->sock (SCM_RIGHTS,
 *    the state as the data) before this returns; a failed send is an error
 *    (the spec wants one), the filter stays installed either way;
 *  - without: the caller gets the fd and must send it itself.
 * The helper is reaped with waitpid(): SIGCHLD must not be SIG_IGN.
 * *notify_fd (when notify_fd is not NULL) receives the notify fd, O_CLOEXEC,
 * or -1; with notify_fd NULL the fd is closed.  listener->sock is always
 * closed (the spec wants the connection closed after the state; the agent
 * may read up to EOF), so the caller must not close it again. */
int keel_seccomp_load(const struct keel_seccomp_filter *f,
                      const struct keel_seccomp_listener *listener, int *notify_fd,
                      struct keel_error **err);

/* Send notify_fd and process_state over a connected listener socket in one
 * sendmsg (the fd in the first call, as the spec requires), the rest of a
 * long state in further calls.  No allocation, no signal on a closed peer. */
int keel_seccomp_send_state(int sock, int notify_fd, const char *process_state,
                            struct keel_error **err);

/* Connect to path, send, close: one connection per state, as the spec
 * wants.  For a process that can still reach path and is not filtered. */
int keel_seccomp_send_listener(const char *path, int notify_fd, const char *process_state,
                               struct keel_error **err);

#endif
