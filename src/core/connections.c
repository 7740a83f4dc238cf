/*
 * connections.c - loading, checking and resolving osiris_connections.yaml.
 *
 * Each family has a table of the fields its connector reads, with a type; a field that is
 * not in the table is warned about (it is ignored by the connector), a field of the wrong
 * type is an error, and each family has its own rule for which fields are required.
 */
#include "core/connections.h"
#include "core/alloc.h"
#include "core/env.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/mask.h"

#define CONNECTIONS_MAX_BYTES (4u << 20)

enum vtype { V_STR, V_INT, V_BOOL, V_MAP };

struct ffield {
    const char *name;
    enum vtype type;
};

struct family {
    const char *name;
    const char *canonical;
    const struct ffield *fields;
    /* Groups of alternatives: each group needs one of its fields ("host|dsn"). */
    const char *const *required;
};

#define COMMON                                                                                     \
    {"default", V_BOOL}, {"description", V_STR}, {"connect_timeout", V_INT},                       \
    {                                                                                              \
        "statement_timeout", V_INT                                                                 \
    }

static const struct ffield sqlite_fields[] = {
    COMMON, {"path", V_STR}, {"read_only", V_BOOL}, {NULL, 0}};
static const struct ffield postgres_fields[] = {COMMON,
                                                {"host", V_STR},
                                                {"port", V_INT},
                                                {"database", V_STR},
                                                {"user", V_STR},
                                                {"password", V_STR},
                                                {"sslmode", V_STR},
                                                {"sslrootcert", V_STR},
                                                {"sslcert", V_STR},
                                                {"sslkey", V_STR},
                                                {"dsn", V_STR},
                                                {"schema", V_STR},
                                                {"application_name", V_STR},
                                                {NULL, 0}};
static const struct ffield mysql_fields[] = {COMMON,
                                             {"host", V_STR},
                                             {"port", V_INT},
                                             {"database", V_STR},
                                             {"user", V_STR},
                                             {"password", V_STR},
                                             {"ssl_ca", V_STR},
                                             {"ssl_cert", V_STR},
                                             {"ssl_key", V_STR},
                                             {"unix_socket", V_STR},
                                             {"charset", V_STR},
                                             {NULL, 0}};
static const struct ffield supabase_fields[] = {COMMON,
                                                {"url", V_STR},
                                                {"project_id", V_STR},
                                                {"service_role_key", V_STR},
                                                {"anon_key", V_STR},
                                                {"key", V_STR},
                                                {"pg_dsn", V_STR},
                                                {"host", V_STR},
                                                {"port", V_INT},
                                                {"user", V_STR},
                                                {"password", V_STR},
                                                {"database", V_STR},
                                                {"schema", V_STR},
                                                {"sslmode", V_STR},
                                                {NULL, 0}};
static const struct ffield filesystem_fields[] = {COMMON, {"base_dir", V_STR}, {NULL, 0}};

static const char *const sqlite_req[] = {"path", NULL};
static const char *const postgres_req[] = {"dsn|host", "dsn|database", "dsn|user", NULL};
static const char *const mysql_req[] = {"host|unix_socket", "database", "user", NULL};
static const char *const supabase_req[] = {"url|project_id", NULL};
static const char *const filesystem_req[] = {"base_dir", NULL};

static const struct family families[] = {
    {"filesystem", "filesystem", filesystem_fields, filesystem_req},
    {"mysql", "mysql", mysql_fields, mysql_req},
    {"postgres", "postgres", postgres_fields, postgres_req},
    {"postgresql", "postgres", postgres_fields, postgres_req},
    {"sqlite", "sqlite", sqlite_fields, sqlite_req},
    {"supabase", "supabase", supabase_fields, supabase_req},
};

static const struct family *family_get(const char *name)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(families); i++) {
        if (strcmp(families[i].name, name) == 0)
            return &families[i];
    }
    return NULL;
}

bool osr_connections_family_known(const char *family)
{
    return family_get(family) != NULL;
}

const char *osr_connections_family_canonical(const char *family)
{
    const struct family *f = family_get(family);
    return f ? f->canonical : family;
}

static const struct ffield *field_get(const struct family *fam, const char *name)
{
    for (const struct ffield *f = fam->fields; f->name; f++) {
        if (strcmp(f->name, name) == 0)
            return f;
    }
    return NULL;
}

