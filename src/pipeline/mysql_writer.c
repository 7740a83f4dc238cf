/*
 * mysql_writer.c - mysql.writer: rows into a MySQL / MariaDB table in one transaction,
 * committed at the end; a failed or stopped run rolls it back.
 *
 * Rows go in with LOAD DATA LOCAL INFILE when the server allows local_infile: one
 * statement a batch, its "file" encoded from the batch while the server reads it
 * (db/mysql.h), so nothing but a row at a time is copied. Otherwise, and for upsert, they
 * go in multi-row INSERT statements kept under the server's max_allowed_packet. Upsert is
 * INSERT ... ON DUPLICATE KEY UPDATE, so it needs a primary or unique key on exactly the
 * primary_key columns; within the input, the last row of a key wins.
 *
 * MariaDB and MySQL commit DDL on the spot, so nothing that must roll back is DDL here:
 * replace and truncate empty the table with DELETE inside the transaction (replace thus
 * keeps the table's definition, as truncate does, and only creates the table when it is
 * missing), and a table created for the run (CREATE TABLE, before the transaction) is
 * dropped again when the run fails. Tables must use a transactional engine (InnoDB).
 *
 * The session's sql_mode is fixed: strict, so a value a column cannot hold fails the run
 * instead of being changed, and with the backslash escapes this file writes. Its time zone
 * is UTC, and a UTC offset on a date/time value (PostgreSQL's "+00") is dropped.
 */
#include "core/alloc.h"
#include "db/db.h"
#include "db/mysql.h"
#include "pipeline/steps.h"

#include <math.h>
#include <stdio.h>

#define ROW_MAX (256u << 20) /* one encoded row (hex doubles a blob) */
#define STMT_MAX (16u << 20) /* an INSERT, when max_allowed_packet allows more */

/* How a column's values are sent, from the target column's type. */
enum conv {
    AS_IS,
    AS_HEX,  /* binary columns: hex digits, turned back into bytes by the server (UNHEX) */
    AS_FLAG, /* integer columns: "true" and "false" (PostgreSQL booleans) become 1 and 0 */
    AS_UTC,  /* date and time columns: a trailing +00, +00:00 or Z is dropped */
};

struct myw {
    const struct osr_db_ops *ops;
    osr_db *db;
    struct osr_db_opts opts;
    struct osr_buf name; /* `schema`.`table` */
    struct osr_buf sql;  /* the LOAD statement, or the INSERT being filled */
    struct osr_buf head; /* INSERT INTO ... VALUES */
    struct osr_buf tail; /* upsert: ON DUPLICATE KEY UPDATE ... */
    struct osr_buf line; /* one encoded row */
    enum conv *conv;
    size_t ncols, pending, max_stmt;
    bool load, created, in_tx;
    /* the batch a LOAD is reading */
    const struct osr_batch *b;
    size_t row, sent;
};

static int exec(struct myw *w, struct osr_step_ctx *ctx, const char *sql)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    return osr_db_my_exec(w->db, sql, &e) < 0 ? osr_step_fail_db(ctx, &e) : 0;
}

/* ---- the target ---- */

/* "table_schema = ... AND table_name = ..." for the target (the session's database when
 * no schema is given). */
static void table_filter(struct osr_buf *q, const struct osr_step_ctx *ctx)
{
    const char *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));

    osr_buf_puts(q, "table_schema = ");
    if (sch)
        osr_db_my_literal(q, sch, strlen(sch));
    else
        osr_buf_puts(q, "DATABASE()");
    osr_buf_puts(q, " AND table_name = ");
    osr_db_my_literal(q, table, strlen(table));
}

struct strv2 {
    struct osr_strv *a, *b;
};

static int collect2(char **v, const unsigned long *len, void *payload)
{
    struct strv2 *s = payload;

    OSR_UNUSED(len);
    osr_strv_push(s->a, v[0] ? v[0] : "");
    osr_strv_push(s->b, v[1] ? v[1] : "");
    return 0;
}

/* Runs `sql` and collects the first two values of each row. */
static int query2(struct myw *w, struct osr_step_ctx *ctx, const char *sql, struct osr_strv *a,
                  struct osr_strv *b)
{
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct strv2 s = {a, b};

