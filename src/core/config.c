/*
 * config.c - osiris.yaml loading, driven by one table of known keys (see config.h).
 *
 * The table lists every key with its type, default and bounds. Sections (mappings) are
 * entries too, so an unknown key anywhere is found by one lookup. Keys of the original
 * tool that this implementation does not read (llm, pipeline, validate, validation, ...)
 * are accepted as "any" so existing files validate without noise.
 */
#include "core/config.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/yaml.h"

#include <errno.h>
#include <stddef.h>
#include <unistd.h>

#define CONFIG_MAX_BYTES (1u << 20)

enum ftype { F_SECTION, F_STR, F_INT, F_BOOL, F_STRV, F_STR_OR_STRV, F_ANY };

struct field {
    const char *path;
    enum ftype type;
    size_t off;
    const char *dflt; /* strings; comma-separated for lists */
    long long dflt_i, min, max;
    const char *const *allowed; /* NULL-terminated enumeration for strings and list items */
};

#define CF(m) offsetof(struct osr_config, m)
#define SECTION(p)                                                                                 \
    {                                                                                              \
        p, F_SECTION, 0, NULL, 0, 0, 0, NULL                                                       \
    }
#define ANY(p)                                                                                     \
    {                                                                                              \
        p, F_ANY, 0, NULL, 0, 0, 0, NULL                                                           \
    }
#define STR(p, m, d)                                                                               \
    {                                                                                              \
        p, F_STR, CF(m), d, 0, 0, 0, NULL                                                          \
    }
#define ENUM(p, m, d, e)                                                                           \
    {                                                                                              \
        p, F_STR, CF(m), d, 0, 0, 0, e                                                             \
    }
#define INT(p, m, d, lo, hi)                                                                       \
    {                                                                                              \
        p, F_INT, CF(m), NULL, d, lo, hi, NULL                                                     \
    }
#define BOOL(p, m, d)                                                                              \
    {                                                                                              \
        p, F_BOOL, CF(m), NULL, d, 0, 1, NULL                                                      \
    }
#define STRV(p, m, d, e)                                                                           \
    {                                                                                              \
        p, F_STRV, CF(m), d, 0, 0, 0, e                                                            \
    }

static const char *const log_levels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", NULL};
static const char *const run_id_tokens[] = {"incremental", "ulid",      "iso_ulid",
                                            "uuidv4",      "snowflake", NULL};
static const char *const hash_algos[] = {"sha256_slug", NULL};
static const char *const transports[] = {"stdio", "http", NULL};
static const char *const aiop_policies[] = {"core", "annex", "custom", NULL};
static const char *const densities[] = {"low", "medium", "high", NULL};
static const char *const schema_modes[] = {"summary", "detailed", NULL};

