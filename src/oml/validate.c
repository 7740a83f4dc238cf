/*
 * validate.c - the OML validator (see oml.h for the contract, rules.h for the codes).
 *
 * One pass over the document in order: top-level keys, each step (fields, component,
 * mode, needs, config), then the dependency graph (cycles need every id), then parameter
 * references. Lookups of ids use a hash (a jansson object), and the cycle search is an
 * iterative depth-first walk, so 10 000 steps cost milliseconds and never the C stack.
 */
#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/jsonschema.h"
#include "core/mask.h"
#include "oml/oml.h"
#include "oml/rules.h"

#include <regex.h>
#include <stdarg.h>

const struct osr_yaml_limits osr_oml_limits = {
    .max_bytes = 16u << 20,
    .max_depth = 64,
    .max_nodes = 2000000,
    .alias_budget = 100000,
    .at_refs = true,
};

struct v {
    const struct osr_oml_ctx *ctx;
    struct osr_diags *d;
    json_t *ids;    /* id -> step index */
    json_t *params; /* declared parameter names */
    const struct osr_ynode *doc;
};

static void emit(struct v *v, enum osr_oml_rule r, const struct osr_ynode *at, const char *path,
                 const char *suggest, const char *fmt, ...) OSR_PRINTF(6, 7);

static void emit(struct v *v, enum osr_oml_rule r, const struct osr_ynode *at, const char *path,
                 const char *suggest, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    osr_diag_add(v->d, osr_oml_rules[r].severity, osr_oml_rules[r].code, v->ctx->file, at, path,
                 suggest, "%s", msg);
    osr_diag_set_type(v->d, osr_oml_rules[r].type);
}

static const char *kind(const struct osr_ynode *n)
{
    return osr_ykind_name(n->kind);
}

/* ---- top level ---- */

static bool matches(const char *re_text, const char *s)
{
    regex_t re;
    bool ok;

    if (regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB) != 0)
        return true;
    ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static void check_top(struct v *v, const struct osr_ynode *doc)
{
    static const char *const required[] = {"oml_version", "name", "steps"};
    static const char *const forbidden[] = {"version", "connectors", "tasks", "outputs"};
    static const char *const known[] = {"oml_version", "name",   "steps",    "description",
                                        "metadata",    "params", "profiles", "schedule"};
    const struct osr_ynode *ver = osr_ynode_get(doc, "oml_version");
    const struct osr_ynode *name = osr_ynode_get(doc, "name");

    for (size_t i = 0; i < OSR_ARRAY_LEN(required); i++) {
        if (!osr_ynode_get(doc, required[i]))
            emit(v, R_MISSING_KEY, doc, "root", NULL, "missing required top-level key '%s'",
                 required[i]);
    }
    for (size_t i = 0; i < doc->n; i++) {
        const char *k = doc->keys[i]->str;
        bool is_known = false;
        for (size_t f = 0; f < OSR_ARRAY_LEN(forbidden); f++) {
            if (strcmp(k, forbidden[f]) == 0)
                emit(v, R_FORBIDDEN_KEY, doc->keys[i], k,
                     strcmp(k, "version") == 0 ? "use oml_version: \"0.1.0\"" : "remove it",
                     "'%s' belongs to the legacy pipeline format and is not OML", k);
        }
        for (size_t f = 0; f < OSR_ARRAY_LEN(known); f++)
            is_known = is_known || strcmp(k, known[f]) == 0;
        for (size_t f = 0; f < OSR_ARRAY_LEN(forbidden); f++)
            is_known = is_known || strcmp(k, forbidden[f]) == 0;
        if (!is_known)
            emit(v, R_UNKNOWN_KEY, doc->keys[i], k, NULL, "unknown top-level key '%s' is ignored",
                 k);
    }
    if (ver && !osr_ynode_is_str(ver))
        emit(v, R_VERSION_TYPE, ver, "oml_version", "quote it: oml_version: \"0.1.0\"",
             "oml_version must be a string, not %s", kind(ver));
    else if (ver && strcmp(ver->str, OSR_OML_VERSION) != 0)
        emit(v, R_VERSION_UNSUPPORTED, ver, "oml_version", "use \"0.1.0\"",
             "OML version '%s' is not supported; this Osiris reads 0.1.0", ver->str);
    if (name && !osr_ynode_is_str(name))
        emit(v, R_NAME_TYPE, name, "name", NULL, "name must be a string, not %s", kind(name));
    else if (name && name->len == 0)
        emit(v, R_NAME_EMPTY, name, "name", "give the pipeline a name such as daily-orders",
             "name cannot be empty");
    else if (name && !matches("^[a-z0-9][a-z0-9-]*$", name->str))
        emit(v, R_NAME_CONVENTION, name, "name", "use lowercase letters, digits and hyphens",
             "pipeline name '%s' does not follow the naming convention", name->str);
}