    return osr_db_my_rows(w->db, sql, collect2, &s, &e) < 0 ? osr_step_fail_db(ctx, &e) : 0;
}

/* The target's columns and their data types; none when it does not exist. */
static int target_columns(struct myw *w, struct osr_step_ctx *ctx, struct osr_strv *names,
                          struct osr_strv *types)
{
    struct osr_buf q;
    int rc;

    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    osr_buf_puts(&q, "SELECT column_name, data_type FROM information_schema.columns WHERE ");
    table_filter(&q, ctx);
    osr_buf_puts(&q, " ORDER BY ordinal_position");
    osr_strv_dispose(names);
    osr_strv_dispose(types);
    rc = query2(w, ctx, q.ptr, names, types);
    osr_buf_dispose(&q);
    return rc;
}

/* The target must roll back: a transactional engine (InnoDB), not MyISAM, not a view. */
static int check_engine(struct myw *w, struct osr_step_ctx *ctx)
{
    struct osr_strv a = OSR_STRV_INIT, b = OSR_STRV_INIT;
    struct osr_buf q;
    int rc;

    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    osr_buf_puts(&q, "SELECT t.engine, COALESCE(e.transactions, 'NO') FROM "
                     "information_schema.tables t LEFT JOIN information_schema.engines e ON "
                     "e.engine = t.engine WHERE t.");
    table_filter(&q, ctx);
    rc = query2(w, ctx, q.ptr, &a, &b);
    if (rc == 0 && b.n && strcmp(b.v[0], "YES") != 0)
        rc = osr_step_fail(ctx,
                           "step '%s': table %s uses engine %s, which cannot roll a failed run "
                           "back; writes need a transactional engine such as InnoDB",
                           ctx->step_id, json_string_value(json_object_get(ctx->cfg, "table")),
                           a.v[0][0] ? a.v[0] : "(none: a view)");
    osr_strv_dispose(&a);
    osr_strv_dispose(&b);
    osr_buf_dispose(&q);
    return rc;
}

/* Upsert needs a primary or unique key on exactly the key columns. */
static int check_unique_key(struct myw *w, struct osr_step_ctx *ctx, const struct osr_strv *keys)
{
    struct osr_strv a = OSR_STRV_INIT, b = OSR_STRV_INIT;
    struct osr_buf q;
    int rc;

    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    osr_buf_puts(&q, "SELECT index_name, COUNT(*) FROM information_schema.statistics WHERE "
                     "non_unique = 0 AND ");
    table_filter(&q, ctx);
    osr_buf_puts(&q, " GROUP BY index_name HAVING COUNT(*) = SUM(column_name IN (");
    for (size_t i = 0; i < keys->n; i++) {
        osr_buf_puts(&q, i ? ", " : "");
        osr_db_my_literal(&q, keys->v[i], strlen(keys->v[i]));
    }
    osr_buf_printf(&q, ")) AND COUNT(*) = %zu", keys->n);
    rc = query2(w, ctx, q.ptr, &a, &b);
    if (rc == 0 && a.n == 0) {
        char *list = osr_strv_join(keys, ", ");
        rc = osr_step_fail(ctx,
                           "step '%s': write_mode upsert needs a primary or unique key on (%s) "
                           "in table %s, and it has none",
                           ctx->step_id, list,
                           json_string_value(json_object_get(ctx->cfg, "table")));
        free(list);
    }
    osr_strv_dispose(&a);
    osr_strv_dispose(&b);
    osr_buf_dispose(&q);
    return rc;
}

/* The column type for a created table, from the source's declared type; `key` columns
 * need a bounded length. Nothing is narrowed: integers are BIGINT, floats DOUBLE. */
