/*
 * jsonrpc.c - parsing, classifying and building JSON-RPC 2.0 messages.
 */
#include "mcp/jsonrpc.h"
#include "core/alloc.h"

static void invalid(struct osr_rpc_msg *m, int code, const char *what)
{
    m->kind = OSR_RPC_INVALID;
    m->error_code = code;
    snprintf(m->error_message, sizeof(m->error_message), "%s", what);
}

void osr_rpc_parse(struct osr_rpc_msg *m, const char *text, size_t len)
{
    json_error_t err;
    json_t *v;

    memset(m, 0, sizeof(*m));
    v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    if (!v) {
        m->kind = OSR_RPC_INVALID;
        m->error_code = OSR_RPC_PARSE_ERROR;
        snprintf(m->error_message, sizeof(m->error_message),
                 "Parse error at line %d column %d: %.160s", err.line, err.column, err.text);
        return;
    }
    osr_rpc_classify(m, v);
}

static bool id_valid(const json_t *id)
{
    return json_is_string(id) || json_is_integer(id);
}

void osr_rpc_classify(struct osr_rpc_msg *m, json_t *v)
{
    json_t *ver, *method, *id;

    memset(m, 0, sizeof(*m));
    m->json = v;
    if (json_is_array(v)) {
        m->kind = OSR_RPC_BATCH;
        return;
    }
    if (!json_is_object(v))
        return invalid(m, OSR_RPC_INVALID_REQUEST, "Invalid Request: a message must be an object");
    ver = json_object_get(v, "jsonrpc");
    method = json_object_get(v, "method");
    id = json_object_get(v, "id");
    if (id && id_valid(id))
        m->id = id;
    if (!json_is_string(ver) || strcmp(json_string_value(ver), "2.0") != 0)
        return invalid(m, OSR_RPC_INVALID_REQUEST, "Invalid Request: jsonrpc must be \"2.0\"");
    if (method) {
        if (!json_is_string(method))
            return invalid(m, OSR_RPC_INVALID_REQUEST, "Invalid Request: method must be a string");
        if (id && !id_valid(id))
            return invalid(m, OSR_RPC_INVALID_REQUEST,
                           "Invalid Request: id must be a string or an integer, never null");
        m->method = json_string_value(method);
        m->params = json_object_get(v, "params");
        if (m->params && !json_is_object(m->params)) {
            m->error_code =
                json_is_array(m->params) ? OSR_RPC_INVALID_PARAMS : OSR_RPC_INVALID_REQUEST;
            snprintf(m->error_message, sizeof(m->error_message), "%s: params must be an object",
                     json_is_array(m->params) ? "Invalid params" : "Invalid Request");
            m->kind = OSR_RPC_INVALID;
            return;
        }
        m->kind = id ? OSR_RPC_REQUEST : OSR_RPC_NOTIFICATION;
        return;
    }
    m->result = json_object_get(v, "result");
    m->error = json_object_get(v, "error");
    if (!m->id || (!m->result == !m->error))
        return invalid(m, OSR_RPC_INVALID_REQUEST,
                       "Invalid Request: a message needs a method, or an id with exactly one of "
                       "result and error");
    m->kind = OSR_RPC_RESPONSE;
}

void osr_rpc_msg_dispose(struct osr_rpc_msg *m)
{
    json_decref(m->json);
    memset(m, 0, sizeof(*m));
}

json_t *osr_rpc_result(json_t *id, json_t *result)
{
    return json_pack("{s:s, s:o, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
                     result ? result : json_object());
}

json_t *osr_rpc_error(json_t *id, int code, const char *message, json_t *data)
{
    json_t *err = json_pack("{s:i, s:s}", "code", code, "message", message);

    if (data)
        json_object_set_new(err, "data", data);
    return json_pack("{s:s, s:o, s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "error",
                     err);
}

json_t *osr_rpc_notification(const char *method, json_t *params)
{
    json_t *n = json_pack("{s:s, s:s}", "jsonrpc", "2.0", "method", method);

    if (params)
        json_object_set_new(n, "params", params);
    return n;
}

json_t *osr_rpc_request(json_t *id, const char *method, json_t *params)
{
    json_t *r = json_pack("{s:s, s:o, s:s}", "jsonrpc", "2.0", "id", id, "method", method);

    if (params)
        json_object_set_new(r, "params", params);
    return r;
}

char *osr_rpc_dump(const json_t *msg, size_t *len)
{
    char *s = json_dumps(msg, JSON_COMPACT);

    if (!s)
        s = osr_xstrdup("{}");
    if (len)
        *len = strlen(s);
    return s;
}
