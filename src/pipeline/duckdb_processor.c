/*
 * duckdb_processor.c - duckdb.processor: the step's SQL over its inputs in DuckDB.
 *
 * Every step gets a fresh database in a private temporary directory (0700, removed with
 * the step), with DuckDB's memory capped at MEMORY_LIMIT: inputs larger than that live on
 * disk, so a run's memory does not grow with its inputs (an in-memory database would hold
 * them all). Each input becomes a table df_<step id>
 * whose columns take DuckDB types from the declared types where they are plain (integers,
 * floating point, BOOLEAN, DATE, TIMESTAMP), else from the values of the first batch; its
 * rows go in through an appender. The query then runs (several statements are fine; the
 * last one gives the rows) and its result is handed on in batches read chunk by chunk,
 * with DuckDB's type names as declared types. Values keep their kind: integers of every
 * width are integers (HUGEINT and UBIGINT too while they fit 64 bits, else exact digits),
 * FLOAT and DOUBLE are reals, BOOLEAN is 0/1, DECIMAL is its exact digits as text (a real
 * would round), BLOB is a blob; dates, times, timestamps, intervals, UUIDs and enums are
 * text exactly as DuckDB prints them (timestamps with time zone in UTC). Nested values
 * (LIST, STRUCT, MAP, ARRAY, UNION), BIT and BIGNUM have no cell type: the query must
 * convert them (CAST(x AS VARCHAR), to_json(x)), and the step says so before running it.
 *
 * The query sees its inputs and nothing else: file and network access, extension loading
 * and later configuration changes are switched off before the query runs, and the time
 * zone is UTC wherever the run happens.
 */
#include "core/alloc.h"
#include "core/error.h"
#include "core/fsutil.h"
#include "db/duckdb_api.h"
#include "db/duckdb_text.h"
#include "pipeline/steps.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>

#define BATCH_ROWS 10000
#define ARENA_MAX (64u << 20)
#define ARENA_FLUSH (8u << 20) /* a batch is handed on early once its values pass this */
#define MAX_INPUTS 256
#define MEMORY_LIMIT "32MB" /* DuckDB's buffers; the library itself takes about 36 MiB more */

struct input {
    char *id, *table;
    struct osr_strv names, decl; /* the input's columns and declared types */
    osr_duck_appender *app;      /* once the table exists */
    uint64_t rows;
    bool created;
};

struct duckp {
    const struct osr_duckdb_api *api;
    osr_duck_db *db;
    osr_duck_conn *conn;
    struct input *in;
    size_t nin;
    struct osr_strv tables; /* the inputs' table names */
    char *dir;              /* the private directory of the database file */
};

/* How a result column is read. */
enum kind {
    K_NONE, /* no cell type */
    K_BOOL,
    K_INT,
    K_UINT,
    K_WIDE,
    K_REAL,
    K_DECIMAL,
    K_TEXT,
    K_BLOB,
    K_DATE,
    K_TIME,
    K_TIME_TZ,
    K_TS,
    K_TS_TZ,
    K_INTERVAL,
    K_UUID,
    K_ENUM,
};

struct column {
    int type;
    enum kind kind;
    unsigned size;         /* bytes of a value in a chunk */
    unsigned width, scale; /* a DECIMAL's; for a time or timestamp, width is the number of
                            * decimal digits of its unit of a second */
    struct osr_strv dict;  /* an ENUM's values */
};

/* ---- type names ---- */

