/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The binary guard's first step, taken before libc starts (static keel on
 * x86-64 only: the binary's entry point, keel_entry, runs this and then
 * libc's _start).
 *
 * A create or run whose binary is writable re-executes keel from a
 * read-only mount of it (linux/exe-guard.h): two execs, and each exec of a
 * static glibc program pays glibc's start-up, whose CPU feature and cache
 * probing (dozens of CPUID instructions, each a trap to the hypervisor in a
 * VM) costs about a third of a millisecond on the machines of
 * docs/performance.md.  The first of the two execs needs none of it: here
 * it only reads argv and config.json and re-executes, so glibc starts once.
 *
 * It re-executes only where keel_exe_guard_when would: a create or run
 * spelt in the plain way engines spell it, whose config.json holds no
 * "user" value (no user namespace that could make the guard needless),
 * keel's binary on neither a read-only mount nor a sealed memfd.  Anything
 * else (another command, an option it does not know, --config, --image, a
 * config it cannot read, any failed step) returns to _start, and main
 * decides as it always did.  Re-executing is the safe side of every doubt.
 *
 * It lives with the guard (exe-guard.c: the same variable, the same rule)
 * and knows keel's command line: the global options of src/main.c and the
 * create and run options of src/cmd-create.c, which it mirrors.  It is
 * linked into the keel binary only (libkeel-early.a), not into libkeel.
 *
 * Freestanding: no libc call (its functions are IFUNCs not yet resolved,
 * its TLS not yet set up: no stack protector either), raw syscalls only.
 * Makefile.am builds it with its own flags; a unit test checks the object
 * calls nothing but _start (test-early-guard).
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "linux/exe-guard-early.h"
#include "linux/exe-guard.h"
#include "util/json-scan.h"

#define EARLY __attribute__((no_stack_protector, optimize("no-tree-loop-distribute-patterns")))

/* The entry point: the stack as the kernel left it (argc, argv, envp) goes
 * to keel_early_guard; if that returns, on to libc's _start with the stack
 * and %rdx (the dynamic linker's fini: 0 for a static program) untouched.
 * rbx and r12 are callee-saved: they survive the call. */
__asm__(".pushsection .text\n"
        ".globl keel_entry\n"
        ".type keel_entry, @function\n"
        "keel_entry:\n"
        "        mov %rdx, %r12\n"
        "        mov %rsp, %rbx\n"
        "        mov %rsp, %rdi\n"
        "        and $-16, %rsp\n"
        "        call keel_early_guard\n"
        "        mov %rbx, %rsp\n"
        "        mov %r12, %rdx\n"
        "        jmp _start\n"
        ".size keel_entry, . - keel_entry\n"
        ".popsection\n");

void keel_early_guard(long *sp);

EARLY static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
        register long r10 __asm__("r10") = d;
        register long r8 __asm__("r8") = e;
        register long r9 __asm__("r9") = f;
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                         : "rcx", "r11", "memory");
        return ret;
}

#define sys(n, a, b, c) sys6((n), (long) (a), (long) (b), (long) (c), 0, 0, 0)

EARLY static bool eq(const char *a, const char *b)
{
        while (*a != '\0' && *a == *b) {
                a++;
                b++;
        }
        return *a == *b;
}

/* a is "--name" (1: the value is the next argument) or "--name=value" (2). */
EARLY static int long_option(const char *a, const char *name)
{
        if (a[0] != '-' || a[1] != '-')
                return 0;
        for (a += 2; *name != '\0'; a++, name++)
                if (*a != *name)
                        return 0;
        return *a == '\0' ? 1 : *a == '=' ? 2 : 0;
}

/* keel's global options that take a value (src/main.c, parse_globals). */
EARLY static int global_with_value(const char *a)
{
        int r;

        if ((r = long_option(a, "root")) || (r = long_option(a, "log")) ||
            (r = long_option(a, "log-format")) || (r = long_option(a, "cgroup-manager")) ||
            (r = long_option(a, "rootless")) || (r = long_option(a, "criu")))
                return r;
        return 0;
}

/* create's and run's options that take a value, other than the bundle
 * (src/cmd-create.c: --config and --image change what is read; they are
 * left to main). */
EARLY static int create_with_value(const char *a)
{
        int r;

        if ((r = long_option(a, "console-socket")) || (r = long_option(a, "pid-file")) ||
            (r = long_option(a, "preserve-fds")))
                return r;
        return 0;
}

