/*
 * registry.c - loading and checking component specs (see registry.h).
 */
#include "core/registry.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"

#include <dirent.h>

#define SPEC_MAX_BYTES (1u << 20)

static const char *const top_keys[] = {"capabilities",
                                       "compatibility",
                                       "configSchema",
                                       "constraints",
                                       "description",
                                       "examples",
                                       "limits",
                                       "llmHints",
                                       "loggingPolicy",
                                       "modes",
                                       "name",
                                       "redaction",
                                       "secrets",
                                       "title",
                                       "version",
                                       "x-connection-fields",
                                       "x-runtime",
                                       "x-secret",
                                       NULL};
static const char *const required_keys[] = {"name",         "version",      "modes",
                                            "capabilities", "configSchema", NULL};
static const char *const known_modes[] = {"extract",  "write",   "load",   "transform",
                                          "discover", "analyze", "stream", NULL};
static const char *const known_caps[] = {"discover",     "adHocAnalytics",   "inMemoryMove",
                                         "streaming",    "bulkOperations",   "transactions",
                                         "partitioning", "customTransforms", NULL};
static const char *const overrides[] = {"allowed", "forbidden", "warning", NULL};

struct checker {
    struct osr_diags *d;
    const char *file;
    const char *name;
    size_t errors_before;
};

static bool listed(const char *s, const char *const *list)
{
    for (; *list; list++) {
        if (strcmp(s, *list) == 0)
            return true;
    }
    return false;
}

#define ERR(ck, at, path, fix, ...)                                                                \
    osr_diag_add((ck)->d, OSR_SEV_ERROR, "SPEC001", (ck)->file, at, path, fix, __VA_ARGS__)

static void check_top(struct checker *ck, const struct osr_ynode *doc, const char *dir_name)
{
    const struct osr_ynode *name = osr_ynode_get(doc, "name");
    const struct osr_ynode *version = osr_ynode_get(doc, "version");

    for (size_t i = 0; i < doc->n; i++) {
        if (!listed(doc->keys[i]->str, top_keys))
            ERR(ck, doc->keys[i], doc->keys[i]->str, "remove it or prefix it with x-",
                "unknown key '%s' in component spec", doc->keys[i]->str);
    }
    for (const char *const *k = required_keys; *k; k++) {
        if (!osr_ynode_get(doc, *k))
            ERR(ck, doc, *k, NULL, "required key '%s' is missing", *k);
    }
    if (name && (!osr_ynode_is_str(name) || strcmp(name->str, dir_name) != 0))
        ERR(ck, name, "name", "make it equal to the directory name",
            "name '%s' does not match its directory '%s'", name->str ? name->str : "", dir_name);
    if (version && !osr_ynode_is_str(version))
        ERR(ck, version, "version", "quote it, e.g. version: \"1.0.0\"",
            "version must be a string like \"1.0.0\"");
}

static void check_modes(struct checker *ck, const struct osr_ynode *modes, struct osr_component *c)
{
    if (!modes)
        return;
    if (modes->kind != OSR_Y_SEQ || modes->n == 0) {
        ERR(ck, modes, "modes", "list modes such as [extract, discover]",
            "modes must be a non-empty list");
        return;
    }
    for (size_t i = 0; i < modes->n; i++) {
        const struct osr_ynode *m = modes->items[i];
        if (!osr_ynode_is_str(m) || !listed(m->str, known_modes))
            ERR(ck, m, "modes", "use extract, write, transform or discover", "unknown mode '%s'",
                m->str ? m->str : osr_ykind_name(m->kind));
        else if (osr_strv_contains(&c->modes, m->str))
            ERR(ck, m, "modes", NULL, "mode '%s' is listed twice", m->str);
        else
            osr_strv_push(&c->modes, m->str);
    }
}

static void check_caps(struct checker *ck, const struct osr_ynode *caps)
{
    if (!caps)
        return;
    if (caps->kind != OSR_Y_MAP) {
        ERR(ck, caps, "capabilities", NULL, "capabilities must be a mapping of booleans");
        return;
    }
    for (size_t i = 0; i < caps->n; i++) {
        if (!listed(caps->keys[i]->str, known_caps))
            ERR(ck, caps->keys[i], "capabilities", NULL, "unknown capability '%s'",
                caps->keys[i]->str);
        else if (caps->items[i]->kind != OSR_Y_BOOL)
            ERR(ck, caps->items[i], "capabilities", NULL, "capability '%s' must be true or false",
                caps->keys[i]->str);
    }
}

