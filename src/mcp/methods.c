/*
 * methods.c - the MCP methods and the registries they serve.
 *
 * The method table is data: name, handler, and whether the method may arrive before
 * initialize. List methods share one pagination scheme with opaque cursors.
 */
#include "core/alloc.h"
#include "core/jsonschema.h"
#include "mcp/jsonrpc.h"
#include "mcp/server_int.h"

#define PAGE_SIZE 50
#define MAX_COMPLETIONS 100

static const char *const log_levels[] = {"debug",    "info",  "notice",    "warning", "error",
                                         "critical", "alert", "emergency", NULL};

int osr_mcp__log_level_index(const char *level)
{
    for (int i = 0; log_levels[i]; i++) {
        if (strcmp(log_levels[i], level) == 0)
            return i;
    }
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s ? osr_xstrdup(s) : NULL;
}

static json_t *copy_or_null(json_t *j)
{
    return j ? json_deep_copy(j) : NULL;
}

/* ---- registries ---- */

void osr_mcp_add_tool(osr_mcp_server *s, const struct osr_mcp_tool *t)
{
    struct tool_entry *e;

    s->tools = osr_xgrow(s->tools, &s->tools_cap, s->ntools + 1, sizeof(*s->tools));
    e = &s->tools[s->ntools++];
    e->name = osr_xstrdup(t->name);
    e->title = dup_or_null(t->title);
    e->description = dup_or_null(t->description);
    e->input_schema = t->input_schema
                          ? json_deep_copy(t->input_schema)
                          : json_pack("{s:s, s:b}", "type", "object", "additionalProperties", 0);
    e->output_schema = copy_or_null(t->output_schema);
    e->annotations = copy_or_null(t->annotations);
    e->call = t->call;
    e->payload = t->payload;
}

void osr_mcp_add_tool_alias(osr_mcp_server *s, const char *alias, const char *canonical)
{
    s->aliases = osr_xgrow(s->aliases, &s->aliases_cap, s->naliases + 1, sizeof(*s->aliases));
    s->aliases[s->naliases].alias = osr_xstrdup(alias);
    s->aliases[s->naliases].canonical = osr_xstrdup(canonical);
    s->naliases++;
}

void osr_mcp_add_resource(osr_mcp_server *s, const struct osr_mcp_resource *r)
{
    struct resource_entry *e;

    s->resources =
        osr_xgrow(s->resources, &s->resources_cap, s->nresources + 1, sizeof(*s->resources));
    e = &s->resources[s->nresources++];
    e->uri = osr_xstrdup(r->uri);
    e->name = osr_xstrdup(r->name);
    e->title = dup_or_null(r->title);
    e->description = dup_or_null(r->description);
    e->mime_type = dup_or_null(r->mime_type);
    e->read = r->read;
    e->payload = r->payload;
}

void osr_mcp_add_template(osr_mcp_server *s, const struct osr_mcp_template *t)
{
    struct template_entry *e;

    s->templates =
        osr_xgrow(s->templates, &s->templates_cap, s->ntemplates + 1, sizeof(*s->templates));
    e = &s->templates[s->ntemplates++];
    e->uri_template = osr_xstrdup(t->uri_template);
    e->name = osr_xstrdup(t->name);
    e->title = dup_or_null(t->title);
    e->description = dup_or_null(t->description);
    e->mime_type = dup_or_null(t->mime_type);
    e->read = t->read;
    e->complete = t->complete;
    e->payload = t->payload;
}

void osr_mcp_add_prompt(osr_mcp_server *s, const struct osr_mcp_prompt *p)
{
    struct prompt_entry *e;

    s->prompts = osr_xgrow(s->prompts, &s->prompts_cap, s->nprompts + 1, sizeof(*s->prompts));
    e = &s->prompts[s->nprompts++];
    e->name = osr_xstrdup(p->name);
    e->title = dup_or_null(p->title);
    e->description = dup_or_null(p->description);
    e->arguments = p->arguments ? json_deep_copy(p->arguments) : json_array();
    e->get = p->get;
    e->complete = p->complete;
    e->payload = p->payload;
}