static const char *type_name(int type)
{
    static const char *const names[] = {
        [OSR_DUCK_BOOLEAN] = "BOOLEAN",
        [OSR_DUCK_TINYINT] = "TINYINT",
        [OSR_DUCK_SMALLINT] = "SMALLINT",
        [OSR_DUCK_INTEGER] = "INTEGER",
        [OSR_DUCK_BIGINT] = "BIGINT",
        [OSR_DUCK_UTINYINT] = "UTINYINT",
        [OSR_DUCK_USMALLINT] = "USMALLINT",
        [OSR_DUCK_UINTEGER] = "UINTEGER",
        [OSR_DUCK_UBIGINT] = "UBIGINT",
        [OSR_DUCK_FLOAT] = "FLOAT",
        [OSR_DUCK_DOUBLE] = "DOUBLE",
        [OSR_DUCK_TIMESTAMP] = "TIMESTAMP",
        [OSR_DUCK_DATE] = "DATE",
        [OSR_DUCK_TIME] = "TIME",
        [OSR_DUCK_INTERVAL] = "INTERVAL",
        [OSR_DUCK_HUGEINT] = "HUGEINT",
        [OSR_DUCK_VARCHAR] = "VARCHAR",
        [OSR_DUCK_BLOB] = "BLOB",
        [OSR_DUCK_DECIMAL] = "DECIMAL",
        [OSR_DUCK_TIMESTAMP_S] = "TIMESTAMP_S",
        [OSR_DUCK_TIMESTAMP_MS] = "TIMESTAMP_MS",
        [OSR_DUCK_TIMESTAMP_NS] = "TIMESTAMP_NS",
        [OSR_DUCK_ENUM] = "ENUM",
        [OSR_DUCK_LIST] = "LIST",
        [OSR_DUCK_STRUCT] = "STRUCT",
        [OSR_DUCK_MAP] = "MAP",
        [OSR_DUCK_UUID] = "UUID",
        [OSR_DUCK_UNION] = "UNION",
        [OSR_DUCK_BIT] = "BIT",
        [OSR_DUCK_TIME_TZ] = "TIME WITH TIME ZONE",
        [OSR_DUCK_TIMESTAMP_TZ] = "TIMESTAMP WITH TIME ZONE",
        [OSR_DUCK_UHUGEINT] = "UHUGEINT",
        [OSR_DUCK_ARRAY] = "ARRAY",
        [OSR_DUCK_BIGNUM] = "BIGNUM",
        [OSR_DUCK_SQLNULL] = "NULL",
        [OSR_DUCK_TIME_NS] = "TIME_NS",
    };

    return type >= 0 && (size_t)type < OSR_ARRAY_LEN(names) && names[type] ? names[type]
                                                                           : "UNKNOWN";
}

/* ---- inputs ---- */

/* The DuckDB type for a declared type when it is plain, else NULL. */
static const char *plain_type(const char *decl)
{
    static const struct {
        const char *decl, *type;
    } map[] = {
        {"BIGINT", "BIGINT"},   {"INTEGER", "BIGINT"},      {"INT", "BIGINT"},
        {"INT8", "BIGINT"},     {"INT4", "BIGINT"},         {"INT2", "BIGINT"},
        {"SMALLINT", "BIGINT"}, {"TINYINT", "BIGINT"},      {"DOUBLE", "DOUBLE"},
        {"REAL", "DOUBLE"},     {"FLOAT", "DOUBLE"},        {"FLOAT8", "DOUBLE"},
        {"FLOAT4", "DOUBLE"},   {"BOOLEAN", "BOOLEAN"},     {"BOOL", "BOOLEAN"},
        {"DATE", "DATE"},       {"TIMESTAMP", "TIMESTAMP"}, {"DOUBLE PRECISION", "DOUBLE"},
    };

    for (size_t i = 0; i < OSR_ARRAY_LEN(map); i++) {
        if (strcasecmp(decl, map[i].decl) == 0)
            return map[i].type;
    }
    return NULL;
}

/* The DuckDB type for a column the declared type says nothing about, from its values in
 * `b` (may be NULL or empty): integers only make BIGINT, numbers DOUBLE, any text VARCHAR,
 * blobs only BLOB; no value at all VARCHAR. */
static const char *values_type(const struct osr_batch *b, size_t col)
{
    bool text = false, real = false, integer = false, blob = false;

    for (size_t r = 0; b && r < b->nrows; r++) {
        enum osr_vtype t = osr_batch_row(b, r)[col].type;
        text |= t == OSR_V_TEXT;
        real |= t == OSR_V_REAL;
        integer |= t == OSR_V_INT;
        blob |= t == OSR_V_BLOB;
    }
    if (text || (blob && (real || integer)))
        return "VARCHAR";
    if (blob)
        return "BLOB";
    return real ? "DOUBLE" : integer ? "BIGINT" : "VARCHAR";
}

static int duck_fail(struct osr_step_ctx *ctx, const char *what, const char *msg)
{
    return osr_step_fail(ctx, "step '%s': %s: %s", ctx->step_id, what, msg ? msg : "failed");
}