/* ---- parameters ---- */

static const char *param_type(const struct osr_ynode *n)
{
    switch (n->kind) {
    case OSR_Y_BOOL:
        return "boolean";
    case OSR_Y_INT:
        return "integer";
    case OSR_Y_FLOAT:
        return "number";
    case OSR_Y_STR:
        return "string";
    default:
        return NULL;
    }
}

static void check_param(struct v *v, const struct osr_ynode *key, const struct osr_ynode *p)
{
    char path[300];
    const struct osr_ynode *type, *dflt, *en;

    snprintf(path, sizeof(path), "params.%s", key->str);
    json_object_set_new(v->params, key->str, json_true());
    if (p->kind != OSR_Y_MAP) {
        if (!param_type(p) && p->kind != OSR_Y_NULL)
            emit(v, R_PARAMS_INVALID, p, path, "give a scalar default or {default: ..., type: ...}",
                 "parameter '%s' must be a scalar default or a mapping", key->str);
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        if (!matches("^(default|type|enum|description|minimum|maximum)$", p->keys[i]->str))
            emit(v, R_PARAMS_INVALID, p->keys[i], path,
                 "use default, type, enum, description, minimum or maximum",
                 "parameter '%s' has an unknown field '%s'", key->str, p->keys[i]->str);
    }
    type = osr_ynode_get(p, "type");
    dflt = osr_ynode_get(p, "default");
    if (dflt && dflt->kind == OSR_Y_NULL)
        dflt = NULL; /* no default */
    en = osr_ynode_get(p, "enum");
    if (type &&
        (!osr_ynode_is_str(type) || !matches("^(string|integer|number|boolean)$", type->str)))
        emit(v, R_PARAMS_INVALID, type, path, "use string, integer, number or boolean",
             "parameter '%s' has an unknown type", key->str);
    else if (type && dflt && dflt->kind != OSR_Y_NULL && param_type(dflt) &&
             strcmp(param_type(dflt), type->str) != 0 &&
             !(strcmp(type->str, "number") == 0 && dflt->kind == OSR_Y_INT))
        emit(v, R_PARAMS_INVALID, dflt, path, NULL, "the default of parameter '%s' is %s, not %s",
             key->str, param_type(dflt), type->str);
    if (en && en->kind != OSR_Y_SEQ)
        emit(v, R_PARAMS_INVALID, en, path, NULL, "enum of parameter '%s' must be a list",
             key->str);
    else if (en && dflt) {
        bool found = false;
        for (size_t i = 0; i < en->n; i++)
            found = found ||
                    (en->items[i]->str && dflt->str && strcmp(en->items[i]->str, dflt->str) == 0);
        if (!found)
            emit(v, R_PARAMS_INVALID, dflt, path, NULL,
                 "the default of parameter '%s' is not one of its enum values", key->str);
    }
}

static void check_params(struct v *v, const struct osr_ynode *doc)
{
    const struct osr_ynode *params = osr_ynode_get(doc, "params");
    const struct osr_ynode *profiles = osr_ynode_get(doc, "profiles");

    if (params && params->kind != OSR_Y_MAP && params->kind != OSR_Y_NULL)
        emit(v, R_PARAMS_INVALID, params, "params", NULL, "params must be a mapping, not %s",
             kind(params));
    for (size_t i = 0; params && params->kind == OSR_Y_MAP && i < params->n; i++)
        check_param(v, params->keys[i], params->items[i]);
    if (profiles && profiles->kind != OSR_Y_MAP && profiles->kind != OSR_Y_NULL)
        emit(v, R_PROFILES_INVALID, profiles, "profiles", NULL,
             "profiles must be a mapping of profile names");
    for (size_t i = 0; profiles && profiles->kind == OSR_Y_MAP && i < profiles->n; i++) {
        const struct osr_ynode *pp = osr_ynode_get(profiles->items[i], "params");
        char path[300];
        snprintf(path, sizeof(path), "profiles.%s", profiles->keys[i]->str);
        if (profiles->items[i]->kind != OSR_Y_MAP) {
            emit(v, R_PROFILES_INVALID, profiles->items[i], path, "write {params: {...}}",
                 "profile '%s' must be a mapping", profiles->keys[i]->str);
            continue;
        }
        if (pp && pp->kind != OSR_Y_MAP && pp->kind != OSR_Y_NULL)
            emit(v, R_PROFILES_INVALID, pp, path, "write params: {NAME: value}",
                 "the params of profile '%s' must be a mapping, not %s", profiles->keys[i]->str,
                 kind(pp));
        for (size_t k = 0; pp && pp->kind == OSR_Y_MAP && k < pp->n; k++) {
            if (!json_object_get(v->params, pp->keys[k]->str))
                emit(v, R_PARAM_UNDECLARED, pp->keys[k], path, "declare it under params",
                     "profile '%s' sets parameter '%s', which is not declared",
                     profiles->keys[i]->str, pp->keys[k]->str);
        }
    }
}

