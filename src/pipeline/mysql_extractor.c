/*
 * mysql_extractor.c - mysql.extractor: a query, or a table (with columns and limit), read
 * from MySQL / MariaDB unbuffered in a read-only session with a consistent snapshot
 * (db/mysql.h), `batch_size` rows a batch, so a table of any size moves in constant memory.
 * Integers and floats become typed cells, binary columns blobs, DECIMAL its exact digits,
 * dates and times their ISO text (TIMESTAMP in UTC); the columns keep portable type names
 * for a writer that creates its table. A dry run reads the columns only (LIMIT 0).
 */
#include "core/alloc.h"
#include "db/db.h"
#include "db/mysql.h"
#include "pipeline/steps.h"

#include <errno.h>
#include <stdlib.h>

#define ARENA_MAX (64u << 20)  /* the largest row */
#define BATCH_BYTES (8u << 20) /* a batch is handed on once its values reach this */

struct myx {
    struct osr_step_ctx *ctx;
    osr_emit_fn emit;
    void *payload;
    struct osr_batch b;
    enum osr_db_my_kind *kinds;
    uint64_t rows, limit; /* limit 0: none */
    bool failed;          /* the run's error is set (by a writer or here) */
};

static int flush(struct myx *x)
{
    if (x->b.nrows && x->emit(&x->b, x->payload) < 0) {
        x->failed = true;
        return -1;
    }
    osr_batch_clear(&x->b);
    return 0;
}

static int on_columns(const struct osr_db_my_col *cols, size_t n, void *payload)
{
    struct myx *x = payload;

    x->kinds = osr_xcalloc(n ? n : 1, sizeof(*x->kinds));
    for (size_t k = 0; k < n; k++) {
        x->kinds[k] = cols[k].kind;
        osr_strv_push(&x->b.names, cols[k].name);
        osr_strv_push(&x->b.types, cols[k].decl);
    }
    if (x->emit(&x->b, x->payload) < 0) {
        x->failed = true;
        return 1;
    }
    return 0;
}

/* Whether a real's text has at most 15 significant digits: then it is exactly what the
 * CSV writer would print for the value it reads as, and writers may copy it. */
static bool short_real(const char *v, size_t len)
{
    size_t digits = 0;
    bool leading = true;

    for (size_t i = 0; i < len && v[i] != 'e' && v[i] != 'E'; i++) {
        if (v[i] < '0' || v[i] > '9')
            continue;
        leading = leading && v[i] == '0';
        digits += !leading;
    }
    return digits <= 15;
}

/* One value into a cell (the arena has room for it). Integers keep their text, and reals
 * of up to 15 significant digits, for writers to copy (see osr_batch_set_source). */
static void put(struct osr_batch *b, struct osr_cell *cell, enum osr_db_my_kind kind, const char *v,
                size_t len)
{
    if (kind == OSR_DB_MY_INT) {
        long long i;
        errno = 0;
        i = strtoll(v, NULL, 10);
        if (errno == 0) {
            *cell = (struct osr_cell){.type = OSR_V_INT, .i = i};
            osr_batch_set_source(b, cell, v, len);
            return;
        }
        kind = OSR_DB_MY_TEXT; /* an unsigned BIGINT past 2^63: its digits */
    }
    if (kind == OSR_DB_MY_REAL) {
        *cell = (struct osr_cell){.type = OSR_V_REAL, .r = strtod(v, NULL)};
        if (short_real(v, len))
            osr_batch_set_source(b, cell, v, len);
        return;
    }
    osr_batch_set_bytes(b, cell, kind == OSR_DB_MY_BLOB ? OSR_V_BLOB : OSR_V_TEXT, v, len);
    if (kind == OSR_DB_MY_DATETIME && len > 10 && v[10] == ' ')
        b->arena.ptr[cell->off + 10] = 'T'; /* ISO 8601 */
}

