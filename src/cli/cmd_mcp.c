/*
 * cmd_mcp.c - `osiris mcp run`: the MCP server over stdio or Streamable HTTP.
 *
 * SIGTERM and SIGINT arrive through a signalfd on the event loop, so shutdown is an
 * ordinary event: in-flight requests are cancelled, output is flushed, the loop ends.
 */
#include "cli/commands.h"
#include "core/config.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "mcp/audit.h"
#include "mcp/bridge.h"
#include "mcp/fixtures.h"
#include "mcp/http.h"
#include "mcp/instructions.h"
#include "mcp/server.h"
#include "mcp/stdio.h"
#include "mcp/tools/envelope.h"
#include "mcp/tools/tools.h"
#include "mcp/worker.h"
#include "version.h"

#include <poll.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

static const char usage[] =
    "Usage: osiris mcp run [--transport stdio|http] [--listen HOST:PORT]\n"
    "                      [--auth-token-file FILE] [--allow-origin ORIGIN]\n"
    "                      [--conformance-fixtures] [--selftest] [--base-path DIR]\n\n"
    "Serves the Model Context Protocol. With stdio (the default) the client starts this\n"
    "command and speaks JSON-RPC over stdin/stdout, one message per line; logs go to stderr.\n"
    "With http it listens on --listen (default 127.0.0.1:8765, from mcp.listen) and serves\n"
    "Streamable HTTP at /mcp. A bearer token (--auth-token-file or OSIRIS_MCP_TOKEN) is\n"
    "required when listening on a non-loopback address. Host and Origin must be loopback\n"
    "names unless allowed with --allow-origin (repeatable through mcp.allowed_origins).\n"
    "Tools: connections_list, connections_doctor, discovery_request, memory_capture,\n"
    "aiop_list, aiop_show, oml_compile and pipeline_run run in a child (`osiris mcp ...\n"
    "--json`, forked by a warm worker unless mcp.warm_worker is false, stopped after\n"
    "mcp.tool_timeout_s); components_list, usecases_list, oml_schema_get, oml_validate,\n"
    "oml_save (drafts under pipelines/drafts/) and guide_start run in the server, which\n"
    "never reads a secret.\n"
    "At end of input the calls in flight still answer; SIGTERM cancels them.\n"
    "--selftest starts a server over stdio and checks the handshake, tools/list, an\n"
    "in-process and a delegated tool call and its audit line; exit 1 on any failure.\n"
    "--conformance-fixtures serves the tools, resources and prompts of the official MCP\n"
    "conformance suite instead; never use it in production.\n";

struct run_state {
    osr_loop *loop;
    osr_mcp_stdio *stdio;
    osr_mcp_http *http;
    int sigfd;
};

static void on_signal(osr_loop *loop, int fd, short revents, void *payload)
{
    struct run_state *st = payload;
    struct signalfd_siginfo si;

    OSR_UNUSED(revents);
    if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
        return;
    fprintf(stderr, "osiris mcp: signal %u received, shutting down\n", si.ssi_signo);
    if (st->stdio)
        osr_mcp_stdio_shutdown(st->stdio);
    osr_loop_stop(loop);
}

static long stdio_check(osr_loop *loop, void *payload)
{
    struct run_state *st = payload;

    if (st->stdio && osr_mcp_stdio_finished(st->stdio))
        osr_loop_stop(loop);
    return -1;
}

static int setup_signals(struct run_state *st)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    st->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (st->sigfd < 0)
        return -1;
    return osr_loop_add_fd(st->loop, st->sigfd, POLLIN, on_signal, st);
}

struct mcp_opts {
    const char *transport, *listen, *token_file, *allow_origin;
    bool fixtures;
};

/* Telemetry `handshake`: who connected, with which protocol version. */
static void on_handshake(osr_mcp_session *ss, json_t *client_info, void *payload)
{
    osr_mcp_telemetry(payload, json_pack("{s:s, s:s, s:s, s:O?, s:O?}", "event", "handshake",
                                         "session_id", osr_mcp_session_id(ss), "protocol_version",
                                         osr_mcp_session_version(ss), "client_name",
                                         json_object_get(client_info, "name"), "client_version",
                                         json_object_get(client_info, "version")));
}

