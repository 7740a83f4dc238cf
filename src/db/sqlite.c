/*
 * sqlite.c - the SQLite connector (libsqlite3, linked: it is small and `init` needs it).
 *
 * Discovery opens the file with SQLITE_OPEN_READONLY and PRAGMA query_only, so no
 * statement can write. The schema comes from sqlite_schema and the pragma table-valued
 * functions, in one query per question rather than one per column.
 */
#include "db/db.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "core/loop.h"
#include "db/values.h"

#include <sqlite3.h>

struct sq {
    struct osr_db base;
    sqlite3 *db;
    uint64_t deadline_ms;
};

static int sq_fail(struct sq *s, struct osr_db_error *e, const char *what)
{
    int code = sqlite3_errcode(s->db);
    enum osr_db_category c = code == SQLITE_CANTOPEN ? OSR_DB_CONFIG
                             : code == SQLITE_PERM || code == SQLITE_READONLY || code == SQLITE_AUTH
                                 ? OSR_DB_PERMISSION
                             : code == SQLITE_INTERRUPT ? OSR_DB_TIMEOUT
                             : code == SQLITE_NOTADB    ? OSR_DB_CONFIG
                                                        : OSR_DB_UNKNOWN;
    return osr_db_fail(e, c, s->base.opts, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int progress(void *payload)
{
    struct sq *s = payload;
    return s->deadline_ms && osr_now_ms() > s->deadline_ms;
}

static int sq_open(osr_db **out, json_t *cfg, const struct osr_db_opts *o, struct osr_db_error *e)
{
    const char *path = osr_db_cfg_str(cfg, "path");
    struct sq *s;
    char *abs;
    int flags = SQLITE_OPEN_READONLY;

    *out = NULL;
    if (!path)
        return osr_db_fail(e, OSR_DB_CONFIG, o, "the sqlite connection needs a 'path'");
    abs = osr_path_absolute(path, o->base_path);
    if (!osr_fs_exists(abs)) {
        int rc = osr_db_fail(e, OSR_DB_CONFIG, o, "database file %s does not exist", abs);
        free(abs);
        return rc;
    }
    s = osr_xcalloc(1, sizeof(*s));
    s->base.ops = &osr_db_sqlite_ops;
    s->base.opts = o;
    if (!o->read_only)
        flags = SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(abs, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        int rc = sq_fail(s, e, "cannot open the database");
        free(abs);
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    free(abs);
    sqlite3_busy_timeout(s->db, o->connect_timeout_s * 1000);
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_progress_handler(s->db, 1000, progress, s);
    if (o->read_only)
        sqlite3_exec(s->db, "PRAGMA query_only = ON", NULL, NULL, NULL);
    *out = &s->base;
    return 0;
}

static void arm(struct sq *s)
{
    int t = s->base.opts->statement_timeout_s;
    s->deadline_ms = t > 0 ? osr_now_ms() + (uint64_t)t * 1000u : 0;
}

static int sq_ping(osr_db *db, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    sqlite3_stmt *st;
    int rc;

    arm(s);
    /* Reading the schema proves the file is a database, not just that it opens. */
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL))
        return sq_fail(s, e, "the file is not a usable SQLite database");
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : sq_fail(s, e, "the check query failed");
}

static int sq_list(osr_db *db, json_t **out, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    sqlite3_stmt *st;
    int rc;

    arm(s);
    *out = json_array();
    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, type FROM sqlite_schema WHERE type IN ('table','view') "
                           "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL))
        return sq_fail(s, e, "cannot list tables");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(*out, json_pack("{s:s, s:s, s:s}", "schema", "main", "name",
                                              (const char *)sqlite3_column_text(st, 0), "kind",
                                              (const char *)sqlite3_column_text(st, 1)));
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : sq_fail(s, e, "cannot list tables");
}

static json_t *text_or_null(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? json_string((const char *)t) : json_null();
}

static int describe_columns(struct sq *s, json_t *table, struct osr_db_error *e)
{
    json_t *cols = json_array();
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(s->db,
                           "SELECT name, type, \"notnull\", dflt_value, pk FROM "
                           "pragma_table_info(?1) ORDER BY cid",
                           -1, &st, NULL))
        return sq_fail(s, e, "cannot describe table");
    sqlite3_bind_text(st, 1, json_string_value(json_object_get(table, "name")), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int pkpos = sqlite3_column_int(st, 4);
        json_array_append_new(cols, json_pack("{s:o, s:o, s:b, s:o, s:o}", "name",
                                              text_or_null(st, 0), "type", text_or_null(st, 1),
                                              "nullable", !sqlite3_column_int(st, 2) && !pkpos,
                                              "default", text_or_null(st, 3), "primary_key",
                                              pkpos ? json_integer(pkpos) : json_null()));
    }
    sqlite3_finalize(st);
    json_object_set_new(table, "columns", cols);
    osr_db_primary_key_from_columns(table);
    return rc == SQLITE_DONE ? 0 : sq_fail(s, e, "cannot describe table");
}