static const char *my_type(const char *decl, bool key, char *buf, size_t n)
{
    static const char *const same[][2] = {
        {"SMALLINT", "SMALLINT"},     {"BOOLEAN", "BOOLEAN"},
        {"BOOL", "BOOLEAN"},          {"DATE", "DATE"},
        {"TIME", "TIME(6)"},          {"JSON", "JSON"},
        {"TIMESTAMP", "DATETIME(6)"}, {"TIMESTAMPTZ", "DATETIME(6)"}};

    for (size_t i = 0; i < OSR_ARRAY_LEN(same); i++) {
        if (strcasecmp(decl, same[i][0]) == 0)
            return same[i][1];
    }
    if (strncasecmp(decl, "NUMERIC(", 8) == 0 || strncasecmp(decl, "DECIMAL(", 8) == 0) {
        snprintf(buf, n, "DECIMAL%s", decl + 7);
        return buf;
    }
    if (strcasecmp(decl, "NUMERIC") == 0 || strcasecmp(decl, "DECIMAL") == 0)
        return "DECIMAL(65,30)"; /* no precision given: the widest */
    if (strcasestr(decl, "INT"))
        return "BIGINT";
    if (strcasestr(decl, "BLOB") || strcasestr(decl, "BYTEA") || strcasestr(decl, "BINARY"))
        return key ? "VARBINARY(255)" : "LONGBLOB";
    if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB"))
        return "DOUBLE";
    if (strcasestr(decl, "DATETIME") || strcasestr(decl, "TIMESTAMP"))
        return "DATETIME(6)";
    return key ? "VARCHAR(255)" : "LONGTEXT";
}

/* The primary_key setting (a name or a list), for a created table. */
static void config_keys(const struct osr_step_ctx *ctx, struct osr_strv *keys)
{
    json_t *pk = json_object_get(ctx->cfg, "primary_key"), *k;
    size_t i;

    if (json_is_string(pk))
        osr_strv_push(keys, json_string_value(pk));
    json_array_foreach(pk, i, k)
    {
        if (json_is_string(k))
            osr_strv_push(keys, json_string_value(k));
    }
}