/* Sorted by path; bsearch relies on it (checked at load in debug builds). */
static const struct field fields[] = {
    SECTION("aiop"),
    ANY("aiop.annex"),
    ANY("aiop.delta"),
    BOOL("aiop.enabled", aiop.enabled, 1),
    ANY("aiop.index"),
    INT("aiop.max_core_bytes", aiop.max_core_bytes, 300000, 10000, 100000000),
    INT("aiop.metrics_topk", aiop.metrics_topk, 100, 1, 100000),
    ANY("aiop.narrative"),
    ANY("aiop.output"),
    ANY("aiop.path_vars"),
    ENUM("aiop.policy", aiop.policy, "core", aiop_policies),
    SECTION("aiop.retention"),
    ANY("aiop.retention.annex_keep_days"),
    INT("aiop.retention.keep_runs", aiop.keep_runs, 50, 0, 1000000),
    BOOL("aiop.run_card", aiop.run_card, 1),
    ENUM("aiop.schema_mode", aiop.schema_mode, "summary", schema_modes),
    ENUM("aiop.timeline_density", aiop.timeline_density, "medium", densities),
    SECTION("discovery"),
    INT("discovery.cache_ttl_hours", discovery.cache_ttl_hours, 24, 0, 87600),
    INT("discovery.max_bytes", discovery.max_bytes, 8 << 20, 1024, 1 << 30),
    INT("discovery.max_rows", discovery.max_rows, 100, 1, 100000),
    INT("discovery.max_samples", discovery.max_samples, 100, 0, 100),
    INT("discovery.parallel_tables", discovery.parallel_tables, 5, 1, 64),
    INT("discovery.sample_size", discovery.sample_size, 10, 0, 100),
    INT("discovery.timeout_seconds", discovery.timeout_seconds, 30, 1, 3600),
    SECTION("filesystem"),
    STR("filesystem.aiop_dir", fs.aiop_dir, "aiop"),
    SECTION("filesystem.artifacts"),
    ANY("filesystem.artifacts.cfg"),
    BOOL("filesystem.artifacts.fingerprints", fs.artifacts_fingerprints, 1),
    ANY("filesystem.artifacts.manifest"),
    BOOL("filesystem.artifacts.plan", fs.artifacts_plan, 1),
    BOOL("filesystem.artifacts.run_summary", fs.artifacts_run_summary, 1),
    ANY("filesystem.artifacts.save_events_tail"),
    STR("filesystem.base_path", fs.base_path, NULL),
    STR("filesystem.build_dir", fs.build_dir, "build"),
    STR("filesystem.cache_dir", fs.cache_dir, ".osiris/cache"),
    STR("filesystem.index_dir", fs.index_dir, ".osiris/index"),
    STR("filesystem.mcp_logs_dir", fs.mcp_logs_dir, ".osiris/mcp/logs"),
    SECTION("filesystem.naming"),
    STR("filesystem.naming.aiop_run_dir", fs.aiop_run_dir, "{run_id}"),
    STR("filesystem.naming.manifest_dir", fs.manifest_dir,
        "{pipeline_slug}/{manifest_short}-{manifest_hash}"),
    INT("filesystem.naming.manifest_short_len", fs.manifest_short_len, 7, 3, 16),
    STR("filesystem.naming.run_dir", fs.run_dir, "{pipeline_slug}/{run_ts}_{run_id}"),
    STR("filesystem.naming.run_ts_format", fs.run_ts_format, "iso_basic_z"),
    SECTION("filesystem.outputs"),
    STR("filesystem.outputs.directory", fs.outputs_directory, "output"),
    STR("filesystem.outputs.format", fs.outputs_format, "csv"),
    STR("filesystem.pipelines_dir", fs.pipelines_dir, "pipelines"),
    SECTION("filesystem.profiles"),
    STR("filesystem.profiles.default", fs.profile_default, "dev"),
    BOOL("filesystem.profiles.enabled", fs.profiles_enabled, 1),
    STRV("filesystem.profiles.values", fs.profile_values,
         "dev,staging,prod,ml,finance,incident_debug", NULL),
    SECTION("filesystem.retention"),
    INT("filesystem.retention.aiop_keep_runs_per_pipeline", fs.aiop_keep_runs_per_pipeline, 200, 0,
        1000000),
    INT("filesystem.retention.annex_keep_days", fs.annex_keep_days, 14, 0, 36500),
    INT("filesystem.retention.run_logs_days", fs.run_logs_days, 7, 0, 36500),
    STR("filesystem.run_logs_dir", fs.run_logs_dir, "run_logs"),
    STR("filesystem.sessions_dir", fs.sessions_dir, ".osiris/sessions"),
    SECTION("ids"),
    ENUM("ids.manifest_hash_algo", ids.manifest_hash_algo, "sha256_slug", hash_algos),
    {"ids.run_id_format", F_STR_OR_STRV, CF(ids.run_id_format), "iso_ulid", 0, 0, 0, run_id_tokens},
    ANY("llm"),
    SECTION("logging"),
    ANY("logging.cli_flags"),
    ANY("logging.env_overrides"),
    STRV("logging.events", logging.events, "*", NULL),
    ENUM("logging.level", logging.level, "INFO", log_levels),
    ANY("logging.logs_dir"),
    SECTION("logging.metrics"),
    BOOL("logging.metrics.enabled", logging.metrics_enabled, 1),
    INT("logging.metrics.retention_hours", logging.metrics_retention_hours, 168, 0, 876000),
    ANY("logging.retention"),
    SECTION("mcp"),
    STRV("mcp.allowed_origins", mcp.allowed_origins, "", NULL),
    BOOL("mcp.audit_enabled", mcp.audit_enabled, 1),
    INT("mcp.cache_ttl_hours", mcp.cache_ttl_hours, 24, 0, 87600),
    STR("mcp.listen", mcp.listen, "127.0.0.1:8765"),
    INT("mcp.memory_retention_days", mcp.memory_retention_days, 30, 0, 36500),
    INT("mcp.payload_limit_mb", mcp.payload_limit_mb, 16, 1, 1024),
    BOOL("mcp.telemetry_enabled", mcp.telemetry_enabled, 1),
    INT("mcp.tool_timeout_s", mcp.tool_timeout_s, 30, 1, 3600),
    ENUM("mcp.transport", mcp.transport, "stdio", transports),
    BOOL("mcp.warm_worker", mcp.warm_worker, 1),
    ANY("pipeline"),
    SECTION("runtime"),
    INT("runtime.max_parallel_branches", runtime.max_parallel_branches, 4, 1, 64),
    INT("runtime.retries", runtime.retries, 0, 0, 10),
    INT("runtime.retry_backoff_ms", runtime.retry_backoff_ms, 1000, 0, 600000),
    ANY("validate"),
    ANY("validation"),
    STR("version", version, "2.0"),
};

