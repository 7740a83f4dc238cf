/*
 * server.c - sessions and the life of a request (see server.h).
 *
 * A request is created when its message arrives, sits in its session's in-flight list
 * while a handler works on it, and is freed once it is answered or cancelled. A request
 * answered while its handler is still running (the common synchronous case) is freed when
 * the handler returns, so handlers may touch `req` until they return.
 */
#include "mcp/jsonrpc.h"
#include "mcp/server_int.h"
#include "core/alloc.h"

#include <sys/random.h>
#include <unistd.h>

const char *const osr_mcp_versions[] = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
                                        NULL};

bool osr_mcp_version_supported(const char *v)
{
    for (const char *const *p = osr_mcp_versions; *p; p++) {
        if (strcmp(*p, v) == 0)
            return true;
    }
    return false;
}

static char *dup_or_null(const char *s)
{
    return s ? osr_xstrdup(s) : NULL;
}

osr_mcp_server *osr_mcp_server_new(osr_loop *loop, const struct osr_mcp_server_opts *opts)
{
    osr_mcp_server *s = osr_xcalloc(1, sizeof(*s));

    s->loop = loop;
    s->name = osr_xstrdup(opts->name);
    s->title = dup_or_null(opts->title);
    s->version = osr_xstrdup(opts->version);
    s->instructions = dup_or_null(opts->instructions);
    return s;
}

void osr_mcp_server_free(osr_mcp_server *s)
{
    if (!s)
        return;
    while (s->sessions)
        osr_mcp_session_free(s->sessions);
    osr_mcp__registries_free(s);
    free(s->name);
    free(s->title);
    free(s->version);
    free(s->instructions);
    free(s);
}

osr_loop *osr_mcp_server_loop(osr_mcp_server *s)
{
    return s->loop;
}

/* ---- sessions ---- */

static void random_hex(char *out, size_t nbytes)
{
    unsigned char raw[32];
    static const char hex[] = "0123456789abcdef";

    if (nbytes > sizeof(raw))
        nbytes = sizeof(raw);
    if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
        abort(); /* no randomness: refuse to make guessable session ids */
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * nbytes] = '\0';
}

osr_mcp_session *osr_mcp_session_new(osr_mcp_server *s, const struct osr_mcp_sink *sink)
{
    osr_mcp_session *ss = osr_xcalloc(1, sizeof(*ss));

    ss->server = s;
    ss->sink = *sink;
    random_hex(ss->id, 16);
    ss->log_level = osr_mcp__log_level_index("info");
    ss->next = s->sessions;
    s->sessions = ss;
    return ss;
}

static void req_free(osr_mcp_req *req)
{
    json_decref(req->id);
    json_decref(req->params);
    json_decref(req->progress_token);
    json_decref(req->modern_meta);
    free(req->method);
    free(req);
}

static void unlink_req(osr_mcp_session *ss, osr_mcp_req *req)
{
    for (osr_mcp_req **p = &ss->reqs; *p; p = &(*p)->next) {
        if (*p == req) {
            *p = req->next;
            return;
        }
    }
}

static void drop_pending_of(osr_mcp_session *ss, osr_mcp_req *req)
{
    struct pending_call **p = &ss->pending;

    while (*p) {
        if ((*p)->req == req) {
            struct pending_call *dead = *p;
            *p = dead->next;
            json_decref(dead->id);
            free(dead);
        } else {
            p = &(*p)->next;
        }
    }
}

/* Drops one member's hold on a batch; the last one out sends the collected responses. */
static void batch_release(osr_mcp_session *ss, struct batch *b)
{
    if (--b->pending > 0 || !b->closed)
        return;
    if (json_array_size(b->responses))
        ss->sink.send(ss->sink.ctx, b->responses, b->origin, true);
    json_decref(b->responses);
    free(b);
}

/* Ends a request without an answer (cancelled, or its session is going away). */
static void cancel_req(osr_mcp_req *req)
{
    osr_mcp_session *ss = req->session;

    if (req->done)
        return;
    req->done = true;
    unlink_req(ss, req);
    drop_pending_of(ss, req);
    if (req->cancel_hook)
        req->cancel_hook(req, req->cancel_payload);
    if (req->batch)
        batch_release(ss, req->batch);
    if (!req->in_dispatch)
        req_free(req);
}

