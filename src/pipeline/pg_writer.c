/*
 * pg_writer.c - postgres.writer (and supabase.writer, the same over a Supabase project's
 * Postgres endpoint): rows into a table through COPY ... FROM STDIN, all in one
 * transaction (created, replaced or emptied as write_mode says), committed at the end; an
 * aborted run closes the session, so PostgreSQL rolls everything back. write_mode upsert
 * copies into a temporary stage table and merges it on primary_key at the end.
 */
#include "core/alloc.h"
#include "db/db.h"
#include "db/postgres.h"
#include "pipeline/steps.h"

#include <stdio.h>

#define FLUSH_AT (256u << 10)

struct pgw {
    const struct osr_db_ops *ops;
    osr_db *db;
    struct osr_buf line;
    struct osr_db_opts opts;
    char *merge; /* upsert: the statement that merges the stage table into the target */
};

/* The column type for a created table, from the source's declared type (REAL, a double in
 * SQLite, becomes DOUBLE PRECISION: nothing is narrowed; NUMERIC keeps its precision). */
static const char *pg_type(const char *decl, char *buf, size_t n)
{
    static const char *const same[] = {"SMALLINT", "BIGINT", "DOUBLE PRECISION", "NUMERIC",
                                       "BOOLEAN",  "DATE",   "TIMESTAMP",        "TIMESTAMPTZ",
                                       "TIME",     "TEXT"};

    for (size_t i = 0; i < OSR_ARRAY_LEN(same); i++) {
        if (strcasecmp(decl, same[i]) == 0)
            return same[i];
    }
    if (strncasecmp(decl, "NUMERIC(", 8) == 0 || strncasecmp(decl, "DECIMAL(", 8) == 0) {
        snprintf(buf, n, "NUMERIC%s", decl + 7);
        return buf;
    }
    if (strcasestr(decl, "INT")) /* SQLite's integers are 64 bits */
        return "BIGINT";
    if (strcasestr(decl, "BLOB") || strcasestr(decl, "BYTEA"))
        return "BYTEA";
    if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB"))
        return "DOUBLE PRECISION";
    if (strcasecmp(decl, "DATETIME") == 0)
        return "TIMESTAMP";
    return "TEXT";
}

static void w_abort(void *state)
{
    struct pgw *w = state;

    if (!w)
        return;
    if (w->db)
        w->ops->close(w->db); /* the server rolls the open transaction back */
    osr_buf_dispose(&w->line);
    free(w->merge);
    free(w);
}

/* Appends the quoted column names of `cols` (the `keys` when given) separated by commas,
 * each prefixed by `prefix`. */
static void put_columns(struct pgw *w, struct osr_buf *sql, const struct osr_strv *cols,
                        const char *prefix)
{
    for (size_t c = 0; c < cols->n; c++) {
        char *col = osr_db_pg_ident(w->db, cols->v[c]);
        osr_buf_printf(sql, "%s%s%s", c ? ", " : "", prefix, col);
        free(col);
    }
}

/* Drops, creates or empties table `name` as write_mode says; an upsert target is created
 * with its keys as primary key. */
static int prepare_table(struct pgw *w, struct osr_step_ctx *ctx, const char *name,
                         const struct osr_batch *schema, const char *mode,
                         const struct osr_strv *keys)
{
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    const char *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct osr_buf sql;
    bool exists = false;
    int rc = 0;

    osr_buf_init(&sql, 16u << 20);
    if (osr_db_pg_table_exists(w->db, sch, table, &exists, &e) < 0)
        rc = osr_step_fail_db(ctx, &e);
    else if (exists && strcmp(mode, "replace") == 0) {
        osr_buf_printf(&sql, "DROP TABLE %s", name);
        if (osr_db_pg_exec(w->db, sql.ptr, &e) < 0)
            rc = osr_step_fail_db(ctx, &e);
        osr_buf_clear(&sql);
        exists = false;
    }
    if (rc == 0 && !exists && (rc = osr_step_may_create(ctx, mode, table)) == 0) {
        osr_buf_printf(&sql, "CREATE TABLE %s (", name);
        for (size_t c = 0; c < schema->names.n; c++) {
            char *col = osr_db_pg_ident(w->db, schema->names.v[c]), buf[64];
            osr_buf_printf(&sql, "%s%s %s", c ? ", " : "", col,
                           pg_type(schema->types.v[c], buf, sizeof(buf)));
            free(col);
        }
        if (keys->n) {
            osr_buf_puts(&sql, ", PRIMARY KEY (");
            put_columns(w, &sql, keys, "");
            osr_buf_puts(&sql, ")");
        }
        osr_buf_puts(&sql, ")");
    } else if (rc == 0 && strcmp(mode, "truncate") == 0) {
        osr_buf_printf(&sql, "TRUNCATE %s", name);
    }
    if (rc == 0 && sql.len && osr_db_pg_exec(w->db, sql.ptr, &e) < 0)
        rc = osr_step_fail_db(ctx, &e);
    osr_buf_dispose(&sql);
    return rc;
}