static int exec(struct duckp *p, struct osr_step_ctx *ctx, const char *sql, const char *what)
{
    struct osr_duck_result res;
    int rc = 0;

    memset(&res, 0, sizeof(res));
    if (p->api->query(p->conn, sql, &res) != OSR_DUCK_OK)
        rc = duck_fail(ctx, what, p->api->result_error(&res));
    p->api->destroy_result(&res);
    return rc;
}

/* Creates the input's table, typed from its declared types and the values of `first`,
 * and its appender. */
static int create_table(struct duckp *p, struct osr_step_ctx *ctx, struct input *in,
                        const struct osr_batch *first)
{
    struct osr_buf sql;
    char what[256];
    int rc = -1;

    osr_buf_init(&sql, 1u << 20);
    osr_buf_puts(&sql, "CREATE TABLE ");
    osr_step_quote_ident(&sql, NULL, in->table);
    osr_buf_puts(&sql, " (");
    for (size_t c = 0; c < in->names.n; c++) {
        const char *t = plain_type(in->decl.v[c]);
        if (c)
            osr_buf_puts(&sql, ", ");
        osr_step_quote_ident(&sql, NULL, in->names.v[c]);
        osr_buf_printf(&sql, " %s", t ? t : values_type(first, c));
    }
    osr_buf_puts(&sql, ")");
    snprintf(what, sizeof(what), "input '%s' cannot become table %s", in->id, in->table);
    if (exec(p, ctx, sql.ptr, what) < 0)
        goto done;
    in->created = true;
    if (p->api->appender_create(p->conn, NULL, in->table, &in->app) != OSR_DUCK_OK) {
        duck_fail(ctx, what, in->app ? p->api->appender_error(in->app) : NULL);
        goto done;
    }
    rc = 0;
done:
    osr_buf_dispose(&sql);
    return rc;
}

static int append_cell(const struct osr_duckdb_api *api, osr_duck_appender *app,
                       const struct osr_batch *b, const struct osr_cell *c)
{
    switch (c->type) {
    case OSR_V_INT:
        return api->append_int64(app, c->i);
    case OSR_V_REAL:
        return api->append_double(app, c->r);
    case OSR_V_TEXT:
        return api->append_varchar_length(app, osr_batch_bytes(b, c), c->len);
    case OSR_V_BLOB:
        return api->append_blob(app, osr_batch_bytes(b, c), c->len);
    case OSR_V_NULL:
        break;
    }
    return api->append_null(app);
}

static int append_rows(struct duckp *p, struct osr_step_ctx *ctx, struct input *in,
                       const struct osr_batch *b)
{
    for (size_t r = 0; r < b->nrows; r++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        in->rows++;
        for (size_t c = 0; c < b->names.n; c++) {
            if (append_cell(p->api, in->app, b, &row[c]) != OSR_DUCK_OK)
                return osr_step_fail(ctx, "step '%s': input '%s' row %" PRIu64 " column '%s': %s",
                                     ctx->step_id, in->id, in->rows, b->names.v[c],
                                     p->api->appender_error(in->app));
        }
        if (p->api->appender_end_row(in->app) != OSR_DUCK_OK)
            return osr_step_fail(ctx, "step '%s': input '%s' row %" PRIu64 ": %s", ctx->step_id,
                                 in->id, in->rows, p->api->appender_error(in->app));
    }
    return 0;
}

/* Creates the tables of inputs that sent no rows and flushes every appender. */
static int finish_inputs(struct duckp *p, struct osr_step_ctx *ctx)
{
    for (size_t i = 0; i < p->nin; i++) {
        struct input *in = &p->in[i];
        if (!in->created && create_table(p, ctx, in, NULL) < 0)
            return -1;
        if (!in->app) /* its table was made, its appender was not: the step already failed */
            return osr_step_fail(ctx, "step '%s': input '%s' was not loaded", ctx->step_id, in->id);
        if (p->api->appender_flush(in->app) != OSR_DUCK_OK)
            return osr_step_fail(ctx, "step '%s': loading input '%s' failed: %s", ctx->step_id,
                                 in->id, p->api->appender_error(in->app));
        p->api->appender_destroy(&in->app);
    }
    return 0;
}

/* ---- reading the result ---- */

