/*
 * buf.c - growable, bounded, always NUL-terminated buffer (see buf.h for the contract).
 */
#include "core/buf.h"
#include "core/alloc.h"
#include "core/error.h"

#include <stdarg.h>

static char empty_string[1];

void osr_buf_init(struct osr_buf *b, size_t max)
{
    b->ptr = empty_string;
    b->len = b->cap = 0;
    b->max = max;
    b->failed = false;
}

void osr_buf_dispose(struct osr_buf *b)
{
    if (b->cap)
        free(b->ptr);
    b->ptr = empty_string;
    b->len = b->cap = 0;
}

void osr_buf_clear(struct osr_buf *b)
{
    b->len = 0;
    if (b->cap)
        b->ptr[0] = '\0';
    b->failed = false;
}

static int buf_fail(struct osr_buf *b)
{
    osr_buf_dispose(b);
    b->failed = true;
    return osr_error_set(-OSR_ELIMIT, "data exceeds the limit of %zu bytes", b->max);
}

static int buf_reserve(struct osr_buf *b, size_t extra)
{
    size_t need, ncap;

    if (b->failed)
        return -OSR_ELIMIT;
    if (__builtin_add_overflow(b->len, extra, &need) || need > b->max)
        return buf_fail(b);
    if (need + 1 <= b->cap)
        return 0;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need + 1)
        ncap *= 2;
    if (b->cap == 0) {
        b->ptr = osr_xmalloc(ncap);
        b->ptr[0] = '\0';
    } else {
        b->ptr = osr_xrealloc(b->ptr, ncap);
    }
    b->cap = ncap;
    return 0;
}

int osr_buf_put(struct osr_buf *b, const void *data, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->ptr + b->len, data, n);
    b->len += n;
    if (b->cap)
        b->ptr[b->len] = '\0';
    return 0;
}

int osr_buf_puts(struct osr_buf *b, const char *s)
{
    return osr_buf_put(b, s, strlen(s));
}

int osr_buf_putc(struct osr_buf *b, char c)
{
    return osr_buf_put(b, &c, 1);
}

int osr_buf_printf(struct osr_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n, rc;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return osr_error_set(-OSR_EINVAL, "bad format string");
    }
    rc = buf_reserve(b, (size_t)n);
    if (rc == 0) {
        vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
    return rc;
}

bool osr_buf_failed(const struct osr_buf *b)
{
    return b->failed;
}

char *osr_buf_take(struct osr_buf *b)
{
    char *s = b->cap ? b->ptr : osr_xstrdup("");
    b->ptr = empty_string;
    b->len = b->cap = 0;
    return s;
}
