/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

/* checkpoint and restore, with runc's flags, through criu(8).  `checkpoint
 * --help` exits 0 only where criu can run: podman asks exactly that before
 * it offers `podman container checkpoint` (crun without criu exits 1). */

static const char checkpoint_options[] =
        "  --image-path DIR          where criu writes the images (default: ./checkpoint)\n"
        "  --work-path DIR           criu's log and work files (default: the image path)\n"
        "  --leave-running           keep the container running after the dump\n"
        "  --tcp-established         dump established TCP connections\n"
        "  --ext-unix-sk             allow external unix sockets\n"
        "  --shell-job               allow a process attached to the caller's terminal\n"
        "  --file-locks              dump file locks\n"
        "  --pre-dump                dump the memory only and keep running (see --parent-path)\n"
        "  --parent-path DIR         the images of a previous --pre-dump (relative to the\n"
        "                            image path, as criu and runc take it)\n"
        "  --manage-cgroups-mode M   soft (default), full, strict or ignore\n"
        "  --empty-ns network        dump the network namespace without its contents\n"
        "  --auto-dedup              deduplicate the memory images\n"
        "Not supported (refused by name): --lazy-pages, --status-fd, --page-server.\n";

static const char restore_options[] =
        "  --image-path DIR          the images (default: ./checkpoint)\n"
        "  --work-path DIR           criu's log and work files (default: the image path)\n"
        "  -b, --bundle DIR          the bundle (default: the current directory)\n"
        "  -d, --detach              return once the container runs\n"
        "  --pid-file FILE           write the restored init's pid to FILE\n"
        "  --no-subreaper            accepted for runc compatibility (keel is no subreaper)\n"
        "  --no-pivot                accepted for runc compatibility (criu sets the root)\n"
        "  --tcp-established, --ext-unix-sk, --shell-job, --file-locks\n"
        "                            as for checkpoint\n"
        "  --manage-cgroups-mode M   soft (default), full, strict or ignore\n"
        "  --empty-ns network        make the network namespace without restoring its contents\n"
        "  --auto-dedup              free the restored memory pages in the images\n"
        "  --lsm-profile TYPE:NAME   the LSM profile of the restored processes\n"
        "  --lsm-mount-context CTX   the SELinux context of the restored mounts\n"
        "  --console-socket PATH     where the new pty master goes (process.terminal)\n"
        "Not supported (refused by name): --lazy-pages.\n";

enum {
        OPT_IMAGE_PATH = 256, OPT_WORK_PATH, OPT_LEAVE_RUNNING, OPT_TCP, OPT_EXT_UNIX, OPT_SHELL_JOB,
        OPT_FILE_LOCKS, OPT_PRE_DUMP, OPT_PARENT_PATH, OPT_MANAGE_CGROUPS, OPT_EMPTY_NS,
        OPT_AUTO_DEDUP, OPT_LAZY_PAGES, OPT_STATUS_FD, OPT_PAGE_SERVER, OPT_PID_FILE,
        OPT_NO_SUBREAPER, OPT_NO_PIVOT, OPT_CONSOLE_SOCKET, OPT_LSM_PROFILE, OPT_LSM_MOUNT_CONTEXT,
};

