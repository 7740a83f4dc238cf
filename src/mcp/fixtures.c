/*
 * fixtures.c - conformance fixtures (see fixtures.h).
 */
#include "mcp/fixtures.h"
#include "core/alloc.h"

/* A 1x1 red PNG and a 8-sample silent WAV, generated for these fixtures. */
static const char png_b64[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQ"
    "DJ/pLvAAAAAElFTkSuQmCC";
static const char wav_b64[] = "UklGRjQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YRAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAA";

static json_t *text_item(const char *text)
{
    return json_pack("{s:s, s:s}", "type", "text", "text", text);
}

static json_t *image_item(void)
{
    return json_pack("{s:s, s:s, s:s}", "type", "image", "data", png_b64, "mimeType", "image/png");
}

static void reply_text(osr_mcp_req *req, const char *text)
{
    osr_mcp_req_tool_result(req, json_pack("[o]", text_item(text)), NULL, false);
}

static void t_simple_text(osr_mcp_req *req, json_t *args, void *p)
{
    reply_text(req, "This is a simple text response for testing.");
}

static void t_image(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_tool_result(req, json_pack("[o]", image_item()), NULL, false);
}

static void t_audio(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_tool_result(
        req,
        json_pack("[{s:s, s:s, s:s}]", "type", "audio", "data", wav_b64, "mimeType", "audio/wav"),
        NULL, false);
}

static void t_embedded(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_tool_result(req,
                            json_pack("[{s:s, s:{s:s, s:s, s:s}}]", "type", "resource", "resource",
                                      "uri", "test://embedded-resource", "mimeType", "text/plain",
                                      "text", "This is an embedded resource content."),
                            NULL, false);
}

static void t_mixed(osr_mcp_req *req, json_t *args, void *p)
{
    json_t *content = json_pack(
        "[o, o, {s:s, s:{s:s, s:s, s:s}}]", text_item("Multiple content types test:"), image_item(),
        "type", "resource", "resource", "uri", "test://mixed-content-resource", "mimeType",
        "application/json", "text", "{\"test\":\"data\",\"value\":123}");
    osr_mcp_req_tool_result(req, content, NULL, false);
}

static void t_error(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_tool_error_text(req, "This tool intentionally returns an error for testing");
}

/* ---- tools that take time: a step counter driven by loop timers ---- */

struct ticker {
    osr_mcp_req *req;
    uint64_t timer;
    int step;
    void (*tick)(struct ticker *t); /* frees t when the last step answers */
};

static void ticker_fire(osr_loop *loop, void *payload)
{
    struct ticker *t = payload;

    OSR_UNUSED(loop);
    t->timer = 0;
    t->tick(t);
}

static void ticker_cancel(osr_mcp_req *req, void *payload)
{
    struct ticker *t = payload;

    OSR_UNUSED(req);
    if (t->timer)
        osr_loop_cancel_timer(osr_mcp_req_loop(t->req), t->timer);
    free(t);
}

static void ticker_next(struct ticker *t, uint64_t ms)
{
    t->timer = osr_loop_add_timer(osr_mcp_req_loop(t->req), ms, ticker_fire, t);
}

static void ticker_start(osr_mcp_req *req, void (*tick)(struct ticker *t))
{
    struct ticker *t = osr_xcalloc(1, sizeof(*t));

    t->req = req;
    t->tick = tick;
    osr_mcp_req_on_cancel(req, ticker_cancel, t);
    tick(t);
}

static void ticker_finish(struct ticker *t, const char *text)
{
    osr_mcp_req *req = t->req;

    osr_mcp_req_on_cancel(req, NULL, NULL);
    free(t);
    reply_text(req, text);
}

static void logging_tick(struct ticker *t)
{
    static const char *const lines[] = {"Tool execution started", "Tool processing data",
                                        "Tool execution completed"};

    osr_mcp_req_log(t->req, "info", "conformance", json_string(lines[t->step]));
    if (++t->step < 3)
        ticker_next(t, 50);
    else
        ticker_finish(t, "Logging tool finished: 3 messages sent");
}

static void t_logging(osr_mcp_req *req, json_t *args, void *p)
{
    ticker_start(req, logging_tick);
}

static void progress_tick(struct ticker *t)
{
    osr_mcp_req_progress(t->req, 50.0 * t->step, 100, NULL);
    if (++t->step < 3)
        ticker_next(t, 50);
    else
        ticker_finish(t, "Progress tool finished: 0, 50 and 100 of 100 reported");
}

static void t_progress(osr_mcp_req *req, json_t *args, void *p)
{
    ticker_start(req, progress_tick);
}

/* ---- round trips to the client ---- */

static void sampling_done(osr_mcp_req *req, json_t *result, json_t *error, void *payload)
{
    json_t *text = json_object_get(json_object_get(result, "content"), "text");
    char *msg;

    if (error) {
        osr_mcp_req_tool_error_text(req, "The client refused the sampling request");
        return;
    }
    msg = osr_xasprintf("LLM response: %s", json_is_string(text) ? json_string_value(text) : "");
    reply_text(req, msg);
    free(msg);
}

static void t_sampling(osr_mcp_req *req, json_t *args, void *p)
{
    json_t *params =
        json_pack("{s:[{s:s, s:{s:s, s:O}}], s:i}", "messages", "role", "user", "content", "type",
                  "text", "text", json_object_get(args, "prompt"), "maxTokens", 100);

    if (osr_mcp_req_ask_client(req, "sampling", "sampling/createMessage", params, sampling_done,
                               NULL) < 0)
        osr_mcp_req_tool_error_text(req, "The client did not declare the sampling capability");
}

static void elicit_done(osr_mcp_req *req, json_t *result, json_t *error, void *payload)
{
    char *content, *msg;
    json_t *action = json_object_get(result, "action");

    if (error) {
        osr_mcp_req_tool_error_text(req, "The client refused the elicitation request");
        return;
    }
    content = json_dumps(json_object_get(result, "content") ? json_object_get(result, "content")
                                                            : json_null(),
                         JSON_COMPACT | JSON_ENCODE_ANY);
    msg = osr_xasprintf("%s: action=%s, content=%s", (const char *)payload,
                        json_is_string(action) ? json_string_value(action) : "?",
                        content ? content : "null");
    reply_text(req, msg);
    free(msg);
    free(content);
}

static void ask_elicitation(osr_mcp_req *req, json_t *params, const char *label)
{
    if (osr_mcp_req_ask_client(req, "elicitation", "elicitation/create", params, elicit_done,
                               (void *)label) < 0)
        osr_mcp_req_tool_error_text(req, "The client did not declare the elicitation capability");
}

static void t_elicitation(osr_mcp_req *req, json_t *args, void *p)
{
    json_t *params = json_pack(
        "{s:O, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:s}}, s:[s, s]}}", "message",
        json_object_get(args, "message"), "requestedSchema", "type", "object", "properties",
        "username", "type", "string", "description", "Name the user goes by", "email", "type",
        "string", "description", "Email address of the user", "required", "username", "email");
    ask_elicitation(req, params, "User response");
}

static void t_elicit_defaults(osr_mcp_req *req, json_t *args, void *p)
{
    json_t *params = json_pack(
        "{s:s, s:{s:s, s:{s:{s:s, s:s}, s:{s:s, s:i}, s:{s:s, s:f}, s:{s:s, s:[s,s,s], s:s}, "
        "s:{s:s, s:b}}, s:[]}}",
        "message", "Confirm the profile; every field has a default", "requestedSchema", "type",
        "object", "properties", "name", "type", "string", "default", "John Doe", "age", "type",
        "integer", "default", 30, "score", "type", "number", "default", 95.5, "status", "type",
        "string", "enum", "active", "inactive", "pending", "default", "active", "verified", "type",
        "boolean", "default", 1, "required");
    ask_elicitation(req, params, "Elicitation completed");
}

static void t_elicit_enums(osr_mcp_req *req, json_t *args, void *p)
{
    json_t *props = json_object();

    json_object_set_new(
        props, "untitledSingle",
        json_pack("{s:s, s:[s,s,s]}", "type", "string", "enum", "option1", "option2", "option3"));
    json_object_set_new(props, "titledSingle",
                        json_pack("{s:s, s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}", "type", "string",
                                  "oneOf", "const", "value1", "title", "First Option", "const",
                                  "value2", "title", "Second Option", "const", "value3", "title",
                                  "Third Option"));
    json_object_set_new(props, "legacyEnum",
                        json_pack("{s:s, s:[s,s,s], s:[s,s,s]}", "type", "string", "enum", "opt1",
                                  "opt2", "opt3", "enumNames", "Option One", "Option Two",
                                  "Option Three"));
    json_object_set_new(props, "untitledMulti",
                        json_pack("{s:s, s:{s:s, s:[s,s,s]}}", "type", "array", "items", "type",
                                  "string", "enum", "option1", "option2", "option3"));
    json_object_set_new(props, "titledMulti",
                        json_pack("{s:s, s:{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s}]}}", "type", "array",
                                  "items", "anyOf", "const", "value1", "title", "First Choice",
                                  "const", "value2", "title", "Second Choice", "const", "value3",
                                  "title", "Third Choice"));
    ask_elicitation(req,
                    json_pack("{s:s, s:{s:s, s:o, s:[]}}", "message", "Pick from each list",
                              "requestedSchema", "type", "object", "properties", props, "required"),
                    "Elicitation completed");
}

static void t_schema_2020(osr_mcp_req *req, json_t *args, void *p)
{
    char *text = json_dumps(args, JSON_COMPACT);
    char *msg = osr_xasprintf("Received: %s", text ? text : "{}");

    reply_text(req, msg);
    free(msg);
    free(text);
}

static void t_missing_capability(osr_mcp_req *req, json_t *args, void *p)
{
    if (!osr_mcp_req_client_has(req, "sampling")) {
        osr_mcp_req_error(req, -32021, "Missing required client capability: sampling",
                          json_pack("{s:{s:{}}}", "requiredCapabilities", "sampling"));
        return;
    }
    reply_text(req, "The client declared sampling");
}

static void t_log_now(osr_mcp_req *req, json_t *args, void *p)
{
    for (int i = 1; i <= 3; i++)
        osr_mcp_req_log(req, "info", "conformance", json_pack("{s:i}", "step", i));
    reply_text(req, "Logged three messages");
}

/* ---- resources and prompts ---- */

static void r_static_text(osr_mcp_req *req, const char *uri, json_t *vars, void *p)
{
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                       "text/plain", "text",
                                       "This is the content of the static text resource."));
}

