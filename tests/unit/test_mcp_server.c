/*
 * test_mcp_server.c - the MCP protocol engine (mcp/server.h) driven through an in-memory
 * sink.
 *
 * Every message the engine sends is copied into a JSON array with its origin and whether it
 * was final, so a test feeds text with osr_mcp_session_handle_text and reads back exactly
 * what a transport would have written. The server has real registrations (a tool with an
 * inputSchema, tools answering later from osr_loop timers, a tool that asks the client, a
 * resource, a template, prompts with completions) and runs on a real osr_loop. Covers the
 * lifecycle (version negotiation, requests before initialize), pagination, tools/call
 * validation, asynchronous answers, cancellation, server-to-client requests, resources
 * (template matching included) and subscriptions, prompts, completion, logging levels, progress,
 * batches (2025-03-26 only), the stateless 2026-07-28 revision, correlation ids, and freeing a
 * session with requests in flight. JSON in this file is written with single quotes; feed() turns
 * them into double quotes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "mcp/jsonrpc.h"
#include "mcp/server.h"

#include <ctype.h>

#define ORIGIN(n) ((void *)(intptr_t)(n))
#define NTOOLS 120
#define MODERN_META                                                                                \
    "'_meta':{'io.modelcontextprotocol/protocolVersion':'2026-07-28',"                             \
    "'io.modelcontextprotocol/clientCapabilities':{}}"

/* Collects what a session sends: entries {msg, origin (integer or null), final}. */
struct sink {
    json_t *sent;
    size_t next; /* first entry not yet taken by the test */
};

struct env {
    osr_loop *loop;
    osr_mcp_server *srv;
    struct sink sink, sink2;
    osr_mcp_session *ss, *ss2;
    int cancels;    /* cancel hooks run */
    int slow_done;  /* slow tools answered by their timer */
    int replies;    /* client answers delivered to tools */
    int tool_calls; /* calls that reached a tool handler */
    char corr[2][24];
    size_t ncorr;
};

static void sink_send(void *ctx, json_t *msg, void *origin, bool final)
{
    struct sink *k = ctx;
    json_t *o = origin ? json_integer((json_int_t)(intptr_t)origin) : json_null();

    json_array_append_new(k->sent, json_pack("{s:o, s:o, s:b}", "msg", json_deep_copy(msg),
                                             "origin", o, "final", final));
}

/* ---- tools, resources, prompts ---- */

static void tool_echo(osr_mcp_req *req, json_t *args, void *payload)
{
    struct env *e = payload;
    e->tool_calls++;
    osr_mcp_req_tool_result(req, NULL, json_pack("{s:O}", "echo", args), false);
}

struct slow_call {
    struct env *e;
    osr_mcp_req *req;
    uint64_t timer;
};

static void slow_fire(osr_loop *loop, void *payload)
{
    struct slow_call *c = payload;
    OSR_UNUSED(loop);
    c->e->slow_done++;
    osr_mcp_req_tool_result(c->req, NULL, json_pack("{s:b}", "slow", 1), false);
    free(c);
}

static void slow_cancel(osr_mcp_req *req, void *payload)
{
    struct slow_call *c = payload;
    c->e->cancels++;
    osr_loop_cancel_timer(osr_mcp_req_loop(req), c->timer);
    free(c);
}

/* Answers from a loop timer after `ms` milliseconds (default 20). */
static void tool_slow(osr_mcp_req *req, json_t *args, void *payload)
{
    struct slow_call *c = osr_xcalloc(1, sizeof(*c));
    json_t *ms = json_object_get(args, "ms");

    c->e = payload;
    c->e->tool_calls++;
    c->req = req;
    c->timer = osr_loop_add_timer(osr_mcp_req_loop(req),
                                  json_is_integer(ms) ? (uint64_t)json_integer_value(ms) : 20,
                                  slow_fire, c);
    osr_mcp_req_on_cancel(req, slow_cancel, c);
}

static void on_reply(osr_mcp_req *req, json_t *result, json_t *error, void *payload)
{
    struct env *e = payload;
    e->replies++;
    if (error)
        osr_mcp_req_tool_error_text(req, json_string_value(json_object_get(error, "message")));
    else
        osr_mcp_req_tool_result(req, NULL, json_pack("{s:O}", "client", result), false);
}

static void count_cancel(osr_mcp_req *req, void *payload)
{
    struct env *e = payload;
    OSR_UNUSED(req);
    e->cancels++;
}

static void tool_ask(osr_mcp_req *req, json_t *args, void *payload)
{
    OSR_UNUSED(args);
    if (osr_mcp_req_ask_client(req, "sampling", "sampling/createMessage",
                               json_pack("{s:i}", "maxTokens", 5), on_reply, payload) < 0) {
        osr_mcp_req_tool_error_text(req, "client cannot sample");
        return;
    }
    osr_mcp_req_on_cancel(req, count_cancel, payload);
}

static void tool_log(osr_mcp_req *req, json_t *args, void *payload)
{
    static const char *const levels[] = {"debug", "info", "warning", "error"};

    OSR_UNUSED(args);
    OSR_UNUSED(payload);
    for (size_t i = 0; i < OSR_ARRAY_LEN(levels); i++)
        osr_mcp_req_log(req, levels[i], "unit", json_string(levels[i]));
    osr_mcp_req_tool_result(req, NULL, json_pack("{s:b}", "logged", 1), false);
}

static void tool_progress(osr_mcp_req *req, json_t *args, void *payload)
{
    OSR_UNUSED(args);
    OSR_UNUSED(payload);
    osr_mcp_req_progress(req, 1, 2, "half");
    osr_mcp_req_tool_result(req, NULL, json_pack("{s:b}", "done", 1), false);
}

static void tool_corr(osr_mcp_req *req, json_t *args, void *payload)
{
    struct env *e = payload;
    OSR_UNUSED(args);
    if (e->ncorr < OSR_ARRAY_LEN(e->corr))
        snprintf(e->corr[e->ncorr++], sizeof(e->corr[0]), "%s", osr_mcp_req_correlation_id(req));
    osr_mcp_req_tool_result(req, NULL, json_pack("{s:s}", "id", osr_mcp_req_correlation_id(req)),
                            false);
}

static void tool_filler(osr_mcp_req *req, json_t *args, void *payload)
{
    OSR_UNUSED(args);
    OSR_UNUSED(payload);
    osr_mcp_req_tool_result(req, NULL, NULL, false);
}

static void read_static(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    OSR_UNUSED(payload);
    assert_null(vars);
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                       "text/plain", "text", "static text"));
}

static void read_item(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    const char *id = json_string_value(json_object_get(vars, "id"));
    char text[128];

    OSR_UNUSED(payload);
    snprintf(text, sizeof(text), "item %s", id ? id : "?");
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s}], s:O}", "contents", "uri", uri, "text",
                                       text, "vars", vars));
}

static void complete_from(const char *const *words, size_t n, const char *value, json_t *values)
{
    for (size_t i = 0; i < n; i++) {
        if (strncmp(words[i], value, strlen(value)) == 0)
            json_array_append_new(values, json_string(words[i]));
    }
}

static void complete_item(const char *name, const char *value, json_t *values, void *payload)
{
    static const char *const ids[] = {"alpha", "alpine", "beta"};
    OSR_UNUSED(payload);
    if (strcmp(name, "id") == 0)
        complete_from(ids, OSR_ARRAY_LEN(ids), value, values);
}