struct reader {
    struct duckp *p;
    struct osr_step_ctx *ctx;
    osr_emit_fn emit;
    void *payload;
    struct osr_batch b;
    struct column *cols;
    size_t ncols;
    struct osr_buf text; /* a value being formatted */
};

static int set_bytes(struct reader *rd, struct osr_cell *cell, enum osr_vtype t, const void *p,
                     size_t len)
{
    if (osr_batch_set_bytes(&rd->b, cell, t, p, len) == 0)
        return 0;
    return osr_step_fail(rd->ctx, "step '%s': a row is larger than %u MiB", rd->ctx->step_id,
                         ARENA_MAX >> 20);
}

static osr_i128 read_signed(const void *data, size_t r, unsigned size)
{
    const char *p = (const char *)data + r * size;
    const struct osr_duck_hugeint *h = (const void *)p;

    switch (size) {
    case 1:
        return *(const int8_t *)p;
    case 2:
        return *(const int16_t *)p;
    case 4:
        return *(const int32_t *)p;
    case 8:
        return *(const int64_t *)p;
    }
    return (osr_i128)(((osr_u128)(uint64_t)h->upper << 64) | h->lower);
}

static osr_u128 read_unsigned(const void *data, size_t r, unsigned size)
{
    const char *p = (const char *)data + r * size;
    const struct osr_duck_hugeint *h = (const void *)p;

    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        return *(const uint16_t *)p;
    case 4:
        return *(const uint32_t *)p;
    case 8:
        return *(const uint64_t *)p;
    }
    return ((osr_u128)(uint64_t)h->upper << 64) | h->lower;
}

/* An integer cell while the value fits 64 bits, else its digits as text. */
static int set_integer(struct reader *rd, struct osr_cell *cell, const struct column *col,
                       const void *data, size_t r)
{
    if (col->kind == K_UINT) {
        osr_u128 u = read_unsigned(data, r, col->size);
        if (u <= INT64_MAX) {
            *cell = (struct osr_cell){.type = OSR_V_INT, .i = (int64_t)u};
            return 0;
        }
        osr_duckdb_put_u128(&rd->text, u);
    } else {
        osr_i128 v = read_signed(data, r, col->size);
        if (v >= INT64_MIN && v <= INT64_MAX) {
            *cell = (struct osr_cell){.type = OSR_V_INT, .i = (int64_t)v};
            return 0;
        }
        osr_duckdb_put_decimal(&rd->text, v, 0);
    }
    return set_bytes(rd, cell, OSR_V_TEXT, rd->text.ptr, rd->text.len);
}

/* Formats a value with no cell type of its own into rd->text. */
static void format_value(struct reader *rd, const struct column *col, const void *data, size_t r)
{
    const struct osr_duck_hugeint *h = (const struct osr_duck_hugeint *)data + r;
    const int32_t *iv = (const int32_t *)((const char *)data + r * 16);

    switch (col->kind) {
    case K_DECIMAL:
        osr_duckdb_put_decimal(&rd->text, read_signed(data, r, col->size), col->scale);
        break;
    case K_DATE:
        osr_duckdb_put_date(&rd->text, ((const int32_t *)data)[r]);
        break;
    case K_TIME:
        osr_duckdb_put_time(&rd->text, ((const int64_t *)data)[r], (int)col->width);
        break;
    case K_TIME_TZ:
        osr_duckdb_put_time_tz(&rd->text, ((const uint64_t *)data)[r]);
        break;
    case K_TS:
    case K_TS_TZ:
        osr_duckdb_put_timestamp(&rd->text, ((const int64_t *)data)[r], (int)col->width,
                                 col->kind == K_TS_TZ);
        break;
    case K_INTERVAL:
        osr_duckdb_put_interval(&rd->text, iv[0], iv[1], *(const int64_t *)(iv + 2));
        break;
    case K_UUID:
        osr_duckdb_put_uuid(&rd->text, h->lower, h->upper);
        break;
    case K_ENUM: {
        size_t i = (size_t)read_unsigned(data, r, col->size);
        osr_buf_puts(&rd->text, i < col->dict.n ? col->dict.v[i] : "");
        break;
    }
    default:
        break;
    }
}

