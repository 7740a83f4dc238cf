/*
 * discovery.c - schema discovery and its cache (see discovery.h).
 */
#include "db/discovery.h"
#include "core/progress.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/mask.h"
#include "core/sha256.h"

#include <dirent.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CACHE_FILE_MAX (256u << 20)

static char *reference(const struct osr_conn_alias *a)
{
    return osr_xasprintf("@%s.%s", a->family, a->name);
}

/* The id of a cache entry: what was asked, of which connection fields (secrets masked, so
 * a password change alone keeps the entry; a host or database change does not). */
static void cache_id(char out[17], char fingerprint[65], const struct osr_discovery_req *r,
                     json_t *cfg)
{
    json_t *masked = json_deep_copy(cfg), *key;
    char *fields, *text, fields_hash[65], *ref = reference(r->alias);

    osr_mask_json(masked, NULL);
    fields = json_dumps(masked, JSON_COMPACT | JSON_SORT_KEYS);
    osr_sha256_hex(fields, strlen(fields), fields_hash);
    key = json_pack("{s:s, s:s+, s:i, s:s, s:s}", "connection", ref, "component",
                    osr_connections_family_canonical(r->alias->family), ".extractor", "samples",
                    r->samples, "tables", r->tables_glob ? r->tables_glob : "", "fields",
                    fields_hash);
    text = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS);
    osr_sha256_hex(text, strlen(text), fingerprint);
    memcpy(out, fingerprint, 16);
    out[16] = '\0';
    free(text);
    free(fields);
    free(ref);
    json_decref(key);
    json_decref(masked);
}

static json_t *read_json(const char *dir, const char *name)
{
    char *path = osr_path_join(dir, name);
    struct osr_buf b;
    json_error_t err;
    json_t *j = NULL;

    if (osr_fs_read_file(&b, path, CACHE_FILE_MAX) == 0) {
        j = json_loadb(b.ptr, b.len, 0, &err);
        osr_buf_dispose(&b);
    }
    free(path);
    return j;
}

static int write_json(const char *dir, const char *name, json_t *doc)
{
    char *path = osr_path_join(dir, name);
    char *text = json_dumps(doc, JSON_COMPACT);
    int rc = osr_fs_write_atomic(path, text, strlen(text), 0600);

    free(text);
    free(path);
    return rc;
}