static void get_greet(osr_mcp_req *req, json_t *args, void *payload)
{
    char text[160];

    OSR_UNUSED(payload);
    snprintf(text, sizeof(text), "Hello %s", json_string_value(json_object_get(args, "name")));
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:{s:s, s:s}}]}", "messages", "role", "user",
                                       "content", "type", "text", "text", text));
}

static void complete_greet(const char *name, const char *value, json_t *values, void *payload)
{
    static const char *const names[] = {"Ada", "Alan", "Grace"};
    OSR_UNUSED(payload);
    if (strcmp(name, "name") == 0)
        complete_from(names, OSR_ARRAY_LEN(names), value, values);
}

static void complete_many(const char *name, const char *value, json_t *values, void *payload)
{
    char word[16];

    OSR_UNUSED(name);
    OSR_UNUSED(value);
    OSR_UNUSED(payload);
    for (int i = 0; i < 150; i++) {
        snprintf(word, sizeof(word), "v%03d", i);
        json_array_append_new(values, json_string(word));
    }
}

static void register_all(struct env *e)
{
    json_t *schema = json_loads("{\"type\":\"object\",\"properties\":{"
                                "\"text\":{\"type\":\"string\"},"
                                "\"samples\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":100}},"
                                "\"required\":[\"text\"],\"additionalProperties\":false}",
                                0, NULL);
    json_t *open = json_pack("{s:s}", "type", "object");
    json_t *args = json_pack("[{s:s, s:b}, {s:s}]", "name", "name", "required", 1, "name", "tone");
    struct osr_mcp_tool tools[] = {
        {"echo", "Echo", "Echoes its arguments", schema, NULL, NULL, tool_echo, e},
        {"slow", NULL, "Answers from a timer", open, NULL, NULL, tool_slow, e},
        {"ask", NULL, "Asks the client", open, NULL, NULL, tool_ask, e},
        {"log", NULL, "Logs at four levels", open, NULL, NULL, tool_log, e},
        {"progress", NULL, "Reports progress", open, NULL, NULL, tool_progress, e},
        {"corr", NULL, "Returns its correlation id", open, NULL, NULL, tool_corr, e},
    };
    struct osr_mcp_resource res = {"mem://static", "static",    NULL, NULL,
                                   "text/plain",   read_static, e};
    struct osr_mcp_template tpl = {"mem://item/{id}", "item",    NULL,          NULL,
                                   "text/plain",      read_item, complete_item, e};
    struct osr_mcp_template doc = {
        "mem://doc/{name}.txt", "doc", NULL, NULL, NULL, read_item, NULL, e};
    struct osr_mcp_prompt greet = {"greet",        "Greet", "Says hello", args, get_greet,
                                   complete_greet, e};
    struct osr_mcp_prompt many = {"many", NULL, NULL, NULL, get_greet, complete_many, e};
    char name[32];

    assert_non_null(schema);
    for (size_t i = 0; i < OSR_ARRAY_LEN(tools); i++)
        osr_mcp_add_tool(e->srv, &tools[i]);
    /* Fillers up to NTOOLS, with the default schema (an object without properties). */
    for (size_t i = OSR_ARRAY_LEN(tools); i < NTOOLS; i++) {
        struct osr_mcp_tool t = {name, NULL, NULL, NULL, NULL, NULL, tool_filler, e};
        snprintf(name, sizeof(name), "filler-%03zu", i);
        osr_mcp_add_tool(e->srv, &t);
    }
    osr_mcp_add_tool_alias(e->srv, "say", "echo");
    osr_mcp_add_resource(e->srv, &res);
    osr_mcp_add_template(e->srv, &tpl);
    osr_mcp_add_template(e->srv, &doc);
    osr_mcp_add_prompt(e->srv, &greet);
    osr_mcp_add_prompt(e->srv, &many);
    /* The registries keep copies. */
    json_decref(schema);
    json_decref(open);
    json_decref(args);
}

static int env_setup(void **state)
{
    struct env *e = osr_xcalloc(1, sizeof(*e));
    struct osr_mcp_server_opts opts = {"osiris-test", "Osiris Test", "9.9.9", "Use the tools."};
    struct osr_mcp_sink sink = {sink_send, &e->sink};

    e->loop = osr_loop_new();
    e->srv = osr_mcp_server_new(e->loop, &opts);
    e->sink.sent = json_array();
    e->sink2.sent = json_array();
    register_all(e);
    e->ss = osr_mcp_session_new(e->srv, &sink);
    *state = e;
    return 0;
}

static int env_teardown(void **state)
{
    struct env *e = *state;

    osr_mcp_server_free(e->srv); /* frees the sessions left, running their cancel hooks */
    osr_loop_free(e->loop);
    json_decref(e->sink.sent);
    json_decref(e->sink2.sent);
    free(e);
    return 0;
}

static osr_mcp_session *second_session(struct env *e)
{
    struct osr_mcp_sink sink = {sink_send, &e->sink2};

    if (!e->ss2)
        e->ss2 = osr_mcp_session_new(e->srv, &sink);
    return e->ss2;
}

/* ---- driving a session ---- */

static bool feed(osr_mcp_session *ss, void *origin, const char *fmt, ...) OSR_PRINTF(3, 4);

/* Formats a message written with single quotes and hands it to the session. */
static bool feed(osr_mcp_session *ss, void *origin, const char *fmt, ...)
{
    char text[8192];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    assert_true(n > 0 && (size_t)n < sizeof(text));
    for (char *p = text; *p; p++) {
        if (*p == '\'')
            *p = '"';
    }
    return osr_mcp_session_handle_text(ss, text, (size_t)n, origin);
}

/* Compact text of `j` for failure messages (a static buffer). */
static const char *show(const json_t *j)
{
    static char buf[2048];
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

    snprintf(buf, sizeof(buf), "%s", text ? text : "(null)");
    free(text);
    return buf;
}

static size_t waiting(const struct sink *k)
{
    return json_array_size(k->sent) - k->next;
}

/* The next message sent (borrowed until teardown); checks its origin and finality. */
static json_t *take(struct sink *k, void *origin, bool final)
{
    json_t *entry, *o;

    if (waiting(k) == 0)
        fail_msg("expected a message, none was sent");
    entry = json_array_get(k->sent, k->next++);
    o = json_object_get(entry, "origin");
    if (origin)
        assert_int_equal(json_integer_value(o), (intptr_t)origin);
    else
        assert_true(json_is_null(o));
    if (json_is_true(json_object_get(entry, "final")) != final)
        fail_msg("message %s: final should be %d", show(entry), final);
    return json_object_get(entry, "msg");
}

static void expect_nothing(struct sink *k)
{
    if (waiting(k))
        fail_msg("unexpected message: %s", show(json_array_get(k->sent, k->next)));
}

static json_t *result_of(json_t *msg)
{
    json_t *r = json_object_get(msg, "result");

    if (!r)
        fail_msg("expected a result: %s", show(msg));
    return r;
}

/* Checks an error response's id and code; returns its message. */
static const char *error_of(json_t *msg, json_int_t id, int code)
{
    json_t *err = json_object_get(msg, "error");

    if (!err)
        fail_msg("expected error %d: %s", code, show(msg));
    if (id < 0)
        assert_true(json_is_null(json_object_get(msg, "id")));
    else
        assert_int_equal(json_integer_value(json_object_get(msg, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(err, "code")), code);
    return json_string_value(json_object_get(err, "message"));
}

static const char *str_at(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s)
        fail_msg("no string '%s'", key);
    return s;
}