void osr_mcp__registries_free(osr_mcp_server *s)
{
    for (size_t i = 0; i < s->ntools; i++) {
        struct tool_entry *e = &s->tools[i];
        free(e->name);
        free(e->title);
        free(e->description);
        json_decref(e->input_schema);
        json_decref(e->output_schema);
        json_decref(e->annotations);
    }
    for (size_t i = 0; i < s->naliases; i++) {
        free(s->aliases[i].alias);
        free(s->aliases[i].canonical);
    }
    for (size_t i = 0; i < s->nresources; i++) {
        struct resource_entry *e = &s->resources[i];
        free(e->uri);
        free(e->name);
        free(e->title);
        free(e->description);
        free(e->mime_type);
    }
    for (size_t i = 0; i < s->ntemplates; i++) {
        struct template_entry *e = &s->templates[i];
        free(e->uri_template);
        free(e->name);
        free(e->title);
        free(e->description);
        free(e->mime_type);
    }
    for (size_t i = 0; i < s->nprompts; i++) {
        struct prompt_entry *e = &s->prompts[i];
        free(e->name);
        free(e->title);
        free(e->description);
        json_decref(e->arguments);
    }
    free(s->tools);
    free(s->aliases);
    free(s->resources);
    free(s->templates);
    free(s->prompts);
}

/* ---- helpers ---- */

static void set_str(json_t *obj, const char *key, const char *value)
{
    if (value)
        json_object_set_new(obj, key, json_string(value));
}

json_t *osr_mcp__capabilities(void)
{
    return json_pack("{s:{}, s:{}, s:{s:b}, s:{s:b, s:b}, s:{s:b}}", "logging", "completions",
                     "prompts", "listChanged", 0, "resources", "subscribe", 1, "listChanged", 0,
                     "tools", "listChanged", 0);
}

json_t *osr_mcp__server_info(const osr_mcp_server *s)
{
    json_t *info = json_pack("{s:s, s:s}", "name", s->name, "version", s->version);
    set_str(info, "title", s->title);
    return info;
}

static const char *param_str(json_t *params, const char *key)
{
    json_t *v = json_object_get(params, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Parses an opaque cursor into an offset; false when it is not one of ours. */
static bool cursor_offset(json_t *params, size_t total, size_t *offset)
{
    json_t *c = json_object_get(params, "cursor");
    const char *s;
    char *end;
    unsigned long long v;

    *offset = 0;
    if (!c || json_is_null(c))
        return true;
    if (!json_is_string(c))
        return false;
    s = json_string_value(c);
    if (strncmp(s, "osr1.", 5) != 0)
        return false;
    v = strtoull(s + 5, &end, 16);
    if (*end || end == s + 5 || v == 0 || v >= total)
        return false;
    *offset = (size_t)v;
    return true;
}

static void set_next_cursor(json_t *result, size_t next, size_t total)
{
    char buf[32];

    if (next >= total)
        return;
    snprintf(buf, sizeof(buf), "osr1.%zx", next);
    json_object_set_new(result, "nextCursor", json_string(buf));
}

void osr_mcp__cache_hints(osr_mcp_req *req, json_t *result)
{
    /* Lists and built-in resources hold nothing user-specific; they may change with the
     * workspace, so clients are told to re-fetch rather than keep them. */
    if (!req->modern_meta)
        return;
    json_object_set_new(result, "ttlMs", json_integer(0));
    json_object_set_new(result, "cacheScope", json_string("public"));
}

/* Runs a paginated list: `item(i)` builds entry i. */
static void list_page(osr_mcp_req *req, json_t *params, const char *key, size_t total,
                      json_t *(*item)(osr_mcp_server *s, size_t i))
{
    osr_mcp_server *s = req->session->server;
    json_t *result, *arr;
    size_t off, end;

    if (!cursor_offset(params, total, &off))
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS, "Invalid params: unknown cursor",
                                 NULL);
    arr = json_array();
    end = off + PAGE_SIZE < total ? off + PAGE_SIZE : total;
    for (size_t i = off; i < end; i++)
        json_array_append_new(arr, item(s, i));
    result = json_pack("{s:o}", key, arr);
    set_next_cursor(result, end, total);
    osr_mcp__cache_hints(req, result);
    osr_mcp_req_respond(req, result);
}

/* ---- lifecycle ---- */

static void m_initialize(osr_mcp_req *req, json_t *params)
{
    osr_mcp_session *ss = req->session;
    const char *want = param_str(params, "protocolVersion");
    json_t *caps = json_object_get(params, "capabilities"), *result;
    const char *ver;

    if (!want)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: protocolVersion must be a string", NULL);
    if (caps && !json_is_object(caps))
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: capabilities must be an object", NULL);
    if (ss->initialized)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_REQUEST,
                                 "Invalid Request: the session is already initialized", NULL);
    ver = osr_mcp_version_supported(want) ? want : osr_mcp_versions[0];
    snprintf(ss->version, sizeof(ss->version), "%s", ver);
    ss->client_caps = caps ? json_incref(caps) : json_object();
    ss->client_info = json_incref(json_object_get(params, "clientInfo"));
    ss->initialized = true;
    json_decref(req->modern_meta);
    req->modern_meta = NULL;
    result = json_pack("{s:s, s:o, s:o}", "protocolVersion", ver, "capabilities",
                       osr_mcp__capabilities(), "serverInfo", osr_mcp__server_info(ss->server));
    set_str(result, "instructions", ss->server->instructions);
    osr_mcp_req_respond(req, result);
    if (ss->server->on_initialize)
        ss->server->on_initialize(ss, ss->client_info, ss->server->on_initialize_payload);
}

