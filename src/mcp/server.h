/*
 * server.h - the MCP protocol engine: sessions, requests, and the registries of tools,
 * resources, resource templates and prompts.
 *
 * The engine knows nothing about transports. A transport creates a session with a sink
 * (how messages leave it) and feeds it every message it reads; the engine answers through
 * the sink. Messages that belong to a request carry the transport's `origin` for that
 * request (an HTTP POST stream, say), and the last one of a request is marked final.
 *
 * Handlers may answer at once or later: a tool that waits on a child process keeps its
 * osr_mcp_req and answers when the child is done. All of this runs on one event loop.
 */
#ifndef OSR_MCP_SERVER_H
#define OSR_MCP_SERVER_H

#include "core/loop.h"

#include <jansson.h>

typedef struct osr_mcp_server osr_mcp_server;
typedef struct osr_mcp_session osr_mcp_session;
typedef struct osr_mcp_req osr_mcp_req;

/* How a session's messages leave it. `msg` is borrowed for the duration of the call.
 * `origin` is the transport's handle of the request the message belongs to (NULL for
 * messages that belong to no request); `final` marks a request's response. */
struct osr_mcp_sink {
    void (*send)(void *ctx, json_t *msg, void *origin, bool final);
    void *ctx;
};

struct osr_mcp_server_opts {
    const char *name;    /* serverInfo.name */
    const char *title;   /* serverInfo.title */
    const char *version; /* serverInfo.version */
    const char *instructions;
};

osr_mcp_server *osr_mcp_server_new(osr_loop *loop, const struct osr_mcp_server_opts *opts);
void osr_mcp_server_free(osr_mcp_server *s);
osr_loop *osr_mcp_server_loop(osr_mcp_server *s);

/* Protocol versions, newest first; the stateless revision is separate. */
extern const char *const osr_mcp_versions[];
#define OSR_MCP_MODERN_VERSION "2026-07-28"
bool osr_mcp_version_supported(const char *v);

/* ---- registries (entries are copied; json_t arguments are borrowed) ---- */

/* Returns 0 when the handler answered (or will answer) the request; the handler owns the
 * request until it calls one of the answer functions below. */
typedef void (*osr_mcp_tool_fn)(osr_mcp_req *req, json_t *args, void *payload);
typedef void (*osr_mcp_read_fn)(osr_mcp_req *req, const char *uri, json_t *vars, void *payload);
typedef void (*osr_mcp_prompt_fn)(osr_mcp_req *req, json_t *args, void *payload);
/* Fills `values` (an array) with completions for argument `name` starting with `value`. */
typedef void (*osr_mcp_complete_fn)(const char *name, const char *value, json_t *values,
                                    void *payload);

struct osr_mcp_tool {
    const char *name, *title, *description;
    json_t *input_schema, *output_schema, *annotations;
    osr_mcp_tool_fn call;
    void *payload;
};

struct osr_mcp_resource {
    const char *uri, *name, *title, *description, *mime_type;
    osr_mcp_read_fn read;
    void *payload;
};

/* uri_template uses {name} placeholders, each matching one path segment. */
struct osr_mcp_template {
    const char *uri_template, *name, *title, *description, *mime_type;
    osr_mcp_read_fn read;
    osr_mcp_complete_fn complete;
    void *payload;
};

struct osr_mcp_prompt {
    const char *name, *title, *description;
    json_t *arguments; /* [{name, description, required}] */
    osr_mcp_prompt_fn get;
    osr_mcp_complete_fn complete;
    void *payload;
};

void osr_mcp_add_tool(osr_mcp_server *s, const struct osr_mcp_tool *t);
/* Another name that dispatches to `canonical` and is not listed by tools/list. */
void osr_mcp_add_tool_alias(osr_mcp_server *s, const char *alias, const char *canonical);
void osr_mcp_add_resource(osr_mcp_server *s, const struct osr_mcp_resource *r);
void osr_mcp_add_template(osr_mcp_server *s, const struct osr_mcp_template *t);
void osr_mcp_add_prompt(osr_mcp_server *s, const struct osr_mcp_prompt *p);
/* Sends notifications/resources/updated to every session subscribed to `uri`. */
void osr_mcp_server_resource_updated(osr_mcp_server *s, const char *uri);

