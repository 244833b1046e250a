/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Seccomp notify (SCMP_ACT_NOTIFY): the container process state sent to
 * the listener with the notify fd, by the caller or by a helper, the
 * failures to send, and the listener's errors. */
#include "config.h"

#include "seccomp-test.h"

/* ---- the container process state ---------------------------------------------- */

static struct keel_state test_state(pid_t pid)
{
        static char *keys[] = { "k", NULL }, *values[] = { "v", NULL };

        return (struct keel_state){
                .oci_version = "1.3.0", .id = "ctr", .status = KEEL_STATUS_CREATED, .pid = pid,
                .bundle = "/bundle", .annotation_keys = keys, .annotation_values = values,
                .n_annotations = 1, .rootfs = "/bundle/rootfs", .created = "2026-01-01T00:00:00Z",
        };
}

static const char *str_at(yajl_val v, const char *key)
{
        yajl_val m = keel_json_lookup(v, key);

        return m && YAJL_IS_STRING(m) ? YAJL_GET_STRING(m) : NULL;
}

static bool str_eq(const char *a, const char *b)
{
        return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static bool int_is(yajl_val v, long long want)
{
        return v != NULL && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == want;
}

/* Check a container process state as the agent sees it. */
static bool state_is_right(const char *json, size_t len, pid_t pid, const char *metadata)
{
        yajl_val v = NULL, fds, st;
        struct keel_error *err = NULL;
        bool ok;

        if (keel_json_parse(json, len, &v, &err) < 0) {
                tap_diag("%s", err->msg);
                keel_error_free(err);
                return false;
        }
        fds = keel_json_lookup(v, "fds");
        st = keel_json_lookup(v, "state");
        ok = str_eq(str_at(v, "ociVersion"), "1.3.0") &&
             fds && YAJL_IS_ARRAY(fds) && fds->u.array.len == 1 &&
             YAJL_IS_STRING(fds->u.array.values[0]) &&
             str_eq(fds->u.array.values[0]->u.string, "seccompFd") &&
             int_is(keel_json_lookup(v, "pid"), pid) &&
             (metadata ? str_eq(str_at(v, "metadata"), metadata)
                       : keel_json_lookup(v, "metadata") == NULL) &&
             st && str_eq(str_at(st, "id"), "ctr") && str_eq(str_at(st, "status"), "created") &&
             int_is(keel_json_lookup(st, "pid"), pid);
        if (!ok)
                tap_diag("state: %.*s", (int) len, json);
        keel_json_free(v);
        return ok;
}

static void test_process_state(void)
{
        struct keel_state st = test_state(4422);
        struct keel_error *err = NULL;
        char *json = NULL;

        keel_container_process_state_json(&st, "a \"quoted\"\nline\\", &json, &err);
        tap_ok(json && state_is_right(json, strlen(json), 4422, "a \"quoted\"\nline\\"),
               "process_state_holds_fds_pid_metadata_and_state");
        free(json);
        json = NULL;
        keel_container_process_state_json(&st, NULL, &json, &err);
        tap_ok(json && state_is_right(json, strlen(json), 4422, NULL),
               "process_state_without_metadata_leaves_it_out");
        free(json);
        keel_error_free(err);
}

/* ---- notify ---------------------------------------------------------------------- */

struct agent {
        char dir[48];
        char path[64];
        int listen_fd;
};

static int agent_start(struct agent *a)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        strcpy(a->dir, "/tmp/keel-test-seccomp-XXXXXX");
        if (mkdtemp(a->dir) == NULL)
                return -1;
        snprintf(a->path, sizeof(a->path), "%s/agent.sock", a->dir);
        memcpy(sa.sun_path, a->path, sizeof(a->path));
        a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (a->listen_fd < 0 || bind(a->listen_fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            listen(a->listen_fd, 4) < 0)
                return -1;
        return 0;
}

static void agent_stop(struct agent *a)
{
        if (a->listen_fd >= 0)
                close(a->listen_fd);
        unlink(a->path);
        rmdir(a->dir);
}

static bool wait_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, POLL_MS) == 1;
}