static const struct osr_ynode *check_schema(struct checker *ck, const struct osr_ynode *schema)
{
    const struct osr_ynode *props, *req, *type;

    if (!schema)
        return NULL;
    props = osr_ynode_get(schema, "properties");
    req = osr_ynode_get(schema, "required");
    type = osr_ynode_get(schema, "type");
    if (schema->kind != OSR_Y_MAP || !props || props->kind != OSR_Y_MAP) {
        ERR(ck, schema, "configSchema", "give it type: object and properties: {...}",
            "configSchema must be an object schema with properties");
        return NULL;
    }
    if (!type || !osr_ynode_is_str(type) || strcmp(type->str, "object") != 0)
        ERR(ck, type ? type : schema, "configSchema.type", NULL,
            "configSchema.type must be 'object'");
    for (size_t i = 0; i < props->n; i++) {
        if (props->items[i]->kind != OSR_Y_MAP)
            ERR(ck, props->items[i], "configSchema.properties", NULL,
                "property '%s' must be a schema mapping", props->keys[i]->str);
    }
    for (size_t i = 0; req && req->kind == OSR_Y_SEQ && i < req->n; i++) {
        if (!osr_ynode_is_str(req->items[i]) || !osr_ynode_get(props, req->items[i]->str))
            ERR(ck, req->items[i], "configSchema.required", "declare it under properties",
                "required field '%s' is not a property", req->items[i]->str);
    }
    if (req && req->kind != OSR_Y_SEQ)
        ERR(ck, req, "configSchema.required", NULL, "required must be a list of names");
    return props;
}

static bool pointer_valid(const char *p)
{
    size_t n = strlen(p);
    return n > 1 && p[0] == '/' && p[1] != '/' && p[n - 1] != '/';
}

static void check_pointers(struct checker *ck, const struct osr_ynode *list, const char *key,
                           const struct osr_ynode *props, struct osr_component *c)
{
    if (!list)
        return;
    if (list->kind != OSR_Y_SEQ) {
        ERR(ck, list, key, NULL, "%s must be a list of JSON pointers like /password", key);
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct osr_ynode *p = list->items[i];
        char *first;
        if (!osr_ynode_is_str(p) || !pointer_valid(p->str)) {
            ERR(ck, p, key, "write a JSON pointer such as /password", "'%s' is not a JSON pointer",
                p->str ? p->str : "");
            continue;
        }
        first = osr_xstrndup(p->str + 1, strcspn(p->str + 1, "/"));
        if (props && !osr_ynode_get(props, first) && strcmp(first, "resolved_connection") != 0)
            ERR(ck, p, key, "point at a configSchema property",
                "pointer '%s' names no configSchema property", p->str);
        free(first);
        osr_strv_add_unique(&c->secret_pointers, p->str);
    }
}

static void check_conn_fields(struct checker *ck, const struct osr_ynode *list,
                              const struct osr_ynode *props)
{
    if (!list)
        return;
    if (list->kind != OSR_Y_SEQ) {
        ERR(ck, list, "x-connection-fields", NULL, "x-connection-fields must be a list");
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        const struct osr_ynode *it = list->items[i], *name = it, *ov = NULL;
        if (it->kind == OSR_Y_MAP) {
            name = osr_ynode_get(it, "name");
            ov = osr_ynode_get(it, "override");
        }
        if (!osr_ynode_is_str(name)) {
            ERR(ck, it, "x-connection-fields", "write {name: host, override: allowed}",
                "each connection field needs a name");
            continue;
        }
        if (props && !osr_ynode_get(props, name->str))
            ERR(ck, name, "x-connection-fields", "declare it under configSchema.properties",
                "connection field '%s' is not a configSchema property", name->str);
        if (ov && (!osr_ynode_is_str(ov) || !listed(ov->str, overrides)))
            ERR(ck, ov, "x-connection-fields", "use allowed, forbidden or warning",
                "unknown override policy '%s'", ov->str ? ov->str : "");
    }
}

static bool value_has_type(const struct osr_ynode *v, const char *t)
{
    switch (v->kind) {
    case OSR_Y_NULL:
        return strcmp(t, "null") == 0;
    case OSR_Y_BOOL:
        return strcmp(t, "boolean") == 0;
    case OSR_Y_INT:
        return strcmp(t, "integer") == 0 || strcmp(t, "number") == 0;
    case OSR_Y_FLOAT:
        return strcmp(t, "number") == 0;
    case OSR_Y_STR:
        return strcmp(t, "string") == 0;
    case OSR_Y_SEQ:
        return strcmp(t, "array") == 0;
    case OSR_Y_MAP:
        return strcmp(t, "object") == 0;
    }
    return false;
}