/* Every ${params.NAME} in every string must name a declared parameter. */
static void check_param_refs(struct v *v, const struct osr_ynode *n, const char *path)
{
    if (n->kind == OSR_Y_STR) {
        const char *p = n->str;
        while ((p = strstr(p, "${params."))) {
            const char *name = p + 9, *close = strchr(name, '}');
            char buf[128];
            if (!close)
                break;
            snprintf(buf, sizeof(buf), "%.*s", (int)(close - name < 120 ? close - name : 120),
                     name);
            if (!json_object_get(v->params, buf))
                emit(v, R_PARAM_UNDECLARED, n, path, "declare it under params",
                     "parameter '%s' is used but not declared", buf);
            p = close + 1;
        }
        return;
    }
    for (size_t i = 0; i < n->n; i++) {
        char *child = n->keys ? osr_xasprintf("%s.%s", path, n->keys[i]->str)
                              : osr_xasprintf("%s[%zu]", path, i);
        if (!(n->keys && strcmp(path, "root") == 0 &&
              (strcmp(n->keys[i]->str, "params") == 0 || strcmp(n->keys[i]->str, "profiles") == 0)))
            check_param_refs(v, n->items[i],
                             strcmp(path, "root") == 0 && n->keys ? n->keys[i]->str : child);
        free(child);
    }
}

/* ---- steps ---- */

static const char *component_mode(const char *oml_mode)
{
    if (strcmp(oml_mode, "read") == 0)
        return "extract";
    if (strcmp(oml_mode, "write") == 0)
        return "write";
    if (strcmp(oml_mode, "transform") == 0)
        return "transform";
    return NULL;
}

static bool has_mode(json_t *spec, const char *mode)
{
    json_t *m;
    size_t i;

    json_array_foreach(json_object_get(spec, "modes"), i, m)
    {
        if (strcmp(json_string_value(m), mode) == 0 ||
            (strcmp(mode, "write") == 0 && strcmp(json_string_value(m), "load") == 0))
            return true;
    }
    return false;
}

static char *modes_of(json_t *spec)
{
    struct osr_strv sv = OSR_STRV_INIT;
    json_t *m;
    size_t i;
    char *s;

    json_array_foreach(json_object_get(spec, "modes"), i, m)
    {
        const char *cm = json_string_value(m);
        const char *om = strcmp(cm, "extract") == 0     ? "read"
                         : strcmp(cm, "write") == 0     ? "write"
                         : strcmp(cm, "transform") == 0 ? "transform"
                                                        : NULL;
        if (om)
            osr_strv_push(&sv, om);
    }
    s = osr_strv_join(&sv, ", ");
    osr_strv_dispose(&sv);
    return s;
}

static const char *family_of(const char *component, char *buf, size_t n)
{
    const char *dot = strchr(component, '.');
    snprintf(buf, n, "%.*s", (int)(dot ? dot - component : (long)strlen(component)), component);
    return buf;
}

/* The policy of a connection field in the spec's x-connection-fields, or NULL. */
static const char *override_policy(json_t *spec, const char *key)
{
    json_t *list = json_object_get(spec, "x-connection-fields"), *f;
    size_t i;

    json_array_foreach(list, i, f)
    {
        if (json_is_string(f) && strcmp(json_string_value(f), key) == 0)
            return "allowed";
        if (json_is_object(f) && strcmp(json_string_value(json_object_get(f, "name")), key) == 0)
            return json_is_string(json_object_get(f, "override"))
                       ? json_string_value(json_object_get(f, "override"))
                       : "allowed";
    }
    return NULL;
}

static bool spec_secret(json_t *spec, const char *key)
{
    static const char *const lists[] = {"secrets", "x-secret"};
    json_t *p;
    size_t i;

    for (size_t l = 0; l < 2; l++) {
        json_array_foreach(json_object_get(spec, lists[l]), i, p)
        {
            const char *s = json_string_value(p);
            size_t n = strlen(key);
            if (s && s[0] == '/' && strncmp(s + 1, key, n) == 0 &&
                (s[1 + n] == '\0' || s[1 + n] == '/'))
                return true;
        }
    }
    return false;
}

