/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util/cleanup.h"

#define EXEC_FAILED 255

static const char exec_options[] =
        "  -p, --process FILE      the process to run, as a process.json (instead of a command)\n"
        "  -t, --tty               allocate a pty\n"
        "  --console-socket PATH   send the pty master to this unix socket\n"
        "  -d, --detach            return once the process runs\n"
        "  --pid-file FILE         write the process's pid to FILE\n"
        "  --cwd DIR               working directory in the container\n"
        "  -e, --env NAME=VALUE    add to the environment (repeatable)\n"
        "  -u, --user UID[:GID]    run as this numeric user and group\n"
        "  -g, --additional-gids G supplementary group (repeatable)\n"
        "  -c, --cap CAP           add a capability (repeatable)\n"
        "  --no-new-privs          set no_new_privs\n"
        "  --preserve-fds N        pass N more fds (from 3) to the process\n"
        "  --apparmor PROFILE      run under this AppArmor profile\n"
        "  --process-label LABEL   SELinux context of the process (process.selinuxLabel)\n"
        "  --cgroup PATH           join this existing sub-cgroup of the container's\n"
        "  --ignore-paused         exec into a paused container: the process runs once it is\n"
        "                          resumed (keel exec waits until then, as runc does)\n";

enum { OPT_CONSOLE_SOCKET = 256, OPT_PID_FILE, OPT_CWD, OPT_NO_NEW_PRIVS, OPT_PRESERVE_FDS,
       OPT_PROCESS_LABEL, OPT_APPARMOR, OPT_CGROUP, OPT_IGNORE_PAUSED };

/* A decimal id, nothing else: "1000", not "1000abc", "-1" or "0x10"
 * (CVE-2026-30892: lenient parsing turned bad input into root). */
static int parse_id(const char *s, uint32_t *out)
{
        char *end;
        unsigned long long v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT32_MAX - 1)
                return -EINVAL;
        *out = (uint32_t) v;
        return 0;
}

static int parse_user(const char *s, struct keel_exec_opts *o, struct keel_error **err)
{
        _cleanup_free_ char *copy = strdup(s);
        char *colon;

        if (copy == NULL)
                return keel_error_set(err, ENOMEM, "--user");
        colon = strchr(copy, ':');
        if (colon)
                *colon = '\0';
        if (parse_id(copy, &o->uid) < 0 || (colon && parse_id(colon + 1, &o->gid) < 0))
                return keel_error_set(err, 0, "--user %s: expected UID[:GID] as numbers", s);
        if (!colon)
                o->gid = 0;
        o->has_user = true;
        return 0;
}

/* runc exits 1 when its command line cannot be parsed (an unknown flag, a
 * number that is not one, no container id) and 255 for every other failure
 * of exec, so that a caller tells keel's failure from a process that
 * exited 1. */
static int usage_error(struct keel_globals *g, int ret)
{
        g->fail_status = EXIT_FAILURE;
        return ret;
}

static int push(char ***v, size_t *n, char *s)
{
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));

        if (nv == NULL)
                return -ENOMEM;
        nv[(*n)++] = s;
        nv[*n] = NULL;
        *v = nv;
        return 0;
}

struct exec_guard {
        struct keel_store *store;
        const char *id;
};

static bool exec_needs_guard(const void *arg)
{
        const struct exec_guard *e = arg;

        return keel_exe_guard_needed_for_container(e->store, e->id);
}

