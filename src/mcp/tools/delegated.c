/*
 * delegated.c - the tools that need a connection's secrets: each runs `osiris mcp <words>
 * ... --json` as a child through the bridge, so only the child loads .env and resolves
 * secrets. The child's JSON becomes the envelope's result; its JSON error keeps its code.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/mask.h"
#include "core/strv.h"
#include "mcp/bridge.h"
#include "mcp/tools/envelope.h"
#include "mcp/tools/tools_int.h"

struct pending {
    struct osr_tool_call call;
    struct osr_bridge *bridge;
    const struct osr_mcp_tools *tools;
};

static void on_done(const struct osr_bridge_result *r, void *payload)
{
    struct pending *p = payload;
    json_t *status = json_object_get(r->json, "status");

    if (r->timed_out || !json_is_object(r->json) ||
        (json_is_string(status) && strcmp(json_string_value(status), "error") == 0))
        p->call.stderr_tail = osr_redact_text(r->err, NULL); /* for the audit line */
    if (r->too_large) {
        osr_tool_fail(&p->call, "POLICY_ERROR", "POLICY/PAYLOAD_TOO_LARGE", NULL,
                      "narrow the request (fewer tables or samples), or raise "
                      "mcp.payload_limit_mb in osiris.yaml",
                      "the answer of %s exceeds the payload limit of %zu bytes and was dropped",
                      p->call.tool, p->tools->max_output);
    } else if (r->timed_out) {
        osr_tool_fail(&p->call, "TIMEOUT_ERROR", "MCP/TIMEOUT", NULL,
                      "raise mcp.tool_timeout_s in osiris.yaml, or narrow the request",
                      "%s did not finish in time and was stopped", p->call.tool);
    } else if (json_is_object(r->json) && json_is_string(status) &&
               strcmp(json_string_value(status), "error") == 0) {
        json_t *e = json_object_get(r->json, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        size_t n = code ? strlen(code) : 0;
        bool missing = n > 10 && strcmp(code + n - 10, "/NOT_FOUND") == 0;
        osr_tool_fail(&p->call,
                      missing ? "NOT_FOUND" : osr_tool_error_code(r->exit_code, "SUBPROCESS_ERROR"),
                      json_string_value(json_object_get(e, "code"))
                          ? json_string_value(json_object_get(e, "code"))
                          : "MCP/CHILD_ERROR",
                      json_incref(json_object_get(e, "path")),
                      json_string_value(json_object_get(e, "suggest")), "%s",
                      json_string_value(json_object_get(e, "message"))
                          ? json_string_value(json_object_get(e, "message"))
                          : "the delegated command failed");
    } else if (json_is_string(status) && strcmp(json_string_value(status), "invalid") == 0) {
        json_t *first = json_array_get(json_object_get(r->json, "diagnostics"), 0);
        osr_tool_fail(&p->call, "VALIDATION_ERROR", "OML/INVALID", json_pack("[s]", "oml_content"),
                      "run oml_validate for every diagnostic",
                      "the pipeline is invalid: %lld errors; first: %s at line %lld, column %lld",
                      (long long)json_integer_value(
                          json_object_get(json_object_get(r->json, "summary"), "errors")),
                      json_string_value(json_object_get(first, "message"))
                          ? json_string_value(json_object_get(first, "message"))
                          : "?",
                      (long long)json_integer_value(json_object_get(first, "line")),
                      (long long)json_integer_value(json_object_get(first, "column")));
    } else if (json_is_object(r->json)) {
        osr_tool_success(&p->call, json_incref(r->json));
    } else {
        char *tail = osr_redact_text(r->err, NULL);
        osr_tool_fail(&p->call, "SUBPROCESS_ERROR", "MCP/CHILD_FAILED", NULL, NULL,
                      "the delegated command ended with %s %d and no JSON answer%s%s",
                      r->exit_code >= 0 ? "exit code" : "signal", r->exit_code, tail[0] ? ": " : "",
                      tail);
        free(tail);
    }
    free(p);
}

static void on_cancel(osr_mcp_req *req, void *payload)
{
    struct pending *p = payload;

    OSR_UNUSED(req);
    osr_bridge_cancel(p->bridge);
    json_decref(p->call.args);
    free(p);
}

/* The child's progress lines become notifications/progress of the request. */
static void on_progress(double done, double total, const char *message, void *payload)
{
    struct pending *p = payload;

    osr_mcp_req_progress(p->call.req, done, total, message);
}

/* Runs `osiris mcp <argv...> --base-path BASE --json` for the tool `name`, with `input` (may
 * be NULL) on its stdin. */
