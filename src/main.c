/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commit.h"
#include "util/cleanup.h"
#include "log.h"

/* Every command runc has, so engines get "not implemented" rather than
 * "unknown command" for what is still missing.  usage == NULL marks a
 * command that is not built yet. */
static const struct keel_command commands[] = {
        { "checkpoint", cmd_checkpoint, "checkpoint a running container with criu",
          "keel checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--pre-dump]\n"
          "                [--parent-path DIR] [criu options] <container-id>" },
        { "create", cmd_create, "create a container",
          "keel create [--bundle DIR] [--config FILE] [--console-socket PATH] [--pid-file FILE]\n"
          "            [--preserve-fds N] [--no-pivot] [--no-new-keyring] <container-id>\n"
          "       keel create --image oci:DIR[:TAG] [--entrypoint PATH] [options] <container-id>\n"
          "            [--] [command [args...]]" },
        { "delete", cmd_delete, "delete a container and everything it holds",
          "keel delete [--force] <container-id>" },
        { "events", cmd_events, "display container events and statistics",
          "keel events [--stats] [--interval D] <container-id>" },
        { "exec", cmd_exec, "execute a new process inside the container",
          "keel exec [options] <container-id> <command> [args...] | keel exec --process FILE [options] <container-id>" },
        { "features", cmd_features, "show the enabled features", "keel features" },
        { "image", cmd_image, "unpack OCI image layouts into the layer store, prune it",
          "keel image unpack [--replace] oci:DIR[:TAG] BUNDLE | keel image prune" },
        { "kill", cmd_kill, "send a signal to the container's init process",
          "keel kill [--all] <container-id> [SIGNAL]" },
        { "list", cmd_list, "list the containers in the state root",
          "keel list [--format table|json] [--quiet]" },
        { "pause", cmd_pause, "suspend all processes of the container",
          "keel pause <container-id>" },
        { "ps", cmd_ps, "show the processes running in the container",
          "keel ps [--format table|json] <container-id> [-- ps options...]" },
        { "restore", cmd_restore, "restore a container from a checkpoint with criu",
          "keel restore [--image-path DIR] [--work-path DIR] [--bundle DIR] [--detach]\n"
          "             [--pid-file FILE] [criu options] <container-id>" },
        { "resume", cmd_resume, "resume all processes of a paused container",
          "keel resume <container-id>" },
        { "run", cmd_run, "create and start a container",
          "keel run [--bundle DIR] [--config FILE] [--detach] [--keep] [--console-socket PATH]\n"
          "         [--pid-file FILE] [--preserve-fds N] [--no-pivot] [--no-new-keyring] <container-id>\n"
          "       keel run --image oci:DIR[:TAG] [--entrypoint PATH] [options] <container-id>\n"
          "         [--] [command [args...]]" },
        { "spec", cmd_spec, "write a default config.json",
          "keel spec [--bundle DIR] [--rootless]" },
        { "start", cmd_start, "start the user process of a created container",
          "keel start <container-id>" },
        { "state", cmd_state, "print the state of a container as JSON", "keel state <container-id>" },
        { "update", cmd_update, "update the resource limits of a container",
          "keel update [options] <container-id>" },
};

