/*
 * worker.c - the server's side of the warm worker (see worker.h).
 *
 * Messages are JSON on a SOCK_SEQPACKET socket pair, one per packet:
 *   server -> worker  {"id","argv":[...],"cwd","correlation_id","stdin":bool,
 *                      "progress":bool}  with the descriptors as SCM_RIGHTS, in the order
 *                      [stdin], stdout, stderr, [progress]
 *   worker -> server  {"id","pid"} or {"id","error"} at once, then {"pid","status"} when
 *                      the process has ended and been reaped.
 */
#include "mcp/worker.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define WORKER_FD 3
#define REPLY_WAIT_MS 2000
#define MSG_MAX 4096

struct pending {
    pid_t pid;
    osr_worker_exit_fn fn;
    void *payload;
};

struct worker {
    bool broken;
    pid_t pid;
    int fd;
    uint64_t next_id;
    struct pending *p;
    size_t n, cap;
    json_t *queued; /* exit reports read while waiting for a pid, handled on the loop */
};

static osr_loop *loop_of_workers;
static bool enabled;
static struct worker workers[2] = {{.fd = -1}, {.fd = -1}}; /* by enum osr_worker_kind */

static void report_exit(struct worker *w, pid_t pid, int status)
{
    for (size_t i = 0; i < w->n; i++) {
        if (w->p[i].pid == pid) {
            struct pending done = w->p[i];
            w->p[i] = w->p[--w->n];
            done.fn(status, done.payload);
            return;
        }
    }
}

static void reap_worker(struct worker *w)
{
    for (int i = 0; i < 200 && w->pid > 0; i++) { /* at most 2 s, then it is killed */
        if (waitpid(w->pid, NULL, WNOHANG) == w->pid || errno == ECHILD)
            w->pid = 0;
        else
            poll(NULL, 0, 10);
    }
    if (w->pid > 0) {
        kill(w->pid, SIGKILL);
        waitpid(w->pid, NULL, 0);
        w->pid = 0;
    }
}

/* The worker is gone or unusable: every process it still owed a report is reported as
 * unknown, and later calls start the executable. */
static void break_worker(struct worker *w)
{
    if (w->fd >= 0) {
        osr_loop_remove_fd(loop_of_workers, w->fd);
        close(w->fd);
        w->fd = -1;
    }
    if (w->pid > 0)
        kill(w->pid, SIGKILL);
    reap_worker(w);
    w->broken = true;
    while (w->n)
        report_exit(w, w->p[w->n - 1].pid, -1);
}

/* Reads one message; NULL at end of file or on an error (then *gone is set) or when none
 * is waiting. */
static json_t *read_msg(struct worker *w, bool *gone)
{
    char buf[MSG_MAX];
    ssize_t n = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return NULL;
    if (n <= 0) {
        *gone = true;
        return NULL;
    }
    return json_loadb(buf, (size_t)n, 0, NULL);
}

static void handle_exit_msg(struct worker *w, json_t *m)
{
    json_t *pid = json_object_get(m, "pid"), *status = json_object_get(m, "status");

    if (json_is_integer(pid) && json_is_integer(status))
        report_exit(w, (pid_t)json_integer_value(pid), (int)json_integer_value(status));
}

static void on_queued(osr_loop *loop, void *payload)
{
    struct worker *w = payload;
    json_t *q = w->queued, *m;
    size_t i;

    OSR_UNUSED(loop);
    w->queued = NULL;
    json_array_foreach(q, i, m)
    {
        handle_exit_msg(w, m);
    }
    json_decref(q);
}

static void on_msg(osr_loop *loop, int fd, short revents, void *payload)
{
    struct worker *w = payload;
    bool gone = false;
    json_t *m;

    OSR_UNUSED(loop);
    OSR_UNUSED(fd);
    OSR_UNUSED(revents);
    while ((m = read_msg(w, &gone))) {
        handle_exit_msg(w, m);
        json_decref(m);
    }
    if (gone)
        break_worker(w);
}

static int start_worker(struct worker *w, enum osr_worker_kind kind)
{
    int sv[2];
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    char *exe = osr_fs_exe_path(),
         *args[] = {exe, "mcp", "worker", kind == OSR_WORKER_DB ? "--preload" : NULL, NULL};
    size_t n = 0, k = 0;
    char **env;
    int rc;

    if (!exe || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        free(exe);
        return -1;
    }
    for (int i = 0; i < 2; i++) { /* keep both ends off 0..3, the worker's own numbers */
        if (sv[i] <= WORKER_FD) {
            int moved = fcntl(sv[i], F_DUPFD_CLOEXEC, WORKER_FD + 1);
            close(sv[i]);
            sv[i] = moved;
        }
    }
    while (environ[n])
        n++;
    env = osr_xcalloc(n + 2, sizeof(*env));
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "OSIRIS_", 7) != 0 ||
            (strncmp(environ[i], "OSIRIS_CORRELATION_ID=", 22) != 0 &&
             strncmp(environ[i], "OSIRIS_PROGRESS_FD=", 19) != 0))
            env[k++] = environ[i];
    }
    env[k++] = "OSIRIS_WORKER_FD=3";
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, sv[1], WORKER_FD);
    rc = sv[0] >= 0 && sv[1] >= 0
             ? posix_spawn(&w->pid, access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : exe,
                           &fa, &attr, args, env)
             : EBADF;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(env);
    free(exe);
    if (sv[1] >= 0)
        close(sv[1]);
    if (rc != 0) {
        if (sv[0] >= 0)
            close(sv[0]);
        w->pid = 0;
        return -1;
    }
    w->fd = sv[0];
    osr_loop_add_fd(loop_of_workers, w->fd, POLLIN, on_msg, w);
    return 0;
}