void osr_mcp_session_free(osr_mcp_session *ss)
{
    osr_mcp_server *s;

    if (!ss)
        return;
    s = ss->server;
    while (ss->reqs)
        cancel_req(ss->reqs);
    while (ss->pending)
        drop_pending_of(ss, ss->pending->req);
    for (osr_mcp_session **p = &s->sessions; *p; p = &(*p)->next) {
        if (*p == ss) {
            *p = ss->next;
            break;
        }
    }
    json_decref(ss->client_caps);
    json_decref(ss->client_info);
    osr_strv_dispose(&ss->subscriptions);
    free(ss);
}

void osr_mcp_session_set_stateless(osr_mcp_session *ss)
{
    ss->stateless = true;
}

bool osr_mcp_req_is_modern(const osr_mcp_req *req)
{
    return req->modern_meta != NULL;
}

const char *osr_mcp_session_id(const osr_mcp_session *ss)
{
    return ss->id;
}

const char *osr_mcp_session_version(const osr_mcp_session *ss)
{
    return ss->version;
}

bool osr_mcp_session_initialized(const osr_mcp_session *ss)
{
    return ss->initialized;
}

size_t osr_mcp_session_inflight(const osr_mcp_session *ss)
{
    size_t n = 0;
    for (osr_mcp_req *r = ss->reqs; r; r = r->next)
        n++;
    return n;
}

void osr_mcp_session_send(osr_mcp_session *ss, json_t *msg)
{
    ss->sink.send(ss->sink.ctx, msg, NULL, false);
    json_decref(msg);
}

void osr_mcp_session_origin_closed(osr_mcp_session *ss, void *origin)
{
    for (osr_mcp_req *r = ss->reqs; r; r = r->next) {
        if (r->origin == origin)
            r->origin = NULL;
        if (r->batch && r->batch->origin == origin)
            r->batch->origin = NULL;
    }
}

/* ---- answering ---- */

static void deliver(osr_mcp_req *req, json_t *msg)
{
    osr_mcp_session *ss = req->session;
    struct batch *b = req->batch;

    req->done = true;
    unlink_req(ss, req);
    drop_pending_of(ss, req);
    if (!b) {
        ss->sink.send(ss->sink.ctx, msg, req->origin, true);
        json_decref(msg);
    } else {
        json_array_append_new(b->responses, msg);
        batch_release(ss, b);
    }
    if (!req->in_dispatch)
        req_free(req);
}

void osr_mcp_req_respond(osr_mcp_req *req, json_t *result)
{
    if (req->done) {
        json_decref(result);
        return;
    }
    if (!result)
        result = json_object();
    if (req->modern_meta && !json_object_get(result, "resultType"))
        json_object_set_new(result, "resultType", json_string("complete"));
    if (req->modern_meta && strcmp(req->method, "resources/read") == 0 &&
        !json_object_get(result, "ttlMs"))
        osr_mcp__cache_hints(req, result);
    deliver(req, osr_rpc_result(json_incref(req->id), result));
}

void osr_mcp_req_error(osr_mcp_req *req, int code, const char *message, json_t *data)
{
    if (req->done) {
        json_decref(data);
        return;
    }
    deliver(req, osr_rpc_error(json_incref(req->id), code, message, data));
}

void osr_mcp_req_tool_result(osr_mcp_req *req, json_t *content, json_t *structured, bool is_error)
{
    json_t *result = json_object();

    if (!content) {
        char *text = structured ? json_dumps(structured, JSON_COMPACT) : NULL;
        content = json_pack("[{s:s, s:s}]", "type", "text", "text", text ? text : "");
        free(text);
    }
    json_object_set_new(result, "content", content);
    if (structured)
        json_object_set_new(result, "structuredContent", structured);
    if (is_error)
        json_object_set_new(result, "isError", json_true());
    osr_mcp_req_respond(req, result);
}

void osr_mcp_req_tool_error_text(osr_mcp_req *req, const char *text)
{
    osr_mcp_req_tool_result(req, json_pack("[{s:s, s:s}]", "type", "text", "text", text), NULL,
                            true);
}

static void send_related(osr_mcp_req *req, json_t *msg)
{
    osr_mcp_session *ss = req->session;

    if (req->done) {
        json_decref(msg);
        return;
    }
    ss->sink.send(ss->sink.ctx, msg, req->origin, false);
    json_decref(msg);
}

