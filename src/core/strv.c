/*
 * strv.c - vector of owned strings.
 */
#include "core/strv.h"
#include "core/alloc.h"
#include "core/buf.h"

void osr_strv_push(struct osr_strv *sv, const char *s)
{
    sv->v = osr_xgrow(sv->v, &sv->cap, sv->n + 1, sizeof(*sv->v));
    sv->v[sv->n++] = osr_xstrdup(s);
}

void osr_strv_add_unique(struct osr_strv *sv, const char *s)
{
    if (!osr_strv_contains(sv, s))
        osr_strv_push(sv, s);
}

bool osr_strv_contains(const struct osr_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++) {
        if (strcmp(sv->v[i], s) == 0)
            return true;
    }
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void osr_strv_sort(struct osr_strv *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof(*sv->v), cmp_str);
}

char *osr_strv_join(const struct osr_strv *sv, const char *sep)
{
    struct osr_buf b;

    osr_buf_init(&b, OSR_BUF_UNLIMITED);
    for (size_t i = 0; i < sv->n; i++) {
        if (i)
            osr_buf_puts(&b, sep);
        osr_buf_puts(&b, sv->v[i]);
    }
    return osr_buf_take(&b);
}

void osr_strv_dispose(struct osr_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}
