/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "store.h"
#include "tap.h"
#include "util/fs.h"

struct id_case {
        const char *id;
        const char *want; /* NULL: valid */
};

static const struct id_case id_cases[] = {
        { "abc", NULL },
        { "a.b_c+d-e", NULL },
        { "3707ef5a1601c550a9e7739e5290672b1f13b6265884b1ceb3e0b79a84b83338", NULL },
        { "", "container id must not be empty" },
        { ".", "container id \".\" must not start with '.'" },
        { "..", "container id \"..\" must not start with '.'" },
        { "../x", "container id \"../x\" must not start with '.'" },
        { "a/b", "container id \"a/b\" has an invalid character '/' (allowed: letters, digits, '_', '+', '-', '.')" },
        { "/abs", "container id \"/abs\" has an invalid character '/' (allowed: letters, digits, '_', '+', '-', '.')" },
        { "a b", "container id \"a b\" has an invalid character ' ' (allowed: letters, digits, '_', '+', '-', '.')" },
        { "a\nb", "container id has an invalid byte 0x0a at offset 1 (allowed: letters, digits, '_', '+', '-', '.')" },
        { "a\x7f", "container id has an invalid byte 0x7f at offset 1 (allowed: letters, digits, '_', '+', '-', '.')" },
        { "caf\xc3\xa9", "container id has an invalid byte 0xc3 at offset 3 (allowed: letters, digits, '_', '+', '-', '.')" },
        { "a:b", "container id \"a:b\" has an invalid character ':' (allowed: letters, digits, '_', '+', '-', '.')" },
};

static void id_validation(void)
{
        char longid[KEEL_ID_MAX + 2];
        size_t i;

        for (i = 0; i < sizeof(id_cases) / sizeof(id_cases[0]); i++) {
                struct keel_error *err = NULL;
                int ret = keel_id_validate(id_cases[i].id, &err);

                if (id_cases[i].want == NULL) {
                        tap_ok(ret == 0, "id_is_accepted: %s", id_cases[i].id);
                } else {
                        tap_ok(ret == -EINVAL, "id_is_rejected #%zu", i);
                        tap_is_str(err ? err->msg : NULL, id_cases[i].want, "id_rejection_message");
                }
                keel_error_free(err);
        }
        memset(longid, 'a', sizeof(longid));
        longid[KEEL_ID_MAX] = '\0';
        tap_ok(keel_id_validate(longid, NULL) == 0, "id_of_max_length_is_accepted");
        longid[KEEL_ID_MAX] = 'a';
        longid[KEEL_ID_MAX + 1] = '\0';
        tap_ok(keel_id_validate(longid, NULL) == -EINVAL, "id_over_max_length_is_rejected");
        tap_ok(keel_id_validate(NULL, NULL) == -EINVAL, "null_id_is_rejected");
}

static int count_entries(const char *dir)
{
        char cmd[512];
        FILE *p;
        int n = -1;

        snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
        p = popen(cmd, "r");
        if (p && fscanf(p, "%d", &n) != 1)
                n = -1;
        if (p)
                pclose(p);
        return n;
}

static void reserve_publish_remove(const char *root)
{
        struct keel_store *store = NULL;
        struct keel_container_dir *c = NULL, *c2 = NULL;
        struct keel_error *err = NULL;
        char **ids = NULL;
        size_t n = 99;
        int ret;

        ret = keel_store_open(root, true, &store, &err);
        tap_ok(ret == 0, "store_open_creates_root");
        if (ret < 0)
                return;

        ret = keel_store_reserve(store, "c1", &c, &err);
        tap_ok(ret == 0, "reserve_new_id");
        ret = keel_store_list(store, &ids, &n, NULL);
        tap_ok(ret == 0 && n == 0, "reserved_container_is_not_listed");
        keel_strv_free(ids);
        ret = keel_store_open_container(store, "c1", false, &c2, &err);
        tap_ok(ret == -ENOENT, "reserved_container_cannot_be_opened");
        tap_is_str(err ? err->msg : NULL, "container c1 does not exist", "missing_container_message");
        keel_error_free(err);
        err = NULL;

        ret = keel_write_file_atomic_at(c->dirfd, "state.json", "{}", 2, 0600, &err);
        tap_ok(ret == 0, "write_state_atomically");
        ret = keel_store_publish(store, c, &err);
        tap_ok(ret == 0, "publish_reserved_container");
        ret = keel_store_list(store, &ids, &n, NULL);
        tap_ok(ret == 0 && n == 1 && strcmp(ids[0], "c1") == 0, "published_container_is_listed");
        keel_strv_free(ids);

        /* A second create of the same id loses, whichever step it reaches. */
        ret = keel_store_reserve(store, "c1", &c2, &err);
        tap_ok(ret == -EEXIST, "second_reserve_of_existing_id_fails");
        tap_is_str(err ? err->msg : NULL, "container c1 already exists", "existing_id_message");
        keel_error_free(err);
        err = NULL;

        ret = keel_store_remove(store, c, &err);
        tap_ok(ret == 0, "remove_container");
        tap_is_int(count_entries(root), 0, "remove_leaves_nothing_in_root");
        keel_store_close(store);
}

