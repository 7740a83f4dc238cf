/*
 * pg_writer.c - postgres.writer (and supabase.writer, the same over a Supabase project's
 * Postgres endpoint): rows into a table through COPY ... FROM STDIN, all in one
 * transaction (created, replaced or emptied as write_mode says), committed at the end; an
 * aborted run closes the session, so PostgreSQL rolls everything back.
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
};

static int fail_db(struct osr_step_ctx *ctx, const struct osr_db_error *e)
{
    return osr_step_fail(ctx, "step '%s': %s: %s", ctx->step_id, osr_db_category_name(e->category),
                         e->message);
}

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
    free(w);
}

static int w_open(void **state, struct osr_step_ctx *ctx, const struct osr_batch *schema)
{
    struct pgw *w = osr_xcalloc(1, sizeof(*w));
    const char *table = json_string_value(json_object_get(ctx->cfg, "table"));
    const char *sch = json_string_value(json_object_get(ctx->cfg, "schema"));
    bool supabase = ctx->component && strncmp(ctx->component, "supabase.", 9) == 0;
    const char *mode;
    struct osr_db_error e = {OSR_DB_OK, ""};
    struct osr_buf sql;
    char *name = NULL;
    bool exists = false;
    int rc = -1;

    *state = w;
    osr_buf_init(&w->line, 64u << 20);
    osr_buf_init(&sql, 16u << 20);
    w->ops = osr_db_ops_get("postgres");
    w->opts = (struct osr_db_opts){.connect_timeout_s = 5,
                                   .statement_timeout_s = -1,
                                   .base_path = ctx->base_path,
                                   .secret_values = ctx->secrets};
    if (!ctx->conn || !table) {
        osr_step_fail(ctx, "step '%s' needs a connection and a table", ctx->step_id);
        goto done;
    }
    if (!(mode = osr_step_write_mode(ctx, NULL)))
        goto done;
    if ((supabase ? osr_db_supabase_pg_open : w->ops->open)(&w->db, ctx->conn, &w->opts, &e) < 0 ||
        osr_db_pg_exec(w->db, "BEGIN", &e) < 0 ||
        osr_db_pg_table_exists(w->db, sch, table, &exists, &e) < 0) {
        fail_db(ctx, &e);
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
    if (exists && strcmp(mode, "replace") == 0) {
        osr_buf_printf(&sql, "DROP TABLE %s", name);
        if (osr_db_pg_exec(w->db, sql.ptr, &e) < 0) {
            fail_db(ctx, &e);
            goto done;
        }
        osr_buf_clear(&sql);
        exists = false;
    }
    if (!exists) {
        if (json_is_false(json_object_get(ctx->cfg, "create_if_missing")) &&
            strcmp(mode, "replace") != 0) {
            osr_step_fail(ctx, "step '%s': table %s does not exist and create_if_missing is false",
                          ctx->step_id, table);
            goto done;
        }
        osr_buf_printf(&sql, "CREATE TABLE %s (", name);
        for (size_t c = 0; c < schema->names.n; c++) {
            char *col = osr_db_pg_ident(w->db, schema->names.v[c]), buf[64];
            osr_buf_printf(&sql, "%s%s %s", c ? ", " : "", col,
                           pg_type(schema->types.v[c], buf, sizeof(buf)));
            free(col);
        }
        osr_buf_puts(&sql, ")");
    } else if (strcmp(mode, "truncate") == 0) {
        osr_buf_printf(&sql, "TRUNCATE %s", name);
    }
    if (sql.len && osr_db_pg_exec(w->db, sql.ptr, &e) < 0) {
        fail_db(ctx, &e);
        goto done;
    }
    osr_buf_clear(&sql);
    osr_buf_printf(&sql, "COPY %s (", name);
    for (size_t c = 0; c < schema->names.n; c++) {
        char *col = osr_db_pg_ident(w->db, schema->names.v[c]);
        osr_buf_printf(&sql, "%s%s", c ? ", " : "", col);
        free(col);
    }
    osr_buf_puts(&sql, ") FROM STDIN");
    if (osr_db_pg_copy_begin(w->db, sql.ptr, &e) < 0) {
        fail_db(ctx, &e);
        goto done;
    }
    rc = 0;
done:
    osr_buf_dispose(&sql);
    free(name);
    return rc;
}

/* A value in COPY's text format: backslash, tab, newline and carriage return escaped. */
static void put_text(struct osr_buf *b, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (p[i]) {
        case '\\':
            osr_buf_puts(b, "\\\\");
            break;
        case '\t':
            osr_buf_puts(b, "\\t");
            break;
        case '\n':
            osr_buf_puts(b, "\\n");
            break;
        case '\r':
            osr_buf_puts(b, "\\r");
            break;
        default:
            osr_buf_putc(b, p[i]);
        }
    }
}

static int flush(struct pgw *w, struct osr_step_ctx *ctx)
{
    struct osr_db_error e = {OSR_DB_OK, ""};

    if (osr_buf_failed(&w->line))
        return osr_step_fail(ctx, "step '%s': a row is too large to send", ctx->step_id);
    if (w->line.len && osr_db_pg_copy_put(w->db, w->line.ptr, w->line.len, &e) < 0)
        return fail_db(ctx, &e);
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
            if (v->type == OSR_V_INT) {
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
                    osr_db_pg_exec(w->db, ctx->dry_run ? "ROLLBACK" : "COMMIT", &e) < 0))
        rc = fail_db(ctx, &e);
    w_abort(w);
    return rc;
}

const struct osr_writer_ops osr_pg_writer = {"postgres.writer", w_open, w_write, w_commit, w_abort};
const struct osr_writer_ops osr_supabase_writer = {"supabase.writer", w_open, w_write, w_commit,
                                                   w_abort};