static const struct option criu_options[] = {
        { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
        { "work-path", required_argument, NULL, OPT_WORK_PATH },
        { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
        { "tcp-established", no_argument, NULL, OPT_TCP },
        { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX },
        { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
        { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
        { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
        { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
        { "manage-cgroups-mode", required_argument, NULL, OPT_MANAGE_CGROUPS },
        { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
        { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
        { "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
        { "status-fd", required_argument, NULL, OPT_STATUS_FD },
        { "page-server", required_argument, NULL, OPT_PAGE_SERVER },
        { "bundle", required_argument, NULL, 'b' },
        { "detach", no_argument, NULL, 'd' },
        { "pid-file", required_argument, NULL, OPT_PID_FILE },
        { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
        { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
        { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
        { "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
        { "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
};

struct criu_cli {
        struct keel_criu_opts o;
        char *empty_ns[2];
        const char *bundle, *pid_file, *console_socket;
        bool detach;
        bool help;
};

static const char *option_name(int opt)
{
        for (const struct option *o = criu_options; o->name; o++)
                if (o->val == opt)
                        return o->name;
        return "?";
}

/* Options only one of the two commands takes. */
static bool checkpoint_only(int opt)
{
        return opt == OPT_LEAVE_RUNNING || opt == OPT_PRE_DUMP || opt == OPT_PARENT_PATH ||
               opt == OPT_STATUS_FD || opt == OPT_PAGE_SERVER;
}

static bool restore_only(int opt)
{
        return opt == 'b' || opt == 'd' || opt == OPT_PID_FILE || opt == OPT_NO_SUBREAPER ||
               opt == OPT_NO_PIVOT || opt == OPT_CONSOLE_SOCKET || opt == OPT_LSM_PROFILE ||
               opt == OPT_LSM_MOUNT_CONTEXT;
}

static int parse(struct keel_globals *g, int argc, char **argv, bool restore, struct criu_cli *c,
                 struct keel_error **err)
{
        static const char *const modes[] = { "soft", "full", "strict", "ignore" };
        int opt;

        memset(c, 0, sizeof(*c));
        c->o.criu = g->criu;
        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, restore ? "+b:dh" : "+h", criu_options,
                                       NULL)) != -1) {
                if ((restore && checkpoint_only(opt)) || (!restore && restore_only(opt)))
                        return keel_error_set(err, 0, "unknown option --%s", option_name(opt));
                switch (opt) {
                case OPT_IMAGE_PATH: c->o.image_path = optarg; break;
                case OPT_WORK_PATH: c->o.work_path = optarg; break;
                case OPT_LEAVE_RUNNING: c->o.leave_running = true; break;
                case OPT_TCP: c->o.tcp_established = true; break;
                case OPT_EXT_UNIX: c->o.ext_unix_sk = true; break;
                case OPT_SHELL_JOB: c->o.shell_job = true; break;
                case OPT_FILE_LOCKS: c->o.file_locks = true; break;
                case OPT_PRE_DUMP: c->o.pre_dump = true; break;
                case OPT_PARENT_PATH: c->o.parent_path = optarg; break;
                case OPT_AUTO_DEDUP: c->o.auto_dedup = true; break;
                case OPT_MANAGE_CGROUPS: {
                        size_t i;

                        for (i = 0; i < 4 && strcmp(optarg, modes[i]) != 0; i++)
                                ;
                        if (i == 4)
                                return keel_error_set(err, 0, "--manage-cgroups-mode: \"%s\" is "
                                                      "not one of soft, full, strict, ignore", optarg);
                        c->o.manage_cgroups_mode = optarg;
                        break;
                }
                case OPT_EMPTY_NS:
                        if (strcmp(optarg, "network") != 0)
                                return keel_error_set(err, 0, "--empty-ns %s: only \"network\" "
                                                      "is supported", optarg);
                        c->empty_ns[0] = optarg;
                        c->o.empty_ns = c->empty_ns;
                        break;
                case OPT_LAZY_PAGES:
                case OPT_STATUS_FD:
                case OPT_PAGE_SERVER:
                        return keel_error_setq(err, ENOTSUP, "--%s: not supported (keel drives "
                                               "criu without a page server)", option_name(opt));
                case OPT_CONSOLE_SOCKET: c->console_socket = optarg; break;
                case OPT_LSM_PROFILE:
                        if (strchr(optarg, ':') == NULL)
                                return keel_error_set(err, 0, "--lsm-profile %s: expected "
                                                      "TYPE:NAME", optarg);
                        c->o.lsm_profile = optarg;
                        break;
                case OPT_LSM_MOUNT_CONTEXT: c->o.lsm_mount_context = optarg; break;
                case 'b': c->bundle = optarg; break;
                case 'd': c->detach = true; break;
                case OPT_PID_FILE: c->pid_file = optarg; break;
                case OPT_NO_SUBREAPER:
                case OPT_NO_PIVOT:
                        break;
                case 'h':
                        c->help = true;
                        return 1;
                default:
                        return keel_option_error(opt, argv, err);
                }
        }
        if (c->o.image_path == NULL)
                c->o.image_path = "checkpoint";
        return keel_want_args(argc, argv, optind, 1, "a container id", err);
}

/* Relative paths are the caller's: criu runs elsewhere (its work dir). */
static int absolute(const char **path, char **owned, struct keel_error **err)
{
        char cwd[PATH_MAX];

        if (*path == NULL || (*path)[0] == '/')
                return 0;
        if (getcwd(cwd, sizeof(cwd)) == NULL)
                return keel_error_set(err, errno, "getcwd");
        if (asprintf(owned, "%s/%s", cwd, *path) < 0)
                return keel_error_set(err, ENOMEM, "path");
        *path = *owned;
        return 0;
}

/* --help: exit 0 where criu runs, 1 (saying why) where it cannot. */
static int help(struct keel_globals *g, const char *cmd, const char *options,
                struct keel_error **err)
{
        keel_command_help(keel_find_command(cmd), options);
        return keel_criu_check(g->criu, err);
}

int cmd_checkpoint(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        _cleanup_free_ char *image = NULL, *work = NULL;
        _cleanup_store_ struct keel_store *store = NULL;
        struct criu_cli c;
        int ret;

        ret = parse(g, argc, argv, false, &c, err);
        if (ret > 0)
                return help(g, argv[0], checkpoint_options, err);
        if (ret == 0)
                ret = absolute(&c.o.image_path, &image, err);
        if (ret == 0)
                ret = absolute(&c.o.work_path, &work, err);
        if (ret == 0)
                ret = keel_cli_open_store(g, argv[argc - 1], &store, err);
        if (ret == 0)
                ret = keel_container_checkpoint(store, argv[argc - 1], &c.o, err);
        return ret;
}

int cmd_restore(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        _cleanup_free_ char *image = NULL, *work = NULL;
        struct keel_created created = { .pid = 0, .console_master = -1 };
        struct keel_create_opts o;
        _cleanup_close_ int sigfd = -1;
        _cleanup_store_ struct keel_store *store = NULL;
        struct criu_cli c;
        int ret, code;

        ret = parse(g, argc, argv, true, &c, err);
        if (ret > 0)
                return help(g, argv[0], restore_options, err);
        if (ret == 0)
                ret = absolute(&c.o.image_path, &image, err);
        if (ret == 0)
                ret = absolute(&c.o.work_path, &work, err);
        if (ret == 0)
                ret = keel_criu_check(g->criu, err);
        if (ret == 0 && !c.detach)
                ret = keel_cli_prepare_wait(&sigfd, err);
        if (ret < 0)
                return ret;
        memset(&o, 0, sizeof(o));
        o.id = argv[argc - 1];
        o.bundle = c.bundle;
        o.pid_file = c.pid_file;
        o.console_socket = c.console_socket;
        o.keep_console = !c.detach && c.console_socket == NULL;
        o.no_cgroup = g->cgroup_manager == KEEL_CGROUP_DISABLED;
        o.systemd_cgroup = g->cgroup_manager == KEEL_CGROUP_SYSTEMD;
        o.rootless = keel_cli_rootless(g);
        o.restore = &c.o;
        ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = keel_container_create(store, &o, &created, err);
        if (ret < 0 || c.detach) {
                closep(&created.console_master);
                return ret;
        }
        /* Attached, as run: relay the terminal, wait for the restored init,
         * then delete. */
        code = keel_cli_attach(&created, sigfd, err);
        ret = code < 0 ? code : keel_container_delete(store, o.id, true, err);
        return ret < 0 ? ret : code;
}
