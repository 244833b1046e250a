/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_LINUX_CGROUP_H
#define KEEL_LINUX_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec/oci-config.h"

/* A container's cgroup, cgroup v2 only (the cgroupfs driver: keel writes
 * the cgroup2 file system itself).  On a hybrid host (v1 controllers under
 * /sys/fs/cgroup/<ctrl>, cgroup2 at /sys/fs/cgroup/unified) keel uses the
 * unified hierarchy and never touches a v1 one.
 *
 * Placement enables no controller anywhere: it only makes directories and
 * moves processes, which cgroup2 allows with none enabled.  The device
 * filter is an eBPF program (cgroup-devices.h) and needs no controller. */
struct keel_cgroup {
        char *mount;  /* where cgroup2 is mounted: "/sys/fs/cgroup", or "/sys/fs/cgroup/unified" */
        char *path;   /* relative to mount, starting with "/": "/keel/c1" */
        int dirfd;    /* O_DIRECTORY fd of mount+path, -1 when not open */
        bool created; /* keel made the leaf directory (create found none) */
};

/* Find the cgroup2 mount: /sys/fs/cgroup when it is cgroup2 itself (pure
 * v2), else /sys/fs/cgroup/unified when that is (hybrid); else an error,
 * "no cgroup v2 hierarchy mounted (keel needs cgroup v2)". */
int keel_cgroup_find_mount(char **mount, struct keel_error **err);

/* The cgroup path a container gets, relative to the mount, normalised
 * ("//a/./b/" is "/a/b"):
 *  - cgroups_path absolute: that path from the mount's root;
 *  - cgroups_path relative: below the PARENT of the cgroup keel runs in
 *    (the "0::" line of /proc/self/cgroup), as runc does: keel's own cgroup
 *    holds processes, and a cgroup with processes cannot hand controllers
 *    to children ("no internal processes");
 *  - cgroups_path NULL: "/keel/<id>".
 * Rejected: a ".." component, the root cgroup itself ("/"), and a systemd
 * "slice:prefix:name" path ("... looks like a systemd path; use
 * --systemd-cgroup").  Errors start with
 * "linux.cgroupsPath: " (or "container id: " for a bad default). */
int keel_cgroup_resolve_path(const char *cgroups_path, const char *id, char **out,
                             struct keel_error **err);

/* Make mount+path (mkdir -p, parents 0755, no controller enabled) and open
 * it.  A leaf that already exists is reused when it holds no process
 * (cgroup.events "populated 0"), and is an error when it does: "cgroup
 * /x is in use" (-EBUSY).  created tells which of the two happened.
 *
 * Who removes it: `delete` removes the container's cgroup whether keel made
 * it or reused it (keel_cgroup_destroy, as runc and crun do: from create to
 * delete it is the container's).  A create that fails part-way should call
 * keel_cgroup_destroy only when created is true, and keel_cgroup_free
 * otherwise, so a cgroup that was there before is left there.  Parent
 * directories keel made ("/keel") are never removed: other containers may
 * be placed below them at any moment. */
int keel_cgroup_create(const char *mount, const char *path, struct keel_cgroup **out,
                       struct keel_error **err);

/* Open an existing cgroup (kill and delete, from the path in state.json).
 * A missing one returns -ENOENT, with *err set, so delete can go on. */
int keel_cgroup_open(const char *mount, const char *path, struct keel_cgroup **out,
                     struct keel_error **err);

/* Move pid (all its threads) into the cgroup: write it to cgroup.procs. */
int keel_cgroup_enter(struct keel_cgroup *cg, pid_t pid, struct keel_error **err);

/* fork(), the child born in cg where the kernel can (keel_fork_into_cgroup,
 * util/syscall.h: no move, none of its cost), and *born_in then true;
 * otherwise (cg NULL, a kernel without CLONE_INTO_CGROUP) a plain fork,
 * which the caller moves with keel_cgroup_enter. */
pid_t keel_cgroup_fork(struct keel_cgroup *cg, bool *born_in);

/* The processes in the cgroup and all its sub-cgroups (ps, kill --all), in
 * no particular order; *pids is malloc'd (NULL when *n is 0). */
int keel_cgroup_pids(struct keel_cgroup *cg, pid_t **pids, size_t *n, struct keel_error **err);

/* Send sig to every process in the cgroup and its sub-cgroups.  SIGKILL
 * goes through cgroup.kill (Linux >= 5.14), which the kernel applies to the
 * whole subtree, forks in flight included; elsewhere keel walks
 * cgroup.procs, and for SIGKILL walks again until a pass finds no process
 * it has not signalled (so children forked meanwhile die too).  A process
 * that exits on the way is not an error. */
int keel_cgroup_kill(struct keel_cgroup *cg, int sig, struct keel_error **err);

/* Remove the cgroup: its sub-cgroups first, deepest first, then the leaf
 * itself, retrying EBUSY for about a second (the kernel lets go of a
 * cgroup a moment after its last process exits).  Only the leaf and what
 * is below it are removed, never a parent.  A cgroup already gone is fine.
 * cg is freed in every case. */
int keel_cgroup_destroy(struct keel_cgroup *cg, struct keel_error **err);

void keel_cgroup_free(struct keel_cgroup *cg);
void keel_cgroup_freep(struct keel_cgroup **cg);
#define _cleanup_cgroup_ __attribute__((cleanup(keel_cgroup_freep)))

/* In a child forked from the process holding cg (NULL: nothing): close
 * the copy of its directory fd, nothing of the container's to keep. */
void keel_cgroup_drop_in_child(struct keel_cgroup *cg);

/* 1 when cg's cgroup.events says "frozen 1" (frozen itself, or below a
 * frozen cgroup), 0 when "frozen 0"; -ENOTSUP for a kernel without the
 * cgroup v2 freezer (< 5.2), which has no such line. */
int keel_cgroup_read_frozen(struct keel_cgroup *cg, struct keel_error **err);

/* Compile r->devices (r may be NULL, the list empty) followed by keel's
 * default rules (cgroup-devices.h), load the program and attach it to the
 * cgroup, replacing any device program attached there before.
 * RLIMIT_MEMLOCK is not raised: kernels >= 5.11 charge BPF memory to the
 * memory cgroup, and keel may lack CAP_SYS_RESOURCE.
 *
 * prog: NULL, or a program to try first and what was done.  prog->hint is
 * the id of a program some earlier create loaded (0: none): when it is
 * still loaded and is this very program (keel_devices_reuse), it is
 * attached instead of a new load, which spares the verifier, the JIT and,
 * later, the program's freeing (docs/performance.md).  prog->loaded is set
 * to the id of a program loaded anew, 0 when the hint served. */
struct keel_devices_prog {
        uint32_t hint;
        uint32_t loaded;
};
int keel_cgroup_apply_devices(struct keel_cgroup *cg, const struct keel_resources *r,
                              struct keel_devices_prog *prog, struct keel_error **err);

#endif
