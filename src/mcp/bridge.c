/*
 * bridge.c - delegated tool calls through a child process (see bridge.h).
 */
#include "mcp/bridge.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "mcp/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ERR_TAIL 2048
#define KILL_GRACE_MS 2000

struct osr_bridge {
    osr_loop *loop;
    pid_t pid;
    int out_fd, err_fd, pid_fd, in_fd, prog_fd;
    char *input;
    size_t input_len, input_off;
    bool exited, timed_out, cancelled;
    bool via_worker; /* forked by the warm worker: not our child, its status comes from it */
    int status;
    struct osr_buf out;
    char err[ERR_TAIL * 2];
    size_t err_len;
    uint64_t timer, kill_timer;
    char prog[1024]; /* a partial progress line */
    size_t prog_len;
    double prog_last;
    osr_bridge_done_fn done;
    osr_bridge_progress_fn progress;
    void *payload;
};

static size_t live; /* children started and not yet reaped (the loop is single-threaded) */

size_t osr_bridge_live(void)
{
    return live;
}

static void close_fd(struct osr_bridge *b, int *fd)
{
    if (*fd < 0)
        return;
    osr_loop_remove_fd(b->loop, *fd);
    close(*fd);
    *fd = -1;
}

/* Runs when the child is reaped and both pipes are at end of file. */
static void maybe_finish(struct osr_bridge *b)
{
    struct osr_bridge_result r = {0};
    json_error_t jerr;
    json_t *j = NULL;

    if (b->out_fd >= 0 || b->err_fd >= 0 || b->prog_fd >= 0)
        return;
    close_fd(b, &b->in_fd); /* the child is gone: what it did not read is dropped */
    if (!b->exited && b->pid_fd < 0 && !b->via_worker) { /* no pidfd: the pipes are closed */
        waitpid(b->pid, &b->status, 0);
        b->exited = true;
    }
    if (!b->exited)
        return;
    if (b->timer)
        osr_loop_cancel_timer(b->loop, b->timer);
    if (b->kill_timer)
        osr_loop_cancel_timer(b->loop, b->kill_timer);
    if (!b->cancelled) {
        if (b->out.len && !osr_buf_failed(&b->out))
            j = json_loadb(b->out.ptr, b->out.len, 0, &jerr);
        b->err[b->err_len] = '\0';
        r.err = b->err_len > ERR_TAIL ? b->err + b->err_len - ERR_TAIL : b->err;
        r.exit_code = WIFEXITED(b->status) ? WEXITSTATUS(b->status) : -1;
        r.timed_out = b->timed_out;
        r.too_large = osr_buf_failed(&b->out);
        r.json = j;
        b->done(&r, b->payload);
        json_decref(j);
    }
    osr_buf_dispose(&b->out);
    free(b->input);
    free(b);
    live--;
}

/* Writes the input to the child's stdin as it drains; closes it when all is written. */
static void on_stdin(osr_loop *loop, int fd, short revents, void *payload)
{
    struct osr_bridge *b = payload;
    ssize_t n = 0;

    OSR_UNUSED(loop);
    if (!(revents & POLLERR))
        n = write(fd, b->input + b->input_off, b->input_len - b->input_off);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n > 0)
        b->input_off += (size_t)n;
    if (n <= 0 || b->input_off == b->input_len)
        close_fd(b, &b->in_fd);
}

/* Appends to the stderr tail, keeping (at least) its last ERR_TAIL bytes. */
static void keep_tail(struct osr_bridge *b, const char *p, size_t len)
{
    size_t keep;

    if (len > ERR_TAIL) {
        p += len - ERR_TAIL;
        len = ERR_TAIL;
    }
    keep = ERR_TAIL - len;
    if (b->err_len + len >= sizeof(b->err) && b->err_len > keep) {
        memmove(b->err, b->err + b->err_len - keep, keep);
        b->err_len = keep;
    }
    memcpy(b->err + b->err_len, p, len);
    b->err_len += len;
}

/* stdout and stderr: read what is there; at end of file close the pipe. */
static void on_pipe(osr_loop *loop, int fd, short revents, void *payload)
{
    struct osr_bridge *b = payload;
    char chunk[65536];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    bool is_out = fd == b->out_fd;

    OSR_UNUSED(loop);
    OSR_UNUSED(revents);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n > 0) {
        if (is_out)
            osr_buf_put(&b->out, chunk, (size_t)n); /* past the limit the buffer fails */
        else
            keep_tail(b, chunk, (size_t)n);
        return;
    }
    close_fd(b, is_out ? &b->out_fd : &b->err_fd);
    maybe_finish(b);
}

