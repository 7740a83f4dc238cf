/*
 * sqlite_steps.c - sqlite.extractor and sqlite.writer.
 *
 * The extractor steps through one statement (the step's query, or the table), a batch of
 * rows at a time. The writer does all its work in one transaction: the table is created,
 * replaced or emptied as write_mode says, the rows inserted through one prepared statement,
 * and the transaction committed at the end, so a failed run leaves the table as it was.
 */
#include "core/alloc.h"
#include "core/fsutil.h"
#include "pipeline/steps.h"

#include <sqlite3.h>

#define ARENA_MAX (64u << 20)
#define ARENA_FLUSH (8u << 20) /* a batch is handed on early once its values pass this */

static long long cfg_int(json_t *cfg, const char *key, long long dflt, long long lo, long long hi)
{
    json_t *v = json_object_get(cfg, key);
    long long n = json_is_integer(v) ? (long long)json_integer_value(v) : dflt;

    return n < lo ? lo : n > hi ? hi : n;
}

/* The database file of the step: its `path`, else its connection's, relative to the
 * workspace. */
static char *db_path(struct osr_step_ctx *ctx)
{
    const char *p = osr_step_str(ctx, "path", NULL);

    if (!p) {
        osr_step_fail(ctx, "step '%s' names no SQLite database: give a connection or a path",
                      ctx->step_id);
        return NULL;
    }
    return osr_path_absolute(p, ctx->base_path);
}

/* One connection per database file and process: an extractor and the writers of the same
 * run that use the same file share it. Two connections would deadlock there (the writer,
 * needing an exclusive lock to spill its cache, waits for the reader, which waits for the
 * writer's batches); one connection reads and writes in the same transaction. The writers
 * of a file share its transaction: the first begins it, the last commits it. */
static struct shared {
    char *path;
    sqlite3 *db;
    int refs, writers;
} handles[8];

static struct shared *acquire(struct osr_step_ctx *ctx, const char *path, bool read_only)
{
    struct shared *free_slot = NULL;

    for (size_t i = 0; i < OSR_ARRAY_LEN(handles); i++) {
        if (handles[i].path && strcmp(handles[i].path, path) == 0) {
            handles[i].refs++;
            return &handles[i];
        }
        if (!handles[i].path && !free_slot)
            free_slot = &handles[i];
    }
    if (!free_slot) {
        osr_step_fail(ctx, "step '%s': a run uses at most %zu SQLite databases", ctx->step_id,
                      OSR_ARRAY_LEN(handles));
        return NULL;
    }
    if (sqlite3_open_v2(path, &free_slot->db,
                        read_only ? SQLITE_OPEN_READONLY
                                  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        osr_step_fail(ctx, "step '%s': cannot open %s: %s", ctx->step_id, path,
                      free_slot->db ? sqlite3_errmsg(free_slot->db) : "out of memory");
        sqlite3_close(free_slot->db);
        free_slot->db = NULL;
        return NULL;
    }
    sqlite3_busy_timeout(free_slot->db, 5000);
    free_slot->path = osr_xstrdup(path);
    free_slot->refs = 1;
    free_slot->writers = 0;
    return free_slot;
}

static void release(struct shared *h)
{
    if (!h || --h->refs > 0)
        return;
    if (!sqlite3_get_autocommit(h->db))
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(h->db);
    free(h->path);
    *h = (struct shared){0};
}

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    char *path = db_path(ctx);
    const char *query = osr_step_str(ctx, "query", NULL), *table = osr_step_str(ctx, "table", NULL);
    long long limit = cfg_int(ctx->cfg, "limit", -1, -1, INT64_MAX);
    size_t cap = (size_t)cfg_int(ctx->cfg, "batch_size", 10000, 1, 100000);
    struct shared *h = NULL;
    sqlite3_stmt *st = NULL;
    struct osr_buf sql;
    struct osr_batch b;
    int rc = -1, src;