static int field_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct field *)elem)->path);
}

static const struct field *field_find(const char *path)
{
    return bsearch(path, fields, OSR_ARRAY_LEN(fields), sizeof(fields[0]), field_cmp);
}

static void *slot(struct osr_config *cfg, const struct field *f)
{
    return (char *)cfg + f->off;
}

static void strv_from_csv(struct osr_strv *sv, const char *csv)
{
    while (csv && *csv) {
        const char *comma = strchr(csv, ',');
        size_t n = comma ? (size_t)(comma - csv) : strlen(csv);
        char *item = osr_xstrndup(csv, n);
        osr_strv_push(sv, item);
        free(item);
        csv = comma ? comma + 1 : NULL;
    }
}

static void apply_defaults(struct osr_config *cfg)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(fields); i++) {
        const struct field *f = &fields[i];
        switch (f->type) {
        case F_STR:
            *(char **)slot(cfg, f) = f->dflt ? osr_xstrdup(f->dflt) : NULL;
            break;
        case F_INT:
            *(long long *)slot(cfg, f) = f->dflt_i;
            break;
        case F_BOOL:
            *(bool *)slot(cfg, f) = f->dflt_i != 0;
            break;
        case F_STRV:
        case F_STR_OR_STRV:
            strv_from_csv(slot(cfg, f), f->dflt);
            break;
        default:
            break;
        }
    }
}

static bool in_enum(const char *s, const char *const *allowed)
{
    for (; allowed && *allowed; allowed++) {
        if (strcmp(s, *allowed) == 0)
            return true;
    }
    return !allowed;
}

static char *enum_list(const char *const *allowed)
{
    struct osr_strv sv = OSR_STRV_INIT;
    char *s;

    for (; *allowed; allowed++)
        osr_strv_push(&sv, *allowed);
    s = osr_strv_join(&sv, ", ");
    osr_strv_dispose(&sv);
    return s;
}

static void type_error(struct osr_diags *d, const char *file, const struct field *f,
                       const struct osr_ynode *v, const char *want)
{
    osr_diag_add(d, OSR_SEV_ERROR, "CFG002", file, v, f->path, NULL, "%s must be %s, not %s",
                 f->path, want, osr_ykind_name(v->kind));
}