/* One progress line: {"done":n,"total":m,"message":"..."}; anything else is ignored. */
static void progress_line(struct osr_bridge *b, const char *line, size_t len)
{
    json_t *j = json_loadb(line, len, 0, NULL);
    json_t *done = json_object_get(j, "done"), *total = json_object_get(j, "total");
    const char *msg = json_string_value(json_object_get(j, "message"));

    if (json_is_number(done) && json_number_value(done) > b->prog_last && !b->cancelled) {
        b->prog_last = json_number_value(done);
        b->progress(b->prog_last, json_is_number(total) ? json_number_value(total) : 0, msg,
                    b->payload);
    }
    json_decref(j);
}

/* The progress pipe: complete lines are reported; a line longer than the buffer is
 * dropped whole. */
static void on_progress(osr_loop *loop, int fd, short revents, void *payload)
{
    struct osr_bridge *b = payload;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));

    OSR_UNUSED(loop);
    OSR_UNUSED(revents);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        close_fd(b, &b->prog_fd);
        maybe_finish(b);
        return;
    }
    for (ssize_t i = 0; i < n; i++) {
        if (chunk[i] == '\n') {
            if (b->prog_len < sizeof(b->prog))
                progress_line(b, b->prog, b->prog_len);
            b->prog_len = 0;
        } else if (b->prog_len < sizeof(b->prog)) {
            b->prog[b->prog_len++] = chunk[i];
        } else {
            b->prog_len = sizeof(b->prog) + 1; /* too long: skip to the end of the line */
        }
    }
}

static void on_exit_fd(osr_loop *loop, int fd, short revents, void *payload)
{
    struct osr_bridge *b = payload;

    OSR_UNUSED(loop);
    OSR_UNUSED(fd);
    OSR_UNUSED(revents);
    if (waitpid(b->pid, &b->status, WNOHANG) != b->pid)
        return;
    b->exited = true;
    close_fd(b, &b->pid_fd);
    maybe_finish(b);
}

/* The warm worker reports the end of a process it forked for us. */
static void on_worker_exit(int status, void *payload)
{
    struct osr_bridge *b = payload;

    b->exited = true;
    b->status = status < 0 ? W_EXITCODE(0, SIGKILL) : status; /* unknown: as if killed */
    maybe_finish(b);
}

static void on_kill(osr_loop *loop, void *payload)
{
    struct osr_bridge *b = payload;

    OSR_UNUSED(loop);
    b->kill_timer = 0;
    if (!b->exited)
        kill(-b->pid, SIGKILL);
}

static void terminate(struct osr_bridge *b)
{
    if (b->exited)
        return;
    kill(-b->pid, SIGTERM);
    if (!b->kill_timer)
        b->kill_timer = osr_loop_add_timer(b->loop, KILL_GRACE_MS, on_kill, b);
}

static void on_timeout(osr_loop *loop, void *payload)
{
    struct osr_bridge *b = payload;

    OSR_UNUSED(loop);
    b->timer = 0;
    b->timed_out = true;
    terminate(b);
}

/* The child's progress descriptor (see core/progress.h). */
#define PROGRESS_FD 3

/* The environment of the child: ours, with OSIRIS_CORRELATION_ID set and
 * OSIRIS_PROGRESS_FD set when there is a progress pipe (else removed). */
static char **child_env(const char *correlation_id, bool progress, char *own[2])
{
    size_t n = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    env = osr_xcalloc(n + 3, sizeof(*env));
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "OSIRIS_CORRELATION_ID=", 22) != 0 &&
            strncmp(environ[i], "OSIRIS_PROGRESS_FD=", 19) != 0)
            env[k++] = environ[i];
    }
    own[0] = osr_xasprintf("OSIRIS_CORRELATION_ID=%s", correlation_id ? correlation_id : "");
    env[k++] = own[0];
    if (progress) {
        own[1] = osr_xasprintf("OSIRIS_PROGRESS_FD=%d", PROGRESS_FD);
        env[k++] = own[1];
    }
    env[k] = NULL;
    return env;
}