const struct keel_command *keel_find_command(const char *name)
{
        size_t i;

        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

void keel_command_help(const struct keel_command *cmd, const char *options)
{
        printf("Usage: %s\n\n%s%s\n", cmd->usage ? cmd->usage : cmd->name, cmd->summary,
               cmd->usage ? "" : " (not implemented yet)");
        if (options != NULL)
                printf("\nOptions:\n%s", options);
}

int keel_option_error(int opt, char **argv, struct keel_error **err)
{
        if (opt == ':')
                return keel_error_set(err, 0, "option %s needs a value", argv[optind - 1]);
        return keel_error_set(err, 0, "unknown option %s", argv[optind - 1]);
}

int keel_option_default(int opt, char **argv, const char *options, struct keel_error **err)
{
        if (opt != 'h')
                return keel_option_error(opt, argv, err);
        keel_command_help(keel_find_command(argv[0]), options);
        return 0;
}

int keel_want_args(int argc, char **argv, int optind_, int n, const char *what,
                   struct keel_error **err)
{
        int have = argc - optind_;

        if (have < n)
                return keel_error_set(err, 0, "missing %s", what);
        if (have > n)
                return keel_error_set(err, 0, "unexpected argument \"%s\" (expected %s)",
                                      argv[optind_ + n], what);
        return 0;
}

int keel_parse_id_only(int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        int opt;

        opterr = 0;
        opt = getopt_long_only(argc, argv, "+h", opts, NULL);
        if (opt == 'h') {
                keel_command_help(keel_find_command(argv[0]), NULL);
                return 1;
        }
        if (opt != -1)
                return keel_option_error(opt, argv, err);
        return keel_want_args(argc, argv, optind, 1, "a container id", err);
}

int keel_cli_id_command(struct keel_globals *g, int argc, char **argv,
                        int (*op)(struct keel_store *, const char *, struct keel_error **),
                        struct keel_error **err)
{
        _cleanup_store_ struct keel_store *store = NULL;
        int ret;

        ret = keel_parse_id_only(argc, argv, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        ret = keel_cli_open_store(g, argv[optind], &store, err);
        if (ret == 0)
                ret = op(store, argv[optind], err);
        return ret;
}

int keel_cli_open_store(struct keel_globals *g, const char *id, struct keel_store **store,
                        struct keel_error **err)
{
        int ret = keel_store_open(g->root, false, store, err);

        /* No state root yet: no container either, and the id says which. */
        if (ret == -ENOENT) {
                keel_error_free(*err);
                *err = NULL;
                ret = keel_id_validate(id, err);
                if (ret == 0)
                        ret = keel_error_setq(err, ENOENT, "container %s does not exist", id);
        }
        return ret;
}

static void usage(FILE *f)
{
        size_t i;

        fputs("Usage: keel [global options] <command> [command options] [arguments]\n\n"
              "keel is an OCI container runtime (runtime-spec " KEEL_SPEC_VERSION "), a drop-in for runc.\n\n"
              "Commands:\n", f);
        for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-11s %s%s\n", commands[i].name, commands[i].summary,
                        commands[i].usage ? "" : " (not implemented yet)");
        fputs("  help        show help for keel or a command\n\n"
              "Global options:\n"
              "  --root DIR             state root (default " KEEL_DEFAULT_ROOT ")\n"
              "  --log FILE             also write messages to FILE\n"
              "  --log-format FMT       text or json (runc's JSON lines: level, msg, time)\n"
              "  --debug                write debug messages\n"
              "  --systemd-cgroup       use the systemd cgroup driver\n"
              "  --cgroup-manager MGR   cgroupfs, systemd or disabled (crun's spelling)\n"
              "  --rootless MODE        true, false or auto (default auto)\n"
              "  --criu PATH            the criu binary for checkpoint and restore (default: criu)\n"
              "  -h, --help             show this help\n"
              "  -v, --version          show the version\n", f);
}

static void version(void)
{
        const struct scmp_version *sv = seccomp_version();

        printf("keel version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, KEEL_GIT_COMMIT,
               KEEL_SPEC_VERSION);
        if (sv != NULL)
                printf("libseccomp: %u.%u.%u\n", sv->major, sv->minor, sv->micro);
}

enum {
        OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD_CGROUP,
        OPT_CGROUP_MANAGER, OPT_ROOTLESS, OPT_CRIU,
};

static int parse_globals(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, OPT_ROOT },
                { "log", required_argument, NULL, OPT_LOG },
                { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
                { "debug", no_argument, NULL, OPT_DEBUG },
                { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
                { "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
                { "rootless", required_argument, NULL, OPT_ROOTLESS },
                { "criu", required_argument, NULL, OPT_CRIU },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'v' },
                { NULL, 0, NULL, 0 },
        };
        int c;

        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:hv", opts, NULL)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        g->root = optarg;
                        break;
                case OPT_LOG:
                        g->log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        if (strcmp(optarg, "json") == 0)
                                g->log_json = true;
                        else if (strcmp(optarg, "text") == 0)
                                g->log_json = false;
                        else
                                return keel_error_set(err, 0, "--log-format: unknown format \"%s\" (expected text or json)", optarg);
                        break;
                case OPT_DEBUG:
                        g->debug = true;
                        break;
                case OPT_SYSTEMD_CGROUP:
                        g->cgroup_manager = KEEL_CGROUP_SYSTEMD;
                        break;
                case OPT_CGROUP_MANAGER:
                        if (strcmp(optarg, "cgroupfs") == 0)
                                g->cgroup_manager = KEEL_CGROUP_CGROUPFS;
                        else if (strcmp(optarg, "systemd") == 0)
                                g->cgroup_manager = KEEL_CGROUP_SYSTEMD;
                        else if (strcmp(optarg, "disabled") == 0)
                                g->cgroup_manager = KEEL_CGROUP_DISABLED;
                        else
                                return keel_error_set(err, 0, "--cgroup-manager: unknown manager \"%s\" (expected cgroupfs, systemd or disabled)", optarg);
                        break;
                case OPT_ROOTLESS:
                        if (strcmp(optarg, "auto") == 0)
                                g->rootless = KEEL_ROOTLESS_AUTO;
                        else if (strcmp(optarg, "true") == 0)
                                g->rootless = KEEL_ROOTLESS_TRUE;
                        else if (strcmp(optarg, "false") == 0)
                                g->rootless = KEEL_ROOTLESS_FALSE;
                        else
                                return keel_error_set(err, 0, "--rootless: unknown value \"%s\" (expected true, false or auto)", optarg);
                        break;
                case OPT_CRIU:
                        g->criu = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_SUCCESS);
                case 'v':
                        version();
                        exit(EXIT_SUCCESS);
                case ':':
                        return keel_error_set(err, 0, "option %s needs a value", argv[optind - 1]);
                default:
                        return keel_error_set(err, 0, "unknown global option %s", argv[optind - 1]);
                }
        }
        return optind;
}

static void library_log(enum keel_log_level level, const char *msg)
{
        if (level == KEEL_LOG_WARNING)
                keel_log_warn("%s", msg);
        else
                keel_log_debug("%s", msg);
}