static void m_ping(osr_mcp_req *req, json_t *params)
{
    OSR_UNUSED(params);
    osr_mcp_req_respond(req, json_object());
}

static void m_discover(osr_mcp_req *req, json_t *params)
{
    osr_mcp_server *s = req->session->server;
    json_t *result;

    OSR_UNUSED(params);
    result = json_pack("{s:o, s:o, s:o, s:i, s:s}", "supportedVersions",
                       osr_mcp__supported_versions(), "capabilities", osr_mcp__capabilities(),
                       "serverInfo", osr_mcp__server_info(s), "ttlMs", 0, "cacheScope", "public");
    set_str(result, "instructions", s->instructions);
    osr_mcp_req_respond(req, result);
}

static void m_set_level(osr_mcp_req *req, json_t *params)
{
    const char *level = param_str(params, "level");
    int idx = level ? osr_mcp__log_level_index(level) : -1;

    if (idx < 0)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: level must be one of debug, info, notice, "
                                 "warning, error, critical, alert, emergency",
                                 NULL);
    req->session->log_level = idx;
    osr_mcp_req_respond(req, json_object());
}

/* ---- tools ---- */

static json_t *tool_item(osr_mcp_server *s, size_t i)
{
    struct tool_entry *e = &s->tools[i];
    json_t *t = json_pack("{s:s}", "name", e->name);

    set_str(t, "title", e->title);
    set_str(t, "description", e->description);
    json_object_set(t, "inputSchema", e->input_schema);
    if (e->output_schema)
        json_object_set(t, "outputSchema", e->output_schema);
    if (e->annotations)
        json_object_set(t, "annotations", e->annotations);
    return t;
}

static void m_tools_list(osr_mcp_req *req, json_t *params)
{
    list_page(req, params, "tools", req->session->server->ntools, tool_item);
}

static struct tool_entry *find_tool(osr_mcp_server *s, const char *name)
{
    for (size_t i = 0; i < s->naliases; i++) {
        if (strcmp(s->aliases[i].alias, name) == 0) {
            name = s->aliases[i].canonical;
            break;
        }
    }
    for (size_t i = 0; i < s->ntools; i++) {
        if (strcmp(s->tools[i].name, name) == 0)
            return &s->tools[i];
    }
    return NULL;
}

static void m_tools_call(osr_mcp_req *req, json_t *params)
{
    const char *name = param_str(params, "name");
    json_t *args = json_object_get(params, "arguments");
    struct osr_strv errors = OSR_STRV_INIT;
    struct tool_entry *t;
    char msg[256];

    if (!name)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: name must be a string", NULL);
    t = find_tool(req->session->server, name);
    if (!t) {
        snprintf(msg, sizeof(msg), "Unknown tool: %.200s", name);
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS, msg,
                                 json_pack("{s:s, s:s}", "tool", name, "suggest",
                                           "tools/list names the tools this server has"));
    }
    if (args && !json_is_object(args) && !json_is_null(args))
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: arguments must be an object", NULL);
    args = json_is_object(args) ? json_incref(args) : json_object();
    if (osr_jsonschema_validate(t->input_schema, args, "arguments", &errors) > 0) {
        char *joined = osr_strv_join(&errors, "; ");
        char *text = osr_xasprintf("Invalid arguments for tool %s: %s", t->name, joined);
        osr_mcp_req_tool_error_text(req, text);
        free(text);
        free(joined);
    } else {
        t->call(req, args, t->payload);
    }
    json_decref(args);
    osr_strv_dispose(&errors);
}