/* Sends a request with id `id` and origin `id`; returns its (only) response. */
static json_t *call(struct env *e, int id, const char *method, const char *params)
{
    json_t *msg;

    assert_true(feed(e->ss, ORIGIN(id), "{'jsonrpc':'2.0','id':%d,'method':'%s','params':%s}", id,
                     method, params));
    msg = take(&e->sink, ORIGIN(id), true);
    assert_int_equal(json_integer_value(json_object_get(msg, "id")), id);
    expect_nothing(&e->sink);
    return msg;
}

static void initialize_as(osr_mcp_session *ss, struct sink *k, const char *version,
                          const char *caps)
{
    json_t *r;

    assert_true(feed(ss, ORIGIN(1000),
                     "{'jsonrpc':'2.0','id':1000,'method':'initialize','params':{"
                     "'protocolVersion':'%s','capabilities':%s,"
                     "'clientInfo':{'name':'unit','version':'1'}}}",
                     version, caps));
    r = result_of(take(k, ORIGIN(1000), true));
    assert_string_equal(str_at(r, "protocolVersion"), version);
    assert_false(feed(ss, NULL, "{'jsonrpc':'2.0','method':'notifications/initialized'}"));
    expect_nothing(k);
}

static void initialize(struct env *e)
{
    initialize_as(e->ss, &e->sink, "2025-06-18", "{'sampling':{}}");
}

/* Runs the loop until the sink has a message or two seconds pass. */
static void pump(struct env *e, struct sink *k)
{
    uint64_t end = osr_now_ms() + 2000;

    while (waiting(k) == 0 && osr_now_ms() < end)
        assert_int_equal(osr_loop_run_once(e->loop, 50), 0);
}

/* The text of a tool result's first content item. */
static const char *tool_text(json_t *result)
{
    json_t *item = json_array_get(json_object_get(result, "content"), 0);
    return str_at(item, "text");
}

/* ---- lifecycle ---- */

static void test_initialize(void **state)
{
    struct env *e = *state;
    json_t *msg, *r;

    assert_false(osr_mcp_session_initialized(e->ss));
    assert_string_equal(osr_mcp_session_version(e->ss), "");
    assert_true(feed(e->ss, ORIGIN(3),
                     "{'jsonrpc':'2.0','id':1,'method':'initialize','params':{"
                     "'protocolVersion':'2025-06-18','capabilities':{},"
                     "'clientInfo':{'name':'unit','version':'1'}}}"));
    msg = take(&e->sink, ORIGIN(3), true);
    assert_string_equal(str_at(msg, "jsonrpc"), "2.0");
    assert_int_equal(json_integer_value(json_object_get(msg, "id")), 1);
    r = result_of(msg);
    assert_string_equal(str_at(r, "protocolVersion"), "2025-06-18");
    assert_string_equal(str_at(json_object_get(r, "serverInfo"), "name"), "osiris-test");
    assert_string_equal(str_at(json_object_get(r, "serverInfo"), "version"), "9.9.9");
    assert_string_equal(str_at(json_object_get(r, "serverInfo"), "title"), "Osiris Test");
    assert_string_equal(str_at(r, "instructions"), "Use the tools.");
    assert_non_null(json_object_get(json_object_get(r, "capabilities"), "tools"));
    assert_true(json_is_true(json_object_get(
        json_object_get(json_object_get(r, "capabilities"), "resources"), "subscribe")));
    assert_true(osr_mcp_session_initialized(e->ss));
    assert_string_equal(osr_mcp_session_version(e->ss), "2025-06-18");
    assert_false(feed(e->ss, NULL, "{'jsonrpc':'2.0','method':'notifications/initialized'}"));
    expect_nothing(&e->sink);
}

static void test_every_supported_version_negotiates(void **state)
{
    struct env *e = *state;

    for (const char *const *v = osr_mcp_versions; *v; v++) {
        struct sink k = {json_array(), 0};
        struct osr_mcp_sink sink = {sink_send, &k};
        osr_mcp_session *ss = osr_mcp_session_new(e->srv, &sink);
        assert_true(osr_mcp_version_supported(*v));
        initialize_as(ss, &k, *v, "{}");
        assert_string_equal(osr_mcp_session_version(ss), *v);
        osr_mcp_session_free(ss);
        json_decref(k.sent);
    }
    assert_string_equal(osr_mcp_versions[0], "2025-11-25");
    assert_false(osr_mcp_version_supported("1999-01-01"));
}

static void test_unsupported_version_gets_latest(void **state)
{
    struct env *e = *state;
    json_t *r;

    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'initialize','params':{"
                     "'protocolVersion':'1999-01-01','capabilities':{}}}"));
    r = result_of(take(&e->sink, ORIGIN(1), true));
    assert_string_equal(str_at(r, "protocolVersion"), "2025-11-25");
    assert_string_equal(osr_mcp_session_version(e->ss), "2025-11-25");
}

static void test_initialize_errors(void **state)
{
    struct env *e = *state;

    error_of(call(e, 1, "initialize", "{'capabilities':{}}"), 1, OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 2, "initialize", "{'protocolVersion':20250618}"), 2, OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 3, "initialize", "{'protocolVersion':'2025-06-18','capabilities':[]}"), 3,
             OSR_RPC_INVALID_PARAMS);
    assert_false(osr_mcp_session_initialized(e->ss));
    initialize(e);
    error_of(call(e, 4, "initialize", "{'protocolVersion':'2025-06-18','capabilities':{}}"), 4,
             OSR_RPC_INVALID_REQUEST);
    assert_string_equal(osr_mcp_session_version(e->ss), "2025-06-18");
}

static void test_request_before_initialize_refused(void **state)
{
    struct env *e = *state;
    const char *m;

    m = error_of(call(e, 1, "tools/list", "{}"), 1, OSR_RPC_INVALID_REQUEST);
    assert_non_null(strstr(m, "initialize"));
    error_of(call(e, 2, "tools/call", "{'name':'echo','arguments':{'text':'x'}}"), 2,
             OSR_RPC_INVALID_REQUEST);
    assert_int_equal(e->tool_calls, 0);
    /* ping and server/discover need no session. */
    assert_int_equal(json_object_size(result_of(call(e, 3, "ping", "{}"))), 0);
    assert_non_null(
        json_object_get(result_of(call(e, 4, "server/discover", "{}")), "supportedVersions"));
    assert_false(osr_mcp_session_initialized(e->ss));
}

static void test_ping_and_unknown_method(void **state)
{
    struct env *e = *state;

    initialize(e);
    assert_int_equal(json_object_size(result_of(call(e, 1, "ping", "{}"))), 0);
    error_of(call(e, 2, "no/such/method", "{}"), 2, OSR_RPC_METHOD_NOT_FOUND);
    /* An unknown notification is ignored, and says so. */
    assert_false(feed(e->ss, NULL, "{'jsonrpc':'2.0','method':'notifications/whatever'}"));
    expect_nothing(&e->sink);
}

static void test_bad_messages(void **state)
{
    struct env *e = *state;

    assert_true(osr_mcp_session_handle_text(e->ss, "{\"jsonrpc\":", 11, ORIGIN(9)));
    error_of(take(&e->sink, ORIGIN(9), true), -1, OSR_RPC_PARSE_ERROR);
    assert_true(feed(e->ss, ORIGIN(9), "{'jsonrpc':'2.0','id':5,'method':'ping','params':[]}"));
    error_of(take(&e->sink, ORIGIN(9), true), 5, OSR_RPC_INVALID_PARAMS);
    assert_true(feed(e->ss, ORIGIN(9), "42"));
    error_of(take(&e->sink, ORIGIN(9), true), -1, OSR_RPC_INVALID_REQUEST);
    expect_nothing(&e->sink);
}

