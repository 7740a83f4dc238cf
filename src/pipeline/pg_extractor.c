/*
 * pg_extractor.c - postgres.extractor (and supabase.extractor, the same over a Supabase
 * project's Postgres endpoint): a query (or a table) read with COPY ... TO STDOUT
 * in a read-only transaction (db/postgres.h), decoded `batch_size` rows at a time, so a
 * table of any size moves in constant memory. Integers and floats become typed cells, bytea a blob,
 * every other type its PostgreSQL text form (timestamps in ISO and UTC, numerics exact); the
 * columns keep their type names for a writer that creates its table. There is no
 * statement timeout unless the connection sets one.
 */
#include "core/alloc.h"
#include "db/db.h"
#include "db/postgres.h"
#include "pipeline/steps.h"

#include <stdlib.h>

#define ARENA_MAX (64u << 20)

/* Type oids of pg_type this step maps (the stable, built-in ones). */
enum {
    BOOL = 16,
    BYTEA = 17,
    INT8 = 20,
    INT2 = 21,
    INT4 = 23,
    FLOAT4 = 700,
    FLOAT8 = 701,
    NUMERIC = 1700,
    DATE = 1082,
    TIMESTAMP = 1114,
    TIMESTAMPTZ = 1184,
    TEXT = 25,
    VARCHAR = 1043
};

static const char *type_name(unsigned oid)
{
    switch (oid) {
    case BOOL:
        return "BOOLEAN";
    case BYTEA:
        return "BLOB";
    case INT2:
        return "SMALLINT";
    case INT4:
        return "INTEGER";
    case INT8:
        return "BIGINT";
    case FLOAT4:
        return "REAL";
    case FLOAT8:
        return "DOUBLE PRECISION";
    case NUMERIC:
        return "NUMERIC";
    case DATE:
        return "DATE";
    case TIMESTAMP:
        return "TIMESTAMP";
    case TIMESTAMPTZ:
        return "TIMESTAMPTZ";
    default:
        return "TEXT";
    }
}

struct pgx {
    struct osr_step_ctx *ctx;
    osr_emit_fn emit;
    void *payload;
    struct osr_batch b;
    unsigned *types;
    bool failed;
    bool shortest; /* float8 texts read back exactly (see osr_db_chunk) */
};

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* One value into a cell; -1 when the batch's arena is full. Integers keep their text, and
 * floats too when PostgreSQL printed them shortest (chunk->shortest_floats). */
static int put(struct pgx *x, struct osr_cell *cell, unsigned oid, const char *v, size_t len)
{
    char *end;

    if (oid == INT2 || oid == INT4 || oid == INT8) {
        *cell = (struct osr_cell){.type = OSR_V_INT, .i = strtoll(v, &end, 10)};
        return osr_batch_set_source(&x->b, cell, v, len);
    }
    if ((oid == FLOAT4 || oid == FLOAT8) && strchr(v, 'N') == NULL && strchr(v, 'n') == NULL) {
        *cell = (struct osr_cell){.type = OSR_V_REAL, .r = strtod(v, &end)};
        return x->shortest ? osr_batch_set_source(&x->b, cell, v, len) : 0;
    }
    if (oid == BOOL)
        return osr_batch_set_bytes(&x->b, cell, OSR_V_TEXT, v[0] == 't' ? "true" : "false",
                                   v[0] == 't' ? 4 : 5);
    if (oid == BYTEA && len >= 2 && v[0] == '\\' && v[1] == 'x') {
        size_t n = (len - 2) / 2;
        char *raw = osr_xmalloc(n ? n : 1);
        int rc;
        for (size_t i = 0; i < n; i++)
            raw[i] = (char)(hexval(v[2 + 2 * i]) << 4 | hexval(v[3 + 2 * i]));
        rc = osr_batch_set_bytes(&x->b, cell, OSR_V_BLOB, raw, n);
        free(raw);
        return rc;
    }
    return osr_batch_set_bytes(&x->b, cell, OSR_V_TEXT, v, len);
}

