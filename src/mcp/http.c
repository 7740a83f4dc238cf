/*
 * http.c - Streamable HTTP on libmicrohttpd in "external polling" mode (see http.h).
 *
 * libmicrohttpd runs without threads of its own: its epoll descriptor sits in our event
 * loop, and MHD_run() is called when it is readable or its timeout passes. An SSE stream
 * whose queue is empty suspends its connection; pushing a message resumes it, which wakes
 * the epoll descriptor through libmicrohttpd's inter-thread channel.
 *
 * Every HTTP exchange is a `stream`. A POST stream is the `origin` of the requests its
 * body carries, so their progress, log messages and response land on it.
 */
#include "mcp/http.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "mcp/jsonrpc.h"
#include "mcp/mhd_api.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#define DEFAULT_MAX_SESSIONS 10000
#define SESSION_IDLE_MS (60u * 60u * 1000u)
#define SWEEP_EVERY_MS (60u * 1000u)

struct stream;

struct hsession {
    osr_mcp_http *h;
    osr_mcp_session *session;
    struct stream *get_stream;
    uint64_t last_used_ms;
    bool stateless;
    struct hsession *next;
};

struct stream {
    osr_mcp_http *h;
    struct MHD_Connection *conn;
    struct hsession *hs;
    struct osr_buf body;
    bool too_big, handled, is_get;
    json_t *pending; /* messages pushed before the response format is chosen */
    bool sse, final, suspended;
    bool modern; /* served under the stateless revision: errors map to HTTP statuses */
    struct osr_buf out;
    size_t out_off;
    uint64_t event_seq;
    struct stream *next;
};

struct osr_mcp_http {
    const struct osr_mhd_api *mhd;
    struct MHD_Daemon *daemon;
    osr_mcp_server *server;
    osr_loop *loop;
    int epoll_fd;
    unsigned port;
    bool loopback_only;
    char *token;
    struct osr_strv origins; /* extra allowed origins ("https://app.example.com") */
    size_t payload_limit, max_sessions, nsessions;
    struct hsession *sessions;
    struct stream *streams;
    uint64_t last_sweep_ms;
    bool stopping;
};

/* ---- responses ---- */

static enum MHD_Result send_body(struct stream *st, unsigned status, const char *type,
                                 const char *body, const char *session_id)
{
    const struct osr_mhd_api *m = st->h->mhd;
    struct MHD_Response *r =
        m->create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (type)
        m->add_response_header(r, "Content-Type", type);
    if (session_id)
        m->add_response_header(r, "Mcp-Session-Id", session_id);
    if (status == 401)
        m->add_response_header(r, "WWW-Authenticate",
                               "Bearer realm=\"osiris\", error=\"invalid_token\"");
    if (status == 405)
        m->add_response_header(r, "Allow", "GET, POST, DELETE");
    ret = m->queue_response(st->conn, status, r);
    m->destroy_response(r);
    return ret;
}

static enum MHD_Result send_rpc_error(struct stream *st, unsigned status, int code,
                                      const char *message)
{
    json_t *err = osr_rpc_error(NULL, code, message, NULL);
    char *text = osr_rpc_dump(err, NULL);
    enum MHD_Result r = send_body(st, status, "application/json", text, NULL);

    free(text);
    json_decref(err);
    return r;
}

/* ---- streams ---- */

static struct stream *stream_new(osr_mcp_http *h, struct MHD_Connection *conn)
{
    struct stream *st = osr_xcalloc(1, sizeof(*st));

    st->h = h;
    st->conn = conn;
    osr_buf_init(&st->body, h->payload_limit);
    osr_buf_init(&st->out, OSR_BUF_UNLIMITED);
    st->pending = json_array();
    st->next = h->streams;
    h->streams = st;
    return st;
}

static void stream_free(struct stream *st)
{
    osr_mcp_http *h = st->h;

    for (struct stream **p = &h->streams; *p; p = &(*p)->next) {
        if (*p == st) {
            *p = st->next;
            break;
        }
    }
    osr_buf_dispose(&st->body);
    osr_buf_dispose(&st->out);
    json_decref(st->pending);
    free(st);
}

static void wake(struct stream *st)
{
    if (st->suspended) {
        st->suspended = false;
        st->h->mhd->resume_connection(st->conn);
    }
}