static void check_connection(struct v *v, const char *path, const struct osr_ynode *ref,
                             const char *component)
{
    char fam[64], want[64];
    const struct osr_conn_alias *alias;

    if (!osr_ynode_is_str(ref) || !matches("^@[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)?$", ref->str)) {
        emit(v, R_CONNECTION_REF, ref, path,
             "write it as \"@family.alias\", e.g. \"@postgres.main\"",
             "invalid connection reference '%s'", ref->str ? ref->str : kind(ref));
        return;
    }
    family_of(ref->str + 1, fam, sizeof(fam));
    family_of(component, want, sizeof(want));
    if (strcmp(osr_connections_family_canonical(fam), osr_connections_family_canonical(want)) !=
        0) {
        emit(v, R_CONNECTION_FAMILY, ref, path, NULL,
             "connection '%s' is a %s connection but %s needs a %s one", ref->str, fam, component,
             want);
        return;
    }
    if (v->ctx->conns && osr_connections_find(&alias, v->ctx->conns, ref->str) < 0)
        emit(v, R_CONNECTION_UNKNOWN, ref, path, "see osiris connections list", "%s",
             osr_error_last());
}

static void check_config_value(struct v *v, const char *path, const struct osr_ynode *val,
                               json_t *prop)
{
    struct osr_strv errors = OSR_STRV_INIT;
    json_t *j;

    if (val->kind == OSR_Y_STR && strstr(val->str, "${"))
        return; /* a parameter or variable: its type is known only when it is resolved */
    j = osr_ynode_to_json(val);
    if (osr_jsonschema_validate(prop, j, path, &errors) > 0)
        emit(v, R_CONFIG_VALUE, val, path, NULL, "%s", errors.v[0]);
    json_decref(j);
    osr_strv_dispose(&errors);
}

/* A literal (not a ${...} reference) written into a field that holds a secret. */
static bool literal_value(const struct osr_ynode *val)
{
    return (osr_ynode_is_str(val) && val->len && !osr_mask_is_reference(val->str)) ||
           val->kind == OSR_Y_INT || val->kind == OSR_Y_FLOAT;
}

/* A secret field set to "${params.NAME}" whose default or profile value is a literal: the
 * secret is in the pipeline all the same. */
static void check_secret_param(struct v *v, const struct osr_ynode *key, const char *ref)
{
    const struct osr_ynode *params = osr_ynode_get(v->doc, "params");
    const struct osr_ynode *profiles = osr_ynode_get(v->doc, "profiles"), *p, *val;
    char name[128];
    size_t n = strlen(ref);

    if (strncmp(ref, "${params.", 9) != 0 || n - 10 >= sizeof(name))
        return;
    snprintf(name, sizeof(name), "%.*s", (int)(n - 10), ref + 9);
    p = osr_ynode_get(params, name);
    val = p && p->kind == OSR_Y_MAP ? osr_ynode_get(p, "default") : p;
    for (size_t i = 0;; i++) {
        if (val && literal_value(val)) {
            char *path =
                i == 0 ? osr_xasprintf("params.%s", name)
                       : osr_xasprintf("profiles.%s.params.%s", profiles->keys[i - 1]->str, name);
            emit(v, R_INLINE_SECRET, val, path,
                 "leave the parameter without a default and give the value at compile time, or "
                 "keep it in osiris_connections.yaml",
                 "parameter '%s' feeds the secret field '%s' and holds a literal value", name,
                 key->str);
            free(path);
        }
        if (!profiles || profiles->kind != OSR_Y_MAP || i >= profiles->n)
            break;
        val = osr_ynode_get(osr_ynode_get(profiles->items[i], "params"), name);
    }
}

static bool check_inline_secret(struct v *v, const char *path, const struct osr_ynode *key,
                                const struct osr_ynode *val)
{
    bool literal = literal_value(val);

    if (!literal && osr_ynode_is_str(val) && osr_mask_is_reference(val->str))
        check_secret_param(v, key, val->str);
    if (literal)
        emit(v, R_INLINE_SECRET, val, path,
             "keep secrets in osiris_connections.yaml as ${VAR} and refer to the connection",
             "'%s' holds a secret written into the pipeline", key->str);
    return literal;
}

/* Whether a configuration field holds a secret: the spec's secret list when it has one,
 * otherwise the name (password, token, ...). Paths of key files are not secrets. */
static bool secret_field(json_t *spec, const char *key)
{
    if (json_array_size(json_object_get(spec, "secrets")) ||
        json_array_size(json_object_get(spec, "x-secret")))
        return spec_secret(spec, key);
    return osr_mask_is_secret_name(key);
}

