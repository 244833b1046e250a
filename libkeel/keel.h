/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkeel: the public API of the keel OCI runtime library.
 *
 * This header is the whole of it: libkeel.so exports the calls marked
 * KEEL_PUBLIC here and nothing else.  The keel command line (src/) is
 * written against it alone.
 *
 * Conventions, for every call below:
 *  - A call that can fail returns 0 (or a count) on success and a negative
 *    errno on failure, and takes `struct keel_error **err` last: when err
 *    is not NULL and *err is NULL, a failure sets *err to an error the
 *    caller frees with keel_error_free.  err may be NULL.  The errno named
 *    under "Errors" is the return value; the message says what was being
 *    done and to what ("container x does not exist").
 *  - The library never prints and never exits: warnings and debug notes go
 *    to the handler installed with keel_set_log_handler.
 *  - Strings and vectors the library hands out are malloc'd and the
 *    caller's (free(3), keel_strv_free, keel_state_free, as each call says);
 *    arguments are borrowed for the length of the call.
 *  - A struct keel_store may be used by one thread at a time; different
 *    stores, and processes, coordinate through locks in the state root.
 *  - Most calls need root (or, rootless, a user namespace keel can make).
 *
 * Link with `pkg-config --cflags --libs libkeel`. */
#ifndef KEEL_H
#define KEEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The functions libkeel.so exports: it is built with -fvisibility=hidden,
 * everything else is internal. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define KEEL_PUBLIC __attribute__((visibility("default")))
#else
#define KEEL_PUBLIC
#endif

#if defined(__GNUC__)
#define KEEL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define KEEL_PRINTF(fmt, args)
#endif

/* The library's version, "MAJOR.MINOR.PATCH" (a static string). */
KEEL_PUBLIC const char *keel_version(void);

/* ==== errors ============================================================ */

/* An error value: the errno that caused it (0 when none applies) and a
 * message that says what was being done and to what.  Library functions
 * never print; they fill one of these and return a negative errno. */
struct keel_error {
        int errnum;
        char *msg;
};

/* Set *err (if err is non-NULL and *err is still NULL) and return
 * -errnum, or -EINVAL when errnum is 0.  When errnum is non-zero its
 * strerror text is appended: "open config.json: No such file or directory".
 * Out of memory, *err may hold a fixed message or stay NULL; the return
 * value is the same. */
KEEL_PUBLIC int keel_error_set(struct keel_error **err, int errnum, const char *fmt, ...)
        KEEL_PRINTF(3, 4);
KEEL_PUBLIC int keel_error_setv(struct keel_error **err, int errnum, const char *fmt, va_list ap)
        KEEL_PRINTF(3, 0);

/* Like keel_error_set, but the message is complete on its own: the errno is
 * kept as the error's code and not spelled out ("container x does not exist"). */
KEEL_PUBLIC int keel_error_setq(struct keel_error **err, int errnum, const char *fmt, ...)
        KEEL_PRINTF(3, 4);

/* Prepend "context: " to an existing error (nothing when there is none) and
 * return its negative errno. */
KEEL_PUBLIC int keel_error_prefix(struct keel_error **err, const char *fmt, ...) KEEL_PRINTF(2, 3);

/* The negative errno an error stands for (-EINVAL when it has none). */
KEEL_PUBLIC int keel_error_code(const struct keel_error *err);

/* Free an error (NULL is nothing); keel_error_freep frees *err, for
 * __attribute__((cleanup)). */
KEEL_PUBLIC void keel_error_free(struct keel_error *err);
KEEL_PUBLIC void keel_error_freep(struct keel_error **err);

/* ==== log ================================================================ */

/* Warnings (a failed poststart hook, a capability the kernel lacks) and
 * debug notes go to a handler the program installs once, before it starts
 * threads (the keel CLI's writes them to stderr and --log).  msg is the
 * library's, valid during the call.  Without a handler they are dropped. */
enum keel_log_level { KEEL_LOG_WARNING, KEEL_LOG_DEBUG };
typedef void (*keel_log_handler)(enum keel_log_level level, const char *msg);