/* ---- tools ---- */

static void test_tools_list_pagination(void **state)
{
    struct env *e = *state;
    char params[128] = "{}", *seen[NTOOLS];
    size_t n = 0, pages = 0;
    static const size_t sizes[] = {50, 50, 20};

    initialize(e);
    for (;;) {
        json_t *r = result_of(call(e, 10 + (int)pages, "tools/list", params)), *t;
        json_t *tools = json_object_get(r, "tools"), *next = json_object_get(r, "nextCursor");
        size_t i;
        assert_true(pages < OSR_ARRAY_LEN(sizes));
        assert_int_equal(json_array_size(tools), sizes[pages]);
        json_array_foreach(tools, i, t)
        {
            assert_true(n < NTOOLS);
            seen[n++] = osr_xstrdup(str_at(t, "name"));
            assert_non_null(json_object_get(t, "inputSchema"));
        }
        pages++;
        if (!next)
            break;
        assert_true(json_is_string(next));
        snprintf(params, sizeof(params), "{'cursor':'%s'}", json_string_value(next));
    }
    assert_int_equal(pages, 3);
    assert_int_equal(n, NTOOLS);
    for (size_t i = 0; i < n; i++) {
        assert_string_not_equal(seen[i], "say"); /* aliases are not listed */
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(seen[i], seen[j]);
    }
    for (size_t i = 0; i < n; i++)
        free(seen[i]);
}

static void test_tools_list_bad_cursor(void **state)
{
    struct env *e = *state;
    static const char *const bad[] = {
        "{'cursor':'bogus'}",   "{'cursor':'osr1.zz'}",          "{'cursor':'osr1.'}",
        "{'cursor':'osr1.78'}", "{'cursor':'osr1.fffffffffff'}", "{'cursor':7}",
        "{'cursor':''}"};

    initialize(e);
    for (size_t i = 0; i < OSR_ARRAY_LEN(bad); i++)
        error_of(call(e, (int)i + 1, "tools/list", bad[i]), (json_int_t)i + 1,
                 OSR_RPC_INVALID_PARAMS);
    /* A null cursor is the first page. */
    assert_int_equal(json_array_size(json_object_get(
                         result_of(call(e, 50, "tools/list", "{'cursor':null}")), "tools")),
                     50);
}

static void test_tools_call_valid(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize(e);
    r = result_of(
        call(e, 1, "tools/call", "{'name':'echo','arguments':{'text':'hi','samples':5}}"));
    assert_null(json_object_get(r, "isError"));
    assert_string_equal(
        str_at(json_object_get(json_object_get(r, "structuredContent"), "echo"), "text"), "hi");
    assert_non_null(strstr(tool_text(r), "\"samples\":5"));
    /* An alias reaches the same tool. */
    r = result_of(call(e, 2, "tools/call", "{'name':'say','arguments':{'text':'via alias'}}"));
    assert_null(json_object_get(r, "isError"));
    assert_int_equal(e->tool_calls, 2);
}

static void test_tools_call_invalid_arguments(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize(e);
    r = result_of(
        call(e, 1, "tools/call", "{'name':'echo','arguments':{'text':'hi','samples':101}}"));
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_non_null(strstr(tool_text(r), "Invalid arguments for tool echo"));
    assert_non_null(strstr(tool_text(r), "arguments.samples: must be <= 100"));
    r = result_of(call(e, 2, "tools/call", "{'name':'echo','arguments':{'extra':1}}"));
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_non_null(strstr(tool_text(r), "arguments: 'text' is required"));
    assert_non_null(strstr(tool_text(r), "unknown property 'extra'"));
    /* Missing arguments are an empty object, which this schema refuses. */
    r = result_of(call(e, 3, "tools/call", "{'name':'echo'}"));
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_int_equal(e->tool_calls, 0);
    /* Arguments that are not an object are a protocol error. */
    error_of(call(e, 4, "tools/call", "{'name':'echo','arguments':[1]}"), 4,
             OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 5, "tools/call", "{'arguments':{}}"), 5, OSR_RPC_INVALID_PARAMS);
    assert_int_equal(e->tool_calls, 0);
}

static void test_tools_call_unknown_tool(void **state)
{
    struct env *e = *state;
    json_t *msg;
    const char *m;

    initialize(e);
    msg = call(e, 1, "tools/call", "{'name':'nope','arguments':{}}");
    m = error_of(msg, 1, OSR_RPC_INVALID_PARAMS);
    assert_non_null(strstr(m, "nope"));
    assert_string_equal(str_at(json_object_get(json_object_get(msg, "error"), "data"), "tool"),
                        "nope");
}

static void test_async_tool_answers_later(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow'}}"));
    expect_nothing(&e->sink);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 1);
    /* Another request is served while the first waits. */
    assert_int_equal(json_object_size(result_of(call(e, 2, "ping", "{}"))), 0);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 1);
    pump(e, &e->sink);
    r = take(&e->sink, ORIGIN(1), true);
    assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
    assert_true(
        json_is_true(json_object_get(json_object_get(result_of(r), "structuredContent"), "slow")));
    assert_int_equal(e->slow_done, 1);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 0);
    assert_int_equal(e->cancels, 0);
    expect_nothing(&e->sink);
}

static void test_cancellation(void **state)
{
    struct env *e = *state;
    uint64_t end;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':'s1','method':'tools/call','params':{'name':'slow',"
                     "'arguments':{'ms':30}}}"));
    assert_int_equal(osr_mcp_session_inflight(e->ss), 1);
    /* Cancelling an unknown request changes nothing. */
    assert_false(feed(e->ss, NULL,
                      "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{"
                      "'requestId':'other'}}"));
    assert_int_equal(osr_mcp_session_inflight(e->ss), 1);
    assert_false(feed(e->ss, NULL,
                      "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{"
                      "'requestId':'s1','reason':'user'}}"));
    assert_int_equal(e->cancels, 1);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 0);
    /* No response, then or later. */
    end = osr_now_ms() + 80;
    while (osr_now_ms() < end)
        assert_int_equal(osr_loop_run_once(e->loop, 10), 0);
    assert_int_equal(e->slow_done, 0);
    expect_nothing(&e->sink);
    /* The id may be used again. */
    assert_true(json_is_object(result_of(call(e, 2, "ping", "{}"))));
}

static void test_duplicate_inflight_id(void **state)
{
    struct env *e = *state;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':7,'method':'tools/call','params':{'name':'slow'}}"));
    error_of(call(e, 7, "ping", "{}"), 7, OSR_RPC_INVALID_REQUEST);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 1);
    pump(e, &e->sink);
    result_of(take(&e->sink, ORIGIN(1), true));
    /* Once answered, the id is free again. */
    assert_true(json_is_object(result_of(call(e, 7, "ping", "{}"))));
}