static bool check_enum(struct osr_diags *d, const char *file, const struct field *f,
                       const struct osr_ynode *v)
{
    char *list;

    if (in_enum(v->str, f->allowed))
        return true;
    list = enum_list(f->allowed);
    osr_diag_add(d, OSR_SEV_ERROR, "CFG003", file, v, f->path, list,
                 "%s: '%s' is not one of the accepted values", f->path, v->str);
    free(list);
    return false;
}

/* Replaces the list only when every item is valid, so a rejected value keeps the default. */
static void set_strv(struct osr_config *cfg, struct osr_diags *d, const char *file,
                     const struct field *f, const struct osr_ynode *v)
{
    struct osr_strv *sv = slot(cfg, f), items = OSR_STRV_INIT;
    bool ok = true;

    if (v->kind == OSR_Y_STR && f->type == F_STR_OR_STRV) {
        if (check_enum(d, file, f, v)) {
            osr_strv_dispose(sv);
            strv_from_csv(sv, v->str);
        }
        return;
    }
    if (v->kind != OSR_Y_SEQ) {
        type_error(d, file, f, v, "a list of strings");
        return;
    }
    for (size_t i = 0; i < v->n; i++) {
        const struct osr_ynode *it = v->items[i];
        if (it->kind == OSR_Y_SEQ || it->kind == OSR_Y_MAP || it->kind == OSR_Y_NULL) {
            type_error(d, file, f, it, "a list of strings");
            ok = false;
        } else if (check_enum(d, file, f, it)) {
            osr_strv_push(&items, it->str);
        } else {
            ok = false;
        }
    }
    if (ok) {
        osr_strv_dispose(sv);
        *sv = items;
    } else {
        osr_strv_dispose(&items);
    }
}

static void set_field(struct osr_config *cfg, struct osr_diags *d, const char *file,
                      const struct field *f, const struct osr_ynode *v)
{
    switch (f->type) {
    case F_STR:
        /* Any scalar is accepted as text (version: 2.0 is the string "2.0"). */
        if (v->kind == OSR_Y_SEQ || v->kind == OSR_Y_MAP) {
            type_error(d, file, f, v, "a string");
        } else if (v->kind != OSR_Y_NULL && check_enum(d, file, f, v)) {
            free(*(char **)slot(cfg, f));
            *(char **)slot(cfg, f) = osr_xstrdup(v->str);
        }
        break;
    case F_INT:
        if (v->kind != OSR_Y_INT) {
            type_error(d, file, f, v, "an integer");
        } else if (v->v.i < f->min || v->v.i > f->max) {
            osr_diag_add(d, OSR_SEV_ERROR, "CFG004", file, v, f->path, NULL,
                         "%s must be between %lld and %lld, not %lld", f->path, f->min, f->max,
                         v->v.i);
        } else {
            *(long long *)slot(cfg, f) = v->v.i;
        }
        break;
    case F_BOOL:
        if (v->kind != OSR_Y_BOOL)
            type_error(d, file, f, v, "true or false");
        else
            *(bool *)slot(cfg, f) = v->v.b;
        break;
    case F_STRV:
    case F_STR_OR_STRV:
        set_strv(cfg, d, file, f, v);
        break;
    default:
        break;
    }
}

static void unknown_key(struct osr_diags *d, const char *file, const struct osr_ynode *key,
                        const char *path, const char *section)
{
    struct osr_strv known = OSR_STRV_INIT;
    size_t plen = section ? strlen(section) : 0;
    char *list;

    for (size_t i = 0; i < OSR_ARRAY_LEN(fields); i++) {
        const char *p = fields[i].path, *rest;
        if (section && (strncmp(p, section, plen) != 0 || p[plen] != '.'))
            continue;
        rest = section ? p + plen + 1 : p;
        if (!strchr(rest, '.'))
            osr_strv_push(&known, rest);
    }
    list = osr_strv_join(&known, ", ");
    osr_diag_add(d, OSR_SEV_WARNING, "CFG001", file, key, path, NULL,
                 "unknown key '%s' is ignored; known keys here: %s", path, list);
    free(list);
    osr_strv_dispose(&known);
}