/* Accept one connection, take the fd from the first message and read the
 * state up to EOF (the runtime closes after one state). */
static int agent_receive(struct agent *a, char *buf, size_t size, size_t *len)
{
        union {
                char b[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } u;
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
                              .msg_controllen = sizeof(u.b) };
        _cleanup_close_ int conn = -1;
        struct cmsghdr *c;
        int fd = -1;
        ssize_t n;

        if (!wait_readable(a->listen_fd))
                return -1;
        conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0 || !wait_readable(conn))
                return -1;
        n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -1;
        c = CMSG_FIRSTHDR(&msg);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(&fd, CMSG_DATA(c), sizeof(int));
        *len = (size_t) n;
        while (*len < size && wait_readable(conn) && (n = read(conn, buf + *len, size - *len)) > 0)
                *len += (size_t) n;
        return fd;
}

/* Answer the child's getppid with 4242. */
static bool agent_answer(int notify_fd, pid_t child)
{
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        if (!wait_readable(notify_fd))
                return false;
        memset(&req, 0, sizeof(req));
        if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return false;
        if (req.data.nr != SYS_getppid || req.pid != (__u32) child) {
                tap_diag("notified of syscall %d by pid %u", req.data.nr, req.pid);
                return false;
        }
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        resp.val = 4242;
        return ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0;
}

/* The agent's side of one notify test: receive, check, answer, reap. */
static void agent_serve(struct agent *a, pid_t child, const char *metadata, const char *name)
{
        char buf[8192];
        size_t len = 0;
        int fd = agent_receive(a, buf, sizeof(buf), &len);
        int status = -1;

        tap_ok(fd >= 0 && state_is_right(buf, len, child, metadata), "%s_sends_the_fd_and_state",
               name);
        tap_ok(fd >= 0 && agent_answer(fd, child), "%s_notification_is_answered", name);
        if (fd >= 0)
                close(fd);
        if (waitpid(child, &status, 0) < 0)
                status = -1;
        exited_ok(status, name);
}

/* The child sends the fd itself: only getppid is notified. */
static void test_notify_sent_by_caller(void)
{
        struct keel_seccomp_filter *f;
        struct agent a = { .listen_fd = -1 };
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'}]"));
        if (f == NULL || agent_start(&a) < 0) {
                tap_ok(0, "notify_sent_by_caller");
                keel_seccomp_filter_free(f);
                agent_stop(&a);
                return;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_state st = test_state(getpid());
                struct keel_error *err = NULL;
                char *json = NULL;
                int fd = -1;

                alarm(CHILD_ALARM);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    keel_container_process_state_json(&st, NULL, &json, &err) < 0 ||
                    keel_seccomp_load(f, NULL, &fd, &err) < 0 || fd < 0 ||
                    keel_seccomp_send_listener(a.path, fd, json, &err) < 0) {
                        printf("# child: %s\n", err ? err->msg : "no notify fd");
                        fflush(stdout);
                        _exit(1);
                }
                close(fd);
                _exit(syscall(SYS_getppid) == 4242 ? 0 : 2);
        }
        if (pid > 0)
                agent_serve(&a, pid, NULL, "notify_sent_by_caller");
        else
                tap_ok(0, "notify_sent_by_caller");
        agent_stop(&a);
        keel_seccomp_filter_free(f);
}

/* keel's path: the socket is connected before the load and the fd goes out
 * through the helper, while the profile denies the init every way to send
 * it.  All four flags on, with a listener. */
