/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KEEL_CLI_H
#define KEEL_CLI_H

#include <stdbool.h>
#include <sys/types.h>

#include "keel.h"
#include "util/cleanup.h"   /* _cleanup_error_ */

/* src/ uses libkeel's public API (keel.h) and util/cleanup.h, nothing else
 * of the library's. */

enum keel_rootless_mode { KEEL_ROOTLESS_AUTO, KEEL_ROOTLESS_TRUE, KEEL_ROOTLESS_FALSE };
enum keel_cgroup_manager { KEEL_CGROUP_CGROUPFS, KEEL_CGROUP_SYSTEMD, KEEL_CGROUP_DISABLED };

/* The global flags, shared by every command. */
struct keel_globals {
        const char *root;
        const char *log_path;
        bool log_json;
        bool debug;
        enum keel_rootless_mode rootless;
        enum keel_cgroup_manager cgroup_manager;
        const char *criu;
        const char *command;    /* the subcommand being run, for messages */
        int fail_status;        /* the exit status of an error (runc's: 1, exec 255) */
        char **argv;            /* main's, for the guard's re-exec */
};

struct keel_command {
        const char *name;
        int (*run)(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
        const char *summary;
        const char *usage;      /* NULL: not implemented yet */
};

/* Commands: argv[0] is the command name; getopt state is reset by the caller.
 * A command returns 0, a positive exit status it chose, or a negative
 * errno with *err set; main() renders the error and exits with
 * g->fail_status (1 unless the command chose another, as exec does). */
int cmd_spec(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_state(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_list(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_unimplemented(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_features(struct keel_globals *g, int argc, char **argv, struct keel_error **err);

/* create, run and exec call it before anything they change:
 * keel_exe_guard_when (keel.h) with main's argv and needed(arg), which
 * wraps keel_exe_guard_needed_for_*; it may re-execute keel (then it does
 * not return). */
int keel_cli_exe_guard(struct keel_globals *g, bool (*needed)(const void *arg), const void *arg,
                       struct keel_error **err);

int cmd_create(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_start(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_kill(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_delete(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_run(struct keel_globals *g, int argc, char **argv, struct keel_error **err);

struct keel_create_opts;
struct keel_run_opts {
        bool detach;
        bool keep;
        const char *image;      /* --image oci:DIR[:TAG] (create and run) */
        const char *entrypoint; /* --entrypoint: replaces the image's Entrypoint and Cmd */
        char **cmd;             /* the command after the id: replaces the image's Cmd */
};
/* create's and run's options; returns 1 after --help. */
int keel_parse_create_opts(struct keel_globals *g, int argc, char **argv, bool is_run,
                           struct keel_create_opts *o, struct keel_run_opts *r, struct keel_error **err);
/* create's and run's guard (keel_cli_exe_guard), needed unless the bundle's
 * config.json (or --config's) keeps keel's binary out of the container's
 * reach; always for an image, whose config is written later. */
int keel_cli_create_guard(struct keel_globals *g, const struct keel_create_opts *o,
                          const struct keel_run_opts *r, struct keel_error **err);

/* Attached run/exec: become subreaper, block the forwarded signals into a
 * signalfd; then wait for the process, forwarding them, and return its
 * exit code (128+N after signal N). */
int keel_cli_prepare_wait(int *sigfd, struct keel_error **err);
int keel_cli_wait(pid_t pid, int sigfd, struct keel_error **err);
/* Attached run/restore: relay the created init's terminal (when keel kept
 * its master, which this closes) until it hangs up, then keel_cli_wait. */
struct keel_created;
int keel_cli_attach(struct keel_created *c, int sigfd, struct keel_error **err);

int cmd_exec(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_pause(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_resume(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_ps(struct keel_globals *g, int argc, char **argv, struct keel_error **err);

int cmd_image(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
/* create/run --image: unpack r->image (its Entrypoint and Cmd replaced as
 * r says) and write its bundle into *bundle, or,
 * when *bundle is NULL, into keel's own bundle for id (*owned, which the
 * caller frees, and *bundle point to it). */
int keel_cli_image_bundle(struct keel_globals *g, const struct keel_run_opts *r, const char *id,
                          const char **bundle, char **owned, struct keel_error **err);
int cmd_checkpoint(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_restore(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_update(struct keel_globals *g, int argc, char **argv, struct keel_error **err);
int cmd_events(struct keel_globals *g, int argc, char **argv, struct keel_error **err);

struct keel_store;
/* Open the state root for a command on container id; a missing root is
 * "container <id> does not exist" (or the id's own error). */
int keel_cli_open_store(struct keel_globals *g, const char *id, struct keel_store **store,
                        struct keel_error **err);

const struct keel_command *keel_find_command(const char *name);

/* --rootless: true, false, or (auto) whether keel runs as a non-root user. */
bool keel_cli_rootless(const struct keel_globals *g);

/* Print "Usage: ..." and the summary of the command (for --help). */
void keel_command_help(const struct keel_command *cmd, const char *options);

/* The error for what getopt_long_only returned that a command does not
 * take: ':' (with a leading ':' in the optstring) is an option missing its
 * value, anything else an unknown option. */
int keel_option_error(int opt, char **argv, struct keel_error **err);
/* What a command's option loop does with an option it does not handle
 * itself: 'h' (--help) prints the command's help with options and returns
 * 0, anything else is keel_option_error. */
int keel_option_default(int opt, char **argv, const char *options, struct keel_error **err);

/* Exactly n positional arguments after the options, or a usage error. */
int keel_want_args(int argc, char **argv, int optind_, int n, const char *what,
                   struct keel_error **err);

/* A command whose one option is --help and whose one argument is a
 * container id (argv[optind]): 1 after --help, 0, or a usage error. */
int keel_parse_id_only(int argc, char **argv, struct keel_error **err);
/* A command that is one call on a container (start, pause, resume): parse
 * as keel_parse_id_only, open the store and run op on the id. */
int keel_cli_id_command(struct keel_globals *g, int argc, char **argv,
                        int (*op)(struct keel_store *, const char *, struct keel_error **),
                        struct keel_error **err);

#endif