static void walk(struct osr_config *cfg, struct osr_diags *d, const char *file,
                 const struct osr_ynode *map, const char *section)
{
    for (size_t i = 0; i < map->n; i++) {
        const struct osr_ynode *key = map->keys[i], *val = map->items[i];
        char *path = section ? osr_xasprintf("%s.%s", section, key->str) : osr_xstrdup(key->str);
        const struct field *f = field_find(path);

        if (!f) {
            unknown_key(d, file, key, path, section);
        } else if (f->type == F_SECTION) {
            if (val->kind == OSR_Y_MAP)
                walk(cfg, d, file, val, path);
            else if (val->kind != OSR_Y_NULL)
                osr_diag_add(d, OSR_SEV_ERROR, "CFG002", file, val, path, NULL,
                             "%s must be a mapping, not %s", path, osr_ykind_name(val->kind));
        } else if (f->type != F_ANY) {
            set_field(cfg, d, file, f, val);
        }
        free(path);
    }
}

static void check_rules(struct osr_config *cfg, struct osr_diags *d, const struct osr_ynode *root)
{
    const struct osr_ynode *prof = osr_ynode_get(osr_ynode_get(root, "filesystem"), "profiles");

    if (cfg->fs.profiles_enabled && cfg->fs.profile_values.n == 0)
        osr_diag_add(d, OSR_SEV_ERROR, "CFG005", cfg->file, prof, "filesystem.profiles.values",
                     "list at least one profile, e.g. [dev, prod]",
                     "profiles are enabled but no profile values are listed");
    else if (cfg->fs.profiles_enabled &&
             !osr_strv_contains(&cfg->fs.profile_values, cfg->fs.profile_default))
        osr_diag_add(d, OSR_SEV_ERROR, "CFG005", cfg->file, osr_ynode_get(prof, "default"),
                     "filesystem.profiles.default", "add it to filesystem.profiles.values",
                     "default profile '%s' is not one of filesystem.profiles.values",
                     cfg->fs.profile_default);
}

static char *expand_home(const char *p)
{
    const char *home = getenv("HOME");

    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0') && home)
        return osr_xasprintf("%s%s", home, p + 1);
    return osr_xstrdup(p);
}

/* Parses a config file into *root; errors become diagnostics. */
static int parse_file(struct osr_ynode **root, struct osr_diags *d, const char *path)
{
    struct osr_yaml_error err;
    struct osr_buf text;
    int rc = osr_fs_read_file(&text, path, CONFIG_MAX_BYTES);

    *root = NULL;
    if (rc < 0) {
        osr_diag_add(d, OSR_SEV_ERROR, "CFG010", path, NULL, NULL, NULL, "%s", osr_error_last());
        return rc;
    }
    rc = osr_yaml_parse(root, &err, text.ptr, text.len, NULL);
    osr_buf_dispose(&text);
    if (rc < 0) {
        osr_diag_add_at(d, OSR_SEV_ERROR, "CFG011", path, err.line, err.col, NULL,
                        "fix the YAML syntax at this position", "%s", err.message);
        return rc;
    }
    if ((*root)->kind != OSR_Y_MAP && (*root)->kind != OSR_Y_NULL) {
        osr_diag_add(d, OSR_SEV_ERROR, "CFG012", path, *root, NULL,
                     "the file must be a mapping such as 'filesystem: {...}'",
                     "osiris.yaml must be a mapping of sections, not a %s",
                     osr_ykind_name((*root)->kind));
        osr_ynode_free(*root);
        *root = NULL;
        return -OSR_EINVAL;
    }
    return 0;
}

/* The base_path written in an osiris.yaml tree, made absolute against `dir`; NULL if none. */
static char *declared_base(const struct osr_ynode *root, const char *dir)
{
    const struct osr_ynode *bp = osr_ynode_get(osr_ynode_get(root, "filesystem"), "base_path");
    char *expanded, *abs;

    if (!bp || bp->kind != OSR_Y_STR || bp->len == 0)
        return NULL;
    expanded = expand_home(bp->str);
    abs = osr_path_absolute(expanded, dir);
    free(expanded);
    return abs;
}