/* write_mode must be one the component accepts; upsert needs the key columns. */
static void check_write_mode(struct v *v, const char *path, const struct osr_ynode *wm,
                             const struct osr_ynode *cfg, json_t *prop, const char *component)
{
    json_t *accepted = json_object_get(prop, "enum"), *m;
    const struct osr_ynode *pk = osr_ynode_get(cfg, "primary_key");
    bool ok = !json_array_size(accepted);
    size_t i;
    char *p;

    if (osr_ynode_is_str(wm) && strstr(wm->str, "${"))
        return; /* a parameter: checked when it is resolved */
    json_array_foreach(accepted, i, m) ok = ok || (osr_ynode_is_str(wm) && json_is_string(m) &&
                                                   strcmp(json_string_value(m), wm->str) == 0);
    if (!osr_ynode_is_str(wm) || !ok) {
        struct osr_strv names = OSR_STRV_INIT;
        char *list;
        json_array_foreach(accepted, i, m)
        {
            if (json_is_string(m))
                osr_strv_push(&names, json_string_value(m));
        }
        list = osr_strv_join(&names, ", ");
        p = osr_xasprintf("use one of: %s", list);
        emit(v, R_WRITE_MODE, wm, path, p, "%s does not accept write_mode '%s'", component,
             wm->str ? wm->str : kind(wm));
        free(p);
        free(list);
        osr_strv_dispose(&names);
        return;
    }
    if (strcmp(wm->str, "upsert") == 0 &&
        (!pk || pk->kind == OSR_Y_NULL || (pk->kind == OSR_Y_SEQ && pk->n == 0))) {
        p = osr_xasprintf("%.*s.primary_key", (int)(strlen(path) - strlen(".write_mode")), path);
        emit(v, R_PRIMARY_KEY_MISSING, wm, p, "add primary_key: [id] (the key columns)",
             "write_mode upsert needs primary_key");
        free(p);
    }
}

static void check_config(struct v *v, const char *path, const struct osr_ynode *cfg,
                         const struct osr_ynode *at, const char *component, json_t *spec,
                         const char *mode)
{
    json_t *schema = json_object_get(spec, "configSchema");
    json_t *props = json_object_get(schema, "properties"),
           *req = json_object_get(schema, "required");
    const struct osr_ynode *conn = osr_ynode_get(cfg, "connection");
    bool has_ref = osr_ynode_is_str(conn) && conn->str[0] == '@';
    json_t *r;
    size_t i;

    for (i = 0; i < cfg->n; i++) {
        const struct osr_ynode *k = cfg->keys[i], *val = cfg->items[i];
        char *kp = osr_xasprintf("%s.%s", path, k->str);
        json_t *prop = json_object_get(props, k->str);
        const char *policy = override_policy(spec, k->str);
        if (!prop) {
            emit(v, R_CONFIG_KEY_UNKNOWN, k, kp, "see osiris components show for the fields",
                 "unknown configuration key '%s' for component %s", k->str, component);
            if (osr_mask_is_secret_name(k->str))
                check_inline_secret(v, kp, k, val);
        } else if (strcmp(k->str, "connection") == 0) {
            if (!(osr_ynode_is_str(val) && strstr(val->str, "${")))
                check_connection(v, kp, val, component);
        } else {
            if (has_ref && policy && strcmp(policy, "forbidden") == 0)
                emit(v, R_OVERRIDE_FORBIDDEN, k, kp, "remove it: the connection provides it",
                     "'%s' comes from the connection and cannot be overridden here", k->str);
            else if (has_ref && policy && strcmp(policy, "warning") == 0)
                emit(v, R_OVERRIDE_WARNING, k, kp, NULL,
                     "'%s' overrides the value of the connection", k->str);
            if (secret_field(spec, k->str) && check_inline_secret(v, kp, k, val))
                ;
            else if (strcmp(k->str, "write_mode") == 0 && strcmp(mode, "write") == 0)
                check_write_mode(v, kp, val, cfg, prop, component);
            else
                check_config_value(v, kp, val, prop);
        }
        free(kp);
    }
    json_array_foreach(req, i, r)
    {
        const char *name = json_string_value(r);
        if (!name || osr_ynode_get(cfg, name) || strcmp(name, "connection") == 0 ||
            (has_ref && override_policy(spec, name)))
            continue;
        emit(v, R_CONFIG_KEY_MISSING, at, path, NULL,
             "missing required configuration key '%s' for component %s", name, component);
    }
    if (strcmp(mode, "read") == 0 && json_object_get(props, "query") &&
        json_object_get(props, "table") &&
        !osr_ynode_get(cfg, "query") == !osr_ynode_get(cfg, "table"))
        emit(v, R_QUERY_TABLE, at, path, "give either query or table",
             osr_ynode_get(cfg, "query") ? "give either query or table, not both"
                                         : "an extractor needs query or table");
}