static void test_ask_client_round_trip(void **state)
{
    struct env *e = *state;
    json_t *ask, *r;
    const char *ask_id;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(4),
                     "{'jsonrpc':'2.0','id':4,'method':'tools/call','params':{'name':'ask'}}"));
    /* The server's request travels with the tool call, not final. */
    ask = take(&e->sink, ORIGIN(4), false);
    assert_string_equal(str_at(ask, "method"), "sampling/createMessage");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(ask, "params"), "maxTokens")), 5);
    ask_id = str_at(ask, "id");
    expect_nothing(&e->sink);
    assert_false(feed(e->ss, ORIGIN(5),
                      "{'jsonrpc':'2.0','id':'%s','result':{'role':'assistant',"
                      "'content':{'type':'text','text':'hi there'}}}",
                      ask_id));
    assert_int_equal(e->replies, 1);
    r = result_of(take(&e->sink, ORIGIN(4), true));
    assert_null(json_object_get(r, "isError"));
    assert_string_equal(
        str_at(json_object_get(json_object_get(json_object_get(r, "structuredContent"), "client"),
                               "content"),
               "text"),
        "hi there");
    /* A second answer to the same id is ignored. */
    assert_false(feed(e->ss, NULL, "{'jsonrpc':'2.0','id':'%s','result':{}}", ask_id));
    assert_int_equal(e->replies, 1);
    expect_nothing(&e->sink);
    assert_int_equal(e->cancels, 0);
}

static void test_ask_client_error_reply(void **state)
{
    struct env *e = *state;
    json_t *ask, *r;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(4),
                     "{'jsonrpc':'2.0','id':4,'method':'tools/call','params':{'name':'ask'}}"));
    ask = take(&e->sink, ORIGIN(4), false);
    assert_false(feed(e->ss, NULL,
                      "{'jsonrpc':'2.0','id':'%s','error':{'code':-1,'message':'user declined'}}",
                      str_at(ask, "id")));
    r = result_of(take(&e->sink, ORIGIN(4), true));
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_string_equal(tool_text(r), "user declined");
}

static void test_ask_client_needs_capability(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize_as(e->ss, &e->sink, "2025-06-18", "{}");
    r = result_of(call(e, 1, "tools/call", "{'name':'ask'}"));
    assert_true(json_is_true(json_object_get(r, "isError")));
    assert_string_equal(tool_text(r), "client cannot sample");
    assert_int_equal(e->replies, 0);
}

static void test_reply_after_cancel_ignored(void **state)
{
    struct env *e = *state;
    json_t *ask;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(4),
                     "{'jsonrpc':'2.0','id':4,'method':'tools/call','params':{'name':'ask'}}"));
    ask = take(&e->sink, ORIGIN(4), false);
    assert_false(feed(e->ss, NULL,
                      "{'jsonrpc':'2.0','method':'notifications/cancelled','params':{"
                      "'requestId':4}}"));
    assert_int_equal(e->cancels, 1);
    assert_false(feed(e->ss, NULL, "{'jsonrpc':'2.0','id':'%s','result':{}}", str_at(ask, "id")));
    assert_int_equal(e->replies, 0);
    expect_nothing(&e->sink);
}

static void test_response_to_unknown_id_ignored(void **state)
{
    struct env *e = *state;

    initialize(e);
    assert_false(feed(e->ss, NULL, "{'jsonrpc':'2.0','id':'nope','result':{}}"));
    assert_false(
        feed(e->ss, NULL, "{'jsonrpc':'2.0','id':12,'error':{'code':-32601,'message':'x'}}"));
    expect_nothing(&e->sink);
    assert_int_equal(osr_mcp_session_inflight(e->ss), 0);
}

static void test_origin_closed(void **state)
{
    struct env *e = *state;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(6),
                     "{'jsonrpc':'2.0','id':6,'method':'tools/call','params':{'name':'slow'}}"));
    osr_mcp_session_origin_closed(e->ss, ORIGIN(6));
    pump(e, &e->sink);
    /* Still answered, but no longer tied to the stream that went away. */
    result_of(take(&e->sink, NULL, true));
}

/* ---- resources ---- */

