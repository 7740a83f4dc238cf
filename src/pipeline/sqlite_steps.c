/*
 * sqlite_steps.c - sqlite.extractor, sqlite.writer and sqlite.processor.
 *
 * The extractor steps through one statement (the step's query, or the table), a batch of
 * rows at a time. The writer does all its work in one transaction: the table is created,
 * replaced or emptied as write_mode says, the rows inserted through one prepared statement,
 * and the transaction committed at the end, so a failed run leaves the table as it was.
 * write_mode upsert inserts with ON CONFLICT (primary_key) DO UPDATE: a later row with the
 * same key wins. The processor loads each input into a table df_<step> of a private
 * temporary database and streams the rows of its query.
 */
#include "core/alloc.h"
#include "core/fsutil.h"
#include "pipeline/steps.h"

#include <pthread.h>
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

static pthread_mutex_t handles_lock = PTHREAD_MUTEX_INITIALIZER;

static struct shared *acquire_locked(struct osr_step_ctx *ctx, const char *path, bool read_only)
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

/* Branches of a run that use different files run side by side: the table is shared. */
static struct shared *acquire(struct osr_step_ctx *ctx, const char *path, bool read_only)
{
    struct shared *h;

    pthread_mutex_lock(&handles_lock);
    h = acquire_locked(ctx, path, read_only);
    pthread_mutex_unlock(&handles_lock);
    return h;
}

static void release(struct shared *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&handles_lock);
    if (--h->refs == 0) {
        if (!sqlite3_get_autocommit(h->db))
            sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        sqlite3_close(h->db);
        free(h->path);
        *h = (struct shared){0};
    }
    pthread_mutex_unlock(&handles_lock);
}

/* Copies the current row of `st` into `row` of batch `b`. */
static int read_row(struct osr_step_ctx *ctx, sqlite3_stmt *st, struct osr_batch *b,
                    struct osr_cell *row)
{
    for (size_t c = 0; c < b->names.n; c++) {
        int t = sqlite3_column_type(st, (int)c);
        if (t == SQLITE_INTEGER) {
            row[c] = (struct osr_cell){.type = OSR_V_INT, .i = sqlite3_column_int64(st, (int)c)};
        } else if (t == SQLITE_FLOAT) {
            row[c] = (struct osr_cell){.type = OSR_V_REAL, .r = sqlite3_column_double(st, (int)c)};
        } else if (t != SQLITE_NULL) {
            const void *p = t == SQLITE_BLOB ? sqlite3_column_blob(st, (int)c)
                                             : (const void *)sqlite3_column_text(st, (int)c);
            if (osr_batch_set_bytes(b, &row[c], t == SQLITE_BLOB ? OSR_V_BLOB : OSR_V_TEXT, p,
                                    (size_t)sqlite3_column_bytes(st, (int)c)) < 0)
                return osr_step_fail(ctx, "step '%s': a row is larger than %u MiB", ctx->step_id,
                                     ARENA_MAX >> 20);
        }
    }
    return 0;
}

static void interrupt(void *db)
{
    sqlite3_interrupt(db);
}

/* Hands the rows of prepared statement `st` on in batches of `b` (first the columns). */
static int stream_rows(struct osr_step_ctx *ctx, sqlite3 *db, sqlite3_stmt *st, struct osr_batch *b,
                       osr_emit_fn emit, void *payload)
{
    int src;

    for (int c = 0; c < sqlite3_column_count(st); c++) {
        const char *decl = sqlite3_column_decltype(st, c);
        osr_strv_push(&b->names, sqlite3_column_name(st, c));
        osr_strv_push(&b->types, decl ? decl : "");
    }
    if (emit(b, payload) < 0)
        return -1;
    if (ctx->dry_run)
        return 0;
    while ((src = sqlite3_step(st)) == SQLITE_ROW) {
        struct osr_cell *row = osr_batch_add_row(b);
        if (!row) {
            if (emit(b, payload) < 0)
                return -1;
            osr_batch_clear(b);
            row = osr_batch_add_row(b);
        }
        if (read_row(ctx, st, b, row) < 0)
            return -1;
        if (b->arena.len > ARENA_FLUSH) {
            if (emit(b, payload) < 0)
                return -1;
            osr_batch_clear(b);
        }
    }
    if (src != SQLITE_DONE)
        return osr_step_fail(ctx, "step '%s': reading failed: %s", ctx->step_id,
                             sqlite3_errmsg(db));
    return b->nrows && emit(b, payload) < 0 ? -1 : 0;
}

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    char *path = db_path(ctx);
    const char *query = osr_step_str(ctx, "query", NULL), *table = osr_step_str(ctx, "table", NULL);
    long long limit = cfg_int(ctx->cfg, "limit", -1, -1, INT64_MAX);
    size_t cap = osr_step_batch_size(ctx);
    struct shared *h = NULL;
    sqlite3_stmt *st = NULL;
    struct osr_buf sql;
    struct osr_batch b;
    struct osr_step_watch *w;
    int rc = -1;

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
    w = osr_step_watch_start(ctx, interrupt, h->db); /* a sort may run long before a row */
    rc = osr_step_watch_done(w, ctx, stream_rows(ctx, h->db, st, &b, emit, payload), "SQLite");
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

