/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "keel.h"
#include "lib-log.h"
#include "linux/seccomp-filter.h"
#include "linux/seccomp.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/sha256.h"

/* A finished program on disk: MAGIC, the key it was stored under, the
 * seccomp(2) flags, whether it notifies, the instruction count, then the
 * instructions.  Read back only when every field checks out. */
#define MAGIC       "KEELSCF1"
#define MAX_ENTRIES 256 /* a full directory takes no more: compiled every time */

struct entry_head {
        char magic[8];
        uint8_t key[KEEL_SHA256_LEN];
        uint32_t flags;
        uint32_t notify;
        uint64_t n_insns;
};

static void hash_u64(struct keel_sha256 *h, uint64_t v)
{
        keel_sha256_update(h, &v, sizeof(v));
}

static void hash_str(struct keel_sha256 *h, const char *s)
{
        size_t n = s != NULL ? strlen(s) : 0;

        hash_u64(h, s != NULL ? n : UINT64_MAX);
        keel_sha256_update(h, s, n);
}

/* What the compiled program depends on: the profile (every field
 * keel_seccomp_compile reads; listenerPath and its metadata are not in the
 * program), and what compiled it and probed for it: keel's binary (its
 * file's identity: a rebuilt keel is a new file), libseccomp's version, the
 * kernel (its actions and flags are probed). */
static void profile_key(const struct keel_seccomp *s, uint8_t key[KEEL_SHA256_LEN])
{
        const struct scmp_version *v = seccomp_version();
        struct keel_sha256 h;
        struct utsname u;
        struct stat st;

        keel_sha256_init(&h);
        hash_str(&h, MAGIC);
        hash_str(&h, keel_version());
        if (stat("/proc/self/exe", &st) == 0) {
                hash_u64(&h, st.st_dev);
                hash_u64(&h, st.st_ino);
                hash_u64(&h, (uint64_t) st.st_size);
                hash_u64(&h, (uint64_t) st.st_mtim.tv_sec);
                hash_u64(&h, (uint64_t) st.st_mtim.tv_nsec);
        }
        hash_u64(&h, v != NULL ? ((uint64_t) v->major << 32 | v->minor << 16 | v->micro) : 0);
        if (uname(&u) == 0) {
                hash_str(&h, u.release);
                hash_str(&h, u.version);
                hash_str(&h, u.machine);
        }

        hash_u64(&h, s->default_action);
        hash_u64(&h, s->has_default_errno_ret);
        hash_u64(&h, s->default_errno_ret);
        hash_u64(&h, s->flags);
        hash_u64(&h, s->n_architectures);
        for (size_t i = 0; i < s->n_architectures; i++)
                hash_u64(&h, s->architectures[i]);
        hash_u64(&h, s->n_syscalls);
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const struct keel_seccomp_syscall *sc = &s->syscalls[i];

                hash_u64(&h, sc->n_names);
                for (size_t j = 0; j < sc->n_names; j++)
                        hash_str(&h, sc->names[j]);
                hash_u64(&h, sc->action);
                hash_u64(&h, sc->has_errno_ret);
                hash_u64(&h, sc->errno_ret);
                hash_u64(&h, sc->n_args);
                for (size_t j = 0; j < sc->n_args; j++) {
                        const struct keel_seccomp_arg *a = &sc->args[j];

                        hash_u64(&h, a->index);
                        hash_u64(&h, a->value);
                        hash_u64(&h, a->has_value_two);
                        hash_u64(&h, a->value_two);
                        hash_u64(&h, a->op);
                }
        }
        keel_sha256_final(&h, key);
}

/* The cache directory, made on first use; only one that is keel's own
 * (a directory, owned by this user, writable by nobody else) is used. */
