/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef KEEL_CONTAINER_H
#define KEEL_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "linux/criu.h"
#include "spec/oci-state.h"
#include "store.h"

#define KEEL_STATE_FILE "state.json"
#define KEEL_STATE_MAX_SIZE (4u << 20)
/* The config.json create read, kept for the hooks of later commands and exec. */
#define KEEL_CONFIG_COPY "config.json"
/* The init's start socket: `start` connects, and reads until EOF (the
 * init executed: the socket is close-on-exec) or an error message (a
 * startContainer hook or the switch to process.user failed). */
#define KEEL_START_SOCKET "start.sock"
/* A container without a mount namespace of its own: the unique id of
 * keel's bind of its rootfs in keel's mount namespace (linux/rootfs.h),
 * which delete detaches. */
#define KEEL_ROOTFS_MOUNT "rootfs.mount"

/* The start time of a process (clock ticks since boot, /proc/<pid>/stat
 * field 22): with the pid it names one process for good, even after the pid
 * is reused.  Returns 0 and sets *start, or -ESRCH when there is no such
 * process. */
int keel_proc_start_time(pid_t pid, unsigned long long *start);

/* A pidfd for the recorded init that is certainly that process: the start
 * time is checked after the pidfd pins the pid, so a reused pid fails with
 * ESRCH ("container X is not running"). */
int keel_state_open_init(const struct keel_state *st, struct keel_error **err);

/* Write st (with keel's private fields) as the container's state.json,
 * atomically. */
int keel_container_write_state(struct keel_container_dir *c, const struct keel_state *st,
                               struct keel_error **err);

/* Does the process recorded in st still exist (same pid, same start time)? */
bool keel_state_init_alive(const struct keel_state *st);

/* Read a container's state.json from its locked directory and bring the
 * status up to date with the live process: a recorded init that is gone
 * makes the container "stopped". */
int keel_container_read_state(struct keel_container_dir *c, struct keel_state **out,
                              struct keel_error **err);

/* Open container id (its lock shared or exclusive) and read its state:
 * both or, on an error, neither. */
int keel_container_open_state(struct keel_store *store, const char *id, bool exclusive,
                              struct keel_container_dir **c, struct keel_state **st,
                              struct keel_error **err);

/* linux.intelRdt (or update's --l3-cache-schema/--mem-bw-schema, named by
 * field) is refused, saying what is missing: this host's resctrl file
 * system at /sys/fs/resctrl, and keel's support.  Always < 0. */
int keel_intel_rdt_refused(const char *field, struct keel_error **err);

/* ---- the lifecycle (runtime.md "Operations") --------------------------- */

/* Clean up after creates that were killed half way: their hidden state
 * dirs, cgroups and any init that survived.  create and list call it. */
void keel_container_sweep(struct keel_store *store);

struct keel_create_opts {
        const char *id;
        const char *bundle;             /* NULL: the current directory */
        const char *config_path;        /* --config: config.json from elsewhere (relative to
                                         * the cwd); NULL: the bundle's */
        const char *pid_file;           /* NULL: none */
        const char *console_socket;     /* where the pty master goes (process.terminal) */
        int preserve_fds;               /* fds 3 .. 3+n-1 reach the process */
        int listen_fds;                 /* LISTEN_FDS: n more fds, and LISTEN_FDS/LISTEN_PID in env */
        bool no_pivot;
        bool no_new_keyring;
        bool no_cgroup;                 /* --cgroup-manager disabled (crun's) */
        bool systemd_cgroup;            /* --systemd-cgroup: a scope from systemd */
        bool rootless;                  /* keel is not root: a cgroup only where the
                                         * user may write (a delegated subtree) */
        bool keep_console;              /* run: hand the pty master back to the caller */
        /* restore: the init is the process criu restores from these
         * images, running (not created) once this returns; NULL: create. */
        const struct keel_criu_opts *restore;
};

struct keel_created {
        pid_t pid;                      /* the init, in keel's pid namespace */
        int console_master;             /* with keep_console and a terminal, else -1 */
};

/* create: everything set up, the init waiting for start.  On failure the
 * host is left as if nothing had been tried: no state dir, process,
 * cgroup or mount (mounts live in the container's mount namespace). */
int keel_container_create(struct keel_store *store, const struct keel_create_opts *o,
                          struct keel_created *out, struct keel_error **err);
int keel_container_start(struct keel_store *store, const char *id, struct keel_error **err);
/* Signal the init (all: every process of the container's cgroup). */
int keel_container_kill(struct keel_store *store, const char *id, int sig, bool all,
                        struct keel_error **err);
/* Remove a stopped (or created) container; force kills a running one
 * first, and a missing container is then no error (as with runc). */
int keel_container_delete(struct keel_store *store, const char *id, bool force,
                          struct keel_error **err);