static void test_resources_read(void **state)
{
    struct env *e = *state;
    json_t *r, *msg;

    initialize(e);
    r = result_of(call(e, 1, "resources/read", "{'uri':'mem://static'}"));
    assert_string_equal(str_at(json_array_get(json_object_get(r, "contents"), 0), "text"),
                        "static text");
    r = result_of(call(e, 2, "resources/read", "{'uri':'mem://item/42'}"));
    assert_string_equal(str_at(json_array_get(json_object_get(r, "contents"), 0), "text"),
                        "item 42");
    assert_int_equal(json_object_size(json_object_get(r, "vars")), 1);
    assert_string_equal(str_at(json_object_get(r, "vars"), "id"), "42");
    msg = call(e, 3, "resources/read", "{'uri':'mem://nothing'}");
    error_of(msg, 3, OSR_RPC_RESOURCE_NOT_FOUND);
    assert_string_equal(str_at(json_object_get(json_object_get(msg, "error"), "data"), "uri"),
                        "mem://nothing");
    /* A placeholder matches one non-empty path segment. */
    error_of(call(e, 4, "resources/read", "{'uri':'mem://item/'}"), 4, OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(call(e, 5, "resources/read", "{'uri':'mem://item/a/b'}"), 5,
             OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(call(e, 6, "resources/read", "{'uri':'mem://items/1'}"), 6,
             OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(call(e, 7, "resources/read", "{}"), 7, OSR_RPC_INVALID_PARAMS);
}

/* Reads `uri` through handle_json, so the string has exactly the bytes it needs and ASan
 * sees any read past its end. */
static json_t *read_uri(struct env *e, int id, const char *uri)
{
    json_t *msg = json_pack("{s:s, s:i, s:s, s:{s:s}}", "jsonrpc", "2.0", "id", id, "method",
                            "resources/read", "params", "uri", uri);

    assert_true(osr_mcp_session_handle_json(e->ss, msg, ORIGIN(id)));
    return take(&e->sink, ORIGIN(id), true);
}

static void test_template_with_literal_suffix(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize(e);
    r = result_of(read_uri(e, 1, "mem://doc/a.txt"));
    assert_string_equal(str_at(json_object_get(r, "vars"), "name"), "a");
    /* URIs that stop one character short of the template's literal end, or run past it. */
    error_of(read_uri(e, 2, "mem://doc/a.tx"), 2, OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(read_uri(e, 3, "mem://doc/a."), 3, OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(read_uri(e, 4, "mem://doc/a.txt2"), 4, OSR_RPC_RESOURCE_NOT_FOUND);
    error_of(read_uri(e, 5, "mem://do"), 5, OSR_RPC_RESOURCE_NOT_FOUND);
}

static void test_resources_lists(void **state)
{
    struct env *e = *state;
    json_t *r;

    initialize(e);
    r = result_of(call(e, 1, "resources/list", "{}"));
    assert_int_equal(json_array_size(json_object_get(r, "resources")), 1);
    assert_string_equal(str_at(json_array_get(json_object_get(r, "resources"), 0), "uri"),
                        "mem://static");
    assert_null(json_object_get(r, "nextCursor"));
    r = result_of(call(e, 2, "resources/templates/list", "{}"));
    assert_string_equal(
        str_at(json_array_get(json_object_get(r, "resourceTemplates"), 0), "uriTemplate"),
        "mem://item/{id}");
}

static void test_subscribe_notifies_subscribers_only(void **state)
{
    struct env *e = *state;
    osr_mcp_session *other = second_session(e);
    json_t *n;

    initialize(e);
    initialize_as(other, &e->sink2, "2025-06-18", "{}");
    assert_int_equal(
        json_object_size(result_of(call(e, 1, "resources/subscribe", "{'uri':'mem://static'}"))),
        0);
    osr_mcp_server_resource_updated(e->srv, "mem://static");
    n = take(&e->sink, NULL, false);
    assert_string_equal(str_at(n, "method"), "notifications/resources/updated");
    assert_null(json_object_get(n, "id"));
    assert_string_equal(str_at(json_object_get(n, "params"), "uri"), "mem://static");
    expect_nothing(&e->sink);
    expect_nothing(&e->sink2);
    /* Another resource: nobody is told. */
    osr_mcp_server_resource_updated(e->srv, "mem://item/1");
    expect_nothing(&e->sink);
    /* Subscribing twice still gives one notification; unsubscribing stops them. */
    result_of(call(e, 2, "resources/subscribe", "{'uri':'mem://static'}"));
    osr_mcp_server_resource_updated(e->srv, "mem://static");
    take(&e->sink, NULL, false);
    expect_nothing(&e->sink);
    result_of(call(e, 3, "resources/unsubscribe", "{'uri':'mem://static'}"));
    osr_mcp_server_resource_updated(e->srv, "mem://static");
    expect_nothing(&e->sink);
    expect_nothing(&e->sink2);
}

/* ---- prompts and completion ---- */

static void test_prompts(void **state)
{
    struct env *e = *state;
    json_t *r;
    const char *m;

    initialize(e);
    r = result_of(call(e, 1, "prompts/list", "{}"));
    assert_int_equal(json_array_size(json_object_get(r, "prompts")), 2);
    m = error_of(call(e, 2, "prompts/get", "{'name':'greet','arguments':{'tone':'warm'}}"), 2,
                 OSR_RPC_INVALID_PARAMS);
    assert_non_null(strstr(m, "'name'"));
    error_of(call(e, 3, "prompts/get", "{'name':'greet'}"), 3, OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 4, "prompts/get", "{'name':'greet','arguments':{'name':7}}"), 4,
             OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 5, "prompts/get", "{'name':'nope'}"), 5, OSR_RPC_INVALID_PARAMS);
    r = result_of(call(e, 6, "prompts/get", "{'name':'greet','arguments':{'name':'Ada'}}"));
    assert_string_equal(
        str_at(json_object_get(json_array_get(json_object_get(r, "messages"), 0), "content"),
               "text"),
        "Hello Ada");
}

static void assert_completion(json_t *r, const char *const *want, size_t n, int total,
                              bool has_more)
{
    json_t *c = json_object_get(r, "completion"), *values = json_object_get(c, "values");

    assert_int_equal(json_array_size(values), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(json_string_value(json_array_get(values, i)), want[i]);
    assert_int_equal(json_integer_value(json_object_get(c, "total")), total);
    assert_int_equal(json_is_true(json_object_get(c, "hasMore")), has_more);
}

static void test_completion(void **state)
{
    struct env *e = *state;
    static const char *const names[] = {"Ada", "Alan"};
    static const char *const ids[] = {"alpha", "alpine"};
    json_t *r;

    initialize(e);
    r = result_of(call(e, 1, "completion/complete",
                       "{'ref':{'type':'ref/prompt','name':'greet'},"
                       "'argument':{'name':'name','value':'A'}}"));
    assert_completion(r, names, 2, 2, false);
    r = result_of(call(e, 2, "completion/complete",
                       "{'ref':{'type':'ref/resource','uri':'mem://item/{id}'},"
                       "'argument':{'name':'id','value':'al'}}"));
    assert_completion(r, ids, 2, 2, false);
    /* Unknown references complete to nothing. */
    r = result_of(call(e, 3, "completion/complete",
                       "{'ref':{'type':'ref/prompt','name':'nope'},"
                       "'argument':{'name':'name','value':''}}"));
    assert_completion(r, NULL, 0, 0, false);
    /* At most 100 values, with the real total. */
    r = result_of(call(e, 4, "completion/complete",
                       "{'ref':{'type':'ref/prompt','name':'many'},"
                       "'argument':{'name':'x','value':''}}"));
    assert_int_equal(json_array_size(json_object_get(json_object_get(r, "completion"), "values")),
                     100);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "completion"), "total")),
                     150);
    assert_true(json_is_true(json_object_get(json_object_get(r, "completion"), "hasMore")));
    error_of(call(e, 5, "completion/complete", "{'ref':{'type':'ref/prompt','name':'greet'}}"), 5,
             OSR_RPC_INVALID_PARAMS);
}

/* ---- logging and progress ---- */

/* Calls the log tool; checks the levels that came through before the final result. */
static void expect_logs(struct env *e, int id, const char *const *levels, size_t n)
{
    assert_true(feed(e->ss, ORIGIN(id),
                     "{'jsonrpc':'2.0','id':%d,'method':'tools/call','params':{'name':'log'}}",
                     id));
    for (size_t i = 0; i < n; i++) {
        json_t *m = take(&e->sink, ORIGIN(id), false);
        assert_string_equal(str_at(m, "method"), "notifications/message");
        assert_string_equal(str_at(json_object_get(m, "params"), "level"), levels[i]);
        assert_string_equal(str_at(json_object_get(m, "params"), "logger"), "unit");
        assert_string_equal(str_at(json_object_get(m, "params"), "data"), levels[i]);
    }
    result_of(take(&e->sink, ORIGIN(id), true));
    expect_nothing(&e->sink);
}

static void test_logging_set_level(void **state)
{
    struct env *e = *state;
    static const char *const from_info[] = {"info", "warning", "error"};
    static const char *const from_warning[] = {"warning", "error"};
    static const char *const all[] = {"debug", "info", "warning", "error"};

    initialize(e);
    expect_logs(e, 1, from_info, 3); /* the default level is info */
    assert_int_equal(
        json_object_size(result_of(call(e, 2, "logging/setLevel", "{'level':'warning'}"))), 0);
    expect_logs(e, 3, from_warning, 2);
    error_of(call(e, 4, "logging/setLevel", "{'level':'loud'}"), 4, OSR_RPC_INVALID_PARAMS);
    error_of(call(e, 5, "logging/setLevel", "{}"), 5, OSR_RPC_INVALID_PARAMS);
    expect_logs(e, 6, from_warning, 2); /* unchanged by the refusals */
    result_of(call(e, 7, "logging/setLevel", "{'level':'debug'}"));
    expect_logs(e, 8, all, 4);
    result_of(call(e, 9, "logging/setLevel", "{'level':'emergency'}"));
    expect_logs(e, 10, NULL, 0);
}

static void test_progress(void **state)
{
    struct env *e = *state;
    json_t *n, *p;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'progress',"
                     "'_meta':{'progressToken':'tok'}}}"));
    n = take(&e->sink, ORIGIN(1), false);
    assert_string_equal(str_at(n, "method"), "notifications/progress");
    p = json_object_get(n, "params");
    assert_string_equal(str_at(p, "progressToken"), "tok");
    assert_true(json_number_value(json_object_get(p, "progress")) == 1.0);
    assert_true(json_number_value(json_object_get(p, "total")) == 2.0);
    assert_string_equal(str_at(p, "message"), "half");
    result_of(take(&e->sink, ORIGIN(1), true));
    /* Without a token, no progress is sent. */
    result_of(call(e, 2, "tools/call", "{'name':'progress'}"));
}

/* ---- batches ---- */

