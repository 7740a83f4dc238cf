/*
 * tools.c - the tool table and the in-process tools (see tools.h).
 */
#include "mcp/tools/tools.h"
#include "core/alloc.h"
#include "core/config.h"
#include "core/connections.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/registry.h"
#include "core/yaml.h"
#include "mcp/tools/envelope.h"
#include "mcp/tools/tools_int.h"
#include "oml/oml.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* ---- oml_save ---- */

/* A draft file name: letters, digits, '.', '_' and '-', not starting with '.', ending in
 * .yaml or .yml (added when missing). NULL when the name cannot be one. */
static char *draft_name(const char *name, size_t n)
{
    if (!osr_name_ok(name, n, 100, true))
        return NULL;
    if ((n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
        (n > 4 && strcmp(name + n - 4, ".yml") == 0))
        return osr_xstrdup(name);
    return osr_xasprintf("%s.yaml", name);
}

static bool has_code(json_t *res, const char *code)
{
    json_t *d;
    size_t i;

    json_array_foreach(json_object_get(res, "diagnostics"), i, d)
    {
        if (strcmp(json_string_value(json_object_get(d, "code")), code) == 0)
            return true;
    }
    return false;
}

static void oml_save(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_mcp_tools *t = payload;
    struct osr_tool_call call;
    json_t *content = json_object_get(args, "oml_content");
    const char *session = json_string_value(json_object_get(args, "session_id"));
    const char *given = json_string_value(json_object_get(args, "filename"));
    struct osr_oml_ctx ctx = {&t->registry, NULL, "oml_content"};
    char *fallback = NULL, *file = NULL, *path = NULL;
    json_t *res;

    osr_tool_call_begin(&call, req, "oml_save", args);
    if (!given) {
        fallback = osr_xasprintf("%s.yaml", session);
        given = fallback;
    }
    if (!(file = draft_name(given, fallback
                                       ? strlen(fallback)
                                       : json_string_length(json_object_get(args, "filename"))))) {
        osr_tool_fail(&call, "POLICY_ERROR", "POLICY/DRAFT_NAME", json_pack("[s]", "filename"),
                      "use letters, digits, '.', '_' and '-', e.g. orders_v2.yaml",
                      "'%.100s' is not a draft file name (no directories, no leading dot)", given);
        free(fallback);
        return;
    }
    free(fallback);
    res = osr_oml_check_text(json_string_value(content), json_string_length(content), &ctx, false);
    if (has_code(res, "OML037")) {
        osr_tool_fail(&call, "POLICY_ERROR", "POLICY/INLINE_SECRET",
                      json_pack("[s]", "oml_content"),
                      "refer to a connection (@family.alias) whose secrets are ${VAR} in "
                      "osiris_connections.yaml",
                      "the pipeline holds a secret written into it; it was not saved");
    } else if (osr_fs_mkdir_p(t->drafts_dir, 0700) < 0 ||
               osr_fs_write_atomic((path = osr_path_join(t->drafts_dir, file)),
                                   json_string_value(content), json_string_length(content),
                                   0600) < 0) {
        osr_tool_fail(&call, "INTERNAL_ERROR", "DRAFT/WRITE", NULL, NULL,
                      "cannot save the draft: %s", osr_error_last());
    } else {
        osr_tool_success(&call, json_pack("{s:b, s:s, s:s, s:s, s:O, s:O}", "saved", 1, "filename",
                                          file, "path", path, "session_id", session, "valid",
                                          json_object_get(res, "valid"), "summary",
                                          json_object_get(res, "summary")));
    }
    json_decref(res);
    free(path);
    free(file);
}

/* ---- guide_start ---- */

struct guide_step {
    const char *step, *objective, *tool, *args, *tips[3];
};

static const struct guide_step guide_steps[] = {
    {"fix_oml",
     "Fix the reported problems and validate the pipeline again",
     "oml_validate",
     "{\"oml_content\":\"<the corrected pipeline>\",\"strict\":true}",
     {"Each diagnostic names a line, a column and a path; fix errors before warnings",
      "A suggest field, when present, says how to fix the problem",
      "Validate after every change: the answer lists every problem at once"}},
    {"list_connections",
     "Find out which databases this workspace can reach",
     "connections_list",
     "{}",
     {"Connections live in osiris_connections.yaml; secrets stay in the environment as ${VAR}",
      "A pipeline refers to a connection as @family.alias, e.g. @postgres.main",
      "connections_doctor tells whether a connection works and why not"}},
    {"run_discovery",
     "Learn the tables, columns and sample rows of the source",
     "discovery_request",
     "{\"connection\":\"%s\",\"samples\":5}",
     {"Discovery is cached; ask for a refresh when the schema changed",
      "A table filter such as sales.* keeps large databases quick",
      "Read the column types and keys before writing queries"}},
    {"create_oml",
     "Write a first pipeline, starting from a use case",
     "usecases_list",
     "{}",
     {"Read oml_schema_get and components_list for the exact fields",
      "Each step has an id, a component, a mode (read, write, transform) and config",
      "Writers and processors name the steps they consume in needs"}},
    {"validate_oml",
     "Validate the pipeline, then save it",
     "oml_validate",
     "{\"oml_content\":\"<the pipeline>\",\"strict\":true}",
     {"Validation checks structure, components, connections and parameters",
      "Save with oml_save once it is valid", "strict makes warnings count; use it before saving"}},
};

static void guide_start(osr_mcp_req *req, json_t *args, void *payload)
{
    struct osr_tool_call call;
    json_t *conns = json_object_get(args, "known_connections");
    bool has_conns = json_array_size(conns) > 0;
    bool discovery = json_is_true(json_object_get(args, "has_discovery"));
    bool oml = json_is_true(json_object_get(args, "has_previous_oml"));
    bool report = json_is_true(json_object_get(args, "has_error_report"));
    const struct guide_step *g = report && oml ? &guide_steps[0]
                                 : !has_conns  ? &guide_steps[1]
                                 : !discovery  ? &guide_steps[2]
                                 : !oml        ? &guide_steps[3]
                                               : &guide_steps[4];
    json_t *params = json_loads(g->args, 0, NULL), *tips = json_array();

    OSR_UNUSED(payload);
    osr_tool_call_begin(&call, req, "guide_start", args);
    if (g == &guide_steps[2]) /* discover the first connection the assistant knows */
        json_object_set(params, "connection", json_array_get(conns, 0));
    for (size_t i = 0; i < OSR_ARRAY_LEN(g->tips); i++)
        json_array_append_new(tips, json_string(g->tips[i]));
    osr_tool_success(
        &call,
        json_pack("{s:s, s:s, s:s, s:[{s:s, s:O}], s:o, s:{s:b, s:b, s:b, s:b}, s:[s, s]}",
                  "intent", json_string_value(json_object_get(args, "intent")), "next_step",
                  g->step, "objective", g->objective, "next_steps", "tool", g->tool, "params",
                  params ? params : json_object(), "recommendations", tips, "context",
                  "has_connections", has_conns, "has_discovery", discovery, "has_previous_oml", oml,
                  "has_error_report", report, "references", SCHEMA_URI, CATALOG_URI));
    json_decref(params);
}

/* ---- the table ---- */

struct tool_def {
    const char *name, *title, *description;
    const char *aliases[4];
    const char *input_schema;
    osr_mcp_tool_fn fn;
};

#define NO_ARGS "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"

#define CONNECTION_REF "\"^@?[A-Za-z0-9_][A-Za-z0-9_-]*(\\\\.[A-Za-z0-9_-]+)?$\""

static const struct tool_def defs[] = {
    {"connections_list",
     "List connections",
     "The workspace's database connections by family and alias, every secret masked, the "
     "default alias of each family and which ${VAR} references are set. Runs in a child "
     "process: this server never reads secrets.",
     {"connections.list", "osiris.connections.list"},
     NO_ARGS,
     osr_tool_connections_list},
    {"connections_doctor",
     "Check connections",
     "Connects for real and reports for each alias (or the one given) healthy or unhealthy "
     "with a category (auth, network, permission, timeout, config) and the latency.",
     {"connections.doctor", "osiris.connections.doctor"},
     "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\","
     "\"pattern\":" CONNECTION_REF
     ",\"description\":\"Only this connection, e.g. @postgres.main\"}},"
     "\"additionalProperties\":false}",
     osr_tool_connections_doctor},
    {"discovery_request",
     "Discover a database",
     "Tables and views of a connection with columns (type, nullable, default, primary key), "
     "foreign keys, row counts and sample rows (secret-like columns masked). Cached; refresh "
     "asks again.",
     {"discovery.request", "osiris.discovery.request", "osiris.introspect_sources"},
     "{\"type\":\"object\",\"properties\":{\"connection\":{\"type\":\"string\","
     "\"pattern\":" CONNECTION_REF
     ",\"description\":\"The connection, e.g. @postgres.main\"},\"samples\":{"
     "\"type\":\"integer\",\"minimum\":0,\"maximum\":1000,\"description\":\"Sample rows per "
     "table\"},\"tables\":{\"type\":\"string\",\"pattern\":\"^[^-]\",\"description\":\"Only "
     "tables matching this glob, e.g. sales.*\"},\"refresh\":{\"type\":\"boolean\","
     "\"description\":\"Ignore the cached result\"}},\"required\":[\"connection\"],"
     "\"additionalProperties\":false}",
     osr_tool_discovery_request},
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
    {"oml_save",
     "Save an OML draft",
     "Saves a pipeline as a draft file under the workspace's pipelines/drafts/ (0600). The "
     "file name is checked (no directories); a pipeline with a secret written into it is "
     "refused. The answer says whether the draft is valid: validate it first.",
     {"oml.save", "osiris.oml.save", "osiris.save_oml"},
     "{\"type\":\"object\",\"properties\":{\"oml_content\":{\"type\":\"string\",\"minLength\":1,"
     "\"description\":\"The pipeline as OML YAML text\"},\"session_id\":{\"type\":\"string\","
     "\"pattern\":\"^[A-Za-z0-9_-]{1,64}$\",\"description\":\"The assistant's session; the "
     "default file name\"},\"filename\":{\"type\":\"string\",\"description\":\"File name of "
     "the draft (.yaml added when missing)\"}},\"required\":[\"oml_content\",\"session_id\"],"
     "\"additionalProperties\":false}",
     oml_save},
    {"guide_start",
     "What to do next",
     "Given what the assistant knows so far (connections, discovery, a pipeline, a "
     "validation report), the next step of the workflow: which tool to call with which "
     "arguments, and tips.",
     {"guide.start", "osiris.guide_start", "osiris.guide.start"},
     "{\"type\":\"object\",\"properties\":{\"intent\":{\"type\":\"string\",\"minLength\":1,"
     "\"description\":\"What the user wants, in a sentence\"},\"known_connections\":{\"type\":"
     "\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Connection references "
     "already known, e.g. @postgres.main\"},\"has_discovery\":{\"type\":\"boolean\"},"
     "\"has_previous_oml\":{\"type\":\"boolean\"},\"has_error_report\":{\"type\":"
     "\"boolean\"}},\"required\":[\"intent\"],\"additionalProperties\":false}",
     guide_start},
    {"memory_capture",
     "Remember a session",
     "Stores what was learned in this session (decisions, table notes, user preferences) "
     "for later sessions, after e-mail addresses, phone, card and IBAN numbers, IP "
     "addresses and secrets are removed. Needs consent: true, given by the user.",
     {"memory.capture", "osiris.memory.capture"},
     "{\"type\":\"object\",\"properties\":{\"session_id\":{\"type\":\"string\",\"pattern\":"
     "\"^[A-Za-z0-9_-]{1,64}$\"},\"consent\":{\"type\":\"boolean\",\"description\":\"The "
     "user agreed to keep these notes\"},\"events\":{\"type\":\"array\",\"items\":{\"type\":"
     "[\"object\",\"string\"]},\"description\":\"What to remember\"}},\"required\":["
     "\"session_id\",\"consent\",\"events\"],\"additionalProperties\":false}",
     osr_tool_memory_capture},
    {"aiop_list",
     "List run packages",
     "The runs that left an AI Operation Package (what happened, evidence, the DAG), newest "
     "first: run id, pipeline, profile, status, start, duration and rows. Read one with "
     "aiop_show.",
     {"aiop.list", "osiris.aiop.list"},
     "{\"type\":\"object\",\"properties\":{\"pipeline\":{\"type\":\"string\","
     "\"pattern\":\"^[^-]\",\"description\":\"Only runs of this pipeline slug\"},\"profile\":{"
     "\"type\":\"string\",\"pattern\":\"^[^-]\",\"description\":\"Only runs of this "
     "profile\"},\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":10000,"
     "\"default\":100}},\"additionalProperties\":false}",
     osr_tool_aiop_list},
    {"aiop_show",
     "Show a run package",
     "The AI Operation Package of one run (from aiop_list): its evidence (events, metrics, "
     "errors), semantic (the DAG), narrative and metadata layers, with the index record.",
     {"aiop.show", "osiris.aiop.show"},
     "{\"type\":\"object\",\"properties\":{\"run_id\":{\"type\":\"string\","
     "\"pattern\":\"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$\",\"description\":\"A run id from "
     "aiop_list\"}},\"required\":[\"run_id\"],\"additionalProperties\":false}",
     osr_tool_aiop_show},
    {"oml_compile",
     "Compile a pipeline",
     "Validates and compiles a pipeline (a workspace file, e.g. a saved draft, or its text) "
     "into a reproducible build: manifest, per-step configuration, plan and fingerprints, "
     "the same bytes on any machine. Returns the build directory and the manifest hash.",
     {"oml.compile", "osiris.oml.compile"},
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
     "\"The pipeline file, relative to the workspace\"},\"oml_content\":{\"type\":\"string\","
     "\"minLength\":1,\"description\":\"The pipeline as OML YAML text\"},\"profile\":{\"type\":"
     "\"string\",\"pattern\":\"^[A-Za-z0-9_][A-Za-z0-9_-]*$\"},\"params\":{\"type\":"
     "\"object\","
     "\"additionalProperties\":{\"type\":[\"string\",\"number\",\"boolean\"]},"
     "\"description\":\"Parameter values, over the profile's\"}},\"additionalProperties\":"
     "false}",
     osr_tool_oml_compile},
    {"pipeline_run",
     "Run a pipeline",
     "Runs a pipeline from a workspace file (OML, compiled first, or a build's "
     "manifest.yaml) or its text: rows stream from each extractor or processor to the steps "
     "that need it, independent branches side by side; the first failing step stops the run "
     "and leaves no partial output. Reports each step's rows and time, with progress per "
     "step; the run is recorded (run logs, index, an AIOP package for aiop_show). Every "
     "component of components_list runs (duckdb.processor when a DuckDB library is set).",
     {"pipeline.run", "osiris.pipeline.run"},
     "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\",\"description\":"
     "\"The pipeline (OML) or a manifest.yaml, relative to the workspace\"},\"manifest_path\":"
     "{\"type\":\"string\",\"description\":\"The same as path\"},\"oml_content\":{\"type\":"
     "\"string\",\"minLength\":1,\"description\":\"The pipeline as OML YAML text\"},"
     "\"profile\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z0-9_][A-Za-z0-9_-]*$\"},"
     "\"params\":{\"type\":\"object\",\"additionalProperties\":{\"type\":[\"string\","
     "\"number\",\"boolean\"]}},\"dry_run\":{\"type\":\"boolean\",\"description\":"
     "\"Connect and check everything, write nothing\"}},\"additionalProperties\":false}",
     osr_tool_pipeline_run},
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

/* Removes memory session files last written more than `days` ago (at server start). */
static void memory_cleanup(const char *logs_dir, long long days)
{
    char *dir = osr_path_join(logs_dir, "memory/sessions");
    DIR *d = opendir(dir);
    struct dirent *ent;
    time_t limit = time(NULL) - (time_t)days * 86400;

    while (d && (ent = readdir(d))) {
        size_t n = strlen(ent->d_name);
        struct stat st;
        char *path;
        if (n < 7 || strcmp(ent->d_name + n - 6, ".jsonl") != 0)
            continue;
        path = osr_path_join(dir, ent->d_name);
        if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < limit)
            unlink(path);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
}

struct osr_mcp_tools *osr_mcp_tools_register(osr_mcp_server *s, const struct osr_config *cfg)
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
    t->base_path = osr_xstrdup(cfg->base_path);
    t->timeout_ms = (long)cfg->mcp.tool_timeout_s * 1000;
    t->max_output = (size_t)cfg->mcp.payload_limit_mb << 20;
    {
        char *pipelines = osr_path_absolute(cfg->fs.pipelines_dir, cfg->base_path);
        t->drafts_dir = osr_path_join(pipelines, "drafts");
        free(pipelines);
    }
    t->logs_dir = osr_path_absolute(cfg->fs.mcp_logs_dir, cfg->base_path);
    memory_cleanup(t->logs_dir, cfg->mcp.memory_retention_days);
    ok = comps && osr_registry_load(&t->registry, comps, NULL, &ignored) == 0;
    if (!ok) {
        osr_error_set(-OSR_ENOTFOUND, "cannot load the component specs; set OSIRIS_COMPONENTS_DIR");
    } else if (!res || !(t->schema = json_load_file(schema, 0, &jerr)) ||
               !(t->usecases = load_catalog(catalog)) ||
               osr_mcp_resources_register(s, t, res) < 0) {
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
            /* oml_save and memory_capture write (capture appends each time); the delegated
             * database tools reach outside. */
            .annotations = json_pack(
                "{s:s, s:b, s:b, s:b}", "title", defs[i].title, "readOnlyHint",
                defs[i].fn != oml_save && defs[i].fn != osr_tool_memory_capture &&
                    defs[i].fn != osr_tool_oml_compile && defs[i].fn != osr_tool_pipeline_run,
                "idempotentHint",
                defs[i].fn != osr_tool_memory_capture && defs[i].fn != osr_tool_pipeline_run,
                "openWorldHint",
                defs[i].fn == osr_tool_connections_doctor ||
                    defs[i].fn == osr_tool_discovery_request ||
                    defs[i].fn == osr_tool_pipeline_run),
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
    free(t->drafts_dir);
    free(t->logs_dir);
    json_decref(t->texts);
    free(t);
}