KEEL_PUBLIC void keel_set_log_handler(keel_log_handler fn);

/* One log record as the JSON line runc writes with --log-format=json:
 * {"level":level,"msg":msg,"time":time} and a newline, escaped as every
 * JSON keel writes.  *out is the caller's (free(3)), *len its length.
 * Errors: -ENOMEM, -EINVAL for a NULL argument. */
KEEL_PUBLIC int keel_log_json_line(const char *level, const char *msg, const char *time,
                                   char **out, size_t *len);

/* ==== the state root ===================================================== */

/* The state root (runc's --root): one directory per container, named by
 * its id, holding its state and whatever the lifecycle needs.  Every call
 * on a container locks its directory, so several programs can share one
 * root.  The handle is opaque. */
#define KEEL_DEFAULT_ROOT "/run/keel"
#define KEEL_ID_MAX 200

struct keel_store;

/* Check a container id: 1 to KEEL_ID_MAX characters from [A-Za-z0-9_+.-],
 * not starting with '.', so it is always one plain path component.
 * Errors: -EINVAL, saying what is wrong ("container id must not be empty"). */
KEEL_PUBLIC int keel_id_validate(const char *id, struct keel_error **err);

/* Open the state root at root, making it (mode 0700, with its parents)
 * when create is set.  *out is the caller's (keel_store_close).
 * Errors: -ENOENT when root does not exist and create is false; the errno
 * of mkdir/open otherwise. */
KEEL_PUBLIC int keel_store_open(const char *root, bool create, struct keel_store **out,
                                struct keel_error **err);
/* Close a store (NULL is nothing); keel_store_closep closes *store, for
 * __attribute__((cleanup)). */
KEEL_PUBLIC void keel_store_close(struct keel_store *store);
static inline void keel_store_closep(struct keel_store **store)
{
        keel_store_close(*store);
        *store = NULL;
}

/* The ids of all containers in the store, sorted; *ids is a NULL-terminated
 * vector the caller frees with keel_strv_free (empty when there are none);
 * *n, when n is not NULL, the count.  Leftover reservations of creates that
 * were killed are removed on the way.
 * Errors: the errno of reading the directory; -ENOMEM. */
KEEL_PUBLIC int keel_store_list(struct keel_store *store, char ***ids, size_t *n,
                                struct keel_error **err);
/* Free a NULL-terminated vector of strings and the strings (NULL is nothing). */
KEEL_PUBLIC void keel_strv_free(char **v);

/* Clean up after creates that were killed half way (their hidden state
 * directories, cgroups and any init that survived).  keel_container_create
 * does it itself; a program listing containers may call it first, as
 * `keel list` does.  Best effort: cannot fail. */
KEEL_PUBLIC void keel_container_sweep(struct keel_store *store);

/* ==== container state ==================================================== */

/* The container state: what `keel state` prints (runtime-spec "State", plus
 * the fields runc adds) and what keel keeps in its state.json. */
enum keel_status {
        KEEL_STATUS_CREATING,
        KEEL_STATUS_CREATED,
        KEEL_STATUS_RUNNING,
        KEEL_STATUS_STOPPED,
        KEEL_STATUS_PAUSED,
};
/* "creating", "created", "running", "stopped", "paused"; NULL if unknown.
 * The string is static. */
KEEL_PUBLIC const char *keel_status_name(enum keel_status s);

struct keel_state {
        /* runtime-spec State */
        char *oci_version;              /* REQUIRED */
        char *id;                       /* REQUIRED */
        enum keel_status status;        /* REQUIRED */
        int pid;                        /* 0 when there is no process */
        char *bundle;                   /* REQUIRED, absolute */
        char **annotation_keys;         /* NULL-terminated, may be NULL */
        char **annotation_values;
        size_t n_annotations;

        /* keel's own, the first two also printed by `keel state` as runc does */
        char *rootfs;
        char *created;                  /* RFC 3339, UTC, nanoseconds:
                                         * 2026-11-28T17:00:00.123456789Z */
        uid_t owner_uid;
        unsigned long long init_start_time;     /* /proc/<pid>/stat field 22:
                                                 * a reused pid has another */
        char *config_digest;            /* "sha256:<64 hex>" of config.json as read */
        char *cgroup_path;
        bool systemd_cgroup;
        bool use_terminal;
};