/* exec: a new process in a running container's namespaces and cgroup. */
struct keel_exec_opts {
        const char *id;
        const char *process_path;       /* --process: a process.json; NULL: the fields below */
        char *const *args;              /* NULL-terminated, with process_path NULL */
        const char *cwd;                /* NULL: the container's process.cwd */
        char *const *env;               /* NULL-terminated, added to the container's env */
        bool has_user;
        uint32_t uid, gid;
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char *const *caps;              /* NULL-terminated, added to bounding/effective/permitted */
        const char *apparmor;           /* --apparmor: process.apparmorProfile */
        const char *process_label;      /* --process-label: process.selinuxLabel */
        const char *sub_cgroup;         /* --cgroup: an existing sub-cgroup to join */
        bool ignore_paused;             /* --ignore-paused: into a paused container too,
                                         * the process runs once it is resumed */
        bool no_new_privs;
        bool tty;
        const char *pid_file;
        const char *console_socket;
        int preserve_fds;
        bool no_cgroup;
        bool keep_console;              /* hand the pty master back (attached exec with a tty) */
};

struct keel_exec_result {
        pid_t pid;
        int console_master;
};

int keel_container_exec(struct keel_store *store, const struct keel_exec_opts *o,
                        struct keel_exec_result *out, struct keel_error **err);

/* ---- checkpoint (container-checkpoint.c) --------------------------------- */

/* Dump a running or paused container with criu into o->image_path.  The
 * container is deleted after, as with runc, unless leave_running or
 * pre_dump.  A failed dump leaves it running. */
int keel_container_checkpoint(struct keel_store *store, const char *id,
                              const struct keel_criu_opts *o, struct keel_error **err);

/* ---- the cgroup a state records (container-cgroup.c) -------------------- */

struct keel_cgroup;

/* Open the cgroup recorded in st (from the cgroup2 mount keel finds); *cg
 * is NULL when st records none. */
int keel_state_open_cgroup(const struct keel_state *st, struct keel_cgroup **cg,
                           struct keel_error **err);

/* Is the container's cgroup frozen (cgroup.events "frozen 1")?  false when
 * it has no cgroup or the cgroup cannot be read.  "paused" is not recorded
 * in state.json: keel_container_read_state derives it from this, so a
 * freeze done by someone else shows too. */
bool keel_state_cgroup_frozen(const struct keel_state *st);

/* The host path of the cgroup recorded in st, as criu is given it; *dir is
 * NULL when st records none. */
int keel_state_cgroup_dir(const struct keel_state *st, char **dir, struct keel_error **err);

/* ---- pause, resume, ps (container-pause.c) ------------------------------ */

/* Freeze (thaw) every process of the container's cgroup through the cgroup
 * v2 freezer, and wait up to 5 s until the kernel reports it done.  pause
 * needs a created or running container, resume a paused one; a container
 * created without a cgroup cannot be paused. */
int keel_container_pause(struct keel_store *store, const char *id, struct keel_error **err);
int keel_container_resume(struct keel_store *store, const char *id, struct keel_error **err);

/* The pids (host pid namespace) in the container's cgroup, in no
 * particular order; *pids is malloc'd (NULL when *n is 0). */
int keel_container_pids(struct keel_store *store, const char *id, pid_t **pids, size_t *n,
                        struct keel_error **err);

/* Open container id's cgroup from its state (under a shared lock, held
 * only while reading it).  live: a stopped container is refused ("container
 * ID is not running", -ESRCH); one without a cgroup is refused with
 * "container ID has no cgroup" and no_cgroup_why appended. */
int keel_container_open_cgroup(struct keel_store *store, const char *id, bool live,
                               const char *no_cgroup_why, struct keel_cgroup **cg,
                               struct keel_error **err);

/* ---- end of pause, resume, ps ------------------------------------------- */

/* Change the limits of a created, running or paused container: resources
 * is a JSON object in the shape of linux.resources, merged key by key onto
 * the stored config's (an object merges, anything else replaces), checked
 * like a config, applied to the cgroup (devices too when it names them),
 * then stored so that later updates and `events` see it. */
int keel_container_update(struct keel_store *store, const char *id, const char *resources,
                          size_t len, struct keel_error **err);

/* `events`: {"type":"stats","id":ID,"data":{...}} for a container that is
 * not stopped (cgroup-stats.h has the shape); *json is malloc'd. */
int keel_container_stats(struct keel_store *store, const char *id, char **json,
                         struct keel_error **err);
/* An inotify fd (*fd) that wakes when the cgroup's memory.events changes,
 * that file open (*events_fd), and the OOM kill count now; both fds are -1
 * when the cgroup has no memory controller.  The open file still reads
 * after the container stopped, so a kill that stopped it is not missed. */
int keel_container_oom_watch(struct keel_store *store, const char *id, int *fd, int *events_fd,
                             uint64_t *count, struct keel_error **err);
/* memory.events "oom_kill" from the fd keel_container_oom_watch opened. */
int keel_oom_kills_read(int events_fd, uint64_t *count);

#endif