static int describe_fks(struct sq *s, json_t *table, struct osr_db_error *e)
{
    json_t *fks = json_array(), *cur = NULL;
    sqlite3_stmt *st;
    long long last_id = -1;
    int rc;

    if (sqlite3_prepare_v2(
            s->db,
            "SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?1) "
            "ORDER BY id, seq",
            -1, &st, NULL))
        return sq_fail(s, e, "cannot read foreign keys");
    sqlite3_bind_text(st, 1, json_string_value(json_object_get(table, "name")), -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) != last_id) {
            last_id = sqlite3_column_int64(st, 0);
            cur = json_pack("{s:[], s:{s:s, s:o, s:[]}}", "columns", "references", "schema", "main",
                            "table", text_or_null(st, 2), "columns");
            json_array_append_new(fks, cur);
        }
        json_array_append_new(json_object_get(cur, "columns"), text_or_null(st, 1));
        json_array_append_new(json_object_get(json_object_get(cur, "references"), "columns"),
                              text_or_null(st, 3));
    }
    sqlite3_finalize(st);
    json_object_set_new(table, "foreign_keys", fks);
    return rc == SQLITE_DONE ? 0 : sq_fail(s, e, "cannot read foreign keys");
}

static int sq_describe(osr_db *db, json_t *tables, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    size_t i;
    json_t *t;
    int rc = 0;

    arm(s);
    json_array_foreach(tables, i, t)
    {
        if ((rc = describe_columns(s, t, e)) < 0 || (rc = describe_fks(s, t, e)) < 0)
            break;
    }
    return rc;
}

/* "quoted" identifier in SQLite's own quoting (sqlite3_mprintf %w). */
static char *quote_ident(const char *name)
{
    char *q = sqlite3_mprintf("\"%w\"", name), *r = osr_xstrdup(q);
    sqlite3_free(q);
    return r;
}

static int sq_count(osr_db *db, json_t *table, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    char *q = quote_ident(json_string_value(json_object_get(table, "name")));
    char *sql = osr_xasprintf("SELECT count(*) FROM %s", q);
    sqlite3_stmt *st;
    int rc;

    arm(s);
    free(q);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    free(sql);
    if (rc)
        return sq_fail(s, e, "cannot count rows");
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        json_object_set_new(table, "row_count", json_integer(sqlite3_column_int64(st, 0)));
        json_object_set_new(table, "row_count_exact", json_true());
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : sq_fail(s, e, "cannot count rows");
}

static json_t *column_value(sqlite3_stmt *st, int i, bool *cut)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT:
        return osr_db_text_value((const char *)sqlite3_column_text(st, i),
                                 (size_t)sqlite3_column_bytes(st, i), cut);
    case SQLITE_BLOB:
        return osr_db_bytes_value(sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i),
                                  cut);
    default:
        return json_null();
    }
}

static char *order_clause(json_t *table)
{
    json_t *pk = json_object_get(table, "primary_key"), *c;
    struct osr_strv parts = OSR_STRV_INIT;
    char *joined, *clause;
    size_t i;

    if (json_array_size(pk) == 0)
        return osr_xstrdup(""); /* no key: the engine's own order, said so in the output */
    json_array_foreach(pk, i, c)
    {
        char *q = quote_ident(json_string_value(c));
        osr_strv_push(&parts, q);
        free(q);
    }
    joined = osr_strv_join(&parts, ", ");
    clause = osr_xasprintf(" ORDER BY %s", joined);
    free(joined);
    osr_strv_dispose(&parts);
    return clause;
}

static int sq_sample(osr_db *db, json_t *table, int n, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    char *q = quote_ident(json_string_value(json_object_get(table, "name")));
    char *order = order_clause(table);
    char *sql = osr_xasprintf("SELECT * FROM %s%s LIMIT %d", q, order, n);
    json_t *rows = json_array();
    bool cut = false;
    sqlite3_stmt *st;
    int rc;

    arm(s);
    free(q);
    free(order);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    free(sql);
    if (rc) {
        json_decref(rows);
        return sq_fail(s, e, "cannot sample rows");
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++)
            json_object_set_new(row, sqlite3_column_name(st, i), column_value(st, i, &cut));
        osr_db_mask_row(row);
        json_array_append_new(rows, row);
    }
    sqlite3_finalize(st);
    json_object_set_new(table, "samples", rows);
    if (cut)
        json_object_set_new(table, "samples_truncated", json_true());
    return rc == SQLITE_DONE ? 0 : sq_fail(s, e, "cannot sample rows");
}

static int sq_query(osr_db *db, const char *sql, int (*row)(json_t *, json_t *, void *),
                    void *payload, struct osr_db_error *e)
{
    struct sq *s = (struct sq *)db;
    json_t *cols = json_array();
    sqlite3_stmt *st;
    bool cut = false;
    int rc;

    arm(s);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        json_decref(cols);
        return sq_fail(s, e, "query failed");
    }
    for (int i = 0; i < sqlite3_column_count(st); i++)
        json_array_append_new(cols, json_string(sqlite3_column_name(st, i)));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *vals = json_array();
        int stop;
        for (int i = 0; i < sqlite3_column_count(st); i++)
            json_array_append_new(vals, column_value(st, i, &cut));
        stop = row ? row(cols, vals, payload) : 0;
        json_decref(vals);
        if (stop) {
            rc = SQLITE_DONE;
            break;
        }
    }
    sqlite3_finalize(st);
    json_decref(cols);
    return rc == SQLITE_DONE ? 0 : sq_fail(s, e, "query failed");
}

static void sq_close(osr_db *db)
{
    struct sq *s = (struct sq *)db;

    if (!s)
        return;
    sqlite3_close(s->db);
    free(s);
}

const struct osr_db_ops osr_db_sqlite_ops = {
    .family = "sqlite",
    .open = sq_open,
    .ping = sq_ping,
    .list_tables = sq_list,
    .describe = sq_describe,
    .count = sq_count,
    .sample = sq_sample,
    .query = sq_query,
    .close = sq_close,
};