void osr_mcp_req_progress(osr_mcp_req *req, double progress, double total, const char *message)
{
    json_t *params;

    if (!req->progress_token)
        return;
    params = json_pack("{s:O, s:f}", "progressToken", req->progress_token, "progress", progress);
    if (total > 0)
        json_object_set_new(params, "total", json_real(total));
    if (message)
        json_object_set_new(params, "message", json_string(message));
    send_related(req, osr_rpc_notification("notifications/progress", params));
}

void osr_mcp_req_log(osr_mcp_req *req, const char *level, const char *logger, json_t *data)
{
    json_t *params;

    int threshold = req->modern_meta ? req->log_level : req->session->log_level;

    if (threshold < 0 || osr_mcp__log_level_index(level) < threshold) {
        json_decref(data);
        return;
    }
    params = json_pack("{s:s, s:o}", "level", level, "data", data ? data : json_null());
    if (logger)
        json_object_set_new(params, "logger", json_string(logger));
    send_related(req, osr_rpc_notification("notifications/message", params));
}

bool osr_mcp_req_client_has(const osr_mcp_req *req, const char *capability)
{
    json_t *caps = req->session->client_caps;

    if (req->modern_meta)
        caps = json_object_get(req->modern_meta, "io.modelcontextprotocol/clientCapabilities");
    return json_object_get(caps, capability) != NULL;
}

int osr_mcp_req_ask_client(osr_mcp_req *req, const char *capability, const char *method,
                           json_t *params, osr_mcp_reply_fn done, void *payload)
{
    osr_mcp_session *ss = req->session;
    struct pending_call *pc;
    char id[32];

    if (capability && !osr_mcp_req_client_has(req, capability)) {
        json_decref(params);
        return -1;
    }
    snprintf(id, sizeof(id), "osiris-%llu", (unsigned long long)++ss->out_seq);
    pc = osr_xcalloc(1, sizeof(*pc));
    pc->id = json_string(id);
    pc->req = req;
    pc->done = done;
    pc->payload = payload;
    pc->next = ss->pending;
    ss->pending = pc;
    send_related(req, osr_rpc_request(json_incref(pc->id), method, params));
    return 0;
}

void osr_mcp_req_on_cancel(osr_mcp_req *req, void (*hook)(osr_mcp_req *req, void *payload),
                           void *payload)
{
    req->cancel_hook = hook;
    req->cancel_payload = payload;
}

osr_loop *osr_mcp_req_loop(osr_mcp_req *req)
{
    return req->session->server->loop;
}

osr_mcp_session *osr_mcp_req_session(osr_mcp_req *req)
{
    return req->session;
}

json_t *osr_mcp_req_params(osr_mcp_req *req)
{
    return req->params;
}

const char *osr_mcp_req_method(const osr_mcp_req *req)
{
    return req->method;
}

void osr_mcp_server_on_initialize(osr_mcp_server *s,
                                  void (*fn)(osr_mcp_session *ss, json_t *client_info,
                                             void *payload),
                                  void *payload)
{
    s->on_initialize = fn;
    s->on_initialize_payload = payload;
}

const char *osr_mcp_req_correlation_id(const osr_mcp_req *req)
{
    return req->correlation_id;
}

/* ---- incoming messages ---- */

static void send_error(osr_mcp_session *ss, void *origin, json_t *id, int code, const char *msg,
                       struct batch *b)
{
    json_t *err = osr_rpc_error(id ? json_incref(id) : NULL, code, msg, NULL);

    if (b) {
        json_array_append_new(b->responses, err);
        return;
    }
    ss->sink.send(ss->sink.ctx, err, origin, true);
    json_decref(err);
}

static bool id_in_flight(const osr_mcp_session *ss, const json_t *id)
{
    for (osr_mcp_req *r = ss->reqs; r; r = r->next) {
        if (json_equal(r->id, id))
            return true;
    }
    return false;
}

static json_t *modern_meta_of(json_t *params)
{
    json_t *meta = json_object_get(params, "_meta");
    return json_object_get(meta, "io.modelcontextprotocol/protocolVersion") ? meta : NULL;
}

/* A request uses the stateless revision when its session is stateless, or when it carries
 * the revision's _meta before any initialize. */
static bool is_modern(const osr_mcp_session *ss, json_t *params)
{
    return ss->stateless || (!ss->initialized && modern_meta_of(params));
}