static void check_step_keys(struct v *v, const char *path, const struct osr_ynode *step)
{
    static const char *const known[] = {"id",    "component",   "mode",   "config",
                                        "needs", "description", "inputs", "outputs"};

    for (size_t i = 0; i < step->n; i++) {
        bool ok = false;
        for (size_t k = 0; k < OSR_ARRAY_LEN(known); k++)
            ok = ok || strcmp(step->keys[i]->str, known[k]) == 0;
        if (!ok)
            emit(v, R_STEP_KEY_UNKNOWN, step->keys[i], path, NULL,
                 "unknown step key '%s' is ignored", step->keys[i]->str);
    }
}

static json_t *check_component(struct v *v, const char *path, const struct osr_ynode *comp)
{
    const struct osr_component *c;
    char *p = osr_xasprintf("%s.component", path);
    json_t *spec = NULL;

    if (!osr_ynode_is_str(comp)) {
        emit(v, R_COMPONENT_TYPE, comp, p, NULL, "component must be a string, not %s", kind(comp));
    } else if (!(c = osr_registry_find(v->ctx->registry, comp->str))) {
        emit(v, R_COMPONENT_UNKNOWN, comp, p, "see osiris components list",
             "unknown component '%s'", comp->str);
    } else {
        spec = c->spec;
    }
    free(p);
    return spec;
}

static void check_mode(struct v *v, const char *path, const struct osr_ynode *mode, json_t *spec,
                       const char *id, const char *component)
{
    char *p = osr_xasprintf("%s.mode", path), *allowed;

    if (!osr_ynode_is_str(mode)) {
        emit(v, R_MODE_TYPE, mode, p, NULL, "mode must be a string, not %s", kind(mode));
    } else if (!component_mode(mode->str)) {
        emit(v, R_MODE_INVALID, mode, p, "use read, write or transform", "invalid mode '%s'",
             mode->str);
    } else if (spec && !has_mode(spec, component_mode(mode->str))) {
        allowed = modes_of(spec);
        emit(v, R_MODE_INCOMPATIBLE, mode, p, allowed,
             "step '%s': mode '%s' is not supported by %s", id, mode->str, component);
        free(allowed);
    }
    free(p);
}

static void check_id(struct v *v, const char *path, const struct osr_ynode *id, size_t index)
{
    char *p = osr_xasprintf("%s.id", path);
    json_t *seen;

    if (!osr_ynode_is_str(id)) {
        emit(v, R_ID_TYPE, id, p, NULL, "step id must be a string, not %s", kind(id));
    } else if (!id->len) {
        emit(v, R_ID_TYPE, id, p, "give the step a name such as extract-orders",
             "step id must not be empty");
    } else if ((seen = json_object_get(v->ids, id->str))) {
        emit(v, R_ID_DUPLICATE, id, p, "give every step its own id",
             "duplicate step id '%s' (first used by steps[%lld])", id->str,
             (long long)json_integer_value(seen));
    } else {
        json_object_set_new(v->ids, id->str, json_integer((json_int_t)index));
    }
    free(p);
}

static void check_step(struct v *v, size_t index, const struct osr_ynode *step)
{
    static const char *const fields[] = {"id", "component", "mode"};
    char path[48];
    const struct osr_ynode *id, *comp, *mode, *cfg, *needs;
    json_t *spec;

    snprintf(path, sizeof(path), "steps[%zu]", index);
    if (step->kind != OSR_Y_MAP) {
        emit(v, R_STEP_TYPE, step, path, NULL, "a step must be a mapping, not %s", kind(step));
        return;
    }
    for (size_t f = 0; f < OSR_ARRAY_LEN(fields); f++) {
        if (!osr_ynode_get(step, fields[f])) {
            char *p = osr_xasprintf("%s.%s", path, fields[f]);
            emit(v, R_STEP_FIELD_MISSING, step, p, NULL, "step missing required field '%s'",
                 fields[f]);
            free(p);
        }
    }
    id = osr_ynode_get(step, "id");
    comp = osr_ynode_get(step, "component");
    mode = osr_ynode_get(step, "mode");
    cfg = osr_ynode_get(step, "config");
    needs = osr_ynode_get(step, "needs");
    if (id)
        check_id(v, path, id, index);
    spec = comp ? check_component(v, path, comp) : NULL;
    if (mode)
        check_mode(v, path, mode, spec, osr_ynode_is_str(id) ? id->str : "?",
                   osr_ynode_is_str(comp) ? comp->str : "?");
    if (needs && needs->kind != OSR_Y_SEQ && needs->kind != OSR_Y_NULL) {
        char *p = osr_xasprintf("%s.needs", path);
        emit(v, R_NEEDS_TYPE, needs, p, "write needs: [other-step]",
             "needs must be a list of step ids, not %s", kind(needs));
        free(p);
    }
    if (cfg && cfg->kind != OSR_Y_MAP && cfg->kind != OSR_Y_NULL) {
        char *p = osr_xasprintf("%s.config", path);
        emit(v, R_CONFIG_TYPE, cfg, p, NULL, "config must be a mapping, not %s", kind(cfg));
        free(p);
    } else if (spec && osr_ynode_is_str(mode) && component_mode(mode->str)) {
        char *p = osr_xasprintf("%s.config", path);
        static const struct osr_ynode empty = {.kind = OSR_Y_MAP};
        check_config(v, p, cfg && cfg->kind == OSR_Y_MAP ? cfg : &empty,
                     cfg && cfg->kind == OSR_Y_MAP ? cfg : step, comp->str, spec, mode->str);
        free(p);
    }
    check_step_keys(v, path, step);
}