static bool has_ref(const struct osr_ynode *v)
{
    return v->kind == OSR_Y_STR && strstr(v->str, "${") != NULL;
}

static bool type_ok(enum vtype t, const struct osr_ynode *v)
{
    switch (t) {
    case V_STR:
        return v->kind != OSR_Y_SEQ && v->kind != OSR_Y_MAP;
    case V_INT:
        return v->kind == OSR_Y_INT || has_ref(v);
    case V_BOOL:
        return v->kind == OSR_Y_BOOL || has_ref(v);
    case V_MAP:
        return v->kind == OSR_Y_MAP;
    }
    return false;
}

static const char *type_name(enum vtype t)
{
    static const char *const names[] = {"a string", "an integer", "true or false", "a mapping"};
    return names[t];
}

static void check_required(struct osr_connections *c, struct osr_diags *d, const struct family *fam,
                           const struct osr_conn_alias *a, char *path)
{
    for (const char *const *req = fam->required; *req; req++) {
        struct osr_strv alts = OSR_STRV_INIT;
        const char *p = *req;
        bool found = false;
        char *list;

        while (*p) {
            size_t n = strcspn(p, "|");
            char *name = osr_xstrndup(p, n);
            const struct osr_ynode *v = osr_ynode_get(a->node, name);
            found = found || (v && v->kind != OSR_Y_NULL);
            osr_strv_push(&alts, name);
            free(name);
            p += n + (p[n] == '|');
        }
        list = osr_strv_join(&alts, "' or '");
        if (!found)
            osr_diag_add(d, OSR_SEV_ERROR, "CONN005", c->file, a->key, path,
                         "add the field, using ${VAR} for secrets", "%s needs '%s'", path, list);
        free(list);
        osr_strv_dispose(&alts);
    }
}

static void check_alias(struct osr_connections *c, struct osr_diags *d, const struct family *fam,
                        const struct osr_conn_alias *a)
{
    char *path = osr_xasprintf("connections.%s.%s", a->family, a->name);

    for (size_t i = 0; i < a->node->n; i++) {
        const struct osr_ynode *k = a->node->keys[i], *v = a->node->items[i];
        const struct ffield *f = field_get(fam, k->str);

        if (!f)
            osr_diag_add(d, OSR_SEV_WARNING, "CONN004", c->file, k, path, NULL,
                         "%s: unknown field '%s' for family %s is ignored", path, k->str,
                         a->family);
        else if (v->kind != OSR_Y_NULL && !type_ok(f->type, v))
            osr_diag_add(d, OSR_SEV_ERROR, "CONN003", c->file, v, path, NULL,
                         "%s.%s must be %s, not %s", path, k->str, type_name(f->type),
                         osr_ykind_name(v->kind));
    }
    check_required(c, d, fam, a, path);
    free(path);
}

static void add_alias(struct osr_connections *c, const char *family, const struct osr_ynode *key,
                      const struct osr_ynode *node)
{
    struct osr_conn_alias *a;

    c->v = osr_xgrow(c->v, &c->cap, c->n + 1, sizeof(*c->v));
    a = &c->v[c->n++];
    a->family = family;
    a->name = key->str;
    a->key = key;
    a->node = node;
    a->is_default = false;
}

static void mark_defaults(struct osr_connections *c)
{
    for (size_t f = 0; f < c->families.n; f++) {
        struct osr_conn_alias *pick = NULL, *named = NULL;
        for (size_t i = 0; i < c->n; i++) {
            const struct osr_ynode *dv;
            if (strcmp(c->v[i].family, c->families.v[f]) != 0)
                continue;
            dv = osr_ynode_get(c->v[i].node, "default");
            if (!pick && dv && dv->kind == OSR_Y_BOOL && dv->v.b)
                pick = &c->v[i];
            if (!named && strcmp(c->v[i].name, "default") == 0)
                named = &c->v[i];
        }
        if (pick || named)
            (pick ? pick : named)->is_default = true;
    }
}