static int serve(struct osr_cli *cli, const struct mcp_opts *o, const struct osr_config *cfg)
{
    struct osr_mcp_server_opts so = {"osiris-mcp-server", "Osiris", OSR_VERSION,
                                     osr_mcp_instructions};
    struct run_state st = {.sigfd = -1};
    size_t limit = (size_t)cfg->mcp.payload_limit_mb << 20;
    osr_mcp_server *server;
    struct osr_mcp_tools *tools = NULL;
    struct osr_mcp_logs logs;
    int rc = OSR_EXIT_OK;

    osr_mcp_logs_init(&logs, cfg, o->transport);
    osr_tool_logs_set(&logs);
    osr_mcp_telemetry(&logs, json_pack("{s:s, s:s, s:I}", "event", "server_start", "version",
                                       OSR_VERSION, "pid", (json_int_t)getpid()));
    st.loop = osr_loop_new();
    server = osr_mcp_server_new(st.loop, &so);
    osr_mcp_server_on_initialize(server, on_handshake, &logs);
    if (o->fixtures) {
        osr_mcp_fixtures_register(server);
    } else if (!(tools = osr_mcp_tools_register(server, cfg))) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "MCP/TOOLS", NULL, "%s", osr_error_last());
        goto done;
    }
    if (setup_signals(&st) < 0) {
        rc = osr_cli_error(cli, OSR_EXIT_FAIL, "MCP/SIGNALS", NULL, "cannot watch signals");
        goto done;
    }
    osr_worker_enable(st.loop, cfg->mcp.warm_worker);
    if (strcmp(o->transport, "stdio") == 0) {
        /* After end of input, calls in flight get their timeout and the kill grace. */
        st.stdio =
            osr_mcp_stdio_new(server, 0, 1, limit, ((long)cfg->mcp.tool_timeout_s + 3) * 1000);
        osr_loop_add_hooks(st.loop, NULL, stdio_check, &st);
    } else {
        struct osr_mcp_http_opts ho = {.listen = o->listen ? o->listen : cfg->mcp.listen,
                                       .token_file = o->token_file,
                                       .allow_origin = o->allow_origin,
                                       .allowed_origins = &cfg->mcp.allowed_origins,
                                       .payload_limit = limit};
        if (osr_mcp_http_start(&st.http, server, &ho) < 0) {
            rc = osr_cli_error(cli, OSR_EXIT_USAGE, "MCP/HTTP", NULL, "%s", osr_error_last());
            goto done;
        }
    }
    osr_loop_run(st.loop);
    /* Shutting down: end the sessions (their calls are cancelled, their children get
     * SIGTERM, SIGKILL two seconds later) and run the loop until every child is reaped. */
    if (st.stdio)
        osr_mcp_stdio_shutdown(st.stdio);
    osr_mcp_http_stop(st.http);
    st.http = NULL;
    while (osr_bridge_live() > 0) {
        osr_loop_resume(st.loop); /* the stdio hook stops it again each time */
        if (osr_loop_run_once(st.loop, 100) < 0)
            break;
    }
    osr_worker_stop();
done:
    osr_mcp_stdio_free(st.stdio);
    osr_mcp_http_stop(st.http);
    osr_mcp_server_free(server);
    osr_mcp_tools_free(tools);
    osr_loop_free(st.loop);
    osr_mcp_telemetry(&logs,
                      json_pack("{s:s, s:I}", "event", "server_stop", "pid", (json_int_t)getpid()));
    osr_tool_logs_set(NULL);
    osr_mcp_logs_dispose(&logs);
    if (st.sigfd >= 0)
        close(st.sigfd);
    return rc;
}