static int open_cache_dir(int rootfd, bool create)
{
        _cleanup_close_ int fd = -1;
        struct stat st;

        if (create && mkdirat(rootfd, KEEL_SECCOMP_CACHE_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        fd = openat(rootfd, KEEL_SECCOMP_CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
                return -EPERM;
        return take_fd(&fd);
}

static struct keel_seccomp_filter *read_entry(int dirfd, const char *name,
                                              const uint8_t key[KEEL_SHA256_LEN])
{
        _cleanup_free_ char *data = NULL;
        struct keel_seccomp_filter *f;
        struct entry_head head;
        struct stat st;
        size_t len = 0;
        _cleanup_close_ int fd = keel_open_own_file_at(dirfd, name, O_RDONLY, 0, &st);

        if (fd < 0)
                return NULL;
        if (keel_read_fd(fd, sizeof(head) + 65536 * sizeof(struct sock_filter), &data, &len,
                         NULL) < 0 ||
            len < sizeof(head))
                return NULL;
        memcpy(&head, data, sizeof(head));
        if (memcmp(head.magic, MAGIC, sizeof(head.magic)) != 0 ||
            memcmp(head.key, key, KEEL_SHA256_LEN) != 0 || head.notify > 1 || head.n_insns == 0 ||
            head.n_insns > 65536 || len != sizeof(head) + head.n_insns * sizeof(struct sock_filter))
                return NULL;
        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return NULL;
        f->n_insns = head.n_insns;
        f->insns = malloc(f->n_insns * sizeof(struct sock_filter));
        if (f->insns == NULL) {
                free(f);
                return NULL;
        }
        memcpy(f->insns, data + sizeof(head), f->n_insns * sizeof(struct sock_filter));
        f->flags = head.flags;
        f->notify = head.notify != 0;
        return f;
}

/* ".NAME.tmp-PID", keel_write_file_atomic_at's temporary file: its
 * writer's pid, or 0 for any other name. */
static pid_t temporary_of(const char *name)
{
        const char *p = strstr(name, ".tmp-");
        char *end;
        long pid;

        if (name[0] != '.' || p == NULL || p[5] < '1' || p[5] > '9')
                return 0;
        pid = strtol(p + 5, &end, 10);
        return *end == '\0' && pid > 0 && pid <= INT_MAX ? (pid_t) pid : 0;
}

/* Whether the directory holds MAX_ENTRIES entries; on the way, the
 * temporary files of writers that died (a create killed while it stored
 * an entry) are removed. */
static bool dir_full(int dirfd)
{
        DIR *d = fdopendir(dup(dirfd));
        struct dirent *de;
        size_t n = 0;
        pid_t pid;

        if (d == NULL)
                return true;
        while ((de = readdir(d)) != NULL && n < MAX_ENTRIES) {
                if (de->d_name[0] != '.')
                        n++;
                else if ((pid = temporary_of(de->d_name)) > 0 && kill(pid, 0) < 0 &&
                         errno == ESRCH)
                        unlinkat(dirfd, de->d_name, 0);
        }
        closedir(d);
        return n >= MAX_ENTRIES;
}

static void write_entry(int dirfd, const char *name, const uint8_t key[KEEL_SHA256_LEN],
                        const struct keel_seccomp_filter *f)
{
        struct entry_head head = { .flags = f->flags, .notify = f->notify, .n_insns = f->n_insns };
        size_t len = sizeof(head) + f->n_insns * sizeof(struct sock_filter);
        _cleanup_free_ char *data = malloc(len);
        struct keel_error *err = NULL;

        if (data == NULL || dir_full(dirfd))
                return;
        memcpy(head.magic, MAGIC, sizeof(head.magic));
        memcpy(head.key, key, KEEL_SHA256_LEN);
        memcpy(data, &head, sizeof(head));
        memcpy(data + sizeof(head), f->insns, f->n_insns * sizeof(struct sock_filter));
        if (keel_write_file_atomic_at(dirfd, name, data, len, 0600, &err) < 0) {
                keel_debug("linux.seccomp: not cached: %s", err->msg);
                keel_error_free(err);
        }
}

int keel_seccomp_compile_cached(int rootfd, const struct keel_seccomp *s,
                                struct keel_seccomp_filter **out, bool *from_cache,
                                struct keel_error **err)
{
        char name[KEEL_SHA256_HEX_LEN + 1];
        uint8_t key[KEEL_SHA256_LEN];
        _cleanup_close_ int dirfd = -1;

        *from_cache = false;
        if (rootfd >= 0)
                dirfd = open_cache_dir(rootfd, false);
        if (dirfd >= 0) {
                profile_key(s, key);
                keel_sha256_hex(key, name);
                *out = read_entry(dirfd, name, key);
                if (*out != NULL) {
                        keel_debug("linux.seccomp: the compiled program of %.12s, from the cache: "
                                   "%zu BPF instructions, seccomp(2) flags %#x",
                                   name, (*out)->n_insns, (*out)->flags);
                        *from_cache = true;
                        return 0;
                }
        }
        return keel_seccomp_compile(s, out, err);
}

void keel_seccomp_cache_store(int rootfd, const struct keel_seccomp *s,
                              const struct keel_seccomp_filter *f)
{
        char name[KEEL_SHA256_HEX_LEN + 1];
        uint8_t key[KEEL_SHA256_LEN];
        _cleanup_close_ int dirfd = -1;

        if (rootfd < 0 || f == NULL)
                return;
        dirfd = open_cache_dir(rootfd, true);
        if (dirfd < 0)
                return;
        profile_key(s, key);
        keel_sha256_hex(key, name);
        write_entry(dirfd, name, key, f);
}
