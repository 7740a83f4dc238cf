/*
 * envelope.c - success and error envelopes of the Osiris tools (see envelope.h).
 */
#include "mcp/tools/envelope.h"
#include "core/alloc.h"
#include "core/loop.h"

#include <stdarg.h>

void osr_tool_call_begin(struct osr_tool_call *c, osr_mcp_req *req, const char *tool, json_t *args)
{
    char *text = json_dumps(args, JSON_COMPACT);

    c->req = req;
    c->tool = tool;
    c->started_ms = osr_now_ms();
    c->bytes_in = text ? strlen(text) : 0;
    free(text);
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

static void answer(struct osr_tool_call *c, json_t *env, bool is_error)
{
    json_t *meta =
        json_pack("{s:s, s:I, s:I, s:I, s:s}", "correlation_id", osr_mcp_req_correlation_id(c->req),
                  "duration_ms", (json_int_t)(osr_now_ms() - c->started_ms), "bytes_in",
                  (json_int_t)c->bytes_in, "bytes_out", (json_int_t)0, "tool", c->tool);
    char *text;

    json_object_set_new(env, "_meta", meta);
    /* bytes_out is the size of the envelope as sent, its own figure included: measured with
     * "0" in its place, then grown by the figure's extra digits. */
    text = json_dumps(env, JSON_COMPACT);
    json_object_set_new(meta, "bytes_out", json_integer((json_int_t)with_own_digits(strlen(text))));
    free(text);
    text = json_dumps(env, JSON_COMPACT);
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