/* CREATE TABLE with the input's columns, primary_key as its key. */
static int create_table(struct myw *w, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct osr_strv keys = OSR_STRV_INIT;
    struct osr_buf q;
    char buf[64];
    int rc;

    config_keys(ctx, &keys);
    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    osr_buf_printf(&q, "CREATE TABLE %s (", w->name.ptr);
    for (size_t c = 0; c < schema->names.n; c++) {
        bool key = osr_strv_contains(&keys, schema->names.v[c]);
        osr_buf_puts(&q, c ? ", " : "");
        osr_db_my_ident(&q, NULL, schema->names.v[c]);
        osr_buf_printf(&q, " %s", my_type(schema->types.v[c], key, buf, sizeof(buf)));
    }
    for (size_t k = 0; k < keys.n; k++) {
        osr_buf_puts(&q, k ? ", " : ", PRIMARY KEY (");
        osr_db_my_ident(&q, NULL, keys.v[k]);
    }
    osr_buf_puts(&q, keys.n ? ")) " : ") ");
    osr_buf_puts(&q, "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
    rc = exec(w, ctx, q.ptr);
    w->created = rc == 0;
    osr_buf_dispose(&q);
    osr_strv_dispose(&keys);
    return rc;
}

/* How each input column is sent, from the target column of that name. */
static int plan_columns(struct myw *w, struct osr_step_ctx *ctx, const struct osr_batch *schema,
                        const struct osr_strv *names, const struct osr_strv *types)
{
    static const char *const hex[] = {"binary",     "varbinary", "tinyblob", "blob",
                                      "mediumblob", "longblob",  "bit",      "geometry"};
    static const char *const utc[] = {"date", "datetime", "timestamp", "time"};
    static const char *const ints[] = {"tinyint", "smallint", "mediumint", "int", "bigint"};

    w->conv = osr_xcalloc(w->ncols ? w->ncols : 1, sizeof(*w->conv));
    for (size_t c = 0; names->n && c < w->ncols; c++) { /* none: a dry run, no table yet */
        size_t t = 0;
        while (t < names->n && strcasecmp(names->v[t], schema->names.v[c]) != 0)
            t++;
        if (t == names->n)
            return osr_step_fail(ctx, "step '%s': table %s has no column %s", ctx->step_id,
                                 json_string_value(json_object_get(ctx->cfg, "table")),
                                 schema->names.v[c]);
        for (size_t i = 0; i < OSR_ARRAY_LEN(hex); i++)
            w->conv[c] = strcmp(types->v[t], hex[i]) == 0 ? AS_HEX : w->conv[c];
        for (size_t i = 0; i < OSR_ARRAY_LEN(utc); i++)
            w->conv[c] = strcmp(types->v[t], utc[i]) == 0 ? AS_UTC : w->conv[c];
        for (size_t i = 0; i < OSR_ARRAY_LEN(ints); i++)
            w->conv[c] = strcmp(types->v[t], ints[i]) == 0 ? AS_FLAG : w->conv[c];
    }
    return 0;
}

/* ---- statements ---- */

static void column_list(struct osr_buf *q, const struct osr_batch *schema, bool vars,
                        const enum conv *conv)
{
    osr_buf_puts(q, "(");
    for (size_t c = 0; c < schema->names.n; c++) {
        osr_buf_puts(q, c ? ", " : "");
        if (vars && conv[c] == AS_HEX)
            osr_buf_printf(q, "@osr_c%zu", c);
        else
            osr_db_my_ident(q, NULL, schema->names.v[c]);
    }
    osr_buf_puts(q, ")");
}

/* LOAD DATA for the batches: tab-separated, backslash escapes, \N for null. */
static void load_statement(struct myw *w, const struct osr_batch *schema)
{
    bool set = false;

    osr_buf_printf(&w->sql,
                   "LOAD DATA LOCAL INFILE 'osiris-rows' INTO TABLE %s CHARACTER SET utf8mb4 "
                   "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' ",
                   w->name.ptr);
    column_list(&w->sql, schema, true, w->conv);
    for (size_t c = 0; c < schema->names.n; c++) {
        if (w->conv[c] != AS_HEX)
            continue;
        osr_buf_puts(&w->sql, set ? ", " : " SET ");
        osr_db_my_ident(&w->sql, NULL, schema->names.v[c]);
        osr_buf_printf(&w->sql, " = UNHEX(@osr_c%zu)", c);
        set = true;
    }
}

/* INSERT INTO ... VALUES, and for upsert ON DUPLICATE KEY UPDATE of the other columns. */
static void insert_statement(struct myw *w, const struct osr_batch *schema,
                             const struct osr_strv *keys)
{
    bool any = false;

    osr_buf_printf(&w->head, "INSERT INTO %s ", w->name.ptr);
    column_list(&w->head, schema, false, NULL);
    osr_buf_puts(&w->head, " VALUES ");
    osr_buf_puts(&w->sql, w->head.ptr);
    if (!keys->n)
        return;
    osr_buf_puts(&w->tail, " ON DUPLICATE KEY UPDATE ");
    for (size_t c = 0; c < schema->names.n; c++) {
        if (osr_strv_contains(keys, schema->names.v[c]))
            continue;
        osr_buf_puts(&w->tail, any ? ", " : "");
        osr_db_my_ident(&w->tail, NULL, schema->names.v[c]);
        osr_buf_puts(&w->tail, " = VALUES(");
        osr_db_my_ident(&w->tail, NULL, schema->names.v[c]);
        osr_buf_puts(&w->tail, ")");
        any = true;
    }
    if (!any) { /* every column is a key: a duplicate changes nothing */
        osr_db_my_ident(&w->tail, NULL, keys->v[0]);
        osr_buf_puts(&w->tail, " = ");
        osr_db_my_ident(&w->tail, NULL, keys->v[0]);
    }
}

/* What the server allows: LOAD DATA LOCAL, and the largest statement. */
static int server_limits(struct myw *w, struct osr_step_ctx *ctx)
{
    struct osr_strv a = OSR_STRV_INIT, b = OSR_STRV_INIT;
    int rc = query2(w, ctx, "SELECT @@local_infile, @@max_allowed_packet", &a, &b);
    unsigned long long packet = b.n ? strtoull(b.v[0], NULL, 10) : 0;

    w->load = rc == 0 && a.n && strcmp(a.v[0], "1") == 0;
    w->max_stmt = packet > 4096 && packet - 1024 < STMT_MAX ? packet - 1024 : STMT_MAX;
    osr_strv_dispose(&a);
    osr_strv_dispose(&b);
    return rc;
}

/* START TRANSACTION, then what write_mode does first. A dry run deletes nothing and tries
 * an insert of no row, so missing privileges and columns show. */
static int begin(struct myw *w, struct osr_step_ctx *ctx, const struct osr_batch *schema,
                 const char *mode, bool exists)
{
    bool empty = strcmp(mode, "replace") == 0 || strcmp(mode, "truncate") == 0;
    struct osr_buf q;
    int rc;

    if (exec(w, ctx, "START TRANSACTION") < 0)
        return -1;
    w->in_tx = true;
    if (!exists)
        return 0;
    osr_buf_init(&q, OSR_BUF_UNLIMITED);
    if (empty)
        osr_buf_printf(&q, "DELETE FROM %s%s", w->name.ptr, ctx->dry_run ? " WHERE FALSE" : "");
    rc = q.len ? exec(w, ctx, q.ptr) : 0;
    if (rc == 0 && ctx->dry_run) {
        osr_buf_clear(&q);
        osr_buf_printf(&q, "INSERT INTO %s ", w->name.ptr);
        column_list(&q, schema, false, NULL);
        osr_buf_puts(&q, " SELECT ");
        for (size_t c = 0; c < schema->names.n; c++)
            osr_buf_puts(&q, c ? ", NULL" : "NULL");
        osr_buf_puts(&q, " FROM DUAL WHERE FALSE");
        rc = exec(w, ctx, q.ptr);
    }
    osr_buf_dispose(&q);
    return rc;
}

/* ---- rows ---- */

/* The bytes a cell stands for after its column's conversion (numbers written into num). */
static struct osr_str cell_text(const struct osr_batch *b, const struct osr_cell *v, enum conv cv,
                                char *num, size_t n)
{
    struct osr_str s = {num, 0};

    if (v->type == OSR_V_INT || v->type == OSR_V_REAL) {
        int k = v->type == OSR_V_INT ? snprintf(num, n, "%lld", (long long)v->i)
                                     : snprintf(num, n, "%.17g", v->r);
        s.n = k > 0 ? (size_t)k : 0;
        return s;
    }
    s = (struct osr_str){osr_batch_bytes(b, v), v->len};
    if (cv == AS_FLAG && v->type == OSR_V_TEXT &&
        ((s.n == 4 && memcmp(s.p, "true", 4) == 0) || (s.n == 5 && memcmp(s.p, "false", 5) == 0)))
        return (struct osr_str){s.n == 4 ? "1" : "0", 1};
    if (cv == AS_UTC && v->type == OSR_V_TEXT) {
        static const char *const offsets[] = {"+00:00", "+00", "Z"};
        for (size_t i = 0; i < OSR_ARRAY_LEN(offsets); i++) {
            size_t k = strlen(offsets[i]);
            if (s.n > k + 8 && memcmp(s.p + s.n - k, offsets[i], k) == 0) {
                s.n -= k;
                break;
            }
        }
    }
    return s;
}

static void put_hex(struct osr_buf *out, struct osr_str s)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < s.n; i++) {
        osr_buf_putc(out, digits[(unsigned char)s.p[i] >> 4]);
        osr_buf_putc(out, digits[(unsigned char)s.p[i] & 15]);
    }
}