static int on_row(char **values, const unsigned long *lens, void *payload)
{
    struct myx *x = payload;
    struct osr_cell *row;
    size_t bytes = 0;

    for (size_t k = 0; k < x->b.names.n; k++)
        bytes += values[k] ? lens[k] : 0;
    if (bytes > ARENA_MAX) {
        osr_step_fail(x->ctx, "step '%s': a row is larger than %u MiB", x->ctx->step_id,
                      ARENA_MAX >> 20);
        x->failed = true;
        return 1;
    }
    if ((x->b.nrows == x->b.cap || x->b.arena.len + bytes > BATCH_BYTES) && flush(x) < 0)
        return 1;
    if (x->limit && x->rows++ == x->limit)
        return 1; /* enough: the rest of the result is not read */
    row = osr_batch_add_row(&x->b);
    for (size_t k = 0; k < x->b.names.n; k++) {
        if (values[k])
            put(&x->b, &row[k], x->kinds[k], values[k], lens[k]);
    }
    return 0;
}

/* The statement to run: the query, or a SELECT of the table; NULL with the error set. */
static char *statement(struct osr_step_ctx *ctx)
{
    const char *query = json_string_value(json_object_get(ctx->cfg, "query"));
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    json_t *cols = json_object_get(ctx->cfg, "columns"), *lim = json_object_get(ctx->cfg, "limit");
    struct osr_buf q;
    size_t i;
    json_t *c;

    if (!query == !table) {
        osr_step_fail(ctx, "step '%s' needs either query or table (not both)", ctx->step_id);
        return NULL;
    }
    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    if (query && ctx->dry_run)
        osr_buf_printf(&q, "SELECT * FROM (%s) AS osiris_q", query);
    else if (query)
        osr_buf_puts(&q, query);
    else {
        osr_buf_puts(&q, json_array_size(cols) ? "SELECT " : "SELECT *");
        json_array_foreach(cols, i, c)
        {
            if (i)
                osr_buf_puts(&q, ", ");
            osr_db_my_ident(&q, NULL, json_string_value(c) ? json_string_value(c) : "");
        }
        osr_buf_puts(&q, " FROM ");
        osr_db_my_ident(&q, json_string_value(json_object_get(ctx->cfg, "schema")), table);
    }
    /* A query's limit is counted here: MariaDB drops the ORDER BY of a derived table. */
    if (ctx->dry_run) /* the columns only */
        osr_buf_puts(&q, " LIMIT 0");
    else if (table && json_is_integer(lim))
        osr_buf_printf(&q, " LIMIT %lld", (long long)json_integer_value(lim));
    return osr_buf_take(&q);
}

static void cancel_query(void *canceller)
{
    osr_db_my_canceller_send(canceller);
}

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    size_t cap = osr_step_batch_size(ctx);
    struct osr_db_opts opts = osr_step_db_opts(ctx, true);
    const struct osr_db_ops *ops = osr_db_ops_get("mysql");
    struct osr_db_error e = {OSR_DB_OK, ""};
    json_t *lim = json_object_get(ctx->cfg, "limit");
    struct myx x = {.ctx = ctx,
                    .emit = emit,
                    .payload = payload,
                    .limit = json_integer_value(lim) > 0 ? (uint64_t)json_integer_value(lim) : 0};
    struct osr_db_my_reader rd = {on_columns, on_row, &x};
    struct osr_db_my_canceller *canceller;
    struct osr_step_watch *w;
    osr_db *db = NULL;
    char *sql = NULL;
    int rc = -1, src;

    osr_batch_init(&x.b, cap, ARENA_MAX);
    if (!ctx->conn) {
        osr_step_fail(ctx, "step '%s' names no connection", ctx->step_id);
        goto done;
    }
    if (!(sql = statement(ctx)))
        goto done;
    if (ops->open(&db, ctx->conn, &opts, &e) < 0) {
        osr_step_fail_db(ctx, &e);
        goto done;
    }
    canceller = osr_db_my_canceller_new(db, ctx->conn); /* a sort may run long before a row */
    w = osr_step_watch_start(ctx, cancel_query, canceller);
    src = osr_db_my_stream(db, sql, &rd, &e);
    if (src < 0)
        osr_step_fail_db(ctx, &e);
    src = osr_step_watch_done(w, ctx, src, "MariaDB");
    osr_db_my_canceller_free(canceller);
    if (src < 0)
        goto done;
    if (!x.failed && flush(&x) == 0)
        rc = 0;
done:
    if (db)
        ops->close(db);
    osr_batch_dispose(&x.b);
    free(x.kinds);
    free(sql);
    return rc;
}

const struct osr_extractor_ops osr_mysql_extractor = {"mysql.extractor", extract};