static void r_static_binary(osr_mcp_req *req, const char *uri, json_t *vars, void *p)
{
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                       "image/png", "blob", png_b64));
}

static void r_watched(osr_mcp_req *req, const char *uri, json_t *vars, void *p)
{
    osr_mcp_req_respond(req,
                        json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                  "text/plain", "text", "A resource clients can subscribe to."));
}

static void r_template(osr_mcp_req *req, const char *uri, json_t *vars, void *p)
{
    const char *id = json_string_value(json_object_get(vars, "id"));
    char *data = osr_xasprintf("Data for ID: %s", id);
    json_t *doc = json_pack("{s:s, s:b, s:s}", "id", id, "templateTest", 1, "data", data);
    char *text = json_dumps(doc, JSON_COMPACT);

    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s, s:s}]}", "contents", "uri", uri, "mimeType",
                                       "application/json", "text", text));
    free(text);
    free(data);
    json_decref(doc);
}

static void p_simple(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:o}]}", "messages", "role", "user", "content",
                                       text_item("This is a simple prompt for testing.")));
}

static void p_args(osr_mcp_req *req, json_t *args, void *p)
{
    char *text = osr_xasprintf("Prompt with arguments: arg1='%s', arg2='%s'",
                               json_string_value(json_object_get(args, "arg1")),
                               json_string_value(json_object_get(args, "arg2")));

    osr_mcp_req_respond(
        req, json_pack("{s:[{s:s, s:o}]}", "messages", "role", "user", "content", text_item(text)));
    free(text);
}