/* Cell `cell` from row `r` of a chunk's vector data for column `col`. */
static int read_value(struct reader *rd, const struct column *col, const void *data, size_t r,
                      struct osr_cell *cell)
{
    const struct osr_duck_string *s = (const struct osr_duck_string *)data + r;

    osr_buf_clear(&rd->text);
    switch (col->kind) {
    case K_BOOL:
        *cell = (struct osr_cell){.type = OSR_V_INT, .i = ((const bool *)data)[r]};
        return 0;
    case K_INT:
    case K_UINT:
    case K_WIDE:
        return set_integer(rd, cell, col, data, r);
    case K_REAL:
        *cell = (struct osr_cell){.type = OSR_V_REAL,
                                  .r = col->size == 4 ? ((const float *)data)[r]
                                                      : ((const double *)data)[r]};
        return 0;
    case K_TEXT:
    case K_BLOB:
        return set_bytes(rd, cell, col->kind == K_BLOB ? OSR_V_BLOB : OSR_V_TEXT,
                         s->v.inlined.len <= 12 ? s->v.inlined.data : s->v.pointer.ptr,
                         s->v.inlined.len);
    default:
        format_value(rd, col, data, r);
        return set_bytes(rd, cell, OSR_V_TEXT, rd->text.ptr, rd->text.len);
    }
}

/* How a column of logical type `lt` is read (K_NONE: it cannot be). */
static void classify(const struct osr_duckdb_api *api, osr_duck_ltype *lt, struct column *col)
{
    static const struct {
        int type;
        enum kind kind;
        unsigned size, width;
    } fixed[] = {
        {OSR_DUCK_BOOLEAN, K_BOOL, 1, 0},       {OSR_DUCK_TINYINT, K_INT, 1, 0},
        {OSR_DUCK_SMALLINT, K_INT, 2, 0},       {OSR_DUCK_INTEGER, K_INT, 4, 0},
        {OSR_DUCK_BIGINT, K_INT, 8, 0},         {OSR_DUCK_UTINYINT, K_UINT, 1, 0},
        {OSR_DUCK_USMALLINT, K_UINT, 2, 0},     {OSR_DUCK_UINTEGER, K_UINT, 4, 0},
        {OSR_DUCK_UBIGINT, K_UINT, 8, 0},       {OSR_DUCK_HUGEINT, K_WIDE, 16, 0},
        {OSR_DUCK_UHUGEINT, K_UINT, 16, 0},     {OSR_DUCK_FLOAT, K_REAL, 4, 0},
        {OSR_DUCK_DOUBLE, K_REAL, 8, 0},        {OSR_DUCK_VARCHAR, K_TEXT, 16, 0},
        {OSR_DUCK_BLOB, K_BLOB, 16, 0},         {OSR_DUCK_DATE, K_DATE, 4, 0},
        {OSR_DUCK_TIME, K_TIME, 8, 6},          {OSR_DUCK_TIME_NS, K_TIME, 8, 9},
        {OSR_DUCK_TIME_TZ, K_TIME_TZ, 8, 6},    {OSR_DUCK_TIMESTAMP, K_TS, 8, 6},
        {OSR_DUCK_TIMESTAMP_S, K_TS, 8, 0},     {OSR_DUCK_TIMESTAMP_MS, K_TS, 8, 3},
        {OSR_DUCK_TIMESTAMP_NS, K_TS, 8, 9},    {OSR_DUCK_TIMESTAMP_TZ, K_TS_TZ, 8, 6},
        {OSR_DUCK_INTERVAL, K_INTERVAL, 16, 0}, {OSR_DUCK_UUID, K_UUID, 16, 0},
    };
    static const unsigned storage[] = {
        [OSR_DUCK_UTINYINT] = 1, [OSR_DUCK_USMALLINT] = 2, [OSR_DUCK_UINTEGER] = 4,
        [OSR_DUCK_SMALLINT] = 2, [OSR_DUCK_INTEGER] = 4,   [OSR_DUCK_BIGINT] = 8,
        [OSR_DUCK_HUGEINT] = 16};
    int internal;

    *col = (struct column){.type = api->get_type_id(lt), .kind = K_NONE};
    for (size_t i = 0; i < OSR_ARRAY_LEN(fixed); i++) {
        if (fixed[i].type == col->type) {
            col->kind = fixed[i].kind;
            col->size = fixed[i].size;
            col->width = fixed[i].width;
            return;
        }
    }
    if (col->type != OSR_DUCK_DECIMAL && col->type != OSR_DUCK_ENUM)
        return;
    internal = col->type == OSR_DUCK_DECIMAL ? api->decimal_internal_type(lt)
                                             : api->enum_internal_type(lt);
    col->size = internal > 0 && (size_t)internal < OSR_ARRAY_LEN(storage) ? storage[internal] : 0;
    if (!col->size)
        return;
    if (col->type == OSR_DUCK_ENUM) {
        col->kind = K_ENUM;
        for (uint32_t i = 0, n = api->enum_dictionary_size(lt); i < n; i++) {
            char *v = api->enum_dictionary_value(lt, i);
            osr_strv_push(&col->dict, v ? v : "");
            api->free(v);
        }
    } else {
        col->kind = K_DECIMAL;
        col->width = api->decimal_width(lt);
        col->scale = api->decimal_scale(lt);
    }
}

