/*
 * resources.c - the server's resources and prompt (DESIGN.md §5.4).
 *
 * Static: the OML schema, the three instruction texts, the authoring guide and the use-case
 * catalogue, read from the shipped resources directory at start. Templates: discovery
 * artifacts (the cache entries the discovery child wrote), OML drafts and memory sessions,
 * read from the workspace. A template's variables are checked (a discovery id is 16 hex
 * characters, an artifact one of overview, tables, samples; file names as for oml_save) and
 * the resolved file must lie inside its root once symbolic links are followed; anything
 * else is refused with POLICY_ERROR, and a file that does not exist is "not found".
 */
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "mcp/jsonrpc.h"
#include "mcp/tools/tools_int.h"

#include <limits.h>
#include <stdlib.h>

struct text_resource {
    const char *uri, *name, *title, *description, *mime, *file;
};

static const struct text_resource texts[] = {
    {"osiris://instructions/workflow", "workflow", "Osiris workflow",
     "The order of work from a request to a saved pipeline, and what each tool is for.",
     "text/markdown", "instructions/workflow.md"},
    {"osiris://instructions/oml-syntax", "oml-syntax", "OML syntax",
     "OML v0.1.0 by example: steps, modes, connections, needs, parameters, profiles.",
     "text/markdown", "instructions/oml-syntax.md"},
    {"osiris://instructions/best-practices", "best-practices", "Pipeline best practices",
     "Security, design, incremental loads, component choice, performance, review.", "text/markdown",
     "instructions/best-practices.md"},
    {"osiris://mcp/prompts/oml_authoring_guide.md", "oml_authoring_guide", "OML authoring guide",
     "Step-by-step instructions for writing, validating and saving a pipeline.", "text/markdown",
     "prompts/oml_authoring_guide.md"},
    {"osiris://mcp/usecases/catalog.yaml", "usecases", "Use-case catalogue",
     "Complete example pipelines that pass validation.", "application/yaml",
     "usecases/catalog.yaml"},
    {"osiris://mcp/schemas/oml/v0.1.0.json", "oml-schema", "OML v0.1.0 JSON Schema",
     "The JSON Schema (2020-12) of OML v0.1.0 pipelines.", "application/schema+json",
     "oml/v0.1.0.json"},
};

static void respond_text(osr_mcp_req *req, const char *uri, const char *mime, const char *text,
                         size_t len)
{
    osr_mcp_req_respond(req, json_pack("{s:[{s:s, s:s, s:s%}]}", "contents", "uri", uri, "mimeType",
                                       mime, "text", text, len));
}

static void read_text(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    struct osr_mcp_tools *t = payload;

    OSR_UNUSED(vars);
    for (size_t i = 0; i < OSR_ARRAY_LEN(texts); i++) {
        if (strcmp(texts[i].uri, uri) == 0) {
            const char *text = json_string_value(json_object_get(t->texts, texts[i].uri));
            respond_text(req, uri, texts[i].mime, text, strlen(text));
            return;
        }
    }
    osr_mcp_req_error(req, OSR_RPC_RESOURCE_NOT_FOUND, "Resource not found",
                      json_pack("{s:s}", "uri", uri));
}

static void refuse(osr_mcp_req *req, const char *uri, const char *why)
{
    char msg[512];

    snprintf(msg, sizeof(msg), "Refused: %s (%.300s)", why, uri);
    osr_mcp_req_error(req, OSR_RPC_INVALID_PARAMS, msg,
                      json_pack("{s:s, s:s, s:s}", "error_code", "POLICY_ERROR", "code",
                                "POLICY/PATH", "uri", uri));
}

/* Serves root/rel if it exists inside root (symbolic links followed). */
static void serve_file(osr_mcp_req *req, const char *uri, const char *root, const char *rel,
                       const char *mime)
{
    char *path = osr_path_join(root, rel), real[PATH_MAX];
    struct osr_buf text;
    int inside = osr_fs_contained(path, root, real);

    if (inside < 0) {
        osr_mcp_req_error(req, OSR_RPC_RESOURCE_NOT_FOUND, "Resource not found",
                          json_pack("{s:s}", "uri", uri));
    } else if (!inside) {
        refuse(req, uri, "the file lies outside its directory");
    } else if (osr_fs_read_file(&text, real, 16u << 20) < 0) {
        osr_mcp_req_error(req, OSR_RPC_RESOURCE_NOT_FOUND, "Resource not readable",
                          json_pack("{s:s, s:s}", "uri", uri, "reason", osr_error_last()));
    } else {
        respond_text(req, uri, mime, text.ptr, text.len);
        osr_buf_dispose(&text);
    }
    free(path);
}

