/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/strv.h"

#define RESERVE_PREFIX ".new-"   /* ".new-ID": the one create of ID, locked */
#define PRIVATE_PREFIX ".tmp-"   /* ".tmp-ID.PID.TRY": where that create starts */

static bool id_char_ok(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '+' || c == '-' || c == '.';
}

int keel_id_validate(const char *id, struct keel_error **err)
{
        size_t len, i;

        if (id == NULL || *id == '\0')
                return keel_error_set(err, 0, "container id must not be empty");
        len = strlen(id);
        if (len > KEEL_ID_MAX)
                return keel_error_set(err, 0, "container id is %zu characters long (at most %d)", len,
                                      KEEL_ID_MAX);
        if (id[0] == '.')
                return keel_error_set(err, 0, "container id \"%s\" must not start with '.'", id);
        for (i = 0; i < len; i++) {
                unsigned char c = (unsigned char) id[i];

                if (id_char_ok(c))
                        continue;
                if (c < 0x20 || c >= 0x7f)
                        return keel_error_set(err, 0,
                                              "container id has an invalid byte 0x%02x at offset %zu "
                                              "(allowed: letters, digits, '_', '+', '-', '.')", c, i);
                return keel_error_set(err, 0,
                                      "container id \"%s\" has an invalid character '%c' "
                                      "(allowed: letters, digits, '_', '+', '-', '.')", id, c);
        }
        return 0;
}

int keel_store_open(const char *root, bool create, struct keel_store **out, struct keel_error **err)
{
        _cleanup_store_ struct keel_store *store = NULL;
        struct stat st;
        int ret;

        if (root == NULL || *root == '\0')
                return keel_error_set(err, 0, "state root must not be empty");
        if (create) {
                ret = keel_mkdir_p(root, 0700, err);
                if (ret < 0)
                        return keel_error_prefix(err, "state root");
        }
        store = calloc(1, sizeof(*store));
        if (store == NULL)
                return keel_error_set(err, ENOMEM, "state root");
        store->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (store->rootfd < 0)
                return keel_error_set(err, errno, "open state root %s", root);
        if (fstat(store->rootfd, &st) < 0)
                return keel_error_set(err, errno, "stat state root %s", root);
        store->root = strdup(root);
        if (store->root == NULL)
                return keel_error_set(err, ENOMEM, "state root");
        *out = steal_pointer(&store);
        return 0;
}

void keel_store_close(struct keel_store *store)
{
        if (store == NULL)
                return;
        if (store->rootfd >= 0)
                close(store->rootfd);
        free(store->root);
        free(store);
}

void keel_container_dir_close(struct keel_container_dir *c)
{
        if (c == NULL)
                return;
        if (c->dirfd >= 0)
                close(c->dirfd); /* drops the flock */
        free(c->id);
        free(c->tmp_name);
        free(c);
}

void keel_store_drop_in_child(struct keel_store *store, struct keel_container_dir *c)
{
        if (c != NULL)
                closep(&c->dirfd);
        closep(&store->rootfd);
}

static int lock_dir(int fd, bool exclusive, bool wait)
{
        int op = (exclusive ? LOCK_EX : LOCK_SH) | (wait ? 0 : LOCK_NB);

        while (flock(fd, op) < 0) {
                if (errno != EINTR)
                        return -errno;
        }
        return 0;
}

/* A handle for container id (validated), its directory not open yet; what
 * names the operation in the messages. */
static int container_dir_new(const char *id, const char *what, struct keel_container_dir **out,
                             struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        int ret;

        ret = keel_id_validate(id, err);
        if (ret < 0)
                return ret;
        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return keel_error_set(err, ENOMEM, "%s %s", what, id);
        c->dirfd = -1;
        c->id = strdup(id);
        if (c->id == NULL)
                return keel_error_set(err, ENOMEM, "%s %s", what, id);
        *out = steal_pointer(&c);
        return 0;
}

