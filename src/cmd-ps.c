/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "util/cleanup.h"

#define PS_OUTPUT_MAX (64u << 20)

static const char ps_options[] =
        "  -f, --format FMT   table (default: the output of ps, filtered) or json (the pids)\n"
        "Arguments after the id (after \"--\" when they start with '-') go to ps(1)\n"
        "instead of the default -ef.\n";

static int pid_cmp(const void *a, const void *b)
{
        pid_t x = *(const pid_t *) a, y = *(const pid_t *) b;

        return (x > y) - (x < y);
}

static void print_json(const pid_t *pids, size_t n)
{
        size_t i;

        fputc('[', stdout);
        for (i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int) pids[i]);
        fputs("]\n", stdout);
}

/* Run ps with args (NULL-terminated, args[0] "ps") and collect its stdout. */
static int run_ps(char **args, char **out, struct keel_error **err)
{
        _cleanup_close_ int rfd = -1;
        int p[2], status, ret;
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) < 0)
                return keel_error_set(err, errno, "run ps: pipe");
        pid = fork();
        if (pid < 0) {
                close(p[0]);
                close(p[1]);
                return keel_error_set(err, errno, "run ps: fork");
        }
        if (pid == 0) {
                if (dup2(p[1], STDOUT_FILENO) >= 0)
                        execvp(args[0], args);
                _exit(127);
        }
        close(p[1]);
        rfd = p[0];
        ret = keel_read_fd(rfd, PS_OUTPUT_MAX, out, NULL, err);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (ret < 0)
                return keel_error_prefix(err, "read the output of ps");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                free(*out);
                *out = NULL;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                        return keel_error_setq(err, ENOENT, "run ps: not found or cannot be run");
                return keel_error_setq(err, EIO, "ps failed (status %d)",
                                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        }
        return 0;
}

/* The index of the whitespace-separated field named "PID" in the header. */
static int pid_column(const char *header, size_t len)
{
        size_t i = 0, start;
        int col = 0;

        for (;;) {
                while (i < len && (header[i] == ' ' || header[i] == '\t'))
                        i++;
                if (i == len)
                        return -1;
                start = i;
                while (i < len && header[i] != ' ' && header[i] != '\t')
                        i++;
                if (i - start == 3 && memcmp(header + start, "PID", 3) == 0)
                        return col;
                col++;
        }
}

/* The pid in field col of line, or -1. */
static long field_pid(const char *line, size_t len, int col)
{
        char buf[32];
        size_t i = 0, start;
        char *end;
        long v;

        for (;;) {
                while (i < len && (line[i] == ' ' || line[i] == '\t'))
                        i++;
                start = i;
                while (i < len && line[i] != ' ' && line[i] != '\t')
                        i++;
                if (start == i)
                        return -1;
                if (col-- == 0)
                        break;
        }
        if (i - start >= sizeof(buf))
                return -1;
        memcpy(buf, line + start, i - start);
        buf[i - start] = '\0';
        errno = 0;
        v = strtol(buf, &end, 10);
        return errno == 0 && *end == '\0' && v > 0 ? v : -1;
}

/* runc's filter: the header, then the lines whose PID field is one of pids (sorted). */
static int print_table(const char *ps_out, const pid_t *pids, size_t n, struct keel_error **err)
{
        const char *line = ps_out, *nl;
        size_t len;
        int col = -1;
        pid_t key;

        for (; *line != '\0'; line = nl ? nl + 1 : line + len) {
                nl = strchr(line, '\n');
                len = nl ? (size_t) (nl - line) : strlen(line);
                if (col < 0) {
                        col = pid_column(line, len);
                        if (col < 0)
                                return keel_error_setq(err, EINVAL, "no PID column in the output of ps");
                        printf("%.*s\n", (int) len, line);
                        continue;
                }
                key = (pid_t) field_pid(line, len, col);
                if (key > 0 && n > 0 && bsearch(&key, pids, n, sizeof(*pids), pid_cmp) != NULL)
                        printf("%.*s\n", (int) len, line);
        }
        if (col < 0)
                return keel_error_setq(err, EINVAL, "no output from ps");
        return 0;
}

static int ps_table(char **user_args, int n_user, const pid_t *pids, size_t n,
                    struct keel_error **err)
{
        _cleanup_free_ char **args = calloc(n_user + 3, sizeof(char *));
        _cleanup_free_ char *out = NULL;
        int i, ret;

        if (args == NULL)
                return keel_error_set(err, ENOMEM, "run ps");
        args[0] = (char *) "ps";
        for (i = 0; i < n_user; i++)
                args[i + 1] = user_args[i];
        if (n_user == 0)
                args[1] = (char *) "-ef";
        ret = run_ps(args, &out, err);
        if (ret == 0)
                ret = print_table(out, pids, n, err);
        return ret;
}

int cmd_ps(struct keel_globals *g, int argc, char **argv, struct keel_error **err)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_free_ pid_t *pids = NULL;
        struct keel_store *store = NULL;
        bool json = false;
        int c, first, n_args, ret;
        const char *id;
        size_t n = 0;

        opterr = 0;
        while ((c = getopt_long_only(argc, argv, "+:f:h", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        if (strcmp(optarg, "json") == 0)
                                json = true;
                        else if (strcmp(optarg, "table") == 0)
                                json = false;
                        else
                                return keel_error_set(err, 0, "--format: unknown format \"%s\" (expected table or json)", optarg);
                        break;
                default:
                        return keel_option_default(c, argv, ps_options, err);
                }
        }
        if (optind >= argc)
                return keel_error_set(err, 0, "missing a container id");
        id = argv[optind];
        first = optind + 1;
        if (first < argc && strcmp(argv[first], "--") == 0)
                first++;
        n_args = argc - first;
        if (json && n_args > 0)
                return keel_error_set(err, 0, "ps options (\"%s\") need --format table", argv[first]);

        ret = keel_cli_open_store(g, id, &store, err);
        if (ret == 0)
                ret = keel_container_pids(store, id, &pids, &n, err);
        /* Not held while ps(1) runs. */
        keel_store_close(store);
        if (ret < 0)
                return ret;
        if (n > 1)
                qsort(pids, n, sizeof(*pids), pid_cmp);
        if (json) {
                print_json(pids, n);
                return 0;
        }
        return ps_table(argv + first, n_args, pids, n, err);
}