/* ---- the dependency graph ---- */

struct graph {
    size_t n;
    size_t **edges; /* edges[i]: indexes of the steps step i needs */
    size_t *nedges;
};

static void graph_free(struct graph *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->edges[i]);
    free(g->edges);
    free(g->nedges);
}

/* Whether needs[k] already appears before position k. */
static bool listed_before(const struct osr_ynode *needs, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        if (osr_ynode_is_str(needs->items[j]) &&
            strcmp(needs->items[j]->str, needs->items[k]->str) == 0)
            return true;
    }
    return false;
}

static void check_needs(struct v *v, const struct osr_ynode *steps, struct graph *g)
{
    g->n = steps->n;
    g->edges = osr_xcalloc(steps->n, sizeof(*g->edges));
    g->nedges = osr_xcalloc(steps->n, sizeof(*g->nedges));
    for (size_t i = 0; i < steps->n; i++) {
        const struct osr_ynode *st = steps->items[i], *needs = osr_ynode_get(st, "needs");
        const struct osr_ynode *id = osr_ynode_get(st, "id");
        char path[64];
        if (!needs || needs->kind != OSR_Y_SEQ)
            continue;
        g->edges[i] = osr_xcalloc(needs->n ? needs->n : 1, sizeof(size_t));
        for (size_t k = 0; k < needs->n; k++) {
            const struct osr_ynode *dep = needs->items[k];
            json_t *target;
            snprintf(path, sizeof(path), "steps[%zu].needs[%zu]", i, k);
            if (!osr_ynode_is_str(dep)) {
                emit(v, R_DEPENDENCY_TYPE, dep, path, NULL,
                     "a dependency must be a step id string, not %s", kind(dep));
            } else if (osr_ynode_is_str(id) && strcmp(dep->str, id->str) == 0) {
                emit(v, R_DEPENDENCY_SELF, dep, path, "remove it from needs",
                     "step '%s' needs itself", id->str);
            } else if (!(target = json_object_get(v->ids, dep->str))) {
                emit(v, R_DEPENDENCY_UNKNOWN, dep, path, "name an existing step id",
                     "unknown dependency '%s'", dep->str);
            } else if (listed_before(needs, k)) {
                emit(v, R_DEPENDENCY_DUPLICATE, dep, path, "list each step once",
                     "step '%s' is listed twice in needs", dep->str);
            } else {
                g->edges[i][g->nedges[i]++] = (size_t)json_integer_value(target);
            }
        }
    }
}

/* Iterative depth-first search; each cycle is reported once, at the step where it closes
 * on itself first in document order, naming the steps around it. */
static void report_cycle(struct v *v, const struct osr_ynode *steps, const size_t *stack,
                         size_t depth, size_t start)
{
    struct osr_buf b;
    size_t from = depth;
    char path[64];

    while (from > 0 && stack[from - 1] != start)
        from--;
    osr_buf_init(&b, 4096);
    for (size_t i = from ? from - 1 : 0; i < depth; i++) {
        const struct osr_ynode *id = osr_ynode_get(steps->items[stack[i]], "id");
        osr_buf_printf(&b, "%s -> ", osr_ynode_is_str(id) ? id->str : "?");
    }
    osr_buf_puts(&b, osr_ynode_get(steps->items[start], "id")->str);
    snprintf(path, sizeof(path), "steps[%zu].needs", start);
    emit(v, R_DEPENDENCY_CYCLE, osr_ynode_get(steps->items[start], "needs"), path,
         "remove one of these dependencies", "steps form a cycle: %s",
         osr_buf_failed(&b) ? "(too long to show)" : b.ptr);
    osr_buf_dispose(&b);
}

