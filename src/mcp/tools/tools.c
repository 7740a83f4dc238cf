/*
 * tools.c - the tool table and the in-process tools (see tools.h).
 */
#include "mcp/tools/tools.h"
#include "core/alloc.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/registry.h"
#include "core/yaml.h"
#include "mcp/tools/envelope.h"
#include "oml/oml.h"

struct osr_mcp_tools {
    char *base_path;
    struct osr_registry registry;
    json_t *schema;   /* resources/oml/v0.1.0.json */
    json_t *usecases; /* resources/usecases/catalog.yaml, as JSON */
};

#define SCHEMA_URI "osiris://mcp/schemas/oml/v0.1.0.json"
#define CATALOG_URI "osiris://mcp/usecases/catalog.yaml"

/* ---- components_list ---- */

static const char *group_of(const struct osr_component *c)
{
    static const char *const groups[][2] = {
        {"extract", "extractors"}, {"write", "writers"}, {"transform", "processors"}};

    for (size_t g = 0; g < OSR_ARRAY_LEN(groups); g++) {
        if (osr_strv_contains(&c->modes, groups[g][0]))
            return groups[g][1];
    }
    return osr_strv_contains(&c->modes, "load") ? "writers" : "other";
}

static json_t *component_item(const struct osr_component *c)
{
    json_t *spec = c->spec, *schema = json_object_get(spec, "configSchema");
    json_t *fields = json_array(), *modes = json_array(), *examples = json_array(), *v;
    const char *k;
    size_t i;

    json_object_foreach(json_object_get(schema, "properties"), k, v)
        json_array_append_new(fields, json_string(k));
    for (i = 0; i < c->modes.n; i++)
        json_array_append_new(modes, json_string(c->modes.v[i]));
    json_array_foreach(json_object_get(spec, "examples"), i, v)
    {
        if (i < 2)
            json_array_append(examples, v);
    }
    return json_pack("{s:s, s:O?, s:O?, s:O?, s:o, s:O?, s:o, s:o}", "name", c->name, "version",
                     json_object_get(spec, "version"), "title", json_object_get(spec, "title"),
                     "description", json_object_get(spec, "description"), "modes", modes,
                     "required", json_object_get(schema, "required"), "fields", fields, "examples",
                     examples);
}

static void components_list(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    struct osr_tool_call call;
    json_t *groups =
        json_pack("{s:[], s:[], s:[], s:[]}", "extractors", "writers", "processors", "other");

    osr_tool_call_begin(&call, req, "components_list", args);
    for (size_t i = 0; i < t->registry.n; i++)
        json_array_append_new(json_object_get(groups, group_of(&t->registry.v[i])),
                              component_item(&t->registry.v[i]));
    osr_tool_success(&call, json_pack("{s:o, s:I}", "components", groups, "total_count",
                                      (json_int_t)t->registry.n));
}

/* ---- usecases_list ---- */

static void usecases_list(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    struct osr_tool_call call;
    const char *only = json_string_value(json_object_get(args, "category"));
    json_t *items = json_array(), *by_cat = json_object(), *cats = json_array(), *uc;
    size_t i;

    osr_tool_call_begin(&call, req, "usecases_list", args);
    json_array_foreach(json_object_get(t->usecases, "usecases"), i, uc)
    {
        const char *cat = json_string_value(json_object_get(uc, "category"));
        json_t *item;
        if (!cat)
            cat = "general";
        if (only && strcmp(only, cat) != 0)
            continue;
        item = json_deep_copy(uc);
        json_object_set_new(
            item, "snippet_uri",
            json_sprintf("%s#%s", CATALOG_URI, json_string_value(json_object_get(uc, "id"))));
        if (!json_object_get(by_cat, cat)) {
            json_object_set_new(by_cat, cat, json_array());
            json_array_append_new(cats, json_string(cat));
        }
        json_array_append(json_object_get(by_cat, cat), item);
        json_array_append_new(items, item);
    }
    osr_tool_success(&call,
                     json_pack("{s:o, s:o, s:o, s:I, s:s}", "usecases", items, "by_category",
                               by_cat, "categories", cats, "total_count",
                               (json_int_t)json_array_size(items), "catalog_uri", CATALOG_URI));
}

/* ---- oml_schema_get ---- */

static void oml_schema_get(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    struct osr_tool_call call;

    osr_tool_call_begin(&call, req, "oml_schema_get", args);
    osr_tool_success(&call, json_pack("{s:s, s:s, s:O}", "version", OSR_OML_VERSION, "schema_uri",
                                      SCHEMA_URI, "schema", t->schema));
}

/* ---- oml_validate ---- */

static void oml_validate(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    struct osr_tool_call call;
    const char *text = json_string_value(json_object_get(args, "oml_content"));
    struct osr_connections conns;
    struct osr_diags ignored;
    struct osr_oml_ctx ctx = {&t->registry, NULL, "oml_content"};

    osr_tool_call_begin(&call, req, "oml_validate", args);
    osr_diags_init(&ignored);
    /* Names only: the server never holds a connection's fields. */
    if (osr_connections_load_names(&conns, t->base_path, &ignored) == 0 && conns.present)
        ctx.conns = &conns;
    osr_tool_success(
        &call, osr_oml_check_text(text, json_string_length(json_object_get(args, "oml_content")),
                                  &ctx, json_is_true(json_object_get(args, "strict"))));
    osr_connections_dispose(&conns);
    osr_diags_dispose(&ignored);
}

/* ---- the table ---- */

struct tool_def {
    const char *name, *title, *description;
    const char *aliases[4];
    const char *input_schema;
    osr_mcp_tool_fn fn;
};

#define NO_ARGS "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"