static int exec(struct osr_step_ctx *ctx, sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    osr_step_fail(ctx, "step '%s': %s failed: %s", ctx->step_id, what, msg ? msg : "?");
    sqlite3_free(msg);
    return -1;
}

/* CREATE TABLE `name` with the columns (and declared types) of `schema`; the upsert keys,
 * when there are any, become its primary key. */
static void create_sql(struct osr_buf *sql, const char *name, const struct osr_batch *schema,
                       const struct osr_strv *keys)
{
    osr_buf_printf(sql, "CREATE TABLE %s (", name);
    for (size_t c = 0; c < schema->names.n; c++) {
        if (c)
            osr_buf_puts(sql, ", ");
        osr_step_quote_ident(sql, NULL, schema->names.v[c]);
        if (schema->types.v[c][0])
            osr_buf_printf(sql, " %s", schema->types.v[c]);
    }
    for (size_t k = 0; keys && k < keys->n; k++) {
        osr_buf_puts(sql, k ? ", " : ", PRIMARY KEY (");
        osr_step_quote_ident(sql, NULL, keys->v[k]);
    }
    osr_buf_puts(sql, keys && keys->n ? "))" : ")");
}

/* INSERT INTO `name` one row of `schema`'s columns; with keys, an upsert on them. */
static void insert_sql(struct osr_buf *sql, const char *name, const struct osr_batch *schema,
                       const struct osr_strv *keys)
{
    size_t set = 0;

    osr_buf_printf(sql, "INSERT INTO %s (", name);
    for (size_t c = 0; c < schema->names.n; c++) {
        if (c)
            osr_buf_puts(sql, ", ");
        osr_step_quote_ident(sql, NULL, schema->names.v[c]);
    }
    osr_buf_puts(sql, ") VALUES (");
    for (size_t c = 0; c < schema->names.n; c++)
        osr_buf_puts(sql, c ? ", ?" : "?");
    osr_buf_puts(sql, ")");
    if (!keys || !keys->n)
        return;
    for (size_t k = 0; k < keys->n; k++) {
        osr_buf_puts(sql, k ? ", " : " ON CONFLICT (");
        osr_step_quote_ident(sql, NULL, keys->v[k]);
    }
    osr_buf_puts(sql, ") DO ");
    for (size_t c = 0; c < schema->names.n; c++) {
        if (osr_strv_contains(keys, schema->names.v[c]))
            continue;
        osr_buf_puts(sql, set++ ? ", " : "UPDATE SET ");
        osr_step_quote_ident(sql, NULL, schema->names.v[c]);
        osr_buf_puts(sql, " = excluded.");
        osr_step_quote_ident(sql, NULL, schema->names.v[c]);
    }
    if (!set)
        osr_buf_puts(sql, "NOTHING");
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

/* Drops, creates or empties the target table as write_mode says. */
static int prepare_table(struct osr_step_ctx *ctx, sqlite3 *db, const char *name,
                         const struct osr_batch *schema, const char *mode,
                         const struct osr_strv *keys)
{
    const char *table = osr_step_str(ctx, "table", NULL),
               *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    bool exists = table_exists(db, sch, table);
    struct osr_buf sql;
    int rc = 0;

    osr_buf_init(&sql, 16u << 20);
    if (exists && strcmp(mode, "replace") == 0) {
        osr_buf_printf(&sql, "DROP TABLE %s", name);
        rc = exec(ctx, db, sql.ptr, "replacing the table");
        osr_buf_clear(&sql);
        exists = false;
    }
    if (rc == 0 && !exists && (rc = osr_step_may_create(ctx, mode, table)) == 0) {
        create_sql(&sql, name, schema, keys);
        rc = exec(ctx, db, sql.ptr, "creating the table");
    } else if (rc == 0 && strcmp(mode, "truncate") == 0) {
        osr_buf_printf(&sql, "DELETE FROM %s", name);
        rc = exec(ctx, db, sql.ptr, "emptying the table");
    }
    osr_buf_dispose(&sql);
    return rc;
}

static int w_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct sqlw *w = osr_xcalloc(1, sizeof(*w));
    char *path = db_path(ctx);
    const char *table = osr_step_str(ctx, "table", NULL), *mode;
    struct osr_buf sql, name;
    struct osr_strv keys = OSR_STRV_INIT;
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
    if (!(mode = osr_step_write_mode(ctx, &keys)) || osr_step_keys_check(ctx, &keys, schema) < 0)
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
    if (w->h->writers == 0 && exec(ctx, w->db, "BEGIN IMMEDIATE", "starting a transaction") < 0)
        goto done;
    w->h->writers++;
    w->in_tx = true;
    osr_step_quote_ident(&name, json_string_value(json_object_get(ctx->cfg, "schema")), table);
    if (prepare_table(ctx, w->db, name.ptr, schema, mode, &keys) < 0)
        goto done;
    insert_sql(&sql, name.ptr, schema, &keys);
    if (sqlite3_prepare_v2(w->db, sql.ptr, (int)sql.len, &w->ins, NULL) != SQLITE_OK) {
        osr_step_fail(ctx, "step '%s': cannot insert into %s: %s%s", ctx->step_id, table,
                      sqlite3_errmsg(w->db),
                      keys.n ? " (upsert needs a primary key or unique index on primary_key)" : "");
        goto done;
    }
    rc = 0;
done:
    osr_strv_dispose(&keys);
    osr_buf_dispose(&sql);
    osr_buf_dispose(&name);
    free(path);
    return rc;
}

