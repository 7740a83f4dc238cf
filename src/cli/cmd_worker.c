/*
 * cmd_worker.c - `osiris mcp worker`: the MCP server's warm worker (see mcp/worker.h).
 *
 * Started once by `osiris mcp run` with a socket on the descriptor named by
 * OSIRIS_WORKER_FD. For each call it receives, it forks a process that takes the call's
 * descriptors as 0, 1, 2 (and 3 for progress), leads its own process group, moves to the
 * call's directory, sets OSIRIS_CORRELATION_ID and runs the command line as `osiris` would,
 * then exits. The worker itself never reads .env or a secret; with --preload it loads the
 * database client libraries ahead, so the processes it forks do not pay for loading them.
 * It exits when the server closes the socket and its processes have ended.
 */
/* The client library headers first: they use functions compat.h poisons. */
#include "db/my_api.h"
#include "db/pq_api.h"

#include "cli/commands.h"
#include "core/alloc.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MSG_MAX (64 * 1024)
#define MAX_FDS 4

static const char usage[] =
    "Usage: osiris mcp worker [--preload]\n\n"
    "Started by `osiris mcp run`, never by hand: forks a process for each delegated tool\n"
    "call the server sends it (see mcp.warm_worker in osiris.yaml). --preload loads the\n"
    "database client libraries first, for the calls that connect to a database.\n";

static void send_json(int sock, json_t *m)
{
    char *text = json_dumps(m, JSON_COMPACT);

    if (text)
        send(sock, text, strlen(text), MSG_NOSIGNAL);
    free(text);
    json_decref(m);
}

/* In the forked process: becomes the call and never returns. */
static char **call_argv; /* the call's command line: reachable until the process exits */

static void run_call(json_t *req, const int *fds, int sock, int sigfd)
{
    json_t *args = json_object_get(req, "argv");
    const char *cwd = json_string_value(json_object_get(req, "cwd"));
    bool has_in = json_is_true(json_object_get(req, "stdin"));
    bool has_progress = json_is_true(json_object_get(req, "progress"));
    int k = 0, in = has_in ? fds[k++] : open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = fds[k++], err = fds[k++], progress = has_progress ? fds[k++] : -1;
    size_t argc = json_array_size(args) + 1;
    sigset_t none;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGCHLD, SIG_DFL);
    setpgid(0, 0);
    prctl(PR_SET_NAME, "osiris");
    close(sock);
    close(sigfd);
    if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 ||
        (progress >= 0 && dup2(progress, 3) < 0))
        _exit(126);
    close_range(progress >= 0 ? 4 : 3, ~0U, 0);
    if (cwd && chdir(cwd) < 0) {
        fprintf(stderr, "osiris: cannot enter %s: %s\n", cwd, strerror(errno));
        _exit(1);
    }
    setenv("OSIRIS_CORRELATION_ID", json_string_value(json_object_get(req, "correlation_id")), 1);
    if (progress >= 0)
        setenv("OSIRIS_PROGRESS_FD", "3", 1);
    else
        unsetenv("OSIRIS_PROGRESS_FD");
    call_argv = osr_xcalloc(argc + 1, sizeof(*call_argv));
    call_argv[0] = osr_xstrdup("osiris");
    for (size_t i = 1; i < argc; i++)
        call_argv[i] = osr_xstrdup(json_string_value(json_array_get(args, i - 1)) ?: "");
    json_decref(req);
    exit(osr_cli_main((int)argc, call_argv));
}

/* Takes one call off the socket and forks it. Returns 1 when the socket has ended. */
static int take_call(int sock, int sigfd, size_t *children)
{
    char buf[MSG_MAX], cbuf[CMSG_SPACE(MAX_FDS * sizeof(int))];
    struct iovec iov = {buf, sizeof(buf)};
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
    int fds[MAX_FDS], nfds = 0;
    ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    json_t *req, *id;
    pid_t pid;

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return 1;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
            size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < k; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
                if (nfds < MAX_FDS)
                    fds[nfds++] = fd;
                else
                    close(fd);
            }
        }
    }
    req = json_loadb(buf, (size_t)n, 0, NULL);
    id = json_incref(json_object_get(req, "id")); /* each answer below takes it */
    if (!json_is_array(json_object_get(req, "argv")) ||
        nfds != 2 + json_is_true(json_object_get(req, "stdin")) +
                    json_is_true(json_object_get(req, "progress")) ||
        (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        send_json(sock, json_pack("{s:o?, s:s}", "id", id, "error", "malformed call"));
    } else {
        fflush(NULL);
        pid = fork();
        if (pid == 0) {
            json_decref(id);
            run_call(req, fds, sock, sigfd);
        }
        if (pid > 0) {
            setpgid(pid, pid); /* also here, so the group exists before the server kills it */
            (*children)++;
            send_json(sock, json_pack("{s:o?, s:I}", "id", id, "pid", (json_int_t)pid));
        } else {
            send_json(sock, json_pack("{s:o?, s:s}", "id", id, "error", strerror(errno)));
        }
    }
    json_decref(req);
    for (int i = 0; i < nfds; i++)
        close(fds[i]);
    return 0;
}

int osr_cmd_mcp_worker(struct osr_cli *cli, int argc, char **argv)
{
    const char *fdv = getenv("OSIRIS_WORKER_FD");
    int sock = fdv ? (int)strtol(fdv, NULL, 10) : -1, sigfd, rc;
    size_t children = 0;
    bool closing = false, preload = false;
    const struct osr_opt opts[] = {{"preload", OSR_OPT_FLAG, &preload}, {NULL, 0, NULL}};
    sigset_t chld;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    if (sock < 3 || fcntl(sock, F_GETFD) < 0)
        return osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/WORKER", "run `osiris mcp run` instead",
                             "the worker is started by the MCP server, not by hand");
    unsetenv("OSIRIS_WORKER_FD");
    prctl(PR_SET_NAME, "osiris-worker");
    fcntl(sock, F_SETFD, FD_CLOEXEC);
    osr_cli_connections_warm(); /* the specs' secret names: no secret, parsed once here */
    if (preload) { /* the client libraries, loaded once here, are mapped in every call */
        osr_pq_api_get();
        osr_my_api_get();
        osr_error_clear();
    }
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    while (!closing || children > 0) {
        struct pollfd pfd[2] = {{closing ? -1 : sock, POLLIN, 0}, {sigfd, POLLIN, 0}};
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[0].revents)
            closing = take_call(sock, sigfd, &children) == 1;
        if (pfd[1].revents) {
            struct signalfd_siginfo si;
            int status;
            pid_t pid;
            while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                ;
            while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                children--;
                if (!closing)
                    send_json(sock,
                              json_pack("{s:I, s:i}", "pid", (json_int_t)pid, "status", status));
            }
        }
    }
    close(sock);
    close(sigfd);
    return OSR_EXIT_OK;
}
