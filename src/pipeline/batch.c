/*
 * batch.c - row batches (see batch.h).
 */
#include "pipeline/batch.h"
#include "core/alloc.h"
#include "core/error.h"

void osr_batch_init(struct osr_batch *b, size_t cap, size_t arena_max)
{
    *b = (struct osr_batch){.names = OSR_STRV_INIT, .types = OSR_STRV_INIT, .cap = cap};
    osr_buf_init(&b->arena, arena_max);
}

void osr_batch_dispose(struct osr_batch *b)
{
    osr_strv_dispose(&b->names);
    osr_strv_dispose(&b->types);
    free(b->cells);
    osr_buf_dispose(&b->arena);
    b->cells = NULL;
}

void osr_batch_copy(struct osr_batch *dst, const struct osr_batch *src)
{
    size_t ncells = src->nrows * src->names.n;

    if (dst->names.n == 0) {
        for (size_t i = 0; i < src->names.n; i++) {
            osr_strv_push(&dst->names, src->names.v[i]);
            osr_strv_push(&dst->types, src->types.v[i]);
        }
    }
    if (!dst->cells || dst->cap < src->cap) {
        free(dst->cells);
        dst->cap = src->cap;
        dst->cells = osr_xcalloc(dst->cap * (dst->names.n ? dst->names.n : 1), sizeof(*dst->cells));
    }
    if (ncells)
        memcpy(dst->cells, src->cells, ncells * sizeof(*src->cells));
    osr_buf_clear(&dst->arena);
    if (src->arena.len)
        osr_buf_put(&dst->arena, src->arena.ptr, src->arena.len);
    dst->nrows = src->nrows;
    dst->bytes = src->bytes;
}

void osr_batch_clear(struct osr_batch *b)
{
    b->nrows = 0;
    b->bytes = 0;
    osr_buf_clear(&b->arena);
}

struct osr_cell *osr_batch_add_row(struct osr_batch *b)
{
    struct osr_cell *row;

    if (b->nrows == b->cap)
        return NULL;
    if (!b->cells)
        b->cells = osr_xcalloc(b->cap * (b->names.n ? b->names.n : 1), sizeof(*b->cells));
    row = osr_batch_row(b, b->nrows++);
    memset(row, 0, b->names.n * sizeof(*row));
    return row;
}

int osr_batch_set_bytes(struct osr_batch *b, struct osr_cell *c, enum osr_vtype type, const void *p,
                        size_t len)
{
    size_t off = b->arena.len;

    if (osr_buf_put(&b->arena, p, len) < 0 || osr_buf_failed(&b->arena))
        return osr_error_set(-OSR_ELIMIT, "a batch outgrew its %zu bytes", b->arena.max);
    c->type = type;
    c->off = off;
    c->len = len;
    b->bytes += len;
    return 0;
}

int osr_batch_set_source(struct osr_batch *b, struct osr_cell *c, const char *p, size_t len)
{
    size_t off = b->arena.len;

    if (osr_buf_put(&b->arena, p, len) < 0 || osr_buf_failed(&b->arena))
        return osr_error_set(-OSR_ELIMIT, "a batch outgrew its %zu bytes", b->arena.max);
    c->off = off;
    c->len = len;
    return 0;
}

const char *osr_batch_bytes(const struct osr_batch *b, const struct osr_cell *c)
{
    return b->arena.ptr + c->off;
}

uint64_t osr_batch_size(const struct osr_batch *b)
{
    uint64_t n = b->bytes;
    const struct osr_cell *c = b->cells, *end = c ? c + b->nrows * b->names.n : c;

    for (; c < end; c++)
        n += (c->type == OSR_V_INT || c->type == OSR_V_REAL) ? 8 : 0;
    return n;
}