static bool matches_type(const struct osr_ynode *v, const struct osr_ynode *type)
{
    if (!type)
        return true;
    if (osr_ynode_is_str(type))
        return value_has_type(v, type->str);
    for (size_t i = 0; type->kind == OSR_Y_SEQ && i < type->n; i++) {
        if (osr_ynode_is_str(type->items[i]) && value_has_type(v, type->items[i]->str))
            return true;
    }
    return false;
}

static void check_example(struct checker *ck, const struct osr_ynode *ex,
                          const struct osr_ynode *schema, size_t idx)
{
    const struct osr_ynode *cfg = osr_ynode_get(ex, "config");
    const struct osr_ynode *props = osr_ynode_get(schema, "properties");
    const struct osr_ynode *req = osr_ynode_get(schema, "required");

    if (!cfg || cfg->kind != OSR_Y_MAP) {
        ERR(ck, ex, "examples", NULL, "example %zu needs a config mapping", idx + 1);
        return;
    }
    for (size_t i = 0; i < cfg->n; i++) {
        const struct osr_ynode *p = osr_ynode_get(props, cfg->keys[i]->str);
        if (!p)
            ERR(ck, cfg->keys[i], "examples", NULL, "example %zu uses unknown field '%s'", idx + 1,
                cfg->keys[i]->str);
        else if (!matches_type(cfg->items[i], osr_ynode_get(p, "type")))
            ERR(ck, cfg->items[i], "examples", NULL, "example %zu: field '%s' has the wrong type",
                idx + 1, cfg->keys[i]->str);
    }
    for (size_t i = 0; req && req->kind == OSR_Y_SEQ && i < req->n; i++) {
        if (osr_ynode_is_str(req->items[i]) && !osr_ynode_get(cfg, req->items[i]->str))
            ERR(ck, ex, "examples", NULL, "example %zu lacks required field '%s'", idx + 1,
                req->items[i]->str);
    }
}

static void check_examples(struct checker *ck, const struct osr_ynode *list,
                           const struct osr_ynode *schema)
{
    if (!list || !schema)
        return;
    if (list->kind != OSR_Y_SEQ) {
        ERR(ck, list, "examples", NULL, "examples must be a list");
        return;
    }
    for (size_t i = 0; i < list->n; i++)
        check_example(ck, list->items[i], schema, i);
}

static void check_hints(struct checker *ck, const struct osr_ynode *hints,
                        const struct osr_ynode *props)
{
    const struct osr_ynode *aliases = osr_ynode_get(hints, "inputAliases");
    const struct osr_ynode *guidance = osr_ynode_get(hints, "promptGuidance");
    const struct osr_ynode *snippets = osr_ynode_get(hints, "yamlSnippets");

    for (size_t i = 0; aliases && aliases->kind == OSR_Y_MAP && i < aliases->n; i++) {
        if (props && !osr_ynode_get(props, aliases->keys[i]->str))
            ERR(ck, aliases->keys[i], "llmHints.inputAliases", NULL,
                "input alias for unknown field '%s'", aliases->keys[i]->str);
    }
    if (guidance && guidance->kind == OSR_Y_STR && guidance->len > 500)
        ERR(ck, guidance, "llmHints.promptGuidance", "shorten it",
            "promptGuidance is %zu characters, over 500", guidance->len);
    if (snippets && snippets->kind == OSR_Y_SEQ && snippets->n > 5)
        ERR(ck, snippets, "llmHints.yamlSnippets", NULL, "at most 5 yamlSnippets are allowed");
}

static void check_spec(struct checker *ck, const struct osr_ynode *doc, const char *dir_name,
                       struct osr_component *c)
{
    const struct osr_ynode *schema = osr_ynode_get(doc, "configSchema"), *props;

    check_top(ck, doc, dir_name);
    check_modes(ck, osr_ynode_get(doc, "modes"), c);
    check_caps(ck, osr_ynode_get(doc, "capabilities"));
    props = check_schema(ck, schema);
    check_pointers(ck, osr_ynode_get(doc, "secrets"), "secrets", props, c);
    check_pointers(ck, osr_ynode_get(doc, "x-secret"), "x-secret", props, c);
    check_conn_fields(ck, osr_ynode_get(doc, "x-connection-fields"), props);
    check_examples(ck, osr_ynode_get(doc, "examples"), props ? schema : NULL);
    if (osr_ynode_get(doc, "llmHints"))
        check_hints(ck, osr_ynode_get(doc, "llmHints"), props);
}