/* A row as a line of the LOAD file. */
static void load_line(struct myw *w, const struct osr_batch *b, size_t r)
{
    const struct osr_cell *row = osr_batch_row(b, r);
    char num[40];

    osr_buf_clear(&w->line);
    for (size_t c = 0; c < w->ncols; c++) {
        struct osr_str s = cell_text(b, &row[c], w->conv[c], num, sizeof(num));
        osr_buf_puts(&w->line, c ? "\t" : "");
        if (row[c].type == OSR_V_NULL)
            osr_buf_puts(&w->line, "\\N");
        else if (w->conv[c] == AS_HEX)
            put_hex(&w->line, s);
        for (size_t i = 0; row[c].type != OSR_V_NULL && w->conv[c] != AS_HEX && i < s.n; i++) {
            const char *esc = s.p[i] == '\\'   ? "\\\\"
                              : s.p[i] == '\t' ? "\\t"
                              : s.p[i] == '\n' ? "\\n"
                              : s.p[i] == '\r' ? "\\r"
                              : s.p[i] == '\0' ? "\\0"
                                               : NULL;
            if (esc)
                osr_buf_puts(&w->line, esc);
            else
                osr_buf_putc(&w->line, s.p[i]);
        }
    }
    osr_buf_putc(&w->line, '\n');
}