/* Methods the stateless revision removed. */
static bool removed_in_modern(const char *method)
{
    static const char *const removed[] = {
        "initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe",
        NULL};
    for (const char *const *m = removed; *m; m++) {
        if (strcmp(*m, method) == 0)
            return true;
    }
    return false;
}

json_t *osr_mcp__supported_versions(void)
{
    json_t *versions = json_pack("[s]", OSR_MCP_MODERN_VERSION);

    for (const char *const *v = osr_mcp_versions; *v; v++)
        json_array_append_new(versions, json_string(*v));
    return versions;
}

/* Checks the stateless revision's per-request _meta; sends the error and returns false. */
static bool modern_meta_ok(osr_mcp_session *ss, struct osr_rpc_msg *m, void *origin,
                           struct batch *b)
{
    json_t *meta = json_object_get(m->params, "_meta");
    json_t *ver = json_object_get(meta, "io.modelcontextprotocol/protocolVersion");
    json_t *caps = json_object_get(meta, "io.modelcontextprotocol/clientCapabilities");
    json_t *err;

    if (!json_is_object(meta) || !json_is_string(ver) || !json_is_object(caps)) {
        send_error(ss, origin, m->id, OSR_RPC_INVALID_PARAMS,
                   "Invalid params: _meta must carry io.modelcontextprotocol/protocolVersion and "
                   "io.modelcontextprotocol/clientCapabilities",
                   b);
        return false;
    }
    if (strcmp(json_string_value(ver), OSR_MCP_MODERN_VERSION) == 0)
        return true;
    err = osr_rpc_error(
        json_incref(m->id), OSR_RPC_UNSUPPORTED_VERSION, "Unsupported protocol version",
        json_pack("{s:o, s:O}", "supported", osr_mcp__supported_versions(), "requested", ver));
    if (b) {
        json_array_append_new(b->responses, err);
    } else {
        ss->sink.send(ss->sink.ctx, err, origin, true);
        json_decref(err);
    }
    return false;
}

static osr_mcp_req *req_new(osr_mcp_session *ss, struct osr_rpc_msg *m, void *origin,
                            struct batch *b)
{
    osr_mcp_req *req = osr_xcalloc(1, sizeof(*req));
    json_t *meta = json_object_get(m->params, "_meta");

    req->session = ss;
    req->id = json_incref(m->id);
    req->method = osr_xstrdup(m->method);
    req->params = m->params ? json_incref(m->params) : json_object();
    req->progress_token = json_incref(json_object_get(meta, "progressToken"));
    if (is_modern(ss, m->params)) {
        json_t *lvl = json_object_get(meta, "io.modelcontextprotocol/logLevel");
        req->modern_meta = json_incref(meta);
        req->log_level =
            json_is_string(lvl) ? osr_mcp__log_level_index(json_string_value(lvl)) : -1;
    }
    req->origin = origin;
    req->batch = b;
    snprintf(req->correlation_id, sizeof(req->correlation_id), "%.8s-%06llu", ss->id,
             (unsigned long long)++ss->req_seq);
    req->next = ss->reqs;
    ss->reqs = req;
    if (b)
        b->pending++;
    return req;
}

static void dispatch_request(osr_mcp_session *ss, struct osr_rpc_msg *m, void *origin,
                             struct batch *b)
{
    bool before_init_ok = false;
    method_fn fn = osr_mcp__method_find(m->method, &before_init_ok);
    osr_mcp_req *req;

    if (id_in_flight(ss, m->id))
        return send_error(ss, origin, m->id, OSR_RPC_INVALID_REQUEST,
                          "Invalid Request: this id is already used by a request in flight", b);
    if (is_modern(ss, m->params)) {
        if (!modern_meta_ok(ss, m, origin, b))
            return;
        if (removed_in_modern(m->method))
            fn = NULL;
    }
    if (!fn)
        return send_error(ss, origin, m->id, OSR_RPC_METHOD_NOT_FOUND, "Method not found", b);
    if (!ss->initialized && !before_init_ok && !is_modern(ss, m->params))
        return send_error(ss, origin, m->id, OSR_RPC_INVALID_REQUEST,
                          "Server not initialized: send initialize first", b);
    req = req_new(ss, m, origin, b);
    req->in_dispatch = true;
    fn(req, req->params);
    req->in_dispatch = false;
    if (req->done)
        req_free(req);
}

