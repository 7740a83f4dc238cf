/*
 * buf.h - the one growable string buffer of the project.
 *
 * A buffer is always NUL-terminated (ptr is never NULL after init) and has a hard maximum
 * chosen at init: appending past it frees the contents and makes the buffer "failed", a
 * sticky state checked once after a run of appends with osr_buf_failed(). That way input
 * from outside cannot make us allocate without bound, and error paths cannot leak.
 */
#ifndef OSR_BUF_H
#define OSR_BUF_H

#include "core/compat.h"

struct osr_buf {
    char *ptr;
    size_t len, cap, max;
    bool failed;
};

/* A string slice for parsing; never owns its bytes. */
struct osr_str {
    const char *p;
    size_t n;
};

#define OSR_BUF_UNLIMITED SIZE_MAX

void osr_buf_init(struct osr_buf *b, size_t max);
void osr_buf_dispose(struct osr_buf *b);
void osr_buf_clear(struct osr_buf *b);
int osr_buf_put(struct osr_buf *b, const void *data, size_t n);
int osr_buf_puts(struct osr_buf *b, const char *s);
int osr_buf_putc(struct osr_buf *b, char c);
int osr_buf_printf(struct osr_buf *b, const char *fmt, ...) OSR_PRINTF(2, 3);
bool osr_buf_failed(const struct osr_buf *b);
/* Takes the string out of the buffer (caller frees); the buffer is left empty. */
char *osr_buf_take(struct osr_buf *b);

#endif