/* The LOAD file: the batch's rows, encoded as the server reads them. */
static long feed(char *out, size_t len, void *payload)
{
    struct myw *w = payload;
    size_t n = 0, k;

    while (n < len) {
        if (w->sent == w->line.len) {
            if (w->row == w->b->nrows)
                break;
            load_line(w, w->b, w->row++);
            w->sent = 0;
            if (osr_buf_failed(&w->line))
                return -1;
        }
        k = w->line.len - w->sent < len - n ? w->line.len - w->sent : len - n;
        memcpy(out + n, w->line.ptr + w->sent, k);
        n += k;
        w->sent += k;
    }
    return (long)n;
}

static int load_batch(struct myw *w, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct osr_db_error e = {OSR_DB_OK, ""};
    uint64_t rows = 0;

    w->b = b;
    w->row = w->sent = 0;
    osr_buf_clear(&w->line);
    if (osr_db_my_load(w->db, w->sql.ptr, feed, w, &rows, &e) < 0)
        return osr_buf_failed(&w->line)
                   ? osr_step_fail(ctx, "step '%s': a row is larger than %u MiB", ctx->step_id,
                                   ROW_MAX >> 20)
                   : osr_step_fail_db(ctx, &e);
    if (rows != b->nrows)
        return osr_step_fail(ctx, "step '%s': the server took %llu of %zu rows", ctx->step_id,
                             (unsigned long long)rows, b->nrows);
    return 0;
}

/* A row as "(v, ...)" of an INSERT. */
static void insert_values(struct myw *w, const struct osr_batch *b, size_t r)
{
    const struct osr_cell *row = osr_batch_row(b, r);
    char num[40];

    osr_buf_clear(&w->line);
    osr_buf_putc(&w->line, '(');
    for (size_t c = 0; c < w->ncols; c++) {
        const struct osr_cell *v = &row[c];
        struct osr_str s = cell_text(b, v, w->conv[c], num, sizeof(num));
        osr_buf_puts(&w->line, c ? ", " : "");
        if (v->type == OSR_V_NULL) {
            osr_buf_puts(&w->line, "NULL");
        } else if (w->conv[c] == AS_HEX || v->type == OSR_V_BLOB) {
            osr_buf_puts(&w->line, "X'");
            put_hex(&w->line, s);
            osr_buf_putc(&w->line, '\'');
        } else if (v->type == OSR_V_INT || (v->type == OSR_V_REAL && isfinite(v->r))) {
            osr_buf_put(&w->line, s.p, s.n);
        } else {
            osr_db_my_literal(&w->line, s.p, s.n);
        }
    }
    osr_buf_putc(&w->line, ')');
}

/* Sends the INSERT filled so far. */
static int insert_flush(struct myw *w, struct osr_step_ctx *ctx)
{
    int rc;

    if (!w->pending)
        return 0;
    osr_buf_put(&w->sql, w->tail.ptr, w->tail.len);
    rc = osr_buf_failed(&w->sql)
             ? osr_step_fail(ctx, "step '%s': an INSERT outgrew its buffer", ctx->step_id)
             : exec(w, ctx, w->sql.ptr);
    osr_buf_clear(&w->sql);
    osr_buf_put(&w->sql, w->head.ptr, w->head.len);
    w->pending = 0;
    return rc;
}

static int insert_row(struct myw *w, struct osr_step_ctx *ctx, const struct osr_batch *b, size_t r)
{
    insert_values(w, b, r);
    if (osr_buf_failed(&w->line) || w->head.len + w->line.len + w->tail.len > w->max_stmt)
        return osr_step_fail(ctx,
                             "step '%s': a row does not fit in one statement (the server's "
                             "max_allowed_packet allows %zu bytes)",
                             ctx->step_id, w->max_stmt);
    if (w->sql.len + 2 + w->line.len + w->tail.len > w->max_stmt && insert_flush(w, ctx) < 0)
        return -1;
    osr_buf_puts(&w->sql, w->pending++ ? ", " : "");
    osr_buf_put(&w->sql, w->line.ptr, w->line.len);
    return 0;
}

/* ---- the writer ---- */