/* Called after each session's initialize was answered (client_info borrowed, may be NULL). */
void osr_mcp_server_on_initialize(osr_mcp_server *s,
                                  void (*fn)(osr_mcp_session *ss, json_t *client_info,
                                             void *payload),
                                  void *payload);

/* ---- sessions ---- */

osr_mcp_session *osr_mcp_session_new(osr_mcp_server *s, const struct osr_mcp_sink *sink);
/* Marks a session whose every request must use the stateless revision (the HTTP
 * transport's session for requests without Mcp-Session-Id). */
void osr_mcp_session_set_stateless(osr_mcp_session *ss);
/* True when `req` is served under the stateless revision. */
bool osr_mcp_req_is_modern(const osr_mcp_req *req);
/* Cancels the session's requests (their cancel hooks run) and frees it. */
void osr_mcp_session_free(osr_mcp_session *ss);
/* Feeds one raw message. Returns true when the message calls for a response (so an HTTP
 * transport knows whether to answer 202). */
bool osr_mcp_session_handle_text(osr_mcp_session *ss, const char *text, size_t len, void *origin);
bool osr_mcp_session_handle_json(osr_mcp_session *ss, json_t *msg, void *origin);
/* The transport can no longer deliver to `origin` (client went away). */
void osr_mcp_session_origin_closed(osr_mcp_session *ss, void *origin);
/* Sends a message that belongs to no request (through the sink, origin NULL). */
void osr_mcp_session_send(osr_mcp_session *ss, json_t *msg);
const char *osr_mcp_session_id(const osr_mcp_session *ss);
const char *osr_mcp_session_version(const osr_mcp_session *ss); /* "" before initialize */
bool osr_mcp_session_initialized(const osr_mcp_session *ss);
size_t osr_mcp_session_inflight(const osr_mcp_session *ss);

/* ---- answering requests ---- */

/* Answers with `result` (stolen). */
void osr_mcp_req_respond(osr_mcp_req *req, json_t *result);
/* Answers with a JSON-RPC error; `data` is stolen and may be NULL. */
void osr_mcp_req_error(osr_mcp_req *req, int code, const char *message, json_t *data);
/* Answers a tools/call: `content` (stolen, may be NULL) and `structured` (stolen, may be
 * NULL; when content is NULL its JSON becomes the one text item). */
void osr_mcp_req_tool_result(osr_mcp_req *req, json_t *content, json_t *structured, bool is_error);
/* A tools/call failure with one text item. */
void osr_mcp_req_tool_error_text(osr_mcp_req *req, const char *text);

void osr_mcp_req_progress(osr_mcp_req *req, double progress, double total, const char *message);
/* notifications/message at `level` (syslog names), if the session's level lets it through. */
void osr_mcp_req_log(osr_mcp_req *req, const char *level, const char *logger, json_t *data);

/* Asks the client (sampling/createMessage, elicitation/create...). `done` gets the result
 * or the error object (borrowed) once the client answers; not called if the request is
 * cancelled first. Returns -1 when the client did not declare `capability`. */
typedef void (*osr_mcp_reply_fn)(osr_mcp_req *req, json_t *result, json_t *error, void *payload);
int osr_mcp_req_ask_client(osr_mcp_req *req, const char *capability, const char *method,
                           json_t *params, osr_mcp_reply_fn done, void *payload);

/* Called (once) if the client cancels the request or the session ends first; the hook
 * must release what the handler holds. The request is freed right after. */
void osr_mcp_req_on_cancel(osr_mcp_req *req, void (*hook)(osr_mcp_req *req, void *payload),
                           void *payload);
osr_loop *osr_mcp_req_loop(osr_mcp_req *req);
osr_mcp_session *osr_mcp_req_session(osr_mcp_req *req);
json_t *osr_mcp_req_params(osr_mcp_req *req);
const char *osr_mcp_req_method(const osr_mcp_req *req);
const char *osr_mcp_req_correlation_id(const osr_mcp_req *req);
bool osr_mcp_req_client_has(const osr_mcp_req *req, const char *capability);

#endif