/* Inserts the rows of `b` through `ins` (one parameter per column). */
static int insert_rows(struct osr_step_ctx *ctx, sqlite3 *db, sqlite3_stmt *ins,
                       const struct osr_batch *b)
{
    for (size_t r = 0; r < b->nrows; r++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        for (size_t c = 0; c < b->names.n; c++) {
            const struct osr_cell *v = &row[c];
            int i = (int)c + 1;
            if (v->type == OSR_V_INT)
                sqlite3_bind_int64(ins, i, v->i);
            else if (v->type == OSR_V_REAL)
                sqlite3_bind_double(ins, i, v->r);
            else if (v->type == OSR_V_TEXT)
                sqlite3_bind_text(ins, i, osr_batch_bytes(b, v), (int)v->len, SQLITE_STATIC);
            else if (v->type == OSR_V_BLOB)
                sqlite3_bind_blob(ins, i, osr_batch_bytes(b, v), (int)v->len, SQLITE_STATIC);
            else
                sqlite3_bind_null(ins, i);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            osr_step_fail(ctx, "step '%s': row %zu of a batch was refused: %s", ctx->step_id, r + 1,
                          sqlite3_errmsg(db));
            sqlite3_reset(ins);
            return -1;
        }
        sqlite3_reset(ins);
    }
    return 0;
}

static int w_write(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct sqlw *w = state;

    return insert_rows(ctx, w->db, w->ins, b);
}

/* The last writer of a file commits the file's transaction (a dry run rolls it back). */
static int w_commit(void *state, struct osr_step_ctx *ctx)
{
    struct sqlw *w = state;
    int rc = 0;

    sqlite3_finalize(w->ins);
    w->ins = NULL;
    if (--w->h->writers == 0)
        rc = exec(ctx, w->db, ctx->dry_run ? "ROLLBACK" : "COMMIT", "committing");
    w->in_tx = false;
    release(w->h);
    free(w);
    return rc;
}

const struct osr_writer_ops osr_sqlite_writer = {"sqlite.writer", w_open, w_write, w_commit,
                                                 w_abort};

/* ---- processor ---- */

