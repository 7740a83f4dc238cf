/*
 * diag.c - the diagnostics list of diag.h.
 */
#include "core/diag.h"
#include "core/alloc.h"
#include "core/buf.h"

#include <stdarg.h>

void osr_diags_init(struct osr_diags *d)
{
    memset(d, 0, sizeof(*d));
}

void osr_diags_dispose(struct osr_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        struct osr_diag *x = &d->v[i];
        free(x->code);
        free(x->type);
        free(x->file);
        free(x->path);
        free(x->message);
        free(x->suggest);
    }
    free(d->v);
    osr_diags_init(d);
}

static void diag_addv(struct osr_diags *d, enum osr_severity sev, const char *code,
                      const char *file, unsigned line, unsigned col, const char *path,
                      const char *suggest, const char *fmt, va_list ap) OSR_PRINTF(9, 0);

static void diag_addv(struct osr_diags *d, enum osr_severity sev, const char *code,
                      const char *file, unsigned line, unsigned col, const char *path,
                      const char *suggest, const char *fmt, va_list ap)
{
    struct osr_diag *x;
    va_list ap2;
    int n;

    d->v = osr_xgrow(d->v, &d->cap, d->n + 1, sizeof(*d->v));
    x = &d->v[d->n++];
    x->severity = sev;
    x->code = osr_xstrdup(code ? code : "");
    x->type = NULL;
    x->file = file ? osr_xstrdup(file) : NULL;
    x->line = line;
    x->col = col;
    x->path = path ? osr_xstrdup(path) : NULL;
    x->suggest = suggest ? osr_xstrdup(suggest) : NULL;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    x->message = osr_xmalloc((size_t)(n < 0 ? 0 : n) + 1);
    vsnprintf(x->message, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap2);
    va_end(ap2);
    if (sev == OSR_SEV_ERROR)
        d->errors++;
    else if (sev == OSR_SEV_WARNING)
        d->warnings++;
    else
        d->infos++;
}

void osr_diag_add(struct osr_diags *d, enum osr_severity sev, const char *code, const char *file,
                  const struct osr_ynode *at, const char *path, const char *suggest,
                  const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_addv(d, sev, code, file, at ? at->line : 0, at ? at->col : 0, path, suggest, fmt, ap);
    va_end(ap);
}

void osr_diag_add_at(struct osr_diags *d, enum osr_severity sev, const char *code, const char *file,
                     unsigned line, unsigned col, const char *path, const char *suggest,
                     const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    diag_addv(d, sev, code, file, line, col, path, suggest, fmt, ap);
    va_end(ap);
}

const char *osr_severity_name(enum osr_severity sev)
{
    return sev == OSR_SEV_ERROR ? "error" : sev == OSR_SEV_WARNING ? "warning" : "info";
}

json_t *osr_diag_to_json(const struct osr_diag *d)
{
    json_t *j = json_object();

    json_object_set_new(j, "severity", json_string(osr_severity_name(d->severity)));
    json_object_set_new(j, "code", json_string(d->code));
    if (d->type)
        json_object_set_new(j, "type", json_string(d->type));
    json_object_set_new(j, "message", json_string(d->message));
    json_object_set_new(j, "file", d->file ? json_string(d->file) : json_null());
    json_object_set_new(j, "line", d->line ? json_integer(d->line) : json_null());
    json_object_set_new(j, "column", d->col ? json_integer(d->col) : json_null());
    json_object_set_new(j, "path", d->path ? json_string(d->path) : json_null());
    if (d->suggest)
        json_object_set_new(j, "suggest", json_string(d->suggest));
    return j;
}

char *osr_diag_format(const struct osr_diag *d)
{
    struct osr_buf b;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    if (d->file) {
        osr_buf_puts(&b, d->file);
        if (d->line)
            osr_buf_printf(&b, ":%u:%u", d->line, d->col);
        osr_buf_puts(&b, ": ");
    }
    osr_buf_printf(&b, "%s: %s", osr_severity_name(d->severity), d->message);
    if (d->suggest)
        osr_buf_printf(&b, " (fix: %s)", d->suggest);
    return osr_buf_take(&b);
}

void osr_diag_set_type(struct osr_diags *d, const char *type)
{
    if (d->n) {
        free(d->v[d->n - 1].type);
        d->v[d->n - 1].type = osr_xstrdup(type);
    }
}

static int by_position(const void *a, const void *b)
{
    const struct osr_diag *x = a, *y = b;
    unsigned lx = x->line ? x->line : 0, ly = y->line ? y->line : 0;

    if (lx != ly)
        return lx < ly ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

void osr_diags_sort(struct osr_diags *d)
{
    /* A stable sort: insertion sort keeps equal positions in the order they were added,
     * and diagnostics arrive almost sorted already. */
    for (size_t i = 1; i < d->n; i++) {
        struct osr_diag x = d->v[i];
        size_t j = i;
        while (j > 0 && by_position(&d->v[j - 1], &x) > 0) {
            d->v[j] = d->v[j - 1];
            j--;
        }
        d->v[j] = x;
    }
}