static void remove_dir(const char *dir)
{
    static const char *const files[] = {"overview.json", "tables.json", "samples.json"};

    for (size_t i = 0; i < OSR_ARRAY_LEN(files); i++) {
        char *p = osr_path_join(dir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(dir);
}

/* A valid, fresh entry joined into one result, or NULL (a corrupt entry is removed). */
static json_t *cache_load(const char *dir, const char *fingerprint, long long ttl_hours)
{
    json_t *ov = read_json(dir, "overview.json"), *tables = NULL, *samples = NULL, *t;
    long long created, age;
    size_t i;

    if (!ov)
        goto corrupt;
    created = json_integer_value(json_object_get(ov, "created_at"));
    age = (long long)time(NULL) - created;
    if (!json_is_string(json_object_get(ov, "fingerprint")) ||
        strcmp(json_string_value(json_object_get(ov, "fingerprint")), fingerprint) != 0 ||
        !(tables = read_json(dir, "tables.json")) || !json_is_array(tables) ||
        !(samples = read_json(dir, "samples.json")) || !json_is_object(samples))
        goto corrupt;
    if (age < 0 || age >= ttl_hours * 3600) {
        json_decref(ov);
        json_decref(tables);
        json_decref(samples);
        return NULL; /* expired: rebuilt, and replaced by the new entry */
    }
    json_array_foreach(tables, i, t)
    {
        char *key = osr_xasprintf("%s.%s", json_string_value(json_object_get(t, "schema")),
                                  json_string_value(json_object_get(t, "name")));
        json_t *rows = json_object_get(samples, key);
        if (rows)
            json_object_set(t, "samples", rows);
        free(key);
    }
    json_object_set_new(ov, "tables", tables);
    json_object_set_new(ov, "cache", json_string("hit"));
    json_object_set_new(ov, "cache_age_s", json_integer(age));
    json_decref(samples);
    return ov;
corrupt:
    json_decref(ov);
    json_decref(tables);
    json_decref(samples);
    remove_dir(dir);
    return NULL;
}

static void cache_save(const char *dir, json_t *result)
{
    /* Shallow copies: the entry shares its values with the result, nothing is duplicated. */
    json_t *ov = json_copy(result), *tables = json_array(), *samples = json_object(), *t;
    size_t i;

    json_object_del(ov, "tables");
    json_object_del(ov, "cache");
    json_object_del(ov, "cache_age_s");
    json_array_foreach(json_object_get(result, "tables"), i, t)
    {
        json_t *copy = json_copy(t);
        char *key = osr_xasprintf("%s.%s", json_string_value(json_object_get(t, "schema")),
                                  json_string_value(json_object_get(t, "name")));
        if (json_object_get(copy, "samples"))
            json_object_set(samples, key, json_object_get(copy, "samples"));
        json_object_del(copy, "samples");
        json_array_append_new(tables, copy);
        free(key);
    }
    /* overview.json last: an entry without it is incomplete and never read. */
    if (osr_fs_mkdir_p(dir, 0700) == 0 && write_json(dir, "tables.json", tables) == 0 &&
        write_json(dir, "samples.json", samples) == 0)
        write_json(dir, "overview.json", ov);
    json_decref(ov);
    json_decref(tables);
    json_decref(samples);
}

static bool wanted(json_t *t, const char *glob)
{
    const char *schema = json_string_value(json_object_get(t, "schema"));
    const char *name = json_string_value(json_object_get(t, "name"));
    char *full;
    bool match;

    if (!glob)
        return true;
    if (fnmatch(glob, name, 0) == 0)
        return true;
    full = osr_xasprintf("%s.%s", schema, name);
    match = fnmatch(glob, full, 0) == 0;
    free(full);
    return match;
}

static json_t *filter(json_t *all, const char *glob)
{
    json_t *out = json_array(), *t;
    size_t i;

    json_array_foreach(all, i, t)
    {
        if (wanted(t, glob))
            json_array_append(out, t);
    }
    return out;
}

struct tally {
    size_t bytes, views, sampled_rows, errors;
    bool truncated;
};

/* Counts and samples one table on its own (connectors without a batch path). */
static void inspect_table(osr_db *db, json_t *t, int samples)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    if (db->ops->count(db, t, &e) < 0 || (samples > 0 && db->ops->sample(db, t, samples, &e) < 0))
        osr_db_table_error(t, &e);
}

/* Counting and sampling are spread over several sessions on server databases
 * (discovery.parallel_tables, at most one per CPU), each worker taking every k-th table
 * and opening its own session in its own thread. The table objects are disjoint, so
 * workers need no locks. A worker that cannot open a session leaves its share to the main
 * session. */
struct worker {
    osr_db *db;
    const struct osr_db_ops *ops;
    json_t *cfg, *tables;
    const struct osr_db_opts *opts;
    int samples;
    size_t first, step;
    bool own, failed;
    pthread_t thread;
};

static void run_share(struct worker *w)
{
    size_t n = 0, total = json_array_size(w->tables);
    json_t **mine = osr_xmalloc((total / w->step + 1) * sizeof(*mine));
    struct osr_db_error e = {OSR_DB_OK, ""};

    for (size_t i = w->first; i < total; i += w->step)
        mine[n++] = json_array_get(w->tables, i);
    if (w->ops->inspect)
        w->ops->inspect(w->db, mine, n, w->samples, &e);
    else
        for (size_t i = 0; i < n; i++)
            inspect_table(w->db, mine[i], w->samples);
    free(mine);
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct osr_db_error e = {OSR_DB_OK, ""};

    if (!w->db && w->ops->open(&w->db, w->cfg, w->opts, &e) < 0) {
        w->failed = true;
        return NULL;
    }
    run_share(w);
    return NULL;
}

static size_t worker_count(osr_db *db, const struct osr_discovery_req *r, size_t ntables)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t k = r->parallel > 0 ? (size_t)r->parallel : 1;

    if (strcmp(db->ops->family, "sqlite") == 0 || strcmp(db->ops->family, "filesystem") == 0)
        return 1;
    if (cpus > 0 && k > (size_t)cpus)
        k = (size_t)cpus; /* more sessions than CPUs only queue up (measured in bench/) */
    if (k > ntables / 8 + 1)
        k = ntables / 8 + 1; /* a few tables are not worth another connection */
    return k > 16 ? 16 : k;
}