static void append_event(struct stream *st, json_t *msg)
{
    size_t len;
    char *text = osr_rpc_dump(msg, &len);

    osr_buf_printf(&st->out,
                   "id: %llu\nevent: message\ndata: ", (unsigned long long)++st->event_seq);
    osr_buf_put(&st->out, text, len);
    osr_buf_puts(&st->out, "\n\n");
    free(text);
}

static void stream_push(struct stream *st, json_t *msg, bool final)
{
    if (st->sse) {
        append_event(st, msg);
        wake(st);
    } else {
        json_array_append(st->pending, msg);
    }
    if (final)
        st->final = true;
}

static ssize_t sse_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *st = cls;
    size_t avail = st->out.len - st->out_off;

    OSR_UNUSED(pos);
    if (avail) {
        size_t n = avail < max ? avail : max;
        memcpy(buf, st->out.ptr + st->out_off, n);
        st->out_off += n;
        if (st->out_off == st->out.len) {
            osr_buf_clear(&st->out);
            st->out_off = 0;
        }
        return (ssize_t)n;
    }
    if ((st->final && !st->is_get) || st->h->stopping || !st->hs)
        return MHD_CONTENT_READER_END_OF_STREAM;
    st->suspended = true;
    st->h->mhd->suspend_connection(st->conn);
    return 0;
}

static enum MHD_Result start_sse(struct stream *st, const char *session_id)
{
    const struct osr_mhd_api *m = st->h->mhd;
    struct MHD_Response *r;
    size_t i;
    json_t *msg;
    enum MHD_Result ret;

    st->sse = true;
    json_array_foreach(st->pending, i, msg) append_event(st, msg);
    json_array_clear(st->pending);
    r = m->create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_reader, st, NULL);
    m->add_response_header(r, "Content-Type", "text/event-stream");
    m->add_response_header(r, "Cache-Control", "no-cache");
    if (session_id)
        m->add_response_header(r, "Mcp-Session-Id", session_id);
    ret = m->queue_response(st->conn, 200, r);
    m->destroy_response(r);
    return ret;
}

/* ---- sessions ---- */

static void sink_send(void *ctx, json_t *msg, void *origin, bool final)
{
    struct hsession *hs = ctx;

    if (origin)
        stream_push(origin, msg, final);
    else if (hs->get_stream)
        stream_push(hs->get_stream, msg, false);
    /* Otherwise the client has no stream open to receive it: dropped, as the spec allows
     * for messages that belong to no request. */
}

/* Stateless sessions (one per POST of the 2026-07-28 revision, so clients never share
 * request ids or cancel each other's requests) sit in the same list, so shutdown frees
 * them too, but are never found by id and do not count against the session limit. */
static struct hsession *hsession_new(osr_mcp_http *h, bool stateless)
{
    struct hsession *hs = osr_xcalloc(1, sizeof(*hs));
    struct osr_mcp_sink sink = {sink_send, hs};

    hs->h = h;
    hs->stateless = stateless;
    hs->session = osr_mcp_session_new(h->server, &sink);
    hs->last_used_ms = osr_now_ms();
    if (stateless)
        osr_mcp_session_set_stateless(hs->session);
    else
        h->nsessions++;
    hs->next = h->sessions;
    h->sessions = hs;
    return hs;
}

static void hsession_free(struct hsession *hs)
{
    osr_mcp_http *h = hs->h;

    for (struct hsession **p = &h->sessions; *p; p = &(*p)->next) {
        if (*p == hs) {
            *p = hs->next;
            h->nsessions -= !hs->stateless;
            break;
        }
    }
    for (struct stream *st = h->streams; st; st = st->next) {
        if (st->hs == hs) {
            st->hs = NULL;
            wake(st);
        }
    }
    osr_mcp_session_free(hs->session);
    free(hs);
}

static struct hsession *hsession_find(osr_mcp_http *h, const char *id)
{
    for (struct hsession *hs = h->sessions; hs; hs = hs->next) {
        if (!hs->stateless && strcmp(osr_mcp_session_id(hs->session), id) == 0)
            return hs;
    }
    return NULL;
}

/* A suspended connection is not watched by libmicrohttpd, so a client that closed its GET
 * stream goes unnoticed until something is written to it: look at the socket directly. */