    osr_buf_init(&sql, 1u << 20);
    osr_batch_init(&b, cap, ARENA_MAX);
    if (!path)
        goto done;
    if (!query && !table) {
        osr_step_fail(ctx, "step '%s' has neither query nor table", ctx->step_id);
        goto done;
    }
    if (query) {
        osr_buf_puts(&sql, query);
    } else {
        osr_buf_puts(&sql, "SELECT * FROM ");
        osr_step_quote_ident(&sql, osr_step_str(ctx, "schema", NULL), table);
    }
    if (limit >= 0) { /* on a query too: the step's limit caps whatever it selects */
        char tail[48];
        snprintf(tail, sizeof(tail), " LIMIT %lld", limit);
        if (query) {
            struct osr_buf wrapped;
            osr_buf_init(&wrapped, 1u << 20);
            osr_buf_puts(&wrapped, "SELECT * FROM (");
            osr_buf_put(&wrapped, sql.ptr, sql.len);
            osr_buf_puts(&wrapped, ")");
            osr_buf_dispose(&sql);
            sql = wrapped;
        }
        osr_buf_puts(&sql, tail);
    }
    if (!osr_fs_exists(path)) { /* never create a database to read from it */
        osr_step_fail(ctx, "step '%s': the database %s does not exist", ctx->step_id, path);
        goto done;
    }
    /* Read-write unless the connection says read_only, so a writer of the same file can
     * share the connection; the statement itself must only read. */
    if (!(h = acquire(ctx, path, json_is_true(json_object_get(ctx->conn, "read_only")))))
        goto done;
    if (sqlite3_prepare_v2(h->db, sql.ptr, (int)sql.len, &st, NULL) != SQLITE_OK) {
        osr_step_fail(ctx, "step '%s': the %s is not valid here: %s", ctx->step_id,
                      query ? "query" : "table", sqlite3_errmsg(h->db));
        goto done;
    }
    if (!sqlite3_stmt_readonly(st)) {
        osr_step_fail(ctx, "step '%s': an extractor's query must only read", ctx->step_id);
        goto done;
    }
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        const char *decl = sqlite3_column_decltype(st, c);
        osr_strv_push(&b.names, sqlite3_column_name(st, c));
        osr_strv_push(&b.types, decl ? decl : "");
    }
    if (emit(&b, payload) < 0 || ctx->dry_run) {
        rc = ctx->dry_run ? 0 : -1;
        goto done;
    }
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct osr_cell *row = osr_batch_add_row(&b);
        if (!row) {
            if (emit(&b, payload) < 0)
                goto done;
            osr_batch_clear(&b);
            row = osr_batch_add_row(&b);
        }
        for (size_t c = 0; c < b.names.n; c++) {
            int t = sqlite3_column_type(st, (int)c);
            if (t == SQLITE_INTEGER) {
                row[c] =
                    (struct osr_cell){.type = OSR_V_INT, .i = sqlite3_column_int64(st, (int)c)};
            } else if (t == SQLITE_FLOAT) {
                row[c] =
                    (struct osr_cell){.type = OSR_V_REAL, .r = sqlite3_column_double(st, (int)c)};
            } else if (t != SQLITE_NULL) {
                const void *p = t == SQLITE_BLOB ? sqlite3_column_blob(st, (int)c)
                                                 : (const void *)sqlite3_column_text(st, (int)c);
                if (osr_batch_set_bytes(&b, &row[c], t == SQLITE_BLOB ? OSR_V_BLOB : OSR_V_TEXT, p,
                                        (size_t)sqlite3_column_bytes(st, (int)c)) < 0) {
                    osr_step_fail(ctx, "step '%s': a row is larger than %u MiB", ctx->step_id,
                                  ARENA_MAX >> 20);
                    goto done;
                }
            }
        }
        if (b.arena.len > ARENA_FLUSH) {
            if (emit(&b, payload) < 0)
                goto done;
            osr_batch_clear(&b);
        }
    }
    if (src != SQLITE_DONE) {
        osr_step_fail(ctx, "step '%s': reading failed: %s", ctx->step_id, sqlite3_errmsg(h->db));
        goto done;
    }
    rc = b.nrows && emit(&b, payload) < 0 ? -1 : 0;
done:
    sqlite3_finalize(st);
    release(h);
    osr_batch_dispose(&b);
    osr_buf_dispose(&sql);
    free(path);
    return rc;
}

const struct osr_extractor_ops osr_sqlite_extractor = {"sqlite.extractor", extract};

/* ---- writer ---- */

struct sqlw {
    struct shared *h;
    sqlite3 *db; /* h->db */
    sqlite3_stmt *ins;
    size_t ncols;
    bool in_tx; /* counted in h->writers */
};

