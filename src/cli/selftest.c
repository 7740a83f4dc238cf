/*
 * selftest.c - `osiris mcp run --selftest`: starts a real server process over stdio and
 * checks it end to end: handshake, tools/list, an in-process tool, a delegated tool, and
 * that the delegated call left its audit line. One line per check, then the total time.
 */
#include "cli/commands.h"
#include "core/config.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "mcp/audit.h"
#include "version.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define STEP_TIMEOUT_MS 10000

struct child {
    pid_t pid;
    int in, out;
    char buf[1 << 20];
    size_t len;
};

static int start(struct child *c, const char *base)
{
    char *exe = osr_fs_exe_path();
    char *argv[] = {exe, "mcp", "run", "--transport", "stdio", "--base-path", (char *)base, NULL};
    posix_spawn_file_actions_t fa;
    int in[2], out[2], rc;

    if (!exe || pipe2(in, O_CLOEXEC) < 0) {
        free(exe);
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]);
        close(in[1]);
        free(exe);
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    rc = posix_spawn(&c->pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    free(exe);
    c->in = in[1];
    c->out = out[0];
    c->len = 0;
    return rc == 0 ? 0 : -1;
}

/* Sends one request and waits for the response with the same id (NULL on timeout). */
static json_t *request(struct child *c, int id, const char *method, json_t *params)
{
    json_t *msg = json_pack("{s:s, s:i, s:s, s:o}", "jsonrpc", "2.0", "id", id, "method", method,
                            "params", params ? params : json_object());
    char *text = json_dumps(msg, JSON_COMPACT);
    uint64_t deadline = osr_now_ms() + STEP_TIMEOUT_MS;

    json_decref(msg);
    if (osr_fs_write_all(c->in, text, strlen(text)) < 0 || osr_fs_write_all(c->in, "\n", 1) < 0) {
        free(text);
        return NULL;
    }
    free(text);
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t line = (size_t)(nl - c->buf);
            json_t *j = json_loadb(c->buf, line, 0, NULL);
            memmove(c->buf, nl + 1, c->len - line - 1);
            c->len -= line + 1;
            if (j && json_integer_value(json_object_get(j, "id")) == id &&
                !json_object_get(j, "method"))
                return j;
            json_decref(j);
            continue;
        }
        struct pollfd p = {c->out, POLLIN, 0};
        long left = (long)(deadline - osr_now_ms());
        ssize_t n;
        if (left <= 0 || poll(&p, 1, (int)left) <= 0 || c->len == sizeof(c->buf))
            return NULL;
        n = read(c->out, c->buf + c->len, sizeof(c->buf) - c->len);
        if (n <= 0)
            return NULL;
        c->len += (size_t)n;
    }
}

static bool check(bool ok, const char *what, uint64_t t0, int *failed)
{
    printf("%s %s (%.3fs)\n", ok ? "ok  " : "FAIL", what, (double)(osr_now_ms() - t0) / 1000.0);
    if (!ok)
        (*failed)++;
    return ok;
}

static json_t *envelope_of(json_t *r)
{
    return json_object_get(json_object_get(r, "result"), "structuredContent");
}

static bool success(json_t *r)
{
    const char *st = json_string_value(json_object_get(envelope_of(r), "status"));
    return st && strcmp(st, "success") == 0;
}

/* Whether the audit file has the call's line. */
static bool audited(const struct osr_config *cfg, const char *corr)
{
    struct osr_mcp_logs logs;
    bool found;

    osr_mcp_logs_init(&logs, cfg, "stdio");
    found = osr_mcp_audited(&logs, corr);
    osr_mcp_logs_dispose(&logs);
    return found;
}

int osr_cli_mcp_selftest(struct osr_cli *cli, const struct osr_config *cfg)
{
    uint64_t t0 = osr_now_ms();
    struct child c;
    int failed = 0, status;
    json_t *r;

    OSR_UNUSED(cli);
    if (!check(start(&c, cfg->base_path) == 0, "server process started", t0, &failed))
        goto done;
    r = request(&c, 1, "initialize",
                json_pack("{s:s, s:{}, s:{s:s, s:s}}", "protocolVersion", "2025-11-25",
                          "capabilities", "clientInfo", "name", "osiris-selftest", "version",
                          OSR_VERSION));
    check(r && json_object_get(json_object_get(r, "result"), "protocolVersion"),
          "handshake (initialize)", t0, &failed);
    json_decref(r);
    {
        static const char note[] =
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n";
        osr_fs_write_all(c.in, note, sizeof(note) - 1);
    }
    r = request(&c, 2, "tools/list", NULL);
    check(r && json_array_size(json_object_get(json_object_get(r, "result"), "tools")) >= 9,
          "tools/list", t0, &failed);
    json_decref(r);
    r = request(&c, 3, "tools/call",
                json_pack("{s:s, s:{}}", "name", "oml_schema_get", "arguments"));
    check(r && success(r), "in-process tool (oml_schema_get)", t0, &failed);
    json_decref(r);
    r = request(&c, 4, "tools/call",
                json_pack("{s:s, s:{}}", "name", "connections_list", "arguments"));
    check(r && success(r), "delegated tool (connections_list, in a child)", t0, &failed);
    check(r && audited(cfg, json_string_value(json_object_get(
                                json_object_get(envelope_of(r), "_meta"), "correlation_id"))),
          "audit line written", t0, &failed);
    json_decref(r);
    close(c.in);
    close(c.out);
    waitpid(c.pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "server exited cleanly", t0, &failed);
done:
    printf("Selftest %s in %.3fs\n", failed ? "FAILED" : "completed",
           (double)(osr_now_ms() - t0) / 1000.0);
    return failed ? OSR_EXIT_FAIL : OSR_EXIT_OK;
}