static void test_batch_refused_outside_2025_03_26(void **state)
{
    struct env *e = *state;

    /* Before initialize, and after negotiating a later version. */
    assert_true(feed(e->ss, ORIGIN(1), "[{'jsonrpc':'2.0','id':1,'method':'ping'}]"));
    error_of(take(&e->sink, ORIGIN(1), true), -1, OSR_RPC_INVALID_REQUEST);
    initialize(e);
    assert_true(feed(e->ss, ORIGIN(2), "[{'jsonrpc':'2.0','id':1,'method':'ping'}]"));
    error_of(take(&e->sink, ORIGIN(2), true), -1, OSR_RPC_INVALID_REQUEST);
    expect_nothing(&e->sink);
}

static void test_batch_answers_as_one_array(void **state)
{
    struct env *e = *state;
    json_t *arr;
    bool saw1 = false, saw2 = false, saw3 = false;
    size_t i;
    json_t *m;

    initialize_as(e->ss, &e->sink, "2025-03-26", "{}");
    assert_true(feed(e->ss, ORIGIN(7),
                     "[{'jsonrpc':'2.0','id':1,'method':'ping'},"
                     "{'jsonrpc':'2.0','method':'notifications/progress','params':{}},"
                     "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'echo',"
                     "'arguments':{'text':'b'}}},"
                     "{'jsonrpc':'2.0','id':3,'method':'no/such'}]"));
    arr = take(&e->sink, ORIGIN(7), true);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 3);
    json_array_foreach(arr, i, m)
    {
        switch (json_integer_value(json_object_get(m, "id"))) {
        case 1:
            saw1 = json_is_object(json_object_get(m, "result"));
            break;
        case 2:
            saw2 = json_is_object(json_object_get(m, "result"));
            break;
        case 3:
            saw3 = json_integer_value(json_object_get(json_object_get(m, "error"), "code")) ==
                   OSR_RPC_METHOD_NOT_FOUND;
            break;
        default:
            fail_msg("unexpected member in the batch response");
        }
    }
    assert_true(saw1 && saw2 && saw3);
    expect_nothing(&e->sink);
}

static void test_batch_refuses_initialize_inside(void **state)
{
    struct env *e = *state;
    json_t *arr;

    initialize_as(e->ss, &e->sink, "2025-03-26", "{}");
    assert_true(feed(e->ss, ORIGIN(7),
                     "[{'jsonrpc':'2.0','id':1,'method':'initialize','params':{"
                     "'protocolVersion':'2025-03-26','capabilities':{}}},"
                     "{'jsonrpc':'2.0','id':2,'method':'ping'}]"));
    arr = take(&e->sink, ORIGIN(7), true);
    assert_int_equal(json_array_size(arr), 2);
    error_of(json_array_get(arr, 0), 1, OSR_RPC_INVALID_REQUEST);
    result_of(json_array_get(arr, 1));
    assert_string_equal(osr_mcp_session_version(e->ss), "2025-03-26");
}

static void test_batch_waits_for_async_member(void **state)
{
    struct env *e = *state;
    json_t *arr;

    initialize_as(e->ss, &e->sink, "2025-03-26", "{}");
    assert_true(feed(e->ss, ORIGIN(8),
                     "[{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow'}},"
                     "{'jsonrpc':'2.0','id':2,'method':'ping'}]"));
    expect_nothing(&e->sink); /* held until the slow member answers */
    pump(e, &e->sink);
    arr = take(&e->sink, ORIGIN(8), true);
    assert_int_equal(json_array_size(arr), 2);
    expect_nothing(&e->sink);
}

static void test_batch_origin_closed(void **state)
{
    struct env *e = *state;

    initialize_as(e->ss, &e->sink, "2025-03-26", "{}");
    assert_true(feed(e->ss, ORIGIN(8),
                     "[{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow'}},"
                     "{'jsonrpc':'2.0','id':2,'method':'ping'}]"));
    /* The transport frees its stream after this call: nothing may be sent to it later. */
    osr_mcp_session_origin_closed(e->ss, ORIGIN(8));
    pump(e, &e->sink);
    assert_int_equal(e->slow_done, 1);
    if (waiting(&e->sink)) {
        json_t *entry = json_array_get(e->sink.sent, e->sink.next);
        if (!json_is_null(json_object_get(entry, "origin")))
            fail_msg("batch answer sent to the closed origin: %s", show(entry));
    }
}

static void test_batch_edge_cases(void **state)
{
    struct env *e = *state;

    initialize_as(e->ss, &e->sink, "2025-03-26", "{}");
    /* Only notifications: nothing to answer. */
    assert_false(feed(e->ss, ORIGIN(1),
                      "[{'jsonrpc':'2.0','method':'notifications/progress','params':{}}]"));
    expect_nothing(&e->sink);
    assert_true(feed(e->ss, ORIGIN(2), "[]"));
    error_of(take(&e->sink, ORIGIN(2), true), -1, OSR_RPC_INVALID_REQUEST);
    /* An invalid member is answered inside the array. */
    assert_true(feed(e->ss, ORIGIN(3), "[1]"));
    error_of(json_array_get(take(&e->sink, ORIGIN(3), true), 0), -1, OSR_RPC_INVALID_REQUEST);
    /* A batch inside a batch is refused. */
    assert_true(feed(e->ss, ORIGIN(4), "[[{'jsonrpc':'2.0','id':1,'method':'ping'}]]"));
    error_of(json_array_get(take(&e->sink, ORIGIN(4), true), 0), -1, OSR_RPC_INVALID_REQUEST);
    expect_nothing(&e->sink);
}

/* ---- the stateless revision ---- */

static void test_stateless_request_without_initialize(void **state)
{
    struct env *e = *state;
    json_t *r;

    r = result_of(call(e, 1, "tools/list", "{" MODERN_META "}"));
    assert_string_equal(str_at(r, "resultType"), "complete");
    assert_int_equal(json_array_size(json_object_get(r, "tools")), 50);
    assert_int_equal(json_integer_value(json_object_get(r, "ttlMs")), 0);
    r = result_of(
        call(e, 2, "tools/call", "{'name':'echo','arguments':{'text':'x'}," MODERN_META "}"));
    assert_string_equal(str_at(r, "resultType"), "complete");
    assert_null(json_object_get(r, "isError"));
    assert_false(osr_mcp_session_initialized(e->ss));
    assert_string_equal(osr_mcp_session_version(e->ss), "");
    /* A missing resource is invalid params under this revision. */
    error_of(call(e, 3, "resources/read", "{'uri':'mem://none'," MODERN_META "}"), 3,
             OSR_RPC_INVALID_PARAMS);
}

static void test_stateless_meta_checked(void **state)
{
    struct env *e = *state;
    json_t *msg;

    /* clientCapabilities must come with the version. */
    error_of(call(e, 1, "tools/list",
                  "{'_meta':{'io.modelcontextprotocol/protocolVersion':'2026-07-28'}}"),
             1, OSR_RPC_INVALID_PARAMS);
    msg = call(e, 2, "tools/list",
               "{'_meta':{'io.modelcontextprotocol/protocolVersion':'2001-01-01',"
               "'io.modelcontextprotocol/clientCapabilities':{}}}");
    error_of(msg, 2, OSR_RPC_UNSUPPORTED_VERSION);
    assert_string_equal(str_at(json_object_get(json_object_get(msg, "error"), "data"), "requested"),
                        "2001-01-01");
    /* Methods the revision removed are not found. */
    error_of(call(e, 3, "ping", "{" MODERN_META "}"), 3, OSR_RPC_METHOD_NOT_FOUND);
    error_of(call(e, 4, "logging/setLevel", "{'level':'debug'," MODERN_META "}"), 4,
             OSR_RPC_METHOD_NOT_FOUND);
    assert_int_equal(e->tool_calls, 0);
}