static void inspect_all(osr_db *db, json_t *cfg, json_t *tables, const struct osr_discovery_req *r)
{
    size_t k = worker_count(db, r, json_array_size(tables));
    struct worker w[16];

    for (size_t i = 0; i < k; i++) {
        w[i] = (struct worker){.db = i ? NULL : db,
                               .ops = db->ops,
                               .cfg = cfg,
                               .tables = tables,
                               .opts = db->opts,
                               .samples = r->samples,
                               .first = i,
                               .step = k};
        w[i].own = i > 0 && pthread_create(&w[i].thread, NULL, work, &w[i]) == 0;
    }
    run_share(&w[0]);
    for (size_t i = 1; i < k; i++) {
        if (w[i].own)
            pthread_join(w[i].thread, NULL);
        if (!w[i].own || w[i].failed) {
            w[i].db = db;
            run_share(&w[i]); /* its share, on the main session */
        } else {
            db->ops->close(w[i].db);
        }
    }
}

/* Counts what was found and applies the byte cap on samples, in table order. */
static void tally(json_t *tables, const struct osr_discovery_req *r, struct tally *ty)
{
    json_t *t;
    size_t i;

    json_array_foreach(tables, i, t)
    {
        json_t *samples = json_object_get(t, "samples");
        json_object_del(t, "__estimate");
        if (strcmp(json_string_value(json_object_get(t, "kind")), "view") == 0)
            ty->views++;
        if (json_object_get(t, "error"))
            ty->errors++;
        if (!samples)
            continue;
        if (ty->bytes > r->max_bytes) {
            json_object_del(t, "samples"); /* the byte cap is spent */
            ty->truncated = true;
            continue;
        }
        {
            char *text = json_dumps(samples, JSON_COMPACT);
            ty->bytes += text ? strlen(text) : 0;
            free(text);
        }
        ty->sampled_rows += json_array_size(samples);
        if (json_is_true(json_object_get(t, "samples_truncated")))
            ty->truncated = true;
    }
}

/* Progress reports: connected, listed, described, inspected. */
#define PHASES 4

static int discover(json_t **out, osr_db *db, json_t *cfg, const struct osr_discovery_req *r,
                    struct osr_db_error *e)
{
    json_t *all = NULL, *tables;
    struct tally ty = {0};
    char msg[96];

    osr_progress(1, PHASES, "connected; listing tables");
    if (db->ops->list_tables(db, &all, e) < 0)
        return -OSR_ECONN;
    tables = filter(all, r->tables_glob);
    json_decref(all);
    snprintf(msg, sizeof(msg), "describing %zu tables", json_array_size(tables));
    osr_progress(2, PHASES, msg);
    if (db->ops->describe(db, tables, e) < 0) {
        json_decref(tables);
        return -OSR_ECONN;
    }
    snprintf(msg, sizeof(msg), "counting and sampling %zu tables", json_array_size(tables));
    osr_progress(3, PHASES, msg);
    inspect_all(db, cfg, tables, r);
    tally(tables, r, &ty);
    osr_progress(4, PHASES, "discovery finished");
    *out = json_pack("{s:s, s:o, s:{s:i, s:i, s:i, s:i}, s:b}", "status",
                     ty.errors ? "partial" : "success", "tables", tables, "summary", "tables",
                     (int)json_array_size(tables), "views", (int)ty.views, "rows_sampled",
                     (int)ty.sampled_rows, "errors", (int)ty.errors, "truncated", ty.truncated);
    return 0;
}

