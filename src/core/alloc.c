/*
 * alloc.c - the abort-on-failure allocators of alloc.h.
 */
#include "core/alloc.h"

#include <stdarg.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
    char msg[96];
    int len = snprintf(msg, sizeof(msg), "osiris: out of memory (%zu bytes)\n", n);
    if (len > 0 && write(2, msg, (size_t)len) < 0) {
        /* Nothing more can be done. */
    }
    abort();
}

void *osr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *osr_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *osr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

void *osr_xgrow(void *p, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 8;
    size_t bytes;

    if (need <= *cap)
        return p;
    while (ncap < need) {
        if (__builtin_mul_overflow(ncap, 2, &ncap))
            out_of_memory(SIZE_MAX);
    }
    if (__builtin_mul_overflow(ncap, size, &bytes))
        out_of_memory(SIZE_MAX);
    *cap = ncap;
    return osr_xrealloc(p, bytes);
}

char *osr_xstrdup(const char *s)
{
    return osr_xstrndup(s, strlen(s));
}

char *osr_xstrndup(const char *s, size_t n)
{
    char *p = osr_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *osr_xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *p;

    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    p = osr_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}