int cmd_exec(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "process", required_argument, NULL, 'p' },
                { "tty", no_argument, NULL, 't' },
                { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
                { "detach", no_argument, NULL, 'd' },
                { "pid-file", required_argument, NULL, OPT_PID_FILE },
                { "cwd", required_argument, NULL, OPT_CWD },
                { "env", required_argument, NULL, 'e' },
                { "user", required_argument, NULL, 'u' },
                { "additional-gids", required_argument, NULL, 'g' },
                { "cap", required_argument, NULL, 'c' },
                { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
                { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
                { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
                { "apparmor", required_argument, NULL, OPT_APPARMOR },
                { "cgroup", required_argument, NULL, OPT_CGROUP },
                { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        struct keel_exec_result res = { .pid = 0, .console_master = -1 };
        struct keel_exec_opts o = { .id = NULL };
        _cleanup_free_ char **env = NULL, **caps = NULL;
        _cleanup_free_ uint32_t *gids = NULL;
        size_t n_env = 0, n_caps = 0;
        struct keel_store *store = NULL;
        _cleanup_close_ int sigfd = -1;
        bool detach = false;
        int opt, ret, code;
        char *end;
        long n;

        o.no_cgroup = g->cgroup_manager == KEEL_CGROUP_DISABLED;
        g->fail_status = EXEC_FAILED;
        opterr = 0;
        while ((opt = getopt_long_only(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
                switch (opt) {
                case 'p': o.process_path = optarg; break;
                case 't': o.tty = true; break;
                case OPT_CONSOLE_SOCKET: o.console_socket = optarg; break;
                case 'd': detach = true; break;
                case OPT_PID_FILE: o.pid_file = optarg; break;
                case OPT_CWD: o.cwd = optarg; break;
                case OPT_NO_NEW_PRIVS: o.no_new_privs = true; break;
                case 'e':
                        if (strchr(optarg, '=') == NULL)
                                return keel_error_set(err, 0, "--env %s: expected NAME=VALUE", optarg);
                        if (push(&env, &n_env, optarg) < 0)
                                return keel_error_set(err, ENOMEM, "--env");
                        break;
                case 'c':
                        if (push(&caps, &n_caps, optarg) < 0)
                                return keel_error_set(err, ENOMEM, "--cap");
                        break;
                case 'u':
                        ret = parse_user(optarg, &o, err);
                        if (ret < 0)
                                return ret;
                        break;
                case 'g': {
                        uint32_t *ng = realloc(gids, (o.n_additional_gids + 1) * sizeof(uint32_t));

                        if (ng == NULL)
                                return keel_error_set(err, ENOMEM, "--additional-gids");
                        gids = ng;
                        if (parse_id(optarg, &gids[o.n_additional_gids]) < 0)
                                return usage_error(g, keel_error_set(err, 0, "--additional-gids %s: "
                                                                     "expected a number", optarg));
                        o.n_additional_gids++;
                        break;
                }
                case OPT_PRESERVE_FDS:
                        errno = 0;
                        n = strtol(optarg, &end, 10);
                        if (errno || *end || end == optarg || n < 0 || n > 65536)
                                return usage_error(g, keel_error_set(err, 0, "--preserve-fds: invalid "
                                                                     "count \"%s\"", optarg));
                        o.preserve_fds = (int) n;
                        break;
                case OPT_PROCESS_LABEL:
                        o.process_label = optarg;
                        break;
                case OPT_APPARMOR:
                        o.apparmor = optarg;
                        break;
                case OPT_CGROUP:
                        o.sub_cgroup = optarg;
                        break;
                case OPT_IGNORE_PAUSED:
                        o.ignore_paused = true;
                        break;
                case 'h':
                        keel_command_help(keel_find_command("exec"), exec_options);
                        return 0;
                default:
                        return usage_error(g, keel_option_error(opt, argv, err));
                }
        }
        if (optind >= argc)
                return usage_error(g, keel_error_set(err, 0, "missing a container id"));
        o.id = argv[optind++];
        if (o.process_path && optind < argc)
                return keel_error_set(err, 0, "unexpected argument \"%s\" (--process gives the command)",
                                      argv[optind]);
        if (!o.process_path && optind >= argc)
                return keel_error_set(err, 0, "missing the command to execute");
        o.args = o.process_path ? NULL : argv + optind;
        o.env = env;
        o.caps = caps;
        o.additional_gids = gids;
        o.keep_console = !detach && o.console_socket == NULL;

        ret = keel_cli_open_store(g, o.id, &store, err);
        if (ret == 0)
                ret = keel_cli_exe_guard(g, exec_needs_guard, &(struct exec_guard){ store, o.id },
                                         err);
        if (ret == 0 && !detach)
                ret = keel_cli_prepare_wait(&sigfd, err);
        if (ret == 0)
                ret = keel_container_exec(store, &o, &res, err);
        /* Not held while the process runs, which can be long. */
        keel_store_close(store);
        if (ret < 0 || detach)
                return ret;
        if (res.console_master >= 0) {
                keel_terminal_relay(res.console_master, -1, NULL);
                closep(&res.console_master);
        }
        code = keel_cli_wait(res.pid, sigfd, err);
        return code;
}