static int spawn(struct osr_bridge *b, char *const argv[], const struct osr_bridge_opts *o, int in,
                 int out[2], int err[2], int prog)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, defaults;
    struct osr_worker_call wc = {.kind = o->database ? OSR_WORKER_DB : OSR_WORKER_LIGHT,
                                 .argv = argv,
                                 .cwd = o->cwd,
                                 .correlation_id = o->correlation_id,
                                 .in_fd = in,
                                 .out_fd = out[1],
                                 .err_fd = err[1],
                                 .progress_fd = prog,
                                 .on_exit = on_worker_exit,
                                 .payload = b};
    char *exe, *own[2] = {NULL, NULL}, **env, **args;
    size_t argc = 0;
    int rc = osr_worker_spawn(&wc, &b->pid);

    if (rc == 0) {
        b->via_worker = true;
        return 0;
    }
    if (rc == -2)
        return osr_error_set(-OSR_EIO, "the warm worker failed while starting the command");
    exe = osr_fs_exe_path();
    env = child_env(o->correlation_id, prog >= 0, own);

    while (argv[argc])
        argc++;
    args = osr_xcalloc(argc + 1, sizeof(*args));
    for (size_t i = 0; i < argc; i++)
        args[i] = argv[i];
    args[0] = exe ? exe : argv[0];
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawn_file_actions_init(&fa);
    if (in >= 0)
        posix_spawn_file_actions_adddup2(&fa, in, 0);
    else
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    if (prog >= 0) /* never PROGRESS_FD itself: pipes are made above it (see start) */
        posix_spawn_file_actions_adddup2(&fa, prog, PROGRESS_FD);
    if (o->cwd)
        posix_spawn_file_actions_addchdir_np(&fa, o->cwd);
    /* /proc/self/exe, resolved in the child, is this very binary even when the file has
     * been replaced or removed since the server started (an upgrade): server and child
     * always run the same version. */
    rc = exe ? posix_spawn(&b->pid, access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : exe,
                           &fa, &attr, args, env)
             : ENOENT;
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    free(args);
    free(env);
    free(own[0]);
    free(own[1]);
    free(exe);
    if (rc != 0) {
        errno = rc;
        return osr_error_set_errno(-OSR_EIO, "cannot start the delegated command");
    }
    return 0;
}

/* A pipe whose ends are both above PROGRESS_FD, so a dup2 onto it never meets itself. */
static int pipe_above(int p[2])
{
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        if (p[i] <= PROGRESS_FD) {
            int moved = fcntl(p[i], F_DUPFD_CLOEXEC, PROGRESS_FD + 1);
            close(p[i]);
            p[i] = moved;
        }
    }
    return p[0] < 0 || p[1] < 0 ? -1 : 0;
}

static void close_pair(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
}

/* The read end of a child pipe, non-blocking and watched by the loop. */
static int watch(struct osr_bridge *b, int fd, osr_loop_fd_cb fn)
{
    fcntl(fd, F_SETFL, O_NONBLOCK);
    osr_loop_add_fd(b->loop, fd, POLLIN, fn, b);
    return fd;
}

struct osr_bridge *osr_bridge_start(osr_loop *loop, char *const argv[],
                                    const struct osr_bridge_opts *o)
{
    struct osr_bridge *b = osr_xcalloc(1, sizeof(*b));
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, prog[2] = {-1, -1};

    b->loop = loop;
    b->out_fd = b->err_fd = b->pid_fd = b->in_fd = b->prog_fd = -1;
    b->done = o->done;
    b->progress = o->progress;
    b->payload = o->payload;
    b->prog_last = -1;
    osr_buf_init(&b->out, o->max_output);
    errno = 0;
    if ((o->input && pipe_above(in) < 0) || pipe_above(out) < 0 || pipe_above(err) < 0 ||
        (o->progress && pipe_above(prog) < 0) || spawn(b, argv, o, in[0], out, err, prog[1]) < 0) {
        if (errno && !osr_error_last()[0])
            osr_error_set_errno(-OSR_EIO, "cannot create pipes for the delegated command");
        close_pair(out);
        close_pair(err);
        close_pair(in);
        close_pair(prog);
        osr_buf_dispose(&b->out);
        free(b);
        return NULL;
    }
    close(out[1]);
    close(err[1]);
    b->out_fd = watch(b, out[0], on_pipe);
    b->err_fd = watch(b, err[0], on_pipe);
    if (o->progress) {
        close(prog[1]);
        b->prog_fd = watch(b, prog[0], on_progress);
    }
    if (o->input) {
        close(in[0]);
        b->in_fd = in[1];
        fcntl(b->in_fd, F_SETFL, O_NONBLOCK);
        b->input = osr_xmalloc(o->input_len ? o->input_len : 1);
        memcpy(b->input, o->input, o->input_len);
        b->input_len = o->input_len;
        osr_loop_add_fd(loop, b->in_fd, POLLOUT, on_stdin, b);
    }
    live++;
    if (!b->via_worker)
        b->pid_fd = (int)syscall(SYS_pidfd_open, b->pid, 0);
    if (b->pid_fd >= 0) {
        fcntl(b->pid_fd, F_SETFD, FD_CLOEXEC);
        osr_loop_add_fd(loop, b->pid_fd, POLLIN, on_exit_fd, b);
    }
    if (o->timeout_ms > 0)
        b->timer = osr_loop_add_timer(loop, (uint64_t)o->timeout_ms, on_timeout, b);
    return b;
}

void osr_bridge_cancel(struct osr_bridge *b)
{
    if (!b)
        return;
    b->cancelled = true;
    if (b->timer) {
        osr_loop_cancel_timer(b->loop, b->timer);
        b->timer = 0;
    }
    terminate(b);
}