static int on_chunk(const struct osr_db_chunk *c, void *payload)
{
    struct pgx *x = payload;

    x->shortest = c->shortest_floats;
    if (!x->types) { /* the first chunk: the columns */
        x->types = osr_xcalloc(c->ncols ? c->ncols : 1, sizeof(*x->types));
        for (size_t k = 0; k < c->ncols; k++) {
            x->types[k] = c->type(c, k);
            osr_strv_push(&x->b.names, c->name(c, k));
            osr_strv_push(&x->b.types, type_name(x->types[k]));
        }
        if (x->emit(&x->b, x->payload) < 0 || x->ctx->dry_run) {
            x->failed = !x->ctx->dry_run;
            return 1;
        }
    }
    for (size_t r = 0; r < c->nrows; r++) {
        struct osr_cell *row = osr_batch_add_row(&x->b);
        if (!row) {
            if (x->emit(&x->b, x->payload) < 0) {
                x->failed = true;
                return 1;
            }
            osr_batch_clear(&x->b);
            row = osr_batch_add_row(&x->b);
        }
        for (size_t k = 0; k < c->ncols; k++) {
            size_t len = 0;
            const char *v = c->value(c, r, k, &len);
            if (v && put(x, &row[k], x->types[k], v, len) < 0) {
                osr_step_fail(x->ctx, "step '%s': a row is larger than %u MiB", x->ctx->step_id,
                              ARENA_MAX >> 20);
                x->failed = true;
                return 1;
            }
        }
    }
    /* Each FETCH is a batch: hand it on, so memory holds one at a time. */
    if (x->b.nrows && x->emit(&x->b, x->payload) < 0) {
        x->failed = true;
        return 1;
    }
    osr_batch_clear(&x->b);
    return 0;
}

/* supabase.extractor: the same, over the project's Postgres endpoint. */
static bool is_supabase(const struct osr_step_ctx *ctx)
{
    return ctx->component && strncmp(ctx->component, "supabase.", 9) == 0;
}

static void cancel_query(void *canceller)
{
    osr_db_pg_canceller_send(canceller);
}

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    const char *query = json_string_value(json_object_get(ctx->cfg, "query"));
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    const char *schema = json_string_value(json_object_get(ctx->cfg, "schema"));
    json_t *lim = json_object_get(ctx->cfg, "limit");
    size_t cap = osr_step_batch_size(ctx);
    struct osr_db_opts opts = osr_step_db_opts(ctx, true);
    const struct osr_db_ops *ops = osr_db_ops_get("postgres");
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct pgx x = {.ctx = ctx, .emit = emit, .payload = payload};
    struct osr_db_pg_canceller *canceller;
    struct osr_step_watch *w;
    osr_db *db = NULL;
    char *sql = NULL, *name = NULL;
    int rc = -1, src;

    osr_batch_init(&x.b, cap, ARENA_MAX);
    if (!ctx->conn) {
        osr_step_fail(ctx, "step '%s' names no connection", ctx->step_id);
        goto done;
    }
    if (!query && !table) {
        osr_step_fail(ctx, "step '%s' has neither query nor table", ctx->step_id);
        goto done;
    }
    if (!query) {
        struct osr_buf q;
        osr_buf_init(&q, 4096);
        osr_step_quote_ident(&q, schema, table);
        name = osr_xstrdup(q.ptr);
        osr_buf_dispose(&q);
    }
    sql = json_is_integer(lim)
              ? osr_xasprintf(query ? "SELECT * FROM (%s) AS q LIMIT %lld"
                                    : "SELECT * FROM %s LIMIT %lld",
                              query ? query : name, (long long)json_integer_value(lim))
              : osr_xasprintf(query ? "%s" : "SELECT * FROM %s", query ? query : name);
    if ((is_supabase(ctx) ? osr_db_supabase_pg_open : ops->open)(&db, ctx->conn, &opts, &e) < 0) {
        osr_step_fail_db(ctx, &e);
        goto done;
    }
    canceller = osr_db_pg_canceller_new(db); /* a sort may run long before the first row */
    w = osr_step_watch_start(ctx, cancel_query, canceller);
    src = osr_db_pg_stream(db, sql, cap, on_chunk, &x, &e);
    if (src < 0)
        osr_step_fail_db(ctx, &e);
    else
        rc = x.failed ? -1 : 0;
    rc = osr_step_watch_done(w, ctx, rc, "PostgreSQL");
    osr_db_pg_canceller_free(canceller);
done:
    if (db)
        ops->close(db);
    osr_batch_dispose(&x.b);
    free(x.types);
    free(sql);
    free(name);
    return rc;
}

const struct osr_extractor_ops osr_pg_extractor = {"postgres.extractor", extract};
const struct osr_extractor_ops osr_supabase_extractor = {"supabase.extractor", extract};