static void check_cycles(struct v *v, const struct osr_ynode *steps, struct graph *g)
{
    unsigned char *color = osr_xcalloc(g->n ? g->n : 1, 1); /* 0 new, 1 on stack, 2 done */
    size_t *stack = osr_xmalloc((g->n + 1) * sizeof(size_t));
    size_t *next = osr_xcalloc(g->n ? g->n : 1, sizeof(size_t));

    for (size_t root = 0; root < g->n; root++) {
        size_t depth = 0;
        if (color[root])
            continue;
        stack[depth++] = root;
        color[root] = 1;
        while (depth) {
            size_t u = stack[depth - 1];
            if (next[u] < g->nedges[u]) {
                size_t w = g->edges[u][next[u]++];
                if (color[w] == 1)
                    report_cycle(v, steps, stack, depth, w);
                else if (color[w] == 0) {
                    color[w] = 1;
                    stack[depth++] = w;
                }
            } else {
                color[u] = 2;
                depth--;
            }
        }
    }
    free(color);
    free(stack);
    free(next);
}

/* ---- entry points ---- */

void osr_oml_validate(const struct osr_ynode *root, const struct osr_oml_ctx *ctx,
                      struct osr_diags *diags)
{
    struct v v = {ctx, diags, json_object(), json_object(), root};
    const struct osr_ynode *steps;
    struct graph g = {0};

    if (!root || root->kind != OSR_Y_MAP) {
        emit(&v, R_INVALID_TYPE, root, "root", "start with oml_version: \"0.1.0\"",
             "an OML document must be a mapping, not %s", root ? kind(root) : "empty");
        goto done;
    }
    check_top(&v, root);
    check_params(&v, root);
    steps = osr_ynode_get(root, "steps");
    if (steps && steps->kind != OSR_Y_SEQ) {
        emit(&v, R_STEPS_TYPE, steps, "steps", NULL, "steps must be a list, not %s", kind(steps));
    } else if (steps && steps->n == 0) {
        emit(&v, R_STEPS_EMPTY, steps, "steps", "add at least one step",
             "a pipeline needs at least one step");
    } else if (steps) {
        for (size_t i = 0; i < steps->n; i++)
            check_step(&v, i, steps->items[i]);
        check_needs(&v, steps, &g);
        check_cycles(&v, steps, &g);
        graph_free(&g);
    }
    check_param_refs(&v, root, "root");
done:
    osr_diags_sort(diags);
    json_decref(v.ids);
    json_decref(v.params);
}

int osr_oml_parse(struct osr_ynode **root, const char *text, size_t len,
                  const struct osr_oml_ctx *ctx, struct osr_diags *diags)
{
    struct osr_yaml_error err;
    struct v v = {ctx, diags, NULL, NULL, NULL};
    int rc = osr_yaml_parse(root, &err, text, len, &osr_oml_limits);

    if (rc < 0) {
        osr_diag_add_at(diags, OSR_SEV_ERROR,
                        osr_oml_rules[rc == -OSR_ELIMIT ? R_LIMIT : R_YAML].code, ctx->file,
                        err.line, err.col, "root",
                        rc == -OSR_ELIMIT ? "make the document smaller or flatter"
                                          : "fix the YAML at this position",
                        "%s", err.message);
        osr_diag_set_type(diags, osr_oml_rules[rc == -OSR_ELIMIT ? R_LIMIT : R_YAML].type);
    }
    OSR_UNUSED(v);
    return rc;
}

json_t *osr_oml_check_text(const char *text, size_t len, const struct osr_oml_ctx *ctx, bool strict)
{
    struct osr_ynode *root = NULL;
    struct osr_diags d;
    json_t *list = json_array();
    bool valid;

    osr_diags_init(&d);
    if (osr_oml_parse(&root, text, len, ctx, &d) == 0)
        osr_oml_validate(root, ctx, &d);
    osr_ynode_free(root);
    for (size_t i = 0; i < d.n; i++)
        json_array_append_new(list, osr_diag_to_json(&d.v[i]));
    valid = d.errors == 0 && (!strict || d.warnings == 0);
    json_t *out =
        json_pack("{s:b, s:o, s:{s:i, s:i, s:i}}", "valid", valid, "diagnostics", list, "summary",
                  "errors", (int)d.errors, "warnings", (int)d.warnings, "info", (int)d.infos);
    osr_diags_dispose(&d);
    return out;
}