/* An upsert copies the rows into a temporary stage table (numbered in arrival order) and
 * merges it at commit: INSERT ... ON CONFLICT (keys) DO UPDATE, the last row of a key
 * winning. */
static int stage_upsert(struct pgw *w, struct osr_step_ctx *ctx, const char *name,
                        const struct osr_batch *schema, const struct osr_strv *keys)
{
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct osr_buf sql, merge;
    size_t set = 0;
    int rc = 0;

    osr_buf_init(&sql, 16u << 20);
    osr_buf_init(&merge, 16u << 20);
    osr_buf_puts(&sql, "CREATE TEMP TABLE osiris_stage ON COMMIT DROP AS SELECT ");
    put_columns(w, &sql, &schema->names, "");
    osr_buf_printf(&sql, " FROM %s WITH NO DATA", name);
    osr_buf_printf(&merge, "INSERT INTO %s (", name);
    put_columns(w, &merge, &schema->names, "");
    osr_buf_puts(&merge, ") SELECT DISTINCT ON (");
    put_columns(w, &merge, keys, "");
    osr_buf_puts(&merge, ") ");
    put_columns(w, &merge, &schema->names, "");
    osr_buf_puts(&merge, " FROM osiris_stage ORDER BY ");
    put_columns(w, &merge, keys, "");
    osr_buf_puts(&merge, ", osiris_ord DESC ON CONFLICT (");
    put_columns(w, &merge, keys, "");
    osr_buf_puts(&merge, ") DO ");
    for (size_t c = 0; c < schema->names.n; c++) {
        char *col;
        if (osr_strv_contains(keys, schema->names.v[c]))
            continue;
        col = osr_db_pg_ident(w->db, schema->names.v[c]);
        osr_buf_printf(&merge, "%s%s = EXCLUDED.%s", set++ ? ", " : "UPDATE SET ", col, col);
        free(col);
    }
    if (!set)
        osr_buf_puts(&merge, "NOTHING");
    if (osr_db_pg_exec(w->db, sql.ptr, &e) < 0 ||
        osr_db_pg_exec(w->db,
                       "ALTER TABLE osiris_stage ADD COLUMN osiris_ord bigint GENERATED "
                       "ALWAYS AS IDENTITY",
                       &e) < 0)
        rc = osr_step_fail_db(ctx, &e);
    w->merge = osr_buf_take(&merge);
    osr_buf_dispose(&sql);
    return rc;
}

static int w_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct pgw *w = osr_xcalloc(1, sizeof(*w));
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    const char *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    bool supabase = ctx->component && strncmp(ctx->component, "supabase.", 9) == 0;
    const char *mode;
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct osr_strv keys = OSR_STRV_INIT;
    struct osr_buf sql;
    char *name = NULL;
    int rc = -1;

    *state = w;
    osr_buf_init(&w->line, 64u << 20);
    osr_buf_init(&sql, 16u << 20);
    w->ops = osr_db_ops_get("postgres");
    w->opts = osr_step_db_opts(ctx, false);
    if (!ctx->conn || !table) {
        osr_step_fail(ctx, "step '%s' needs a connection and a table", ctx->step_id);
        goto done;
    }
    if (!(mode = osr_step_write_mode(ctx, &keys)) || osr_step_keys_check(ctx, &keys, schema) < 0)
        goto done;
    if ((supabase ? osr_db_supabase_pg_open : w->ops->open)(&w->db, ctx->conn, &w->opts, &e) < 0 ||
        osr_db_pg_exec(w->db, "BEGIN", &e) < 0) {
        osr_step_fail_db(ctx, &e);
        goto done;
    }
    if (sch) {
        char *s = osr_db_pg_ident(w->db, sch), *t = osr_db_pg_ident(w->db, table);
        name = osr_xasprintf("%s.%s", s, t);
        free(s);
        free(t);
    } else {
        name = osr_db_pg_ident(w->db, table);
    }
    if (prepare_table(w, ctx, name, schema, mode, &keys) < 0 ||
        (keys.n && stage_upsert(w, ctx, name, schema, &keys) < 0))
        goto done;
    osr_buf_printf(&sql, "COPY %s (", keys.n ? "osiris_stage" : name);
    put_columns(w, &sql, &schema->names, "");
    osr_buf_puts(&sql, ") FROM STDIN");
    if (osr_db_pg_copy_begin(w->db, sql.ptr, &e) < 0) {
        osr_step_fail_db(ctx, &e);
        goto done;
    }
    rc = 0;