/* The first batch: the names and DuckDB types of the result's columns (or, given no
 * result, of the prepared statement's), and how each is read. A column that cannot be
 * read fails the step before anything runs. */
static int describe(struct reader *rd, struct osr_duck_result *res, osr_duck_prepared *prep)
{
    const struct osr_duckdb_api *api = rd->p->api;
    size_t n = res ? api->column_count(res) : api->prepared_statement_column_count(prep);

    rd->cols = osr_xcalloc(n ? n : 1, sizeof(*rd->cols));
    rd->ncols = n;
    for (size_t c = 0; c < n; c++) {
        osr_duck_ltype *lt = res ? api->column_logical_type(res, c)
                                 : api->prepared_statement_column_logical_type(prep, c);
        struct column *col = &rd->cols[c];
        char *name = res ? NULL : api->prepared_statement_column_name(prep, c), t[32];
        classify(api, lt, col);
        api->destroy_logical_type(&lt);
        osr_strv_push(&rd->b.names, res ? api->column_name(res, c) : name ? name : "");
        api->free(name);
        if (col->type == OSR_DUCK_DECIMAL)
            snprintf(t, sizeof(t), "DECIMAL(%u,%u)", col->width, col->scale);
        osr_strv_push(&rd->b.types, col->type == OSR_DUCK_DECIMAL ? t : type_name(col->type));
        if (col->kind == K_NONE)
            return osr_step_fail(rd->ctx,
                                 "step '%s': column '%s' of the result has the DuckDB type %s, "
                                 "which a row of Osiris cannot hold; convert it in the query, "
                                 "e.g. CAST(\"%s\" AS VARCHAR) or to_json(\"%s\")",
                                 rd->ctx->step_id, rd->b.names.v[c], rd->b.types.v[c],
                                 rd->b.names.v[c], rd->b.names.v[c]);
    }
    return 0;
}

/* The cells of a new row, the batch handed on first when it is full. */
static struct osr_cell *next_row(struct reader *rd)
{
    struct osr_cell *row = osr_batch_add_row(&rd->b);

    if (row)
        return row;
    if (rd->emit(&rd->b, rd->payload) < 0)
        return NULL;
    osr_batch_clear(&rd->b);
    return osr_batch_add_row(&rd->b);
}

static int row_done(struct reader *rd)
{
    if (rd->b.arena.len <= ARENA_FLUSH)
        return 0;
    if (rd->emit(&rd->b, rd->payload) < 0)
        return -1;
    osr_batch_clear(&rd->b);
    return 0;
}

static bool valid(const uint64_t *validity, size_t r)
{
    return !validity || (validity[r / 64] >> (r % 64) & 1);
}

/* The rows of one chunk. */
static int read_chunk(struct reader *rd, osr_duck_chunk *chunk)
{
    const struct osr_duckdb_api *api = rd->p->api;
    size_t n = api->data_chunk_get_size(chunk);

    for (size_t r = 0; r < n; r++) {
        struct osr_cell *row = next_row(rd);
        if (!row)
            return -1;
        for (size_t c = 0; c < rd->ncols; c++) {
            osr_duck_vector *v = api->data_chunk_get_vector(chunk, c);
            if (valid(api->vector_get_validity(v), r) &&
                read_value(rd, &rd->cols[c], api->vector_get_data(v), r, &row[c]) < 0)
                return -1;
        }
        if (row_done(rd) < 0)
            return -1;
    }
    return 0;
}