bool keel_cli_rootless(const struct keel_globals *g)
{
        if (g->rootless == KEEL_ROOTLESS_AUTO)
                return geteuid() != 0;
        return g->rootless == KEEL_ROOTLESS_TRUE;
}

/* The state root when --root is not given: /run/keel for root; for
 * another user, keel/ in $XDG_RUNTIME_DIR (runc's rule), which is the
 * user's own.  Only commands that touch state ask for it. */
static int default_root(struct keel_globals *g, char **owned, struct keel_error **err)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");

        if (g->root != NULL)
                return 0;
        if (geteuid() == 0) {
                g->root = KEEL_DEFAULT_ROOT;
                return 0;
        }
        if (xdg == NULL || xdg[0] != '/')
                return keel_error_setq(err, EINVAL, "no state root: give --root DIR, or set "
                                       "XDG_RUNTIME_DIR (keel is not running as root)");
        if (asprintf(owned, "%s/keel", xdg) < 0)
                return keel_error_set(err, ENOMEM, "state root");
        g->root = *owned;
        return 0;
}

/* The commands that touch no state: runc's spec and features work for a
 * user without XDG_RUNTIME_DIR too. */
static bool stateless(const char *name)
{
        static const char *const names[] = { "spec", "features" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(name, names[i]) == 0)
                        return true;
        return false;
}

/* The commands whose processes enter a container (its init, an exec
 * helper) run from a binary the container cannot write (linux/exe-guard.h).
 * Protected already (the re-executed keel, or one installed read-only):
 * keel_exe_guard_when returns at once, and the config is not read to know. */
int keel_cli_exe_guard(struct keel_globals *g, bool (*needed)(const void *arg), const void *arg,
                       struct keel_error **err)
{
        int ret = keel_exe_guard_when(g->argv, needed, arg, err);

        if (ret > 0) {
                keel_log_debug("%s: keel's binary is out of the container's reach (a user "
                               "namespace that maps no owner of it): not re-executed", g->command);
                return 0;
        }
        return ret;
}

/* runc's status for a command it does not know (urfave/cli's "No help
 * topic"), which scripts probing for a command may see. */
#define EXIT_UNKNOWN_COMMAND 3

/* Everything main does but report a failure: the exit status, or a
 * negative errno with *err set. */
static int dispatch(struct keel_globals *g, int argc, char **argv, char **root,
                    struct keel_error **err)
{
        const struct keel_command *cmd;
        int first, ret;

        first = parse_globals(g, argc, argv, err);
        if (first < 0)
                return first;
        if (keel_log_open(g->log_path, g->log_json, g->debug) < 0)
                return keel_error_set(err, errno, "open log %s", g->log_path);
        if (first >= argc) {
                usage(stderr);
                return keel_error_set(err, 0, "no command given");
        }
        if (strcmp(argv[first], "help") == 0) {
                if (first + 1 >= argc) {
                        usage(stdout);
                        return EXIT_SUCCESS;
                }
                cmd = keel_find_command(argv[first + 1]);
                if (cmd != NULL) {
                        keel_command_help(cmd, NULL);
                        return EXIT_SUCCESS;
                }
                first++;
        }
        cmd = keel_find_command(argv[first]);
        if (cmd == NULL) {
                g->fail_status = EXIT_UNKNOWN_COMMAND;
                return keel_error_set(err, 0, "unknown command \"%s\" (see keel --help)",
                                      argv[first]);
        }
        g->command = cmd->name;
        if (!stateless(cmd->name)) {
                ret = default_root(g, root, err);
                if (ret < 0)
                        return ret;
        }
        keel_set_log_handler(library_log);
        optind = 0; /* full getopt reset for the command's own parsing */
        g->argv = argv;
        keel_log_debug("%s: keel %s (commit %s), state root %s", cmd->name, PACKAGE_VERSION,
                       KEEL_GIT_COMMIT, g->root ? g->root : "none (the command keeps no state)");
        ret = cmd->run(g, argc - first, argv + first, err);
        if (ret >= 0)
                keel_log_debug("%s: done, exit status %d", cmd->name, ret);
        return ret;
}

int main(int argc, char **argv)
{
        struct keel_globals g = {
                .rootless = KEEL_ROOTLESS_AUTO,
                .cgroup_manager = KEEL_CGROUP_CGROUPFS,
                .fail_status = EXIT_FAILURE,
        };
        _cleanup_error_ struct keel_error *err = NULL;
        _cleanup_free_ char *root = NULL;
        int ret;

        /* keel waits for what it forks (the container's process, hooks,
         * helpers): with SIGCHLD ignored by its caller the kernel would
         * reap them first, and an attached run would wait forever. */
        signal(SIGCHLD, SIG_DFL);
        ret = dispatch(&g, argc, argv, &root, &err);
        if (ret < 0) {
                keel_log_error(g.command, err ? err->msg : "unknown error");
                keel_log_debug("%s: failed, exit status %d", g.command ? g.command : "keel",
                               g.fail_status);
                ret = g.fail_status;
        }
        keel_log_close();
        return ret;
}