int osr_discovery_run(json_t **out, const struct osr_discovery_req *r, struct osr_db_error *e)
{
    const struct osr_db_ops *ops = osr_db_ops_get(r->alias->family);
    struct osr_strv secrets = OSR_STRV_INIT;
    struct osr_db_opts opts = {5, 30, true, r->base_path, &secrets, false};
    char id[17], fingerprint[65], *dirname = NULL, *dir = NULL, *ref = reference(r->alias);
    json_t *cfg = NULL, *result = NULL;
    osr_db *db = NULL;
    int rc;

    *out = NULL;
    if (!ops) {
        rc = osr_db_fail(e, OSR_DB_CONFIG, &opts, "no connector for family '%s'", r->alias->family);
        goto done;
    }
    if (osr_connections_resolve_strict(&cfg, r->alias, &secrets) < 0) {
        rc = osr_db_fail(e, OSR_DB_CONFIG, &opts, "%s", osr_error_last());
        goto done;
    }
    opts.connect_timeout_s = (int)osr_db_cfg_int(cfg, "connect_timeout", 5);
    opts.statement_timeout_s = (int)osr_db_cfg_int(cfg, "statement_timeout", 30);
    cache_id(id, fingerprint, r, cfg);
    dirname = osr_xasprintf("disc_%s", id);
    dir = osr_path_join(r->cache_root, dirname);
    if (!r->refresh && (result = cache_load(dir, fingerprint, r->ttl_hours))) {
        *out = result;
        rc = 0;
        goto done;
    }
    if ((rc = ops->open(&db, cfg, &opts, e)) < 0 || (rc = discover(&result, db, cfg, r, e)) < 0)
        goto done;
    json_object_set_new(result, "connection", json_string(ref));
    json_object_set_new(result, "family",
                        json_string(osr_connections_family_canonical(r->alias->family)));
    json_object_set_new(result, "discovery_id", json_string(id));
    json_object_set_new(result, "fingerprint", json_string(fingerprint));
    json_object_set_new(result, "samples_per_table", json_integer(r->samples));
    json_object_set_new(result, "tables_filter",
                        r->tables_glob ? json_string(r->tables_glob) : json_null());
    json_object_set_new(result, "created_at", json_integer((json_int_t)time(NULL)));
    cache_save(dir, result);
    json_object_set_new(result, "cache", json_string("miss"));
    json_object_set_new(result, "cache_age_s", json_integer(0));
    *out = result;
done:
    if (db)
        ops->close(db);
    json_decref(cfg);
    for (size_t i = 0; i < secrets.n; i++)
        explicit_bzero(secrets.v[i], strlen(secrets.v[i]));
    osr_strv_dispose(&secrets);
    free(dirname);
    free(dir);
    free(ref);
    return rc;
}

void osr_discovery_invalidate(const char *cache_root, const char *ref)
{
    DIR *d = opendir(cache_root);
    struct dirent *ent;

    if (!d)
        return;
    while ((ent = readdir(d))) {
        char *dir;
        json_t *ov;
        if (strncmp(ent->d_name, "disc_", 5) != 0)
            continue;
        dir = osr_path_join(cache_root, ent->d_name);
        ov = read_json(dir, "overview.json");
        const char *owner = ov ? json_string_value(json_object_get(ov, "connection")) : NULL;
        if (!owner || strcmp(owner, ref) == 0)
            remove_dir(dir);
        json_decref(ov);
        free(dir);
    }
    closedir(d);
}
