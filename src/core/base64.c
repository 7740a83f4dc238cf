/*
 * base64.c - base64 encoding for binary values in JSON output.
 */
#include "core/base64.h"
#include "core/alloc.h"

char *osr_base64_encode(const void *data, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = data;
    char *out = osr_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
    size_t i = 0;

    for (; i + 2 < n; i += 3) {
        *o++ = tbl[s[i] >> 2];
        *o++ = tbl[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
        *o++ = tbl[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
        *o++ = tbl[s[i + 2] & 63];
    }
    if (i < n) {
        *o++ = tbl[s[i] >> 2];
        if (i + 1 < n) {
            *o++ = tbl[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
            *o++ = tbl[(s[i + 1] & 15) << 2];
        } else {
            *o++ = tbl[(s[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    return out;
}