static void p_embedded(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_respond(
        req, json_pack("{s:[{s:s, s:{s:s, s:{s:O, s:s, s:s}}}, {s:s, s:o}]}", "messages", "role",
                       "user", "content", "type", "resource", "resource", "uri",
                       json_object_get(args, "resourceUri"), "mimeType", "text/plain", "text",
                       "Embedded resource content for testing.", "role", "user", "content",
                       text_item("Please process the embedded resource above.")));
}

static void p_image(osr_mcp_req *req, json_t *args, void *p)
{
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:o}, {s:s, s:o}]}", "messages", "role", "user",
                                       "content", image_item(), "role", "user", "content",
                                       text_item("Please analyze the image above.")));
}

static void complete_args(const char *name, const char *value, json_t *values, void *p)
{
    static const char *const words[] = {"paris", "park", "party", "pasta", "test", "testValue"};

    for (size_t i = 0; i < OSR_ARRAY_LEN(words); i++) {
        if (strncmp(words[i], value, strlen(value)) == 0)
            json_array_append_new(values, json_string(words[i]));
    }
}

static void add_tool(osr_mcp_server *s, const char *name, const char *desc, json_t *schema,
                     osr_mcp_tool_fn fn)
{
    struct osr_mcp_tool t = {.name = name, .description = desc, .input_schema = schema, .call = fn};

    osr_mcp_add_tool(s, &t);
    json_decref(schema);
}

static json_t *no_args(void)
{
    return json_pack("{s:s, s:{}}", "type", "object", "properties");
}

static json_t *one_string_arg(const char *name, const char *desc)
{
    return json_pack("{s:s, s:{s:{s:s, s:s}}, s:[s]}", "type", "object", "properties", name, "type",
                     "string", "description", desc, "required", name);
}