int osr_cmd_mcp_run(struct osr_cli *cli, int argc, char **argv)
{
    struct mcp_opts o = {.transport = NULL};
    bool selftest = false;
    const struct osr_opt opts[] = {
        {"transport", OSR_OPT_VALUE, &o.transport},
        {"listen", OSR_OPT_VALUE, &o.listen},
        {"auth-token-file", OSR_OPT_VALUE, &o.token_file},
        {"allow-origin", OSR_OPT_VALUE, &o.allow_origin},
        {"conformance-fixtures", OSR_OPT_FLAG, &o.fixtures},
        {"selftest", OSR_OPT_FLAG, &selftest},
        {NULL, 0, NULL},
    };
    struct osr_config cfg;
    struct osr_diags d;
    int rc;

    cli->usage = usage;
    if ((rc = osr_cli_parse(cli, argc, argv, opts, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    if (d.errors) { /* a server on a half-understood configuration would surprise later */
        rc = osr_cli_config_invalid(cli, &cfg, &d, "the server does not start");
        osr_config_dispose(&cfg);
        osr_diags_dispose(&d);
        return rc;
    }
    if (selftest) {
        rc = osr_cli_mcp_selftest(cli, &cfg);
        osr_config_dispose(&cfg);
        osr_diags_dispose(&d);
        return rc;
    }
    if (!o.transport)
        o.transport = cfg.mcp.transport;
    if (strcmp(o.transport, "stdio") != 0 && strcmp(o.transport, "http") != 0)
        rc = osr_cli_error(cli, OSR_EXIT_USAGE, "CLI/BAD_OPTION", "use stdio or http",
                           "unknown transport '%s'", o.transport);
    else
        rc = serve(cli, &o, &cfg);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}

/* The canonical tool of `osiris mcp <words>`. */
static const char *tool_of(const char *words)
{
    static const char *const map[][2] = {{"mcp connections list", "connections_list"},
                                         {"mcp connections doctor", "connections_doctor"},
                                         {"mcp discovery run", "discovery_request"},
                                         {"mcp memory capture", "memory_capture"},
                                         {"mcp compile", "oml_compile"},
                                         {"mcp pipeline run", "pipeline_run"},
                                         {"mcp aiop list", "aiop_list"},
                                         {"mcp aiop show", "aiop_show"}};

    for (size_t i = 0; i < OSR_ARRAY_LEN(map); i++) {
        if (strcmp(map[i][0], words) == 0)
            return map[i][1];
    }
    return words;
}

int osr_cli_mcp_tool(struct osr_cli *cli, const char *words,
                     int (*run)(struct osr_cli *, int, char **), int argc, char **argv)
{
    uint64_t t0 = osr_now_ms();
    const char *from_server = getenv("OSIRIS_CORRELATION_ID");
    struct osr_mcp_logs logs;
    struct osr_config cfg;
    struct osr_diags d;
    json_t *args;
    char corr[32];
    int rc = run(cli, argc, argv);

    if ((from_server && *from_server) || strcmp(tool_of(words), words) == 0)
        return rc; /* the server writes the line for this call; or not a tool */
    args = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(args, json_string(argv[i]));
    json_t *form = osr_mcp_audit_arguments(args);
    json_decref(args);
    args = form;
    osr_diags_init(&d);
    if (osr_config_load(&cfg, &d, cli->base_path) == 0) {
        /* Same form as the server's: 8 hex characters of a session, then the call's
         * number; a CLI invocation is a session of one call. */
        uint32_t sid = (uint32_t)getpid() * 2654435761u;
        if (getrandom(&sid, sizeof(sid), 0) != (ssize_t)sizeof(sid))
            sid ^= (uint32_t)osr_now_us();
        snprintf(corr, sizeof(corr), "%08x-000001", (unsigned)sid);
        osr_mcp_logs_init(&logs, &cfg, "cli");
        /* A doctor that finds an unhealthy connection (exit 3) still answered. */
        bool ok = rc == OSR_EXIT_OK || (rc == OSR_EXIT_CONN && strstr(words, "doctor"));
        const char *code = ok ? NULL : osr_tool_error_code(rc, "INTERNAL_ERROR");
        osr_mcp_audit(&logs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:I, s:o}", "event",
                                       "tool_call", "session_id", corr, "correlation_id", corr,
                                       "tool_name", tool_of(words), "status",
                                       ok ? "success" : "error", "error_code", code, "duration_ms",
                                       (json_int_t)(osr_now_ms() - t0), "arguments", args));
        osr_mcp_logs_dispose(&logs);
        args = NULL;
    }
    json_decref(args);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return rc;
}

static const char clients_usage[] =
    "Usage: osiris mcp clients [--base-path DIR] [--json]\n\n"
    "Prints the configuration block that makes an MCP client (Claude Desktop or any client\n"
    "that starts servers over stdio) run this Osiris on this workspace, and where Claude\n"
    "Desktop keeps its configuration file on each system. Paste the block into the\n"
    "\"mcpServers\" object of that file.\n";

int osr_cmd_mcp_clients(struct osr_cli *cli, int argc, char **argv)
{
    struct osr_config cfg;
    struct osr_diags d;
    char *exe;
    json_t *doc;
    int rc;

    cli->usage = clients_usage;
    if ((rc = osr_cli_parse(cli, argc, argv, NULL, 0)) != 0)
        return rc;
    if (cli->help)
        return osr_cli_help(cli);
    osr_diags_init(&d);
    osr_config_load(&cfg, &d, cli->base_path);
    exe = osr_fs_exe_path();
    doc = json_pack(
        "{s:s, s:s, s:s, s:{s:{s:{s:s, s:[s, s], s:{s:s}, s:{s:s}}}}, s:{s:s, s:s, s:s}}",
        "executable", exe ? exe : "osiris", "base_path", cfg.base_path, "osiris_home",
        cfg.base_path, "config", "mcpServers", "osiris", "command", exe ? exe : "osiris", "args",
        "mcp", "run", "transport", "type", "stdio", "env", "OSIRIS_HOME", cfg.base_path,
        "config_paths", "macos", "~/Library/Application Support/Claude/claude_desktop_config.json",
        "windows", "%APPDATA%\\Claude\\claude_desktop_config.json", "linux",
        "~/.config/Claude/claude_desktop_config.json");
    if (cli->json) {
        osr_cli_print_json(doc);
    } else {
        char *block = json_dumps(json_object_get(doc, "config"), JSON_INDENT(2));
        printf("Add this to the client's configuration (the \"mcpServers\" object):\n\n%s\n\n"
               "Claude Desktop keeps it in:\n  macOS    %s\n  Windows  %s\n  Linux    %s\n",
               block, "~/Library/Application Support/Claude/claude_desktop_config.json",
               "%APPDATA%\\Claude\\claude_desktop_config.json",
               "~/.config/Claude/claude_desktop_config.json");
        free(block);
        json_decref(doc);
    }
    free(exe);
    osr_config_dispose(&cfg);
    osr_diags_dispose(&d);
    return OSR_EXIT_OK;
}