static void test_notify_sent_by_helper(void)
{
        struct keel_seccomp_filter *f;
        struct agent a = { .listen_fd = -1 };
        const char *metadata = "MKNOD=/dev/null \"x\"";
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'flags':['SECCOMP_FILTER_FLAG_TSYNC','SECCOMP_FILTER_FLAG_LOG',"
                        "'SECCOMP_FILTER_FLAG_SPEC_ALLOW',"
                        "'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'],"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'},"
                        "{'names':['sendmsg','sendto','sendmmsg','write','connect','socket'],"
                        "'action':'SCMP_ACT_ERRNO','errnoRet':13}]"));
        if (f == NULL || agent_start(&a) < 0) {
                tap_ok(0, "notify_sent_by_helper");
                keel_seccomp_filter_free(f);
                agent_stop(&a);
                return;
        }
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_state st = test_state(getpid());
                struct keel_seccomp_listener l = { .sock = -1 };
                struct keel_error *err = NULL;
                char *json = NULL;
                int sv[2];

                alarm(CHILD_ALARM);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
                    keel_container_process_state_json(&st, metadata, &json, &err) < 0 ||
                    keel_seccomp_listener_connect(a.path, &l.sock, &err) < 0)
                        _exit(1);
                l.state = json;
                if (keel_seccomp_load(f, &l, NULL, &err) < 0) {
                        printf("# load: %s\n", err->msg);
                        fflush(stdout);
                        _exit(2);
                }
                /* The filter does deny the init what the helper did, and
                 * the helper closed the socket for it. */
                if (send(sv[0], "x", 1, MSG_NOSIGNAL) != -1 || errno != EACCES)
                        _exit(3);
                if (fcntl(l.sock, F_GETFD) != -1 || errno != EBADF)
                        _exit(5);
                _exit(syscall(SYS_getppid) == 4242 ? 0 : 4);
        }
        if (pid > 0)
                agent_serve(&a, pid, metadata, "notify_sent_by_helper");
        else
                tap_ok(0, "notify_sent_by_helper");
        agent_stop(&a);
        keel_seccomp_filter_free(f);
}

/* A send that fails is an error of the load (the spec wants one), and the
 * helper does not linger. */
static void test_notify_send_failure(void)
{
        struct keel_seccomp_filter *f;
        int status = -1, sv[2];
        pid_t pid;

        f = compile(SEC("'defaultAction':'SCMP_ACT_ALLOW','listenerPath':'/unused',"
                        "'syscalls':[{'names':['getppid'],'action':'SCMP_ACT_NOTIFY'}]"));
        if (f == NULL || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
                tap_ok(0, "notify_send_failure_fails_the_load");
                keel_seccomp_filter_free(f);
                return;
        }
        close(sv[1]);
        fflush(stdout);
        pid = fork();
        if (pid == 0) {
                struct keel_seccomp_listener l = { .sock = sv[0], .state = "{}" };
                struct keel_error *err = NULL;
                int r;

                alarm(CHILD_ALARM);
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                r = keel_seccomp_load(f, &l, NULL, &err);
                if (r == -EPIPE && strstr(err->msg, "linux.seccomp.listenerPath") != NULL)
                        _exit(0);
                printf("# load: %d %s\n", r, err ? err->msg : "(no error)");
                fflush(stdout);
                _exit(1);
        }
        close(sv[0]);
        if (pid > 0)
                waitpid(pid, &status, 0);
        exited_ok(status, "notify_send_failure_fails_the_load");
        keel_seccomp_filter_free(f);
}

static void test_listener_errors(void)
{
        struct keel_error *err = NULL;
        char longpath[200];
        int sock = -1;
        int r;

        memset(longpath, 'a', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        r = keel_seccomp_listener_connect(longpath, &sock, &err);
        tap_ok(r == -ENAMETOOLONG && sock == -1 &&
               starts_with(err->msg, "linux.seccomp.listenerPath: "),
               "listener_path_too_long_names_the_field");
        keel_error_free(err);
        err = NULL;
        r = keel_seccomp_listener_connect("/nonexistent/keel-agent.sock", &sock, &err);
        tap_is_str(err ? err->msg : NULL,
                   "linux.seccomp.listenerPath: connect to /nonexistent/keel-agent.sock: "
                   "No such file or directory",
                   "listener_not_listening_is_an_error_naming_the_field");
        keel_error_free(err);
}

int main(void)
{
        alarm(120);
        keel_set_log_handler(capture_log);
        test_process_state();
        test_listener_errors();
        test_notify_sent_by_caller();
        test_notify_sent_by_helper();
        test_notify_send_failure();
        return tap_done();
}