/* ---- resources ---- */

static json_t *resource_item(osr_mcp_server *s, size_t i)
{
    struct resource_entry *e = &s->resources[i];
    json_t *r = json_pack("{s:s, s:s}", "uri", e->uri, "name", e->name);

    set_str(r, "title", e->title);
    set_str(r, "description", e->description);
    set_str(r, "mimeType", e->mime_type);
    return r;
}

static json_t *template_item(osr_mcp_server *s, size_t i)
{
    struct template_entry *e = &s->templates[i];
    json_t *r = json_pack("{s:s, s:s}", "uriTemplate", e->uri_template, "name", e->name);

    set_str(r, "title", e->title);
    set_str(r, "description", e->description);
    set_str(r, "mimeType", e->mime_type);
    return r;
}

static void m_resources_list(osr_mcp_req *req, json_t *params)
{
    list_page(req, params, "resources", req->session->server->nresources, resource_item);
}

static void m_templates_list(osr_mcp_req *req, json_t *params)
{
    list_page(req, params, "resourceTemplates", req->session->server->ntemplates, template_item);
}

/* Matches `uri` against a template whose {name} parts each match one non-empty segment
 * without '/'. Returns the captured variables (new reference) or NULL. */
static json_t *template_match(const char *tpl, const char *uri)
{
    json_t *vars = json_object();

    while (*tpl) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            char stop;
            size_t n = 0;
            char *name;
            if (!close)
                break;
            stop = close[1];
            while (uri[n] && uri[n] != '/' && uri[n] != stop)
                n++;
            if (n == 0)
                break;
            name = osr_xstrndup(tpl + 1, (size_t)(close - tpl - 1));
            json_object_set_new(vars, name, json_stringn(uri, n));
            free(name);
            uri += n;
            tpl = close + 1;
        } else if (*uri == '\0' || *tpl != *uri) {
            break;
        } else {
            tpl++;
            uri++;
        }
    }
    if (*tpl == '\0' && *uri == '\0')
        return vars;
    json_decref(vars);
    return NULL;
}

static void not_found(osr_mcp_req *req, const char *uri)
{
    char msg[320];

    snprintf(msg, sizeof(msg), "Resource not found: %.256s", uri);
    osr_mcp_req_error(req, req->modern_meta ? OSR_RPC_INVALID_PARAMS : OSR_RPC_RESOURCE_NOT_FOUND,
                      msg, json_pack("{s:s}", "uri", uri));
}

static void m_resources_read(osr_mcp_req *req, json_t *params)
{
    osr_mcp_server *s = req->session->server;
    const char *uri = param_str(params, "uri");

    if (!uri)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: uri must be a string", NULL);
    for (size_t i = 0; i < s->nresources; i++) {
        if (strcmp(s->resources[i].uri, uri) == 0)
            return s->resources[i].read(req, uri, NULL, s->resources[i].payload);
    }
    for (size_t i = 0; i < s->ntemplates; i++) {
        json_t *vars = template_match(s->templates[i].uri_template, uri);
        if (vars) {
            s->templates[i].read(req, uri, vars, s->templates[i].payload);
            json_decref(vars);
            return;
        }
    }
    not_found(req, uri);
}

static void m_subscribe(osr_mcp_req *req, json_t *params)
{
    const char *uri = param_str(params, "uri");

    if (!uri)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: uri must be a string", NULL);
    osr_strv_add_unique(&req->session->subscriptions, uri);
    osr_mcp_req_respond(req, json_object());
}

static void m_unsubscribe(osr_mcp_req *req, json_t *params)
{
    struct osr_strv *subs = &req->session->subscriptions;
    const char *uri = param_str(params, "uri");

    if (!uri)
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: uri must be a string", NULL);
    for (size_t i = 0; i < subs->n; i++) {
        if (strcmp(subs->v[i], uri) == 0) {
            free(subs->v[i]);
            subs->v[i] = subs->v[--subs->n];
            break;
        }
    }
    osr_mcp_req_respond(req, json_object());
}

/* ---- prompts ---- */

static json_t *prompt_item(osr_mcp_server *s, size_t i)
{
    struct prompt_entry *e = &s->prompts[i];
    json_t *p = json_pack("{s:s, s:O}", "name", e->name, "arguments", e->arguments);

    set_str(p, "title", e->title);
    set_str(p, "description", e->description);
    return p;
}