static void delegate_input(osr_mcp_req *req, json_t *args, struct osr_mcp_tools *t,
                           const char *name, struct osr_strv *argv, const char *input,
                           bool database)
{
    struct pending *p = osr_xcalloc(1, sizeof(*p));
    char **v;

    osr_tool_call_begin(&p->call, req, name, args);
    p->tools = t;
    osr_strv_push(argv, "--base-path");
    osr_strv_push(argv, t->base_path);
    osr_strv_push(argv, "--json");
    v = osr_xcalloc(argv->n + 1, sizeof(*v)); /* NULL-terminated */
    memcpy(v, argv->v, argv->n * sizeof(*v));
    p->bridge = osr_bridge_start(osr_mcp_req_loop(req), v,
                                 &(struct osr_bridge_opts){
                                     .cwd = t->base_path,
                                     .correlation_id = osr_mcp_req_correlation_id(req),
                                     .timeout_ms = t->timeout_ms,
                                     .max_output = t->max_output,
                                     .input = input,
                                     .input_len = input ? strlen(input) : 0,
                                     .done = on_done,
                                     .progress = on_progress,
                                     .database = database,
                                     .payload = p,
                                 });
    if (!p->bridge) {
        osr_tool_fail(&p->call, "SUBPROCESS_ERROR", "MCP/SPAWN", NULL, NULL, "%s",
                      osr_error_last());
        free(p);
    } else {
        osr_mcp_req_on_cancel(req, on_cancel, p);
    }
    free(v);
    osr_strv_dispose(argv);
}

static void delegate(osr_mcp_req *req, json_t *args, struct osr_mcp_tools *t, const char *name,
                     struct osr_strv *argv)
{
    delegate_input(req, args, t, name, argv, NULL, false);
}

/* A command that connects to a database: forked by the worker that has its libraries. */
static void delegate_db(osr_mcp_req *req, json_t *args, struct osr_mcp_tools *t, const char *name,
                        struct osr_strv *argv)
{
    delegate_input(req, args, t, name, argv, NULL, true);
}

void osr_tool_connections_list(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;

    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "connections");
    osr_strv_push(&argv, "list");
    delegate(req, args, payload, "connections_list", &argv);
}

void osr_tool_connections_doctor(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;
    const char *conn = json_string_value(json_object_get(args, "connection"));

    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "connections");
    osr_strv_push(&argv, "doctor");
    if (conn) {
        osr_strv_push(&argv, "--connection");
        osr_strv_push(&argv, conn);
    }
    delegate_db(req, args, payload, "connections_doctor", &argv);
}

void osr_tool_discovery_request(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;
    json_t *samples = json_object_get(args, "samples");
    const char *tables = json_string_value(json_object_get(args, "tables"));
    char n[32];

    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "discovery");
    osr_strv_push(&argv, "run");
    osr_strv_push(&argv, json_string_value(json_object_get(args, "connection")));
    if (json_is_integer(samples)) {
        snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(samples));
        osr_strv_push(&argv, "--samples");
        osr_strv_push(&argv, n);
    }
    if (tables) {
        osr_strv_push(&argv, "--tables");
        osr_strv_push(&argv, tables);
    }
    if (json_is_true(json_object_get(args, "refresh")))
        osr_strv_push(&argv, "--refresh");
    delegate_db(req, args, payload, "discovery_request", &argv);
}

void osr_tool_memory_capture(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;
    char *events;

    if (!json_is_true(json_object_get(args, "consent"))) {
        struct osr_tool_call call;
        osr_tool_call_begin(&call, req, "memory_capture", args);
        osr_tool_fail(&call, "POLICY_ERROR", "POLICY/CONSENT_REQUIRED", json_pack("[s]", "consent"),
                      "ask the user whether to keep these notes, then call again with consent: "
                      "true",
                      "memory capture needs the user's consent; nothing was stored");
        return;
    }
    events = json_dumps(json_object_get(args, "events"), JSON_COMPACT);
    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "memory");
    osr_strv_push(&argv, "capture");
    osr_strv_push(&argv, "--session-id");
    osr_strv_push(&argv, json_string_value(json_object_get(args, "session_id")));
    osr_strv_push(&argv, "--consent");
    delegate_input(req, args, payload, "memory_capture", &argv, events, false);
    free(events);
}

/* A workspace-relative path that cannot leave the workspace. */
static bool contained(const char *path)
{
    const char *p = path;

    if (!*path || path[0] == '/' || path[0] == '-')
        return false;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return false;
        p += n;
        p += *p == '/';
    }
    return true;
}

/* oml_compile and pipeline_run: `osiris mcp <words> PATH|- [--profile P] [--param k=v]...`
 * for a workspace file (`path`, or `manifest_path` for a run) or the text (`oml_content`,
 * sent on the child's stdin). */
