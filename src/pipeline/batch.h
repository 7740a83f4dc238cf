/*
 * batch.h - rows moving between pipeline steps, a bounded number at a time.
 *
 * A batch holds up to `cap` rows of typed cells (null, integer, real, text, blob) with the
 * column names and declared types of its source. Text and blob bytes live in one arena
 * that is reused from batch to batch, so a run's memory does not grow with the table.
 */
#ifndef OSR_PIPELINE_BATCH_H
#define OSR_PIPELINE_BATCH_H

#include "core/buf.h"
#include "core/strv.h"

#include <stdint.h>

enum osr_vtype { OSR_V_NULL, OSR_V_INT, OSR_V_REAL, OSR_V_TEXT, OSR_V_BLOB };

struct osr_cell {
    enum osr_vtype type;
    int64_t i;
    double r;
    size_t off, len; /* text and blob: bytes in the arena; a number: its source text, if any */
};

struct osr_batch {
    struct osr_strv names; /* column names */
    struct osr_strv types; /* declared types ("" when the source has none) */
    size_t nrows, cap;
    struct osr_cell *cells; /* nrows x names.n */
    struct osr_buf arena;
    uint64_t bytes; /* text and blob bytes of the current rows */
};

/* A batch of at most `cap` rows whose arena may hold `arena_max` bytes. */
void osr_batch_init(struct osr_batch *b, size_t cap, size_t arena_max);
void osr_batch_dispose(struct osr_batch *b);
/* Makes `dst` (initialised with an arena as large as src's) hold a copy of src's rows (and
 * its columns, the first time). */
void osr_batch_copy(struct osr_batch *dst, const struct osr_batch *src);
/* Drops the rows, keeps the columns. */
void osr_batch_clear(struct osr_batch *b);
/* The cells of a new row (zeroed: null), or NULL when the batch is full. */
struct osr_cell *osr_batch_add_row(struct osr_batch *b);
/* Stores text or a blob in the arena for `c`; -OSR_ELIMIT when the arena is full. */
int osr_batch_set_bytes(struct osr_batch *b, struct osr_cell *c, enum osr_vtype type, const void *p,
                        size_t len);
const char *osr_batch_bytes(const struct osr_batch *b, const struct osr_cell *c);
/* Keeps the text a number was read from (its source printed it: an integer in canonical
 * decimal, a real as the shortest text that reads back exactly) with cell `c`, whose type
 * and value the caller set; writers may copy it instead of formatting the number again.
 * -OSR_ELIMIT when the arena is full. */
int osr_batch_set_source(struct osr_batch *b, struct osr_cell *c, const char *p, size_t len);
/* The size of the rows' values: text and blob bytes, 8 per number. */
uint64_t osr_batch_size(const struct osr_batch *b);
static inline struct osr_cell *osr_batch_row(const struct osr_batch *b, size_t row)
{
    return b->cells + row * b->names.n;
}

#endif