static void load_family(struct osr_connections *c, struct osr_diags *d,
                        const struct osr_ynode *fkey, const struct osr_ynode *fval)
{
    const struct family *fam = family_get(fkey->str);
    char *path = osr_xasprintf("connections.%s", fkey->str);

    osr_strv_push(&c->families, fkey->str);
    if (!fam)
        osr_diag_add(d, OSR_SEV_ERROR, "CONN002", c->file, fkey, path,
                     "use one of: sqlite, postgres, mysql, supabase, filesystem",
                     "unknown connection family '%s'", fkey->str);
    if (fval->kind != OSR_Y_MAP) {
        if (fval->kind != OSR_Y_NULL)
            osr_diag_add(d, OSR_SEV_ERROR, "CONN003", c->file, fval, path, NULL,
                         "%s must map alias names to their fields, not be a %s", path,
                         osr_ykind_name(fval->kind));
        free(path);
        return;
    }
    for (size_t i = 0; i < fval->n; i++) {
        const struct osr_ynode *ak = fval->keys[i], *av = fval->items[i];
        if (av->kind != OSR_Y_MAP) {
            osr_diag_add(d, OSR_SEV_ERROR, "CONN003", c->file, av, path,
                         "give the alias its fields, e.g. host: ..., database: ...",
                         "%s.%s must be a mapping of fields, not %s", path, ak->str,
                         osr_ykind_name(av->kind));
            continue;
        }
        add_alias(c, c->families.v[c->families.n - 1], ak, av);
        if (fam)
            check_alias(c, d, fam, &c->v[c->n - 1]);
    }
    free(path);
}

static int parse_doc(struct osr_connections *c, struct osr_diags *d)
{
    struct osr_yaml_error err;
    struct osr_buf text;
    int rc = osr_fs_read_file(&text, c->file, CONNECTIONS_MAX_BYTES);

    if (rc < 0) {
        osr_diag_add(d, OSR_SEV_ERROR, "CONN010", c->file, NULL, NULL, NULL, "%s",
                     osr_error_last());
        return rc;
    }
    rc = osr_yaml_parse(&c->doc, &err, text.ptr, text.len, NULL);
    explicit_bzero(text.ptr, text.len); /* the file may hold literal secrets */
    osr_buf_dispose(&text);
    if (rc < 0)
        osr_diag_add_at(d, OSR_SEV_ERROR, "CONN011", c->file, err.line, err.col, NULL,
                        "fix the YAML syntax at this position", "%s", err.message);
    return rc;
}

int osr_connections_load(struct osr_connections *c, const char *base_path, struct osr_diags *diags)
{
    const struct osr_ynode *conns;
    int rc;

    memset(c, 0, sizeof(*c));
    c->file = osr_path_join(base_path, "osiris_connections.yaml");
    if (!osr_fs_exists(c->file))
        return 0;
    c->present = true;
    rc = parse_doc(c, diags);
    if (rc < 0)
        return rc;
    conns = osr_ynode_get(c->doc, "connections");
    if (c->doc->kind == OSR_Y_NULL)
        return 0;
    if (c->doc->kind != OSR_Y_MAP || !conns) {
        osr_diag_add(diags, OSR_SEV_ERROR, "CONN001", c->file, c->doc, NULL,
                     "start the file with 'connections:' followed by families",
                     "osiris_connections.yaml must have a top-level 'connections' mapping");
        return 0;
    }
    for (size_t i = 0; i < c->doc->n; i++) {
        if (strcmp(c->doc->keys[i]->str, "connections") != 0)
            osr_diag_add(diags, OSR_SEV_WARNING, "CONN006", c->file, c->doc->keys[i],
                         c->doc->keys[i]->str, NULL, "unknown top-level key '%s' is ignored",
                         c->doc->keys[i]->str);
    }
    if (conns->kind != OSR_Y_MAP) {
        if (conns->kind != OSR_Y_NULL)
            osr_diag_add(diags, OSR_SEV_ERROR, "CONN003", c->file, conns, "connections", NULL,
                         "connections must be a mapping of families, not %s",
                         osr_ykind_name(conns->kind));
        return 0;
    }
    for (size_t i = 0; i < conns->n; i++)
        load_family(c, diags, conns->keys[i], conns->items[i]);
    mark_defaults(c);
    return 0;
}

/* Wipes every scalar under n: the text is zeroed and the length set to 0. */
static void wipe_values(struct osr_ynode *n)
{
    if (n->str) {
        explicit_bzero(n->str, n->len);
        n->len = 0;
    }
    for (size_t i = 0; i < n->n; i++)
        wipe_values(n->items[i]);
}