EARLY const char *keel_early_bundle(int argc, char *const argv[])
{
        const char *bundle = ".";
        bool run;
        int i = 1, r;

        for (; i < argc && argv[i][0] == '-'; i++) {
                if (eq(argv[i], "--debug") || eq(argv[i], "--systemd-cgroup"))
                        continue;
                r = global_with_value(argv[i]);
                if (r == 0 || (r == 1 && ++i >= argc))
                        return NULL;
        }
        if (i >= argc || !(eq(argv[i], "create") || eq(argv[i], "run")))
                return NULL;
        run = eq(argv[i], "run");
        for (i++; i < argc && argv[i][0] == '-'; i++) {
                const char *a = argv[i];

                if (eq(a, "--")) {
                        i++;
                        break;
                }
                if (eq(a, "--no-pivot") || eq(a, "--no-new-keyring") ||
                    (run && (eq(a, "-d") || eq(a, "--detach") || eq(a, "--keep"))))
                        continue;
                if (eq(a, "-b") || long_option(a, "bundle") == 1) {
                        if (++i >= argc)
                                return NULL;
                        bundle = argv[i];
                        continue;
                }
                if (long_option(a, "bundle") == 2) {
                        bundle = a + sizeof("--bundle=") - 1;
                        continue;
                }
                r = create_with_value(a);
                if (r == 0 || (r == 1 && ++i >= argc))
                        return NULL;
        }
        /* The container id must follow; without one main reports it. */
        return i < argc && bundle[0] != '\0' ? bundle : NULL;
}

EARLY static bool has_env(char *const envp[], const char *name)
{
        for (size_t i = 0; envp[i] != NULL; i++) {
                const char *e = envp[i], *n = name;

                while (*n != '\0' && *e == *n) {
                        e++;
                        n++;
                }
                if (*n == '\0' && *e == '=')
                        return true;
        }
        return false;
}

/* The binary is on a read-only mount or a sealed memfd (exe-guard.c's
 * protection_of). */
EARLY static bool protected(int fd)
{
        struct statfs st;
        long r = sys(SYS_fcntl, fd, F_GET_SEALS, 0);

        if (r >= 0 && (r & KEEL_EXE_SEALS) == KEEL_EXE_SEALS)
                return true;
        return sys(SYS_fstatfs, fd, &st, 0) == 0 && (st.f_flags & ST_RDONLY) != 0;
}

/* Room for the configs engines write (podman's with its seccomp profile:
 * about 30 KiB); a larger one is left to main. */
static char config[256 * 1024];

/* config.json of the bundle read, a regular file, and no "user" value. */
EARLY static bool config_without_user(const char *bundle)
{
        struct stat st;
        size_t len = 0;
        long dir, fd, n = 1;
        bool ok = false;

        dir = sys(SYS_openat, AT_FDCWD, bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return false;
        fd = sys6(SYS_openat, dir, (long) "config.json",
                  O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0, 0, 0);
        sys(SYS_close, dir, 0, 0);
        if (fd < 0)
                return false;
        if (sys(SYS_fstat, fd, &st, 0) == 0 && S_ISREG(st.st_mode)) {
                while (len < sizeof(config) &&
                       (n = sys(SYS_read, fd, config + len, sizeof(config) - len)) > 0)
                        len += (size_t) n;
                ok = n == 0 && len < sizeof(config) && !keel_json_has_user_value(config, len);
        }
        sys(SYS_close, fd, 0, 0);
        return ok;
}

#define ENV_MAX 4096
static char *env[ENV_MAX + 2];

EARLY void keel_early_guard(long *sp)
{
        struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
        int argc = (int) sp[0];
        char **argv = (char **) (sp + 1);
        char **envp = argv + argc + 1;
        const char *bundle = keel_early_bundle(argc, argv);
        long exe, mnt;
        size_t n = 0;

        if (bundle == NULL || has_env(envp, KEEL_EXE_GUARD_ENV))
                return;
        exe = sys(SYS_openat, AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (exe < 0)
                return;
        if (protected((int) exe) || !config_without_user(bundle)) {
                sys(SYS_close, exe, 0, 0);
                return;
        }
        mnt = sys(SYS_open_tree, exe, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
        sys(SYS_close, exe, 0, 0);
        if (mnt < 0)
                return;
        while (envp[n] != NULL && n < ENV_MAX) {
                env[n] = envp[n];
                n++;
        }
        if (envp[n] == NULL && sys6(SYS_mount_setattr, mnt, (long) "", AT_EMPTY_PATH, (long) &ro,
                                    sizeof(ro), 0) == 0) {
                env[n] = (char *) KEEL_EXE_GUARD_ENV "=" KEEL_EXE_GUARD_EARLY;
                env[n + 1] = NULL;
                sys6(SYS_execveat, mnt, (long) "", (long) argv, (long) env, AT_EMPTY_PATH, 0);
        }
        sys(SYS_close, mnt, 0, 0);
}
