/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

#define CREATE_OPTIONS \
        "  -b, --bundle DIR        the bundle (default: the current directory)\n" \
        "  -f, --config FILE       read the config from FILE (relative to the current\n" \
        "                          directory) instead of the bundle's config.json; root.path\n" \
        "                          still starts from the bundle (crun's option)\n" \
        "  --console-socket PATH   send the pty master of process.terminal to this unix socket\n" \
        "  --pid-file FILE         write the init's pid to FILE\n" \
        "  --preserve-fds N        pass N more fds (from 3) to the process\n" \
        "  --no-pivot              do not use pivot_root (for a rootfs on ramfs)\n" \
        "  --no-new-keyring        keep the caller's session keyring\n" \
        "  --image oci:DIR[:TAG]   run an OCI image layout: its layers (unpacked once into the\n" \
        "                          layer store) under a writable layer that delete removes;\n" \
        "                          writes config.json into --bundle, or into a bundle of keel's own;\n" \
        "                          a command after the container id replaces the image's Cmd\n" \
        "  --entrypoint PATH       with --image: replaces the image's Entrypoint (and its Cmd)\n"

static const char create_options[] = CREATE_OPTIONS;

/* run has create's options and two of its own. */
static const char run_options[] = CREATE_OPTIONS
        "  -d, --detach            return once the container runs (no waiting, no relay)\n"
        "  --keep                  do not delete the container when it exits\n";

enum { OPT_CONSOLE_SOCKET = 256, OPT_PID_FILE, OPT_PRESERVE_FDS, OPT_NO_PIVOT, OPT_NO_NEW_KEYRING,
       OPT_DETACH, OPT_KEEP, OPT_IMAGE, OPT_ENTRYPOINT };

/* LISTEN_FDS (systemd socket activation) passes through, as with runc. */
static int listen_fds(void)
{
        const char *v = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
        char *end;
        long n;

        /* sd_listen_fds(3): the fds are ours only when LISTEN_PID names us. */
        if (v == NULL || pid == NULL || strtol(pid, &end, 10) != (long) getpid() || *end)
                return 0;
        n = strtol(v, &end, 10);
        return (*end == '\0' && n > 0 && n < 1024) ? (int) n : 0;
}

int keel_parse_create_opts(struct keel_globals *g, int argc, char **argv, bool is_run,
                           struct keel_create_opts *o, struct keel_run_opts *r, struct keel_error **err)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "config", required_argument, NULL, 'f' },
                { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
                { "pid-file", required_argument, NULL, OPT_PID_FILE },
                { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
                { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
                { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
                { "detach", no_argument, NULL, 'd' },
                { "keep", no_argument, NULL, OPT_KEEP },
                { "image", required_argument, NULL, OPT_IMAGE },
                { "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        int opt, ret;
        char *end;
        long n;

        memset(o, 0, sizeof(*o));
        o->no_cgroup = g->cgroup_manager == KEEL_CGROUP_DISABLED;
        o->systemd_cgroup = g->cgroup_manager == KEEL_CGROUP_SYSTEMD;
        o->rootless = keel_cli_rootless(g);
        o->listen_fds = listen_fds();
        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, is_run ? "+b:f:dh" : "+b:f:h", opts, NULL)) != -1) {
                switch (opt) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case 'f':
                        o->config_path = optarg;
                        break;
                case OPT_CONSOLE_SOCKET:
                        o->console_socket = optarg;
                        break;
                case OPT_PID_FILE:
                        o->pid_file = optarg;
                        break;
                case OPT_PRESERVE_FDS:
                        errno = 0;
                        n = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || n < 0 || n > 65536)
                                return keel_error_set(err, 0, "--preserve-fds: invalid count \"%s\"", optarg);
                        o->preserve_fds = (int) n;
                        break;
                case OPT_NO_PIVOT:
                        o->no_pivot = true;
                        break;
                case OPT_NO_NEW_KEYRING:
                        o->no_new_keyring = true;
                        break;
                case 'd':
                        if (!is_run)
                                return keel_option_error(opt, argv, err);
                        r->detach = true;
                        break;
                case OPT_KEEP:
                        if (!is_run)
                                return keel_option_error(opt, argv, err);
                        r->keep = true;
                        break;
                case OPT_IMAGE:
                        r->image = optarg;
                        break;
                case OPT_ENTRYPOINT:
                        r->entrypoint = optarg;
                        break;
                case 'h':
                        keel_command_help(keel_find_command(argv[0]),
                                          is_run ? run_options : create_options);
                        return 1;
                default:
                        return keel_option_error(opt, argv, err);
                }
        }
        /* With --image, what follows the id is the command, as with
         * `podman run IMAGE CMD...`. */
        if (r->image != NULL && argc - optind > 1) {
                r->cmd = &argv[optind + 1];
                if (strcmp(r->cmd[0], "--") == 0)
                        r->cmd++;
                if (r->cmd[0] == NULL)
                        r->cmd = NULL;
        } else {
                ret = keel_want_args(argc, argv, optind, 1, "a container id", err);
                if (ret < 0)
                        return ret;
        }
        if (r->entrypoint != NULL && r->image == NULL)
                return keel_error_set(err, 0, "--entrypoint: only with --image");
        if (o->config_path != NULL && r->image != NULL)
                return keel_error_set(err, 0, "--config and --image: the image writes the "
                                      "bundle's config.json; give one of them");
        o->id = argv[optind];
        return 0;
}

struct create_guard {
        const struct keel_create_opts *o;
        const struct keel_run_opts *r;
};

static bool create_needs_guard(const void *arg)
{
        const struct create_guard *c = arg;

        /* An image's config.json is written later: the guard, always. */
        return c->r->image != NULL || keel_exe_guard_needed_for_create(c->o);
}

int keel_cli_create_guard(struct keel_globals *g, const struct keel_create_opts *o,
                          const struct keel_run_opts *r, struct keel_error **err)
{
        const struct create_guard c = { .o = o, .r = r };

        return keel_cli_exe_guard(g, create_needs_guard, &c, err);
}

int cmd_create(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        struct keel_run_opts r = { .image = NULL };
        _cleanup_free_ char *bundle = NULL;
        struct keel_create_opts o;
        _cleanup_store_ struct keel_store *store = NULL;
        int ret;

        ret = keel_parse_create_opts(g, argc, argv, false, &o, &r, err);
        if (ret != 0)
                return ret > 0 ? 0 : ret;
        ret = keel_cli_create_guard(g, &o, &r, err);
        if (ret < 0)
                return ret;
        if (r.image != NULL) {
                ret = keel_cli_image_bundle(g, &r, o.id, &o.bundle, &bundle, err);
                if (ret < 0)
                        return ret;
        }
        ret = keel_store_open(g->root, true, &store, err);
        if (ret == 0)
                ret = keel_container_create(store, &o, NULL, err);
        return ret;
}