static void test_stateless_session(void **state)
{
    struct env *e = *state;

    osr_mcp_session_set_stateless(e->ss);
    /* Every request must carry the revision's _meta. */
    error_of(call(e, 1, "tools/list", "{}"), 1, OSR_RPC_INVALID_PARAMS);
    assert_string_equal(
        str_at(result_of(call(e, 2, "tools/list", "{" MODERN_META "}")), "resultType"), "complete");
}

static void test_stateless_log_level_per_request(void **state)
{
    struct env *e = *state;

    /* Without a level in _meta, a stateless request gets no log messages. */
    assert_true(feed(
        e->ss, ORIGIN(1),
        "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'log'," MODERN_META "}}"));
    result_of(take(&e->sink, ORIGIN(1), true));
    expect_nothing(&e->sink);
    assert_true(feed(e->ss, ORIGIN(2),
                     "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'log',"
                     "'_meta':{'io.modelcontextprotocol/protocolVersion':'2026-07-28',"
                     "'io.modelcontextprotocol/clientCapabilities':{},"
                     "'io.modelcontextprotocol/logLevel':'error'}}}"));
    assert_string_equal(
        str_at(json_object_get(take(&e->sink, ORIGIN(2), false), "params"), "level"), "error");
    result_of(take(&e->sink, ORIGIN(2), true));
    expect_nothing(&e->sink);
}

static void test_server_discover(void **state)
{
    struct env *e = *state;
    json_t *r, *versions;
    size_t n = 0;

    r = result_of(call(e, 1, "server/discover", "{}"));
    versions = json_object_get(r, "supportedVersions");
    assert_string_equal(json_string_value(json_array_get(versions, 0)), OSR_MCP_MODERN_VERSION);
    for (const char *const *v = osr_mcp_versions; *v; v++, n++)
        assert_string_equal(json_string_value(json_array_get(versions, n + 1)), *v);
    assert_int_equal(json_array_size(versions), n + 1);
    assert_string_equal(str_at(json_object_get(r, "serverInfo"), "name"), "osiris-test");
    assert_non_null(json_object_get(r, "capabilities"));
    assert_false(osr_mcp_session_initialized(e->ss));
}

/* ---- correlation ids and teardown ---- */

static void check_correlation_id(const char *sid, const char *corr)
{
    assert_int_equal(strlen(corr), 15);
    assert_memory_equal(corr, sid, 8);
    for (int i = 0; i < 8; i++)
        assert_true(isxdigit((unsigned char)corr[i]) && !isupper((unsigned char)corr[i]));
    assert_int_equal(corr[8], '-');
    for (int i = 9; i < 15; i++)
        assert_true(isdigit((unsigned char)corr[i]));
}

static void test_correlation_ids(void **state)
{
    struct env *e = *state;
    const char *sid = osr_mcp_session_id(e->ss);
    json_t *r;

    assert_int_equal(strlen(sid), 32);
    for (const char *p = sid; *p; p++)
        assert_true(isxdigit((unsigned char)*p));
    initialize(e);
    r = result_of(call(e, 1, "tools/call", "{'name':'corr'}"));
    result_of(call(e, 2, "tools/call", "{'name':'corr'}"));
    assert_int_equal(e->ncorr, 2);
    check_correlation_id(sid, e->corr[0]);
    check_correlation_id(sid, e->corr[1]);
    assert_string_equal(str_at(json_object_get(r, "structuredContent"), "id"), e->corr[0]);
    assert_true(strcmp(e->corr[0] + 9, e->corr[1] + 9) < 0); /* a counter, rising */
    /* Another session has another id and prefix. */
    assert_string_not_equal(osr_mcp_session_id(second_session(e)), sid);
}

static void test_session_free_cancels_inflight(void **state)
{
    struct env *e = *state;

    initialize(e);
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow',"
                     "'arguments':{'ms':10}}}"));
    assert_true(feed(e->ss, ORIGIN(2),
                     "{'jsonrpc':'2.0','id':2,'method':'tools/call','params':{'name':'ask'}}"));
    take(&e->sink, ORIGIN(2), false); /* the question to the client */
    assert_int_equal(osr_mcp_session_inflight(e->ss), 2);
    osr_mcp_session_free(e->ss);
    e->ss = NULL;
    assert_int_equal(e->cancels, 2);
    expect_nothing(&e->sink);
    /* The slow tool's timer went with it: running the loop answers nothing. */
    assert_int_equal(osr_loop_run(e->loop), 0);
    assert_int_equal(e->slow_done, 0);
    osr_mcp_session_free(NULL);
}

static void test_server_free_with_sessions_in_flight(void **state)
{
    struct env *e = *state;

    initialize(e);
    initialize_as(second_session(e), &e->sink2, "2025-06-18", "{}");
    assert_true(feed(e->ss, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow'}}"));
    assert_true(feed(e->ss2, ORIGIN(1),
                     "{'jsonrpc':'2.0','id':1,'method':'tools/call','params':{'name':'slow'}}"));
    osr_mcp_server_free(e->srv);
    e->srv = osr_mcp_server_new(e->loop, &(struct osr_mcp_server_opts){"x", NULL, "1", NULL});
    e->ss = e->ss2 = NULL;
    assert_int_equal(e->cancels, 2);
    expect_nothing(&e->sink);
    expect_nothing(&e->sink2);
}

#define T(name) cmocka_unit_test_setup_teardown(name, env_setup, env_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_initialize),
        T(test_every_supported_version_negotiates),
        T(test_unsupported_version_gets_latest),
        T(test_initialize_errors),
        T(test_request_before_initialize_refused),
        T(test_ping_and_unknown_method),
        T(test_bad_messages),
        T(test_tools_list_pagination),
        T(test_tools_list_bad_cursor),
        T(test_tools_call_valid),
        T(test_tools_call_invalid_arguments),
        T(test_tools_call_unknown_tool),
        T(test_async_tool_answers_later),
        T(test_cancellation),
        T(test_duplicate_inflight_id),
        T(test_ask_client_round_trip),
        T(test_ask_client_error_reply),
        T(test_ask_client_needs_capability),
        T(test_reply_after_cancel_ignored),
        T(test_response_to_unknown_id_ignored),
        T(test_origin_closed),
        T(test_resources_read),
        T(test_resources_lists),
        T(test_subscribe_notifies_subscribers_only),
        T(test_prompts),
        T(test_completion),
        T(test_logging_set_level),
        T(test_progress),
        T(test_batch_refused_outside_2025_03_26),
        T(test_batch_answers_as_one_array),
        T(test_batch_refuses_initialize_inside),
        T(test_batch_waits_for_async_member),
        T(test_batch_origin_closed),
        T(test_batch_edge_cases),
        T(test_stateless_request_without_initialize),
        T(test_stateless_meta_checked),
        T(test_stateless_session),
        T(test_stateless_log_level_per_request),
        T(test_server_discover),
        T(test_correlation_ids),
        T(test_session_free_cancels_inflight),
        T(test_server_free_with_sessions_in_flight),
        /* Last: when the engine reads out of bounds here, ASan ends the whole program. */
        T(test_template_with_literal_suffix),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