static bool peer_gone(struct stream *st)
{
    const union MHD_ConnectionInfo *info =
        st->h->mhd->get_connection_info(st->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct pollfd p;
    char c;

    if (!info)
        return false;
    p.fd = info->connect_fd;
    p.events = POLLIN | POLLRDHUP;
    p.revents = 0;
    if (poll(&p, 1, 0) <= 0)
        return false;
    if (p.revents & (POLLHUP | POLLERR | POLLRDHUP))
        return true;
    return (p.revents & POLLIN) && recv(p.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Ends a stream from our side: its reader finishes and libmicrohttpd completes it. */
static void drop_stream(struct stream *st)
{
    if (st->hs && st->hs->get_stream == st)
        st->hs->get_stream = NULL;
    st->hs = NULL;
    wake(st);
}

static void sweep_sessions(osr_mcp_http *h)
{
    uint64_t now = osr_now_ms();
    struct hsession *hs = h->sessions;

    h->last_sweep_ms = now;
    while (hs) {
        struct hsession *next = hs->next;
        if (hs->get_stream && peer_gone(hs->get_stream))
            drop_stream(hs->get_stream);
        if (!hs->stateless && now - hs->last_used_ms > SESSION_IDLE_MS && !hs->get_stream &&
            osr_mcp_session_inflight(hs->session) == 0)
            hsession_free(hs);
        hs = next;
    }
}

/* ---- checks ---- */

static const char *header(struct stream *st, const char *name)
{
    return st->h->mhd->lookup_connection_value(st->conn, MHD_HEADER_KIND, name);
}

static bool loopback_host(const char *host, size_t n)
{
    static const char *const names[] = {"localhost", "127.0.0.1", "[::1]", "::1", NULL};

    for (const char *const *p = names; *p; p++) {
        if (strlen(*p) == n && strncasecmp(*p, host, n) == 0)
            return true;
    }
    return false;
}

/* The host part of "host[:port]" (IPv6 in brackets keeps them). */
static size_t host_len(const char *hostport)
{
    const char *colon;

    if (hostport[0] == '[') {
        const char *close = strchr(hostport, ']');
        return close ? (size_t)(close - hostport + 1) : strlen(hostport);
    }
    colon = strrchr(hostport, ':');
    return colon && !strchr(hostport, ']') && colon == strchr(hostport, ':')
               ? (size_t)(colon - hostport)
               : strlen(hostport);
}

static bool host_allowed(osr_mcp_http *h, const char *host)
{
    if (!host)
        return false;
    if (!h->loopback_only)
        return true; /* exposed on purpose; the bearer token guards it */
    return loopback_host(host, host_len(host));
}

static bool origin_allowed(osr_mcp_http *h, const char *origin)
{
    const char *hp;

    if (!origin)
        return true;
    if (osr_strv_contains(&h->origins, origin))
        return true;
    if (strncmp(origin, "http://", 7) == 0)
        hp = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        hp = origin + 8;
    else
        return false;
    return loopback_host(hp, host_len(hp));
}

static bool token_ok(osr_mcp_http *h, const char *auth)
{
    size_t want, got;
    unsigned char diff = 0;

    if (!h->token)
        return true;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return false;
    auth += 7;
    want = strlen(h->token);
    got = strlen(auth);
    for (size_t i = 0; i < want; i++)
        diff |= (unsigned char)(h->token[i] ^ (i < got ? auth[i] : 0));
    return diff == 0 && want == got;
}

/* Checks every request must pass; returns 0 or queues the error and returns 1. */
static int precheck(struct stream *st, const char *url, const char *method, enum MHD_Result *ret)
{
    osr_mcp_http *h = st->h;

    if (!host_allowed(h, header(st, "Host")) || !origin_allowed(h, header(st, "Origin"))) {
        *ret = send_rpc_error(st, 403, -32000, "Forbidden: Host or Origin is not allowed");
        return 1;
    }
    if (!token_ok(h, header(st, "Authorization"))) {
        *ret = send_rpc_error(st, 401, -32000, "Unauthorized: a valid bearer token is required");
        return 1;
    }
    if (strcmp(url, "/mcp") != 0) {
        *ret = send_body(st, 404, "text/plain", "Not found: the MCP endpoint is /mcp\n", NULL);
        return 1;
    }
    if (strcmp(method, "POST") != 0 && strcmp(method, "GET") != 0 &&
        strcmp(method, "DELETE") != 0) {
        *ret = send_body(st, 405, "text/plain", "Method not allowed\n", NULL);
        return 1;
    }
    return 0;
}

/* A header naming a version we do not speak is refused; any supported version passes
 * (clients in the field send the one they asked for even when another was negotiated). */
static bool version_header_ok(struct stream *st, struct hsession *hs)
{
    const char *v = header(st, "MCP-Protocol-Version");

    OSR_UNUSED(hs);
    return !v || osr_mcp_version_supported(v) || strcmp(v, OSR_MCP_MODERN_VERSION) == 0;
}

/* ---- methods ---- */

static bool is_initialize(json_t *msg)
{
    json_t *m = json_object_get(msg, "method");
    return json_is_string(m) && strcmp(json_string_value(m), "initialize") == 0;
}

static bool is_modern(json_t *msg)
{
    json_t *meta = json_object_get(json_object_get(msg, "params"), "_meta");
    return json_object_get(meta, "io.modelcontextprotocol/protocolVersion") != NULL;
}

/* The stateless revision maps protocol errors to HTTP statuses. */
static unsigned modern_status(json_t *msg)
{
    json_t *code = json_object_get(json_object_get(msg, "error"), "code");

    switch (json_is_integer(code) ? (int)json_integer_value(code) : 0) {
    case OSR_RPC_METHOD_NOT_FOUND:
        return 404;
    case OSR_RPC_INVALID_PARAMS:
    case OSR_RPC_HEADER_MISMATCH:
    case OSR_RPC_MISSING_CAPABILITY:
    case OSR_RPC_UNSUPPORTED_VERSION:
    case OSR_RPC_INVALID_REQUEST:
    case OSR_RPC_PARSE_ERROR:
        return 400;
    default:
        return 200;
    }
}

static enum MHD_Result answer_post(struct stream *st, struct hsession *hs, bool created)
{
    const char *sid = created ? osr_mcp_session_id(hs->session) : NULL;
    enum MHD_Result ret;

    if (st->final && json_array_size(st->pending) == 1) {
        json_t *msg = json_array_get(st->pending, 0);
        char *text = osr_rpc_dump(msg, NULL);
        ret = send_body(st, st->modern ? modern_status(msg) : 200, "application/json", text, sid);
        free(text);
        return ret;
    }
    return start_sse(st, sid);
}

static bool modern_header(struct stream *st)
{
    const char *v = header(st, "MCP-Protocol-Version");
    return v && strcmp(v, OSR_MCP_MODERN_VERSION) == 0;
}

/* The name a stateless request's Mcp-Name header must repeat, if any. */
static const char *name_field(json_t *msg)
{
    const char *method = json_string_value(json_object_get(msg, "method"));
    json_t *params = json_object_get(msg, "params");

    if (!method)
        return NULL;
    if (strcmp(method, "tools/call") == 0 || strcmp(method, "prompts/get") == 0)
        return json_string_value(json_object_get(params, "name"));
    if (strcmp(method, "resources/read") == 0)
        return json_string_value(json_object_get(params, "uri"));
    return NULL;
}

/* Header values compared without the optional whitespace around them (RFC 9110 5.5). */
static bool header_equals(const char *h, const char *value)
{
    size_t n;

    while (*h == ' ' || *h == '\t')
        h++;
    n = strlen(h);
    while (n && (h[n - 1] == ' ' || h[n - 1] == '\t'))
        n--;
    return strlen(value) == n && strncmp(h, value, n) == 0;
}

/* Headers that mirror the body must be present and agree with it: 400 with -32020
 * otherwise. Responses and notifications carry no method header requirement. */
static const char *header_mismatch(struct stream *st, json_t *msg)
{
    const char *hv = header(st, "MCP-Protocol-Version");
    const char *hm = header(st, "Mcp-Method"), *hn = header(st, "Mcp-Name");
    json_t *meta = json_object_get(json_object_get(msg, "params"), "_meta");
    const char *mv =
        json_string_value(json_object_get(meta, "io.modelcontextprotocol/protocolVersion"));
    const char *method = json_string_value(json_object_get(msg, "method"));
    const char *name = name_field(msg);

    if (hv && mv && !header_equals(hv, mv))
        return "Header mismatch: MCP-Protocol-Version differs from _meta protocolVersion";
    if (method && json_object_get(msg, "id") && !hm)
        return "Header mismatch: the Mcp-Method header is required";
    if (hm && method && !header_equals(hm, method))
        return "Header mismatch: Mcp-Method differs from the request method";
    if (name && !hn)
        return "Header mismatch: the Mcp-Name header is required for this method";
    if (hn && name && !header_equals(hn, name))
        return "Header mismatch: Mcp-Name differs from the request's name or uri";
    return NULL;
}

static enum MHD_Result send_rpc_error_id(struct stream *st, unsigned status, json_t *id, int code,
                                         const char *message)
{
    json_t *err = osr_rpc_error(json_incref(id), code, message, NULL);
    char *text = osr_rpc_dump(err, NULL);
    enum MHD_Result r = send_body(st, status, "application/json", text, NULL);

    free(text);
    json_decref(err);
    return r;
}

static struct hsession *session_for_post(struct stream *st, json_t *msg, bool *created,
                                         enum MHD_Result *ret)
{
    osr_mcp_http *h = st->h;
    const char *sid = header(st, "Mcp-Session-Id");
    struct hsession *hs;

    *created = false;
    if (!sid && (is_modern(msg) || modern_header(st)))
        return hsession_new(h, true); /* even initialize: there it is a removed method */
    if (sid) {
        hs = hsession_find(h, sid);
        if (!hs)
            *ret = send_rpc_error(st, 404, -32001, "Session not found: initialize a new session");
        return hs;
    }
    if (is_initialize(msg)) {
        if (h->nsessions >= h->max_sessions) {
            *ret = send_rpc_error(st, 503, -32000, "Too many sessions; try again later");
            return NULL;
        }
        *created = true;
        return hsession_new(h, false);
    }
    *ret = send_rpc_error(st, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    return NULL;
}

static bool json_content_type(const char *ct)
{
    return ct && strncasecmp(ct, "application/json", 16) == 0 &&
           (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

static enum MHD_Result handle_post(struct stream *st)
{
    struct osr_rpc_msg m;
    struct hsession *hs;
    enum MHD_Result ret = MHD_YES;
    bool created, expects;

    if (!json_content_type(header(st, "Content-Type")))
        return send_rpc_error(st, 415, -32000,
                              "Unsupported Media Type: send Content-Type: application/json");
    if (st->too_big)
        return send_rpc_error(st, 413, OSR_RPC_INVALID_REQUEST,
                              "Payload Too Large: the request exceeds the payload limit");
    osr_rpc_parse(&m, st->body.ptr, st->body.len);
    if (!m.json)
        return send_rpc_error(st, 400, m.error_code, m.error_message);
    hs = session_for_post(st, m.json, &created, &ret);
    if (!hs) {
        osr_rpc_msg_dispose(&m);
        return ret;
    }
    if (hs->stateless) {
        const char *mismatch = header_mismatch(st, m.json);
        st->modern = true;
        if (mismatch) {
            ret = send_rpc_error_id(st, 400, json_object_get(m.json, "id"), OSR_RPC_HEADER_MISMATCH,
                                    mismatch);
            osr_rpc_msg_dispose(&m);
            hsession_free(hs);
            return ret;
        }
    } else if (!created && !version_header_ok(st, hs)) {
        osr_rpc_msg_dispose(&m);
        return send_rpc_error(st, 400, -32000,
                              "Bad Request: unsupported or mismatched MCP-Protocol-Version");
    }
    st->hs = hs;
    hs->last_used_ms = osr_now_ms();
    expects = osr_mcp_session_handle_json(hs->session, m.json, st);
    if ((created && !osr_mcp_session_initialized(hs->session)) ||
        (hs->stateless && (st->final || !expects))) {
        /* A failed initialize, or a stateless exchange already complete: its answer is
         * queued on the stream and the session is not needed any more. */
        hsession_free(hs);
        st->hs = NULL;
        created = false;
    }
    if (!expects)
        return send_body(st, 202, NULL, "", NULL);
    return answer_post(st, hs, created);
}

static enum MHD_Result handle_get(struct stream *st)
{
    const char *sid = header(st, "Mcp-Session-Id");
    const char *accept = header(st, "Accept");
    struct hsession *hs;

    if (!accept || !strstr(accept, "text/event-stream"))
        return send_body(st, 406, "text/plain", "Not Acceptable: GET serves text/event-stream\n",
                         NULL);
    if (!sid)
        return send_rpc_error(st, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    hs = hsession_find(st->h, sid);
    if (!hs)
        return send_rpc_error(st, 404, -32001, "Session not found");
    if (hs->get_stream && peer_gone(hs->get_stream))
        drop_stream(hs->get_stream);
    if (hs->get_stream)
        return send_rpc_error(st, 409, -32000, "Conflict: this session already has a GET stream");
    st->is_get = true;
    st->hs = hs;
    hs->get_stream = st;
    hs->last_used_ms = osr_now_ms();
    return start_sse(st, NULL);
}

static enum MHD_Result handle_delete(struct stream *st)
{
    const char *sid = header(st, "Mcp-Session-Id");
    struct hsession *hs;

    if (!sid)
        return send_rpc_error(st, 400, -32000, "Bad Request: Mcp-Session-Id header is required");
    hs = hsession_find(st->h, sid);
    if (!hs)
        return send_rpc_error(st, 404, -32001, "Session not found");
    hsession_free(hs);
    return send_body(st, 200, NULL, "", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *data_size, void **con_cls)
{
    struct stream *st = *con_cls;
    enum MHD_Result ret = MHD_YES;

    OSR_UNUSED(version);
    if (!st) {
        st = stream_new(cls, conn);
        *con_cls = st;
        if (precheck(st, url, method, &ret))
            st->handled = true;
        return ret;
    }
    if (*data_size) {
        if (!st->handled && !st->too_big && osr_buf_put(&st->body, data, *data_size) < 0)
            st->too_big = true; /* the rest of the body is read and dropped */
        *data_size = 0;
        return MHD_YES;
    }
    if (st->handled)
        return MHD_YES;
    st->handled = true;
    if (strcmp(method, "POST") == 0)
        return handle_post(st);
    if (strcmp(method, "GET") == 0)
        return handle_get(st);
    return handle_delete(st);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct stream *st = *con_cls;

    OSR_UNUSED(cls);
    OSR_UNUSED(conn);
    OSR_UNUSED(toe);
    if (!st)
        return;
    if (st->hs) {
        if (st->hs->get_stream == st)
            st->hs->get_stream = NULL;
        if (st->hs->stateless)
            hsession_free(st->hs); /* closing the stream cancels what it was waiting for */
        else if (!st->final)
            osr_mcp_session_origin_closed(st->hs->session, st);
    }
    stream_free(st);
    *con_cls = NULL;
}

/* ---- loop glue ---- */

static void on_epoll(osr_loop *loop, int fd, short revents, void *payload)
{
    osr_mcp_http *h = payload;

    OSR_UNUSED(loop);
    OSR_UNUSED(fd);
    OSR_UNUSED(revents);
    h->mhd->run(h->daemon);
}

static long prepare(osr_loop *loop, void *payload)
{
    osr_mcp_http *h = payload;
    MHD_UNSIGNED_LONG_LONG ms;

    OSR_UNUSED(loop);
    h->mhd->run(h->daemon);
    if (osr_now_ms() - h->last_sweep_ms > SWEEP_EVERY_MS)
        sweep_sessions(h);
    if (h->mhd->get_timeout(h->daemon, &ms) == MHD_YES)
        return ms > SWEEP_EVERY_MS ? (long)SWEEP_EVERY_MS : (long)ms;
    return (long)SWEEP_EVERY_MS;
}

/* ---- start and stop ---- */

static int parse_listen(const char *listen, struct sockaddr_storage *sa, socklen_t *len,
                        bool *loopback)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICSERV, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    const char *colon = strrchr(listen, ':');
    char host[256];
    size_t hl;
    int rc;

    if (!colon || colon == listen)
        return osr_error_set(-OSR_EINVAL, "listen address '%s' must be HOST:PORT", listen);
    hl = (size_t)(colon - listen);
    if (listen[0] == '[' && hl >= 2 && listen[hl - 1] == ']')
        snprintf(host, sizeof(host), "%.*s", (int)(hl - 2), listen + 1);
    else
        snprintf(host, sizeof(host), "%.*s", (int)hl, listen);
    rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0 || !res)
        return osr_error_set(-OSR_EINVAL, "cannot resolve listen address '%s': %s", listen,
                             gai_strerror(rc));
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    if (res->ai_family == AF_INET)
        *loopback = (ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) >> 24) == 127;
    else
        *loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr);
    freeaddrinfo(res);
    return 0;
}

static int load_token(osr_mcp_http *h, const char *file)
{
    const char *env = getenv("OSIRIS_MCP_TOKEN");
    struct osr_buf b;
    int rc;

    if (file) {
        if ((rc = osr_fs_read_file(&b, file, 4096)) < 0)
            return rc;
        while (b.len &&
               (b.ptr[b.len - 1] == '\n' || b.ptr[b.len - 1] == '\r' || b.ptr[b.len - 1] == ' '))
            b.ptr[--b.len] = '\0';
        h->token = osr_buf_take(&b);
    } else if (env && *env) {
        h->token = osr_xstrdup(env);
    }
    if (h->token && strlen(h->token) < 16)
        return osr_error_set(-OSR_EINVAL, "the bearer token must be at least 16 characters");
    return 0;
}

static int start_daemon(osr_mcp_http *h, const struct sockaddr_storage *sa)
{
    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    const union MHD_DaemonInfo *info;

    if (sa->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    h->daemon = h->mhd->start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, sa,
                                     MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned)4096,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600, MHD_OPTION_END);
    if (!h->daemon)
        return osr_error_set(-OSR_EIO, "cannot listen on the requested address (in use?)");
    info = h->mhd->get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    h->epoll_fd = info ? info->epoll_fd : -1;
    info = h->mhd->get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    if (h->epoll_fd < 0)
        return osr_error_set(-OSR_EIO, "libmicrohttpd gave no epoll descriptor");
    return 0;
}

int osr_mcp_http_start(osr_mcp_http **out, osr_mcp_server *s, const struct osr_mcp_http_opts *o)
{
    osr_mcp_http *h = osr_xcalloc(1, sizeof(*h));
    struct sockaddr_storage sa;
    socklen_t salen;
    int rc;

    *out = NULL;
    h->server = s;
    h->loop = osr_mcp_server_loop(s);
    h->payload_limit = o->payload_limit;
    h->max_sessions = o->max_sessions ? o->max_sessions : DEFAULT_MAX_SESSIONS;
    h->epoll_fd = -1;
    for (size_t i = 0; o->allowed_origins && i < o->allowed_origins->n; i++)
        osr_strv_push(&h->origins, o->allowed_origins->v[i]);
    if (o->allow_origin)
        osr_strv_push(&h->origins, o->allow_origin);
    if (!(h->mhd = osr_mhd_api_get()) ||
        (rc = parse_listen(o->listen, &sa, &salen, &h->loopback_only)) < 0 ||
        (rc = load_token(h, o->token_file)) < 0)
        goto fail;
    if (!h->loopback_only && !h->token) {
        osr_error_set(-OSR_EPOLICY,
                      "listening on %s (not loopback) needs a bearer token: pass "
                      "--auth-token-file or set OSIRIS_MCP_TOKEN",
                      o->listen);
        goto fail;
    }
    if (start_daemon(h, &sa) < 0)
        goto fail;
    h->last_sweep_ms = osr_now_ms();
    osr_loop_add_fd(h->loop, h->epoll_fd, POLLIN, on_epoll, h);
    osr_loop_add_hooks(h->loop, prepare, NULL, h);
    fprintf(stderr, "osiris mcp: listening on http://%s:%u/mcp\n",
            sa.ss_family == AF_INET6 ? "[::1]" : "127.0.0.1", h->port);
    if (!h->loopback_only)
        fprintf(stderr, "osiris mcp: bound to %s; requests need the bearer token\n", o->listen);
    *out = h;
    return 0;
fail:
    osr_mcp_http_stop(h);
    return -OSR_EINVAL;
}

void osr_mcp_http_stop(osr_mcp_http *h)
{
    if (!h)
        return;
    h->stopping = true;
    if (h->epoll_fd >= 0)
        osr_loop_remove_fd(h->loop, h->epoll_fd);
    while (h->sessions)
        hsession_free(h->sessions);
    for (struct stream *st = h->streams; st; st = st->next)
        wake(st);
    if (h->daemon)
        h->mhd->stop_daemon(h->daemon);
    while (h->streams)
        stream_free(h->streams);
    if (h->token)
        explicit_bzero(h->token, strlen(h->token));
    free(h->token);
    osr_strv_dispose(&h->origins);
    free(h);
}

unsigned osr_mcp_http_port(const osr_mcp_http *h)
{
    return h->port;
}