static void register_tools(osr_mcp_server *s)
{
    add_tool(s, "test_simple_text", "Returns one text item", no_args(), t_simple_text);
    add_tool(s, "test_image_content", "Returns a PNG image", no_args(), t_image);
    add_tool(s, "test_audio_content", "Returns a WAV clip", no_args(), t_audio);
    add_tool(s, "test_embedded_resource", "Returns an embedded text resource", no_args(),
             t_embedded);
    add_tool(s, "test_multiple_content_types", "Returns text, image and resource items", no_args(),
             t_mixed);
    add_tool(s, "test_tool_with_logging", "Sends three log messages 50 ms apart", no_args(),
             t_logging);
    add_tool(s, "test_error_handling", "Always fails", no_args(), t_error);
    add_tool(s, "test_tool_with_progress", "Reports progress 0, 50 and 100 of 100", no_args(),
             t_progress);
    add_tool(s, "test_sampling", "Asks the client's model to answer a prompt",
             one_string_arg("prompt", "Prompt for the model"), t_sampling);
    add_tool(s, "test_elicitation", "Asks the user for a name and an email address",
             one_string_arg("message", "Message shown to the user"), t_elicitation);
    add_tool(s, "test_elicitation_sep1034_defaults", "Asks for fields that all have defaults",
             no_args(), t_elicit_defaults);
    add_tool(s, "test_elicitation_sep1330_enums", "Asks for the five kinds of enumeration",
             no_args(), t_elicit_enums);
    add_tool(s, "json_schema_2020_12_tool", "Tool with JSON Schema 2020-12 features",
             json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:{s:{s:s}, s:{s:s}}}}, "
                       "s:{s:{s:s}, s:{s:s}, s:{s:s}}, s:[{s:[{s:[s]}, {s:[s]}]}], "
                       "s:{s:{s:{s:s}}}, s:{s:[s]}, s:{}, s:b}",
                       "$schema", "https://json-schema.org/draft/2020-12/schema", "type", "object",
                       "$defs", "address", "$anchor", "address", "type", "object", "properties",
                       "street", "type", "string", "city", "type", "string", "properties", "name",
                       "type", "string", "address", "$ref", "#/$defs/address", "country", "type",
                       "string", "allOf", "anyOf", "required", "name", "required", "address", "if",
                       "properties", "country", "const", "US", "then", "required", "address",
                       "else", "additionalProperties", 0),
             t_schema_2020);
    add_tool(s, "test_missing_capability", "Needs the client's sampling capability", no_args(),
             t_missing_capability);
    add_tool(s, "test_logging_tool", "Sends three log messages at once", no_args(), t_log_now);
}

static void register_resources(osr_mcp_server *s)
{
    struct osr_mcp_resource text = {
        "test://static-text", "static-text", NULL, "A fixed text resource",
        "text/plain",         r_static_text, NULL};
    struct osr_mcp_resource bin = {"test://static-binary",
                                   "static-binary",
                                   NULL,
                                   "A fixed PNG image",
                                   "image/png",
                                   r_static_binary,
                                   NULL};
    struct osr_mcp_resource watched = {"test://watched-resource",
                                       "watched-resource",
                                       NULL,
                                       "A resource to subscribe to",
                                       "text/plain",
                                       r_watched,
                                       NULL};
    struct osr_mcp_template tpl = {
        "test://template/{id}/data", "template-data", NULL,          "JSON data for any id",
        "application/json",          r_template,      complete_args, NULL};

    osr_mcp_add_resource(s, &text);
    osr_mcp_add_resource(s, &bin);
    osr_mcp_add_resource(s, &watched);
    osr_mcp_add_template(s, &tpl);
}

static void register_prompts(osr_mcp_server *s)
{
    json_t *two = json_pack("[{s:s, s:s, s:b}, {s:s, s:s, s:b}]", "name", "arg1", "description",
                            "First argument", "required", 1, "name", "arg2", "description",
                            "Second argument", "required", 1);
    json_t *uri = json_pack("[{s:s, s:s, s:b}]", "name", "resourceUri", "description",
                            "URI of the resource to embed", "required", 1);
    struct osr_mcp_prompt prompts[] = {
        {"test_simple_prompt", NULL, "A prompt without arguments", NULL, p_simple, NULL, NULL},
        {"test_prompt_with_arguments", NULL, "A prompt that repeats its two arguments", two, p_args,
         complete_args, NULL},
        {"test_prompt_with_embedded_resource", NULL, "A prompt that embeds a resource", uri,
         p_embedded, NULL, NULL},
        {"test_prompt_with_image", NULL, "A prompt with an image", NULL, p_image, NULL, NULL},
    };

    for (size_t i = 0; i < OSR_ARRAY_LEN(prompts); i++)
        osr_mcp_add_prompt(s, &prompts[i]);
    json_decref(two);
    json_decref(uri);
}

void osr_mcp_fixtures_register(osr_mcp_server *s)
{
    register_tools(s);
    register_resources(s);
    register_prompts(s);
}
