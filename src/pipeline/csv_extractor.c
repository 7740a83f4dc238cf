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

static int extract(struct osr_step_ctx *ctx, osr_emit_fn emit, void *payload)
{
    const char *rel = osr_step_str(ctx, "path", NULL), *delim = osr_step_str(ctx, "delimiter", ",");
    const char *quote = osr_step_str(ctx, "quotechar", "\""),
               *base = osr_step_str(ctx, "base_dir", NULL);
    const char *bad = osr_step_str(ctx, "on_bad_rows", "fail");
    bool latin1 = strcmp(osr_step_str(ctx, "encoding", "utf-8"), "latin-1") == 0;
    bool header = !json_is_false(json_object_get(ctx->cfg, "header"));
    json_t *cols = json_object_get(ctx->cfg, "columns"),
           *nulls = json_object_get(ctx->cfg, "null_values");
    json_t *lim = json_object_get(ctx->cfg, "limit"),
           *skip = json_object_get(ctx->cfg, "skip_rows");
    size_t cap = osr_step_batch_size(ctx);
    long long limit = json_is_integer(lim) ? (long long)json_integer_value(lim) : -1, rows = 0;
    long long to_skip = json_is_integer(skip) ? (long long)json_integer_value(skip) : 0;
    char *dir = NULL, *path = NULL;
    size_t *pick = NULL, npick = 0, nfields = 0;
    struct osr_csv c = {.fd = -1};
    struct osr_batch b;
    FILE *rf = NULL;
    int rc = -1, r;

    osr_batch_init(&b, cap, 64u << 20);
    if (!rel) {
        osr_step_fail(ctx, "step '%s' has no path", ctx->step_id);
        goto done;
    }
    dir = base ? osr_path_absolute(base, ctx->base_path) : osr_xstrdup(ctx->base_path);
    path = osr_path_absolute(rel, dir);
    if (strlen(delim) != 1 || strlen(quote) != 1) {
        osr_step_fail(ctx, "step '%s': delimiter and quotechar are one character each",
                      ctx->step_id);
        goto done;
    }
    if (osr_csv_open(&c, path, osr_step_gzip(ctx, path), *delim, *quote, MAX_FIELD) < 0) {
        osr_step_fail(ctx, "step '%s': cannot read %s: %s", ctx->step_id, rel, strerror(errno));
        goto done;
    }
    while (to_skip-- > 0 && (r = osr_csv_next(&c)) == 1)
        ;
    if (header) {
        if ((r = osr_csv_next(&c)) < 0) {
            osr_step_fail(ctx, "step '%s': %s:%lu: %s", ctx->step_id, rel, c.line, c.error);
            goto done;
        }
        nfields = r == 1 ? c.fields.n : 0;
    }
    /* The columns: the header's, or those of `columns` (picked from the header by name). */
    if (json_array_size(cols)) {
        pick = osr_xcalloc(json_array_size(cols), sizeof(*pick));
        for (size_t i = 0; i < json_array_size(cols); i++) {
            const char *name = json_string_value(json_array_get(cols, i));
            size_t k = i;
            if (!name) {
                osr_step_fail(ctx, "step '%s': columns are names", ctx->step_id);
                goto done;
            }
            if (header) {
                for (k = 0; k < nfields && strcmp(c.fields.v[k], name) != 0; k++)
                    ;
                if (k == nfields) {
                    osr_step_fail(ctx, "step '%s': %s has no column '%s'", ctx->step_id, rel, name);
                    goto done;
                }
            }
            pick[npick++] = k;
            osr_strv_push(&b.names, name);
            osr_strv_push(&b.types, "");
        }
        if (!header)
            nfields = npick;
    } else if (header) {
        for (size_t k = 0; k < nfields; k++) {
            osr_strv_push(&b.names, c.fields.v[k]);
            osr_strv_push(&b.types, "");
        }
    } else {
        osr_step_fail(ctx, "step '%s': without a header, name the columns with `columns`",
                      ctx->step_id);
        goto done;
    }
    if (emit(&b, payload) < 0 || ctx->dry_run) {
        rc = ctx->dry_run ? 0 : -1;
        goto done;
    }
    while ((limit < 0 || rows < limit) && (r = osr_csv_next(&c)) == 1) {
        struct osr_cell *row;
        if (c.fields.n != nfields) {
            if (strcmp(bad, "fail") == 0) {
                osr_step_fail(ctx,
                              "step '%s': %s:%lu: %zu fields where the header has %zu "
                              "(on_bad_rows: skip or reject_file to go on)",
                              ctx->step_id, rel, c.line, c.fields.n, nfields);
                goto done;
            }
            if (strcmp(bad, "reject_file") == 0)
                reject(ctx, &rf, &c);
            continue;
        }
        if (!(row = osr_batch_add_row(&b))) {
            if (emit(&b, payload) < 0)
                goto done;
            osr_batch_clear(&b);
            row = osr_batch_add_row(&b);
        }
        for (size_t k = 0; k < b.names.n; k++) {
            const char *v = c.fields.v[pick ? pick[k] : k];
            size_t len = strlen(v);
            char *conv = NULL;
            if (is_null(nulls, v))
                continue; /* the cell stays null */
            if (latin1)
                v = conv = latin1_to_utf8(v, len, &len);
            r = osr_batch_set_bytes(&b, &row[k], OSR_V_TEXT, v, len);
            free(conv);
            if (r < 0) {
                osr_step_fail(ctx, "step '%s': %s:%lu: a row larger than a batch", ctx->step_id,
                              rel, c.line);
                goto done;
            }
        }
        rows++;
        if (b.arena.len > (8u << 20)) {
            if (emit(&b, payload) < 0)
                goto done;
            osr_batch_clear(&b);
        }
    }
    if (r < 0) {
        osr_step_fail(ctx, "step '%s': %s:%lu: %s", ctx->step_id, rel, c.line, c.error);
        goto done;
    }
    rc = b.nrows && emit(&b, payload) < 0 ? -1 : 0;
done:
    if (rf)
        fclose(rf);
    if (c.fd >= 0)
        osr_csv_close(&c);
    osr_batch_dispose(&b);
    free(pick);
    free(path);
    free(dir);
    return rc;
}

const struct osr_extractor_ops osr_csv_extractor = {"filesystem.csv_extractor", extract};