static void read_discovery(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    struct osr_mcp_tools *t = payload;
    const char *id = json_string_value(json_object_get(vars, "id"));
    const char *art = json_string_value(json_object_get(vars, "artifact"));
    char *root, *rel;

    if (!id || !art || strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16 ||
        (strcmp(art, "overview") != 0 && strcmp(art, "tables") != 0 && strcmp(art, "samples") != 0))
        return refuse(req, uri,
                      "a discovery id is 16 hex characters and the artifact one of "
                      "overview, tables, samples");
    root = osr_path_join(t->logs_dir, "cache");
    rel = osr_xasprintf("disc_%s/%s.json", id, art);
    serve_file(req, uri, root, rel, "application/json");
    free(rel);
    free(root);
}

static void read_draft(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    struct osr_mcp_tools *t = payload;
    const char *name = json_string_value(json_object_get(vars, "filename"));

    if (!name || !osr_name_ok(name, strlen(name), 100, true))
        return refuse(req, uri,
                      "a draft name has letters, digits, '.', '_', '-' and no leading dot");
    serve_file(req, uri, t->drafts_dir, name, "application/yaml");
}

static void read_memory(osr_mcp_req *req, const char *uri, json_t *vars, void *payload)
{
    struct osr_mcp_tools *t = payload;
    const char *id = json_string_value(json_object_get(vars, "session_id"));
    char *root, *rel;

    if (!id || !osr_name_ok(id, strlen(id), 64, false))
        return refuse(req, uri, "a session id has letters, digits, '_' and '-'");
    root = osr_path_join(t->logs_dir, "memory");
    rel = osr_xasprintf("sessions/%s.jsonl", id);
    serve_file(req, uri, root, rel, "application/jsonl");
    free(rel);
    free(root);
}

static void authoring_prompt(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    const char *goal = json_string_value(json_object_get(args, "goal"));
    const char *guide =
        json_string_value(json_object_get(t->texts, "osiris://mcp/prompts/oml_authoring_guide.md"));
    char *text = goal && *goal ? osr_xasprintf("%s\nThe user's goal: %s\n", guide, goal)
                               : osr_xstrdup(guide);

    osr_mcp_req_respond(req, json_pack("{s:s, s:[{s:s, s:{s:s, s:s}}]}", "description",
                                       "Write, validate and save an OML pipeline", "messages",
                                       "role", "user", "content", "type", "text", "text", text));
    free(text);
}

int osr_mcp_resources_register(osr_mcp_server *s, struct osr_mcp_tools *t, const char *res_dir)
{
    struct osr_mcp_template tpls[] = {
        {"osiris://mcp/discovery/{id}/{artifact}.json", "discovery-artifact", "Discovery artifact",
         "overview, tables or samples of a discovery (the discovery_id of discovery_request)",
         "application/json", read_discovery, NULL, t},
        {"osiris://mcp/drafts/oml/{filename}", "oml-draft", "OML draft",
         "A pipeline saved with oml_save", "application/yaml", read_draft, NULL, t},
        {"osiris://mcp/memory/sessions/{session_id}.jsonl", "memory-session", "Memory session",
         "What was captured for a session", "application/jsonl", read_memory, NULL, t},
    };
    json_t *arg = json_pack("[{s:s, s:s, s:b}]", "name", "goal", "description",
                            "What the pipeline should do, in a sentence", "required", 0);
    struct osr_mcp_prompt prompt = {
        "oml_authoring",
        "Author an OML pipeline",
        "Walks through discovery, drafting, validation and saving of a pipeline",
        arg,
        authoring_prompt,
        NULL,
        t};

    t->texts = json_object();
    for (size_t i = 0; i < OSR_ARRAY_LEN(texts); i++) {
        char *path = osr_path_join(res_dir, texts[i].file);
        struct osr_buf text;
        int rc = osr_fs_read_file(&text, path, 4u << 20);
        free(path);
        if (rc < 0) {
            json_decref(arg);
            return rc;
        }
        json_object_set_new(t->texts, texts[i].uri, json_stringn(text.ptr, text.len));
        osr_buf_dispose(&text);
        struct osr_mcp_resource r = {texts[i].uri,
                                     texts[i].name,
                                     texts[i].title,
                                     texts[i].description,
                                     texts[i].mime,
                                     read_text,
                                     t};
        osr_mcp_add_resource(s, &r);
    }
    for (size_t i = 0; i < OSR_ARRAY_LEN(tpls); i++)
        osr_mcp_add_template(s, &tpls[i]);
    osr_mcp_add_prompt(s, &prompt);
    json_decref(arg);
    return 0;
}