int osr_connections_load_names(struct osr_connections *c, const char *base_path,
                               struct osr_diags *diags)
{
    int rc = osr_connections_load(c, base_path, diags);

    for (size_t i = 0; i < c->n; i++) {
        struct osr_ynode *alias = (struct osr_ynode *)c->v[i].node;
        for (size_t k = 0; alias && alias->kind == OSR_Y_MAP && k < alias->n; k++) {
            if (strcmp(alias->keys[k]->str, "default") != 0)
                wipe_values(alias->items[k]);
        }
    }
    return rc;
}

void osr_connections_dispose(struct osr_connections *c)
{
    osr_ynode_free(c->doc);
    free(c->v);
    free(c->file);
    osr_strv_dispose(&c->families);
    memset(c, 0, sizeof(*c));
}

static bool family_matches(const char *in_file, const char *wanted)
{
    return strcmp(in_file, wanted) == 0 || strcmp(osr_connections_family_canonical(in_file),
                                                  osr_connections_family_canonical(wanted)) == 0;
}

static char *aliases_of(const struct osr_connections *c, const char *family)
{
    struct osr_strv names = OSR_STRV_INIT;
    char *s;

    for (size_t i = 0; i < c->n; i++) {
        if (family_matches(c->v[i].family, family))
            osr_strv_push(&names, c->v[i].name);
    }
    s = names.n ? osr_strv_join(&names, ", ") : osr_xstrdup("(none)");
    osr_strv_dispose(&names);
    return s;
}

static int find_in_family(const struct osr_conn_alias **out, const struct osr_connections *c,
                          const char *family, const char *alias)
{
    char *list;
    int rc;

    for (size_t i = 0; i < c->n; i++) {
        const struct osr_conn_alias *a = &c->v[i];
        if (family_matches(a->family, family) &&
            (alias ? strcmp(a->name, alias) == 0 : a->is_default)) {
            *out = a;
            return 0;
        }
    }
    list = aliases_of(c, family);
    if (alias)
        rc = osr_error_set(-OSR_ENOTFOUND,
                           "connection alias '%s' not found in family '%s'; available aliases: %s",
                           alias, family, list);
    else if (strcmp(list, "(none)") == 0)
        rc = osr_error_set(-OSR_ENOTFOUND, "no connections defined for family '%s'", family);
    else
        rc = osr_error_set(-OSR_ENOTFOUND,
                           "no default connection for family '%s'; available aliases: %s. Set "
                           "'default: true' on one alias, name an alias 'default', or write "
                           "the reference as @%s.<alias>",
                           family, list, family);
    free(list);
    return rc;
}

int osr_connections_find(const struct osr_conn_alias **out, const struct osr_connections *c,
                         const char *ref)
{
    const char *r = ref[0] == '@' ? ref + 1 : ref;
    const char *dot = strchr(r, '.');
    char *family = dot ? osr_xstrndup(r, (size_t)(dot - r)) : osr_xstrdup(r);
    bool known = false;
    int rc;

    *out = NULL;
    if (!*family || (dot && !dot[1])) {
        free(family);
        return osr_error_set(-OSR_EINVAL,
                             "invalid connection reference '%s'; write it as @family.alias", ref);
    }
    for (size_t i = 0; i < c->families.n; i++)
        known = known || family_matches(c->families.v[i], family);
    if (!known) {
        char *fams = osr_strv_join(&c->families, ", ");
        if (c->families.n == 0)
            rc = osr_error_set(-OSR_ENOTFOUND,
                               "no connections configured; add them to %s under 'connections:'",
                               c->file);
        else
            rc = osr_error_set(-OSR_ENOTFOUND,
                               "connection family '%s' not found; available families: %s", family,
                               fams);
        free(fams);
    } else {
        rc = find_in_family(out, c, family, dot ? dot + 1 : NULL);
    }
    free(family);
    return rc;
}

static json_t *resolve_node(const struct osr_ynode *v, const char *field, struct osr_strv *refs,
                            struct osr_strv *missing, struct osr_strv *secret_values);

static void note_secrets(const char *field, const struct osr_strv *used,
                         struct osr_strv *secret_values)
{
    bool field_secret = osr_mask_is_secret_name(field);

    for (size_t i = 0; secret_values && i < used->n; i++) {
        const char *val = getenv(used->v[i]);
        if (val && *val && (field_secret || osr_mask_is_secret_name(used->v[i])))
            osr_strv_add_unique(secret_values, val);
    }
}