static void w_abort(void *state)
{
    struct myw *w = state;
    struct osr_db_error e;

    if (!w)
        return;
    if (w->db && w->in_tx)
        osr_db_my_exec(w->db, "ROLLBACK", &e);
    if (w->db && w->created) { /* a table made for this run goes with it */
        char *drop = osr_xasprintf("DROP TABLE %s", w->name.ptr);
        osr_db_my_exec(w->db, drop, &e);
        free(drop);
    }
    if (w->db)
        w->ops->close(w->db);
    osr_buf_dispose(&w->name);
    osr_buf_dispose(&w->sql);
    osr_buf_dispose(&w->head);
    osr_buf_dispose(&w->tail);
    osr_buf_dispose(&w->line);
    free(w->conv);
    free(w);
}

static struct myw *writer_new(struct osr_step_ctx *ctx, size_t ncols)
{
    struct myw *w = osr_xcalloc(1, sizeof(*w));

    w->ops = osr_db_ops_get("mysql");
    w->opts = osr_step_db_opts(ctx, false);
    w->opts.local_infile = true;
    w->ncols = ncols;
    osr_buf_init(&w->name, 4096);
    osr_buf_init(&w->sql, OSR_BUF_UNLIMITED);
    osr_buf_init(&w->head, OSR_BUF_UNLIMITED);
    osr_buf_init(&w->tail, OSR_BUF_UNLIMITED);
    osr_buf_init(&w->line, ROW_MAX);
    return w;
}

static int connect_target(struct myw *w, struct osr_step_ctx *ctx)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    if (w->ops->open(&w->db, ctx->conn, &w->opts, &e) < 0)
        return osr_step_fail_db(ctx, &e);
    if (exec(w, ctx,
             "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION', "
             "time_zone = '+00:00'") < 0)
        return -1;
    return server_limits(w, ctx);
}

static int w_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct myw *w = writer_new(ctx, schema->names.n);
    struct osr_strv keys = OSR_STRV_INIT, names = OSR_STRV_INIT, types = OSR_STRV_INIT;
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    const char *mode;
    bool exists;
    int rc = -1;

    *state = w;
    if (!ctx->conn || !table) {
        osr_step_fail(ctx, "step '%s' needs a connection and a table", ctx->step_id);
        goto done;
    }
    if (!(mode = osr_step_write_mode(ctx, &keys)))
        goto done;
    osr_db_my_ident(&w->name, json_string_value(json_object_get(ctx->cfg, "schema")), table);
    if (connect_target(w, ctx) < 0 || target_columns(w, ctx, &names, &types) < 0)
        goto done;
    if (!(exists = names.n > 0) && osr_step_may_create(ctx, mode, table) < 0)
        goto done;
    if (!exists && !ctx->dry_run && /* a dry run creates nothing */
        (create_table(w, ctx, schema) < 0 || target_columns(w, ctx, &names, &types) < 0))
        goto done;
    if ((names.n && check_engine(w, ctx) < 0) ||
        (names.n && keys.n && check_unique_key(w, ctx, &keys) < 0) ||
        plan_columns(w, ctx, schema, &names, &types) < 0 || begin(w, ctx, schema, mode, exists) < 0)
        goto done;
    w->load = w->load && strcmp(mode, "upsert") != 0;
    if (w->load)
        load_statement(w, schema);
    else
        insert_statement(w, schema, &keys);
    rc = 0;
done:
    osr_strv_dispose(&keys);
    osr_strv_dispose(&names);
    osr_strv_dispose(&types);
    return rc;
}

static int w_write(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct myw *w = state;

    if (!b->nrows)
        return 0;
    if (w->load)
        return load_batch(w, ctx, b);
    for (size_t r = 0; r < b->nrows; r++) {
        if (insert_row(w, ctx, b, r) < 0)
            return -1;
    }
    return 0;
}

static int w_commit(void *state, struct osr_step_ctx *ctx)
{
    struct myw *w = state;
    int rc = w->load ? 0 : insert_flush(w, ctx);

    if (rc == 0)
        rc = exec(w, ctx, ctx->dry_run ? "ROLLBACK" : "COMMIT");
    if (rc == 0) {
        w->in_tx = false;
        w->created = false; /* the table stays */
    }
    w_abort(w);
    return rc;
}

const struct osr_writer_ops osr_mysql_writer = {"mysql.writer", w_open, w_write, w_commit, w_abort};