struct resolution {
    char *base;
    const char *source;
    struct osr_ynode *cwd_root; /* ./osiris.yaml when it was parsed on the way */
    char *cwd_file;
};

static int resolve_base(struct resolution *r, struct osr_diags *d, const char *flag)
{
    const char *home = getenv("OSIRIS_HOME");
    char *cwd = osr_path_absolute(".", NULL);
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (!cwd)
        return osr_error_set_errno(-OSR_EIO, "cannot determine the current directory");
    if (flag && *flag) {
        r->base = osr_path_absolute(flag, cwd);
        r->source = "--base-path";
    } else if (home && *home) {
        r->base = osr_path_absolute(home, cwd);
        r->source = "OSIRIS_HOME";
    } else {
        r->cwd_file = osr_path_join(cwd, "osiris.yaml");
        if (osr_fs_exists(r->cwd_file)) {
            rc = parse_file(&r->cwd_root, d, r->cwd_file);
            r->base = r->cwd_root ? declared_base(r->cwd_root, cwd) : NULL;
            r->source = r->base ? "osiris.yaml" : NULL;
        }
        if (!r->base) {
            r->base = osr_xstrdup(cwd);
            r->source = "cwd";
        }
    }
    free(cwd);
    return rc;
}

int osr_config_base_path(char **out, const char **source, const char *flag)
{
    struct osr_diags d;
    struct resolution r;

    osr_diags_init(&d);
    resolve_base(&r, &d, flag);
    osr_diags_dispose(&d);
    osr_ynode_free(r.cwd_root);
    free(r.cwd_file);
    *out = r.base;
    if (source)
        *source = r.source;
    return 0;
}

int osr_config_load(struct osr_config *cfg, struct osr_diags *diags, const char *base_flag)
{
    struct resolution r;
    struct osr_ynode *root = NULL;
    char *file;
    int rc;

    memset(cfg, 0, sizeof(*cfg));
    apply_defaults(cfg);
    rc = resolve_base(&r, diags, base_flag);
    cfg->base_path = r.base;
    cfg->base_source = osr_xstrdup(r.source);
    file = osr_path_join(r.base, "osiris.yaml");
    if (r.cwd_file && strcmp(file, r.cwd_file) != 0 && !osr_fs_exists(file) && r.cwd_root) {
        /* ./osiris.yaml points at a base path that has no config of its own: use it. */
        free(file);
        file = osr_xstrdup(r.cwd_file);
    }
    if (r.cwd_file && strcmp(file, r.cwd_file) == 0) {
        root = r.cwd_root;
        r.cwd_root = NULL;
    } else if (rc == 0 && osr_fs_exists(file)) {
        rc = parse_file(&root, diags, file);
    }
    if (root || (rc < 0 && osr_fs_exists(file)))
        cfg->file = osr_xstrdup(file);
    if (root && root->kind == OSR_Y_MAP) {
        walk(cfg, diags, cfg->file, root, NULL);
        check_rules(cfg, diags, root);
    }
    osr_ynode_free(root);
    osr_ynode_free(r.cwd_root);
    free(r.cwd_file);
    free(file);
    return rc;
}

void osr_config_dispose(struct osr_config *cfg)
{
    for (size_t i = 0; i < OSR_ARRAY_LEN(fields); i++) {
        const struct field *f = &fields[i];
        if (f->type == F_STR)
            free(*(char **)slot(cfg, f));
        else if (f->type == F_STRV || f->type == F_STR_OR_STRV)
            osr_strv_dispose(slot(cfg, f));
    }
    free(cfg->base_path);
    free(cfg->base_source);
    free(cfg->file);
    memset(cfg, 0, sizeof(*cfg));
}

char *osr_config_path(const struct osr_config *cfg, const char *rel)
{
    return osr_path_join(cfg->base_path, rel);
}