/* Runs the last statement and hands its rows on (only its columns in a dry run). */
static int emit_result(struct reader *rd, osr_duck_prepared *prep)
{
    const struct osr_duckdb_api *api = rd->p->api;
    struct osr_duck_result res;
    osr_duck_chunk *chunk;
    int rc = -1;

    memset(&res, 0, sizeof(res));
    if (describe(rd, NULL, prep) < 0)
        return -1;
    if (rd->ctx->dry_run)
        return rd->emit(&rd->b, rd->payload);
    if (api->execute_prepared(prep, &res) != OSR_DUCK_OK) {
        duck_fail(rd->ctx, "the query failed", api->result_error(&res));
        goto done;
    }
    if (rd->emit(&rd->b, rd->payload) < 0)
        goto done;
    while ((chunk = api->fetch_chunk(res))) {
        int crc = read_chunk(rd, chunk);
        api->destroy_data_chunk(&chunk);
        if (crc < 0)
            goto done;
    }
    rc = rd->b.nrows && rd->emit(&rd->b, rd->payload) < 0 ? -1 : 0;
done:
    api->destroy_result(&res);
    return rc;
}

/* Runs every statement of the query but the last, which emit_result runs. */
static int run_query(struct reader *rd, const char *query)
{
    const struct osr_duckdb_api *api = rd->p->api;
    osr_duck_stmts *stmts = NULL;
    osr_duck_prepared *prep = NULL;
    size_t n = api->extract_statements(rd->p->conn, query, &stmts);
    int rc = -1;

    if (n == 0) {
        duck_fail(rd->ctx, "the query is not valid",
                  stmts ? api->extract_statements_error(stmts) : "it has no statement");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        struct osr_duck_result res;
        if (api->prepare_extracted_statement(rd->p->conn, stmts, i, &prep) != OSR_DUCK_OK) {
            duck_fail(rd->ctx, "the query is not valid", api->prepare_error(prep));
            goto done;
        }
        if (i + 1 == n)
            break;
        memset(&res, 0, sizeof(res));
        if (api->execute_prepared(prep, &res) != OSR_DUCK_OK) {
            duck_fail(rd->ctx, "the query failed", api->result_error(&res));
            api->destroy_result(&res);
            goto done;
        }
        api->destroy_result(&res);
        api->destroy_prepare(&prep);
    }
    rc = emit_result(rd, prep);
done:
    api->destroy_prepare(&prep);
    api->destroy_extracted(&stmts);
    return rc;
}

/* ---- the processor ---- */

static void p_close(void *state)
{
    struct duckp *p = state;

    if (!p)
        return;
    for (size_t i = 0; i < p->nin; i++) {
        if (p->in[i].app)
            p->api->appender_destroy(&p->in[i].app);
        free(p->in[i].id);
        free(p->in[i].table);
        osr_strv_dispose(&p->in[i].names);
        osr_strv_dispose(&p->in[i].decl);
    }
    free(p->in);
    osr_strv_dispose(&p->tables);
    if (p->conn)
        p->api->disconnect(&p->conn);
    if (p->db)
        p->api->close(&p->db);
    if (p->dir)
        osr_fs_remove_tree_at(AT_FDCWD, p->dir);
    free(p->dir);
    free(p);
}

/* A private directory for the step's database: under TMPDIR, else /tmp. */
static char *private_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = osr_xasprintf("%s/osiris-duckdb-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");

    if (mkdtemp(dir))
        return dir;
    free(dir);
    return NULL;
}

/* Opens the database in p->dir, spilling there too, and locks its settings down. */
static int open_db(struct duckp *p, struct osr_step_ctx *ctx)
{
    char *path = osr_path_join(p->dir, "step.duckdb"), *settings;
    int rc;

    if (p->api->open(path, &p->db) != OSR_DUCK_OK) {
        free(path);
        return osr_step_fail(ctx, "step '%s': DuckDB cannot open a database in %s", ctx->step_id,
                             p->dir);
    }
    free(path);
    if (p->api->connect(p->db, &p->conn) != OSR_DUCK_OK)
        return osr_step_fail(ctx, "step '%s': DuckDB cannot connect to its database", ctx->step_id);
    settings = osr_xasprintf(
        "SET memory_limit = '" MEMORY_LIMIT "'; SET temp_directory = '%s'; "
        "SET enable_external_access = false; SET autoinstall_known_extensions = false; "
        "SET autoload_known_extensions = false; SET TimeZone = 'UTC'; "
        "SET lock_configuration = true",
        p->dir); /* mkdtemp's name: no quote in it */
    rc = exec(p, ctx, settings, "DuckDB refused its settings");
    free(settings);
    return rc;
}