/* A private temporary database (SQLite's "" file name: pages spill to a file that is gone
 * when it closes, so inputs larger than memory fit) holding a table per input. */
struct sqlp {
    sqlite3 *db;
    sqlite3_stmt **ins; /* per slot */
    struct osr_strv tables;
};

static int p_open(void **state, struct osr_step_ctx *ctx)
{
    struct sqlp *p = osr_xcalloc(1, sizeof(*p));

    *state = p;
    p->tables = (struct osr_strv)OSR_STRV_INIT;
    if (sqlite3_open_v2("", &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        return osr_step_fail(ctx, "step '%s': cannot open a temporary database: %s", ctx->step_id,
                             p->db ? sqlite3_errmsg(p->db) : "out of memory");
    return exec(ctx, p->db,
                "PRAGMA cache_size = -16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = "
                "OFF; BEGIN",
                "preparing the temporary database");
}

static int p_input_open(void *state, struct osr_step_ctx *ctx, const char *input_id,
                        const struct osr_batch *schema)
{
    struct sqlp *p = state;
    char *table = osr_step_input_table(ctx, input_id, &p->tables);
    struct osr_buf name, sql;
    int slot = (int)p->tables.n, rc;

    osr_buf_init(&name, 4096);
    osr_buf_init(&sql, 16u << 20);
    osr_step_quote_ident(&name, NULL, table);
    osr_strv_push(&p->tables, table);
    p->ins = osr_xrealloc(p->ins, p->tables.n * sizeof(*p->ins));
    p->ins[slot] = NULL;
    create_sql(&sql, name.ptr, schema, NULL);
    rc = exec(ctx, p->db, sql.ptr, "creating the input table");
    osr_buf_clear(&sql);
    insert_sql(&sql, name.ptr, schema, NULL);
    if (rc == 0 &&
        sqlite3_prepare_v2(p->db, sql.ptr, (int)sql.len, &p->ins[slot], NULL) != SQLITE_OK)
        rc = osr_step_fail(ctx, "step '%s': cannot load %s: %s", ctx->step_id, table,
                           sqlite3_errmsg(p->db));
    osr_buf_dispose(&sql);
    osr_buf_dispose(&name);
    free(table);
    return rc < 0 ? -1 : slot;
}

static int p_input_write(void *state, struct osr_step_ctx *ctx, int slot, const struct osr_batch *b)
{
    struct sqlp *p = state;

    return insert_rows(ctx, p->db, p->ins[slot], b);
}

static int p_run(void *state, struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    struct sqlp *p = state;
    const char *query = osr_step_str(ctx, "query", NULL);
    sqlite3_stmt *st = NULL;
    struct osr_batch b;
    struct osr_step_watch *w;
    int rc = -1;

    osr_batch_init(&b, osr_step_batch_size(ctx), ARENA_MAX);
    if (!query) {
        osr_step_fail(ctx, "step '%s' has no query", ctx->step_id);
        goto done;
    }
    if (exec(ctx, p->db, "COMMIT", "loading the inputs") < 0)
        goto done;
    if (sqlite3_prepare_v2(p->db, query, -1, &st, NULL) != SQLITE_OK) {
        osr_step_fail(ctx, "step '%s': the query is not valid here: %s", ctx->step_id,
                      sqlite3_errmsg(p->db));
        goto done;
    }
    if (!sqlite3_stmt_readonly(st) || sqlite3_column_count(st) == 0) {
        osr_step_fail(ctx, "step '%s': the query must be a SELECT (it reads df_<step> tables)",
                      ctx->step_id);
        goto done;
    }
    w = osr_step_watch_start(ctx, interrupt, p->db);
    rc = osr_step_watch_done(w, ctx, stream_rows(ctx, p->db, st, &b, emit, payload), "SQLite");
done:
    sqlite3_finalize(st);
    osr_batch_dispose(&b);
    return rc;
}

static void p_close(void *state)
{
    struct sqlp *p = state;

    if (!p)
        return;
    for (size_t i = 0; i < p->tables.n; i++)
        sqlite3_finalize(p->ins[i]);
    free(p->ins);
    sqlite3_close(p->db);
    osr_strv_dispose(&p->tables);
    free(p);
}

const struct osr_processor_ops osr_sqlite_processor = {"sqlite.processor", p_open, p_input_open,
                                                       p_input_write,      p_run,  p_close};