static void m_prompts_list(osr_mcp_req *req, json_t *params)
{
    list_page(req, params, "prompts", req->session->server->nprompts, prompt_item);
}

static struct prompt_entry *find_prompt(osr_mcp_server *s, const char *name)
{
    for (size_t i = 0; name && i < s->nprompts; i++) {
        if (strcmp(s->prompts[i].name, name) == 0)
            return &s->prompts[i];
    }
    return NULL;
}

static void m_prompts_get(osr_mcp_req *req, json_t *params)
{
    const char *name = param_str(params, "name");
    struct prompt_entry *p = find_prompt(req->session->server, name);
    json_t *args = json_object_get(params, "arguments"), *a;
    char msg[300];
    size_t i;

    if (!p) {
        snprintf(msg, sizeof(msg), "Unknown prompt: %.200s", name ? name : "(no name)");
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS, msg, NULL);
    }
    if (args && !json_is_object(args))
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: arguments must be an object", NULL);
    json_array_foreach(p->arguments, i, a)
    {
        const char *an = param_str(a, "name");
        if (an && json_is_true(json_object_get(a, "required")) &&
            !json_is_string(json_object_get(args, an))) {
            snprintf(msg, sizeof(msg), "Invalid params: missing required argument '%.100s'", an);
            return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS, msg, NULL);
        }
    }
    args = args ? json_incref(args) : json_object();
    p->get(req, args, p->payload);
    json_decref(args);
}

/* ---- completion ---- */

static osr_mcp_complete_fn completer(osr_mcp_server *s, json_t *ref, void **payload)
{
    const char *type = param_str(ref, "type");

    if (type && strcmp(type, "ref/prompt") == 0) {
        struct prompt_entry *p = find_prompt(s, param_str(ref, "name"));
        *payload = p ? p->payload : NULL;
        return p ? p->complete : NULL;
    }
    for (size_t i = 0; type && strcmp(type, "ref/resource") == 0 && i < s->ntemplates; i++) {
        const char *uri = param_str(ref, "uri");
        if (uri && strcmp(s->templates[i].uri_template, uri) == 0) {
            *payload = s->templates[i].payload;
            return s->templates[i].complete;
        }
    }
    return NULL;
}

static void m_complete(osr_mcp_req *req, json_t *params)
{
    json_t *ref = json_object_get(params, "ref"), *arg = json_object_get(params, "argument");
    const char *name = param_str(arg, "name"), *value = param_str(arg, "value");
    json_t *values = json_array();
    void *payload = NULL;
    osr_mcp_complete_fn fn;
    size_t total;

    if (!json_is_object(ref) || !name || !value) {
        json_decref(values);
        return osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS,
                                 "Invalid params: ref and argument {name, value} are required",
                                 NULL);
    }
    fn = completer(req->session->server, ref, &payload);
    if (fn)
        fn(name, value, values, payload);
    total = json_array_size(values);
    while (json_array_size(values) > MAX_COMPLETIONS)
        json_array_remove(values, json_array_size(values) - 1);
    osr_mcp_req_respond(req, json_pack("{s:{s:o, s:i, s:b}}", "completion", "values", values,
                                       "total", (int)total, "hasMore", total > MAX_COMPLETIONS));
}

/* ---- the table ---- */

struct method {
    const char *name;
    method_fn fn;
    bool before_init;
};

static const struct method methods[] = {
    {"completion/complete", m_complete, false},
    {"initialize", m_initialize, true},
    {"logging/setLevel", m_set_level, false},
    {"ping", m_ping, true},
    {"prompts/get", m_prompts_get, false},
    {"prompts/list", m_prompts_list, false},
    {"resources/list", m_resources_list, false},
    {"resources/read", m_resources_read, false},
    {"resources/subscribe", m_subscribe, false},
    {"resources/templates/list", m_templates_list, false},
    {"resources/unsubscribe", m_unsubscribe, false},
    {"server/discover", m_discover, true},
    {"tools/call", m_tools_call, false},
    {"tools/list", m_tools_list, false},
};

method_fn osr_mcp__method_find(const char *method, bool *before_init_ok)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(methods); i++) {
        if (strcmp(methods[i].name, method) == 0) {
            *before_init_ok = methods[i].before_init;
            return methods[i].fn;
        }
    }
    return NULL;
}