static const struct tool_def defs[] = {
    {"components_list",
     "List components",
     "The pipeline components this installation ships (extractors, writers, processors), "
     "each with its modes, configuration fields and examples. Use the names in OML steps.",
     {"components.list", "osiris.components.list"},
     NO_ARGS,
     components_list},
    {"usecases_list",
     "List use cases",
     "Complete example pipelines that pass oml_validate, by category: starting points to "
     "copy and adapt to the workspace's connections and tables.",
     {"usecases.list", "osiris.usecases.list"},
     "{\"type\":\"object\",\"properties\":{\"category\":{\"type\":\"string\",\"description\":"
     "\"Only the use cases of this category\"}},\"additionalProperties\":false}",
     usecases_list},
    {"oml_schema_get",
     "Get the OML schema",
     "The JSON Schema (2020-12) of OML v0.1.0, the pipeline language. Read it before writing "
     "a pipeline.",
     {"oml.schema.get", "osiris.oml.schema.get"},
     NO_ARGS,
     oml_schema_get},
    {"oml_validate",
     "Validate an OML pipeline",
     "Checks an OML pipeline and returns every problem at once, in document order, with a "
     "stable code, line, column, path and a suggested fix. Call it before saving or "
     "compiling.",
     {"oml.validate", "osiris.oml.validate", "osiris.validate_oml"},
     "{\"type\":\"object\",\"properties\":{\"oml_content\":{\"type\":\"string\",\"minLength\":1,"
     "\"description\":\"The pipeline as OML YAML text\"},\"strict\":{\"type\":\"boolean\","
     "\"default\":false,\"description\":\"Warnings count as errors\"}},\"required\":["
     "\"oml_content\"],\"additionalProperties\":false}",
     oml_validate},
};

/* The envelope every tool answers with (structuredContent). */
static const char output_schema[] =
    "{\"type\":\"object\",\"required\":[\"status\",\"_meta\"],\"properties\":{"
    "\"status\":{\"enum\":[\"success\",\"error\"]},\"result\":{\"type\":\"object\"},"
    "\"error_code\":{\"type\":\"string\"},\"error\":{\"type\":\"object\",\"properties\":{"
    "\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"},\"path\":{\"type\":"
    "\"array\"},\"suggest\":{\"type\":\"string\"}}},\"_meta\":{\"type\":\"object\",\"required\":"
    "[\"correlation_id\",\"duration_ms\",\"bytes_in\",\"bytes_out\",\"tool\"]}}}";

static json_t *load_catalog(const char *path)
{
    struct osr_buf text;
    struct osr_yaml_error err;
    struct osr_ynode *root = NULL;
    json_t *j = NULL;

    if (osr_fs_read_file(&text, path, 4u << 20) < 0)
        return NULL;
    if (osr_yaml_parse(&root, &err, text.ptr, text.len, NULL) == 0)
        j = osr_ynode_to_json(root);
    else
        osr_error_set(-OSR_EPARSE, "%s:%u:%u: %s", path, err.line, err.col, err.message);
    osr_ynode_free(root);
    osr_buf_dispose(&text);
    return j;
}

struct osr_mcp_tools *osr_mcp_tools_register(osr_mcp_server *s, const char *base_path)
{
    struct osr_mcp_tools *t = osr_xcalloc(1, sizeof(*t));
    char *comps = osr_registry_default_root(),
         *res = osr_fs_data_dir("OSIRIS_RESOURCES_DIR", "resources");
    char *schema = res ? osr_path_join(res, "oml/v0.1.0.json") : NULL;
    char *catalog = res ? osr_path_join(res, "usecases/catalog.yaml") : NULL;
    struct osr_diags ignored;
    json_error_t jerr;
    bool ok;

    osr_diags_init(&ignored);
    t->base_path = osr_xstrdup(base_path);
    ok = comps && osr_registry_load(&t->registry, comps, NULL, &ignored) == 0;
    if (!ok) {
        osr_error_set(-OSR_ENOTFOUND, "cannot load the component specs; set OSIRIS_COMPONENTS_DIR");
    } else if (!res || !(t->schema = json_load_file(schema, 0, &jerr)) ||
               !(t->usecases = load_catalog(catalog))) {
        osr_error_set(-OSR_ENOTFOUND,
                      "cannot load the shipped resources; set OSIRIS_RESOURCES_DIR");
        ok = false;
    }
    osr_diags_dispose(&ignored);
    free(comps);
    free(res);
    free(schema);
    free(catalog);
    if (!ok) {
        osr_mcp_tools_free(t);
        return NULL;
    }
    for (size_t i = 0; i < OSR_ARRAY_LEN(defs); i++) {
        struct osr_mcp_tool tool = {
            .name = defs[i].name,
            .title = defs[i].title,
            .description = defs[i].description,
            .input_schema = json_loads(defs[i].input_schema, 0, NULL),
            .output_schema = json_loads(output_schema, 0, NULL),
            .annotations = json_pack("{s:s, s:b, s:b, s:b}", "title", defs[i].title, "readOnlyHint",
                                     1, "idempotentHint", 1, "openWorldHint", 0),
            .call = defs[i].fn,
            .payload = t,
        };
        osr_mcp_add_tool(s, &tool);
        json_decref(tool.input_schema);
        json_decref(tool.output_schema);
        json_decref(tool.annotations);
        for (size_t a = 0; a < OSR_ARRAY_LEN(defs[i].aliases) && defs[i].aliases[a]; a++)
            osr_mcp_add_tool_alias(s, defs[i].aliases[a], defs[i].name);
    }
    return t;
}

void osr_mcp_tools_free(struct osr_mcp_tools *t)
{
    if (!t)
        return;
    osr_registry_dispose(&t->registry);
    json_decref(t->schema);
    json_decref(t->usecases);
    free(t->base_path);
    free(t);
}