static bool int_field(const char *field)
{
    return strcmp(field, "port") == 0 || strcmp(field, "connect_timeout") == 0 ||
           strcmp(field, "statement_timeout") == 0;
}

static json_t *resolve_string(const struct osr_ynode *v, const char *field, struct osr_strv *refs,
                              struct osr_strv *missing, struct osr_strv *secret_values)
{
    struct osr_strv used = OSR_STRV_INIT;
    char *s, *end;
    json_t *j;
    long long n;

    osr_env_subst(&s, v->str, &used, missing);
    for (size_t i = 0; refs && i < used.n; i++)
        osr_strv_add_unique(refs, used.v[i]);
    note_secrets(field, &used, secret_values);
    if (secret_values && osr_mask_is_secret_name(field) && *s && !strstr(s, "${"))
        osr_strv_add_unique(secret_values, s);
    /* A whole-value reference such as port: ${PG_PORT} keeps the integer type. */
    n = used.n && *s ? strtoll(s, &end, 10) : 0;
    if (used.n && *s && *end == '\0' && int_field(field))
        j = json_integer(n);
    else
        j = json_string(s);
    explicit_bzero(s, strlen(s));
    free(s);
    osr_strv_dispose(&used);
    return j;
}

static json_t *resolve_node(const struct osr_ynode *v, const char *field, struct osr_strv *refs,
                            struct osr_strv *missing, struct osr_strv *secret_values)
{
    json_t *j;

    if (v->kind == OSR_Y_STR)
        return resolve_string(v, field, refs, missing, secret_values);
    if (v->kind == OSR_Y_MAP) {
        j = json_object();
        for (size_t i = 0; i < v->n; i++)
            json_object_set_new(
                j, v->keys[i]->str,
                resolve_node(v->items[i], v->keys[i]->str, refs, missing, secret_values));
        return j;
    }
    if (v->kind == OSR_Y_SEQ) {
        j = json_array();
        for (size_t i = 0; i < v->n; i++)
            json_array_append_new(j,
                                  resolve_node(v->items[i], field, refs, missing, secret_values));
        return j;
    }
    if (secret_values && osr_mask_is_secret_name(field) && v->str && *v->str)
        osr_strv_add_unique(secret_values, v->str);
    return osr_ynode_to_json(v);
}

int osr_connections_resolve(json_t **out, const struct osr_conn_alias *a, struct osr_strv *refs,
                            struct osr_strv *missing, struct osr_strv *secret_values)
{
    struct osr_strv miss = OSR_STRV_INIT;
    json_t *obj = json_object();
    int unresolved;

    for (size_t i = 0; i < a->node->n; i++) {
        const char *k = a->node->keys[i]->str;
        if (strcmp(k, "default") == 0)
            continue;
        json_object_set_new(obj, k, resolve_node(a->node->items[i], k, refs, &miss, secret_values));
    }
    unresolved = (int)miss.n;
    for (size_t i = 0; missing && i < miss.n; i++)
        osr_strv_add_unique(missing, miss.v[i]);
    osr_strv_dispose(&miss);
    *out = obj;
    return unresolved;
}

/* The first field of the alias that references `var`, for the error message. */
static const char *field_using(const struct osr_conn_alias *a, const char *var)
{
    char *pat = osr_xasprintf("${%s", var);
    const char *found = "?";

    for (size_t i = 0; i < a->node->n; i++) {
        const struct osr_ynode *v = a->node->items[i];
        if (v->kind == OSR_Y_STR && strstr(v->str, pat)) {
            found = a->node->keys[i]->str;
            break;
        }
    }
    free(pat);
    return found;
}

int osr_connections_resolve_strict(json_t **out, const struct osr_conn_alias *a,
                                   struct osr_strv *secret_values)
{
    struct osr_strv missing = OSR_STRV_INIT;
    int rc = 0;

    if (osr_connections_resolve(out, a, NULL, &missing, secret_values) > 0) {
        rc = osr_error_set(-OSR_EINVAL,
                           "environment variable %s is not set (used by field '%s' of @%s.%s); "
                           "export it or add it to .env",
                           missing.v[0], field_using(a, missing.v[0]), a->family, a->name);
        json_decref(*out);
        *out = NULL;
    }
    osr_strv_dispose(&missing);
    return rc;
}