static void pipeline_tool(osr_mcp_req *req, json_t *args, void *payload, const char *tool,
                          const char *words, bool database)
{
    struct osr_strv argv = OSR_STRV_INIT;
    const char *path = json_string_value(json_object_get(args, "path"));
    const char *content = json_string_value(json_object_get(args, "oml_content"));
    const char *profile = json_string_value(json_object_get(args, "profile"));
    json_t *params = json_object_get(args, "params"), *v;
    const char *k, *bad = NULL;

    if (!path)
        path = json_string_value(json_object_get(args, "manifest_path"));
    json_object_foreach(params, k, v)
    {
        if (!bad && (!k[0] ||
                     strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                         strlen(k) ||
                     (k[0] >= '0' && k[0] <= '9')))
            bad = k;
    }
    if (!path == !content || (path && !contained(path)) || bad) {
        struct osr_tool_call call;
        osr_tool_call_begin(&call, req, tool, args);
        if (bad)
            osr_tool_fail(&call, "VALIDATION_ERROR", "MCP/ARGUMENTS",
                          json_pack("[s, s]", "params", bad),
                          "parameter names have letters, digits and '_'",
                          "'%.100s' is not a parameter name", bad);
        else if (path && content)
            osr_tool_fail(&call, "VALIDATION_ERROR", "MCP/ARGUMENTS", NULL,
                          "give either path or oml_content", "give path or oml_content, not both");
        else if (!path)
            osr_tool_fail(&call, "VALIDATION_ERROR", "MCP/ARGUMENTS", NULL,
                          "give path (e.g. pipelines/drafts/orders.yaml) or oml_content",
                          "which pipeline? give path or oml_content");
        else
            osr_tool_fail(&call, "POLICY_ERROR", "POLICY/PATH", json_pack("[s]", "path"),
                          "give a path inside the workspace, e.g. pipelines/drafts/orders.yaml",
                          "'%.200s' leaves the workspace", path);
        return;
    }
    osr_strv_push(&argv, "osiris");
    for (const char *w = words; *w;) {
        size_t n = strcspn(w, " ");
        char *word = osr_xstrndup(w, n);
        osr_strv_push(&argv, word);
        free(word);
        w += n + (w[n] == ' ');
    }
    osr_strv_push(&argv, path ? path : "-");
    if (profile) {
        osr_strv_push(&argv, "--profile");
        osr_strv_push(&argv, profile);
    }
    if (json_is_true(json_object_get(args, "dry_run")))
        osr_strv_push(&argv, "--dry-run");
    json_object_foreach(params, k, v)
    {
        char *text = json_is_string(v) ? osr_xstrdup(json_string_value(v))
                                       : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        char *pair = osr_xasprintf("%s=%s", k, text ? text : "");
        osr_strv_push(&argv, "--param");
        osr_strv_push(&argv, pair);
        free(pair);
        free(text);
    }
    delegate_input(req, args, payload, tool, &argv, content, database);
}

void osr_tool_oml_compile(osr_mcp_req *req, json_t *args, void *payload)
{
    pipeline_tool(req, args, payload, "oml_compile", "mcp compile", false);
}

/* A run moves data between databases: forked by the worker with their libraries. */
void osr_tool_pipeline_run(osr_mcp_req *req, json_t *args, void *payload)
{
    pipeline_tool(req, args, payload, "pipeline_run", "mcp pipeline run", true);
}

void osr_tool_aiop_list(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;
    json_t *limit = json_object_get(args, "limit");
    const char *opts[] = {"pipeline", "profile"};
    char n[32];

    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "aiop");
    osr_strv_push(&argv, "list");
    for (size_t i = 0; i < OSR_ARRAY_LEN(opts); i++) {
        const char *v = json_string_value(json_object_get(args, opts[i]));
        if (v) {
            char *flag = osr_xasprintf("--%s", opts[i]);
            osr_strv_push(&argv, flag);
            osr_strv_push(&argv, v);
            free(flag);
        }
    }
    if (json_is_integer(limit)) {
        snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(limit));
        osr_strv_push(&argv, "--limit");
        osr_strv_push(&argv, n);
    }
    delegate(req, args, payload, "aiop_list", &argv);
}

void osr_tool_aiop_show(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_strv argv = OSR_STRV_INIT;

    osr_strv_push(&argv, "osiris");
    osr_strv_push(&argv, "mcp");
    osr_strv_push(&argv, "aiop");
    osr_strv_push(&argv, "show");
    osr_strv_push(&argv, "--run");
    osr_strv_push(&argv, json_string_value(json_object_get(args, "run_id")));
    delegate(req, args, payload, "aiop_show", &argv);
}