done:
    osr_strv_dispose(&keys);
    osr_buf_dispose(&sql);
    free(name);
    return rc;
}

/* A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
static void put_text(struct osr_buf *b, const char *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t run = i;
        while (run < len && p[run] != '\\' && p[run] != '\t' && p[run] != '\n' && p[run] != '\r')
            run++;
        osr_buf_put(b, p + i, run - i); /* the plain stretch at once */
        if (run == len)
            break;
        osr_buf_puts(b, p[run] == '\\'   ? "\\\\"
                        : p[run] == '\t' ? "\\t"
                        : p[run] == '\n' ? "\\n"
                                         : "\\r");
        i = run + 1;
    }
}

static int flush(struct pgw *w, struct osr_step_ctx *ctx)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    if (osr_buf_failed(&w->line))
        return osr_step_fail(ctx, "step '%s': a row is too large to send", ctx->step_id);
    if (w->line.len && osr_db_pg_copy_put(w->db, w->line.ptr, w->line.len, &e) < 0)
        return osr_step_fail_db(ctx, &e);
    osr_buf_clear(&w->line);
    return 0;
}

static int w_write(void *state, struct osr_step_ctx *ctx, const struct osr_batch *b)
{
    struct pgw *w = state;
    char num[40];

    for (size_t r = 0; r < b->nrows; r++) {
        const struct osr_cell *row = osr_batch_row(b, r);
        for (size_t c = 0; c < b->names.n; c++) {
            const struct osr_cell *v = &row[c];
            if (c)
                osr_buf_putc(&w->line, '\t');
            if ((v->type == OSR_V_INT || v->type == OSR_V_REAL) && v->len) {
                osr_buf_put(&w->line, osr_batch_bytes(b, v), v->len); /* the source's text */
            } else if (v->type == OSR_V_INT) {
                snprintf(num, sizeof(num), "%lld", (long long)v->i);
                osr_buf_puts(&w->line, num);
            } else if (v->type == OSR_V_REAL) {
                snprintf(num, sizeof(num), "%.17g", v->r);
                osr_buf_puts(&w->line, num);
            } else if (v->type == OSR_V_TEXT) {
                put_text(&w->line, osr_batch_bytes(b, v), v->len);
            } else if (v->type == OSR_V_BLOB) {
                const unsigned char *p = (const unsigned char *)osr_batch_bytes(b, v);
                osr_buf_puts(&w->line, "\\\\x");
                for (size_t i = 0; i < v->len; i++)
                    osr_buf_printf(&w->line, "%02x", p[i]);
            } else {
                osr_buf_puts(&w->line, "\\N");
            }
        }
        osr_buf_putc(&w->line, '\n');
        if (w->line.len > FLUSH_AT && flush(w, ctx) < 0)
            return -1;
    }
    return flush(w, ctx);
}

static int w_commit(void *state, struct osr_step_ctx *ctx)
{
    struct pgw *w = state;
    struct osr_db_error e = {OSR_DB_OK, ""};
    int rc = flush(w, ctx);

    if (rc == 0 && (osr_db_pg_copy_end(w->db, &e) < 0 ||
                    (w->merge && osr_db_pg_exec(w->db, w->merge, &e) < 0) ||
                    osr_db_pg_exec(w->db, ctx->dry_run ? "ROLLBACK" : "COMMIT", &e) < 0))
        rc = osr_step_fail_db(ctx, &e);
    if (rc < 0 && w->merge && strstr(ctx->err, "ON CONFLICT")) {
        char why[sizeof(ctx->err)];
        snprintf(why, sizeof(why), "%s", ctx->err);
        osr_step_fail(ctx, "%.900s (upsert needs a primary key or unique index on primary_key)",
                      why);
    }
    w_abort(w);
    return rc;
}

const struct osr_writer_ops osr_pg_writer = {"postgres.writer", w_open, w_write, w_commit, w_abort};
const struct osr_writer_ops osr_supabase_writer = {"supabase.writer", w_open, w_write, w_commit,
                                                   w_abort};