int keel_store_reserve(struct keel_store *store, const char *id, struct keel_container_dir **out,
                       struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        char *excl = NULL;
        int ret;

        ret = container_dir_new(id, "reserve", &c, err);
        if (ret < 0)
                return ret;
        /* A cheap early answer; publish() is what decides. */
        if (faccessat(store->rootfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return keel_error_setq(err, EEXIST, "container %s already exists", id);
        /* Made and locked under a private name, then renamed to the one
         * name of ID's reservation: two creates of one id cannot both hold
         * it (the loser gets EEXIST, before it touches any cgroup).  A
         * sweeper may remove the private dir between mkdir and flock: the
         * name is checked again once locked, and made anew if gone. */
        for (int tries = 0;; tries++) {
                struct stat st;

                /* A new name each try: a sweeper may still hold the last. */
                free(c->tmp_name);
                if (asprintf(&c->tmp_name, PRIVATE_PREFIX "%s.%d.%d", id, (int) getpid(), tries) < 0) {
                        c->tmp_name = NULL;
                        return keel_error_set(err, ENOMEM, "reserve %s", id);
                }
                if (mkdirat(store->rootfd, c->tmp_name, 0700) < 0)
                        return keel_error_set(err, errno, "create state dir for %s", id);
                c->dirfd = openat(store->rootfd, c->tmp_name,
                                  O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (c->dirfd >= 0 && lock_dir(c->dirfd, true, false) == 0 &&
                    fstatat(store->rootfd, c->tmp_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        break;
                closep(&c->dirfd);
                if (tries >= 10)
                        return keel_error_setq(err, EAGAIN, "lock state dir for %s: raced %d "
                                               "times", id, tries + 1);
        }
        if (asprintf(&excl, RESERVE_PREFIX "%s", id) < 0) {
                unlinkat(store->rootfd, c->tmp_name, AT_REMOVEDIR);
                return keel_error_set(err, ENOMEM, "reserve %s", id);
        }
        if (renameat2(store->rootfd, c->tmp_name, store->rootfd, excl, RENAME_NOREPLACE) < 0) {
                int e = errno;

                free(excl);
                unlinkat(store->rootfd, c->tmp_name, AT_REMOVEDIR);
                if (e == EEXIST)
                        return keel_error_setq(err, EEXIST, "container %s already exists", id);
                return keel_error_set(err, e, "reserve %s", id);
        }
        free(c->tmp_name);
        c->tmp_name = excl;
        *out = steal_pointer(&c);
        return 0;
}

int keel_store_publish(struct keel_store *store, struct keel_container_dir *c, struct keel_error **err)
{
        if (c->tmp_name == NULL)
                return 0;
        if (renameat2(store->rootfd, c->tmp_name, store->rootfd, c->id, RENAME_NOREPLACE) < 0) {
                if (errno == EEXIST)
                        return keel_error_setq(err, EEXIST, "container %s already exists", c->id);
                return keel_error_set(err, errno, "publish state dir of %s", c->id);
        }
        free(c->tmp_name);
        c->tmp_name = NULL;
        return 0;
}

static bool same_dir(int rootfd, const char *name, int dirfd)
{
        struct stat a, b;

        return fstat(dirfd, &a) == 0 && fstatat(rootfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
               a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

int keel_store_open_container(struct keel_store *store, const char *id, bool exclusive,
                              struct keel_container_dir **out, struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = NULL;
        int ret;

        ret = container_dir_new(id, "open container", &c, err);
        if (ret < 0)
                return ret;
        c->dirfd = openat(store->rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c->dirfd < 0) {
                if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
                        return keel_error_setq(err, ENOENT, "container %s does not exist", id);
                return keel_error_set(err, errno, "open container %s", id);
        }
        ret = lock_dir(c->dirfd, exclusive, true);
        if (ret < 0)
                return keel_error_set(err, -ret, "lock container %s", id);
        /* A delete may have removed the directory while we waited for its
         * lock: then the container does not exist (any more). */
        if (!same_dir(store->rootfd, id, c->dirfd))
                return keel_error_setq(err, ENOENT, "container %s does not exist", id);
        *out = steal_pointer(&c);
        return 0;
}

int keel_store_remove(struct keel_store *store, struct keel_container_dir *dir,
                      struct keel_error **err)
{
        _cleanup_container_dir_ struct keel_container_dir *c = dir;
        const char *name = c->tmp_name ? c->tmp_name : c->id;
        int ret;

        ret = keel_remove_tree_at(c->dirfd, err);
        if (ret < 0) {
                keel_error_prefix(err, "remove state of %s", c->id);
                return ret;
        }
        if (unlinkat(store->rootfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return keel_error_set(err, errno, "remove state dir of %s", c->id);
        return 0;
}

static bool is_reservation(const char *name)
{
        return strncmp(name, RESERVE_PREFIX, strlen(RESERVE_PREFIX)) == 0 ||
               strncmp(name, PRIVATE_PREFIX, strlen(PRIVATE_PREFIX)) == 0;
}

/* A reservation whose lock nobody holds belongs to a create that died. */
static void sweep_reservation(struct keel_store *store, const char *name)
{
        _cleanup_close_ int fd = openat(store->rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0 || lock_dir(fd, true, false) < 0)
                return;
        /* Opened under that name, but locked only now: the create that
         * owned it may have renamed it to its id since, finished and let go
         * of the lock.  Then it is a live container, not a reservation. */
        if (!same_dir(store->rootfd, name, fd))
                return;
        if (store->sweeper)
                store->sweeper(fd);
        if (keel_remove_tree_at(fd, NULL) == 0)
                unlinkat(store->rootfd, name, AT_REMOVEDIR);
}

/* The state root to read, on an fd of its own: NULL with errno. */
static DIR *open_root_dir(struct keel_store *store)
{
        int fd = openat(store->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir;

        if (fd < 0)
                return NULL;
        dir = fdopendir(fd);
        if (dir == NULL)
                closep(&fd);
        return dir;
}

void keel_store_sweep(struct keel_store *store)
{
        _cleanup_closedir_ DIR *dir = open_root_dir(store);
        struct dirent *de;

        if (dir == NULL)
                return;
        while ((de = readdir(dir)) != NULL)
                if (is_reservation(de->d_name))
                        sweep_reservation(store, de->d_name);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int keel_store_list(struct keel_store *store, char ***ids, size_t *n, struct keel_error **err)
{
        _cleanup_closedir_ DIR *dir = open_root_dir(store);
        _cleanup_strv_ char **v = NULL;
        size_t count = 0;
        struct dirent *de;

        if (dir == NULL)
                return keel_error_set(err, errno, "list %s", store->root);
        while ((errno = 0, de = readdir(dir)) != NULL) {
                if (is_reservation(de->d_name)) {
                        sweep_reservation(store, de->d_name);
                        continue;
                }
                if (keel_id_validate(de->d_name, NULL) < 0)
                        continue;
                if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
                        continue;
                if (keel_strv_append(&v, &count, de->d_name) < 0)
                        return keel_error_set(err, ENOMEM, "list %s", store->root);
        }
        if (v == NULL && (v = calloc(1, sizeof(*v))) == NULL)
                return keel_error_set(err, ENOMEM, "list %s", store->root);
        qsort(v, count, sizeof(*v), cmp_str);
        *ids = steal_pointer(&v);
        if (n)
                *n = count;
        return 0;
}

/* ---- the device program hint -------------------------------------------- */

struct device_program_file {
        char magic[8];
        uint32_t id;
};

uint32_t keel_store_device_program(struct keel_store *store)
{
        struct device_program_file f;
        struct stat st;
        _cleanup_close_ int fd = keel_open_own_file_at(store->rootfd, KEEL_DEVICE_PROGRAM,
                                                       O_RDONLY, 0, &st);

        if (fd < 0 || st.st_size != sizeof(f) || read(fd, &f, sizeof(f)) != sizeof(f) ||
            memcmp(f.magic, KEEL_DEVICE_PROGRAM_MAGIC, sizeof(f.magic)) != 0)
                return 0;
        return f.id;
}

/* In place, not through a temporary file and a rename: a create killed
 * between the two would leave the temporary file in the state root.  A
 * reader of a half-written file gets a wrong id at worst, which
 * keel_devices_reuse refuses.  A FIFO there holds neither this nor the
 * read above (keel_open_own_file_at); a symlink is replaced. */
void keel_store_set_device_program(struct keel_store *store, uint32_t id)
{
        const int flags = O_WRONLY | O_CREAT;
        struct device_program_file f = { .id = id };
        _cleanup_close_ int fd = -1;
        struct stat st;

        memcpy(f.magic, KEEL_DEVICE_PROGRAM_MAGIC, sizeof(f.magic));
        fd = keel_open_own_file_at(store->rootfd, KEEL_DEVICE_PROGRAM, flags, 0600, &st);
        if (fd < 0 && errno == ELOOP && unlinkat(store->rootfd, KEEL_DEVICE_PROGRAM, 0) == 0)
                fd = keel_open_own_file_at(store->rootfd, KEEL_DEVICE_PROGRAM, flags | O_EXCL,
                                           0600, &st);
        if (fd < 0)
                return;
        if (pwrite(fd, &f, sizeof(f), 0) == (ssize_t) sizeof(f) && st.st_size > (off_t) sizeof(f))
                (void) ftruncate(fd, sizeof(f));
}
