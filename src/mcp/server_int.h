/*
 * server_int.h - structures shared by the engine's own files (server.c, methods.c).
 * Nothing outside src/mcp/server*.c and methods.c includes this header.
 */
#ifndef OSR_MCP_SERVER_INT_H
#define OSR_MCP_SERVER_INT_H

#include "core/strv.h"
#include "mcp/server.h"

struct tool_entry {
    char *name, *title, *description;
    json_t *input_schema, *output_schema, *annotations;
    osr_mcp_tool_fn call;
    void *payload;
};

struct resource_entry {
    char *uri, *name, *title, *description, *mime_type;
    osr_mcp_read_fn read;
    void *payload;
};

struct template_entry {
    char *uri_template, *name, *title, *description, *mime_type;
    osr_mcp_read_fn read;
    osr_mcp_complete_fn complete;
    void *payload;
};

struct prompt_entry {
    char *name, *title, *description;
    json_t *arguments;
    osr_mcp_prompt_fn get;
    osr_mcp_complete_fn complete;
    void *payload;
};

struct alias_entry {
    char *alias, *canonical;
};

struct osr_mcp_server {
    osr_loop *loop;
    char *name, *title, *version, *instructions;
    struct tool_entry *tools;
    size_t ntools, tools_cap;
    struct alias_entry *aliases;
    size_t naliases, aliases_cap;
    struct resource_entry *resources;
    size_t nresources, resources_cap;
    struct template_entry *templates;
    size_t ntemplates, templates_cap;
    struct prompt_entry *prompts;
    size_t nprompts, prompts_cap;
    osr_mcp_session *sessions; /* linked through next */
    void (*on_initialize)(osr_mcp_session *ss, json_t *client_info, void *payload);
    void *on_initialize_payload;
};

struct batch {
    json_t *responses;
    size_t pending;
    void *origin;
    bool closed; /* every member has been dispatched */
};

struct pending_call {
    json_t *id;
    osr_mcp_req *req;
    osr_mcp_reply_fn done;
    void *payload;
    struct pending_call *next;
};

struct osr_mcp_session {
    osr_mcp_server *server;
    struct osr_mcp_sink sink;
    char id[33];
    char version[16]; /* negotiated; "" before initialize */
    bool initialized; /* initialize answered */
    bool ready;       /* notifications/initialized received */
    json_t *client_caps, *client_info;
    int log_level;
    osr_mcp_req *reqs; /* in flight */
    struct pending_call *pending;
    uint64_t out_seq, req_seq;
    struct osr_strv subscriptions;
    bool stateless; /* every request must use the stateless revision */
    osr_mcp_session *next;
};

struct osr_mcp_req {
    osr_mcp_session *session;
    json_t *id;
    char *method;
    json_t *params;
    json_t *progress_token;
    json_t *modern_meta; /* the stateless revision's _meta, when the request used it */
    int log_level;       /* modern requests: from _meta; -1 sends no log messages */
    void *origin;
    struct batch *batch;
    bool done, in_dispatch;
    void (*cancel_hook)(osr_mcp_req *req, void *payload);
    void *cancel_payload;
    char correlation_id[24];
    osr_mcp_req *next;
};

/* methods.c */
typedef void (*method_fn)(osr_mcp_req *req, json_t *params);
method_fn osr_mcp__method_find(const char *method, bool *before_init_ok);
void osr_mcp__registries_free(osr_mcp_server *s);
json_t *osr_mcp__capabilities(void);
json_t *osr_mcp__server_info(const osr_mcp_server *s);
int osr_mcp__log_level_index(const char *level);
/* server.c: every version the server speaks, stateless revision first (new reference). */
json_t *osr_mcp__supported_versions(void);
/* methods.c: ttlMs and cacheScope on results of the stateless revision. */
void osr_mcp__cache_hints(osr_mcp_req *req, json_t *result);

#endif