static int exec(struct osr_step_ctx *ctx, struct sqlw *w, const char *sql, const char *what)
{
    char *msg = NULL;

    if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    osr_step_fail(ctx, "step '%s': %s failed: %s", ctx->step_id, what, msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

/* Rolls the file's transaction back (the whole run fails with it) and lets go. */
static void w_abort(void *state)
{
    struct sqlw *w = state;

    if (!w)
        return;
    sqlite3_finalize(w->ins);
    if (w->in_tx) {
        if (!sqlite3_get_autocommit(w->db))
            sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
        w->h->writers--;
    }
    release(w->h);
    free(w);
}

static bool table_exists(sqlite3 *db, const char *schema, const char *table)
{
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("SELECT 1 FROM \"%w\".sqlite_master WHERE type = 'table' AND "
                                "name = %Q",
                                schema ? schema : "main", table);
    bool found =
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;

    sqlite3_finalize(st);
    sqlite3_free(sql);
    return found;
}

static int w_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct sqlw *w = osr_xcalloc(1, sizeof(*w));
    char *path = db_path(ctx);
    const char *table = osr_step_str(ctx, "table", NULL),
               *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    const char *mode;
    json_t *create = json_object_get(ctx->cfg, "create_if_missing");
    struct osr_buf sql, name;
    bool exists;
    int rc = -1;

    osr_buf_init(&sql, 16u << 20);
    osr_buf_init(&name, 4096);
    *state = w;
    w->ncols = schema->names.n;
    if (!path)
        goto done;
    if (!table) {
        osr_step_fail(ctx, "step '%s' names no table", ctx->step_id);
        goto done;
    }
    if (!(mode = osr_step_write_mode(ctx, NULL)))
        goto done;
    if (!(w->h = acquire(ctx, path, false)))
        goto done;
    w->db = w->h->db;
    if (sqlite3_db_readonly(w->db, "main") == 1) {
        osr_step_fail(ctx,
                      "step '%s': %s is opened read-only in this run (read_only on its "
                      "connection)",
                      ctx->step_id, path);
        goto done;
    }
    if (w->h->writers == 0 && exec(ctx, w, "BEGIN IMMEDIATE", "starting a transaction") < 0)
        goto done;
    w->h->writers++;
    w->in_tx = true;
    osr_step_quote_ident(&name, sch, table);
    exists = table_exists(w->db, sch, table);
    if (exists && strcmp(mode, "replace") == 0) {
        osr_buf_printf(&sql, "DROP TABLE %.*s", (int)name.len, name.ptr);
        if (exec(ctx, w, sql.ptr, "replacing the table") < 0)
            goto done;
        osr_buf_clear(&sql);
        exists = false;
    }
    if (!exists) {
        if (json_is_false(create) && strcmp(mode, "replace") != 0) {
            osr_step_fail(ctx,
                          "step '%s': table %s does not exist and create_if_missing is "
                          "false",
                          ctx->step_id, table);
            goto done;
        }
        osr_buf_printf(&sql, "CREATE TABLE %.*s (", (int)name.len, name.ptr);
        for (size_t c = 0; c < schema->names.n; c++) {
            if (c)
                osr_buf_puts(&sql, ", ");
            osr_step_quote_ident(&sql, NULL, schema->names.v[c]);
            if (schema->types.v[c][0])
                osr_buf_printf(&sql, " %s", schema->types.v[c]);
        }
        osr_buf_puts(&sql, ")");
        if (exec(ctx, w, sql.ptr, "creating the table") < 0)
            goto done;
        osr_buf_clear(&sql);
    } else if (strcmp(mode, "truncate") == 0) {
        osr_buf_printf(&sql, "DELETE FROM %.*s", (int)name.len, name.ptr);
        if (exec(ctx, w, sql.ptr, "emptying the table") < 0)
            goto done;
        osr_buf_clear(&sql);
    }
    osr_buf_printf(&sql, "INSERT INTO %.*s (", (int)name.len, name.ptr);
    for (size_t c = 0; c < schema->names.n; c++) {
        if (c)
            osr_buf_puts(&sql, ", ");
        osr_step_quote_ident(&sql, NULL, schema->names.v[c]);
    }
    osr_buf_puts(&sql, ") VALUES (");
    for (size_t c = 0; c < schema->names.n; c++)
        osr_buf_puts(&sql, c ? ", ?" : "?");
    osr_buf_puts(&sql, ")");
    if (sqlite3_prepare_v2(w->db, sql.ptr, (int)sql.len, &w->ins, NULL) != SQLITE_OK) {
        osr_step_fail(ctx, "step '%s': cannot insert into %s: %s", ctx->step_id, table,
                      sqlite3_errmsg(w->db));
        goto done;
    }
    rc = 0;
done:
    osr_buf_dispose(&sql);
    osr_buf_dispose(&name);
    free(path);
    return rc;
}

static int w_write(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct sqlw *w = state;

    for (size_t r = 0; r < b->nrows; r++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        for (size_t c = 0; c < w->ncols; c++) {
            const struct osr_cell *v = &row[c];
            int i = (int)c + 1;
            if (v->type == OSR_V_INT)
                sqlite3_bind_int64(w->ins, i, v->i);
            else if (v->type == OSR_V_REAL)
                sqlite3_bind_double(w->ins, i, v->r);
            else if (v->type == OSR_V_TEXT)
                sqlite3_bind_text(w->ins, i, osr_batch_bytes(b, v), (int)v->len, SQLITE_STATIC);
            else if (v->type == OSR_V_BLOB)
                sqlite3_bind_blob(w->ins, i, osr_batch_bytes(b, v), (int)v->len, SQLITE_STATIC);
            else
                sqlite3_bind_null(w->ins, i);
        }
        if (sqlite3_step(w->ins) != SQLITE_DONE) {
            osr_step_fail(ctx, "step '%s': row %zu of a batch was refused: %s", ctx->step_id, r + 1,
                          sqlite3_errmsg(w->db));
            sqlite3_reset(w->ins);
            return -1;
        }
        sqlite3_reset(w->ins);
    }
    return 0;
}

/* The last writer of a file commits the file's transaction (a dry run rolls it back). */
static int w_commit(void *state, struct osr_step_ctx *ctx)
{
    struct sqlw *w = state;
    int rc = 0;

    sqlite3_finalize(w->ins);
    w->ins = NULL;
    if (--w->h->writers == 0)
        rc = exec(ctx, w, ctx->dry_run ? "ROLLBACK" : "COMMIT", "committing");
    w->in_tx = false;
    release(w->h);
    free(w);
    return rc;
}

const struct osr_writer_ops osr_sqlite_writer = {"sqlite.writer", w_open, w_write, w_commit,
                                                 w_abort};