void osr_worker_enable(osr_loop *loop, bool on)
{
    loop_of_workers = loop;
    enabled = on;
}

static int send_call(struct worker *w, const struct osr_worker_call *c, uint64_t id)
{
    json_t *argv = json_array(), *req;
    int fds[4], nfds = 0;
    char *text, cbuf[CMSG_SPACE(sizeof(fds))];
    struct iovec iov;
    struct msghdr mh = {0};
    struct cmsghdr *cm;
    ssize_t sent;

    for (size_t i = 1; c->argv[i]; i++)
        json_array_append_new(argv, json_string(c->argv[i]));
    req = json_pack("{s:I, s:o, s:s?, s:s, s:b, s:b}", "id", (json_int_t)id, "argv", argv, "cwd",
                    c->cwd, "correlation_id", c->correlation_id ? c->correlation_id : "", "stdin",
                    c->in_fd >= 0, "progress", c->progress_fd >= 0);
    text = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    if (!text || strlen(text) > MSG_MAX * 16) {
        free(text);
        return -1;
    }
    if (c->in_fd >= 0)
        fds[nfds++] = c->in_fd;
    fds[nfds++] = c->out_fd;
    fds[nfds++] = c->err_fd;
    if (c->progress_fd >= 0)
        fds[nfds++] = c->progress_fd;
    iov.iov_base = text;
    iov.iov_len = strlen(text);
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, (size_t)nfds * sizeof(int));
    do
        sent = sendmsg(w->fd, &mh, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    free(text);
    return sent < 0 ? -1 : 0;
}

/* Waits for the worker's answer to call `id`; exit reports read meanwhile are queued. */
static int await_pid(struct worker *w, uint64_t id, pid_t *pid)
{
    struct timespec t0, now;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd pfd = {w->fd, POLLIN, 0};
        bool gone = false;
        long left;
        json_t *m;
        clock_gettime(CLOCK_MONOTONIC, &now);
        left = REPLY_WAIT_MS -
               ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || (poll(&pfd, 1, (int)left) < 0 && errno != EINTR))
            return -1;
        while ((m = read_msg(w, &gone))) {
            json_t *mid = json_object_get(m, "id");
            if (json_is_integer(mid) && (uint64_t)json_integer_value(mid) == id) {
                json_t *p = json_object_get(m, "pid");
                int rc = json_is_integer(p) ? 0 : -1;
                if (rc == 0)
                    *pid = (pid_t)json_integer_value(p);
                json_decref(m);
                return rc;
            }
            if (!w->queued) {
                w->queued = json_array();
                osr_loop_add_timer(loop_of_workers, 0, on_queued, w);
            }
            json_array_append_new(w->queued, m);
        }
        if (gone)
            return -1;
    }
}

int osr_worker_spawn(const struct osr_worker_call *c, pid_t *pid)
{
    struct worker *w = &workers[c->kind == OSR_WORKER_DB];
    uint64_t id;

    if (!enabled || w->broken || !loop_of_workers)
        return -1;
    if (w->fd < 0 && start_worker(w, c->kind) < 0) {
        w->broken = true;
        return -1;
    }
    id = ++w->next_id;
    if (send_call(w, c, id) < 0) {
        break_worker(w); /* a worker that cannot take a call is not trusted with the next */
        return -1;
    }
    if (await_pid(w, id, pid) < 0) {
        break_worker(w);
        return -2; /* the call may have started: it must not be started twice */
    }
    w->p = osr_xgrow(w->p, &w->cap, w->n + 1, sizeof(*w->p));
    w->p[w->n++] = (struct pending){*pid, c->on_exit, c->payload};
    return 0;
}

void osr_worker_stop(void)
{
    for (size_t k = 0; k < OSR_ARRAY_LEN(workers); k++) {
        struct worker *w = &workers[k];
        if (w->fd >= 0) {
            osr_loop_remove_fd(loop_of_workers, w->fd);
            close(w->fd);
            w->fd = -1;
        }
        reap_worker(w);
        while (w->n)
            report_exit(w, w->p[w->n - 1].pid, -1);
        free(w->p);
        w->p = NULL;
        w->n = w->cap = 0;
        json_decref(w->queued);
        w->queued = NULL;
    }
}