static void handle_response(osr_mcp_session *ss, struct osr_rpc_msg *m)
{
    for (struct pending_call **p = &ss->pending; *p; p = &(*p)->next) {
        struct pending_call *pc = *p;
        if (!json_equal(pc->id, m->id))
            continue;
        *p = pc->next;
        pc->done(pc->req, m->result, m->error, pc->payload);
        json_decref(pc->id);
        free(pc);
        return;
    }
    /* A response to nothing we asked: ignored, as the specification allows. */
}

static void handle_notification(osr_mcp_session *ss, struct osr_rpc_msg *m)
{
    json_t *rid;

    if (strcmp(m->method, "notifications/initialized") == 0) {
        ss->ready = ss->initialized;
    } else if (strcmp(m->method, "notifications/cancelled") == 0) {
        rid = json_object_get(m->params, "requestId");
        for (osr_mcp_req *r = ss->reqs; rid && r; r = r->next) {
            if (json_equal(r->id, rid) && strcmp(r->method, "initialize") != 0) {
                cancel_req(r);
                break;
            }
        }
    }
    /* Other notifications (roots/list_changed, progress from the client) need no action. */
}

/* Handles one non-batch message. Returns true when it calls for a response. */
static bool handle_one(osr_mcp_session *ss, struct osr_rpc_msg *m, void *origin, struct batch *b)
{
    switch (m->kind) {
    case OSR_RPC_REQUEST:
        dispatch_request(ss, m, origin, b);
        return true;
    case OSR_RPC_NOTIFICATION:
        handle_notification(ss, m);
        return false;
    case OSR_RPC_RESPONSE:
        handle_response(ss, m);
        return false;
    default:
        send_error(ss, origin, m->id, m->error_code, m->error_message, b);
        return true;
    }
}

static bool handle_batch(osr_mcp_session *ss, json_t *arr, void *origin)
{
    struct batch *b;
    size_t i;
    json_t *item;
    bool any = false;

    if (strcmp(ss->version, "2025-03-26") != 0 || json_array_size(arr) == 0) {
        send_error(ss, origin, NULL, OSR_RPC_INVALID_REQUEST,
                   json_array_size(arr) ? "Invalid Request: batches are accepted only with "
                                          "protocol version 2025-03-26"
                                        : "Invalid Request: empty batch",
                   NULL);
        return true;
    }
    b = osr_xcalloc(1, sizeof(*b));
    b->responses = json_array();
    b->origin = origin;
    b->pending = 1; /* held until every member is dispatched */
    json_array_foreach(arr, i, item)
    {
        struct osr_rpc_msg m;
        osr_rpc_classify(&m, json_incref(item));
        if (m.kind == OSR_RPC_BATCH || (m.method && strcmp(m.method, "initialize") == 0))
            send_error(ss, origin, m.id, OSR_RPC_INVALID_REQUEST,
                       "Invalid Request: not allowed inside a batch", b);
        else
            any = handle_one(ss, &m, origin, b) || any;
        osr_rpc_msg_dispose(&m);
    }
    b->closed = true;
    any = any || json_array_size(b->responses) > 0;
    batch_release(ss, b);
    return any;
}

bool osr_mcp_session_handle_json(osr_mcp_session *ss, json_t *msg, void *origin)
{
    struct osr_rpc_msg m;
    bool r;

    osr_rpc_classify(&m, msg);
    if (m.kind == OSR_RPC_BATCH)
        r = handle_batch(ss, m.json, origin);
    else
        r = handle_one(ss, &m, origin, NULL);
    osr_rpc_msg_dispose(&m);
    return r;
}

bool osr_mcp_session_handle_text(osr_mcp_session *ss, const char *text, size_t len, void *origin)
{
    struct osr_rpc_msg m;

    osr_rpc_parse(&m, text, len);
    if (m.json)
        return osr_mcp_session_handle_json(ss, m.json, origin);
    send_error(ss, origin, NULL, m.error_code, m.error_message, NULL);
    return true;
}

void osr_mcp_server_resource_updated(osr_mcp_server *s, const char *uri)
{
    for (osr_mcp_session *ss = s->sessions; ss; ss = ss->next) {
        if (osr_strv_contains(&ss->subscriptions, uri))
            osr_mcp_session_send(ss, osr_rpc_notification("notifications/resources/updated",
                                                          json_pack("{s:s}", "uri", uri)));
    }
}