/* The state of container id, its status brought up to date with the live
 * process: a recorded init that is gone reads "stopped" (pid is kept as it
 * was recorded: print 0 for a stopped container, as the spec asks), a
 * frozen cgroup "paused".  Waits for the lock of a container that another
 * call is changing.  *out is the caller's (keel_state_free).
 * Errors: -ENOENT only when there is no such container ("container X does
 * not exist"); a container whose state cannot be read is another error. */
KEEL_PUBLIC int keel_container_state(struct keel_store *store, const char *id,
                                     struct keel_state **out, struct keel_error **err);

/* Parse a state.json (keel's private form, or the public one `keel state`
 * prints: the private fields are optional).  *out is the caller's
 * (keel_state_free).  Errors: -EINVAL, the message naming the JSON path. */
KEEL_PUBLIC int keel_state_parse(const char *data, size_t len, struct keel_state **out,
                                 struct keel_error **err);

/* Render st as compact JSON, NUL-terminated, no trailing newline (*len
 * excludes the NUL); *out is the caller's (free).
 * private_fields=false: what `keel state` prints, as runc does: ociVersion,
 *   id, pid, status, bundle, rootfs, created, owner ("" for root, else the
 *   user name, or the uid when it has none), annotations (left out when
 *   empty).
 * private_fields=true: all of that plus ownerUid, initStartTime,
 *   configDigest, cgroupPath, systemdCgroup and useTerminal, for state.json.
 * Errors: -EINVAL for strings that are not valid UTF-8; -ENOMEM. */
KEEL_PUBLIC int keel_state_to_json(const struct keel_state *st, bool private_fields, char **out,
                                   size_t *len, struct keel_error **err);

/* The same, with flags: PRIVATE as private_fields=true; INDENT, indented
 * two spaces a level as runc's `state` prints it (still no trailing
 * newline); NAME_ROOT, owner "root" rather than "" for root, as runc's
 * `list --format json` has it. */
#define KEEL_STATE_JSON_PRIVATE 1u
#define KEEL_STATE_JSON_INDENT 2u
#define KEEL_STATE_JSON_NAME_ROOT 4u
KEEL_PUBLIC int keel_state_to_json_flags(const struct keel_state *st, unsigned flags, char **out,
                                         size_t *len, struct keel_error **err);

/* Free a state and everything it holds (NULL is nothing); keel_state_freep
 * frees *st, for __attribute__((cleanup)). */
KEEL_PUBLIC void keel_state_free(struct keel_state *st);
static inline void keel_state_freep(struct keel_state **st)
{
        keel_state_free(*st);
        *st = NULL;
}

/* ==== the lifecycle (runtime-spec runtime.md "Operations") =============== */

/* Checkpoint and restore options (criu(8), driven over its RPC as runc
 * does), shared by keel_container_checkpoint and a restoring create. */
struct keel_criu_opts {
        const char *criu;               /* the binary; NULL: "criu" in PATH */
        const char *image_path;         /* images (dump: made when missing) */
        const char *work_path;          /* logs and work files; NULL: image_path */
        const char *parent_path;        /* dump: previous images (pre-dump) */
        const char *manage_cgroups_mode;/* soft, full, strict or ignore; NULL: soft */
        char *const *empty_ns;          /* namespace types without contents ("network") */
        const char *lsm_profile;        /* restore: TYPE:NAME for the restored processes */
        const char *lsm_mount_context;  /* restore: SELinux context of the restored mounts */
        bool leave_running, pre_dump, auto_dedup;
        bool tcp_established, ext_unix_sk, shell_job, file_locks;
};