static void component_dispose(struct osr_component *c)
{
    free(c->name);
    free(c->file);
    json_decref(c->spec);
    osr_strv_dispose(&c->modes);
    osr_strv_dispose(&c->secret_pointers);
}

static void load_one(struct osr_registry *r, const char *dir_name, struct osr_diags *d)
{
    struct osr_component c = {0};
    struct osr_yaml_error err;
    struct osr_ynode *doc = NULL;
    struct osr_buf text;
    struct checker ck = {d, NULL, dir_name, d->errors};
    char *dir = osr_path_join(r->root, dir_name);

    c.file = osr_path_join(dir, "spec.yaml");
    ck.file = c.file;
    free(dir);
    if (osr_fs_read_file(&text, c.file, SPEC_MAX_BYTES) < 0) {
        osr_diag_add(d, OSR_SEV_ERROR, "SPEC010", c.file, NULL, NULL, NULL, "%s", osr_error_last());
    } else if (osr_yaml_parse(&doc, &err, text.ptr, text.len, NULL) < 0) {
        osr_diag_add_at(d, OSR_SEV_ERROR, "SPEC011", c.file, err.line, err.col, NULL,
                        "fix the YAML syntax at this position", "%s", err.message);
    } else if (doc->kind != OSR_Y_MAP) {
        ERR(&ck, doc, NULL, NULL, "a component spec must be a mapping, not a %s",
            osr_ykind_name(doc->kind));
    } else {
        check_spec(&ck, doc, dir_name, &c);
    }
    if (text.cap)
        osr_buf_dispose(&text);
    if (d->errors == ck.errors_before && doc) {
        c.name = osr_xstrdup(dir_name);
        c.spec = osr_ynode_to_json(doc);
        r->v = osr_xgrow(r->v, &r->cap, r->n + 1, sizeof(*r->v));
        r->v[r->n++] = c;
    } else {
        r->broken++;
        component_dispose(&c);
    }
    osr_ynode_free(doc);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int osr_registry_load(struct osr_registry *r, const char *root, const char *prefix,
                      struct osr_diags *diags)
{
    struct osr_strv names = OSR_STRV_INIT;
    struct dirent *e;
    DIR *dir;

    memset(r, 0, sizeof(*r));
    r->root = osr_xstrdup(root);
    dir = opendir(root);
    if (!dir)
        return osr_error_set_errno(-OSR_ENOTFOUND, "cannot read the components directory %s", root);
    while ((e = readdir(dir))) {
        char *spec;
        if (e->d_name[0] == '.' || (prefix && strncmp(e->d_name, prefix, strlen(prefix)) != 0))
            continue;
        spec = osr_xasprintf("%s/%s/spec.yaml", root, e->d_name);
        if (osr_fs_exists(spec))
            osr_strv_push(&names, e->d_name);
        free(spec);
    }
    closedir(dir);
    if (names.n > 1)
        qsort(names.v, names.n, sizeof(*names.v), cmp_names);
    for (size_t i = 0; i < names.n; i++)
        load_one(r, names.v[i], diags);
    osr_strv_dispose(&names);
    return 0;
}

void osr_registry_dispose(struct osr_registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        component_dispose(&r->v[i]);
    free(r->v);
    free(r->root);
    memset(r, 0, sizeof(*r));
}

const struct osr_component *osr_registry_find(const struct osr_registry *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++) {
        if (strcmp(r->v[i].name, name) == 0)
            return &r->v[i];
    }
    return NULL;
}

void osr_registry_secret_names(const struct osr_registry *r, const char *family,
                               struct osr_strv *out)
{
    size_t flen = strlen(family);

    for (size_t i = 0; i < r->n; i++) {
        const struct osr_component *c = &r->v[i];
        if (strncmp(c->name, family, flen) != 0 || c->name[flen] != '.')
            continue;
        for (size_t k = 0; k < c->secret_pointers.n; k++)
            osr_strv_add_unique(out, strrchr(c->secret_pointers.v[k], '/') + 1);
    }
}

const char *osr_component_role(const struct osr_component *c)
{
    if (osr_strv_contains(&c->modes, "extract"))
        return "extractor";
    if (osr_strv_contains(&c->modes, "write") || osr_strv_contains(&c->modes, "load"))
        return "writer";
    return "processor";
}

char *osr_registry_default_root(void)
{
    return osr_fs_data_dir("OSIRIS_COMPONENTS_DIR", "components");
}
