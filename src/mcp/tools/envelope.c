/*
 * envelope.c - success and error envelopes of the Osiris tools (see envelope.h).
 */
#include "mcp/tools/envelope.h"
#include "core/alloc.h"
#include "core/loop.h"
#include "core/mask.h"

#include <stdarg.h>

static const struct osr_mcp_logs *logs;

void osr_tool_logs_set(const struct osr_mcp_logs *l)
{
    logs = l;
}

void osr_tool_call_begin(struct osr_tool_call *c, osr_mcp_req *req, const char *tool, json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT);

    c->req = req;
    c->tool = tool;
    c->started_ms = osr_now_ms();
    c->bytes_in = text ? strlen(text) : 0;
    c->args = osr_mcp_audit_arguments(args);
    c->stderr_tail = NULL;
    free(text);
}

static void log_call(struct osr_tool_call *c, json_t *env)
{
    json_t *meta = json_object_get(env, "_meta");
    const char *session = osr_mcp_session_id(osr_mcp_req_session(c->req));
    const char *cache = json_string_value(json_object_get(json_object_get(env, "result"), "cache"));
    json_t *audit = json_pack(
        "{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O, s:O, s:o}", "event", "tool_call", "session_id",
        session, "correlation_id", osr_mcp_req_correlation_id(c->req), "tool_name", c->tool,
        "status", json_object_get(env, "status"), "error_code",
        json_object_get(env, "error_code") ? json_object_get(env, "error_code") : json_null(),
        "duration_ms", json_object_get(meta, "duration_ms"), "bytes_in",
        json_object_get(meta, "bytes_in"), "bytes_out", json_object_get(meta, "bytes_out"),
        "arguments", c->args ? json_incref(c->args) : json_object());
    json_t *tele = json_pack(
        "{s:s, s:s, s:s, s:s, s:O, s:O, s:O, s:O}", "event", "tool_call", "session_id", session,
        "correlation_id", osr_mcp_req_correlation_id(c->req), "tool_name", c->tool, "status",
        json_object_get(env, "status"), "duration_ms", json_object_get(meta, "duration_ms"),
        "bytes_in", json_object_get(meta, "bytes_in"), "bytes_out",
        json_object_get(meta, "bytes_out"));

    if (c->stderr_tail && c->stderr_tail[0])
        json_object_set_new(audit, "stderr", json_string(c->stderr_tail));
    if (cache)
        json_object_set_new(tele, "cache",
                            json_string(strcmp(cache, "hit") == 0 ? "cache_hit" : "cache_miss"));
    osr_mcp_audit(logs, audit);
    osr_mcp_telemetry(logs, tele);
}

static size_t digits(size_t n)
{
    size_t d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* The length of a text measured with a one-digit placeholder for its own length. */
static size_t with_own_digits(size_t len0)
{
    size_t n = len0;

    for (int i = 0; i < 3; i++)
        n = len0 - 1 + digits(n);
    return n;
}

/* `text` (owned, the envelope dumped with "bytes_out":0) with the 0 replaced by `out`:
 * _meta is the envelope's last member, so its "bytes_out":0 is the last one in the text.
 * Saves dumping a large result twice. */
static char *splice_bytes_out(char *text, size_t out, json_t *env)
{
    static const char mark[] = "\"bytes_out\":0,\"tool\":";
    size_t len0 = strlen(text), head;
    char *at = NULL, *p = text, num[32], *spliced;
    int n;

    while ((p = strstr(p, mark)))
        at = p++;
    if (!at) { /* not with the member order of answer(); dump again to be exact */
        free(text);
        return json_dumps(env, JSON_COMPACT);
    }
    head = (size_t)(at - text) + sizeof("\"bytes_out\":") - 1;
    n = snprintf(num, sizeof(num), "%zu", out);
    spliced = osr_xmalloc(len0 + (size_t)n);
    memcpy(spliced, text, head);
    memcpy(spliced + head, num, (size_t)n);
    memcpy(spliced + head + n, text + head + 1, len0 - head); /* the rest and its NUL */
    free(text);
    return spliced;
}

static void answer(struct osr_tool_call *c, json_t *env, bool is_error)
{
    json_t *meta =
        json_pack("{s:s, s:I, s:I, s:I, s:s}", "correlation_id", osr_mcp_req_correlation_id(c->req),
                  "duration_ms", (json_int_t)(osr_now_ms() - c->started_ms), "bytes_in",
                  (json_int_t)c->bytes_in, "bytes_out", (json_int_t)0, "tool", c->tool);
    char *text;
    size_t out;

    json_object_set_new(env, "_meta", meta);
    /* bytes_out is the size of the envelope as sent, its own figure included: measured with
     * "0" in its place, then grown by the figure's extra digits. */
    text = json_dumps(env, JSON_COMPACT);
    out = with_own_digits(strlen(text));
    json_object_set_new(meta, "bytes_out", json_integer((json_int_t)out));
    text = splice_bytes_out(text, out, env);
    if (logs)
        log_call(c, env);
    json_decref(c->args);
    free(c->stderr_tail);
    c->args = NULL;
    c->stderr_tail = NULL;
    osr_mcp_req_tool_result(c->req, json_pack("[{s:s, s:s}]", "type", "text", "text", text), env,
                            is_error);
    free(text);
}

void osr_tool_success(struct osr_tool_call *c, json_t *result)
{
    answer(c, json_pack("{s:s, s:o}", "status", "success", "result", result), false);
}

void osr_tool_fail(struct osr_tool_call *c, const char *error_code, const char *code, json_t *path,
                   const char *suggest, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    json_t *err;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err = json_pack("{s:s, s:s, s:o}", "code", code, "message", msg, "path",
                    path ? path : json_array());
    if (suggest)
        json_object_set_new(err, "suggest", json_string(suggest));
    answer(c,
           json_pack("{s:s, s:s, s:o}", "status", "error", "error_code", error_code, "error", err),
           true);
}

const char *osr_tool_error_code(int exit_code, const char *other)
{
    switch (exit_code) {
    case 2:
        return "VALIDATION_ERROR";
    case 3:
        return "CONNECTION_ERROR";
    case 4:
        return "POLICY_ERROR";
    default:
        return other;
    }
}
