/*
 * csv_extractor.c - filesystem.csv_extractor: a CSV file read in constant memory.
 *
 * The file (`path`, relative to the connection's or the step's `base_dir`, else to the
 * workspace) is read record by record (db/csv.h: quoted fields with delimiters, quotes
 * and line breaks). Every value is text; a value listed in `null_values` is null. The
 * header names the columns (or `columns` does, when header is false; with a header,
 * `columns` keeps those columns in that order). A row with another number of fields than
 * the header is a bad row: `on_bad_rows` fail stops the step with its line number, skip
 * drops it, reject_file drops it and writes it to <workspace>/rejects/<step>.csv with its
 * line number. latin-1 files are converted to UTF-8. gzip files (compression: gzip, or a
 * name ending in .gz) are decompressed as they are read.
 */
#include "core/alloc.h"
#include "core/fsutil.h"
#include "db/csv.h"
#include "pipeline/steps.h"

#include <errno.h>
#include <stdio.h>

#define MAX_FIELD (16u << 20)

/* latin-1 bytes as UTF-8 (owned). */
static char *latin1_to_utf8(const char *p, size_t len, size_t *out_len)
{
    char *out = osr_xmalloc(len * 2 + 1);
    size_t n = 0;

    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            out[n++] = (char)c;
        } else {
            out[n++] = (char)(0xc0 | (c >> 6));
            out[n++] = (char)(0x80 | (c & 0x3f));
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

static bool is_null(json_t *nulls, const char *v)
{
    json_t *x;
    size_t i;

    json_array_foreach(nulls, i, x)
    {
        if (json_is_string(x) && strcmp(json_string_value(x), v) == 0)
            return true;
    }
    return false;
}

/* Writes a rejected record, with its line, to the reject file (opened on first use). */
static void reject(struct osr_step_ctx *ctx, FILE **rf, const struct osr_csv *c)
{
    if (!*rf) {
        char *dir = osr_path_join(ctx->base_path, "rejects");
        char *name = osr_xasprintf("%s.csv", ctx->step_id), *path = osr_path_join(dir, name);
        if (osr_fs_mkdir_p(dir, 0700) == 0 && (*rf = fopen(path, "we")))
            fputs("line,record\n", *rf);
        free(path);
        free(name);
        free(dir);
    }
    if (!*rf)
        return;
    fprintf(*rf, "%lu,\"", c->line);
    for (size_t i = 0; i < c->fields.n; i++) {
        if (i)
            putc(c->delim, *rf);
        for (const char *p = c->fields.v[i]; *p; p++) {
            if (*p == '"')
                putc('"', *rf);
            putc(*p, *rf);
        }
    }
    fputs("\"\n", *rf);
}

/* A reading in progress. */
struct csvx {
    struct osr_step_ctx *ctx;
    const char *rel, *bad; /* the path as configured; on_bad_rows */
    json_t *nulls;
    bool latin1, header;
    struct osr_csv c;
    struct osr_batch b;
    size_t *pick, nfields; /* the file's field of each column; fields per record */
    FILE *rf;              /* the reject file, once a row is rejected */
};

/* Fails the step with the reader's error at its line ("file:line: reason"). */
static int fail_at(struct csvx *x)
{
    const char *why = strstr(x->c.error, ": "); /* the reader's text starts "line N: " */

    return osr_step_fail(x->ctx, "step '%s': %s:%lu: %s", x->ctx->step_id, x->rel, x->c.line,
                         why ? why + 2 : x->c.error);
}

/* Opens the file, skips skip_rows and reads the header. */
static int open_file(struct csvx *x)
{
    struct osr_step_ctx *ctx = x->ctx;
    const char *delim = osr_step_str(ctx, "delimiter", ","),
               *quote = osr_step_str(ctx, "quotechar", "\""),
               *base = osr_step_str(ctx, "base_dir", NULL);
    json_t *skip = json_object_get(ctx->cfg, "skip_rows");
    long long to_skip = json_is_integer(skip) ? (long long)json_integer_value(skip) : 0;
    char *dir = base ? osr_path_absolute(base, ctx->base_path) : osr_xstrdup(ctx->base_path);
    char *path = osr_path_absolute(x->rel, dir);
    int rc = 0, r = 1;

    if (strlen(delim) != 1 || strlen(quote) != 1)
        rc = osr_step_fail(ctx, "step '%s': delimiter and quotechar are one character each",
                           ctx->step_id);
    else if (osr_csv_open(&x->c, path, osr_step_gzip(ctx, path), *delim, *quote, MAX_FIELD) < 0)
        rc = osr_step_fail(ctx, "step '%s': cannot read %s: %s", ctx->step_id, x->rel,
                           strerror(errno));
    while (rc == 0 && to_skip-- > 0 && (r = osr_csv_next(&x->c)) == 1)
        ;
    if (rc == 0 && x->header && (r = osr_csv_next(&x->c)) < 0)
        rc = fail_at(x);
    else if (rc == 0 && x->header)
        x->nfields = r == 1 ? x->c.fields.n : 0;
    free(path);
    free(dir);
    return rc;
}

/* The columns: the header's, or those of `columns` (picked from the header by name). */
static int pick_columns(struct csvx *x)
{
    json_t *cols = json_object_get(x->ctx->cfg, "columns");
    size_t n = json_array_size(cols);

    if (!n && !x->header)
        return osr_step_fail(x->ctx, "step '%s': without a header, name the columns with `columns`",
                             x->ctx->step_id);
    if (n)
        x->pick = osr_xcalloc(n, sizeof(*x->pick));
    for (size_t i = 0; i < (n ? n : x->nfields); i++) {
        const char *name = n ? json_string_value(json_array_get(cols, i)) : x->c.fields.v[i];
        size_t k = i;
        if (!name)
            return osr_step_fail(x->ctx, "step '%s': columns are names", x->ctx->step_id);
        if (n && x->header) { /* a named column: found in the header */
            for (k = 0; k < x->nfields && strcmp(x->c.fields.v[k], name) != 0; k++)
                ;
            if (k == x->nfields)
                return osr_step_fail(x->ctx, "step '%s': %s has no column '%s'", x->ctx->step_id,
                                     x->rel, name);
        }
        if (n)
            x->pick[i] = k;
        osr_strv_push(&x->b.names, name);
        osr_strv_push(&x->b.types, "");
    }
    if (n && !x->header)
        x->nfields = n;
    return 0;
}

/* The current record into `row`: text cells, null where null_values says. */
static int put_row(struct csvx *x, struct osr_cell *row)
{
    for (size_t k = 0; k < x->b.names.n; k++) {
        const char *v = x->c.fields.v[x->pick ? x->pick[k] : k];
        size_t len = strlen(v);
        char *conv = NULL;
        int r;
        if (is_null(x->nulls, v))
            continue; /* the cell stays null */
        if (x->latin1)
            v = conv = latin1_to_utf8(v, len, &len);
        r = osr_batch_set_bytes(&x->b, &row[k], OSR_V_TEXT, v, len);
        free(conv);
        if (r < 0)
            return osr_step_fail(x->ctx, "step '%s': %s:%lu: a row larger than a batch",
                                 x->ctx->step_id, x->rel, x->c.line);
    }
    return 0;
}

/* A record whose field count is not the header's: fail, skip or reject, per on_bad_rows. */
static int bad_row(struct csvx *x)
{
    if (strcmp(x->bad, "fail") == 0)
        return osr_step_fail(x->ctx,
                             "step '%s': %s:%lu: %zu fields where the header has %zu "
                             "(on_bad_rows: skip or reject_file to go on)",
                             x->ctx->step_id, x->rel, x->c.line, x->c.fields.n, x->nfields);
    if (strcmp(x->bad, "reject_file") == 0)
        reject(x->ctx, &x->rf, &x->c);
    return 0;
}

static int read_rows(struct csvx *x, osr_emit_fn emit, void *payload)
{
    json_t *lim = json_object_get(x->ctx->cfg, "limit");
    long long limit = json_is_integer(lim) ? (long long)json_integer_value(lim) : -1, rows = 0;
    struct osr_cell *row;
    int r = 0;

    while ((limit < 0 || rows < limit) && (r = osr_csv_next(&x->c)) == 1) {
        if (x->c.fields.n != x->nfields) {
            if (bad_row(x) < 0)
                return -1;
            continue;
        }
        if (!(row = osr_batch_add_row(&x->b))) {
            if (emit(&x->b, payload) < 0)
                return -1;
            osr_batch_clear(&x->b);
            row = osr_batch_add_row(&x->b);
        }
        if (put_row(x, row) < 0)
            return -1;
        rows++;
        if (x->b.arena.len > (8u << 20)) {
            if (emit(&x->b, payload) < 0)
                return -1;
            osr_batch_clear(&x->b);
        }
    }
    if (r < 0)
        return fail_at(x);
    return x->b.nrows && emit(&x->b, payload) < 0 ? -1 : 0;
}

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    struct csvx x = {.ctx = ctx,
                     .rel = osr_step_str(ctx, "path", NULL),
                     .bad = osr_step_str(ctx, "on_bad_rows", "fail"),
                     .nulls = json_object_get(ctx->cfg, "null_values"),
                     .latin1 = strcmp(osr_step_str(ctx, "encoding", "utf-8"), "latin-1") == 0,
                     .header = !json_is_false(json_object_get(ctx->cfg, "header")),
                     .c = {.fd = -1}};
    int rc = -1;

    osr_batch_init(&x.b, osr_step_batch_size(ctx), 64u << 20);
    if (!x.rel)
        osr_step_fail(ctx, "step '%s' has no path", ctx->step_id);
    else if (open_file(&x) == 0 && pick_columns(&x) == 0) {
        if (emit(&x.b, payload) < 0)
            rc = -1;
        else
            rc = ctx->dry_run ? 0 : read_rows(&x, emit, payload);
    }
    if (x.rf)
        fclose(x.rf);
    if (x.c.fd >= 0)
        osr_csv_close(&x.c);
    osr_batch_dispose(&x.b);
    free(x.pick);
    return rc;
}

const struct osr_extractor_ops osr_csv_extractor = {"filesystem.csv_extractor", extract};