/* create's options: runc's flags.  Strings are borrowed for the call. */
struct keel_create_opts {
        const char *id;
        const char *bundle;             /* NULL: the current directory */
        const char *config_path;        /* --config: config.json from elsewhere (relative to
                                         * the cwd); NULL: the bundle's */
        const char *pid_file;           /* NULL: none */
        const char *console_socket;     /* where the pty master goes (process.terminal) */
        int preserve_fds;               /* fds 3 .. 3+n-1 reach the process */
        int listen_fds;                 /* LISTEN_FDS: n more fds, and LISTEN_FDS and
                                         * LISTEN_PID in the env */
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

/* What create made. */
struct keel_created {
        pid_t pid;                      /* the init, in the caller's pid namespace */
        int console_master;             /* with keep_console and a terminal: the pty master,
                                         * the caller's to close; else -1 */
};

/* create: parse and check the bundle's config.json, and set everything up,
 * the init waiting for keel_container_start (or, with o->restore, running).
 * The init is forked by the caller or by a helper child that exits: a
 * caller that waits for it (as `keel run` does) makes itself a child
 * subreaper (prctl PR_SET_CHILD_SUBREAPER) first.  out may be NULL.
 * On failure the host is left as if nothing had been tried: no state dir,
 * process, cgroup or mount.
 * Errors: -EEXIST ("container X already exists"); -EINVAL for a config
 * keel refuses (the message names the JSON path); -ENOTSUP for a field
 * keel does not apply, naming it; the errno of the step that failed. */
KEEL_PUBLIC int keel_container_create(struct keel_store *store, const struct keel_create_opts *o,
                                      struct keel_created *out, struct keel_error **err);

/* start: run the created container's process.args.
 * Errors: -ENOENT (no such container); -EINVAL when it is not "created";
 * -ESRCH when its init is gone. */
KEEL_PUBLIC int keel_container_start(struct keel_store *store, const char *id,
                                     struct keel_error **err);

/* Signal the init (all: every process of the container's cgroup); sig 0
 * checks that it still runs.
 * Errors: -ENOENT; -ESRCH when the container is not running. */
KEEL_PUBLIC int keel_container_kill(struct keel_store *store, const char *id, int sig, bool all,
                                    struct keel_error **err);

/* Remove a stopped (or created) container, running its poststop hooks;
 * force kills a running one first, and a missing container is then no
 * error (as with runc).
 * Errors: -ENOENT (without force); -EBUSY for a running container without
 * force. */
KEEL_PUBLIC int keel_container_delete(struct keel_store *store, const char *id, bool force,
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
        pid_t pid;                      /* the process (a subreaper caller inherits it) */
        int console_master;             /* with keep_console and a tty: the caller's; else -1 */
};

/* Start a process in container o->id; it has executed its program when
 * this returns.  out may be NULL.
 * Errors: -ENOENT; -EINVAL for a container that is not running (or paused,
 * without ignore_paused) and for a process keel refuses; -ESRCH when its
 * init is gone; the errno of the step that failed. */
KEEL_PUBLIC int keel_container_exec(struct keel_store *store, const struct keel_exec_opts *o,
                                    struct keel_exec_result *out, struct keel_error **err);

/* Freeze (thaw) every process of the container's cgroup through the cgroup
 * v2 freezer, and wait up to 5 s until the kernel reports it done.  pause
 * needs a created or running container, resume a paused one.
 * Errors: -ENOENT; -EINVAL for a container in another state or created
 * without a cgroup; -ENOTSUP without the cgroup v2 freezer (Linux < 5.2);
 * -ETIMEDOUT. */
KEEL_PUBLIC int keel_container_pause(struct keel_store *store, const char *id,
                                     struct keel_error **err);
KEEL_PUBLIC int keel_container_resume(struct keel_store *store, const char *id,
                                      struct keel_error **err);

/* The pids (caller's pid namespace) in the container's cgroup, in no
 * particular order; *pids is the caller's (free; NULL when *n is 0).
 * Errors: -ENOENT; -EINVAL for a container without a cgroup; reading it. */
KEEL_PUBLIC int keel_container_pids(struct keel_store *store, const char *id, pid_t **pids,
                                    size_t *n, struct keel_error **err);

/* Change the limits of a created, running or paused container: resources
 * is a JSON object (len bytes) in the shape of linux.resources, merged key
 * by key onto the stored config's (an object merges, anything else
 * replaces), checked like a config, applied to the cgroup (devices too
 * when it names them), then stored so that later updates and stats see it.
 * Errors: -ENOENT; -EINVAL for a stopped container, one without a cgroup,
 * or resources keel refuses (naming the JSON path); applying them. */
KEEL_PUBLIC int keel_container_update(struct keel_store *store, const char *id,
                                      const char *resources, size_t len, struct keel_error **err);

/* linux.intelRdt (or update's --l3-cache-schema/--mem-bw-schema, named by
 * field) is refused, saying what is missing: this host's resctrl file
 * system at /sys/fs/resctrl, and keel's support.  Always -ENOTSUP. */
KEEL_PUBLIC int keel_intel_rdt_refused(const char *field, struct keel_error **err);

/* runc's `events --stats` record for a container that is not stopped:
 * {"type":"stats","id":ID,"data":{...}} (cpu, memory, pids, blkio, hugetlb,
 * network interfaces as runc names them); *json is the caller's (free).
 * Errors: -ENOENT; -ESRCH when it is stopped; -EINVAL without a cgroup;
 * reading it. */
KEEL_PUBLIC int keel_container_stats(struct keel_store *store, const char *id, char **json,
                                     struct keel_error **err);

/* OOM kills: an inotify fd (*fd) that wakes when the cgroup's
 * memory.events changes, that file open (*events_fd), and the OOM kill
 * count now; both fds are the caller's, or -1 when the cgroup has no memory
 * controller.  The open file still reads after the container stopped, so a
 * kill that stopped it is not missed.  Errors: as keel_container_stats. */
KEEL_PUBLIC int keel_container_oom_watch(struct keel_store *store, const char *id, int *fd,
                                         int *events_fd, uint64_t *count,
                                         struct keel_error **err);
/* memory.events "oom_kill" from the fd keel_container_oom_watch opened.
 * Returns 0 or a negative errno (no message). */
KEEL_PUBLIC int keel_oom_kills_read(int events_fd, uint64_t *count);

/* Whether criu can run here: the binary (NULL: "criu" in PATH) answers
 * `criu check`.  Errors: the message says what criu said. */
KEEL_PUBLIC int keel_criu_check(const char *criu, struct keel_error **err);

/* Dump a running or paused container with criu into o->image_path.  The
 * container is deleted after, as with runc, unless leave_running or
 * pre_dump.  A failed dump leaves it running; the error quotes criu's log.
 * Restore is keel_container_create with o->restore set. */
KEEL_PUBLIC int keel_container_checkpoint(struct keel_store *store, const char *id,
                                          const struct keel_criu_opts *o, struct keel_error **err);

/* ==== images ============================================================= */

/* OCI image layouts (image-spec v1.1) run as containers: each layer is
 * extracted once into the store's layer store, shared by every container
 * of it, and a container's bundle names its layers (an overlay mounted at
 * create, with a writable layer that goes with the container). */
struct keel_image_unpack_opts {
        const char *entrypoint;         /* replaces the image's Entrypoint and, without
                                         * cmd, clears its Cmd (docker run --entrypoint);
                                         * NULL: the image's */
        char *const *cmd;               /* NULL-terminated: replaces the image's Cmd;
                                         * NULL: the image's */
        bool replace;                   /* replace a bundle config.json that differs */
};

/* Unpack the image at layout ("DIR" or "DIR:TAG"; without a tag the index
 * must hold exactly one manifest) into the store's layer store and write
 * bundle/config.json (keel's default spec with the image config applied)
 * and an empty bundle/rootfs, making bundle when missing.  An existing
 * config.json is replaced only with o->replace or when identical.  o may be
 * NULL.  Every blob is checked against its digest and size; a failure
 * leaves no partial layer.
 * Errors: -ENOENT; -EBADMSG for a blob that does not match its digest;
 * -EEXIST for a different existing config.json; -EINVAL for a malformed
 * layout or config. */
KEEL_PUBLIC int keel_image_unpack(struct keel_store *store, const char *layout,
                                  const struct keel_image_unpack_opts *o, const char *bundle,
                                  struct keel_error **err);

/* A bundle directory of the store's own for container id
 * (ROOT/.images/bundles/ID), which keel_image_prune removes once no
 * container id uses it; *path is the caller's (free).  Errors: -ENOMEM. */
KEEL_PUBLIC int keel_image_bundle_path(struct keel_store *store, const char *id, char **path,
                                       struct keel_error **err);

/* Remove every layer no container in the store names, leftovers of
 * interrupted unpacks, and the store's bundles of containers that no
 * longer exist; *removed: the number of layers removed. */
KEEL_PUBLIC int keel_image_prune(struct keel_store *store, size_t *removed,
                                 struct keel_error **err);

/* ==== spec and features ================================================== */

/* The config.json `keel spec` writes: runc's default template with keel's
 * name and spec version.  With rootless, the changes runc's `spec
 * --rootless` makes: a user namespace mapping root to uid/gid, no network
 * namespace, /sys bound from the host, no uid=/gid= mount options and no
 * resources.  *out is indented JSON without a trailing newline, the
 * caller's (free).  Errors: -ENOMEM. */
KEEL_PUBLIC int keel_default_spec_json(bool rootless, uid_t uid, gid_t gid, char **out,
                                       size_t *len, struct keel_error **err);

/* The features document (runtime-spec features.md, features-linux.md) that
 * `keel features` prints.  It lists what keel recognises *and applies*: a
 * config field that create refuses is reported as enabled false or left
 * out, so an engine never relies on it.  The caller says what the library
 * cannot know (its build identity), keel_features_probe what the host
 * offers.  A NULL string leaves its annotation out. */
struct keel_features_info {
        const char *version;            /* annotation "org.keel.version" */
        const char *commit;             /* annotation "org.keel.commit" */
        const char *libseccomp_version; /* annotation "io.github.seccomp.libseccomp.version" */
        unsigned int seccomp_flags;     /* the seccomp filter flags the kernel takes, for
                                         * supportedFlags (keel's own bit numbering) */
        bool apparmor;                  /* the host has AppArmor: profiles are applied */
        bool selinux;                   /* SELinux is enabled (labels can be applied) */
        bool checkpoint;                /* criu runs here: annotation
                                         * "org.keel.checkpoint.enabled" (runc's is
                                         * "org.opencontainers.runc.checkpoint.enabled") */
};

/* Fill what the host offers: seccomp_flags (asking the kernel without
 * installing anything), apparmor, selinux, checkpoint (`criu check` of the
 * binary criu, NULL: "criu" in PATH) and libseccomp_version (the library
 * libkeel runs with; the string is per thread, valid until the thread's
 * next call).  version and commit are left as they are.  Cannot fail:
 * what cannot be probed is reported absent. */
KEEL_PUBLIC void keel_features_probe(struct keel_features_info *info, const char *criu);

/* The document as indented JSON (4 spaces, as runc prints it), with a
 * trailing newline; *out is NUL-terminated and the caller's (free).
 * Errors: -ENOMEM. */
KEEL_PUBLIC int keel_features_json(const struct keel_features_info *info, char **out,
                                   size_t *len, struct keel_error **err);

/* ==== the caller's process =============================================== */

/* A program that enters containers (create, run, exec, restore) makes the
 * binary behind its /proc/self/exe unwritable first, or a container
 * process could write it through that link once it has exited
 * (CVE-2019-5736): if it is not already on a read-only mount or a sealed
 * memfd, keel re-executes the program (same pid, argv, environment and
 * inherited fds) from a read-only bind mount of its binary or a sealed
 * memfd copy.  Call it early in main(), with main's argv, before threads.
 * Returns 0 when the binary is already unwritable; does not return when
 * the re-exec succeeds; returns a negative errno when neither way works. */
KEEL_PUBLIC int keel_exe_guard(char *const argv[], struct keel_error **err);

/* keel_exe_guard, asking needed(arg) (keel_exe_guard_needed_for_* behind
 * it) only when the binary is not unwritable already: the re-executed
 * program does not read the config again to know.  Returns 1, doing
 * nothing, when needed says the guard is not needed; otherwise as
 * keel_exe_guard (needed NULL: always needed). */
KEEL_PUBLIC int keel_exe_guard_when(char *const argv[], bool (*needed)(const void *arg),
                                    const void *arg, struct keel_error **err);

/* Whether the processes of a container could write the program's binary
 * (the file behind /proc/self/exe), so keel_exe_guard is needed before
 * entering it.  false only when provably not: the container has a user
 * namespace of its own (not joined) whose uid mappings do not hold the
 * binary's owner, and the binary is writable by its owner only (no group
 * or other write bit, no ACL).  Its processes then have no right on the
 * file, whatever their capabilities (the kernel grants a namespace's
 * capabilities only over files whose owner and group it maps).  Any doubt
 * (a config that cannot be read, a joined user namespace, a namespace type
 * "user" spelt with JSON escapes) says true.
 * For create and run: the config.json keel_container_create would read
 * for o (--config's, or the bundle's); for exec: container id's. */
KEEL_PUBLIC bool keel_exe_guard_needed_for_create(const struct keel_create_opts *o);
KEEL_PUBLIC bool keel_exe_guard_needed_for_container(struct keel_store *store, const char *id);

/* Relay a container's terminal (the master of keel_created or
 * keel_exec_result with keep_console) on the caller's stdin and stdout
 * until the container side hangs up, or stop_fd (if >= 0, e.g. a pidfd of
 * the init) becomes readable; then what the master still holds is copied
 * out.  Meanwhile a stdin that is a tty is in raw mode (restored on every
 * path), its window size follows SIGWINCH (blocked in the calling thread;
 * a threaded caller blocks it in its other threads), and SIGPIPE is
 * blocked, so a closed stdout is -EPIPE.  At EOF on a stdin that is not a
 * tty, ^D reaches the terminal so a program reading it sees end-of-file.
 * The caller must hold no slave fd of its own.  master stays the caller's.
 * Errors: -EPIPE; the errno of a failed read, write or poll. */
KEEL_PUBLIC int keel_terminal_relay(int master, int stop_fd, struct keel_error **err);

/* ==== whole files ======================================================== */

/* Read fd to end of file, or the file at path (relative to dirfd, which may
 * be AT_FDCWD), at most max_size bytes, into a NUL-terminated *out (the
 * caller's, free(3)); *len, when len is not NULL, excludes the NUL.
 * Errors: -EFBIG beyond max_size; -ENOMEM; the errno of open or read. */
KEEL_PUBLIC int keel_read_fd(int fd, size_t max_size, char **out, size_t *len,
                             struct keel_error **err);
KEEL_PUBLIC int keel_read_file_at(int dirfd, const char *path, size_t max_size, char **out,
                                  size_t *len, struct keel_error **err);

/* Write all of buf to fd, retrying short writes and EINTR.
 * Errors: the errno of write (no message). */
KEEL_PUBLIC int keel_write_all(int fd, const void *buf, size_t len);

/* Parse a signal as `keel kill` takes it: a decimal number 0 to 64 (0
 * checks that the process exists), or a name with or without SIG in any
 * case ("KILL", "SigTerm", the aliases IOT, CLD and POLL), or RTMIN,
 * RTMIN+n, RTMAX-n, RTMAX (SIGRTMIN is 34 as in glibc).  Numbers are the
 * kernel's, the same in every container whatever its libc.
 * Errors: -EINVAL for "", a sign, spaces, trailing junk, numbers above 64
 * and unknown names. */
KEEL_PUBLIC int keel_signal_parse(const char *s, int *signo, struct keel_error **err);

/* "SIGKILL", "SIGRTMIN+3", "SIGRTMAX-1"; NULL for 0, 32, 33 and numbers
 * outside 1..64.  The string is static. */
KEEL_PUBLIC const char *keel_signal_name(int signo);

#ifdef __cplusplus
}
#endif

#endif