static int p_open(void **state, struct osr_step_ctx *ctx)
{
    struct duckp *p;
    const char *query = json_string_value(json_object_get(ctx->cfg, "query"));

    *state = NULL;
    if (!query || !*query)
        return osr_step_fail(ctx, "step '%s': duckdb.processor needs a query", ctx->step_id);
    p = osr_xcalloc(1, sizeof(*p));
    if (!(p->api = osr_duckdb_api_get())) {
        osr_step_fail(ctx, "step '%s': %s", ctx->step_id, osr_error_last());
        goto fail;
    }
    if (!(p->dir = private_dir())) {
        osr_step_fail(ctx, "step '%s': cannot create a temporary directory: %s", ctx->step_id,
                      strerror(errno));
        goto fail;
    }
    if (open_db(p, ctx) < 0)
        goto fail;
    *state = p;
    return 0;
fail:
    p_close(p);
    return -1;
}

static int p_input_open(void *state, struct osr_step_ctx *ctx, const char *input_id,
                        const struct osr_batch *schema)
{
    struct duckp *p = state;
    struct input *in;

    if (p->nin == MAX_INPUTS)
        return osr_step_fail(ctx, "step '%s': at most %d inputs", ctx->step_id, MAX_INPUTS);
    p->in = osr_xrealloc(p->in, (p->nin + 1) * sizeof(*p->in));
    in = &p->in[p->nin];
    *in = (struct input){.id = osr_xstrdup(input_id),
                         .table = osr_step_input_table(ctx, input_id, &p->tables)};
    osr_strv_push(&p->tables, in->table);
    for (size_t c = 0; c < schema->names.n; c++) {
        osr_strv_push(&in->names, schema->names.v[c]);
        osr_strv_push(&in->decl, c < schema->types.n ? schema->types.v[c] : "");
    }
    return (int)p->nin++;
}

static int p_input_write(void *state, struct osr_step_ctx *ctx, int slot, const struct osr_batch *b)
{
    struct duckp *p = state;
    struct input *in = &p->in[slot];

    if (b->nrows == 0)
        return 0;
    if (b->names.n != in->names.n)
        return osr_step_fail(ctx, "step '%s': input '%s' sent %zu columns, not %zu", ctx->step_id,
                             in->id, b->names.n, in->names.n);
    if (!in->created && create_table(p, ctx, in, b) < 0)
        return -1;
    return append_rows(p, ctx, in, b);
}

static void interrupt(void *arg)
{
    struct duckp *p = arg;

    p->api->interrupt(p->conn);
}

static int p_run(void *state, struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    struct duckp *p = state;
    struct reader rd = {.p = p, .ctx = ctx, .emit = emit, .payload = payload};
    struct osr_step_watch *w;
    int rc = -1;

    osr_batch_init(&rd.b, BATCH_ROWS, ARENA_MAX);
    osr_buf_init(&rd.text, ARENA_MAX);           /* an ENUM value may be long */
    w = osr_step_watch_start(ctx, interrupt, p); /* the query may run long before a row */
    if (finish_inputs(p, ctx) == 0)
        rc = run_query(&rd, json_string_value(json_object_get(ctx->cfg, "query")));
    rc = osr_step_watch_done(w, ctx, rc, "DuckDB");
    osr_buf_dispose(&rd.text);
    osr_batch_dispose(&rd.b);
    for (size_t c = 0; c < rd.ncols; c++)
        osr_strv_dispose(&rd.cols[c].dict);
    free(rd.cols);
    return rc;
}

const struct osr_processor_ops osr_duckdb_processor = {
    "duckdb.processor", p_open, p_input_open, p_input_write, p_run, p_close,
};