static void racing_publishes_one_wins(const char *root)
{
        struct keel_store *store = NULL;
        struct keel_container_dir *a = NULL, *b = NULL;
        struct keel_error *err = NULL;
        int ra, rb;

        keel_store_open(root, true, &store, NULL);
        ra = keel_store_reserve(store, "race", &a, NULL);
        /* Same pid, so make b's reservation name differ the way another process would. */
        rb = -1;
        if (ra == 0) {
                char *saved = a->tmp_name;

                a->tmp_name = strdup(".new-race.other");
                renameat(store->rootfd, saved, store->rootfd, a->tmp_name);
                free(saved);
                rb = keel_store_reserve(store, "race", &b, NULL);
        }
        tap_ok(ra == 0 && rb == 0, "two_reservations_of_one_id_coexist");
        ra = keel_store_publish(store, a, NULL);
        rb = b ? keel_store_publish(store, b, &err) : -1;
        tap_ok(ra == 0 && rb == -EEXIST, "only_first_publish_wins");
        if (b)
                keel_store_remove(store, b, NULL);
        keel_store_remove(store, a, NULL);
        keel_error_free(err);
        tap_is_int(count_entries(root), 0, "race_leaves_nothing_behind");
        keel_store_close(store);
}

static void dead_reservation_is_swept(const char *root)
{
        struct keel_store *store = NULL;
        char **ids = NULL;
        pid_t pid;
        int status;

        keel_store_open(root, true, &store, NULL);
        pid = fork();
        if (pid == 0) {
                struct keel_container_dir *c = NULL;

                /* A create killed half way: reserved and never published. */
                if (keel_store_reserve(store, "dead", &c, NULL) < 0)
                        _exit(1);
                _exit(0);
        }
        waitpid(pid, &status, 0);
        tap_is_int(count_entries(root), 1, "killed_create_leaves_a_reservation");
        keel_store_list(store, &ids, NULL, NULL);
        keel_strv_free(ids);
        tap_is_int(count_entries(root), 0, "list_sweeps_unlocked_reservation");
        keel_store_close(store);
}

static void lock_is_exclusive(const char *root)
{
        struct keel_store *store = NULL;
        struct keel_container_dir *c = NULL;
        int fd, ret;

        keel_store_open(root, true, &store, NULL);
        keel_store_reserve(store, "locked", &c, NULL);
        keel_store_publish(store, c, NULL);
        fd = openat(store->rootfd, "locked", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ret = flock(fd, LOCK_SH | LOCK_NB);
        tap_ok(ret < 0 && errno == EWOULDBLOCK, "container_lock_excludes_other_openers");
        close(fd);
        keel_store_remove(store, c, NULL);
        keel_store_close(store);
}

static void start_time_identifies_process(void)
{
        unsigned long long a = 0, b = 0;

        tap_ok(keel_proc_start_time(getpid(), &a) == 0 && a > 0, "start_time_of_self_is_read");
        keel_proc_start_time(getpid(), &b);
        tap_ok(a == b, "start_time_is_stable");
        tap_ok(keel_proc_start_time(0, &a) == -ESRCH, "start_time_of_pid_0_is_esrch");
        tap_ok(keel_proc_start_time(0x3fffffff, &a) == -ESRCH, "start_time_of_missing_pid_is_esrch");
}

int main(void)
{
        char tmpl[] = "/tmp/keel-test-store.XXXXXX";
        char root[128];

        id_validation();
        if (mkdtemp(tmpl) == NULL) {
                tap_ok(0, "mkdtemp");
                return tap_done();
        }
        snprintf(root, sizeof(root), "%s/state/root", tmpl);
        reserve_publish_remove(root);
        racing_publishes_one_wins(root);
        dead_reservation_is_swept(root);
        lock_is_exclusive(root);
        start_time_identifies_process();
        {
                char cmd[256];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
                if (system(cmd) != 0)
                        tap_diag("could not remove %s", tmpl);
        }
        return tap_done();
}
